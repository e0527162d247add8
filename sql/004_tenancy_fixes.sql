-- 004: tightening the wall after the table-driven tenancy test.
--
-- The daemon may write audit entries only for the caller's own district (or
-- with no district, as an admin's are).
ALTER POLICY audit_write ON audit_log WITH CHECK (yx_can_see(district_code) OR district_code IS NULL);

-- roster_import: a school's error about a teacher of another unit no longer
-- names that teacher or school.
CREATE OR REPLACE FUNCTION roster_import(p_district text, p_unit text, p_addr text, p_code text[], p_name text[],
    p_school text[], p_subject text[], p_group text[], p_homeroom boolean[], p_backbone boolean[],
    p_new boolean[], p_status text[])
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
                subject = excluded.subject, research_group = excluded.research_group,
                homeroom = excluded.homeroom, backbone = excluded.backbone,
                new_teacher = excluded.new_teacher, status = excluded.status, updated_at = now()
            WHERE (t.name, t.school_code, t.subject, t.research_group, t.homeroom, t.backbone,
                   t.new_teacher, t.status)
                  IS DISTINCT FROM (excluded.name, excluded.school_code, excluded.subject,
                                    excluded.research_group, excluded.homeroom, excluded.backbone,
                                    excluded.new_teacher, excluded.status)
        RETURNING (xmax = 0) AS inserted)
    SELECT count(*) FILTER (WHERE inserted), count(*) FILTER (WHERE NOT inserted)
        INTO n_created, n_updated FROM up;
    PERFORM audit(p_addr, 'roster import', format('%s rows%s', n_in,
                  CASE WHEN p_unit <> '' THEN ' for unit ' || p_unit ELSE '' END),
                  format('ok: %s created, %s updated', n_created, n_updated));
    RETURN QUERY SELECT -1, ''::text, ''::text, n_created, n_updated, n_in - n_created - n_updated;
END
$$;

