/*
 * out: table, CSV and JSON output of listing commands. Widths come from our
 * own East Asian Width table rather than wcwidth(3), so that columns line up
 * the same whatever locale the user runs in, and tests can pin them down.
 */
#include "out.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

struct out_table {
    struct out_column *cols;
    size_t ncols;
    char **cells; /* nrows * ncols, row by row; NULL: no value */
    size_t nrows;
    size_t cap_rows;
};

struct out_table *out_table_new(const struct out_column *cols, size_t ncols)
{
    struct out_table *t = calloc(1, sizeof(*t));
    if (!t)
        return NULL;
    t->cols = calloc(ncols ? ncols : 1, sizeof(*t->cols));
    if (!t->cols) {
        free(t);
        return NULL;
    }
    memcpy(t->cols, cols, ncols * sizeof(*cols));
    t->ncols = ncols;
    return t;
}

void out_table_free(struct out_table *t)
{
    if (!t)
        return;
    for (size_t i = 0; i < t->nrows * t->ncols; i++)
        free(t->cells[i]);
    free(t->cells);
    free(t->cols);
    free(t);
}

size_t out_rows(const struct out_table *t)
{
    return t->nrows;
}

/* RFC 8259 number: -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)? */
static bool is_json_number(const char *s)
{
    if (*s == '-')
        s++;
    if (*s == '0')
        s++;
    else if (*s >= '1' && *s <= '9')
        s += strspn(s, "0123456789");
    else
        return false;
    if (*s == '.') {
        size_t n = strspn(++s, "0123456789");
        if (n == 0)
            return false;
        s += n;
    }
    if (*s == 'e' || *s == 'E') {
        s++;
        if (*s == '+' || *s == '-')
            s++;
        size_t n = strspn(s, "0123456789");
        if (n == 0)
            return false;
        s += n;
    }
    return *s == '\0';
}

bool out_row_add(struct out_table *t, const char *const *cells)
{
    for (size_t c = 0; c < t->ncols; c++) {
        if (t->cols[c].kind == OUT_NUMBER && cells[c] && !is_json_number(cells[c])) {
            errno = EINVAL;
            return false;
        }
    }
    if (t->nrows == t->cap_rows) {
        size_t cap = t->cap_rows ? t->cap_rows * 2 : 16;
        size_t per_row = t->ncols ? t->ncols : 1;
        if (cap > SIZE_MAX / sizeof(char *) / per_row)
            return false;
        char **nc = realloc(t->cells, cap * per_row * sizeof(char *));
        if (!nc)
            return false;
        t->cells = nc;
        t->cap_rows = cap;
    }
    char **row = t->cells + t->nrows * t->ncols;
    for (size_t c = 0; c < t->ncols; c++) {
        row[c] = NULL;
        if (cells[c] && !(row[c] = strdup(cells[c]))) {
            while (c-- > 0)
                free(row[c]);
            return false;
        }
    }
    t->nrows++;
    return true;
}

bool out_parse_format(const char *name, enum out_format *format)
{
    static const struct {
        const char *name;
        enum out_format format;
    } names[] = {{"table", OUT_TABLE}, {"csv", OUT_CSV}, {"json", OUT_JSON}};
    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
        if (strcmp(name, names[i].name) == 0) {
            *format = names[i].format;
            return true;
        }
    }
    return false;
}

/* --- UTF-8 and display width -------------------------------------------------- */

#define NOT_UTF8 0x110000u /* above every code point */

/* Decodes one code point at s (NUL-terminated); a bad byte gives NOT_UTF8 and length 1. */
static size_t utf8_next(const unsigned char *s, uint32_t *cp)
{
    size_t n;
    uint32_t v, min;
    if (s[0] < 0x80) {
        *cp = s[0];
        return 1;
    } else if ((s[0] & 0xE0) == 0xC0) {
        n = 2, v = s[0] & 0x1Fu, min = 0x80;
    } else if ((s[0] & 0xF0) == 0xE0) {
        n = 3, v = s[0] & 0x0Fu, min = 0x800;
    } else if ((s[0] & 0xF8) == 0xF0) {
        n = 4, v = s[0] & 0x07u, min = 0x10000;
    } else {
        *cp = NOT_UTF8;
        return 1;
    }
    for (size_t i = 1; i < n; i++) {
        /* The terminating NUL fails this test, so we never read past it. */
        if ((s[i] & 0xC0) != 0x80) {
            *cp = NOT_UTF8;
            return 1;
        }
        v = (v << 6) | (s[i] & 0x3Fu);
    }
    /* Overlong forms and surrogates are not UTF-8 either. */
    if (v < min || v > 0x10FFFF || (v >= 0xD800 && v <= 0xDFFF)) {
        *cp = NOT_UTF8;
        return 1;
    }
    *cp = v;
    return n;
}

struct range {
    uint32_t first, last;
};

/* Combining marks and invisible format characters (0 columns). */
static const struct range zero_width[] = {
    {0x0300, 0x036F}, {0x0483, 0x0489}, {0x0591, 0x05BD}, {0x0610, 0x061A}, {0x064B, 0x065F},
    {0x0E31, 0x0E31}, {0x0E34, 0x0E3A}, {0x0E47, 0x0E4E}, {0x1AB0, 0x1AFF}, {0x1DC0, 0x1DFF},
    {0x200B, 0x200F}, {0x202A, 0x202E}, {0x2060, 0x2064}, {0x20D0, 0x20FF}, {0x302A, 0x302D},
    {0x3099, 0x309A}, {0xFE00, 0xFE0F}, {0xFE20, 0xFE2F}, {0xFEFF, 0xFEFF}, {0xE0100, 0xE01EF},
};

/* East Asian Width W and F (2 columns), after Unicode's EastAsianWidth.txt. */
static const struct range wide[] = {
    {0x1100, 0x115F},   {0x231A, 0x231B},   {0x2329, 0x232A},   {0x23E9, 0x23EC},
    {0x23F0, 0x23F0},   {0x23F3, 0x23F3},   {0x25FD, 0x25FE},   {0x2614, 0x2615},
    {0x2648, 0x2653},   {0x267F, 0x267F},   {0x2693, 0x2693},   {0x26A1, 0x26A1},
    {0x26AA, 0x26AB},   {0x26BD, 0x26BE},   {0x26C4, 0x26C5},   {0x26CE, 0x26CE},
    {0x26D4, 0x26D4},   {0x26EA, 0x26EA},   {0x26F2, 0x26F3},   {0x26F5, 0x26F5},
    {0x26FA, 0x26FA},   {0x26FD, 0x26FD},   {0x2705, 0x2705},   {0x270A, 0x270B},
    {0x2728, 0x2728},   {0x274C, 0x274C},   {0x274E, 0x274E},   {0x2753, 0x2755},
    {0x2757, 0x2757},   {0x2795, 0x2797},   {0x27B0, 0x27B0},   {0x27BF, 0x27BF},
    {0x2B1B, 0x2B1C},   {0x2B50, 0x2B50},   {0x2B55, 0x2B55},   {0x2E80, 0x303E},
    {0x3041, 0x33FF},   {0x3400, 0x4DBF},   {0x4E00, 0x9FFF},   {0xA000, 0xA4CF},
    {0xA960, 0xA97F},   {0xAC00, 0xD7A3},   {0xF900, 0xFAFF},   {0xFE10, 0xFE19},
    {0xFE30, 0xFE6F},   {0xFF00, 0xFF60},   {0xFFE0, 0xFFE6},   {0x16FE0, 0x16FE4},
    {0x17000, 0x18CFF}, {0x1B000, 0x1B2FF}, {0x1F004, 0x1F004}, {0x1F0CF, 0x1F0CF},
    {0x1F18E, 0x1F18E}, {0x1F191, 0x1F19A}, {0x1F200, 0x1F2FF}, {0x1F300, 0x1F64F},
    {0x1F680, 0x1F6FF}, {0x1F7E0, 0x1F7EB}, {0x1F900, 0x1F9FF}, {0x1FA70, 0x1FAFF},
    {0x20000, 0x2FFFD}, {0x30000, 0x3FFFD},
};

static bool in_ranges(uint32_t cp, const struct range *r, size_t n)
{
    size_t lo = 0, hi = n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (cp < r[mid].first)
            hi = mid;
        else if (cp > r[mid].last)
            lo = mid + 1;
        else
            return true;
    }
    return false;
}

static size_t cp_width(uint32_t cp)
{
    if (in_ranges(cp, zero_width, sizeof(zero_width) / sizeof(zero_width[0])))
        return 0;
    if (in_ranges(cp, wide, sizeof(wide) / sizeof(wide[0])))
        return 2;
    return 1;
}

/*
 * Writes one table cell to fp (NULL: only measures) and returns its width.
 * Control characters are shown escaped: raw, they would break the columns
 * or drive the terminal.
 */
static size_t table_cell(const char *s, FILE *fp)
{
    size_t width = 0;
    const unsigned char *p = (const unsigned char *)(s ? s : "");
    while (*p) {
        uint32_t cp;
        size_t n = utf8_next(p, &cp);
        char esc[8];
        const char *text = NULL;
        if (cp == NOT_UTF8)
            text = "\xEF\xBF\xBD"; /* U+FFFD, one column */
        else if (cp == '\n')
            text = "\\n";
        else if (cp == '\t')
            text = "\\t";
        else if (cp == '\r')
            text = "\\r";
        else if (cp < 0x20 || cp == 0x7F)
            text = (snprintf(esc, sizeof(esc), "\\x%02x", (unsigned)cp), esc);
        else if ((cp >= 0x80 && cp < 0xA0) || cp == 0x2028 || cp == 0x2029)
            text = (snprintf(esc, sizeof(esc), "\\u%04x", (unsigned)cp), esc);

        if (text) {
            width += cp == NOT_UTF8 ? 1 : strlen(text);
            if (fp)
                fputs(text, fp);
        } else {
            width += cp_width(cp);
            if (fp)
                fwrite(p, 1, n, fp);
        }
        p += n;
    }
    return width;
}

size_t out_display_width(const char *s)
{
    return table_cell(s, NULL);
}

/* --- the three formats ------------------------------------------------------- */

static void pad(FILE *fp, size_t n)
{
    while (n-- > 0)
        putc(' ', fp);
}

static const char *heading(const struct out_column *col)
{
    return col->heading ? col->heading : col->name;
}

/* One line of the table; `cells` NULL prints the headings. */
static void table_line(const struct out_table *t, const size_t *widths, char *const *cells,
                       FILE *fp)
{
    for (size_t c = 0; c < t->ncols; c++) {
        const char *s = cells ? cells[c] : heading(&t->cols[c]);
        size_t w = table_cell(s, NULL);
        bool right = t->cols[c].kind == OUT_NUMBER;
        bool last = c + 1 == t->ncols;
        if (c > 0)
            fputs("  ", fp);
        if (right)
            pad(fp, widths[c] - w);
        table_cell(s, fp);
        if (!right && !last)
            pad(fp, widths[c] - w);
    }
    putc('\n', fp);
}

static bool print_table(const struct out_table *t, FILE *fp)
{
    size_t *widths = calloc(t->ncols ? t->ncols : 1, sizeof(*widths));
    if (!widths)
        return false;
    for (size_t c = 0; c < t->ncols; c++) {
        widths[c] = table_cell(heading(&t->cols[c]), NULL);
        for (size_t r = 0; r < t->nrows; r++) {
            size_t w = table_cell(t->cells[r * t->ncols + c], NULL);
            if (w > widths[c])
                widths[c] = w;
        }
    }
    table_line(t, widths, NULL, fp);
    for (size_t c = 0; c < t->ncols; c++) {
        if (c > 0)
            fputs("  ", fp);
        for (size_t i = 0; i < widths[c]; i++)
            putc('-', fp);
    }
    putc('\n', fp);
    for (size_t r = 0; r < t->nrows; r++)
        table_line(t, widths, t->cells + r * t->ncols, fp);
    free(widths);
    return true;
}

static void csv_cell(const char *s, FILE *fp)
{
    if (!s)
        return;
    if (!strpbrk(s, ",\"\r\n")) {
        fputs(s, fp);
        return;
    }
    putc('"', fp);
    for (; *s; s++) {
        if (*s == '"')
            putc('"', fp);
        putc(*s, fp);
    }
    putc('"', fp);
}

static void print_csv(const struct out_table *t, FILE *fp)
{
    for (size_t r = 0; r <= t->nrows; r++) {
        for (size_t c = 0; c < t->ncols; c++) {
            if (c > 0)
                putc(',', fp);
            csv_cell(r == 0 ? t->cols[c].name : t->cells[(r - 1) * t->ncols + c], fp);
        }
        putc('\n', fp);
    }
}

void out_json_string(const char *s, FILE *fp)
{
    putc('"', fp);
    const unsigned char *p = (const unsigned char *)s;
    while (*p) {
        uint32_t cp;
        size_t n = utf8_next(p, &cp);
        switch (cp) {
        case '"':
            fputs("\\\"", fp);
            break;
        case '\\':
            fputs("\\\\", fp);
            break;
        case '\b':
            fputs("\\b", fp);
            break;
        case '\f':
            fputs("\\f", fp);
            break;
        case '\n':
            fputs("\\n", fp);
            break;
        case '\r':
            fputs("\\r", fp);
            break;
        case '\t':
            fputs("\\t", fp);
            break;
        case NOT_UTF8:
            fputs("\\ufffd", fp);
            break;
        /* Valid JSON raw, but not inside JavaScript source: escape them anyway. */
        case 0x2028:
        case 0x2029:
            fprintf(fp, "\\u%04x", (unsigned)cp);
            break;
        default:
            if (cp < 0x20)
                fprintf(fp, "\\u%04x", (unsigned)cp);
            else
                fwrite(p, 1, n, fp);
        }
        p += n;
    }
    putc('"', fp);
}

static void print_json(const struct out_table *t, FILE *fp)
{
    if (t->nrows == 0) {
        fputs("[]\n", fp);
        return;
    }
    fputs("[\n", fp);
    for (size_t r = 0; r < t->nrows; r++) {
        fputs("  {", fp);
        for (size_t c = 0; c < t->ncols; c++) {
            const char *v = t->cells[r * t->ncols + c];
            if (c > 0)
                fputs(", ", fp);
            out_json_string(t->cols[c].name, fp);
            fputs(": ", fp);
            if (!v)
                fputs("null", fp);
            else if (t->cols[c].kind == OUT_NUMBER)
                fputs(v, fp);
            else
                out_json_string(v, fp);
        }
        fputs(r + 1 < t->nrows ? "},\n" : "}\n", fp);
    }
    fputs("]\n", fp);
}

bool out_print(const struct out_table *t, enum out_format format, FILE *fp)
{
    switch (format) {
    case OUT_TABLE:
        if (!print_table(t, fp))
            return false;
        break;
    case OUT_CSV:
        print_csv(t, fp);
        break;
    case OUT_JSON:
        print_json(t, fp);
        break;
    }
    return fflush(fp) == 0 && !ferror(fp);
}
