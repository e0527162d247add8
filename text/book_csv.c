/*
 * book_csv: the CSV path of book_read. Decoding (UTF-8 with or without BOM,
 * GB18030: text.h), parsing (libcsv, strict: RFC 4180 quoting, CRLF/LF/CR) into
 * one sheet named after the file, each record at the row Excel shows it on (a
 * blank line is an empty row, a quoted line break stays in its cell).
 */
#include <csv.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "book_int.h"
#include "text.h"

struct reader {
    struct book *b;
    const struct book_limits *lim;
    struct book_error *err;
    const char *sheet;
    bool failed;

    unsigned line;       /* physical line being fed to libcsv */
    bool in_record;      /* a record has begun and not yet ended */
    unsigned row;        /* 0-based row of the record being read */
    unsigned col;        /* 0-based column of the next field */
    unsigned field_line; /* where the current field began */
    char *buf;           /* scratch for a cell: CRLF made LF */
    size_t buf_cap;
};

static void fail_oom(struct reader *r)
{
    if (r->failed)
        return;
    r->failed = true;
    book_fail(r->err, "file_corrupt", r->sheet, 0, 0, "out of memory while reading the file");
}

/* libcsv field callback: the trimmed cell, a CRLF inside it made LF, into the book. */
static void on_field(void *data, size_t len, void *arg)
{
    struct reader *r = arg;
    if (r->failed)
        return;
    unsigned line = r->field_line; /* where this field began */
    r->field_line = r->line;       /* the next starts after this delimiter, on this line */
    unsigned col = r->col++;
    const char *s = data;
    size_t b = 0, e = len;
    if (s)
        book_trim(s, &b, &e);
    if (e <= b)
        return;
    if (e - b > r->lim->max_cell_bytes) {
        r->failed = true;
        book_fail(r->err, "file_cell_too_long", r->sheet, r->row + 1, col + 1,
                  "line %u: a cell of %zu bytes; at most %zu are read", line, e - b,
                  r->lim->max_cell_bytes);
        if (r->err) {
            r->err->line = line;
            book_fmt_bytes(r->err->limit, sizeof(r->err->limit), r->lim->max_cell_bytes);
        }
        return;
    }
    if (e - b + 1 > r->buf_cap) {
        size_t cap = e - b + 1 < 256 ? 256 : e - b + 1;
        char *nb = realloc(r->buf, cap);
        if (!nb) {
            fail_oom(r);
            return;
        }
        r->buf = nb;
        r->buf_cap = cap;
    }
    size_t n = 0;
    for (size_t i = b; i < e; i++) {
        if (s[i] == '\r' && i + 1 < e && s[i + 1] == '\n')
            continue;
        r->buf[n++] = s[i];
    }
    const char *text = book_intern(r->b, r->buf, n);
    if (!text) {
        fail_oom(r);
        return;
    }
    struct book_cell c = {.text = text, .kind = BOOK_TEXT};
    if (!book_put(r->b, r->row, col, &c, r->err)) {
        r->failed = true;
        if (r->err)
            r->err->line = line;
    }
}

/* libcsv row callback: the record is complete; the next is on the next row. */
static void on_row(int c, void *arg)
{
    struct reader *r = arg;
    r->row++;
    r->col = 0;
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

static void fail_quote(struct reader *r, const char *code, unsigned line, const char *what)
{
    if (r->failed)
        return;
    r->failed = true;
    book_fail(r->err, code, r->sheet, r->row + 1, r->col + 1, "line %u: %s", line, what);
    if (r->err)
        r->err->line = line;
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
        /* libcsv skips blank lines between records; Excel shows each as an empty row. */
        if (!r->in_record) {
            if (has_content(s + pos, end - pos)) {
                r->in_record = true;
                r->field_line = r->line;
            } else if (s[end - 1] == '\n' || s[end - 1] == '\r') {
                r->row++;
            }
        }
        size_t done = csv_parse(&p, s + pos, end - pos, on_field, on_row, r);
        if (done < end - pos && !r->failed) {
            if (csv_error(&p) != CSV_EPARSE)
                fail_oom(r);
            else if (p.quoted)
                fail_quote(r, "file_csv_quote", r->line,
                           "text after the closing double quote of a quoted cell");
            else
                fail_quote(r, "file_csv_quote", r->line,
                           "a double quote inside a cell that does not start with one");
        }
        pos = end;
    }
    if (!r->failed && csv_fini(&p, on_field, on_row, r) != 0)
        fail_quote(r, "file_csv_unclosed_quote", r->field_line,
                   "a quoted cell starts here but its closing double quote is missing");
    csv_free(&p);
}

/* "auto", "utf-8", "gb18030" (and "", "utf8", "gbk"), any ASCII case: 0 auto, 1 UTF-8,
   2 GB18030, -1 unknown. */
static int encoding_choice(const char *e)
{
    if (!e || !*e || strcasecmp(e, "auto") == 0)
        return 0;
    if (strcasecmp(e, "utf-8") == 0 || strcasecmp(e, "utf8") == 0)
        return 1;
    if (strcasecmp(e, "gb18030") == 0 || strcasecmp(e, "gbk") == 0)
        return 2;
    return -1;
}

static void fail_encoding(struct book_error *err, const char *code, const unsigned char *raw,
                          size_t len, size_t at, const char *what)
{
    unsigned line = (unsigned)text_line_at(raw, len, at);
    book_fail(err, code, NULL, 0, 0, "byte %zu (0x%02X) on line %u: %s", at + 1, raw[at], line,
              what);
    if (err)
        err->line = line;
}

/*
 * Yields the bytes as UTF-8 text: a view into `raw` (*owned NULL) or a converted
 * copy in *owned; *used is "utf-8" or "gb18030". False with *err filled.
 */
static bool decode(const unsigned char *raw, size_t len, int choice, const unsigned char **text,
                   size_t *text_len, char **owned, const char **used, struct book_error *err)
{
    *owned = NULL;
    if (len >= 2 && ((raw[0] == 0xFF && raw[1] == 0xFE) || (raw[0] == 0xFE && raw[1] == 0xFF))) {
        book_fail(err, "file_not_text", NULL, 0, 0,
                  "UTF-16 text (Excel's \"Unicode Text\"), which is not read");
        return false;
    }
    const unsigned char *nul = memchr(raw, '\0', len);
    if (nul) {
        fail_encoding(err, "file_not_text", raw, len, (size_t)(nul - raw),
                      "a NUL byte: not a text file");
        return false;
    }
    bool bom = text_bom_len(raw, len) > 0;
    if (bom || choice != 2) {
        size_t skip = text_bom_len(raw, len);
        size_t bad = text_utf8_invalid_at(raw + skip, len - skip);
        if (bad == len - skip) {
            *text = raw + skip;
            *text_len = len - skip;
            *used = "utf-8";
            return true;
        }
        if (bom || choice == 1) {
            fail_encoding(err, "file_encoding", raw, len, bad + skip,
                          bom ? "not UTF-8 although the file starts with a UTF-8 byte order mark"
                              : "not UTF-8");
            return false;
        }
    }
    char *conv;
    size_t conv_len;
    struct text_error terr;
    if (!text_gb18030_to_utf8(raw, len, &conv, &conv_len, &terr)) {
        if (terr.offset == SIZE_MAX) {
            book_fail(err, "file_corrupt", NULL, 0, 0, "cannot convert from GB18030: %s",
                      strerror(errno));
            return false;
        }
        fail_encoding(err, "file_encoding", raw, len, terr.offset,
                      choice == 2 ? "not GB18030" : "neither UTF-8 nor GB18030");
        return false;
    }
    /* GB18030 has its own byte order mark (84 31 95 33), converted to U+FEFF. */
    size_t skip = text_bom_len(conv, conv_len);
    *owned = conv;
    *text = (const unsigned char *)conv + skip;
    *text_len = conv_len - skip;
    *used = "gb18030";
    return true;
}

struct book *book_read_csv(const char *name, const unsigned char *data, size_t len,
                           const char *encoding, const struct book_limits *lim,
                           struct book_error *err)
{
    int choice = encoding_choice(encoding);
    if (choice < 0) {
        book_fail(err, "file_encoding_unknown", NULL, 0, 0, "%.40s", encoding);
        return NULL;
    }
    const unsigned char *text;
    size_t text_len;
    char *owned;
    const char *used;
    if (!decode(data, len, choice, &text, &text_len, &owned, &used, err))
        return NULL;

    /* The sheet is the file, named without its directories. */
    const char *base = name;
    for (const char *p = name; *p; p++) {
        if (*p == '/' || *p == '\\')
            base = p + 1;
    }
    struct reader r = {.lim = lim, .err = err};
    r.b = book_new(BOOK_CSV, lim);
    if (!r.b || !book_add_sheet(r.b, base, strlen(base), err)) {
        if (!r.b)
            fail_oom(&r);
        book_free(r.b);
        free(owned);
        return NULL;
    }
    book_set_encoding(r.b, used);
    r.sheet = book_sheet(r.b, 0)->name;
    parse(&r, text, text_len);
    free(owned);
    free(r.buf);
    if (r.failed || !book_finish(r.b, err)) {
        book_free(r.b);
        return NULL;
    }
    return r.b;
}
