-- migrate: before the migrations
-- sql/functions/triggers.sql: the functions of the triggers (the CREATE TRIGGER statements are in the
-- migrations). Applied before the migrations too: a trigger needs its function.
-- Only function definitions and their grants, all re-applied by every
-- `yanxiud migrate` (README "Schema and migrations").

-- Append-only, whoever asks (the owner too): history is not rewritten.
CREATE OR REPLACE FUNCTION audit_log_immutable() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION USING ERRCODE = '42501', MESSAGE = 'audit_log_append_only',
        HINT = 'audit_log is append-only: history is not rewritten';
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
            RAISE EXCEPTION USING ERRCODE = 'YXPRM', MESSAGE = 'school_report_insert',
                DETAIL = json_build_object('status', NEW.status,
                                           'version', NEW.current_version)::text;
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
        RAISE EXCEPTION USING ERRCODE = 'YXPRM', MESSAGE = 'school_report_fixed',
            DETAIL = json_build_object('unit', OLD.unit_code,
                                       'month', to_char(OLD.month, 'YYYY-MM'))::text;
    END IF;
    IF (NEW.status, NEW.current_version) IS DISTINCT FROM (OLD.status, OLD.current_version) THEN
        IF NEW.status IN ('approved', 'returned', 'reopened', 'voided') THEN
            RAISE EXCEPTION USING ERRCODE = 'YXPRM', MESSAGE = 'school_report_review',
                DETAIL = json_build_object('unit', NEW.unit_code, 'month', m,
                                           'status', NEW.status)::text;
        END IF;
        IF OLD.status NOT IN ('submitted', 'returned', 'reopened') THEN
            RAISE EXCEPTION USING ERRCODE = 'YXPRM', MESSAGE = 'school_report_closed',
                DETAIL = json_build_object('unit', NEW.unit_code, 'month', m,
                                           'status', OLD.status)::text;
        END IF;
        IF NEW.current_version <> OLD.current_version + 1 THEN
            RAISE EXCEPTION USING ERRCODE = 'YXPRM', MESSAGE = 'school_report_version',
                DETAIL = json_build_object('unit', NEW.unit_code, 'month', m,
                                           'next', OLD.current_version + 1,
                                           'version', NEW.current_version)::text;
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
        RAISE EXCEPTION USING ERRCODE = 'YXPRM', MESSAGE = 'report_version_fixed',
            DETAIL = json_build_object('version', OLD.version, 'report', OLD.report_id)::text;
    END IF;
    IF EXISTS (SELECT 1 FROM reports r WHERE r.id = OLD.report_id
                                         AND r.current_version >= OLD.version) THEN
        RAISE EXCEPTION USING ERRCODE = 'YXPRM', MESSAGE = 'report_version_submitted',
            DETAIL = json_build_object('version', OLD.version, 'report', OLD.report_id)::text;
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
        RAISE EXCEPTION USING ERRCODE = 'YXPRM', MESSAGE = 'teacher_other_unit',
            DETAIL = json_build_object('teacher', OLD.code)::text;
    END IF;
    IF NOT EXISTS (SELECT 1 FROM schools s WHERE s.code = NEW.school_code AND s.unit_code = mine) THEN
        RAISE EXCEPTION USING ERRCODE = 'YXPRM', MESSAGE = 'school_outside_unit',
            DETAIL = json_build_object('school', NEW.school_code, 'unit', mine,
                                       'teacher', NEW.code)::text;
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
-- For sign-in rows, every writer's (the owner's too), what the foreign key to
-- the activity did row by row until 017, set-based: each row's activity
-- exists, and the row carries the activity's day.
CREATE OR REPLACE FUNCTION yx_guard_version_rows() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
    bad record;
BEGIN
    IF TG_TABLE_NAME = 'attendance' THEN
        -- by activity and day, not by row: a report's 240 sign-ins are 8 look-ups
        SELECT n.report_id, n.version, n.act_idx, n.date, a.date AS act_date INTO bad
            FROM (SELECT DISTINCT r.report_id, r.version, r.act_idx, r.date FROM new_rows r) n
            LEFT JOIN activities a ON a.report_id = n.report_id AND a.version = n.version
                                  AND a.idx = n.act_idx
            WHERE a.date IS DISTINCT FROM n.date
            LIMIT 1;
        IF FOUND THEN
            RAISE EXCEPTION USING ERRCODE = '23503', MESSAGE = 'attendance_activity',
                DETAIL = json_build_object('report', bad.report_id, 'version', bad.version,
                                           'activity', bad.act_idx, 'date', bad.date,
                                           'activity_date', bad.act_date)::text;
        END IF;
    END IF;
    IF yx_role() = '' THEN
        RETURN NULL;
    END IF;
    SELECT n.report_id, n.version, r.current_version INTO bad
        FROM (SELECT DISTINCT w.report_id, w.version, w.district_code, w.unit_code
              FROM new_rows w) n
        LEFT JOIN reports r ON r.id = n.report_id AND r.district_code = n.district_code
                           AND r.unit_code = n.unit_code
        WHERE r.id IS NULL OR n.version <= r.current_version
        LIMIT 1;
    IF FOUND THEN
        RAISE EXCEPTION USING ERRCODE = 'YXPRM', MESSAGE = 'version_rows_fixed',
            DETAIL = json_build_object('table', TG_TABLE_NAME, 'version', bad.version,
                                       'report', bad.report_id)::text;
    END IF;
    RETURN NULL;
END
$$;

-- A report counts (in the ledger) with its current version while it is
-- submitted (pending) or approved. Only for a session's changes: the owner's
-- tools (restore, the test seeds) write the ledger themselves, as before.
-- One delta per change (ledger_move): what stops counting off, what starts on;
-- in a batch (ledger_batch_begin) the change waits in ledger_batch for the
-- batch's commit, where ledger_batch_apply moves them all at once.
CREATE OR REPLACE FUNCTION ledger_follow() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
    old_counts boolean := TG_OP = 'UPDATE' AND OLD.status IN ('submitted', 'approved')
                          AND OLD.current_version > 0;
    new_counts boolean := NEW.status IN ('submitted', 'approved') AND NEW.current_version > 0;
BEGIN
    -- (a report's first row counts nothing yet: the caller is looked up only when it matters)
    IF NOT (old_counts OR new_counts) OR yx_role() = '' THEN
        RETURN NULL;
    END IF;
    IF current_setting('yanxiu.ledger_batch', true) = 'on' THEN
        PERFORM ledger_batch_ours(true);
        INSERT INTO pg_temp.ledger_batch
        VALUES (NEW.id, CASE WHEN old_counts THEN OLD.current_version END,
                CASE WHEN old_counts THEN OLD.status = 'approved' END,
                CASE WHEN new_counts THEN NEW.current_version END,
                CASE WHEN new_counts THEN NEW.status = 'approved' END);
        RETURN NULL;
    END IF;
    PERFORM ledger_move(ARRAY[NEW.id],
                        ARRAY[CASE WHEN old_counts THEN OLD.current_version END],
                        ARRAY[CASE WHEN old_counts THEN OLD.status = 'approved' END],
                        ARRAY[CASE WHEN new_counts THEN NEW.current_version END],
                        ARRAY[CASE WHEN new_counts THEN NEW.status = 'approved' END]);
    RETURN NULL;
END
$$;

-- Whether the session's temporary schema holds the queue of a batch's ledger changes,
-- ledger_batch, made by us (ledger_batch_begin); when p_needed, its absence is an error
-- too. A ledger_batch of another owner is always an error: the runtime role, which may
-- create temporary tables, could have put one there with rows of any report, or a
-- trigger that our INSERT would run as us.
CREATE OR REPLACE FUNCTION ledger_batch_ours(p_needed boolean) RETURNS boolean
LANGUAGE plpgsql STABLE SET search_path = public, pg_temp AS $$
DECLARE
    q regclass := to_regclass('pg_temp.ledger_batch');
BEGIN
    IF q IS NULL AND NOT p_needed THEN
        RETURN false;
    END IF;
    IF q IS NULL OR (SELECT c.relowner <> (SELECT r.oid FROM pg_roles r WHERE r.rolname = current_user)
                     FROM pg_class c WHERE c.oid = q) THEN
        RAISE EXCEPTION USING ERRCODE = '42501', MESSAGE = 'ledger_batch_not_ours';
    END IF;
    RETURN true;
END
$$;

-- The ledger's changes of a batch, kept until its commit (the deferred trigger
-- reports_ledger_batch, 023): the first firing takes every change the batch queued
-- and moves them in one ledger_move, the others find none. The queue must be the
-- table ledger_batch_begin made, ours: one the runtime role made in the session's
-- temporary schema could hold any report's change, of any district.
CREATE OR REPLACE FUNCTION ledger_batch_apply() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
    ids bigint[];
    old_v int[];
    old_a boolean[];
    new_v int[];
    new_a boolean[];
BEGIN
    PERFORM ledger_batch_ours(true);
    WITH taken AS (DELETE FROM pg_temp.ledger_batch RETURNING *)
    SELECT array_agg(report_id), array_agg(old_version), array_agg(old_approved),
           array_agg(new_version), array_agg(new_approved)
        INTO ids, old_v, old_a, new_v, new_a
        FROM taken;
    IF ids IS NOT NULL THEN
        PERFORM ledger_move(ids, old_v, old_a, new_v, new_a);
    END IF;
    RETURN NULL;
END
$$;

-- A batch of reports in one transaction (the historical import in bulk,
-- daemon/rpc_bulk.c): the ledger's changes wait for its commit and are moved at
-- once (ledger_follow, ledger_batch_apply). Until this transaction ends.
CREATE OR REPLACE FUNCTION ledger_batch_begin() RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
    IF NOT ledger_batch_ours(false) THEN
        CREATE TEMP TABLE ledger_batch (report_id bigint, old_version int, old_approved boolean,
                                        new_version int, new_approved boolean)
            ON COMMIT DELETE ROWS;
    END IF;
    PERFORM set_config('yanxiu.ledger_batch', 'on', true);
END
$$;

-- Each run sets the grants whole: what is not granted here is revoked.
REVOKE ALL ON FUNCTION yx_guard_report, yx_guard_report_version, yx_guard_teacher,
    yx_guard_version_rows, ledger_follow, ledger_batch_ours, ledger_batch_apply,
    ledger_batch_begin FROM PUBLIC, yanxiu_app, yanxiud_login;
GRANT EXECUTE ON FUNCTION ledger_batch_begin TO yanxiu_app;
