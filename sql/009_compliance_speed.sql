-- 009: the compliance views at county and city scale (issue 5, "Fast at
-- district and province scale"; tests/bench/compliance-bench.sh).
--
-- * ledger_years: a yearly roll-up of ledger_months per teacher x year x
--   approved, kept under both year bases (school year from September, and
--   calendar year) because the policy may use either. It is maintained by
--   ledger_apply in the same statement as the other two ledgers, checked by
--   verify-ledger (ledger_differences), and read by compliance_teachers
--   whenever no month after the as-of day can hold hours: a county's year is
--   then 8 000 rows to sum instead of 96 000.
-- * compliance_teachers narrows the ledger to the unit's (or school's)
--   teachers before summing, when the view is of one unit; it checks the
--   caller's scope itself and reads as its owner (SECURITY DEFINER), because
--   under the row-level wall the planner misjudged how many rows it reads.
-- * The functions whose RETURN QUERY reads the ledgers always plan for the
--   values they are called with: after five calls PostgreSQL may otherwise
--   switch a PL/pgSQL query to a generic plan, made without knowing the
--   district, the windows or the unit; for compliance_teachers that plan was
--   three times slower at 600 teachers and ran past query_timeout (30 s) at
--   8 000.

CREATE TABLE ledger_years (
    district_code text NOT NULL,
    teacher_code text NOT NULL,
    basis text NOT NULL CHECK (basis IN ('school', 'calendar')),
    year int NOT NULL,
    approved boolean NOT NULL,
    hours numeric(12, 1) NOT NULL DEFAULT 0,
    school_hours numeric(12, 1) NOT NULL DEFAULT 0,
    ethics_hours numeric(12, 1) NOT NULL DEFAULT 0,
    centralized_hours numeric(12, 1) NOT NULL DEFAULT 0,
    homeroom_hours numeric(12, 1) NOT NULL DEFAULT 0,
    credit_hours numeric(12, 1) NOT NULL DEFAULT 0,
    credits numeric(12, 1) NOT NULL DEFAULT 0,
    absences int NOT NULL DEFAULT 0,
    PRIMARY KEY (district_code, basis, year, teacher_code, approved)
);
-- one unit's (or school's) teachers, looked up by teacher
CREATE INDEX ledger_years_teacher ON ledger_years (district_code, teacher_code, basis, year);
ALTER TABLE ledger_years ENABLE ROW LEVEL SECURITY;
CREATE POLICY ledger_years_wall ON ledger_years USING (yx_can_see(district_code))
    WITH CHECK (yx_can_see(district_code));
GRANT SELECT, INSERT, UPDATE ON ledger_years TO yanxiu_app;

-- What ledger_years should hold: ledger_months_expected (the raw rows) per year.
CREATE VIEW ledger_years_expected WITH (security_invoker = true) AS
SELECT e.district_code, e.teacher_code, b.basis,
       CASE WHEN b.basis = 'school'
            THEN extract(year FROM e.month)::int - (extract(month FROM e.month) < 9)::int
            ELSE extract(year FROM e.month)::int END AS year,
       e.approved, sum(e.hours) AS hours, sum(e.school_hours) AS school_hours,
       sum(e.ethics_hours) AS ethics_hours, sum(e.centralized_hours) AS centralized_hours,
       sum(e.homeroom_hours) AS homeroom_hours, sum(e.credit_hours) AS credit_hours,
       sum(e.credits) AS credits, sum(e.absences)::int AS absences
FROM ledger_months_expected e CROSS JOIN (VALUES ('calendar'), ('school')) AS b(basis)
GROUP BY 1, 2, 3, 4, 5
HAVING sum(e.hours) <> 0 OR sum(e.credit_hours) <> 0 OR sum(e.credits) <> 0
    OR sum(e.absences) <> 0;

-- The roll-up of what the districts have now.
INSERT INTO ledger_years (district_code, teacher_code, basis, year, approved, hours, school_hours,
    ethics_hours, centralized_hours, homeroom_hours, credit_hours, credits, absences)
SELECT m.district_code, m.teacher_code, b.basis,
       CASE WHEN b.basis = 'school'
            THEN extract(year FROM m.month)::int - (extract(month FROM m.month) < 9)::int
            ELSE extract(year FROM m.month)::int END,
       m.approved, sum(m.hours), sum(m.school_hours), sum(m.ethics_hours),
       sum(m.centralized_hours), sum(m.homeroom_hours), sum(m.credit_hours), sum(m.credits),
       sum(m.absences)
FROM ledger_months m CROSS JOIN (VALUES ('calendar'), ('school')) AS b(basis)
GROUP BY 1, 2, 3, 4, 5;

-- ---- maintained with the other ledgers ----------------------------------------
-- As in 005, in plpgsql (its statement's plan is cached per session instead of
-- being planned again at every call), and the yearly roll-up in the same
-- statement.
CREATE OR REPLACE FUNCTION ledger_apply(p_report bigint, p_version int, p_sign int,
                                        p_approved boolean)
RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    WITH r AS (SELECT district_code, month FROM reports WHERE id = p_report),
    x AS (SELECT * FROM ledger_rows(p_report, p_version)),
    fine AS (
        INSERT INTO ledger AS l (district_code, teacher_code, month, category, level, mode,
                                 approved, hours, credit_hours, credits, absences)
        SELECT r.district_code, x.teacher_code, r.month, x.category, x.level, x.mode, p_approved,
               p_sign * sum(x.hours), p_sign * sum(x.credit_hours), p_sign * sum(x.credits),
               p_sign * sum(x.absences)
        FROM r, x
        GROUP BY r.district_code, x.teacher_code, r.month, x.category, x.level, x.mode
        HAVING sum(x.hours) <> 0 OR sum(x.credits) <> 0 OR sum(x.absences) <> 0
        ORDER BY 1, 2, 3, 4, 5, 6
        ON CONFLICT (district_code, teacher_code, month, category, level, mode, approved)
        DO UPDATE SET hours = l.hours + excluded.hours,
                      credit_hours = l.credit_hours + excluded.credit_hours,
                      credits = l.credits + excluded.credits,
                      absences = l.absences + excluded.absences
        RETURNING 1),
    per_month AS (
        INSERT INTO ledger_months AS l (district_code, teacher_code, month, approved, hours,
        school_hours, ethics_hours, centralized_hours, homeroom_hours, credit_hours, credits,
        absences)
    SELECT r.district_code, x.teacher_code, r.month, p_approved,
           p_sign * sum(x.hours),
           p_sign * coalesce(sum(x.hours) FILTER (WHERE x.level = 'school'), 0),
           p_sign * coalesce(sum(x.hours) FILTER (WHERE x.category = 'ethics'), 0),
           p_sign * coalesce(sum(x.hours) FILTER (WHERE x.mode = 'centralized'
                                                 AND x.level <> 'school'), 0),
           p_sign * coalesce(sum(x.hours) FILTER (WHERE x.category = 'homeroom'), 0),
           p_sign * sum(x.credit_hours), p_sign * sum(x.credits),
           p_sign * coalesce(sum(x.absences) FILTER (WHERE x.mode = 'centralized'), 0)
    FROM r, x
    GROUP BY r.district_code, x.teacher_code, r.month
    HAVING sum(x.hours) <> 0 OR sum(x.credits) <> 0 OR sum(x.absences) <> 0
    ORDER BY 1, 2, 3
    ON CONFLICT (district_code, teacher_code, month, approved)
    DO UPDATE SET hours = l.hours + excluded.hours, school_hours = l.school_hours + excluded.school_hours,
                  ethics_hours = l.ethics_hours + excluded.ethics_hours,
                  centralized_hours = l.centralized_hours + excluded.centralized_hours,
                  homeroom_hours = l.homeroom_hours + excluded.homeroom_hours,
                  credit_hours = l.credit_hours + excluded.credit_hours,
                  credits = l.credits + excluded.credits,
                  absences = l.absences + excluded.absences
        RETURNING 1)
    -- the yearly roll-up, under both year bases (the policy may use either)
    INSERT INTO ledger_years AS l (district_code, teacher_code, basis, year, approved, hours,
        school_hours, ethics_hours, centralized_hours, homeroom_hours, credit_hours, credits,
        absences)
    SELECT r.district_code, x.teacher_code, b.basis,
           CASE WHEN b.basis = 'school'
                THEN extract(year FROM r.month)::int - (extract(month FROM r.month) < 9)::int
                ELSE extract(year FROM r.month)::int END,
           p_approved,
           p_sign * sum(x.hours),
           p_sign * coalesce(sum(x.hours) FILTER (WHERE x.level = 'school'), 0),
           p_sign * coalesce(sum(x.hours) FILTER (WHERE x.category = 'ethics'), 0),
           p_sign * coalesce(sum(x.hours) FILTER (WHERE x.mode = 'centralized'
                                                 AND x.level <> 'school'), 0),
           p_sign * coalesce(sum(x.hours) FILTER (WHERE x.category = 'homeroom'), 0),
           p_sign * sum(x.credit_hours), p_sign * sum(x.credits),
           p_sign * coalesce(sum(x.absences) FILTER (WHERE x.mode = 'centralized'), 0)
    FROM r, x, (VALUES ('calendar'), ('school')) AS b(basis)
    GROUP BY r.district_code, x.teacher_code, b.basis, r.month
    HAVING sum(x.hours) <> 0 OR sum(x.credits) <> 0 OR sum(x.absences) <> 0
    ORDER BY 1, 3, 4, 2
    ON CONFLICT (district_code, basis, year, teacher_code, approved)
    DO UPDATE SET hours = l.hours + excluded.hours, school_hours = l.school_hours + excluded.school_hours,
                  ethics_hours = l.ethics_hours + excluded.ethics_hours,
                  centralized_hours = l.centralized_hours + excluded.centralized_hours,
                  homeroom_hours = l.homeroom_hours + excluded.homeroom_hours,
                  credit_hours = l.credit_hours + excluded.credit_hours,
                  credits = l.credits + excluded.credits,
                  absences = l.absences + excluded.absences;
END
$$;

-- ---- verify-ledger checks the roll-up too -------------------------------------
CREATE OR REPLACE FUNCTION ledger_differences()
RETURNS TABLE (ledger text, key text, stored text, expected text) LANGUAGE sql STABLE AS $$
    SELECT 'ledger', concat_ws(' ', district_code, teacher_code, to_char(month, 'YYYY-MM'),
                               category, level, mode, CASE WHEN approved THEN 'approved'
                                                           ELSE 'pending' END),
           CASE WHEN l.hours IS NULL THEN 'nothing'
                ELSE format('hours %s, credit_hours %s, credits %s, absences %s', l.hours,
                            l.credit_hours, l.credits, l.absences) END,
           CASE WHEN e.hours IS NULL THEN 'nothing'
                ELSE format('hours %s, credit_hours %s, credits %s, absences %s', e.hours,
                            e.credit_hours, e.credits, e.absences) END
    FROM (SELECT * FROM ledger
          WHERE hours <> 0 OR credit_hours <> 0 OR credits <> 0 OR absences <> 0) l
    FULL JOIN ledger_expected e
        USING (district_code, teacher_code, month, category, level, mode, approved)
    WHERE (l.hours, l.credit_hours, l.credits, l.absences)
          IS DISTINCT FROM (e.hours, e.credit_hours, e.credits, e.absences)
    UNION ALL
    SELECT 'ledger_months', concat_ws(' ', district_code, teacher_code, to_char(month, 'YYYY-MM'),
                                      CASE WHEN approved THEN 'approved' ELSE 'pending' END),
           CASE WHEN l.hours IS NULL THEN 'nothing'
                ELSE format('hours %s, school %s, ethics %s, centralized %s, homeroom %s, credit_hours %s, credits %s, absences %s',
                            l.hours, l.school_hours, l.ethics_hours, l.centralized_hours,
                            l.homeroom_hours, l.credit_hours, l.credits, l.absences) END,
           CASE WHEN e.hours IS NULL THEN 'nothing'
                ELSE format('hours %s, school %s, ethics %s, centralized %s, homeroom %s, credit_hours %s, credits %s, absences %s',
                            e.hours, e.school_hours, e.ethics_hours, e.centralized_hours,
                            e.homeroom_hours, e.credit_hours, e.credits, e.absences) END
    FROM (SELECT * FROM ledger_months
          WHERE hours <> 0 OR credit_hours <> 0 OR credits <> 0 OR absences <> 0) l
    FULL JOIN ledger_months_expected e USING (district_code, teacher_code, month, approved)
    WHERE (l.hours, l.school_hours, l.ethics_hours, l.centralized_hours, l.homeroom_hours,
           l.credit_hours, l.credits, l.absences)
          IS DISTINCT FROM (e.hours, e.school_hours, e.ethics_hours, e.centralized_hours,
                            e.homeroom_hours, e.credit_hours, e.credits, e.absences)
    UNION ALL
    SELECT 'ledger_years', concat_ws(' ', district_code, teacher_code, basis, year::text,
                                     CASE WHEN approved THEN 'approved' ELSE 'pending' END),
           CASE WHEN l.hours IS NULL THEN 'nothing'
                ELSE format('hours %s, school %s, ethics %s, centralized %s, homeroom %s, credit_hours %s, credits %s, absences %s',
                            l.hours, l.school_hours, l.ethics_hours, l.centralized_hours,
                            l.homeroom_hours, l.credit_hours, l.credits, l.absences) END,
           CASE WHEN e.hours IS NULL THEN 'nothing'
                ELSE format('hours %s, school %s, ethics %s, centralized %s, homeroom %s, credit_hours %s, credits %s, absences %s',
                            e.hours, e.school_hours, e.ethics_hours, e.centralized_hours,
                            e.homeroom_hours, e.credit_hours, e.credits, e.absences) END
    FROM (SELECT * FROM ledger_years
          WHERE hours <> 0 OR credit_hours <> 0 OR credits <> 0 OR absences <> 0) l
    FULL JOIN ledger_years_expected e USING (district_code, teacher_code, basis, year, approved)
    WHERE (l.hours, l.school_hours, l.ethics_hours, l.centralized_hours, l.homeroom_hours,
           l.credit_hours, l.credits, l.absences)
          IS DISTINCT FROM (e.hours, e.school_hours, e.ethics_hours, e.centralized_hours,
                            e.homeroom_hours, e.credit_hours, e.credits, e.absences)
    ORDER BY 1, 2
$$;

-- ---- the views read the roll-up -------------------------------------------------
-- As in 006; the sums come from ledger_years when it can answer (use_years),
-- and only the teachers asked for are summed.
CREATE OR REPLACE FUNCTION compliance_teachers(p_district text, p_year int, p_as_of date,
    p_approved_only boolean, p_unit text, p_school text)
RETURNS TABLE (teacher_code text, name text, unit_code text, school_code text,
    research_group text, homeroom boolean, hours numeric, school_hours numeric,
    ethics_hours numeric, centralized_hours numeric, homeroom_hours numeric, credits numeric,
    absences int, status text, reasons text, school_short boolean, cycle text,
    cycle_hours numeric, cycle_ethics_hours numeric, cycle_centralized_hours numeric,
    cycle_homeroom_hours numeric, cycle_status text, cycle_reasons text)
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = public
SET plan_cache_mode = force_custom_plan AS $$
DECLARE
    pol policies := policy_for_year(p_district, p_year, p_as_of);
    w record;
    y_m int;
    c_m int;
    y_over boolean;
    c_over boolean;
    c_months int;
    c_first int;
    use_years boolean;
BEGIN
    -- SECURITY DEFINER: under the row-level wall the planner cannot know whose
    -- rows the wall lets through, guessed a handful of teachers where there were
    -- 8 000, and joined them row by row: 7.8 s for one district of a province
    -- (tests/bench/province-views.sh). The wall is checked here instead, and
    -- every row below is of p_district (and of p_unit when given).
    IF NOT yx_can_see(p_district) OR (yx_role() = 'school' AND p_unit IS DISTINCT FROM yx_unit())
    THEN
        RAISE EXCEPTION 'the compliance of district % unit % is not yours to see', p_district,
            p_unit USING ERRCODE = 'YXPRM';
    END IF;
    w := compliance_windows(pol, p_year);
    y_m := months_elapsed(w.y_start, w.y_end, p_as_of);
    c_m := months_elapsed(w.c_start, w.c_end, p_as_of);
    c_months := pol.cycle_years * 12;
    y_over := p_as_of >= w.y_end;
    c_over := p_as_of >= w.c_end;
    c_first := extract(year FROM w.c_start)::int;
    -- The yearly roll-up holds every month of a year; it answers when no month
    -- after p_as_of can hold hours (p_as_of is today or later in Asia/Shanghai,
    -- and months after the current one cannot be reported) or the cycle is over.
    use_years := p_as_of >= (now() AT TIME ZONE 'Asia/Shanghai')::date OR c_over;
    RETURN QUERY
    -- the teachers asked for, when a unit or a school narrows the view
    WITH mine AS (
        SELECT t.code FROM teachers t JOIN schools s ON s.code = t.school_code
        WHERE t.district_code = p_district AND (p_unit = '' OR s.unit_code = p_unit)
          AND (p_school = '' OR t.school_code = p_school)),
    sums AS (
        SELECT l.teacher_code,
               coalesce(sum(l.hours) FILTER (WHERE l.month BETWEEN w.y_start AND w.y_end), 0) AS y_hours,
               coalesce(sum(l.school_hours) FILTER (WHERE l.month BETWEEN w.y_start AND w.y_end), 0) AS y_school,
               coalesce(sum(l.ethics_hours) FILTER (WHERE l.month BETWEEN w.y_start AND w.y_end), 0) AS y_ethics,
               coalesce(sum(l.centralized_hours) FILTER (WHERE l.month BETWEEN w.y_start AND w.y_end), 0) AS y_central,
               coalesce(sum(l.homeroom_hours) FILTER (WHERE l.month BETWEEN w.y_start AND w.y_end), 0) AS y_homeroom,
               coalesce(sum(l.credits + l.credit_hours * pol.credit_factor)
                        FILTER (WHERE l.month BETWEEN w.y_start AND w.y_end), 0) AS y_credits,
               coalesce(sum(l.absences) FILTER (WHERE l.month BETWEEN w.y_start AND w.y_end), 0)::int AS y_absences,
               sum(l.hours) AS c_hours, sum(l.ethics_hours) AS c_ethics,
               sum(l.centralized_hours) AS c_central, sum(l.homeroom_hours) AS c_homeroom
        FROM ledger_months l
        WHERE NOT use_years AND l.district_code = p_district
          -- a year lies inside its cycle: the cycle's months hold the year's
          AND l.month >= w.c_start AND l.month <= least(w.c_end, p_as_of)
          AND (NOT p_approved_only OR l.approved)
          AND ((p_unit = '' AND p_school = '') OR l.teacher_code IN (SELECT m.code FROM mine m))
        GROUP BY l.teacher_code
        UNION ALL
        -- the same sums from the yearly roll-up (c_first .. : the cycle's years)
        SELECT l.teacher_code,
               coalesce(sum(l.hours) FILTER (WHERE l.year = p_year), 0),
               coalesce(sum(l.school_hours) FILTER (WHERE l.year = p_year), 0),
               coalesce(sum(l.ethics_hours) FILTER (WHERE l.year = p_year), 0),
               coalesce(sum(l.centralized_hours) FILTER (WHERE l.year = p_year), 0),
               coalesce(sum(l.homeroom_hours) FILTER (WHERE l.year = p_year), 0),
               coalesce(sum(l.credits + l.credit_hours * pol.credit_factor)
                        FILTER (WHERE l.year = p_year), 0),
               coalesce(sum(l.absences) FILTER (WHERE l.year = p_year), 0)::int,
               sum(l.hours), sum(l.ethics_hours), sum(l.centralized_hours), sum(l.homeroom_hours)
        FROM ledger_years l
        WHERE use_years AND l.district_code = p_district AND l.basis = pol.year_basis
          AND l.year BETWEEN c_first AND c_first + pol.cycle_years - 1
          AND (NOT p_approved_only OR l.approved)
          AND ((p_unit = '' AND p_school = '') OR l.teacher_code IN (SELECT m.code FROM mine m))
        GROUP BY l.teacher_code),
    base AS (
        SELECT t.code, t.name, s.unit_code, t.school_code, t.research_group, t.homeroom,
               t.status AS tstatus,
               coalesce(x.y_hours, 0) AS y_hours, coalesce(x.y_school, 0) AS y_school,
               coalesce(x.y_ethics, 0) AS y_ethics, coalesce(x.y_central, 0) AS y_central,
               coalesce(x.y_homeroom, 0) AS y_homeroom, coalesce(x.y_credits, 0) AS y_credits,
               coalesce(x.y_absences, 0) AS y_absences, coalesce(x.c_hours, 0) AS c_hours,
               coalesce(x.c_ethics, 0) AS c_ethics, coalesce(x.c_central, 0) AS c_central,
               coalesce(x.c_homeroom, 0) AS c_homeroom
        FROM teachers t
        JOIN schools s ON s.code = t.school_code
        LEFT JOIN sums x ON x.teacher_code = t.code
        WHERE t.district_code = p_district AND t.status <> 'left'
          AND (p_unit = '' OR s.unit_code = p_unit) AND (p_school = '' OR t.school_code = p_school)),
    -- what each rule needs now: the whole target once the period is over,
    -- else the target pro rata of the months elapsed
    need AS (
        SELECT b.*,
               CASE WHEN y_over THEN pol.hours_year ELSE round(pol.hours_year * y_m / 12, 1) END AS n_hours,
               CASE WHEN y_over THEN pol.school_hours_year
                    ELSE round(pol.school_hours_year * y_m / 12, 1) END AS n_school,
               CASE WHEN y_over THEN pol.credits_year ELSE round(pol.credits_year * y_m / 12, 1) END AS n_credits,
               CASE WHEN c_over THEN pol.hours_cycle
                    ELSE round(pol.hours_cycle * c_m / c_months, 1) END AS n_c_hours,
               CASE WHEN c_over THEN pol.ethics_hours_cycle
                    ELSE round(pol.ethics_hours_cycle * c_m / c_months, 1) END AS n_c_ethics,
               CASE WHEN c_over THEN pol.centralized_hours_cycle
                    ELSE round(pol.centralized_hours_cycle * c_m / c_months, 1) END AS n_c_central,
               CASE WHEN c_over THEN pol.homeroom_hours_cycle
                    ELSE round(pol.homeroom_hours_cycle * c_m / c_months, 1) END AS n_c_homeroom
        FROM base b),
    -- whether each set of rules is met; the reasons are written out only
    -- where the answer shows them (most teachers need none)
    judged AS (
        SELECT n.*,
               (n.y_hours >= pol.hours_year AND n.y_school >= pol.school_hours_year
                AND (NOT pol.credits_enabled OR n.y_credits >= pol.credits_year)
                AND n.y_absences < pol.absence_limit) AS full_ok,
               (n.y_hours >= n.n_hours AND n.y_school >= n.n_school
                AND (NOT pol.credits_enabled OR n.y_credits >= n.n_credits)) AS pace_ok,
               (n.c_hours >= pol.hours_cycle AND n.c_ethics >= pol.ethics_hours_cycle
                AND n.c_central >= pol.centralized_hours_cycle
                AND (NOT n.homeroom OR n.c_homeroom >= pol.homeroom_hours_cycle)) AS c_full_ok,
               (n.c_hours >= n.n_c_hours AND n.c_ethics >= n.n_c_ethics
                AND n.c_central >= n.n_c_central
                AND (NOT n.homeroom OR n.c_homeroom >= n.n_c_homeroom)) AS c_pace_ok
        FROM need n)
    SELECT j.code, j.name, j.unit_code, j.school_code, j.research_group, j.homeroom,
           j.y_hours, j.y_school, j.y_ethics, j.y_central, j.y_homeroom, j.y_credits, j.y_absences,
           CASE WHEN j.tstatus = 'exempt' THEN 'exempt'
                WHEN j.y_absences >= pol.absence_limit THEN 'non_compliant'
                WHEN j.full_ok THEN 'compliant'
                WHEN y_over THEN 'non_compliant'
                WHEN j.pace_ok THEN 'on_track'
                ELSE 'behind' END,
           CASE WHEN j.tstatus = 'exempt' OR j.full_ok THEN ''
                -- the year's rules against the full targets
                WHEN j.y_absences >= pol.absence_limit OR y_over
                THEN concat_ws(E'\x1e',
                       CASE WHEN j.y_hours < pol.hours_year THEN yx_reason('hours_year', pol.hours_year, j.y_hours) END,
                       CASE WHEN j.y_school < pol.school_hours_year
                            THEN yx_reason('school_hours_year', pol.school_hours_year, j.y_school) END,
                       CASE WHEN pol.credits_enabled AND j.y_credits < pol.credits_year
                            THEN yx_reason('credits_year', pol.credits_year, j.y_credits) END,
                       CASE WHEN j.y_absences >= pol.absence_limit
                            THEN yx_reason('unexcused_absences', pol.absence_limit - 1, j.y_absences) END
                   )
                WHEN j.pace_ok THEN ''
                -- the same rules pro rata
                ELSE concat_ws(E'\x1e',
                       CASE WHEN j.y_hours < j.n_hours THEN yx_reason('hours_year', j.n_hours, j.y_hours) END,
                       CASE WHEN j.y_school < j.n_school THEN yx_reason('school_hours_year', j.n_school, j.y_school) END,
                       CASE WHEN pol.credits_enabled AND j.y_credits < j.n_credits
                            THEN yx_reason('credits_year', j.n_credits, j.y_credits) END
                   ) END,
           j.tstatus <> 'exempt' AND j.y_school < j.n_school,
           w.c_label, j.c_hours, j.c_ethics, j.c_central, j.c_homeroom,
           CASE WHEN j.tstatus = 'exempt' THEN 'exempt'
                WHEN j.c_full_ok THEN 'compliant'
                WHEN c_over THEN 'non_compliant'
                WHEN j.c_pace_ok THEN 'on_track'
                ELSE 'behind' END,
           CASE WHEN j.tstatus = 'exempt' OR j.c_full_ok THEN ''
                WHEN c_over
                THEN concat_ws(E'\x1e',
                       CASE WHEN j.c_hours < pol.hours_cycle THEN yx_reason('hours_cycle', pol.hours_cycle, j.c_hours) END,
                       CASE WHEN j.c_ethics < pol.ethics_hours_cycle
                            THEN yx_reason('ethics_hours_cycle', pol.ethics_hours_cycle, j.c_ethics) END,
                       CASE WHEN j.c_central < pol.centralized_hours_cycle
                            THEN yx_reason('centralized_hours_cycle', pol.centralized_hours_cycle, j.c_central) END,
                       CASE WHEN j.homeroom AND j.c_homeroom < pol.homeroom_hours_cycle
                            THEN yx_reason('homeroom_hours_cycle', pol.homeroom_hours_cycle, j.c_homeroom) END
                   )
                ELSE concat_ws(E'\x1e',
                       CASE WHEN j.c_hours < j.n_c_hours THEN yx_reason('hours_cycle', j.n_c_hours, j.c_hours) END,
                       CASE WHEN j.c_ethics < j.n_c_ethics THEN yx_reason('ethics_hours_cycle', j.n_c_ethics, j.c_ethics) END,
                       CASE WHEN j.c_central < j.n_c_central
                            THEN yx_reason('centralized_hours_cycle', j.n_c_central, j.c_central) END,
                       CASE WHEN j.homeroom AND j.c_homeroom < j.n_c_homeroom
                            THEN yx_reason('homeroom_hours_cycle', j.n_c_homeroom, j.c_homeroom) END
                   ) END
    FROM judged j
    ORDER BY j.unit_code, j.school_code, j.code;
END
$$;

REVOKE ALL ON FUNCTION compliance_teachers FROM PUBLIC;
GRANT EXECUTE ON FUNCTION compliance_teachers TO yanxiu_app;

ALTER FUNCTION assessment_results(text, text, int, date, boolean, text)
    SET plan_cache_mode = force_custom_plan;
ALTER FUNCTION months_due(text, int, date) SET plan_cache_mode = force_custom_plan;
