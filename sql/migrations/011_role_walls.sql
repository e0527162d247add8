-- 011: the wall checks the caller's role too, not only its district and unit
-- (README "Security model").
--
-- Until now the policies of 010 let a school session, through plain SQL as the
-- runtime role, do what only the daemon's per-method role check refused:
-- approve its own report, write the district's schools and policies, move
-- teachers of other units, rewrite who submitted a version. From here on, for
-- a caller whose session is a school's (yx_role() = 'school'):
-- * reports: it may create a report of its unit only as report_submit does
--   (status submitted, version 0; the deadline and on-time flag are computed
--   here, not taken), and change one only by a resubmission: the version goes
--   up by one and the status becomes (or stays) submitted, from submitted,
--   returned or reopened. Approving, returning, reopening and voiding (every
--   path, report_review included) and unlocking an approved or voided report
--   are refused; so are changes of the unit, month, deadline, first
--   submission and on-time flag;
-- * schools and policies: written by a district or an admin only (the
--   policies' WITH CHECK, as 010 does for the assessment schemes), which
--   refuses units_import and policy_set too;
-- * teachers: only a teacher of its own unit, who stays in it (roster_import
--   without its unit, roster_transfer and direct writes are refused).
-- And for every caller with a session:
-- * a version of a report is written once: an UPDATE may only fill in
--   teacher_hours and flag_count while the version is being submitted
--   (report_submit, before the report points to it); activities, sign-in rows
--   and external records are added only to a version being submitted, under
--   the unit of the report they name;
-- * the ledger tables are the owner's: a trigger on reports keeps them from
--   each change of status or current version (as report_submit and
--   report_review asked of ledger_apply, now a no-op); the runtime role only
--   reads them.
-- The owner's own tools (no session) are not concerned.
-- The guards are triggers and policies on the tables the functions write; the
-- one body that moves is ledger_apply's (009), renamed ledger_add.

-- yx_guard_report: sql/functions/triggers.sql
-- "a_" so that it runs before reports_stamp (010): triggers fire in name order
CREATE TRIGGER a_reports_role BEFORE INSERT OR UPDATE ON reports
    FOR EACH ROW EXECUTE FUNCTION yx_guard_report();

-- yx_guard_report_version: sql/functions/triggers.sql
CREATE TRIGGER a_report_versions_role BEFORE UPDATE ON report_versions
    FOR EACH ROW EXECUTE FUNCTION yx_guard_report_version();

-- ---- schools and policies: the district's ---------------------------------------
ALTER POLICY schools_wall ON schools
    USING ((SELECT yx_wall_district()) = ANY (ARRAY['*', district_code]))
    WITH CHECK ((SELECT yx_wall_district()) = ANY (ARRAY['*', district_code])
                AND (SELECT yx_wall_unit()) = '*');
ALTER POLICY policies_wall ON policies
    USING ((SELECT yx_wall_district()) = ANY (ARRAY['*', district_code]))
    WITH CHECK ((SELECT yx_wall_district()) = ANY (ARRAY['*', district_code])
                AND (SELECT yx_wall_unit()) = '*');

-- yx_guard_teacher: sql/functions/triggers.sql
CREATE TRIGGER a_teachers_role BEFORE INSERT OR UPDATE ON teachers
    FOR EACH ROW EXECUTE FUNCTION yx_guard_teacher();

-- yx_guard_version_rows: sql/functions/triggers.sql
CREATE TRIGGER a_report_versions_once AFTER INSERT ON report_versions
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION yx_guard_version_rows();
CREATE TRIGGER a_activities_once AFTER INSERT ON activities
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION yx_guard_version_rows();
CREATE TRIGGER a_attendance_once AFTER INSERT ON attendance
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION yx_guard_version_rows();
CREATE TRIGGER a_external_records_once AFTER INSERT ON external_records
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION yx_guard_version_rows();

-- ---- the ledger follows the reports, written by the owner only ----------------------
-- The ledger tables were written by ledger_apply, which report_submit and
-- report_review call as the runtime role: that role could write any ledger
-- row of its district, a school's session too. Now a trigger on reports keeps
-- the ledger (as its owner) from each change of a report's status or current
-- version: the old version stops counting, the new one counts, approved or
-- pending, exactly what report_submit and report_review asked of
-- ledger_apply, which is now a no-op kept for them. The runtime role reads the
-- ledger tables and writes none. 009's ledger_apply is renamed ledger_add,
-- its body unchanged.
-- 005's grant went with the name: only the owner's trigger calls it now.

-- ledger_follow: sql/functions/triggers.sql
CREATE TRIGGER reports_ledger_new AFTER INSERT ON reports
    FOR EACH ROW EXECUTE FUNCTION ledger_follow();
CREATE TRIGGER reports_ledger AFTER UPDATE ON reports
    FOR EACH ROW WHEN ((OLD.status, OLD.current_version) IS DISTINCT FROM
                       (NEW.status, NEW.current_version))
    EXECUTE FUNCTION ledger_follow();

-- ledger_apply: sql/functions/ledger.sql

REVOKE INSERT, UPDATE, DELETE ON ledger, ledger_months, ledger_years FROM yanxiu_app;
