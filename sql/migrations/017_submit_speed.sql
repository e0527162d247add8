-- 017: a submission whose cost is close to writing its rows (issue 14).
--
-- * A sign-in row carries its activity's date. The flags' look-up of a
--   teacher's other sign-ins is then one probe of (district, teacher, day)
--   per teacher of the new version into attendance_teacher_day, returning that
--   teacher's rows of the version's days only: a plan that does not depend on
--   how many reports a month holds, nor on what the statistics say of a new
--   month (008's probe by teacher returned every month of the teacher's
--   history and joined it to the month's reports, whose plan went wrong after
--   ANALYZE: issue 14). The index replaces attendance_teacher, whose columns
--   are its prefix (teacher_records probes it by teacher).
-- * The foreign key from a sign-in row to its activity was checked row by row
--   (a query per row, 240 for a report of 8 activities x 30 teachers); the
--   statement trigger that already checks a statement's new rows
--   (yx_guard_version_rows, sql/functions/triggers.sql) checks, set-based and
--   for every writer, that each new sign-in row has its activity, of the same
--   day. Nothing deletes activities (the runtime role may not; versions are
--   kept), so the check on insert is what the key did.
-- * The ledgers follow a report's change in one delta (ledger_move,
--   sql/functions/ledger.sql): a resubmission applies the difference between
--   the two versions once, instead of taking the old version off and adding the
--   new one in two passes.
-- * The fine-grained ledger (per teacher x month x category x level x mode) is
--   no longer kept: nothing but verify-ledger read it, and keeping it was three
--   quarters of the ledgers' cost of a submission (some 230 upserted rows of a
--   report of 240 sign-ins, against 30 of ledger_months and 60 of
--   ledger_years). `ledger` is now the view of what it held, computed from the
--   counted versions' rows when asked (ledger_expected); the two ledgers the
--   rules read, ledger_months and ledger_years, are kept and verified as before.

ALTER TABLE attendance ADD COLUMN date date;
UPDATE attendance t SET date = a.date
FROM activities a
WHERE a.report_id = t.report_id AND a.version = t.version AND a.idx = t.act_idx;
ALTER TABLE attendance ALTER COLUMN date SET NOT NULL;

CREATE INDEX attendance_teacher_day ON attendance (district_code, teacher_code, date);
DROP INDEX attendance_teacher;

ALTER TABLE attendance DROP CONSTRAINT attendance_report_id_version_act_idx_fkey;

-- a_attendance_once (011) checks the rows of every writer now, the owner's too
-- (yx_guard_version_rows: sql/functions/triggers.sql)

-- ledger_add's two passes become ledger_move's one (sql/functions/ledger.sql; a new
-- database never had them: the function files come before the migrations);
-- ledger_apply, a no-op since 011 that report_submit and report_review still
-- called, is called no more.
DROP FUNCTION IF EXISTS ledger_add(bigint, int, int, boolean);
DROP FUNCTION IF EXISTS ledger_apply(bigint, int, int, boolean);

DROP TABLE ledger;
CREATE VIEW ledger WITH (security_invoker = true) AS
SELECT district_code, teacher_code, month, category, level, mode, approved,
       hours::numeric(12, 1) AS hours, credit_hours::numeric(12, 1) AS credit_hours,
       credits::numeric(12, 1) AS credits, absences
FROM ledger_expected;
GRANT SELECT ON ledger TO yanxiu_app;
