-- sql/functions/flags.sql: signals of false records in a submitted report.
-- Only function definitions and their grants, all re-applied by every
-- `yanxiud migrate` (README "Schema and migrations").

-- ---- signals of false records -----------------------------------------------
-- As in 005, and future_date (an activity or external record dated after the
-- day its version was submitted). The other reports' sign-ins are those of
-- this version's teachers on this version's days: per teacher, one probe of
-- attendance_teacher_day (017) by (district, teacher, day), then the report
-- and the activity of each row found by their keys. The lateral subquery with
-- OFFSET 0 is run once per teacher; inside it nothing is joined by month, so
-- no estimate of a month's reports can turn it into a scan of them (issue 14:
-- a custom plan made after ANALYZE, which estimated a new month at one row,
-- repeated the look-up for every report of the month, 461 ms). The version's
-- own rows are read by their report and version (the keys' prefix).
CREATE OR REPLACE FUNCTION report_compute_flags(p_report bigint, p_version int) RETURNS int
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
    r reports;
    n int;
    day date; -- the day the version was submitted (today, or an imported report's day)
    days date[]; -- the version's days with a sign-in (present or late)
BEGIN
    SELECT * INTO r FROM reports WHERE id = p_report;
    IF NOT FOUND OR NOT yx_can_see_unit(r.district_code, r.unit_code) THEN
        RAISE EXCEPTION USING ERRCODE = 'YXPRM', MESSAGE = 'report_not_yours',
            DETAIL = json_build_object('report', p_report)::text;
    END IF;
    SELECT (v.submitted_at AT TIME ZONE 'Asia/Shanghai')::date INTO day FROM report_versions v
        WHERE v.report_id = p_report AND v.version = p_version;
    SELECT array_agg(DISTINCT a.date) INTO days FROM activities a
        WHERE a.report_id = p_report AND a.version = p_version
          AND EXISTS (SELECT 1 FROM attendance t
                      WHERE t.report_id = a.report_id AND t.version = a.version
                        AND t.act_idx = a.idx AND t.status IN ('present', 'late'));
    INSERT INTO report_flags (report_id, version, district_code, unit_code, n, kind, teacher_code,
                              detail)
    SELECT p_report, p_version, r.district_code, r.unit_code,
           row_number() OVER (ORDER BY f.kind, f.teacher_code, f.detail), f.kind, f.teacher_code,
           f.detail
    FROM (
        WITH mine AS (
            SELECT t.teacher_code, a.idx, a.ref, a.date, a.start_time, a.end_time,
                   coalesce(t.hours, a.hours) AS h
            FROM activities a
            JOIN attendance t ON t.report_id = a.report_id AND t.version = a.version
                             AND t.act_idx = a.idx
            WHERE a.report_id = p_report AND a.version = p_version
              AND t.status IN ('present', 'late')),
        others AS (
            SELECT o.*
            FROM (SELECT DISTINCT teacher_code FROM mine) mt
            CROSS JOIN LATERAL (
                SELECT x.teacher_code, a.ref, a.date, a.start_time, a.end_time,
                       coalesce(x.hours, a.hours) AS h, o.unit_code
                FROM attendance x
                JOIN reports o ON o.id = x.report_id
                JOIN activities a ON a.report_id = x.report_id AND a.version = x.version
                                 AND a.idx = x.act_idx
                WHERE x.district_code = r.district_code AND x.teacher_code = mt.teacher_code
                  AND x.date = ANY (days) AND x.report_id <> p_report
                  AND x.status IN ('present', 'late')
                  AND o.current_version = x.version AND o.status IN ('submitted', 'approved')
                OFFSET 0) o)
        SELECT 'overlap' AS kind, m1.teacher_code,
               json_build_object('code', 'flag_overlap', 'date', m1.date, 'ref', m1.ref,
                      'start', to_char(m1.start_time, 'HH24:MI'),
                      'end', to_char(m1.end_time, 'HH24:MI'), 'other_ref', m2.ref,
                      'other_start', to_char(m2.start_time, 'HH24:MI'),
                      'other_end', to_char(m2.end_time, 'HH24:MI'))::text AS detail
        FROM mine m1
        JOIN mine m2 ON m2.teacher_code = m1.teacher_code AND m2.date = m1.date AND m2.idx > m1.idx
                    AND m1.start_time < m2.end_time AND m2.start_time < m1.end_time
        UNION ALL
        SELECT 'overlap', m.teacher_code,
               json_build_object('code', 'flag_overlap_unit', 'date', m.date, 'ref', m.ref,
                      'start', to_char(m.start_time, 'HH24:MI'),
                      'end', to_char(m.end_time, 'HH24:MI'), 'other_ref', o.ref,
                      'other_start', to_char(o.start_time, 'HH24:MI'),
                      'other_end', to_char(o.end_time, 'HH24:MI'), 'unit', o.unit_code)::text
        FROM mine m
        JOIN others o ON o.teacher_code = m.teacher_code AND o.date = m.date
                     AND m.start_time < o.end_time AND o.start_time < m.end_time
        UNION ALL
        SELECT 'day_hours', d.teacher_code,
               json_build_object('code', 'flag_day_hours', 'date', d.date,
                                 'hours', sum(d.h)::text)::text
        FROM (SELECT teacher_code, date, h FROM mine
              UNION ALL SELECT teacher_code, date, h FROM others) d
        GROUP BY d.teacher_code, d.date
        HAVING sum(d.h) > 10
        UNION ALL
        SELECT 'identical_signin', '',
               json_build_object('code', 'flag_identical_signin', 'count', count(*),
                                 'refs', string_agg(l.ref, ', ' ORDER BY l.idx),
                                 'teachers', max(cardinality(l.list)))::text
        FROM (SELECT idx, ref, array_agg(teacher_code ORDER BY teacher_code) AS list
              FROM mine GROUP BY idx, ref) l
        GROUP BY l.list
        HAVING count(*) >= 5
        UNION ALL
        -- a record dated after the day it was submitted did not happen yet
        SELECT 'future_date', '', json_build_object('code', 'flag_future_date', 'date', a.date,
                                                    'ref', a.ref, 'day', day)::text
        FROM activities a
        WHERE a.report_id = p_report AND a.version = p_version AND a.date > day
        UNION ALL
        SELECT 'future_date', e.teacher_code,
               json_build_object('code', 'flag_future_external', 'date', e.date,
                                 'title', e.title, 'day', day)::text
        FROM external_records e
        WHERE e.report_id = p_report AND e.version = p_version AND e.date > day
        ORDER BY 1, 2, 3
        LIMIT 500) f;
    GET DIAGNOSTICS n = ROW_COUNT;
    RETURN n;
END
$$;

-- Each run sets the grants whole: what is not granted here is revoked.
REVOKE ALL ON FUNCTION report_compute_flags FROM PUBLIC, yanxiu_app, yanxiud_login;
GRANT EXECUTE ON FUNCTION report_compute_flags TO yanxiu_app;
