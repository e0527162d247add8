-- migrate: before the migrations
-- sql/functions/triggers.sql: the functions of the triggers (the CREATE TRIGGER statements are in the
-- migrations). Applied before the migrations too: a trigger needs its function.
-- Only function definitions and their grants, all re-applied by every
-- `yanxiud migrate` (README "Schema and migrations").

-- Append-only, whoever asks (the owner too): history is not rewritten.
CREATE OR REPLACE FUNCTION audit_log_immutable() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'audit_log is append-only' USING ERRCODE = '42501';
END
$$;

-- ---- who did it: stamped from the session, not taken from yanxiu.user ---------------------
-- The functions of 005-007 record the acting user from the setting yanxiu.user,
-- which the runtime role can write. These triggers overwrite such a column with
-- the user of the transaction's session whenever there is one (without a
-- session, as for the owner's own tools, the value given stays).
CREATE OR REPLACE FUNCTION yx_stamp_user() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    who text := yx_user();
BEGIN
    IF who <> '' THEN
        NEW := jsonb_populate_record(NEW, jsonb_build_object(TG_ARGV[0], who));
    END IF;
    RETURN NEW;
END
$$;

-- ---- reports: a school submits, the district reviews -------------------------
CREATE OR REPLACE FUNCTION yx_guard_report() RETURNS trigger LANGUAGE plpgsql AS $$
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

-- ---- report versions: written once ------------------------------------------------
-- report_submit inserts version N+1, then fills in its teacher_hours and
-- flag_count, then points the report at it. Nothing else updates a version:
-- the submitter, time, address, key, counts and text stay as submitted.
CREATE OR REPLACE FUNCTION yx_guard_report_version() RETURNS trigger LANGUAGE plpgsql AS $$
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

-- ---- teachers: a school keeps its own unit's roster --------------------------------
-- A teacher row a school writes belongs to its unit before and after; moving a
-- teacher between units is a transfer, done by the district.
CREATE OR REPLACE FUNCTION yx_guard_teacher() RETURNS trigger LANGUAGE plpgsql AS $$
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

-- ---- the rows of a version: written once, by its own unit ---------------------------
-- report_submit inserts a version's row, activities, sign-in rows and external
-- records before it points the report at the version. A session may not add
-- rows to a version already submitted (which would change what the ledger
-- takes off on the next review), nor rows that name another unit's report
-- under its own unit (the foreign keys do not look at the unit). As the owner:
-- the check must see every report, not only the caller's.
CREATE OR REPLACE FUNCTION yx_guard_version_rows() RETURNS trigger
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

-- A report counts (in the ledger) with its current version while it is
-- submitted (pending) or approved. Only for a session's changes: the owner's
-- tools (restore, the test seeds) write the ledger themselves, as before.
CREATE OR REPLACE FUNCTION ledger_follow() RETURNS trigger
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

-- Each run sets the grants whole: what is not granted here is revoked.
REVOKE ALL ON FUNCTION yx_guard_report, yx_guard_report_version, yx_guard_teacher,
    yx_guard_version_rows, ledger_follow FROM PUBLIC, yanxiu_app, yanxiud_login;
