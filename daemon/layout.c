/*
 * layout: which sheet holds which list, which column which field, and how a
 * cell becomes a field's value (dates and times written either as Excel
 * cells or as text, 学时 as numbers, 是/否 flags). What cannot be read is a
 * problem at its cell and marks the field "bad" so that the checks after do
 * not report it a second time.
 */
#include "layout.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "server.h"
#include "workpool.h"

/* ---- the layouts ----------------------------------------------------------------- */

enum ctype { CT_TEXT, CT_DATE, CT_TIME, CT_NUMBER, CT_FLAG };

/* A column: its field (as the protocol's path names it), the headers it goes by (the
 * first is the Chinese label of messages; the field name and `english` match too). */
struct col_spec {
    const char *field;
    const char *english;
    const char *names[4];
    bool required;
    enum ctype type;
    const struct vocab *vocab; /* an enumeration's column: its terms (code or Chinese name) */
};

#define MAX_COLS 16
#define MAX_PREFILLED 2 /* fields a sheet's template fills in ahead (sheet_spec.prefilled) */

struct sheet_spec {
    enum layout_list list;
    const char *names[6]; /* sheet names (and CSV file names without .csv) */
    bool optional;
    bool wide; /* scores: a column per item besides these */
    struct col_spec cols[MAX_COLS];
    /* Fields the template fills in ahead (签到表: the roster's 教师编号 and 姓名): a row with
     * nothing else is one the template listed and nobody filled in, not an item. */
    const char *prefilled[MAX_PREFILLED];
};

static const struct sheet_spec activities_sheet = {
    LL_ACTIVITIES,
    {"研修活动", "活动", "activities", "activity"},
    false,
    false,
    {{"ref", NULL, {"编号", "活动编号"}, true, CT_TEXT, NULL},
     {"date", NULL, {"日期", "活动日期"}, true, CT_DATE, NULL},
     {"start", NULL, {"开始", "开始时间"}, true, CT_TIME, NULL},
     {"end", NULL, {"结束", "结束时间"}, true, CT_TIME, NULL},
     {"title", NULL, {"主题", "活动主题"}, true, CT_TEXT, NULL},
     {"category", NULL, {"内容类别", "类别"}, true, CT_TEXT, &vocab_category},
     {"form", NULL, {"形式", "活动形式"}, true, CT_TEXT, &vocab_form},
     {"level", NULL, {"级别"}, true, CT_TEXT, &vocab_level},
     {"mode", NULL, {"方式"}, true, CT_TEXT, &vocab_mode},
     {"place", NULL, {"地点"}, false, CT_TEXT, NULL},
     {"host", NULL, {"主持人"}, true, CT_TEXT, NULL},
     {"speaker", NULL, {"主讲人"}, false, CT_TEXT, NULL},
     {"hours", NULL, {"学时"}, true, CT_NUMBER, NULL}},
    {NULL},
};

static const struct sheet_spec attendance_sheet = {
    LL_ATTENDANCE,
    {"签到表", "签到", "attendance", "sign-in"},
    false,
    false,
    {{"activity_ref", "ref", {"活动编号", "编号"}, true, CT_TEXT, NULL},
     {"teacher_code", NULL, {"教师编号"}, true, CT_TEXT, NULL},
     {"name", NULL, {"姓名"}, false, CT_TEXT, NULL},
     {"status", NULL, {"签到", "签到情况"}, true, CT_TEXT, &vocab_attendance},
     {"hours", NULL, {"学时"}, false, CT_NUMBER, NULL}},
    {"teacher_code", "name"},
};

static const struct sheet_spec external_sheet = {
    LL_EXTERNAL,
    {"校外培训", "外出培训", "上级培训", "external"},
    true,
    false,
    {{"teacher_code", NULL, {"教师编号"}, true, CT_TEXT, NULL},
     {"date", NULL, {"日期"}, true, CT_DATE, NULL},
     {"title", NULL, {"名称", "培训名称"}, true, CT_TEXT, NULL},
     {"category", NULL, {"内容类别", "类别"}, true, CT_TEXT, &vocab_category},
     {"level", NULL, {"级别"}, true, CT_TEXT, &vocab_level},
     {"mode", NULL, {"方式"}, true, CT_TEXT, &vocab_mode},
     {"hours", NULL, {"学时"}, true, CT_NUMBER, NULL},
     {"credits", NULL, {"学分"}, false, CT_NUMBER, NULL},
     {"certificate", NULL, {"证书编号"}, false, CT_TEXT, NULL}},
    {NULL},
};

static const struct sheet_spec teachers_sheet = {
    LL_TEACHERS,
    {"名册", "教师名册", "teachers", "roster"},
    false,
    false,
    {{"teacher_code", NULL, {"教师编号"}, true, CT_TEXT, NULL},
     {"name", NULL, {"姓名"}, true, CT_TEXT, NULL},
     {"school_code", NULL, {"学校代码", "学校标识码"}, true, CT_TEXT, NULL},
     {"subject", NULL, {"学科", "任教学科"}, false, CT_TEXT, NULL},
     {"research_group", "group", {"教研组"}, false, CT_TEXT, NULL},
     {"homeroom", NULL, {"班主任"}, false, CT_FLAG, NULL},
     {"backbone", NULL, {"骨干教师"}, false, CT_FLAG, NULL},
     {"new_teacher", NULL, {"新任教师"}, false, CT_FLAG, NULL},
     {"status", NULL, {"状态"}, false, CT_TEXT, &vocab_teacher_status}},
    {NULL},
};

static const struct sheet_spec units_sheet = {
    LL_UNITS,
    {"学校", "units", "schools"},
    false,
    false,
    {{"school_code", NULL, {"学校代码", "学校标识码"}, true, CT_TEXT, NULL},
     {"name", NULL, {"学校名称", "名称"}, true, CT_TEXT, NULL},
     {"kind", NULL, {"类型", "学校类型"}, true, CT_TEXT, &vocab_unit_kind},
     {"central_code", NULL, {"所属中心校"}, false, CT_TEXT, NULL},
     {"opened", NULL, {"开办日期"}, false, CT_DATE, NULL},
     {"closed", NULL, {"撤并日期"}, false, CT_DATE, NULL}},
    {NULL},
};

/* Scores: long form (item, points) or wide form (a column per item). */
static const struct sheet_spec scores_sheet = {
    LL_SCORES,
    {"成绩", "考核得分", "得分", "scores"},
    false,
    true,
    {{"subject_code", "teacher_code", {"教师编号", "单位代码", "unit_code"}, true, CT_TEXT, NULL},
     {"name", NULL, {"姓名"}, false, CT_TEXT, NULL},
     {"item", NULL, {"考核项目"}, false, CT_TEXT, NULL},
     {"points", NULL, {"得分"}, false, CT_NUMBER, NULL}},
    {NULL},
};

static const struct sheet_spec *const report_sheets[] = {&activities_sheet, &attendance_sheet,
                                                         &external_sheet, NULL};
static const struct sheet_spec *const roster_sheets[] = {&teachers_sheet, NULL};
static const struct sheet_spec *const units_sheets[] = {&units_sheet, NULL};
static const struct sheet_spec *const scores_sheets[] = {&scores_sheet, NULL};

static const struct sheet_spec *const *kind_sheets(enum layout_kind kind)
{
    switch (kind) {
    case LAYOUT_REPORT:
        return report_sheets;
    case LAYOUT_ROSTER:
        return roster_sheets;
    case LAYOUT_UNITS:
        return units_sheets;
    case LAYOUT_SCORES:
        return scores_sheets;
    }
    return report_sheets;
}

static const char *const list_names[LL_N] = {"activities", "attendance", "external",
                                             "teachers",   "units",      "scores"};

static const struct sheet_spec *const all_sheets[] = {&activities_sheet, &attendance_sheet,
                                                      &external_sheet,   &teachers_sheet,
                                                      &units_sheet,      &scores_sheet};

static const struct col_spec *spec_col(const struct sheet_spec *s, const char *field)
{
    for (size_t i = 0; i < MAX_COLS && s->cols[i].field; i++)
        if (strcmp(s->cols[i].field, field) == 0)
            return &s->cols[i];
    return NULL;
}

/* The column label of list's field for messages (the Chinese header), else the field. */
static const char *field_label(enum layout_list list, const char *field)
{
    for (size_t i = 0; i < sizeof(all_sheets) / sizeof(all_sheets[0]); i++) {
        if (all_sheets[i]->list != list)
            continue;
        const struct col_spec *c = spec_col(all_sheets[i], field);
        if (c)
            return c->names[0];
    }
    return field;
}

/* ---- what a layout keeps ---------------------------------------------------------- */

/* A sheet read as one list: its book, where its header is and which column is which field. */
struct layout_tab {
    const char *file;
    const struct book *book;
    size_t sheet;
    unsigned header_row;    /* 0-based */
    unsigned col[MAX_COLS]; /* per spec column: 1-based column, 0 when absent */
    const struct sheet_spec *spec;
};

struct layout_origin {
    unsigned tab;
    unsigned row; /* 0-based row of the book */
    unsigned col; /* 1-based column of a wide score, else 0 */
    uint32_t bad; /* bit per spec column: a problem is already reported there */
};

void layout_free(struct layout *L)
{
    if (!L)
        return;
    rpc_violations_free(&L->problems);
    /* Messages' strings are the books' or malloc'd here: see strdup_or_empty. */
    for (size_t i = 0; i < L->n_activities; i++) {
        Yanxiu__V1__Activity *a = L->activities[i];
        char *s[] = {a->ref, a->date, a->start, a->end, a->title, a->place, a->host, a->speaker};
        for (size_t k = 0; k < sizeof(s) / sizeof(s[0]); k++)
            free(s[k]);
        free(a);
    }
    for (size_t i = 0; i < L->n_attendance; i++) {
        Yanxiu__V1__Attendance *t = L->attendance[i];
        free(t->activity_ref);
        free(t->teacher_code);
        free(t->name);
        free(t);
    }
    for (size_t i = 0; i < L->n_external; i++) {
        Yanxiu__V1__ExternalRecord *e = L->external[i];
        char *s[] = {e->teacher_code, e->date, e->title, e->certificate};
        for (size_t k = 0; k < sizeof(s) / sizeof(s[0]); k++)
            free(s[k]);
        free(e);
    }
    for (size_t i = 0; i < L->n_teachers; i++) {
        Yanxiu__V1__Teacher *t = L->teachers[i];
        char *s[] = {t->teacher_code, t->name, t->school_code, t->subject, t->research_group};
        for (size_t k = 0; k < sizeof(s) / sizeof(s[0]); k++)
            free(s[k]);
        free(t);
    }
    for (size_t i = 0; i < L->n_units; i++) {
        Yanxiu__V1__Unit *u = L->units[i];
        char *s[] = {u->school_code, u->name, u->central_code, u->opened, u->closed};
        for (size_t k = 0; k < sizeof(s) / sizeof(s[0]); k++)
            free(s[k]);
        free(u);
    }
    for (size_t i = 0; i < L->n_scores; i++) {
        free(L->scores[i]->subject_code);
        free(L->scores[i]->item);
        free(L->scores[i]);
    }
    free(L->activities);
    free(L->attendance);
    free(L->external);
    free(L->teachers);
    free(L->units);
    free(L->scores);
    free(L->columns); /* its strings are the specs' */
    for (size_t i = 0; i < L->n_books; i++)
        book_free(L->books[i]);
    free(L->books);
    free(L->tabs);
    for (int k = 0; k < LL_N; k++)
        free(L->origin[k]);
    free(L);
}

/* Moves the problems of `from` to the end of `to` (all counted; those beyond to's room stay
 * in from, to be freed with it). */
static void move_problems(struct rpc_violations *to, struct rpc_violations *from)
{
    to->total += from->total;
    size_t kept = 0;
    for (size_t i = 0; i < from->n; i++) {
        if (to->n < RPC_MAX_VIOLATIONS)
            to->v[to->n++] = from->v[i];
        else
            from->v[kept++] = from->v[i];
    }
    from->n = kept;
    from->total = kept;
}

void layout_take_problems(struct layout *L, struct rpc_violations *vs)
{
    move_problems(vs, &L->problems);
}

/* ---- places ---------------------------------------------------------------------- */

static const struct layout_origin *origin_of(const struct layout *L, enum layout_list list,
                                             size_t idx)
{
    if (!L || idx >= L->n_origin[list] || !L->origin[list])
        return NULL;
    return &L->origin[list][idx];
}

static int tab_field(const struct layout_tab *t, const char *field)
{
    for (int i = 0; i < MAX_COLS && t->spec->cols[i].field; i++)
        if (strcmp(t->spec->cols[i].field, field) == 0)
            return i;
    return -1;
}

const struct rpc_at *layout_at(struct layout_where *w, const struct layout *L,
                               enum layout_list list, size_t idx, const char *field,
                               const char *value)
{
    memset(w, 0, sizeof(*w));
    const struct layout_origin *o = origin_of(L, list, idx);
    w->label = field_label(list, field);
    if (!o) {
        snprintf(w->path, sizeof(w->path), "%s[%zu].%s", list_names[list], idx, field);
        w->at.path = w->path;
        w->at.row = (unsigned)idx + 1;
        w->at.value = value && value[0] ? value : NULL;
        return &w->at;
    }
    const struct layout_tab *t = &L->tabs[o->tab];
    const struct book_sheet *sh = book_sheet(t->book, t->sheet);
    w->at.file = t->file;
    w->at.sheet = sh->name;
    w->at.row = o->row + 1;
    int f = tab_field(t, field);
    unsigned col = f >= 0 ? t->col[f] : 0;
    if (!col && o->col && strcmp(field, "subject_code") != 0)
        col = o->col; /* a wide score's item and points are its cell */
    w->at.value = value && value[0] ? value : NULL;
    if (col) {
        w->at.col = col;
        const char *h = book_cell(t->book, t->sheet, t->header_row, col - 1)->text;
        snprintf(w->header, sizeof(w->header), "%s", h);
        w->at.header = w->header;
        if (w->header[0])
            w->label = w->header;
        const struct book_cell *c = book_cell(t->book, t->sheet, o->row, col - 1);
        w->at.value = c->text[0] ? c->text : NULL;
    }
    return &w->at;
}

const struct rpc_at *layout_path_at(struct layout_where *w, const struct layout *L,
                                    const char *path)
{
    for (int k = 0; k < LL_N; k++) {
        size_t n = strlen(list_names[k]);
        if (strncmp(path, list_names[k], n) != 0 || path[n] != '[')
            continue;
        char *end;
        unsigned long idx = strtoul(path + n + 1, &end, 10);
        if (end[0] != ']' || end[1] != '.')
            break;
        return layout_at(w, L, (enum layout_list)k, idx, end + 2, NULL);
    }
    memset(w, 0, sizeof(*w));
    snprintf(w->path, sizeof(w->path), "%s", path);
    w->at.path = w->path;
    w->label = w->path;
    return &w->at;
}

bool layout_bad(const struct layout *L, enum layout_list list, size_t idx, const char *field)
{
    const struct layout_origin *o = origin_of(L, list, idx);
    if (!o)
        return false;
    int f = tab_field(&L->tabs[o->tab], field);
    return f >= 0 && (o->bad >> f & 1u);
}

const char *layout_accepted(const struct vocab *v, char *buf, size_t cap)
{
    size_t len = 0;
    buf[0] = '\0';
    for (size_t i = 0; i < v->n && len + 1 < cap; i++)
        len += (size_t)snprintf(buf + len, cap - len, "%s%s", i ? "、" : "",
                                v->terms[i].names[0] ? v->terms[i].names[0] : v->terms[i].code);
    return buf;
}

bool layout_text(struct rpc_violations *vs, const struct layout *L, enum layout_list list, size_t i,
                 const char *field, const char *value, size_t max, bool required)
{
    if (check_text(value, max, !required))
        return true;
    struct layout_where w;
    char maxs[24];
    snprintf(maxs, sizeof(maxs), "%zu", max);
    if (!value[0])
        LAYOUT_PROBLEM(vs, L, list, i, field, value, "value_required", NULL);
    else if (!rpc_text_ok(value, 4 * max + 4))
        LAYOUT_PROBLEM(vs, L, list, i, field, "", "value_not_text", NULL);
    else
        LAYOUT_PROBLEM(vs, L, list, i, field, value, "value_too_long", "max", maxs, NULL);
    return false;
}

const char *layout_term(struct rpc_violations *vs, const struct layout *L, enum layout_list list,
                        size_t i, const char *field, const struct vocab *v, int value,
                        const char *dflt)
{
    if (value == 0 && dflt)
        return dflt;
    const char *code = vocab_code_of(v, value);
    if (code[0])
        return code;
    struct layout_where w;
    char accepted[512], num[16];
    snprintf(num, sizeof(num), "%d", value);
    if (value == 0)
        LAYOUT_PROBLEM(vs, L, list, i, field, "", "value_required", NULL);
    else
        LAYOUT_PROBLEM(vs, L, list, i, field, num, "value_unknown", "value", num, "accepted",
                       layout_accepted(v, accepted, sizeof(accepted)), NULL);
    return NULL;
}

static bool same_str(const char *a, const char *b)
{
    return strcmp(a ? a : "", b ? b : "") == 0;
}

/* Whether the last problem of vs is `code` at `at` already. */
static bool same_place(const struct rpc_violations *vs, const struct rpc_at *at, const char *code)
{
    if (!vs->n)
        return false;
    const Yanxiu__V1__FieldViolation *v = vs->v[vs->n - 1];
    char letters[8] = "";
    if (at->col)
        book_col_name(at->col - 1, letters);
    return same_str(v->code, code) && same_str(v->file, at->file) &&
           same_str(v->sheet, at->sheet) && v->row == at->row && same_str(v->column, letters) &&
           same_str(v->path, at->path);
}

void layout_db_problems(struct rpc_violations *vs, const struct layout *L, const PGresult *r,
                        const char *list)
{
    int rows = PQntuples(r);
    int cn = PQfnumber(r, "n"), cpath = PQfnumber(r, "path"), cidx = PQfnumber(r, "idx");
    int cfield = PQfnumber(r, "field"), ccode = PQfnumber(r, "code");
    int ckey = PQfnumber(r, "key"), cval = PQfnumber(r, "value");
    for (int i = 0; i < rows;) {
        int j = i;
        const char *args[16];
        size_t na = 0;
        for (; j < rows && strcmp(PQgetvalue(r, j, cn), PQgetvalue(r, i, cn)) == 0; j++)
            if (!PQgetisnull(r, j, ckey) && na < 14) {
                args[na++] = PQgetvalue(r, j, ckey);
                args[na++] = PQgetvalue(r, j, cval);
            }
        while (na < 16) /* rpc_problem stops at the first NULL name */
            args[na++] = NULL;
        char path[96];
        if (list) {
            if (atoi(PQgetvalue(r, i, cidx)) < 0) {
                i = j;
                continue;
            }
            snprintf(path, sizeof(path), "%s[%s].%s", list, PQgetvalue(r, i, cidx),
                     PQgetvalue(r, i, cfield));
        } else
            snprintf(path, sizeof(path), "%s", PQgetvalue(r, i, cpath));
        struct layout_where w;
        const struct rpc_at *at = layout_path_at(&w, L, path);
        for (size_t k = 0; !w.at.value && k < 14 && args[k]; k += 2)
            if (strcmp(args[k], "value") == 0)
                w.at.value = args[k + 1];
        if (L && same_place(vs, at, PQgetvalue(r, i, ccode))) {
            i = j; /* a wide score's subject, once for its row, not once per item */
            continue;
        }
        rpc_problem(vs, at, PQgetvalue(r, i, ccode), "field", w.label, args[0], args[1], args[2],
                    args[3], args[4], args[5], args[6], args[7], args[8], args[9], args[10],
                    args[11], args[12], args[13], NULL);
        i = j;
    }
}

void layout_duplicates(struct rpc_violations *vs, const struct layout *L,
                       struct check_code_at *codes, size_t n, enum layout_list list,
                       const char *field, const char *code)
{
    qsort(codes, n, sizeof(*codes), check_code_at_cmp);
    for (size_t i = 1; i < n; i++) {
        if (!codes[i].code[0] || strcmp(codes[i].code, codes[i - 1].code) != 0)
            continue;
        struct layout_where w;
        layout_at(&w, L, list, codes[i - 1].row, field, NULL);
        char first[24], quoted[41];
        snprintf(first, sizeof(first), "%u", w.at.row);
        LAYOUT_PROBLEM(vs, L, list, codes[i].row, field, codes[i].code, code, "value",
                       check_quote(codes[i].code, quoted, sizeof(quoted)), "first_row", first,
                       NULL);
    }
}

/* ---- reading (on a worker thread) --------------------------------------------------- */

static bool grow(void **v, size_t n, size_t size)
{
    if (n & (n - 1)) /* not a power of two: room is left */
        return true;
    void *p = realloc(*v, (n ? 2 * n : 1) * size);
    if (!p)
        return false;
    *v = p;
    return true;
}

/* "activities.csv" → "activities" (a CSV sheet is named after its file). */
static bool sheet_named(const char *name, const struct sheet_spec *s)
{
    char base[160];
    snprintf(base, sizeof(base), "%s", name);
    char *dot = strrchr(base, '.');
    if (dot && (strcasecmp(dot, ".csv") == 0 || strcasecmp(dot, ".txt") == 0))
        *dot = '\0';
    for (size_t i = 0; i < 6 && s->names[i]; i++)
        if (strcasecmp(base, s->names[i]) == 0)
            return true;
    return false;
}

static int spec_match(const struct sheet_spec *s, const char *text)
{
    if (!text[0])
        return -1;
    for (int i = 0; i < MAX_COLS && s->cols[i].field; i++) {
        const struct col_spec *c = &s->cols[i];
        if (strcasecmp(text, c->field) == 0 || (c->english && strcasecmp(text, c->english) == 0))
            return i;
        for (size_t k = 0; k < 4 && c->names[k]; k++)
            if (strcmp(text, c->names[k]) == 0)
                return i;
    }
    return -1;
}

static bool header_known(const char *text, void *arg)
{
    return spec_match(arg, text) >= 0;
}

/* The labels of a sheet's columns, "编号、日期、…" (required ones only when asked). */
static const char *spec_labels(const struct sheet_spec *s, bool required_only, char *buf,
                               size_t cap)
{
    size_t len = 0;
    buf[0] = '\0';
    for (int i = 0; i < MAX_COLS && s->cols[i].field && len + 1 < cap; i++)
        if (!required_only || s->cols[i].required)
            len += (size_t)snprintf(buf + len, cap - len, "%s%s", len ? "、" : "",
                                    s->cols[i].names[0]);
    return buf;
}

/* A problem at cell (row, col) (0-based; col < 0: the row only) of tab t. */
#define CELL_AT(t, r, c, hdr, val)                                                                 \
    (&(struct rpc_at){.file = (t)->file,                                                           \
                      .sheet = book_sheet((t)->book, (t)->sheet)->name,                            \
                      .row = (r) + 1,                                                              \
                      .col = (c) < 0 ? 0 : (unsigned)(c) + 1,                                      \
                      .header = (hdr),                                                             \
                      .value = (val)})

/* "2026/10/9", "2026-10-09", "2026.10.9", "2026年10月9日" → "2026-10-09" in out; false if none. */
static bool date_text(const char *s, char out[16])
{
    int y, m, d, n = -1;
    if ((sscanf(s, "%4d%*1[-/.]%2d%*1[-/.]%2d%n", &y, &m, &d, &n) == 3 && n > 0 && !s[n]) ||
        (n = -1, sscanf(s, "%4d年%2d月%2d日%n", &y, &m, &d, &n) == 3 && n > 0 && !s[n])) {
        snprintf(out, 16, "%04d-%02d-%02d", y % 10000, m % 100, d % 100);
        return true;
    }
    return false;
}

/* "8:30", "08:30:00", "8：30" → "08:30"; false if none. */
static bool time_text(const char *s, char out[8])
{
    char buf[32];
    size_t k = 0;
    for (size_t i = 0; s[i] && k + 1 < sizeof(buf); i++) {
        if (strncmp(s + i, "：", 3) == 0) { /* a full-width colon */
            buf[k++] = ':';
            i += 2;
        } else
            buf[k++] = s[i];
    }
    buf[k] = '\0';
    int h, m, sec, n = -1;
    if ((sscanf(buf, "%2d:%2d%n", &h, &m, &n) == 2 && n > 0 && !buf[n]) ||
        (n = -1, sscanf(buf, "%2d:%2d:%2d%n", &h, &m, &sec, &n) == 3 && n > 0 && !buf[n])) {
        snprintf(out, 8, "%02d:%02d", h % 100, m % 100);
        return true;
    }
    return false;
}

/*
 * The value of spec column f on row r, as the field wants it: text (malloc'd)
 * into *text, a number into *num. A cell that cannot be read is a problem and
 * sets the field's bit in o->bad (then *text is "" and *num 0).
 */
static bool cell_value(struct layout *L, const struct layout_tab *t, struct layout_origin *o, int f,
                       unsigned r, unsigned col1, char **text, double *num)
{
    *text = NULL;
    *num = 0;
    const struct col_spec *cs = &t->spec->cols[f];
    const char *v = "";
    char buf[40];
    if (!col1 && cs->required)
        o->bad |= 1u << f; /* the missing column is the problem (column_missing) */
    if (col1) {
        const struct book_cell *c = book_cell(t->book, t->sheet, r, col1 - 1);
        const char *hdr = book_cell(t->book, t->sheet, t->header_row, col1 - 1)->text;
        int ci = (int)col1 - 1;
        const char *code = NULL;
        v = c->text;
        if (c->merged && cs->required) {
            char a[8], b[8], range[24];
            snprintf(range, sizeof(range), "%s%u:%s%u", book_col_name(c->anchor_col, a),
                     c->anchor_row + 1, book_col_name((unsigned)ci, b), r + 1);
            rpc_problem(&L->problems, CELL_AT(t, r, ci, hdr, NULL), "cell_merged", "field", hdr,
                        "range", range, NULL);
            o->bad |= 1u << f;
            v = "";
        } else if (c->kind == BOOK_ERROR) {
            code = "value_error";
        } else if (cs->type == CT_NUMBER) {
            /* the number as Excel shows it (15 significant digits): a 学时 computed as
               =(D4-C4)*24 is cached as 1.9999999999999982 and shown, and meant, as 2 */
            if (c->kind == BOOK_NUMBER)
                *num = strtod(c->text, NULL);
            else if (c->kind == BOOK_TEXT && check_decimal(c->text, 15, -1e15, 1e15))
                *num = strtod(c->text, NULL); /* written as a plain decimal: not 1e1, 0x10 */
            else if (c->kind != BOOK_EMPTY)
                code = "value_not_number";
        } else if (cs->type == CT_DATE) {
            if (c->kind == BOOK_DATE || c->kind == BOOK_DATETIME) {
                snprintf(buf, 11, "%s", c->text);
                v = buf;
            } else if (c->kind == BOOK_TEXT && date_text(c->text, buf))
                v = buf;
            else if (c->kind != BOOK_EMPTY && c->kind != BOOK_TEXT)
                code = "value_not_date";
        } else if (cs->type == CT_TIME) {
            if (c->kind == BOOK_TIME)
                v = c->text;
            else if (c->kind == BOOK_DATETIME && strlen(c->text) >= 16)
                v = c->text + 11;
            else if (c->kind == BOOK_NUMBER && c->number >= 0 && c->number < 1) {
                long mins = lround(c->number * 1440);
                snprintf(buf, sizeof(buf), "%02ld:%02ld", mins / 60 % 24, mins % 60);
                v = buf;
            } else if (c->kind == BOOK_TEXT && time_text(c->text, buf))
                v = buf;
            else if (c->kind != BOOK_EMPTY && c->kind != BOOK_TEXT)
                code = "value_not_time";
        } else if (cs->type == CT_FLAG) {
            static const char *const yes[] = {"是", "yes", "y", "1", "true", "√", NULL};
            static const char *const no[] = {"否", "no", "n", "0", "false", "", NULL};
            bool known = false;
            for (size_t k = 0; yes[k]; k++)
                if (strcasecmp(c->text, yes[k]) == 0)
                    *num = 1, known = true;
            for (size_t k = 0; no[k]; k++)
                if (strcasecmp(c->text, no[k]) == 0)
                    known = true;
            if (!known)
                code = "value_not_flag";
        } else if (cs->vocab && c->kind != BOOK_EMPTY && !vocab_code(cs->vocab, c->text)) {
            char accepted[512];
            rpc_problem(&L->problems, CELL_AT(t, r, ci, hdr, c->text), "value_unknown", "field",
                        hdr, "value", c->text, "accepted",
                        layout_accepted(cs->vocab, accepted, sizeof(accepted)), NULL);
            o->bad |= 1u << f;
            v = "";
        }
        if (code) {
            rpc_problem(&L->problems, CELL_AT(t, r, ci, hdr, c->text), code, "field", hdr, "value",
                        c->text, NULL);
            o->bad |= 1u << f;
            v = "";
            *num = 0;
        }
    }
    *text = strdup(v);
    return *text != NULL;
}

/* Takes the text of column `field` out of vals (or "" when the sheet lacks it). */
static char *take(const struct layout_tab *t, char **vals, const char *field)
{
    int f = tab_field(t, field);
    char *s = NULL;
    if (f >= 0) {
        s = vals[f];
        vals[f] = NULL;
    }
    return s ? s : strdup("");
}

/* The enum value of an enumeration's column (0: empty, or a term cell_value refused). */
static int term(const struct layout_tab *t, char **vals, const char *field, const struct vocab *v)
{
    int f = tab_field(t, field);
    return f >= 0 && vals[f] ? vocab_value(v, vals[f]) : 0;
}

static double number(const struct layout_tab *t, const double *nums, const char *field)
{
    int f = tab_field(t, field);
    return f >= 0 ? nums[f] : 0;
}

/* Appends the item of row r to its list. False on out-of-memory. */
static bool add_item(struct layout *L, const struct layout_tab *t, struct layout_origin *o,
                     char **vals, const double *nums)
{
    enum layout_list list = t->spec->list;
    size_t *n = &L->n_origin[list];
    if (!grow((void **)&L->origin[list], *n, sizeof(*L->origin[list])))
        return false;
    switch (list) {
    case LL_ACTIVITIES: {
        Yanxiu__V1__Activity *a = calloc(1, sizeof(*a));
        if (!a || !grow((void **)&L->activities, L->n_activities, sizeof(*L->activities))) {
            free(a);
            return false;
        }
        yanxiu__v1__activity__init(a);
        a->ref = take(t, vals, "ref");
        a->date = take(t, vals, "date");
        a->start = take(t, vals, "start");
        a->end = take(t, vals, "end");
        a->title = take(t, vals, "title");
        a->category = term(t, vals, "category", &vocab_category);
        a->form = term(t, vals, "form", &vocab_form);
        a->level = term(t, vals, "level", &vocab_level);
        a->mode = term(t, vals, "mode", &vocab_mode);
        a->place = take(t, vals, "place");
        a->host = take(t, vals, "host");
        a->speaker = take(t, vals, "speaker");
        a->hours = number(t, nums, "hours");
        L->activities[L->n_activities++] = a;
        break;
    }
    case LL_ATTENDANCE: {
        Yanxiu__V1__Attendance *x = calloc(1, sizeof(*x));
        if (!x || !grow((void **)&L->attendance, L->n_attendance, sizeof(*L->attendance))) {
            free(x);
            return false;
        }
        yanxiu__v1__attendance__init(x);
        x->activity_ref = take(t, vals, "activity_ref");
        x->teacher_code = take(t, vals, "teacher_code");
        x->name = take(t, vals, "name");
        x->status = term(t, vals, "status", &vocab_attendance);
        x->hours = number(t, nums, "hours");
        L->attendance[L->n_attendance++] = x;
        break;
    }
    case LL_EXTERNAL: {
        Yanxiu__V1__ExternalRecord *e = calloc(1, sizeof(*e));
        if (!e || !grow((void **)&L->external, L->n_external, sizeof(*L->external))) {
            free(e);
            return false;
        }
        yanxiu__v1__external_record__init(e);
        e->teacher_code = take(t, vals, "teacher_code");
        e->date = take(t, vals, "date");
        e->title = take(t, vals, "title");
        e->category = term(t, vals, "category", &vocab_category);
        e->level = term(t, vals, "level", &vocab_level);
        e->mode = term(t, vals, "mode", &vocab_mode);
        e->hours = number(t, nums, "hours");
        e->credits = number(t, nums, "credits");
        e->certificate = take(t, vals, "certificate");
        L->external[L->n_external++] = e;
        break;
    }
    case LL_TEACHERS: {
        Yanxiu__V1__Teacher *x = calloc(1, sizeof(*x));
        if (!x || !grow((void **)&L->teachers, L->n_teachers, sizeof(*L->teachers))) {
            free(x);
            return false;
        }
        yanxiu__v1__teacher__init(x);
        x->teacher_code = take(t, vals, "teacher_code");
        x->name = take(t, vals, "name");
        x->school_code = take(t, vals, "school_code");
        x->subject = take(t, vals, "subject");
        x->research_group = take(t, vals, "research_group");
        x->homeroom = number(t, nums, "homeroom") != 0;
        x->backbone = number(t, nums, "backbone") != 0;
        x->new_teacher = number(t, nums, "new_teacher") != 0;
        x->status = term(t, vals, "status", &vocab_teacher_status);
        x->unit_code = (char *)protobuf_c_empty_string;
        L->teachers[L->n_teachers++] = x;
        break;
    }
    case LL_UNITS: {
        Yanxiu__V1__Unit *u = calloc(1, sizeof(*u));
        if (!u || !grow((void **)&L->units, L->n_units, sizeof(*L->units))) {
            free(u);
            return false;
        }
        yanxiu__v1__unit__init(u);
        u->school_code = take(t, vals, "school_code");
        u->name = take(t, vals, "name");
        u->kind = term(t, vals, "kind", &vocab_unit_kind);
        u->central_code = take(t, vals, "central_code");
        u->opened = take(t, vals, "opened");
        u->closed = take(t, vals, "closed");
        u->unit_code = (char *)protobuf_c_empty_string;
        L->units[L->n_units++] = u;
        break;
    }
    case LL_SCORES: {
        Yanxiu__V1__ItemScore *x = calloc(1, sizeof(*x));
        if (!x || !grow((void **)&L->scores, L->n_scores, sizeof(*L->scores))) {
            free(x);
            return false;
        }
        yanxiu__v1__item_score__init(x);
        x->subject_code = take(t, vals, "subject_code");
        x->item = take(t, vals, "item");
        x->points = number(t, nums, "points");
        L->scores[L->n_scores++] = x;
        break;
    }
    case LL_N:
        return false;
    }
    L->origin[list][(*n)++] = *o;
    return true;
}

/* The 1-based columns of tab t holding the fields its template fills in ahead (0: none). */
static void prefilled_cols(const struct layout_tab *t, unsigned pre[MAX_PREFILLED])
{
    for (int i = 0; i < MAX_PREFILLED; i++) {
        int f = t->spec->prefilled[i] ? tab_field(t, t->spec->prefilled[i]) : -1;
        pre[i] = f >= 0 ? t->col[f] : 0;
    }
}

/* The items of tab t (its header found and its columns mapped). False on out-of-memory. */
static bool read_rows(struct layout *L, unsigned tab)
{
    const struct layout_tab *t = &L->tabs[tab];
    const struct book_sheet *sh = book_sheet(t->book, t->sheet);
    int nf = 0;
    while (nf < MAX_COLS && t->spec->cols[nf].field)
        nf++;
    bool wide = t->spec->wide && !t->col[tab_field(t, "item")];
    int subject = tab_field(t, "subject_code"), points = tab_field(t, "points");
    unsigned pre[MAX_PREFILLED];
    prefilled_cols(t, pre);
    for (unsigned r = t->header_row + 1; r < sh->rows; r++) {
        bool any = false;
        for (unsigned c = 0; c < sh->cols && !any; c++) {
            const struct book_cell *cell = book_cell(t->book, t->sheet, r, c);
            bool pref = false;
            for (int i = 0; i < MAX_PREFILLED; i++)
                pref = pref || pre[i] == c + 1;
            any = cell->kind != BOOK_EMPTY && cell->text[0] && !pref;
        }
        if (!any)
            continue; /* an empty row (or only merged blanks, or only what the template filled
                         in) between the rows */
        struct layout_origin o = {tab, r, 0, 0};
        char *vals[MAX_COLS] = {0};
        double nums[MAX_COLS] = {0};
        bool ok = true;
        for (int f = 0; ok && f < nf; f++)
            ok = cell_value(L, t, &o, f, r, t->col[f], &vals[f], &nums[f]);
        if (ok && !wide)
            ok = add_item(L, t, &o, vals, nums);
        /* Wide scores: an item per column that is not a known one, for each filled cell. */
        for (unsigned c = 0; ok && wide && c < sh->cols; c++) {
            const char *hdr = book_cell(t->book, t->sheet, t->header_row, c)->text;
            if (!hdr[0] || spec_match(t->spec, hdr) >= 0)
                continue;
            const struct book_cell *cell = book_cell(t->book, t->sheet, r, c);
            if (cell->kind == BOOK_EMPTY || !cell->text[0])
                continue; /* an empty cell enters no score */
            struct layout_origin oc = {tab, r, c + 1, o.bad};
            char *pv = NULL;
            ok = cell_value(L, t, &oc, points, r, c + 1, &pv, &nums[points]);
            free(pv);
            char *sv[MAX_COLS] = {0};
            sv[subject] = strdup(vals[subject] ? vals[subject] : "");
            int fi = tab_field(t, "item");
            sv[fi] = strdup(hdr);
            ok = ok && sv[subject] && sv[fi] && add_item(L, t, &oc, sv, nums);
            for (int f = 0; f < nf; f++)
                free(sv[f]);
        }
        for (int f = 0; f < nf; f++)
            free(vals[f]);
        if (!ok)
            return false;
    }
    return true;
}

/* Finds the header of sheet s of book b for spec and adds it as a tab. False: no header (a
 * problem when `report`), or out of memory (L->oom). */
static bool add_tab(struct layout *L, const char *file, const struct book *b, size_t s,
                    const struct sheet_spec *spec, bool report)
{
    int required = 0;
    for (int i = 0; i < MAX_COLS && spec->cols[i].field; i++)
        required += spec->cols[i].required;
    int hr = book_find_header(b, s, 20, required < 2 ? 1 : 2, header_known, (void *)spec);
    const struct book_sheet *sh = book_sheet(b, s);
    char labels[600];
    if (hr < 0) {
        if (report)
            rpc_problem(&L->problems, &(struct rpc_at){.file = file, .sheet = sh->name},
                        "sheet_header_missing", "sheet", sh->name, "columns",
                        spec_labels(spec, true, labels, sizeof(labels)), NULL);
        return false;
    }
    if (!grow((void **)&L->tabs, L->n_tabs, sizeof(*L->tabs))) {
        L->oom = true;
        return false;
    }
    struct layout_tab *t = &L->tabs[L->n_tabs];
    memset(t, 0, sizeof(*t));
    t->file = file;
    t->book = b;
    t->sheet = s;
    t->header_row = (unsigned)hr;
    t->spec = spec;
    for (unsigned c = 0; c < sh->cols; c++) {
        const char *text = book_cell(b, s, (unsigned)hr, c)->text;
        int f = spec_match(spec, text);
        if (f >= 0 && !t->col[f])
            t->col[f] = c + 1;
        else if (f >= 0)
            rpc_problem(&L->problems, CELL_AT(t, (unsigned)hr, (int)c, text, text),
                        "column_duplicate", "header", text, NULL);
        else if (text[0] && !spec->wide)
            rpc_problem(&L->problems, CELL_AT(t, (unsigned)hr, (int)c, text, text),
                        "column_unknown", "header", text, "columns",
                        spec_labels(spec, false, labels, sizeof(labels)), NULL);
    }
    for (int i = 0; i < MAX_COLS && spec->cols[i].field; i++)
        if (spec->cols[i].required && !t->col[i])
            rpc_problem(&L->problems, CELL_AT(t, (unsigned)hr, -1, NULL, NULL), "column_missing",
                        "field", spec->cols[i].names[0], "columns",
                        spec_labels(spec, true, labels, sizeof(labels)), NULL);
    if (spec->wide) {
        /* Long form (考核项目, 得分: one score a row) or wide form (a column per item), not
         * both and not neither. */
        bool item = t->col[tab_field(t, "item")], points = t->col[tab_field(t, "points")];
        unsigned others = 0;
        for (unsigned c = 0; c < sh->cols; c++) {
            const char *text = book_cell(b, s, (unsigned)hr, c)->text;
            if (!text[0] || spec_match(spec, text) >= 0)
                continue;
            others++;
            if (item || points) /* a column per item beside the long form's columns */
                rpc_problem(&L->problems, CELL_AT(t, (unsigned)hr, (int)c, text, text),
                            "column_unknown", "header", text, "columns",
                            spec_labels(spec, false, labels, sizeof(labels)), NULL);
        }
        if (item != points)
            rpc_problem(&L->problems, CELL_AT(t, (unsigned)hr, -1, NULL, NULL), "column_missing",
                        "field", item ? "得分" : "考核项目", "columns",
                        spec_labels(spec, false, labels, sizeof(labels)), NULL);
        else if (!item && !others)
            rpc_problem(&L->problems, CELL_AT(t, (unsigned)hr, -1, NULL, NULL),
                        "scores_columns_missing", "sheet", sh->name, NULL);
    }
    L->n_tabs++;
    return true;
}

struct layout *layout_read(enum layout_kind kind, const struct layout_file *files, size_t n,
                           const struct book_limits *lim)
{
    struct layout *L = calloc(1, sizeof(*L));
    if (!L)
        return NULL;
    L->kind = kind;
    L->books = calloc(n + 1, sizeof(*L->books));
    const char **names = calloc(n + 1, sizeof(*names));
    if (!L->books || !names) {
        free(names);
        layout_free(L);
        return NULL;
    }
    for (size_t i = 0; i < n; i++) {
        struct book_error err = {0};
        struct book *b = book_read(files[i].name, files[i].data, files[i].len,
                                   files[i].encoding ? files[i].encoding : "", lim, &err);
        if (!b) {
            char line[16] = "";
            if (err.line)
                snprintf(line, sizeof(line), "%u", err.line);
            rpc_problem(&L->problems,
                        &(struct rpc_at){.file = files[i].name,
                                         .sheet = err.sheet,
                                         .row = err.row ? err.row : err.line,
                                         .col = err.col},
                        err.code[0] ? err.code : "file_corrupt", "file", files[i].name, "sheet",
                        err.sheet, "cell", err.cell, "line", line, "limit", err.limit, "detail",
                        err.detail, NULL);
            continue;
        }
        names[L->n_books] = files[i].name;
        L->books[L->n_books++] = b;
    }
    /* Each list's sheet: by its name first, else the first sheet not taken that has its
     * columns (a workbook of one list, or CSV files named otherwise). */
    const struct sheet_spec *const *specs = kind_sheets(kind);
    size_t nspecs = 0, nsheets = 0;
    while (specs[nspecs])
        nspecs++;
    size_t *first = calloc(L->n_books + 1, sizeof(*first)); /* book i's sheets from first[i] */
    for (size_t i = 0; first && i < L->n_books; i++) {
        first[i] = nsheets;
        nsheets += book_sheets(L->books[i]);
    }
    bool *taken = calloc(nsheets + 1, sizeof(*taken));
    if (!first || !taken) {
        free(first);
        free(taken);
        free(names);
        layout_free(L);
        return NULL;
    }
    bool read_fail = L->n_books < n;
    for (size_t k = 0; k < nspecs && !L->oom; k++) {
        bool found = false;
        for (size_t i = 0; !found && i < L->n_books; i++)
            for (size_t s = 0; !found && s < book_sheets(L->books[i]); s++)
                if (!taken[first[i] + s] &&
                    sheet_named(book_sheet(L->books[i], s)->name, specs[k])) {
                    found = taken[first[i] + s] = true;
                    add_tab(L, names[i], L->books[i], s, specs[k], true);
                }
        for (size_t i = 0; !found && i < L->n_books; i++)
            for (size_t s = 0; !found && s < book_sheets(L->books[i]); s++) {
                if (taken[first[i] + s])
                    continue;
                /* its problems count only if it is taken, and then with every required
                 * column there (several lists: the header must tell them apart) */
                struct rpc_violations saved = L->problems;
                size_t tabs = L->n_tabs;
                memset(&L->problems, 0, sizeof(L->problems));
                found = add_tab(L, names[i], L->books[i], s, specs[k], false) &&
                        (nspecs == 1 || L->problems.total == 0);
                struct rpc_violations mine = L->problems;
                L->problems = saved;
                if (found) {
                    taken[first[i] + s] = true;
                    move_problems(&L->problems, &mine);
                } else
                    L->n_tabs = tabs;
                rpc_violations_free(&mine);
            }
        if (!found && !specs[k]->optional && !read_fail) {
            char sheet[80];
            snprintf(sheet, sizeof(sheet), "%s (%s)", specs[k]->names[0],
                     specs[k]->names[2] ? specs[k]->names[2] : specs[k]->names[1]);
            rpc_problem(&L->problems, &(struct rpc_at){.file = n ? files[0].name : NULL},
                        "sheet_missing", "sheet", sheet, NULL);
        }
    }
    free(first);
    free(taken);
    /* The optional columns the file has (roster, units: an absent one keeps its value). */
    if (kind == LAYOUT_ROSTER || kind == LAYOUT_UNITS) {
        L->columns = calloc(MAX_COLS, sizeof(*L->columns));
        for (size_t i = 0; L->columns && i < L->n_tabs && i < 1; i++)
            for (int f = 0; f < MAX_COLS && L->tabs[i].spec->cols[f].field; f++)
                if (L->tabs[i].col[f])
                    L->columns[L->n_columns++] = (char *)L->tabs[i].spec->cols[f].field;
        L->oom |= !L->columns;
    }
    for (unsigned i = 0; i < L->n_tabs && !L->oom; i++)
        L->oom = !read_rows(L, i);
    free(names);
    return L;
}

/* ---- the request's side (on the loop) ----------------------------------------------- */

struct upload_job {
    struct rpc_req *req;
    enum layout_kind kind;
    struct layout_file *files;
    size_t n;
    struct book_limits lim;
    struct layout *L;
    enum rpc_status (*then)(struct rpc_req *req);
};

static void upload_work(void *arg)
{
    struct upload_job *j = arg;
    j->L = layout_read(j->kind, j->files, j->n, &j->lim);
}

/* The files read: the request goes on with its rows (j is freed). */
static enum rpc_status upload_finish(struct upload_job *j)
{
    struct rpc_req *req = j->req;
    req->layout = j->L;
    enum rpc_status (*then)(struct rpc_req *) = j->then;
    free(j->files);
    free(j);
    if (!req->layout || req->layout->oom)
        return rpc_fail_oom(req);
    return then(req);
}

void layout_upload_drop(void *arg)
{
    struct upload_job *j = arg;
    layout_free(j->L);
    free(j->files);
    free(j);
}

static void upload_done(void *arg)
{
    (void)upload_finish(arg); /* answered, or submitted with its own callback */
}

enum rpc_status layout_upload(struct rpc_req *req, enum layout_kind kind,
                              Yanxiu__V1__UploadFile **files, size_t n, bool has_rows,
                              enum rpc_status (*then)(struct rpc_req *req))
{
    if (!n)
        return then(req);
    if (has_rows)
        return rpc_fail_reason(req, YANXIU__V1__CODE__INVALID_ARGUMENT, "upload_mixed", NULL);
    const struct config *cfg = &req->srv->cfg;
    /* a frame holds the files and the rest of the request: 64 KiB are left for that */
    size_t limit = (size_t)cfg->upload_max_bytes;
    if (cfg->max_frame > 64 * 1024 && limit > (size_t)cfg->max_frame - 64 * 1024)
        limit = (size_t)cfg->max_frame - 64 * 1024;
    size_t total = 0;
    for (size_t i = 0; i < n; i++)
        total += files[i]->data.len;
    if (total > limit) {
        char size[24], max[24];
        snprintf(size, sizeof(size), "%zu", total);
        snprintf(max, sizeof(max), "%zu", limit);
        return rpc_fail_reason(req, YANXIU__V1__CODE__RESOURCE_EXHAUSTED, "upload_too_large",
                               "size", size, "max", max, NULL);
    }
    struct upload_job *j = calloc(1, sizeof(*j));
    struct layout_file *lf = calloc(n + 1, sizeof(*lf));
    if (!j || !lf) {
        free(j);
        free(lf);
        return rpc_fail_oom(req);
    }
    for (size_t i = 0; i < n; i++)
        lf[i] = (struct layout_file){files[i]->name, files[i]->data.data, files[i]->data.len,
                                     files[i]->encoding};
    *j = (struct upload_job){req, kind, lf, n, book_limits_default(), NULL, then};
    j->lim.max_bytes = limit;
    if (!req->srv->files) { /* a server without the pool (the fuzzers): read here */
        upload_work(j);
        return upload_finish(j);
    }
    enum workpool_status st = workpool_submit(req->srv->files, upload_work, upload_done, j);
    if (st == WORKPOOL_QUEUED) {
        req->submitted++;
        return RPC_PENDING;
    }
    free(lf);
    free(j);
    if (st == WORKPOOL_NO_MEMORY)
        return rpc_fail_oom(req);
    char busy[24];
    snprintf(busy, sizeof(busy), "%d", workpool_busy(req->srv->files));
    return rpc_fail_reason(req, YANXIU__V1__CODE__RESOURCE_EXHAUSTED, "upload_busy", "busy", busy,
                           NULL);
}
