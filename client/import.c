/*
 * import: the CSV imports' shared machinery: read the whole file, list its
 * problems by line before sending, send it as one request, and put the
 * server's row paths back on the lines of the file.
 */
#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "import.h"

#include "cli.h"
#include "csvin.h"
#include "text.h"
#include "yxc.h"

/* Problems of a file listed one per line before giving up; the rest are counted. */
#define MAX_LISTED_PROBLEMS 100

/* Prints one problem of the file (the first MAX_LISTED_PROBLEMS; the rest are counted). */
void import_problem(struct import_file *f, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    import_vproblem(&f->problems, fmt, ap);
    va_end(ap);
}

void import_vproblem(size_t *problems, const char *fmt, va_list ap)
{
    if ((*problems)++ >= MAX_LISTED_PROBLEMS)
        return;
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
}

bool import_encoding_arg(const struct cli *cli, const char *arg, enum csvin_encoding *enc)
{
    if (csvin_parse_encoding(arg, enc))
        return true;
    (void)cli_usage_error(cli, "--encoding '%s': expected " CSVIN_ENCODING_CHOICES, arg);
    return false;
}

/* Says how many problems there were and that nothing was imported; returns CLI_FAILED. */
int import_rejected(const struct import_file *f, const char *why)
{
    if (f->problems > MAX_LISTED_PROBLEMS)
        fprintf(stderr, "yanxiu: %s: %zu problems (the first %d listed); %s\n", f->path,
                f->problems, MAX_LISTED_PROBLEMS, why);
    else
        fprintf(stderr, "yanxiu: %s: %zu problem%s; %s\n", f->path, f->problems,
                f->problems == 1 ? "" : "s", why);
    return CLI_FAILED;
}

/* Reads the file into f->t (NULL unless CLI_OK). Returns an exit code, having said what is
   wrong. */
int import_read(struct import_file *f, enum csvin_encoding enc)
{
    struct csvin_error err;
    f->t = csvin_read(f->path, enc, f->cols, f->ncols, &err);
    if (!f->t) {
        fprintf(stderr, "yanxiu: %s\n", err.message);
        return CLI_FAILED;
    }
    if (csvin_rows(f->t) == 0) {
        fprintf(stderr, "yanxiu: %s: no rows below the header: nothing to import\n", f->path);
        csvin_free(f->t);
        f->t = NULL;
        return CLI_FAILED;
    }
    return CLI_OK;
}

int import_code_row_cmp(const void *a, const void *b)
{
    const struct import_code_row *x = a, *y = b;
    int c = strcmp(x->code, y->code);
    return c ? c : (x->row > y->row) - (x->row < y->row);
}

/*
 * Finds rows (of the n in t) whose code (column `col`) repeats an earlier
 * row's: first[row] is that earlier row, or SIZE_MAX. Sorting keeps this
 * fast for the largest files (the server refuses duplicates too; this names
 * both lines). NULL when memory runs out.
 */
static size_t *find_duplicates(const struct csvin_table *t, size_t n, size_t col)
{
    size_t *first = malloc(n * sizeof(*first));
    struct import_code_row *v = malloc(n * sizeof(*v));
    if (!first || !v) {
        free(first);
        free(v);
        return NULL;
    }
    for (size_t i = 0; i < n; i++) {
        first[i] = SIZE_MAX;
        v[i] = (struct import_code_row){csvin_get(t, i, col), i};
    }
    qsort(v, n, sizeof(*v), import_code_row_cmp);
    /* Sorted by row within a code: the first entry of a run is the earliest row.
       Empty codes are the server's to name (they are not duplicates). */
    for (size_t i = 1, start = 0; i < n; i++) {
        if (strcmp(v[i].code, v[start].code) != 0)
            start = i;
        else if (v[i].code[0])
            first[v[i].row] = v[start].row;
    }
    free(v);
    return first;
}

/* Lists every repeated code of column `col` as a problem. False when memory ran out. */
bool import_check_duplicates(struct import_file *f, size_t col, const char *what)
{
    size_t n = csvin_rows(f->t);
    size_t *first = find_duplicates(f->t, n, col);
    if (!first)
        return false;
    for (size_t i = 0; i < n; i++)
        if (first[i] != SIZE_MAX)
            import_problem(f, "%s line %d (%s): %s %s is listed twice (also line %d)", f->path,
                           csvin_line(f->t, i), csvin_header(f->t, col), what,
                           csvin_get(f->t, i, col), csvin_line(f->t, first[i]));
    free(first);
    return true;
}

/* yes/no, 是/否, 1/0, true/false (any ASCII case: Excel writes TRUE); empty is no.
   False when s is none of these. */
static bool parse_flag(const char *s, bool *v)
{
    static const struct {
        const char *word;
        bool value;
    } words[] = {{"", false},  {"no", false}, {"否", false},  {"0", false},    {"yes", true},
                 {"是", true}, {"1", true},   {"true", true}, {"false", false}};
    for (size_t i = 0; i < sizeof(words) / sizeof(words[0]); i++) {
        if (strcasecmp(s, words[i].word) == 0) {
            *v = words[i].value;
            return true;
        }
    }
    return false;
}

/* The flag in column `col` of `row`; a problem of the file when it is not a yes or a no. */
bool import_flag_cell(struct import_file *f, size_t row, size_t col)
{
    bool v = false;
    const char *s = csvin_get(f->t, row, col);
    if (parse_flag(s, &v))
        return v;
    /* Quote at most 40 bytes, cut at a character boundary. */
    size_t len = strlen(s), shown = text_utf8_prefix(s, len, 40);
    import_problem(f,
                   "%s line %d (%s): \"%.*s%s\" is neither yes nor no: write yes/no, 是/否, 1/0 "
                   "or true/false (empty: no)",
                   f->path, csvin_line(f->t, row), csvin_header(f->t, col), (int)shown, s,
                   shown < len ? "…" : "");
    return false;
}

int import_take_number(const char **p, int max)
{
    int v = 0, n = 0;
    for (; n < max && **p >= '0' && **p <= '9'; n++, (*p)++)
        v = v * 10 + (**p - '0');
    return n ? v : -1;
}

const char *import_normalize_date(const char *s, char *out, size_t cap)
{
    const char *p = s;
    int y = strspn(s, "0123456789") == 4 ? import_take_number(&p, 4) : -1;
    char sep = *p;
    int m = -1, d = -1;
    if (y >= 0 && sep && strchr("-/.", sep)) {
        p++;
        m = import_take_number(&p, 2);
    }
    if (m >= 0 && *p == sep) {
        p++;
        d = import_take_number(&p, 2);
    }
    if (d < 0 || *p != '\0')
        return s;
    snprintf(out, cap, "%04d-%02d-%02d", y, m, d);
    return out;
}

/* --- the server's answer, back in the user's file ----------------------------------- */

/*
 * Parses "<list>[<row>]" or "<list>[<row>].<field>". False when the path is
 * not of that shape.
 */
static bool parse_row_path(const char *path, const char *list, size_t *row, const char **field)
{
    size_t n = strlen(list);
    if (strncmp(path, list, n) != 0 || path[n] != '[')
        return false;
    const char *p = path + n + 1;
    size_t v = 0;
    if (*p < '0' || *p > '9')
        return false;
    for (; *p >= '0' && *p <= '9'; p++) {
        if (v > (SIZE_MAX - 9) / 10)
            return false;
        v = v * 10 + (size_t)(*p - '0');
    }
    if (*p != ']')
        return false;
    p++;
    if (*p == '.' && p[1])
        *field = p + 1;
    else if (*p == '\0')
        *field = "";
    else
        return false;
    *row = v;
    return true;
}

/* The column a field of the request came from; ncols when none. */
static size_t field_column(const struct import_file *f, const char *field)
{
    for (size_t i = 0; f->renames && f->renames[i][0]; i++) {
        if (strcmp(field, f->renames[i][0]) == 0) {
            field = f->renames[i][1];
            break;
        }
    }
    for (size_t c = 0; c < f->ncols; c++)
        if (strcmp(f->cols[c].name, field) == 0)
            return c;
    return f->ncols;
}

size_t import_present_fields(const struct import_file *f, char **fields)
{
    size_t n = 0;
    for (size_t c = 0; c < f->ncols; c++) {
        if (!csvin_has_column(f->t, c))
            continue;
        const char *field = f->cols[c].name;
        for (size_t i = 0; f->renames && f->renames[i][0]; i++) {
            if (strcmp(field, f->renames[i][1]) == 0) {
                field = f->renames[i][0];
                break;
            }
        }
        /* protobuf-c's fields are not const; packing only reads them. */
        fields[n++] = (char *)field;
    }
    return n;
}

/*
 * The server names other rows by their 1-based row ("given twice (first on row 4)"): say
 * "line N" of the file instead. Writes the reason, rewritten or not, to buf.
 */
static const char *rows_to_lines(const struct import_file *f, const char *reason, char *buf,
                                 size_t cap)
{
    static const char marker[] = "(first on row ";
    const char *at = strstr(reason, marker);
    size_t row;
    char *end;
    if (!at || !isdigit((unsigned char)at[sizeof(marker) - 1]))
        return reason;
    errno = 0;
    unsigned long long v = strtoull(at + sizeof(marker) - 1, &end, 10); /* 1-based */
    row = (size_t)v - 1;
    if (errno || *end != ')' || v < 1 || v > csvin_rows(f->t))
        return reason;
    snprintf(buf, cap, "%.*s(first on line %d%s", (int)(at - reason), reason, csvin_line(f->t, row),
             end);
    return buf;
}

/* Prints one violation the server found, at its line of the file when it names a row. */
void import_print_violation(struct import_file *f, const Yanxiu__V1__FieldViolation *v)
{
    size_t row;
    const char *field;
    char buf[1200];
    f->problems++;
    if (!parse_row_path(v->path, f->list, &row, &field) || row >= csvin_rows(f->t)) {
        fprintf(stderr, "%s%s%s\n", v->path, v->path[0] ? ": " : "", v->message);
        return;
    }
    const char *reason = rows_to_lines(f, v->message, buf, sizeof(buf));
    size_t col = field_column(f, field);
    int line = csvin_line(f->t, row);
    if (col < f->ncols)
        fprintf(stderr, "%s line %d (%s): %s\n", f->path, line, csvin_header(f->t, col), reason);
    else if (field[0])
        fprintf(stderr, "%s line %d (%s): %s\n", f->path, line, field, reason);
    else
        fprintf(stderr, "%s line %d: %s\n", f->path, line, reason);
}

/*
 * Sends the import `req` and prints the counts. Violations come back as
 * lines of the file, every one, then the server's summary. Returns an exit
 * code.
 */
int import_send(struct cli *cli, struct import_file *f, Yanxiu__V1__Envelope *req)
{
    struct yxc_error err;
    uint64_t id;
    Yanxiu__V1__Envelope *resp = NULL;
    if (!yxc_send(cli->conn, req, &id, &err) || !yxc_await(cli->conn, id, &resp, &err)) {
        if (err.fail == YXC_ERR_USAGE && strstr(err.message, "frame limit"))
            fprintf(stderr, "hint: split %s into smaller files and import them one by one\n",
                    f->path);
        return cli_report(cli, &err);
    }
    if (resp->body_case == YANXIU__V1__ENVELOPE__BODY_ERROR && resp->error->n_violations > 0) {
        const Yanxiu__V1__Error *e = resp->error;
        size_t folded = 0;
        for (size_t i = 0; i < e->n_violations; i++) {
            if (f->print_violation)
                folded += !f->print_violation(f, e->violations[i], f->print_arg);
            else
                import_print_violation(f, e->violations[i]);
        }
        fprintf(stderr, "yanxiu: %s: %s", f->path, e->message);
        if (folded)
            fprintf(stderr, " (%zu of them repeat a problem listed above: left out)", folded);
        fputc('\n', stderr);
        yxc_free(resp);
        return CLI_FAILED;
    }
    if (!yxc_check(resp, &err)) {
        yxc_free(resp);
        return cli_report(cli, &err);
    }
    if (resp->body_case != YANXIU__V1__ENVELOPE__BODY_IMPORT_RESULT) {
        fprintf(stderr, "yanxiu: the server at %s answered the import with %s\n", cli->peer,
                yxc_body_name(resp->body_case));
        yxc_free(resp);
        return CLI_FAILED;
    }
    const Yanxiu__V1__ImportResult *r = resp->import_result;
    printf("%s: %" PRIu32 " created, %" PRIu32 " updated, %" PRIu32 " unchanged\n", f->path,
           r->created, r->updated, r->unchanged);
    yxc_free(resp);
    return CLI_OK;
}
