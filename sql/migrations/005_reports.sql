-- 005: monthly reports (月报), their versions and review, the signals of
-- false records, the district policy and the hours ledger (issues 4 and 5).
--
-- A report is one row per (district, unit, month); every submission adds a
-- version whose activities, sign-in rows and external records are kept for
-- good. The ledger holds, per teacher x month x category x level x mode,
-- the hours that count (latest version of a submitted or approved report),
-- split by whether the report is approved; it is maintained in the same
-- transaction as every submit, approve, return, reopen and void, so that
-- compliance never rescans the sign-in rows.

-- ---- policy ------------------------------------------------------------------
-- A district's rules, versioned with the date they take effect. A district
-- without a row follows policy_defaults().
CREATE TABLE policies (
    district_code text NOT NULL REFERENCES districts (code),
    version int NOT NULL CHECK (version >= 1),
    effective date NOT NULL,
    cycle_years int NOT NULL CHECK (cycle_years BETWEEN 1 AND 10),
    cycle_first_year int NOT NULL CHECK (cycle_first_year BETWEEN 2000 AND 2100),
    hours_cycle numeric(6, 1) NOT NULL CHECK (hours_cycle >= 0),
    hours_year numeric(6, 1) NOT NULL CHECK (hours_year >= 0),
    school_hours_year numeric(6, 1) NOT NULL CHECK (school_hours_year >= 0),
    ethics_hours_cycle numeric(6, 1) NOT NULL CHECK (ethics_hours_cycle >= 0),
    centralized_hours_cycle numeric(6, 1) NOT NULL CHECK (centralized_hours_cycle >= 0),
    homeroom_hours_cycle numeric(6, 1) NOT NULL CHECK (homeroom_hours_cycle >= 0),
    absence_limit int NOT NULL CHECK (absence_limit >= 1),
    group_short_percent numeric(5, 2) NOT NULL CHECK (group_short_percent BETWEEN 0 AND 100),
    credits_enabled boolean NOT NULL,
    credits_year numeric(7, 1) NOT NULL CHECK (credits_year >= 0),
    credit_factor numeric(5, 2) NOT NULL CHECK (credit_factor >= 0),
    year_basis text NOT NULL CHECK (year_basis IN ('school', 'calendar')),
    deadline_day int NOT NULL CHECK (deadline_day BETWEEN 1 AND 28),
    non_creditable text[] NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    created_by text NOT NULL DEFAULT '',
    PRIMARY KEY (district_code, version)
);

-- policy_defaults, policy_at: sql/functions/policy.sql
-- yx_can_see_unit: sql/functions/walls.sql

-- ---- reports -----------------------------------------------------------------
CREATE TABLE reports (
    id bigserial PRIMARY KEY,
    district_code text NOT NULL REFERENCES districts (code),
    unit_code text NOT NULL REFERENCES schools (code),
    month date NOT NULL CHECK (extract(day FROM month) = 1),
    status text NOT NULL CHECK (status IN ('submitted', 'approved', 'returned', 'reopened',
                                           'voided')),
    current_version int NOT NULL,
    deadline timestamptz NOT NULL,         -- the last instant that is on time
    first_submitted_at timestamptz NOT NULL,
    on_time boolean NOT NULL,
    status_at timestamptz NOT NULL DEFAULT now(),
    status_by text NOT NULL DEFAULT '',
    UNIQUE (district_code, unit_code, month)
);
CREATE INDEX reports_month ON reports (district_code, month);

CREATE TABLE report_versions (
    report_id bigint NOT NULL REFERENCES reports (id),
    version int NOT NULL CHECK (version >= 1),
    district_code text NOT NULL,
    unit_code text NOT NULL,
    idem_key text NOT NULL,
    payload_hash bytea NOT NULL,
    submitted_at timestamptz NOT NULL DEFAULT now(),
    submitted_by text NOT NULL,
    client_addr text NOT NULL DEFAULT '',
    empty boolean NOT NULL,
    reason text NOT NULL DEFAULT '',
    summary text NOT NULL DEFAULT '',
    activity_count int NOT NULL DEFAULT 0,
    attendance_count int NOT NULL DEFAULT 0,
    external_count int NOT NULL DEFAULT 0,
    teacher_hours numeric(12, 1) NOT NULL DEFAULT 0,
    flag_count int NOT NULL DEFAULT 0,
    PRIMARY KEY (report_id, version),
    UNIQUE (district_code, idem_key)
);

CREATE TABLE activities (
    report_id bigint NOT NULL,
    version int NOT NULL,
    idx int NOT NULL,
    district_code text NOT NULL,
    unit_code text NOT NULL,
    ref text NOT NULL,
    date date NOT NULL,
    start_time time NOT NULL,
    end_time time NOT NULL,
    title text NOT NULL,
    category text NOT NULL CHECK (category IN ('ethics', 'theory', 'subject', 'skills', 'it',
        'research', 'law', 'mental_health', 'homeroom', 'other')),
    form text NOT NULL CHECK (form IN ('lecture', 'lesson_study', 'collective_prep', 'observation',
        'demonstration', 'mentoring', 'self_study', 'research', 'online', 'competition', 'other')),
    level text NOT NULL CHECK (level IN ('school', 'town', 'county', 'city', 'province',
                                         'national')),
    mode text NOT NULL CHECK (mode IN ('centralized', 'remote', 'self')),
    place text NOT NULL DEFAULT '',
    host text NOT NULL,
    speaker text NOT NULL DEFAULT '',
    hours numeric(5, 1) NOT NULL CHECK (hours > 0),
    PRIMARY KEY (report_id, version, idx),
    FOREIGN KEY (report_id, version) REFERENCES report_versions (report_id, version),
    CHECK (start_time < end_time)
);
CREATE INDEX activities_day ON activities (district_code, date);

CREATE TABLE attendance (
    report_id bigint NOT NULL,
    version int NOT NULL,
    act_idx int NOT NULL,
    pos int NOT NULL,
    district_code text NOT NULL,
    unit_code text NOT NULL,
    teacher_code text NOT NULL,
    status text NOT NULL CHECK (status IN ('present', 'late', 'excused', 'absent')),
    hours numeric(5, 1) CHECK (hours > 0),  -- NULL: the activity's
    PRIMARY KEY (report_id, version, act_idx, pos),
    FOREIGN KEY (report_id, version, act_idx) REFERENCES activities (report_id, version, idx)
);
CREATE INDEX attendance_teacher ON attendance (district_code, teacher_code);

CREATE TABLE external_records (
    report_id bigint NOT NULL,
    version int NOT NULL,
    idx int NOT NULL,
    district_code text NOT NULL,
    unit_code text NOT NULL,
    teacher_code text NOT NULL,
    date date NOT NULL,
    title text NOT NULL,
    category text NOT NULL,
    level text NOT NULL,
    mode text NOT NULL,
    hours numeric(5, 1) NOT NULL CHECK (hours > 0),
    credits numeric(6, 1) CHECK (credits >= 0),  -- NULL: follow from hours
    certificate text NOT NULL DEFAULT '',
    PRIMARY KEY (report_id, version, idx),
    FOREIGN KEY (report_id, version) REFERENCES report_versions (report_id, version)
);
CREATE INDEX external_teacher ON external_records (district_code, teacher_code);

CREATE TABLE report_flags (
    report_id bigint NOT NULL,
    version int NOT NULL,
    district_code text NOT NULL,
    unit_code text NOT NULL,
    n int NOT NULL,
    kind text NOT NULL CHECK (kind IN ('overlap', 'day_hours', 'identical_signin')),
    teacher_code text NOT NULL DEFAULT '',
    detail text NOT NULL,
    PRIMARY KEY (report_id, version, n),
    FOREIGN KEY (report_id, version) REFERENCES report_versions (report_id, version)
);

CREATE TABLE report_events (
    report_id bigint NOT NULL REFERENCES reports (id),
    district_code text NOT NULL,
    unit_code text NOT NULL,
    at timestamptz NOT NULL DEFAULT clock_timestamp(),
    action text NOT NULL CHECK (action IN ('submit', 'approve', 'return', 'reopen', 'void')),
    user_name text NOT NULL,
    version int NOT NULL,
    reason text NOT NULL DEFAULT ''
);
CREATE INDEX report_events_report ON report_events (report_id, at);

-- The ledger: what counts, per teacher x month x category x level x mode,
-- split by approved. credit_hours are the hours of records without their own
-- credits (credits = credits + credit_hours x the policy's factor).
CREATE TABLE ledger (
    district_code text NOT NULL,
    teacher_code text NOT NULL,
    month date NOT NULL,
    category text NOT NULL,
    level text NOT NULL,
    mode text NOT NULL,
    approved boolean NOT NULL,
    hours numeric(12, 1) NOT NULL DEFAULT 0,
    credit_hours numeric(12, 1) NOT NULL DEFAULT 0,
    credits numeric(12, 1) NOT NULL DEFAULT 0,
    absences int NOT NULL DEFAULT 0,
    PRIMARY KEY (district_code, teacher_code, month, category, level, mode, approved)
);
CREATE INDEX ledger_month ON ledger (district_code, month);

ALTER TABLE policies ENABLE ROW LEVEL SECURITY;
CREATE POLICY policies_wall ON policies USING (yx_can_see(district_code))
    WITH CHECK (yx_can_see(district_code));
ALTER TABLE ledger ENABLE ROW LEVEL SECURITY;
CREATE POLICY ledger_wall ON ledger USING (yx_can_see(district_code))
    WITH CHECK (yx_can_see(district_code));
ALTER TABLE reports ENABLE ROW LEVEL SECURITY;
CREATE POLICY reports_wall ON reports USING (yx_can_see_unit(district_code, unit_code))
    WITH CHECK (yx_can_see_unit(district_code, unit_code));
ALTER TABLE report_versions ENABLE ROW LEVEL SECURITY;
CREATE POLICY report_versions_wall ON report_versions
    USING (yx_can_see_unit(district_code, unit_code))
    WITH CHECK (yx_can_see_unit(district_code, unit_code));
ALTER TABLE activities ENABLE ROW LEVEL SECURITY;
CREATE POLICY activities_wall ON activities USING (yx_can_see_unit(district_code, unit_code))
    WITH CHECK (yx_can_see_unit(district_code, unit_code));
ALTER TABLE attendance ENABLE ROW LEVEL SECURITY;
CREATE POLICY attendance_wall ON attendance USING (yx_can_see_unit(district_code, unit_code))
    WITH CHECK (yx_can_see_unit(district_code, unit_code));
ALTER TABLE external_records ENABLE ROW LEVEL SECURITY;
CREATE POLICY external_wall ON external_records USING (yx_can_see_unit(district_code, unit_code))
    WITH CHECK (yx_can_see_unit(district_code, unit_code));
ALTER TABLE report_flags ENABLE ROW LEVEL SECURITY;
CREATE POLICY report_flags_wall ON report_flags USING (yx_can_see_unit(district_code, unit_code));
ALTER TABLE report_events ENABLE ROW LEVEL SECURITY;
CREATE POLICY report_events_wall ON report_events USING (yx_can_see_unit(district_code, unit_code))
    WITH CHECK (yx_can_see_unit(district_code, unit_code));

GRANT SELECT, INSERT ON policies TO yanxiu_app;
GRANT SELECT, INSERT, UPDATE ON reports, report_versions, ledger TO yanxiu_app;
GRANT SELECT, INSERT ON activities, attendance, external_records, report_events TO yanxiu_app;
GRANT SELECT ON report_flags TO yanxiu_app;
GRANT USAGE ON SEQUENCE reports_id_seq TO yanxiu_app;

-- Every version as listed, with the status of its report (a version that is
-- not the latest is 'superseded').
CREATE VIEW report_list WITH (security_invoker = true) AS
SELECT r.id, r.district_code, r.unit_code, coalesce(s.name, '') AS unit_name, r.month,
       v.version, v.version = r.current_version AS latest,
       CASE WHEN v.version = r.current_version THEN r.status ELSE 'superseded' END AS status,
       r.on_time, v.activity_count, v.attendance_count, v.external_count, v.teacher_hours,
       v.flag_count, v.submitted_at, v.submitted_by, r.first_submitted_at, r.deadline, v.empty,
       v.reason, v.summary, r.current_version
FROM reports r
JOIN report_versions v ON v.report_id = r.id
LEFT JOIN schools s ON s.code = r.unit_code;
GRANT SELECT ON report_list TO yanxiu_app;

-- ledger_rows: sql/functions/ledger.sql

-- The per teacher x month roll-up the compliance views read: the columns are
-- the sums the rules need (domain.md, "which hours count"): school-based =
-- level school; centralized = mode centralized at town level or above;
-- absences count on centralized activities.
CREATE TABLE ledger_months (
    district_code text NOT NULL,
    teacher_code text NOT NULL,
    month date NOT NULL,
    approved boolean NOT NULL,
    hours numeric(12, 1) NOT NULL DEFAULT 0,
    school_hours numeric(12, 1) NOT NULL DEFAULT 0,
    ethics_hours numeric(12, 1) NOT NULL DEFAULT 0,
    centralized_hours numeric(12, 1) NOT NULL DEFAULT 0,
    homeroom_hours numeric(12, 1) NOT NULL DEFAULT 0,
    credit_hours numeric(12, 1) NOT NULL DEFAULT 0,
    credits numeric(12, 1) NOT NULL DEFAULT 0,
    absences int NOT NULL DEFAULT 0,
    PRIMARY KEY (district_code, teacher_code, month, approved)
);
CREATE INDEX ledger_months_month ON ledger_months (district_code, month);
ALTER TABLE ledger_months ENABLE ROW LEVEL SECURITY;
CREATE POLICY ledger_months_wall ON ledger_months USING (yx_can_see(district_code))
    WITH CHECK (yx_can_see(district_code));
GRANT SELECT, INSERT, UPDATE ON ledger_months TO yanxiu_app;

-- ledger_apply: sql/functions/ledger.sql

-- What the ledger should hold, computed from the raw rows (yanxiud verify-ledger).
CREATE VIEW ledger_expected WITH (security_invoker = true) AS
SELECT r.district_code, x.teacher_code, r.month, x.category, x.level, x.mode,
       r.status = 'approved' AS approved,
       sum(x.hours) AS hours, sum(x.credit_hours) AS credit_hours, sum(x.credits) AS credits,
       sum(x.absences)::int AS absences
FROM reports r
CROSS JOIN LATERAL ledger_rows(r.id, r.current_version) x
WHERE r.status IN ('submitted', 'approved')
GROUP BY 1, 2, 3, 4, 5, 6, 7
HAVING sum(x.hours) <> 0 OR sum(x.credits) <> 0 OR sum(x.absences) <> 0;

-- report_compute_flags: sql/functions/flags.sql
-- report_check, report_submit, report_submitted, report_review, report_diff:
-- sql/functions/report.sql

GRANT SELECT ON ledger_expected TO yanxiu_app;
