-- sql/functions/assessment.sql: assessment schemes, scores and their results.
-- Only function definitions and their grants, all re-applied by every
-- `yanxiud migrate` (README "Schema and migrations").

-- Stores scheme p_name (new, or replacing the items and grades of the one of
-- that name). Returns the problems that keep it from being stored (field,
-- reason), and stores nothing then; no row when it was stored.
CREATE OR REPLACE FUNCTION scheme_set(p_district text, p_addr text, p_name text, p_target text,
    p_title text, p_ini text, p_items text[], p_max numeric[], p_grades text[], p_min numeric[])
RETURNS TABLE (field text, reason text) LANGUAGE plpgsql AS $$
DECLARE
    old assessment_schemes;
    existed boolean;
BEGIN
    PERFORM pg_advisory_xact_lock(hashtext('scheme ' || p_district || ' ' || p_name));
    SELECT * INTO old FROM assessment_schemes s
        WHERE s.district_code = p_district AND s.name = p_name FOR UPDATE;
    existed := FOUND;
    IF existed THEN
        RETURN QUERY
        -- the target of a scheme with scores stays
        SELECT 'target'::text,
               json_build_object('code', 'scheme_target_kept', 'scheme', p_name, 'scores', count(*),
                                 'target', old.target, 'new_target', p_target)::text
        FROM assessment_scores x
        WHERE x.district_code = p_district AND x.scheme = p_name AND old.target <> p_target
        HAVING count(*) > 0
        UNION ALL
        -- an item with scores stays, with a maximum no lower than its scores
        SELECT 'items',
               CASE WHEN n.item IS NULL
                    THEN json_build_object('code', 'scheme_item_has_scores', 'item', x.item,
                                           'scores', count(*),
                                           'years', string_agg(DISTINCT x.year::text, ', '))::text
                    ELSE json_build_object('code', 'scheme_item_max_below', 'item', x.item,
                                           'scores', count(*) FILTER (WHERE x.points > n.max_points),
                                           'max', n.max_points, 'highest', max(x.points))::text END
        FROM assessment_scores x
        LEFT JOIN unnest(p_items, p_max) AS n(item, max_points) ON n.item = x.item
        WHERE x.district_code = p_district AND x.scheme = p_name
        GROUP BY x.item, n.item, n.max_points
        HAVING n.item IS NULL OR count(*) FILTER (WHERE x.points > n.max_points) > 0
        ORDER BY 1, 2;
        IF FOUND THEN
            RETURN;
        END IF;
        DELETE FROM assessment_grades g WHERE g.district_code = p_district AND g.scheme = p_name;
        DELETE FROM assessment_items i WHERE i.district_code = p_district AND i.scheme = p_name
            AND i.item <> ALL (p_items);
        UPDATE assessment_schemes s SET target = p_target, title = p_title, ini = p_ini,
            updated_at = now(), updated_by = coalesce(current_setting('yanxiu.user', true), '')
            WHERE s.district_code = p_district AND s.name = p_name;
    ELSE
        INSERT INTO assessment_schemes (district_code, name, target, title, ini, updated_by)
        VALUES (p_district, p_name, p_target, p_title, p_ini,
                coalesce(current_setting('yanxiu.user', true), ''));
    END IF;
    INSERT INTO assessment_items AS i (district_code, scheme, idx, item, max_points)
        SELECT p_district, p_name, n.i, n.item, n.max_points
        FROM unnest(p_items, p_max) WITH ORDINALITY AS n(item, max_points, i)
        ON CONFLICT (district_code, scheme, item)
            DO UPDATE SET idx = excluded.idx, max_points = excluded.max_points;
    INSERT INTO assessment_grades (district_code, scheme, grade, min_points)
        SELECT p_district, p_name, g.grade, g.min_points
        FROM unnest(p_grades, p_min) AS g(grade, min_points);
    PERFORM audit(p_addr, 'assessment scheme set', p_name,
                  format('ok: %s, %s items, %s grades', CASE WHEN existed THEN 'replaced' ELSE 'created' END,
                         array_length(p_items, 1), array_length(p_grades, 1)));
END
$$;

-- The scheme p_name of the district, or its only scheme when p_name is
-- empty; raises NOT_FOUND naming the schemes there are.
CREATE OR REPLACE FUNCTION scheme_pick(p_district text, p_name text) RETURNS assessment_schemes
LANGUAGE plpgsql STABLE AS $$
DECLARE
    s assessment_schemes;
    names text;
    n int;
BEGIN
    SELECT string_agg(x.name, ', ' ORDER BY x.name), count(*) INTO names, n
        FROM assessment_schemes x WHERE x.district_code = p_district;
    IF p_name = '' THEN
        IF n = 1 THEN
            SELECT * INTO s FROM assessment_schemes x WHERE x.district_code = p_district;
            RETURN s;
        END IF;
        IF n = 0 THEN
            RAISE EXCEPTION USING ERRCODE = 'YXNFD', MESSAGE = 'scheme_none',
                DETAIL = json_build_object('district', p_district)::text;
        END IF;
        RAISE EXCEPTION USING ERRCODE = 'YXINV', MESSAGE = 'scheme_choose',
            DETAIL = json_build_object('district', p_district, 'count', n, 'schemes', names)::text;
    END IF;
    SELECT * INTO s FROM assessment_schemes x WHERE x.district_code = p_district AND x.name = p_name;
    IF NOT FOUND THEN
        RAISE EXCEPTION USING ERRCODE = 'YXNFD', MESSAGE = 'scheme_not_found',
            DETAIL = json_build_object('scheme', p_name, 'district', p_district,
                                       'schemes', coalesce(names, ''))::text;
    END IF;
    RETURN s;
END
$$;

-- Enters the scores of one scheme and year: created, updated or unchanged
-- per (subject, item). p_unit is the school account's unit ('' for the
-- district): a school scores its own teachers, of teacher schemes only.
-- Problems come back as (idx, field, reason) rows, 0-based, and nothing is
-- written then; else one row with idx -1 and the counts. With p_check_only
-- (the daemon found problems already) nothing is written either way.
CREATE OR REPLACE FUNCTION scores_import(p_district text, p_unit text, p_addr text, p_scheme text,
    p_year int, p_subject text[], p_item text[], p_points numeric[], p_check_only boolean)
RETURNS TABLE (idx int, field text, code text, args jsonb, created int, updated int, unchanged int)
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
#variable_conflict use_column
DECLARE
    s assessment_schemes;
    n_in int := coalesce(array_length(p_subject, 1), 0);
    n_created int;
    n_updated int;
BEGIN
    -- SECURITY DEFINER: a teacher who moved units keeps the score row the old
    -- unit entered, which the new unit's school cannot see, so the upsert
    -- must cross the unit wall. The caller's scope is checked here instead.
    IF NOT yx_can_see_scope(p_district, p_unit)
       OR (yx_role() <> 'school' AND p_unit <> '') THEN
        RAISE EXCEPTION USING ERRCODE = 'YXPRM', MESSAGE = 'scores_not_yours',
            DETAIL = json_build_object('district', p_district, 'unit', p_unit)::text;
    END IF;
    s := scheme_pick(p_district, p_scheme);
    IF p_unit <> '' AND s.target = 'unit' THEN
        RAISE EXCEPTION USING ERRCODE = 'YXPRM', MESSAGE = 'scheme_scores_units',
            DETAIL = json_build_object('scheme', s.name)::text;
    END IF;
    CREATE TEMP TABLE IF NOT EXISTS scores_in (i int, subject text, item text, points numeric)
        ON COMMIT DROP;
    TRUNCATE scores_in;
    INSERT INTO scores_in
        SELECT t.i - 1, t.subject, t.item, t.points
        FROM unnest(p_subject, p_item, p_points) WITH ORDINALITY AS t(subject, item, points, i);

    RETURN QUERY
    SELECT r.i, 'item'::text, 'scores_item_unknown'::text,
           jsonb_build_object('value', r.item, 'scheme', s.name,
                  'items', (SELECT string_agg(x.item, '、' ORDER BY x.idx) FROM assessment_items x
                            WHERE x.district_code = p_district AND x.scheme = s.name)), 0, 0, 0
    FROM scores_in r
    LEFT JOIN assessment_items it ON it.district_code = p_district AND it.scheme = s.name
                                 AND it.item = r.item
    WHERE it.item IS NULL AND r.item IS NOT NULL
    UNION ALL
    SELECT r.i, 'points', 'scores_points_over_max',
           jsonb_build_object('value', r.points::text, 'item', r.item, 'max', it.max_points::text),
           0, 0, 0
    FROM scores_in r
    JOIN assessment_items it ON it.district_code = p_district AND it.scheme = s.name
                            AND it.item = r.item
    WHERE r.points > it.max_points
    UNION ALL
    SELECT r.i, 'subject_code',
           CASE WHEN s.target = 'unit' THEN 'scores_unit_unknown'
                -- one answer for a school whether the code exists elsewhere or not, and
                -- no name: a school must not learn other units' teachers by guessing codes
                WHEN p_unit <> '' THEN 'scores_teacher_not_yours'
                ELSE 'scores_teacher_unknown' END,
           jsonb_build_object('value', r.subject, 'unit', p_unit, 'district', p_district),
           0, 0, 0
    FROM scores_in r
    LEFT JOIN teachers t ON s.target = 'teacher' AND t.district_code = p_district AND t.code = r.subject
    LEFT JOIN schools ts ON ts.code = t.school_code
    LEFT JOIN schools u ON s.target = 'unit' AND u.district_code = p_district AND u.code = r.subject
                       AND u.unit_code = u.code
    WHERE r.subject IS NOT NULL
      AND ((s.target = 'teacher' AND (t.code IS NULL OR (p_unit <> '' AND ts.unit_code <> p_unit)))
           OR (s.target = 'unit' AND u.code IS NULL))
    ORDER BY 1, 2;
    IF FOUND OR p_check_only THEN
        RETURN;
    END IF;

    WITH up AS (
        INSERT INTO assessment_scores AS x (district_code, scheme, year, subject_code, item, points,
                                            unit_code, entered_by)
        SELECT p_district, s.name, p_year, r.subject, r.item, r.points,
               CASE WHEN s.target = 'unit' THEN r.subject ELSE ts.unit_code END,
               coalesce(current_setting('yanxiu.user', true), '')
        FROM scores_in r
        LEFT JOIN teachers t ON s.target = 'teacher' AND t.district_code = p_district
                            AND t.code = r.subject
        LEFT JOIN schools ts ON ts.code = t.school_code
        ON CONFLICT (district_code, scheme, year, subject_code, item) DO UPDATE
            SET points = excluded.points, unit_code = excluded.unit_code,
                entered_at = now(), entered_by = excluded.entered_by
            WHERE x.points IS DISTINCT FROM excluded.points
        RETURNING (xmax = 0) AS inserted)
    SELECT count(*) FILTER (WHERE inserted), count(*) FILTER (WHERE NOT inserted)
        INTO n_created, n_updated FROM up;
    PERFORM audit(p_addr, 'assessment scores import',
                  format('scheme %s year %s: %s rows%s', s.name, p_year, n_in,
                         CASE WHEN p_unit <> '' THEN ' for unit ' || p_unit ELSE '' END),
                  format('ok: %s created, %s updated', n_created, n_updated));
    RETURN QUERY SELECT -1, ''::text, ''::text, NULL::jsonb, n_created, n_updated,
        n_in - n_created - n_updated;
END
$$;

-- The grade of `score` in scheme p_scheme: the grade with the highest lowest
-- score not above it ([min, next min) ranges).
CREATE OR REPLACE FUNCTION scheme_grade(p_district text, p_scheme text, p_score numeric) RETURNS text
LANGUAGE sql STABLE AS $$
    SELECT g.grade FROM assessment_grades g
    WHERE g.district_code = p_district AND g.scheme = p_scheme AND g.min_points <= p_score
    ORDER BY g.min_points DESC LIMIT 1
$$;

-- The annual results of scheme p_scheme (or the only one) for year p_year.
-- Teachers: every teacher of the district (or of unit p_unit) but those who
-- left, with the year's compliance judged as of p_as_of. hours_ok: none of
-- the year's hours rules (hours_year, school_hours_year, credits_year) is
-- unmet; absences_ok: below the absence limit. Exempt teachers are not
-- judged on hours. final_grade is the grade, or 不合格 when a rule fails;
-- consequences: no_promotion (不得晋职) when the hours fail, no_excellence
-- (不得评优, not 优秀) when the hours or the absences fail. Units: every
-- reporting unit, graded on its score alone. Scores are a teacher's wherever
-- the teacher is now: a school sees those its teachers got in a former unit.
CREATE OR REPLACE FUNCTION assessment_results(p_district text, p_scheme text, p_year int, p_as_of date,
    p_approved_only boolean, p_unit text)
RETURNS TABLE (scheme text, target text, subject_code text, name text, unit_code text,
    items_scored int, score numeric, grade text, hours_ok boolean, absences_ok boolean,
    final_grade text, consequences text, status text, reasons text)
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = public, pg_temp SET plan_cache_mode = force_custom_plan AS $$
DECLARE
    s assessment_schemes;
    absence_limit int := (policy_for_year(p_district, p_year, p_as_of)).absence_limit;
BEGIN
    -- SECURITY DEFINER: scores follow a teacher who moved units (the rows the
    -- old unit entered stay walled to it), as hours do; the caller's scope
    -- is checked here and every row below is of p_unit when it is given.
    IF NOT yx_can_see_scope(p_district, p_unit) THEN
        RAISE EXCEPTION USING ERRCODE = 'YXPRM', MESSAGE = 'results_not_yours',
            DETAIL = json_build_object('district', p_district, 'unit', p_unit)::text;
    END IF;
    s := scheme_pick(p_district, p_scheme);
    IF s.target = 'teacher' THEN
        RETURN QUERY
        WITH sc AS (
            SELECT x.subject_code, count(*)::int AS n, sum(x.points) AS pts
            FROM assessment_scores x
            WHERE x.district_code = p_district AND x.scheme = s.name AND x.year = p_year
            GROUP BY x.subject_code),
        c AS (
            SELECT t.teacher_code, t.name, t.unit_code, t.status, t.reasons,
                   t.status = 'exempt' OR NOT EXISTS (
                       SELECT 1 FROM regexp_split_to_table(t.reasons, E'\x1e') AS r(x)
                       WHERE r.x <> '' AND split_part(r.x, E'\x1f', 1) <> 'unexcused_absences')
                       AS hours_ok,
                   t.status = 'exempt'
                       OR t.absences < absence_limit AS absences_ok,
                   coalesce(sc.n, 0) AS n, coalesce(sc.pts, 0) AS pts,
                   CASE WHEN sc.n > 0 THEN scheme_grade(p_district, s.name, sc.pts) END AS grade
            FROM compliance_teachers(p_district, p_year, p_as_of, p_approved_only, p_unit, '') t
            LEFT JOIN sc ON sc.subject_code = t.teacher_code)
        SELECT s.name, s.target, c.teacher_code, c.name, c.unit_code, c.n, c.pts, c.grade,
               c.hours_ok, c.absences_ok,
               CASE WHEN NOT (c.hours_ok AND c.absences_ok) THEN '不合格' ELSE c.grade END,
               concat_ws(',', CASE WHEN NOT c.hours_ok THEN 'no_promotion' END,
                         CASE WHEN NOT (c.hours_ok AND c.absences_ok) THEN 'no_excellence' END),
               c.status, c.reasons
        FROM c
        ORDER BY c.unit_code, c.teacher_code;
    ELSE
        RETURN QUERY
        WITH sc AS (
            SELECT x.subject_code, count(*)::int AS n, sum(x.points) AS pts
            FROM assessment_scores x
            WHERE x.district_code = p_district AND x.scheme = s.name AND x.year = p_year
            GROUP BY x.subject_code)
        SELECT s.name, s.target, u.code, u.name, u.code, coalesce(sc.n, 0), coalesce(sc.pts, 0),
               CASE WHEN sc.n > 0 THEN scheme_grade(p_district, s.name, sc.pts) END,
               true, true,
               CASE WHEN sc.n > 0 THEN scheme_grade(p_district, s.name, sc.pts) END,
               '', '', ''
        FROM schools u
        LEFT JOIN sc ON sc.subject_code = u.code
        WHERE u.district_code = p_district AND u.unit_code = u.code
          AND (p_unit = '' OR u.code = p_unit)
        ORDER BY u.code;
    END IF;
END
$$;

-- Each run sets the grants whole: what is not granted here is revoked.
REVOKE ALL ON FUNCTION scheme_set, scheme_pick, scores_import, scheme_grade, assessment_results FROM
    PUBLIC, yanxiu_app, yanxiud_login;
GRANT EXECUTE ON FUNCTION scheme_set, scheme_pick, scheme_grade TO PUBLIC;
GRANT EXECUTE ON FUNCTION scheme_set, scheme_pick, scores_import, scheme_grade, assessment_results
    TO yanxiu_app;
