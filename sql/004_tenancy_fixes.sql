-- 004: tightening the wall after the table-driven tenancy test.
--
-- The daemon may write audit entries only for the caller's own district (or
-- with no district, as an admin's are).
ALTER POLICY audit_write ON audit_log WITH CHECK (yx_can_see(district_code) OR district_code IS NULL);

-- The imports take the list of optional columns the file had: an existing
-- row keeps its value of a column the file lacks (an empty list means all),
-- so that a file without, say, the 班主任 column clears no flag.
-- The school's error about a teacher of another unit no longer names that
-- teacher or school.
DROP FUNCTION units_import(text, text, text[], text[], text[], text[], date[], date[]);
DROP FUNCTION roster_import(text, text, text, text[], text[], text[], text[], text[], boolean[],
    boolean[], boolean[], text[]);

CREATE FUNCTION units_import(p_district text, p_addr text, p_code text[], p_name text[], p_kind text[],
    p_central text[], p_opened date[], p_closed date[], p_cols text[])
RETURNS TABLE (idx int, field text, reason text, created int, updated int, unchanged int)
LANGUAGE plpgsql AS $$
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
    SELECT u.i, 'school_code'::text,
           format('school code %s belongs to another district', u.code), 0, 0, 0
    FROM units_in u
    WHERE EXISTS (SELECT 1 FROM schools_all_districts(u.code) s WHERE s <> p_district)
    UNION ALL
    SELECT u.i, 'central_code'::text,
           format('central school %s is neither in this file nor in the district', u.central),
           0, 0, 0
    FROM units_in u
    WHERE u.central IS NOT NULL
      AND NOT EXISTS (SELECT 1 FROM units_in c WHERE c.code = u.central AND c.kind = 'central')
      AND NOT EXISTS (SELECT 1 FROM schools s WHERE s.code = u.central AND s.kind = 'central'
                      AND s.district_code = p_district)
    ORDER BY 1;
    IF FOUND THEN
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
    RETURN QUERY SELECT -1, ''::text, ''::text, n_created, n_updated, n_in - n_created - n_updated;
END
$$;


CREATE FUNCTION roster_import(p_district text, p_unit text, p_addr text, p_code text[], p_name text[],
    p_school text[], p_subject text[], p_group text[], p_homeroom boolean[], p_backbone boolean[],
    p_new boolean[], p_status text[], p_cols text[])
RETURNS TABLE (idx int, field text, reason text, created int, updated int, unchanged int)
LANGUAGE plpgsql AS $$
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
           CASE WHEN s.code IS NULL
                THEN format('school %s is not a school of this district (import it with yanxiu units import)', r.school)
                ELSE format('school %s (%s) is not in your reporting unit %s', r.school, s.name, p_unit) END,
           0, 0, 0
    FROM roster_in r LEFT JOIN schools s ON s.code = r.school AND s.district_code = p_district
    WHERE s.code IS NULL OR (p_unit <> '' AND s.unit_code <> p_unit)
    UNION ALL
    -- A school may not take over a teacher who belongs to another unit: that is a
    -- transfer. The other unit's names are not shown to a school.
    SELECT r.i, 'teacher_code'::text,
           format('teacher %s belongs to another reporting unit; a move between units is a transfer, done by the district (yanxiu roster transfer)',
                  r.code), 0, 0, 0
    FROM roster_in r
    JOIN teachers t ON t.district_code = p_district AND t.code = r.code
    JOIN schools cur ON cur.code = t.school_code
    WHERE p_unit <> '' AND cur.unit_code <> p_unit
    ORDER BY 1;
    IF FOUND THEN
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
    RETURN QUERY SELECT -1, ''::text, ''::text, n_created, n_updated, n_in - n_created - n_updated;
END
$$;


CREATE FUNCTION yx_has(cols text[], col text) RETURNS boolean LANGUAGE sql IMMUTABLE AS
    $$ SELECT cardinality(cols) = 0 OR col = ANY (cols) $$;
GRANT EXECUTE ON FUNCTION units_import, roster_import, yx_has TO yanxiu_app;
