-- sql/functions/policy.sql: a district's reporting policy: defaults, the one in force, setting one.
-- Only function definitions and their grants, all re-applied by every
-- `yanxiud migrate` (README "Schema and migrations").

-- The defaults of domain.md, from the seeds.
CREATE OR REPLACE FUNCTION policy_defaults(p_district text) RETURNS policies LANGUAGE sql IMMUTABLE AS $$
    SELECT ROW(p_district, 0, DATE '2000-01-01', 5, 2026, 360, 72, 24, 60, 240, 30, 3, 15,
               false, 100, 1, 'school', 5, ARRAY['例会', '政治学习', '外出考察'],
               TIMESTAMPTZ '2000-01-01 00:00+08', '')::policies
$$;

-- The policy of district p_district in force on day p_day.
CREATE OR REPLACE FUNCTION policy_at(p_district text, p_day date) RETURNS policies LANGUAGE sql STABLE AS $$
    SELECT coalesce(
        (SELECT p FROM policies p WHERE p.district_code = p_district AND p.effective <= p_day
         ORDER BY p.effective DESC, p.version DESC LIMIT 1),
        policy_defaults(p_district))
$$;

-- The policy that judges year p_year: the one in force at its end, or at
-- p_as_of when the year is not over.
CREATE OR REPLACE FUNCTION policy_for_year(p_district text, p_year int, p_as_of date) RETURNS policies
LANGUAGE sql STABLE AS $$
    SELECT CASE WHEN p.year_basis = 'calendar'
                THEN policy_at(p_district, least(p_as_of, make_date(p_year, 12, 31)))
                ELSE p END
    FROM policy_at(p_district, least(p_as_of, make_date(p_year + 1, 8, 31))) p
$$;

-- The last instant a district's report of p_month is on time: the end of day
-- deadline_day of the next month (Asia/Shanghai), under the policy of p_month.
CREATE OR REPLACE FUNCTION report_deadline(p_district text, p_month date) RETURNS timestamptz
LANGUAGE sql STABLE AS $$
    SELECT ((p_month + interval '1 month'
             + ((policy_at(p_district, p_month)).deadline_day - 1) * interval '1 day')::timestamp
            + interval '1 day') AT TIME ZONE 'Asia/Shanghai' - interval '1 microsecond'
$$;

-- Stores a new version of the district's policy; a key left NULL keeps its
-- value in force on the effective date.
CREATE OR REPLACE FUNCTION policy_set(p_district text, p_effective date, p_addr text,
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

-- Each run sets the grants whole: what is not granted here is revoked.
REVOKE ALL ON FUNCTION policy_defaults, policy_at, policy_for_year, policy_set, report_deadline
    FROM PUBLIC, yanxiu_app, yanxiud_login;
GRANT EXECUTE ON FUNCTION policy_defaults, policy_at, policy_for_year, policy_set, report_deadline
    TO PUBLIC;
GRANT EXECUTE ON FUNCTION policy_defaults, policy_at, policy_for_year, policy_set, report_deadline
    TO yanxiu_app;
