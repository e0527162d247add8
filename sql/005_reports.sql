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

-- The defaults of domain.md, from the seeds.
CREATE FUNCTION policy_defaults(p_district text) RETURNS policies LANGUAGE sql IMMUTABLE AS $$
    SELECT ROW(p_district, 0, DATE '2000-01-01', 5, 2026, 360, 72, 24, 60, 240, 30, 3, 15,
               false, 100, 1, 'school', 5, ARRAY['例会', '政治学习', '外出考察'],
               TIMESTAMPTZ '2000-01-01 00:00+08', '')::policies
$$;

-- The policy of district p_district in force on day p_day.
CREATE FUNCTION policy_at(p_district text, p_day date) RETURNS policies LANGUAGE sql STABLE AS $$
    SELECT coalesce(
        (SELECT p FROM policies p WHERE p.district_code = p_district AND p.effective <= p_day
         ORDER BY p.effective DESC, p.version DESC LIMIT 1),
        policy_defaults(p_district))
$$;

-- A row of unit u of district d is visible to the district (and admin), and
-- to a school account of that very unit.
CREATE FUNCTION yx_can_see_unit(d text, u text) RETURNS boolean LANGUAGE sql STABLE AS
    $$ SELECT yx_can_see(d) AND (yx_role() <> 'school' OR u = yx_unit()) $$;

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

-- ---- the ledger --------------------------------------------------------------
-- The raw contribution of one version: a row per credited sign-in, absence
-- and external record.
CREATE FUNCTION ledger_rows(p_report bigint, p_version int)
RETURNS TABLE (teacher_code text, category text, level text, mode text, hours numeric,
               credit_hours numeric, credits numeric, absences int)
LANGUAGE sql STABLE AS $$
    SELECT t.teacher_code, a.category, a.level, a.mode,
           CASE WHEN t.status IN ('present', 'late') THEN coalesce(t.hours, a.hours) ELSE 0 END,
           CASE WHEN t.status IN ('present', 'late') THEN coalesce(t.hours, a.hours) ELSE 0 END,
           0::numeric, (t.status = 'absent')::int
    FROM activities a
    JOIN attendance t ON t.report_id = a.report_id AND t.version = a.version AND t.act_idx = a.idx
    WHERE a.report_id = p_report AND a.version = p_version
    UNION ALL
    SELECT e.teacher_code, e.category, e.level, e.mode, e.hours,
           CASE WHEN e.credits IS NULL THEN e.hours ELSE 0 END, coalesce(e.credits, 0), 0
    FROM external_records e
    WHERE e.report_id = p_report AND e.version = p_version
$$;

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

-- Adds (p_sign = 1) or removes (-1) the contribution of one version of a
-- report to the ledger and its monthly roll-up, in the approved or the
-- pending part. Rows are upserted in key order so that concurrent reports
-- cannot deadlock.
CREATE FUNCTION ledger_apply(p_report bigint, p_version int, p_sign int, p_approved boolean)
RETURNS void LANGUAGE sql AS $$
    WITH r AS (SELECT district_code, month FROM reports WHERE id = p_report),
    x AS (SELECT * FROM ledger_rows(p_report, p_version)),
    fine AS (
        INSERT INTO ledger AS l (district_code, teacher_code, month, category, level, mode,
                                 approved, hours, credit_hours, credits, absences)
        SELECT r.district_code, x.teacher_code, r.month, x.category, x.level, x.mode, p_approved,
               p_sign * sum(x.hours), p_sign * sum(x.credit_hours), p_sign * sum(x.credits),
               p_sign * sum(x.absences)
        FROM r, x
        GROUP BY r.district_code, x.teacher_code, r.month, x.category, x.level, x.mode
        HAVING sum(x.hours) <> 0 OR sum(x.credits) <> 0 OR sum(x.absences) <> 0
        ORDER BY 1, 2, 3, 4, 5, 6
        ON CONFLICT (district_code, teacher_code, month, category, level, mode, approved)
        DO UPDATE SET hours = l.hours + excluded.hours,
                      credit_hours = l.credit_hours + excluded.credit_hours,
                      credits = l.credits + excluded.credits,
                      absences = l.absences + excluded.absences
        RETURNING 1)
    INSERT INTO ledger_months AS l (district_code, teacher_code, month, approved, hours,
        school_hours, ethics_hours, centralized_hours, homeroom_hours, credit_hours, credits,
        absences)
    SELECT r.district_code, x.teacher_code, r.month, p_approved,
           p_sign * sum(x.hours),
           p_sign * coalesce(sum(x.hours) FILTER (WHERE x.level = 'school'), 0),
           p_sign * coalesce(sum(x.hours) FILTER (WHERE x.category = 'ethics'), 0),
           p_sign * coalesce(sum(x.hours) FILTER (WHERE x.mode = 'centralized'
                                                 AND x.level <> 'school'), 0),
           p_sign * coalesce(sum(x.hours) FILTER (WHERE x.category = 'homeroom'), 0),
           p_sign * sum(x.credit_hours), p_sign * sum(x.credits),
           p_sign * coalesce(sum(x.absences) FILTER (WHERE x.mode = 'centralized'), 0)
    FROM r, x
    GROUP BY r.district_code, x.teacher_code, r.month
    HAVING sum(x.hours) <> 0 OR sum(x.credits) <> 0 OR sum(x.absences) <> 0
    ORDER BY 1, 2, 3
    ON CONFLICT (district_code, teacher_code, month, approved)
    DO UPDATE SET hours = l.hours + excluded.hours, school_hours = l.school_hours + excluded.school_hours,
                  ethics_hours = l.ethics_hours + excluded.ethics_hours,
                  centralized_hours = l.centralized_hours + excluded.centralized_hours,
                  homeroom_hours = l.homeroom_hours + excluded.homeroom_hours,
                  credit_hours = l.credit_hours + excluded.credit_hours,
                  credits = l.credits + excluded.credits,
                  absences = l.absences + excluded.absences
$$;

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

-- ---- signals of false records -----------------------------------------------
-- Computes and stores the flags of one version: a teacher signed in at two
-- activities whose times overlap (in this report, or in another counted
-- report of the district for the same month); more than 10 credited hours on
-- one day; five or more activities with the same sign-in list. It reads
-- other units' sign-in rows, hence SECURITY DEFINER; it checks that the
-- caller may see the report and returns only that report's flags.
CREATE FUNCTION report_compute_flags(p_report bigint, p_version int) RETURNS int
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public AS $$
DECLARE
    r reports;
    n int;
BEGIN
    SELECT * INTO r FROM reports WHERE id = p_report;
    IF NOT FOUND OR NOT yx_can_see_unit(r.district_code, r.unit_code) THEN
        RAISE EXCEPTION 'report % is not yours', p_report USING ERRCODE = 'YXPRM';
    END IF;
    INSERT INTO report_flags (report_id, version, district_code, unit_code, n, kind, teacher_code,
                              detail)
    SELECT p_report, p_version, r.district_code, r.unit_code,
           row_number() OVER (ORDER BY f.kind, f.teacher_code, f.detail), f.kind, f.teacher_code,
           f.detail
    FROM (
        WITH mine AS (
            SELECT t.teacher_code, a.idx, a.ref, a.date, a.start_time, a.end_time,
                   coalesce(t.hours, a.hours) AS h
            FROM activities a
            JOIN attendance t ON t.report_id = a.report_id AND t.version = a.version
                             AND t.act_idx = a.idx
            WHERE a.report_id = p_report AND a.version = p_version
              AND t.status IN ('present', 'late')),
        others AS (
            SELECT t.teacher_code, a.ref, a.date, a.start_time, a.end_time,
                   coalesce(t.hours, a.hours) AS h, o.unit_code
            FROM reports o
            JOIN activities a ON a.report_id = o.id AND a.version = o.current_version
            JOIN attendance t ON t.report_id = a.report_id AND t.version = a.version
                             AND t.act_idx = a.idx
            WHERE o.district_code = r.district_code AND o.month = r.month AND o.id <> p_report
              AND o.status IN ('submitted', 'approved')
              AND a.date IN (SELECT DISTINCT date FROM mine)
              AND t.status IN ('present', 'late')
              AND t.teacher_code IN (SELECT DISTINCT teacher_code FROM mine))
        SELECT 'overlap' AS kind, m1.teacher_code,
               format('%s: %s %s-%s and %s %s-%s overlap', m1.date, m1.ref,
                      to_char(m1.start_time, 'HH24:MI'), to_char(m1.end_time, 'HH24:MI'), m2.ref,
                      to_char(m2.start_time, 'HH24:MI'), to_char(m2.end_time, 'HH24:MI')) AS detail
        FROM mine m1
        JOIN mine m2 ON m2.teacher_code = m1.teacher_code AND m2.date = m1.date AND m2.idx > m1.idx
                    AND m1.start_time < m2.end_time AND m2.start_time < m1.end_time
        UNION ALL
        SELECT 'overlap', m.teacher_code,
               format('%s: %s %s-%s overlaps %s %s-%s of unit %s', m.date, m.ref,
                      to_char(m.start_time, 'HH24:MI'), to_char(m.end_time, 'HH24:MI'), o.ref,
                      to_char(o.start_time, 'HH24:MI'), to_char(o.end_time, 'HH24:MI'), o.unit_code)
        FROM mine m
        JOIN others o ON o.teacher_code = m.teacher_code AND o.date = m.date
                     AND m.start_time < o.end_time AND o.start_time < m.end_time
        UNION ALL
        SELECT 'day_hours', d.teacher_code,
               format('%s: %s credited hours in one day', d.date, sum(d.h))
        FROM (SELECT teacher_code, date, h FROM mine
              UNION ALL SELECT teacher_code, date, h FROM others) d
        GROUP BY d.teacher_code, d.date
        HAVING sum(d.h) > 10
        UNION ALL
        SELECT 'identical_signin', '',
               format('%s activities (%s) have the same sign-in list of %s teachers', count(*),
                      string_agg(l.ref, ', ' ORDER BY l.idx), max(cardinality(l.list)))
        FROM (SELECT idx, ref, array_agg(teacher_code ORDER BY teacher_code) AS list
              FROM mine GROUP BY idx, ref) l
        GROUP BY l.list
        HAVING count(*) >= 5
        ORDER BY 1, 2, 3
        LIMIT 500) f;
    GET DIAGNOSTICS n = ROW_COUNT;
    RETURN n;
END
$$;

-- ---- submitting --------------------------------------------------------------
-- Problems the database can see in a report: the unit, the month, the
-- district's non-creditable titles, teachers against the roster. One row per
-- problem (path as the protocol names it, reason); no row when all is well.
-- NULL array elements are values the daemon already found malformed: skipped.
CREATE FUNCTION report_check(p_district text, p_unit text, p_month date, a_title text[],
    t_act int[], t_pos int[], t_teacher text[], t_name text[], e_teacher text[], e_title text[])
RETURNS TABLE (path text, reason text) LANGUAGE plpgsql STABLE AS $$
DECLARE
    u schools;
    pol policies := policy_at(p_district, p_month);
    month_end date := (p_month + interval '1 month' - interval '1 day')::date;
BEGIN
    SELECT * INTO u FROM schools s WHERE s.code = p_unit AND s.district_code = p_district;
    IF NOT FOUND THEN
        RETURN QUERY SELECT 'unit_code'::text,
            format('unit %s is not a school of this district (yanxiu units list shows them)', p_unit);
        RETURN;
    END IF;
    IF u.unit_code <> u.code THEN
        RETURN QUERY SELECT 'unit_code'::text,
            format('%s (%s) is a primary of central school %s, which reports for it', u.code,
                   u.name, u.unit_code);
        RETURN;
    END IF;
    IF p_month > date_trunc('month', now() AT TIME ZONE 'Asia/Shanghai')::date THEN
        RETURN QUERY SELECT 'month'::text,
            format('%s has not begun; a month is reported once it has started',
                   to_char(p_month, 'YYYY-MM'));
    END IF;
    IF u.opened IS NOT NULL AND u.opened > month_end THEN
        RETURN QUERY SELECT 'month'::text,
            format('%s opened on %s, after %s', u.name, u.opened, to_char(p_month, 'YYYY-MM'));
    END IF;
    IF u.closed IS NOT NULL AND u.closed < p_month THEN
        RETURN QUERY SELECT 'month'::text,
            format('%s closed on %s, before %s', u.name, u.closed, to_char(p_month, 'YYYY-MM'));
    END IF;

    RETURN QUERY
    SELECT format('activities[%s].title', x.i - 1),
           format('"%s" is not creditable training (%s, seed 004 第九条): staff meetings, political study and field trips earn no hours',
                  x.title, w.word)
    FROM unnest(a_title) WITH ORDINALITY AS x(title, i)
    CROSS JOIN LATERAL (SELECT nc AS word FROM unnest(pol.non_creditable) nc
                        WHERE position(nc IN x.title) > 0 LIMIT 1) w
    WHERE x.title IS NOT NULL;

    RETURN QUERY
    SELECT format('activities[%s].attendance[%s].%s', x.a, x.p,
                  CASE WHEN t.code IS NULL THEN 'teacher_code' ELSE 'name' END),
           CASE WHEN t.code IS NULL
                THEN format('teacher %s is not in the roster of %s or of any school of the district (add them with yanxiu roster import)',
                            x.code, u.name)
                WHEN yx_role() <> 'school' OR ts.unit_code = p_unit
                THEN format('the roster names teacher %s %s, not %s: check the teacher code',
                            x.code, t.name, x.name)
                ELSE format('the roster has another name for teacher %s than %s: check the teacher code',
                            x.code, x.name) END
    FROM unnest(t_act, t_pos, t_teacher, t_name) AS x(a, p, code, name)
    LEFT JOIN teachers t ON t.district_code = p_district AND t.code = x.code
    LEFT JOIN schools ts ON ts.code = t.school_code
    WHERE x.code IS NOT NULL
      AND (t.code IS NULL OR (x.name IS NOT NULL AND x.name <> '' AND x.name <> t.name))
    ORDER BY x.a, x.p;

    RETURN QUERY
    SELECT format('external[%s].teacher_code', x.i - 1),
           CASE WHEN t.code IS NULL
                THEN format('teacher %s is not in the roster of %s (add them with yanxiu roster import)',
                            x.code, u.name)
                ELSE format('teacher %s belongs to another reporting unit; their external training is reported by that unit',
                            x.code) END
    FROM unnest(e_teacher) WITH ORDINALITY AS x(code, i)
    LEFT JOIN teachers t ON t.district_code = p_district AND t.code = x.code
    LEFT JOIN schools s ON s.code = t.school_code
    WHERE x.code IS NOT NULL AND (t.code IS NULL OR s.unit_code <> p_unit);

    RETURN QUERY
    SELECT format('external[%s].title', x.i - 1),
           format('"%s" is not creditable training (%s, seed 004 第九条)', x.title, w.word)
    FROM unnest(e_title) WITH ORDINALITY AS x(title, i)
    CROSS JOIN LATERAL (SELECT nc AS word FROM unnest(pol.non_creditable) nc
                        WHERE position(nc IN x.title) > 0 LIMIT 1) w
    WHERE x.title IS NOT NULL;
END
$$;

-- Submits one monthly report. Returns the problems (path, reason) and writes
-- nothing, or returns no row having written version N+1; the version then
-- is in the transaction setting yanxiu.report (report id, version, and
-- whether this was a replay of a known idempotency key) for report_submitted.
-- With p_check_only it only checks.
CREATE FUNCTION report_submit(p_district text, p_unit text, p_addr text, p_month date,
    p_key text, p_hash bytea, p_check_only boolean, p_empty boolean, p_reason text,
    p_summary text,
    a_ref text[], a_date date[], a_start time[], a_end time[], a_title text[], a_category text[],
    a_form text[], a_level text[], a_mode text[], a_place text[], a_host text[],
    a_speaker text[], a_hours numeric[],
    t_act int[], t_pos int[], t_teacher text[], t_name text[], t_status text[], t_hours numeric[],
    e_teacher text[], e_date date[], e_title text[], e_category text[], e_level text[],
    e_mode text[], e_hours numeric[], e_credits numeric[], e_cert text[])
RETURNS TABLE (path text, reason text) LANGUAGE plpgsql AS $$
DECLARE
    r reports;
    v report_versions;
    found_problem boolean := false;
    who text := coalesce(current_setting('yanxiu.user', true), '');
    ver int;
    deadline_day int;
    dl timestamptz;
BEGIN
    -- A retry of a submission already made: its answer, nothing written.
    IF NOT p_check_only THEN
        SELECT * INTO v FROM report_versions x WHERE x.district_code = p_district
            AND x.idem_key = p_key;
        IF FOUND THEN
            IF v.payload_hash <> p_hash THEN
                RAISE EXCEPTION 'idempotency key % was already used for a different report (%, version %); a new submission needs a new key',
                    p_key, v.unit_code, v.version USING ERRCODE = 'YXDUP';
            END IF;
            PERFORM set_config('yanxiu.report', format('%s:%s:1', v.report_id, v.version), true);
            RETURN;
        END IF;
    END IF;

    RETURN QUERY SELECT c.path, c.reason FROM report_check(p_district, p_unit, p_month, a_title,
        t_act, t_pos, t_teacher, t_name, e_teacher, e_title) c;
    IF FOUND OR p_check_only THEN
        RETURN;
    END IF;

    -- One submission at a time per unit and month: the row lock serializes them.
    deadline_day := (policy_at(p_district, p_month)).deadline_day;
    dl := ((p_month + interval '1 month' + (deadline_day - 1) * interval '1 day')::timestamp
           + interval '1 day') AT TIME ZONE 'Asia/Shanghai' - interval '1 microsecond';
    INSERT INTO reports (district_code, unit_code, month, status, current_version, deadline,
                         first_submitted_at, on_time, status_by)
    VALUES (p_district, p_unit, p_month, 'submitted', 0, dl, now(), now() <= dl, who)
    ON CONFLICT (district_code, unit_code, month) DO NOTHING;
    SELECT * INTO r FROM reports x WHERE x.district_code = p_district AND x.unit_code = p_unit
        AND x.month = p_month FOR UPDATE;

    -- The same key may have committed while we waited for the lock.
    SELECT * INTO v FROM report_versions x WHERE x.district_code = p_district AND x.idem_key = p_key;
    IF FOUND THEN
        IF v.payload_hash <> p_hash THEN
            RAISE EXCEPTION 'idempotency key % was already used for a different report', p_key
                USING ERRCODE = 'YXDUP';
        END IF;
        PERFORM set_config('yanxiu.report', format('%s:%s:1', v.report_id, v.version), true);
        RETURN;
    END IF;

    IF r.status = 'approved' THEN
        RAISE EXCEPTION 'the report of % for % was approved by % on %; it is locked. Ask the district to reopen it (yanxiu report reopen) before resubmitting',
            p_unit, to_char(p_month, 'YYYY-MM'), r.status_by,
            to_char(r.status_at AT TIME ZONE 'Asia/Shanghai', 'YYYY-MM-DD HH24:MI')
            USING ERRCODE = 'YXPRE';
    END IF;
    IF r.status = 'voided' THEN
        RAISE EXCEPTION 'the report of % for % was voided (不予认定学分) by % on %; it takes no new version unless the district reopens it',
            p_unit, to_char(p_month, 'YYYY-MM'), r.status_by,
            to_char(r.status_at AT TIME ZONE 'Asia/Shanghai', 'YYYY-MM-DD HH24:MI')
            USING ERRCODE = 'YXPRE';
    END IF;

    -- The previous version stops counting; the new one counts, pending review.
    IF r.current_version > 0 AND r.status = 'submitted' THEN
        PERFORM ledger_apply(r.id, r.current_version, -1, false);
    END IF;
    ver := r.current_version + 1;

    INSERT INTO report_versions (report_id, version, district_code, unit_code, idem_key,
        payload_hash, submitted_by, client_addr, empty, reason, summary, activity_count,
        attendance_count, external_count)
    VALUES (r.id, ver, p_district, p_unit, p_key, p_hash, who, p_addr, p_empty,
            coalesce(p_reason, ''), coalesce(p_summary, ''), coalesce(cardinality(a_ref), 0),
            coalesce(cardinality(t_teacher), 0), coalesce(cardinality(e_teacher), 0));

    INSERT INTO activities (report_id, version, idx, district_code, unit_code, ref, date,
        start_time, end_time, title, category, form, level, mode, place, host, speaker, hours)
    SELECT r.id, ver, x.i - 1, p_district, p_unit, x.ref, x.date, x.st, x.en, x.title, x.cat,
           x.form, x.lvl, x.mode, coalesce(x.place, ''), x.host, coalesce(x.speaker, ''), x.hours
    FROM unnest(a_ref, a_date, a_start, a_end, a_title, a_category, a_form, a_level, a_mode,
                a_place, a_host, a_speaker, a_hours)
         WITH ORDINALITY AS x(ref, date, st, en, title, cat, form, lvl, mode, place, host,
                              speaker, hours, i);

    INSERT INTO attendance (report_id, version, act_idx, pos, district_code, unit_code,
                            teacher_code, status, hours)
    SELECT r.id, ver, x.a, x.p, p_district, p_unit, x.code, x.status, x.hours
    FROM unnest(t_act, t_pos, t_teacher, t_status, t_hours) AS x(a, p, code, status, hours);

    INSERT INTO external_records (report_id, version, idx, district_code, unit_code, teacher_code,
        date, title, category, level, mode, hours, credits, certificate)
    SELECT r.id, ver, x.i - 1, p_district, p_unit, x.code, x.date, x.title, x.cat, x.lvl, x.mode,
           x.hours, x.credits, coalesce(x.cert, '')
    FROM unnest(e_teacher, e_date, e_title, e_category, e_level, e_mode, e_hours, e_credits,
                e_cert) WITH ORDINALITY AS x(code, date, title, cat, lvl, mode, hours, credits,
                                             cert, i);

    UPDATE report_versions x
    SET teacher_hours = coalesce((SELECT sum(coalesce(t.hours, a.hours))
                                  FROM activities a
                                  JOIN attendance t ON t.report_id = a.report_id
                                       AND t.version = a.version AND t.act_idx = a.idx
                                  WHERE a.report_id = r.id AND a.version = ver
                                    AND t.status IN ('present', 'late')), 0)
                      + coalesce((SELECT sum(e.hours) FROM external_records e
                                  WHERE e.report_id = r.id AND e.version = ver), 0),
        flag_count = report_compute_flags(r.id, ver)
    WHERE x.report_id = r.id AND x.version = ver;

    UPDATE reports x SET current_version = ver, status = 'submitted', status_at = now(),
        status_by = who
    WHERE x.id = r.id;
    PERFORM ledger_apply(r.id, ver, 1, false);

    INSERT INTO report_events (report_id, district_code, unit_code, action, user_name, version,
                               reason)
    VALUES (r.id, p_district, p_unit, 'submit', who, ver, CASE WHEN p_empty THEN p_reason ELSE '' END);
    PERFORM audit(p_addr, 'report submit', format('%s %s', p_unit, to_char(p_month, 'YYYY-MM')),
                  format('ok: version %s%s', ver, CASE WHEN p_empty THEN ' (empty)' ELSE '' END));
    PERFORM set_config('yanxiu.report', format('%s:%s:0', r.id, ver), true);
END
$$;

-- The version report_submit wrote or replayed in this transaction.
CREATE FUNCTION report_submitted() RETURNS TABLE (report_id bigint, version int, replayed boolean)
LANGUAGE sql STABLE AS $$
    SELECT split_part(s, ':', 1)::bigint, split_part(s, ':', 2)::int, split_part(s, ':', 3) = '1'
    FROM nullif(current_setting('yanxiu.report', true), '') AS s
$$;

-- ---- review ------------------------------------------------------------------
-- approve (submitted → approved, locked), return (submitted → returned),
-- reopen (approved or voided → reopened), void (any → voided, 不予认定学分).
-- The ledger follows. Sets yanxiu.report like report_submit.
CREATE FUNCTION report_review(p_district text, p_unit text, p_month date, p_action text,
    p_reason text, p_addr text) RETURNS void LANGUAGE plpgsql AS $$
DECLARE
    r reports;
    who text := coalesce(current_setting('yanxiu.user', true), '');
    m text := to_char(p_month, 'YYYY-MM');
    next_status text;
BEGIN
    SELECT * INTO r FROM reports x WHERE x.district_code = p_district AND x.unit_code = p_unit
        AND x.month = p_month FOR UPDATE;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'unit % has no report for % (yanxiu report list shows what arrived)',
            p_unit, m USING ERRCODE = 'YXNFD';
    END IF;
    IF p_action = 'approve' AND r.status <> 'submitted' THEN
        RAISE EXCEPTION 'the report of % for % is %, not submitted: only a submitted report is approved',
            p_unit, m, r.status USING ERRCODE = 'YXPRE';
    ELSIF p_action = 'return' AND r.status <> 'submitted' THEN
        RAISE EXCEPTION 'the report of % for % is %, not submitted: only a submitted report is returned (an approved one is reopened)',
            p_unit, m, r.status USING ERRCODE = 'YXPRE';
    ELSIF p_action = 'reopen' AND r.status NOT IN ('approved', 'voided') THEN
        RAISE EXCEPTION 'the report of % for % is %: only an approved or voided report is reopened',
            p_unit, m, r.status USING ERRCODE = 'YXPRE';
    ELSIF p_action = 'void' AND r.status = 'voided' THEN
        RAISE EXCEPTION 'the report of % for % is already voided', p_unit, m USING ERRCODE = 'YXPRE';
    END IF;

    IF r.status = 'submitted' THEN
        PERFORM ledger_apply(r.id, r.current_version, -1, false);
    ELSIF r.status = 'approved' THEN
        PERFORM ledger_apply(r.id, r.current_version, -1, true);
    END IF;
    next_status := CASE p_action WHEN 'approve' THEN 'approved' WHEN 'return' THEN 'returned'
                                 WHEN 'reopen' THEN 'reopened' ELSE 'voided' END;
    IF next_status = 'approved' THEN
        PERFORM ledger_apply(r.id, r.current_version, 1, true);
    END IF;

    UPDATE reports x SET status = next_status, status_at = now(), status_by = who WHERE x.id = r.id;
    INSERT INTO report_events (report_id, district_code, unit_code, action, user_name, version,
                               reason)
    VALUES (r.id, p_district, p_unit, p_action, who, r.current_version, coalesce(p_reason, ''));
    PERFORM audit(p_addr, 'report ' || p_action, format('%s %s', p_unit, m),
                  CASE WHEN coalesce(p_reason, '') = '' THEN 'ok' ELSE 'ok: ' || p_reason END);
    PERFORM set_config('yanxiu.report', format('%s:%s:0', r.id, r.current_version), true);
END
$$;

-- What version p_version changed against the version before it.
CREATE FUNCTION report_diff(p_report bigint, p_version int)
RETURNS TABLE (added text, removed text, att_added int, att_removed int, hours_delta numeric)
LANGUAGE sql STABLE AS $$
    WITH a_new AS (SELECT ref FROM activities WHERE report_id = p_report AND version = p_version),
    a_old AS (SELECT ref FROM activities WHERE report_id = p_report AND version = p_version - 1),
    t_new AS (SELECT a.ref, t.teacher_code FROM attendance t
              JOIN activities a ON a.report_id = t.report_id AND a.version = t.version
                               AND a.idx = t.act_idx
              WHERE t.report_id = p_report AND t.version = p_version),
    t_old AS (SELECT a.ref, t.teacher_code FROM attendance t
              JOIN activities a ON a.report_id = t.report_id AND a.version = t.version
                               AND a.idx = t.act_idx
              WHERE t.report_id = p_report AND t.version = p_version - 1)
    SELECT coalesce((SELECT string_agg(ref, E'\n' ORDER BY ref)
                     FROM (SELECT ref FROM a_new EXCEPT SELECT ref FROM a_old) x), ''),
           coalesce((SELECT string_agg(ref, E'\n' ORDER BY ref)
                     FROM (SELECT ref FROM a_old EXCEPT SELECT ref FROM a_new) x), ''),
           (SELECT count(*)::int FROM (SELECT * FROM t_new EXCEPT SELECT * FROM t_old) x),
           (SELECT count(*)::int FROM (SELECT * FROM t_old EXCEPT SELECT * FROM t_new) x),
           (SELECT n.teacher_hours - o.teacher_hours FROM report_versions n, report_versions o
            WHERE n.report_id = p_report AND n.version = p_version
              AND o.report_id = p_report AND o.version = p_version - 1)
    WHERE p_version > 1
$$;

REVOKE ALL ON FUNCTION report_compute_flags FROM PUBLIC;
GRANT EXECUTE ON FUNCTION policy_defaults, policy_at, yx_can_see_unit, ledger_rows, ledger_apply,
    report_compute_flags, report_check, report_submit, report_submitted, report_review,
    report_diff TO yanxiu_app;
GRANT SELECT ON ledger_expected TO yanxiu_app;
