-- 024: room on the kept tables' pages for their rows' next values (issue 14;
-- tests/bench/bulk-bench.sh, YX_BENCH_STATEMENTS=1 lists the tables' updates).
--
-- compliance_years and compliance_cycles are upserted by every submission and review: a
-- teacher's year row is rewritten once a report of each month counts, and again when it is
-- approved. Their pages were filled whole (fillfactor 100), so each new row version went to
-- another page and took a new entry in the primary key's index: of 79 980 updates of a
-- county's year loaded in bulk, 1 475 were HOT (2 %), and the index held an entry per
-- version until a vacuum. With a quarter of each page left free the new version stays on
-- its page (a heap-only tuple: no index entry) and the old one is pruned there. The
-- ledger_months rows of a month are updated when it is approved or resubmitted.
-- Pages written from now on keep the room; the rows already stored move to such pages as
-- they are updated (no rewrite here: a large table would be locked while it ran).

ALTER TABLE compliance_years SET (fillfactor = 75);
ALTER TABLE compliance_cycles SET (fillfactor = 75);
ALTER TABLE ledger_months SET (fillfactor = 85);
