-- sql/functions/compliance.sql: compliance of teachers against the policy, the reporting matrix.
-- Only function definitions and their grants, all re-applied by every
-- `yanxiud migrate` (README "Schema and migrations").

-- Whole months of [p_start, p_end] completed by the end of day p_as_of.
CREATE OR REPLACE FUNCTION months_elapsed(p_start date, p_end date, p_as_of date) RETURNS int
LANGUAGE sql IMMUTABLE AS $$
    SELECT CASE WHEN p_as_of < p_start THEN 0
                WHEN p_as_of >= p_end THEN
                    (extract(year FROM age(p_end + 1, p_start)) * 12
                     + extract(month FROM age(p_end + 1, p_start)))::int
                ELSE (extract(year FROM age(p_as_of + 1, p_start)) * 12
                      + extract(month FROM age(p_as_of + 1, p_start)))::int END
$$;

-- One reason of a status: rule, needed, had (the daemon splits on \x1f and \x1e).
CREATE OR REPLACE FUNCTION yx_reason(rule text, needed numeric, had numeric) RETURNS text
LANGUAGE sql IMMUTABLE AS $$ SELECT rule || E'\x1f' || needed::text || E'\x1f' || had::text $$;

-- The windows of year p_year and of its cycle under policy pol.
CREATE OR REPLACE FUNCTION compliance_windows(pol policies, p_year int,
    OUT y_start date, OUT y_end date, OUT c_start date, OUT c_end date, OUT c_label text)
LANGUAGE plpgsql IMMUTABLE AS $$
DECLARE
    c_first int := pol.cycle_first_year
        + floor((p_year - pol.cycle_first_year)::numeric / pol.cycle_years)::int * pol.cycle_years;
BEGIN
    IF pol.year_basis = 'school' THEN
        y_start := make_date(p_year, 9, 1);
        y_end := make_date(p_year + 1, 8, 31);
        c_start := make_date(c_first, 9, 1);
        c_end := make_date(c_first + pol.cycle_years, 8, 31);
    ELSE
        y_start := make_date(p_year, 1, 1);
        y_end := make_date(p_year, 12, 31);
        c_start := make_date(c_first, 1, 1);
        c_end := make_date(c_first + pol.cycle_years - 1, 12, 31);
    END IF;
    c_label := format('%s-%s', c_first, c_first + pol.cycle_years - 1);
END
$$;

-- ---- kept with ledger_months (018, 019) -----------------------------------------
-- A report's change of a teacher's years as deltas (rows of ledger_years' shape: pending
-- or approved, a removed row negated), to compliance_years (one row per teacher x basis x
-- year: pending + approved and approved only side by side) and compliance_cycles (per
-- teacher x basis x cycle, for each cycle compliance_kinds names), under the bases the
-- district keeps (compliance_bases; the deltas of the others are dropped here, after the
-- lock). Called by ledger_move (sql/functions/ledger.sql) in the transaction that changes
-- the report. The shared lock keeps a policy's rebuild of the years and cycles (which
-- takes it exclusively, as policy_set does) from missing a change committed after its
-- snapshot, and this call from reading the bases before such a rebuild commits.
CREATE OR REPLACE FUNCTION compliance_apply(d ledger_years[]) RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
    IF cardinality(d) = 0 THEN
        RETURN;
    END IF;
    PERFORM pg_advisory_xact_lock_shared(hashtext('policy ' || x.district_code))
    FROM (SELECT DISTINCT district_code FROM unnest(d) ORDER BY 1) x;
    WITH kb AS MATERIALIZED (
        SELECT dd.district_code, b.basis
        FROM (SELECT DISTINCT district_code FROM unnest(d)) dd,
             LATERAL compliance_bases(dd.district_code) b),
    x AS (SELECT u.* FROM unnest(d) u
          JOIN kb ON kb.district_code = u.district_code AND kb.basis = u.basis),
    y AS (
        INSERT INTO compliance_years AS c
        SELECT x.district_code, x.basis, x.year, x.teacher_code,
               sum(x.hours), sum(x.school_hours), sum(x.ethics_hours), sum(x.centralized_hours),
               sum(x.homeroom_hours), sum(x.credit_hours), sum(x.credits), sum(x.absences),
               coalesce(sum(x.hours) FILTER (WHERE x.approved), 0),
               coalesce(sum(x.school_hours) FILTER (WHERE x.approved), 0),
               coalesce(sum(x.ethics_hours) FILTER (WHERE x.approved), 0),
               coalesce(sum(x.centralized_hours) FILTER (WHERE x.approved), 0),
               coalesce(sum(x.homeroom_hours) FILTER (WHERE x.approved), 0),
               coalesce(sum(x.credit_hours) FILTER (WHERE x.approved), 0),
               coalesce(sum(x.credits) FILTER (WHERE x.approved), 0),
               coalesce(sum(x.absences) FILTER (WHERE x.approved), 0)
        FROM x
        GROUP BY 1, 2, 3, 4
        ORDER BY 1, 2, 3, 4
        ON CONFLICT (district_code, basis, year, teacher_code)
        DO UPDATE SET hours = c.hours + excluded.hours,
                      school_hours = c.school_hours + excluded.school_hours,
                      ethics_hours = c.ethics_hours + excluded.ethics_hours,
                      centralized_hours = c.centralized_hours + excluded.centralized_hours,
                      homeroom_hours = c.homeroom_hours + excluded.homeroom_hours,
                      credit_hours = c.credit_hours + excluded.credit_hours,
                      credits = c.credits + excluded.credits,
                      absences = c.absences + excluded.absences,
                      a_hours = c.a_hours + excluded.a_hours,
                      a_school_hours = c.a_school_hours + excluded.a_school_hours,
                      a_ethics_hours = c.a_ethics_hours + excluded.a_ethics_hours,
                      a_centralized_hours = c.a_centralized_hours + excluded.a_centralized_hours,
                      a_homeroom_hours = c.a_homeroom_hours + excluded.a_homeroom_hours,
                      a_credit_hours = c.a_credit_hours + excluded.a_credit_hours,
                      a_credits = c.a_credits + excluded.a_credits,
                      a_absences = c.a_absences + excluded.a_absences
        RETURNING 1),
    -- the district's cycles (compliance_kinds, here in one statement): the defaults' and
    -- those of its policies, looked up once per district
    k AS MATERIALIZED (
        SELECT DISTINCT dd.district_code, kk.cycle_years, mod(kk.cycle_first_year, kk.cycle_years) AS anchor
        FROM (SELECT DISTINCT district_code FROM x) dd,
             LATERAL (SELECT (policy_defaults('')).cycle_years,
                             (policy_defaults('')).cycle_first_year
                      UNION ALL
                      SELECT p.cycle_years, p.cycle_first_year
                      FROM policies p WHERE p.district_code = dd.district_code) kk)
    INSERT INTO compliance_cycles AS c
    SELECT x.district_code, x.basis, k.cycle_years,
           compliance_cycle_first(x.year, k.cycle_years, k.anchor), x.teacher_code,
           sum(x.hours), sum(x.ethics_hours), sum(x.centralized_hours), sum(x.homeroom_hours),
           coalesce(sum(x.hours) FILTER (WHERE x.approved), 0),
           coalesce(sum(x.ethics_hours) FILTER (WHERE x.approved), 0),
           coalesce(sum(x.centralized_hours) FILTER (WHERE x.approved), 0),
           coalesce(sum(x.homeroom_hours) FILTER (WHERE x.approved), 0)
    FROM x JOIN k ON k.district_code = x.district_code
    GROUP BY 1, 2, 3, 4, 5
    ORDER BY 1, 2, 3, 4, 5
    ON CONFLICT (district_code, basis, cycle_years, cycle_first, teacher_code)
    DO UPDATE SET hours = c.hours + excluded.hours,
                  ethics_hours = c.ethics_hours + excluded.ethics_hours,
                  centralized_hours = c.centralized_hours + excluded.centralized_hours,
                  homeroom_hours = c.homeroom_hours + excluded.homeroom_hours,
                  a_hours = c.a_hours + excluded.a_hours,
                  a_ethics_hours = c.a_ethics_hours + excluded.a_ethics_hours,
                  a_centralized_hours = c.a_centralized_hours + excluded.a_centralized_hours,
                  a_homeroom_hours = c.a_homeroom_hours + excluded.a_homeroom_hours;
END
$$;

-- The years and cycles of those districts of p_districts whose kept bases are no longer
-- those compliance_bases names (a policy added or removed a basis) counted again from
-- ledger_months; returns those districts (their cycles are counted with their years). The
-- exclusive lock waits for the submissions in flight (compliance_apply holds it shared) and
-- keeps new ones out until this transaction ends.
CREATE OR REPLACE FUNCTION compliance_rebuild_years(p_districts text[], OUT todo text[])
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
    PERFORM pg_advisory_xact_lock(hashtext('policy ' || x.d))
    FROM (SELECT DISTINCT d FROM unnest(p_districts) AS u(d) ORDER BY 1) x;
    -- a basis kept and not named, or named and not kept (two probes of the key a district)
    todo := array(
        SELECT dd.d FROM (SELECT DISTINCT d FROM unnest(p_districts) AS u(d)) dd
        WHERE EXISTS (
            SELECT 1 FROM (VALUES ('calendar'), ('school')) AS b(basis)
            WHERE (b.basis IN (SELECT k.basis FROM compliance_bases(dd.d) k))
                  <> EXISTS (SELECT 1 FROM compliance_years y
                             WHERE y.district_code = dd.d AND y.basis = b.basis)));
    IF cardinality(todo) = 0 THEN
        RETURN;
    END IF;
    -- the years (and their cycles) as one delta from nothing, written as a submission writes
    -- them (compliance_apply: the kept bases only; this transaction holds the lock already)
    DELETE FROM compliance_years WHERE district_code = ANY (todo);
    DELETE FROM compliance_cycles WHERE district_code = ANY (todo);
    PERFORM compliance_apply(array(
        SELECT (m.district_code, m.teacher_code, b.basis, compliance_year_of(b.basis, m.month),
                m.approved, sum(m.hours), sum(m.school_hours), sum(m.ethics_hours),
                sum(m.centralized_hours), sum(m.homeroom_hours), sum(m.credit_hours),
                sum(m.credits), sum(m.absences))::ledger_years
        FROM unnest(todo) AS dd(d)
        CROSS JOIN LATERAL compliance_bases(dd.d) b
        JOIN ledger_months m ON m.district_code = dd.d
        GROUP BY m.district_code, m.teacher_code, b.basis, compliance_year_of(b.basis, m.month),
                 m.approved));
END
$$;

-- The cycles of districts p_districts counted again from compliance_years, for the
-- cycles their policies now name (a policy changed: cycle_years, cycle_first_year).
CREATE OR REPLACE FUNCTION compliance_rebuild_cycles(p_districts text[]) RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
    PERFORM pg_advisory_xact_lock(hashtext('policy ' || x.d))
    FROM (SELECT DISTINCT d FROM unnest(p_districts) AS u(d) ORDER BY 1) x;
    DELETE FROM compliance_cycles WHERE district_code = ANY (p_districts);
    INSERT INTO compliance_cycles
    SELECT y.district_code, y.basis, k.cycle_years,
           compliance_cycle_first(y.year, k.cycle_years, k.anchor), y.teacher_code,
           sum(y.hours), sum(y.ethics_hours), sum(y.centralized_hours), sum(y.homeroom_hours),
           sum(y.a_hours), sum(y.a_ethics_hours), sum(y.a_centralized_hours),
           sum(y.a_homeroom_hours)
    FROM (SELECT DISTINCT d FROM unnest(p_districts) AS u(d)) dd
    CROSS JOIN LATERAL compliance_kinds(dd.d) k
    JOIN compliance_years y ON y.district_code = dd.d
    GROUP BY 1, 2, 3, 4, 5;
END
$$;

-- What a rule asks by now: the whole target once its period (a year, a cycle) is over,
-- else the target pro rata of the months elapsed of the period's months, to 0.1 hour.
-- The same for every teacher of a view: compliance_teacher_rows and
-- compliance_unit_counts compute each once a call.
CREATE OR REPLACE FUNCTION compliance_pro_rata(p_target numeric, p_elapsed int, p_months int,
                                               p_over boolean)
RETURNS numeric LANGUAGE sql IMMUTABLE AS $$
    SELECT CASE WHEN p_over THEN p_target ELSE round(p_target * p_elapsed / p_months, 1) END
$$;

-- ---- the views read the roll-up -------------------------------------------------
-- As in 006; when no month after the as-of day can hold hours (use_years) the sums are
-- read, one row per teacher, from compliance_years and compliance_cycles (018), else
-- summed from ledger_months for the teachers asked for. Without p_cycle the cycle's
-- columns are NULL and compliance_cycles is not read (the year's status and the unit and
-- group views need no cycle): the rows are narrower in the result store, the caller's
-- sort and the text sent (issue 14, tests/bench/compliance-bench.sh).
CREATE OR REPLACE FUNCTION compliance_teacher_rows(p_district text, p_year int, p_as_of date,
    p_approved_only boolean, p_unit text, p_school text, p_cycle boolean)
RETURNS TABLE (teacher_code text, name text, unit_code text, school_code text,
    research_group text, homeroom boolean, hours numeric, school_hours numeric,
    ethics_hours numeric, centralized_hours numeric, homeroom_hours numeric, credits numeric,
    absences int, status text, reasons text, school_short boolean, cycle text,
    cycle_hours numeric, cycle_ethics_hours numeric, cycle_centralized_hours numeric,
    cycle_homeroom_hours numeric, cycle_status text, cycle_reasons text)
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = public, pg_temp
-- a city's 50 000 teachers hashed in memory, not in batches on disk (4 MB by default)
SET plan_cache_mode = force_custom_plan SET work_mem = '32MB' AS $$
DECLARE
    pol policies := policy_for_year(p_district, p_year, p_as_of);
    w record;
    y_m int;
    c_m int;
    y_over boolean;
    c_over boolean;
    c_months int;
    c_first int;
    use_years boolean;
    -- what each rule needs now: the whole target once the period is over, else the
    -- target pro rata of the months elapsed (the same for every teacher)
    n_hours numeric;
    n_school numeric;
    n_credits numeric;
    n_c_hours numeric;
    n_c_ethics numeric;
    n_c_central numeric;
    n_c_homeroom numeric;
BEGIN
    -- SECURITY DEFINER: under the row-level wall the planner cannot know whose
    -- rows the wall lets through, guessed a handful of teachers where there were
    -- 8 000, and joined them row by row: 7.8 s for one district of a province
    -- (tests/bench/province-views.sh). The wall is checked here instead, and
    -- every row below is of p_district (and of p_unit when given).
    IF NOT yx_can_see_scope(p_district, p_unit) THEN
        RAISE EXCEPTION USING ERRCODE = 'YXPRM', MESSAGE = 'compliance_not_yours',
            DETAIL = json_build_object('district', p_district, 'unit', p_unit)::text;
    END IF;
    w := compliance_windows(pol, p_year);
    y_m := months_elapsed(w.y_start, w.y_end, p_as_of);
    c_m := months_elapsed(w.c_start, w.c_end, p_as_of);
    c_months := pol.cycle_years * 12;
    y_over := p_as_of >= w.y_end;
    c_over := p_as_of >= w.c_end;
    c_first := extract(year FROM w.c_start)::int;
    n_hours := compliance_pro_rata(pol.hours_year, y_m, 12, y_over);
    n_school := compliance_pro_rata(pol.school_hours_year, y_m, 12, y_over);
    n_credits := compliance_pro_rata(pol.credits_year, y_m, 12, y_over);
    n_c_hours := compliance_pro_rata(pol.hours_cycle, c_m, c_months, c_over);
    n_c_ethics := compliance_pro_rata(pol.ethics_hours_cycle, c_m, c_months, c_over);
    n_c_central := compliance_pro_rata(pol.centralized_hours_cycle, c_m, c_months, c_over);
    n_c_homeroom := compliance_pro_rata(pol.homeroom_hours_cycle, c_m, c_months, c_over);
    -- The yearly roll-up holds every month of a year; it answers when no month
    -- after p_as_of can hold hours (p_as_of is today or later in Asia/Shanghai,
    -- and months after the current one cannot be reported) or the cycle is over.
    use_years := p_as_of >= (now() AT TIME ZONE 'Asia/Shanghai')::date OR c_over;
    RETURN QUERY
    -- the teachers asked for, when a unit or a school narrows the view
    WITH mine AS (
        SELECT t.code FROM teachers t JOIN schools s ON s.code = t.school_code
        WHERE t.district_code = p_district AND (p_unit = '' OR s.unit_code = p_unit)
          AND (p_school = '' OR t.school_code = p_school)),
    sums AS (
        SELECT l.teacher_code,
               coalesce(sum(l.hours) FILTER (WHERE l.month BETWEEN w.y_start AND w.y_end), 0) AS y_hours,
               coalesce(sum(l.school_hours) FILTER (WHERE l.month BETWEEN w.y_start AND w.y_end), 0) AS y_school,
               coalesce(sum(l.ethics_hours) FILTER (WHERE l.month BETWEEN w.y_start AND w.y_end), 0) AS y_ethics,
               coalesce(sum(l.centralized_hours) FILTER (WHERE l.month BETWEEN w.y_start AND w.y_end), 0) AS y_central,
               coalesce(sum(l.homeroom_hours) FILTER (WHERE l.month BETWEEN w.y_start AND w.y_end), 0) AS y_homeroom,
               coalesce(sum(l.credits + l.credit_hours * pol.credit_factor)
                        FILTER (WHERE l.month BETWEEN w.y_start AND w.y_end), 0) AS y_credits,
               coalesce(sum(l.absences) FILTER (WHERE l.month BETWEEN w.y_start AND w.y_end), 0)::int AS y_absences,
               sum(l.hours) AS c_hours, sum(l.ethics_hours) AS c_ethics,
               sum(l.centralized_hours) AS c_central, sum(l.homeroom_hours) AS c_homeroom
        FROM ledger_months l
        WHERE NOT use_years AND l.district_code = p_district
          -- a year lies inside its cycle: the cycle's months hold the year's
          AND l.month >= w.c_start AND l.month <= least(w.c_end, p_as_of)
          AND (NOT p_approved_only OR l.approved)
          AND ((p_unit = '' AND p_school = '') OR l.teacher_code IN (SELECT m.code FROM mine m))
        GROUP BY l.teacher_code),
    base AS (
        SELECT t.code, t.name, s.unit_code, t.school_code, t.research_group, t.homeroom,
               t.status AS tstatus,
               coalesce(x.y_hours, y.hours, 0) AS y_hours,
               coalesce(x.y_school, y.school_hours, 0) AS y_school,
               coalesce(x.y_ethics, y.ethics_hours, 0) AS y_ethics,
               coalesce(x.y_central, y.centralized_hours, 0) AS y_central,
               coalesce(x.y_homeroom, y.homeroom_hours, 0) AS y_homeroom,
               coalesce(x.y_credits, y.credits, 0) AS y_credits,
               coalesce(x.y_absences, y.absences, 0) AS y_absences,
               coalesce(x.c_hours, c.hours, 0) AS c_hours,
               coalesce(x.c_ethics, c.ethics_hours, 0) AS c_ethics,
               coalesce(x.c_central, c.centralized_hours, 0) AS c_central,
               coalesce(x.c_homeroom, c.homeroom_hours, 0) AS c_homeroom
        FROM teachers t
        JOIN schools s ON s.code = t.school_code
        LEFT JOIN sums x ON x.teacher_code = t.code
        -- the sums kept per teacher (018) when they answer (use_years): the year's row and
        -- the cycle's row, by key (one unit's teachers are looked up, not the district's
        -- rows filtered)
        LEFT JOIN (
            SELECT k.teacher_code,
                   CASE WHEN p_approved_only THEN k.a_hours ELSE k.hours END AS hours,
                   CASE WHEN p_approved_only THEN k.a_school_hours ELSE k.school_hours END
                       AS school_hours,
                   CASE WHEN p_approved_only THEN k.a_ethics_hours ELSE k.ethics_hours END
                       AS ethics_hours,
                   CASE WHEN p_approved_only THEN k.a_centralized_hours
                        ELSE k.centralized_hours END AS centralized_hours,
                   CASE WHEN p_approved_only THEN k.a_homeroom_hours ELSE k.homeroom_hours END
                       AS homeroom_hours,
                   CASE WHEN p_approved_only THEN k.a_credits + k.a_credit_hours * pol.credit_factor
                        ELSE k.credits + k.credit_hours * pol.credit_factor END AS credits,
                   CASE WHEN p_approved_only THEN k.a_absences ELSE k.absences END AS absences
            FROM compliance_years k
            WHERE use_years AND k.district_code = p_district AND k.basis = pol.year_basis
              AND k.year = p_year) y ON y.teacher_code = t.code
        LEFT JOIN (
            SELECT k.teacher_code,
                   CASE WHEN p_approved_only THEN k.a_hours ELSE k.hours END AS hours,
                   CASE WHEN p_approved_only THEN k.a_ethics_hours ELSE k.ethics_hours END
                       AS ethics_hours,
                   CASE WHEN p_approved_only THEN k.a_centralized_hours
                        ELSE k.centralized_hours END AS centralized_hours,
                   CASE WHEN p_approved_only THEN k.a_homeroom_hours ELSE k.homeroom_hours END
                       AS homeroom_hours
            FROM compliance_cycles k
            WHERE use_years AND p_cycle AND k.district_code = p_district AND k.basis = pol.year_basis
              AND k.cycle_years = pol.cycle_years AND k.cycle_first = c_first) c
            ON c.teacher_code = t.code
        WHERE t.district_code = p_district AND t.status <> 'left'
          AND (p_unit = '' OR s.unit_code = p_unit) AND (p_school = '' OR t.school_code = p_school)),
    -- whether each set of rules is met; the reasons are written out only
    -- where the answer shows them (most teachers need none)
    judged AS (
        SELECT n.*,
               (n.y_hours >= pol.hours_year AND n.y_school >= pol.school_hours_year
                AND (NOT pol.credits_enabled OR n.y_credits >= pol.credits_year)
                AND n.y_absences < pol.absence_limit) AS full_ok,
               (n.y_hours >= n_hours AND n.y_school >= n_school
                AND (NOT pol.credits_enabled OR n.y_credits >= n_credits)) AS pace_ok,
               (p_cycle AND n.c_hours >= pol.hours_cycle AND n.c_ethics >= pol.ethics_hours_cycle
                AND n.c_central >= pol.centralized_hours_cycle
                AND (NOT n.homeroom OR n.c_homeroom >= pol.homeroom_hours_cycle)) AS c_full_ok,
               (p_cycle AND n.c_hours >= n_c_hours AND n.c_ethics >= n_c_ethics
                AND n.c_central >= n_c_central
                AND (NOT n.homeroom OR n.c_homeroom >= n_c_homeroom)) AS c_pace_ok
        -- OFFSET 0: each test once per teacher, not once per use below
        FROM base n OFFSET 0)
    SELECT j.code, j.name, j.unit_code, j.school_code, j.research_group, j.homeroom,
           j.y_hours, j.y_school, j.y_ethics, j.y_central, j.y_homeroom, j.y_credits, j.y_absences,
           CASE WHEN j.tstatus = 'exempt' THEN 'exempt'
                WHEN j.y_absences >= pol.absence_limit THEN 'non_compliant'
                WHEN j.full_ok THEN 'compliant'
                WHEN y_over THEN 'non_compliant'
                WHEN j.pace_ok THEN 'on_track'
                ELSE 'behind' END,
           CASE WHEN j.tstatus = 'exempt' OR j.full_ok THEN ''
                -- the year's rules against the full targets
                WHEN j.y_absences >= pol.absence_limit OR y_over
                THEN concat_ws(E'\x1e',
                       CASE WHEN j.y_hours < pol.hours_year THEN yx_reason('hours_year', pol.hours_year, j.y_hours) END,
                       CASE WHEN j.y_school < pol.school_hours_year
                            THEN yx_reason('school_hours_year', pol.school_hours_year, j.y_school) END,
                       CASE WHEN pol.credits_enabled AND j.y_credits < pol.credits_year
                            THEN yx_reason('credits_year', pol.credits_year, j.y_credits) END,
                       CASE WHEN j.y_absences >= pol.absence_limit
                            THEN yx_reason('unexcused_absences', pol.absence_limit - 1, j.y_absences) END
                   )
                WHEN j.pace_ok THEN ''
                -- the same rules pro rata
                ELSE concat_ws(E'\x1e',
                       CASE WHEN j.y_hours < n_hours THEN yx_reason('hours_year', n_hours, j.y_hours) END,
                       CASE WHEN j.y_school < n_school THEN yx_reason('school_hours_year', n_school, j.y_school) END,
                       CASE WHEN pol.credits_enabled AND j.y_credits < n_credits
                            THEN yx_reason('credits_year', n_credits, j.y_credits) END
                   ) END,
           j.tstatus <> 'exempt' AND j.y_school < n_school,
           CASE WHEN p_cycle THEN w.c_label END, CASE WHEN p_cycle THEN j.c_hours END,
           CASE WHEN p_cycle THEN j.c_ethics END, CASE WHEN p_cycle THEN j.c_central END,
           CASE WHEN p_cycle THEN j.c_homeroom END,
           CASE WHEN NOT p_cycle THEN NULL
                WHEN j.tstatus = 'exempt' THEN 'exempt'
                WHEN j.c_full_ok THEN 'compliant'
                WHEN c_over THEN 'non_compliant'
                WHEN j.c_pace_ok THEN 'on_track'
                ELSE 'behind' END,
           CASE WHEN NOT p_cycle THEN NULL
                WHEN j.tstatus = 'exempt' OR j.c_full_ok THEN ''
                WHEN c_over
                THEN concat_ws(E'\x1e',
                       CASE WHEN j.c_hours < pol.hours_cycle THEN yx_reason('hours_cycle', pol.hours_cycle, j.c_hours) END,
                       CASE WHEN j.c_ethics < pol.ethics_hours_cycle
                            THEN yx_reason('ethics_hours_cycle', pol.ethics_hours_cycle, j.c_ethics) END,
                       CASE WHEN j.c_central < pol.centralized_hours_cycle
                            THEN yx_reason('centralized_hours_cycle', pol.centralized_hours_cycle, j.c_central) END,
                       CASE WHEN j.homeroom AND j.c_homeroom < pol.homeroom_hours_cycle
                            THEN yx_reason('homeroom_hours_cycle', pol.homeroom_hours_cycle, j.c_homeroom) END
                   )
                ELSE concat_ws(E'\x1e',
                       CASE WHEN j.c_hours < n_c_hours THEN yx_reason('hours_cycle', n_c_hours, j.c_hours) END,
                       CASE WHEN j.c_ethics < n_c_ethics THEN yx_reason('ethics_hours_cycle', n_c_ethics, j.c_ethics) END,
                       CASE WHEN j.c_central < n_c_central
                            THEN yx_reason('centralized_hours_cycle', n_c_central, j.c_central) END,
                       CASE WHEN j.homeroom AND j.c_homeroom < n_c_homeroom
                            THEN yx_reason('homeroom_hours_cycle', n_c_homeroom, j.c_homeroom) END
                   ) END
    -- unordered: every caller orders the rows its own way (sorting here too cost a third)
    FROM judged j;
END
$$;

-- Every column, the cycle's too (assessment.sql, role_forgery.sh). LANGUAGE sql, neither
-- SECURITY DEFINER nor SET: inlined into the caller's query, so the rows are stored once
-- (by compliance_teacher_rows), not once more here.
CREATE OR REPLACE FUNCTION compliance_teachers(p_district text, p_year int, p_as_of date,
    p_approved_only boolean, p_unit text, p_school text)
RETURNS TABLE (teacher_code text, name text, unit_code text, school_code text,
    research_group text, homeroom boolean, hours numeric, school_hours numeric,
    ethics_hours numeric, centralized_hours numeric, homeroom_hours numeric, credits numeric,
    absences int, status text, reasons text, school_short boolean, cycle text,
    cycle_hours numeric, cycle_ethics_hours numeric, cycle_centralized_hours numeric,
    cycle_homeroom_hours numeric, cycle_status text, cycle_reasons text)
LANGUAGE sql STABLE AS $$
    SELECT * FROM compliance_teacher_rows(p_district, p_year, p_as_of, p_approved_only, p_unit,
                                          p_school, true)
$$;

-- Per unit of district p_district (or unit p_unit alone), its teachers by status of year
-- p_year as compliance_teachers judges them, in one pass over the kept rows when they can
-- answer (compliance_years: the year's status needs no cycle), else from compliance_teachers.
CREATE OR REPLACE FUNCTION compliance_unit_counts(p_district text, p_year int, p_as_of date,
    p_approved_only boolean, p_unit text)
RETURNS TABLE (unit_code text, teachers bigint, compliant bigint, on_track bigint,
               behind bigint, non_compliant bigint, exempt bigint)
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = public, pg_temp
SET plan_cache_mode = force_custom_plan SET work_mem = '32MB' SET enable_seqscan = off AS $$
DECLARE
    pol policies := policy_for_year(p_district, p_year, p_as_of);
    w record;
    y_m int;
    y_over boolean;
    n_hours numeric;
    n_school numeric;
    n_credits numeric;
BEGIN
    IF NOT yx_can_see_scope(p_district, p_unit) THEN
        RAISE EXCEPTION USING ERRCODE = 'YXPRM', MESSAGE = 'compliance_not_yours',
            DETAIL = json_build_object('district', p_district, 'unit', p_unit)::text;
    END IF;
    w := compliance_windows(pol, p_year);
    -- as compliance_teachers: the kept rows answer when no month after p_as_of can hold hours
    IF NOT (p_as_of >= (now() AT TIME ZONE 'Asia/Shanghai')::date OR p_as_of >= w.c_end) THEN
        RETURN QUERY
        SELECT t.unit_code, count(*), count(*) FILTER (WHERE t.status = 'compliant'),
               count(*) FILTER (WHERE t.status = 'on_track'),
               count(*) FILTER (WHERE t.status = 'behind'),
               count(*) FILTER (WHERE t.status = 'non_compliant'),
               count(*) FILTER (WHERE t.status = 'exempt')
        FROM compliance_teacher_rows(p_district, p_year, p_as_of, p_approved_only, p_unit, '',
                                     false) t
        GROUP BY t.unit_code;
        RETURN;
    END IF;
    y_m := months_elapsed(w.y_start, w.y_end, p_as_of);
    y_over := p_as_of >= w.y_end;
    n_hours := compliance_pro_rata(pol.hours_year, y_m, 12, y_over);
    n_school := compliance_pro_rata(pol.school_hours_year, y_m, 12, y_over);
    n_credits := compliance_pro_rata(pol.credits_year, y_m, 12, y_over);
    -- Counted per school and status (1 compliant, 2 on track, 3 behind, 4 non-compliant,
    -- 5 exempt; tested once per teacher as compliance_teacher_rows writes it): one count
    -- per row, not one FILTER per status; then the schools' counts (a few per school, not
    -- a row per teacher) joined to schools and summed per unit. The year's rows are read
    -- by their key (SET enable_seqscan off): a city's compliance_years (68 MB, more than a
    -- quarter of a default 128 MB shared_buffers) read whole went through a ring of 256 kB
    -- and came again from the OS at every call, 150 000 rows of other years filtered out
    -- (141 ms cold); by the index only the year's rows and their pages (16 ms).
    RETURN QUERY
    SELECT s.unit_code, sum(c.n)::bigint, coalesce(sum(c.n) FILTER (WHERE c.st = 1), 0)::bigint,
           coalesce(sum(c.n) FILTER (WHERE c.st = 2), 0)::bigint,
           coalesce(sum(c.n) FILTER (WHERE c.st = 3), 0)::bigint,
           coalesce(sum(c.n) FILTER (WHERE c.st = 4), 0)::bigint,
           coalesce(sum(c.n) FILTER (WHERE c.st = 5), 0)::bigint
    FROM (
        SELECT v.school_code,
               CASE WHEN v.tstatus = 'exempt' THEN 5
                    WHEN v.y_absences >= pol.absence_limit THEN 4
                    WHEN v.y_hours >= pol.hours_year AND v.y_school >= pol.school_hours_year
                         AND (NOT pol.credits_enabled OR v.y_credits >= pol.credits_year)
                    THEN 1
                    WHEN y_over THEN 4
                    WHEN v.y_hours >= n_hours AND v.y_school >= n_school
                         AND (NOT pol.credits_enabled OR v.y_credits >= n_credits)
                    THEN 2
                    ELSE 3 END AS st,
               count(*) AS n
        FROM (SELECT t.school_code, t.status AS tstatus,
                     coalesce(CASE WHEN p_approved_only THEN k.a_hours ELSE k.hours END, 0)
                         AS y_hours,
                     coalesce(CASE WHEN p_approved_only THEN k.a_school_hours
                                   ELSE k.school_hours END, 0) AS y_school,
                     -- only where the policy counts credits (a constant of the plan)
                     CASE WHEN pol.credits_enabled
                          THEN coalesce(CASE WHEN p_approved_only
                                             THEN k.a_credits + k.a_credit_hours * pol.credit_factor
                                             ELSE k.credits + k.credit_hours * pol.credit_factor END,
                                        0) END AS y_credits,
                     coalesce(CASE WHEN p_approved_only THEN k.a_absences ELSE k.absences END, 0)
                         AS y_absences
              FROM teachers t
              LEFT JOIN compliance_years k
                  ON k.district_code = p_district AND k.basis = pol.year_basis
                 AND k.year = p_year AND k.teacher_code = t.code
              WHERE t.district_code = p_district AND t.status <> 'left'
                AND (p_unit = '' OR t.school_code IN (
                         SELECT u.code FROM schools u
                         WHERE u.district_code = p_district AND u.unit_code = p_unit))) v
        GROUP BY 1, 2) c
    JOIN schools s ON s.code = c.school_code
    GROUP BY s.unit_code;
END
$$;

-- Reporting units of the district (or unit p_unit alone, '' for all) and, per month of
-- [p_from, p_to], whether each was open and is expected to report, and what arrived:
-- on_time, late, returned, reopened, voided or missing; not_due when nothing arrived and
-- the deadline has not passed (such a month is not expected yet: a report that arrived
-- early is). A reopened report was received (it awaits a correction).
--
-- SECURITY DEFINER, the wall spelled out as the tables' policies have it (schools: the
-- district; reports: the district, and a school account's own unit only): under the
-- row-level wall the planner estimated the wall's filter to keep one report of the
-- district's thousands, and either joined every report with every unit-month (a
-- province's district: 10 million rows compared, 1.2 s) or, written as a probe per unit
-- and month, made 20 000 index probes for a city (77 ms). Here the district's reports of
-- the months are read in one range of reports_month and hashed against units x months,
-- and the flagged versions (few: most versions have no flag) from their partial index
-- (022): a city's 20 004 unit-months in some 20 ms (77 ms as probes).
CREATE OR REPLACE FUNCTION reporting_matrix(p_district text, p_from date, p_to date,
                                            p_unit text)
RETURNS TABLE (unit_code text, unit_name text, month date, expected boolean, state text,
               received boolean, on_time boolean, flagged boolean)
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = public, pg_temp
SET plan_cache_mode = force_custom_plan AS $$
DECLARE
    w_district text := yx_wall_district();
    w_unit text := yx_wall_unit();
BEGIN
    IF w_district NOT IN ('*', p_district) THEN
        RETURN; -- the district's units are not the caller's to see: no row, as the wall
    END IF;
    RETURN QUERY
    -- a month's deadline is the district's, the same for every unit: looked up once a month
    WITH m AS MATERIALIZED (
        SELECT g.month::date AS month, now() <= report_deadline(p_district, g.month::date) AS waiting
        FROM generate_series(p_from, p_to, interval '1 month') AS g(month)),
    r AS (
        SELECT r.id, r.unit_code, r.month, r.status, r.on_time, r.current_version
        FROM reports r
        WHERE r.district_code = p_district AND r.month BETWEEN p_from AND p_to
          AND (p_unit = '' OR r.unit_code = p_unit)
          AND w_unit IN ('*', r.unit_code)),
    f AS (
        SELECT v.report_id, v.version FROM report_versions v
        WHERE v.district_code = p_district AND v.flag_count > 0
          AND (p_unit = '' OR v.unit_code = p_unit))
    SELECT u.code, u.name, m.month,
           o.open AND (r.id IS NOT NULL OR NOT m.waiting),
           CASE WHEN r.id IS NULL AND o.open AND m.waiting THEN 'not_due'
                WHEN r.id IS NULL THEN 'missing'
                WHEN r.status IN ('returned', 'voided', 'reopened') THEN r.status
                WHEN r.on_time THEN 'on_time' ELSE 'late' END,
           coalesce(r.status IN ('submitted', 'approved', 'reopened'), false),
           coalesce(r.status IN ('submitted', 'approved', 'reopened') AND r.on_time, false),
           coalesce(f.report_id IS NOT NULL AND r.status <> 'voided', false)
    FROM schools u
    CROSS JOIN m
    CROSS JOIN LATERAL (
        SELECT (u.opened IS NULL OR u.opened < m.month + interval '1 month')
                   AND (u.closed IS NULL OR u.closed >= m.month) AS open) o
    LEFT JOIN r ON r.unit_code = u.code AND r.month = m.month
    LEFT JOIN f ON f.report_id = r.id AND f.version = r.current_version
    WHERE u.district_code = p_district AND u.unit_code = u.code
      AND (p_unit = '' OR u.code = p_unit);
END
$$;

-- Months of year p_year whose report was due by p_as_of (deadline passed).
CREATE OR REPLACE FUNCTION months_due(p_district text, p_year int, p_as_of date,
    OUT first_month date, OUT last_month date)
LANGUAGE plpgsql STABLE SET plan_cache_mode = force_custom_plan AS $$
DECLARE
    pol policies := policy_for_year(p_district, p_year, p_as_of);
    w record;
BEGIN
    w := compliance_windows(pol, p_year);
    first_month := w.y_start;
    -- the month whose deadline (day deadline_day of the next month) is on or before p_as_of
    last_month := least(date_trunc('month', w.y_end)::date,
                        (date_trunc('month', p_as_of - pol.deadline_day) - interval '1 month')::date);
END
$$;

-- The credit factor (学分 per hour without credits of its own) that
-- compliance_teachers applies to the hours of p_month: that of the policy
-- judging the month's year (school or calendar year, as the policy counts), as of today.
CREATE OR REPLACE FUNCTION teacher_credit_factor(p_district text, p_month date) RETURNS numeric
LANGUAGE sql STABLE AS $$
    SELECT (policy_for_year(p_district, compliance_year_of(p.year_basis, p_month),
                (now() AT TIME ZONE 'Asia/Shanghai')::date)).credit_factor
    FROM policy_at(p_district, p_month) p
$$;

-- A teacher's credited records (登记手册), of every unit the teacher reported
-- through: hours follow the teacher, so the school the teacher belongs to now
-- sees the records its predecessors reported too. Crosses the unit wall,
-- hence SECURITY DEFINER; the caller must see the teacher (district, or the
-- school of the teacher's current unit). Credits (学分) as compliance_teachers
-- counts them: a record's own credits, else its hours times the credit factor
-- of the policy that judges the record's year (as of today).
CREATE OR REPLACE FUNCTION teacher_records(p_district text, p_teacher text)
RETURNS TABLE (unit_code text, month text, version int, status text, date text, source text,
               ref text, title text, category text, level text, mode text, hours numeric,
               credits numeric)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
    WITH ok AS (
        SELECT 1 FROM teachers t JOIN schools s ON s.code = t.school_code
        WHERE t.district_code = p_district AND t.code = p_teacher AND yx_can_see(p_district)
          AND (yx_role() <> 'school' OR s.unit_code = yx_unit()))
    SELECT r.unit_code, to_char(r.month, 'YYYY-MM'), r.current_version, r.status,
           a.date::text, 'activity', a.ref, a.title, a.category, a.level, a.mode,
           coalesce(t.hours, a.hours), coalesce(t.hours, a.hours) * f.factor
    FROM attendance t JOIN reports r ON r.id = t.report_id AND r.current_version = t.version
    JOIN activities a ON a.report_id = t.report_id AND a.version = t.version AND a.idx = t.act_idx
    CROSS JOIN LATERAL teacher_credit_factor(p_district, r.month) f(factor)
    WHERE EXISTS (SELECT 1 FROM ok) AND t.district_code = p_district AND t.teacher_code = p_teacher
      AND t.status IN ('present', 'late') AND r.status IN ('submitted', 'approved')
    UNION ALL
    SELECT r.unit_code, to_char(r.month, 'YYYY-MM'), r.current_version, r.status,
           e.date::text, 'external', e.certificate, e.title, e.category, e.level, e.mode, e.hours,
           coalesce(e.credits, e.hours * f.factor)
    FROM external_records e JOIN reports r ON r.id = e.report_id AND r.current_version = e.version
    CROSS JOIN LATERAL teacher_credit_factor(p_district, r.month) f(factor)
    WHERE EXISTS (SELECT 1 FROM ok) AND e.district_code = p_district AND e.teacher_code = p_teacher
      AND r.status IN ('submitted', 'approved')
$$;

-- Each run sets the grants whole: what is not granted here is revoked.
REVOKE ALL ON FUNCTION months_elapsed, compliance_pro_rata, yx_reason, compliance_windows,
    compliance_teachers, compliance_teacher_rows, reporting_matrix,
    months_due, teacher_records, teacher_credit_factor, compliance_apply,
    compliance_rebuild_years, compliance_rebuild_cycles, compliance_unit_counts
    FROM PUBLIC, yanxiu_app, yanxiud_login;
GRANT EXECUTE ON FUNCTION months_elapsed, compliance_pro_rata, yx_reason, compliance_windows,
    months_due, teacher_credit_factor TO PUBLIC;
GRANT EXECUTE ON FUNCTION months_elapsed, compliance_pro_rata, yx_reason, compliance_windows,
    compliance_teachers, compliance_teacher_rows, reporting_matrix,
    months_due, teacher_records, teacher_credit_factor, compliance_unit_counts TO yanxiu_app;
