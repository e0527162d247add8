/*
 * cmd_compliance: the district's views of training hours (学时达标) and of
 * reporting, and the policy that judges them: yanxiu policy show|set,
 * compliance teachers|units|groups, reporting-rates and teacher history.
 *
 * A view is built once from the server's answer as columns (an English
 * name for JSON and CSV, a Chinese header for Excel, a kind) and rows of
 * cells, then printed in the format asked for: an aligned table, CSV, JSON,
 * or an .xlsx workbook (xlsx.c). A file given with -o is written under a
 * temporary name and moved into place when complete; an existing file is
 * not replaced unless --force says so.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "out.h"
#include "xlsx.h"
#include "yxc.h"

/* A policy file larger than this is refused before it is sent. */
#define MAX_POLICY_BYTES (64 * 1024)
#define MIN_YEAR         2000
#define MAX_YEAR         2100

#define FORMAT_CHOICES "table, csv, json or xlsx"

/* --- options shared by the views ------------------------------------------------------ */

enum fmt { F_TABLE, F_CSV, F_JSON, F_XLSX };

struct common {
    enum fmt format;
    const char *output; /* -o FILE; NULL: stdout */
    bool bom;           /* CSV: a UTF-8 BOM first */
    bool force;         /* replace an existing -o file */
    const char *district;
    const char *as_of;
};

/* Option values of the common options (a command's own use other letters). */
enum {
    OPT_FORMAT = 'f',
    OPT_OUTPUT = 'o',
    OPT_BOM = 'B',
    OPT_FORCE = 'F',
    OPT_DISTRICT = 'd',
    OPT_AS_OF = 'a',
};

/* The options every view takes (but --as-of, which teacher history has not). */
/* clang-format off */
#define COMMON_OUTPUT_OPTIONS                                      \
    {"format", required_argument, NULL, OPT_FORMAT},               \
    {"output", required_argument, NULL, OPT_OUTPUT},               \
    {"bom", no_argument, NULL, OPT_BOM},                           \
    {"force", no_argument, NULL, OPT_FORCE},                       \
    {"district", required_argument, NULL, OPT_DISTRICT}
/* clang-format on */

/*
 * cli_getopt takes long options only: let "-o FILE" stand for "--output FILE"
 * (up to a "--").
 */
static void short_output_option(int argc, char **argv)
{
    static char output[] = "--output";
    for (int i = 1; i < argc && strcmp(argv[i], "--") != 0; i++)
        if (strcmp(argv[i], "-o") == 0)
            argv[i] = output;
}

static bool all_digits(const char *s, size_t n)
{
    return strlen(s) == n && strspn(s, "0123456789") == n;
}

/* True when s is a real date YYYY-MM-DD. */
static bool valid_date(const char *s)
{
    if (strlen(s) != 10 || s[4] != '-' || s[7] != '-')
        return false;
    for (int i = 0; i < 10; i++)
        if (i != 4 && i != 7 && (s[i] < '0' || s[i] > '9'))
            return false;
    int y = atoi(s), m = atoi(s + 5), d = atoi(s + 8);
    static const int days[] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    if (y < 1970 || m < 1 || m > 12 || d < 1 || d > days[m - 1])
        return false;
    bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    return !(m == 2 && d == 29 && !leap);
}

/* True when s is a month YYYY-MM. */
static bool valid_month(const char *s)
{
    char day[16];
    if (strlen(s) != 7)
        return false;
    snprintf(day, sizeof(day), "%s-01", s);
    return valid_date(day);
}

static bool parse_fmt(const char *s, enum fmt *f)
{
    static const char *const names[] = {
        [F_TABLE] = "table", [F_CSV] = "csv", [F_JSON] = "json", [F_XLSX] = "xlsx"};
    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
        if (strcmp(s, names[i]) == 0) {
            *f = (enum fmt)i;
            return true;
        }
    }
    return false;
}

enum { OPT_NOT_MINE = 0, OPT_TAKEN = 1, OPT_BAD = -1 };

/* Applies one of the common options; OPT_NOT_MINE for a command's own. */
static int common_option(const struct cli *cli, int opt, struct common *c)
{
    switch (opt) {
    case OPT_FORMAT:
        if (!parse_fmt(optarg, &c->format)) {
            (void)cli_usage_error(cli, "--format '%s': expected " FORMAT_CHOICES, optarg);
            return OPT_BAD;
        }
        return OPT_TAKEN;
    case OPT_OUTPUT:
        if (!*optarg) {
            (void)cli_usage_error(cli, "-o needs a file name");
            return OPT_BAD;
        }
        c->output = optarg;
        return OPT_TAKEN;
    case OPT_BOM:
        c->bom = true;
        return OPT_TAKEN;
    case OPT_FORCE:
        c->force = true;
        return OPT_TAKEN;
    case OPT_DISTRICT:
        if (!all_digits(optarg, 6)) {
            (void)cli_usage_error(cli,
                                  "--district '%s' is not a 6-digit division code (e.g. "
                                  "411423)",
                                  optarg);
            return OPT_BAD;
        }
        c->district = optarg;
        return OPT_TAKEN;
    case OPT_AS_OF:
        if (!valid_date(optarg)) {
            (void)cli_usage_error(cli, "--as-of '%s' is not a date YYYY-MM-DD", optarg);
            return OPT_BAD;
        }
        c->as_of = optarg;
        return OPT_TAKEN;
    default:
        return OPT_NOT_MINE;
    }
}

/* Checks the common options together, before anything is asked of the server. */
static int common_check(const struct cli *cli, const struct common *c)
{
    if (c->format == F_XLSX && !c->output)
        return cli_usage_error(cli, "--format xlsx writes a workbook: name it with -o FILE.xlsx");
    if (c->bom && c->format != F_CSV)
        return cli_usage_error(cli, "--bom goes with --format csv");
    if (c->force && !c->output)
        return cli_usage_error(cli, "--force goes with -o FILE (it lets FILE be replaced)");
    if (c->output && !c->force && access(c->output, F_OK) == 0) {
        fprintf(stderr,
                "yanxiu: %s already exists and is not replaced: choose another name, "
                "or give --force to replace it\n",
                c->output);
        return CLI_FAILED;
    }
    return CLI_OK;
}

/* Parses --year. False after saying why. */
static bool year_arg(const struct cli *cli, const char *arg, uint32_t *year)
{
    int y = all_digits(arg, 4) ? atoi(arg) : 0;
    if (y < MIN_YEAR || y > MAX_YEAR) {
        (void)cli_usage_error(cli, "--year '%s' is not a year YYYY from %d to %d", arg, MIN_YEAR,
                              MAX_YEAR);
        return false;
    }
    *year = (uint32_t)y;
    return true;
}

/* After cli_open_session: an admin acts on no district of its own and must name one. */
static int need_district(const struct cli *cli, const char *district)
{
    const Yanxiu__V1__Identity *id = cli->me->whoami_reply->identity;
    if (district[0] || strcmp(id->role, "admin") != 0)
        return CLI_OK;
    return cli_usage_error(cli, "user %s is an admin: name the district with --district CODE",
                           id->user);
}

/* Opens the session and checks --district. Returns an exit code. */
static int open_session(struct cli *cli, const char *district)
{
    int rc = cli_open_session(cli);
    return rc == CLI_OK ? need_district(cli, district) : rc;
}

/* --- views ------------------------------------------------------------------------------- */

enum vkind {
    V_TEXT,    /* a string as it is */
    V_COUNT,   /* a whole number */
    V_HOURS,   /* hours or credits: one decimal in table, CSV and Excel */
    V_RATE,    /* 0..1: a percentage with one decimal in table and CSV, "0.0%" in Excel */
    V_STATUS,  /* a teacher's status: Chinese in table and Excel, the code in CSV and JSON */
    V_STATE,   /* a unit's month in the reporting matrix: likewise */
    V_BOOL,    /* yes/no; true/false in JSON; 是/否 in Excel */
    V_REASONS, /* the rules a teacher does not meet */
};

struct vcol {
    const char *name; /* JSON key, CSV header, table heading */
    const char *zh;   /* the Excel header */
    enum vkind kind;
};

struct vcell {
    const char *s; /* V_TEXT, V_STATUS, V_STATE; NULL: no value */
    double v;      /* V_COUNT, V_HOURS, V_RATE, V_BOOL */
    Yanxiu__V1__Reason **reasons;
    size_t nreasons;
    bool null; /* no value, whatever the kind */
};

struct view {
    const char *sheet; /* the Excel sheet's name */
    const struct vcol *cols;
    size_t ncols;
    struct vcell *cells; /* row by row; strings point into the server's answer */
    size_t nrows, cap;
    bool oom;
};

static struct vcell vt(const char *s)
{
    return (struct vcell){.s = s};
}

static struct vcell vn(double v)
{
    return (struct vcell){.v = v};
}

static struct vcell vr(Yanxiu__V1__Reason **r, size_t n)
{
    return (struct vcell){.reasons = r, .nreasons = n};
}

/* Appends a row of v->ncols cells; on OOM marks the view (checked before printing). */
static void view_add(struct view *v, const struct vcell *row)
{
    if (v->oom)
        return;
    if (v->nrows == v->cap) {
        size_t cap = v->cap ? v->cap * 2 : 64;
        struct vcell *nc = reallocarray(v->cells, cap * v->ncols, sizeof(*nc));
        if (!nc) {
            v->oom = true;
            return;
        }
        v->cells = nc;
        v->cap = cap;
    }
    memcpy(v->cells + v->nrows * v->ncols, row, v->ncols * sizeof(*row));
    v->nrows++;
}

static void view_free(struct view *v)
{
    free(v->cells);
    v->cells = NULL;
    v->nrows = v->cap = 0;
}

/* A code of the protocol and what the Chinese call it. */
struct label {
    const char *code, *zh;
};

static const struct label statuses[] = {
    {"compliant", "达标"},       {"on_track", "进度正常"}, {"behind", "进度落后"},
    {"non_compliant", "未达标"}, {"exempt", "免训"},
};

static const struct label states[] = {
    {"on_time", "按时"},  {"late", "迟报"},   {"missing", "未报"},    {"returned", "退回"},
    {"reopened", "重开"}, {"voided", "作废"}, {"closed", "无需上报"},
};

static const struct label rules[] = {
    {"hours_year", "年度学时"},
    {"school_hours_year", "年度校本学时"},
    {"credits_year", "年度学分"},
    {"unexcused_absences", "无故缺席"},
    {"hours_cycle", "周期学时"},
    {"ethics_hours_cycle", "周期师德学时"},
    {"centralized_hours_cycle", "周期集中学时"},
    {"homeroom_hours_cycle", "周期班主任学时"},
};

#define NLABELS(t) (sizeof(t) / sizeof((t)[0]))

/* The Chinese for a code of the table; NULL when the table does not know it. */
static const char *chinese(const struct label *t, size_t n, const char *code)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(t[i].code, code) == 0)
            return t[i].zh;
    return NULL;
}

/* "40", "40.5": a number with at most one decimal, without a trailing ".0". */
static void short_number(double v, char *buf, size_t cap)
{
    snprintf(buf, cap, "%.1f", v);
    size_t n = strlen(buf);
    if (n > 2 && strcmp(buf + n - 2, ".0") == 0)
        buf[n - 2] = '\0';
}

/* "hours_year 40/72; school_hours_year 10/24" (had/needed); rule names in Chinese for Excel. */
static void reasons_text(const struct vcell *c, bool in_chinese, char *buf, size_t cap)
{
    size_t used = 0;
    buf[0] = '\0';
    for (size_t i = 0; i < c->nreasons && used < cap; i++) {
        const Yanxiu__V1__Reason *r = c->reasons[i];
        const char *name = in_chinese ? chinese(rules, NLABELS(rules), r->rule) : NULL;
        char had[32], needed[32];
        short_number(r->had, had, sizeof(had));
        short_number(r->needed, needed, sizeof(needed));
        int n = snprintf(buf + used, cap - used, "%s%s %s/%s", i ? "; " : "", name ? name : r->rule,
                         had, needed);
        if (n < 0)
            break;
        used += (size_t)n;
    }
}

/*
 * The text of a cell in table, CSV or Excel (for Excel, numbers plain: xlsx.c
 * formats them). NULL: no value.
 */
static const char *cell_text(const struct vcol *col, const struct vcell *c, enum fmt f, char *buf,
                             size_t cap)
{
    if (c->null)
        return NULL;
    const char *zh;
    switch (col->kind) {
    case V_TEXT:
        return c->s;
    case V_STATUS:
    case V_STATE:
        if (!c->s || f == F_CSV)
            return c->s;
        zh = col->kind == V_STATUS ? chinese(statuses, NLABELS(statuses), c->s)
                                   : chinese(states, NLABELS(states), c->s);
        return zh ? zh : c->s;
    case V_COUNT:
        snprintf(buf, cap, "%.0f", c->v);
        return buf;
    case V_HOURS:
        snprintf(buf, cap, f == F_XLSX ? "%.17g" : "%.1f", c->v);
        return buf;
    case V_RATE:
        if (f == F_XLSX) {
            snprintf(buf, cap, "%.17g", c->v);
        } else if (f == F_TABLE) {
            /* As wide as the heading (or "100.0%"): the column reads right-aligned. */
            int w = strlen(col->name) > 6 ? (int)strlen(col->name) : 6;
            snprintf(buf, cap, "%*.1f%%", w - 1, c->v * 100);
        } else {
            snprintf(buf, cap, "%.1f%%", c->v * 100);
        }
        return buf;
    case V_BOOL:
        return f == F_XLSX ? (c->v ? "是" : "否") : (c->v ? "yes" : "no");
    case V_REASONS:
        reasons_text(c, f == F_XLSX, buf, cap);
        return buf;
    }
    return NULL;
}

/* Prints the view as a table or CSV (out.c does the work). False when memory ran out or the
   output failed. */
static bool print_plain(const struct view *v, enum fmt f, FILE *fp)
{
    struct out_column *oc = calloc(v->ncols, sizeof(*oc));
    const char **cells = calloc(v->ncols, sizeof(*cells));
    struct out_table *t = NULL;
    bool ok = oc && cells;
    for (size_t c = 0; ok && c < v->ncols; c++) {
        bool right = f == F_TABLE && (v->cols[c].kind == V_COUNT || v->cols[c].kind == V_HOURS);
        oc[c] = (struct out_column){v->cols[c].name, right ? OUT_NUMBER : OUT_STRING, NULL};
    }
    if (ok)
        ok = (t = out_table_new(oc, v->ncols)) != NULL;
    char(*bufs)[1024] = ok ? calloc(v->ncols, sizeof(*bufs)) : NULL;
    ok = ok && bufs;
    for (size_t r = 0; ok && r < v->nrows; r++) {
        for (size_t c = 0; c < v->ncols; c++)
            cells[c] =
                cell_text(&v->cols[c], &v->cells[r * v->ncols + c], f, bufs[c], sizeof(bufs[c]));
        ok = out_row_add(t, cells);
    }
    if (ok)
        ok = out_print(t, f == F_TABLE ? OUT_TABLE : OUT_CSV, fp);
    else
        errno = ENOMEM;
    out_table_free(t);
    free(bufs);
    free(cells);
    free(oc);
    return ok;
}

/* A JSON number, or null when v is not finite. */
static void json_number(double v, bool whole, FILE *fp)
{
    if (!isfinite(v))
        fputs("null", fp);
    else if (whole)
        fprintf(fp, "%.0f", v);
    else
        fprintf(fp, "%.10g", v);
}

static void json_reasons(const struct vcell *c, FILE *fp)
{
    putc('[', fp);
    for (size_t i = 0; i < c->nreasons; i++) {
        const Yanxiu__V1__Reason *r = c->reasons[i];
        fputs(i ? ", {\"rule\": " : "{\"rule\": ", fp);
        out_json_string(r->rule, fp);
        fputs(", \"needed\": ", fp);
        json_number(r->needed, false, fp);
        fputs(", \"had\": ", fp);
        json_number(r->had, false, fp);
        putc('}', fp);
    }
    putc(']', fp);
}

/* One row of the view as a JSON object on one line. */
static void json_object(const struct view *v, size_t r, FILE *fp)
{
    putc('{', fp);
    for (size_t c = 0; c < v->ncols; c++) {
        const struct vcell *x = &v->cells[r * v->ncols + c];
        if (c > 0)
            fputs(", ", fp);
        out_json_string(v->cols[c].name, fp);
        fputs(": ", fp);
        if (x->null) {
            fputs("null", fp);
            continue;
        }
        switch (v->cols[c].kind) {
        case V_TEXT:
        case V_STATUS:
        case V_STATE:
            if (x->s)
                out_json_string(x->s, fp);
            else
                fputs("null", fp);
            break;
        case V_COUNT:
            json_number(x->v, true, fp);
            break;
        case V_HOURS:
        case V_RATE:
            json_number(x->v, false, fp);
            break;
        case V_BOOL:
            fputs(x->v ? "true" : "false", fp);
            break;
        case V_REASONS:
            json_reasons(x, fp);
            break;
        }
    }
    putc('}', fp);
}

/* The view as a JSON array of objects, one a line; `indent` spaces before each line but the
   first. No newline after the closing bracket. */
static void json_array(const struct view *v, int indent, FILE *fp)
{
    if (v->nrows == 0) {
        fputs("[]", fp);
        return;
    }
    fputs("[\n", fp);
    for (size_t r = 0; r < v->nrows; r++) {
        fprintf(fp, "%*s", indent + 2, "");
        json_object(v, r, fp);
        fputs(r + 1 < v->nrows ? ",\n" : "\n", fp);
    }
    fprintf(fp, "%*s]", indent, "");
}

/* The cells of the views as Excel text, for xlsx_write. */
struct xlsx_book {
    struct xlsx_sheet *sheets;
    struct xlsx_column **cols;
    char ***cells;
    size_t n;
};

static void book_free(struct xlsx_book *b)
{
    for (size_t i = 0; i < b->n; i++) {
        const struct xlsx_sheet *s = &b->sheets[i];
        if (b->cells && b->cells[i])
            for (size_t k = 0; k < s->nrows * s->ncols; k++)
                free(b->cells[i][k]);
        if (b->cells)
            free(b->cells[i]);
        if (b->cols)
            free(b->cols[i]);
    }
    free(b->sheets);
    free(b->cols);
    free(b->cells);
}

static enum xlsx_kind xlsx_kind_of(enum vkind k)
{
    switch (k) {
    case V_COUNT:
        return XLSX_INTEGER;
    case V_HOURS:
        return XLSX_DECIMAL1;
    case V_RATE:
        return XLSX_PERCENT;
    default:
        return XLSX_TEXT;
    }
}

/* Writes the views as the sheets of a workbook at path. False (after saying why) on failure. */
static bool write_xlsx(const char *path, const struct view *const *views, size_t n)
{
    struct xlsx_book b = {calloc(n, sizeof(*b.sheets)), calloc(n, sizeof(*b.cols)),
                          calloc(n, sizeof(*b.cells)), n};
    bool ok = b.sheets && b.cols && b.cells;
    char buf[1024];
    for (size_t i = 0; ok && i < n; i++) {
        const struct view *v = views[i];
        size_t ncells = v->nrows * v->ncols;
        b.sheets[i] = (struct xlsx_sheet){v->sheet, NULL, v->ncols, NULL, v->nrows};
        b.cols[i] = calloc(v->ncols, sizeof(**b.cols));
        b.cells[i] = calloc(ncells ? ncells : 1, sizeof(**b.cells));
        ok = b.cols[i] && b.cells[i];
        for (size_t c = 0; ok && c < v->ncols; c++)
            b.cols[i][c] = (struct xlsx_column){v->cols[c].zh, xlsx_kind_of(v->cols[c].kind)};
        for (size_t k = 0; ok && k < ncells; k++) {
            const char *s =
                cell_text(&v->cols[k % v->ncols], &v->cells[k], F_XLSX, buf, sizeof(buf));
            ok = !s || (b.cells[i][k] = strdup(s)) != NULL;
        }
        b.sheets[i].cols = b.cols[i];
        b.sheets[i].cells = (const char *const *)b.cells[i];
    }
    char err[600];
    if (!ok)
        fprintf(stderr, "yanxiu: out of memory preparing %s\n", path);
    else if (!(ok = xlsx_write(path, b.sheets, n, err, sizeof(err))))
        fprintf(stderr, "yanxiu: %s\n", err);
    book_free(&b);
    return ok;
}

/* --- output files ------------------------------------------------------------------------ */

/* Where a view goes: stdout, or a temporary file next to -o FILE until it is complete. */
struct sink {
    const struct common *c;
    FILE *fp;
    char tmp[PATH_MAX];
};

/* Creates the temporary file beside c->output (fd open in *fd). False after saying why. */
static bool make_temp(struct sink *s, int *fd)
{
    if (snprintf(s->tmp, sizeof(s->tmp), "%s.XXXXXX", s->c->output) >= (int)sizeof(s->tmp)) {
        fprintf(stderr, "yanxiu: %s: the name is too long\n", s->c->output);
        return false;
    }
    *fd = mkstemp(s->tmp);
    if (*fd < 0) {
        fprintf(stderr, "yanxiu: %s: cannot create a file there: %s\n", s->c->output,
                strerror(errno));
        s->tmp[0] = '\0';
        return false;
    }
    /* mkstemp makes it 0600; the file is a report, not a secret. */
    mode_t mask = umask(0);
    umask(mask);
    (void)fchmod(*fd, 0666 & ~mask); /* on failure it stays readable by its owner */
    return true;
}

static bool sink_open(struct sink *s, const struct common *c)
{
    s->c = c;
    s->tmp[0] = '\0';
    s->fp = stdout;
    if (!c->output || c->format == F_XLSX)
        return true;
    int fd;
    if (!make_temp(s, &fd))
        return false;
    s->fp = fdopen(fd, "w");
    if (!s->fp) {
        fprintf(stderr, "yanxiu: %s: %s\n", s->tmp, strerror(errno));
        close(fd);
        unlink(s->tmp);
        return false;
    }
    return true;
}

/* Moves the complete temporary file to c->output. False after saying why. */
static bool publish(const struct sink *s)
{
    const char *path = s->c->output;
    if (s->c->force) {
        if (rename(s->tmp, path) == 0)
            return true;
    } else if (link(s->tmp, path) == 0) {
        unlink(s->tmp);
        return true;
    } else if (errno == EEXIST) {
        fprintf(stderr,
                "yanxiu: %s appeared meanwhile and is not replaced (give --force to "
                "replace it)\n",
                path);
        unlink(s->tmp);
        return false;
    } else if (access(path, F_OK) != 0 && rename(s->tmp, path) == 0) {
        return true; /* a file system without hard links */
    }
    fprintf(stderr, "yanxiu: cannot write %s: %s\n", path, strerror(errno));
    unlink(s->tmp);
    return false;
}

/*
 * Ends the output: `ok` says whether writing went well so far. For a file,
 * moves it into place (or removes it). Returns an exit code.
 */
static int sink_close(struct sink *s, bool ok)
{
    int saved = errno;
    if (!s->c->output) {
        if (!ok || fflush(stdout) != 0 || ferror(stdout)) {
            fprintf(stderr, "yanxiu: could not write the output: %s\n",
                    strerror(ok ? errno : saved));
            return CLI_FAILED;
        }
        return CLI_OK;
    }
    if (s->fp && s->fp != stdout) {
        if (fflush(s->fp) != 0 || ferror(s->fp))
            ok = false, saved = errno;
        if (fclose(s->fp) != 0 && ok)
            ok = false, saved = errno;
        s->fp = NULL;
        if (!ok)
            fprintf(stderr, "yanxiu: cannot write %s: %s\n", s->c->output, strerror(saved));
    }
    if (!ok) {
        if (s->tmp[0])
            unlink(s->tmp);
        return CLI_FAILED;
    }
    return publish(s) ? CLI_OK : CLI_FAILED;
}

/* Writes the views (n of them) as a workbook to c->output. Returns an exit code. */
static int output_xlsx(const struct common *c, const struct view *const *views, size_t n)
{
    struct sink s = {.c = c};
    int fd;
    if (!make_temp(&s, &fd))
        return CLI_FAILED;
    close(fd);
    if (!write_xlsx(s.tmp, views, n)) {
        unlink(s.tmp);
        return CLI_FAILED;
    }
    return publish(&s) ? CLI_OK : CLI_FAILED;
}

/* Says where the file went ("wrote FILE: 12 teachers"), when there was one. */
static void say_wrote(const struct common *c, size_t n, const char *one, const char *many)
{
    if (c->output)
        printf("wrote %s: %zu %s\n", c->output, n, n == 1 ? one : many);
}

/*
 * Prints one view in c->format, to stdout or c->output; `title` (table
 * format only, may be NULL) goes first. Returns an exit code.
 */
static int output_view(const struct common *c, const struct view *v, const char *title)
{
    if (v->oom) {
        fprintf(stderr, "yanxiu: out of memory listing %zu rows\n", v->nrows);
        return CLI_FAILED;
    }
    if (c->format == F_XLSX)
        return output_xlsx(c, &v, 1);
    struct sink s;
    if (!sink_open(&s, c))
        return CLI_FAILED;
    bool ok = true;
    switch (c->format) {
    case F_TABLE:
        if (title)
            fprintf(s.fp, "%s\n", title);
        ok = print_plain(v, F_TABLE, s.fp);
        break;
    case F_CSV:
        if (c->bom)
            fputs("\xEF\xBB\xBF", s.fp);
        ok = print_plain(v, F_CSV, s.fp);
        break;
    case F_JSON:
        json_array(v, 0, s.fp);
        putc('\n', s.fp);
        break;
    case F_XLSX:
        break;
    }
    return sink_close(&s, ok);
}

/* Sends a query; *resp holds a body of case `expect`. Returns an exit code. */
static int call(struct cli *cli, Yanxiu__V1__Envelope *req, Yanxiu__V1__Envelope__BodyCase expect,
                Yanxiu__V1__Envelope **resp)
{
    struct yxc_error err;
    if (!yxc_call(cli->conn, req, expect, resp, &err))
        return cli_report(cli, &err);
    return CLI_OK;
}

/* --- policy show / set --------------------------------------------------------------------- */

const char cmd_policy_show_usage[] =
    "usage: yanxiu policy show [--as-of DATE] [--district CODE]\n"
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
    "  $ yanxiu policy show > policy.ini      # edit it, then: yanxiu policy set policy.ini\n";

int cmd_policy_show(struct cli *cli, int argc, char **argv)
{
    static const struct option opts[] = {
        {"as-of", required_argument, NULL, OPT_AS_OF},
        {"district", required_argument, NULL, OPT_DISTRICT},
        {0},
    };
    struct common c = {.district = "", .as_of = ""};
    int opt;
    while ((opt = cli_getopt(cli, argc, argv, opts)) != -1) {
        if (common_option(cli, opt, &c) != OPT_TAKEN)
            return CLI_USAGE;
    }
    if (!cli_no_operands(cli, argc, argv))
        return CLI_USAGE;
    int rc = open_session(cli, c.district);
    if (rc != CLI_OK)
        return rc;
    Yanxiu__V1__GetPolicyRequest in = YANXIU__V1__GET_POLICY_REQUEST__INIT;
    in.district_code = (char *)c.district;
    in.as_of = (char *)c.as_of;
    Yanxiu__V1__Envelope req = YANXIU__V1__ENVELOPE__INIT;
    req.body_case = YANXIU__V1__ENVELOPE__BODY_GET_POLICY;
    req.get_policy = &in;
    Yanxiu__V1__Envelope *resp;
    rc = call(cli, &req, YANXIU__V1__ENVELOPE__BODY_POLICY, &resp);
    if (rc != CLI_OK)
        return rc;
    const char *ini = resp->policy->ini;
    size_t len = strlen(ini);
    fputs(ini, stdout);
    if (len > 0 && ini[len - 1] != '\n')
        putchar('\n');
    yxc_free(resp);
    return CLI_OK;
}

const char cmd_policy_set_usage[] =
    "usage: yanxiu policy set FILE [--effective DATE] [--district CODE]\n"
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
    "  yanxiu: bad.ini: INVALID_ARGUMENT: ...; nothing was stored\n";

/* The 1-based line of byte offset `at` in text. */
static int line_of(const char *text, size_t at)
{
    int line = 1;
    for (size_t i = 0; i < at; i++)
        line += text[i] == '\n';
    return line;
}

/* Offset of the first byte that is not UTF-8 (overlong forms and surrogates included), or len. */
static size_t utf8_bad_at(const unsigned char *s, size_t len)
{
    size_t i = 0;
    while (i < len) {
        unsigned char b = s[i];
        size_t n;
        uint32_t v, min;
        if (b < 0x80) {
            i++;
            continue;
        } else if ((b & 0xE0) == 0xC0) {
            n = 2, v = b & 0x1Fu, min = 0x80;
        } else if ((b & 0xF0) == 0xE0) {
            n = 3, v = b & 0x0Fu, min = 0x800;
        } else if ((b & 0xF8) == 0xF0) {
            n = 4, v = b & 0x07u, min = 0x10000;
        } else {
            return i;
        }
        if (i + n > len)
            return i;
        for (size_t k = 1; k < n; k++) {
            if ((s[i + k] & 0xC0) != 0x80)
                return i;
            v = (v << 6) | (s[i + k] & 0x3Fu);
        }
        if (v < min || v > 0x10FFFF || (v >= 0xD800 && v <= 0xDFFF))
            return i;
        i += n;
    }
    return len;
}

/* Reads the policy file: *text malloc'd, NUL-terminated, BOM dropped. Returns an exit code. */
static int read_policy_file(const char *path, char **text)
{
    *text = NULL;
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        fprintf(stderr, "yanxiu: %s: cannot open: %s\n", path, strerror(errno));
        return CLI_FAILED;
    }
    struct stat st;
    if (fstat(fd, &st) == 0 && S_ISDIR(st.st_mode)) {
        fprintf(stderr, "yanxiu: %s is a directory, not a policy file\n", path);
        close(fd);
        return CLI_FAILED;
    }
    char *buf = malloc(MAX_POLICY_BYTES + 2);
    size_t len = 0;
    if (!buf) {
        close(fd);
        fprintf(stderr, "yanxiu: out of memory reading %s\n", path);
        return CLI_FAILED;
    }
    for (;;) {
        ssize_t n = read(fd, buf + len, MAX_POLICY_BYTES + 1 - len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            fprintf(stderr, "yanxiu: %s: cannot read: %s\n", path, strerror(errno));
            close(fd);
            free(buf);
            return CLI_FAILED;
        }
        if (n == 0)
            break;
        len += (size_t)n;
        if (len > MAX_POLICY_BYTES)
            break;
    }
    close(fd);
    if (len > MAX_POLICY_BYTES) {
        fprintf(stderr, "yanxiu: %s is larger than %d KiB: that is not a policy file\n", path,
                MAX_POLICY_BYTES / 1024);
        free(buf);
        return CLI_FAILED;
    }
    buf[len] = '\0';
    size_t skip = len >= 3 && memcmp(buf, "\xEF\xBB\xBF", 3) == 0 ? 3 : 0;
    memmove(buf, buf + skip, len - skip + 1);
    len -= skip;
    const char *nul = memchr(buf, '\0', len);
    size_t bad = utf8_bad_at((const unsigned char *)buf, len);
    if (nul || bad < len) {
        size_t at = nul && (size_t)(nul - buf) < bad ? (size_t)(nul - buf) : bad;
        fprintf(stderr, "yanxiu: %s line %d: %s: save the file as UTF-8 text\n", path,
                line_of(buf, at), nul && (size_t)(nul - buf) == at ? "a NUL byte" : "not UTF-8");
        free(buf);
        return CLI_FAILED;
    }
    if (strspn(buf, " \t\r\n") == len) {
        fprintf(stderr, "yanxiu: %s is empty: nothing to store\n", path);
        free(buf);
        return CLI_FAILED;
    }
    *text = buf;
    return CLI_OK;
}

/* Prints one problem of the policy file: "FILE line 7: reason". */
static void print_policy_violation(const char *path, const Yanxiu__V1__FieldViolation *v)
{
    if (strncmp(v->path, "line ", 5) == 0)
        fprintf(stderr, "%s %s: %s\n", path, v->path, v->reason);
    else if (v->path[0])
        fprintf(stderr, "%s: %s: %s\n", path, v->path, v->reason);
    else
        fprintf(stderr, "%s: %s\n", path, v->reason);
}

int cmd_policy_set(struct cli *cli, int argc, char **argv)
{
    static const struct option opts[] = {
        {"effective", required_argument, NULL, 'e'},
        {"district", required_argument, NULL, OPT_DISTRICT},
        {0},
    };
    struct common c = {.district = "", .as_of = ""};
    const char *effective = "";
    int opt;
    while ((opt = cli_getopt(cli, argc, argv, opts)) != -1) {
        if (opt == 'e') {
            if (!valid_date(optarg))
                return cli_usage_error(cli, "--effective '%s' is not a date YYYY-MM-DD", optarg);
            effective = optarg;
        } else if (common_option(cli, opt, &c) != OPT_TAKEN) {
            return CLI_USAGE;
        }
    }
    if (optind >= argc)
        return cli_usage_error(cli, "FILE (the policy file to store) is missing");
    if (optind + 1 < argc)
        return cli_usage_error(cli, "unexpected argument '%s' (give one FILE)", argv[optind + 1]);
    const char *path = argv[optind];
    char *text;
    int rc = read_policy_file(path, &text);
    if (rc != CLI_OK)
        return rc;
    rc = open_session(cli, c.district);
    if (rc != CLI_OK) {
        free(text);
        return rc;
    }

    Yanxiu__V1__SetPolicyRequest in = YANXIU__V1__SET_POLICY_REQUEST__INIT;
    in.district_code = (char *)c.district;
    in.ini = text;
    in.effective = (char *)effective;
    Yanxiu__V1__Envelope req = YANXIU__V1__ENVELOPE__INIT;
    req.body_case = YANXIU__V1__ENVELOPE__BODY_SET_POLICY;
    req.set_policy = &in;
    struct yxc_error err;
    uint64_t id;
    Yanxiu__V1__Envelope *resp = NULL;
    if (!yxc_send(cli->conn, &req, &id, &err) || !yxc_await(cli->conn, id, &resp, &err)) {
        free(text);
        return cli_report(cli, &err);
    }
    free(text);
    if (resp->body_case == YANXIU__V1__ENVELOPE__BODY_ERROR && resp->error->n_violations > 0) {
        const Yanxiu__V1__Error *e = resp->error;
        for (size_t i = 0; i < e->n_violations; i++)
            print_policy_violation(path, e->violations[i]);
        fprintf(stderr, "yanxiu: %s: %s; nothing was stored\n", path, e->message);
        yxc_free(resp);
        return CLI_FAILED;
    }
    if (!yxc_check(resp, &err)) {
        yxc_free(resp);
        return cli_report(cli, &err);
    }
    if (resp->body_case != YANXIU__V1__ENVELOPE__BODY_POLICY) {
        fprintf(stderr, "yanxiu: the server at %s answered with %s\n", cli->peer,
                yxc_body_name(resp->body_case));
        yxc_free(resp);
        return CLI_FAILED;
    }
    const Yanxiu__V1__PolicyText *p = resp->policy;
    printf("policy of district %s stored: version %" PRIu32 ", in force from %s\n",
           p->district_code[0] ? p->district_code : c.district, p->version,
           p->effective[0] ? p->effective : (effective[0] ? effective : "today"));
    yxc_free(resp);
    return CLI_OK;
}

/* --- compliance teachers ------------------------------------------------------------------ */

#define VIEW_OPTIONS_TEXT                                                                          \
    "  --as-of DATE     judge as on DATE (YYYY-MM-DD): only months up to it count,\n"              \
    "                   and a year not over by then is judged pro rata; default:\n"                \
    "                   today (Asia/Shanghai)\n"                                                   \
    "  --district CODE  the district (6 digits); an admin must give it\n"                          \
    "  --format FORMAT  " FORMAT_CHOICES " (default table); xlsx needs -o\n"                       \
    "  -o, --output FILE  write to FILE instead of the standard output; an existing\n"             \
    "                   FILE is not replaced unless --force is given\n"                            \
    "  --force          replace FILE if it exists\n"                                               \
    "  --bom            CSV: start with a UTF-8 BOM, so that Excel on Windows reads\n"             \
    "                   the Chinese right\n"

const char cmd_compliance_teachers_usage[] =
    "usage: yanxiu compliance teachers --year YYYY [--cycle] [--unit CODE]\n"
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
    "exempt 免训. Tables and Excel show the Chinese, CSV and JSON the code.\n"
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
    "Reasons read \"hours_year 40/72; school_hours_year 10/24\" (had/needed) in table\n"
    "and CSV; in JSON they are an array of {\"rule\", \"needed\", \"had\"}. Hours have\n"
    "one decimal in table and CSV; JSON numbers are as they are.\n"
    "\n"
    "  --year YYYY      the year (required)\n"
    "  --cycle          also the sums and the status of the training cycle (培训周期)\n"
    "                   that holds the year\n"
    "  --unit CODE      only this reporting unit (10-digit code)\n"
    "  --school CODE    only this school (10-digit code)\n"
    "  --status STATUS  only teachers of this status (the code or the Chinese)\n"
    "  --approved-only  count approved reports only (the official annual "
    "result)\n" VIEW_OPTIONS_TEXT "\n"
    "Examples:\n"
    "  $ yanxiu compliance teachers --year 2026 --status behind\n"
    "  $ yanxiu compliance teachers --year 2026 --cycle --format xlsx -o 2026学时.xlsx\n";

/* Accepts a status by its code or its Chinese name; NULL when it is neither. */
static const char *status_code(const char *s)
{
    for (size_t i = 0; i < NLABELS(statuses); i++)
        if (strcmp(s, statuses[i].code) == 0 || strcmp(s, statuses[i].zh) == 0)
            return statuses[i].code;
    return NULL;
}

/* The options of the compliance views. */
struct view_opts {
    struct common c;
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

/* Parses the options of a view (those `opts` lists) and the operands (none). Returns an exit
   code. */
static int view_options(struct cli *cli, int argc, char **argv, const struct option *opts,
                        struct view_opts *o)
{
    o->c = (struct common){.format = F_TABLE, .district = "", .as_of = ""};
    yanxiu__v1__compliance_query__init(&o->q);
    o->year_given = false;
    short_output_option(argc, argv);
    int opt;
    while ((opt = cli_getopt(cli, argc, argv, opts)) != -1) {
        int taken = common_option(cli, opt, &o->c);
        if (taken == OPT_BAD)
            return CLI_USAGE;
        if (taken == OPT_TAKEN)
            continue;
        switch (opt) {
        case OPT_YEAR:
            if (!year_arg(cli, optarg, &o->q.year))
                return CLI_USAGE;
            o->year_given = true;
            break;
        case OPT_MONTH:
            if (!valid_month(optarg))
                return cli_usage_error(cli, "--month '%s' is not a month YYYY-MM", optarg);
            o->q.month = optarg;
            break;
        case OPT_CYCLE:
            o->q.cycle = true;
            break;
        case OPT_UNIT:
        case OPT_SCHOOL:
            if (!all_digits(optarg, 10))
                return cli_usage_error(cli, "--%s '%s' is not a 10-digit school code",
                                       opt == OPT_UNIT ? "unit" : "school", optarg);
            if (opt == OPT_UNIT)
                o->q.unit_code = optarg;
            else
                o->q.school_code = optarg;
            break;
        case OPT_STATUS:
            if (!(o->q.status = (char *)status_code(optarg)))
                return cli_usage_error(cli,
                                       "--status '%s': expected compliant, on_track, behind, "
                                       "non_compliant or exempt",
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
    return common_check(cli, &o->c);
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
        {"as-of", required_argument, NULL, OPT_AS_OF},
        COMMON_OUTPUT_OPTIONS,
        {0},
    };
    struct view_opts o;
    int rc = view_options(cli, argc, argv, opts, &o);
    if (rc != CLI_OK)
        return rc;
    if (!o.year_given)
        return cli_usage_error(cli, "--year YYYY is missing: which year?");
    rc = open_session(cli, o.c.district);
    if (rc != CLI_OK)
        return rc;
    Yanxiu__V1__Envelope req = YANXIU__V1__ENVELOPE__INIT;
    req.body_case = YANXIU__V1__ENVELOPE__BODY_COMPLIANCE_TEACHERS;
    req.compliance_teachers = &o.q;
    Yanxiu__V1__Envelope *resp;
    rc = call(cli, &req, YANXIU__V1__ENVELOPE__BODY_TEACHER_LIST, &resp);
    if (rc != CLI_OK)
        return rc;

    static const struct vcol cols[] = {
        {"teacher_code", "教师编号", V_TEXT},
        {"name", "姓名", V_TEXT},
        {"unit_code", "上报单位", V_TEXT},
        {"school_code", "学校", V_TEXT},
        {"group", "教研组", V_TEXT},
        {"year", "学年", V_COUNT},
        {"hours", "总学时", V_HOURS},
        {"school_hours", "校本学时", V_HOURS},
        {"ethics_hours", "师德学时", V_HOURS},
        {"centralized_hours", "集中学时", V_HOURS},
        {"homeroom_hours", "班主任学时", V_HOURS},
        {"credits", "学分", V_HOURS},
        {"unexcused_absences", "无故缺席", V_COUNT},
        {"status", "状态", V_STATUS},
        {"reasons", "未达标原因", V_REASONS},
        /* --cycle */
        {"cycle", "培训周期", V_TEXT},
        {"cycle_hours", "周期总学时", V_HOURS},
        {"cycle_ethics_hours", "周期师德学时", V_HOURS},
        {"cycle_centralized_hours", "周期集中学时", V_HOURS},
        {"cycle_homeroom_hours", "周期班主任学时", V_HOURS},
        {"cycle_status", "周期状态", V_STATUS},
        {"cycle_reasons", "周期未达标原因", V_REASONS},
    };
    enum { YEAR_COLS = 15, ALL_COLS = sizeof(cols) / sizeof(cols[0]) };
    const Yanxiu__V1__ComplianceTeacherList *list = resp->teacher_list;
    struct view v = {"教师学时", cols, o.q.cycle ? ALL_COLS : YEAR_COLS, NULL, 0, 0, false};
    for (size_t i = 0; i < list->n_teachers; i++) {
        const Yanxiu__V1__TeacherCompliance *t = list->teachers[i];
        const struct vcell row[ALL_COLS] = {
            vt(t->teacher_code),
            vt(t->name),
            vt(t->unit_code),
            vt(t->school_code),
            vt(t->group),
            vn(t->year),
            vn(t->hours),
            vn(t->school_hours),
            vn(t->ethics_hours),
            vn(t->centralized_hours),
            vn(t->homeroom_hours),
            vn(t->credits),
            vn(t->unexcused_absences),
            vt(t->status),
            vr(t->reasons, t->n_reasons),
            vt(t->cycle),
            vn(t->cycle_hours),
            vn(t->cycle_ethics_hours),
            vn(t->cycle_centralized_hours),
            vn(t->cycle_homeroom_hours),
            vt(t->cycle_status),
            vr(t->cycle_reasons, t->n_cycle_reasons),
        };
        view_add(&v, row);
    }
    char title[200];
    snprintf(title, sizeof(title), "year %" PRIu32 ": %s to %s, as of %s%s", o.q.year,
             list->year_start[0] ? list->year_start : "?", list->year_end[0] ? list->year_end : "?",
             list->as_of[0] ? list->as_of : (o.c.as_of[0] ? o.c.as_of : "today"),
             o.q.approved_only ? ", approved reports only" : "");
    rc = output_view(&o.c, &v, title);
    if (rc == CLI_OK) {
        say_wrote(&o.c, v.nrows, "teacher", "teachers");
        if (v.nrows == 0 && o.c.format == F_TABLE)
            fprintf(stderr, "yanxiu: no teachers match\n");
    }
    view_free(&v);
    yxc_free(resp);
    return rc;
}

/* --- compliance units ---------------------------------------------------------------------- */

const char cmd_compliance_units_usage[] =
    "usage: yanxiu compliance units --year YYYY [--approved-only] [--as-of DATE]\n"
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
    "result)\n" VIEW_OPTIONS_TEXT "\n"
    "Example:\n"
    "  $ yanxiu compliance units --year 2026 --format csv --bom -o 单位汇总.csv\n";

int cmd_compliance_units(struct cli *cli, int argc, char **argv)
{
    static const struct option opts[] = {
        {"year", required_argument, NULL, OPT_YEAR},
        {"approved-only", no_argument, NULL, OPT_APPROVED},
        {"as-of", required_argument, NULL, OPT_AS_OF},
        COMMON_OUTPUT_OPTIONS,
        {0},
    };
    struct view_opts o;
    int rc = view_options(cli, argc, argv, opts, &o);
    if (rc != CLI_OK)
        return rc;
    if (!o.year_given)
        return cli_usage_error(cli, "--year YYYY is missing: which year?");
    rc = open_session(cli, o.c.district);
    if (rc != CLI_OK)
        return rc;
    Yanxiu__V1__Envelope req = YANXIU__V1__ENVELOPE__INIT;
    req.body_case = YANXIU__V1__ENVELOPE__BODY_COMPLIANCE_UNITS;
    req.compliance_units = &o.q;
    Yanxiu__V1__Envelope *resp;
    rc = call(cli, &req, YANXIU__V1__ENVELOPE__BODY_UNIT_COMPLIANCE, &resp);
    if (rc != CLI_OK)
        return rc;

    static const struct vcol cols[] = {
        {"unit_code", "上报单位", V_TEXT},         {"name", "单位名称", V_TEXT},
        {"teachers", "教师数", V_COUNT},           {"compliant", "达标", V_COUNT},
        {"on_track", "进度正常", V_COUNT},         {"behind", "进度落后", V_COUNT},
        {"non_compliant", "未达标", V_COUNT},      {"exempt", "免训", V_COUNT},
        {"compliance_rate", "达标率", V_RATE},     {"reports_expected", "应报月数", V_COUNT},
        {"reports_received", "已报月数", V_COUNT}, {"reports_on_time", "按时上报", V_COUNT},
        {"voided_reports", "作废月报", V_COUNT},   {"flagged_reports", "存疑月报", V_COUNT},
    };
    enum { NCOLS = sizeof(cols) / sizeof(cols[0]) };
    const Yanxiu__V1__ComplianceUnitList *list = resp->unit_compliance;
    struct view v = {"单位汇总", cols, NCOLS, NULL, 0, 0, false};
    for (size_t i = 0; i < list->n_units; i++) {
        const Yanxiu__V1__UnitCompliance *u = list->units[i];
        const struct vcell row[NCOLS] = {
            vt(u->unit_code),        vt(u->name),
            vn(u->teachers),         vn(u->compliant),
            vn(u->on_track),         vn(u->behind),
            vn(u->non_compliant),    vn(u->exempt),
            vn(u->compliance_rate),  vn(u->reports_expected),
            vn(u->reports_received), vn(u->reports_on_time),
            vn(u->voided_reports),   vn(u->flagged_reports),
        };
        view_add(&v, row);
    }
    rc = output_view(&o.c, &v, NULL);
    if (rc == CLI_OK) {
        say_wrote(&o.c, v.nrows, "unit", "units");
        if (v.nrows == 0 && o.c.format == F_TABLE)
            fprintf(stderr, "yanxiu: no reporting units\n");
    }
    view_free(&v);
    yxc_free(resp);
    return rc;
}

/* --- compliance groups --------------------------------------------------------------------- */

const char cmd_compliance_groups_usage[] =
    "usage: yanxiu compliance groups --year YYYY [--approved-only] [--as-of DATE]\n"
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
    "  flagged 预警 (yes/no; true/false in JSON; 是/否 in Excel)\n"
    "The ratio reads 20.0% in table and CSV, 0.2 in JSON.\n"
    "\n"
    "  --year YYYY      the year (required)\n"
    "  --approved-only  count approved reports only\n" VIEW_OPTIONS_TEXT "\n"
    "Example:\n"
    "  $ yanxiu compliance groups --year 2026 --format json\n";

int cmd_compliance_groups(struct cli *cli, int argc, char **argv)
{
    static const struct option opts[] = {
        {"year", required_argument, NULL, OPT_YEAR},
        {"approved-only", no_argument, NULL, OPT_APPROVED},
        {"as-of", required_argument, NULL, OPT_AS_OF},
        COMMON_OUTPUT_OPTIONS,
        {0},
    };
    struct view_opts o;
    int rc = view_options(cli, argc, argv, opts, &o);
    if (rc != CLI_OK)
        return rc;
    if (!o.year_given)
        return cli_usage_error(cli, "--year YYYY is missing: which year?");
    rc = open_session(cli, o.c.district);
    if (rc != CLI_OK)
        return rc;
    Yanxiu__V1__Envelope req = YANXIU__V1__ENVELOPE__INIT;
    req.body_case = YANXIU__V1__ENVELOPE__BODY_COMPLIANCE_GROUPS;
    req.compliance_groups = &o.q;
    Yanxiu__V1__Envelope *resp;
    rc = call(cli, &req, YANXIU__V1__ENVELOPE__BODY_GROUP_LIST, &resp);
    if (rc != CLI_OK)
        return rc;

    static const struct vcol cols[] = {
        {"unit_code", "上报单位", V_TEXT},   {"group", "教研组", V_TEXT},
        {"teachers", "教师数", V_COUNT},     {"short_of_school_hours", "校本学时不足人数", V_COUNT},
        {"short_ratio", "不足比例", V_RATE}, {"flagged", "预警", V_BOOL},
    };
    enum { NCOLS = sizeof(cols) / sizeof(cols[0]) };
    const Yanxiu__V1__ComplianceGroupList *list = resp->group_list;
    struct view v = {"教研组", cols, NCOLS, NULL, 0, 0, false};
    size_t flagged = 0;
    for (size_t i = 0; i < list->n_groups; i++) {
        const Yanxiu__V1__GroupCompliance *g = list->groups[i];
        const struct vcell row[NCOLS] = {
            vt(g->unit_code),   vt(g->group),
            vn(g->teachers),    vn(g->short_of_school_hours),
            vn(g->short_ratio), vn(g->flagged ? 1 : 0),
        };
        flagged += g->flagged;
        view_add(&v, row);
    }
    rc = output_view(&o.c, &v, NULL);
    if (rc == CLI_OK) {
        say_wrote(&o.c, v.nrows, "group", "groups");
        if (o.c.format == F_TABLE && !o.c.output)
            fprintf(stderr, "yanxiu: %zu of %zu groups flagged\n", flagged, v.nrows);
    }
    view_free(&v);
    yxc_free(resp);
    return rc;
}

/* --- reporting-rates ------------------------------------------------------------------------ */

const char cmd_reporting_rates_usage[] =
    "usage: yanxiu reporting-rates (--year YYYY | --month YYYY-MM) [--as-of DATE]\n"
    "         [--district CODE] [--format FORMAT] [-o FILE] [--force] [--bom]\n"
    "\n"
    "How completely and how timely the reporting units sent their monthly reports\n"
    "(月报), per month of year YYYY (as the policy's year_basis says) or for one\n"
    "month: units expected to report, reports received, received on time (the first\n"
    "version by the deadline), and the two rates (received / expected, on time /\n"
    "expected). Then the matrix of units × months, each cell the state of the unit's\n"
    "report: on_time 按时, late 迟报, missing 未报, returned 退回, reopened 重开,\n"
    "voided 作废, closed 无需上报 (the unit was not open that month: not expected).\n"
    "Tables and Excel show the Chinese, CSV and JSON the code. A school account sees\n"
    "its own unit. Needs a session (yanxiu login).\n"
    "\n"
    "Output:\n"
    "  table  the rates, a blank line, then the matrix (a row per unit, a column\n"
    "         per month)\n"
    "  csv    the same two tables in one file, separated by a blank line: first\n"
    "         month,expected,received,on_time,rate,on_time_rate, then\n"
    "         unit_code,unit_name and one column per month (YYYY-MM)\n"
    "  json   {\"months\": [{month, expected, received, on_time, rate,\n"
    "         on_time_rate}...], \"matrix\": [{unit_code, unit_name, month, state}...]}\n"
    "  xlsx   two sheets: 上报率 (月份, 应报单位数, 已报, 按时, 上报率, 按时率) and\n"
    "         上报情况 (上报单位, 单位名称, one column per month)\n"
    "Rates read 87.5% in table and CSV, 0.875 in JSON.\n"
    "\n"
    "  --year YYYY      every month of the year\n"
    "  --month YYYY-MM  one month\n" VIEW_OPTIONS_TEXT "\n"
    "Example:\n"
    "  $ yanxiu reporting-rates --year 2026 --format xlsx -o 上报率2026.xlsx\n";

/* Orders unit-month cells by unit code (then as the server sent them). */
static int cell_by_unit(const void *a, const void *b)
{
    const Yanxiu__V1__UnitMonth *const *x = a, *const *y = b;
    int c = strcmp((*x)->unit_code, (*y)->unit_code);
    return c ? c : ((*x) > (*y)) - ((*x) < (*y));
}

int cmd_reporting_rates(struct cli *cli, int argc, char **argv)
{
    static const struct option opts[] = {
        {"year", required_argument, NULL, OPT_YEAR},
        {"month", required_argument, NULL, OPT_MONTH},
        {"as-of", required_argument, NULL, OPT_AS_OF},
        COMMON_OUTPUT_OPTIONS,
        {0},
    };
    struct view_opts o;
    int rc = view_options(cli, argc, argv, opts, &o);
    if (rc != CLI_OK)
        return rc;
    bool month_given = o.q.month && o.q.month[0];
    if (o.year_given == month_given)
        return cli_usage_error(cli, "give either --year YYYY or --month YYYY-MM");
    rc = open_session(cli, o.c.district);
    if (rc != CLI_OK)
        return rc;
    Yanxiu__V1__Envelope req = YANXIU__V1__ENVELOPE__INIT;
    req.body_case = YANXIU__V1__ENVELOPE__BODY_REPORTING_RATES;
    req.reporting_rates = &o.q;
    Yanxiu__V1__Envelope *resp;
    rc = call(cli, &req, YANXIU__V1__ENVELOPE__BODY_RATES, &resp);
    if (rc != CLI_OK)
        return rc;
    const Yanxiu__V1__ReportingRates *rr = resp->rates;

    static const struct vcol rate_cols[] = {
        {"month", "月份", V_TEXT},     {"expected", "应报单位数", V_COUNT},
        {"received", "已报", V_COUNT}, {"on_time", "按时", V_COUNT},
        {"rate", "上报率", V_RATE},    {"on_time_rate", "按时率", V_RATE},
    };
    enum { NRATE = sizeof(rate_cols) / sizeof(rate_cols[0]) };
    struct view rates = {"上报率", rate_cols, NRATE, NULL, 0, 0, false};
    for (size_t i = 0; i < rr->n_months; i++) {
        const Yanxiu__V1__MonthRate *m = rr->months[i];
        const struct vcell row[NRATE] = {vt(m->month),   vn(m->expected), vn(m->received),
                                         vn(m->on_time), vn(m->rate),     vn(m->on_time_rate)};
        view_add(&rates, row);
    }

    /* The months of the matrix: those of the rates, then any other a cell names. */
    size_t nmonths = 0, cap = rr->n_months + rr->n_cells;
    const char **months = calloc(cap ? cap : 1, sizeof(*months));
    const Yanxiu__V1__UnitMonth **byunit = calloc(rr->n_cells ? rr->n_cells : 1, sizeof(*byunit));
    struct vcol *mcols = calloc(cap + 2, sizeof(*mcols));
    struct view matrix = {"上报情况", NULL, 0, NULL, 0, 0, !months || !byunit || !mcols};
    struct vcell *wide = NULL;
    if (!matrix.oom) {
        for (size_t i = 0; i < rr->n_months; i++)
            months[nmonths++] = rr->months[i]->month;
        for (size_t i = 0; i < rr->n_cells; i++) {
            size_t k = 0;
            while (k < nmonths && strcmp(months[k], rr->cells[i]->month) != 0)
                k++;
            if (k == nmonths)
                months[nmonths++] = rr->cells[i]->month;
            byunit[i] = rr->cells[i];
        }
        qsort(byunit, rr->n_cells, sizeof(*byunit), cell_by_unit);
        mcols[0] = (struct vcol){"unit_code", "上报单位", V_TEXT};
        mcols[1] = (struct vcol){"unit_name", "单位名称", V_TEXT};
        for (size_t k = 0; k < nmonths; k++)
            mcols[k + 2] = (struct vcol){months[k], months[k], V_STATE};
        matrix.cols = mcols;
        matrix.ncols = nmonths + 2;
        matrix.oom = !(wide = calloc(matrix.ncols, sizeof(*wide)));
    }
    for (size_t i = 0; !matrix.oom && i < rr->n_cells;) {
        const char *unit = byunit[i]->unit_code;
        for (size_t k = 0; k < matrix.ncols; k++)
            wide[k] = (struct vcell){.null = k >= 2};
        wide[0] = vt(unit);
        wide[1] = vt(byunit[i]->unit_name);
        for (; i < rr->n_cells && strcmp(byunit[i]->unit_code, unit) == 0; i++) {
            size_t k = 0;
            while (k < nmonths && strcmp(months[k], byunit[i]->month) != 0)
                k++;
            wide[k + 2] = vt(byunit[i]->state);
        }
        view_add(&matrix, wide);
    }
    /* JSON's matrix: the cells as they came. */
    static const struct vcol cell_cols[] = {
        {"unit_code", "上报单位", V_TEXT},
        {"unit_name", "单位名称", V_TEXT},
        {"month", "月份", V_TEXT},
        {"state", "状态", V_TEXT},
    };
    struct view cells = {"上报情况", cell_cols, 4, NULL, 0, 0, false};
    for (size_t i = 0; o.c.format == F_JSON && i < rr->n_cells; i++) {
        const Yanxiu__V1__UnitMonth *u = rr->cells[i];
        const struct vcell r4[4] = {vt(u->unit_code), vt(u->unit_name), vt(u->month), vt(u->state)};
        view_add(&cells, r4);
    }

    if (rates.oom || matrix.oom || cells.oom) {
        fprintf(stderr, "yanxiu: out of memory listing %zu months and %zu cells\n", rr->n_months,
                rr->n_cells);
        rc = CLI_FAILED;
    } else if (o.c.format == F_XLSX) {
        const struct view *const both[] = {&rates, &matrix};
        rc = output_xlsx(&o.c, both, 2);
    } else {
        struct sink s;
        if (!sink_open(&s, &o.c)) {
            rc = CLI_FAILED;
        } else {
            bool ok = true;
            if (o.c.format == F_JSON) {
                fputs("{\n  \"months\": ", s.fp);
                json_array(&rates, 2, s.fp);
                fputs(",\n  \"matrix\": ", s.fp);
                json_array(&cells, 2, s.fp);
                fputs("\n}\n", s.fp);
            } else {
                if (o.c.bom)
                    fputs("\xEF\xBB\xBF", s.fp);
                ok = print_plain(&rates, o.c.format, s.fp);
                if (ok) {
                    putc('\n', s.fp);
                    ok = print_plain(&matrix, o.c.format, s.fp);
                }
                if (ok && o.c.format == F_TABLE)
                    fputs("\n按时 on time · 迟报 late · 未报 missing · 退回 returned · 重开 "
                          "reopened · 作废 voided · 无需上报 closed (not expected)\n",
                          s.fp);
            }
            rc = sink_close(&s, ok);
        }
    }
    if (rc == CLI_OK)
        say_wrote(&o.c, matrix.nrows, "unit", "units");
    view_free(&rates);
    view_free(&matrix);
    view_free(&cells);
    free(wide);
    free(mcols);
    free(byunit);
    free(months);
    yxc_free(resp);
    return rc;
}

/* --- teacher history --------------------------------------------------------------------- */

const char cmd_teacher_history_usage[] =
    "usage: yanxiu teacher history CODE [--district CODE] [--format FORMAT] [-o FILE]\n"
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
    "\n"
    "  --district CODE  the district (6 digits); an admin must give it\n"
    "  --format FORMAT  " FORMAT_CHOICES " (default table); xlsx needs -o\n"
    "  -o, --output FILE  write to FILE instead of the standard output; an existing\n"
    "                   FILE is not replaced unless --force is given\n"
    "  --force          replace FILE if it exists\n"
    "  --bom            CSV: start with a UTF-8 BOM, so that Excel on Windows reads\n"
    "                   the Chinese right\n"
    "\n"
    "Example:\n"
    "  $ yanxiu teacher history T0001 --format xlsx -o T0001登记手册.xlsx\n";

int cmd_teacher_history(struct cli *cli, int argc, char **argv)
{
    static const struct option opts[] = {COMMON_OUTPUT_OPTIONS, {0}};
    struct common c = {.format = F_TABLE, .district = "", .as_of = ""};
    short_output_option(argc, argv);
    int opt;
    while ((opt = cli_getopt(cli, argc, argv, opts)) != -1)
        if (common_option(cli, opt, &c) != OPT_TAKEN)
            return CLI_USAGE;
    if (optind >= argc)
        return cli_usage_error(cli, "CODE (the teacher code) is missing");
    if (optind + 1 < argc)
        return cli_usage_error(cli, "unexpected argument '%s' (give one teacher code)",
                               argv[optind + 1]);
    const char *code = argv[optind];
    if (!*code || strlen(code) > 32)
        return cli_usage_error(cli, "'%s' is not a teacher code (1 to 32 letters, digits, _ or -)",
                               code);
    int rc = common_check(cli, &c);
    if (rc == CLI_OK)
        rc = open_session(cli, c.district);
    if (rc != CLI_OK)
        return rc;

    Yanxiu__V1__TeacherHistoryRequest in = YANXIU__V1__TEACHER_HISTORY_REQUEST__INIT;
    in.district_code = (char *)c.district;
    in.teacher_code = (char *)code;
    Yanxiu__V1__Envelope req = YANXIU__V1__ENVELOPE__INIT;
    req.body_case = YANXIU__V1__ENVELOPE__BODY_TEACHER_HISTORY;
    req.teacher_history = &in;
    Yanxiu__V1__Envelope *resp;
    rc = call(cli, &req, YANXIU__V1__ENVELOPE__BODY_HISTORY, &resp);
    if (rc != CLI_OK)
        return rc;
    const Yanxiu__V1__TeacherHistory *h = resp->history;

    static const struct vcol rec_cols[] = {
        {"unit_code", "上报单位", V_TEXT}, {"month", "月份", V_TEXT},
        {"version", "版本", V_COUNT},      {"report_status", "月报状态", V_TEXT},
        {"date", "日期", V_TEXT},          {"source", "来源", V_TEXT},
        {"ref", "编号", V_TEXT},           {"title", "主题", V_TEXT},
        {"category", "内容类别", V_TEXT},  {"level", "级别", V_TEXT},
        {"mode", "方式", V_TEXT},          {"hours", "学时", V_HOURS},
        {"credits", "学分", V_HOURS},
    };
    enum { NREC = sizeof(rec_cols) / sizeof(rec_cols[0]) };
    struct view recs = {"登记手册", rec_cols, NREC, NULL, 0, 0, false};
    for (size_t i = 0; i < h->n_records; i++) {
        const Yanxiu__V1__HistoryRecord *r = h->records[i];
        const struct vcell row[NREC] = {
            vt(r->unit_code), vt(r->month), vn(r->version), vt(r->report_status), vt(r->date),
            vt(r->source),    vt(r->ref),   vt(r->title),   vt(r->category),      vt(r->level),
            vt(r->mode),      vn(r->hours), vn(r->credits),
        };
        view_add(&recs, row);
    }
    static const struct vcol tot_cols[] = {
        {"kind", "类型", V_TEXT},
        {"period", "期间", V_TEXT},
        {"hours", "学时", V_HOURS},
        {"approved_hours", "已审核学时", V_HOURS},
    };
    struct view tots = {"学时合计", tot_cols, 4, NULL, 0, 0, false};
    for (size_t i = 0; i < h->n_totals; i++) {
        const Yanxiu__V1__PeriodTotal *p = h->totals[i];
        const struct vcell row[4] = {vt(p->kind), vt(p->period), vn(p->hours),
                                     vn(p->approved_hours)};
        view_add(&tots, row);
    }
    static const struct vcol who_cols[] = {
        {"teacher_code", "教师编号", V_TEXT}, {"name", "姓名", V_TEXT},
        {"school_code", "学校", V_TEXT},      {"unit_code", "上报单位", V_TEXT},
        {"group", "教研组", V_TEXT},          {"status", "状态", V_TEXT},
    };
    const Yanxiu__V1__Teacher *t = h->teacher;
    struct view who = {"教师", who_cols, 6, NULL, 0, 0, false};
    const struct vcell who_row[6] = {
        vt(t ? t->teacher_code : code), vt(t ? t->name : ""),           vt(t ? t->school_code : ""),
        vt(t ? t->unit_code : ""),      vt(t ? t->research_group : ""), vt(t ? t->status : ""),
    };
    view_add(&who, who_row);

    if (recs.oom || tots.oom || who.oom) {
        fprintf(stderr, "yanxiu: out of memory listing %zu records\n", h->n_records);
        rc = CLI_FAILED;
    } else if (c.format == F_XLSX) {
        const struct view *const both[] = {&recs, &tots};
        rc = output_xlsx(&c, both, 2);
    } else {
        struct sink s;
        if (!sink_open(&s, &c)) {
            rc = CLI_FAILED;
        } else {
            bool ok = true;
            if (c.format == F_JSON) {
                fputs("{\n  \"teacher\": ", s.fp);
                json_object(&who, 0, s.fp);
                fputs(",\n  \"records\": ", s.fp);
                json_array(&recs, 2, s.fp);
                fputs(",\n  \"totals\": ", s.fp);
                json_array(&tots, 2, s.fp);
                fputs("\n}\n", s.fp);
            } else {
                if (c.bom)
                    fputs("\xEF\xBB\xBF", s.fp);
                if (c.format == F_TABLE && t)
                    fprintf(s.fp, "teacher %s %s, school %s, unit %s%s%s, %s\n", t->teacher_code,
                            t->name, t->school_code, t->unit_code,
                            t->research_group[0] ? ", group " : "", t->research_group, t->status);
                ok = print_plain(&recs, c.format, s.fp);
                if (ok) {
                    putc('\n', s.fp);
                    ok = print_plain(&tots, c.format, s.fp);
                }
            }
            rc = sink_close(&s, ok);
        }
    }
    if (rc == CLI_OK) {
        say_wrote(&c, recs.nrows, "record", "records");
        if (recs.nrows == 0 && c.format == F_TABLE && !c.output)
            fprintf(stderr, "yanxiu: no credited records for %s yet\n", code);
    }
    view_free(&recs);
    view_free(&tots);
    view_free(&who);
    yxc_free(resp);
    return rc;
}
