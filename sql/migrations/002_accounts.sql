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

-- audit_log_immutable: sql/functions/triggers.sql
CREATE TRIGGER audit_log_no_update BEFORE UPDATE OR DELETE OR TRUNCATE ON audit_log
    FOR EACH STATEMENT EXECUTE FUNCTION audit_log_immutable();

-- yx_role, yx_district, yx_unit, yx_can_see: sql/functions/walls.sql

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

-- auth_login_begin, auth_login_ok, auth_login_failed, session_lookup, session_begin,
-- session_revoke: sql/functions/session.sql
-- audit: sql/functions/audit.sql

GRANT SELECT ON districts TO yanxiu_app;
GRANT SELECT (id, name, role, district_code, unit_code, disabled, created_at) ON users TO yanxiu_app;
GRANT SELECT, INSERT ON audit_log TO yanxiu_app;
