-- 009: the compliance views at county and city scale (issue 5, "Fast at
-- district and province scale"; tests/bench/compliance-bench.sh).
--
-- * ledger_years: a yearly roll-up of ledger_months per teacher x year x
--   approved, kept under both year bases (school year from September, and
--   calendar year) because the policy may use either. It is maintained by
--   ledger_apply in the same statement as the other two ledgers, checked by
--   verify-ledger (ledger_differences), and read by compliance_teachers
--   whenever no month after the as-of day can hold hours: a county's year is
--   then 8 000 rows to sum instead of 96 000.
-- * compliance_teachers narrows the ledger to the unit's (or school's)
--   teachers before summing, when the view is of one unit; it checks the
--   caller's scope itself and reads as its owner (SECURITY DEFINER), because
--   under the row-level wall the planner misjudged how many rows it reads.
-- * The functions whose RETURN QUERY reads the ledgers always plan for the
--   values they are called with: after five calls PostgreSQL may otherwise
--   switch a PL/pgSQL query to a generic plan, made without knowing the
--   district, the windows or the unit; for compliance_teachers that plan was
--   three times slower at 600 teachers and ran past query_timeout (30 s) at
--   8 000.

CREATE TABLE ledger_years (
    district_code text NOT NULL,
    teacher_code text NOT NULL,
    basis text NOT NULL CHECK (basis IN ('school', 'calendar')),
    year int NOT NULL,
    approved boolean NOT NULL,
    hours numeric(12, 1) NOT NULL DEFAULT 0,
    school_hours numeric(12, 1) NOT NULL DEFAULT 0,
    ethics_hours numeric(12, 1) NOT NULL DEFAULT 0,
    centralized_hours numeric(12, 1) NOT NULL DEFAULT 0,
    homeroom_hours numeric(12, 1) NOT NULL DEFAULT 0,
    credit_hours numeric(12, 1) NOT NULL DEFAULT 0,
    credits numeric(12, 1) NOT NULL DEFAULT 0,
    absences int NOT NULL DEFAULT 0,
    PRIMARY KEY (district_code, basis, year, teacher_code, approved)
);
-- one unit's (or school's) teachers, looked up by teacher
CREATE INDEX ledger_years_teacher ON ledger_years (district_code, teacher_code, basis, year);
ALTER TABLE ledger_years ENABLE ROW LEVEL SECURITY;
CREATE POLICY ledger_years_wall ON ledger_years USING (yx_can_see(district_code))
    WITH CHECK (yx_can_see(district_code));
GRANT SELECT, INSERT, UPDATE ON ledger_years TO yanxiu_app;

-- What ledger_years should hold: ledger_months_expected (the raw rows) per year.
CREATE VIEW ledger_years_expected WITH (security_invoker = true) AS
SELECT e.district_code, e.teacher_code, b.basis,
       CASE WHEN b.basis = 'school'
            THEN extract(year FROM e.month)::int - (extract(month FROM e.month) < 9)::int
            ELSE extract(year FROM e.month)::int END AS year,
       e.approved, sum(e.hours) AS hours, sum(e.school_hours) AS school_hours,
       sum(e.ethics_hours) AS ethics_hours, sum(e.centralized_hours) AS centralized_hours,
       sum(e.homeroom_hours) AS homeroom_hours, sum(e.credit_hours) AS credit_hours,
       sum(e.credits) AS credits, sum(e.absences)::int AS absences
FROM ledger_months_expected e CROSS JOIN (VALUES ('calendar'), ('school')) AS b(basis)
GROUP BY 1, 2, 3, 4, 5
HAVING sum(e.hours) <> 0 OR sum(e.credit_hours) <> 0 OR sum(e.credits) <> 0
    OR sum(e.absences) <> 0;

-- The roll-up of what the districts have now.
INSERT INTO ledger_years (district_code, teacher_code, basis, year, approved, hours, school_hours,
    ethics_hours, centralized_hours, homeroom_hours, credit_hours, credits, absences)
SELECT m.district_code, m.teacher_code, b.basis,
       CASE WHEN b.basis = 'school'
            THEN extract(year FROM m.month)::int - (extract(month FROM m.month) < 9)::int
            ELSE extract(year FROM m.month)::int END,
       m.approved, sum(m.hours), sum(m.school_hours), sum(m.ethics_hours),
       sum(m.centralized_hours), sum(m.homeroom_hours), sum(m.credit_hours), sum(m.credits),
       sum(m.absences)
FROM ledger_months m CROSS JOIN (VALUES ('calendar'), ('school')) AS b(basis)
GROUP BY 1, 2, 3, 4, 5;

-- ledger_apply, ledger_differences: sql/functions/ledger.sql
-- compliance_teachers: sql/functions/compliance.sql
