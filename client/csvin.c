/*
 * csvin: CSV files from Excel into a table of trimmed UTF-8 cells. Decoding
 * (UTF-8 with or without BOM, GB18030: text.h), parsing (libcsv, strict),
 * header mapping, and the physical line of every record for error messages.
 */
#include "csvin.h"

#include <assert.h>
#include <csv.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "text.h"

#define NO_COLUMN SIZE_MAX

struct csvin_table {
    /* Every cell and header text lives in one pool, addressed by offset (the pool
       moves while it grows). Offset 0 is the empty string. */
    char *pool;
    size_t pool_len, pool_cap;

    const struct csvin_column *cols;
    size_t ncols;
    size_t nrows, rows_cap;
    size_t *cells;  /* nrows * ncols offsets */
    int *lines;     /* nrows */
    size_t *header; /* ncols offsets of the header text as spelled; 0 when absent */
    bool *present;  /* ncols */
    enum csvin_encoding enc;
};

/* --- messages ---------------------------------------------------------------- */

/* A message under construction: long enough for any column list; cut to fit
   struct csvin_error at a character boundary. */
struct msg {
    char buf[4096];
    size_t len;
};

__attribute__((format(printf, 2, 0))) static void msg_vadd(struct msg *m, const char *fmt,
                                                           va_list ap)
{
    if (m->len >= sizeof(m->buf) - 1)
        return;
    int n = vsnprintf(m->buf + m->len, sizeof(m->buf) - m->len, fmt, ap);
    if (n < 0)
        return;
    m->len += (size_t)n;
    if (m->len > sizeof(m->buf) - 1)
        m->len = sizeof(m->buf) - 1;
}

__attribute__((format(printf, 2, 3))) static void msg_add(struct msg *m, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    msg_vadd(m, fmt, ap);
    va_end(ap);
}

static void msg_emit(const struct msg *m, int line, struct csvin_error *err)
{
    if (!err)
        return;
    err->line = line;
    size_t len = m->len;
    size_t room = sizeof(err->message) - 1;
    if (len <= room) {
        memcpy(err->message, m->buf, len);
        err->message[len] = '\0';
        return;
    }
    /* Cut at a UTF-8 character boundary and mark the cut with "…". */
    size_t cut = text_utf8_prefix(m->buf, len, room - 3);
    memcpy(err->message, m->buf, cut);
    memcpy(err->message + cut, "\xE2\x80\xA6", 3);
    err->message[cut + 3] = '\0';
}

/* "A", "B", …, "Z", "AA": the column as Excel names it (i is 0-based). */
static const char *column_letters(size_t i, char buf[16])
{
    char tmp[16];
    size_t n = 0;
    i++;
    while (i > 0 && n < sizeof(tmp) - 1) {
        tmp[n++] = (char)('A' + (i - 1) % 26);
        i = (i - 1) / 26;
    }
    for (size_t k = 0; k < n; k++)
        buf[k] = tmp[n - 1 - k];
    buf[n] = '\0';
    return buf;
}

/* Appends a cell value for a message: quoted, its first line only, at most ~40 bytes. */
static void msg_value(struct msg *m, const char *s)
{
    size_t n = strcspn(s, "\r\n");
    bool cut = s[n] != '\0';
    if (n > 40) {
        n = text_utf8_prefix(s, n, 40);
        cut = true;
    }
    msg_add(m, "\"%.*s%s\"", (int)n, s, cut ? "\xE2\x80\xA6" : "");
}

/* "teacher_code (教师编号)" */
static void msg_column(struct msg *m, const struct csvin_column *c)
{
    if (c->aliases && c->aliases[0])
        msg_add(m, "%s (%s)", c->name, c->aliases[0]);
    else
        msg_add(m, "%s", c->name);
}

/* "expected: teacher_code (教师编号), name (姓名), group (教研组, optional)" */
static void msg_expected(struct msg *m, const struct csvin_column *cols, size_t ncols)
{
    msg_add(m, "expected: ");
    for (size_t i = 0; i < ncols; i++) {
        const struct csvin_column *c = &cols[i];
        msg_add(m, "%s%s", i ? ", " : "", c->name);
        bool zh = c->aliases && c->aliases[0];
        if (zh || !c->required)
            msg_add(m, " (%s%s%s)", zh ? c->aliases[0] : "", zh && !c->required ? ", " : "",
                    c->required ? "" : "optional");
    }
}

static void fail_plain(struct csvin_error *err, const char *name, const char *what)
{
    struct msg m = {.len = 0};
    msg_add(&m, "%s: %s", name, what);
    msg_emit(&m, 0, err);
}

/* --- text --------------------------------------------------------------------- */

static bool ascii_eq_nocase(const char *a, const char *b)
{
    for (;; a++, b++) {
        unsigned char x = (unsigned char)*a, y = (unsigned char)*b;
        if (x >= 'A' && x <= 'Z')
            x = (unsigned char)(x - 'A' + 'a');
        if (y >= 'A' && y <= 'Z')
            y = (unsigned char)(y - 'A' + 'a');
        if (x != y)
            return false;
        if (x == '\0')
            return true;
    }
}

/* Narrows [*b, *e) past surrounding spaces, tabs, CR/LF, U+3000 and U+00A0. */
static void trim(const unsigned char *s, size_t *b, size_t *e)
{
    for (;;) {
        size_t n = *e - *b;
        const unsigned char *p = s + *b;
        if (n >= 1 && (p[0] == ' ' || p[0] == '\t' || p[0] == '\r' || p[0] == '\n'))
            *b += 1;
        else if (n >= 3 && p[0] == 0xE3 && p[1] == 0x80 && p[2] == 0x80)
            *b += 3;
        else if (n >= 2 && p[0] == 0xC2 && p[1] == 0xA0)
            *b += 2;
        else
            break;
    }
    for (;;) {
        size_t n = *e - *b;
        const unsigned char *p = s + *e;
        if (n >= 1 && (p[-1] == ' ' || p[-1] == '\t' || p[-1] == '\r' || p[-1] == '\n'))
            *e -= 1;
        else if (n >= 3 && p[-3] == 0xE3 && p[-2] == 0x80 && p[-1] == 0x80)
            *e -= 3;
        else if (n >= 2 && p[-2] == 0xC2 && p[-1] == 0xA0)
            *e -= 2;
        else
            break;
    }
}

/* --- table -------------------------------------------------------------------- */

static struct csvin_table *table_new(const struct csvin_column *cols, size_t ncols)
{
    struct csvin_table *t = calloc(1, sizeof(*t));
    if (!t)
        return NULL;
    t->cols = cols;
    t->ncols = ncols;
    t->pool_cap = 4096;
    t->pool = malloc(t->pool_cap);
    t->header = calloc(ncols ? ncols : 1, sizeof(*t->header));
    t->present = calloc(ncols ? ncols : 1, sizeof(*t->present));
    if (!t->pool || !t->header || !t->present) {
        csvin_free(t);
        return NULL;
    }
    t->pool[0] = '\0';
    t->pool_len = 1;
    return t;
}

void csvin_free(struct csvin_table *t)
{
    if (!t)
        return;
    free(t->pool);
    free(t->cells);
    free(t->lines);
    free(t->header);
    free(t->present);
    free(t);
}

static bool pool_reserve(struct csvin_table *t, size_t n)
{
    if (t->pool_cap - t->pool_len >= n)
        return true;
    size_t cap = t->pool_cap;
    while (cap - t->pool_len < n) {
        if (cap > SIZE_MAX / 2)
            return false;
        cap *= 2;
    }
    char *p = realloc(t->pool, cap);
    if (!p)
        return false;
    t->pool = p;
    t->pool_cap = cap;
    return true;
}

static bool table_add_row(struct csvin_table *t, const size_t *cells, int line)
{
    if (t->nrows == t->rows_cap) {
        size_t cap = t->rows_cap ? t->rows_cap * 2 : 64;
        size_t per = t->ncols ? t->ncols : 1;
        if (cap > SIZE_MAX / sizeof(size_t) / per)
            return false;
        size_t *c = realloc(t->cells, cap * per * sizeof(size_t));
        if (!c)
            return false;
        t->cells = c;
        int *l = realloc(t->lines, cap * sizeof(int));
        if (!l)
            return false;
        t->lines = l;
        t->rows_cap = cap;
    }
    if (t->ncols)
        memcpy(t->cells + t->nrows * t->ncols, cells, t->ncols * sizeof(size_t));
    t->lines[t->nrows++] = line;
    return true;
}

/* --- parsing ------------------------------------------------------------------ */

struct reader {
    const char *name;
    const struct csvin_column *cols;
    size_t ncols;
    struct csvin_table *t;
    struct csvin_error *err;
    bool failed;

    int line;        /* physical line being fed to libcsv */
    bool in_record;  /* a record has begun and not yet ended */
    int record_line; /* where the current record began */
    int field_line;  /* where the current field began */

    size_t *fields; /* pool offsets of the current record's cells so far */
    size_t nfields, fields_cap;

    bool have_header;
    int header_line;
    size_t *map; /* header cell index → column index, or NO_COLUMN for an empty header */
    size_t nmap;
    size_t *row; /* ncols scratch offsets */
};

__attribute__((format(printf, 3, 4))) static void fail_at(struct reader *r, int line,
                                                          const char *fmt, ...)
{
    if (r->failed)
        return;
    r->failed = true;
    struct msg m = {.len = 0};
    msg_add(&m, "%s line %d", r->name, line);
    va_list ap;
    va_start(ap, fmt);
    msg_vadd(&m, fmt, ap);
    va_end(ap);
    msg_emit(&m, line, r->err);
}

static void fail_msg(struct reader *r, const struct msg *m, int line)
{
    if (r->failed)
        return;
    r->failed = true;
    msg_emit(m, line, r->err);
}

static void fail_oom(struct reader *r)
{
    if (r->failed)
        return;
    r->failed = true;
    fail_plain(r->err, r->name, "out of memory while reading the file");
}

/* libcsv field callback: trims the cell, turns CRLF into LF, stores it in the pool. */
static void on_field(void *data, size_t len, void *arg)
{
    struct reader *r = arg;
    if (r->failed)
        return;
    r->field_line = r->line; /* the next field starts after this delimiter, on this line */
    const unsigned char *s = data;
    size_t b = 0, e = len;
    trim(s, &b, &e);
    size_t off = 0;
    if (e > b) {
        if (!pool_reserve(r->t, e - b + 1)) {
            fail_oom(r);
            return;
        }
        off = r->t->pool_len;
        char *out = r->t->pool + off;
        size_t n = 0;
        for (size_t i = b; i < e; i++) {
            if (s[i] == '\r' && i + 1 < e && s[i + 1] == '\n')
                continue;
            out[n++] = (char)s[i];
        }
        out[n++] = '\0';
        r->t->pool_len += n;
    }
    if (r->nfields == r->fields_cap) {
        size_t cap = r->fields_cap ? r->fields_cap * 2 : 32;
        size_t *f = realloc(r->fields, cap * sizeof(*f));
        if (!f) {
            fail_oom(r);
            return;
        }
        r->fields = f;
        r->fields_cap = cap;
    }
    r->fields[r->nfields++] = off;
}

static const char *pool_str(const struct reader *r, size_t off)
{
    return r->t->pool + off;
}

static size_t find_column(const struct reader *r, const char *h)
{
    for (size_t i = 0; i < r->ncols; i++) {
        const struct csvin_column *c = &r->cols[i];
        if (ascii_eq_nocase(h, c->name))
            return i;
        for (const char *const *a = c->aliases; a && *a; a++) {
            if (ascii_eq_nocase(h, *a))
                return i;
        }
    }
    return NO_COLUMN;
}

/* The header row: map its cells to columns, or fail naming what is wrong. */
static void take_header(struct reader *r)
{
    struct csvin_table *t = r->t;
    int line = r->record_line;
    r->map = malloc(r->nfields * sizeof(*r->map));
    if (!r->map) {
        fail_oom(r);
        return;
    }
    r->nmap = r->nfields;
    r->header_line = line;

    size_t known = 0, unknown = 0;
    size_t dup_first = NO_COLUMN, dup_second = NO_COLUMN, dup_col = NO_COLUMN;
    size_t *first_cell = malloc((r->ncols ? r->ncols : 1) * sizeof(size_t));
    if (!first_cell) {
        fail_oom(r);
        return;
    }
    for (size_t i = 0; i < r->nfields; i++) {
        const char *h = pool_str(r, r->fields[i]);
        r->map[i] = NO_COLUMN;
        if (!*h)
            continue;
        size_t c = find_column(r, h);
        if (c == NO_COLUMN) {
            unknown++;
            continue;
        }
        known++;
        if (t->present[c]) {
            if (dup_col == NO_COLUMN)
                dup_first = first_cell[c], dup_second = i, dup_col = c;
            continue;
        }
        t->present[c] = true;
        t->header[c] = r->fields[i];
        first_cell[c] = i;
        r->map[i] = c;
    }
    free(first_cell);

    struct msg m = {.len = 0};
    char l1[16], l2[16];
    if (unknown) {
        if (!known) {
            msg_add(&m, "%s line %d: the first row does not name any known column (it reads ",
                    r->name, line);
            size_t shown = 0;
            for (size_t i = 0; i < r->nfields && shown < 4; i++) {
                const char *h = pool_str(r, r->fields[i]);
                if (*h) {
                    msg_add(&m, "%s", shown++ ? ", " : "");
                    msg_value(&m, h);
                }
            }
            msg_add(&m, "%s); the first row must be the header",
                    unknown > shown ? ", \xE2\x80\xA6" : "");
            /* One cell holding separators: saved with ";" or tabs instead of commas. */
            if (r->nfields == 1) {
                const char *h = pool_str(r, r->fields[0]);
                if (strchr(h, ';') || strchr(h, '\t'))
                    msg_add(&m,
                            " (the columns seem to be separated by \"%s\", not commas: "
                            "save it from Excel as \"CSV UTF-8\")",
                            strchr(h, ';') ? ";" : "tab");
            }
        } else {
            msg_add(&m, "%s line %d: unknown column%s ", r->name, line, unknown > 1 ? "s" : "");
            size_t shown = 0;
            for (size_t i = 0; i < r->nfields; i++) {
                const char *h = pool_str(r, r->fields[i]);
                if (*h && find_column(r, h) == NO_COLUMN) {
                    msg_add(&m, "%s", shown++ ? ", " : "");
                    msg_value(&m, h);
                }
            }
            msg_add(&m, " (column%s", unknown > 1 ? "s" : "");
            shown = 0;
            for (size_t i = 0; i < r->nfields; i++) {
                const char *h = pool_str(r, r->fields[i]);
                if (*h && find_column(r, h) == NO_COLUMN)
                    msg_add(&m, "%s %s", shown++ ? "," : "", column_letters(i, l1));
            }
            msg_add(&m, "); delete or rename %s", unknown > 1 ? "them" : "it");
        }
        msg_add(&m, "; ");
        msg_expected(&m, r->cols, r->ncols);
        fail_msg(r, &m, line);
        return;
    }
    if (dup_col != NO_COLUMN) {
        msg_add(&m, "%s line %d: columns %s (", r->name, line, column_letters(dup_first, l1));
        msg_value(&m, pool_str(r, r->fields[dup_first]));
        msg_add(&m, ") and %s (", column_letters(dup_second, l2));
        msg_value(&m, pool_str(r, r->fields[dup_second]));
        msg_add(&m, ") are the same column ");
        msg_column(&m, &r->cols[dup_col]);
        msg_add(&m, "; keep only one of them");
        fail_msg(r, &m, line);
        return;
    }
    size_t missing = 0;
    for (size_t c = 0; c < r->ncols; c++)
        missing += r->cols[c].required && !t->present[c];
    if (missing) {
        msg_add(&m, "%s line %d: missing required column%s ", r->name, line,
                missing > 1 ? "s" : "");
        size_t shown = 0;
        for (size_t c = 0; c < r->ncols; c++) {
            if (r->cols[c].required && !t->present[c]) {
                msg_add(&m, "%s", shown++ ? ", " : "");
                msg_column(&m, &r->cols[c]);
            }
        }
        msg_add(&m, "; add %s to the header row; ", missing > 1 ? "them" : "it");
        msg_expected(&m, r->cols, r->ncols);
        fail_msg(r, &m, line);
        return;
    }
    r->have_header = true;
}

/* A data row: its cells into the table; values outside the named columns are refused. */
static void take_row(struct reader *r)
{
    for (size_t c = 0; c < r->ncols; c++)
        r->row[c] = 0;
    for (size_t i = 0; i < r->nfields; i++) {
        size_t c = i < r->nmap ? r->map[i] : NO_COLUMN;
        if (c != NO_COLUMN) {
            r->row[c] = r->fields[i];
            continue;
        }
        if (r->fields[i] == 0)
            continue;
        struct msg m = {.len = 0};
        char l[16];
        msg_add(&m, "%s line %d, column %s: value ", r->name, r->record_line, column_letters(i, l));
        msg_value(&m, pool_str(r, r->fields[i]));
        if (i < r->nmap)
            msg_add(&m, " is under a column with no header (line %d)", r->header_line);
        else
            msg_add(&m, " is beyond the last column (the header on line %d has %zu)",
                    r->header_line, r->nmap);
        msg_add(&m, "; delete the value or give the column a header");
        fail_msg(r, &m, r->record_line);
        return;
    }
    if (!table_add_row(r->t, r->row, r->record_line))
        fail_oom(r);
}

/* libcsv row callback: the record is complete. */
static void on_row(int c, void *arg)
{
    struct reader *r = arg;
    if (r->failed)
        return;
    bool empty = true;
    for (size_t i = 0; i < r->nfields && empty; i++)
        empty = r->fields[i] == 0;
    if (!empty) {
        if (r->have_header)
            take_row(r);
        else
            take_header(r);
    }
    r->nfields = 0;
    r->in_record = false;
}

static bool has_content(const unsigned char *s, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (s[i] != ' ' && s[i] != '\t' && s[i] != '\r' && s[i] != '\n')
            return true;
    }
    return false;
}

/* Describes where libcsv stopped in strict mode. */
static void fail_syntax(struct reader *r, const struct csv_parser *p, int line)
{
    char l[16];
    const char *col = column_letters(r->nfields, l);
    if (p->quoted)
        fail_at(r, line,
                ", column %s: text after the closing double quote of a quoted cell; inside a "
                "quoted cell write each \" as \"\" (e.g. \"say \"\"hi\"\"\")",
                col);
    else
        fail_at(r, line,
                ", column %s: a double quote inside a cell that does not start with one; put "
                "the whole cell in double quotes and write each \" in it as \"\" (e.g. "
                "\"say \"\"hi\"\"\")",
                col);
}

static void parse(struct reader *r, const unsigned char *s, size_t n)
{
    struct csv_parser p;
    if (csv_init(&p, CSV_STRICT | CSV_STRICT_FINI) != 0) {
        fail_oom(r);
        return;
    }
    size_t pos = 0;
    /* Fed one physical line at a time, so that the callbacks know the line. A record
       ends only at a line end, so at most one ends per line, at its end. */
    while (pos < n && !r->failed) {
        size_t end = pos;
        while (end < n && s[end] != '\n' && s[end] != '\r')
            end++;
        if (end < n)
            end += (s[end] == '\r' && end + 1 < n && s[end + 1] == '\n') ? 2 : 1;
        r->line++;
        /* libcsv skips blanks and line ends between records; anything else begins one. */
        if (!r->in_record && has_content(s + pos, end - pos)) {
            r->in_record = true;
            r->record_line = r->field_line = r->line;
        }
        size_t done = csv_parse(&p, s + pos, end - pos, on_field, on_row, r);
        if (done < end - pos && !r->failed) {
            if (csv_error(&p) == CSV_EPARSE)
                fail_syntax(r, &p, r->line);
            else
                fail_oom(r);
        }
        pos = end;
    }
    if (!r->failed && csv_fini(&p, on_field, on_row, r) != 0) {
        char l[16];
        fail_at(r, r->field_line,
                ", column %s: a quoted cell starts here but its closing double quote is missing "
                "(the rest of the file would be part of it); add the closing \"",
                column_letters(r->nfields, l));
    }
    csv_free(&p);
    if (!r->failed && !r->have_header) {
        struct msg m = {.len = 0};
        msg_add(&m, "%s line 1: the file is empty; its first row must name the columns; ", r->name);
        msg_expected(&m, r->cols, r->ncols);
        fail_msg(r, &m, 1);
    }
}

/* --- decoding ----------------------------------------------------------------- */

static const char SAVE_AS_CSV[] = "in Excel use File > Save As > \"CSV UTF-8 (Comma delimited)\"";

/*
 * Checks what the bytes are and yields UTF-8 text: either a view into `raw`
 * (*owned NULL) or a converted copy in *owned. False with *err filled.
 */
static bool decode(const char *name, const unsigned char *raw, size_t len, enum csvin_encoding enc,
                   const unsigned char **text, size_t *text_len, char **owned,
                   enum csvin_encoding *used, struct csvin_error *err)
{
    struct msg m = {.len = 0};
    *owned = NULL;
    if (len >= 4 && memcmp(raw, "PK\x03\x04", 4) == 0) {
        msg_add(&m, "%s: this is an Excel workbook (.xlsx), not a CSV file; %s", name, SAVE_AS_CSV);
        msg_emit(&m, 0, err);
        return false;
    }
    if (len >= 8 && memcmp(raw, "\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1", 8) == 0) {
        msg_add(&m, "%s: this is an old Excel workbook (.xls), not a CSV file; %s", name,
                SAVE_AS_CSV);
        msg_emit(&m, 0, err);
        return false;
    }
    if (len >= 2 && ((raw[0] == 0xFF && raw[1] == 0xFE) || (raw[0] == 0xFE && raw[1] == 0xFF))) {
        msg_add(&m, "%s: this file is UTF-16 (Excel's \"Unicode Text\"), which is not read; %s",
                name, SAVE_AS_CSV);
        msg_emit(&m, 0, err);
        return false;
    }
    const unsigned char *nul = memchr(raw, '\0', len);
    if (nul) {
        int line = text_line_at(raw, len, (size_t)(nul - raw));
        msg_add(&m,
                "%s line %d: contains a NUL byte, so it is not a CSV text file (UTF-16 or "
                "binary?); %s",
                name, line, SAVE_AS_CSV);
        msg_emit(&m, line, err);
        return false;
    }

    bool bom = text_bom_len(raw, len) > 0;
    if (bom && enc == CSVIN_GB18030) {
        msg_add(&m,
                "%s line 1: the file starts with a UTF-8 byte order mark but GB18030 was "
                "asked for; read it as utf-8 (or auto)",
                name);
        msg_emit(&m, 1, err);
        return false;
    }
    size_t ubad = SIZE_MAX; /* where UTF-8 failed, when it was tried */
    if (bom || enc == CSVIN_UTF8 || enc == CSVIN_AUTO) {
        size_t skip = text_bom_len(raw, len);
        size_t bad = text_utf8_invalid_at(raw + skip, len - skip);
        if (bad == len - skip) {
            *text = raw + skip;
            *text_len = len - skip;
            *used = CSVIN_UTF8;
            return true;
        }
        ubad = bad + skip;
        if (bom || enc == CSVIN_UTF8) {
            int line = text_line_at(raw, len, ubad);
            msg_add(&m, "%s line %d: byte 0x%02X is not UTF-8%s; ", name, line, raw[ubad],
                    bom ? " although the file starts with a UTF-8 byte order mark" : "");
            if (bom)
                msg_add(&m, "%s", SAVE_AS_CSV);
            else
                msg_add(&m, "if it was saved as plain \"CSV\" on Chinese Windows, read it as "
                            "gb18030 (or auto)");
            msg_emit(&m, line, err);
            return false;
        }
    }

    /* GB18030: asked for, or AUTO and not UTF-8. */
    char *conv;
    size_t conv_len;
    struct text_error terr;
    if (!text_gb18030_to_utf8(raw, len, &conv, &conv_len, &terr)) {
        size_t gbad = terr.offset;
        if (gbad == SIZE_MAX) {
            msg_add(&m, "%s: cannot convert from GB18030: %s", name, strerror(errno));
            msg_emit(&m, 0, err);
            return false;
        }
        int gline = text_line_at(raw, len, gbad);
        if (ubad == SIZE_MAX) {
            msg_add(&m,
                    "%s line %d: byte 0x%02X is not GB18030; if the file is UTF-8, read it "
                    "as utf-8 (or auto)",
                    name, gline, raw[gbad]);
            msg_emit(&m, gline, err);
            return false;
        }
        /* Neither: the encoding that got further is the likelier one, so its line leads. */
        int uline = text_line_at(raw, len, ubad);
        int line = uline > gline ? uline : gline;
        msg_add(&m,
                "%s line %d: the file is neither UTF-8 (byte 0x%02X on line %d is not) nor "
                "GB18030 (byte 0x%02X on line %d is not); %s",
                name, line, raw[ubad], uline, raw[gbad], gline, SAVE_AS_CSV);
        msg_emit(&m, line, err);
        return false;
    }
    /* GB18030 has its own byte order mark (84 31 95 33), converted to U+FEFF. */
    size_t skip = text_bom_len(conv, conv_len);
    *owned = conv;
    *text = (const unsigned char *)conv + skip;
    *text_len = conv_len - skip;
    *used = CSVIN_GB18030;
    return true;
}

/* --- public ------------------------------------------------------------------- */

bool csvin_parse_encoding(const char *s, enum csvin_encoding *e)
{
    static const struct {
        const char *word;
        enum csvin_encoding enc;
    } words[] = {
        {"auto", CSVIN_AUTO},       {"utf-8", CSVIN_UTF8},  {"utf8", CSVIN_UTF8},
        {"gb18030", CSVIN_GB18030}, {"gbk", CSVIN_GB18030},
    };
    if (!s)
        return false;
    for (size_t i = 0; i < sizeof(words) / sizeof(words[0]); i++) {
        if (ascii_eq_nocase(s, words[i].word)) {
            *e = words[i].enc;
            return true;
        }
    }
    return false;
}

const char *csvin_encoding_name(enum csvin_encoding e)
{
    switch (e) {
    case CSVIN_AUTO:
        return "auto";
    case CSVIN_UTF8:
        return "utf-8";
    case CSVIN_GB18030:
        return "gb18030";
    }
    return "?";
}

struct csvin_table *csvin_read_mem(const char *name, const void *data, size_t len,
                                   enum csvin_encoding enc, const struct csvin_column *cols,
                                   size_t ncols, struct csvin_error *err)
{
    if (err) {
        err->message[0] = '\0';
        err->line = 0;
    }
    if (!data)
        data = "", len = 0;
    if (len > CSVIN_MAX_FILE_BYTES) {
        struct msg m = {.len = 0};
        msg_add(&m,
                "%s: the file is larger than %zu MiB, the most that is read; is it the right "
                "file?",
                name, CSVIN_MAX_FILE_BYTES >> 20);
        msg_emit(&m, 0, err);
        return NULL;
    }
    const unsigned char *text;
    size_t text_len;
    char *owned;
    enum csvin_encoding used;
    if (!decode(name, data, len, enc, &text, &text_len, &owned, &used, err))
        return NULL;

    struct reader r = {.name = name, .cols = cols, .ncols = ncols, .err = err};
    r.t = table_new(cols, ncols);
    r.row = malloc((ncols ? ncols : 1) * sizeof(*r.row));
    if (!r.t || !r.row)
        fail_oom(&r);
    else
        parse(&r, text, text_len);
    free(owned);
    free(r.fields);
    free(r.map);
    free(r.row);
    if (r.failed) {
        csvin_free(r.t);
        return NULL;
    }
    r.t->enc = used;
    return r.t;
}

/* Reads all of `path`, at most CSVIN_MAX_FILE_BYTES + 1 bytes (one more tells "too big"). */
static bool slurp(const char *path, unsigned char **out, size_t *out_len, struct csvin_error *err)
{
    struct msg m = {.len = 0};
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        msg_add(&m, "%s: cannot open: %s", path, strerror(errno));
        msg_emit(&m, 0, err);
        return false;
    }
    struct stat st;
    size_t cap = 64 * 1024;
    if (fstat(fd, &st) == 0) {
        if (S_ISDIR(st.st_mode)) {
            close(fd);
            fail_plain(err, path, "is a directory, not a CSV file");
            return false;
        }
        /* A regular file too big is told without reading it: one byte over the cap. */
        if (S_ISREG(st.st_mode) && st.st_size >= 0)
            cap = (uintmax_t)st.st_size < CSVIN_MAX_FILE_BYTES ? (size_t)st.st_size + 1
                                                               : CSVIN_MAX_FILE_BYTES + 1;
    }
    unsigned char *buf = malloc(cap);
    size_t len = 0;
    while (buf) {
        if (len == cap) {
            if (cap > CSVIN_MAX_FILE_BYTES)
                break; /* csvin_read_mem says it is too big */
            size_t ncap = cap * 2 > CSVIN_MAX_FILE_BYTES ? CSVIN_MAX_FILE_BYTES + 1 : cap * 2;
            unsigned char *nb = realloc(buf, ncap);
            if (!nb) {
                free(buf);
                buf = NULL;
                break;
            }
            buf = nb, cap = ncap;
        }
        ssize_t n = read(fd, buf + len, cap - len);
        if (n == 0)
            break;
        if (n < 0) {
            if (errno == EINTR)
                continue;
            msg_add(&m, "%s: cannot read: %s", path, strerror(errno));
            msg_emit(&m, 0, err);
            free(buf);
            close(fd);
            return false;
        }
        len += (size_t)n;
    }
    close(fd);
    if (!buf) {
        fail_plain(err, path, "out of memory while reading the file");
        return false;
    }
    *out = buf;
    *out_len = len;
    return true;
}

struct csvin_table *csvin_read(const char *path, enum csvin_encoding enc,
                               const struct csvin_column *cols, size_t ncols,
                               struct csvin_error *err)
{
    unsigned char *data;
    size_t len;
    if (!slurp(path, &data, &len, err))
        return NULL;
    struct csvin_table *t = csvin_read_mem(path, data, len, enc, cols, ncols, err);
    free(data);
    return t;
}

size_t csvin_rows(const struct csvin_table *t)
{
    return t->nrows;
}

const char *csvin_get(const struct csvin_table *t, size_t row, size_t col)
{
    assert(row < t->nrows && col < t->ncols);
    return t->pool + t->cells[row * t->ncols + col];
}

int csvin_line(const struct csvin_table *t, size_t row)
{
    assert(row < t->nrows);
    return t->lines[row];
}

bool csvin_has_column(const struct csvin_table *t, size_t col)
{
    assert(col < t->ncols);
    return t->present[col];
}

const char *csvin_header(const struct csvin_table *t, size_t col)
{
    assert(col < t->ncols);
    return t->present[col] ? t->pool + t->header[col] : t->cols[col].name;
}

enum csvin_encoding csvin_encoding_used(const struct csvin_table *t)
{
    return t->enc;
}

/* Whether a header needs quotes in CSV. */
static bool needs_quotes(const char *s)
{
    size_t n = strlen(s);
    return strpbrk(s, ",\"\r\n") != NULL || (n > 0 && (s[0] == ' ' || s[n - 1] == ' '));
}

bool csvin_write_template(const char *path, const struct csvin_column *cols, size_t ncols,
                          bool chinese_headers, bool bom, struct csvin_error *err)
{
    struct msg m = {.len = 0};
    int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
    if (fd < 0) {
        if (errno == EEXIST)
            msg_add(&m, "%s: already exists and is not replaced; move it away first", path);
        else
            msg_add(&m, "%s: cannot create: %s", path, strerror(errno));
        msg_emit(&m, 0, err);
        return false;
    }
    FILE *f = fdopen(fd, "wb");
    if (!f) {
        msg_add(&m, "%s: cannot write: %s", path, strerror(errno));
        msg_emit(&m, 0, err);
        close(fd);
        unlink(path);
        return false;
    }
    if (bom)
        fputs(TEXT_BOM, f);
    for (size_t i = 0; i < ncols; i++) {
        const struct csvin_column *c = &cols[i];
        const char *h = chinese_headers && c->aliases && c->aliases[0] ? c->aliases[0] : c->name;
        if (i)
            fputc(',', f);
        if (needs_quotes(h))
            csv_fwrite(f, h, strlen(h));
        else
            fputs(h, f);
    }
    fputs("\r\n", f);
    bool failed = ferror(f) != 0;
    int saved = errno;
    if (fclose(f) != 0 && !failed)
        failed = true, saved = errno;
    if (failed) {
        msg_add(&m, "%s: cannot write: %s", path, strerror(saved));
        msg_emit(&m, 0, err);
        unlink(path);
        return false;
    }
    return true;
}
