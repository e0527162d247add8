/*
 * scheme: an assessment scheme as an INI file (see scheme.h).
 */
#include "scheme.h"

#include <ini.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"

/* Names of items and grades: what a column of a results sheet can hold. */
#define NAME_MAX_CHARS 50

enum section { S_NONE, S_SCHEME, S_ITEMS, S_GRADES };

static const struct check_alias sections[] = {
    {"scheme", {"方案", "考核方案"}},
    {"items", {"项目", "考核项目"}},
    {"grades", {"等级", "考核等级"}},
};

static const struct check_alias scheme_keys[] = {
    {"name", {"名称", "方案名称"}},
    {"target", {"对象", "考核对象"}},
    {"title", {"标题"}},
};

static const struct check_alias targets[] = {
    {"teacher", {"教师"}},
    {"unit", {"单位", "学校"}},
};

/* A name given in [items] or [grades], and its line, to find repeats. */
struct seen {
    char *name;
    double value;
    int line;
};

struct parse {
    struct check_lines lines;
    struct scheme_def *out;
    struct rpc_violations *vs;
    struct seen items[SCHEME_MAX_ITEMS], grades[SCHEME_MAX_GRADES];
    double total;
    int name_line, target_line, title_line;
    bool oom;
};

/* The problem `code` (daemon/reasons.def) at `line` (0: the file as a whole). */
static void problem(struct parse *st, int line, const char *code, ...) __attribute__((sentinel));
static void problem(struct parse *st, int line, const char *code, ...)
{
    char path[32] = "";
    if (line > 0)
        snprintf(path, sizeof(path), "line %d", line);
    va_list ap;
    va_start(ap, code);
    rpc_vproblem(st->vs, &(struct rpc_at){.path = path, .row = line > 0 ? (unsigned)line : 0},
                 code, ap);
    va_end(ap);
}

/* n as text, for a message's argument. */
#define NUM(buf, fmt, n) (snprintf((buf), sizeof(buf), (fmt), (n)), (buf))

/* A name of an item or a grade: text of 1 to NAME_MAX_CHARS characters. */
static bool name_ok(const char *s)
{
    return check_text(s, NAME_MAX_CHARS, false);
}

static void scheme_key(struct parse *st, const char *name, const char *value)
{
    int line = st->lines.line;
    const char *key =
        check_alias_code(scheme_keys, sizeof(scheme_keys) / sizeof(scheme_keys[0]), name);
    if (!key) {
        char quoted[64];
        problem(st, line, "scheme_key_unknown", "key", check_quote(name, quoted, sizeof(quoted)),
                NULL);
        return;
    }
    char **slot = strcmp(key, "name") == 0     ? &st->out->name
                  : strcmp(key, "target") == 0 ? &st->out->target
                                               : &st->out->title;
    int *at = strcmp(key, "name") == 0     ? &st->name_line
              : strcmp(key, "target") == 0 ? &st->target_line
                                           : &st->title_line;
    if (*at) {
        char also[16];
        problem(st, line, "scheme_key_twice", "key", key, "line", NUM(also, "%d", *at), NULL);
        return;
    }
    *at = line;
    const char *v = value;
    if (strcmp(key, "name") == 0 && !name_ok(value)) {
        char quoted[64];
        problem(st, line, "scheme_name_invalid", "value",
                check_quote(value, quoted, sizeof(quoted)), NULL);
        return;
    }
    if (strcmp(key, "target") == 0) {
        v = check_alias_code(targets, sizeof(targets) / sizeof(targets[0]), value);
        if (!v) {
            char quoted[64];
            problem(st, line, "scheme_target_invalid", "value",
                    check_quote(value, quoted, sizeof(quoted)), NULL);
            return;
        }
    }
    if (strcmp(key, "title") == 0 && !check_text(value, 200, true)) {
        problem(st, line, "scheme_title_too_long", NULL);
        return;
    }
    *slot = strdup(v);
    st->oom |= *slot == NULL;
}

/* An entry of [items] or [grades]: name = number. */
static void list_key(struct parse *st, bool item, const char *name, const char *value)
{
    int line = st->lines.line;
    struct seen *list = item ? st->items : st->grades;
    size_t *n = item ? &st->out->nitems : &st->out->ngrades;
    size_t cap = item ? SCHEME_MAX_ITEMS : SCHEME_MAX_GRADES;
    char quoted[64], num[32];
    if (!name_ok(name)) {
        problem(st, line, item ? "scheme_item_name_invalid" : "scheme_grade_name_invalid", "name",
                check_quote(name, quoted, sizeof(quoted)), NULL);
        return;
    }
    for (size_t i = 0; i < *n; i++) {
        if (strcmp(list[i].name, name) == 0) {
            problem(st, line, item ? "scheme_item_twice" : "scheme_grade_twice", "name", name,
                    "line", NUM(num, "%d", list[i].line), NULL);
            return;
        }
    }
    bool ok = item ? check_decimal(value, 1, 0.1, 1000) : check_decimal(value, 1, 0, 100000);
    if (!ok) {
        problem(st, line, item ? "scheme_item_points_invalid" : "scheme_grade_points_invalid",
                "name", name, "value", check_quote(value, quoted, sizeof(quoted)), NULL);
        return;
    }
    if (*n == cap) {
        problem(st, line, item ? "scheme_items_too_many" : "scheme_grades_too_many", "max",
                NUM(num, "%zu", cap), NULL);
        return;
    }
    double v = strtod(value, NULL);
    if (!item) {
        for (size_t i = 0; i < *n; i++) {
            if (list[i].value == v) {
                problem(st, line, "scheme_grade_same_start", "name", name, "value", value, "other",
                        list[i].name, "line", NUM(num, "%d", list[i].line), NULL);
                return;
            }
        }
    }
    char *copy = strdup(name);
    if (!copy) {
        st->oom = true;
        return;
    }
    list[*n] = (struct seen){copy, v, line};
    (*n)++;
    if (item)
        st->total += v;
    pgarr_text(item ? &st->out->items : &st->out->grades, name);
    pgarr_text(item ? &st->out->max_points : &st->out->min_points, value);
}

static int on_key(void *user, const char *section, const char *name, const char *value)
{
    struct parse *st = user;
    const char *s = check_alias_code(sections, sizeof(sections) / sizeof(sections[0]), section);
    if (!s) {
        char quoted[64];
        problem(st, st->lines.line, "scheme_section_unknown", "section",
                check_quote(section, quoted, sizeof(quoted)), NULL);
        return 1;
    }
    if (strcmp(s, "scheme") == 0)
        scheme_key(st, name, value);
    else
        list_key(st, strcmp(s, "items") == 0, name, value);
    return 1;
}

bool scheme_parse(const char *text, struct scheme_def *out, struct rpc_violations *vs)
{
    memset(out, 0, sizeof(*out));
    pgarr_init(&out->items);
    pgarr_init(&out->max_points);
    pgarr_init(&out->grades);
    pgarr_init(&out->min_points);
    struct parse *st = calloc(1, sizeof(*st));
    if (!st)
        return false;
    st->lines.p = text;
    st->out = out;
    st->vs = vs;
    int rc = ini_parse_stream(check_read_line, &st->lines, on_key, st);
    char max[16], chars[16];
    if (rc > 0)
        problem(st, rc, "scheme_syntax", NULL);
    if (st->lines.too_long)
        problem(st, st->lines.too_long, "ini_line_too_long", "max",
                NUM(max, "%d", CHECK_INI_MAX_LINE), "chars", NUM(chars, "%d", CHECK_INI_MAX_LINE / 3),
                NULL);
    if (!st->name_line)
        problem(st, 0, "scheme_no_name", NULL);
    if (!st->target_line)
        problem(st, 0, "scheme_no_target", NULL);
    if (!out->nitems)
        problem(st, 0, "scheme_no_items", NULL);
    if (!out->ngrades) {
        problem(st, 0, "scheme_no_grades", NULL);
    } else {
        bool zero = false;
        for (size_t i = 0; i < out->ngrades; i++) {
            zero |= st->grades[i].value == 0;
            if (out->nitems && st->grades[i].value > st->total + 1e-9)
                problem(st, st->grades[i].line, "scheme_grade_unreachable", "name",
                        st->grades[i].name, "value", NUM(max, "%g", st->grades[i].value), "total",
                        NUM(chars, "%g", st->total), NULL);
        }
        if (!zero)
            problem(st, 0, "scheme_no_zero_grade", NULL);
    }
    if (!out->title && !st->oom) {
        out->title = strdup("");
        st->oom |= out->title == NULL;
    }
    for (size_t i = 0; i < out->nitems; i++)
        free(st->items[i].name);
    for (size_t i = 0; i < out->ngrades; i++)
        free(st->grades[i].name);
    bool ok = !st->oom;
    free(st);
    return ok;
}

void scheme_def_free(struct scheme_def *d)
{
    free(d->name);
    free(d->target);
    free(d->title);
    pgarr_free(&d->items);
    pgarr_free(&d->max_points);
    pgarr_free(&d->grades);
    pgarr_free(&d->min_points);
    memset(d, 0, sizeof(*d));
}

bool scheme_points_ok(double v, double max, char *buf, size_t cap)
{
    if (!isfinite(v) || v < 0 || v > max)
        return false;
    double tenths = round(v * 10);
    if (fabs(v * 10 - tenths) > 1e-6)
        return false;
    snprintf(buf, cap, "%.1f", tenths / 10);
    return true;
}
