-- 019: one kept table for a teacher's year (issue 14, the submit path's cost).
--
-- Since 018 a teacher's year was kept twice: ledger_years (a row per teacher x basis x
-- year x pending/approved) and compliance_years (the same sums, pending + approved and
-- approved only side by side), the second kept from the first by statement triggers with
-- transition tables. Every submission paid for both upserts, the capture of the changed
-- rows and the array the trigger built of them (about a third of the ledgers' cost).
--
-- * compliance_years and compliance_cycles are now written by ledger_move itself, with the
--   year's delta of the report's change (compliance_apply, sql/functions/compliance.sql):
--   one upsert of the year, one of the cycle, in the statement that writes ledger_months.
-- * ledger_years is the view of compliance_years in its old shape (pending = all - approved,
--   approved), its rows that hold something; nothing writes it.
-- * verify-ledger checks compliance_years and compliance_cycles against the raw rows, as
--   before; ledger_years, a view of the first, is no longer checked on its own.

DROP TRIGGER ledger_years_compliance_ins ON ledger_years;
DROP TRIGGER ledger_years_compliance_upd ON ledger_years;
DROP TRIGGER ledger_years_compliance_del ON ledger_years;
-- (compliance_follow_ledger stays defined: 018 names it when it runs on an older database)
-- its argument is of ledger_years' row type: sql/functions/compliance.sql defines it again,
-- over the view's
DROP FUNCTION IF EXISTS compliance_apply(ledger_years[]);

DROP TABLE ledger_years;
CREATE VIEW ledger_years WITH (security_invoker = true) AS
SELECT y.district_code, y.teacher_code, y.basis, y.year, p.approved,
       CASE WHEN p.approved THEN y.a_hours ELSE y.hours - y.a_hours END AS hours,
       CASE WHEN p.approved THEN y.a_school_hours ELSE y.school_hours - y.a_school_hours END
           AS school_hours,
       CASE WHEN p.approved THEN y.a_ethics_hours ELSE y.ethics_hours - y.a_ethics_hours END
           AS ethics_hours,
       CASE WHEN p.approved THEN y.a_centralized_hours
            ELSE y.centralized_hours - y.a_centralized_hours END AS centralized_hours,
       CASE WHEN p.approved THEN y.a_homeroom_hours ELSE y.homeroom_hours - y.a_homeroom_hours END
           AS homeroom_hours,
       CASE WHEN p.approved THEN y.a_credit_hours ELSE y.credit_hours - y.a_credit_hours END
           AS credit_hours,
       CASE WHEN p.approved THEN y.a_credits ELSE y.credits - y.a_credits END AS credits,
       CASE WHEN p.approved THEN y.a_absences ELSE y.absences - y.a_absences END AS absences
FROM compliance_years y
CROSS JOIN (VALUES (false), (true)) AS p(approved)
WHERE CASE WHEN p.approved
           THEN y.a_hours <> 0 OR y.a_credit_hours <> 0 OR y.a_credits <> 0 OR y.a_absences <> 0
           ELSE y.hours <> y.a_hours OR y.credit_hours <> y.a_credit_hours
                OR y.credits <> y.a_credits OR y.absences <> y.a_absences END;
GRANT SELECT ON ledger_years TO yanxiu_app;
