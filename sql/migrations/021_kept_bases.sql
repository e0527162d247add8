-- 021: a teacher's year and cycle kept under the year bases the district uses, not both
-- (issue 14, the submit path's cost).
--
-- Since 018 every month a report changed was added to compliance_years and
-- compliance_cycles twice, under the school year and under the calendar year, whichever
-- the district's policies use: two upserts of the year and two of each cycle per teacher,
-- about half of compliance_apply's cost, and twice the rows the views scan.
--
-- * compliance_apply keeps the bases compliance_bases names (the defaults' and those of
--   the district's policies, usually one) and drops the deltas of the other.
-- * A policy that adds or removes a basis counts the district's years again from
--   ledger_months (compliance_rebuild_years, from the trigger on policies), then its
--   cycles, as a changed cycle did already.
-- * verify-ledger expects the kept bases only: ledger_years_expected (009) names them.
-- compliance_year_of, compliance_bases: sql/functions/compliance_follow.sql

CREATE OR REPLACE VIEW ledger_years_expected WITH (security_invoker = true) AS
SELECT e.district_code, e.teacher_code, b.basis, compliance_year_of(b.basis, e.month) AS year,
       e.approved, sum(e.hours) AS hours, sum(e.school_hours) AS school_hours,
       sum(e.ethics_hours) AS ethics_hours, sum(e.centralized_hours) AS centralized_hours,
       sum(e.homeroom_hours) AS homeroom_hours, sum(e.credit_hours) AS credit_hours,
       sum(e.credits) AS credits, sum(e.absences)::int AS absences
FROM ledger_months_expected e
-- the bases looked up once per district, not once per row
JOIN (SELECT d.code, k.basis FROM districts d CROSS JOIN LATERAL compliance_bases(d.code) k) b
    ON b.code = e.district_code
GROUP BY 1, 2, 3, 4, 5
HAVING sum(e.hours) <> 0 OR sum(e.credit_hours) <> 0 OR sum(e.credits) <> 0
    OR sum(e.absences) <> 0;

-- The rows of the bases no policy of their district uses.
WITH k AS MATERIALIZED (
    SELECT d.code AS district_code, b.basis
    FROM districts d CROSS JOIN LATERAL compliance_bases(d.code) b)
DELETE FROM compliance_years y
WHERE NOT EXISTS (SELECT 1 FROM k WHERE k.district_code = y.district_code AND k.basis = y.basis);

WITH k AS MATERIALIZED (
    SELECT d.code AS district_code, b.basis
    FROM districts d CROSS JOIN LATERAL compliance_bases(d.code) b)
DELETE FROM compliance_cycles c
WHERE NOT EXISTS (SELECT 1 FROM k WHERE k.district_code = c.district_code AND k.basis = c.basis);
