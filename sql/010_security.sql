-- 010: the daemon's role cannot act as anyone else (issue 10, README "Security model").
--
-- Until now the row-level wall read yanxiu.role / yanxiu.district / yanxiu.unit,
-- settings that session_begin wrote but that the runtime role could write
-- itself with set_config. From here on:
-- * session_begin takes the session token itself (not its hash) and keeps it,
--   for this transaction only, in the setting yanxiu.token. yx_user(),
--   yx_role(), yx_district() and yx_unit() ask yx_caller (SECURITY DEFINER),
--   which hashes that setting and looks the session up as the owner: no token, a wrong
--   one, or one of a revoked or expired session, or of a disabled user, gives
--   '' and the wall shows nothing. Forged yanxiu.* settings give nothing; a
--   token hash read from a backup is useless (the database wants the token).
-- * Every policy reads the caller through uncorrelated scalar subqueries,
--   `(SELECT yx_wall_district()) = ANY (ARRAY['*', district_code])`, which PostgreSQL
--   evaluates once per statement (an InitPlan) instead of once per row: a
--   SECURITY DEFINER function is never inlined. One value per test (district,
--   unit), so that a policy looks the session up at most twice.
-- * Login runs as its own role, yanxiud_login (deploy/setup-db.sql): it alone
--   may call auth_login_begin (which returns password hashes),
--   auth_login_ok (which creates sessions) and auth_login_failed.
-- * Audit rows are written only by SECURITY DEFINER functions: audit() stamps
--   the identity of the current session and refuses without one; the runtime
--   role can no longer INSERT into audit_log.
-- Sessions made before 010 keep working: the token is hashed the same way.

-- ---- who is calling ----------------------------------------------------------
-- The user behind the token of this transaction (session_begin), when the
-- session is valid; NULLs otherwise. In PL/pgSQL, whose plans are kept for
-- the session: a LANGUAGE sql function that is not inlined is planned again at
-- every call (1 to 2 ms each here, against some 25 us).
CREATE FUNCTION yx_caller(OUT name text, OUT role text, OUT district_code text, OUT unit_code text)
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = public AS $$
DECLARE
    t text := current_setting('yanxiu.token', true);
BEGIN
    IF t IS NULL OR t !~ '^[0-9a-f]{64}$' THEN
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
    $$ BEGIN RETURN coalesce((SELECT c.role FROM public.yx_caller() c), ''); END $$;
CREATE OR REPLACE FUNCTION yx_district() RETURNS text LANGUAGE plpgsql STABLE AS
    $$ BEGIN RETURN coalesce((SELECT c.district_code FROM public.yx_caller() c), ''); END $$;
CREATE OR REPLACE FUNCTION yx_unit() RETURNS text LANGUAGE plpgsql STABLE AS
    $$ BEGIN RETURN coalesce((SELECT c.unit_code FROM public.yx_caller() c), ''); END $$;
CREATE FUNCTION yx_user() RETURNS text LANGUAGE plpgsql STABLE AS
    $$ BEGIN RETURN coalesce((SELECT c.name FROM public.yx_caller() c), ''); END $$;

-- The same tests as before, now over the unforgeable caller. They are for the
-- SECURITY DEFINER functions that check a scope once per call; the policies
-- below spell the test out with scalar subqueries instead.
CREATE OR REPLACE FUNCTION yx_can_see(d text) RETURNS boolean LANGUAGE plpgsql STABLE AS $$
DECLARE
    c record;
BEGIN
    SELECT * INTO c FROM public.yx_caller();
    -- never NULL: the callers test NOT yx_can_see(...)
    RETURN coalesce(c.role = 'admin' OR (d IS NOT NULL AND d = c.district_code), false);
END
$$;
CREATE OR REPLACE FUNCTION yx_can_see_unit(d text, u text) RETURNS boolean LANGUAGE plpgsql STABLE AS $$
DECLARE
    c record;
BEGIN
    SELECT * INTO c FROM public.yx_caller();
    RETURN coalesce((c.role = 'admin' OR (d IS NOT NULL AND d = c.district_code))
                    AND (c.role <> 'school' OR u = c.unit_code), false);
END
$$;

-- What the wall lets the caller see, one value per test so that a policy asks
-- each once: the district ('*' for an admin, '' without a session) and the
-- reporting unit ('*' for an admin or a district, '' without a session).
CREATE FUNCTION yx_wall_district() RETURNS text LANGUAGE plpgsql STABLE AS $$
DECLARE
    c record;
BEGIN
    SELECT * INTO c FROM public.yx_caller();
    RETURN CASE WHEN c.role = 'admin' THEN '*' ELSE coalesce(c.district_code, '') END;
END
$$;
CREATE FUNCTION yx_wall_unit() RETURNS text LANGUAGE plpgsql STABLE AS $$
DECLARE
    c record;
BEGIN
    SELECT * INTO c FROM public.yx_caller();
    RETURN CASE WHEN c.role IN ('admin', 'district') THEN '*' ELSE coalesce(c.unit_code, '') END;
END
$$;

REVOKE ALL ON FUNCTION yx_caller, yx_role, yx_district, yx_unit, yx_user, yx_wall_district,
    yx_wall_unit FROM PUBLIC;
GRANT EXECUTE ON FUNCTION yx_caller, yx_role, yx_district, yx_unit, yx_user, yx_wall_district,
    yx_wall_unit TO yanxiu_app;

-- ---- the wall, read once per statement -----------------------------------------
-- A row of district d: visible to an admin, or to a caller of that district.
ALTER POLICY districts_wall ON districts
    USING ((SELECT yx_wall_district()) = ANY (ARRAY['*', code]));
ALTER POLICY users_wall ON users
    USING ((SELECT yx_wall_district()) = ANY (ARRAY['*', district_code]));
ALTER POLICY audit_read ON audit_log
    USING ((SELECT yx_wall_district()) = ANY (ARRAY['*', district_code]));
DROP POLICY audit_write ON audit_log;

ALTER POLICY schools_wall ON schools
    USING ((SELECT yx_wall_district()) = ANY (ARRAY['*', district_code]))
    WITH CHECK ((SELECT yx_wall_district()) = ANY (ARRAY['*', district_code]));
ALTER POLICY teachers_wall ON teachers
    USING ((SELECT yx_wall_district()) = ANY (ARRAY['*', district_code]))
    WITH CHECK ((SELECT yx_wall_district()) = ANY (ARRAY['*', district_code]));
ALTER POLICY policies_wall ON policies
    USING ((SELECT yx_wall_district()) = ANY (ARRAY['*', district_code]))
    WITH CHECK ((SELECT yx_wall_district()) = ANY (ARRAY['*', district_code]));
ALTER POLICY ledger_wall ON ledger
    USING ((SELECT yx_wall_district()) = ANY (ARRAY['*', district_code]))
    WITH CHECK ((SELECT yx_wall_district()) = ANY (ARRAY['*', district_code]));
ALTER POLICY ledger_months_wall ON ledger_months
    USING ((SELECT yx_wall_district()) = ANY (ARRAY['*', district_code]))
    WITH CHECK ((SELECT yx_wall_district()) = ANY (ARRAY['*', district_code]));
ALTER POLICY ledger_years_wall ON ledger_years
    USING ((SELECT yx_wall_district()) = ANY (ARRAY['*', district_code]))
    WITH CHECK ((SELECT yx_wall_district()) = ANY (ARRAY['*', district_code]));

-- A row of unit u of district d: as above, and for a school account only its own unit's.
ALTER POLICY reports_wall ON reports
    USING ((SELECT yx_wall_district()) = ANY (ARRAY['*', district_code])
           AND (SELECT yx_wall_unit()) = ANY (ARRAY['*', unit_code]))
    WITH CHECK ((SELECT yx_wall_district()) = ANY (ARRAY['*', district_code])
                AND (SELECT yx_wall_unit()) = ANY (ARRAY['*', unit_code]));
ALTER POLICY report_versions_wall ON report_versions
    USING ((SELECT yx_wall_district()) = ANY (ARRAY['*', district_code])
           AND (SELECT yx_wall_unit()) = ANY (ARRAY['*', unit_code]))
    WITH CHECK ((SELECT yx_wall_district()) = ANY (ARRAY['*', district_code])
                AND (SELECT yx_wall_unit()) = ANY (ARRAY['*', unit_code]));
ALTER POLICY activities_wall ON activities
    USING ((SELECT yx_wall_district()) = ANY (ARRAY['*', district_code])
           AND (SELECT yx_wall_unit()) = ANY (ARRAY['*', unit_code]))
    WITH CHECK ((SELECT yx_wall_district()) = ANY (ARRAY['*', district_code])
                AND (SELECT yx_wall_unit()) = ANY (ARRAY['*', unit_code]));
ALTER POLICY attendance_wall ON attendance
    USING ((SELECT yx_wall_district()) = ANY (ARRAY['*', district_code])
           AND (SELECT yx_wall_unit()) = ANY (ARRAY['*', unit_code]))
    WITH CHECK ((SELECT yx_wall_district()) = ANY (ARRAY['*', district_code])
                AND (SELECT yx_wall_unit()) = ANY (ARRAY['*', unit_code]));
ALTER POLICY external_wall ON external_records
    USING ((SELECT yx_wall_district()) = ANY (ARRAY['*', district_code])
           AND (SELECT yx_wall_unit()) = ANY (ARRAY['*', unit_code]))
    WITH CHECK ((SELECT yx_wall_district()) = ANY (ARRAY['*', district_code])
                AND (SELECT yx_wall_unit()) = ANY (ARRAY['*', unit_code]));
ALTER POLICY report_flags_wall ON report_flags
    USING ((SELECT yx_wall_district()) = ANY (ARRAY['*', district_code])
           AND (SELECT yx_wall_unit()) = ANY (ARRAY['*', unit_code]));
ALTER POLICY report_events_wall ON report_events
    USING ((SELECT yx_wall_district()) = ANY (ARRAY['*', district_code])
           AND (SELECT yx_wall_unit()) = ANY (ARRAY['*', unit_code]))
    WITH CHECK ((SELECT yx_wall_district()) = ANY (ARRAY['*', district_code])
                AND (SELECT yx_wall_unit()) = ANY (ARRAY['*', unit_code]));
ALTER POLICY assessment_scores_wall ON assessment_scores
    USING ((SELECT yx_wall_district()) = ANY (ARRAY['*', district_code])
           AND (SELECT yx_wall_unit()) = ANY (ARRAY['*', unit_code]))
    WITH CHECK ((SELECT yx_wall_district()) = ANY (ARRAY['*', district_code])
                AND (SELECT yx_wall_unit()) = ANY (ARRAY['*', unit_code]));

-- A district's schemes: read by its schools, written by the district (and admin).
ALTER POLICY assessment_schemes_wall ON assessment_schemes
    USING ((SELECT yx_wall_district()) = ANY (ARRAY['*', district_code]))
    WITH CHECK ((SELECT yx_wall_district()) = ANY (ARRAY['*', district_code])
                AND (SELECT yx_wall_unit()) = '*');
ALTER POLICY assessment_items_wall ON assessment_items
    USING ((SELECT yx_wall_district()) = ANY (ARRAY['*', district_code]))
    WITH CHECK ((SELECT yx_wall_district()) = ANY (ARRAY['*', district_code])
                AND (SELECT yx_wall_unit()) = '*');
ALTER POLICY assessment_grades_wall ON assessment_grades
    USING ((SELECT yx_wall_district()) = ANY (ARRAY['*', district_code]))
    WITH CHECK ((SELECT yx_wall_district()) = ANY (ARRAY['*', district_code])
                AND (SELECT yx_wall_unit()) = '*');

-- ---- sessions: the token, not its hash -------------------------------------------
-- The parameter names change, which CREATE OR REPLACE cannot do.
DROP FUNCTION session_begin(bytea);
DROP FUNCTION session_lookup(bytea);
DROP FUNCTION session_revoke(bytea, text);

-- First statement of every authenticated transaction: checks the token
-- (revoked, expired, disabled) and keeps it for this transaction only, for
-- yx_caller. yanxiu.user is still set for the functions of 005-007 that
-- record who did something (display only: the wall never reads it).
CREATE FUNCTION session_begin(p_token bytea) RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public AS $$
DECLARE
    r record;
BEGIN
    SELECT u.name INTO r
        FROM sessions s JOIN users u ON u.id = s.user_id
        WHERE s.token_hash = sha256(p_token) AND s.revoked_at IS NULL AND s.expires_at > now()
          AND NOT u.disabled;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'the session has expired or was revoked; log in again (yanxiu login)'
            USING ERRCODE = 'YXAUT';
    END IF;
    PERFORM set_config('yanxiu.token', encode(p_token, 'hex'), true);
    PERFORM set_config('yanxiu.user', r.name, true);
END
$$;

-- The session behind a token, if valid; touches last_used_at.
CREATE FUNCTION session_lookup(p_token bytea,
    OUT user_id bigint, OUT name text, OUT role text, OUT district_code text, OUT unit_code text,
    OUT expires_at timestamptz)
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public AS $$
BEGIN
    UPDATE sessions s SET last_used_at = now()
        FROM users u
        WHERE s.token_hash = sha256(p_token) AND s.revoked_at IS NULL AND s.expires_at > now()
          AND u.id = s.user_id AND NOT u.disabled
        RETURNING u.id, u.name, u.role, u.district_code, u.unit_code, s.expires_at
        INTO user_id, name, role, district_code, unit_code, expires_at;
END
$$;

CREATE FUNCTION session_revoke(p_token bytea, p_addr text) RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public AS $$
DECLARE
    r record;
BEGIN
    UPDATE sessions s SET revoked_at = now() FROM users u
        WHERE s.token_hash = sha256(p_token) AND s.revoked_at IS NULL AND u.id = s.user_id
        RETURNING u.name, u.role, u.district_code INTO r;
    IF FOUND THEN
        INSERT INTO audit_log (user_name, role, district_code, client_addr, action, target, outcome)
            VALUES (r.name, r.role, r.district_code, p_addr, 'logout', r.name, 'ok');
    END IF;
END
$$;

REVOKE ALL ON FUNCTION session_begin, session_lookup, session_revoke FROM PUBLIC;
GRANT EXECUTE ON FUNCTION session_begin, session_lookup, session_revoke TO yanxiu_app;

-- ---- the audit log: written by functions only ---------------------------------------
-- Entries for the caller of this transaction's session, stamped here: the
-- runtime role can no longer name the user, role or district of an entry.
CREATE OR REPLACE FUNCTION audit(p_addr text, p_action text, p_target text, p_outcome text)
RETURNS void LANGUAGE plpgsql SECURITY DEFINER SET search_path = public AS $$
DECLARE
    c record;
BEGIN
    SELECT * INTO c FROM yx_caller();
    IF c.name IS NULL THEN
        RAISE EXCEPTION 'audit: no valid session in this transaction (session_begin first)'
            USING ERRCODE = 'YXAUT';
    END IF;
    INSERT INTO audit_log (user_name, role, district_code, client_addr, action, target, outcome)
    VALUES (c.name, c.role, nullif(c.district_code, ''), p_addr, p_action, p_target, p_outcome);
END
$$;
REVOKE ALL ON FUNCTION audit FROM PUBLIC;
GRANT EXECUTE ON FUNCTION audit TO yanxiu_app;
REVOKE INSERT ON audit_log FROM yanxiu_app;

-- ---- login, under its own role ---------------------------------------------------------
REVOKE ALL ON FUNCTION auth_login_begin, auth_login_ok, auth_login_failed FROM PUBLIC, yanxiu_app;
GRANT USAGE ON SCHEMA public TO yanxiud_login;
GRANT SELECT ON schema_migrations TO yanxiud_login; -- the pool's schema check
GRANT EXECUTE ON FUNCTION auth_login_begin, auth_login_ok, auth_login_failed TO yanxiud_login;

-- ---- who did it: stamped from the session, not taken from yanxiu.user ---------------------
-- The functions of 005-007 record the acting user from the setting yanxiu.user,
-- which the runtime role can write. These triggers overwrite such a column with
-- the user of the transaction's session whenever there is one (without a
-- session, as for the owner's own tools, the value given stays).
CREATE FUNCTION yx_stamp_user() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    who text := yx_user();
BEGIN
    IF who <> '' THEN
        NEW := jsonb_populate_record(NEW, jsonb_build_object(TG_ARGV[0], who));
    END IF;
    RETURN NEW;
END
$$;
CREATE TRIGGER reports_stamp BEFORE INSERT OR UPDATE ON reports
    FOR EACH ROW EXECUTE FUNCTION yx_stamp_user('status_by');
CREATE TRIGGER report_versions_stamp BEFORE INSERT ON report_versions
    FOR EACH ROW EXECUTE FUNCTION yx_stamp_user('submitted_by');
CREATE TRIGGER report_events_stamp BEFORE INSERT ON report_events
    FOR EACH ROW EXECUTE FUNCTION yx_stamp_user('user_name');
CREATE TRIGGER policies_stamp BEFORE INSERT ON policies
    FOR EACH ROW EXECUTE FUNCTION yx_stamp_user('created_by');
CREATE TRIGGER assessment_schemes_stamp BEFORE INSERT OR UPDATE ON assessment_schemes
    FOR EACH ROW EXECUTE FUNCTION yx_stamp_user('updated_by');
CREATE TRIGGER assessment_scores_stamp BEFORE INSERT OR UPDATE ON assessment_scores
    FOR EACH ROW EXECUTE FUNCTION yx_stamp_user('entered_by');

-- ---- no temporary table in front of ours ----------------------------------------------------
-- A schema named in search_path still comes after the session's temporary
-- schema unless pg_temp is named, last: with TEMPORARY on the database (the
-- imports need it), the runtime role could otherwise CREATE TEMP TABLE users /
-- sessions and have every SECURITY DEFINER function read them as the owner
-- (a session of its own making, as admin). Every SECURITY DEFINER function of
-- the schema, of this and the earlier migrations, searches pg_temp last; a
-- later migration's must say so itself (role_forgery checks the catalog).
DO $pg_temp$
DECLARE
    f regprocedure;
BEGIN
    FOR f IN SELECT p.oid::regprocedure FROM pg_proc p
               JOIN pg_namespace n ON n.oid = p.pronamespace
              WHERE n.nspname = 'public' AND p.prosecdef
    LOOP
        EXECUTE format('ALTER FUNCTION %s SET search_path = public, pg_temp', f);
    END LOOP;
END
$pg_temp$;
