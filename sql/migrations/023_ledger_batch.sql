-- 023: a batch's ledger moved once, at its commit (issue 14; tests/bench/bulk-bench.sh).
--
-- The historical import in bulk (daemon/rpc_bulk.c) writes up to 500 reports in one
-- transaction. Each report's change of the ledger was moved by its own ledger_move: a
-- teacher's year and cycle upserted once per report, a county's 12 months 12 times. Now
-- the batch calls ledger_batch_begin first; ledger_follow queues each change in the
-- session's table ledger_batch, and the deferred trigger below moves them all in one
-- ledger_move at the commit (ledger_batch_apply, sql/functions/triggers.sql). The deferred
-- trigger is what guarantees the move: whatever the runtime role sets, a change queued is
-- moved before its transaction commits, or the transaction fails.
--
-- ledger_move takes arrays, a change per element: a new signature.

DROP FUNCTION IF EXISTS ledger_move(bigint, int, boolean, int, boolean);

CREATE CONSTRAINT TRIGGER reports_ledger_batch AFTER UPDATE ON reports
    DEFERRABLE INITIALLY DEFERRED
    FOR EACH ROW WHEN (current_setting('yanxiu.ledger_batch', true) = 'on'
                       AND (OLD.status, OLD.current_version) IS DISTINCT FROM
                           (NEW.status, NEW.current_version))
    EXECUTE FUNCTION ledger_batch_apply();
-- (an inserted report queues a change only when it counts from the start: report_submit's
-- new report does not, its update to the version does)
CREATE CONSTRAINT TRIGGER reports_ledger_batch_new AFTER INSERT ON reports
    DEFERRABLE INITIALLY DEFERRED
    FOR EACH ROW WHEN (current_setting('yanxiu.ledger_batch', true) = 'on'
                       AND NEW.status IN ('submitted', 'approved') AND NEW.current_version > 0)
    EXECUTE FUNCTION ledger_batch_apply();
