/*
 * cmd_report: yanxiu report template|submit|list|show and the district's
 * approve|return|reopen|void of monthly reports (月报). A submission sends the
 * unit's workbook or CSV files as they are, with the narrative of summary.txt,
 * and prints every problem the server found at its cell (import.c).
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sodium.h>

#include "cli.h"
#include "import.h"
#include "out.h"
#include "template.h"
#include "text.h"
#include "view.h"
#include "workbook.h"
#include "yxc.h"

/* summary.txt is refused above this size (the server allows 4000 characters). */
#define SUMMARY_MAX_BYTES (64 * 1024)
/* Bytes of random idempotency key; printed as twice as many hex digits. */
#define KEY_RANDOM_BYTES 16
#define KEY_MIN_LEN      16
#define KEY_MAX_LEN      64

/* Prints server-supplied text with control characters other than newline shown as '?',
   so that it cannot drive the terminal. */
static void put_text(const char *t, FILE *fp)
{
    for (const unsigned char *p = (const unsigned char *)t; *p; p++)
        putc((*p < 0x20 && *p != '\n') || *p == 0x7f ? '?' : *p, fp);
}

/* What visible answers when memory ran out. */
static char visible_none[1];

/* Server-supplied text as put_text shows it, malloc'd ("" when memory ran out): for a
   whole translated line that holds it. Free with free_visible. */
static char *visible(const char *t)
{
    char *s = strdup(t ? t : "");
    if (!s)
        return visible_none;
    for (unsigned char *p = (unsigned char *)s; *p; p++)
        if ((*p < 0x20 && *p != '\n') || *p == 0x7f)
            *p = '?';
    return s;
}

static void free_visible(char *s)
{
    if (s != visible_none)
        free(s);
}

/* --- output ---------------------------------------------------------------------------- */

/*
 * An RFC 3339 time of the server as people read it: "2026-11-05T23:59:00+08:00"
 * becomes "2026-11-05 23:59" (the product's times are Asia/Shanghai). Other
 * offsets, and anything else, are shown as they are.
 */
static const char *fmt_time(const char *t, char *buf, size_t cap)
{
    size_t n = strlen(t);
    if (n >= 22 && t[10] == 'T' && strcmp(t + n - 6, "+08:00") == 0)
        snprintf(buf, cap, "%.10s %.5s", t, t + 11);
    else
        snprintf(buf, cap, "%s", t);
    return buf;
}

/* Says whether stdout took everything; returns an exit code. */
static int flush_stdout(void)
{
    if (fflush(stdout) == 0 && !ferror(stdout))
        return CLI_OK;
    fprintf(stderr, _("yanxiu: could not write the output: %s\n"), strerror(errno));
    return CLI_FAILED;
}

/* A number of hours as JSON: "1.5", "2". */
static void json_hours(struct out_json *j, const char *key, double v)
{
    char buf[64];
    out_json_number_text(j, key, out_decimal(v, buf, sizeof(buf)));
}

/* The fields of a ReportSummary, into the object being written. */
static void json_summary_fields(struct out_json *j, const Yanxiu__V1__ReportSummary *r)
{
    out_json_str(j, "unit_code", r->unit_code);
    out_json_str(j, "unit_name", r->unit_name);
    out_json_str(j, "month", r->month);
    out_json_uint(j, "version", r->version);
    out_json_str(j, "status", vocab_code_of(&vocab_report_status, r->status));
    out_json_bool(j, "on_time", r->on_time);
    out_json_bool(j, "empty", r->empty);
    out_json_uint(j, "activity_count", r->activity_count);
    out_json_uint(j, "attendance_count", r->attendance_count);
    out_json_uint(j, "external_count", r->external_count);
    json_hours(j, "teacher_hours", r->teacher_hours);
    out_json_uint(j, "flag_count",
                  r->flag_count > r->n_flags ? r->flag_count : (uint32_t)r->n_flags);
    out_json_open(j, "flags", '[', false);
    for (size_t i = 0; i < r->n_flags; i++) {
        out_json_open(j, NULL, '{', false);
        out_json_str(j, "kind", vocab_code_of(&vocab_flag, r->flags[i]->kind));
        out_json_str(j, "teacher_code", r->flags[i]->teacher_code);
        out_json_str(j, "detail", r->flags[i]->detail);
        out_json_close(j);
    }
    out_json_close(j);
    out_json_str(j, "submitted_at", r->submitted_at);
    out_json_str(j, "submitted_by", r->submitted_by);
    out_json_str(j, "first_submitted_at", r->first_submitted_at);
    out_json_str(j, "deadline", r->deadline);
    out_json_bool(j, "replayed", r->replayed);
    out_json_str(j, "return_reason", r->return_reason);
    out_json_bool(j, "imported", r->imported);
    out_json_bool(j, "checked", r->checked);
}

/* The columns of report list, and of submit and review with --format csv. */
static const struct out_column summary_cols[] = {
    {"unit_code", "上报单位", OUT_TEXT, NULL},
    {"unit_name", "单位名称", OUT_TEXT, NULL},
    {"month", "月份", OUT_TEXT, NULL},
    {"version", "版本", OUT_COUNT, NULL},
    {"status", "状态", OUT_REPORT_STATUS, NULL},
    {"on_time", "按时", OUT_BOOL, NULL},
    {"activity_count", "研修活动", OUT_COUNT, NULL},
    {"attendance_count", "签到", OUT_COUNT, NULL},
    {"external_count", "校外培训", OUT_COUNT, NULL},
    {"teacher_hours", "教师学时", OUT_DECIMAL, NULL},
    {"flag_count", "预警", OUT_COUNT, NULL},
    {"imported", "历史导入", OUT_BOOL, NULL},
    {"return_reason", "退回原因", OUT_TEXT, NULL},
};
#define SUMMARY_NCOLS (sizeof(summary_cols) / sizeof(summary_cols[0]))

/* Adds a report as a row of summary_cols. False when memory ran out. */
static bool summary_row(struct out_table *t, const Yanxiu__V1__ReportSummary *r)
{
    uint32_t nflags = r->flag_count > r->n_flags ? r->flag_count : (uint32_t)r->n_flags;
    const struct out_cell cells[SUMMARY_NCOLS] = {
        out_text(r->unit_code),
        out_text(r->unit_name),
        out_text(r->month),
        out_num(r->version),
        out_text(vocab_code_of(&vocab_report_status, r->status)),
        out_num(r->on_time),
        out_num(r->activity_count),
        out_num(r->attendance_count),
        out_num(r->external_count),
        out_num(r->teacher_hours),
        out_num(nflags),
        out_num(r->imported),
        out_text(r->return_reason),
    };
    return out_add(t, cells);
}

/* Prints the flags of a report as indented lines. */
static void print_flags(const Yanxiu__V1__ReportSummary *r)
{
    uint32_t nflags = r->flag_count > r->n_flags ? r->flag_count : (uint32_t)r->n_flags;
    if (nflags == 0) {
        fputs(_("flags:       none\n"), stdout);
        return;
    }
    printf(_("flags:       %u (signals of false records, 弄虚作假, for the district to judge)\n"),
           (unsigned)nflags);
    for (size_t i = 0; i < r->n_flags; i++) {
        const Yanxiu__V1__Flag *f = r->flags[i];
        fputs("  ", stdout);
        put_text(lang_label(&vocab_flag, vocab_code_of(&vocab_flag, f->kind)), stdout);
        fputs("  ", stdout);
        put_text(f->teacher_code[0] ? f->teacher_code : "-", stdout);
        fputs("  ", stdout);
        put_text(f->detail, stdout);
        putchar('\n');
    }
}

/* The line on when the report arrived and who sent it (or, imported, who entered it). */
static void print_submitted(const Yanxiu__V1__ReportSummary *r)
{
    char when[64], first[64];
    char *by = visible(r->submitted_by);
    fmt_time(r->submitted_at, when, sizeof(when));
    if (r->imported) /* entered afterwards by the district: who entered it, not who sent it */
        printf(_("submitted:   %s, entered afterwards by %s (历史导入)\n"), when, by);
    else if (by[0])
        printf(_("submitted:   %s by %s\n"), when, by);
    else
        printf(_("submitted:   %s\n"), when);
    free_visible(by);
    if (r->first_submitted_at[0] && strcmp(r->first_submitted_at, r->submitted_at) != 0)
        printf(_("first sent:  %s (version 1)\n"),
               fmt_time(r->first_submitted_at, first, sizeof(first)));
}

/* A report's summary for people, one "key: value" a line. */
static void print_summary_block(const Yanxiu__V1__ReportSummary *r)
{
    char when[64], hours[64];
    char *name = visible(r->unit_name);
    if (name[0])
        printf(_("unit:        %s (%s)\n"), name, r->unit_code);
    else
        printf(_("unit:        %s\n"), r->unit_code);
    free_visible(name);
    printf(_("month:       %s\n"), r->month);
    printf(_("version:     %u\n"), (unsigned)r->version);
    printf(_("status:      %s\n"),
           lang_label(&vocab_report_status, vocab_code_of(&vocab_report_status, r->status)));
    if (r->return_reason[0]) {
        char *why = visible(r->return_reason);
        printf(_("returned:    %s\n"), why);
        free_visible(why);
    }
    if (r->deadline[0]) {
        fmt_time(r->deadline, when, sizeof(when));
        if (r->on_time)
            printf(_("on time:     yes (deadline %s)\n"), when);
        else
            printf(_("on time:     no, late (deadline %s)\n"), when);
    } else {
        fputs(r->on_time ? _("on time:     yes\n") : _("on time:     no, late\n"), stdout);
    }
    if (r->submitted_at[0])
        print_submitted(r);
    if (r->imported)
        printf("%s\n",
               _("imported:    yes, a historical import (历史导入) with its true submission "
                 "time"));
    if (r->empty)
        fputs(_("contents:    none (an empty report)\n"), stdout);
    else
        printf(_("contents:    activities %u, sign-in rows %u, external records %u, "
                 "teacher-hours %s\n"),
               (unsigned)r->activity_count, (unsigned)r->attendance_count,
               (unsigned)r->external_count, out_decimal(r->teacher_hours, hours, sizeof(hours)));
    print_flags(r);
}

/* Prints a report's summary in `format` (submit and review). Returns an exit code. */
static int print_summary(const Yanxiu__V1__ReportSummary *r, enum out_format format)
{
    if (format == OUT_JSON) {
        struct out_json j = {.fp = stdout};
        out_json_open(&j, NULL, '{', false);
        json_summary_fields(&j, r);
        out_json_close(&j);
        return flush_stdout();
    }
    if (format == OUT_CSV) {
        struct out_table t = {"月报", summary_cols, SUMMARY_NCOLS, NULL, 0, 0, false};
        if (!summary_row(&t, r)) {
            out_table_free(&t);
            fprintf(stderr, _("yanxiu: out of memory\n"));
            return CLI_FAILED;
        }
        int rc = cli_print_table(&t, format);
        out_table_free(&t);
        return rc;
    }
    print_summary_block(r);
    return flush_stdout();
}

/* --- options ---------------------------------------------------------------------------- */

/* Checks a unit code (10 digits) given as `what`. False after saying what is wrong. */
static bool unit_arg(const struct cli *cli, const char *what, const char *arg)
{
    if (view_all_digits(arg, 10))
        return true;
    (void)cli_usage_error(cli,
                          _("%s '%s' is not a 10-digit unit code (the code of the central "
                            "school, or of a school that reports by itself, as yanxiu units list "
                            "shows it)"),
                          what, arg);
    return false;
}

/*
 * Parses a month given as `what`: YYYY-MM (also YYYY-M, YYYY/MM, YYYY.MM)
 * into out as YYYY-MM. False after saying what is wrong.
 */
static bool month_arg(const struct cli *cli, const char *what, const char *arg, char out[8])
{
    const char *p = arg;
    int y = strspn(arg, "0123456789") == 4 ? import_take_number(&p, 4) : -1, m = -1;
    if (y >= 0 && *p && strchr("-/.", *p)) {
        p++;
        m = import_take_number(&p, 2);
    }
    if (y < 1900 || y > 9999 || m < 1 || m > 12 || *p) {
        (void)cli_usage_error(cli, _("%s '%s' is not a month: write YYYY-MM, e.g. 2026-10"), what,
                              arg);
        return false;
    }
    snprintf(out, 8, "%04d-%02d", y % 10000, m % 100);
    return true;
}

/* --- report template ------------------------------------------------------------------- */

const char cmd_report_template_usage[] =
    N_("usage: yanxiu report template --xlsx FILE [--unit CODE] [--district CODE]\n"
       "       yanxiu report template DIR [--english]\n"
       "\n"
       "Writes what a unit fills in for its monthly report (月报).\n"
       "\n"
       "With --xlsx FILE: an Excel workbook with the sheets 研修活动 (activities),\n"
       "签到表 (sign-in sheets) and 校外培训 (training outside the unit), their Chinese\n"
       "headers, drop-down lists for 内容类别, 形式, 级别, 方式 and 签到, date, time and\n"
       "hours checks, and a sheet 填写说明 that says what each column takes. 签到表\n"
       "comes pre-filled with the unit's current roster (教师编号, 姓名): copy its rows\n"
       "for each activity, fill in 活动编号 and 签到, and delete the rows of teachers\n"
       "who did not take part. Save it as .xlsx and submit it as it is: yanxiu report\n"
       "submit FILE --month YYYY-MM. Needs a session (the roster comes from the\n"
       "server); a district account or an admin names the unit with --unit.\n"
       "\n"
       "With DIR: the CSV files, headers only, into DIR (created when missing):\n"
       "activities.csv (研修活动), attendance.csv (签到) and external.csv (上级/校外\n"
       "培训), UTF-8 with a BOM so that Excel opens them as they are; save them as CSV\n"
       "(\"CSV UTF-8\", or plain \"CSV\", which on Chinese Windows is GB18030). The\n"
       "narrative of the month (工作开展情况) may go into DIR/summary.txt. Needs no\n"
       "session.\n"
       "\n"
       "A file that exists is never replaced. yanxiu report submit --help lists the\n"
       "columns and the values they take.\n"
       "\n"
       "  --xlsx FILE      the workbook to write (e.g. 2026-10月报.xlsx)\n"
       "  --unit CODE      whose roster goes into 签到表 (10 digits); a school account\n"
       "                   leaves it out (its own unit)\n"
       "  --district CODE  admin only: the district (6 digits)\n"
       "  --english        CSV only: English headers (ref, date, ...) instead of\n"
       "                   Chinese (编号, 日期, ...); yanxiu reads both\n"
       "\n"
       "Examples:\n"
       "  $ yanxiu report template --xlsx 2026-10月报.xlsx\n"
       "  wrote 2026-10月报.xlsx (签到表: the 23 teachers of unit 4114230001)\n"
       "  $ yanxiu report template 2026-10\n"
       "  wrote 2026-10/activities.csv, 2026-10/attendance.csv, 2026-10/external.csv\n"
       "  ...\n");

/* mkdir -p: creates dir and its missing parents. False with errno set. */
static bool make_dirs(const char *dir)
{
    char path[4096];
    if (snprintf(path, sizeof(path), "%s", dir) >= (int)sizeof(path)) {
        errno = ENAMETOOLONG;
        return false;
    }
    for (char *p = path + 1;; p++) {
        if (*p != '/' && *p != '\0')
            continue;
        char c = *p;
        *p = '\0';
        if (mkdir(path, 0777) != 0) {
            struct stat st;
            if (errno != EEXIST)
                return false;
            if (stat(path, &st) != 0)
                return false;
            if (!S_ISDIR(st.st_mode)) {
                errno = ENOTDIR;
                return false;
            }
        }
        *p = c;
        if (c == '\0')
            return true;
    }
}

/* DIR/NAME into buf, as messages name it. */
static const char *dir_file(const char *dir, const char *name, char *buf, size_t cap)
{
    size_t n = strlen(dir);
    while (n > 1 && dir[n - 1] == '/')
        n--;
    snprintf(buf, cap, "%.*s%s%s", (int)n, dir, dir[n - 1] == '/' ? "" : "/", name);
    return buf;
}

/* report template DIR: the CSV files, headers only. */
static int template_csv(const char *dir, bool english)
{
    errno = 0;
    if (!make_dirs(dir)) {
        fprintf(stderr, _("yanxiu: %s: cannot create the directory: %s\n"), dir, strerror(errno));
        return CLI_FAILED;
    }
    int rc = CLI_OK;
    char wrote[3 * 4200] = "";
    for (size_t i = 0; i < sizeof(tmpl_report_sheets) / sizeof(tmpl_report_sheets[0]); i++) {
        char path[4200], err[4400];
        dir_file(dir, tmpl_report_sheets[i].csv_name, path, sizeof(path));
        if (!template_write_csv(path, &tmpl_report_sheets[i], english, lang_current(), err,
                                sizeof(err))) {
            fprintf(stderr, "yanxiu: %s\n", err);
            rc = CLI_FAILED;
            continue;
        }
        size_t used = strlen(wrote);
        snprintf(wrote + used, sizeof(wrote) - used, "%s%s", used ? ", " : "", path);
    }
    if (wrote[0]) {
        printf(_("wrote %s\n"
                 "Fill them in with Excel and save them as CSV; put the month's narrative\n"
                 "(工作开展情况) in %s/summary.txt if you like (optional). Then:\n"
                 "  yanxiu report submit %s --month YYYY-MM\n"
                 "(yanxiu report submit --help lists the columns and their values)\n"),
               wrote, dir, dir);
    }
    int out = flush_stdout();
    return rc != CLI_OK ? rc : out;
}

/* report template --xlsx FILE: the workbook, 签到表 pre-filled with the unit's roster. */
static int template_xlsx(struct cli *cli, const char *path, const char *unit, const char *district)
{
    struct stat st;
    if (lstat(path, &st) == 0) {
        char buf[4400];
        const struct msg_arg a[] = {{"file", path}};
        msg_render(buf, sizeof(buf), _("{file} exists already: it is not replaced"), a, 1);
        fprintf(stderr, "yanxiu: %s\n", buf);
        return CLI_FAILED;
    }
    int rc = view_open_session(cli, district);
    if (rc != CLI_OK)
        return rc;
    const Yanxiu__V1__Identity *me = cli->me->whoami_reply->identity;
    if (!unit[0] && me && me->role != YANXIU__V1__ROLE__ROLE_SCHOOL)
        return cli_usage_error(cli, _("--unit CODE is missing: whose roster goes into 签到表?"));
    Yanxiu__V1__ListRosterRequest in = YANXIU__V1__LIST_ROSTER_REQUEST__INIT;
    in.district_code = (char *)district;
    in.unit_code = (char *)unit;
    Yanxiu__V1__Envelope req = YANXIU__V1__ENVELOPE__INIT;
    req.body_case = YANXIU__V1__ENVELOPE__BODY_LIST_ROSTER;
    req.list_roster = &in;
    Yanxiu__V1__Envelope *resp = NULL;
    struct yxc_error err;
    if (!yxc_call(cli->conn, &req, YANXIU__V1__ENVELOPE__BODY_ROSTER_LIST, &resp, &err))
        return cli_report(cli, &err);

    /* The workbook is laid out where the daemon's is (sheet/workbook.c). */
    const char *whose = unit[0] ? unit : (me ? me->unit_code : "");
    size_t n = 0;
    char count[16], msg[4400];
    rc = CLI_OK;
    if (!workbook_report_template(path, resp->roster_list, whose, &n, msg, sizeof(msg))) {
        fprintf(stderr, "yanxiu: %s\n", msg);
        rc = CLI_FAILED;
    } else {
        snprintf(count, sizeof(count), "%zu", n);
        const struct msg_arg a[] = {{"n", count}, {"unit", whose}, {"file", path}};
        msg_render(msg, sizeof(msg),
                   _("wrote {file} (签到表: the {n} teachers of unit {unit}); fill it in, save it "
                     "as .xlsx, and submit it as it is"),
                   a, 3);
        printf("%s\n", msg);
        rc = flush_stdout();
    }
    yxc_free(resp);
    return rc;
}

int cmd_report_template(struct cli *cli, int argc, char **argv)
{
    static const struct option opts[] = {
        {"english", no_argument, NULL, 'E'},
        {"xlsx", required_argument, NULL, 'x'},
        {"unit", required_argument, NULL, 'u'},
        {"district", required_argument, NULL, 'd'},
        {0},
    };
    bool english = false;
    const char *xlsx = NULL, *unit = "", *district = "";
    int opt;
    while ((opt = cli_getopt(cli, argc, argv, opts)) != -1) {
        switch (opt) {
        case 'E':
            english = true;
            break;
        case 'x':
            xlsx = optarg;
            break;
        case 'u':
            if (!unit_arg(cli, "--unit", optarg))
                return CLI_USAGE;
            unit = optarg;
            break;
        case 'd':
            if (!view_district_arg(cli, optarg, &district))
                return CLI_USAGE;
            break;
        default:
            return CLI_USAGE;
        }
    }
    if (xlsx) {
        if (!xlsx[0])
            return cli_usage_error(cli, _("--xlsx FILE is empty"));
        if (english)
            return cli_usage_error(cli, _("--english goes with DIR (the CSV files): the workbook "
                                          "has the Chinese headers"));
        if (!cli_no_operands(cli, argc, argv))
            return CLI_USAGE;
        return template_xlsx(cli, xlsx, unit, district);
    }
    if (unit[0] || district[0])
        return cli_usage_error(cli, _("--unit and --district go with --xlsx FILE (its roster)"));
    if (optind >= argc)
        return cli_usage_error(cli, _("--xlsx FILE or DIR is missing: where should the template "
                                      "go?"));
    if (optind + 1 < argc)
        return cli_usage_error(cli, _("unexpected argument '%s' (give one DIR)"), argv[optind + 1]);
    if (!argv[optind][0])
        return cli_usage_error(cli, _("DIR is empty"));
    return template_csv(argv[optind], english);
}

/* --- report submit ---------------------------------------------------------------------- */

const char cmd_report_submit_usage[] =
    N_("usage: yanxiu report submit FILE.xlsx|DIR|FILE.csv... --month YYYY-MM\n"
       "                 [--unit CODE] [--check] [--encoding ENCODING]\n"
       "                 [--submitted-at TIME] [--idempotency-key KEY]\n"
       "                 [--district CODE] [--format FORMAT]\n"
       "       yanxiu report submit --month YYYY-MM --empty --reason TEXT\n"
       "                 [--unit CODE] [--idempotency-key KEY] [--district CODE]\n"
       "                 [--format FORMAT]\n"
       "\n"
       "Submits the monthly report (月报) of a reporting unit (上报单位). yanxiu sends\n"
       "the unit's files as they are and the server reads and checks them:\n"
       "  FILE.xlsx   one workbook with the sheets 研修活动 (or activities), 签到表\n"
       "              (attendance) and, when there is any, 校外培训 (external); yanxiu\n"
       "              report template --xlsx FILE writes one to fill in\n"
       "  DIR         the directory of activities.csv, attendance.csv, external.csv\n"
       "              (optional) and summary.txt (optional): yanxiu report template\n"
       "              DIR writes the CSV files\n"
       "  FILE.csv... the CSV files one by one, named as in DIR (a FILE.txt among them\n"
       "              is the narrative)\n"
       "summary.txt is the month's narrative (工作开展情况), plain text, at most 4000\n"
       "characters. When anything is wrong, nothing is written and every problem is\n"
       "listed at once, at its cell: FILE SHEET!C5 (HEADER) \"VALUE\": reason, then\n"
       "how many there are (exit status 1): the files' format (unknown headers,\n"
       "dates, times, hours that are not multiples of 0.5, values not in the lists)\n"
       "as well as the records (teachers not in the unit's roster, dates outside the\n"
       "month, an activity named in 签到表 that 研修活动 lacks, ...). Submitting a\n"
       "month again makes a new version that replaces the one before (every version\n"
       "is kept). A month without activities is submitted with --empty and a reason\n"
       "(e.g. 寒假), without files. Needs a session (yanxiu login).\n"
       "\n"
       "The sheets' and files' columns (English or Chinese headers, any order; a title\n"
       "row above the headers may stay):\n"
       "研修活动 / activities.csv, one activity (研修活动) a row:\n"
       "  ref, 编号 (required): the unit's reference, unique in the report, e.g.\n"
       "      2026-10-A03; 签到表 names the activity by it\n"
       "  date, 日期 (required): a date in the month (2026-10-08, 2026/10/8)\n"
       "  start, 开始 and end, 结束 (required): times (08:30, 8:30)\n"
       "  title, 主题 (required): the theme\n"
       "  category, 内容类别 (required): ethics 师德, theory 教育理论, subject\n"
       "      学科专业知识, skills 教学技能, it 信息技术, research 教育科研, law\n"
       "      法制教育, mental_health 心理健康, homeroom 班主任工作, other 其它\n"
       "  form, 形式 (required): lecture 专题培训 (or 讲座), lesson_study 课例研究,\n"
       "      collective_prep 集体备课, observation 听评课, demonstration 示范观摩,\n"
       "      mentoring 师徒结对, self_study 个人自修, research 课题研究, online\n"
       "      网络研修, competition 教学竞赛, other 其它\n"
       "  level, 级别 (required): school 校级, town 镇级, county 县级, city 市级,\n"
       "      province 省级, national 国家级\n"
       "  mode, 方式 (required): centralized 集中, remote 远程, self 自修\n"
       "  place, 地点; host, 主持人 (required); speaker, 主讲人\n"
       "  hours, 学时 (required): the hours credited to each participant, a multiple\n"
       "      of 0.5, e.g. 2 or 1.5\n"
       "签到表 / attendance.csv, the sign-in sheets (签到), one teacher of one activity\n"
       "a row:\n"
       "  ref, 活动编号 (required): the activity's ref in 研修活动\n"
       "  teacher_code, 教师编号 (required): as in the roster\n"
       "  name, 姓名: when given, it must match the roster\n"
       "  status, 签到 (required): present 出席, late 迟到, excused 请假, absent\n"
       "      无故缺席 (or 缺席)\n"
       "  hours, 学时: fewer hours than the activity's (e.g. for late); empty: the\n"
       "      activity's hours\n"
       "校外培训 / external.csv (optional), training outside the unit (上级/校外培训),\n"
       "one teacher and one course a row:\n"
       "  teacher_code, 教师编号; date, 日期; title, 名称; category, 内容类别; level,\n"
       "      级别; mode, 方式; hours, 学时 (all required; values as above)\n"
       "  credits, 学分: when the course awards its own; certificate, 证书编号\n"
       "Values are written as the Chinese name or the English code.\n"
       "\n"
       "  --month YYYY-MM        the month reported (required)\n"
       "  --unit CODE            the reporting unit (10 digits); a school account may\n"
       "                         leave it out (its own unit), a district account or\n"
       "                         an admin must give it\n"
       "  --check                check everything as a submission would, write\n"
       "                         nothing: \"checked: no problems\" or the problems\n"
       "  --empty                a month without activities (no files); needs --reason\n"
       "  --reason TEXT          why the month is empty, e.g. 寒假\n"
       "  --encoding ENCODING    auto, utf-8 or gb18030 (gbk)\n"
       "                         (default auto: UTF-8 with or without BOM, else\n"
       "                         GB18030 as Excel saves on Chinese Windows); for the\n"
       "                         CSV files and summary.txt alike\n"
       "  --submitted-at TIME    historical import (历史导入), district and admin only:\n"
       "                         when the report was really submitted on paper,\n"
       "                         \"YYYY-MM-DD HH:MM\" (Beijing time) or RFC 3339; the\n"
       "                         report counts as submitted then, and is marked as\n"
       "                         imported wherever it is shown\n"
       "  --idempotency-key KEY  16 to 64 letters, digits, _ or -: the key of this\n"
       "                         submission. Default: a new random one. A submission\n"
       "                         whose key the server has seen is answered as the first\n"
       "                         time and writes nothing. When the connection fails or\n"
       "                         the server answers UNAVAILABLE (the database is down,\n"
       "                         or it cannot know whether the report was written),\n"
       "                         yanxiu sends the same submission again by itself, up\n"
       "                         to 3 times, after 1, 2 and 4 s; when it gives up it\n"
       "                         prints the key and the command to run again with it,\n"
       "                         which writes the report at most once\n"
       "  --district CODE        admin only: the district (6 digits)\n"
       "  --format FORMAT        table, csv or json (default table): the answer. JSON\n"
       "                         keys: unit_code, unit_name, month, version, status,\n"
       "                         on_time, empty, activity_count, attendance_count,\n"
       "                         external_count, teacher_hours, flag_count, flags (kind,\n"
       "                         teacher_code, detail), submitted_at, submitted_by,\n"
       "                         first_submitted_at, deadline, replayed,\n"
       "                         return_reason, imported, checked\n"
       "\n"
       "The answer: the version, the status, whether it arrived on time (by the\n"
       "deadline: the first version counts), the counts, and flags: signals of false\n"
       "records (弄虚作假: overlapping activities, too many hours on one day, identical\n"
       "sign-in lists) that do not block the report but that the district sees.\n"
       "\n"
       "Examples:\n"
       "  $ yanxiu report submit 2026-10月报.xlsx --month 2026-10 --check\n"
       "  2026-10月报.xlsx: checked: no problems; nothing was written\n"
       "  $ yanxiu report submit 2026-10月报.xlsx --month 2026-10\n"
       "  unit:        城关镇中心校 (4114230001)\n"
       "  month:       2026-10\n"
       "  version:     1\n"
       "  status:      submitted\n"
       "  on time:     yes (deadline 2026-11-05 23:59)\n"
       "  ...\n"
       "  $ yanxiu report submit 2026-10 --month 2026-10\n"
       "  $ yanxiu report submit --month 2027-02 --empty --reason 寒假\n");

/* The CSV files of a report directory, in the order they are sent. */
static const char *const report_csv_files[] = {"activities.csv", "attendance.csv", "external.csv"};
static const char SUMMARY_TXT[] = "summary.txt";

/* Options of report submit. */
struct submit_opts {
    char **operands; /* the files, or the one DIR */
    int n_operands;
    char month[8];
    const char *unit, *district, *reason, *enc, *submitted_at;
    bool empty, check;
    enum out_format format;
    char key[KEY_MAX_LEN + 1];
};

/* Whether s is 16 to 64 of [A-Za-z0-9_-], as the server takes idempotency keys. */
static bool valid_key(const char *s)
{
    size_t n = strlen(s);
    return n >= KEY_MIN_LEN && n <= KEY_MAX_LEN &&
           strspn(s, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-") == n;
}

/* A new random idempotency key of 32 hex digits. False (after saying so) when the system
   gives no randomness. */
static bool random_key(char *out, size_t cap)
{
    unsigned char r[KEY_RANDOM_BYTES];
    if (sodium_init() < 0 || cap < 2 * sizeof(r) + 1) {
        fprintf(stderr, _("yanxiu: no random numbers from the system for the idempotency key: "
                          "give one with --idempotency-key KEY\n"));
        return false;
    }
    randombytes_buf(r, sizeof(r));
    sodium_bin2hex(out, cap, r, sizeof(r)); /* lowercase, NUL-terminated */
    return true;
}

/* Parses --format of an answer (submit, review): table, csv or json. False after saying why. */
static bool answer_format(const struct cli *cli, const char *arg, enum out_format *format)
{
    if (!cli_parse_format(cli, arg, format))
        return false;
    if (*format != OUT_XLSX)
        return true;
    (void)cli_usage_error(cli, _("--format xlsx: the answer is printed, not written to a file; "
                                 "give table, csv or json"));
    return false;
}

static int submit_options(struct cli *cli, int argc, char **argv, struct submit_opts *o)
{
    static const struct option opts[] = {
        {"month", required_argument, NULL, 'm'},
        {"unit", required_argument, NULL, 'u'},
        {"empty", no_argument, NULL, 'E'},
        {"reason", required_argument, NULL, 'r'},
        {"encoding", required_argument, NULL, 'e'},
        {"idempotency-key", required_argument, NULL, 'k'},
        {"district", required_argument, NULL, 'd'},
        {"format", required_argument, NULL, 'f'},
        {"check", no_argument, NULL, 'c'},
        {"submitted-at", required_argument, NULL, 's'},
        {0},
    };
    *o = (struct submit_opts){
        .unit = "", .district = "", .enc = "", .submitted_at = "", .format = OUT_TABLE};
    int opt;
    while ((opt = cli_getopt(cli, argc, argv, opts)) != -1) {
        switch (opt) {
        case 'm':
            if (!month_arg(cli, "--month", optarg, o->month))
                return CLI_USAGE;
            break;
        case 'u':
            if (!unit_arg(cli, "--unit", optarg))
                return CLI_USAGE;
            o->unit = optarg;
            break;
        case 'E':
            o->empty = true;
            break;
        case 'r':
            o->reason = optarg;
            break;
        case 'e':
            if (!import_encoding_arg(cli, optarg, &o->enc))
                return CLI_USAGE;
            break;
        case 'k':
            if (!valid_key(optarg))
                return cli_usage_error(cli,
                                       _("--idempotency-key '%s' is not 16 to 64 letters, digits, "
                                         "_ or -"),
                                       optarg);
            snprintf(o->key, sizeof(o->key), "%s", optarg);
            break;
        case 'd':
            if (!view_district_arg(cli, optarg, &o->district))
                return CLI_USAGE;
            break;
        case 'f':
            if (!answer_format(cli, optarg, &o->format))
                return CLI_USAGE;
            break;
        case 'c':
            o->check = true;
            break;
        case 's':
            if (!optarg[0])
                return cli_usage_error(cli, _("--submitted-at is empty: give the time the report "
                                              "was really submitted, e.g. \"2026-10-08 16:30\""));
            o->submitted_at = optarg;
            break;
        default:
            return CLI_USAGE;
        }
    }
    o->operands = argv + optind;
    o->n_operands = argc - optind;
    if (!o->month[0])
        return cli_usage_error(cli, _("--month YYYY-MM is missing: which month is reported?"));
    if (o->empty) {
        if (o->n_operands)
            return cli_usage_error(cli,
                                   _("an --empty report has no files: leave out '%s', or "
                                     "leave out --empty"),
                                   o->operands[0]);
        if (!o->reason || !o->reason[0])
            return cli_usage_error(cli, _("--reason TEXT is missing: say why the month is empty "
                                          "(e.g. 寒假)"));
    } else {
        if (o->reason)
            return cli_usage_error(cli,
                                   _("--reason goes with --empty (a month without activities)"));
        if (!o->n_operands)
            return cli_usage_error(cli, _("the files are missing: give the workbook FILE.xlsx, "
                                          "the DIR of the CSV files, or the CSV files (or --empty "
                                          "--reason TEXT for a month without activities)"));
    }
    if (!o->key[0] && !random_key(o->key, sizeof(o->key)))
        return CLI_FAILED;
    return CLI_OK;
}

/* Whether path ends with `suffix`, ASCII case ignored. */
static bool has_suffix(const char *path, const char *suffix)
{
    size_t n = strlen(path), k = strlen(suffix);
    return n > k && strcasecmp(path + n - k, suffix) == 0;
}

/* The narrative as sent: a BOM dropped, line ends made LF, surrounding blank space trimmed. */
static void tidy_text(char *t)
{
    size_t bom = text_bom_len(t, strlen(t));
    memmove(t, t + bom, strlen(t + bom) + 1);
    char *w = t;
    for (const char *r = t; *r; r++) {
        if (*r == '\r') {
            *w++ = '\n';
            if (r[1] == '\n')
                r++;
        } else {
            *w++ = *r;
        }
    }
    *w = '\0';
    size_t lead = strspn(t, " \t\n");
    memmove(t, t + lead, strlen(t + lead) + 1);
    size_t n = strlen(t);
    while (n > 0 && strchr(" \t\n", t[n - 1]))
        t[--n] = '\0';
}

/* Says a problem of summary.txt; returns CLI_FAILED. */
static int summary_problem(const char *path, const char *msgid, const char *detail)
{
    char buf[1200];
    const struct msg_arg a[] = {{"file", path}, {"detail", detail ? detail : ""}};
    msg_render(buf, sizeof(buf), _(msgid), a, 2);
    fprintf(stderr, "yanxiu: %s\n", buf);
    return CLI_FAILED;
}

/*
 * Reads the narrative (工作开展情况) at `path` into *out (UTF-8, malloc'd): UTF-8
 * or GB18030 as `enc` says ("" detects). Returns an exit code, having said
 * what is wrong.
 */
static int read_summary(const char *path, const char *enc, char **out)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return summary_problem(path, N_("{file}: cannot read it: {detail}"), strerror(errno));
    unsigned char *buf = malloc(SUMMARY_MAX_BYTES + 1);
    size_t len = 0;
    while (buf && len <= SUMMARY_MAX_BYTES) {
        ssize_t n = read(fd, buf + len, SUMMARY_MAX_BYTES + 1 - len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            break;
        len += (size_t)n;
    }
    close(fd);
    if (!buf)
        return summary_problem(path, N_("{file}: cannot read it: {detail}"), strerror(ENOMEM));
    int rc = CLI_OK;
    size_t bad = text_utf8_invalid_at(buf, len);
    if (len > SUMMARY_MAX_BYTES) {
        rc = summary_problem(path,
                             N_("{file}: larger than 64 KiB: the narrative (工作开展情况) may "
                                "have at most 4000 characters"),
                             NULL);
    } else if (memchr(buf, 0, len)) {
        rc = summary_problem(path, N_("{file}: holds a NUL byte: save it as plain text"), NULL);
    } else if (!strcmp(enc, "utf-8") && bad < len) {
        rc = summary_problem(path,
                             N_("{file}: not UTF-8: save it as UTF-8, or give --encoding "
                                "gb18030 if it is GB18030/GBK"),
                             NULL);
    } else if (!strcmp(enc, "gb18030") || bad < len) {
        size_t conv_len;
        if (!text_gb18030_to_utf8(buf, len, out, &conv_len, NULL))
            rc = summary_problem(path,
                                 N_("{file}: neither UTF-8 nor GB18030 text: save it as UTF-8 "
                                    "text"),
                                 NULL);
    } else if ((*out = malloc(len + 1))) {
        memcpy(*out, buf, len);
        (*out)[len] = '\0';
    } else {
        rc = summary_problem(path, N_("{file}: cannot read it: {detail}"), strerror(ENOMEM));
    }
    free(buf);
    if (*out)
        tidy_text(*out);
    return rc;
}

/*
 * Reads the files the operands name into u and the narrative into *summary:
 * a DIR's CSV files and summary.txt, or the files given (a .txt one being the
 * narrative). Returns an exit code, having said what is wrong.
 */
static int read_files(const struct submit_opts *o, struct import_upload *u, char **summary)
{
    struct stat st;
    if (o->n_operands == 1 && stat(o->operands[0], &st) == 0 && S_ISDIR(st.st_mode)) {
        const char *dir = o->operands[0];
        char path[4200];
        for (size_t i = 0; i < sizeof(report_csv_files) / sizeof(report_csv_files[0]); i++) {
            dir_file(dir, report_csv_files[i], path, sizeof(path));
            if (stat(path, &st) != 0 && errno == ENOENT)
                continue;
            int rc = import_add_file(u, path, o->enc);
            if (rc != CLI_OK)
                return rc;
        }
        if (!u->n) {
            char buf[1200];
            const struct msg_arg a[] = {{"dir", dir}};
            msg_render(buf, sizeof(buf),
                       _("{dir} holds none of activities.csv, attendance.csv and external.csv: "
                         "give the directory of the report's CSV files, or the workbook "
                         "FILE.xlsx"),
                       a, 1);
            fprintf(stderr, "yanxiu: %s\n", buf);
            return CLI_FAILED;
        }
        dir_file(dir, SUMMARY_TXT, path, sizeof(path));
        if (stat(path, &st) == 0)
            return read_summary(path, o->enc, summary);
        return CLI_OK;
    }
    for (int i = 0; i < o->n_operands; i++) {
        const char *path = o->operands[i];
        int rc;
        if (has_suffix(path, ".txt")) {
            if (*summary)
                return summary_problem(path, N_("{file}: a second narrative: give one .txt file"),
                                       NULL);
            rc = read_summary(path, o->enc, summary);
        } else {
            rc = import_add_file(u, path, o->enc);
        }
        if (rc != CLI_OK)
            return rc;
    }
    if (!u->n)
        return summary_problem(o->operands[0],
                               N_("{file} is the narrative only: give the report's workbook or "
                                  "CSV files as well"),
                               NULL);
    return CLI_OK;
}

/* Says that the outcome of the submission is not known, and how to find out. */
static void outcome_unknown(const struct submit_opts *o)
{
    fprintf(stderr,
            _("yanxiu: the server may or may not have received the report; to find out without "
              "submitting it twice, run the same command again with --idempotency-key %s\n"),
            o->key);
}

/* Prints the server's answer to the submission. Returns an exit code. */
static int submit_answer(struct cli *cli, const struct submit_opts *o,
                         const struct import_upload *u, const Yanxiu__V1__Envelope *resp)
{
    struct yxc_error err;
    if (resp->body_case == YANXIU__V1__ENVELOPE__BODY_ERROR && resp->error->n_violations > 0)
        return import_print_problems(resp->error, u);
    if (!yxc_check(resp, &err))
        return cli_report(cli, &err);
    if (resp->body_case != YANXIU__V1__ENVELOPE__BODY_REPORT_REPLY || !resp->report_reply) {
        fprintf(stderr, _("yanxiu: the server at %s answered the report with %s\n"), cli->peer,
                yxc_body_name(resp->body_case));
        outcome_unknown(o);
        return CLI_FAILED;
    }
    const Yanxiu__V1__ReportSummary *r = resp->report_reply;
    if (o->check && o->format == OUT_TABLE) {
        import_print_checked(o->n_operands == 1 ? o->operands[0] : o->month);
        return flush_stdout();
    }
    int rc = print_summary(r, o->format);
    if (rc == CLI_OK && r->replayed && o->format == OUT_TABLE)
        printf(_("(a retry: the report was already received; nothing new was written)\n"));
    return rc;
}

int cmd_report_submit(struct cli *cli, int argc, char **argv)
{
    struct submit_opts o;
    int rc = submit_options(cli, argc, argv, &o);
    if (rc != CLI_OK)
        return rc;
    struct import_upload u = {.n = 0};
    char *summary = NULL;
    if (!o.empty) {
        rc = read_files(&o, &u, &summary);
        if (rc != CLI_OK)
            goto done;
    }

    Yanxiu__V1__SubmitReportRequest in = YANXIU__V1__SUBMIT_REPORT_REQUEST__INIT;
    in.unit_code = (char *)o.unit;
    in.month = o.month;
    in.idempotency_key = o.key;
    in.empty = o.empty;
    in.reason = (char *)(o.reason ? o.reason : "");
    in.summary = summary ? summary : "";
    in.district_code = (char *)o.district;
    in.files = u.ptrs;
    in.n_files = u.n;
    in.check_only = o.check;
    in.submitted_at = (char *)o.submitted_at;
    Yanxiu__V1__Envelope req = YANXIU__V1__ENVELOPE__INIT;
    req.body_case = YANXIU__V1__ENVELOPE__BODY_SUBMIT_REPORT;
    req.submit_report = &in;

    rc = view_open_session(cli, o.district);
    Yanxiu__V1__Envelope *resp = NULL;
    if (rc == CLI_OK)
        rc = cli_call_keyed(cli, &req, _("the report"), "--idempotency-key", o.key, &resp);
    if (rc == CLI_OK)
        rc = submit_answer(cli, &o, &u, resp);
    yxc_free(resp);
done:
    free(summary);
    import_upload_free(&u);
    return rc;
}

/* --- approve, return, reopen, void ----------------------------------------------------- */

/* The usages of approve, return, reopen and void name their common options {review_options}
   (a block of print_usage, cli.c). */

const char cmd_report_approve_usage[] =
    N_("usage: yanxiu report approve UNIT MONTH [--reason TEXT] [--district CODE]\n"
       "                             [--format FORMAT]\n"
       "\n"
       "Approves the submitted monthly report (月报) of UNIT for MONTH, its latest\n"
       "version: its status becomes approved and it is locked (the unit cannot submit\n"
       "the month again until the district reopens it). Official annual results count\n"
       "approved reports only. District role. Needs a session (yanxiu login).\n"
       "\n"
       "{review_options}"
       "  --reason TEXT    a remark, kept in the report's history (optional)\n"
       "\n"
       "Example:\n"
       "  $ yanxiu report approve 4114230001 2026-10\n"
       "  report 4114230001 城关镇中心校 2026-10 version 2: approved\n");

const char cmd_report_return_usage[] =
    N_("usage: yanxiu report return UNIT MONTH --reason TEXT [--district CODE]\n"
       "                            [--format FORMAT]\n"
       "\n"
       "Returns the submitted monthly report (月报) of UNIT for MONTH to the unit with\n"
       "a reason: its status becomes returned, its hours stop counting, and the unit\n"
       "corrects it and submits a new version. An approved report is reopened\n"
       "instead. District role. Needs a session (yanxiu login).\n"
       "\n"
       "{review_options}"
       "  --reason TEXT    what the unit must correct (required)\n"
       "\n"
       "Example:\n"
       "  $ yanxiu report return 4114230001 2026-10 --reason \"A03 缺少签到表\"\n"
       "  report 4114230001 城关镇中心校 2026-10 version 1: returned\n");

const char cmd_report_reopen_usage[] =
    N_("usage: yanxiu report reopen UNIT MONTH --reason TEXT [--district CODE]\n"
       "                            [--format FORMAT]\n"
       "\n"
       "Reopens an approved or voided monthly report (月报) of UNIT for MONTH with a\n"
       "reason: its status becomes reopened, its hours stop counting, and the unit\n"
       "submits a new version. District role. Needs a session (yanxiu login).\n"
       "\n"
       "{review_options}"
       "  --reason TEXT    why it is reopened (required)\n"
       "\n"
       "Example:\n"
       "  $ yanxiu report reopen 4114230001 2026-10 --reason 补录外出培训\n"
       "  report 4114230001 城关镇中心校 2026-10 version 2: reopened\n");

const char cmd_report_void_usage[] =
    N_("usage: yanxiu report void UNIT MONTH --reason TEXT [--district CODE]\n"
       "                          [--format FORMAT]\n"
       "\n"
       "Voids the monthly report (月报) of UNIT for MONTH (不予认定学分): its hours stop\n"
       "counting for every teacher, for records found to be false; the data stays for\n"
       "the audit. District role. Needs a session (yanxiu login).\n"
       "\n"
       "{review_options}"
       "  --reason TEXT    why it is voided (required)\n"
       "\n"
       "Example:\n"
       "  $ yanxiu report void 4114230001 2026-10 --reason 签到表与实际不符\n"
       "  report 4114230001 城关镇中心校 2026-10 version 2: voided\n");

/* Parses the UNIT and MONTH operands into unit and month. Returns an exit code. */
static int unit_month_operands(struct cli *cli, int argc, char **argv, const char **unit,
                               char month[8])
{
    if (optind >= argc)
        return cli_usage_error(cli, _("UNIT and MONTH are missing (e.g. 4114230001 2026-10)"));
    if (optind + 1 >= argc)
        return cli_usage_error(cli, _("MONTH is missing (YYYY-MM, e.g. 2026-10)"));
    if (optind + 2 < argc)
        return cli_usage_error(cli, _("unexpected argument '%s' (give UNIT and MONTH)"),
                               argv[optind + 2]);
    if (!unit_arg(cli, _("UNIT"), argv[optind]) ||
        !month_arg(cli, _("MONTH"), argv[optind + 1], month))
        return CLI_USAGE;
    *unit = argv[optind];
    return CLI_OK;
}

static int review(struct cli *cli, int argc, char **argv, const char *action)
{
    static const struct option opts[] = {
        {"reason", required_argument, NULL, 'r'},
        {"district", required_argument, NULL, 'd'},
        {"format", required_argument, NULL, 'f'},
        {0},
    };
    const char *reason = "", *district = "", *unit;
    char month[8];
    enum out_format format = OUT_TABLE;
    int opt;
    while ((opt = cli_getopt(cli, argc, argv, opts)) != -1) {
        switch (opt) {
        case 'r':
            reason = optarg;
            break;
        case 'd':
            if (!view_district_arg(cli, optarg, &district))
                return CLI_USAGE;
            break;
        case 'f':
            if (!answer_format(cli, optarg, &format))
                return CLI_USAGE;
            break;
        default:
            return CLI_USAGE;
        }
    }
    int rc = unit_month_operands(cli, argc, argv, &unit, month);
    if (rc != CLI_OK)
        return rc;
    if (strcmp(action, "approve") != 0 && !reason[0])
        return cli_usage_error(cli, _("--reason TEXT is missing: say why (the unit reads it)"));
    rc = view_open_session(cli, district);
    if (rc != CLI_OK)
        return rc;

    Yanxiu__V1__ReviewReportRequest in = YANXIU__V1__REVIEW_REPORT_REQUEST__INIT;
    in.unit_code = (char *)unit;
    in.month = month;
    in.action = (char *)action;
    in.reason = (char *)reason;
    in.district_code = (char *)district;
    Yanxiu__V1__Envelope req = YANXIU__V1__ENVELOPE__INIT;
    req.body_case = YANXIU__V1__ENVELOPE__BODY_REVIEW_REPORT;
    req.review_report = &in;
    Yanxiu__V1__Envelope *resp;
    struct yxc_error err;
    if (!yxc_call(cli->conn, &req, YANXIU__V1__ENVELOPE__BODY_REPORT_REPLY, &resp, &err))
        return cli_report(cli, &err);
    const Yanxiu__V1__ReportSummary *r = resp->report_reply;
    if (format != OUT_TABLE) {
        rc = print_summary(r, format);
    } else {
        const char *code = r->unit_code[0] ? r->unit_code : unit;
        const char *when = r->month[0] ? r->month : month;
        const char *status =
            lang_label(&vocab_report_status, vocab_code_of(&vocab_report_status, r->status));
        char *name = visible(r->unit_name);
        if (name[0])
            printf(_("report %s %s %s version %u: %s\n"), code, name, when, (unsigned)r->version,
                   status);
        else
            printf(_("report %s %s version %u: %s\n"), code, when, (unsigned)r->version, status);
        free_visible(name);
        rc = flush_stdout();
    }
    yxc_free(resp);
    return rc;
}

int cmd_report_approve(struct cli *cli, int argc, char **argv)
{
    return review(cli, argc, argv, "approve");
}

int cmd_report_return(struct cli *cli, int argc, char **argv)
{
    return review(cli, argc, argv, "return");
}

int cmd_report_reopen(struct cli *cli, int argc, char **argv)
{
    return review(cli, argc, argv, "reopen");
}

int cmd_report_void(struct cli *cli, int argc, char **argv)
{
    return review(cli, argc, argv, "void");
}

/* --- report list ------------------------------------------------------------------------- */

const char cmd_report_list_usage[] =
    N_("usage: yanxiu report list [--unit CODE]\n"
       "                          [--month YYYY-MM | --from YYYY-MM --to YYYY-MM]\n"
       "                          [--status STATUS] [--district CODE] [--format FORMAT]\n"
       "                          [-o FILE]\n"
       "\n"
       "Lists monthly reports (月报), the latest version of each, by month and unit. A\n"
       "school account sees its own unit's; a district account the whole district's.\n"
       "Needs a session (yanxiu login).\n"
       "\n"
       "Columns (JSON keys and CSV header; Excel has the Chinese):\n"
       "  unit_code         the reporting unit (上报单位)\n"
       "  unit_name\n"
       "  month             YYYY-MM\n"
       "  version           1 for the first submission, then one more for each\n"
       "  status            submitted, approved, returned, reopened or voided\n"
       "  on_time           yes/no (true/false in JSON, 是/否 in Excel): the first\n"
       "                    version arrived by the deadline\n"
       "  activity_count    activities (研修活动)\n"
       "  attendance_count  sign-in rows (签到)\n"
       "  external_count    external records (上级/校外培训)\n"
       "  teacher_hours     the hours credited, summed over teachers\n"
       "  flag_count        signals of false records (弄虚作假)\n"
       "  imported          yes when the district entered the report afterwards with\n"
       "                    the time it really arrived (历史导入)\n"
       "  return_reason     the district's reason, while the report is returned\n"
       "JSON has also: empty, flags (kind, teacher_code, detail), submitted_at,\n"
       "first_submitted_at and deadline (RFC 3339, e.g. 2026-11-03T09:12:00+08:00),\n"
       "submitted_by and replayed (false).\n"
       "\n"
       "  --unit CODE      only this reporting unit (10 digits)\n"
       "  --month YYYY-MM  only this month\n"
       "  --from YYYY-MM   only from this month on\n"
       "  --to YYYY-MM     only up to this month\n"
       "  --status STATUS  only reports of this status (the code or its Chinese\n"
       "                   name, e.g. returned or 已退回)\n"
       "{output_options}\n"
       "Example:\n"
       "  $ yanxiu report list --month 2026-10 --format csv\n"
       "  unit_code,unit_name,month,version,status,on_time,activity_count,...\n"
       "  4114230001,城关镇中心校,2026-10,2,submitted,yes,8,240,3,720,0\n");

/* The report list as JSON: one object per report, with its flags. */
static void print_list_json(const Yanxiu__V1__ReportList *list, FILE *fp)
{
    struct out_json j = {.fp = fp};
    out_json_open(&j, NULL, '[', false);
    for (size_t i = 0; i < list->n_reports; i++) {
        out_json_open(&j, NULL, '{', false);
        json_summary_fields(&j, list->reports[i]);
        out_json_close(&j);
    }
    out_json_close(&j);
}

int cmd_report_list(struct cli *cli, int argc, char **argv)
{
    static const struct option opts[] = {
        {"unit", required_argument, NULL, 'u'},
        {"month", required_argument, NULL, 'm'},
        {"from", required_argument, NULL, 'b'}, /* 'F' is --force (VIEW_OPT_FORCE) */
        {"to", required_argument, NULL, 'T'},
        {"status", required_argument, NULL, 's'},
        VIEW_OUTPUT_OPTIONS,
        {0},
    };
    const char *unit = "", *status = "";
    char month[8] = "", from[8] = "", to[8] = "";
    struct view_common c = {.format = OUT_TABLE, .district = "", .as_of = ""};
    int opt;
    while ((opt = view_getopt(cli, argc, argv, opts, &c)) != -1) {
        switch (opt) {
        case 'u':
            if (!unit_arg(cli, "--unit", optarg))
                return CLI_USAGE;
            unit = optarg;
            break;
        case 'm':
            if (!month_arg(cli, "--month", optarg, month))
                return CLI_USAGE;
            break;
        case 'b':
            if (!month_arg(cli, "--from", optarg, from))
                return CLI_USAGE;
            break;
        case 'T':
            if (!month_arg(cli, "--to", optarg, to))
                return CLI_USAGE;
            break;
        case 's':
            status = vocab_code(&vocab_report_status, optarg);
            if (!status)
                return cli_usage_error(cli,
                                       _("--status '%s': expected submitted, approved, "
                                         "returned, reopened or voided (or 已提交, 已通过, 已退回, "
                                         "已重新打开, 已作废)"),
                                       optarg);
            break;
        default:
            return CLI_USAGE;
        }
    }
    if (!cli_no_operands(cli, argc, argv))
        return CLI_USAGE;
    if (month[0] && (from[0] || to[0]))
        return cli_usage_error(cli, _("give --month, or --from and --to, not both"));
    if (month[0]) {
        memcpy(from, month, sizeof(from));
        memcpy(to, month, sizeof(to));
    }
    if (from[0] && to[0] && strcmp(from, to) > 0)
        return cli_usage_error(cli, _("--from %s is after --to %s"), from, to);
    int rc = view_common_check(cli, &c);
    if (rc == CLI_OK)
        rc = view_open_session(cli, c.district);
    if (rc != CLI_OK)
        return rc;

    Yanxiu__V1__ListReportsRequest in = YANXIU__V1__LIST_REPORTS_REQUEST__INIT;
    in.district_code = (char *)c.district;
    in.unit_code = (char *)unit;
    in.from_month = from;
    in.to_month = to;
    in.status = (Yanxiu__V1__ReportStatus)vocab_value(&vocab_report_status, status);
    Yanxiu__V1__Envelope req = YANXIU__V1__ENVELOPE__INIT;
    req.body_case = YANXIU__V1__ENVELOPE__BODY_LIST_REPORTS;
    req.list_reports = &in;
    Yanxiu__V1__Envelope *resp;
    struct yxc_error err;
    if (!yxc_call(cli->conn, &req, YANXIU__V1__ENVELOPE__BODY_REPORT_LIST, &resp, &err))
        return cli_report(cli, &err);

    const Yanxiu__V1__ReportList *list = resp->report_list;
    size_t n = list->n_reports;
    if (c.format == OUT_JSON) {
        /* JSON has more than the columns: each report's flags, times and state. */
        struct view_sink sink;
        if (view_sink_open(&sink, &c)) {
            print_list_json(list, sink.fp);
            rc = view_sink_close(&sink, true);
        } else {
            rc = CLI_FAILED;
        }
    } else {
        struct out_table t = {"月报", summary_cols, SUMMARY_NCOLS, NULL, 0, 0, false};
        for (size_t i = 0; i < n; i++)
            summary_row(&t, list->reports[i]);
        rc = view_output(&c, &t, NULL);
        out_table_free(&t);
    }
    if (rc == CLI_OK) {
        view_say_wrote(&c, n, N_("report"), N_("reports"));
        if (n == 0 && c.format == OUT_TABLE)
            fprintf(stderr, _("yanxiu: no reports match\n"));
    }
    yxc_free(resp);
    return rc;
}

/* --- report show ------------------------------------------------------------------------- */

const char cmd_report_show_usage[] =
    N_("usage: yanxiu report show UNIT MONTH [--version N] [--district CODE]\n"
       "                          [--format FORMAT]\n"
       "\n"
       "Shows a monthly report (月报) of UNIT for MONTH, the latest version or version\n"
       "N: its summary (status, timeliness, counts), the narrative (工作开展情况) or the\n"
       "reason of an empty report, the activities with their sign-in counts, the\n"
       "external records, the history of the report (submissions and the district's\n"
       "actions), the flags (signals of false records, 弄虚作假) and what the version\n"
       "changed against the one before it. A school account sees its own unit's\n"
       "reports; a district account every unit's. Needs a session (yanxiu login).\n"
       "\n"
       "  UNIT             the reporting unit (10 digits)\n"
       "  MONTH            the month, YYYY-MM\n"
       "  --version N      this version (default: the latest)\n"
       "  --district CODE  admin only: the district (6 digits)\n"
       "  --format FORMAT  table or json (default table). JSON: one object with the\n"
       "                   keys of yanxiu report list --format json, and latest_version,\n"
       "                   summary, reason, activities (ref, date, start, end, title,\n"
       "                   category, form, level, mode, place, host, speaker, hours,\n"
       "                   present, late, excused, absent, teacher_hours), external\n"
       "                   (teacher_code, date, title, category, level, mode, hours,\n"
       "                   credits (null: none), certificate), history (at, action,\n"
       "                   user, version, reason) and diff (against_version,\n"
       "                   activities_added, activities_removed, activities_changed\n"
       "                   (ref, fields: the names of the fields that changed),\n"
       "                   attendance_added, attendance_removed, attendance_changed\n"
       "                   (same teacher and activity, another status or hours),\n"
       "                   hours_delta; null for version 1)\n"
       "\n"
       "Example:\n"
       "  $ yanxiu report show 4114230001 2026-10 --version 1\n");

static void print_detail_json(const Yanxiu__V1__ReportDetail *d)
{
    struct out_json j = {.fp = stdout};
    out_json_open(&j, NULL, '{', false);
    json_summary_fields(&j, d->report);
    out_json_uint(&j, "latest_version", d->latest_version);
    out_json_str(&j, "summary", d->summary);
    out_json_str(&j, "reason", d->reason);
    out_json_open(&j, "activities", '[', false);
    for (size_t i = 0; i < d->n_activities; i++) {
        const Yanxiu__V1__Activity *a = d->activities[i];
        out_json_open(&j, NULL, '{', false);
        const char *keys[] = {"ref",  "date",  "start", "end",   "title", "category",
                              "form", "level", "mode",  "place", "host",  "speaker"};
        const char *vals[] = {a->ref,
                              a->date,
                              a->start,
                              a->end,
                              a->title,
                              vocab_code_of(&vocab_category, a->category),
                              vocab_code_of(&vocab_form, a->form),
                              vocab_code_of(&vocab_level, a->level),
                              vocab_code_of(&vocab_mode, a->mode),
                              a->place,
                              a->host,
                              a->speaker};
        for (size_t k = 0; k < sizeof(keys) / sizeof(keys[0]); k++)
            out_json_str(&j, keys[k], vals[k]);
        json_hours(&j, "hours", a->hours);
        out_json_uint(&j, "present", a->present);
        out_json_uint(&j, "late", a->late);
        out_json_uint(&j, "excused", a->excused);
        out_json_uint(&j, "absent", a->absent);
        json_hours(&j, "teacher_hours", a->teacher_hours);
        out_json_close(&j);
    }
    out_json_close(&j);
    out_json_open(&j, "external", '[', false);
    for (size_t i = 0; i < d->n_external; i++) {
        const Yanxiu__V1__ExternalRecord *x = d->external[i];
        out_json_open(&j, NULL, '{', false);
        const char *keys[] = {"teacher_code", "date", "title", "category", "level", "mode"};
        const char *vals[] = {x->teacher_code,
                              x->date,
                              x->title,
                              vocab_code_of(&vocab_category, x->category),
                              vocab_code_of(&vocab_level, x->level),
                              vocab_code_of(&vocab_mode, x->mode)};
        for (size_t k = 0; k < sizeof(keys) / sizeof(keys[0]); k++)
            out_json_str(&j, keys[k], vals[k]);
        json_hours(&j, "hours", x->hours);
        if (x->credits != 0) {
            json_hours(&j, "credits", x->credits);
        } else {
            out_json_null(&j, "credits");
        }
        out_json_str(&j, "certificate", x->certificate);
        out_json_close(&j);
    }
    out_json_close(&j);
    out_json_open(&j, "history", '[', false);
    for (size_t i = 0; i < d->n_history; i++) {
        const Yanxiu__V1__ReportEvent *e = d->history[i];
        out_json_open(&j, NULL, '{', false);
        out_json_str(&j, "at", e->at);
        out_json_str(&j, "action", e->action);
        out_json_str(&j, "user", e->user);
        out_json_uint(&j, "version", e->version);
        out_json_str(&j, "reason", e->reason);
        out_json_close(&j);
    }
    out_json_close(&j);
    if (d->diff) {
        const Yanxiu__V1__ReportDiff *df = d->diff;
        out_json_open(&j, "diff", '{', false);
        out_json_uint(&j, "against_version", df->against_version);
        out_json_open(&j, "activities_added", '[', false);
        for (size_t i = 0; i < df->n_activities_added; i++)
            out_json_str(&j, NULL, df->activities_added[i]);
        out_json_close(&j);
        out_json_open(&j, "activities_removed", '[', false);
        for (size_t i = 0; i < df->n_activities_removed; i++)
            out_json_str(&j, NULL, df->activities_removed[i]);
        out_json_close(&j);
        out_json_open(&j, "activities_changed", '[', false);
        for (size_t i = 0; i < df->n_activities_changed; i++) {
            out_json_open(&j, NULL, '{', false);
            out_json_str(&j, "ref", df->activities_changed[i]->ref);
            out_json_open(&j, "fields", '[', false);
            for (size_t k = 0; k < df->activities_changed[i]->n_fields; k++)
                out_json_str(&j, NULL, df->activities_changed[i]->fields[k]);
            out_json_close(&j);
            out_json_close(&j);
        }
        out_json_close(&j);
        out_json_uint(&j, "attendance_added", df->attendance_added);
        out_json_uint(&j, "attendance_removed", df->attendance_removed);
        out_json_uint(&j, "attendance_changed", df->attendance_changed);
        json_hours(&j, "hours_delta", df->hours_delta);
        out_json_close(&j);
    } else {
        out_json_null(&j, "diff");
    }
    out_json_close(&j);
}

/* Prints a heading and the table under it, or the line saying there is none; frees its rows
   and `texts` (strings its cells point to). False when memory ran out or the output failed. */
static bool print_section(const char *heading, const char *none, struct out_table *t, void *texts)
{
    bool ok = !t->oom;
    if (ok) {
        printf("\n%s\n", t->nrows ? heading : none);
        ok = t->nrows == 0 || cli_print_table(t, OUT_TABLE) == CLI_OK;
    }
    out_table_free(t);
    free(texts);
    return ok;
}

/* A string made for a cell (a time "14:30-16:30"), which lives as long as the table. */
typedef char cell_string[64];

/* Fills t with the activities; returns the strings its cells point to (t->oom when memory
   ran out). */
static const struct out_column activity_cols[] = {
    {"ref", "编号", OUT_TEXT, NULL},
    {"date", "日期", OUT_TEXT, NULL},
    {"time", "时间", OUT_TEXT, NULL},
    {"title", "主题", OUT_TEXT, NULL},
    {"category", "内容类别", OUT_CATEGORY, NULL},
    {"form", "形式", OUT_FORM, NULL},
    {"level", "级别", OUT_LEVEL, NULL},
    {"mode", "方式", OUT_MODE, NULL},
    {"place", "地点", OUT_TEXT, NULL},
    {"host", "主持", OUT_TEXT, NULL},
    {"speaker", "主讲人", OUT_TEXT, NULL},
    {"hours", "学时", OUT_DECIMAL, NULL},
    {"present", "出席", OUT_COUNT, NULL},
    {"late", "迟到", OUT_COUNT, NULL},
    {"excused", "请假", OUT_COUNT, NULL},
    {"absent", "缺席", OUT_COUNT, NULL},
    {"teacher_hours", "教师学时", OUT_DECIMAL, NULL},
};

/* A field of an activity (a name of the diff) as the CLI's language heads its column; the
   diff names the two ends of "time". */
static const char *activity_field(const char *field)
{
    if (lang_current() == MSG_EN)
        return field;
    if (strcmp(field, "start") == 0)
        return "开始时间";
    if (strcmp(field, "end") == 0)
        return "结束时间";
    for (size_t i = 0; i < sizeof(activity_cols) / sizeof(activity_cols[0]); i++)
        if (strcmp(activity_cols[i].name, field) == 0)
            return activity_cols[i].zh;
    return field;
}

static cell_string *activities_table(const Yanxiu__V1__ReportDetail *d, struct out_table *t)
{
    const struct out_column *cols = activity_cols;
    enum { NCOLS = sizeof(activity_cols) / sizeof(activity_cols[0]) };
    *t = (struct out_table){"研修活动", cols, NCOLS, NULL, 0, 0, false};
    cell_string *times = calloc(d->n_activities ? d->n_activities : 1, sizeof(*times));
    t->oom = !times;
    for (size_t i = 0; times && i < d->n_activities; i++) {
        const Yanxiu__V1__Activity *a = d->activities[i];
        snprintf(times[i], sizeof(times[i]), "%.20s-%.20s", a->start, a->end);
        const struct out_cell row[NCOLS] = {
            out_text(a->ref),
            out_text(a->date),
            out_text(times[i]),
            out_text(a->title),
            out_text(vocab_code_of(&vocab_category, a->category)),
            out_text(vocab_code_of(&vocab_form, a->form)),
            out_text(vocab_code_of(&vocab_level, a->level)),
            out_text(vocab_code_of(&vocab_mode, a->mode)),
            out_text(a->place),
            out_text(a->host),
            out_text(a->speaker),
            out_num(a->hours),
            out_num(a->present),
            out_num(a->late),
            out_num(a->excused),
            out_num(a->absent),
            out_num(a->teacher_hours),
        };
        out_add(t, row);
    }
    return times;
}

/* Fills t with the external records. */
static void external_table(const Yanxiu__V1__ReportDetail *d, struct out_table *t)
{
    static const struct out_column cols[] = {
        {"teacher_code", "教师编号", OUT_TEXT, NULL},
        {"date", "日期", OUT_TEXT, NULL},
        {"title", "主题", OUT_TEXT, NULL},
        {"category", "内容类别", OUT_CATEGORY, NULL},
        {"level", "级别", OUT_LEVEL, NULL},
        {"mode", "方式", OUT_MODE, NULL},
        {"hours", "学时", OUT_DECIMAL, NULL},
        {"credits", "学分", OUT_DECIMAL, NULL},
        {"certificate", "证书", OUT_TEXT, NULL},
    };
    enum { NCOLS = sizeof(cols) / sizeof(cols[0]) };
    *t = (struct out_table){"校外培训", cols, NCOLS, NULL, 0, 0, false};
    for (size_t i = 0; i < d->n_external; i++) {
        const Yanxiu__V1__ExternalRecord *x = d->external[i];
        const struct out_cell row[NCOLS] = {
            out_text(x->teacher_code),
            out_text(x->date),
            out_text(x->title),
            out_text(vocab_code_of(&vocab_category, x->category)),
            out_text(vocab_code_of(&vocab_level, x->level)),
            out_text(vocab_code_of(&vocab_mode, x->mode)),
            out_num(x->hours),
            x->credits != 0 ? out_num(x->credits) : (struct out_cell){.null = true},
            out_text(x->certificate),
        };
        out_add(t, row);
    }
}

/* Fills t with the report's history; returns the strings its cells point to. */
static cell_string *history_table(const Yanxiu__V1__ReportDetail *d, struct out_table *t)
{
    static const struct out_column cols[] = {
        {"at", "时间", OUT_TEXT, "time"},   {"action", "操作", OUT_TEXT, NULL},
        {"user", "用户", OUT_TEXT, NULL},   {"version", "版本", OUT_COUNT, NULL},
        {"reason", "原因", OUT_TEXT, NULL},
    };
    enum { NCOLS = sizeof(cols) / sizeof(cols[0]) };
    *t = (struct out_table){"历史", cols, NCOLS, NULL, 0, 0, false};
    cell_string *at = calloc(d->n_history ? d->n_history : 1, sizeof(*at));
    t->oom = !at;
    for (size_t i = 0; at && i < d->n_history; i++) {
        const Yanxiu__V1__ReportEvent *e = d->history[i];
        const struct out_cell row[NCOLS] = {
            out_text(fmt_time(e->at, at[i], sizeof(at[i]))),
            out_text(lang_ptr("report_action", e->action)),
            out_text(e->user),
            out_num(e->version),
            out_text(e->reason),
        };
        out_add(t, row);
    }
    return at;
}

/* The refs of activities, or the fields of one (`fields`: as activity_field names them),
   joined as a list of the CLI's language and shown as put_text shows them; malloc'd, NULL
   when memory ran out. */
static char *join_refs(char **refs, size_t n, bool fields)
{
    char *joined = NULL;
    size_t len = 0;
    FILE *fp = open_memstream(&joined, &len);
    if (!fp)
        return NULL;
    for (size_t i = 0; i < n; i++) {
        if (i)
            fputs(_(", "), fp);
        put_text(fields ? activity_field(refs[i]) : refs[i], fp);
    }
    if (fclose(fp) != 0) {
        free(joined);
        return NULL;
    }
    return joined;
}

/* What a version changed against the one before it. False when memory ran out. */
static bool print_diff(const Yanxiu__V1__ReportDiff *df)
{
    char delta[64];
    char *added = join_refs(df->activities_added, df->n_activities_added, false);
    char *removed = join_refs(df->activities_removed, df->n_activities_removed, false);
    bool ok = added && removed;
    if (ok) {
        printf(_("\nchanges against version %u:\n"), (unsigned)df->against_version);
        if (df->n_activities_added)
            printf(_("  activities added: %s\n"), added);
        else
            fputs(_("  activities added: none\n"), stdout);
        if (df->n_activities_removed)
            printf(_("  activities removed: %s\n"), removed);
        else
            fputs(_("  activities removed: none\n"), stdout);
        fputs(df->n_activities_changed ? _("  activities changed:\n")
                                       : _("  activities changed: none\n"),
              stdout);
    }
    free(added);
    free(removed);
    for (size_t i = 0; ok && i < df->n_activities_changed; i++) {
        const Yanxiu__V1__ActivityChange *ch = df->activities_changed[i];
        char *ref = visible(ch->ref), *changed = join_refs(ch->fields, ch->n_fields, true);
        ok = changed != NULL;
        if (ok)
            printf(_("    %s: %s\n"), ref, changed);
        free_visible(ref);
        free(changed);
    }
    if (ok) {
        printf(_("  attendance rows: %u added, %u removed, %u changed (status or hours)\n"),
               (unsigned)df->attendance_added, (unsigned)df->attendance_removed,
               (unsigned)df->attendance_changed);
        out_decimal(df->hours_delta, delta, sizeof(delta));
        printf(_("  teacher-hours: %s%s\n"), df->hours_delta > 0 && strcmp(delta, "0") ? "+" : "",
               delta);
    }
    return ok;
}

static int print_detail_table(const Yanxiu__V1__ReportDetail *d)
{
    const Yanxiu__V1__ReportSummary *r = d->report;
    print_summary_block(r);
    if (d->latest_version > r->version)
        printf(_("note:        not the latest version: that is version %u\n"),
               (unsigned)d->latest_version);
    if (r->empty || d->reason[0]) {
        char *reason = visible(d->reason);
        printf(_("\nreason (an empty report): %s\n"), reason);
        free_visible(reason);
    }
    if (d->summary[0]) {
        /* Indented, control characters shown as '?' (put_text's rule). */
        printf("\n%s\n  ", _("narrative (工作开展情况):"));
        for (const unsigned char *p = (const unsigned char *)d->summary; *p; p++) {
            putchar((*p < 0x20 && *p != '\n') || *p == 0x7f ? '?' : *p);
            if (*p == '\n')
                fputs("  ", stdout);
        }
        putchar('\n');
    }
    struct out_table t;
    bool ok = true;
    if (!r->empty) {
        cell_string *texts = activities_table(d, &t);
        ok =
            print_section(_("activities (研修活动):"), _("activities (研修活动): none"), &t, texts);
        if (ok) {
            external_table(d, &t);
            ok = print_section(_("external records (上级/校外培训):"),
                               _("external records (上级/校外培训): none"), &t, NULL);
        }
    }
    if (ok) {
        cell_string *texts = history_table(d, &t);
        ok = print_section(_("history:"), _("history: none"), &t, texts);
    }
    if (ok && d->diff)
        ok = print_diff(d->diff);
    if (!ok) {
        fprintf(stderr, _("yanxiu: out of memory, or the output could not be written\n"));
        return CLI_FAILED;
    }
    return flush_stdout();
}

int cmd_report_show(struct cli *cli, int argc, char **argv)
{
    static const struct option opts[] = {
        {"version", required_argument, NULL, 'v'},
        {"district", required_argument, NULL, 'd'},
        {"format", required_argument, NULL, 'f'},
        {0},
    };
    const char *district = "", *unit;
    char month[8];
    long version = 0;
    enum out_format format = OUT_TABLE;
    int opt;
    while ((opt = cli_getopt(cli, argc, argv, opts)) != -1) {
        switch (opt) {
        case 'v':
            if (!cli_parse_long(cli, "--version", optarg, 1, UINT32_MAX, &version))
                return CLI_USAGE;
            break;
        case 'd':
            if (!view_district_arg(cli, optarg, &district))
                return CLI_USAGE;
            break;
        case 'f':
            if (!cli_parse_format(cli, optarg, &format))
                return CLI_USAGE;
            if (format == OUT_CSV || format == OUT_XLSX)
                return cli_usage_error(cli,
                                       _("--format %s: a report is not one table; give table or "
                                         "json"),
                                       optarg);
            break;
        default:
            return CLI_USAGE;
        }
    }
    int rc = unit_month_operands(cli, argc, argv, &unit, month);
    if (rc != CLI_OK)
        return rc;
    rc = view_open_session(cli, district);
    if (rc != CLI_OK)
        return rc;

    Yanxiu__V1__ShowReportRequest in = YANXIU__V1__SHOW_REPORT_REQUEST__INIT;
    in.unit_code = (char *)unit;
    in.month = month;
    in.version = (uint32_t)version;
    in.district_code = (char *)district;
    Yanxiu__V1__Envelope req = YANXIU__V1__ENVELOPE__INIT;
    req.body_case = YANXIU__V1__ENVELOPE__BODY_SHOW_REPORT;
    req.show_report = &in;
    Yanxiu__V1__Envelope *resp;
    struct yxc_error err;
    if (!yxc_call(cli->conn, &req, YANXIU__V1__ENVELOPE__BODY_REPORT_DETAIL, &resp, &err))
        return cli_report(cli, &err);
    const Yanxiu__V1__ReportDetail *d = resp->report_detail;
    if (!d->report) {
        fprintf(stderr, _("yanxiu: the server at %s answered without the report's summary\n"),
                cli->peer);
        rc = CLI_FAILED;
    } else if (format == OUT_JSON) {
        print_detail_json(d);
        rc = flush_stdout();
    } else {
        rc = print_detail_table(d);
    }
    yxc_free(resp);
    return rc;
}
