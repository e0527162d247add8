-- 006: the compliance engine (issue 5). Every view reads the maintained
-- roll-up ledger_months, never the sign-in rows.
--
-- Years: with year_basis 'school', year Y is Y-09-01 .. (Y+1)-08-31 (每学年);
-- with 'calendar', Y-01-01 .. Y-12-31. The cycle holding year Y starts at
-- cycle_first_year + k * cycle_years. Only hours of months up to the as-of
-- date count, so that a view "as of" a past day answers as it would have.

-- policy_for_year, policy_set: sql/functions/policy.sql
-- compliance_windows, months_elapsed, yx_reason, compliance_teachers, reporting_matrix,
-- months_due: sql/functions/compliance.sql

-- ---- verifying the ledger (yanxiud verify-ledger) ---------------------------
-- Every key where a maintained ledger differs from what the raw rows say;
-- no row when both agree. All-zero ledger rows (left by withdrawn
-- contributions) count as absent.
CREATE VIEW ledger_months_expected WITH (security_invoker = true) AS
SELECT district_code, teacher_code, month, approved, sum(hours) AS hours,
       coalesce(sum(hours) FILTER (WHERE level = 'school'), 0) AS school_hours,
       coalesce(sum(hours) FILTER (WHERE category = 'ethics'), 0) AS ethics_hours,
       coalesce(sum(hours) FILTER (WHERE mode = 'centralized' AND level <> 'school'), 0)
           AS centralized_hours,
       coalesce(sum(hours) FILTER (WHERE category = 'homeroom'), 0) AS homeroom_hours,
       sum(credit_hours) AS credit_hours, sum(credits) AS credits,
       coalesce(sum(absences) FILTER (WHERE mode = 'centralized'), 0)::int AS absences
FROM ledger_expected
GROUP BY district_code, teacher_code, month, approved
HAVING sum(hours) <> 0 OR sum(credit_hours) <> 0 OR sum(credits) <> 0
    OR coalesce(sum(absences) FILTER (WHERE mode = 'centralized'), 0) <> 0;

-- ledger_differences: sql/functions/ledger.sql
-- teacher_records: sql/functions/compliance.sql
