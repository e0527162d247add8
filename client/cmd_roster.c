/*
 * cmd_roster: yanxiu units import|list and roster import|template|list|transfer.
 * An import sends the user's file as it is (the server reads and checks it)
 * and prints every problem at its cell (import.c does the work).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "import.h"
#include "out.h"
#include "template.h"
#include "view.h"
#include "yxc.h"

/* --- options -------------------------------------------------------------------------- */

/* Options of both imports. */
struct import_opts {
    const char *enc;
    const char *district;
    const char *path;
    bool check;
};

/* Parses FILE [--check] [--encoding E] [--district CODE]. Returns an exit code. */
static int import_options(struct cli *cli, int argc, char **argv, struct import_opts *o)
{
    static const struct option opts[] = {
        {"encoding", required_argument, NULL, 'e'},
        {"district", required_argument, NULL, 'd'},
        {"check", no_argument, NULL, 'c'},
        {0},
    };
    *o = (struct import_opts){"", "", NULL, false};
    int opt;
    while ((opt = cli_getopt(cli, argc, argv, opts)) != -1) {
        switch (opt) {
        case 'e':
            if (!import_encoding_arg(cli, optarg, &o->enc))
                return CLI_USAGE;
            break;
        case 'd':
            if (!view_district_arg(cli, optarg, &o->district))
                return CLI_USAGE;
            break;
        case 'c':
            o->check = true;
            break;
        default:
            return CLI_USAGE;
        }
    }
    o->path = cli_one_operand(cli, argc, argv, _("FILE (the workbook or CSV file to import)"),
                              _("FILE (the workbook or CSV file to import)"));
    return o->path ? CLI_OK : CLI_USAGE;
}

/*
 * Reads the file of an import into the request `req` (its files, n_files and
 * check_only) and sends it. Returns an exit code.
 */
static int import_file(struct cli *cli, const struct import_opts *o, Yanxiu__V1__Envelope *req,
                       Yanxiu__V1__UploadFile ***files, size_t *n_files, protobuf_c_boolean *check)
{
    struct import_upload u = {.n = 0};
    int rc = import_add_file(&u, o->path, o->enc);
    if (rc == CLI_OK)
        rc = view_open_session(cli, o->district);
    if (rc == CLI_OK) {
        *files = u.ptrs;
        *n_files = u.n;
        *check = o->check;
        rc = import_send(cli, o->path, o->check, &u, req);
    }
    import_upload_free(&u);
    return rc;
}

/* --- units import ---------------------------------------------------------------------- */

const char cmd_units_import_usage[] =
    N_("usage: yanxiu units import FILE [--check] [--encoding ENCODING] [--district CODE]\n"
       "\n"
       "Imports the schools listed in FILE into the district: a new school code is\n"
       "created, a known one updated, one that did not change is left alone. FILE is\n"
       "an Excel workbook (.xlsx, sheet 学校) or a CSV file as Excel saves it; yanxiu\n"
       "sends it as it is and the server reads it. The server checks every row first;\n"
       "if any row is wrong, nothing is written and every problem is listed at its\n"
       "cell: FILE SHEET!C5 (HEADER) \"VALUE\": reason (exit status 1). Reporting units\n"
       "(上报单位) follow: a central school with its primaries is one unit, any other\n"
       "school is a unit by itself. District role; an admin names the district with\n"
       "--district. Needs a session (yanxiu login).\n"
       "\n"
       "Columns: the header row names them, in English or in Chinese, in any order (a\n"
       "title row above it may stay).\n"
       "  school_code, 学校代码 (required): the 10-digit national school code\n"
       "  name, 学校名称 (required)\n"
       "  kind, 类型 (required): central 中心校, primary 小学 (also 完小, 村小,\n"
       "      教学点), junior 初中, senior 高中, nine_year 九年一贯制, kindergarten\n"
       "      幼儿园\n"
       "  central_code, 所属中心校: a primary's central school (its school code, in\n"
       "      this file or imported before); empty for the other kinds\n"
       "  opened, 开办日期: a date (2019-09-01, 2019/9/1); empty: open since ever\n"
       "  closed, 撤并日期: a date; empty: still open\n"
       "\n"
       "  --check              check the file as an import would, write nothing\n"
       "  --encoding ENCODING  a CSV file's: auto, utf-8 or gb18030 (gbk) (default auto:\n"
       "                       UTF-8 with or without BOM, else GB18030 as Excel saves on\n"
       "                       Chinese Windows)\n"
       "  --district CODE      the district (6 digits); an admin must give it\n"
       "\n"
       "Example:\n"
       "  $ cat schools.csv\n"
       "  学校代码,学校名称,类型,所属中心校\n"
       "  4114230001,城关镇中心校,中心校,\n"
       "  4114230002,城关镇东街小学,小学,4114230001\n"
       "  $ yanxiu units import schools.csv\n"
       "  schools.csv: 2 created, 0 updated, 0 unchanged\n");

int cmd_units_import(struct cli *cli, int argc, char **argv)
{
    struct import_opts o;
    int rc = import_options(cli, argc, argv, &o);
    if (rc != CLI_OK)
        return rc;
    Yanxiu__V1__ImportUnitsRequest in = YANXIU__V1__IMPORT_UNITS_REQUEST__INIT;
    in.district_code = (char *)o.district;
    Yanxiu__V1__Envelope req = YANXIU__V1__ENVELOPE__INIT;
    req.body_case = YANXIU__V1__ENVELOPE__BODY_IMPORT_UNITS;
    req.import_units = &in;
    return import_file(cli, &o, &req, &in.files, &in.n_files, &in.check_only);
}

/* --- roster import --------------------------------------------------------------------- */

const char cmd_roster_import_usage[] =
    N_("usage: yanxiu roster import FILE [--check] [--encoding ENCODING] [--district CODE]\n"
       "\n"
       "Imports the teachers listed in FILE into the roster (教师名册): a new teacher\n"
       "code is created, a known one updated, one that did not change is left alone.\n"
       "Teachers not in FILE stay as they are (mark one who has gone with status\n"
       "left). FILE is an Excel workbook (.xlsx, sheet 名册; yanxiu roster template\n"
       "--xlsx FILE writes one with drop-down lists) or a CSV file as Excel saves it;\n"
       "yanxiu sends it as it is and the server reads it. The server checks every\n"
       "row first; if any row is wrong, nothing is written and every problem is\n"
       "listed at its cell: FILE SHEET!C5 (HEADER) \"VALUE\": reason (exit status 1).\n"
       "A school account imports teachers of the schools of its own reporting unit; a\n"
       "district account, of any school of the district (moving a teacher between\n"
       "units is yanxiu roster transfer). An admin names the district with\n"
       "--district. Needs a session (yanxiu login).\n"
       "\n"
       "Columns: the header row names them, in English or in Chinese, in any order (a\n"
       "title row above it may stay).\n"
       "  teacher_code, 教师编号 (required): unique in the district; 1 to 32 letters,\n"
       "      digits, _ or -\n"
       "  name, 姓名 (required)\n"
       "  school_code, 学校代码 (required): the 10-digit code of the teacher's school\n"
       "  subject, 学科\n"
       "  group, 教研组: the research group, e.g. 语文, 数学, 综合\n"
       "  homeroom, 班主任: homeroom teacher\n"
       "  backbone, 骨干教师: backbone teacher\n"
       "  new_teacher, 新任教师: new teacher\n"
       "  status, 状态: active 在职, exempt 免训 or left 离职; empty: active\n"
       "The three flags take 是/否, yes/no, 1/0 or true/false; empty is no.\n"
       "\n"
       "  --check              check the file as an import would, write nothing\n"
       "  --encoding ENCODING  a CSV file's: auto, utf-8 or gb18030 (gbk) (default auto:\n"
       "                       UTF-8 with or without BOM, else GB18030 as Excel saves on\n"
       "                       Chinese Windows)\n"
       "  --district CODE      the district (6 digits); an admin must give it\n"
       "\n"
       "Example:\n"
       "  $ cat teachers.csv\n"
       "  教师编号,姓名,学校代码,学科,教研组,班主任,骨干教师,新任教师,状态\n"
       "  T0001,张丽,4114230001,语文,语文,是,否,否,在职\n"
       "  T0002,王强,4114230002,数学,数学,否,是,否,\n"
       "  $ yanxiu roster import teachers.csv\n"
       "  teachers.csv: 2 created, 0 updated, 0 unchanged\n");

int cmd_roster_import(struct cli *cli, int argc, char **argv)
{
    struct import_opts o;
    int rc = import_options(cli, argc, argv, &o);
    if (rc != CLI_OK)
        return rc;
    Yanxiu__V1__ImportRosterRequest in = YANXIU__V1__IMPORT_ROSTER_REQUEST__INIT;
    in.district_code = (char *)o.district;
    Yanxiu__V1__Envelope req = YANXIU__V1__ENVELOPE__INIT;
    req.body_case = YANXIU__V1__ENVELOPE__BODY_IMPORT_ROSTER;
    req.import_roster = &in;
    return import_file(cli, &o, &req, &in.files, &in.n_files, &in.check_only);
}

/* --- roster template ------------------------------------------------------------------- */

const char cmd_roster_template_usage[] =
    N_("usage: yanxiu roster template --xlsx FILE\n"
       "\n"
       "Writes an Excel workbook to fill in for yanxiu roster import: the sheet 名册\n"
       "with the headers 学校代码, 教师编号, 姓名, 学科, 教研组, 班主任, 骨干教师,\n"
       "新任教师, 状态, drop-down lists for the flags (是/否) and the status (在职,\n"
       "免训, 离职), and a sheet 填写说明 that says what each column takes. A file that\n"
       "exists is never replaced. Fill it in with Excel or WPS, save it as .xlsx, and\n"
       "import it as it is. Needs no session.\n"
       "\n"
       "  --xlsx FILE  the workbook to write (e.g. 名册.xlsx)\n"
       "\n"
       "Example:\n"
       "  $ yanxiu roster template --xlsx 名册.xlsx\n"
       "  wrote 名册.xlsx\n"
       "  $ yanxiu roster import 名册.xlsx\n");

int cmd_roster_template(struct cli *cli, int argc, char **argv)
{
    static const struct option opts[] = {
        {"xlsx", required_argument, NULL, 'x'},
        {0},
    };
    const char *path = NULL;
    int opt;
    while ((opt = cli_getopt(cli, argc, argv, opts)) != -1) {
        if (opt != 'x')
            return CLI_USAGE;
        path = optarg;
    }
    if (!cli_no_operands(cli, argc, argv))
        return CLI_USAGE;
    if (!path || !path[0])
        return cli_usage_error(cli, _("--xlsx FILE is missing: where should the workbook go?"));
    char err[1200];
    if (!template_write_xlsx(path, &tmpl_roster_sheet, 1, NULL, lang_current(), NULL, err,
                             sizeof(err))) {
        fprintf(stderr, "yanxiu: %s\n", err);
        return CLI_FAILED;
    }
    char buf[1200];
    const struct msg_arg a[] = {{"file", path}};
    msg_render(buf, sizeof(buf), _("wrote {file}"), a, 1);
    printf("%s\n", buf);
    return fflush(stdout) == 0 ? CLI_OK : CLI_FAILED;
}

/* --- listings ------------------------------------------------------------------------- */

/* Parses [--unit CODE] and the output options (--unit only when `unit` is given). */
static int list_options(struct cli *cli, int argc, char **argv, struct view_common *c,
                        const char **unit)
{
    static const struct option with_unit[] = {
        VIEW_OUTPUT_OPTIONS,
        {"unit", required_argument, NULL, 'u'},
        {0},
    };
    static const struct option without_unit[] = {
        VIEW_OUTPUT_OPTIONS,
        {0},
    };
    *c = (struct view_common){.format = OUT_TABLE, .district = "", .as_of = ""};
    int opt;
    while ((opt = view_getopt(cli, argc, argv, unit ? with_unit : without_unit, c)) != -1) {
        switch (opt) {
        case 'u':
            if (!view_all_digits(optarg, 10))
                return cli_usage_error(cli,
                                       _("--unit '%s' is not a 10-digit school code (the unit's, "
                                         "as yanxiu units list shows it)"),
                                       optarg);
            *unit = optarg;
            break;
        default:
            return CLI_USAGE;
        }
    }
    if (!cli_no_operands(cli, argc, argv))
        return CLI_USAGE;
    return view_common_check(cli, c);
}

/* Sends a listing request; *resp holds a body of case `expect`. Returns an exit code. */
static int list_call(struct cli *cli, Yanxiu__V1__Envelope *req,
                     Yanxiu__V1__Envelope__BodyCase expect, Yanxiu__V1__Envelope **resp)
{
    struct yxc_error err;
    if (!yxc_call(cli->conn, req, expect, resp, &err))
        return cli_report(cli, &err);
    return CLI_OK;
}

const char cmd_units_list_usage[] =
    N_("usage: yanxiu units list [--district CODE] [--format FORMAT] [-o FILE]\n"
       "\n"
       "Lists the schools of the district, grouped by reporting unit (上报单位): each\n"
       "central school with its primaries, then the schools that are units by\n"
       "themselves. Every role may list its district's schools; an admin names the\n"
       "district with --district. Needs a session (yanxiu login).\n"
       "\n"
       "Columns (JSON keys and CSV header, Excel header):\n"
       "  school_code   学校代码    the 10-digit national school code\n"
       "  name          学校名称\n"
       "  kind          类型        central, primary, junior, senior, nine_year or\n"
       "                            kindergarten\n"
       "  central_code  所属中心校  a primary's central school\n"
       "  unit_code     上报单位    the reporting unit: the central school's code for a\n"
       "                            primary, else the school's own\n"
       "  opened        开办日期    YYYY-MM-DD, empty: open since ever\n"
       "  closed        撤并日期    YYYY-MM-DD, empty: still open\n"
       "\n"
       "{output_options}\n"
       "Example:\n"
       "  $ yanxiu units list --format csv\n"
       "  school_code,name,kind,central_code,unit_code,opened,closed\n"
       "  4114230001,城关镇中心校,central,,4114230001,,\n"
       "  4114230002,城关镇东街小学,primary,4114230001,4114230001,2001-09-01,\n");

int cmd_units_list(struct cli *cli, int argc, char **argv)
{
    struct view_common c;
    int rc = list_options(cli, argc, argv, &c, NULL);
    if (rc != CLI_OK)
        return rc;
    rc = view_open_session(cli, c.district);
    if (rc != CLI_OK)
        return rc;

    Yanxiu__V1__ListUnitsRequest in = YANXIU__V1__LIST_UNITS_REQUEST__INIT;
    in.district_code = (char *)c.district;
    Yanxiu__V1__Envelope req = YANXIU__V1__ENVELOPE__INIT;
    req.body_case = YANXIU__V1__ENVELOPE__BODY_LIST_UNITS;
    req.list_units = &in;
    Yanxiu__V1__Envelope *resp;
    rc = list_call(cli, &req, YANXIU__V1__ENVELOPE__BODY_UNIT_LIST, &resp);
    if (rc != CLI_OK)
        return rc;

    /* The kind as its label in table and Excel (the code in CSV); JSON keeps its keys. */
    const struct out_column cols[] = {
        {"school_code", "学校代码", OUT_TEXT, NULL},
        {"name", "学校名称", OUT_TEXT, NULL},
        {"kind", "类型", c.format == OUT_JSON ? OUT_TEXT : OUT_UNIT_KIND, NULL},
        {"central_code", "所属中心校", OUT_TEXT, NULL},
        {"unit_code", "上报单位", OUT_TEXT, NULL},
        {"opened", "开办日期", OUT_TEXT, NULL},
        {"closed", "撤并日期", OUT_TEXT, NULL},
    };
    enum { NCOLS = sizeof(cols) / sizeof(cols[0]) };
    const Yanxiu__V1__UnitList *list = resp->unit_list;
    struct out_table t = {"学校", cols, NCOLS, NULL, 0, 0, false};
    for (size_t i = 0; i < list->n_units; i++) {
        const Yanxiu__V1__Unit *u = list->units[i];
        const struct out_cell row[NCOLS] = {
            out_text(u->school_code),
            out_text(u->name),
            out_text(vocab_code_of(&vocab_unit_kind, u->kind)),
            out_text(u->central_code),
            out_text(u->unit_code),
            out_text(u->opened),
            out_text(u->closed),
        };
        out_add(&t, row);
    }
    size_t n = list->n_units;
    rc = view_output(&c, &t, NULL);
    if (rc == CLI_OK) {
        view_say_wrote(&c, n, N_("school"), N_("schools"));
        if (n == 0 && c.format == OUT_TABLE)
            fprintf(stderr,
                    _("yanxiu: no schools yet: import them with yanxiu units import FILE\n"));
    }
    out_table_free(&t);
    yxc_free(resp);
    return rc;
}

const char cmd_roster_list_usage[] =
    N_("usage: yanxiu roster list [--unit CODE] [--district CODE] [--format FORMAT]\n"
       "                          [-o FILE]\n"
       "\n"
       "Lists the teachers of the roster, by reporting unit, school and teacher code.\n"
       "A school account sees its own unit; a district account the whole district, or\n"
       "one unit with --unit. An admin names the district with --district. Needs a\n"
       "session (yanxiu login).\n"
       "\n"
       "Columns (JSON keys and CSV header, Excel header):\n"
       "  teacher_code  教师编号\n"
       "  name          姓名\n"
       "  school_code   学校代码\n"
       "  unit_code     上报单位  the reporting unit of the school\n"
       "  subject       学科\n"
       "  group         教研组\n"
       "  homeroom      班主任    yes/no in table and CSV, true/false in JSON, 是/否 in\n"
       "                          Excel\n"
       "  backbone      骨干教师  likewise\n"
       "  new_teacher   新任教师  likewise\n"
       "  status        状态      active, exempt or left\n"
       "\n"
       "  --unit CODE      only this reporting unit (the 10-digit code of its central\n"
       "                   school, or of the school itself)\n"
       "{output_options}\n"
       "Example:\n"
       "  $ yanxiu roster list --unit 4114230001 --format json\n"
       "  [\n"
       "    {\"teacher_code\": \"T0001\", \"name\": \"张丽\", \"school_code\": \"4114230001\", "
       "\"unit_code\": \"4114230001\", \"subject\": \"语文\", \"group\": \"语文\", "
       "\"homeroom\": true, \"backbone\": false, \"new_teacher\": false, \"status\": \"active\"}\n"
       "  ]\n");

int cmd_roster_list(struct cli *cli, int argc, char **argv)
{
    struct view_common c;
    const char *unit = "";
    int rc = list_options(cli, argc, argv, &c, &unit);
    if (rc != CLI_OK)
        return rc;
    rc = view_open_session(cli, c.district);
    if (rc != CLI_OK)
        return rc;

    Yanxiu__V1__ListRosterRequest in = YANXIU__V1__LIST_ROSTER_REQUEST__INIT;
    in.district_code = (char *)c.district;
    in.unit_code = (char *)unit;
    Yanxiu__V1__Envelope req = YANXIU__V1__ENVELOPE__INIT;
    req.body_case = YANXIU__V1__ENVELOPE__BODY_LIST_ROSTER;
    req.list_roster = &in;
    Yanxiu__V1__Envelope *resp;
    rc = list_call(cli, &req, YANXIU__V1__ENVELOPE__BODY_ROSTER_LIST, &resp);
    if (rc != CLI_OK)
        return rc;

    /* The status as its label in table and Excel (the code in CSV); JSON keeps its keys. */
    const enum out_kind status_kind = c.format == OUT_JSON ? OUT_TEXT : OUT_TEACHER_STATUS;
    const struct out_column cols[] = {
        {"teacher_code", "教师编号", OUT_TEXT, NULL}, {"name", "姓名", OUT_TEXT, NULL},
        {"school_code", "学校代码", OUT_TEXT, NULL},  {"unit_code", "上报单位", OUT_TEXT, NULL},
        {"subject", "学科", OUT_TEXT, NULL},          {"group", "教研组", OUT_TEXT, NULL},
        {"homeroom", "班主任", OUT_BOOL, NULL},       {"backbone", "骨干教师", OUT_BOOL, NULL},
        {"new_teacher", "新任教师", OUT_BOOL, NULL},  {"status", "状态", status_kind, NULL},
    };
    enum { NCOLS = sizeof(cols) / sizeof(cols[0]) };
    const Yanxiu__V1__RosterList *list = resp->roster_list;
    size_t n = list->n_teachers;
    struct out_table t = {"教师名册", cols, NCOLS, NULL, 0, 0, false};
    for (size_t i = 0; i < n; i++) {
        const Yanxiu__V1__Teacher *x = list->teachers[i];
        const struct out_cell row[NCOLS] = {
            out_text(x->teacher_code), out_text(x->name),
            out_text(x->school_code),  out_text(x->unit_code),
            out_text(x->subject),      out_text(x->research_group),
            out_num(x->homeroom),      out_num(x->backbone),
            out_num(x->new_teacher),   out_text(vocab_code_of(&vocab_teacher_status, x->status)),
        };
        out_add(&t, row);
    }
    rc = view_output(&c, &t, NULL);
    if (rc == CLI_OK) {
        view_say_wrote(&c, n, N_("teacher"), N_("teachers"));
        if (n == 0 && c.format == OUT_TABLE && unit[0])
            fprintf(stderr,
                    _("yanxiu: no teachers in unit %s: import them with yanxiu roster import "
                      "FILE\n"),
                    unit);
        else if (n == 0 && c.format == OUT_TABLE)
            fprintf(stderr, _("yanxiu: no teachers: import them with yanxiu roster import FILE\n"));
    }
    out_table_free(&t);
    yxc_free(resp);
    return rc;
}

/* --- roster transfer --------------------------------------------------------------------- */

const char cmd_roster_transfer_usage[] =
    N_("usage: yanxiu roster transfer CODE --to SCHOOL_CODE [--district CODE]\n"
       "\n"
       "Moves the teacher with teacher code (教师编号) CODE to another school of the\n"
       "district, also one of another reporting unit. The hours (学时) the teacher\n"
       "has earned stay with the teacher. District role. Needs a session (yanxiu\n"
       "login).\n"
       "\n"
       "  --to SCHOOL_CODE  the 10-digit code of the school the teacher moves to\n"
       "  --district CODE   admin only: the district (6 digits)\n"
       "\n"
       "Example:\n"
       "  $ yanxiu roster transfer T0012 --to 4114230005\n"
       "  teacher T0012 moved from 4114230002 to 4114230005 (unit 4114230001); their hours\n"
       "  stay with them\n");

int cmd_roster_transfer(struct cli *cli, int argc, char **argv)
{
    static const struct option opts[] = {
        {"to", required_argument, NULL, 't'},
        {"district", required_argument, NULL, 'd'},
        {0},
    };
    const char *to = NULL, *district = "";
    int opt;
    while ((opt = cli_getopt(cli, argc, argv, opts)) != -1) {
        if (opt == 'd') {
            if (!view_all_digits(optarg, 6))
                return cli_usage_error(cli, _("--district '%s' is not a 6-digit code"), optarg);
            district = optarg;
            continue;
        }
        if (opt != 't')
            return CLI_USAGE;
        if (!view_all_digits(optarg, 10))
            return cli_usage_error(cli, _("--to '%s' is not a 10-digit school code"), optarg);
        to = optarg;
    }
    const char *code = cli_one_operand(cli, argc, argv, N_("CODE (the teacher code)"),
                                       N_("CODE (the teacher code)"));
    if (!code)
        return CLI_USAGE;
    if (!to)
        return cli_usage_error(cli, _("--to SCHOOL_CODE is missing: where does %s move to?"), code);
    int rc = cli_open_session(cli);
    if (rc != CLI_OK)
        return rc;

    Yanxiu__V1__TransferTeacherRequest in = YANXIU__V1__TRANSFER_TEACHER_REQUEST__INIT;
    in.teacher_code = (char *)code;
    in.to_school_code = (char *)to;
    in.district_code = (char *)district;
    Yanxiu__V1__Envelope req = YANXIU__V1__ENVELOPE__INIT;
    req.body_case = YANXIU__V1__ENVELOPE__BODY_TRANSFER_TEACHER;
    req.transfer_teacher = &in;
    Yanxiu__V1__Envelope *resp;
    struct yxc_error err;
    if (!yxc_call(cli->conn, &req, YANXIU__V1__ENVELOPE__BODY_TRANSFER_REPLY, &resp, &err))
        return cli_report(cli, &err);
    const Yanxiu__V1__TransferTeacherResponse *r = resp->transfer_reply;
    const Yanxiu__V1__Teacher *t = r->teacher;
    printf(_("teacher %s moved from %s to %s (unit %s); their hours stay with them\n"),
           t && t->teacher_code[0] ? t->teacher_code : code, r->from_school_code,
           t && t->school_code[0] ? t->school_code : to, t ? t->unit_code : "?");
    yxc_free(resp);
    return CLI_OK;
}
