-- setup-db.sql: creates yanxiu's roles and database. Run once per cluster as
-- the PostgreSQL superuser; running it again changes nothing:
--
--   runuser -u postgres -- psql -v ON_ERROR_STOP=1 -f deploy/setup-db.sql
--   psql ... -v dbname=yanxiu_test -f deploy/setup-db.sql    (another database)
--
-- Roles (cluster-wide):
--   yanxiu_owner  LOGIN, owns the database and every table; `yanxiud migrate`
--                 connects as it (migrate_conninfo).
--   yanxiu_app    NOLOGIN; the migrations GRANT what the daemon may do to it.
--   yanxiud       LOGIN, no superuser, owns nothing, member of yanxiu_app; the
--                 daemon's runtime role (conninfo).
--   yanxiud_login LOGIN, no superuser, owns nothing, member of nothing; the
--                 daemon's login role (login_conninfo), the only one that may
--                 read password hashes and create sessions (migration 010).
-- (README "Security model" says what each may do.)
-- No passwords are set here. Give them with \password, or use peer
-- authentication for yanxiud (the service runs as the system user yanxiud).

\set ON_ERROR_STOP 1
\if :{?dbname}
\else
\set dbname yanxiu
\endif

SET client_min_messages = warning;

DO $roles$
BEGIN
    IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'yanxiu_owner') THEN
        CREATE ROLE yanxiu_owner LOGIN;
    END IF;
    IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'yanxiu_app') THEN
        CREATE ROLE yanxiu_app NOLOGIN;
    END IF;
    IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'yanxiud') THEN
        CREATE ROLE yanxiud LOGIN IN ROLE yanxiu_app;
    END IF;
    IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'yanxiud_login') THEN
        CREATE ROLE yanxiud_login LOGIN;
    END IF;
END
$roles$;

-- Also correct roles that existed before with other attributes.
ALTER ROLE yanxiu_owner LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS;
ALTER ROLE yanxiu_app NOLOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS;
ALTER ROLE yanxiud LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS;
ALTER ROLE yanxiud_login LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS;
SELECT 'GRANT yanxiu_app TO yanxiud'
WHERE NOT pg_has_role('yanxiud', 'yanxiu_app', 'MEMBER')
\gexec

-- CREATE DATABASE cannot run inside a DO block or a transaction.
SELECT format('CREATE DATABASE %I OWNER yanxiu_owner ENCODING %L TEMPLATE template0',
              :'dbname', 'UTF8')
WHERE NOT EXISTS (SELECT FROM pg_database WHERE datname = :'dbname')
\gexec
SELECT format('ALTER DATABASE %I OWNER TO yanxiu_owner', :'dbname')
\gexec

-- Only yanxiu's roles may connect; nobody but the owner creates objects.
SELECT format('REVOKE ALL ON DATABASE %I FROM PUBLIC', :'dbname')
\gexec
SELECT format('GRANT CONNECT, TEMPORARY ON DATABASE %I TO yanxiu_app', :'dbname')
\gexec
SELECT format('GRANT CONNECT ON DATABASE %I TO yanxiud_login', :'dbname')
\gexec

\connect :"dbname"
SET client_min_messages = warning;
REVOKE CREATE ON SCHEMA public FROM PUBLIC;
GRANT USAGE ON SCHEMA public TO yanxiu_app;
