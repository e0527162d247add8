-- sql/functions/compliance.sql: compliance of teachers against the policy, the reporting matrix.
-- Only function definitions and their grants, all re-applied by every
-- `yanxiud migrate` (README "Schema and migrations").

-- Whole months of [p_start, p_end] completed by the end of day p_as_of.
CREATE OR REPLACE FUNCTION months_elapsed(p_start date, p_end date, p_as_of date) RETURNS int
LANGUAGE sql IMMUTABLE AS $$
    SELECT CASE WHEN p_as_of < p_start THEN 0
                WHEN p_as_of >= p_end THEN
                    (extract(year FROM age(p_end + 1, p_start)) * 12
                     + extract(month FROM age(p_end + 1, p_start)))::int
                ELSE (extract(year FROM age(p_as_of + 1, p_start)) * 12
                      + extract(month FROM age(p_as_of + 1, p_start)))::int END
$$;

-- One reason of a status: rule, needed, had (the daemon splits on \x1f and \x1e).
CREATE OR REPLACE FUNCTION yx_reason(rule text, needed numeric, had numeric) RETURNS text
LANGUAGE sql IMMUTABLE AS $$ SELECT rule || E'\x1f' || needed::text || E'\x1f' || had::text $$;

-- The windows of year p_year and of its cycle under policy pol.
CREATE OR REPLACE FUNCTION compliance_windows(pol policies, p_year int,
    OUT y_start date, OUT y_end date, OUT c_start date, OUT c_end date, OUT c_label text)
LANGUAGE plpgsql IMMUTABLE AS $$
DECLARE
    c_first int := pol.cycle_first_year
        + floor((p_year - pol.cycle_first_year)::numeric / pol.cycle_years)::int * pol.cycle_years;
BEGIN
    IF pol.year_basis = 'school' THEN
        y_start := make_date(p_year, 9, 1);
        y_end := make_date(p_year + 1, 8, 31);
        c_start := make_date(c_first, 9, 1);
        c_end := make_date(c_first + pol.cycle_years, 8, 31);
    ELSE
        y_start := make_date(p_year, 1, 1);
        y_end := make_date(p_year, 12, 31);
        c_start := make_date(c_first, 1, 1);
        c_end := make_date(c_first + pol.cycle_years - 1, 12, 31);
    END IF;
    c_label := format('%s-%s', c_first, c_first + pol.cycle_years - 1);
END
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
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = public, pg_temp
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
    IF NOT yx_can_see_scope(p_district, p_unit) THEN
        RAISE EXCEPTION USING ERRCODE = 'YXPRM', MESSAGE = 'compliance_not_yours',
            DETAIL = json_build_object('district', p_district, 'unit', p_unit)::text;
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

-- Reporting units of the district and, per month of [p_from, p_to], whether
-- each was open (expected to report) and what arrived: on_time, late,
-- returned, reopened, voided or missing. A reopened report was received (it
-- awaits a correction).
CREATE OR REPLACE FUNCTION reporting_matrix(p_district text, p_from date, p_to date)
RETURNS TABLE (unit_code text, unit_name text, month date, expected boolean, state text,
               received boolean, on_time boolean, flagged boolean)
LANGUAGE sql STABLE AS $$
    SELECT u.code, u.name, m.month::date,
           (u.opened IS NULL OR u.opened < m.month + interval '1 month')
               AND (u.closed IS NULL OR u.closed >= m.month),
           CASE WHEN r.id IS NULL THEN 'missing'
                WHEN r.status IN ('returned', 'voided', 'reopened') THEN r.status
                WHEN r.on_time THEN 'on_time' ELSE 'late' END,
           coalesce(r.status IN ('submitted', 'approved', 'reopened'), false),
           coalesce(r.status IN ('submitted', 'approved', 'reopened') AND r.on_time, false),
           coalesce(v.flag_count > 0 AND r.status <> 'voided', false)
    FROM schools u
    CROSS JOIN generate_series(p_from, p_to, interval '1 month') AS m(month)
    LEFT JOIN reports r ON r.district_code = u.district_code AND r.unit_code = u.code
                       AND r.month = m.month::date
    LEFT JOIN report_versions v ON v.report_id = r.id AND v.version = r.current_version
    WHERE u.district_code = p_district AND u.unit_code = u.code
$$;

-- Months of year p_year whose report was due by p_as_of (deadline passed).
CREATE OR REPLACE FUNCTION months_due(p_district text, p_year int, p_as_of date,
    OUT first_month date, OUT last_month date)
LANGUAGE plpgsql STABLE SET plan_cache_mode = force_custom_plan AS $$
DECLARE
    pol policies := policy_for_year(p_district, p_year, p_as_of);
    w record;
BEGIN
    w := compliance_windows(pol, p_year);
    first_month := w.y_start;
    -- the month whose deadline (day deadline_day of the next month) is on or before p_as_of
    last_month := least(date_trunc('month', w.y_end)::date,
                        (date_trunc('month', p_as_of - pol.deadline_day) - interval '1 month')::date);
END
$$;

-- A teacher's credited records (登记手册), of every unit the teacher reported
-- through: hours follow the teacher, so the school the teacher belongs to now
-- sees the records its predecessors reported too. Crosses the unit wall,
-- hence SECURITY DEFINER; the caller must see the teacher (district, or the
-- school of the teacher's current unit).
CREATE OR REPLACE FUNCTION teacher_records(p_district text, p_teacher text)
RETURNS TABLE (unit_code text, month text, version int, status text, date text, source text,
               ref text, title text, category text, level text, mode text, hours numeric,
               credits numeric)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
    WITH ok AS (
        SELECT 1 FROM teachers t JOIN schools s ON s.code = t.school_code
        WHERE t.district_code = p_district AND t.code = p_teacher AND yx_can_see(p_district)
          AND (yx_role() <> 'school' OR s.unit_code = yx_unit()))
    SELECT r.unit_code, to_char(r.month, 'YYYY-MM'), r.current_version, r.status,
           a.date::text, 'activity', a.ref, a.title, a.category, a.level, a.mode,
           coalesce(t.hours, a.hours), 0::numeric
    FROM attendance t JOIN reports r ON r.id = t.report_id AND r.current_version = t.version
    JOIN activities a ON a.report_id = t.report_id AND a.version = t.version AND a.idx = t.act_idx
    WHERE EXISTS (SELECT 1 FROM ok) AND t.district_code = p_district AND t.teacher_code = p_teacher
      AND t.status IN ('present', 'late') AND r.status IN ('submitted', 'approved')
    UNION ALL
    SELECT r.unit_code, to_char(r.month, 'YYYY-MM'), r.current_version, r.status,
           e.date::text, 'external', e.certificate, e.title, e.category, e.level, e.mode, e.hours,
           coalesce(e.credits, 0)
    FROM external_records e JOIN reports r ON r.id = e.report_id AND r.current_version = e.version
    WHERE EXISTS (SELECT 1 FROM ok) AND e.district_code = p_district AND e.teacher_code = p_teacher
      AND r.status IN ('submitted', 'approved')
$$;

-- Each run sets the grants whole: what is not granted here is revoked.
REVOKE ALL ON FUNCTION months_elapsed, yx_reason, compliance_windows, compliance_teachers,
    reporting_matrix, months_due, teacher_records FROM PUBLIC, yanxiu_app, yanxiud_login;
GRANT EXECUTE ON FUNCTION months_elapsed, yx_reason, compliance_windows, reporting_matrix,
    months_due TO PUBLIC;
GRANT EXECUTE ON FUNCTION months_elapsed, yx_reason, compliance_windows, compliance_teachers,
    reporting_matrix, months_due, teacher_records TO yanxiu_app;
