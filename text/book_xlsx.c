/*
 * book_xlsx: the XLSX path of book_read. libzip opens the package from memory
 * and each part is streamed, decompressed in chunks counted against the limits
 * (a zip bomb whose headers lie stops at the cap), into expat, which refuses any
 * DOCTYPE (so no entity is ever declared or expanded). The parts read: the
 * package's and workbook's relationships, workbook.xml (sheets, hidden ones
 * skipped; the 1904 date system), styles.xml (which cell formats show dates or
 * times), sharedStrings.xml, and each visible worksheet.
 */
#include <ctype.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Debian's expat is built with XML_DTD (expat_config.h); expat.h declares the
   billion-laughs protection only under it. */
#ifndef XML_DTD
#define XML_DTD 1
#endif
#include <expat.h>
#include <zip.h>

#include "book_int.h"

#define XML_MAX_DEPTH 128
#define CHUNK         ((size_t)64 << 10)

enum fmt_class {
    FMT_NONE = 0,
    FMT_DATE = 1,
    FMT_TIME = 2,
    FMT_DATETIME = 3,
};

/* A growing byte buffer for an element's text. */
struct sbuf {
    char *s;
    size_t n, cap;
};

struct wsheet {
    char *name, *rid;
    bool hidden;
};

struct rel {
    char *id, *type, *target;
};

struct numfmt {
    unsigned id;
    unsigned char cls;
};

/* A cell being read. */
struct cur {
    unsigned row, col;
    char t; /* 's' shared, 'S' str, 'i' inlineStr, 'b', 'e', 'n', 'd' */
    unsigned style;
    bool formula, in_is, have_v;
};

struct xlsx {
    const char *name;
    const struct book_limits *lim;
    struct book_error *err;
    zip_t *z;
    size_t unzipped;
    bool failed;
    struct book *b;
    const char *sheet; /* being read, for errors */

    /* workbook.xml and relationships */
    char *workbook_path;
    bool date1904;
    struct wsheet *ws;
    size_t nws, ws_cap;
    struct rel *rels;
    size_t nrels, rels_cap;

    /* styles.xml */
    unsigned *xf_fmt; /* cellXfs: each format's numFmtId */
    unsigned char *xf_class;
    size_t nxf, xf_cap;
    bool in_cellxfs, in_numfmts; /* not the <xf> and <numFmt> of styles and dxfs */
    struct numfmt *fmts;
    size_t nfmts, fmts_cap;

    /* sharedStrings.xml */
    const char **sst;
    size_t nsst, sst_cap;
    bool in_si;

    /* the parser */
    XML_Parser p;
    unsigned depth;
    bool capture;
    unsigned rph; /* inside <rPh> (phonetic guide): its text is not the cell's */
    struct sbuf text;

    /* a worksheet */
    bool in_sheetdata;
    long long row; /* current row, -1 before the first */
    unsigned next_col;
    bool in_c;
    struct cur c;
};

/* --- errors ------------------------------------------------------------------------ */

__attribute__((format(printf, 5, 6))) static void
fail(struct xlsx *x, const char *code, unsigned row, unsigned col, const char *fmt, ...)
{
    if (x->failed)
        return;
    x->failed = true;
    if (x->p)
        XML_StopParser(x->p, XML_FALSE);
    if (!x->err)
        return;
    char detail[sizeof(x->err->detail)];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(detail, sizeof(detail), fmt, ap);
    va_end(ap);
    book_fail(x->err, code, x->sheet, row, col, "%s", detail);
}

static void fail_oom(struct xlsx *x)
{
    fail(x, "file_corrupt", 0, 0, "out of memory while reading the file");
}

/* A failure already in x->err (from the builder). */
static void failed_in_book(struct xlsx *x)
{
    x->failed = true;
    if (x->p)
        XML_StopParser(x->p, XML_FALSE);
}

/* --- small helpers ------------------------------------------------------------------- */

static bool grow(void **arr, size_t *cap, size_t n, size_t size)
{
    if (n < *cap)
        return true;
    size_t ncap = *cap ? *cap * 2 : 16;
    if (ncap > SIZE_MAX / size)
        return false;
    void *p = realloc(*arr, ncap * size);
    if (!p)
        return false;
    *arr = p;
    *cap = ncap;
    return true;
}

static bool sbuf_add(struct sbuf *b, const char *s, size_t n)
{
    if (b->cap - b->n < n + 1) {
        size_t cap = b->cap ? b->cap : 256;
        while (cap - b->n < n + 1)
            cap *= 2;
        char *p = realloc(b->s, cap);
        if (!p)
            return false;
        b->s = p;
        b->cap = cap;
    }
    memcpy(b->s + b->n, s, n);
    b->n += n;
    b->s[b->n] = '\0';
    return true;
}

/* The element or attribute name without its namespace prefix ("x:c" → "c"). */
static const char *local(const char *name)
{
    const char *c = strrchr(name, ':');
    return c ? c + 1 : name;
}

static const char *attr(const char **atts, const char *name)
{
    for (size_t i = 0; atts[i]; i += 2) {
        if (strcmp(local(atts[i]), name) == 0)
            return atts[i + 1];
    }
    return NULL;
}

/* A whole unsigned decimal number within [0, max]. */
static bool parse_uint(const char *s, unsigned long max, unsigned long *out)
{
    if (!s || !*s)
        return false;
    unsigned long v = 0;
    for (; *s; s++) {
        if (*s < '0' || *s > '9')
            return false;
        v = v * 10 + (unsigned long)(*s - '0');
        if (v > max)
            return false;
    }
    *out = v;
    return true;
}

/*
 * A cell reference "B3" (also "$B$3"): 0-based column and row. *has_row is false
 * for a column alone ("B"). Stops at `end` (NULL: the end of the string). False when
 * it is not one or falls outside Excel's grid.
 */
static bool parse_ref(const char *s, const char *end, unsigned *col, unsigned *row, bool *has_row)
{
    if (!end)
        end = s + strlen(s);
    if (s < end && *s == '$')
        s++;
    unsigned long c = 0;
    size_t letters = 0;
    for (; s < end && isalpha((unsigned char)*s); s++, letters++) {
        if (letters == 3)
            return false;
        c = c * 26 + (unsigned long)(toupper((unsigned char)*s) - 'A' + 1);
    }
    if (letters == 0 || c > BOOK_GRID_COLS)
        return false;
    if (s < end && *s == '$')
        s++;
    *col = (unsigned)(c - 1);
    *has_row = s < end;
    if (!*has_row)
        return true;
    unsigned long r = 0;
    for (; s < end; s++) {
        if (*s < '0' || *s > '9')
            return false;
        r = r * 10 + (unsigned long)(*s - '0');
        if (r > BOOK_GRID_ROWS)
            return false;
    }
    if (r == 0)
        return false;
    *row = (unsigned)(r - 1);
    return true;
}

/* Excel writes characters XML cannot hold (and "_x" itself) as _xHHHH_: decoded in
   place. U+0000 and surrogates are dropped. Returns the new length. */
static size_t unescape_x(char *s, size_t n)
{
    size_t out = 0;
    for (size_t i = 0; i < n;) {
        if (i + 7 <= n && s[i] == '_' && (s[i + 1] == 'x' || s[i + 1] == 'X') && s[i + 6] == '_' &&
            isxdigit((unsigned char)s[i + 2]) && isxdigit((unsigned char)s[i + 3]) &&
            isxdigit((unsigned char)s[i + 4]) && isxdigit((unsigned char)s[i + 5])) {
            char hex[5] = {s[i + 2], s[i + 3], s[i + 4], s[i + 5], '\0'};
            unsigned cp = (unsigned)strtoul(hex, NULL, 16);
            i += 7;
            if (cp == 0 || (cp >= 0xD800 && cp <= 0xDFFF))
                continue;
            if (cp < 0x80) {
                s[out++] = (char)cp;
            } else if (cp < 0x800) {
                s[out++] = (char)(0xC0 | (cp >> 6));
                s[out++] = (char)(0x80 | (cp & 0x3F));
            } else {
                s[out++] = (char)(0xE0 | (cp >> 12));
                s[out++] = (char)(0x80 | ((cp >> 6) & 0x3F));
                s[out++] = (char)(0x80 | (cp & 0x3F));
            }
            continue;
        }
        s[out++] = s[i++];
    }
    return out;
}

/* The captured text, unescaped and trimmed, into the book; "" when nothing is left. */
static const char *take_text(struct xlsx *x)
{
    if (x->text.n == 0)
        return "";
    size_t n = unescape_x(x->text.s, x->text.n), out = 0;
    for (size_t i = 0; i < n; i++) { /* _x000D_ before a line break: CRLF, made LF as in CSV */
        if (!(x->text.s[i] == '\r' && i + 1 < n && x->text.s[i + 1] == '\n'))
            x->text.s[out++] = x->text.s[i];
    }
    n = out;
    size_t b = 0, e = n;
    book_trim(x->text.s, &b, &e);
    const char *s = book_intern(x->b, x->text.s + b, e - b);
    if (!s)
        fail_oom(x);
    return s;
}

/* --- number formats ------------------------------------------------------------------- */

/*
 * Whether a number format shows a date, a time, or both, from its letters outside
 * quotes, brackets and escapes: y d 年 月 日 are dates, h s 时 分 秒 and AM/PM times, m a
 * month unless it follows h or precedes s (then minutes). [h] [mm] [ss] are elapsed time.
 */
static unsigned char classify_format(const char *f)
{
    char tok[64];
    size_t nt = 0;
    unsigned char cls = FMT_NONE;
    const unsigned char *s = (const unsigned char *)f;
    while (*s) {
        unsigned char ch = *s;
        if (ch == '"') {
            s++;
            while (*s && *s != '"')
                s++;
            if (*s)
                s++;
            continue;
        }
        if (ch == '\\' || ch == '_' || ch == '*') {
            s++;
            if (*s)
                s++;
            while ((*s & 0xC0) == 0x80)
                s++;
            continue;
        }
        if (ch == '[') {
            const unsigned char *e = s + 1;
            while (*e && *e != ']')
                e++;
            bool elapsed = e > s + 1;
            for (const unsigned char *k = s + 1; k < e; k++)
                elapsed &= tolower(*k) == tolower(s[1]) && strchr("hms", tolower(*k)) != NULL;
            if (elapsed)
                cls |= FMT_TIME;
            s = *e ? e + 1 : e;
            continue;
        }
        if (strncasecmp((const char *)s, "AM/PM", 5) == 0) {
            cls |= FMT_TIME;
            s += 5;
            continue;
        }
        if (strncasecmp((const char *)s, "A/P", 3) == 0) {
            cls |= FMT_TIME;
            s += 3;
            continue;
        }
        if (ch >= 0x80) {
            static const struct {
                const char *utf8;
                unsigned char cls;
            } cjk[] = {{"年", FMT_DATE}, {"月", FMT_DATE}, {"日", FMT_DATE}, {"时", FMT_TIME},
                       {"時", FMT_TIME}, {"分", FMT_TIME}, {"秒", FMT_TIME}};
            for (size_t i = 0; i < sizeof(cjk) / sizeof(cjk[0]); i++) {
                if (strncmp((const char *)s, cjk[i].utf8, strlen(cjk[i].utf8)) == 0)
                    cls |= cjk[i].cls;
            }
            s++;
            while ((*s & 0xC0) == 0x80)
                s++;
            continue;
        }
        char l = (char)tolower(ch);
        if (strchr("ydhms", l)) {
            if (nt == 0 || tok[nt - 1] != l) {
                if (nt < sizeof(tok))
                    tok[nt++] = l;
            }
        }
        s++;
    }
    for (size_t i = 0; i < nt; i++) {
        switch (tok[i]) {
        case 'y':
        case 'd':
            cls |= FMT_DATE;
            break;
        case 'h':
        case 's':
            cls |= FMT_TIME;
            break;
        case 'm': {
            bool minutes = (i > 0 && tok[i - 1] == 'h') || (i + 1 < nt && tok[i + 1] == 's');
            cls |= minutes ? FMT_TIME : FMT_DATE;
            break;
        }
        }
    }
    return cls;
}

/* The built-in formats (no numFmt element): Excel's, and those of Chinese Excel/WPS. */
static unsigned char builtin_class(unsigned id)
{
    if ((id >= 14 && id <= 17) || (id >= 27 && id <= 31) || id == 36 || (id >= 50 && id <= 54) ||
        id == 57 || id == 58)
        return FMT_DATE;
    if ((id >= 18 && id <= 21) || (id >= 32 && id <= 35) || (id >= 45 && id <= 47) || id == 55 ||
        id == 56)
        return FMT_TIME;
    if (id == 22)
        return FMT_DATETIME;
    return FMT_NONE;
}

static int cmp_numfmt(const void *a, const void *b)
{
    unsigned x = ((const struct numfmt *)a)->id, y = ((const struct numfmt *)b)->id;
    return x < y ? -1 : x > y;
}

static bool styles_resolve(struct xlsx *x)
{
    if (x->nfmts) /* qsort's array may not be NULL, even empty */
        qsort(x->fmts, x->nfmts, sizeof(*x->fmts), cmp_numfmt);
    x->xf_class = malloc(x->nxf ? x->nxf : 1);
    if (!x->xf_class)
        return false;
    for (size_t i = 0; i < x->nxf; i++) {
        struct numfmt key = {.id = x->xf_fmt[i]};
        const struct numfmt *f =
            x->nfmts ? bsearch(&key, x->fmts, x->nfmts, sizeof(key), cmp_numfmt) : NULL;
        x->xf_class[i] = f ? f->cls : builtin_class(x->xf_fmt[i]);
    }
    return true;
}

/* --- numbers, dates and times ---------------------------------------------------------- */

/* Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's algorithm). */
static long long days_from_civil(long long y, unsigned m, unsigned d)
{
    y -= m <= 2;
    long long era = (y >= 0 ? y : y - 399) / 400;
    unsigned yoe = (unsigned)(y - era * 400);
    unsigned doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
    unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + (long long)doe - 719468;
}

static void civil_from_days(long long z, int *y, unsigned *m, unsigned *d)
{
    z += 719468;
    long long era = (z >= 0 ? z : z - 146096) / 146097;
    unsigned doe = (unsigned)(z - era * 146097);
    unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    long long yy = (long long)yoe + era * 400;
    unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    unsigned mp = (5 * doy + 2) / 153;
    *d = doy - (153 * mp + 2) / 5 + 1;
    *m = mp < 10 ? mp + 3 : mp - 9;
    *y = (int)(yy + (*m <= 2));
}

/* "YYYY-MM-DD" of an Excel day number; false outside 1900..9999 (Excel shows ####). */
static bool serial_date(long long days, bool date1904, char out[16])
{
    long long z;
    if (date1904) {
        if (days < 0 || days > 2957003)
            return false;
        z = days_from_civil(1904, 1, 1) + days;
    } else {
        if (days < 1 || days > 2958465)
            return false;
        if (days == 60) { /* Lotus 1-2-3's 1900-02-29, which Excel keeps */
            memcpy(out, "1900-02-29", 11);
            return true;
        }
        z = days_from_civil(1899, 12, days < 60 ? 31 : 30) + days;
    }
    int y;
    unsigned m, d;
    civil_from_days(z, &y, &m, &d);
    /* 1900..9999, months 1..12, days 1..31 by the bounds above (said to the compiler too) */
    snprintf(out, 16, "%04d-%02u-%02u", y, m % 13u, d % 32u);
    return true;
}

/* The Excel serial number of a date (and a fraction of a day). */
static double civil_serial(int y, unsigned m, unsigned d, bool date1904)
{
    long long z = days_from_civil(y, m, d);
    if (date1904)
        return (double)(z - days_from_civil(1904, 1, 1));
    long long s = z - days_from_civil(1899, 12, 30);
    return (double)(s < 61 ? s - 1 : s);
}

/*
 * A number as Excel shows it in a General cell, without its exponent for everyday
 * magnitudes: the shortest text that reads back as v ("1.5", "72", "4301020001"),
 * but never more than Excel's 15 significant digits (a computed 0.1+0.2, stored as
 * 0.30000000000000004, is "0.3"; an 18-digit ID typed as a number is what Excel
 * shows, 110101199003071000).
 */
static void fmt_number(double v, char out[40])
{
    if (v == 0) {
        memcpy(out, "0", 2);
        return;
    }
    char e[40];
    int p;
    for (p = 1; p < 15; p++) {
        snprintf(e, sizeof(e), "%.*e", p - 1, v);
        if (strtod(e, NULL) == v)
            break;
    }
    snprintf(e, sizeof(e), "%.*e", p - 1, v); /* "-1.5e+01": sign, digits, exponent */
    const char *m = e[0] == '-' ? e + 1 : e;
    const char *x = strchr(m, 'e');
    int exp = atoi(x + 1);
    char digits[20];
    size_t nd = 0;
    for (const char *k = m; k < x && nd < sizeof(digits) - 1; k++) {
        if (*k >= '0' && *k <= '9')
            digits[nd++] = *k;
    }
    while (nd > 1 && digits[nd - 1] == '0')
        nd--;
    if (exp < -7 || exp >= 21) {
        snprintf(out, 40, "%.*g", p, v);
        return;
    }
    size_t n = 0;
    if (v < 0)
        out[n++] = '-';
    if (exp < 0) {
        out[n++] = '0';
        out[n++] = '.';
        for (int z = -1; z > exp; z--)
            out[n++] = '0';
        for (size_t k = 0; k < nd; k++)
            out[n++] = digits[k];
    } else {
        for (size_t k = 0; k < nd || (int)k <= exp; k++) {
            if ((int)k == exp + 1)
                out[n++] = '.';
            out[n++] = k < nd ? digits[k] : '0';
        }
    }
    out[n] = '\0';
}

/* The cell's text and kind of a number shown in format class `cls`. */
static void number_cell(struct xlsx *x, double v, unsigned char cls, struct book_cell *c,
                        char buf[40])
{
    c->number = v;
    c->kind = BOOK_NUMBER;
    fmt_number(v, buf);
    /* Excel shows #### for a date or time that is negative or past 9999-12-31. */
    if (cls == FMT_NONE || !(v >= 0) || v >= 2958466.0)
        return;
    if (cls == FMT_TIME) {
        long long mins = llround(v * 1440.0) % 1440;
        snprintf(buf, 40, "%02lld:%02lld", mins / 60, mins % 60);
        c->kind = BOOK_TIME;
        return;
    }
    if (cls == FMT_DATE) {
        long long days = (long long)floor(v + 0.5 / 86400.0);
        if (serial_date(days, x->date1904, buf))
            c->kind = BOOK_DATE;
        else
            fmt_number(v, buf);
        return;
    }
    /* FMT_DATETIME: rounded to the minute, which may carry into the next day. */
    long long total = llround(v * 1440.0);
    char date[16];
    if (serial_date(total / 1440, x->date1904, date)) {
        snprintf(buf, 40, "%s %02lld:%02lld", date, total % 1440 / 60, total % 60);
        c->kind = BOOK_DATETIME;
    } else if (v < 1) {
        snprintf(buf, 40, "%02lld:%02lld", total % 1440 / 60, total % 60);
        c->kind = BOOK_TIME;
    }
}

/* t="d": an ISO 8601 date and time ("2026-10-08", "2026-10-08T08:30:00Z"). */
static bool iso_cell(struct xlsx *x, const char *s, unsigned char cls, struct book_cell *c,
                     char buf[40])
{
    int y;
    unsigned mo, d, h = 0, mi = 0;
    double sec = 0;
    int n = 0;
    if (sscanf(s, "%4d-%2u-%2u%n", &y, &mo, &d, &n) != 3 || n != 10)
        return false;
    if (s[10] == 'T' && sscanf(s + 11, "%2u:%2u:%lf", &h, &mi, &sec) < 2)
        return false;
    if (y < 1900 || y > 9999 || mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 ||
        !(sec >= 0 && sec < 61))
        return false;
    double v = civil_serial(y, mo, d, x->date1904) + (h * 3600 + mi * 60 + sec) / 86400.0;
    if (cls == FMT_NONE)
        cls = (h || mi || sec > 0) ? FMT_DATETIME : FMT_DATE;
    number_cell(x, v, cls, c, buf);
    return c->kind != BOOK_NUMBER;
}

/* --- parts ------------------------------------------------------------------------------ */

static void XMLCALL on_doctype(void *ud, const XML_Char *name, const XML_Char *sysid,
                               const XML_Char *pubid, int has_internal_subset)
{
    struct xlsx *x = ud;
    fail(x, "file_unsafe_xml", 0, 0, "a DOCTYPE declaration (entities are not read)");
}

static void XMLCALL on_entity(void *ud, const XML_Char *name, int is_param, const XML_Char *value,
                              int value_length, const XML_Char *base, const XML_Char *sysid,
                              const XML_Char *pubid, const XML_Char *notation)
{
    struct xlsx *x = ud;
    fail(x, "file_unsafe_xml", 0, 0, "an entity declaration");
}

static void XMLCALL on_chars(void *ud, const XML_Char *s, int len)
{
    struct xlsx *x = ud;
    if (x->capture && !x->failed && !sbuf_add(&x->text, s, (size_t)len))
        fail_oom(x);
}

/* Depth is counted for every part: deeper than any workbook goes is refused. */
static bool enter(struct xlsx *x)
{
    if (++x->depth > XML_MAX_DEPTH) {
        fail(x, "file_corrupt", 0, 0, "XML nested more than %d deep", XML_MAX_DEPTH);
        return false;
    }
    return !x->failed;
}

/*
 * Streams the part at `path` through expat with these handlers. Returns 1 when read,
 * 0 when the package has no such part, -1 on failure (x->failed, x->err filled).
 */
static int read_part(struct xlsx *x, const char *path, XML_StartElementHandler start,
                     XML_EndElementHandler end)
{
    zip_int64_t idx = zip_name_locate(x->z, path, ZIP_FL_NOCASE);
    if (idx < 0)
        return 0;
    /* What this part may unzip to: the limit of a part, or what is left of the total. */
    size_t left = x->lim->max_unzipped - x->unzipped;
    bool total = left < x->lim->max_part;
    size_t cap = total ? left : x->lim->max_part;
    size_t limit = total ? x->lim->max_unzipped : x->lim->max_part;
    zip_stat_t st;
    zip_stat_init(&st);
    if (zip_stat_index(x->z, (zip_uint64_t)idx, 0, &st) == 0 && (st.valid & ZIP_STAT_SIZE) &&
        st.size > cap) {
        fail(x, "file_zip_bomb", 0, 0, "%s declares %llu bytes unzipped; at most %zu are read",
             path, (unsigned long long)st.size, cap);
        if (x->err)
            book_fmt_bytes(x->err->limit, sizeof(x->err->limit), limit);
        return -1;
    }
    zip_file_t *zf = zip_fopen_index(x->z, (zip_uint64_t)idx, 0);
    if (!zf) {
        fail(x, "file_corrupt", 0, 0, "%s: %s", path, zip_strerror(x->z));
        return -1;
    }
    x->p = XML_ParserCreate(NULL); /* the part says its encoding (UTF-8, or UTF-16 by its BOM) */
    char *buf = malloc(CHUNK);
    if (!x->p || !buf) {
        fail_oom(x);
        free(buf);
        zip_fclose(zf);
        if (x->p)
            XML_ParserFree(x->p);
        x->p = NULL;
        return -1;
    }
    XML_SetUserData(x->p, x);
    XML_SetElementHandler(x->p, start, end);
    XML_SetCharacterDataHandler(x->p, on_chars);
    XML_SetStartDoctypeDeclHandler(x->p, on_doctype);
    XML_SetEntityDeclHandler(x->p, on_entity);
    XML_SetParamEntityParsing(x->p, XML_PARAM_ENTITY_PARSING_NEVER);
    (void)XML_SetBillionLaughsAttackProtectionMaximumAmplification(x->p, 10.0f);
    (void)XML_SetBillionLaughsAttackProtectionActivationThreshold(x->p, 1u << 20);
    x->depth = 0;
    x->capture = false;
    x->rph = 0;
    x->text.n = 0;

    size_t got = 0;
    while (!x->failed) {
        zip_int64_t n = zip_fread(zf, buf, CHUNK);
        if (n < 0) {
            fail(x, "file_corrupt", 0, 0, "%s: %s", path, zip_file_strerror(zf));
            break;
        }
        if ((size_t)n > cap - got) {
            fail(x, "file_zip_bomb", 0, 0, "%s unzips to more than %zu bytes", path, cap);
            if (x->err)
                book_fmt_bytes(x->err->limit, sizeof(x->err->limit), limit);
            break;
        }
        got += (size_t)n;
        x->unzipped += (size_t)n;
        if (XML_Parse(x->p, buf, (int)n, n == 0) != XML_STATUS_OK) {
            if (!x->failed)
                fail(x, "file_corrupt", 0, 0, "%s line %lu: %s", path,
                     (unsigned long)XML_GetCurrentLineNumber(x->p),
                     XML_ErrorString(XML_GetErrorCode(x->p)));
            break;
        }
        if (n == 0)
            break;
    }
    free(buf);
    zip_fclose(zf);
    XML_ParserFree(x->p);
    x->p = NULL;
    return x->failed ? -1 : 1;
}

/* A part's path from a relationship's target, relative to the folder of `source`
   ("xl/workbook.xml" + "worksheets/sheet1.xml"); "/xl/..." is from the root. */
static char *resolve(const char *source, const char *target)
{
    size_t cap = strlen(source) + strlen(target) + 2;
    char *out = malloc(cap);
    if (!out)
        return NULL;
    size_t n = 0;
    if (target[0] == '/') {
        target++;
    } else {
        const char *slash = strrchr(source, '/');
        if (slash) {
            n = (size_t)(slash - source) + 1;
            memcpy(out, source, n);
        }
    }
    /* Segment by segment: "." dropped, ".." removes the last folder. */
    while (*target) {
        const char *e = strchr(target, '/');
        size_t len = e ? (size_t)(e - target) : strlen(target);
        if (len == 2 && target[0] == '.' && target[1] == '.') {
            if (n > 0)
                n--;
            while (n > 0 && out[n - 1] != '/')
                n--;
        } else if (!(len == 1 && target[0] == '.') && len > 0) {
            memcpy(out + n, target, len);
            n += len;
            if (e)
                out[n++] = '/';
        }
        target += len + (e != NULL);
    }
    out[n] = '\0';
    return out;
}

/* --- relationships ------------------------------------------------------------------- */

static void XMLCALL rels_start(void *ud, const XML_Char *name, const XML_Char **atts)
{
    struct xlsx *x = ud;
    if (!enter(x) || strcmp(local(name), "Relationship") != 0)
        return;
    const char *id = attr(atts, "Id"), *type = attr(atts, "Type"), *target = attr(atts, "Target");
    const char *mode = attr(atts, "TargetMode");
    if (!id || !type || !target || (mode && strcmp(mode, "External") == 0))
        return;
    if (!grow((void **)&x->rels, &x->rels_cap, x->nrels, sizeof(*x->rels))) {
        fail_oom(x);
        return;
    }
    struct rel *r = &x->rels[x->nrels];
    r->id = strdup(id);
    r->type = strdup(type);
    r->target = strdup(target);
    if (!r->id || !r->type || !r->target) {
        free(r->id), free(r->type), free(r->target);
        fail_oom(x);
        return;
    }
    x->nrels++;
}

static void XMLCALL any_end(void *ud, const XML_Char *name)
{
    struct xlsx *x = ud;
    x->depth--;
}

static void rels_clear(struct xlsx *x)
{
    for (size_t i = 0; i < x->nrels; i++)
        free(x->rels[i].id), free(x->rels[i].type), free(x->rels[i].target);
    x->nrels = 0;
}

/* The target of the first relationship whose type ends with "/<kind>". */
static const struct rel *rel_of_type(const struct xlsx *x, const char *kind)
{
    size_t k = strlen(kind);
    for (size_t i = 0; i < x->nrels; i++) {
        size_t t = strlen(x->rels[i].type);
        if (t > k && x->rels[i].type[t - k - 1] == '/' &&
            strcmp(x->rels[i].type + t - k, kind) == 0)
            return &x->rels[i];
    }
    return NULL;
}

static int cmp_rel(const void *a, const void *b)
{
    return strcmp(((const struct rel *)a)->id, ((const struct rel *)b)->id);
}

/* After the workbook's relationships are read: sorted by id for rel_by_id. */
static void rels_index(struct xlsx *x)
{
    if (x->nrels)
        qsort(x->rels, x->nrels, sizeof(*x->rels), cmp_rel);
}

static const struct rel *rel_by_id(const struct xlsx *x, const char *id)
{
    struct rel key = {.id = (char *)id};
    return x->nrels ? bsearch(&key, x->rels, x->nrels, sizeof(key), cmp_rel) : NULL;
}

/* --- workbook.xml ------------------------------------------------------------------- */

static void XMLCALL workbook_start(void *ud, const XML_Char *name, const XML_Char **atts)
{
    struct xlsx *x = ud;
    if (!enter(x))
        return;
    const char *l = local(name);
    if (strcmp(l, "workbookPr") == 0) {
        const char *v = attr(atts, "date1904");
        x->date1904 = v && (strcmp(v, "1") == 0 || strcmp(v, "true") == 0);
    } else if (strcmp(l, "sheet") == 0) {
        const char *sname = attr(atts, "name"), *rid = attr(atts, "id");
        const char *state = attr(atts, "state");
        if (!sname || !rid)
            return;
        if (!grow((void **)&x->ws, &x->ws_cap, x->nws, sizeof(*x->ws))) {
            fail_oom(x);
            return;
        }
        struct wsheet *w = &x->ws[x->nws];
        w->name = strdup(sname);
        w->rid = strdup(rid);
        w->hidden = state && strcmp(state, "visible") != 0;
        if (!w->name || !w->rid) {
            free(w->name), free(w->rid);
            fail_oom(x);
            return;
        }
        x->nws++;
    }
}

/* --- styles.xml ---------------------------------------------------------------------- */

static void XMLCALL styles_start(void *ud, const XML_Char *name, const XML_Char **atts)
{
    struct xlsx *x = ud;
    if (!enter(x))
        return;
    const char *l = local(name);
    unsigned long id = 0;
    if (strcmp(l, "numFmts") == 0) {
        x->in_numfmts = true;
    } else if (x->in_numfmts && strcmp(l, "numFmt") == 0) {
        const char *code = attr(atts, "formatCode");
        if (!parse_uint(attr(atts, "numFmtId"), UINT32_MAX, &id) || !code)
            return;
        if (!grow((void **)&x->fmts, &x->fmts_cap, x->nfmts, sizeof(*x->fmts))) {
            fail_oom(x);
            return;
        }
        x->fmts[x->nfmts++] = (struct numfmt){(unsigned)id, classify_format(code)};
    } else if (strcmp(l, "cellXfs") == 0) {
        x->in_cellxfs = true;
    } else if (x->in_cellxfs && strcmp(l, "xf") == 0) {
        if (!parse_uint(attr(atts, "numFmtId"), UINT32_MAX, &id))
            id = 0;
        if (!grow((void **)&x->xf_fmt, &x->xf_cap, x->nxf, sizeof(*x->xf_fmt))) {
            fail_oom(x);
            return;
        }
        x->xf_fmt[x->nxf++] = (unsigned)id;
    }
}

static void XMLCALL styles_end(void *ud, const XML_Char *name)
{
    struct xlsx *x = ud;
    x->depth--;
    if (strcmp(local(name), "cellXfs") == 0)
        x->in_cellxfs = false;
    else if (strcmp(local(name), "numFmts") == 0)
        x->in_numfmts = false;
}

/* --- sharedStrings.xml ---------------------------------------------------------------- */

static void XMLCALL sst_start(void *ud, const XML_Char *name, const XML_Char **atts)
{
    struct xlsx *x = ud;
    if (!enter(x))
        return;
    const char *l = local(name);
    if (strcmp(l, "si") == 0) {
        x->in_si = true;
        x->text.n = 0;
    } else if (strcmp(l, "rPh") == 0) {
        x->rph++;
    } else if (x->in_si && x->rph == 0 && strcmp(l, "t") == 0) {
        x->capture = true;
    }
}

static void XMLCALL sst_end(void *ud, const XML_Char *name)
{
    struct xlsx *x = ud;
    x->depth--;
    if (x->failed)
        return;
    const char *l = local(name);
    if (strcmp(l, "t") == 0) {
        x->capture = false;
    } else if (strcmp(l, "rPh") == 0) {
        if (x->rph)
            x->rph--;
    } else if (strcmp(l, "si") == 0 && x->in_si) {
        x->in_si = false;
        if (!grow((void **)&x->sst, &x->sst_cap, x->nsst, sizeof(*x->sst))) {
            fail_oom(x);
            return;
        }
        const char *s = take_text(x);
        if (s)
            x->sst[x->nsst++] = s;
        x->text.n = 0;
    }
}

/* --- worksheets ------------------------------------------------------------------------ */

static void XMLCALL sheet_start(void *ud, const XML_Char *name, const XML_Char **atts)
{
    struct xlsx *x = ud;
    if (!enter(x))
        return;
    const char *l = local(name);
    if (x->in_c) {
        if (strcmp(l, "v") == 0) {
            x->text.n = 0;
            x->capture = true;
            x->c.have_v = true;
        } else if (strcmp(l, "f") == 0) {
            x->c.formula = true;
        } else if (strcmp(l, "is") == 0) {
            x->c.in_is = true;
            x->text.n = 0;
        } else if (strcmp(l, "rPh") == 0) {
            x->rph++;
        } else if (x->c.in_is && x->rph == 0 && strcmp(l, "t") == 0) {
            x->capture = true;
        }
        return;
    }
    if (strcmp(l, "sheetData") == 0) {
        x->in_sheetdata = true;
        x->row = -1;
    } else if (x->in_sheetdata && strcmp(l, "row") == 0) {
        const char *r = attr(atts, "r");
        unsigned long n;
        if (r) {
            if (!parse_uint(r, BOOK_GRID_ROWS, &n) || n == 0) {
                fail(x, "file_corrupt", 0, 0, "row number \"%.20s\" is not one", r);
                return;
            }
            x->row = (long long)n - 1;
        } else {
            x->row++; /* rows without r= follow each other */
        }
        if (x->row >= BOOK_GRID_ROWS) {
            fail(x, "file_corrupt", 0, 0, "more than %u rows", BOOK_GRID_ROWS);
            return;
        }
        x->next_col = 0;
    } else if (x->in_sheetdata && strcmp(l, "c") == 0) {
        const char *r = attr(atts, "r");
        unsigned col = x->next_col, row = x->row < 0 ? 0 : (unsigned)x->row;
        bool has_row = false;
        unsigned rr = 0;
        if (r) {
            if (!parse_ref(r, NULL, &col, &rr, &has_row)) {
                fail(x, "file_corrupt", row + 1, 0, "cell reference \"%.20s\" is not one", r);
                return;
            }
            if (has_row)
                row = rr;
        }
        if (col >= BOOK_GRID_COLS) {
            fail(x, "file_corrupt", row + 1, 0, "more than %u columns", BOOK_GRID_COLS);
            return;
        }
        x->next_col = col + 1;
        const char *t = attr(atts, "t");
        char kind = 'n';
        if (t) {
            if (strcmp(t, "s") == 0)
                kind = 's';
            else if (strcmp(t, "str") == 0)
                kind = 'S';
            else if (strcmp(t, "inlineStr") == 0)
                kind = 'i';
            else if (strcmp(t, "b") == 0)
                kind = 'b';
            else if (strcmp(t, "e") == 0)
                kind = 'e';
            else if (strcmp(t, "d") == 0)
                kind = 'd';
        }
        unsigned long s = 0;
        if (!parse_uint(attr(atts, "s"), UINT32_MAX, &s))
            s = 0;
        x->c = (struct cur){.row = row, .col = col, .t = kind, .style = (unsigned)s};
        x->in_c = true;
        x->rph = 0;
        x->text.n = 0;
    } else if (strcmp(l, "mergeCell") == 0) {
        const char *ref = attr(atts, "ref");
        const char *colon = ref ? strchr(ref, ':') : NULL;
        unsigned c1, r1, c2, r2;
        bool h1, h2;
        if (!colon || !parse_ref(ref, colon, &c1, &r1, &h1) ||
            !parse_ref(colon + 1, NULL, &c2, &r2, &h2) || !h1 || !h2)
            return; /* whole rows or columns merged, or garbage: nothing to mark */
        if (!book_merge(x->b, r1 < r2 ? r1 : r2, c1 < c2 ? c1 : c2, r1 < r2 ? r2 : r1,
                        c1 < c2 ? c2 : c1, x->err))
            failed_in_book(x);
    }
}

/* The cell just read, into the book. */
static void cell_done(struct xlsx *x)
{
    struct cur *c = &x->c;
    struct book_cell cell = {.text = "", .kind = BOOK_EMPTY, .formula = c->formula};
    char buf[40];
    unsigned char cls = c->style < x->nxf ? x->xf_class[c->style] : FMT_NONE;
    if (c->t == 'i' || c->t == 'S' || c->t == 'e') {
        if (c->t != 'i' && !c->have_v)
            return;
        cell.text = take_text(x);
        if (!cell.text)
            return;
        cell.kind = !cell.text[0] ? BOOK_EMPTY : c->t == 'e' ? BOOK_ERROR : BOOK_TEXT;
    } else if (c->t == 's') {
        if (!c->have_v)
            return;
        const char *v = take_text(x);
        unsigned long i;
        if (!v)
            return;
        if (!parse_uint(v, SIZE_MAX, &i) || i >= x->nsst) {
            fail(x, "file_corrupt", c->row + 1, c->col + 1,
                 "shared string \"%.20s\" does not exist (%zu are defined)", v, x->nsst);
            return;
        }
        cell.text = x->sst[i];
        cell.kind = cell.text[0] ? BOOK_TEXT : BOOK_EMPTY;
    } else {
        if (!c->have_v || x->text.n == 0)
            return;
        x->text.n = unescape_x(x->text.s, x->text.n);
        size_t b = 0, e = x->text.n;
        book_trim(x->text.s, &b, &e);
        x->text.s[e] = '\0';
        const char *v = x->text.s + b;
        if (!*v)
            return;
        char *end;
        double d = strtod(v, &end);
        if (c->t == 'b' && (strcmp(v, "1") == 0 || strcmp(v, "0") == 0)) {
            cell.kind = BOOK_BOOL;
            cell.number = v[0] == '1';
            cell.text = v[0] == '1' ? "TRUE" : "FALSE";
        } else if (c->t == 'd' && iso_cell(x, v, cls, &cell, buf)) {
            cell.text = book_intern(x->b, buf, strlen(buf));
        } else if (c->t == 'n' && *end == '\0' && isfinite(d)) {
            number_cell(x, d, cls, &cell, buf);
            cell.text = book_intern(x->b, buf, strlen(buf));
        } else {
            cell.kind = BOOK_TEXT; /* a value that is not what its type says: as written */
            cell.text = book_intern(x->b, v, strlen(v));
        }
        if (!cell.text) {
            fail_oom(x);
            return;
        }
    }
    if (!book_put(x->b, c->row, c->col, &cell, x->err))
        failed_in_book(x);
}

static void XMLCALL sheet_end(void *ud, const XML_Char *name)
{
    struct xlsx *x = ud;
    x->depth--;
    if (x->failed)
        return;
    const char *l = local(name);
    if (x->in_c) {
        if (strcmp(l, "c") == 0) {
            x->in_c = false;
            x->capture = false;
            cell_done(x);
        } else if (strcmp(l, "v") == 0 || strcmp(l, "t") == 0) {
            x->capture = false;
        } else if (strcmp(l, "rPh") == 0) {
            if (x->rph)
                x->rph--;
        } else if (strcmp(l, "is") == 0) {
            x->c.in_is = false;
        }
        return;
    }
    if (strcmp(l, "sheetData") == 0)
        x->in_sheetdata = false;
}

/* --- the package ------------------------------------------------------------------------- */

static bool read_workbook(struct xlsx *x)
{
    /* The package's relationships name the workbook; xl/workbook.xml by convention. */
    int r = read_part(x, "_rels/.rels", rels_start, any_end);
    if (r < 0)
        return false;
    const struct rel *doc = rel_of_type(x, "officeDocument");
    x->workbook_path = resolve("", doc ? doc->target : "xl/workbook.xml");
    rels_clear(x);
    if (!x->workbook_path) {
        fail_oom(x);
        return false;
    }
    r = read_part(x, x->workbook_path, workbook_start, any_end);
    if (r == 0 && strcmp(x->workbook_path, "xl/workbook.xml") != 0) {
        free(x->workbook_path);
        x->workbook_path = strdup("xl/workbook.xml");
        if (!x->workbook_path) {
            fail_oom(x);
            return false;
        }
        r = read_part(x, x->workbook_path, workbook_start, any_end);
    }
    if (r == 0) {
        fail(x, "file_not_xlsx", 0, 0, "a zip file without xl/workbook.xml");
        return false;
    }
    if (r < 0)
        return false;

    /* Its relationships: sheets, styles, shared strings. */
    const char *slash = strrchr(x->workbook_path, '/');
    const char *base = slash ? slash + 1 : x->workbook_path;
    size_t dir = (size_t)(base - x->workbook_path);
    char *rels_path = malloc(dir + strlen(base) + sizeof("_rels/.rels"));
    if (!rels_path) {
        fail_oom(x);
        return false;
    }
    sprintf(rels_path, "%.*s_rels/%s.rels", (int)dir, x->workbook_path, base);
    r = read_part(x, rels_path, rels_start, any_end);
    free(rels_path);
    if (r < 0)
        return false;
    if (r == 0) {
        fail(x, "file_corrupt", 0, 0, "the workbook has no relationships part");
        return false;
    }
    rels_index(x);
    return true;
}

/* Reads an optional part found through the workbook's relationships (or at its
   conventional path). */
static bool read_optional(struct xlsx *x, const char *kind, const char *fallback,
                          XML_StartElementHandler start, XML_EndElementHandler end)
{
    const struct rel *rel = rel_of_type(x, kind);
    char *path = rel ? resolve(x->workbook_path, rel->target) : strdup(fallback);
    if (!path) {
        fail_oom(x);
        return false;
    }
    int r = read_part(x, path, start, end);
    free(path);
    return r >= 0;
}

static bool read_sheets(struct xlsx *x)
{
    for (size_t i = 0; i < x->nws; i++) {
        const struct wsheet *w = &x->ws[i];
        if (w->hidden)
            continue;
        const struct rel *rel = rel_by_id(x, w->rid);
        if (!rel) {
            fail(x, "file_corrupt", 0, 0, "sheet \"%.60s\" has no part", w->name);
            return false;
        }
        size_t t = strlen(rel->type);
        if (t < 10 || strcmp(rel->type + t - 10, "/worksheet") != 0)
            continue; /* a chart sheet or a dialog: no cells */
        char *path = resolve(x->workbook_path, rel->target);
        if (!path) {
            fail_oom(x);
            return false;
        }
        if (!book_add_sheet(x->b, w->name, strlen(w->name), x->err)) {
            free(path);
            x->failed = true;
            return false;
        }
        x->sheet = book_sheet(x->b, book_sheets(x->b) - 1)->name;
        x->in_sheetdata = x->in_c = false;
        int r = read_part(x, path, sheet_start, sheet_end);
        if (r == 0)
            fail(x, "file_corrupt", 0, 0, "the part %.100s is missing", path);
        free(path);
        if (r <= 0)
            return false;
        x->sheet = NULL;
    }
    return true;
}

static void xlsx_free(struct xlsx *x)
{
    rels_clear(x);
    free(x->rels);
    for (size_t i = 0; i < x->nws; i++)
        free(x->ws[i].name), free(x->ws[i].rid);
    free(x->ws);
    free(x->workbook_path);
    free(x->xf_fmt);
    free(x->xf_class);
    free(x->fmts);
    free(x->sst);
    free(x->text.s);
}

struct book *book_read_xlsx(const char *name, const unsigned char *data, size_t len,
                            const struct book_limits *lim, struct book_error *err)
{
    struct xlsx x = {.name = name, .lim = lim, .err = err};
    zip_error_t ze;
    zip_error_init(&ze);
    zip_source_t *src = zip_source_buffer_create(data, len, 0, &ze);
    if (src)
        x.z = zip_open_from_source(src, ZIP_RDONLY, &ze);
    if (!x.z) {
        fail(&x, "file_corrupt", 0, 0, "not a readable zip file: %s", zip_error_strerror(&ze));
        zip_source_free(src);
        zip_error_fini(&ze);
        return NULL;
    }
    zip_error_fini(&ze);
    x.b = book_new(BOOK_XLSX, lim);
    if (!x.b)
        fail_oom(&x);
    bool ok = x.b && read_workbook(&x) &&
              read_optional(&x, "styles", "xl/styles.xml", styles_start, styles_end) &&
              styles_resolve(&x) &&
              read_optional(&x, "sharedStrings", "xl/sharedStrings.xml", sst_start, sst_end) &&
              read_sheets(&x) && book_finish(x.b, err);
    if (!ok && !x.failed && !(err && err->code[0]))
        fail_oom(&x);
    zip_discard(x.z);
    xlsx_free(&x);
    if (!ok) {
        book_free(x.b);
        return NULL;
    }
    return x.b;
}
