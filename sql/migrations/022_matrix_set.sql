-- 022: the reporting matrix read as a set (issue 14; tests/bench/compliance-bench.sh).
--
-- reporting_matrix (sql/functions/compliance.sql) reads the district's reports of the months
-- in one range and hashes them against units x months, checking the wall itself (SECURITY
-- DEFINER), instead of one probe per unit and month (a city: 20 000 probes, 77 ms). It
-- takes the unit asked for, so that one unit's view reads that unit's rows only: a new
-- signature. Which versions are flagged is read from a partial index: most versions have
-- no flag, and report_submit sets flag_count (once) only on those that have.

DROP FUNCTION IF EXISTS reporting_matrix(text, date, date);
CREATE INDEX report_versions_flagged ON report_versions (district_code, report_id, version)
    WHERE flag_count > 0;
