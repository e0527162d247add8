-- 001: the foundation. Roles come from deploy/setup-db.sql: this schema is
-- owned by yanxiu_owner (who runs migrations); the daemon logs in as
-- yanxiud, a member of yanxiu_app, which owns nothing and gets only the
-- privileges granted here and in later migrations.

REVOKE CREATE ON SCHEMA public FROM PUBLIC;
GRANT USAGE ON SCHEMA public TO yanxiu_app;

-- schema_migrations is created by `yanxiud migrate` itself; the daemon reads
-- it to refuse a schema older than its code.
GRANT SELECT ON schema_migrations TO yanxiu_app;
