-- migrate: before the migrations
-- sql/functions/ledger.sql: the ledger of counted hours, kept by the trigger on reports.
-- Applied before the migrations too: the view ledger_expected (005) calls ledger_rows.
-- Only function definitions and their grants, all re-applied by every
-- `yanxiud migrate` (README "Schema and migrations").

-- ---- the ledger --------------------------------------------------------------
-- A version's activities as arrays, subscript idx + 1, read by their key: what
-- ledger_rows and report_compute_flags take a sign-in row's activity from, by
-- subscript instead of a join whose plan an estimate could turn (issue 14: a new
-- version estimated at one row was joined row by row, 96 000 comparisons for a
-- report of 40 activities and 2 400 sign-ins).
CREATE OR REPLACE FUNCTION version_activities(p_report bigint, p_version int,
    OUT ref text[], OUT date date[], OUT start_time time[], OUT end_time time[],
    OUT category text[], OUT level text[], OUT mode text[], OUT hours numeric[])
LANGUAGE plpgsql STABLE AS $$
DECLARE
    n int;
    last_idx int;
BEGIN
    SELECT array_agg(a.ref ORDER BY a.idx), array_agg(a.date ORDER BY a.idx),
           array_agg(a.start_time ORDER BY a.idx), array_agg(a.end_time ORDER BY a.idx),
           array_agg(a.category ORDER BY a.idx), array_agg(a.level ORDER BY a.idx),
           array_agg(a.mode ORDER BY a.idx), array_agg(a.hours ORDER BY a.idx), count(*),
           max(a.idx)
        INTO ref, date, start_time, end_time, category, level, mode, hours, n, last_idx
        FROM activities a WHERE a.report_id = p_report AND a.version = p_version;
    -- report_submit numbers a version's activities 0, 1, ...: a subscript is its number
    IF n > 0 AND last_idx <> n - 1 THEN
        RAISE EXCEPTION USING ERRCODE = 'XX000', MESSAGE = 'activities_not_numbered',
            DETAIL = json_build_object('report', p_report, 'version', p_version)::text;
    END IF;
END
$$;

-- The raw contribution of one version: a row per credited sign-in, absence
-- and external record; a sign-in row takes its activity's fields from
-- version_activities by subscript. PL/pgSQL, its statements planned once per
-- session.
CREATE OR REPLACE FUNCTION ledger_rows(p_report bigint, p_version int)
RETURNS TABLE (teacher_code text, category text, level text, mode text, hours numeric,
               credit_hours numeric, credits numeric, absences int)
LANGUAGE plpgsql STABLE AS $$
DECLARE
    a_category text[];
    a_level text[];
    a_mode text[];
    a_hours numeric[];
BEGIN
    SELECT v.category, v.level, v.mode, v.hours INTO a_category, a_level, a_mode, a_hours
        FROM version_activities(p_report, p_version) v;
    RETURN QUERY
    SELECT t.teacher_code, a_category[t.act_idx + 1], a_level[t.act_idx + 1],
           a_mode[t.act_idx + 1],
           CASE WHEN t.status IN ('present', 'late')
                THEN coalesce(t.hours, a_hours[t.act_idx + 1]) ELSE 0 END,
           CASE WHEN t.status IN ('present', 'late')
                THEN coalesce(t.hours, a_hours[t.act_idx + 1]) ELSE 0 END,
           0::numeric, (t.status = 'absent')::int
    FROM attendance t
    WHERE t.report_id = p_report AND t.version = p_version
    UNION ALL
    SELECT e.teacher_code, e.category, e.level, e.mode, e.hours,
           CASE WHEN e.credits IS NULL THEN e.hours ELSE 0 END, coalesce(e.credits, 0), 0
    FROM external_records e
    WHERE e.report_id = p_report AND e.version = p_version;
END
$$;

-- ---- maintained with the other ledgers ----------------------------------------
-- Reports' changes as one delta on the kept ledgers: for report p_reports[i], the
-- version that stops counting (p_old_versions[i], approved or pending as
-- p_old_approved[i]; NULL: none did) taken off, the version that starts counting
-- (p_new_versions[i], p_new_approved[i]; NULL: none does) added. A resubmission
-- applies the difference between its two versions once; rows whose delta is nothing
-- are not touched. The teacher's month goes to ledger_months; the same delta under
-- the year bases the district keeps goes to compliance_years and compliance_cycles
-- (compliance_apply, sql/functions/compliance.sql; ledger_years is their view since
-- 019). Called by the trigger on reports (ledger_follow, sql/functions/triggers.sql)
-- for one change, or at the commit of a batch for all of its changes at once
-- (ledger_batch_apply): a teacher's year and cycle then take one upsert for the whole
-- batch. Each version's rows are read by ledger_rows, by key. In plpgsql, its
-- statements' plans cached per session.
CREATE OR REPLACE FUNCTION ledger_move(p_reports bigint[], p_old_versions int[],
                                       p_old_approved boolean[], p_new_versions int[],
                                       p_new_approved boolean[])
RETURNS void LANGUAGE plpgsql SET search_path = public, pg_temp AS $$
DECLARE
    years ledger_years[];
BEGIN
    WITH v AS (
        SELECT mv.report_id, mv.old_version AS version, mv.old_approved AS approved, -1 AS sign
        FROM unnest(p_reports, p_old_versions, p_old_approved)
             AS mv(report_id, old_version, old_approved)
        WHERE mv.old_approved IS NOT NULL
        UNION ALL
        SELECT mv.report_id, mv.new_version, mv.new_approved, 1
        FROM unnest(p_reports, p_new_versions, p_new_approved)
             AS mv(report_id, new_version, new_approved)
        WHERE mv.new_approved IS NOT NULL),
    x AS (SELECT r.district_code, r.month, v.sign, v.approved, o.*
          FROM v JOIN reports r ON r.id = v.report_id,
               LATERAL ledger_rows(v.report_id, v.version) o),
    -- a teacher's month (a report is of one month): the yearly roll-up adds the same sums
    m AS (
        SELECT x.district_code, x.teacher_code, x.month, x.approved,
               sum(x.sign * x.hours) AS hours,
               coalesce(sum(x.sign * x.hours) FILTER (WHERE x.level = 'school'), 0) AS school_hours,
               coalesce(sum(x.sign * x.hours) FILTER (WHERE x.category = 'ethics'), 0) AS ethics_hours,
               coalesce(sum(x.sign * x.hours) FILTER (WHERE x.mode = 'centralized'
                                                     AND x.level <> 'school'), 0) AS centralized_hours,
               coalesce(sum(x.sign * x.hours) FILTER (WHERE x.category = 'homeroom'), 0) AS homeroom_hours,
               sum(x.sign * x.credit_hours) AS credit_hours, sum(x.sign * x.credits) AS credits,
               coalesce(sum(x.sign * x.absences) FILTER (WHERE x.mode = 'centralized'), 0) AS absences
        FROM x
        GROUP BY x.district_code, x.teacher_code, x.month, x.approved),
    -- (a month's delta may be nothing in total and not in its parts: any part counts)
    md AS (
        SELECT * FROM m
        WHERE hours <> 0 OR school_hours <> 0 OR ethics_hours <> 0 OR centralized_hours <> 0
           OR homeroom_hours <> 0 OR credit_hours <> 0 OR credits <> 0 OR absences <> 0),
    per_month AS (
        INSERT INTO ledger_months AS l (district_code, teacher_code, month, approved, hours,
        school_hours, ethics_hours, centralized_hours, homeroom_hours, credit_hours, credits,
        absences)
    SELECT md.district_code, md.teacher_code, md.month, md.approved, md.hours, md.school_hours,
           md.ethics_hours, md.centralized_hours, md.homeroom_hours, md.credit_hours, md.credits,
           md.absences
    FROM md
    ORDER BY 1, 2, 3, 4
    ON CONFLICT (district_code, teacher_code, month, approved)
    DO UPDATE SET hours = l.hours + excluded.hours, school_hours = l.school_hours + excluded.school_hours,
                  ethics_hours = l.ethics_hours + excluded.ethics_hours,
                  centralized_hours = l.centralized_hours + excluded.centralized_hours,
                  homeroom_hours = l.homeroom_hours + excluded.homeroom_hours,
                  credit_hours = l.credit_hours + excluded.credit_hours,
                  credits = l.credits + excluded.credits,
                  absences = l.absences + excluded.absences
        RETURNING 1)
    -- the year's delta, under both year bases (compliance_apply keeps those the district's
    -- policies use)
    SELECT array(
        SELECT (md.district_code, md.teacher_code, b.basis, compliance_year_of(b.basis, md.month),
                md.approved, md.hours, md.school_hours, md.ethics_hours, md.centralized_hours,
                md.homeroom_hours, md.credit_hours, md.credits, md.absences)::ledger_years
        FROM md, (VALUES ('calendar'), ('school')) AS b(basis))
    INTO years;
    PERFORM compliance_apply(years);
END
$$;

-- ---- verify-ledger checks the roll-up too -------------------------------------
-- A row of ledger_months or compliance_years as verify-ledger shows it; 'nothing'
-- for no row (hours NULL).
CREATE OR REPLACE FUNCTION ledger_totals_text(p_hours numeric, p_school numeric, p_ethics numeric,
    p_centralized numeric, p_homeroom numeric, p_credit_hours numeric, p_credits numeric,
    p_absences numeric)
RETURNS text LANGUAGE sql IMMUTABLE AS $$
    SELECT CASE WHEN p_hours IS NULL THEN 'nothing'
                ELSE format('hours %s, school %s, ethics %s, centralized %s, homeroom %s, credit_hours %s, credits %s, absences %s',
                            p_hours, p_school, p_ethics, p_centralized, p_homeroom, p_credit_hours,
                            p_credits, p_absences) END
$$;

CREATE OR REPLACE FUNCTION ledger_differences()
RETURNS TABLE (ledger text, key text, stored text, expected text) LANGUAGE sql STABLE AS $$
    SELECT 'ledger_months', concat_ws(' ', district_code, teacher_code, to_char(month, 'YYYY-MM'),
                                      CASE WHEN approved THEN 'approved' ELSE 'pending' END),
           ledger_totals_text(l.hours, l.school_hours, l.ethics_hours, l.centralized_hours,
                              l.homeroom_hours, l.credit_hours, l.credits, l.absences),
           ledger_totals_text(e.hours, e.school_hours, e.ethics_hours, e.centralized_hours,
                              e.homeroom_hours, e.credit_hours, e.credits, e.absences)
    FROM (SELECT * FROM ledger_months
          WHERE hours <> 0 OR credit_hours <> 0 OR credits <> 0 OR absences <> 0) l
    FULL JOIN ledger_months_expected e USING (district_code, teacher_code, month, approved)
    WHERE (l.hours, l.school_hours, l.ethics_hours, l.centralized_hours, l.homeroom_hours,
           l.credit_hours, l.credits, l.absences)
          IS DISTINCT FROM (e.hours, e.school_hours, e.ethics_hours, e.centralized_hours,
                            e.homeroom_hours, e.credit_hours, e.credits, e.absences)
    -- the compliance views' rows (018, sql/functions/compliance.sql): pending + approved, then
    -- approved only
    UNION ALL
    SELECT 'compliance_years', concat_ws(' ', district_code, teacher_code, basis, year::text),
           ledger_totals_text(l.hours, l.school_hours, l.ethics_hours, l.centralized_hours,
                              l.homeroom_hours, l.credit_hours, l.credits, l.absences)
               || '; approved ' ||
           ledger_totals_text(l.a_hours, l.a_school_hours, l.a_ethics_hours, l.a_centralized_hours,
                              l.a_homeroom_hours, l.a_credit_hours, l.a_credits, l.a_absences),
           ledger_totals_text(e.hours, e.school_hours, e.ethics_hours, e.centralized_hours,
                              e.homeroom_hours, e.credit_hours, e.credits, e.absences)
               || '; approved ' ||
           ledger_totals_text(e.a_hours, e.a_school_hours, e.a_ethics_hours, e.a_centralized_hours,
                              e.a_homeroom_hours, e.a_credit_hours, e.a_credits, e.a_absences)
    FROM (SELECT * FROM compliance_years
          WHERE hours <> 0 OR credit_hours <> 0 OR credits <> 0 OR absences <> 0
             OR a_hours <> 0 OR a_credit_hours <> 0 OR a_credits <> 0 OR a_absences <> 0) l
    FULL JOIN compliance_years_expected e USING (district_code, basis, year, teacher_code)
    WHERE (l.hours, l.school_hours, l.ethics_hours, l.centralized_hours, l.homeroom_hours,
           l.credit_hours, l.credits, l.absences, l.a_hours, l.a_school_hours, l.a_ethics_hours,
           l.a_centralized_hours, l.a_homeroom_hours, l.a_credit_hours, l.a_credits, l.a_absences)
          IS DISTINCT FROM (e.hours, e.school_hours, e.ethics_hours, e.centralized_hours,
                            e.homeroom_hours, e.credit_hours, e.credits, e.absences, e.a_hours,
                            e.a_school_hours, e.a_ethics_hours, e.a_centralized_hours,
                            e.a_homeroom_hours, e.a_credit_hours, e.a_credits, e.a_absences)
    UNION ALL
    SELECT 'compliance_cycles', concat_ws(' ', district_code, teacher_code, basis,
                                          format('%s-%s', cycle_first, cycle_first + cycle_years - 1)),
           CASE WHEN l.hours IS NULL THEN 'nothing'
                ELSE format('hours %s, ethics %s, centralized %s, homeroom %s; approved hours %s, ethics %s, centralized %s, homeroom %s',
                            l.hours, l.ethics_hours, l.centralized_hours, l.homeroom_hours,
                            l.a_hours, l.a_ethics_hours, l.a_centralized_hours, l.a_homeroom_hours) END,
           CASE WHEN e.hours IS NULL THEN 'nothing'
                ELSE format('hours %s, ethics %s, centralized %s, homeroom %s; approved hours %s, ethics %s, centralized %s, homeroom %s',
                            e.hours, e.ethics_hours, e.centralized_hours, e.homeroom_hours,
                            e.a_hours, e.a_ethics_hours, e.a_centralized_hours, e.a_homeroom_hours) END
    FROM (SELECT * FROM compliance_cycles
          WHERE hours <> 0 OR ethics_hours <> 0 OR centralized_hours <> 0 OR homeroom_hours <> 0
             OR a_hours <> 0 OR a_ethics_hours <> 0 OR a_centralized_hours <> 0
             OR a_homeroom_hours <> 0) l
    FULL JOIN compliance_cycles_expected e
        USING (district_code, basis, cycle_years, cycle_first, teacher_code)
    WHERE (l.hours, l.ethics_hours, l.centralized_hours, l.homeroom_hours, l.a_hours,
           l.a_ethics_hours, l.a_centralized_hours, l.a_homeroom_hours)
          IS DISTINCT FROM (e.hours, e.ethics_hours, e.centralized_hours, e.homeroom_hours,
                            e.a_hours, e.a_ethics_hours, e.a_centralized_hours, e.a_homeroom_hours)
    ORDER BY 1, 2
$$;

-- Each run sets the grants whole: what is not granted here is revoked.
REVOKE ALL ON FUNCTION version_activities, ledger_rows,
    ledger_move(bigint[], int[], boolean[], int[], boolean[]), ledger_totals_text
    FROM PUBLIC, yanxiu_app, yanxiud_login;
GRANT EXECUTE ON FUNCTION version_activities, ledger_rows, ledger_totals_text TO PUBLIC;
GRANT EXECUTE ON FUNCTION version_activities, ledger_rows, ledger_totals_text TO yanxiu_app;
