-- 002: districts, accounts, sessions, the audit log, and the row-level wall.
--
-- Tenancy: every table holding a district's data has a district_code column
-- and a row-level security policy keyed on the per-transaction settings
-- yanxiu.role / yanxiu.district / yanxiu.unit, which the daemon sets from the
-- caller's session (session_begin below) as the first statement of every
-- transaction. yanxiu_app owns nothing, so the policies always apply to it.

CREATE TABLE districts (
    code text PRIMARY KEY CHECK (code ~ '^[0-9]{6}$'),
    name text NOT NULL CHECK (length(name) BETWEEN 1 AND 100),
    created_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE users (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    name text NOT NULL UNIQUE CHECK (name ~ '^[A-Za-z0-9_.@-]{1,64}$'),
    role text NOT NULL CHECK (role IN ('admin', 'district', 'school')),
    district_code text REFERENCES districts (code),
    unit_code text CHECK (unit_code ~ '^[0-9]{10}$'),
    pw_hash text NOT NULL,
    disabled boolean NOT NULL DEFAULT false,
    created_at timestamptz NOT NULL DEFAULT now(),
    CHECK ((role = 'admin' AND district_code IS NULL AND unit_code IS NULL)
        OR (role = 'district' AND district_code IS NOT NULL AND unit_code IS NULL)
        OR (role = 'school' AND district_code IS NOT NULL AND unit_code IS NOT NULL))
);

-- Failed logins per name, whether the name exists or not, so that the
-- lockout answer reveals nothing about which accounts exist.
CREATE TABLE login_failures (
    name text NOT NULL,
    at timestamptz NOT NULL DEFAULT now(),
    client_addr text NOT NULL DEFAULT ''
);
CREATE INDEX login_failures_name_at ON login_failures (name, at);

-- Only the SHA-256 of a token is kept; the token itself goes to the client once.
CREATE TABLE sessions (
    token_hash bytea PRIMARY KEY CHECK (length(token_hash) = 32),
    user_id bigint NOT NULL REFERENCES users (id),
    created_at timestamptz NOT NULL DEFAULT now(),
    expires_at timestamptz NOT NULL,
    last_used_at timestamptz NOT NULL DEFAULT now(),
    revoked_at timestamptz
);
CREATE INDEX sessions_user ON sessions (user_id);

CREATE TABLE audit_log (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    at timestamptz NOT NULL DEFAULT clock_timestamp(),
    user_name text NOT NULL,
    role text NOT NULL DEFAULT '',
    district_code text,
    client_addr text NOT NULL DEFAULT '',
    action text NOT NULL,
    target text NOT NULL DEFAULT '',
    outcome text NOT NULL
);
CREATE INDEX audit_log_district_at ON audit_log (district_code, at);

-- Append-only, whoever asks (the owner too): history is not rewritten.
CREATE FUNCTION audit_log_immutable() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'audit_log is append-only' USING ERRCODE = '42501';
END
$$;
CREATE TRIGGER audit_log_no_update BEFORE UPDATE OR DELETE OR TRUNCATE ON audit_log
    FOR EACH STATEMENT EXECUTE FUNCTION audit_log_immutable();

-- The caller as set for this transaction by session_begin.
CREATE FUNCTION yx_role() RETURNS text LANGUAGE sql STABLE AS
    $$ SELECT coalesce(current_setting('yanxiu.role', true), '') $$;
CREATE FUNCTION yx_district() RETURNS text LANGUAGE sql STABLE AS
    $$ SELECT coalesce(current_setting('yanxiu.district', true), '') $$;
CREATE FUNCTION yx_unit() RETURNS text LANGUAGE sql STABLE AS
    $$ SELECT coalesce(current_setting('yanxiu.unit', true), '') $$;

-- A row of district `d` is visible to an admin, or to a caller of that district.
CREATE FUNCTION yx_can_see(d text) RETURNS boolean LANGUAGE sql STABLE AS
    $$ SELECT yx_role() = 'admin' OR (d IS NOT NULL AND d = yx_district()) $$;

ALTER TABLE districts ENABLE ROW LEVEL SECURITY;
CREATE POLICY districts_wall ON districts USING (yx_can_see(code));
ALTER TABLE users ENABLE ROW LEVEL SECURITY;
CREATE POLICY users_wall ON users USING (yx_can_see(district_code));
ALTER TABLE audit_log ENABLE ROW LEVEL SECURITY;
CREATE POLICY audit_read ON audit_log FOR SELECT USING (yx_can_see(district_code));
CREATE POLICY audit_write ON audit_log FOR INSERT WITH CHECK (true);
ALTER TABLE sessions ENABLE ROW LEVEL SECURITY; -- no policy: only the functions below touch it
ALTER TABLE login_failures ENABLE ROW LEVEL SECURITY;

-- Everything before a session exists runs through these SECURITY DEFINER
-- functions (owned by the schema owner, so RLS does not apply inside them);
-- yanxiu_app cannot read users, sessions or login_failures directly.

-- Login, step 1: the stored hash, or NULLs for an unknown or disabled name;
-- `locked` when the name has `max_failures` failures within `window_s`.
CREATE FUNCTION auth_login_begin(p_name text, max_failures int, window_s int,
    OUT user_id bigint, OUT pw_hash text, OUT locked boolean, OUT retry_after_s int)
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public AS $$
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
CREATE FUNCTION auth_login_ok(p_user_id bigint, p_token_hash bytea, p_ttl_s int, p_addr text,
    p_new_hash text,
    OUT name text, OUT role text, OUT district_code text, OUT unit_code text, OUT expires_at timestamptz)
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public AS $$
BEGIN
    SELECT u.name, u.role, u.district_code, u.unit_code INTO name, role, district_code, unit_code
        FROM users u WHERE u.id = p_user_id AND NOT u.disabled;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'wrong user name or password' USING ERRCODE = 'YXAUT';
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
CREATE FUNCTION auth_login_failed(p_name text, p_addr text, p_why text) RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public AS $$
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

-- The session behind a token hash, if valid; touches last_used_at.
CREATE FUNCTION session_lookup(p_token_hash bytea,
    OUT user_id bigint, OUT name text, OUT role text, OUT district_code text, OUT unit_code text,
    OUT expires_at timestamptz)
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public AS $$
BEGIN
    UPDATE sessions s SET last_used_at = now()
        FROM users u
        WHERE s.token_hash = p_token_hash AND s.revoked_at IS NULL AND s.expires_at > now()
          AND u.id = s.user_id AND NOT u.disabled
        RETURNING u.id, u.name, u.role, u.district_code, u.unit_code, s.expires_at
        INTO user_id, name, role, district_code, unit_code, expires_at;
END
$$;

-- First statement of every authenticated transaction: checks the token
-- again (revoked, expired, disabled) and sets the caller for the row-level
-- wall, for this transaction only.
CREATE FUNCTION session_begin(p_token_hash bytea) RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public AS $$
DECLARE
    r record;
BEGIN
    SELECT u.name, u.role, u.district_code, u.unit_code INTO r
        FROM sessions s JOIN users u ON u.id = s.user_id
        WHERE s.token_hash = p_token_hash AND s.revoked_at IS NULL AND s.expires_at > now()
          AND NOT u.disabled;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'the session has expired or was revoked; log in again (yanxiu login)'
            USING ERRCODE = 'YXAUT';
    END IF;
    PERFORM set_config('yanxiu.user', r.name, true);
    PERFORM set_config('yanxiu.role', r.role, true);
    PERFORM set_config('yanxiu.district', coalesce(r.district_code, ''), true);
    PERFORM set_config('yanxiu.unit', coalesce(r.unit_code, ''), true);
END
$$;

CREATE FUNCTION session_revoke(p_token_hash bytea, p_addr text) RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public AS $$
DECLARE
    r record;
BEGIN
    UPDATE sessions s SET revoked_at = now() FROM users u
        WHERE s.token_hash = p_token_hash AND s.revoked_at IS NULL AND u.id = s.user_id
        RETURNING u.name, u.role, u.district_code INTO r;
    IF FOUND THEN
        INSERT INTO audit_log (user_name, role, district_code, client_addr, action, target, outcome)
            VALUES (r.name, r.role, r.district_code, p_addr, 'logout', r.name, 'ok');
    END IF;
END
$$;

-- Audit entries written by the daemon for the caller set by session_begin.
CREATE FUNCTION audit(p_addr text, p_action text, p_target text, p_outcome text) RETURNS void
LANGUAGE sql AS $$
    INSERT INTO audit_log (user_name, role, district_code, client_addr, action, target, outcome)
    VALUES (coalesce(current_setting('yanxiu.user', true), ''), yx_role(),
            nullif(yx_district(), ''), p_addr, p_action, p_target, p_outcome)
$$;

REVOKE ALL ON FUNCTION auth_login_begin, auth_login_ok, auth_login_failed, session_lookup,
    session_begin, session_revoke FROM PUBLIC;
GRANT EXECUTE ON FUNCTION auth_login_begin, auth_login_ok, auth_login_failed, session_lookup,
    session_begin, session_revoke, audit, yx_role, yx_district, yx_unit, yx_can_see TO yanxiu_app;

GRANT SELECT ON districts TO yanxiu_app;
GRANT SELECT (id, name, role, district_code, unit_code, disabled, created_at) ON users TO yanxiu_app;
GRANT SELECT, INSERT ON audit_log TO yanxiu_app;
