-- migrate: before the migrations
-- sql/functions/walls.sql: who is calling, and the row-level wall's tests
-- (README "Security model").
-- Applied before the migrations too: the policies of the migrations call them.
-- Only function definitions and their grants, all re-applied by every
-- `yanxiud migrate` (README "Schema and migrations").

-- ---- who is calling ----------------------------------------------------------
-- The user behind the token of this transaction (session_begin), when the
-- session is valid; NULLs otherwise. In PL/pgSQL, whose plans are kept for
-- the session: a LANGUAGE sql function that is not inlined is planned again at
-- every call (1 to 2 ms each here, against some 25 us).
CREATE OR REPLACE FUNCTION yx_caller(OUT name text, OUT role text, OUT district_code text, OUT unit_code text)
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
    t text := current_setting('yanxiu.token', true);
BEGIN
    -- 64 hex digits (a regular expression took a third of this function's 65 us)
    IF t IS NULL OR length(t) <> 64 OR ltrim(t, '0123456789abcdef') <> '' THEN
        RETURN;
    END IF;
    SELECT u.name, u.role, coalesce(u.district_code, ''), coalesce(u.unit_code, '')
        INTO name, role, district_code, unit_code
        FROM sessions s JOIN users u ON u.id = s.user_id
        WHERE s.token_hash = sha256(decode(t, 'hex')) AND s.revoked_at IS NULL
          AND s.expires_at > now() AND NOT u.disabled;
END
$$;

-- '' when there is no valid session. Only yx_caller reads as the owner.
CREATE OR REPLACE FUNCTION yx_role() RETURNS text LANGUAGE plpgsql STABLE AS
    $$ BEGIN RETURN coalesce((public.yx_caller()).role, ''); END $$;

CREATE OR REPLACE FUNCTION yx_district() RETURNS text LANGUAGE plpgsql STABLE AS
    $$ BEGIN RETURN coalesce((public.yx_caller()).district_code, ''); END $$;

CREATE OR REPLACE FUNCTION yx_unit() RETURNS text LANGUAGE plpgsql STABLE AS
    $$ BEGIN RETURN coalesce((public.yx_caller()).unit_code, ''); END $$;

CREATE OR REPLACE FUNCTION yx_user() RETURNS text LANGUAGE plpgsql STABLE AS
    $$ BEGIN RETURN coalesce((public.yx_caller()).name, ''); END $$;

-- The same tests as before, now over the unforgeable caller. They are for the
-- SECURITY DEFINER functions that check a scope once per call; the policies
-- below spell the test out with scalar subqueries instead.
CREATE OR REPLACE FUNCTION yx_can_see(d text) RETURNS boolean LANGUAGE plpgsql STABLE AS $$
DECLARE
    c record;
BEGIN
    c := public.yx_caller(); -- an expression: no query to start per call
    -- never NULL: the callers test NOT yx_can_see(...)
    RETURN coalesce(c.role = 'admin' OR (d IS NOT NULL AND d = c.district_code), false);
END
$$;

-- The scope of a call: district d visible to the caller and, for a school
-- account, u its own unit. Never NULL.
CREATE OR REPLACE FUNCTION yx_can_see_scope(d text, u text) RETURNS boolean LANGUAGE plpgsql STABLE AS $$
BEGIN
    RETURN yx_can_see(d) AND NOT (yx_role() = 'school' AND u IS DISTINCT FROM yx_unit());
END
$$;

-- A row of unit u of district d is visible to the district (and admin), and
-- to a school account of that very unit.
CREATE OR REPLACE FUNCTION yx_can_see_unit(d text, u text) RETURNS boolean LANGUAGE plpgsql STABLE AS $$
DECLARE
    c record;
BEGIN
    c := public.yx_caller(); -- an expression: no query to start per call
    RETURN coalesce((c.role = 'admin' OR (d IS NOT NULL AND d = c.district_code))
                    AND (c.role <> 'school' OR u = c.unit_code), false);
END
$$;

-- What the wall lets the caller see, one value per test so that a policy asks
-- each once: the district ('*' for an admin, '' without a session) and the
-- reporting unit ('*' for an admin or a district, '' without a session).
CREATE OR REPLACE FUNCTION yx_wall_district() RETURNS text LANGUAGE plpgsql STABLE AS $$
DECLARE
    c record;
BEGIN
    c := public.yx_caller(); -- an expression: no query to start per call
    RETURN CASE WHEN c.role = 'admin' THEN '*' ELSE coalesce(c.district_code, '') END;
END
$$;

CREATE OR REPLACE FUNCTION yx_wall_unit() RETURNS text LANGUAGE plpgsql STABLE AS $$
DECLARE
    c record;
BEGIN
    c := public.yx_caller(); -- an expression: no query to start per call
    RETURN CASE WHEN c.role IN ('admin', 'district') THEN '*' ELSE coalesce(c.unit_code, '') END;
END
$$;

-- Each run sets the grants whole: what is not granted here is revoked.
REVOKE ALL ON FUNCTION yx_caller, yx_role, yx_district, yx_unit, yx_user, yx_can_see,
    yx_can_see_scope, yx_can_see_unit, yx_wall_district, yx_wall_unit
    FROM PUBLIC, yanxiu_app, yanxiud_login;
GRANT EXECUTE ON FUNCTION yx_can_see, yx_can_see_scope, yx_can_see_unit TO PUBLIC;
GRANT EXECUTE ON FUNCTION yx_caller, yx_role, yx_district, yx_unit, yx_user, yx_can_see,
    yx_can_see_scope, yx_can_see_unit, yx_wall_district, yx_wall_unit TO yanxiu_app;
