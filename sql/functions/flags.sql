-- sql/functions/flags.sql: signals of false records in a submitted report.
-- Only function definitions and their grants, all re-applied by every
-- `yanxiud migrate` (README "Schema and migrations").

-- ---- signals of false records -----------------------------------------------
-- As in 005. The other reports' sign-ins are looked up per teacher of this
-- version (a handful of index probes into attendance_teacher, each teacher's
-- rows of every month), then kept when their report is a counted report of
-- the same district and month whose current version they belong to. The
-- lateral subquery with OFFSET 0 keeps the planner from turning this back
-- into a scan of the month's reports and all their activities.
CREATE OR REPLACE FUNCTION report_compute_flags(p_report bigint, p_version int) RETURNS int
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
    r reports;
    n int;
BEGIN
    SELECT * INTO r FROM reports WHERE id = p_report;
    IF NOT FOUND OR NOT yx_can_see_unit(r.district_code, r.unit_code) THEN
        RAISE EXCEPTION USING ERRCODE = 'YXPRM', MESSAGE = 'report_not_yours',
            DETAIL = json_build_object('report', p_report)::text;
    END IF;
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
            SELECT t.teacher_code, a.ref, a.date, a.start_time, a.end_time,
                   coalesce(t.hours, a.hours) AS h, o.unit_code
            FROM (SELECT DISTINCT teacher_code FROM mine) mt
            CROSS JOIN LATERAL (
                SELECT x.report_id, x.version, x.act_idx, x.teacher_code, x.hours
                FROM attendance x
                WHERE x.district_code = r.district_code AND x.teacher_code = mt.teacher_code
                  AND x.status IN ('present', 'late')
                OFFSET 0) t
            JOIN reports o ON o.id = t.report_id AND o.current_version = t.version
            JOIN activities a ON a.report_id = t.report_id AND a.version = t.version
                             AND a.idx = t.act_idx
            WHERE o.district_code = r.district_code AND o.month = r.month AND o.id <> p_report
              AND o.status IN ('submitted', 'approved')
              AND a.date IN (SELECT DISTINCT date FROM mine))
        SELECT 'overlap' AS kind, m1.teacher_code,
               format('%s: %s %s-%s and %s %s-%s overlap', m1.date, m1.ref,
                      to_char(m1.start_time, 'HH24:MI'), to_char(m1.end_time, 'HH24:MI'), m2.ref,
                      to_char(m2.start_time, 'HH24:MI'), to_char(m2.end_time, 'HH24:MI')) AS detail
        FROM mine m1
        JOIN mine m2 ON m2.teacher_code = m1.teacher_code AND m2.date = m1.date AND m2.idx > m1.idx
                    AND m1.start_time < m2.end_time AND m2.start_time < m1.end_time
        UNION ALL
        SELECT 'overlap', m.teacher_code,
               format('%s: %s %s-%s overlaps %s %s-%s of unit %s', m.date, m.ref,
                      to_char(m.start_time, 'HH24:MI'), to_char(m.end_time, 'HH24:MI'), o.ref,
                      to_char(o.start_time, 'HH24:MI'), to_char(o.end_time, 'HH24:MI'), o.unit_code)
        FROM mine m
        JOIN others o ON o.teacher_code = m.teacher_code AND o.date = m.date
                     AND m.start_time < o.end_time AND o.start_time < m.end_time
        UNION ALL
        SELECT 'day_hours', d.teacher_code,
               format('%s: %s credited hours in one day', d.date, sum(d.h))
        FROM (SELECT teacher_code, date, h FROM mine
              UNION ALL SELECT teacher_code, date, h FROM others) d
        GROUP BY d.teacher_code, d.date
        HAVING sum(d.h) > 10
        UNION ALL
        SELECT 'identical_signin', '',
               format('%s activities (%s) have the same sign-in list of %s teachers', count(*),
                      string_agg(l.ref, ', ' ORDER BY l.idx), max(cardinality(l.list)))
        FROM (SELECT idx, ref, array_agg(teacher_code ORDER BY teacher_code) AS list
              FROM mine GROUP BY idx, ref) l
        GROUP BY l.list
        HAVING count(*) >= 5
        ORDER BY 1, 2, 3
        LIMIT 500) f;
    GET DIAGNOSTICS n = ROW_COUNT;
    RETURN n;
END
$$;

-- Each run sets the grants whole: what is not granted here is revoked.
REVOKE ALL ON FUNCTION report_compute_flags FROM PUBLIC, yanxiu_app, yanxiud_login;
GRANT EXECUTE ON FUNCTION report_compute_flags TO yanxiu_app;
