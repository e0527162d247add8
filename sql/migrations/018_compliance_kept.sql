-- 018: the compliance views without aggregation at read time (issue 14, "Compliance without
-- aggregation at read time"; tests/bench/compliance-bench.sh).
--
-- * compliance_years: one row per teacher x year basis x year holding every sum the rules
--   of a year need, pending + approved and approved only side by side, so that a view of
--   a year reads one row per teacher instead of summing two rows of ledger_years with
--   FILTERs.
-- * compliance_cycles: one row per teacher x year basis x cycle (cycle_years, the cycle's
--   first year) with the cycle's four sums, the same two ways. Kept for every cycle the
--   district's policies name and for the defaults' (compliance_kinds); a policy that
--   changes, adds or drops a cycle rebuilds the district's rows from compliance_years
--   (compliance_rebuild_cycles).
-- * Both are maintained from ledger_years by statement-level triggers with transition
--   tables (compliance_follow_ledger), in the statement that writes ledger_years, so in
--   the same transaction as the other ledgers, set-based, whoever writes ledger_years.
--   TRUNCATE of ledger_years is not followed (nothing truncates it).
-- * verify-ledger checks both against the raw rows (compliance_years_expected,
--   compliance_cycles_expected, in ledger_differences).

CREATE TABLE compliance_years (
    district_code text NOT NULL,
    basis text NOT NULL CHECK (basis IN ('school', 'calendar')),
    year int NOT NULL,
    teacher_code text NOT NULL,
    -- pending + approved
    hours numeric(12, 1) NOT NULL DEFAULT 0,
    school_hours numeric(12, 1) NOT NULL DEFAULT 0,
    ethics_hours numeric(12, 1) NOT NULL DEFAULT 0,
    centralized_hours numeric(12, 1) NOT NULL DEFAULT 0,
    homeroom_hours numeric(12, 1) NOT NULL DEFAULT 0,
    credit_hours numeric(12, 1) NOT NULL DEFAULT 0,
    credits numeric(12, 1) NOT NULL DEFAULT 0,
    absences int NOT NULL DEFAULT 0,
    -- approved only
    a_hours numeric(12, 1) NOT NULL DEFAULT 0,
    a_school_hours numeric(12, 1) NOT NULL DEFAULT 0,
    a_ethics_hours numeric(12, 1) NOT NULL DEFAULT 0,
    a_centralized_hours numeric(12, 1) NOT NULL DEFAULT 0,
    a_homeroom_hours numeric(12, 1) NOT NULL DEFAULT 0,
    a_credit_hours numeric(12, 1) NOT NULL DEFAULT 0,
    a_credits numeric(12, 1) NOT NULL DEFAULT 0,
    a_absences int NOT NULL DEFAULT 0,
    PRIMARY KEY (district_code, basis, year, teacher_code)
);

CREATE TABLE compliance_cycles (
    district_code text NOT NULL,
    basis text NOT NULL CHECK (basis IN ('school', 'calendar')),
    cycle_years int NOT NULL,
    cycle_first int NOT NULL,
    teacher_code text NOT NULL,
    hours numeric(12, 1) NOT NULL DEFAULT 0,
    ethics_hours numeric(12, 1) NOT NULL DEFAULT 0,
    centralized_hours numeric(12, 1) NOT NULL DEFAULT 0,
    homeroom_hours numeric(12, 1) NOT NULL DEFAULT 0,
    a_hours numeric(12, 1) NOT NULL DEFAULT 0,
    a_ethics_hours numeric(12, 1) NOT NULL DEFAULT 0,
    a_centralized_hours numeric(12, 1) NOT NULL DEFAULT 0,
    a_homeroom_hours numeric(12, 1) NOT NULL DEFAULT 0,
    PRIMARY KEY (district_code, basis, cycle_years, cycle_first, teacher_code)
);

ALTER TABLE compliance_years ENABLE ROW LEVEL SECURITY;
CREATE POLICY compliance_years_wall ON compliance_years
    USING ((SELECT yx_wall_district()) = ANY (ARRAY['*', district_code]));
ALTER TABLE compliance_cycles ENABLE ROW LEVEL SECURITY;
CREATE POLICY compliance_cycles_wall ON compliance_cycles
    USING ((SELECT yx_wall_district()) = ANY (ARRAY['*', district_code]));
-- read by the views (as the owner); written only by the triggers below (as the owner)
GRANT SELECT ON compliance_years, compliance_cycles TO yanxiu_app;

-- What they should hold: ledger_years_expected (the raw rows) per teacher x year, and per
-- teacher x cycle of each kind the district keeps. All-zero rows count as absent.
CREATE VIEW compliance_years_expected WITH (security_invoker = true) AS
SELECT district_code, basis, year, teacher_code,
       sum(hours) AS hours, sum(school_hours) AS school_hours, sum(ethics_hours) AS ethics_hours,
       sum(centralized_hours) AS centralized_hours, sum(homeroom_hours) AS homeroom_hours,
       sum(credit_hours) AS credit_hours, sum(credits) AS credits, sum(absences)::int AS absences,
       coalesce(sum(hours) FILTER (WHERE approved), 0) AS a_hours,
       coalesce(sum(school_hours) FILTER (WHERE approved), 0) AS a_school_hours,
       coalesce(sum(ethics_hours) FILTER (WHERE approved), 0) AS a_ethics_hours,
       coalesce(sum(centralized_hours) FILTER (WHERE approved), 0) AS a_centralized_hours,
       coalesce(sum(homeroom_hours) FILTER (WHERE approved), 0) AS a_homeroom_hours,
       coalesce(sum(credit_hours) FILTER (WHERE approved), 0) AS a_credit_hours,
       coalesce(sum(credits) FILTER (WHERE approved), 0) AS a_credits,
       coalesce(sum(absences) FILTER (WHERE approved), 0)::int AS a_absences
FROM ledger_years_expected
GROUP BY 1, 2, 3, 4;

CREATE VIEW compliance_cycles_expected WITH (security_invoker = true) AS
SELECT e.district_code, e.basis, k.cycle_years,
       compliance_cycle_first(e.year, k.cycle_years, k.anchor) AS cycle_first, e.teacher_code,
       sum(e.hours) AS hours, sum(e.ethics_hours) AS ethics_hours,
       sum(e.centralized_hours) AS centralized_hours, sum(e.homeroom_hours) AS homeroom_hours,
       coalesce(sum(e.hours) FILTER (WHERE e.approved), 0) AS a_hours,
       coalesce(sum(e.ethics_hours) FILTER (WHERE e.approved), 0) AS a_ethics_hours,
       coalesce(sum(e.centralized_hours) FILTER (WHERE e.approved), 0) AS a_centralized_hours,
       coalesce(sum(e.homeroom_hours) FILTER (WHERE e.approved), 0) AS a_homeroom_hours
FROM ledger_years_expected e
JOIN LATERAL compliance_kinds(e.district_code) k ON true
GROUP BY 1, 2, 3, 4, 5
HAVING sum(e.hours) <> 0 OR sum(e.ethics_hours) <> 0 OR sum(e.centralized_hours) <> 0
    OR sum(e.homeroom_hours) <> 0;

-- The rows of what the districts have now (ledger_years, as verify-ledger checks it).
INSERT INTO compliance_years
SELECT district_code, basis, year, teacher_code,
       sum(hours), sum(school_hours), sum(ethics_hours), sum(centralized_hours),
       sum(homeroom_hours), sum(credit_hours), sum(credits), sum(absences),
       coalesce(sum(hours) FILTER (WHERE approved), 0),
       coalesce(sum(school_hours) FILTER (WHERE approved), 0),
       coalesce(sum(ethics_hours) FILTER (WHERE approved), 0),
       coalesce(sum(centralized_hours) FILTER (WHERE approved), 0),
       coalesce(sum(homeroom_hours) FILTER (WHERE approved), 0),
       coalesce(sum(credit_hours) FILTER (WHERE approved), 0),
       coalesce(sum(credits) FILTER (WHERE approved), 0),
       coalesce(sum(absences) FILTER (WHERE approved), 0)
FROM ledger_years
GROUP BY 1, 2, 3, 4;

INSERT INTO compliance_cycles
SELECT y.district_code, y.basis, k.cycle_years,
       compliance_cycle_first(y.year, k.cycle_years, k.anchor), y.teacher_code,
       sum(y.hours), sum(y.ethics_hours), sum(y.centralized_hours), sum(y.homeroom_hours),
       sum(y.a_hours), sum(y.a_ethics_hours), sum(y.a_centralized_hours),
       sum(y.a_homeroom_hours)
FROM compliance_years y
JOIN LATERAL compliance_kinds(y.district_code) k ON true
GROUP BY 1, 2, 3, 4, 5;

-- compliance_follow_ledger, compliance_follow_policies, compliance_kinds,
-- compliance_cycle_first: sql/functions/compliance_follow.sql
CREATE TRIGGER ledger_years_compliance_ins AFTER INSERT ON ledger_years
    REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION compliance_follow_ledger();
CREATE TRIGGER ledger_years_compliance_upd AFTER UPDATE ON ledger_years
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION compliance_follow_ledger();
CREATE TRIGGER ledger_years_compliance_del AFTER DELETE ON ledger_years
    REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION compliance_follow_ledger();
CREATE TRIGGER policies_compliance_ins AFTER INSERT ON policies
    REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION compliance_follow_policies();
CREATE TRIGGER policies_compliance_upd AFTER UPDATE ON policies
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION compliance_follow_policies();
CREATE TRIGGER policies_compliance_del AFTER DELETE ON policies
    REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION compliance_follow_policies();

-- compliance_apply, compliance_rebuild_cycles, compliance_teachers: sql/functions/compliance.sql
