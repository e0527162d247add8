-- 006: the compliance engine (issue 5). Every view reads the maintained
-- roll-up ledger_months, never the sign-in rows.
--
-- Years: with year_basis 'school', year Y is Y-09-01 .. (Y+1)-08-31 (每学年);
-- with 'calendar', Y-01-01 .. Y-12-31. The cycle holding year Y starts at
-- cycle_first_year + k * cycle_years. Only hours of months up to the as-of
-- date count, so that a view "as of" a past day answers as it would have.

-- The policy that judges year p_year: the one in force at its end, or at
-- p_as_of when the year is not over.
CREATE FUNCTION policy_for_year(p_district text, p_year int, p_as_of date) RETURNS policies
LANGUAGE sql STABLE AS $$
    SELECT CASE WHEN p.year_basis = 'calendar'
                THEN policy_at(p_district, least(p_as_of, make_date(p_year, 12, 31)))
                ELSE p END
    FROM policy_at(p_district, least(p_as_of, make_date(p_year + 1, 8, 31))) p
$$;

-- The windows of year p_year and of its cycle under policy pol.
CREATE FUNCTION compliance_windows(pol policies, p_year int,
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

-- Whole months of [p_start, p_end] completed by the end of day p_as_of.
CREATE FUNCTION months_elapsed(p_start date, p_end date, p_as_of date) RETURNS int
LANGUAGE sql IMMUTABLE AS $$
    SELECT CASE WHEN p_as_of < p_start THEN 0
                WHEN p_as_of >= p_end THEN
                    (extract(year FROM age(p_end + 1, p_start)) * 12
                     + extract(month FROM age(p_end + 1, p_start)))::int
                ELSE (extract(year FROM age(p_as_of + 1, p_start)) * 12
                      + extract(month FROM age(p_as_of + 1, p_start)))::int END
$$;

-- One reason of a status: rule, needed, had (the daemon splits on \x1f and \x1e).
CREATE FUNCTION yx_reason(rule text, needed numeric, had numeric) RETURNS text
LANGUAGE sql IMMUTABLE AS $$ SELECT rule || E'\x1f' || needed::text || E'\x1f' || had::text $$;

-- Per teacher of the district (not those who left): the year's and the
-- cycle's sums, statuses and reasons. Statuses: compliant, on_track (year
-- not over, hours at least the target pro rata of the months elapsed),
-- behind, non_compliant (year over and a rule unmet, or the absence limit
-- reached), exempt.
CREATE FUNCTION compliance_teachers(p_district text, p_year int, p_as_of date,
    p_approved_only boolean, p_unit text, p_school text)
RETURNS TABLE (teacher_code text, name text, unit_code text, school_code text,
    research_group text, homeroom boolean, hours numeric, school_hours numeric,
    ethics_hours numeric, centralized_hours numeric, homeroom_hours numeric, credits numeric,
    absences int, status text, reasons text, school_short boolean, cycle text,
    cycle_hours numeric, cycle_ethics_hours numeric, cycle_centralized_hours numeric,
    cycle_homeroom_hours numeric, cycle_status text, cycle_reasons text)
LANGUAGE plpgsql STABLE AS $$
DECLARE
    pol policies := policy_for_year(p_district, p_year, p_as_of);
    w record;
    y_m int;
    c_m int;
    y_over boolean;
    c_over boolean;
    c_months int;
BEGIN
    w := compliance_windows(pol, p_year);
    y_m := months_elapsed(w.y_start, w.y_end, p_as_of);
    c_m := months_elapsed(w.c_start, w.c_end, p_as_of);
    c_months := pol.cycle_years * 12;
    y_over := p_as_of >= w.y_end;
    c_over := p_as_of >= w.c_end;
    RETURN QUERY
    WITH sums AS (
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
        WHERE l.district_code = p_district
          -- a year lies inside its cycle: the cycle's months hold the year's
          AND l.month >= w.c_start AND l.month <= least(w.c_end, p_as_of)
          AND (NOT p_approved_only OR l.approved)
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
    judged AS (
        SELECT n.*,
               -- the year's rules against the full targets
               concat_ws(E'\x1e',
                   CASE WHEN n.y_hours < pol.hours_year THEN yx_reason('hours_year', pol.hours_year, n.y_hours) END,
                   CASE WHEN n.y_school < pol.school_hours_year
                        THEN yx_reason('school_hours_year', pol.school_hours_year, n.y_school) END,
                   CASE WHEN pol.credits_enabled AND n.y_credits < pol.credits_year
                        THEN yx_reason('credits_year', pol.credits_year, n.y_credits) END,
                   CASE WHEN n.y_absences >= pol.absence_limit
                        THEN yx_reason('unexcused_absences', pol.absence_limit - 1, n.y_absences) END
               ) AS full_reasons,
               -- the same rules pro rata
               concat_ws(E'\x1e',
                   CASE WHEN n.y_hours < n.n_hours THEN yx_reason('hours_year', n.n_hours, n.y_hours) END,
                   CASE WHEN n.y_school < n.n_school THEN yx_reason('school_hours_year', n.n_school, n.y_school) END,
                   CASE WHEN pol.credits_enabled AND n.y_credits < n.n_credits
                        THEN yx_reason('credits_year', n.n_credits, n.y_credits) END
               ) AS pace_reasons,
               concat_ws(E'\x1e',
                   CASE WHEN n.c_hours < n.n_c_hours THEN yx_reason('hours_cycle', n.n_c_hours, n.c_hours) END,
                   CASE WHEN n.c_ethics < n.n_c_ethics THEN yx_reason('ethics_hours_cycle', n.n_c_ethics, n.c_ethics) END,
                   CASE WHEN n.c_central < n.n_c_central
                        THEN yx_reason('centralized_hours_cycle', n.n_c_central, n.c_central) END,
                   CASE WHEN n.homeroom AND n.c_homeroom < n.n_c_homeroom
                        THEN yx_reason('homeroom_hours_cycle', n.n_c_homeroom, n.c_homeroom) END
               ) AS cycle_pace_reasons,
               concat_ws(E'\x1e',
                   CASE WHEN n.c_hours < pol.hours_cycle THEN yx_reason('hours_cycle', pol.hours_cycle, n.c_hours) END,
                   CASE WHEN n.c_ethics < pol.ethics_hours_cycle
                        THEN yx_reason('ethics_hours_cycle', pol.ethics_hours_cycle, n.c_ethics) END,
                   CASE WHEN n.c_central < pol.centralized_hours_cycle
                        THEN yx_reason('centralized_hours_cycle', pol.centralized_hours_cycle, n.c_central) END,
                   CASE WHEN n.homeroom AND n.c_homeroom < pol.homeroom_hours_cycle
                        THEN yx_reason('homeroom_hours_cycle', pol.homeroom_hours_cycle, n.c_homeroom) END
               ) AS cycle_full_reasons
        FROM need n)
    SELECT j.code, j.name, j.unit_code, j.school_code, j.research_group, j.homeroom,
           j.y_hours, j.y_school, j.y_ethics, j.y_central, j.y_homeroom, j.y_credits, j.y_absences,
           CASE WHEN j.tstatus = 'exempt' THEN 'exempt'
                WHEN j.y_absences >= pol.absence_limit THEN 'non_compliant'
                WHEN j.full_reasons = '' THEN 'compliant'
                WHEN y_over THEN 'non_compliant'
                WHEN j.pace_reasons = '' THEN 'on_track'
                ELSE 'behind' END,
           CASE WHEN j.tstatus = 'exempt' THEN ''
                WHEN j.y_absences >= pol.absence_limit OR y_over OR j.full_reasons = '' THEN j.full_reasons
                WHEN j.pace_reasons = '' THEN ''
                ELSE j.pace_reasons END,
           j.tstatus <> 'exempt' AND j.y_school < j.n_school,
           w.c_label, j.c_hours, j.c_ethics, j.c_central, j.c_homeroom,
           CASE WHEN j.tstatus = 'exempt' THEN 'exempt'
                WHEN j.cycle_full_reasons = '' THEN 'compliant'
                WHEN c_over THEN 'non_compliant'
                WHEN j.cycle_pace_reasons = '' THEN 'on_track'
                ELSE 'behind' END,
           CASE WHEN j.tstatus = 'exempt' THEN ''
                WHEN c_over OR j.cycle_full_reasons = '' THEN j.cycle_full_reasons
                ELSE j.cycle_pace_reasons END
    FROM judged j
    ORDER BY j.unit_code, j.school_code, j.code;
END
$$;

-- Reporting units of the district and, per month of [p_from, p_to], whether
-- each was open (expected to report) and what arrived: on_time, late,
-- returned, reopened, voided or missing. A reopened report was received (it
-- awaits a correction).
CREATE FUNCTION reporting_matrix(p_district text, p_from date, p_to date)
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
CREATE FUNCTION months_due(p_district text, p_year int, p_as_of date,
    OUT first_month date, OUT last_month date)
LANGUAGE plpgsql STABLE AS $$
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

-- Stores a new version of the district's policy; a key left NULL keeps its
-- value in force on the effective date.
CREATE FUNCTION policy_set(p_district text, p_effective date, p_addr text,
    p_cycle_years int, p_cycle_first_year int, p_hours_cycle numeric, p_hours_year numeric,
    p_school_hours_year numeric, p_ethics_hours_cycle numeric,
    p_centralized_hours_cycle numeric, p_homeroom_hours_cycle numeric, p_absence_limit int,
    p_group_short_percent numeric, p_credits_enabled boolean, p_credits_year numeric,
    p_credit_factor numeric, p_year_basis text, p_deadline_day int, p_non_creditable text[])
RETURNS TABLE (version int, effective date) LANGUAGE plpgsql AS $$
DECLARE
    cur policies := policy_at(p_district, p_effective);
    v int;
BEGIN
    PERFORM pg_advisory_xact_lock(hashtext('policy ' || p_district));
    SELECT coalesce(max(p.version), 0) + 1 INTO v FROM policies p WHERE p.district_code = p_district;
    INSERT INTO policies (district_code, version, effective, cycle_years, cycle_first_year,
        hours_cycle, hours_year, school_hours_year, ethics_hours_cycle, centralized_hours_cycle,
        homeroom_hours_cycle, absence_limit, group_short_percent, credits_enabled, credits_year,
        credit_factor, year_basis, deadline_day, non_creditable, created_by)
    VALUES (p_district, v, p_effective, coalesce(p_cycle_years, cur.cycle_years),
        coalesce(p_cycle_first_year, cur.cycle_first_year), coalesce(p_hours_cycle, cur.hours_cycle),
        coalesce(p_hours_year, cur.hours_year), coalesce(p_school_hours_year, cur.school_hours_year),
        coalesce(p_ethics_hours_cycle, cur.ethics_hours_cycle),
        coalesce(p_centralized_hours_cycle, cur.centralized_hours_cycle),
        coalesce(p_homeroom_hours_cycle, cur.homeroom_hours_cycle),
        coalesce(p_absence_limit, cur.absence_limit),
        coalesce(p_group_short_percent, cur.group_short_percent),
        coalesce(p_credits_enabled, cur.credits_enabled), coalesce(p_credits_year, cur.credits_year),
        coalesce(p_credit_factor, cur.credit_factor), coalesce(p_year_basis, cur.year_basis),
        coalesce(p_deadline_day, cur.deadline_day), coalesce(p_non_creditable, cur.non_creditable),
        coalesce(current_setting('yanxiu.user', true), ''));
    PERFORM audit(p_addr, 'policy set', p_district, format('ok: version %s effective %s', v, p_effective));
    RETURN QUERY SELECT v, p_effective;
END
$$;

GRANT EXECUTE ON FUNCTION policy_set, policy_for_year, compliance_windows, months_elapsed, yx_reason,
    compliance_teachers, reporting_matrix, months_due TO yanxiu_app;

-- ---- verifying the ledger (yanxiud verify-ledger) ---------------------------
-- Every key where a maintained ledger differs from what the raw rows say;
-- no row when both agree. All-zero ledger rows (left by withdrawn
-- contributions) count as absent.
CREATE VIEW ledger_months_expected WITH (security_invoker = true) AS
SELECT district_code, teacher_code, month, approved, sum(hours) AS hours,
       coalesce(sum(hours) FILTER (WHERE level = 'school'), 0) AS school_hours,
       coalesce(sum(hours) FILTER (WHERE category = 'ethics'), 0) AS ethics_hours,
       coalesce(sum(hours) FILTER (WHERE mode = 'centralized' AND level <> 'school'), 0)
           AS centralized_hours,
       coalesce(sum(hours) FILTER (WHERE category = 'homeroom'), 0) AS homeroom_hours,
       sum(credit_hours) AS credit_hours, sum(credits) AS credits,
       coalesce(sum(absences) FILTER (WHERE mode = 'centralized'), 0)::int AS absences
FROM ledger_expected
GROUP BY district_code, teacher_code, month, approved
HAVING sum(hours) <> 0 OR sum(credit_hours) <> 0 OR sum(credits) <> 0
    OR coalesce(sum(absences) FILTER (WHERE mode = 'centralized'), 0) <> 0;

CREATE FUNCTION ledger_differences()
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
    ORDER BY 1, 2
$$;

-- A teacher's credited records (登记手册), of every unit the teacher reported
-- through: hours follow the teacher, so the school the teacher belongs to now
-- sees the records its predecessors reported too. Crosses the unit wall,
-- hence SECURITY DEFINER; the caller must see the teacher (district, or the
-- school of the teacher's current unit).
CREATE FUNCTION teacher_records(p_district text, p_teacher text)
RETURNS TABLE (unit_code text, month text, version int, status text, date text, source text,
               ref text, title text, category text, level text, mode text, hours numeric,
               credits numeric)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public AS $$
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
REVOKE ALL ON FUNCTION teacher_records FROM PUBLIC;
GRANT EXECUTE ON FUNCTION teacher_records TO yanxiu_app;
