-- 016: a report's deadline in the shape of every other time of the protocol, RFC 3339 with
-- its offset (2026-11-05T23:59:59+08:00), as submitted_at already is (issue 12: times in one
-- shape). The view's columns keep their names and types.
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
       to_char(l.deadline AT TIME ZONE 'Asia/Shanghai', 'YYYY-MM-DD"T"HH24:MI:SS+08:00')
           AS deadline,
       l.empty, f.n AS flag_n, f.kind, f.teacher_code, f.detail,
       coalesce(rr.reason, '') AS return_reason, l.imported
FROM report_list l
LEFT JOIN report_flags f ON f.report_id = l.id AND f.version = l.version
LEFT JOIN LATERAL (SELECT e.reason FROM report_events e
                   WHERE l.status = 'returned' AND e.report_id = l.id AND e.action = 'return'
                   ORDER BY e.at DESC LIMIT 1) rr ON true;
