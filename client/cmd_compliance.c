/*
 * cmd_compliance: the district's views of training hours (学时达标) and of
 * reporting, and the policy that judges them: yanxiu policy show|set,
 * compliance teachers|units|groups, reporting-rates and teacher history.
 * The options and output are view.c's, the table model out.c's.
 */
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "lang.h"
#include "view.h"
#include "vocab.h"
#include "workbook.h"
#include "yxc.h"

/* A policy file larger than this is refused before it is sent. */
#define MAX_POLICY_BYTES (64 * 1024)

/* --- policy show / set --------------------------------------------------------------------- */

const char cmd_policy_show_usage[] =
    N_("usage: yanxiu policy show [--as-of DATE] [--district CODE]\n"
       "\n"
       "Prints the district's policy (区县研修政策) in force, as the INI file that\n"
       "yanxiu policy set takes: a [policy] section with one key a line, each with a\n"
       "comment that says what it means. The first lines (comments) say the version\n"
       "and the date it took effect; version 0 is the defaults of the regulations,\n"
       "used until the district stores a policy of its own. Every role may read its\n"
       "district's policy. Needs a session (yanxiu login).\n"
       "\n"
       "  --as-of DATE     the policy in force on DATE (YYYY-MM-DD); default: today\n"
       "                   (Asia/Shanghai)\n"
       "  --district CODE  the district (6 digits); an admin must give it\n"
       "\n"
       "Example:\n"
       "  $ yanxiu policy show > policy.ini      # edit it, then: yanxiu policy set policy.ini\n");

int cmd_policy_show(struct cli *cli, int argc, char **argv)
{
    static const struct option opts[] = {
        {"as-of", required_argument, NULL, VIEW_OPT_AS_OF},
        {"district", required_argument, NULL, VIEW_OPT_DISTRICT},
        {0},
    };
    struct view_common c = {.district = "", .as_of = ""};
    if (view_common_options(cli, argc, argv, opts, &c) != CLI_OK ||
        !cli_no_operands(cli, argc, argv))
        return CLI_USAGE;
    int rc = view_open_session(cli, c.district);
    if (rc != CLI_OK)
        return rc;
    Yanxiu__V1__GetPolicyRequest in = YANXIU__V1__GET_POLICY_REQUEST__INIT;
    in.district_code = (char *)c.district;
    in.as_of = (char *)c.as_of;
    Yanxiu__V1__Envelope req = YANXIU__V1__ENVELOPE__INIT;
    req.body_case = YANXIU__V1__ENVELOPE__BODY_GET_POLICY;
    req.get_policy = &in;
    Yanxiu__V1__Envelope *resp;
    rc = view_call(cli, &req, YANXIU__V1__ENVELOPE__BODY_POLICY, &resp);
    if (rc != CLI_OK)
        return rc;
    view_print_text(resp->policy->ini);
    yxc_free(resp);
    return CLI_OK;
}

const char cmd_policy_set_usage[] =
    N_("usage: yanxiu policy set FILE [--effective DATE] [--district CODE]\n"
       "\n"
       "Stores the policy in FILE as a new version of the district's policy, in force\n"
       "from DATE on. FILE is an INI file as yanxiu policy show prints it (UTF-8, a\n"
       "BOM is dropped; at most 64 KiB): a [policy] section of key = value lines, #\n"
       "or ; starting a comment. A key left out keeps the value in force on DATE.\n"
       "The server checks every line first; if any is wrong nothing is stored and\n"
       "each problem is printed as FILE line N: reason (exit status 1). Earlier\n"
       "versions are kept: views of a past year use the policy in force at its end.\n"
       "District role; an admin names the district with --district. Needs a session\n"
       "(yanxiu login).\n"
       "\n"
       "Keys (README.md, \"Compliance and the district's views\", says more):\n"
       "  cycle_years, cycle_first_year, hours_cycle, hours_year, school_hours_year,\n"
       "  ethics_hours_cycle, centralized_hours_cycle, homeroom_hours_cycle,\n"
       "  absence_limit, group_short_percent, credits_enabled, credits_year,\n"
       "  credit_factor, year_basis (school or calendar), deadline_day,\n"
       "  non_creditable (a comma-separated list of words)\n"
       "\n"
       "  --effective DATE  the day the version takes effect (YYYY-MM-DD); default:\n"
       "                    today (Asia/Shanghai)\n"
       "  --district CODE   the district (6 digits); an admin must give it\n"
       "\n"
       "Example:\n"
       "  $ yanxiu policy set policy.ini --effective 2026-09-01\n"
       "  policy of district 411423 stored: version 2, in force from 2026-09-01\n"
       "  $ yanxiu policy set bad.ini\n"
       "  bad.ini line 7: hours_year: must be a number from 0 to 2000\n"
       "  yanxiu: bad.ini: INVALID_ARGUMENT: ...; nothing was stored\n");

int cmd_policy_set(struct cli *cli, int argc, char **argv)
{
    static const struct option opts[] = {
        {"effective", required_argument, NULL, 'e'},
        {"district", required_argument, NULL, VIEW_OPT_DISTRICT},
        {0},
    };
    struct view_common c = {.district = "", .as_of = ""};
    const char *effective = "";
    int opt;
    while ((opt = cli_getopt(cli, argc, argv, opts)) != -1) {
        if (opt == 'e') {
            if (!view_valid_date(optarg))
                return cli_usage_error(cli, _("--effective '%s' is not a date YYYY-MM-DD"), optarg);
            effective = optarg;
        } else if (view_common_option(cli, opt, &c) != VIEW_OPT_TAKEN) {
            return CLI_USAGE;
        }
    }
    const char *path =
        cli_one_operand(cli, argc, argv, N_("FILE (the policy file to store)"), N_("FILE"));
    if (!path)
        return CLI_USAGE;
    char *text;
    int rc = view_read_text_session(cli, c.district, path, MAX_POLICY_BYTES, N_("policy"), &text);
    if (rc != CLI_OK)
        return rc;

    Yanxiu__V1__SetPolicyRequest in = YANXIU__V1__SET_POLICY_REQUEST__INIT;
    in.district_code = (char *)c.district;
    in.ini = text;
    in.effective = (char *)effective;
    Yanxiu__V1__Envelope req = YANXIU__V1__ENVELOPE__INIT;
    req.body_case = YANXIU__V1__ENVELOPE__BODY_SET_POLICY;
    req.set_policy = &in;
    Yanxiu__V1__Envelope *resp;
    rc = view_send_text(cli, path, &req, YANXIU__V1__ENVELOPE__BODY_POLICY, "; nothing was stored",
                        &resp);
    free(text);
    if (rc != CLI_OK)
        return rc;
    const Yanxiu__V1__PolicyText *p = resp->policy;
    printf(_("policy of district %s stored: version %u, in force from %s\n"),
           p->district_code[0] ? p->district_code : c.district, p->version,
           p->effective[0] ? p->effective : (effective[0] ? effective : "today"));
    yxc_free(resp);
    return CLI_OK;
}

/* --- compliance teachers ------------------------------------------------------------------ */

/* What each state of a unit's month means, under the matrix of reporting-rates. */
static void print_states_legend(FILE *fp)
{
    static const struct {
        const char *code, *meaning;
    } states[] = {
        {"on_time", N_("reported by the deadline")},
        {"late", N_("reported after the deadline")},
        {"missing", N_("not reported, the deadline has passed")},
        {"returned", N_("returned to the unit, to be resubmitted")},
        {"reopened", N_("reopened by the district, to be resubmitted")},
        {"voided", N_("voided: its hours do not count")},
        {"closed", N_("no report expected")},
        {"not_due", N_("the deadline has not passed yet")},
    };
    putc('\n', fp);
    for (size_t i = 0; i < sizeof(states) / sizeof(states[0]); i++)
        fprintf(fp, _("%s%s: %s"), i ? _(" · ") : "", lang_label(&vocab_unit_month, states[i].code),
                _(states[i].meaning));
    putc('\n', fp);
}

const char cmd_compliance_teachers_usage[] =
    N_("usage: yanxiu compliance teachers --year YYYY [--cycle] [--unit CODE]\n"
       "         [--school CODE] [--status STATUS] [--approved-only] [--as-of DATE]\n"
       "         [--district CODE] [--format FORMAT] [-o FILE] [--force] [--bom]\n"
       "\n"
       "Lists every teacher of the district (but those who left) with the hours\n"
       "(学时) of year YYYY and whether they meet the district's policy (yanxiu policy\n"
       "show): the school year from September YYYY to August YYYY+1, or the calendar\n"
       "year YYYY, as the policy's year_basis says. A teacher who does not meet a rule\n"
       "(yet) carries the reasons: the rule, the hours needed and the hours had. Hours\n"
       "count from monthly reports submitted or approved, not voided. A school account\n"
       "sees the teachers of its own unit; a district account the whole district. Needs\n"
       "a session (yanxiu login).\n"
       "\n"
       "Status (状态): compliant 达标, on_track 进度正常 (the year is not over and the\n"
       "hours keep pace with the months gone), behind 进度落后, non_compliant 未达标\n"
       "(the year is over and a rule is unmet, or too many unexcused absences),\n"
       "exempt 免训. Tables and Excel show the label in the CLI's language (--lang), CSV\n"
       "the code, JSON the code and status_label.\n"
       "\n"
       "Columns (JSON keys and CSV header, Excel header):\n"
       "  teacher_code 教师编号, name 姓名, unit_code 上报单位, school_code 学校,\n"
       "  group 教研组, year 学年, hours 总学时, school_hours 校本学时,\n"
       "  ethics_hours 师德学时, centralized_hours 集中学时, homeroom_hours 班主任学时,\n"
       "  credits 学分, unexcused_absences 无故缺席, status 状态, reasons 未达标原因\n"
       "With --cycle also: cycle 培训周期 (e.g. 2026-2030), cycle_hours 周期总学时,\n"
       "  cycle_ethics_hours 周期师德学时, cycle_centralized_hours 周期集中学时,\n"
       "  cycle_homeroom_hours 周期班主任学时, cycle_status 周期状态,\n"
       "  cycle_reasons 周期未达标原因\n"
       "Reasons read \"年度学时不足 40/72；校本学时不足 10/24\" (had/needed) in table and\n"
       "Excel (\"hours_year 40/72; school_hours_year 10/24\" under --lang en and in\n"
       "CSV); in JSON they are an array of {\"rule\", \"rule_label\", \"needed\", \"had\"}. Hours "
       "have\n"
       "one decimal in table and CSV; JSON numbers are as they are.\n"
       "\n"
       "  --year YYYY      the year (required)\n"
       "  --cycle          also the sums and the status of the training cycle (培训周期)\n"
       "                   that holds the year\n"
       "  --unit CODE      only this reporting unit (10-digit code)\n"
       "  --school CODE    only this school (10-digit code)\n"
       "  --status STATUS  only teachers of this status (the code or the Chinese)\n"
       "  --approved-only  count approved reports only (the official annual "
       "result)\n{compliance_options}\n"
       "Examples:\n"
       "  $ yanxiu compliance teachers --year 2026 --status behind\n"
       "  $ yanxiu compliance teachers --year 2026 --cycle --format xlsx -o 2026学时.xlsx\n");

/* The options of the compliance views. */
struct compliance_opts {
    struct view_common c;
    Yanxiu__V1__ComplianceQuery q;
    bool year_given;
};

/* The letters of the views' own options. */
enum {
    OPT_YEAR = 'y',
    OPT_MONTH = 'm',
    OPT_CYCLE = 'c',
    OPT_UNIT = 'u',
    OPT_SCHOOL = 's',
    OPT_STATUS = 'S',
    OPT_APPROVED = 'A',
};

/* The options of compliance units and groups. */
static const struct option year_opts[] = {
    {"year", required_argument, NULL, OPT_YEAR},
    {"approved-only", no_argument, NULL, OPT_APPROVED},
    {"as-of", required_argument, NULL, VIEW_OPT_AS_OF},
    VIEW_OUTPUT_OPTIONS,
    {0},
};

/* Parses the options of a view (those `opts` lists) and the operands (none). Returns an exit
   code. */
static int compliance_options(struct cli *cli, int argc, char **argv, const struct option *opts,
                              struct compliance_opts *o)
{
    o->c = (struct view_common){.format = OUT_TABLE, .district = "", .as_of = ""};
    yanxiu__v1__compliance_query__init(&o->q);
    o->year_given = false;
    int opt;
    while ((opt = view_getopt(cli, argc, argv, opts, &o->c)) != -1) {
        switch (opt) {
        case OPT_YEAR:
            if (!view_year_arg(cli, optarg, &o->q.year))
                return CLI_USAGE;
            o->year_given = true;
            break;
        case OPT_MONTH:
            if (!view_valid_month(optarg))
                return cli_usage_error(cli, _("--month '%s' is not a month YYYY-MM"), optarg);
            o->q.month = optarg;
            break;
        case OPT_CYCLE:
            o->q.cycle = true;
            break;
        case OPT_UNIT:
        case OPT_SCHOOL:
            if (!view_all_digits(optarg, 10))
                return cli_usage_error(cli, _("--%s '%s' is not a 10-digit school code"),
                                       opt == OPT_UNIT ? "unit" : "school", optarg);
            if (opt == OPT_UNIT)
                o->q.unit_code = optarg;
            else
                o->q.school_code = optarg;
            break;
        case OPT_STATUS:
            o->q.status = (Yanxiu__V1__ComplianceStatus)vocab_value(
                &vocab_compliance, out_status_code(optarg) ? out_status_code(optarg) : "");
            if (!o->q.status)
                return cli_usage_error(cli,
                                       _("--status '%s': expected compliant, on_track, behind, "
                                         "non_compliant or exempt"),
                                       optarg);
            break;
        case OPT_APPROVED:
            o->q.approved_only = true;
            break;
        default:
            return CLI_USAGE;
        }
    }
    if (!cli_no_operands(cli, argc, argv))
        return CLI_USAGE;
    o->q.district_code = (char *)o->c.district;
    o->q.as_of = (char *)o->c.as_of;
    return view_common_check(cli, &o->c);
}

/*
 * Parses the options of a view (compliance_options), checks its period
 * (--year, or for reporting-rates either --year or --month), opens the session
 * and sends the query as `body`: on CLI_OK *resp (the caller's, to free with
 * yxc_free) holds the answer of case `expect`. Returns an exit code, having
 * said what went wrong.
 */
static int compliance_ask(struct cli *cli, int argc, char **argv, const struct option *opts,
                          struct compliance_opts *o, Yanxiu__V1__Envelope__BodyCase body,
                          Yanxiu__V1__Envelope__BodyCase expect, Yanxiu__V1__Envelope **resp)
{
    int rc = compliance_options(cli, argc, argv, opts, o);
    if (rc != CLI_OK)
        return rc;
    Yanxiu__V1__Envelope req = YANXIU__V1__ENVELOPE__INIT;
    req.body_case = body;
    if (body == YANXIU__V1__ENVELOPE__BODY_REPORTING_RATES) {
        bool month_given = o->q.month && o->q.month[0];
        if (o->year_given == month_given)
            return cli_usage_error(cli, _("give either --year YYYY or --month YYYY-MM"));
        req.reporting_rates = &o->q;
    } else {
        if (!o->year_given)
            return cli_usage_error(cli, _("--year YYYY is missing: which year?"));
        if (body == YANXIU__V1__ENVELOPE__BODY_COMPLIANCE_TEACHERS)
            req.compliance_teachers = &o->q;
        else if (body == YANXIU__V1__ENVELOPE__BODY_COMPLIANCE_UNITS)
            req.compliance_units = &o->q;
        else
            req.compliance_groups = &o->q;
    }
    rc = view_open_session(cli, o->c.district);
    if (rc != CLI_OK)
        return rc;
    return view_call(cli, &req, expect, resp);
}

int cmd_compliance_teachers(struct cli *cli, int argc, char **argv)
{
    static const struct option opts[] = {
        {"year", required_argument, NULL, OPT_YEAR},
        {"cycle", no_argument, NULL, OPT_CYCLE},
        {"unit", required_argument, NULL, OPT_UNIT},
        {"school", required_argument, NULL, OPT_SCHOOL},
        {"status", required_argument, NULL, OPT_STATUS},
        {"approved-only", no_argument, NULL, OPT_APPROVED},
        {"as-of", required_argument, NULL, VIEW_OPT_AS_OF},
        VIEW_OUTPUT_OPTIONS,
        {0},
    };
    struct compliance_opts o;
    Yanxiu__V1__Envelope *resp;
    int rc =
        compliance_ask(cli, argc, argv, opts, &o, YANXIU__V1__ENVELOPE__BODY_COMPLIANCE_TEACHERS,
                       YANXIU__V1__ENVELOPE__BODY_TEACHER_LIST, &resp);
    if (rc != CLI_OK)
        return rc;

    const Yanxiu__V1__ComplianceTeacherList *list = resp->teacher_list;
    struct out_table v;
    workbook_teachers_table(list, o.q.cycle, &v);
    char title[200];
    snprintf(title, sizeof(title), _("year %u: %s to %s, as of %s%s"), o.q.year,
             list->year_start[0] ? list->year_start : "?", list->year_end[0] ? list->year_end : "?",
             list->as_of[0] ? list->as_of : (o.c.as_of[0] ? o.c.as_of : _("today")),
             o.q.approved_only ? _(", approved reports only") : "");
    rc = view_output(&o.c, &v, title);
    if (rc == CLI_OK) {
        view_say_wrote(&o.c, v.nrows, N_("teacher"), N_("teachers"));
        if (v.nrows == 0 && o.c.format == OUT_TABLE)
            fprintf(stderr, _("yanxiu: no teachers match\n"));
    }
    out_table_free(&v);
    yxc_free(resp);
    return rc;
}

/* --- compliance units ---------------------------------------------------------------------- */

const char cmd_compliance_units_usage[] =
    N_("usage: yanxiu compliance units --year YYYY [--approved-only] [--as-of DATE]\n"
       "         [--district CODE] [--format FORMAT] [-o FILE] [--force] [--bom]\n"
       "\n"
       "One row per reporting unit (上报单位) for year YYYY: how many of its teachers\n"
       "are compliant, on track, behind, non-compliant or exempt (as yanxiu compliance\n"
       "teachers judges them), the compliance rate, and how the unit reported: monthly\n"
       "reports expected (months whose deadline has passed), received, on time,\n"
       "voided, and with flags (signals of false records). A school account sees its\n"
       "own unit. Needs a session (yanxiu login).\n"
       "\n"
       "Columns (JSON keys and CSV header, Excel header):\n"
       "  unit_code 上报单位, name 单位名称, teachers 教师数, compliant 达标,\n"
       "  on_track 进度正常, behind 进度落后, non_compliant 未达标, exempt 免训,\n"
       "  compliance_rate 达标率 (compliant / (teachers - exempt)),\n"
       "  reports_expected 应报月数, reports_received 已报月数, reports_on_time 按时上报,\n"
       "  voided_reports 作废月报, flagged_reports 存疑月报\n"
       "The rate reads 87.5% in table and CSV, 0.875 in JSON, and is a percentage\n"
       "cell in Excel.\n"
       "\n"
       "  --year YYYY      the year (required)\n"
       "  --approved-only  count approved reports only (the official annual "
       "result)\n{compliance_options}\n"
       "Example:\n"
       "  $ yanxiu compliance units --year 2026 --format csv --bom -o 单位汇总.csv\n");

int cmd_compliance_units(struct cli *cli, int argc, char **argv)
{
    struct compliance_opts o;
    Yanxiu__V1__Envelope *resp;
    int rc =
        compliance_ask(cli, argc, argv, year_opts, &o, YANXIU__V1__ENVELOPE__BODY_COMPLIANCE_UNITS,
                       YANXIU__V1__ENVELOPE__BODY_UNIT_COMPLIANCE, &resp);
    if (rc != CLI_OK)
        return rc;

    struct out_table v;
    workbook_units_table(resp->unit_compliance, &v);
    rc = view_output(&o.c, &v, NULL);
    if (rc == CLI_OK) {
        view_say_wrote(&o.c, v.nrows, N_("unit"), N_("units"));
        if (v.nrows == 0 && o.c.format == OUT_TABLE)
            fprintf(stderr, _("yanxiu: no reporting units\n"));
    }
    out_table_free(&v);
    yxc_free(resp);
    return rc;
}

/* --- compliance groups --------------------------------------------------------------------- */

const char cmd_compliance_groups_usage[] =
    N_("usage: yanxiu compliance groups --year YYYY [--approved-only] [--as-of DATE]\n"
       "         [--district CODE] [--format FORMAT] [-o FILE] [--force] [--bom]\n"
       "\n"
       "One row per research group (教研组) of each reporting unit for year YYYY: its\n"
       "teachers, how many are short of the school-based hours (校本学时) the year\n"
       "needs so far, their share, and whether the group is flagged: the share\n"
       "reaches the policy's group_short_percent (15%以上 by default: 15% or more).\n"
       "Exempt teachers are not counted short. A school account sees its own unit.\n"
       "Needs a session (yanxiu login).\n"
       "\n"
       "Columns (JSON keys and CSV header, Excel header):\n"
       "  unit_code 上报单位, group 教研组, teachers 教师数,\n"
       "  short_of_school_hours 校本学时不足人数, short_ratio 不足比例,\n"
       "  flagged 预警 (是/否 in table and Excel, yes/no under --lang en and in CSV;\n"
       "  true/false in JSON)\n"
       "The ratio reads 20.0% in table and CSV, 0.2 in JSON.\n"
       "\n"
       "  --year YYYY      the year (required)\n"
       "  --approved-only  count approved reports only\n{compliance_options}\n"
       "Example:\n"
       "  $ yanxiu compliance groups --year 2026 --format json\n");

int cmd_compliance_groups(struct cli *cli, int argc, char **argv)
{
    struct compliance_opts o;
    Yanxiu__V1__Envelope *resp;
    int rc =
        compliance_ask(cli, argc, argv, year_opts, &o, YANXIU__V1__ENVELOPE__BODY_COMPLIANCE_GROUPS,
                       YANXIU__V1__ENVELOPE__BODY_GROUP_LIST, &resp);
    if (rc != CLI_OK)
        return rc;

    static const struct out_column cols[] = {
        {"unit_code", "上报单位", OUT_TEXT, NULL},
        {"group", "教研组", OUT_TEXT, NULL},
        {"teachers", "教师数", OUT_COUNT, NULL},
        {"short_of_school_hours", "校本学时不足人数", OUT_COUNT, NULL},
        {"short_ratio", "不足比例", OUT_RATE, NULL},
        {"flagged", "预警", OUT_BOOL, NULL},
    };
    enum { NCOLS = sizeof(cols) / sizeof(cols[0]) };
    const Yanxiu__V1__ComplianceGroupList *list = resp->group_list;
    struct out_table v = {"教研组", cols, NCOLS, NULL, 0, 0, false};
    size_t flagged = 0;
    for (size_t i = 0; i < list->n_groups; i++) {
        const Yanxiu__V1__GroupCompliance *g = list->groups[i];
        const struct out_cell row[NCOLS] = {
            out_text(g->unit_code),  out_text(g->group),
            out_num(g->teachers),    out_num(g->short_of_school_hours),
            out_num(g->short_ratio), out_num(g->flagged ? 1 : 0),
        };
        flagged += g->flagged;
        out_add(&v, row);
    }
    rc = view_output(&o.c, &v, NULL);
    if (rc == CLI_OK) {
        view_say_wrote(&o.c, v.nrows, N_("group"), N_("groups"));
        if (o.c.format == OUT_TABLE && !o.c.output)
            fprintf(stderr, _("yanxiu: %zu of %zu groups flagged\n"), flagged, v.nrows);
    }
    out_table_free(&v);
    yxc_free(resp);
    return rc;
}

/* --- reporting-rates ------------------------------------------------------------------------ */

const char cmd_reporting_rates_usage[] =
    N_("usage: yanxiu reporting-rates (--year YYYY | --month YYYY-MM) [--as-of DATE]\n"
       "         [--district CODE] [--format FORMAT] [-o FILE] [--force] [--bom]\n"
       "\n"
       "How completely and how timely the reporting units sent their monthly reports\n"
       "(月报), per month of year YYYY (as the policy's year_basis says) or for one\n"
       "month: units expected to report, reports received, received on time (the first\n"
       "version by the deadline), and the two rates (received / expected, on time /\n"
       "expected). Then the matrix of units × months, each cell the state of the unit's\n"
       "report: on_time 按时, late 逾期, missing 未报, returned 已退回, reopened 已重新打开,\n"
       "voided 已作废, closed 无需上报 (the unit was not open that month: not expected),\n"
       "not_due 未到期 (the deadline has not passed). Tables and Excel show the label in\n"
       "the CLI's language (--lang), CSV the code, JSON the code and state_label. A school account "
       "sees\n"
       "its own unit. Needs a session (yanxiu login).\n"
       "\n"
       "Output:\n"
       "  table  the rates, a blank line, then the matrix (a row per unit, a column\n"
       "         per month)\n"
       "  csv    the same two tables in one file, separated by a blank line: first\n"
       "         month,expected,received,on_time,rate,on_time_rate, then\n"
       "         unit_code,unit_name and one column per month (YYYY-MM)\n"
       "  json   {\"months\": [{month, expected, received, on_time, rate,\n"
       "         on_time_rate}...], \"matrix\": [{unit_code, unit_name, month, state,\n"
       "         state_label}...]}\n"
       "  xlsx   two sheets: 上报率 (月份, 应报单位数, 已报, 按时, 上报率, 按时率) and\n"
       "         上报情况 (上报单位, 单位名称, one column per month)\n"
       "Rates read 87.5% in table and CSV, 0.875 in JSON.\n"
       "\n"
       "  --year YYYY      every month of the year\n"
       "  --month YYYY-MM  one month\n{compliance_options}\n"
       "Example:\n"
       "  $ yanxiu reporting-rates --year 2026 --format xlsx -o 上报率2026.xlsx\n");

int cmd_reporting_rates(struct cli *cli, int argc, char **argv)
{
    static const struct option opts[] = {
        {"year", required_argument, NULL, OPT_YEAR},
        {"month", required_argument, NULL, OPT_MONTH},
        {"as-of", required_argument, NULL, VIEW_OPT_AS_OF},
        VIEW_OUTPUT_OPTIONS,
        {0},
    };
    struct compliance_opts o;
    Yanxiu__V1__Envelope *resp;
    int rc = compliance_ask(cli, argc, argv, opts, &o, YANXIU__V1__ENVELOPE__BODY_REPORTING_RATES,
                            YANXIU__V1__ENVELOPE__BODY_RATES, &resp);
    if (rc != CLI_OK)
        return rc;
    const Yanxiu__V1__ReportingRates *rr = resp->rates;

    struct workbook_rates w;
    workbook_rates_tables(rr, o.c.format == OUT_JSON, &w);
    const struct out_table *rates = &w.rates, *matrix = &w.matrix, *cells = &w.cells;

    if (w.oom) {
        fprintf(stderr, _("yanxiu: out of memory listing %zu months and %zu cells\n"), rr->n_months,
                rr->n_cells);
        rc = CLI_FAILED;
    } else if (o.c.format == OUT_XLSX) {
        const struct out_table *const both[] = {rates, matrix};
        rc = view_output_xlsx(&o.c, both, 2);
    } else {
        struct view_sink s;
        if (!view_sink_open(&s, &o.c)) {
            rc = CLI_FAILED;
        } else {
            bool ok = true;
            if (o.c.format == OUT_JSON) {
                struct out_json j = {.fp = s.fp};
                out_json_open(&j, NULL, '{', false);
                out_json_rows(&j, "months", rates);
                out_json_rows(&j, "matrix", cells);
                out_json_close(&j);
            } else {
                if (o.c.bom)
                    fputs("\xEF\xBB\xBF", s.fp);
                ok = out_print(rates, o.c.format, s.fp);
                if (ok) {
                    putc('\n', s.fp);
                    ok = out_print(matrix, o.c.format, s.fp);
                }
                if (ok && o.c.format == OUT_TABLE)
                    print_states_legend(s.fp);
            }
            rc = view_sink_close(&s, ok);
        }
    }
    if (rc == CLI_OK)
        view_say_wrote(&o.c, matrix->nrows, N_("unit"), N_("units"));
    workbook_rates_free(&w);
    yxc_free(resp);
    return rc;
}

/* --- teacher history --------------------------------------------------------------------- */

const char cmd_teacher_history_usage[] =
    N_("usage: yanxiu teacher history CODE [--district CODE] [--format FORMAT] [-o FILE]\n"
       "         [--force] [--bom]\n"
       "\n"
       "The registration handbook (登记手册) of the teacher with teacher code (教师编号)\n"
       "CODE: every credited record — the activities they attended and their training\n"
       "outside the unit — from the latest version of every monthly report that counts,\n"
       "across the units they belonged to; then the totals per year and per training\n"
       "cycle, all hours and the hours of approved reports. A school account sees only\n"
       "the teachers of its own unit. Needs a session (yanxiu login).\n"
       "\n"
       "Records (JSON keys and CSV header, Excel header):\n"
       "  unit_code 上报单位, month 月份, version 版本, report_status 月报状态,\n"
       "  date 日期, source 来源 (activity or external), ref 编号 (the activity's\n"
       "  reference or the certificate number), title 主题, category 内容类别,\n"
       "  level 级别, mode 方式, hours 学时, credits 学分\n"
       "Totals: kind 类型 (year or cycle), period 期间 (2026: the year 2026; 2026-2030:\n"
       "  the cycle), hours 学时, approved_hours 已审核学时\n"
       "\n"
       "Output:\n"
       "  table  a line about the teacher, the records, a blank line, the totals\n"
       "  csv    the records, a blank line, the totals\n"
       "  json   {\"teacher\": {teacher_code, name, school_code, unit_code, group,\n"
       "         status}, \"records\": [...], \"totals\": [...]}\n"
       "  xlsx   two sheets: 登记手册 (the records) and 学时合计 (the totals)\n"
       "\n{output_options}\n"
       "Example:\n"
       "  $ yanxiu teacher history T0001 --format xlsx -o T0001登记手册.xlsx\n");

int cmd_teacher_history(struct cli *cli, int argc, char **argv)
{
    static const struct option opts[] = {VIEW_OUTPUT_OPTIONS, {0}};
    struct view_common c = {.format = OUT_TABLE, .district = "", .as_of = ""};
    view_short_output_option(argc, argv);
    if (view_common_options(cli, argc, argv, opts, &c) != CLI_OK)
        return CLI_USAGE;
    const char *code =
        cli_one_operand(cli, argc, argv, N_("CODE (the teacher code)"), N_("teacher code"));
    if (!code)
        return CLI_USAGE;
    if (!*code || strlen(code) > 32)
        return cli_usage_error(
            cli, _("'%s' is not a teacher code (1 to 32 letters, digits, _ or -)"), code);
    int rc = view_common_check(cli, &c);
    if (rc == CLI_OK)
        rc = view_open_session(cli, c.district);
    if (rc != CLI_OK)
        return rc;

    Yanxiu__V1__TeacherHistoryRequest in = YANXIU__V1__TEACHER_HISTORY_REQUEST__INIT;
    in.district_code = (char *)c.district;
    in.teacher_code = (char *)code;
    Yanxiu__V1__Envelope req = YANXIU__V1__ENVELOPE__INIT;
    req.body_case = YANXIU__V1__ENVELOPE__BODY_TEACHER_HISTORY;
    req.teacher_history = &in;
    Yanxiu__V1__Envelope *resp;
    rc = view_call(cli, &req, YANXIU__V1__ENVELOPE__BODY_HISTORY, &resp);
    if (rc != CLI_OK)
        return rc;
    const Yanxiu__V1__TeacherHistory *h = resp->history;

    /* For people (table, Excel) the values' labels; CSV and JSON keep the codes. */
    struct workbook_history w;
    workbook_history_tables(h, code, c.format == OUT_TABLE || c.format == OUT_XLSX, &w);
    const Yanxiu__V1__Teacher *t = h->teacher;

    if (w.oom) {
        fprintf(stderr, _("yanxiu: out of memory listing %zu records\n"), h->n_records);
        rc = CLI_FAILED;
    } else if (c.format == OUT_XLSX) {
        /* The handbook names whose it is, above its records. */
        const struct out_table *const both[] = {&w.recs, &w.tots};
        rc = view_output_xlsx_titled(&c, both, 2, w.titles, 4);
    } else {
        struct view_sink s;
        if (!view_sink_open(&s, &c)) {
            rc = CLI_FAILED;
        } else {
            bool ok = true;
            if (c.format == OUT_JSON) {
                struct out_json j = {.fp = s.fp};
                out_json_open(&j, NULL, '{', false);
                out_json_row(&j, "teacher", &w.who, 0);
                out_json_rows(&j, "records", &w.recs);
                out_json_rows(&j, "totals", &w.tots);
                out_json_close(&j);
            } else {
                if (c.bom)
                    fputs("\xEF\xBB\xBF", s.fp);
                if (c.format == OUT_TABLE && t)
                    fprintf(s.fp, _("teacher %s %s, school %s, unit %s%s%s, %s\n"), t->teacher_code,
                            t->name, t->school_code, t->unit_code,
                            t->research_group[0] ? _(", group ") : "", t->research_group,
                            lang_label(&vocab_teacher_status,
                                       vocab_code_of(&vocab_teacher_status, t->status)));
                ok = out_print(&w.recs, c.format, s.fp);
                if (ok) {
                    putc('\n', s.fp);
                    ok = out_print(&w.tots, c.format, s.fp);
                }
            }
            rc = view_sink_close(&s, ok);
        }
    }
    if (rc == CLI_OK) {
        view_say_wrote(&c, w.recs.nrows, N_("record"), N_("records"));
        if (w.recs.nrows == 0 && c.format == OUT_TABLE && !c.output)
            fprintf(stderr, _("yanxiu: no credited records for %s yet\n"), code);
    }
    workbook_history_free(&w);
    yxc_free(resp);
    return rc;
}
