-- sql/functions/report.sql: monthly reports: check, submit, review, diff.
-- Only function definitions and their grants, all re-applied by every
-- `yanxiud migrate` (README "Schema and migrations").

-- ---- submitting --------------------------------------------------------------
-- Problems the database can see in a report: the unit, the month, the
-- district's non-creditable titles, teachers against the roster. One row per
-- problem (path as the protocol names it, reason code of daemon/reasons.def,
-- its arguments as a JSON object of strings); no row when all is well.
-- NULL array elements are values the daemon already found malformed: skipped.
-- t_pos is the sign-in row's index in the request (attendance[t_pos]).
CREATE OR REPLACE FUNCTION report_check(p_district text, p_unit text, p_month date, a_title text[],
    t_act int[], t_pos int[], t_teacher text[], t_name text[], e_teacher text[], e_title text[])
RETURNS TABLE (path text, code text, args jsonb) LANGUAGE plpgsql STABLE AS $$
#variable_conflict use_column
DECLARE
    u schools;
    pol policies := policy_at(p_district, p_month);
    month_end date := (p_month + interval '1 month' - interval '1 day')::date;
BEGIN
    SELECT * INTO u FROM schools s WHERE s.code = p_unit AND s.district_code = p_district;
    IF NOT FOUND THEN
        RETURN QUERY SELECT 'unit_code'::text, 'report_unit_unknown'::text,
            jsonb_build_object('unit', p_unit);
        RETURN;
    END IF;
    IF u.unit_code <> u.code THEN
        RETURN QUERY SELECT 'unit_code'::text, 'report_unit_primary'::text,
            jsonb_build_object('unit', u.code, 'name', u.name, 'central', u.unit_code);
        RETURN;
    END IF;
    IF p_month > date_trunc('month', now() AT TIME ZONE 'Asia/Shanghai')::date THEN
        RETURN QUERY SELECT 'month'::text, 'report_month_future'::text,
            jsonb_build_object('month', to_char(p_month, 'YYYY-MM'));
    END IF;
    IF u.opened IS NOT NULL AND u.opened > month_end THEN
        RETURN QUERY SELECT 'month'::text, 'report_unit_not_open'::text,
            jsonb_build_object('name', u.name, 'date', u.opened::text,
                               'month', to_char(p_month, 'YYYY-MM'));
    END IF;
    IF u.closed IS NOT NULL AND u.closed < p_month THEN
        RETURN QUERY SELECT 'month'::text, 'report_unit_closed'::text,
            jsonb_build_object('name', u.name, 'date', u.closed::text,
                               'month', to_char(p_month, 'YYYY-MM'));
    END IF;

    RETURN QUERY
    SELECT format('activities[%s].title', x.i - 1), 'report_not_creditable'::text,
           jsonb_build_object('value', x.title, 'word', w.word)
    FROM unnest(a_title) WITH ORDINALITY AS x(title, i)
    CROSS JOIN LATERAL (SELECT nc AS word FROM unnest(pol.non_creditable) nc
                        WHERE position(nc IN x.title) > 0 LIMIT 1) w
    WHERE x.title IS NOT NULL;

    -- the roster looked up once per teacher and name (a report names each teacher on
    -- every activity's sheet: 240 sign-ins are some 30 look-ups), then the rows of those
    -- that are wrong
    RETURN QUERY
    WITH bad AS MATERIALIZED (
        SELECT x.code, x.name, t.code AS known, t.name AS roster_name, ts.unit_code AS t_unit
        FROM (SELECT DISTINCT y.code, y.name FROM unnest(t_teacher, t_name) AS y(code, name)
              WHERE y.code IS NOT NULL) x
        LEFT JOIN teachers t ON t.district_code = p_district AND t.code = x.code
        LEFT JOIN schools ts ON ts.code = t.school_code
        WHERE t.code IS NULL OR (x.name IS NOT NULL AND x.name <> '' AND x.name <> t.name))
    SELECT format('attendance[%s].%s', x.p,
                  CASE WHEN b.known IS NULL THEN 'teacher_code' ELSE 'name' END),
           CASE WHEN b.known IS NULL THEN 'report_teacher_unknown'
                WHEN yx_role() <> 'school' OR b.t_unit = p_unit THEN 'report_teacher_name'
                ELSE 'report_teacher_name_other' END,
           CASE WHEN b.known IS NULL
                THEN jsonb_build_object('value', x.code, 'unit', u.name)
                WHEN yx_role() <> 'school' OR b.t_unit = p_unit
                THEN jsonb_build_object('value', x.name, 'code', x.code, 'roster_name', b.roster_name)
                ELSE jsonb_build_object('value', x.name, 'code', x.code) END
    FROM unnest(t_act, t_pos, t_teacher, t_name) AS x(a, p, code, name)
    JOIN bad b ON b.code = x.code AND b.name IS NOT DISTINCT FROM x.name
    ORDER BY x.p;

    RETURN QUERY
    SELECT format('external[%s].teacher_code', x.i - 1),
           CASE WHEN t.code IS NULL THEN 'report_external_unknown'
                ELSE 'report_external_other_unit' END,
           jsonb_build_object('value', x.code, 'unit', u.name)
    FROM unnest(e_teacher) WITH ORDINALITY AS x(code, i)
    LEFT JOIN teachers t ON t.district_code = p_district AND t.code = x.code
    LEFT JOIN schools s ON s.code = t.school_code
    WHERE x.code IS NOT NULL AND (t.code IS NULL OR s.unit_code <> p_unit);

    RETURN QUERY
    SELECT format('external[%s].title', x.i - 1), 'report_not_creditable'::text,
           jsonb_build_object('value', x.title, 'word', w.word)
    FROM unnest(e_title) WITH ORDINALITY AS x(title, i)
    CROSS JOIN LATERAL (SELECT nc AS word FROM unnest(pol.non_creditable) nc
                        WHERE position(nc IN x.title) > 0 LIMIT 1) w
    WHERE x.title IS NOT NULL;
END
$$;

-- Submits one monthly report. Returns the problems (path, code, args) and writes
-- nothing, or returns no row having written version N+1; the version then
-- is in the transaction setting yanxiu.report (report id, version, and
-- whether this was a replay of a known idempotency key) for report_submitted.
-- With p_check_only it only checks. p_submitted_at (historical import, 历史导入,
-- district and admin only): the time the report really arrived, not in the
-- future, not before its month nor before the previous version; the version,
-- the report's first submission and its timeliness take it, the version is
-- marked imported and the audit log says report import.
CREATE OR REPLACE FUNCTION report_submit(p_district text, p_unit text, p_addr text, p_month date,
    p_key text, p_hash bytea, p_check_only boolean, p_empty boolean, p_reason text,
    p_summary text,
    a_ref text[], a_date date[], a_start time[], a_end time[], a_title text[], a_category text[],
    a_form text[], a_level text[], a_mode text[], a_place text[], a_host text[],
    a_speaker text[], a_hours numeric[],
    t_act int[], t_pos int[], t_teacher text[], t_name text[], t_status text[], t_hours numeric[],
    e_teacher text[], e_date date[], e_title text[], e_category text[], e_level text[],
    e_mode text[], e_hours numeric[], e_credits numeric[], e_cert text[],
    p_submitted_at timestamptz DEFAULT NULL)
RETURNS TABLE (path text, code text, args jsonb) LANGUAGE plpgsql
-- Every row this function and what it calls (report_check, report_compute_flags, the
-- triggers, ledger_move) reads is found by a key: a report, a version, a teacher, a
-- teacher's day. Its plans are pinned to those index look-ups, so that no estimate can
-- turn one into a scan: a plan cached by the daemon's long-lived connection while the
-- tables were empty or not yet analyzed (a new database, a bulk load) otherwise scanned
-- a whole table once per teacher, growing with every report loaded (issue 14).
SET enable_seqscan = off SET enable_hashjoin = off SET enable_mergejoin = off AS $$
#variable_conflict use_column
DECLARE
    r reports;
    v report_versions;
    who text := coalesce(current_setting('yanxiu.user', true), '');
    ver int;
    dl timestamptz;
    is_import boolean := p_submitted_at IS NOT NULL;
    sub_at timestamptz := coalesce(p_submitted_at, now());
    bad_time boolean := false;
    n_flags int;
BEGIN
    IF is_import AND yx_role() = 'school' THEN
        RAISE EXCEPTION USING ERRCODE = 'YXPRM', MESSAGE = 'report_import_district_only';
    END IF;
    -- A retry of a submission already made: its answer, nothing written.
    IF NOT p_check_only THEN
        SELECT * INTO v FROM report_versions x WHERE x.district_code = p_district
            AND x.idem_key = p_key;
        IF FOUND THEN
            IF v.payload_hash <> p_hash THEN
                RAISE EXCEPTION USING ERRCODE = 'YXDUP', MESSAGE = 'idempotency_key_used',
                    DETAIL = json_build_object('key', p_key, 'unit', v.unit_code,
                                               'version', v.version)::text;
            END IF;
            PERFORM set_config('yanxiu.report', format('%s:%s:1', v.report_id, v.version), true);
            RETURN;
        END IF;
    END IF;

    RETURN QUERY SELECT c.path, c.code, c.args FROM report_check(p_district, p_unit, p_month, a_title,
        t_act, t_pos, t_teacher, t_name, e_teacher, e_title) c;
    bad_time := FOUND;
    IF is_import THEN
        RETURN QUERY
        SELECT 'submitted_at'::text, x.code, x.args
        FROM (SELECT 'report_submitted_at_future' AS code,
                     jsonb_build_object('value', to_char(p_submitted_at AT TIME ZONE 'Asia/Shanghai',
                                                         'YYYY-MM-DD HH24:MI')) AS args
              WHERE p_submitted_at > now()
              UNION ALL
              SELECT 'report_submitted_at_before_month',
                     jsonb_build_object('value', to_char(p_submitted_at AT TIME ZONE 'Asia/Shanghai',
                                                         'YYYY-MM-DD HH24:MI'),
                                        'month', to_char(p_month, 'YYYY-MM'))
              WHERE p_submitted_at < p_month::timestamp AT TIME ZONE 'Asia/Shanghai'
              UNION ALL
              SELECT 'report_submitted_at_before_version',
                     jsonb_build_object('value', to_char(p_submitted_at AT TIME ZONE 'Asia/Shanghai',
                                                         'YYYY-MM-DD HH24:MI'),
                                        'version', pv.version,
                                        'previous', to_char(pv.submitted_at AT TIME ZONE 'Asia/Shanghai',
                                                            'YYYY-MM-DD HH24:MI'))
              FROM reports pr JOIN report_versions pv ON pv.report_id = pr.id
                                                     AND pv.version = pr.current_version
              WHERE pr.district_code = p_district AND pr.unit_code = p_unit AND pr.month = p_month
                AND pv.submitted_at > p_submitted_at) x;
        bad_time := bad_time OR FOUND;
    END IF;
    IF bad_time OR p_check_only THEN
        RETURN;
    END IF;

    -- One submission at a time per unit and month: the row lock serializes them.
    dl := report_deadline(p_district, p_month);
    INSERT INTO reports (district_code, unit_code, month, status, current_version, deadline,
                         first_submitted_at, on_time, status_at, status_by)
    VALUES (p_district, p_unit, p_month, 'submitted', 0, dl, sub_at, sub_at <= dl, sub_at, who)
    ON CONFLICT (district_code, unit_code, month) DO NOTHING;
    SELECT * INTO r FROM reports x WHERE x.district_code = p_district AND x.unit_code = p_unit
        AND x.month = p_month FOR UPDATE;

    -- The same key may have committed while we waited for the lock.
    SELECT * INTO v FROM report_versions x WHERE x.district_code = p_district AND x.idem_key = p_key;
    IF FOUND THEN
        IF v.payload_hash <> p_hash THEN
            RAISE EXCEPTION USING ERRCODE = 'YXDUP', MESSAGE = 'idempotency_key_used_now',
                DETAIL = json_build_object('key', p_key)::text;
        END IF;
        PERFORM set_config('yanxiu.report', format('%s:%s:1', v.report_id, v.version), true);
        RETURN;
    END IF;

    IF r.status IN ('approved', 'voided') THEN
        RAISE EXCEPTION USING ERRCODE = 'YXPRE',
            MESSAGE = CASE r.status WHEN 'approved' THEN 'report_locked_approved'
                                    ELSE 'report_locked_voided' END,
            DETAIL = json_build_object('unit', p_unit, 'month', to_char(p_month, 'YYYY-MM'),
                'by', r.status_by,
                'at', to_char(r.status_at AT TIME ZONE 'Asia/Shanghai', 'YYYY-MM-DD HH24:MI'))::text;
    END IF;

    -- The previous version stops counting and the new one counts, pending
    -- review, when the report points at it below (the ledgers follow the
    -- report: ledger_follow, sql/functions/triggers.sql).
    ver := r.current_version + 1;

    -- teacher-hours from the arrays themselves: present or late sign-ins (their own
    -- hours, else the activity's) and external records
    INSERT INTO report_versions (report_id, version, district_code, unit_code, idem_key,
        payload_hash, submitted_at, imported, submitted_by, client_addr, empty, reason, summary,
        activity_count, attendance_count, external_count, teacher_hours)
    VALUES (r.id, ver, p_district, p_unit, p_key, p_hash, sub_at, is_import, who, p_addr, p_empty,
            coalesce(p_reason, ''), coalesce(p_summary, ''), coalesce(cardinality(a_ref), 0),
            coalesce(cardinality(t_teacher), 0), coalesce(cardinality(e_teacher), 0),
            coalesce((SELECT sum(coalesce(x.hours, a_hours[x.a + 1])::numeric(5, 1))
                      FROM unnest(t_act, t_status, t_hours) AS x(a, status, hours)
                      WHERE x.status IN ('present', 'late')), 0)
            + coalesce((SELECT sum(h::numeric(5, 1)) FROM unnest(e_hours) AS h), 0));

    INSERT INTO activities (report_id, version, idx, district_code, unit_code, ref, date,
        start_time, end_time, title, category, form, level, mode, place, host, speaker, hours)
    SELECT r.id, ver, x.i - 1, p_district, p_unit, x.ref, x.date, x.st, x.en, x.title, x.cat,
           x.form, x.lvl, x.mode, coalesce(x.place, ''), x.host, coalesce(x.speaker, ''), x.hours
    FROM unnest(a_ref, a_date, a_start, a_end, a_title, a_category, a_form, a_level, a_mode,
                a_place, a_host, a_speaker, a_hours)
         WITH ORDINALITY AS x(ref, date, st, en, title, cat, form, lvl, mode, place, host,
                              speaker, hours, i);

    INSERT INTO attendance (report_id, version, act_idx, pos, district_code, unit_code,
                            teacher_code, status, hours, date)
    SELECT r.id, ver, x.a, x.p, p_district, p_unit, x.code, x.status, x.hours, a_date[x.a + 1]
    FROM unnest(t_act, t_pos, t_teacher, t_status, t_hours) AS x(a, p, code, status, hours);

    INSERT INTO external_records (report_id, version, idx, district_code, unit_code, teacher_code,
        date, title, category, level, mode, hours, credits, certificate)
    SELECT r.id, ver, x.i - 1, p_district, p_unit, x.code, x.date, x.title, x.cat, x.lvl, x.mode,
           x.hours, x.credits, coalesce(x.cert, '')
    FROM unnest(e_teacher, e_date, e_title, e_category, e_level, e_mode, e_hours, e_credits,
                e_cert) WITH ORDINALITY AS x(code, date, title, cat, lvl, mode, hours, credits,
                                             cert, i);

    -- the version's flags; most versions have none, and their count stays 0
    n_flags := report_compute_flags(r.id, ver);
    IF n_flags > 0 THEN
        UPDATE report_versions x SET flag_count = n_flags
        WHERE x.report_id = r.id AND x.version = ver;
    END IF;

    UPDATE reports x SET current_version = ver, status = 'submitted', status_at = sub_at,
        status_by = who
    WHERE x.id = r.id;

    -- an imported version's event is dated when it really arrived; the audit log says when
    -- it was entered
    INSERT INTO report_events (report_id, district_code, unit_code, at, action, user_name,
                               version, reason)
    VALUES (r.id, p_district, p_unit, CASE WHEN is_import THEN sub_at ELSE clock_timestamp() END,
            'submit', who, ver, CASE WHEN p_empty THEN p_reason ELSE '' END);
    PERFORM audit(p_addr, CASE WHEN is_import THEN 'report import' ELSE 'report submit' END,
                  format('%s %s', p_unit, to_char(p_month, 'YYYY-MM')),
                  format('ok: version %s%s%s', ver, CASE WHEN p_empty THEN ' (empty)' ELSE '' END,
                         CASE WHEN is_import
                              THEN format(', submitted at %s (历史导入)',
                                          to_char(sub_at AT TIME ZONE 'Asia/Shanghai', 'YYYY-MM-DD HH24:MI'))
                              ELSE '' END));
    PERFORM set_config('yanxiu.report', format('%s:%s:0', r.id, ver), true);
END
$$;

-- The version report_submit wrote or replayed in this transaction.
CREATE OR REPLACE FUNCTION report_submitted() RETURNS TABLE (report_id bigint, version int, replayed boolean)
LANGUAGE sql STABLE AS $$
    SELECT split_part(s, ':', 1)::bigint, split_part(s, ':', 2)::int, split_part(s, ':', 3) = '1'
    FROM nullif(current_setting('yanxiu.report', true), '') AS s
$$;

-- The answer to a submit or a review: the version report_submit or
-- report_review named in this transaction (report_submitted), as the daemon
-- answers it (daemon/rpc_report.c; tests/bench/report_load.c runs the same):
-- the rows of report_summaries (one per flag of that version in order, or
-- one with the flag columns NULL when it has none) and whether it was a
-- replay. By key: a join on report_submitted()'s columns (casts of a
-- setting) is not leakproof, so under row-level security it could not probe
-- reports' index and would read the whole table; the scalar subquery is
-- evaluated once and probes it. PL/pgSQL: its plan is kept
-- for the session.
CREATE OR REPLACE FUNCTION report_answer()
RETURNS TABLE (unit_code text, unit_name text, month text, version int, status text,
    on_time boolean, activity_count int, attendance_count int, external_count int,
    teacher_hours numeric, flag_count int, submitted_at text, submitted_by text,
    first_submitted_at text, deadline text, empty boolean, replayed boolean, kind text,
    teacher_code text, detail text, return_reason text, imported boolean)
LANGUAGE plpgsql STABLE AS $$
BEGIN
    RETURN QUERY
    SELECT s.unit_code, s.unit_name, s.month, s.version, s.status, s.on_time, s.activity_count,
           s.attendance_count, s.external_count, s.teacher_hours, s.flag_count, s.submitted_at,
           s.submitted_by, s.first_submitted_at, s.deadline, s.empty,
           (SELECT a.replayed FROM report_submitted() a), s.kind, s.teacher_code, s.detail,
           s.return_reason, s.imported
    FROM report_summaries s
    WHERE (s.id, s.version) = (SELECT a.report_id, a.version FROM report_submitted() a)
    ORDER BY s.flag_n;
END
$$;

-- ---- review ------------------------------------------------------------------
-- approve (submitted → approved, locked), return (submitted → returned),
-- reopen (approved or voided → reopened), void (any → voided, 不予认定学分).
-- The ledger follows. Sets yanxiu.report like report_submit.
CREATE OR REPLACE FUNCTION report_review(p_district text, p_unit text, p_month date, p_action text,
    p_reason text, p_addr text) RETURNS void LANGUAGE plpgsql AS $$
DECLARE
    r reports;
    who text := coalesce(current_setting('yanxiu.user', true), '');
    m text := to_char(p_month, 'YYYY-MM');
    next_status text;
BEGIN
    SELECT * INTO r FROM reports x WHERE x.district_code = p_district AND x.unit_code = p_unit
        AND x.month = p_month FOR UPDATE;
    IF NOT FOUND THEN
        RAISE EXCEPTION USING ERRCODE = 'YXNFD', MESSAGE = 'report_not_found',
            DETAIL = json_build_object('unit', p_unit, 'month', m)::text;
    END IF;
    IF p_action = 'approve' AND r.status <> 'submitted' THEN
        RAISE EXCEPTION USING ERRCODE = 'YXPRE', MESSAGE = 'review_approve_not_submitted',
            DETAIL = json_build_object('unit', p_unit, 'month', m, 'status', r.status)::text;
    ELSIF p_action = 'return' AND r.status <> 'submitted' THEN
        RAISE EXCEPTION USING ERRCODE = 'YXPRE', MESSAGE = 'review_return_not_submitted',
            DETAIL = json_build_object('unit', p_unit, 'month', m, 'status', r.status)::text;
    ELSIF p_action = 'reopen' AND r.status NOT IN ('approved', 'voided') THEN
        RAISE EXCEPTION USING ERRCODE = 'YXPRE', MESSAGE = 'review_reopen_not_closed',
            DETAIL = json_build_object('unit', p_unit, 'month', m, 'status', r.status)::text;
    ELSIF p_action = 'void' AND r.status = 'voided' THEN
        RAISE EXCEPTION USING ERRCODE = 'YXPRE', MESSAGE = 'review_void_voided',
            DETAIL = json_build_object('unit', p_unit, 'month', m)::text;
    END IF;

    -- the ledgers follow the report's new status (ledger_follow)
    next_status := CASE p_action WHEN 'approve' THEN 'approved' WHEN 'return' THEN 'returned'
                                 WHEN 'reopen' THEN 'reopened' ELSE 'voided' END;

    UPDATE reports x SET status = next_status, status_at = now(), status_by = who WHERE x.id = r.id;
    INSERT INTO report_events (report_id, district_code, unit_code, action, user_name, version,
                               reason)
    VALUES (r.id, p_district, p_unit, p_action, who, r.current_version, coalesce(p_reason, ''));
    PERFORM audit(p_addr, 'report ' || p_action, format('%s %s', p_unit, m),
                  CASE WHEN coalesce(p_reason, '') = '' THEN 'ok' ELSE 'ok: ' || p_reason END);
    PERFORM set_config('yanxiu.report', format('%s:%s:0', r.id, r.current_version), true);
END
$$;

-- What version p_version changed against the version before it: activities
-- added and removed (refs, one a line), sign-ins added and removed ((activity
-- ref, teacher) pairs), the teacher-hours, the activities kept by ref whose
-- fields changed (a line each: ref, \x1f, the fields' names as the protocol
-- names them, comma-separated) and the sign-ins kept whose status or hours changed.
CREATE OR REPLACE FUNCTION report_diff(p_report bigint, p_version int)
RETURNS TABLE (added text, removed text, att_added int, att_removed int, hours_delta numeric,
               changed text, att_changed int)
LANGUAGE sql STABLE AS $$
    WITH a_new AS (SELECT * FROM activities WHERE report_id = p_report AND version = p_version),
    a_old AS (SELECT * FROM activities WHERE report_id = p_report AND version = p_version - 1),
    t_new AS (SELECT a.ref, t.teacher_code, t.status, t.hours FROM attendance t
              JOIN activities a ON a.report_id = t.report_id AND a.version = t.version
                               AND a.idx = t.act_idx
              WHERE t.report_id = p_report AND t.version = p_version),
    t_old AS (SELECT a.ref, t.teacher_code, t.status, t.hours FROM attendance t
              JOIN activities a ON a.report_id = t.report_id AND a.version = t.version
                               AND a.idx = t.act_idx
              WHERE t.report_id = p_report AND t.version = p_version - 1),
    kept AS (
        SELECT n.ref,
               concat_ws(',',
                   CASE WHEN n.date IS DISTINCT FROM o.date THEN 'date' END,
                   CASE WHEN n.start_time IS DISTINCT FROM o.start_time THEN 'start' END,
                   CASE WHEN n.end_time IS DISTINCT FROM o.end_time THEN 'end' END,
                   CASE WHEN n.title IS DISTINCT FROM o.title THEN 'title' END,
                   CASE WHEN n.category IS DISTINCT FROM o.category THEN 'category' END,
                   CASE WHEN n.form IS DISTINCT FROM o.form THEN 'form' END,
                   CASE WHEN n.level IS DISTINCT FROM o.level THEN 'level' END,
                   CASE WHEN n.mode IS DISTINCT FROM o.mode THEN 'mode' END,
                   CASE WHEN n.place IS DISTINCT FROM o.place THEN 'place' END,
                   CASE WHEN n.host IS DISTINCT FROM o.host THEN 'host' END,
                   CASE WHEN n.speaker IS DISTINCT FROM o.speaker THEN 'speaker' END,
                   CASE WHEN n.hours IS DISTINCT FROM o.hours THEN 'hours' END) AS fields
        FROM a_new n JOIN a_old o ON o.ref = n.ref)
    SELECT coalesce((SELECT string_agg(ref, E'\n' ORDER BY ref)
                     FROM (SELECT ref FROM a_new EXCEPT SELECT ref FROM a_old) x), ''),
           coalesce((SELECT string_agg(ref, E'\n' ORDER BY ref)
                     FROM (SELECT ref FROM a_old EXCEPT SELECT ref FROM a_new) x), ''),
           (SELECT count(*)::int FROM (SELECT ref, teacher_code FROM t_new
                                       EXCEPT SELECT ref, teacher_code FROM t_old) x),
           (SELECT count(*)::int FROM (SELECT ref, teacher_code FROM t_old
                                       EXCEPT SELECT ref, teacher_code FROM t_new) x),
           (SELECT n.teacher_hours - o.teacher_hours FROM report_versions n, report_versions o
            WHERE n.report_id = p_report AND n.version = p_version
              AND o.report_id = p_report AND o.version = p_version - 1),
           coalesce((SELECT string_agg(k.ref || E'\x1f' || k.fields, E'\n' ORDER BY k.ref)
                     FROM kept k WHERE k.fields <> ''), ''),
           (SELECT count(*)::int FROM t_new n JOIN t_old o ON o.ref = n.ref
                                                      AND o.teacher_code = n.teacher_code
            WHERE (n.status, n.hours) IS DISTINCT FROM (o.status, o.hours))
    WHERE p_version > 1
$$;

-- Each run sets the grants whole: what is not granted here is revoked.
REVOKE ALL ON FUNCTION report_check, report_submit, report_submitted, report_answer,
    report_review, report_diff FROM PUBLIC, yanxiu_app, yanxiud_login;
GRANT EXECUTE ON FUNCTION report_check, report_submit, report_submitted, report_review, report_diff
    TO PUBLIC;
GRANT EXECUTE ON FUNCTION report_check, report_submit, report_submitted, report_answer,
    report_review, report_diff TO yanxiu_app;
