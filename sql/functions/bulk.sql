-- sql/functions/bulk.sql: the historical import in bulk (批量历史导入,
-- daemon/rpc_bulk.c). Only function definitions and their grants, re-applied
-- by every `yanxiud migrate`.

-- The last statement of a batch, after its report_submit calls in the same
-- transaction: each report by its idempotency key, in the batch's order, as
-- the daemon answers it (ReportSummary's fields; replayed when the version
-- was not written by this transaction). A key without a version means a
-- report of the batch had problems and wrote nothing: then the error
-- report_batch_problems rolls the whole batch back (the daemon runs the
-- checks again to list the problems).
CREATE OR REPLACE FUNCTION bulk_written(p_district text, p_keys text[])
RETURNS TABLE (unit_code text, month text, version int, status text, on_time boolean,
    activity_count int, attendance_count int, external_count int, teacher_hours numeric,
    flag_count int, submitted_at text, empty boolean, imported boolean, replayed boolean)
LANGUAGE plpgsql AS $$
DECLARE
    found_n int;
BEGIN
    RETURN QUERY
    SELECT v.unit_code, to_char(r.month, 'YYYY-MM'), v.version, r.status, r.on_time,
           v.activity_count, v.attendance_count, v.external_count, v.teacher_hours,
           v.flag_count,
           to_char(v.submitted_at AT TIME ZONE 'Asia/Shanghai', 'YYYY-MM-DD"T"HH24:MI:SS+08:00'),
           v.empty, v.imported, v.xmin <> pg_current_xact_id()::xid
    FROM unnest(p_keys) WITH ORDINALITY AS k(key, i)
    JOIN report_versions v ON v.district_code = p_district AND v.idem_key = k.key
    JOIN reports r ON r.id = v.report_id
    ORDER BY k.i;
    GET DIAGNOSTICS found_n = ROW_COUNT;
    IF found_n < cardinality(p_keys) THEN
        RAISE EXCEPTION USING ERRCODE = 'YXINV', MESSAGE = 'report_batch_problems';
    END IF;
END
$$;

-- Each run sets the grants whole: what is not granted here is revoked.
REVOKE ALL ON FUNCTION bulk_written FROM PUBLIC, yanxiu_app, yanxiud_login;
GRANT EXECUTE ON FUNCTION bulk_written TO yanxiu_app;
