-- sql/functions/roster.sql: units and roster imports, transfers.
-- Only function definitions and their grants, all re-applied by every
-- `yanxiud migrate` (README "Schema and migrations").

CREATE OR REPLACE FUNCTION yx_has(cols text[], col text) RETURNS boolean LANGUAGE sql IMMUTABLE AS
    $$ SELECT cardinality(cols) = 0 OR col = ANY (cols) $$;

-- Imports units of district p_district: validates every row against the
-- database (a primary's central school exists in the file or the district;
-- a code is not another district's), then upserts. Returns one row per
-- problem (idx is the 0-based row, field, the reason code of daemon/reasons.def
-- and its arguments as a JSON object) and writes nothing, or a single row with
-- idx = -1 and the counts. With p_check_only it only checks (NULL elements are
-- values the daemon found malformed: skipped) and answers zero counts.
CREATE OR REPLACE FUNCTION units_import(p_district text, p_addr text, p_code text[], p_name text[], p_kind text[],
    p_central text[], p_opened date[], p_closed date[], p_cols text[], p_check_only boolean)
RETURNS TABLE (idx int, field text, code text, args jsonb, created int, updated int, unchanged int)
LANGUAGE plpgsql AS $$
#variable_conflict use_column
DECLARE
    n_in int := coalesce(array_length(p_code, 1), 0);
    n_created int;
    n_updated int;
BEGIN
    CREATE TEMP TABLE IF NOT EXISTS units_in (i int, code text, name text, kind text,
        central text, opened date, closed date) ON COMMIT DROP;
    TRUNCATE units_in;
    INSERT INTO units_in
        SELECT t.i - 1, t.code, t.name, t.kind, nullif(t.central, ''), t.opened, t.closed
        FROM unnest(p_code, p_name, p_kind, p_central, p_opened, p_closed)
             WITH ORDINALITY AS t(code, name, kind, central, opened, closed, i);

    RETURN QUERY
    SELECT u.i, 'school_code'::text, 'units_code_other_district'::text,
           jsonb_build_object('value', u.code), 0, 0, 0
    FROM units_in u
    WHERE EXISTS (SELECT 1 FROM schools_all_districts(u.code) s WHERE s <> p_district)
    UNION ALL
    SELECT u.i, 'central_code'::text, 'units_central_unknown'::text,
           jsonb_build_object('value', u.central), 0, 0, 0
    FROM units_in u
    WHERE u.central IS NOT NULL
      AND NOT EXISTS (SELECT 1 FROM units_in c WHERE c.code = u.central AND c.kind = 'central')
      AND NOT EXISTS (SELECT 1 FROM schools s WHERE s.code = u.central AND s.kind = 'central'
                      AND s.district_code = p_district)
    ORDER BY 1;
    IF FOUND OR p_check_only THEN
        RETURN;
    END IF;

    WITH up AS (
        INSERT INTO schools AS s (code, district_code, name, kind, central_code, unit_code,
                                  opened, closed)
        SELECT u.code, p_district, u.name, u.kind, u.central, coalesce(u.central, u.code),
               u.opened, u.closed
        FROM units_in u
        ON CONFLICT (code) DO UPDATE
            SET name = excluded.name, kind = excluded.kind, central_code = excluded.central_code,
                unit_code = excluded.unit_code,
                opened = CASE WHEN yx_has(p_cols, 'opened') THEN excluded.opened ELSE s.opened END,
                closed = CASE WHEN yx_has(p_cols, 'closed') THEN excluded.closed ELSE s.closed END,
                updated_at = now()
            WHERE (s.name, s.kind, s.central_code, s.opened, s.closed)
                  IS DISTINCT FROM (excluded.name, excluded.kind, excluded.central_code,
                                    CASE WHEN yx_has(p_cols, 'opened') THEN excluded.opened ELSE s.opened END,
                                    CASE WHEN yx_has(p_cols, 'closed') THEN excluded.closed ELSE s.closed END)
        RETURNING (xmax = 0) AS inserted)
    SELECT count(*) FILTER (WHERE inserted), count(*) FILTER (WHERE NOT inserted)
        INTO n_created, n_updated FROM up;
    PERFORM audit(p_addr, 'units import', format('%s rows', n_in),
                  format('ok: %s created, %s updated', n_created, n_updated));
    RETURN QUERY SELECT -1, ''::text, ''::text, NULL::jsonb, n_created, n_updated,
        n_in - n_created - n_updated;
END
$$;

-- Which district a school code belongs to, across the wall (codes are
-- national, so a clash must be reported without showing the other row).
CREATE OR REPLACE FUNCTION schools_all_districts(p_code text) RETURNS SETOF text
LANGUAGE sql SECURITY DEFINER SET search_path = public, pg_temp STABLE AS
    $$ SELECT district_code FROM schools WHERE code = p_code $$;

-- Imports teachers into p_district; with p_unit set (school role) every
-- school must belong to that reporting unit. Same contract as units_import.
CREATE OR REPLACE FUNCTION roster_import(p_district text, p_unit text, p_addr text, p_code text[], p_name text[],
    p_school text[], p_subject text[], p_group text[], p_homeroom boolean[], p_backbone boolean[],
    p_new boolean[], p_status text[], p_cols text[], p_check_only boolean)
RETURNS TABLE (idx int, field text, code text, args jsonb, created int, updated int, unchanged int)
LANGUAGE plpgsql AS $$
#variable_conflict use_column
DECLARE
    n_in int := coalesce(array_length(p_code, 1), 0);
    n_created int;
    n_updated int;
BEGIN
    CREATE TEMP TABLE IF NOT EXISTS roster_in (i int, code text, name text, school text,
        subject text, grp text, homeroom boolean, backbone boolean, new_teacher boolean,
        status text) ON COMMIT DROP;
    TRUNCATE roster_in;
    INSERT INTO roster_in
        SELECT t.i - 1, t.code, t.name, t.school, t.subject, t.grp, t.homeroom, t.backbone,
               t.new_teacher, t.status
        FROM unnest(p_code, p_name, p_school, p_subject, p_group, p_homeroom, p_backbone, p_new,
                    p_status)
             WITH ORDINALITY AS t(code, name, school, subject, grp, homeroom, backbone,
                                  new_teacher, status, i);

    RETURN QUERY
    SELECT r.i, 'school_code'::text,
           CASE WHEN s.code IS NULL THEN 'roster_school_unknown'
                ELSE 'roster_school_other_unit' END,
           CASE WHEN s.code IS NULL THEN jsonb_build_object('value', r.school)
                ELSE jsonb_build_object('value', r.school, 'name', s.name, 'unit', p_unit) END,
           0, 0, 0
    FROM roster_in r LEFT JOIN schools s ON s.code = r.school AND s.district_code = p_district
    WHERE r.school IS NOT NULL AND (s.code IS NULL OR (p_unit <> '' AND s.unit_code <> p_unit))
    UNION ALL
    -- A school may not take over a teacher who belongs to another unit: that is a
    -- transfer. The other unit's names are not shown to a school.
    SELECT r.i, 'teacher_code'::text, 'roster_teacher_other_unit'::text,
           jsonb_build_object('value', r.code), 0, 0, 0
    FROM roster_in r
    JOIN teachers t ON t.district_code = p_district AND t.code = r.code
    JOIN schools cur ON cur.code = t.school_code
    WHERE p_unit <> '' AND cur.unit_code <> p_unit
    ORDER BY 1;
    IF FOUND OR p_check_only THEN
        RETURN;
    END IF;

    WITH up AS (
        INSERT INTO teachers AS t (district_code, code, name, school_code, subject,
                                   research_group, homeroom, backbone, new_teacher, status)
        SELECT p_district, r.code, r.name, r.school, r.subject, r.grp, r.homeroom, r.backbone,
               r.new_teacher, r.status
        FROM roster_in r
        ON CONFLICT (district_code, code) DO UPDATE
            SET name = excluded.name, school_code = excluded.school_code,
                subject = CASE WHEN yx_has(p_cols, 'subject') THEN excluded.subject ELSE t.subject END,
                research_group = CASE WHEN yx_has(p_cols, 'research_group') THEN excluded.research_group
                                      ELSE t.research_group END,
                homeroom = CASE WHEN yx_has(p_cols, 'homeroom') THEN excluded.homeroom ELSE t.homeroom END,
                backbone = CASE WHEN yx_has(p_cols, 'backbone') THEN excluded.backbone ELSE t.backbone END,
                new_teacher = CASE WHEN yx_has(p_cols, 'new_teacher') THEN excluded.new_teacher
                                   ELSE t.new_teacher END,
                status = CASE WHEN yx_has(p_cols, 'status') THEN excluded.status ELSE t.status END,
                updated_at = now()
            WHERE (t.name, t.school_code, t.subject, t.research_group, t.homeroom, t.backbone,
                   t.new_teacher, t.status)
                  IS DISTINCT FROM (excluded.name, excluded.school_code,
                      CASE WHEN yx_has(p_cols, 'subject') THEN excluded.subject ELSE t.subject END,
                      CASE WHEN yx_has(p_cols, 'research_group') THEN excluded.research_group
                           ELSE t.research_group END,
                      CASE WHEN yx_has(p_cols, 'homeroom') THEN excluded.homeroom ELSE t.homeroom END,
                      CASE WHEN yx_has(p_cols, 'backbone') THEN excluded.backbone ELSE t.backbone END,
                      CASE WHEN yx_has(p_cols, 'new_teacher') THEN excluded.new_teacher ELSE t.new_teacher END,
                      CASE WHEN yx_has(p_cols, 'status') THEN excluded.status ELSE t.status END)
        RETURNING (xmax = 0) AS inserted)
    SELECT count(*) FILTER (WHERE inserted), count(*) FILTER (WHERE NOT inserted)
        INTO n_created, n_updated FROM up;
    PERFORM audit(p_addr, 'roster import', format('%s rows%s', n_in,
                  CASE WHEN p_unit <> '' THEN ' for unit ' || p_unit ELSE '' END),
                  format('ok: %s created, %s updated', n_created, n_updated));
    RETURN QUERY SELECT -1, ''::text, ''::text, NULL::jsonb, n_created, n_updated,
        n_in - n_created - n_updated;
END
$$;

-- Moves a teacher to another school of the same district (district role).
-- Hours stay with the teacher: they are keyed by teacher, not by school.
CREATE OR REPLACE FUNCTION roster_transfer(p_district text, p_code text, p_to text, p_addr text)
RETURNS TABLE (from_school text, to_unit text)
LANGUAGE plpgsql AS $$
DECLARE
    t_from text;
    u text;
BEGIN
    SELECT s.unit_code INTO u FROM schools s WHERE s.code = p_to AND s.district_code = p_district;
    IF NOT FOUND THEN
        RAISE EXCEPTION USING ERRCODE = 'YXNFD', MESSAGE = 'transfer_school_unknown',
            DETAIL = json_build_object('school', p_to, 'district', p_district)::text;
    END IF;
    SELECT t.school_code INTO t_from FROM teachers t
        WHERE t.district_code = p_district AND t.code = p_code FOR UPDATE;
    IF NOT FOUND THEN
        RAISE EXCEPTION USING ERRCODE = 'YXNFD', MESSAGE = 'transfer_teacher_unknown',
            DETAIL = json_build_object('teacher', p_code, 'district', p_district)::text;
    END IF;
    IF t_from = p_to THEN
        RAISE EXCEPTION USING ERRCODE = 'YXPRE', MESSAGE = 'transfer_same_school',
            DETAIL = json_build_object('teacher', p_code, 'school', p_to)::text;
    END IF;
    UPDATE teachers SET school_code = p_to, updated_at = now()
        WHERE district_code = p_district AND code = p_code;
    PERFORM audit(p_addr, 'roster transfer', format('teacher %s %s -> %s', p_code, t_from, p_to), 'ok');
    RETURN QUERY SELECT t_from, u;
END
$$;

-- Each run sets the grants whole: what is not granted here is revoked.
REVOKE ALL ON FUNCTION yx_has, units_import, schools_all_districts, roster_import, roster_transfer
    FROM PUBLIC, yanxiu_app, yanxiud_login;
GRANT EXECUTE ON FUNCTION yx_has, units_import, roster_import, roster_transfer TO PUBLIC;
GRANT EXECUTE ON FUNCTION yx_has, units_import, schools_all_districts, roster_import,
    roster_transfer TO yanxiu_app;
