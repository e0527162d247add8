-- 014: the imports' and the report check's problems come back as reason codes with
-- their arguments (code text, args jsonb) instead of English text, and the units
-- and roster imports take p_check_only: the return types and signatures change, so
-- the old functions go (sql/functions/ recreates them after the migrations).
DROP FUNCTION IF EXISTS report_submit(text, text, text, date, text, bytea, boolean, boolean, text,
    text, text[], date[], time[], time[], text[], text[], text[], text[], text[], text[], text[],
    text[], numeric[], int[], int[], text[], text[], text[], numeric[], text[], date[], text[],
    text[], text[], text[], numeric[], numeric[], text[]);
DROP FUNCTION IF EXISTS report_check(text, text, date, text[], int[], int[], text[], text[],
    text[], text[]);
DROP FUNCTION IF EXISTS units_import(text, text, text[], text[], text[], text[], date[], date[],
    text[]);
DROP FUNCTION IF EXISTS roster_import(text, text, text, text[], text[], text[], text[], text[],
    boolean[], boolean[], boolean[], text[], text[]);
DROP FUNCTION IF EXISTS scores_import(text, text, text, text, int, text[], text[], numeric[],
    boolean);
