-- migrate: before the migrations
-- sql/functions/compliance_follow.sql: the functions of the triggers that keep
-- compliance_years and compliance_cycles (018) with the policies (and, until 019, with
-- ledger_years).
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

-- A policy added, changed or removed: the districts' cycles are counted again.
CREATE OR REPLACE FUNCTION compliance_follow_policies() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        PERFORM compliance_rebuild_cycles(array(SELECT DISTINCT n.district_code FROM new_rows n));
    ELSIF TG_OP = 'UPDATE' THEN
        PERFORM compliance_rebuild_cycles(array(
            SELECT n.district_code FROM new_rows n UNION SELECT o.district_code FROM old_rows o));
    ELSE
        PERFORM compliance_rebuild_cycles(array(SELECT DISTINCT o.district_code FROM old_rows o));
    END IF;
    RETURN NULL;
END
$$;

-- Each run sets the grants whole: what is not granted here is revoked.
REVOKE ALL ON FUNCTION compliance_cycle_first, compliance_kinds, compliance_follow_ledger,
    compliance_follow_policies FROM PUBLIC, yanxiu_app, yanxiud_login;
GRANT EXECUTE ON FUNCTION compliance_cycle_first, compliance_kinds TO PUBLIC;
GRANT EXECUTE ON FUNCTION compliance_cycle_first, compliance_kinds TO yanxiu_app;
