/*
 * cmd_assess: annual assessment (考核) — yanxiu assessment scheme
 * set|list|show, assessment scores import, and assessment results. A scheme
 * is an INI file the server parses (every problem named by its line);
 * scores are a CSV file as Excel saves it (a score per row, or a row per
 * teacher and a column per item), sent whole and answered line by line;
 * results are a view (view.h) in every format.
 */
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "import.h"
#include "lang.h"
#include "view.h"
#include "yxc.h"

/* A scheme file larger than this is refused before it is sent. */
#define MAX_SCHEME_BYTES (64 * 1024)

/* Option letters of these commands (the common ones are view.h's). */
enum {
    OPT_SCHEME = 's',
    OPT_YEAR = 'y',
    OPT_UNIT = 'u',
    OPT_APPROVED = 'A',
    OPT_ENCODING = 'e',
    OPT_CHECK = 'c',
};

/* "教师" / "单位" for a target code. */
static const char *target_zh(const char *target)
{
    return strcmp(target, "teacher") == 0 ? "教师" : strcmp(target, "unit") == 0 ? "单位" : target;
}

/* "40", "40.5": at most one decimal, no trailing ".0". */
static void short_number(double v, char *buf, size_t cap)
{
    snprintf(buf, cap, "%.1f", v);
    size_t n = strlen(buf);
    if (n > 2 && strcmp(buf + n - 2, ".0") == 0)
        buf[n - 2] = '\0';
}

/* --- assessment scheme set ------------------------------------------------------------- */

const char cmd_assessment_scheme_set_usage[] =
    N_("usage: yanxiu assessment scheme set FILE [--district CODE]\n"
       "\n"
       "Stores the assessment scheme (考核方案) in FILE, a UTF-8 INI file (a BOM is\n"
       "dropped; at most 64 KiB), under its name: a new scheme, or the new items and\n"
       "grades of the scheme of that name. District accounts only. The server checks\n"
       "every line first; if any is wrong nothing is stored and each problem is printed\n"
       "as FILE line N: reason (exit status 1). A scheme that has scores keeps its\n"
       "target and every item that has scores, and an item's maximum cannot drop below\n"
       "a score already entered.\n"
       "\n"
       "The file (# and ; start comments; section names in English or Chinese):\n"
       "  [scheme]            (or [方案])\n"
       "  name = NAME         名称: how scores import and results name the scheme\n"
       "  target = teacher    对象: teacher (教师) or unit (单位)\n"
       "  title = TEXT        标题 (optional)\n"
       "  [items]             (or [项目]) one line per item: item = maximum points,\n"
       "                      from 0.1 to 1000, one decimal at most; 1 to 50 items\n"
       "  [grades]            (or [等级]) one line per grade: grade = lowest score.\n"
       "                      A grade holds the scores from its lowest score up to, but\n"
       "                      not including, the next higher grade's ([60, 90) for 合格\n"
       "                      below): one grade must start at 0; 1 to 10 grades\n"
       "\n"
       "Example (seed 002 §七, 教师考核: 满分100分, 60分以上为合格):\n"
       "  [scheme]\n"
       "  name = 2026教师培训考核\n"
       "  target = teacher\n"
       "  [items]\n"
       "  培训心得体会 = 10\n"
       "  质量检测 = 30\n"
       "  暑期研修证书 = 10\n"
       "  云教研反思 = 10\n"
       "  推门听课材料 = 40\n"
       "  [grades]\n"
       "  优秀 = 90\n"
       "  合格 = 60\n"
       "  不合格 = 0\n"
       "\n"
       "  --district CODE  the district (6 digits); an admin must give it\n");

/* Prints the schemes of a SchemeList one per line: "NAME (teacher): 5 items, 100 points,
   grades 优秀 ≥ 90, 合格 ≥ 60, 不合格 ≥ 0". */
static void print_scheme_line(const Yanxiu__V1__Scheme *s)
{
    char total[32];
    short_number(s->total, total, sizeof(total));
    /* "s" makes "items" in English; the Chinese does without. */
    printf(_("%s (%s %s): %zu item%s, %s points; grades"), s->name, s->target, target_zh(s->target),
           s->n_items, s->n_items == 1 ? "" : "s", total);
    for (size_t i = 0; i < s->n_grades; i++) {
        char min[32];
        short_number(s->grades[i]->min_points, min, sizeof(min));
        printf(_("%s %s from %s"), i ? "," : "", s->grades[i]->name, min);
    }
    putchar('\n');
}

/* Parses the options of scheme set and show ([--district CODE]) into c and their one operand
   (cli_one_operand's what and one): the operand, or NULL after saying what is wrong. */
static const char *scheme_operand(struct cli *cli, int argc, char **argv, struct view_common *c,
                                  const char *what, const char *one)
{
    static const struct option opts[] = {
        {"district", required_argument, NULL, VIEW_OPT_DISTRICT},
        {0},
    };
    *c = (struct view_common){.district = "", .as_of = ""};
    if (view_common_options(cli, argc, argv, opts, c) != CLI_OK)
        return NULL;
    return cli_one_operand(cli, argc, argv, what, one);
}

int cmd_assessment_scheme_set(struct cli *cli, int argc, char **argv)
{
    struct view_common c;
    const char *path =
        scheme_operand(cli, argc, argv, &c, N_("FILE (the scheme file to store)"), N_("FILE"));
    if (!path)
        return CLI_USAGE;
    char *text;
    int rc = view_read_text_session(cli, c.district, path, MAX_SCHEME_BYTES, N_("scheme"), &text);
    if (rc != CLI_OK)
        return rc;
    Yanxiu__V1__SetSchemeRequest in = YANXIU__V1__SET_SCHEME_REQUEST__INIT;
    in.district_code = (char *)c.district;
    in.ini = text;
    Yanxiu__V1__Envelope req = YANXIU__V1__ENVELOPE__INIT;
    req.body_case = YANXIU__V1__ENVELOPE__BODY_SET_SCHEME;
    req.set_scheme = &in;
    Yanxiu__V1__Envelope *resp;
    rc = view_send_text(cli, path, &req, YANXIU__V1__ENVELOPE__BODY_SCHEME_LIST, "", &resp);
    free(text);
    if (rc != CLI_OK)
        return rc;
    if (resp->scheme_list->n_schemes != 1) {
        fprintf(stderr, _("yanxiu: the server at %s answered with %s\n"), cli->peer,
                yxc_body_name(resp->body_case));
        yxc_free(resp);
        return CLI_FAILED;
    }
    printf(_("stored scheme "));
    print_scheme_line(resp->scheme_list->schemes[0]);
    yxc_free(resp);
    return CLI_OK;
}

/* --- assessment scheme list / show ------------------------------------------------------ */

const char cmd_assessment_scheme_list_usage[] =
    N_("usage: yanxiu assessment scheme list [--district CODE] [--format FORMAT] [-o FILE]\n"
       "         [--force] [--bom]\n"
       "\n"
       "Lists the district's assessment schemes (考核方案): name, target (teacher 教师 or\n"
       "unit 单位), title, items, total points, grades (each from its lowest score), when\n"
       "and by whom it was last stored. Any account of the district.\n"
       "\n{output_options}");

const char cmd_assessment_scheme_show_usage[] =
    N_("usage: yanxiu assessment scheme show NAME [--district CODE]\n"
       "\n"
       "Prints scheme NAME as the INI file it was stored from (comments kept), ready to\n"
       "edit and store again with yanxiu assessment scheme set. Any account of the\n"
       "district.\n"
       "\n"
       "  --district CODE  the district (6 digits); an admin must give it\n");

/* Asks for the schemes (all, or `name`). Returns an exit code; *resp on CLI_OK. */
static int list_schemes(struct cli *cli, const char *district, const char *name,
                        Yanxiu__V1__Envelope **resp)
{
    int rc = view_open_session(cli, district);
    if (rc != CLI_OK)
        return rc;
    Yanxiu__V1__ListSchemesRequest in = YANXIU__V1__LIST_SCHEMES_REQUEST__INIT;
    in.district_code = (char *)district;
    in.name = (char *)name;
    Yanxiu__V1__Envelope req = YANXIU__V1__ENVELOPE__INIT;
    req.body_case = YANXIU__V1__ENVELOPE__BODY_LIST_SCHEMES;
    req.list_schemes = &in;
    return view_call(cli, &req, YANXIU__V1__ENVELOPE__BODY_SCHEME_LIST, resp);
}

int cmd_assessment_scheme_list(struct cli *cli, int argc, char **argv)
{
    static const struct option opts[] = {VIEW_OUTPUT_OPTIONS, {0}};
    struct view_common c = {.format = OUT_TABLE, .district = "", .as_of = ""};
    view_short_output_option(argc, argv);
    if (view_common_options(cli, argc, argv, opts, &c) != CLI_OK)
        return CLI_USAGE;
    if (!cli_no_operands(cli, argc, argv))
        return CLI_USAGE;
    int rc = view_common_check(cli, &c);
    if (rc != CLI_OK)
        return rc;
    Yanxiu__V1__Envelope *resp;
    rc = list_schemes(cli, c.district, "", &resp);
    if (rc != CLI_OK)
        return rc;
    static const struct out_column cols[] = {
        {"name", "方案名称", OUT_TEXT, NULL},       {"target", "考核对象", OUT_TEXT, NULL},
        {"title", "标题", OUT_TEXT, NULL},          {"items", "考核项目", OUT_LIST, NULL},
        {"total", "满分", OUT_HOURS, NULL},         {"grades", "等级", OUT_LIST, NULL},
        {"updated_at", "更新时间", OUT_TEXT, NULL}, {"updated_by", "更新人", OUT_TEXT, NULL},
    };
    enum { NCOLS = sizeof(cols) / sizeof(cols[0]) };
    const Yanxiu__V1__SchemeList *list = resp->scheme_list;
    /* "心得体会 10", "合格 ≥ 60": the cells' strings, kept until the output is done */
    size_t nstr = 0;
    for (size_t i = 0; i < list->n_schemes; i++)
        nstr += list->schemes[i]->n_items + list->schemes[i]->n_grades;
    char **strs = calloc(nstr + 1, sizeof(*strs));
    struct out_table v = {"考核方案", cols, NCOLS, NULL, 0, 0, false};
    bool ok = strs != NULL;
    size_t k = 0;
    for (size_t i = 0; ok && i < list->n_schemes; i++) {
        const Yanxiu__V1__Scheme *s = list->schemes[i];
        char **items = strs + k;
        for (size_t j = 0; ok && j < s->n_items; j++) {
            char n[32];
            short_number(s->items[j]->max_points, n, sizeof(n));
            ok = asprintf(&strs[k++], "%s %s", s->items[j]->name, n) >= 0;
        }
        char **grades = strs + k;
        for (size_t j = 0; ok && j < s->n_grades; j++) {
            char n[32];
            short_number(s->grades[j]->min_points, n, sizeof(n));
            ok = asprintf(&strs[k++], "%s ≥ %s", s->grades[j]->name, n) >= 0;
        }
        if (!ok)
            strs[--k] = NULL;
        const struct out_cell row[NCOLS] = {
            out_text(s->name),           out_text(s->target),     out_text(s->title),
            out_list(items, s->n_items), out_num(s->total),       out_list(grades, s->n_grades),
            out_text(s->updated_at),     out_text(s->updated_by),
        };
        out_add(&v, row);
    }
    if (!ok) {
        fprintf(stderr, _("yanxiu: out of memory\n"));
        rc = CLI_FAILED;
    } else {
        rc = view_output(&c, &v, NULL);
        if (rc == CLI_OK) {
            view_say_wrote(&c, v.nrows, N_("assessment scheme"), N_("assessment schemes"));
            if (v.nrows == 0 && c.format == OUT_TABLE)
                fprintf(stderr, _("yanxiu: no assessment scheme yet (the district stores one "
                                  "with yanxiu assessment scheme set FILE)\n"));
        }
    }
    for (size_t i = 0; strs && i < nstr; i++)
        free(strs[i]);
    free(strs);
    out_table_free(&v);
    yxc_free(resp);
    return rc;
}

int cmd_assessment_scheme_show(struct cli *cli, int argc, char **argv)
{
    struct view_common c;
    const char *name =
        scheme_operand(cli, argc, argv, &c, N_("NAME (the scheme to show)"), N_("NAME"));
    if (!name)
        return CLI_USAGE;
    Yanxiu__V1__Envelope *resp;
    int rc = list_schemes(cli, c.district, name, &resp);
    if (rc != CLI_OK)
        return rc;
    if (resp->scheme_list->n_schemes != 1) {
        fprintf(stderr, _("yanxiu: the server at %s answered with %zu schemes\n"), cli->peer,
                resp->scheme_list->n_schemes);
        yxc_free(resp);
        return CLI_FAILED;
    }
    view_print_text(resp->scheme_list->schemes[0]->ini);
    yxc_free(resp);
    return CLI_OK;
}

/* --- assessment scores import ----------------------------------------------------------- */

const char cmd_assessment_scores_import_usage[] =
    N_("usage: yanxiu assessment scores import FILE --year YYYY [--scheme NAME]\n"
       "         [--check] [--encoding ENCODING] [--district CODE]\n"
       "\n"
       "Enters the item scores in FILE, an Excel workbook (.xlsx, one sheet) or a CSV\n"
       "file as Excel saves it, for scheme NAME (default: the district's only scheme)\n"
       "and year YYYY (the school year starting in September of it, or the calendar\n"
       "year, as the policy says). yanxiu sends the file as it is and the server reads\n"
       "it. A score already entered for the same teacher (or unit), item and year is\n"
       "replaced. The server checks every score first; if any is wrong, nothing is\n"
       "written and every problem is listed at its cell: FILE SHEET!C5 (HEADER)\n"
       "\"VALUE\": reason (exit status 1): an item the scheme does not have, points\n"
       "that are not a number or above the item's maximum, a teacher not in the\n"
       "roster (for a school account: not of its own unit), an item scored twice. A\n"
       "school account enters the scores of its own teachers; only the district\n"
       "enters those of a unit scheme.\n"
       "\n"
       "FILE has one of two forms, told apart by its header row, which names the\n"
       "columns in any order.\n"
       "Long form, one score per row; columns in English or in Chinese:\n"
       "  teacher_code, 教师编号: the teacher (a teacher scheme), or\n"
       "  unit_code, 单位代码: the reporting unit's 10-digit code (a unit scheme)\n"
       "  name, 姓名: optional, for the reader; not checked\n"
       "  item, 考核项目: an item of the scheme, as its [items] names it\n"
       "  points, 得分: from 0 to the item's maximum, one decimal at most\n"
       "Wide form (宽表), one row per teacher (or unit), as kept in Excel:\n"
       "  teacher_code or unit_code, and name, as above\n"
       "  one column per item, headed by the item's name exactly as the scheme's\n"
       "  [items] writes it (yanxiu assessment scheme list); items may be left out.\n"
       "  A cell holds the item's points; an empty cell enters no score for that\n"
       "  item. A column that is not an item of the scheme is refused.\n"
       "\n"
       "  --scheme NAME        the scheme (yanxiu assessment scheme list)\n"
       "  --year YYYY          the year the scores are for\n"
       "  --check              check the file as an import would, write nothing\n"
       "  --encoding ENCODING  a CSV file's: auto, utf-8 or gb18030 (gbk) (default auto)\n"
       "  --district CODE      the district (6 digits); an admin must give it\n"
       "\n"
       "Examples (the scheme of yanxiu assessment scheme set --help):\n"
       "  $ cat scores.csv\n"
       "  教师编号,姓名,考核项目,得分\n"
       "  T0001,张丽,培训心得体会,9\n"
       "  T0001,张丽,质量检测,27.5\n"
       "  $ yanxiu assessment scores import scores.csv --scheme 2026教师培训考核 --year 2026\n"
       "  scores.csv: 2 created, 0 updated, 0 unchanged\n"
       "  $ cat wide.csv\n"
       "  教师编号,姓名,培训心得体会,质量检测,暑期研修证书,云教研反思,推门听课材料\n"
       "  T0001,张丽,9,27.5,10,8,36\n"
       "  T0002,王强,8,,10,9,30\n"
       "  $ yanxiu assessment scores import wide.csv --scheme 2026教师培训考核 --year 2026\n"
       "  wide.csv: 7 created, 0 updated, 2 unchanged\n");

/* Names joined by ", " for a message, cut with "…" when they do not fit. */
struct name_list {
    char buf[1024];
    size_t len;
    bool cut;
};

static void name_list_add(struct name_list *l, const char *s)
{
    const char *sep = l->len ? ", " : "";
    if (l->cut)
        return;
    if (l->len + strlen(sep) + strlen(s) + sizeof("…") > sizeof(l->buf)) {
        l->len += (size_t)snprintf(l->buf + l->len, sizeof(l->buf) - l->len, "%s…", sep);
        l->cut = true;
        return;
    }
    l->len += (size_t)snprintf(l->buf + l->len, sizeof(l->buf) - l->len, "%s%s", sep, s);
}

/*
 * Asks for scheme `name`, or for the district's only scheme when name is "".
 * Returns an exit code, having said what went wrong (several schemes and no
 * name: a usage error naming them); on CLI_OK *resp (to free with yxc_free)
 * holds the scheme and *s points to it.
 */
static int pick_scheme(struct cli *cli, const char *district, const char *name,
                       Yanxiu__V1__Envelope **resp, const Yanxiu__V1__Scheme **s)
{
    int rc = list_schemes(cli, district, name, resp);
    if (rc != CLI_OK)
        return rc;
    const Yanxiu__V1__SchemeList *list = (*resp)->scheme_list;
    if (list->n_schemes == 1) {
        *s = list->schemes[0];
        return CLI_OK;
    }
    if (name[0]) {
        fprintf(stderr, _("yanxiu: the server at %s answered with %zu schemes named %s\n"),
                cli->peer, list->n_schemes, name);
        rc = CLI_FAILED;
    } else if (list->n_schemes == 0) {
        fprintf(stderr, _("yanxiu: the district has no assessment scheme yet (the district stores "
                          "one with yanxiu assessment scheme set FILE)\n"));
        rc = CLI_FAILED;
    } else {
        struct name_list names = {.len = 0};
        for (size_t i = 0; i < list->n_schemes; i++)
            name_list_add(&names, list->schemes[i]->name);
        rc = cli_usage_error(cli,
                             _("the district has %zu assessment schemes (%s): name one with "
                               "--scheme NAME"),
                             list->n_schemes, names.buf);
    }
    yxc_free(*resp);
    *resp = NULL;
    return rc;
}

int cmd_assessment_scores_import(struct cli *cli, int argc, char **argv)
{
    static const struct option opts[] = {
        {"scheme", required_argument, NULL, OPT_SCHEME},
        {"year", required_argument, NULL, OPT_YEAR},
        {"encoding", required_argument, NULL, OPT_ENCODING},
        {"check", no_argument, NULL, OPT_CHECK},
        {"district", required_argument, NULL, VIEW_OPT_DISTRICT},
        {0},
    };
    struct view_common c = {.district = "", .as_of = ""};
    const char *scheme = "", *enc = "";
    uint32_t year = 0;
    bool check = false;
    int opt;
    while ((opt = cli_getopt(cli, argc, argv, opts)) != -1) {
        switch (opt) {
        case OPT_SCHEME:
            scheme = optarg;
            break;
        case OPT_YEAR:
            if (!view_year_arg(cli, optarg, &year))
                return CLI_USAGE;
            break;
        case OPT_ENCODING:
            if (!import_encoding_arg(cli, optarg, &enc))
                return CLI_USAGE;
            break;
        case OPT_CHECK:
            check = true;
            break;
        default:
            if (view_common_option(cli, opt, &c) != VIEW_OPT_TAKEN)
                return CLI_USAGE;
        }
    }
    const char *path = cli_one_operand(cli, argc, argv, "FILE (the scores to import)", "FILE");
    if (!path)
        return CLI_USAGE;
    if (!year)
        return cli_usage_error(cli, "--year YYYY is missing: which year are the scores for?");
    struct import_upload u = {.n = 0};
    int rc = import_add_file(&u, path, enc);
    if (rc != CLI_OK)
        return rc;

    /* The scheme by name: the district's only one when none is named. */
    Yanxiu__V1__Envelope *schemes = NULL;
    const Yanxiu__V1__Scheme *sch = NULL;
    rc = pick_scheme(cli, c.district, scheme, &schemes, &sch);
    if (rc == CLI_OK) {
        Yanxiu__V1__ImportScoresRequest in = YANXIU__V1__IMPORT_SCORES_REQUEST__INIT;
        in.district_code = (char *)c.district;
        in.scheme = sch->name;
        in.year = year;
        in.files = u.ptrs;
        in.n_files = u.n;
        in.check_only = check;
        Yanxiu__V1__Envelope req = YANXIU__V1__ENVELOPE__INIT;
        req.body_case = YANXIU__V1__ENVELOPE__BODY_IMPORT_SCORES;
        req.import_scores = &in;
        rc = import_send(cli, path, check, &u, &req);
    }
    import_upload_free(&u);
    yxc_free(schemes);
    return rc;
}

/* --- assessment results ------------------------------------------------------------------ */

const char cmd_assessment_results_usage[] = N_(
    "usage: yanxiu assessment results --year YYYY [--scheme NAME] [--unit CODE]\n"
    "         [--approved-only] [--as-of DATE] [--district CODE] [--format FORMAT]\n"
    "         [-o FILE] [--force] [--bom]\n"
    "\n"
    "The annual assessment (年度考核) of year YYYY under scheme NAME (default: the\n"
    "district's only scheme). For a teacher scheme, one row per teacher of the\n"
    "district (but those who left): the items scored, the score (the sum of the\n"
    "points), the grade the scheme gives it (grades are half-open ranges: a score\n"
    "of exactly 60 is 合格 when 合格 starts at 60), whether the year's hours rules\n"
    "(hours_ok: 年度学时, 校本学时, and 学分 when the policy has credits) and the\n"
    "absence rule (absences_ok: fewer unexcused absences than the policy's limit)\n"
    "hold, and the final grade: the grade, lowered to 不合格 when either fails.\n"
    "Consequences (seed 004 第十三条): no_promotion (不得晋职) when the hours fail;\n"
    "no_excellence (不得评优, 不评为优秀) when the hours or the absences fail. An\n"
    "exempt teacher (免训) is not judged on hours. A teacher without any score has\n"
    "no grade, and a final grade only when a rule fails (不合格). The hours are\n"
    "judged as the compliance views judge them (yanxiu compliance teachers). For a\n"
    "unit scheme, one row per reporting unit with its score and grade. A school\n"
    "account sees its own unit.\n"
    "\n"
    "  --year YYYY      the year\n"
    "  --scheme NAME    the scheme (yanxiu assessment scheme list)\n"
    "  --unit CODE      one reporting unit (10-digit code)\n"
    "  --approved-only  count the hours of approved reports only (official results)\n"
    "  --as-of DATE     judge as on DATE (YYYY-MM-DD); default: today. A DATE after\n"
    "                   today gives provisional results (预估), said so on stderr\n{output_options}"
    "\n"
    "Columns (CSV and JSON names; Excel has the Chinese): subject_code (教师编号 or\n"
    "单位代码), name, unit_code, items_scored, score, grade, hours_ok, absences_ok,\n"
    "final_grade, consequences, status (the year's compliance status), reasons (the\n"
    "rules not met: rule had/needed).\n");

/* The consequences' codes, shown in the CLI's language in table and Excel (不得晋职, 不得评优). */
static const char *const consequence_codes[] = {N_("no_promotion"), N_("no_excellence")};

int cmd_assessment_results(struct cli *cli, int argc, char **argv)
{
    static const struct option opts[] = {
        {"scheme", required_argument, NULL, OPT_SCHEME},
        {"year", required_argument, NULL, OPT_YEAR},
        {"unit", required_argument, NULL, OPT_UNIT},
        {"approved-only", no_argument, NULL, OPT_APPROVED},
        {"as-of", required_argument, NULL, VIEW_OPT_AS_OF},
        VIEW_OUTPUT_OPTIONS,
        {0},
    };
    struct view_common c = {.format = OUT_TABLE, .district = "", .as_of = ""};
    Yanxiu__V1__AssessmentQuery q = YANXIU__V1__ASSESSMENT_QUERY__INIT;
    view_short_output_option(argc, argv);
    int opt;
    while ((opt = cli_getopt(cli, argc, argv, opts)) != -1) {
        switch (opt) {
        case OPT_SCHEME:
            q.scheme = optarg;
            break;
        case OPT_YEAR:
            if (!view_year_arg(cli, optarg, &q.year))
                return CLI_USAGE;
            break;
        case OPT_UNIT:
            if (!view_all_digits(optarg, 10))
                return cli_usage_error(cli, _("--unit '%s' is not a 10-digit school code"), optarg);
            q.unit_code = optarg;
            break;
        case OPT_APPROVED:
            q.approved_only = true;
            break;
        default:
            if (view_common_option(cli, opt, &c) != VIEW_OPT_TAKEN)
                return CLI_USAGE;
        }
    }
    if (!cli_no_operands(cli, argc, argv))
        return CLI_USAGE;
    if (!q.year)
        return cli_usage_error(cli, _("--year YYYY is missing: which year?"));
    int rc = view_common_check(cli, &c);
    if (rc != CLI_OK)
        return rc;
    rc = view_open_session(cli, c.district);
    if (rc != CLI_OK)
        return rc;
    q.district_code = (char *)c.district;
    q.as_of = (char *)c.as_of;
    Yanxiu__V1__Envelope req = YANXIU__V1__ENVELOPE__INIT;
    req.body_case = YANXIU__V1__ENVELOPE__BODY_ASSESSMENT_RESULTS;
    req.assessment_results = &q;
    Yanxiu__V1__Envelope *resp;
    rc = view_call(cli, &req, YANXIU__V1__ENVELOPE__BODY_ASSESSMENT, &resp);
    if (rc != CLI_OK)
        return rc;
    const Yanxiu__V1__AssessmentResults *res = resp->assessment;
    bool teachers = strcmp(res->target, "teacher") == 0;
    static const struct out_column tcols[] = {
        {"subject_code", "教师编号", OUT_TEXT, NULL}, {"name", "姓名", OUT_TEXT, NULL},
        {"unit_code", "上报单位", OUT_TEXT, NULL},    {"items_scored", "已评项目", OUT_COUNT, NULL},
        {"score", "总分", OUT_HOURS, NULL},           {"grade", "考核等级", OUT_TEXT, NULL},
        {"hours_ok", "学时达标", OUT_BOOL, NULL},     {"absences_ok", "缺勤合规", OUT_BOOL, NULL},
        {"final_grade", "最终等级", OUT_TEXT, NULL},  {"consequences", "处理", OUT_LIST, NULL},
        {"status", "学时状态", OUT_STATUS, NULL},     {"reasons", "未达标项", OUT_REASONS, NULL},
    };
    static const struct out_column ucols[] = {
        {"subject_code", "单位代码", OUT_TEXT, NULL},  {"name", "单位名称", OUT_TEXT, NULL},
        {"items_scored", "已评项目", OUT_COUNT, NULL}, {"score", "总分", OUT_HOURS, NULL},
        {"grade", "考核等级", OUT_TEXT, NULL},
    };
    enum { NT = sizeof(tcols) / sizeof(tcols[0]), NU = sizeof(ucols) / sizeof(ucols[0]) };
    struct out_table v = {teachers ? "教师考核" : "单位考核",
                          teachers ? tcols : ucols,
                          teachers ? NT : NU,
                          NULL,
                          0,
                          0,
                          false};
    /* consequences in Chinese for Excel and the table; codes in CSV and JSON */
    bool for_people = c.format == OUT_TABLE || c.format == OUT_XLSX;
    char **cons = calloc(res->n_results * 2 + 1, sizeof(*cons));
    if (!cons) {
        fprintf(stderr, _("yanxiu: out of memory\n"));
        yxc_free(resp);
        return CLI_FAILED;
    }
    for (size_t i = 0; i < res->n_results; i++) {
        const Yanxiu__V1__AssessmentResult *r = res->results[i];
        struct out_cell grade = r->grade[0] ? out_text(r->grade) : (struct out_cell){.null = true};
        if (!teachers) {
            const struct out_cell row[NU] = {out_text(r->subject_code), out_text(r->name),
                                             out_num(r->items_scored), out_num(r->score), grade};
            out_add(&v, row);
            continue;
        }
        char **mine = cons + 2 * i;
        size_t nc = 0;
        for (size_t j = 0; j < r->n_consequences && nc < 2; j++) {
            const char *s = r->consequences[j];
            for (size_t k = 0; for_people && k < 2; k++)
                if (strcmp(s, consequence_codes[k]) == 0)
                    s = _(consequence_codes[k]);
            mine[nc++] = (char *)s;
        }
        const struct out_cell row[NT] = {
            out_text(r->subject_code),
            out_text(r->name),
            out_text(r->unit_code),
            out_num(r->items_scored),
            out_num(r->score),
            grade,
            out_num(r->hours_ok),
            out_num(r->absences_ok),
            r->final_grade[0] ? out_text(r->final_grade) : (struct out_cell){.null = true},
            out_list(mine, nc),
            out_text(vocab_code_of(&vocab_compliance, r->status)),
            out_reasons(r->reasons, r->n_reasons),
        };
        out_add(&v, row);
    }
    char title[256], total[32];
    short_number(res->total, total, sizeof(total));
    snprintf(title, sizeof(title),
             teachers
                 ? (res->provisional
                        ? _("PROVISIONAL teachers' assessment %u (scheme %s: %u items, %s points; "
                            "as of %s)")
                        : _("teachers' assessment %u (scheme %s: %u items, %s points; as of %s)"))
                 : (res->provisional
                        ? _("PROVISIONAL units' assessment %u (scheme %s: %u items, %s points; as "
                            "of %s)")
                        : _("units' assessment %u (scheme %s: %u items, %s points; as of %s)")),
             res->year, res->scheme, res->items, total, res->as_of);
    if (res->provisional) /* every format: machine output stays as it is, a person is told */
        fprintf(stderr,
                _("yanxiu: provisional: as of %s, a day after today; hours and scores may still "
                  "change, so these are not final results\n"),
                res->as_of);
    rc = view_output(&c, &v, title);
    if (rc == CLI_OK) {
        view_say_wrote(&c, v.nrows, teachers ? N_("teacher") : N_("unit"),
                       teachers ? N_("teachers") : N_("units"));
        if (v.nrows == 0 && c.format == OUT_TABLE)
            fprintf(stderr, _("yanxiu: nobody to assess\n"));
    }
    free(cons);
    out_table_free(&v);
    yxc_free(resp);
    return rc;
}
