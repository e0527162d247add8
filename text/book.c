/*
 * book: the workbook model every file is read into (see book.h): the cells of
 * each sheet kept sorted by row and column with an index of the rows, so that a
 * lookup is two binary searches; strings in an arena that never moves them. The
 * XLSX reader is book_xlsx.c, the CSV reader book_csv.c; both fill the model
 * through the builder of book_int.h, which enforces the limits cell by cell.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "book_int.h"
#include "text.h"

/* A cell as stored: where it is and the order it came in (a later one wins). */
struct cellrec {
    unsigned row, col;
    size_t seq;
    struct book_cell c;
};

struct rowidx {
    unsigned row;
    size_t start, count; /* into the sheet's cells */
};

struct range {
    unsigned r1, c1, r2, c2;
};

struct sheetdata {
    struct book_sheet pub;
    struct cellrec *cells;
    size_t n, cap;
    bool sorted;
    unsigned last_row, last_col;
    size_t row_changes; /* rows begun while cells arrived: the rows when they come in order */
    struct range *merges;
    size_t nmerges, merges_cap;
    struct rowidx *rows;
    size_t nrows;
};

struct block {
    struct block *next;
    size_t used, cap;
    char data[];
};

struct book {
    enum book_format fmt;
    char encoding[16];
    struct book_limits lim;
    struct sheetdata *sheets;
    size_t nsheets, sheets_cap;
    struct block *arena;
    size_t ncells; /* stored in the whole book, merged ones included */
    size_t seq;
};

static const struct book_cell empty_cell = {.text = "", .kind = BOOK_EMPTY};

#define ARENA_BLOCK ((size_t)64 << 10)

/* --- builder -------------------------------------------------------------------- */

struct book *book_new(enum book_format fmt, const struct book_limits *lim)
{
    struct book *b = calloc(1, sizeof(*b));
    if (!b)
        return NULL;
    b->fmt = fmt;
    b->lim = *lim;
    return b;
}

void book_set_encoding(struct book *b, const char *enc)
{
    snprintf(b->encoding, sizeof(b->encoding), "%s", enc);
}

const struct book_limits *book_lim(const struct book *b)
{
    return &b->lim;
}

const char *book_intern(struct book *b, const char *s, size_t n)
{
    if (n == 0)
        return "";
    struct block *k = b->arena;
    if (!k || k->cap - k->used < n + 1) {
        size_t cap = n + 1 > ARENA_BLOCK / 4 ? n + 1 : ARENA_BLOCK;
        struct block *nk = malloc(sizeof(*nk) + cap);
        if (!nk)
            return NULL;
        nk->used = 0;
        nk->cap = cap;
        /* A string of its own goes behind the current block, which keeps its room. */
        if (k && cap != ARENA_BLOCK) {
            nk->next = k->next;
            k->next = nk;
        } else {
            nk->next = k;
            b->arena = nk;
        }
        k = nk;
    }
    char *p = k->data + k->used;
    memcpy(p, s, n);
    p[n] = '\0';
    k->used += n + 1;
    return p;
}

void book_fail(struct book_error *err, const char *code, const char *sheet, unsigned row,
               unsigned col, const char *fmt, ...)
{
    if (!err)
        return;
    memset(err, 0, sizeof(*err));
    snprintf(err->code, sizeof(err->code), "%s", code);
    if (sheet) {
        /* Cut at a character boundary: the name goes into a UTF-8 message. */
        size_t n = strlen(sheet), room = sizeof(err->sheet) - 1;
        if (n > room) {
            n = room;
            while (n > 0 && ((unsigned char)sheet[n] & 0xC0) == 0x80)
                n--;
        }
        memcpy(err->sheet, sheet, n);
        err->sheet[n] = '\0';
    }
    err->row = row;
    err->col = col;
    if (row && col) {
        char letters[8];
        snprintf(err->cell, sizeof(err->cell), "%s%u", book_col_name(col - 1, letters), row);
    }
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err->detail, sizeof(err->detail), fmt, ap);
    va_end(ap);
    /* The detail quotes the file and may be cut: each byte that is not UTF-8 becomes '?'. */
    size_t n = strlen(err->detail), at = 0;
    while ((at += text_utf8_invalid_at(err->detail + at, n - at)) < n)
        err->detail[at++] = '?';
}

void book_fmt_bytes(char *buf, size_t cap, size_t n)
{
    if (n >= ((size_t)1 << 20) && n % ((size_t)1 << 20) == 0)
        snprintf(buf, cap, "%zu MiB", n >> 20);
    else if (n >= 1024 && n % 1024 == 0)
        snprintf(buf, cap, "%zu KiB", n >> 10);
    else
        snprintf(buf, cap, "%zu", n);
}

void book_trim(const char *str, size_t *b, size_t *e)
{
    const unsigned char *s = (const unsigned char *)str;
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

static void fail_limit(struct book_error *err, const char *code, const char *sheet, unsigned row,
                       unsigned col, size_t limit, const char *what)
{
    book_fail(err, code, sheet, row, col, "more than %zu %s", limit, what);
    if (err)
        snprintf(err->limit, sizeof(err->limit), "%zu", limit);
}

static void fail_oom(struct book_error *err, const char *sheet)
{
    book_fail(err, "file_corrupt", sheet, 0, 0, "out of memory while reading the file");
}

bool book_add_sheet(struct book *b, const char *name, size_t name_len, struct book_error *err)
{
    if (b->nsheets >= b->lim.max_sheets) {
        fail_limit(err, "file_too_many_sheets", NULL, 0, 0, b->lim.max_sheets, "sheets");
        return false;
    }
    if (b->nsheets == b->sheets_cap) {
        size_t cap = b->sheets_cap ? b->sheets_cap * 2 : 4;
        struct sheetdata *s = realloc(b->sheets, cap * sizeof(*s));
        if (!s) {
            fail_oom(err, NULL);
            return false;
        }
        b->sheets = s;
        b->sheets_cap = cap;
    }
    struct sheetdata *s = &b->sheets[b->nsheets];
    memset(s, 0, sizeof(*s));
    s->sorted = true;
    s->pub.name = book_intern(b, name, name_len);
    if (!s->pub.name) {
        fail_oom(err, NULL);
        return false;
    }
    b->nsheets++;
    return true;
}

static struct sheetdata *current(struct book *b)
{
    return &b->sheets[b->nsheets - 1];
}

/* Appends without checks but the book's cell count (merged cells come through here). */
static bool append(struct book *b, struct sheetdata *s, unsigned row, unsigned col,
                   const struct book_cell *c, struct book_error *err)
{
    if (b->ncells >= b->lim.max_cells) {
        fail_limit(err, "file_too_many_cells", s->pub.name, row + 1, col + 1, b->lim.max_cells,
                   "cells");
        return false;
    }
    if (s->n == s->cap) {
        size_t cap = s->cap ? s->cap * 2 : 256;
        struct cellrec *nc = realloc(s->cells, cap * sizeof(*nc));
        if (!nc) {
            fail_oom(err, s->pub.name);
            return false;
        }
        s->cells = nc;
        s->cap = cap;
    }
    if (s->n > 0 && (row < s->last_row || (row == s->last_row && col <= s->last_col)))
        s->sorted = false;
    s->last_row = row;
    s->last_col = col;
    s->cells[s->n++] = (struct cellrec){.row = row, .col = col, .seq = b->seq++, .c = *c};
    b->ncells++;
    return true;
}

bool book_put(struct book *b, unsigned row, unsigned col, const struct book_cell *c,
              struct book_error *err)
{
    if (c->kind == BOOK_EMPTY)
        return true;
    struct sheetdata *s = current(b);
    if (col >= b->lim.max_cols) {
        fail_limit(err, "file_too_many_columns", s->pub.name, row + 1, col + 1, b->lim.max_cols,
                   "columns");
        return false;
    }
    size_t len = strlen(c->text);
    if (len > b->lim.max_cell_bytes) {
        book_fail(err, "file_cell_too_long", s->pub.name, row + 1, col + 1,
                  "a cell of %zu bytes; at most %zu are read", len, b->lim.max_cell_bytes);
        if (err)
            book_fmt_bytes(err->limit, sizeof(err->limit), b->lim.max_cell_bytes);
        return false;
    }
    if (s->n == 0 || row != s->last_row) {
        if (s->row_changes >= b->lim.max_rows) {
            fail_limit(err, "file_too_many_rows", s->pub.name, row + 1, 0, b->lim.max_rows,
                       "rows holding values");
            return false;
        }
        s->row_changes++;
    }
    return append(b, s, row, col, c, err);
}

bool book_merge(struct book *b, unsigned r1, unsigned c1, unsigned r2, unsigned c2,
                struct book_error *err)
{
    struct sheetdata *s = current(b);
    if (r1 > r2 || c1 > c2 || (r1 == r2 && c1 == c2))
        return true; /* nothing hidden by it */
    if (s->nmerges == s->merges_cap) {
        size_t cap = s->merges_cap ? s->merges_cap * 2 : 16;
        struct range *m = realloc(s->merges, cap * sizeof(*m));
        if (!m) {
            fail_oom(err, s->pub.name);
            return false;
        }
        s->merges = m;
        s->merges_cap = cap;
    }
    s->merges[s->nmerges++] = (struct range){r1, c1, r2, c2};
    return true;
}

static int cmp_cellrec(const void *pa, const void *pb)
{
    const struct cellrec *a = pa, *b = pb;
    if (a->row != b->row)
        return a->row < b->row ? -1 : 1;
    if (a->col != b->col)
        return a->col < b->col ? -1 : 1;
    return a->seq < b->seq ? -1 : a->seq > b->seq;
}

/* Sorted by (row, col, seq); of cells at one place the last stored is kept. */
static void sort_dedupe(struct book *b, struct sheetdata *s)
{
    bool sorted = true;
    for (size_t i = 1; i < s->n && sorted; i++)
        sorted = cmp_cellrec(&s->cells[i - 1], &s->cells[i]) < 0;
    if (!sorted)
        qsort(s->cells, s->n, sizeof(*s->cells), cmp_cellrec);
    size_t out = 0;
    for (size_t i = 0; i < s->n; i++) {
        if (i + 1 < s->n && s->cells[i + 1].row == s->cells[i].row &&
            s->cells[i + 1].col == s->cells[i].col) {
            b->ncells--;
            continue;
        }
        s->cells[out++] = s->cells[i];
    }
    s->n = out;
}

static bool finish_sheet(struct book *b, struct sheetdata *s, struct book_error *err)
{
    sort_dedupe(b, s);
    unsigned rows = 0, cols = 0;
    size_t distinct = 0;
    for (size_t i = 0; i < s->n; i++) {
        const struct cellrec *r = &s->cells[i];
        if (r->row + 1 > rows)
            rows = r->row + 1;
        if (r->col + 1 > cols)
            cols = r->col + 1;
        distinct += i == 0 || r->row != s->cells[i - 1].row;
    }
    if (distinct > b->lim.max_rows) {
        fail_limit(err, "file_too_many_rows", s->pub.name, 0, 0, b->lim.max_rows,
                   "rows holding values");
        return false;
    }
    s->pub.rows = rows;
    s->pub.cols = cols;

    /* Merged ranges: each hidden cell within the sheet's extent is stored, empty. */
    if (s->nmerges > 0) {
        size_t before = s->n;
        for (size_t m = 0; m < s->nmerges; m++) {
            const struct range *g = &s->merges[m];
            if (g->r1 >= rows || g->c1 >= cols)
                continue;
            unsigned r2 = g->r2 < rows ? g->r2 : rows - 1;
            unsigned c2 = g->c2 < cols ? g->c2 : cols - 1;
            for (unsigned r = g->r1; r <= r2; r++) {
                for (unsigned c = g->c1; c <= c2; c++) {
                    if (r == g->r1 && c == g->c1)
                        continue;
                    struct book_cell mc = {.text = "",
                                           .kind = BOOK_EMPTY,
                                           .merged = true,
                                           .anchor_row = g->r1,
                                           .anchor_col = g->c1};
                    if (!append(b, s, r, c, &mc, err))
                        return false;
                }
            }
        }
        if (s->n != before)
            sort_dedupe(b, s);
    }

    /* The row index. */
    size_t nrows = 0;
    for (size_t i = 0; i < s->n; i++)
        nrows += i == 0 || s->cells[i].row != s->cells[i - 1].row;
    s->rows = malloc((nrows ? nrows : 1) * sizeof(*s->rows));
    if (!s->rows) {
        fail_oom(err, s->pub.name);
        return false;
    }
    for (size_t i = 0; i < s->n; i++) {
        if (i == 0 || s->cells[i].row != s->cells[i - 1].row)
            s->rows[s->nrows++] = (struct rowidx){.row = s->cells[i].row, .start = i};
        s->rows[s->nrows - 1].count++;
    }
    return true;
}

bool book_finish(struct book *b, struct book_error *err)
{
    bool any = false;
    for (size_t i = 0; i < b->nsheets; i++) {
        any |= b->sheets[i].n > 0;
        if (!finish_sheet(b, &b->sheets[i], err))
            return false;
    }
    if (!any) {
        book_fail(err, "file_empty", NULL, 0, 0, "no cell holds a value");
        return false;
    }
    return true;
}

/* --- reading ------------------------------------------------------------------------ */

struct book_limits book_limits_default(void)
{
    return (struct book_limits){
        .max_bytes = (size_t)16 << 20,
        .max_unzipped = (size_t)128 << 20,
        .max_part = (size_t)64 << 20,
        .max_sheets = 32,
        .max_rows = 100000,
        .max_cols = 64,
        .max_cells = 2000000,
        .max_cell_bytes = (size_t)32 << 10,
    };
}

/* Whether an OLE2 compound file holds an encrypted OOXML package (what Excel writes for
   a workbook with a password to open): its directory names the stream
   "EncryptedPackage" (UTF-16LE). Looked for anywhere: cheap, and a false hit only
   changes which of two refusals is given. */
static bool ole2_encrypted(const unsigned char *data, size_t len)
{
    static const char name[] = "EncryptedPackage";
    unsigned char wide[2 * (sizeof(name) - 1)];
    for (size_t i = 0; i < sizeof(name) - 1; i++) {
        wide[2 * i] = (unsigned char)name[i];
        wide[2 * i + 1] = 0;
    }
    return memmem(data, len, wide, sizeof(wide)) != NULL;
}

struct book *book_read(const char *name, const void *data, size_t len, const char *encoding,
                       const struct book_limits *lim, struct book_error *err)
{
    struct book_limits dflt = book_limits_default();
    if (!lim)
        lim = &dflt;
    if (err)
        memset(err, 0, sizeof(*err));
    if (!name)
        name = "";
    if (!data)
        data = "", len = 0;
    const unsigned char *d = data;
    if (len > lim->max_bytes) {
        book_fail(err, "file_too_large", NULL, 0, 0, "%zu bytes; at most %zu are read", len,
                  lim->max_bytes);
        if (err)
            book_fmt_bytes(err->limit, sizeof(err->limit), lim->max_bytes);
        return NULL;
    }
    if (len >= 8 && memcmp(d, "\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1", 8) == 0) {
        if (ole2_encrypted(d, len))
            book_fail(err, "file_encrypted", NULL, 0, 0,
                      "an OLE2 file holding an EncryptedPackage (a workbook with a password)");
        else
            book_fail(err, "file_xls", NULL, 0, 0, "an OLE2 compound file (Excel 97-2003 .xls)");
        return NULL;
    }
    if (len >= 4 && (memcmp(d, "PK\x03\x04", 4) == 0 || memcmp(d, "PK\x05\x06", 4) == 0))
        return book_read_xlsx(name, d, len, lim, err);
    return book_read_csv(name, d, len, encoding, lim, err);
}

void book_free(struct book *b)
{
    if (!b)
        return;
    for (size_t i = 0; i < b->nsheets; i++) {
        free(b->sheets[i].cells);
        free(b->sheets[i].merges);
        free(b->sheets[i].rows);
    }
    free(b->sheets);
    for (struct block *k = b->arena, *next; k; k = next) {
        next = k->next;
        free(k);
    }
    free(b);
}

enum book_format book_format(const struct book *b)
{
    return b->fmt;
}

const char *book_encoding(const struct book *b)
{
    return b->encoding;
}

size_t book_sheets(const struct book *b)
{
    return b->nsheets;
}

const struct book_sheet *book_sheet(const struct book *b, size_t i)
{
    return i < b->nsheets ? &b->sheets[i].pub : NULL;
}

const struct book_cell *book_cell(const struct book *b, size_t sheet, unsigned row, unsigned col)
{
    if (sheet >= b->nsheets)
        return &empty_cell;
    const struct sheetdata *s = &b->sheets[sheet];
    size_t lo = 0, hi = s->nrows;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (s->rows[mid].row < row)
            lo = mid + 1;
        else
            hi = mid;
    }
    if (lo == s->nrows || s->rows[lo].row != row)
        return &empty_cell;
    const struct cellrec *c = s->cells + s->rows[lo].start;
    size_t n = s->rows[lo].count;
    lo = 0, hi = n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (c[mid].col < col)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo < n && c[lo].col == col ? &c[lo].c : &empty_cell;
}

const char *book_col_name(unsigned col, char buf[8])
{
    char rev[8];
    size_t n = 0;
    unsigned long c = (unsigned long)col + 1; /* bijective base 26: A..Z, AA.. */
    while (c > 0 && n < sizeof(rev) - 1) {
        c--;
        rev[n++] = (char)('A' + c % 26);
        c /= 26;
    }
    for (size_t i = 0; i < n; i++)
        buf[i] = rev[n - 1 - i];
    buf[n] = '\0';
    return buf;
}

int book_find_header(const struct book *b, size_t sheet, unsigned scan, unsigned min_hits,
                     bool (*known)(const char *text, void *arg), void *arg)
{
    if (sheet >= b->nsheets)
        return -1;
    const struct sheetdata *s = &b->sheets[sheet];
    if (min_hits == 0)
        min_hits = 1;
    for (size_t i = 0; i < s->nrows && s->rows[i].row < scan; i++) {
        const struct cellrec *c = s->cells + s->rows[i].start;
        unsigned hits = 0;
        for (size_t k = 0; k < s->rows[i].count; k++) {
            if (c[k].c.kind != BOOK_EMPTY && c[k].c.text[0] && known(c[k].c.text, arg))
                hits++;
        }
        if (hits >= min_hits)
            return (int)s->rows[i].row;
    }
    return -1;
}
