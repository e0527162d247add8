/*
 * view: the common options of the district's views, the view model (columns
 * and rows of cells) and its output as a table, CSV, JSON or an .xlsx
 * workbook, to stdout or to -o FILE (outfile.h).
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "view.h"

#include "cli.h"
#include "out.h"
#include "text.h"
#include "xlsx.h"
#include "yxc.h"

/* --- the common options ------------------------------------------------------------------ */

/*
 * cli_getopt takes long options only: let "-o FILE" stand for "--output FILE"
 * (up to a "--").
 */
void view_short_output_option(int argc, char **argv)
{
    static char output[] = "--output";
    for (int i = 1; i < argc && strcmp(argv[i], "--") != 0; i++)
        if (strcmp(argv[i], "-o") == 0)
            argv[i] = output;
}

bool view_all_digits(const char *s, size_t n)
{
    return strlen(s) == n && strspn(s, "0123456789") == n;
}

/* True when s is a real date YYYY-MM-DD. */
bool view_valid_date(const char *s)
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
bool view_valid_month(const char *s)
{
    char day[16];
    if (strlen(s) != 7)
        return false;
    snprintf(day, sizeof(day), "%s-01", s);
    return view_valid_date(day);
}

static bool parse_fmt(const char *s, enum view_format *f)
{
    static const char *const names[] = {
        [VIEW_TABLE] = "table", [VIEW_CSV] = "csv", [VIEW_JSON] = "json", [VIEW_XLSX] = "xlsx"};
    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
        if (strcmp(s, names[i]) == 0) {
            *f = (enum view_format)i;
            return true;
        }
    }
    return false;
}

/* Applies one of the common options; VIEW_OPT_NOT_MINE for a command's own. */
int view_common_option(const struct cli *cli, int opt, struct view_common *c)
{
    switch (opt) {
    case VIEW_OPT_FORMAT:
        if (!parse_fmt(optarg, &c->format)) {
            (void)cli_usage_error(cli, "--format '%s': expected " VIEW_FORMAT_CHOICES, optarg);
            return VIEW_OPT_BAD;
        }
        return VIEW_OPT_TAKEN;
    case VIEW_OPT_OUTPUT:
        if (!*optarg) {
            (void)cli_usage_error(cli, "-o needs a file name");
            return VIEW_OPT_BAD;
        }
        c->output = optarg;
        return VIEW_OPT_TAKEN;
    case VIEW_OPT_BOM:
        c->bom = true;
        return VIEW_OPT_TAKEN;
    case VIEW_OPT_FORCE:
        c->force = true;
        return VIEW_OPT_TAKEN;
    case VIEW_OPT_DISTRICT:
        if (!view_all_digits(optarg, 6)) {
            (void)cli_usage_error(cli,
                                  "--district '%s' is not a 6-digit division code (e.g. "
                                  "411423)",
                                  optarg);
            return VIEW_OPT_BAD;
        }
        c->district = optarg;
        return VIEW_OPT_TAKEN;
    case VIEW_OPT_AS_OF:
        if (!view_valid_date(optarg)) {
            (void)cli_usage_error(cli, "--as-of '%s' is not a date YYYY-MM-DD", optarg);
            return VIEW_OPT_BAD;
        }
        c->as_of = optarg;
        return VIEW_OPT_TAKEN;
    default:
        return VIEW_OPT_NOT_MINE;
    }
}

/* Refuses a workbook to the terminal at -o name. Returns CLI_FAILED. */
static int xlsx_to_terminal(const char *name)
{
    if (strcmp(name, "-") == 0 || strcmp(name, "/dev/stdout") == 0)
        fprintf(stderr,
                "yanxiu: -o %s: the standard output is a terminal, and an .xlsx workbook is "
                "binary: redirect it (> FILE.xlsx) or name the file with -o FILE.xlsx\n",
                name);
    else
        fprintf(stderr,
                "yanxiu: -o %s: that is a terminal, and an .xlsx workbook is binary: name a "
                "file with -o FILE.xlsx\n",
                name);
    return CLI_FAILED;
}

/* Checks the common options together, before anything is asked of the server. */
int view_common_check(const struct cli *cli, const struct view_common *c)
{
    if (c->format == VIEW_XLSX && !c->output)
        return cli_usage_error(cli, "--format xlsx writes a workbook: name it with -o FILE.xlsx");
    if (c->bom && c->format != VIEW_CSV)
        return cli_usage_error(cli, "--bom goes with --format csv");
    if (c->force && !c->output)
        return cli_usage_error(cli, "--force goes with -o FILE (it lets FILE be replaced)");
    if (!c->output)
        return CLI_OK;
    /* What -o leads to is checked again when the output is opened: this is to say it before
       asking the server. */
    struct outfile_target t;
    char err[OUTFILE_ERR_MAX];
    if (!outfile_resolve(c->output, &t, err, sizeof(err))) {
        fprintf(stderr, "yanxiu: %s\n", err);
        return CLI_FAILED;
    }
    if (t.kind == OUTFILE_EXISTING && !c->force) {
        fprintf(stderr,
                "yanxiu: %s already exists and is not replaced: choose another name, "
                "or give --force to replace it\n",
                c->output);
        return CLI_FAILED;
    }
    if (c->format == VIEW_XLSX && t.kind == OUTFILE_DESCRIPTOR && isatty(t.fd))
        return xlsx_to_terminal(c->output);
    return CLI_OK;
}

/* Parses --year. False after saying why. */
bool view_year_arg(const struct cli *cli, const char *arg, uint32_t *year)
{
    int y = view_all_digits(arg, 4) ? atoi(arg) : 0;
    if (y < VIEW_MIN_YEAR || y > VIEW_MAX_YEAR) {
        (void)cli_usage_error(cli, "--year '%s' is not a year YYYY from %d to %d", arg,
                              VIEW_MIN_YEAR, VIEW_MAX_YEAR);
        return false;
    }
    *year = (uint32_t)y;
    return true;
}

/* After cli_open_session: an admin acts on no district of its own and must name one. */
int view_need_district(const struct cli *cli, const char *district)
{
    const Yanxiu__V1__Identity *id = cli->me->whoami_reply->identity;
    if (district[0] || strcmp(id->role, "admin") != 0)
        return CLI_OK;
    return cli_usage_error(cli, "user %s is an admin: name the district with --district CODE",
                           id->user);
}

/* Opens the session and checks --district. Returns an exit code. */
int view_open_session(struct cli *cli, const char *district)
{
    int rc = cli_open_session(cli);
    return rc == CLI_OK ? view_need_district(cli, district) : rc;
}

/* --- views ------------------------------------------------------------------------------- */

struct vcell view_text(const char *s)
{
    return (struct vcell){.s = s};
}

struct vcell view_num(double v)
{
    return (struct vcell){.v = v};
}

struct vcell view_reasons(Yanxiu__V1__Reason **r, size_t n)
{
    return (struct vcell){.reasons = r, .nreasons = n};
}

struct vcell view_list(char **list, size_t n)
{
    return (struct vcell){.list = list, .nlist = n};
}

void view_add(struct view *v, const struct vcell *row)
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

void view_free(struct view *v)
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

const char *view_status_code(const char *s)
{
    for (size_t i = 0; i < NLABELS(statuses); i++)
        if (strcmp(s, statuses[i].code) == 0 || strcmp(s, statuses[i].zh) == 0)
            return statuses[i].code;
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

/* The strings of a V_LIST cell joined with "; "; cut at a character boundary when buf is
   too small. */
static void list_text(const struct vcell *c, char *buf, size_t cap)
{
    size_t used = 0;
    buf[0] = '\0';
    for (size_t i = 0; i < c->nlist; i++) {
        const char *parts[2] = {i ? "; " : "", c->list[i] ? c->list[i] : ""};
        for (size_t k = 0; k < 2; k++) {
            size_t n = strlen(parts[k]);
            if (used + n >= cap) {
                n = cap - 1 - used;
                while (n > 0 && ((unsigned char)parts[k][n] & 0xc0) == 0x80)
                    n--;
                memcpy(buf + used, parts[k], n);
                buf[used + n] = '\0';
                return;
            }
            memcpy(buf + used, parts[k], n + 1);
            used += n;
        }
    }
}

/*
 * The text of a cell in table, CSV or Excel (for Excel, numbers plain: xlsx.c
 * formats them). NULL: no value.
 */
static const char *cell_text(const struct vcol *col, const struct vcell *c, enum view_format f,
                             char *buf, size_t cap)
{
    if (c->null)
        return NULL;
    const char *zh;
    switch (col->kind) {
    case V_TEXT:
        return c->s;
    case V_STATUS:
    case V_STATE:
        if (!c->s || f == VIEW_CSV)
            return c->s;
        zh = col->kind == V_STATUS ? chinese(statuses, NLABELS(statuses), c->s)
                                   : chinese(states, NLABELS(states), c->s);
        return zh ? zh : c->s;
    case V_COUNT:
        snprintf(buf, cap, "%.0f", c->v);
        return buf;
    case V_HOURS:
        snprintf(buf, cap, f == VIEW_XLSX ? "%.17g" : "%.1f", c->v);
        return buf;
    case V_RATE:
        if (f == VIEW_XLSX) {
            snprintf(buf, cap, "%.17g", c->v);
        } else if (f == VIEW_TABLE) {
            /* As wide as the heading (or "100.0%"): the column reads right-aligned. */
            int w = strlen(col->name) > 6 ? (int)strlen(col->name) : 6;
            snprintf(buf, cap, "%*.1f%%", w - 1, c->v * 100);
        } else {
            snprintf(buf, cap, "%.1f%%", c->v * 100);
        }
        return buf;
    case V_BOOL:
        return f == VIEW_XLSX ? (c->v ? "是" : "否") : (c->v ? "yes" : "no");
    case V_REASONS:
        reasons_text(c, f == VIEW_XLSX, buf, cap);
        return buf;
    case V_LIST:
        list_text(c, buf, cap);
        return buf;
    }
    return NULL;
}

/* Prints the view as a table or CSV (out.c does the work). False when memory ran out or the
   output failed. */
bool view_print_plain(const struct view *v, enum view_format f, FILE *fp)
{
    struct out_column *oc = calloc(v->ncols, sizeof(*oc));
    const char **cells = calloc(v->ncols, sizeof(*cells));
    struct out_table *t = NULL;
    bool ok = oc && cells;
    for (size_t c = 0; ok && c < v->ncols; c++) {
        bool right = f == VIEW_TABLE && (v->cols[c].kind == V_COUNT || v->cols[c].kind == V_HOURS);
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
        ok = out_print(t, f == VIEW_TABLE ? OUT_TABLE : OUT_CSV, fp);
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

static void json_list(const struct vcell *c, FILE *fp)
{
    putc('[', fp);
    for (size_t i = 0; i < c->nlist; i++) {
        if (i > 0)
            fputs(", ", fp);
        out_json_string(c->list[i] ? c->list[i] : "", fp);
    }
    putc(']', fp);
}

void view_json_object(const struct view *v, size_t r, FILE *fp)
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
        case V_LIST:
            json_list(x, fp);
            break;
        }
    }
    putc('}', fp);
}

/* The view as a JSON array of objects, one a line; `indent` spaces before each line but the
   first. No newline after the closing bracket. */
void view_json_array(const struct view *v, int indent, FILE *fp)
{
    if (v->nrows == 0) {
        fputs("[]", fp);
        return;
    }
    fputs("[\n", fp);
    for (size_t r = 0; r < v->nrows; r++) {
        fprintf(fp, "%*s", indent + 2, "");
        view_json_object(v, r, fp);
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

/*
 * Writes the views as the sheets of a workbook at path, the output's temporary or scratch file
 * (`name` is what the user called it). False (after saying why) on failure.
 */
static bool write_xlsx(const char *path, const char *name, const struct view *const *views,
                       size_t n)
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
                cell_text(&v->cols[k % v->ncols], &v->cells[k], VIEW_XLSX, buf, sizeof(buf));
            ok = !s || (b.cells[i][k] = strdup(s)) != NULL;
        }
        b.sheets[i].cols = b.cols[i];
        b.sheets[i].cells = (const char *const *)b.cells[i];
    }
    char err[600];
    if (!ok) {
        fprintf(stderr, "yanxiu: out of memory preparing %s\n", name);
    } else if (!(ok = xlsx_write(path, b.sheets, n, err, sizeof(err)))) {
        /* xlsx_write's messages start with the path it wrote: the user knows another name */
        size_t len = strlen(path);
        const char *why = strncmp(err, path, len) == 0 && err[len] == ':' ? err + len + 2 : err;
        fprintf(stderr, "yanxiu: %s: %s\n", name, why);
    }
    book_free(&b);
    return ok;
}

/* --- output files ------------------------------------------------------------------------ */

bool view_sink_open(struct view_sink *s, const struct view_common *c)
{
    s->c = c;
    s->fp = stdout;
    s->out = (struct outfile){.fd = -1};
    if (!c->output || c->format == VIEW_XLSX)
        return true;
    char err[OUTFILE_ERR_MAX];
    if (!outfile_open(&s->out, c->output, c->force, err, sizeof(err))) {
        fprintf(stderr, "yanxiu: %s\n", err);
        return false;
    }
    s->fp = s->out.fp;
    return true;
}

/*
 * Ends the output: `ok` says whether writing went well so far. For a file,
 * moves it into place (or removes it). Returns an exit code.
 */
int view_sink_close(struct view_sink *s, bool ok)
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
    char err[OUTFILE_ERR_MAX];
    if (!ok)
        outfile_abort(&s->out, saved ? saved : EIO, err, sizeof(err));
    else
        ok = outfile_commit(&s->out, err, sizeof(err));
    s->fp = NULL;
    if (!ok) {
        fprintf(stderr, "yanxiu: %s\n", err);
        return CLI_FAILED;
    }
    return CLI_OK;
}

/* Writes the views (n of them) as a workbook to c->output. Returns an exit code. */
int view_output_xlsx(const struct view_common *c, const struct view *const *views, size_t n)
{
    struct outfile out;
    char err[OUTFILE_ERR_MAX];
    if (!outfile_open_named(&out, c->output, c->force, err, sizeof(err))) {
        fprintf(stderr, "yanxiu: %s\n", err);
        return CLI_FAILED;
    }
    if (out.fd >= 0 && isatty(out.fd)) {
        outfile_abort(&out, 0, NULL, 0);
        return xlsx_to_terminal(c->output);
    }
    if (!write_xlsx(out.tmp, c->output, views, n)) {
        outfile_abort(&out, 0, NULL, 0);
        return CLI_FAILED;
    }
    if (!outfile_commit(&out, err, sizeof(err))) {
        fprintf(stderr, "yanxiu: %s\n", err);
        return CLI_FAILED;
    }
    return CLI_OK;
}

/* Says where the file went ("wrote FILE: 12 teachers"), when it went to a file. */
void view_say_wrote(const struct view_common *c, size_t n, const char *one, const char *many)
{
    struct outfile_target t;
    if (c->output && outfile_resolve(c->output, &t, NULL, 0) && outfile_is_file(&t))
        printf("wrote %s: %zu %s\n", c->output, n, n == 1 ? one : many);
}

/*
 * Prints one view in c->format, to stdout or c->output; `title` (table
 * format only, may be NULL) goes first. Returns an exit code.
 */
int view_output(const struct view_common *c, const struct view *v, const char *title)
{
    if (v->oom) {
        fprintf(stderr, "yanxiu: out of memory listing %zu rows\n", v->nrows);
        return CLI_FAILED;
    }
    if (c->format == VIEW_XLSX)
        return view_output_xlsx(c, &v, 1);
    struct view_sink s;
    if (!view_sink_open(&s, c))
        return CLI_FAILED;
    bool ok = true;
    switch (c->format) {
    case VIEW_TABLE:
        if (title)
            fprintf(s.fp, "%s\n", title);
        ok = view_print_plain(v, VIEW_TABLE, s.fp);
        break;
    case VIEW_CSV:
        if (c->bom)
            fputs("\xEF\xBB\xBF", s.fp);
        ok = view_print_plain(v, VIEW_CSV, s.fp);
        break;
    case VIEW_JSON:
        view_json_array(v, 0, s.fp);
        putc('\n', s.fp);
        break;
    case VIEW_XLSX:
        break;
    }
    return view_sink_close(&s, ok);
}

/* Sends a query; *resp holds a body of case `expect`. Returns an exit code. */
int view_call(struct cli *cli, Yanxiu__V1__Envelope *req, Yanxiu__V1__Envelope__BodyCase expect,
              Yanxiu__V1__Envelope **resp)
{
    struct yxc_error err;
    if (!yxc_call(cli->conn, req, expect, resp, &err))
        return cli_report(cli, &err);
    return CLI_OK;
}

/* --- small text files to send ------------------------------------------------------------ */

int view_read_text(const char *path, size_t max_bytes, const char *noun, char **text)
{
    *text = NULL;
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        fprintf(stderr, "yanxiu: %s: cannot open: %s\n", path, strerror(errno));
        return CLI_FAILED;
    }
    struct stat st;
    if (fstat(fd, &st) == 0 && S_ISDIR(st.st_mode)) {
        fprintf(stderr, "yanxiu: %s is a directory, not a %s file\n", path, noun);
        close(fd);
        return CLI_FAILED;
    }
    char *buf = malloc(max_bytes + 2);
    size_t len = 0;
    if (!buf) {
        close(fd);
        fprintf(stderr, "yanxiu: out of memory reading %s\n", path);
        return CLI_FAILED;
    }
    for (;;) {
        ssize_t n = read(fd, buf + len, max_bytes + 1 - len);
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
        if (len > max_bytes)
            break;
    }
    close(fd);
    if (len > max_bytes) {
        fprintf(stderr, "yanxiu: %s is larger than %zu KiB: that is not a %s file\n", path,
                max_bytes / 1024, noun);
        free(buf);
        return CLI_FAILED;
    }
    buf[len] = '\0';
    size_t skip = text_bom_len(buf, len);
    memmove(buf, buf + skip, len - skip + 1);
    len -= skip;
    const char *nul = memchr(buf, '\0', len);
    size_t bad = text_utf8_invalid_at(buf, len);
    if (nul || bad < len) {
        size_t at = nul && (size_t)(nul - buf) < bad ? (size_t)(nul - buf) : bad;
        fprintf(stderr, "yanxiu: %s line %d: %s: save the file as UTF-8 text\n", path,
                text_line_at(buf, len, at),
                nul && (size_t)(nul - buf) == at ? "a NUL byte" : "not UTF-8");
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

void view_print_line_violation(const char *path, const Yanxiu__V1__FieldViolation *v)
{
    if (strncmp(v->path, "line ", 5) == 0)
        fprintf(stderr, "%s %s: %s\n", path, v->path, v->reason);
    else if (v->path[0])
        fprintf(stderr, "%s: %s: %s\n", path, v->path, v->reason);
    else
        fprintf(stderr, "%s: %s\n", path, v->reason);
}
