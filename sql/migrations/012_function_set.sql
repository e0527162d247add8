-- 012: from here on the functions live in sql/functions/, re-applied by every
-- `yanxiud migrate`, which records the set in schema_functions (created by
-- migrate itself, like schema_migrations). The daemon's pools read it to
-- refuse a database whose functions are not the ones they were built with.
GRANT SELECT ON schema_functions TO yanxiu_app, yanxiud_login;
