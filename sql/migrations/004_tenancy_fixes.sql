-- 004: tightening the wall after the table-driven tenancy test.
--
-- The daemon may write audit entries only for the caller's own district (or
-- with no district, as an admin's are).
ALTER POLICY audit_write ON audit_log WITH CHECK (yx_can_see(district_code) OR district_code IS NULL);

-- The imports take the list of optional columns the file had: an existing
-- row keeps its value of a column the file lacks (an empty list means all),
-- so that a file without, say, the 班主任 column clears no flag.
-- The school's error about a teacher of another unit no longer names that
-- teacher or school.
DROP FUNCTION IF EXISTS units_import(text, text, text[], text[], text[], text[], date[], date[]);
DROP FUNCTION IF EXISTS roster_import(text, text, text, text[], text[], text[], text[], text[], boolean[],
    boolean[], boolean[], text[]);

-- units_import, roster_import, yx_has: sql/functions/roster.sql
