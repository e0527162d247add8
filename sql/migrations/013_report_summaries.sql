-- 013: a report as every answer gives it (submit, review, list, show), written
-- once: the columns of the protocol's ReportSummary, by their names, then the
-- version's flags one a row (kind, teacher_code, detail; NULL on the one row
-- of a version without flags), instead of a string joined with \x1f and \x1e.
-- id, district_code, latest, month_date and flag_n are for filtering and order.
CREATE VIEW report_summaries WITH (security_invoker = true) AS
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
       l.empty, f.n AS flag_n, f.kind, f.teacher_code, f.detail
FROM report_list l
LEFT JOIN report_flags f ON f.report_id = l.id AND f.version = l.version;

GRANT SELECT ON report_summaries TO yanxiu_app;
