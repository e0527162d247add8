/*
 * policy: the district policy as an INI file (see policy.h).
 */
#include "policy.h"

#include <ini.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"

enum kind { K_INT, K_HOURS, K_PERCENT, K_BOOL, K_FACTOR, K_BASIS, K_LIST };

static const struct {
    const char *name;
    enum kind kind;
    double min, max;
    const char *comment;
} keys[POLICY_NKEYS] = {
    [POLICY_CYCLE_YEARS] = {"cycle_years", K_INT, 1, 10, "培训周期: years in a training cycle"},
    [POLICY_CYCLE_FIRST_YEAR] = {"cycle_first_year", K_INT, 2000, 2100,
                                 "the first year of a cycle (cycles follow every cycle_years)"},
    [POLICY_HOURS_CYCLE] = {"hours_cycle", K_HOURS, 0, 10000, "学时 per cycle, at least"},
    [POLICY_HOURS_YEAR] = {"hours_year", K_HOURS, 0, 2000, "学时 per year, at least (年均)"},
    [POLICY_SCHOOL_HOURS_YEAR] = {"school_hours_year", K_HOURS, 0, 2000,
                                  "校本研修 hours (level school) per year, at least"},
    [POLICY_ETHICS_HOURS_CYCLE] = {"ethics_hours_cycle", K_HOURS, 0, 10000,
                                   "师德 hours (category ethics) per cycle, at least"},
    [POLICY_CENTRALIZED_HOURS_CYCLE] = {"centralized_hours_cycle", K_HOURS, 0, 10000,
                                        "集中 hours at town level or above per cycle, at least"},
    [POLICY_HOMEROOM_HOURS_CYCLE] = {"homeroom_hours_cycle", K_HOURS, 0, 10000,
                                     "班主任 hours (category homeroom) per cycle, for homeroom "
                                     "teachers"},
    [POLICY_ABSENCE_LIMIT] = {"absence_limit", K_INT, 1, 100,
                              "unexcused absences (无故缺席) from centralized training in a year "
                              "that fail it (三次以上 = 3)"},
    [POLICY_GROUP_SHORT_PERCENT] = {"group_short_percent", K_PERCENT, 0, 100,
                                    "a research group (教研组) is flagged when this % or more of "
                                    "its teachers are short of school-based hours"},
    [POLICY_CREDITS_ENABLED] = {"credits_enabled", K_BOOL, 0, 1,
                                "whether the credits rule (学分) applies: yes or no"},
    [POLICY_CREDITS_YEAR] = {"credits_year", K_HOURS, 0, 10000, "学分 per year, at least"},
    [POLICY_CREDIT_FACTOR] = {"credit_factor", K_FACTOR, 0, 100,
                              "credits per hour for records without their own credits"},
    [POLICY_YEAR_BASIS] = {"year_basis", K_BASIS, 0, 0,
                           "school (学年, September to August) or calendar"},
    [POLICY_DEADLINE_DAY] = {"deadline_day", K_INT, 1, 28,
                             "monthly reports are due by this day of the next month, 23:59"},
    [POLICY_NON_CREDITABLE] = {"non_creditable", K_LIST, 0, 0,
                               "titles containing any of these words earn no hours (seed 004 "
                               "第九条), comma-separated"},
};

struct parse {
    struct check_lines lines; /* the text and the line being read */
    struct policy_values *out;
    struct rpc_violations *vs;
    bool seen[POLICY_NKEYS];
    bool oom;
};

/* The problem `code` (daemon/reasons.def) at the line being read, with its arguments. */
static void problem(struct parse *st, const char *code, ...) __attribute__((sentinel));
static void problem(struct parse *st, const char *code, ...)
{
    char path[32];
    snprintf(path, sizeof(path), "line %d", st->lines.line);
    va_list ap;
    va_start(ap, code);
    rpc_vproblem(st->vs, &(struct rpc_at){.path = path, .row = (unsigned)st->lines.line}, code,
                 ap);
    va_end(ap);
}

/* The keys of the policy file, "a, b, c", into list[cap], for a message. */
static const char *key_list(char *list, size_t cap)
{
    list[0] = '\0';
    for (size_t k = 0, len = 0; k < POLICY_NKEYS && len < cap; k++)
        len += (size_t)snprintf(list + len, cap - len, "%s%s", k ? ", " : "", keys[k].name);
    return list;
}

/* The comma-separated words as a PostgreSQL array literal; NULL when one is bad. */
static char *list_literal(const char *s, bool *bad)
{
    size_t cap = strlen(s) * 2 + 8;
    char *out = malloc(cap);
    if (!out)
        return NULL;
    size_t n = 0;
    out[n++] = '{';
    const char *p = s;
    bool first = true;
    while (*p) {
        const char *comma = NULL;
        size_t skip = 0;
        static const char *const seps[] = {",", "，", "、"};
        for (size_t k = 0; k < 3; k++) {
            const char *f = strstr(p, seps[k]);
            if (f && (!comma || f < comma)) {
                comma = f;
                skip = strlen(seps[k]);
            }
        }
        size_t len = comma ? (size_t)(comma - p) : strlen(p);
        while (len && (*p == ' ' || *p == '\t'))
            p++, len--;
        while (len && (p[len - 1] == ' ' || p[len - 1] == '\t'))
            len--;
        if (len) {
            for (size_t i = 0; i < len; i++)
                if (p[i] == '"' || p[i] == '\\' || p[i] == '{' || p[i] == '}')
                    *bad = true;
            if (!first)
                out[n++] = ',';
            out[n++] = '"';
            memcpy(out + n, p, len);
            n += len;
            out[n++] = '"';
            first = false;
        }
        p += len;
        while (*p == ' ' || *p == '\t')
            p++;
        p += skip;
        if (!comma)
            break;
    }
    out[n++] = '}';
    out[n] = '\0';
    return out;
}

static int on_key(void *user, const char *section, const char *name, const char *value)
{
    struct parse *st = user;
    if (strcmp(section, "policy") != 0) {
        char quoted[64];
        problem(st, "policy_section", "section", check_quote(section, quoted, sizeof(quoted)),
                NULL);
        return 1;
    }
    size_t k = 0;
    while (k < POLICY_NKEYS && strcmp(keys[k].name, name) != 0)
        k++;
    if (k == POLICY_NKEYS) {
        char quoted[64], list[1024];
        problem(st, "policy_key_unknown", "key", check_quote(name, quoted, sizeof(quoted)), "keys",
                key_list(list, sizeof(list)), NULL);
        return 1;
    }
    if (st->seen[k]) {
        problem(st, "policy_key_twice", "key", name, NULL);
        return 1;
    }
    st->seen[k] = true;
    char lo[32], hi[32];
    snprintf(lo, sizeof(lo), "%g", keys[k].min);
    snprintf(hi, sizeof(hi), "%g", keys[k].max);
    const char *v = value;
    bool ok = rpc_text_ok(value, 4000);
    switch (keys[k].kind) {
    case K_INT:
        ok = ok && check_decimal(value, 0, keys[k].min, keys[k].max);
        if (!ok)
            problem(st, "policy_not_whole", "key", name, "min", lo, "max", hi, NULL);
        break;
    case K_HOURS:
    case K_PERCENT:
    case K_FACTOR:
        ok = ok && check_decimal(value, keys[k].kind == K_HOURS ? 1 : 2, keys[k].min, keys[k].max);
        if (!ok)
            problem(st, "policy_not_number", "key", name, "min", lo, "max", hi, NULL);
        break;
    case K_BOOL:
        if (strcmp(value, "yes") == 0 || strcmp(value, "true") == 0 || strcmp(value, "是") == 0)
            v = "true";
        else if (strcmp(value, "no") == 0 || strcmp(value, "false") == 0 ||
                 strcmp(value, "否") == 0)
            v = "false";
        else {
            ok = false;
            problem(st, "policy_not_yes_no", "key", name, NULL);
        }
        break;
    case K_BASIS:
        ok = strcmp(value, "school") == 0 || strcmp(value, "calendar") == 0;
        if (!ok)
            problem(st, "policy_not_basis", "key", name, NULL);
        break;
    case K_LIST: {
        bool bad = !ok;
        char *lit = ok ? list_literal(value, &bad) : NULL;
        if (ok && !lit) {
            st->oom = true;
            return 1;
        }
        if (bad) {
            free(lit);
            problem(st, "policy_not_words", "key", name, NULL);
            return 1;
        }
        st->out->v[k] = lit;
        return 1;
    }
    }
    if (ok) {
        st->out->v[k] = strdup(v);
        st->oom |= st->out->v[k] == NULL;
    }
    return 1;
}

bool policy_parse(const char *text, struct policy_values *out, struct rpc_violations *vs)
{
    memset(out, 0, sizeof(*out));
    struct parse st = {.lines = {.p = text}, .out = out, .vs = vs};
    int rc = ini_parse_stream(check_read_line, &st.lines, on_key, &st);
    if (rc > 0)
        rpc_problem_line(vs, rc, "policy_syntax", NULL);
    if (st.lines.too_long) {
        char max[16], chars[16];
        snprintf(max, sizeof(max), "%d", CHECK_INI_MAX_LINE);
        snprintf(chars, sizeof(chars), "%d", CHECK_INI_MAX_LINE / 3);
        rpc_problem_line(vs, st.lines.too_long, "ini_line_too_long", "max", max, "chars", chars,
                         NULL);
    }
    return !st.oom;
}

void policy_values_free(struct policy_values *pv)
{
    for (int i = 0; i < POLICY_NKEYS; i++) {
        free(pv->v[i]);
        pv->v[i] = NULL;
    }
}

/* Appends to a growing string; false on OOM. */
static bool append(char **buf, size_t *len, size_t *cap, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static bool append(char **buf, size_t *len, size_t *cap, const char *fmt, ...)
{
    for (;;) {
        va_list ap;
        va_start(ap, fmt);
        int n = vsnprintf(*buf ? *buf + *len : NULL, *buf ? *cap - *len : 0, fmt, ap);
        va_end(ap);
        if (n < 0)
            return false;
        if (*buf && *len + (size_t)n < *cap) {
            *len += (size_t)n;
            return true;
        }
        size_t ncap = (*cap ? *cap * 2 : 1024) + (size_t)n;
        char *nb = realloc(*buf, ncap);
        if (!nb)
            return false;
        *buf = nb;
        *cap = ncap;
    }
}

char *policy_render(const PGresult *r, const char *district, const char *version,
                    const char *effective)
{
    char *buf = NULL;
    size_t len = 0, cap = 0;
    bool ok = append(&buf, &len, &cap,
                     "# yanxiu policy of district %s (区县研修政策)\n"
                     "# version %s, effective %s%s\n"
                     "# Edit and store with: yanxiu policy set FILE [--effective YYYY-MM-DD]\n"
                     "# A key left out keeps the value in force.\n\n[policy]\n",
                     district, version, effective,
                     strcmp(version, "0") == 0 ? " (the defaults; none stored yet)" : "");
    for (int k = 0; ok && k < POLICY_NKEYS; k++) {
        const char *v = PQgetvalue(r, 0, k);
        ok = append(&buf, &len, &cap, "# %s\n", keys[k].comment);
        if (!ok)
            break;
        if (keys[k].kind == K_BOOL) {
            ok = append(&buf, &len, &cap, "%s = %s\n", keys[k].name, v[0] == 't' ? "yes" : "no");
        } else if (keys[k].kind == K_LIST) {
            /* {例会,政治学习,"a b"} → 例会, 政治学习, a b */
            ok = append(&buf, &len, &cap, "%s = ", keys[k].name);
            bool first = true;
            for (const char *p = v; ok && *p; p++) {
                if (*p == '{' || *p == '}' || *p == '"')
                    continue;
                if (*p == ',') {
                    ok = append(&buf, &len, &cap, ", ");
                    continue;
                }
                ok = append(&buf, &len, &cap, "%c", *p);
                first = false;
            }
            (void)first;
            ok = ok && append(&buf, &len, &cap, "\n");
        } else {
            ok = append(&buf, &len, &cap, "%s = %s\n", keys[k].name, v);
        }
    }
    if (!ok) {
        free(buf);
        return NULL;
    }
    return buf;
}
