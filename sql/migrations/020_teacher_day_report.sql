-- 020: the flags' look-up of a teacher's other sign-ins skips this report's own versions
-- (issue 14; tests/bench/big-report.sh).
--
-- report_compute_flags looks up, per teacher of a new version and per day of it, the sign-ins
-- of the other reports (attendance_teacher_day, 017). The index's entries of a teacher's day
-- held every kept version of the report being submitted too, read from the table and then
-- discarded (report_id <> the report): the look-up grew with each resubmission (after 41
-- versions of a 40 x 60 report, 98 400 rows read for nothing, 142 ms). With the report's id
-- as the index's fourth column, the look-up is two ranges of it, below and above the
-- report: its own versions are never read.

CREATE INDEX attendance_teacher_day_report ON attendance (district_code, teacher_code, date, report_id);
DROP INDEX attendance_teacher_day;
