/*
 * out: the listing model and its output as a table, CSV, JSON or a workbook.
 * Widths come from our own East Asian Width table rather than wcwidth(3), so
 * that columns line up the same whatever locale the user runs in, and tests
 * can pin them down.
 */
#include "out.h"

#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "lang.h"
#include "text.h"
#include "xlsx.h"

bool out_parse_format(const char *name, enum out_format *format)
{
    static const char *const names[] = {
        [OUT_TABLE] = "table", [OUT_CSV] = "csv", [OUT_JSON] = "json", [OUT_XLSX] = "xlsx"};
    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
        if (strcmp(name, names[i]) == 0) {
            *format = (enum out_format)i;
            return true;
        }
    }
    return false;
}

/* --- writing ----------------------------------------------------------------------------- */

static void sink_flush(struct out_sink *o)
{
    /* A short write leaves the error on fp (ferror), which the printers' callers check. */
    if (o->n > 0)
        (void)fwrite(o->buf, 1, o->n, o->fp);
    o->n = 0;
}

static void put(struct out_sink *o, const void *p, size_t n)
{
    if (n > sizeof(o->buf) - o->n) {
        sink_flush(o);
        if (n > sizeof(o->buf)) {
            (void)fwrite(p, 1, n, o->fp);
            return;
        }
    }
    memcpy(o->buf + o->n, p, n);
    o->n += n;
}

static void put_str(struct out_sink *o, const char *s)
{
    put(o, s, strlen(s));
}

static void put_char(struct out_sink *o, char c)
{
    if (o->n == sizeof(o->buf))
        sink_flush(o);
    o->buf[o->n++] = c;
}

static void put_spaces(struct out_sink *o, size_t n)
{
    while (n > 0) {
        if (o->n == sizeof(o->buf))
            sink_flush(o);
        size_t k = sizeof(o->buf) - o->n < n ? sizeof(o->buf) - o->n : n;
        memset(o->buf + o->n, ' ', k);
        o->n += k;
        n -= k;
    }
}

/* --- numbers ------------------------------------------------------------------------------ */

/* Writes v in decimal so that it ends just before `end`; returns where it starts. */
static char *decimal_digits(uint64_t v, char *end)
{
    do {
        *--end = (char)('0' + v % 10);
        v /= 10;
    } while (v);
    return end;
}

/*
 * What snprintf(buf, cap, "%.*f", places, v) writes, for places 0 to 2, without
 * printf for the numbers listings are made of (hours, counts: not negative,
 * under 10^7). printf rounds v's exact binary value. Such a v is either the
 * double nearest to a decimal with that many places (then that decimal is
 * the answer), or far enough from halfway between two answers that rounding
 * the scaled double gives the same digits; anything else goes to printf.
 */
static const char *fixed(double v, int places, char *buf, size_t cap)
{
    static const double scale[] = {1, 10, 100};
    static const uint64_t iscale[] = {1, 10, 100};
    if (places >= 0 && places <= 2 && cap >= 24 && v >= 0 && v < 1e7 && !signbit(v)) {
        double x = v * scale[places];
        double m = nearbyint(x);
        if (m / scale[places] == v || fabs(x - floor(x) - 0.5) > 1e-6) {
            uint64_t k = (uint64_t)m;
            char tmp[32], *end = tmp + sizeof(tmp);
            char *p = end;
            if (places > 0) {
                uint64_t frac = k % iscale[places];
                for (int i = 0; i < places; i++, frac /= 10)
                    *--p = (char)('0' + frac % 10);
                *--p = '.';
            }
            p = decimal_digits(k / iscale[places], p);
            memcpy(buf, p, (size_t)(end - p));
            buf[end - p] = '\0';
            return buf;
        }
    }
    snprintf(buf, cap, "%.*f", places, v);
    return buf;
}

/*
 * What snprintf(buf, cap, "%.10g", v) writes, without printf when v is the
 * double nearest to a decimal of at most 4 places under 10^5 (ten significant
 * digits then print that decimal, trailing zeros dropped); else printf's.
 */
static const char *general10(double v, char *buf, size_t cap)
{
    if (cap >= 24 && v >= 0 && v < 1e5 && !signbit(v)) {
        double m = nearbyint(v * 1e4);
        if (m / 1e4 == v) {
            uint64_t k = (uint64_t)m;
            char tmp[32], *end = tmp + sizeof(tmp);
            char *p = end;
            uint64_t frac = k % 10000;
            if (frac) {
                int places = 4;
                for (; frac % 10 == 0; frac /= 10)
                    places--;
                for (int i = 0; i < places; i++, frac /= 10)
                    *--p = (char)('0' + frac % 10);
                *--p = '.';
            }
            p = decimal_digits(k / 10000, p);
            memcpy(buf, p, (size_t)(end - p));
            buf[end - p] = '\0';
            return buf;
        }
    }
    snprintf(buf, cap, "%.10g", v);
    return buf;
}

/* --- the table model ---------------------------------------------------------------------- */

struct out_cell out_text(const char *s)
{
    return (struct out_cell){.s = s};
}

struct out_cell out_num(double v)
{
    return (struct out_cell){.v = v};
}

struct out_cell out_reasons(Yanxiu__V1__Reason **r, size_t n)
{
    return (struct out_cell){.reasons = r, .nreasons = n};
}

struct out_cell out_list(char **list, size_t n)
{
    return (struct out_cell){.list = list, .nlist = n};
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

bool out_add(struct out_table *t, const struct out_cell *row)
{
    if (t->oom)
        return false;
    for (size_t c = 0; c < t->ncols; c++) {
        if (t->cols[c].kind == OUT_NUMBER && !row[c].null && row[c].s &&
            !is_json_number(row[c].s)) {
            errno = EINVAL;
            return false;
        }
    }
    if (t->nrows == t->cap) {
        size_t cap = t->cap ? t->cap * 2 : 64;
        struct out_cell *nc = reallocarray(t->cells, cap * (t->ncols ? t->ncols : 1), sizeof(*nc));
        if (!nc) {
            t->oom = true;
            errno = ENOMEM;
            return false;
        }
        t->cells = nc;
        t->cap = cap;
    }
    memcpy(t->cells + t->nrows * t->ncols, row, t->ncols * sizeof(*row));
    t->nrows++;
    return true;
}

void out_table_free(struct out_table *t)
{
    free(t->cells);
    t->cells = NULL;
    t->nrows = t->cap = 0;
}

/*
 * The rules of the policy a teacher may fail (the `rule` of a Reason, as the
 * daemon's compliance SQL names them), for the catalog: context "rule", shown
 * as "年度学时不足 40/72".
 */
static const char *const rule_names[] = {
    N_("hours_year"),
    N_("school_hours_year"),
    N_("credits_year"),
    N_("unexcused_absences"),
    N_("hours_cycle"),
    N_("ethics_hours_cycle"),
    N_("centralized_hours_cycle"),
    N_("homeroom_hours_cycle"),
};

/*
 * The catalog's words for the cells of a listing: the same few come back on
 * every row, and a look-up in the catalog costs more than the rest of the
 * cell. Remembered per thread (each has its language: lang.h) and by
 * language; a code is kept as a copy, a message by its msgid (a literal).
 */
#define MEMO_SIZE 16

struct memo_entry {
    enum msg_lang lang;
    const struct vocab *v; /* NULL: a message, `msgid` the key; else a code of v */
    const char *msgid;
    char code[24];
    const char *word; /* NULL: the code itself, which has no label */
};

static _Thread_local struct memo_entry memo[MEMO_SIZE];
static _Thread_local size_t memo_used, memo_next;

static void memo_add(const struct memo_entry *e)
{
    memo[memo_next] = *e;
    memo_next = (memo_next + 1) % MEMO_SIZE;
    if (memo_used < MEMO_SIZE)
        memo_used++;
}

/* _(msgid) for a msgid that is a literal (marked with N_). */
static const char *memo_tr(const char *msgid)
{
    enum msg_lang lang = lang_current();
    for (size_t i = 0; i < memo_used; i++)
        if (memo[i].msgid == msgid && !memo[i].v && memo[i].lang == lang)
            return memo[i].word;
    const char *word = lang_tr(msgid);
    memo_add(&(struct memo_entry){.lang = lang, .msgid = msgid, .word = word});
    return word;
}

/* lang_label(v, code). */
static const char *memo_label(const struct vocab *v, const char *code)
{
    enum msg_lang lang = lang_current();
    size_t n = strlen(code);
    if (n >= sizeof(memo[0].code))
        return lang_label(v, code);
    for (size_t i = 0; i < memo_used; i++)
        if (memo[i].v == v && memo[i].lang == lang && strcmp(memo[i].code, code) == 0)
            return memo[i].word ? memo[i].word : code;
    const char *word = lang_label(v, code);
    struct memo_entry e = {.lang = lang, .v = v, .word = word == code ? NULL : word};
    memcpy(e.code, code, n + 1);
    memo_add(&e);
    return word;
}

/* The enumeration the values of a column are codes of, or NULL. */
static const struct vocab *column_vocab(const struct out_column *col)
{
    switch (col->kind) {
    case OUT_STATUS:
        return &vocab_compliance;
    case OUT_STATE:
        return &vocab_unit_month;
    case OUT_CATEGORY:
        return &vocab_category;
    case OUT_FORM:
        return &vocab_form;
    case OUT_LEVEL:
        return &vocab_level;
    case OUT_MODE:
        return &vocab_mode;
    case OUT_ATTENDANCE:
        return &vocab_attendance;
    case OUT_UNIT_KIND:
        return &vocab_unit_kind;
    case OUT_TEACHER_STATUS:
        return &vocab_teacher_status;
    case OUT_REPORT_STATUS:
        return &vocab_report_status;
    case OUT_FLAG:
        return &vocab_flag;
    default:
        return NULL;
    }
}

const char *out_status_code(const char *s)
{
    const char *code = vocab_code(&vocab_compliance, s);
    for (size_t i = 0; !code && i < vocab_compliance.n; i++) {
        const char *c = vocab_compliance.terms[i].code;
        if (strcmp(s, msg_pget(MSG_ZH_CN, vocab_compliance.name, c)) == 0 ||
            strcmp(s, msg_pget(MSG_EN, vocab_compliance.name, c)) == 0)
            code = c;
    }
    return code;
}

/* A rule's name in the CLI's language (context "rule"); the code when it is not one we know. */
static const char *rule_label(const char *rule)
{
    for (size_t i = 0; i < sizeof(rule_names) / sizeof(rule_names[0]); i++)
        if (strcmp(rule, rule_names[i]) == 0)
            return memo_tr(rule_names[i]);
    return rule;
}

/* "40", "40.5": a number with at most one decimal, without a trailing ".0". */
static void short_number(double v, char *buf, size_t cap)
{
    fixed(v, 1, buf, cap);
    size_t n = strlen(buf);
    if (n > 2 && strcmp(buf + n - 2, ".0") == 0)
        buf[n - 2] = '\0';
}

/*
 * "hours_year 40/72; school_hours_year 10/24" (had/needed) for machines; for
 * people (`labelled`) in the CLI's language: "年度学时不足 40/72；…", or for the
 * absence rule "无故缺席 3 次（上限 3）" (had is at or above its limit).
 */
static void reasons_text(const struct out_cell *c, bool labelled, char *buf, size_t cap)
{
    size_t used = 0;
    buf[0] = '\0';
    for (size_t i = 0; i < c->nreasons && used < cap; i++) {
        const Yanxiu__V1__Reason *r = c->reasons[i];
        char had[32], needed[32];
        short_number(r->had, had, sizeof(had));
        short_number(r->needed, needed, sizeof(needed));
        const char *tmpl = "{rule} {had}/{needed}";
        if (labelled)
            tmpl = strcmp(r->rule, "unexcused_absences") == 0
                       ? memo_tr(N_("{rule} {had} (limit {needed})"))
                       : memo_tr(N_("{rule} short: {had}/{needed}"));
        const struct msg_arg args[] = {
            {"rule", labelled ? rule_label(r->rule) : r->rule}, {"had", had}, {"needed", needed}};
        const char *sep = i == 0 ? "" : labelled ? memo_tr(N_("; ")) : "; ";
        size_t n = strlen(sep);
        if (used + n >= cap)
            break;
        memcpy(buf + used, sep, n + 1);
        used += n;
        used += msg_render(buf + used, cap - used, tmpl, args, sizeof(args) / sizeof(args[0]));
    }
}

/* The strings of a OUT_LIST cell joined with "; "; cut at a character boundary when buf is
   too small. */
static void list_text(const struct out_cell *c, char *buf, size_t cap)
{
    size_t used = 0;
    buf[0] = '\0';
    for (size_t i = 0; i < c->nlist; i++) {
        const char *parts[2] = {i ? "; " : "", c->list[i] ? c->list[i] : ""};
        for (size_t k = 0; k < 2; k++) {
            size_t n = strlen(parts[k]);
            if (used + n >= cap) {
                n = text_utf8_prefix(parts[k], n, cap - 1 - used);
                memcpy(buf + used, parts[k], n);
                buf[used + n] = '\0';
                return;
            }
            memcpy(buf + used, parts[k], n + 1);
            used += n;
        }
    }
}

const char *out_decimal(double v, char *buf, size_t cap)
{
    if (!isfinite(v))
        v = 0;
    fixed(v, 2, buf, cap);
    char *dot = strchr(buf, '.');
    if (dot) {
        char *end = buf + strlen(buf);
        while (end > dot && (end[-1] == '0' || end[-1] == '.'))
            *--end = '\0';
    }
    if (strcmp(buf, "-0") == 0 || buf[0] == '\0')
        snprintf(buf, cap, "0");
    return buf;
}

static const char *heading(const struct out_column *col);

/*
 * The text of a cell in table, CSV or Excel (for Excel, numbers plain: xlsx.c
 * formats them). NULL: no value.
 */
static const char *cell_text(const struct out_column *col, const struct out_cell *c,
                             enum out_format f, char *buf, size_t cap)
{
    if (c->null)
        return NULL;
    const struct vocab *v = column_vocab(col);
    switch (col->kind) {
    case OUT_TEXT:
        return c->s;
    case OUT_STATUS:
    case OUT_STATE:
    case OUT_CATEGORY:
    case OUT_FORM:
    case OUT_LEVEL:
    case OUT_MODE:
    case OUT_ATTENDANCE:
    case OUT_UNIT_KIND:
    case OUT_TEACHER_STATUS:
    case OUT_REPORT_STATUS:
    case OUT_FLAG:
        return !c->s || f == OUT_CSV ? c->s : memo_label(v, c->s);
    case OUT_NUMBER:
        return c->s;
    case OUT_COUNT:
        return fixed(c->v, 0, buf, cap);
    case OUT_DECIMAL:
        return out_decimal(c->v, buf, cap);
    case OUT_HOURS:
        if (f == OUT_XLSX)
            snprintf(buf, cap, "%.17g", c->v);
        else
            fixed(c->v, 1, buf, cap);
        return buf;
    case OUT_RATE:
        if (f == OUT_XLSX) {
            snprintf(buf, cap, "%.17g", c->v);
        } else if (f == OUT_TABLE) {
            /* As wide as the heading (or "100.0%"): the column reads right-aligned. */
            size_t hw = out_display_width(heading(col));
            int w = hw > 6 ? (int)hw : 6;
            char num[400];
            snprintf(buf, cap, "%*s%%", w - 1, fixed(c->v * 100, 1, num, sizeof(num)));
        } else {
            char num[400];
            snprintf(buf, cap, "%s%%", fixed(c->v * 100, 1, num, sizeof(num)));
        }
        return buf;
    case OUT_BOOL:
        if (f == OUT_CSV)
            return c->v ? "yes" : "no";
        return c->v ? memo_tr(N_("yes")) : memo_tr(N_("no"));
    case OUT_REASONS:
        reasons_text(c, f != OUT_CSV, buf, cap);
        return buf;
    case OUT_LIST:
        list_text(c, buf, cap);
        return buf;
    }
    return NULL;
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
    if (cp < zero_width[0].first)
        return 1;
    if (in_ranges(cp, zero_width, sizeof(zero_width) / sizeof(zero_width[0])))
        return 0;
    if (in_ranges(cp, wide, sizeof(wide) / sizeof(wide[0])))
        return 2;
    return 1;
}

/*
 * Writes one table cell to o (NULL: only measures) and returns its width.
 * Control characters are shown escaped: raw, they would break the columns
 * or drive the terminal. *plain (when not NULL): nothing was escaped, so the
 * cell prints as it is. What needs no escape goes out in one piece.
 */
static size_t table_cell(const char *s, struct out_sink *o, bool *plain)
{
    size_t width = 0;
    bool escaped = false;
    const unsigned char *p = (const unsigned char *)(s ? s : "");
    const unsigned char *run = p; /* the bytes not yet written, printed as they are */
    while (*p) {
        if (*p >= 0x20 && *p < 0x7F) {
            width++;
            p++;
            continue;
        }
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
            escaped = true;
            width += cp == NOT_UTF8 ? 1 : strlen(text);
            if (o) {
                put(o, run, (size_t)(p - run));
                put_str(o, text);
            }
            run = p + n;
        } else {
            width += cp_width(cp);
        }
        p += n;
    }
    if (o)
        put(o, run, (size_t)(p - run));
    if (plain)
        *plain = !escaped;
    return width;
}

size_t out_display_width(const char *s)
{
    return table_cell(s, NULL, NULL);
}

/* --- table and CSV ------------------------------------------------------------------------- */

/* A cell of the grid: where its text is, and (a table) how it prints. */
struct grid_cell {
    size_t off, len; /* its text: grid.text + off, len bytes and a NUL */
    size_t width;    /* OUT_TABLE: the columns it takes */
    bool null;       /* no value */
    bool plain;      /* OUT_TABLE: nothing to escape: written as it is */
};

/* The table as text cells in one format: what the table and CSV printers print. */
struct grid {
    const struct out_table *t;
    enum out_format f;
    char *text; /* every cell's text, one after another: one allocation for them all */
    size_t used, cap;
    struct grid_cell *cells; /* nrows * ncols, row by row */
};

static void grid_free(struct grid *g)
{
    free(g->text);
    free(g->cells);
}

/* Appends s (n bytes and a NUL) to the grid's text; false when memory ran out. */
static bool grid_append(struct grid *g, const char *s, size_t n)
{
    if (n + 1 > g->cap - g->used) {
        size_t cap = g->cap ? g->cap : 4096;
        while (n + 1 > cap - g->used)
            cap *= 2;
        char *text = realloc(g->text, cap);
        if (!text)
            return false;
        g->text = text;
        g->cap = cap;
    }
    memcpy(g->text + g->used, s, n);
    g->text[g->used + n] = '\0';
    g->used += n + 1;
    return true;
}

/* False when memory ran out. */
static bool grid_fill(struct grid *g)
{
    const struct out_table *t = g->t;
    size_t n = t->nrows * t->ncols;
    char buf[1024];
    g->cells = calloc(n ? n : 1, sizeof(*g->cells));
    if (!g->cells)
        return false;
    for (size_t k = 0; k < n; k++) {
        const char *s = cell_text(&t->cols[k % t->ncols], &t->cells[k], g->f, buf, sizeof(buf));
        struct grid_cell *c = &g->cells[k];
        c->null = !s;
        if (s) {
            c->off = g->used;
            c->len = strlen(s);
            if (!grid_append(g, s, c->len))
                return false;
        }
    }
    return true;
}

static const char *grid_text(const struct grid *g, const struct grid_cell *c)
{
    return c->null ? NULL : g->text + c->off;
}

/* The heading of a column in table and Excel, in the CLI's language (see out.h). */
static const char *heading(const struct out_column *col)
{
    const char *en = col->heading ? col->heading : col->name;
    if (lang_current() == MSG_EN)
        return en;
    return col->zh ? col->zh : lang_ptr("column", en);
}

/* Numbers read right-aligned in a table. */
static bool right_aligned(const struct out_column *col)
{
    return col->kind == OUT_NUMBER || col->kind == OUT_COUNT || col->kind == OUT_DECIMAL ||
           col->kind == OUT_HOURS;
}

/* One cell of a line, padded to `width` columns (the last column: not after its text). */
static void table_put(struct out_sink *o, const struct out_column *col, const char *s, size_t w,
                      bool plain, size_t len, size_t width, bool first, bool last)
{
    bool right = right_aligned(col);
    if (!first)
        put(o, "  ", 2);
    if (right)
        put_spaces(o, width - w);
    if (plain)
        put(o, s, len);
    else
        table_cell(s, o, NULL);
    if (!right && !last)
        put_spaces(o, width - w);
}

static bool print_table(struct grid *g, struct out_sink *o)
{
    const struct out_table *t = g->t;
    size_t *widths = calloc(t->ncols ? t->ncols : 1, sizeof(*widths));
    if (!widths)
        return false;
    for (size_t c = 0; c < t->ncols; c++)
        widths[c] = table_cell(heading(&t->cols[c]), NULL, NULL);
    for (size_t k = 0; k < t->nrows * t->ncols; k++) {
        struct grid_cell *x = &g->cells[k];
        x->width = table_cell(grid_text(g, x), NULL, &x->plain);
        if (x->width > widths[k % t->ncols])
            widths[k % t->ncols] = x->width;
    }
    for (size_t c = 0; c < t->ncols; c++) {
        const char *h = heading(&t->cols[c]);
        table_put(o, &t->cols[c], h, table_cell(h, NULL, NULL), false, 0, widths[c], c == 0,
                  c + 1 == t->ncols);
    }
    put_char(o, '\n');
    for (size_t c = 0; c < t->ncols; c++) {
        if (c > 0)
            put(o, "  ", 2);
        for (size_t i = 0; i < widths[c]; i++)
            put_char(o, '-');
    }
    put_char(o, '\n');
    for (size_t r = 0; r < t->nrows; r++) {
        for (size_t c = 0; c < t->ncols; c++) {
            const struct grid_cell *x = &g->cells[r * t->ncols + c];
            const char *s = x->null ? "" : g->text + x->off;
            table_put(o, &t->cols[c], s, x->width, x->plain, x->null ? 0 : x->len, widths[c],
                      c == 0, c + 1 == t->ncols);
        }
        put_char(o, '\n');
    }
    free(widths);
    return true;
}

static void csv_cell(const char *s, size_t len, struct out_sink *o)
{
    if (!s)
        return;
    if (!strpbrk(s, ",\"\r\n")) {
        put(o, s, len);
        return;
    }
    put_char(o, '"');
    for (; *s; s++) {
        if (*s == '"')
            put_char(o, '"');
        put_char(o, *s);
    }
    put_char(o, '"');
}

static void print_csv(const struct grid *g, struct out_sink *o)
{
    const struct out_table *t = g->t;
    for (size_t c = 0; c < t->ncols; c++) {
        if (c > 0)
            put_char(o, ',');
        csv_cell(t->cols[c].name, strlen(t->cols[c].name), o);
    }
    put_char(o, '\n');
    for (size_t r = 0; r < t->nrows; r++) {
        for (size_t c = 0; c < t->ncols; c++) {
            const struct grid_cell *x = &g->cells[r * t->ncols + c];
            if (c > 0)
                put_char(o, ',');
            csv_cell(grid_text(g, x), x->len, o);
        }
        put_char(o, '\n');
    }
}

bool out_print(const struct out_table *t, enum out_format format, FILE *fp)
{
    if (t->oom) {
        errno = ENOMEM;
        return false;
    }
    if (format == OUT_XLSX) {
        errno = EINVAL;
        return false;
    }
    if (format == OUT_JSON) {
        struct out_json *j = calloc(1, sizeof(*j));
        if (!j) {
            errno = ENOMEM;
            return false;
        }
        j->fp = fp;
        out_json_rows(j, NULL, t);
        free(j);
    } else {
        struct grid g = {t, format, NULL, 0, 0, NULL};
        struct out_sink *o = malloc(sizeof(*o));
        bool ok = o && grid_fill(&g);
        if (ok) {
            o->fp = fp;
            o->n = 0;
            if (format == OUT_TABLE)
                ok = print_table(&g, o);
            else
                print_csv(&g, o);
            sink_flush(o);
        }
        free(o);
        grid_free(&g);
        if (!ok) {
            errno = ENOMEM;
            return false;
        }
    }
    return fflush(fp) == 0 && !ferror(fp);
}

/* --- JSON ------------------------------------------------------------------------------------ */

/* A JSON string literal of s into o; what needs no escape goes out in one piece. */
static void json_string(struct out_sink *o, const char *s)
{
    put_char(o, '"');
    const unsigned char *p = (const unsigned char *)s;
    const unsigned char *run = p; /* the bytes not yet written, copied as they are */
    while (*p) {
        if (*p >= 0x20 && *p < 0x80 && *p != '"' && *p != '\\') {
            p++;
            continue;
        }
        uint32_t cp;
        size_t n = utf8_next(p, &cp);
        char esc[8];
        const char *text;
        switch (cp) {
        case '"':
            text = "\\\"";
            break;
        case '\\':
            text = "\\\\";
            break;
        case '\b':
            text = "\\b";
            break;
        case '\f':
            text = "\\f";
            break;
        case '\n':
            text = "\\n";
            break;
        case '\r':
            text = "\\r";
            break;
        case '\t':
            text = "\\t";
            break;
        case NOT_UTF8:
            text = "\\ufffd";
            break;
        /* Valid JSON raw, but not inside JavaScript source: escape them anyway. */
        case 0x2028:
        case 0x2029:
            text = (snprintf(esc, sizeof(esc), "\\u%04x", (unsigned)cp), esc);
            break;
        default:
            text = cp < 0x20 ? (snprintf(esc, sizeof(esc), "\\u%04x", (unsigned)cp), esc) : NULL;
        }
        if (text) {
            put(o, run, (size_t)(p - run));
            put_str(o, text);
            run = p + n;
        }
        p += n;
    }
    put(o, run, (size_t)(p - run));
    put_char(o, '"');
}

void out_json_string(const char *s, FILE *fp)
{
    struct out_sink o;
    o.fp = fp;
    o.n = 0;
    json_string(&o, s);
    sink_flush(&o);
}

/* The writer's sink, pointed at j->fp the first time. */
static struct out_sink *json_sink(struct out_json *j)
{
    if (!j->out.fp)
        j->out.fp = j->fp;
    return &j->out;
}

/* After a value: once the value at the top is complete, all of it goes to fp. */
static void json_done(struct out_json *j)
{
    if (j->depth == 0)
        sink_flush(&j->out);
}

/* Starts a value in the open container: the separator, the indent, the key. */
static void json_item(struct out_json *j, const char *key)
{
    struct out_sink *o = json_sink(j);
    if (j->depth > 0) {
        bool one_line = j->one_line & (1u << (j->depth - 1));
        if (one_line) {
            if (!j->first)
                put(o, ", ", 2);
        } else {
            put_str(o, j->first ? "\n" : ",\n");
            put_spaces(o, 2 * (size_t)j->depth);
        }
    }
    if (key) {
        json_string(o, key);
        put(o, ": ", 2);
    }
    j->first = false;
}

void out_json_open(struct out_json *j, const char *key, char bracket, bool one_line)
{
    json_item(j, key);
    put_char(&j->out, bracket);
    if (j->depth >= OUT_JSON_MAX_DEPTH)
        abort(); /* a bug: no document of ours is that deep */
    j->close[j->depth] = bracket == '[' ? ']' : '}';
    if (one_line)
        j->one_line |= 1u << j->depth;
    else
        j->one_line &= ~(1u << j->depth);
    j->depth++;
    j->first = true;
}

void out_json_close(struct out_json *j)
{
    struct out_sink *o = json_sink(j);
    j->depth--;
    bool one_line = j->one_line & (1u << j->depth);
    if (!j->first && !one_line) {
        put_char(o, '\n');
        put_spaces(o, 2 * (size_t)j->depth);
    }
    put_char(o, j->close[j->depth]);
    j->first = false;
    if (j->depth == 0)
        put_char(o, '\n');
    json_done(j);
}

void out_json_str(struct out_json *j, const char *key, const char *s)
{
    json_item(j, key);
    if (s)
        json_string(&j->out, s);
    else
        put(&j->out, "null", 4);
    json_done(j);
}

void out_json_uint(struct out_json *j, const char *key, uint64_t v)
{
    json_item(j, key);
    char tmp[24], *end = tmp + sizeof(tmp);
    char *p = decimal_digits(v, end);
    put(&j->out, p, (size_t)(end - p));
    json_done(j);
}

void out_json_double(struct out_json *j, const char *key, double v, bool whole)
{
    json_item(j, key);
    char buf[400]; /* "%.0f" of DBL_MAX: 309 digits */
    if (!isfinite(v))
        put(&j->out, "null", 4);
    else if (whole)
        put_str(&j->out, fixed(v, 0, buf, sizeof(buf)));
    else
        put_str(&j->out, general10(v, buf, sizeof(buf)));
    json_done(j);
}

void out_json_number_text(struct out_json *j, const char *key, const char *text)
{
    json_item(j, key);
    put_str(&j->out, text);
    json_done(j);
}

void out_json_bool(struct out_json *j, const char *key, bool v)
{
    json_item(j, key);
    put_str(&j->out, v ? "true" : "false");
    json_done(j);
}

void out_json_null(struct out_json *j, const char *key)
{
    json_item(j, key);
    put(&j->out, "null", 4);
    json_done(j);
}

void out_json_row(struct out_json *j, const char *key, const struct out_table *t, size_t r)
{
    out_json_open(j, key, '{', true);
    for (size_t c = 0; c < t->ncols; c++) {
        const struct out_cell *x = &t->cells[r * t->ncols + c];
        const char *name = t->cols[c].name;
        if (x->null) {
            out_json_null(j, name);
            continue;
        }
        const struct vocab *v = column_vocab(&t->cols[c]);
        switch (t->cols[c].kind) {
        case OUT_TEXT:
        case OUT_STATUS:
        case OUT_STATE:
        case OUT_CATEGORY:
        case OUT_FORM:
        case OUT_LEVEL:
        case OUT_MODE:
        case OUT_ATTENDANCE:
        case OUT_UNIT_KIND:
        case OUT_TEACHER_STATUS:
        case OUT_REPORT_STATUS:
        case OUT_FLAG:
            out_json_str(j, name, x->s);
            if (v && x->s) {
                char label_key[128];
                size_t n = strlen(name);
                if (n + sizeof("_label") <= sizeof(label_key))
                    memcpy(mempcpy(label_key, name, n), "_label", sizeof("_label"));
                else
                    snprintf(label_key, sizeof(label_key), "%.100s_label", name);
                out_json_str(j, label_key, memo_label(v, x->s));
            }
            break;
        case OUT_NUMBER:
            if (x->s)
                out_json_number_text(j, name, x->s);
            else
                out_json_null(j, name);
            break;
        case OUT_COUNT:
            out_json_double(j, name, x->v, true);
            break;
        case OUT_DECIMAL: {
            char buf[64];
            out_json_number_text(j, name, out_decimal(x->v, buf, sizeof(buf)));
            break;
        }
        case OUT_HOURS:
        case OUT_RATE:
            out_json_double(j, name, x->v, false);
            break;
        case OUT_BOOL:
            out_json_bool(j, name, x->v != 0);
            break;
        case OUT_REASONS:
            out_json_open(j, name, '[', true);
            for (size_t i = 0; i < x->nreasons; i++) {
                out_json_open(j, NULL, '{', true);
                out_json_str(j, "rule", x->reasons[i]->rule);
                out_json_str(j, "rule_label", rule_label(x->reasons[i]->rule));
                out_json_double(j, "needed", x->reasons[i]->needed, false);
                out_json_double(j, "had", x->reasons[i]->had, false);
                out_json_close(j);
            }
            out_json_close(j);
            break;
        case OUT_LIST:
            out_json_open(j, name, '[', true);
            for (size_t i = 0; i < x->nlist; i++)
                out_json_str(j, NULL, x->list[i] ? x->list[i] : "");
            out_json_close(j);
            break;
        }
    }
    out_json_close(j);
}

void out_json_rows(struct out_json *j, const char *key, const struct out_table *t)
{
    out_json_open(j, key, '[', false);
    for (size_t r = 0; r < t->nrows; r++)
        out_json_row(j, NULL, t, r);
    out_json_close(j);
}

/* --- Excel -------------------------------------------------------------------------------- */

/* The cells of the tables as Excel text, for xlsx_write. */
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

static enum xlsx_kind xlsx_kind_of(enum out_kind k)
{
    switch (k) {
    case OUT_COUNT:
        return XLSX_INTEGER;
    case OUT_HOURS:
        return XLSX_DECIMAL1;
    case OUT_RATE:
        return XLSX_PERCENT;
    case OUT_NUMBER:
    case OUT_DECIMAL:
        return XLSX_NUMBER;
    default:
        return XLSX_TEXT;
    }
}

bool out_write_xlsx(const char *path, const struct out_table *const *tables, size_t n, char *err,
                    size_t errlen)
{
    return out_write_xlsx_titled(path, tables, n, NULL, 0, err, errlen);
}

bool out_write_xlsx_titled(const char *path, const struct out_table *const *tables, size_t n,
                           const char *const *titles, size_t ntitles, char *err, size_t errlen)
{
    struct xlsx_book b = {calloc(n ? n : 1, sizeof(*b.sheets)), calloc(n ? n : 1, sizeof(*b.cols)),
                          calloc(n ? n : 1, sizeof(*b.cells)), n};
    bool ok = b.sheets && b.cols && b.cells;
    char buf[1024];
    for (size_t i = 0; ok && i < n; i++) {
        const struct out_table *t = tables[i];
        size_t ncells = t->nrows * t->ncols;
        ok = !t->oom;
        b.sheets[i] = (struct xlsx_sheet){
            _(t->sheet),         NULL, t->ncols, NULL, t->nrows, i == 0 ? titles : NULL,
            i == 0 ? ntitles : 0};
        b.cols[i] = calloc(t->ncols ? t->ncols : 1, sizeof(**b.cols));
        b.cells[i] = calloc(ncells ? ncells : 1, sizeof(**b.cells));
        ok = ok && b.cols[i] && b.cells[i];
        for (size_t c = 0; ok && c < t->ncols; c++) {
            const struct out_column *col = &t->cols[c];
            b.cols[i][c] = (struct xlsx_column){heading(col), xlsx_kind_of(col->kind)};
        }
        for (size_t k = 0; ok && k < ncells; k++) {
            const char *s =
                cell_text(&t->cols[k % t->ncols], &t->cells[k], OUT_XLSX, buf, sizeof(buf));
            ok = !s || (b.cells[i][k] = strdup(s)) != NULL;
        }
        b.sheets[i].cols = b.cols[i];
        b.sheets[i].cells = (const char *const *)b.cells[i];
    }
    if (!ok) {
        if (err && errlen)
            snprintf(err, errlen, _("%s: out of memory"), path);
    } else {
        ok = xlsx_write(path, b.sheets, n, err, errlen);
    }
    book_free(&b);
    return ok;
}
