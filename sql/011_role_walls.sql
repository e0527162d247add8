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

-- ---- reports: a school submits, the district reviews -------------------------
CREATE FUNCTION yx_guard_report() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    dl timestamptz;
    m text := to_char(NEW.month, 'YYYY-MM');
BEGIN
    IF yx_role() <> 'school' THEN
        RETURN NEW;
    END IF;
    IF TG_OP = 'INSERT' THEN
        IF NEW.status <> 'submitted' OR NEW.current_version <> 0 THEN
            RAISE EXCEPTION 'a school account creates a report only by submitting it (yanxiu report submit), not with status % and version %',
                NEW.status, NEW.current_version USING ERRCODE = 'YXPRM';
        END IF;
        -- as report_submit computes them: the deadline from the district's policy
        dl := ((NEW.month + interval '1 month'
                + ((policy_at(NEW.district_code, NEW.month)).deadline_day - 1) * interval '1 day')::timestamp
               + interval '1 day') AT TIME ZONE 'Asia/Shanghai' - interval '1 microsecond';
        NEW.deadline := dl;
        NEW.first_submitted_at := now();
        NEW.on_time := now() <= dl;
        NEW.status_at := now();
        RETURN NEW;
    END IF;
    IF (NEW.id, NEW.district_code, NEW.unit_code, NEW.month, NEW.deadline, NEW.first_submitted_at,
        NEW.on_time) IS DISTINCT FROM
       (OLD.id, OLD.district_code, OLD.unit_code, OLD.month, OLD.deadline, OLD.first_submitted_at,
        OLD.on_time) THEN
        RAISE EXCEPTION 'the report of % for %: a school account cannot change its unit, month, deadline, first submission or on-time flag',
            OLD.unit_code, to_char(OLD.month, 'YYYY-MM') USING ERRCODE = 'YXPRM';
    END IF;
    IF (NEW.status, NEW.current_version) IS DISTINCT FROM (OLD.status, OLD.current_version) THEN
        IF NEW.status IN ('approved', 'returned', 'reopened', 'voided') THEN
            RAISE EXCEPTION 'the report of % for % cannot become % by a school account: approving, returning, reopening and voiding are the district''s (yanxiu report approve|return|reopen|void)',
                NEW.unit_code, m, NEW.status USING ERRCODE = 'YXPRM';
        END IF;
        IF OLD.status NOT IN ('submitted', 'returned', 'reopened') THEN
            RAISE EXCEPTION 'the report of % for % is %; a school account cannot change it (the district reopens it: yanxiu report reopen)',
                NEW.unit_code, m, OLD.status USING ERRCODE = 'YXPRM';
        END IF;
        IF NEW.current_version <> OLD.current_version + 1 THEN
            RAISE EXCEPTION 'the report of % for %: a school account changes it only by submitting version %, not %',
                NEW.unit_code, m, OLD.current_version + 1, NEW.current_version
                USING ERRCODE = 'YXPRM';
        END IF;
        NEW.status_at := now();
    ELSE
        NEW.status_at := OLD.status_at;
    END IF;
    RETURN NEW;
END
$$;
-- "a_" so that it runs before reports_stamp (010): triggers fire in name order
CREATE TRIGGER a_reports_role BEFORE INSERT OR UPDATE ON reports
    FOR EACH ROW EXECUTE FUNCTION yx_guard_report();

-- ---- report versions: written once ------------------------------------------------
-- report_submit inserts version N+1, then fills in its teacher_hours and
-- flag_count, then points the report at it. Nothing else updates a version:
-- the submitter, time, address, key, counts and text stay as submitted.
CREATE FUNCTION yx_guard_report_version() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF yx_role() = '' THEN
        RETURN NEW;
    END IF;
    IF to_jsonb(NEW) - 'teacher_hours' - 'flag_count'
       IS DISTINCT FROM to_jsonb(OLD) - 'teacher_hours' - 'flag_count' THEN
        RAISE EXCEPTION 'version % of report %: a submitted version is not changed (only its computed hours and flags, while it is submitted)',
            OLD.version, OLD.report_id USING ERRCODE = 'YXPRM';
    END IF;
    IF EXISTS (SELECT 1 FROM reports r WHERE r.id = OLD.report_id
                                         AND r.current_version >= OLD.version) THEN
        RAISE EXCEPTION 'version % of report % was submitted already; its hours and flags are not changed afterwards',
            OLD.version, OLD.report_id USING ERRCODE = 'YXPRM';
    END IF;
    RETURN NEW;
END
$$;
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

-- ---- teachers: a school keeps its own unit's roster --------------------------------
-- A teacher row a school writes belongs to its unit before and after; moving a
-- teacher between units is a transfer, done by the district.
CREATE FUNCTION yx_guard_teacher() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    c record;
    mine text;
BEGIN
    SELECT * INTO c FROM yx_caller(); -- one session lookup per row, not two
    IF c.role IS DISTINCT FROM 'school' THEN
        RETURN NEW;
    END IF;
    mine := c.unit_code;
    IF TG_OP = 'UPDATE' AND NOT EXISTS (SELECT 1 FROM schools s WHERE s.code = OLD.school_code
                                                                  AND s.unit_code = mine) THEN
        RAISE EXCEPTION 'teacher % belongs to another reporting unit; a move between units is a transfer, done by the district (yanxiu roster transfer)',
            OLD.code USING ERRCODE = 'YXPRM';
    END IF;
    IF NOT EXISTS (SELECT 1 FROM schools s WHERE s.code = NEW.school_code AND s.unit_code = mine) THEN
        RAISE EXCEPTION 'school % is not in your reporting unit %: teacher % cannot be placed there',
            NEW.school_code, mine, NEW.code USING ERRCODE = 'YXPRM';
    END IF;
    RETURN NEW;
END
$$;
CREATE TRIGGER a_teachers_role BEFORE INSERT OR UPDATE ON teachers
    FOR EACH ROW EXECUTE FUNCTION yx_guard_teacher();

REVOKE ALL ON FUNCTION yx_guard_report, yx_guard_report_version, yx_guard_teacher FROM PUBLIC;

-- ---- the rows of a version: written once, by its own unit ---------------------------
-- report_submit inserts a version's row, activities, sign-in rows and external
-- records before it points the report at the version. A session may not add
-- rows to a version already submitted (which would change what the ledger
-- takes off on the next review), nor rows that name another unit's report
-- under its own unit (the foreign keys do not look at the unit). As the owner:
-- the check must see every report, not only the caller's.
CREATE FUNCTION yx_guard_version_rows() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
    bad record;
BEGIN
    IF yx_role() = '' THEN
        RETURN NULL;
    END IF;
    SELECT n.report_id, n.version, r.current_version INTO bad
        FROM new_rows n
        LEFT JOIN reports r ON r.id = n.report_id AND r.district_code = n.district_code
                           AND r.unit_code = n.unit_code
        WHERE r.id IS NULL OR n.version <= r.current_version
        LIMIT 1;
    IF FOUND THEN
        RAISE EXCEPTION '%: version % of report % is not one being submitted by its unit; a submitted version is not changed (submit a new one: yanxiu report submit)',
            TG_TABLE_NAME, bad.version, bad.report_id USING ERRCODE = 'YXPRM';
    END IF;
    RETURN NULL;
END
$$;
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
ALTER FUNCTION ledger_apply(bigint, int, int, boolean) RENAME TO ledger_add;
ALTER FUNCTION ledger_add(bigint, int, int, boolean) SET search_path = public, pg_temp;
-- 005's grant went with the name: only the owner's trigger calls it now.
REVOKE ALL ON FUNCTION ledger_add FROM PUBLIC, yanxiu_app;

-- A report counts (in the ledger) with its current version while it is
-- submitted (pending) or approved. Only for a session's changes: the owner's
-- tools (restore, the test seeds) write the ledger themselves, as before.
CREATE FUNCTION ledger_follow() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
    IF yx_role() = '' THEN
        RETURN NULL;
    END IF;
    IF OLD.status IN ('submitted', 'approved') AND OLD.current_version > 0 THEN
        PERFORM ledger_add(OLD.id, OLD.current_version, -1, OLD.status = 'approved');
    END IF;
    IF NEW.status IN ('submitted', 'approved') AND NEW.current_version > 0 THEN
        PERFORM ledger_add(NEW.id, NEW.current_version, 1, NEW.status = 'approved');
    END IF;
    RETURN NULL;
END
$$;
REVOKE ALL ON FUNCTION ledger_follow, yx_guard_version_rows FROM PUBLIC;
CREATE TRIGGER reports_ledger_new AFTER INSERT ON reports
    FOR EACH ROW EXECUTE FUNCTION ledger_follow();
CREATE TRIGGER reports_ledger AFTER UPDATE ON reports
    FOR EACH ROW WHEN ((OLD.status, OLD.current_version) IS DISTINCT FROM
                       (NEW.status, NEW.current_version))
    EXECUTE FUNCTION ledger_follow();

-- Kept for report_submit and report_review (005), which call it: the trigger
-- above does its work now.
CREATE FUNCTION ledger_apply(p_report bigint, p_version int, p_sign int, p_approved boolean)
RETURNS void LANGUAGE plpgsql AS $$
BEGIN
END
$$;
GRANT EXECUTE ON FUNCTION ledger_apply TO yanxiu_app;

REVOKE INSERT, UPDATE, DELETE ON ledger, ledger_months, ledger_years FROM yanxiu_app;
