-- 014: historical import (历史导入), the return reason in every report answer, the
-- future_date flag.
-- A version entered by the district with its true submission time (report_submit's
-- p_submitted_at) is marked imported; report_list and report_summaries (013) gain
-- it at their end, and report_summaries the district's reason of a returned report.
ALTER TABLE report_versions ADD COLUMN imported boolean NOT NULL DEFAULT false;

-- A flag for an activity or record dated after its version was submitted
-- (report_compute_flags, sql/functions/flags.sql).
ALTER TABLE report_flags DROP CONSTRAINT report_flags_kind_check,
    ADD CONSTRAINT report_flags_kind_check
        CHECK (kind IN ('overlap', 'day_hours', 'identical_signin', 'future_date'));

CREATE OR REPLACE VIEW report_list WITH (security_invoker = true) AS
SELECT r.id, r.district_code, r.unit_code, coalesce(s.name, '') AS unit_name, r.month,
       v.version, v.version = r.current_version AS latest,
       CASE WHEN v.version = r.current_version THEN r.status ELSE 'superseded' END AS status,
       r.on_time, v.activity_count, v.attendance_count, v.external_count, v.teacher_hours,
       v.flag_count, v.submitted_at, v.submitted_by, r.first_submitted_at, r.deadline, v.empty,
       v.reason, v.summary, r.current_version, v.imported
FROM reports r
JOIN report_versions v ON v.report_id = r.id
LEFT JOIN schools s ON s.code = r.unit_code;

-- return_reason: the reason of the district's last return while the report is returned.
CREATE OR REPLACE VIEW report_summaries WITH (security_invoker = true) AS
SELECT l.id, l.district_code, l.latest, l.month AS month_date,
       l.unit_code, l.unit_name, to_char(l.month, 'YYYY-MM') AS month, l.version, l.status,
       l.on_time, l.activity_count, l.attendance_count, l.external_count, l.teacher_hours,
       l.flag_count,
       to_char(l.submitted_at AT TIME ZONE 'Asia/Shanghai', 'YYYY-MM-DD"T"HH24:MI:SS+08:00')
           AS submitted_at,
       l.submitted_by,
       to_char(l.first_submitted_at AT TIME ZONE 'Asia/Shanghai', 'YYYY-MM-DD"T"HH24:MI:SS+08:00')
           AS first_submitted_at,
       to_char(l.deadline AT TIME ZONE 'Asia/Shanghai', 'YYYY-MM-DD HH24:MI') AS deadline,
       l.empty, f.n AS flag_n, f.kind, f.teacher_code, f.detail,
       coalesce(rr.reason, '') AS return_reason, l.imported
FROM report_list l
LEFT JOIN report_flags f ON f.report_id = l.id AND f.version = l.version
LEFT JOIN LATERAL (SELECT e.reason FROM report_events e
                   WHERE l.status = 'returned' AND e.report_id = l.id AND e.action = 'return'
                   ORDER BY e.at DESC LIMIT 1) rr ON true;

-- New signatures (sql/functions/report.sql): report_submit takes p_submitted_at,
-- report_answer returns return_reason and imported, report_diff the changed
-- activities and sign-ins.
DROP FUNCTION IF EXISTS report_submit(text, text, text, date, text, bytea, boolean, boolean, text,
    text, text[], date[], time[], time[], text[], text[], text[], text[], text[], text[], text[],
    text[], numeric[], int[], int[], text[], text[], text[], numeric[], text[], date[], text[],
    text[], text[], text[], numeric[], numeric[], text[]);
DROP FUNCTION IF EXISTS report_answer();
DROP FUNCTION IF EXISTS report_diff(bigint, int);
