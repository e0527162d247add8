-- sql/functions/session.sql: login and sessions: run as yanxiud_login (login) and yanxiu_app (sessions).
-- Only function definitions and their grants, all re-applied by every
-- `yanxiud migrate` (README "Schema and migrations").

-- Login, step 1: the stored hash, or NULLs for an unknown or disabled name;
-- `locked` when the name has `max_failures` failures within `window_s`.
CREATE OR REPLACE FUNCTION auth_login_begin(p_name text, max_failures int, window_s int,
    OUT user_id bigint, OUT pw_hash text, OUT locked boolean, OUT retry_after_s int)
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
    n int;
    oldest timestamptz;
BEGIN
    SELECT count(*), min(at) INTO n, oldest FROM login_failures
        WHERE name = p_name AND at > now() - make_interval(secs => window_s);
    locked := n >= max_failures;
    retry_after_s := CASE WHEN locked
        THEN greatest(1, ceil(extract(epoch FROM oldest + make_interval(secs => window_s) - now()))::int)
        ELSE 0 END;
    SELECT u.id, u.pw_hash INTO user_id, pw_hash FROM users u WHERE u.name = p_name AND NOT u.disabled;
END
$$;

-- Login, step 2 on a good password: a session, the failures forgotten, the
-- hash replaced when it was rehashed, and the audit entry.
CREATE OR REPLACE FUNCTION auth_login_ok(p_user_id bigint, p_token_hash bytea, p_ttl_s int, p_addr text,
    p_new_hash text,
    OUT name text, OUT role text, OUT district_code text, OUT unit_code text, OUT expires_at timestamptz)
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
    SELECT u.name, u.role, u.district_code, u.unit_code INTO name, role, district_code, unit_code
        FROM users u WHERE u.id = p_user_id AND NOT u.disabled;
    IF NOT FOUND THEN
        RAISE EXCEPTION USING ERRCODE = 'YXAUT', MESSAGE = 'login_wrong';
    END IF;
    IF p_new_hash IS NOT NULL THEN
        UPDATE users SET pw_hash = p_new_hash WHERE id = p_user_id;
    END IF;
    expires_at := now() + make_interval(secs => p_ttl_s);
    INSERT INTO sessions (token_hash, user_id, expires_at) VALUES (p_token_hash, p_user_id, expires_at);
    DELETE FROM login_failures WHERE login_failures.name = auth_login_ok.name;
    INSERT INTO audit_log (user_name, role, district_code, client_addr, action, target, outcome)
        VALUES (name, role, district_code, p_addr, 'login', name, 'ok');
END
$$;

-- Login, step 2 on a wrong password (or unknown name, or locked).
CREATE OR REPLACE FUNCTION auth_login_failed(p_name text, p_addr text, p_why text) RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
    d text;
    r text;
BEGIN
    IF p_why <> 'locked' THEN
        INSERT INTO login_failures (name, client_addr) VALUES (p_name, p_addr);
    END IF;
    DELETE FROM login_failures WHERE at < now() - interval '1 day';
    SELECT u.district_code, u.role INTO d, r FROM users u WHERE u.name = p_name;
    INSERT INTO audit_log (user_name, role, district_code, client_addr, action, target, outcome)
        VALUES (p_name, coalesce(r, ''), d, p_addr, 'login', p_name, 'failed: ' || p_why);
END
$$;

-- First statement of every authenticated transaction: checks the token
-- (revoked, expired, disabled) and keeps it for this transaction only, for
-- yx_caller. yanxiu.user is still set for the functions of 005-007 that
-- record who did something (display only: the wall never reads it).
CREATE OR REPLACE FUNCTION session_begin(p_token bytea) RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
    r record;
BEGIN
    SELECT u.name INTO r
        FROM sessions s JOIN users u ON u.id = s.user_id
        WHERE s.token_hash = sha256(p_token) AND s.revoked_at IS NULL AND s.expires_at > now()
          AND NOT u.disabled;
    IF NOT FOUND THEN
        RAISE EXCEPTION USING ERRCODE = 'YXAUT', MESSAGE = 'session_expired';
    END IF;
    PERFORM set_config('yanxiu.token', encode(p_token, 'hex'), true);
    PERFORM set_config('yanxiu.user', r.name, true);
END
$$;

-- The session behind a token, if valid; touches last_used_at.
CREATE OR REPLACE FUNCTION session_lookup(p_token bytea,
    OUT user_id bigint, OUT name text, OUT role text, OUT district_code text, OUT unit_code text,
    OUT expires_at timestamptz)
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
    UPDATE sessions s SET last_used_at = now()
        FROM users u
        WHERE s.token_hash = sha256(p_token) AND s.revoked_at IS NULL AND s.expires_at > now()
          AND u.id = s.user_id AND NOT u.disabled
        RETURNING u.id, u.name, u.role, u.district_code, u.unit_code, s.expires_at
        INTO user_id, name, role, district_code, unit_code, expires_at;
END
$$;

CREATE OR REPLACE FUNCTION session_revoke(p_token bytea, p_addr text) RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
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

-- Each run sets the grants whole: what is not granted here is revoked.
REVOKE ALL ON FUNCTION auth_login_begin, auth_login_ok, auth_login_failed, session_begin,
    session_lookup, session_revoke FROM PUBLIC, yanxiu_app, yanxiud_login;
GRANT EXECUTE ON FUNCTION session_begin, session_lookup, session_revoke TO yanxiu_app;
GRANT EXECUTE ON FUNCTION auth_login_begin, auth_login_ok, auth_login_failed TO yanxiud_login;
