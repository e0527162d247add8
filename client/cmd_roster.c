/*
 * cmd_roster: yanxiu units import|list and roster import|list|transfer. An
 * import reads the whole CSV file, checks what the protocol cannot carry
 * (booleans) and duplicate codes, sends the file as one request, and turns
 * the server's row paths ("teachers[17].school_code") back into lines of it
 * (import.c does the work).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "csvin.h"
#include "import.h"
#include "out.h"
#include "view.h"
#include "yxc.h"

/* --- the files ------------------------------------------------------------------------ */

/* schools.csv: one school per row. */
enum {
    UNIT_SCHOOL_CODE,
    UNIT_NAME,
    UNIT_KIND,
    UNIT_CENTRAL_CODE,
    UNIT_OPENED,
    UNIT_CLOSED,
    UNIT_NCOLS,
};

static const char *const unit_school_code_names[] = {"学校代码", "学校标识码", NULL};
static const char *const unit_name_names[] = {"学校名称", "名称", NULL};
static const char *const unit_kind_names[] = {"类型", "学校类型", NULL};
static const char *const unit_central_code_names[] = {"所属中心校", "中心校代码", NULL};
static const char *const unit_opened_names[] = {"开办日期", NULL};
static const char *const unit_closed_names[] = {"撤并日期", NULL};

static const struct csvin_column unit_cols[UNIT_NCOLS] = {
    [UNIT_SCHOOL_CODE] = {"school_code", unit_school_code_names, true},
    [UNIT_NAME] = {"name", unit_name_names, true},
    [UNIT_KIND] = {"kind", unit_kind_names, true},
    [UNIT_CENTRAL_CODE] = {"central_code", unit_central_code_names, false},
    [UNIT_OPENED] = {"opened", unit_opened_names, false},
    [UNIT_CLOSED] = {"closed", unit_closed_names, false},
};

/* teachers.csv: one teacher per row. */
enum {
    TEACHER_CODE,
    TEACHER_NAME,
    TEACHER_SCHOOL_CODE,
    TEACHER_SUBJECT,
    TEACHER_GROUP,
    TEACHER_HOMEROOM,
    TEACHER_BACKBONE,
    TEACHER_NEW,
    TEACHER_STATUS,
    TEACHER_NCOLS,
};

static const char *const teacher_code_names[] = {"教师编号", NULL};
static const char *const teacher_name_names[] = {"姓名", NULL};
static const char *const teacher_school_code_names[] = {"学校代码", "学校标识码", NULL};
static const char *const teacher_subject_names[] = {"学科", "任教学科", NULL};
static const char *const teacher_group_names[] = {"教研组", "research_group", NULL};
static const char *const teacher_homeroom_names[] = {"班主任", NULL};
static const char *const teacher_backbone_names[] = {"骨干教师", NULL};
static const char *const teacher_new_names[] = {"新任教师", NULL};
static const char *const teacher_status_names[] = {"状态", NULL};

/* Teacher.research_group is the file's "group" (教研组). */
static const char *const teacher_renames[][2] = {{"research_group", "group"}, {NULL, NULL}};

static const struct csvin_column teacher_cols[TEACHER_NCOLS] = {
    [TEACHER_CODE] = {"teacher_code", teacher_code_names, true},
    [TEACHER_NAME] = {"name", teacher_name_names, true},
    [TEACHER_SCHOOL_CODE] = {"school_code", teacher_school_code_names, true},
    [TEACHER_SUBJECT] = {"subject", teacher_subject_names, false},
    [TEACHER_GROUP] = {"group", teacher_group_names, false},
    [TEACHER_HOMEROOM] = {"homeroom", teacher_homeroom_names, false},
    [TEACHER_BACKBONE] = {"backbone", teacher_backbone_names, false},
    [TEACHER_NEW] = {"new_teacher", teacher_new_names, false},
    [TEACHER_STATUS] = {"status", teacher_status_names, false},
};

/* --- options -------------------------------------------------------------------------- */

/* The usage text of import_options' options. */
#define IMPORT_OPTIONS_TEXT                                                                        \
    "  --encoding ENCODING  " CSVIN_ENCODING_CHOICES " (default auto: UTF-8 with or\n"             \
    "                       without BOM, else GB18030 as Excel saves on Chinese Windows)\n"        \
    "  --district CODE      the district (6 digits); an admin must give it\n"

/* Options of both imports. */
struct import_opts {
    enum csvin_encoding enc;
    const char *district;
    const char *path;
};

/* Parses FILE [--encoding E] [--district CODE]. Returns an exit code. */
static int import_options(struct cli *cli, int argc, char **argv, struct import_opts *o)
{
    static const struct option opts[] = {
        {"encoding", required_argument, NULL, 'e'},
        {"district", required_argument, NULL, 'd'},
        {0},
    };
    *o = (struct import_opts){CSVIN_AUTO, "", NULL};
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
        default:
            return CLI_USAGE;
        }
    }
    o->path = cli_one_operand(cli, argc, argv, "FILE (the CSV file to import)",
                              "FILE (the CSV file to import)");
    return o->path ? CLI_OK : CLI_USAGE;
}

/* --- units import ---------------------------------------------------------------------- */

const char cmd_units_import_usage[] =
    "usage: yanxiu units import FILE [--encoding ENCODING] [--district CODE]\n"
    "\n"
    "Imports the schools listed in FILE, a CSV file as Excel saves it, into the\n"
    "district: a new school code is created, a known one updated, one that did not\n"
    "change is left alone. The server checks every row first; if any row is wrong,\n"
    "nothing is written and every problem is listed with its line in FILE (exit\n"
    "status 1). Reporting units (上报单位) follow: a central school with its\n"
    "primaries is one unit, any other school is a unit by itself. District role;\n"
    "an admin names the district with --district. Needs a session (yanxiu login).\n"
    "\n"
    "Columns: the first row names them, in English or in Chinese, in any order.\n"
    "  school_code, 学校代码 (required): the 10-digit national school code\n"
    "  name, 学校名称 (required)\n"
    "  kind, 类型 (required): central 中心校, primary 小学 (also 完小, 村小,\n"
    "      教学点), junior 初中, senior 高中, nine_year 九年一贯制, kindergarten\n"
    "      幼儿园\n"
    "  central_code, 所属中心校: a primary's central school (its school code, in\n"
    "      this file or imported before); empty for the other kinds\n"
    "  opened, 开办日期: YYYY-MM-DD (2019/9/1 is read too); empty: open since ever\n"
    "  closed, 撤并日期: YYYY-MM-DD; empty: still open\n"
    "\n" IMPORT_OPTIONS_TEXT "\n"
    "Example:\n"
    "  $ cat schools.csv\n"
    "  学校代码,学校名称,类型,所属中心校\n"
    "  4114230001,城关镇中心校,中心校,\n"
    "  4114230002,城关镇东街小学,小学,4114230001\n"
    "  $ yanxiu units import schools.csv\n"
    "  schools.csv: 2 created, 0 updated, 0 unchanged\n";

int cmd_units_import(struct cli *cli, int argc, char **argv)
{
    struct import_opts o;
    int rc = import_options(cli, argc, argv, &o);
    if (rc != CLI_OK)
        return rc;
    struct import_file f = {
        .path = o.path, .cols = unit_cols, .ncols = UNIT_NCOLS, .list = "units"};
    rc = import_read(&f, o.enc);
    if (rc != CLI_OK)
        return rc;

    size_t n = csvin_rows(f.t);
    Yanxiu__V1__Unit *units = calloc(n, sizeof(*units));
    Yanxiu__V1__Unit **ptrs = calloc(n, sizeof(*ptrs));
    struct {
        char opened[16], closed[16];
    } *dates = calloc(n, sizeof(*dates));
    if (!units || !ptrs || !dates || !import_check_duplicates(&f, UNIT_SCHOOL_CODE, "school")) {
        fprintf(stderr, "yanxiu: out of memory reading %zu rows of %s\n", n, f.path);
        rc = CLI_FAILED;
        goto done;
    }
    if (f.problems) {
        rc = import_rejected(&f, "nothing was sent");
        goto done;
    }
    for (size_t i = 0; i < n; i++) {
        Yanxiu__V1__Unit *u = &units[i];
        yanxiu__v1__unit__init(u);
        /* protobuf-c's fields are not const; packing only reads them. */
        u->school_code = (char *)csvin_get(f.t, i, UNIT_SCHOOL_CODE);
        u->name = (char *)csvin_get(f.t, i, UNIT_NAME);
        u->kind = (char *)csvin_get(f.t, i, UNIT_KIND);
        u->central_code = (char *)csvin_get(f.t, i, UNIT_CENTRAL_CODE);
        u->opened = (char *)import_normalize_date(csvin_get(f.t, i, UNIT_OPENED), dates[i].opened,
                                                  sizeof(dates[i].opened));
        u->closed = (char *)import_normalize_date(csvin_get(f.t, i, UNIT_CLOSED), dates[i].closed,
                                                  sizeof(dates[i].closed));
        ptrs[i] = u;
    }

    rc = view_open_session(cli, o.district);
    if (rc == CLI_OK) {
        Yanxiu__V1__ImportUnitsRequest in = YANXIU__V1__IMPORT_UNITS_REQUEST__INIT;
        in.district_code = (char *)o.district;
        in.units = ptrs;
        in.n_units = n;
        /* The columns the file has: the server keeps what a missing one would clear. */
        char *present[UNIT_NCOLS];
        in.columns = present;
        in.n_columns = import_present_fields(&f, present);
        Yanxiu__V1__Envelope req = YANXIU__V1__ENVELOPE__INIT;
        req.body_case = YANXIU__V1__ENVELOPE__BODY_IMPORT_UNITS;
        req.import_units = &in;
        rc = import_send(cli, &f, &req);
    }
done:
    free(units);
    free(ptrs);
    free(dates);
    csvin_free(f.t);
    return rc;
}

/* --- roster import --------------------------------------------------------------------- */

const char cmd_roster_import_usage[] =
    "usage: yanxiu roster import FILE [--encoding ENCODING] [--district CODE]\n"
    "\n"
    "Imports the teachers listed in FILE, a CSV file as Excel saves it, into the\n"
    "roster (教师名册): a new teacher code is created, a known one updated, one that\n"
    "did not change is left alone. Teachers not in FILE stay as they are (mark one\n"
    "who has gone with status left). The server checks every row first; if any row\n"
    "is wrong, nothing is written and every problem is listed with its line in FILE\n"
    "(exit status 1). A school account imports teachers of the schools of its own\n"
    "reporting unit; a district account, of any school of the district (moving a\n"
    "teacher between units is yanxiu roster transfer). An admin names the district\n"
    "with --district. Needs a session (yanxiu login).\n"
    "\n"
    "Columns: the first row names them, in English or in Chinese, in any order.\n"
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
    "The three flags take yes/no, 是/否, 1/0 or true/false; empty is no. Any other\n"
    "value is listed with its line and column, and nothing is sent.\n"
    "\n" IMPORT_OPTIONS_TEXT "\n"
    "Example:\n"
    "  $ cat teachers.csv\n"
    "  教师编号,姓名,学校代码,学科,教研组,班主任,骨干教师,新任教师,状态\n"
    "  T0001,张丽,4114230001,语文,语文,是,否,否,在职\n"
    "  T0002,王强,4114230002,数学,数学,否,是,否,\n"
    "  $ yanxiu roster import teachers.csv\n"
    "  teachers.csv: 2 created, 0 updated, 0 unchanged\n";

int cmd_roster_import(struct cli *cli, int argc, char **argv)
{
    struct import_opts o;
    int rc = import_options(cli, argc, argv, &o);
    if (rc != CLI_OK)
        return rc;
    struct import_file f = {.path = o.path,
                            .cols = teacher_cols,
                            .ncols = TEACHER_NCOLS,
                            .list = "teachers",
                            .renames = teacher_renames};
    rc = import_read(&f, o.enc);
    if (rc != CLI_OK)
        return rc;

    size_t n = csvin_rows(f.t);
    Yanxiu__V1__Teacher *ts = calloc(n, sizeof(*ts));
    Yanxiu__V1__Teacher **ptrs = calloc(n, sizeof(*ptrs));
    if (!ts || !ptrs || !import_check_duplicates(&f, TEACHER_CODE, "teacher")) {
        fprintf(stderr, "yanxiu: out of memory reading %zu rows of %s\n", n, f.path);
        rc = CLI_FAILED;
        goto done;
    }
    for (size_t i = 0; i < n; i++) {
        Yanxiu__V1__Teacher *t = &ts[i];
        yanxiu__v1__teacher__init(t);
        /* protobuf-c's fields are not const; packing only reads them. */
        t->teacher_code = (char *)csvin_get(f.t, i, TEACHER_CODE);
        t->name = (char *)csvin_get(f.t, i, TEACHER_NAME);
        t->school_code = (char *)csvin_get(f.t, i, TEACHER_SCHOOL_CODE);
        t->subject = (char *)csvin_get(f.t, i, TEACHER_SUBJECT);
        t->research_group = (char *)csvin_get(f.t, i, TEACHER_GROUP);
        t->homeroom = import_flag_cell(&f, i, TEACHER_HOMEROOM);
        t->backbone = import_flag_cell(&f, i, TEACHER_BACKBONE);
        t->new_teacher = import_flag_cell(&f, i, TEACHER_NEW);
        t->status = (char *)csvin_get(f.t, i, TEACHER_STATUS);
        ptrs[i] = t;
    }
    if (f.problems) {
        rc = import_rejected(&f, "nothing was sent");
        goto done;
    }

    rc = view_open_session(cli, o.district);
    if (rc == CLI_OK) {
        Yanxiu__V1__ImportRosterRequest in = YANXIU__V1__IMPORT_ROSTER_REQUEST__INIT;
        in.district_code = (char *)o.district;
        in.teachers = ptrs;
        in.n_teachers = n;
        char *present[TEACHER_NCOLS];
        in.columns = present;
        in.n_columns = import_present_fields(&f, present);
        Yanxiu__V1__Envelope req = YANXIU__V1__ENVELOPE__INIT;
        req.body_case = YANXIU__V1__ENVELOPE__BODY_IMPORT_ROSTER;
        req.import_roster = &in;
        rc = import_send(cli, &f, &req);
    }
done:
    free(ts);
    free(ptrs);
    csvin_free(f.t);
    return rc;
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
                                       "--unit '%s' is not a 10-digit school code (the unit's, "
                                       "as yanxiu units list shows it)",
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
    "usage: yanxiu units list [--district CODE] [--format FORMAT] [-o FILE]\n"
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
    "\n" VIEW_OUTPUT_OPTIONS_TEXT "\n"
    "Example:\n"
    "  $ yanxiu units list --format csv\n"
    "  school_code,name,kind,central_code,unit_code,opened,closed\n"
    "  4114230001,城关镇中心校,central,,4114230001,,\n"
    "  4114230002,城关镇东街小学,primary,4114230001,4114230001,2001-09-01,\n";

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

    static const struct out_column cols[] = {
        {"school_code", "学校代码", OUT_TEXT, NULL},
        {"name", "学校名称", OUT_TEXT, NULL},
        {"kind", "类型", OUT_TEXT, NULL},
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
            out_text(u->school_code),  out_text(u->name),      out_text(u->kind),
            out_text(u->central_code), out_text(u->unit_code), out_text(u->opened),
            out_text(u->closed),
        };
        out_add(&t, row);
    }
    size_t n = list->n_units;
    rc = view_output(&c, &t, NULL);
    if (rc == CLI_OK) {
        view_say_wrote(&c, n, "school", "schools");
        if (n == 0 && c.format == OUT_TABLE)
            fprintf(stderr, "yanxiu: no schools yet: import them with yanxiu units import FILE\n");
    }
    out_table_free(&t);
    yxc_free(resp);
    return rc;
}

const char cmd_roster_list_usage[] =
    "usage: yanxiu roster list [--unit CODE] [--district CODE] [--format FORMAT]\n"
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
    "                   school, or of the school itself)\n" VIEW_OUTPUT_OPTIONS_TEXT "\n"
    "Example:\n"
    "  $ yanxiu roster list --unit 4114230001 --format json\n"
    "  [\n"
    "    {\"teacher_code\": \"T0001\", \"name\": \"张丽\", \"school_code\": \"4114230001\", "
    "\"unit_code\": \"4114230001\", \"subject\": \"语文\", \"group\": \"语文\", "
    "\"homeroom\": true, \"backbone\": false, \"new_teacher\": false, \"status\": \"active\"}\n"
    "  ]\n";

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

    static const struct out_column cols[] = {
        {"teacher_code", "教师编号", OUT_TEXT, NULL}, {"name", "姓名", OUT_TEXT, NULL},
        {"school_code", "学校代码", OUT_TEXT, NULL},  {"unit_code", "上报单位", OUT_TEXT, NULL},
        {"subject", "学科", OUT_TEXT, NULL},          {"group", "教研组", OUT_TEXT, NULL},
        {"homeroom", "班主任", OUT_BOOL, NULL},       {"backbone", "骨干教师", OUT_BOOL, NULL},
        {"new_teacher", "新任教师", OUT_BOOL, NULL},  {"status", "状态", OUT_TEXT, NULL},
    };
    enum { NCOLS = sizeof(cols) / sizeof(cols[0]) };
    const Yanxiu__V1__RosterList *list = resp->roster_list;
    size_t n = list->n_teachers;
    struct out_table t = {"教师名册", cols, NCOLS, NULL, 0, 0, false};
    for (size_t i = 0; i < n; i++) {
        const Yanxiu__V1__Teacher *x = list->teachers[i];
        const struct out_cell row[NCOLS] = {
            out_text(x->teacher_code), out_text(x->name),    out_text(x->school_code),
            out_text(x->unit_code),    out_text(x->subject), out_text(x->research_group),
            out_num(x->homeroom),      out_num(x->backbone), out_num(x->new_teacher),
            out_text(x->status),
        };
        out_add(&t, row);
    }
    rc = view_output(&c, &t, NULL);
    if (rc == CLI_OK) {
        view_say_wrote(&c, n, "teacher", "teachers");
        if (n == 0 && c.format == OUT_TABLE)
            fprintf(stderr, "yanxiu: no teachers%s%s: import them with yanxiu roster import FILE\n",
                    unit[0] ? " in unit " : "", unit);
    }
    out_table_free(&t);
    yxc_free(resp);
    return rc;
}

/* --- roster transfer --------------------------------------------------------------------- */

const char cmd_roster_transfer_usage[] =
    "usage: yanxiu roster transfer CODE --to SCHOOL_CODE [--district CODE]\n"
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
    "  stay with them\n";

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
                return cli_usage_error(cli, "--district '%s' is not a 6-digit code", optarg);
            district = optarg;
            continue;
        }
        if (opt != 't')
            return CLI_USAGE;
        if (!view_all_digits(optarg, 10))
            return cli_usage_error(cli, "--to '%s' is not a 10-digit school code", optarg);
        to = optarg;
    }
    const char *code =
        cli_one_operand(cli, argc, argv, "CODE (the teacher code)", "CODE (the teacher code)");
    if (!code)
        return CLI_USAGE;
    if (!to)
        return cli_usage_error(cli, "--to SCHOOL_CODE is missing: where does %s move to?", code);
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
    printf("teacher %s moved from %s to %s (unit %s); their hours stay with them\n",
           t && t->teacher_code[0] ? t->teacher_code : code, r->from_school_code,
           t && t->school_code[0] ? t->school_code : to, t ? t->unit_code : "?");
    yxc_free(resp);
    return CLI_OK;
}
