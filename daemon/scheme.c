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

static void problem(struct parse *st, int line, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void problem(struct parse *st, int line, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    rpc_violation_vline(st->vs, line, fmt, ap);
    va_end(ap);
}

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
        problem(st, line, "%s: unknown key of [scheme] (name, target and title)", name);
        return;
    }
    char **slot = strcmp(key, "name") == 0     ? &st->out->name
                  : strcmp(key, "target") == 0 ? &st->out->target
                                               : &st->out->title;
    int *at = strcmp(key, "name") == 0     ? &st->name_line
              : strcmp(key, "target") == 0 ? &st->target_line
                                           : &st->title_line;
    if (*at) {
        problem(st, line, "%s: given twice (also line %d)", key, *at);
        return;
    }
    *at = line;
    const char *v = value;
    if (strcmp(key, "name") == 0 && !name_ok(value)) {
        problem(st, line, "name: the scheme's name is 1 to %d characters of text", NAME_MAX_CHARS);
        return;
    }
    if (strcmp(key, "target") == 0) {
        v = check_alias_code(targets, sizeof(targets) / sizeof(targets[0]), value);
        if (!v) {
            problem(st, line, "target: teacher (教师) or unit (单位), not \"%s\"", value);
            return;
        }
    }
    if (strcmp(key, "title") == 0 && !check_text(value, 200, true)) {
        problem(st, line, "title: at most 200 characters of text");
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
    const char *what = item ? "item" : "grade";
    if (!name_ok(name)) {
        problem(st, line, "%s: a %s's name is 1 to %d characters of text", name, what,
                NAME_MAX_CHARS);
        return;
    }
    for (size_t i = 0; i < *n; i++) {
        if (strcmp(list[i].name, name) == 0) {
            problem(st, line, "%s %s is listed twice (also line %d)", what, name, list[i].line);
            return;
        }
    }
    bool ok = item ? check_decimal(value, 1, 0.1, 1000) : check_decimal(value, 1, 0, 100000);
    if (!ok) {
        problem(st, line,
                item ? "%s: the maximum points of an item are a number from 0.1 to 1000 (one "
                       "decimal at most), not \"%s\""
                     : "%s: a grade's lowest score is a number from 0 (one decimal at most), "
                       "not \"%s\"",
                name, value);
        return;
    }
    if (*n == cap) {
        problem(st, line, "more than %zu %ss: a scheme has at most %zu", cap, what, cap);
        return;
    }
    double v = strtod(value, NULL);
    if (!item) {
        for (size_t i = 0; i < *n; i++) {
            if (list[i].value == v) {
                problem(st, line,
                        "grade %s starts at %s like grade %s (line %d): each grade starts at "
                        "its own score",
                        name, value, list[i].name, list[i].line);
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
        problem(st, st->lines.line,
                "[%s]: a scheme has the sections [scheme], [items] and [grades]",
                check_quote(section, quoted, sizeof(quoted)));
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
    if (rc > 0)
        problem(st, rc, "syntax error: expected a [section], \"key = value\" or a comment");
    if (st->lines.too_long)
        problem(st, st->lines.too_long,
                "longer than %d bytes (about %d Chinese characters): shorten it; the line "
                "was not read",
                CHECK_INI_MAX_LINE, CHECK_INI_MAX_LINE / 3);
    if (!st->name_line)
        problem(st, 0, "[scheme] has no name = ...: every scheme has a name");
    if (!st->target_line)
        problem(st, 0, "[scheme] has no target = ...: teacher (教师) or unit (单位)");
    if (!out->nitems)
        problem(st, 0, "[items] lists no item: give each item as name = maximum points");
    if (!out->ngrades) {
        problem(st, 0, "[grades] lists no grade: give each grade as name = lowest score");
    } else {
        bool zero = false;
        for (size_t i = 0; i < out->ngrades; i++) {
            zero |= st->grades[i].value == 0;
            if (out->nitems && st->grades[i].value > st->total + 1e-9)
                problem(st, st->grades[i].line,
                        "grade %s starts at %g, above the %g points the items add up to: no "
                        "score reaches it",
                        st->grades[i].name, st->grades[i].value, st->total);
        }
        if (!zero)
            problem(st, 0,
                    "no grade starts at 0: give the lowest grade (e.g. 不合格 = 0) so that every "
                    "score has a grade");
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
