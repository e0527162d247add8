/*
 * view: the common options of the listings, and the output of their tables
 * (out.h) as a table, CSV, JSON or an .xlsx workbook, to stdout or to -o FILE
 * (outfile.h).
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "view.h"

#include "cli.h"
#include "lang.h"
#include "out.h"
#include "text.h"
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

bool view_district_arg(const struct cli *cli, const char *arg, const char **district)
{
    if (view_all_digits(arg, 6)) {
        *district = arg;
        return true;
    }
    (void)cli_usage_error(cli, _("--district '%s' is not a 6-digit division code (e.g. 411423)"),
                          arg);
    return false;
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

/* Applies one of the common options; VIEW_OPT_NOT_MINE for a command's own. */
int view_common_option(const struct cli *cli, int opt, struct view_common *c)
{
    switch (opt) {
    case VIEW_OPT_FORMAT:
        if (!out_parse_format(optarg, &c->format)) {
            (void)cli_usage_error(cli, _("--format '%s': expected table, csv, json or xlsx"),
                                  optarg);
            return VIEW_OPT_BAD;
        }
        c->format_given = true;
        return VIEW_OPT_TAKEN;
    case VIEW_OPT_OUTPUT:
        if (!*optarg) {
            (void)cli_usage_error(cli, _("-o needs a file name"));
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
        if (!view_district_arg(cli, optarg, &c->district))
            return VIEW_OPT_BAD;
        return VIEW_OPT_TAKEN;
    case VIEW_OPT_AS_OF:
        if (!view_valid_date(optarg)) {
            (void)cli_usage_error(cli, _("--as-of '%s' is not a date YYYY-MM-DD"), optarg);
            return VIEW_OPT_BAD;
        }
        c->as_of = optarg;
        return VIEW_OPT_TAKEN;
    default:
        return VIEW_OPT_NOT_MINE;
    }
}

int view_common_options(struct cli *cli, int argc, char **argv, const struct option *opts,
                        struct view_common *c)
{
    int opt;
    while ((opt = cli_getopt(cli, argc, argv, opts)) != -1)
        if (view_common_option(cli, opt, c) != VIEW_OPT_TAKEN)
            return CLI_USAGE;
    return CLI_OK;
}

int view_getopt(struct cli *cli, int argc, char **argv, const struct option *opts,
                struct view_common *c)
{
    view_short_output_option(argc, argv); /* idempotent: cheap to repeat */
    int opt;
    while ((opt = cli_getopt(cli, argc, argv, opts)) != -1) {
        int taken = view_common_option(cli, opt, c);
        if (taken == VIEW_OPT_BAD)
            return CLI_BAD_OPTION;
        if (taken == VIEW_OPT_NOT_MINE)
            return opt;
    }
    return -1;
}

/* Refuses a workbook to the terminal at -o name. Returns CLI_FAILED. */
static int xlsx_to_terminal(const char *name)
{
    if (strcmp(name, "-") == 0 || strcmp(name, "/dev/stdout") == 0)
        fprintf(stderr,
                _("yanxiu: -o %s: the standard output is a terminal, and an .xlsx workbook is "
                  "binary: redirect it (> FILE.xlsx) or name the file with -o FILE.xlsx\n"),
                name);
    else
        fprintf(stderr,
                _("yanxiu: -o %s: that is a terminal, and an .xlsx workbook is binary: name a "
                  "file with -o FILE.xlsx\n"),
                name);
    return CLI_FAILED;
}

/* True when name ends in ".xlsx" (any case). */
static bool names_a_workbook(const char *name)
{
    size_t n = strlen(name);
    return n > 5 && strcasecmp(name + n - 5, ".xlsx") == 0;
}

/* Checks the common options together, before anything is asked of the server. */
int view_common_check(const struct cli *cli, struct view_common *c)
{
    if (!c->format_given && c->output && names_a_workbook(c->output))
        c->format = OUT_XLSX;
    if (c->format == OUT_XLSX && !c->output)
        return cli_usage_error(cli,
                               _("--format xlsx writes a workbook: name it with -o FILE.xlsx"));
    if (c->bom && c->format != OUT_CSV)
        return cli_usage_error(cli, _("--bom goes with --format csv"));
    if (c->force && !c->output)
        return cli_usage_error(cli, _("--force goes with -o FILE (it lets FILE be replaced)"));
    if (!c->output)
        return CLI_OK;
    /* What -o leads to is checked again when the output is opened: this is to say it before
       asking the server. */
    struct outfile_target t;
    char err[OUTFILE_ERR_MAX];
    if (!outfile_resolve(c->output, &t, err, sizeof(err))) {
        fprintf(stderr, _("yanxiu: %s\n"), err);
        return CLI_FAILED;
    }
    if (t.kind == OUTFILE_EXISTING && !c->force) {
        fprintf(stderr,
                _("yanxiu: %s already exists and is not replaced: choose another name, "
                  "or give --force to replace it\n"),
                c->output);
        return CLI_FAILED;
    }
    if (c->format == OUT_XLSX && t.kind == OUTFILE_DESCRIPTOR && isatty(t.fd))
        return xlsx_to_terminal(c->output);
    return CLI_OK;
}

/* Parses --year. False after saying why. */
bool view_year_arg(const struct cli *cli, const char *arg, uint32_t *year)
{
    int y = view_all_digits(arg, 4) ? atoi(arg) : 0;
    if (y < VIEW_MIN_YEAR || y > VIEW_MAX_YEAR) {
        (void)cli_usage_error(cli, _("--year '%s' is not a year YYYY from %d to %d"), arg,
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
    if (district[0] || id->role != YANXIU__V1__ROLE__ROLE_ADMIN)
        return CLI_OK;
    return cli_usage_error(cli, _("user %s is an admin: name the district with --district CODE"),
                           id->user);
}

/* Opens the session and checks --district. Returns an exit code. */
int view_open_session(struct cli *cli, const char *district)
{
    int rc = cli_open_session(cli);
    return rc == CLI_OK ? view_need_district(cli, district) : rc;
}

/* --- output files ------------------------------------------------------------------------ */

bool view_sink_open(struct view_sink *s, const struct view_common *c)
{
    s->c = c;
    s->fp = stdout;
    s->out = (struct outfile){.fd = -1};
    if (!c->output || c->format == OUT_XLSX)
        return true;
    char err[OUTFILE_ERR_MAX];
    if (!outfile_open(&s->out, c->output, c->force, err, sizeof(err))) {
        fprintf(stderr, _("yanxiu: %s\n"), err);
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
            fprintf(stderr, _("yanxiu: could not write the output: %s\n"),
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
        fprintf(stderr, _("yanxiu: %s\n"), err);
        return CLI_FAILED;
    }
    return CLI_OK;
}

/*
 * Writes the tables as the sheets of a workbook at path, the output's temporary or scratch
 * file (`name` is what the user called it). False (after saying why) on failure.
 */
static bool write_xlsx(const char *path, const char *name, const struct out_table *const *tables,
                       size_t n, const char *const *titles, size_t ntitles)
{
    char err[600];
    if (out_write_xlsx_titled(path, tables, n, titles, ntitles, err, sizeof(err)))
        return true;
    /* the messages start with the path written: the user knows another name */
    size_t len = strlen(path);
    const char *why = strncmp(err, path, len) == 0 && err[len] == ':' ? err + len + 2 : err;
    fprintf(stderr, _("yanxiu: %s: %s\n"), name, why);
    return false;
}

/* Writes the tables (n of them) as a workbook to c->output. Returns an exit code. */
int view_output_xlsx(const struct view_common *c, const struct out_table *const *tables, size_t n)
{
    return view_output_xlsx_titled(c, tables, n, NULL, 0);
}

int view_output_xlsx_titled(const struct view_common *c, const struct out_table *const *tables,
                            size_t n, const char *const *titles, size_t ntitles)
{
    struct outfile out;
    char err[OUTFILE_ERR_MAX];
    if (!outfile_open_named(&out, c->output, c->force, err, sizeof(err))) {
        fprintf(stderr, _("yanxiu: %s\n"), err);
        return CLI_FAILED;
    }
    if (out.fd >= 0 && isatty(out.fd)) {
        outfile_abort(&out, 0, NULL, 0);
        return xlsx_to_terminal(c->output);
    }
    if (!write_xlsx(out.tmp, c->output, tables, n, titles, ntitles)) {
        outfile_abort(&out, 0, NULL, 0);
        return CLI_FAILED;
    }
    if (!outfile_commit(&out, err, sizeof(err))) {
        fprintf(stderr, _("yanxiu: %s\n"), err);
        return CLI_FAILED;
    }
    return CLI_OK;
}

/* Says where the file went ("wrote FILE: 12 teachers"), when it went to a file. */
void view_say_wrote(const struct view_common *c, size_t n, const char *one, const char *many)
{
    struct outfile_target t;
    if (c->output && outfile_resolve(c->output, &t, NULL, 0) && outfile_is_file(&t))
        printf(_("wrote %s: %zu %s\n"), c->output, n, n == 1 ? _(one) : _(many));
}

/*
 * Prints one table in c->format, to stdout or c->output; `title` (table
 * format only, may be NULL) goes first. Returns an exit code.
 */
int view_output(const struct view_common *c, const struct out_table *t, const char *title)
{
    if (t->oom) {
        fprintf(stderr, _("yanxiu: out of memory listing %zu rows\n"), t->nrows);
        return CLI_FAILED;
    }
    if (c->format == OUT_XLSX)
        return view_output_xlsx(c, &t, 1);
    struct view_sink s;
    if (!view_sink_open(&s, c))
        return CLI_FAILED;
    if (c->format == OUT_TABLE && title)
        fprintf(s.fp, "%s\n", title);
    if (c->format == OUT_CSV && c->bom)
        fputs("\xEF\xBB\xBF", s.fp);
    return view_sink_close(&s, out_print(t, c->format, s.fp));
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

int view_send_text(struct cli *cli, const char *path, Yanxiu__V1__Envelope *req,
                   Yanxiu__V1__Envelope__BodyCase expect, const char *after,
                   Yanxiu__V1__Envelope **resp)
{
    struct yxc_error err;
    uint64_t id;
    *resp = NULL;
    if (!yxc_send(cli->conn, req, &id, &err) || !yxc_await(cli->conn, id, resp, &err))
        return cli_report(cli, &err);
    Yanxiu__V1__Envelope *r = *resp;
    int rc = CLI_OK;
    if (r->body_case == YANXIU__V1__ENVELOPE__BODY_ERROR && r->error->n_violations > 0) {
        const Yanxiu__V1__Error *e = r->error;
        for (size_t i = 0; i < e->n_violations; i++)
            view_print_line_violation(path, e->violations[i]);
        fprintf(stderr, _("yanxiu: %s: %s%s\n"), path, e->message, after);
        rc = CLI_FAILED;
    } else if (!yxc_check(r, &err)) {
        rc = cli_report(cli, &err);
    } else if (r->body_case != expect) {
        fprintf(stderr, _("yanxiu: the server at %s answered with %s\n"), cli->peer,
                yxc_body_name(r->body_case));
        rc = CLI_FAILED;
    }
    if (rc != CLI_OK) {
        yxc_free(r);
        *resp = NULL;
    }
    return rc;
}

int view_read_text_session(struct cli *cli, const char *district, const char *path,
                           size_t max_bytes, const char *noun, char **text)
{
    int rc = view_read_text(path, max_bytes, noun, text);
    if (rc != CLI_OK)
        return rc;
    rc = view_open_session(cli, district);
    if (rc != CLI_OK) {
        free(*text);
        *text = NULL;
    }
    return rc;
}

void view_print_text(const char *text)
{
    size_t len = strlen(text);
    fputs(text, stdout);
    if (len > 0 && text[len - 1] != '\n')
        putchar('\n');
}

int view_read_text(const char *path, size_t max_bytes, const char *noun, char **text)
{
    *text = NULL;
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        fprintf(stderr, _("yanxiu: %s: cannot open: %s\n"), path, strerror(errno));
        return CLI_FAILED;
    }
    struct stat st;
    if (fstat(fd, &st) == 0 && S_ISDIR(st.st_mode)) {
        fprintf(stderr, _("yanxiu: %s is a directory, not a %s file\n"), path, _(noun));
        close(fd);
        return CLI_FAILED;
    }
    char *buf = malloc(max_bytes + 2);
    size_t len = 0;
    if (!buf) {
        close(fd);
        fprintf(stderr, _("yanxiu: out of memory reading %s\n"), path);
        return CLI_FAILED;
    }
    for (;;) {
        ssize_t n = read(fd, buf + len, max_bytes + 1 - len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            fprintf(stderr, _("yanxiu: %s: cannot read: %s\n"), path, strerror(errno));
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
        fprintf(stderr, _("yanxiu: %s is larger than %zu KiB: that is not a %s file\n"), path,
                max_bytes / 1024, _(noun));
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
        fprintf(stderr, _("yanxiu: %s line %d: %s: save the file as UTF-8 text\n"), path,
                text_line_at(buf, len, at),
                nul && (size_t)(nul - buf) == at ? _("a NUL byte") : _("not UTF-8"));
        free(buf);
        return CLI_FAILED;
    }
    if (strspn(buf, " \t\r\n") == len) {
        fprintf(stderr, _("yanxiu: %s is empty: nothing to store\n"), path);
        free(buf);
        return CLI_FAILED;
    }
    *text = buf;
    return CLI_OK;
}

void view_print_line_violation(const char *path, const Yanxiu__V1__FieldViolation *v)
{
    /* the server's "line N" is a place, said in the CLI's language */
    if (strncmp(v->path, "line ", 5) == 0 && v->path[5] &&
        view_all_digits(v->path + 5, strlen(v->path + 5)))
        fprintf(stderr, _("%s line %s: %s\n"), path, v->path + 5, v->message);
    else if (v->path[0])
        fprintf(stderr, _("%s: %s: %s\n"), path, v->path, v->message);
    else
        fprintf(stderr, _("%s: %s\n"), path, v->message);
}
