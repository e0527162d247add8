-- sql/functions/flags.sql: signals of false records in a submitted report.
-- Only function definitions and their grants, all re-applied by every
-- `yanxiud migrate` (README "Schema and migrations").

-- ---- signals of false records -----------------------------------------------
-- As in 005, and future_date (an activity or external record dated after the
-- day its version was submitted). Every step has one plan whatever the
-- statistics say (issue 14: after ANALYZE a new month, or a new report, was
-- estimated at one row, and the planner joined row by row what it thought
-- was nothing: 461 ms for the look-up of a month's reports, 612 ms for the
-- pairs of a 40 x 60 report's own sign-ins):
-- * the version's activities are read into arrays by their key
--   (version_activities, sql/functions/ledger.sql), and its sign-in rows (by
--   their key's prefix) take their activity's fields by subscript: no join;
-- * the other reports' sign-ins are those of this version's teachers on this
--   version's days: per teacher (a lateral subquery, OFFSET 0), two probes of
--   attendance_teacher_day_report (020) by (district, teacher, day) and the
--   report ids below and above this one (its own versions are not read); for
--   a first version, which has no other version to pass over, one range per
--   teacher from the version's first day to its last (023); then the report
--   and the activity of each row found by their keys; nothing is joined by
--   month;
-- * overlapping pairs come from one sort of a teacher's day: each sign-in is
--   compared with the ones that started before it on the same day (a window
--   over the day, then its arrays unnested), never a join of the sign-ins
--   with themselves.
CREATE OR REPLACE FUNCTION report_compute_flags(p_report bigint, p_version int) RETURNS int
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
    r reports;
    n int;
    day date; -- the day the version was submitted (today, or an imported report's day)
    days date[]; -- the version's days with a sign-in (present or late)
    day_lo date; -- the first of them
    day_hi date; -- the last of them
    -- the version's activities, subscript idx + 1
    a_ref text[];
    a_date date[];
    a_start time[];
    a_end time[];
    a_hours numeric[];
BEGIN
    SELECT * INTO r FROM reports WHERE id = p_report;
    IF NOT FOUND OR NOT yx_can_see_unit(r.district_code, r.unit_code) THEN
        RAISE EXCEPTION USING ERRCODE = 'YXPRM', MESSAGE = 'report_not_yours',
            DETAIL = json_build_object('report', p_report)::text;
    END IF;
    SELECT (v.submitted_at AT TIME ZONE 'Asia/Shanghai')::date INTO day FROM report_versions v
        WHERE v.report_id = p_report AND v.version = p_version;
    SELECT v.ref, v.date, v.start_time, v.end_time, v.hours
        INTO a_ref, a_date, a_start, a_end, a_hours
        FROM version_activities(p_report, p_version) v;
    SELECT array_agg(DISTINCT t.date), min(t.date), max(t.date) INTO days, day_lo, day_hi
        FROM attendance t
        WHERE t.report_id = p_report AND t.version = p_version
          AND t.status IN ('present', 'late');
    INSERT INTO report_flags (report_id, version, district_code, unit_code, n, kind, teacher_code,
                              detail)
    SELECT p_report, p_version, r.district_code, r.unit_code,
           row_number() OVER (ORDER BY f.kind, f.teacher_code, f.detail), f.kind, f.teacher_code,
           f.detail
    FROM (
        WITH mine AS (
            SELECT t.teacher_code, t.act_idx AS idx, a_ref[t.act_idx + 1] AS ref, t.date,
                   a_start[t.act_idx + 1] AS start_time, a_end[t.act_idx + 1] AS end_time,
                   coalesce(t.hours, a_hours[t.act_idx + 1]) AS h
            FROM attendance t
            WHERE t.report_id = p_report AND t.version = p_version
              AND t.status IN ('present', 'late')),
        teachers AS (SELECT DISTINCT teacher_code FROM mine),
        others AS (
            -- a later version: the reports numbered below this one, then above, on each of
            -- the version's days; two ranges of the index, so that this report's own kept
            -- versions are not read at all (020)
            SELECT o.*
            FROM teachers mt
            CROSS JOIN (VALUES (0::bigint, p_report - 1),
                               (p_report + 1, 9223372036854775807::bigint)) AS rng(lo, hi)
            CROSS JOIN LATERAL (
                SELECT x.teacher_code, a.ref, a.date, a.start_time, a.end_time,
                       coalesce(x.hours, a.hours) AS h, o.unit_code
                FROM attendance x
                JOIN reports o ON o.id = x.report_id
                JOIN activities a ON a.report_id = x.report_id AND a.version = x.version
                                 AND a.idx = x.act_idx
                WHERE x.district_code = r.district_code AND x.teacher_code = mt.teacher_code
                  AND x.date = ANY (days) AND x.report_id BETWEEN rng.lo AND rng.hi
                  AND x.status IN ('present', 'late')
                  AND o.current_version = x.version AND o.status IN ('submitted', 'approved')
                OFFSET 0) o
            WHERE p_version > 1
            UNION ALL
            -- a first version, a report's only one (most reports): one range of the index
            -- per teacher, from the version's first day to its last, instead of two per day;
            -- of its own rows only this version's sign-ins are read, and passed over
            SELECT o.*
            FROM teachers mt
            CROSS JOIN LATERAL (
                SELECT x.teacher_code, a.ref, a.date, a.start_time, a.end_time,
                       coalesce(x.hours, a.hours) AS h, o.unit_code
                FROM attendance x
                JOIN reports o ON o.id = x.report_id
                JOIN activities a ON a.report_id = x.report_id AND a.version = x.version
                                 AND a.idx = x.act_idx
                WHERE x.district_code = r.district_code AND x.teacher_code = mt.teacher_code
                  AND x.date BETWEEN day_lo AND day_hi
                  -- (+ 0: a filter of the rows read, not a descent of the index per day)
                  AND x.date + 0 = ANY (days) AND x.report_id <> p_report
                  AND x.status IN ('present', 'late')
                  AND o.current_version = x.version AND o.status IN ('submitted', 'approved')
                OFFSET 0) o
            WHERE p_version = 1),
        -- a teacher's day: this version's sign-ins (unit NULL) and the others'
        spans AS (
            SELECT teacher_code, date, idx, ref, start_time, end_time, NULL::text AS unit
            FROM mine
            UNION ALL
            SELECT teacher_code, date, NULL, ref, start_time, end_time, unit_code FROM others),
        -- each span with the spans of its day that started before it (or at the same time,
        -- earlier in the order): those that end after it starts overlap it
        earlier AS (
            SELECT s.*,
                   array_agg(s.idx) OVER w AS p_idx, array_agg(s.ref) OVER w AS p_ref,
                   array_agg(s.start_time) OVER w AS p_start,
                   array_agg(s.end_time) OVER w AS p_end, array_agg(s.unit) OVER w AS p_unit
            FROM spans s
            WINDOW w AS (PARTITION BY s.teacher_code, s.date
                         ORDER BY s.start_time, s.end_time, s.unit NULLS FIRST, s.idx, s.ref
                         ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING)),
        pairs AS (
            SELECT e.teacher_code, e.date, e.idx, e.ref, e.start_time, e.end_time, e.unit,
                   p.idx AS o_idx, p.ref AS o_ref, p.start_time AS o_start, p.end_time AS o_end,
                   p.unit AS o_unit
            FROM earlier e
            CROSS JOIN LATERAL unnest(e.p_idx, e.p_ref, e.p_start, e.p_end, e.p_unit)
                AS p(idx, ref, start_time, end_time, unit)
            WHERE p.end_time > e.start_time AND (e.unit IS NULL OR p.unit IS NULL))
        -- two of this version's activities at once: named in the order of the report
        SELECT 'overlap' AS kind, x.teacher_code,
               json_build_object('code', 'flag_overlap', 'date', x.date,
                      'ref', CASE WHEN x.idx < x.o_idx THEN x.ref ELSE x.o_ref END,
                      'start', to_char(CASE WHEN x.idx < x.o_idx THEN x.start_time ELSE x.o_start END, 'HH24:MI'),
                      'end', to_char(CASE WHEN x.idx < x.o_idx THEN x.end_time ELSE x.o_end END, 'HH24:MI'),
                      'other_ref', CASE WHEN x.idx < x.o_idx THEN x.o_ref ELSE x.ref END,
                      'other_start', to_char(CASE WHEN x.idx < x.o_idx THEN x.o_start ELSE x.start_time END, 'HH24:MI'),
                      'other_end', to_char(CASE WHEN x.idx < x.o_idx THEN x.o_end ELSE x.end_time END, 'HH24:MI'))::text AS detail
        FROM pairs x
        WHERE x.unit IS NULL AND x.o_unit IS NULL AND x.idx <> x.o_idx
        UNION ALL
        -- one of this version's and one of another unit's report
        SELECT 'overlap', x.teacher_code,
               json_build_object('code', 'flag_overlap_unit', 'date', x.date,
                      'ref', CASE WHEN x.unit IS NULL THEN x.ref ELSE x.o_ref END,
                      'start', to_char(CASE WHEN x.unit IS NULL THEN x.start_time ELSE x.o_start END, 'HH24:MI'),
                      'end', to_char(CASE WHEN x.unit IS NULL THEN x.end_time ELSE x.o_end END, 'HH24:MI'),
                      'other_ref', CASE WHEN x.unit IS NULL THEN x.o_ref ELSE x.ref END,
                      'other_start', to_char(CASE WHEN x.unit IS NULL THEN x.o_start ELSE x.start_time END, 'HH24:MI'),
                      'other_end', to_char(CASE WHEN x.unit IS NULL THEN x.o_end ELSE x.end_time END, 'HH24:MI'),
                      'unit', coalesce(x.unit, x.o_unit))::text
        FROM pairs x
        WHERE x.unit IS NULL <> (x.o_unit IS NULL)
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
        FROM unnest(a_ref, a_date) AS a(ref, date)
        WHERE a.date > day
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
