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

-- yx_caller, yx_role, yx_district, yx_unit, yx_user, yx_can_see, yx_can_see_unit, yx_wall_district,
-- yx_wall_unit: sql/functions/walls.sql

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
-- The parameter names change, which a redefinition in place cannot do.
DROP FUNCTION IF EXISTS session_begin(bytea);
DROP FUNCTION IF EXISTS session_lookup(bytea);
DROP FUNCTION IF EXISTS session_revoke(bytea, text);

-- session_begin, session_lookup, session_revoke: sql/functions/session.sql
-- audit: sql/functions/audit.sql
REVOKE INSERT ON audit_log FROM yanxiu_app;

-- ---- login, under its own role ---------------------------------------------------------
GRANT USAGE ON SCHEMA public TO yanxiud_login;
GRANT SELECT ON schema_migrations TO yanxiud_login; -- the pool's schema check

-- yx_stamp_user: sql/functions/triggers.sql
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
