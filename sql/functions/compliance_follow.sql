-- migrate: before the migrations
-- sql/functions/compliance_follow.sql: the functions of the triggers that keep
-- compliance_years and compliance_cycles (018) with the policies (and, until 019, with
-- ledger_years), and what they keep: the bases, the cycles.
-- Applied before the migrations too: a trigger needs its function. Signatures of
-- built-in types only; what they call is in sql/functions/compliance.sql.
-- Only function definitions and their grants, all re-applied by every
-- `yanxiud migrate` (README "Schema and migrations").

-- The first year of the cycle of cycle_years years holding p_year, cycles starting
-- in the years y with y mod cycle_years = anchor (as compliance_windows counts them).
CREATE OR REPLACE FUNCTION compliance_cycle_first(p_year int, p_cycle_years int, p_anchor int)
RETURNS int LANGUAGE sql IMMUTABLE AS $$
    SELECT p_year - mod(mod(p_year - p_anchor, p_cycle_years) + p_cycle_years, p_cycle_years)
$$;

-- The year holding month p_month under year basis p_basis: a school year from September
-- (2025 is 2025-09 .. 2026-08), a calendar year from January.
CREATE OR REPLACE FUNCTION compliance_year_of(p_basis text, p_month date) RETURNS int
LANGUAGE sql IMMUTABLE AS $$
    SELECT CASE WHEN p_basis = 'school'
                THEN extract(year FROM p_month)::int - (extract(month FROM p_month) < 9)::int
                ELSE extract(year FROM p_month)::int END
$$;

-- The year bases compliance_years and compliance_cycles keep for district p_district: that
-- of the defaults and that of every policy of the district (policy_for_year judges a year
-- by one of them). Most districts use one: a teacher's month is kept in one year row and
-- one cycle row of each kind, not two (021). PL/pgSQL for the reason compliance_kinds is.
CREATE OR REPLACE FUNCTION compliance_bases(p_district text)
RETURNS TABLE (basis text) LANGUAGE plpgsql STABLE
SET search_path = public, pg_temp AS $$
BEGIN
    RETURN QUERY
    SELECT (policy_defaults(p_district)).year_basis
    UNION
    SELECT p.year_basis FROM policies p WHERE p.district_code = p_district;
END
$$;

-- The cycles compliance_cycles keeps for district p_district: that of the defaults and
-- that of every policy of the district (a policy the district may judge a year by).
-- PL/pgSQL, so that it is planned only when called (the migration that first uses it
-- runs before policy_defaults exists on a fresh database, on no rows).
CREATE OR REPLACE FUNCTION compliance_kinds(p_district text)
RETURNS TABLE (cycle_years int, anchor int) LANGUAGE plpgsql STABLE
SET search_path = public, pg_temp AS $$
BEGIN
    RETURN QUERY
    SELECT d.cycle_years, mod(d.cycle_first_year, d.cycle_years)
    FROM policy_defaults(p_district) d
    UNION
    SELECT p.cycle_years, mod(p.cycle_first_year, p.cycle_years)
    FROM policies p WHERE p.district_code = p_district;
END
$$;

-- The function of 018's triggers on the table ledger_years, which kept compliance_years and
-- compliance_cycles from its changes. 019 dropped those triggers with the table (ledger_move
-- calls compliance_apply with the year's delta itself): nothing fires it any more. Defined
-- because 018 names it when it runs on an older database (019 follows in the same run,
-- before anything writes ledger_years).
CREATE OR REPLACE FUNCTION compliance_follow_ledger() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
    RETURN NULL;
END
$$;

-- A policy added, changed or removed: the districts' years and cycles are counted again
-- where the bases they keep change (compliance_rebuild_years), the cycles of the others
-- (compliance_rebuild_cycles).
CREATE OR REPLACE FUNCTION compliance_follow_policies() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
    ds text[];
    done text[];
BEGIN
    IF TG_OP = 'INSERT' THEN
        ds := array(SELECT DISTINCT n.district_code FROM new_rows n);
    ELSIF TG_OP = 'UPDATE' THEN
        ds := array(SELECT n.district_code FROM new_rows n UNION SELECT o.district_code FROM old_rows o);
    ELSE
        ds := array(SELECT DISTINCT o.district_code FROM old_rows o);
    END IF;
    done := compliance_rebuild_years(ds);
    PERFORM compliance_rebuild_cycles(array(SELECT unnest(ds) EXCEPT SELECT unnest(done)));
    RETURN NULL;
END
$$;

-- Each run sets the grants whole: what is not granted here is revoked.
REVOKE ALL ON FUNCTION compliance_cycle_first, compliance_year_of, compliance_bases,
    compliance_kinds, compliance_follow_ledger, compliance_follow_policies
    FROM PUBLIC, yanxiu_app, yanxiud_login;
GRANT EXECUTE ON FUNCTION compliance_cycle_first, compliance_year_of, compliance_bases,
    compliance_kinds TO PUBLIC;
GRANT EXECUTE ON FUNCTION compliance_cycle_first, compliance_year_of, compliance_bases,
    compliance_kinds TO yanxiu_app;
