/*
 * workbook: the workbooks of the views and the report's template, laid out
 * once for the CLI and the daemon (see workbook.h).
 */
#include "workbook.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lang.h"
#include "template.h"
#include "vocab.h"

/* --- compliance teachers ------------------------------------------------------------------- */

static const struct out_column teacher_cols[] = {
    {"teacher_code", "教师编号", OUT_TEXT, NULL},
    {"name", "姓名", OUT_TEXT, NULL},
    {"unit_code", "上报单位", OUT_TEXT, NULL},
    {"school_code", "学校", OUT_TEXT, NULL},
    {"group", "教研组", OUT_TEXT, NULL},
    {"year", "学年", OUT_COUNT, NULL},
    {"hours", "总学时", OUT_HOURS, NULL},
    {"school_hours", "校本学时", OUT_HOURS, NULL},
    {"ethics_hours", "师德学时", OUT_HOURS, NULL},
    {"centralized_hours", "集中学时", OUT_HOURS, NULL},
    {"homeroom_hours", "班主任学时", OUT_HOURS, NULL},
    {"credits", "学分", OUT_HOURS, NULL},
    {"unexcused_absences", "无故缺席", OUT_COUNT, NULL},
    {"status", "状态", OUT_STATUS, NULL},
    {"reasons", "未达标原因", OUT_REASONS, NULL},
    /* --cycle */
    {"cycle", "培训周期", OUT_TEXT, NULL},
    {"cycle_hours", "周期总学时", OUT_HOURS, NULL},
    {"cycle_ethics_hours", "周期师德学时", OUT_HOURS, NULL},
    {"cycle_centralized_hours", "周期集中学时", OUT_HOURS, NULL},
    {"cycle_homeroom_hours", "周期班主任学时", OUT_HOURS, NULL},
    {"cycle_status", "周期状态", OUT_STATUS, NULL},
    {"cycle_reasons", "周期未达标原因", OUT_REASONS, NULL},
};

void workbook_teachers_table(const Yanxiu__V1__ComplianceTeacherList *list, bool cycle,
                             struct out_table *v)
{
    enum { YEAR_COLS = 15, ALL_COLS = sizeof(teacher_cols) / sizeof(teacher_cols[0]) };
    *v = (struct out_table){"教师学时", teacher_cols, cycle ? ALL_COLS : YEAR_COLS, NULL, 0,
                            0,          false};
    for (size_t i = 0; i < list->n_teachers; i++) {
        const Yanxiu__V1__TeacherCompliance *t = list->teachers[i];
        const struct out_cell row[ALL_COLS] = {
            out_text(t->teacher_code),
            out_text(t->name),
            out_text(t->unit_code),
            out_text(t->school_code),
            out_text(t->group),
            out_num(t->year),
            out_num(t->hours),
            out_num(t->school_hours),
            out_num(t->ethics_hours),
            out_num(t->centralized_hours),
            out_num(t->homeroom_hours),
            out_num(t->credits),
            out_num(t->unexcused_absences),
            out_text(vocab_code_of(&vocab_compliance, t->status)),
            out_reasons(t->reasons, t->n_reasons),
            out_text(t->cycle),
            out_num(t->cycle_hours),
            out_num(t->cycle_ethics_hours),
            out_num(t->cycle_centralized_hours),
            out_num(t->cycle_homeroom_hours),
            out_text(t->cycle_status),
            out_reasons(t->cycle_reasons, t->n_cycle_reasons),
        };
        out_add(v, row);
    }
}

/* --- compliance units ---------------------------------------------------------------------- */

static const struct out_column unit_cols[] = {
    {"unit_code", "上报单位", OUT_TEXT, NULL},
    {"name", "单位名称", OUT_TEXT, NULL},
    {"teachers", "教师数", OUT_COUNT, NULL},
    {"compliant", "达标", OUT_COUNT, NULL},
    {"on_track", "进度正常", OUT_COUNT, NULL},
    {"behind", "进度落后", OUT_COUNT, NULL},
    {"non_compliant", "未达标", OUT_COUNT, NULL},
    {"exempt", "免训", OUT_COUNT, NULL},
    {"compliance_rate", "达标率", OUT_RATE, NULL},
    {"reports_expected", "应报月数", OUT_COUNT, NULL},
    {"reports_received", "已报月数", OUT_COUNT, NULL},
    {"reports_on_time", "按时上报", OUT_COUNT, NULL},
    {"voided_reports", "作废月报", OUT_COUNT, NULL},
    {"flagged_reports", "存疑月报", OUT_COUNT, NULL},
};

void workbook_units_table(const Yanxiu__V1__ComplianceUnitList *list, struct out_table *v)
{
    enum { NCOLS = sizeof(unit_cols) / sizeof(unit_cols[0]) };
    *v = (struct out_table){"单位汇总", unit_cols, NCOLS, NULL, 0, 0, false};
    for (size_t i = 0; i < list->n_units; i++) {
        const Yanxiu__V1__UnitCompliance *u = list->units[i];
        const struct out_cell row[NCOLS] = {
            out_text(u->unit_code),       out_text(u->name),
            out_num(u->teachers),         out_num(u->compliant),
            out_num(u->on_track),         out_num(u->behind),
            out_num(u->non_compliant),    out_num(u->exempt),
            out_num(u->compliance_rate),  out_num(u->reports_expected),
            out_num(u->reports_received), out_num(u->reports_on_time),
            out_num(u->voided_reports),   out_num(u->flagged_reports),
        };
        out_add(v, row);
    }
}

/* --- reporting rates ----------------------------------------------------------------------- */

static const struct out_column rate_cols[] = {
    {"month", "月份", OUT_TEXT, NULL},     {"expected", "应报单位数", OUT_COUNT, NULL},
    {"received", "已报", OUT_COUNT, NULL}, {"on_time", "按时", OUT_COUNT, NULL},
    {"rate", "上报率", OUT_RATE, NULL},    {"on_time_rate", "按时率", OUT_RATE, NULL},
};

/* JSON's matrix: the cells as they came. */
static const struct out_column cell_cols[] = {
    {"unit_code", "上报单位", OUT_TEXT, NULL},
    {"unit_name", "单位名称", OUT_TEXT, NULL},
    {"month", "月份", OUT_TEXT, NULL},
    {"state", "状态", OUT_STATE, NULL},
};

/* Orders unit-month cells by unit code (then as the server sent them). */
static int cell_by_unit(const void *a, const void *b)
{
    const Yanxiu__V1__UnitMonth *const *x = a, *const *y = b;
    int c = strcmp((*x)->unit_code, (*y)->unit_code);
    return c ? c : ((*x) > (*y)) - ((*x) < (*y));
}

void workbook_rates_tables(const Yanxiu__V1__ReportingRates *rr, bool want_cells,
                           struct workbook_rates *w)
{
    enum { NRATE = sizeof(rate_cols) / sizeof(rate_cols[0]) };
    *w = (struct workbook_rates){0};
    w->rates = (struct out_table){"上报率", rate_cols, NRATE, NULL, 0, 0, false};
    for (size_t i = 0; i < rr->n_months; i++) {
        const Yanxiu__V1__MonthRate *m = rr->months[i];
        const struct out_cell row[NRATE] = {out_text(m->month),   out_num(m->expected),
                                            out_num(m->received), out_num(m->on_time),
                                            out_num(m->rate),     out_num(m->on_time_rate)};
        out_add(&w->rates, row);
    }

    /* The months of the matrix: those of the rates, then any other a cell names. */
    size_t nmonths = 0, cap = rr->n_months + rr->n_cells;
    w->months = calloc(cap ? cap : 1, sizeof(*w->months));
    w->byunit = calloc(rr->n_cells ? rr->n_cells : 1, sizeof(*w->byunit));
    w->mcols = calloc(cap + 2, sizeof(*w->mcols));
    w->matrix =
        (struct out_table){"上报情况", NULL, 0, NULL, 0, 0, !w->months || !w->byunit || !w->mcols};
    if (!w->matrix.oom) {
        for (size_t i = 0; i < rr->n_months; i++)
            w->months[nmonths++] = rr->months[i]->month;
        for (size_t i = 0; i < rr->n_cells; i++) {
            size_t k = 0;
            while (k < nmonths && strcmp(w->months[k], rr->cells[i]->month) != 0)
                k++;
            if (k == nmonths)
                w->months[nmonths++] = rr->cells[i]->month;
            w->byunit[i] = rr->cells[i];
        }
        qsort(w->byunit, rr->n_cells, sizeof(*w->byunit), cell_by_unit);
        w->mcols[0] = (struct out_column){"unit_code", "上报单位", OUT_TEXT, NULL};
        w->mcols[1] = (struct out_column){"unit_name", "单位名称", OUT_TEXT, NULL};
        for (size_t k = 0; k < nmonths; k++)
            w->mcols[k + 2] = (struct out_column){w->months[k], w->months[k], OUT_STATE, NULL};
        w->matrix.cols = w->mcols;
        w->matrix.ncols = nmonths + 2;
        w->matrix.oom = !(w->wide = calloc(w->matrix.ncols, sizeof(*w->wide)));
    }
    for (size_t i = 0; !w->matrix.oom && i < rr->n_cells;) {
        const char *unit = w->byunit[i]->unit_code;
        for (size_t k = 0; k < w->matrix.ncols; k++)
            w->wide[k] = (struct out_cell){.null = k >= 2};
        w->wide[0] = out_text(unit);
        w->wide[1] = out_text(w->byunit[i]->unit_name);
        for (; i < rr->n_cells && strcmp(w->byunit[i]->unit_code, unit) == 0; i++) {
            size_t k = 0;
            while (k < nmonths && strcmp(w->months[k], w->byunit[i]->month) != 0)
                k++;
            w->wide[k + 2] = out_text(vocab_code_of(&vocab_unit_month, w->byunit[i]->state));
        }
        out_add(&w->matrix, w->wide);
    }
    w->cells = (struct out_table){"上报情况", cell_cols, 4, NULL, 0, 0, false};
    for (size_t i = 0; want_cells && i < rr->n_cells; i++) {
        const Yanxiu__V1__UnitMonth *u = rr->cells[i];
        const struct out_cell r4[4] = {out_text(u->unit_code), out_text(u->unit_name),
                                       out_text(u->month),
                                       out_text(vocab_code_of(&vocab_unit_month, u->state))};
        out_add(&w->cells, r4);
    }
    w->oom = w->rates.oom || w->matrix.oom || w->cells.oom;
}

void workbook_rates_free(struct workbook_rates *w)
{
    out_table_free(&w->rates);
    out_table_free(&w->matrix);
    out_table_free(&w->cells);
    free(w->wide);
    free(w->mcols);
    free(w->byunit);
    free(w->months);
    *w = (struct workbook_rates){0};
}

/* --- a teacher's 登记手册 -------------------------------------------------------------------- */

static const struct out_column rec_cols[] = {
    {"unit_code", "上报单位", OUT_TEXT, NULL},
    {"month", "月份", OUT_TEXT, NULL},
    {"version", "版本", OUT_COUNT, NULL},
    {"report_status", "月报状态", OUT_REPORT_STATUS, NULL},
    {"date", "日期", OUT_TEXT, NULL},
    {"source", "来源", OUT_TEXT, NULL},
    {"ref", "编号", OUT_TEXT, NULL},
    {"title", "主题", OUT_TEXT, NULL},
    {"category", "内容类别", OUT_CATEGORY, NULL},
    {"level", "级别", OUT_LEVEL, NULL},
    {"mode", "方式", OUT_MODE, NULL},
    {"hours", "学时", OUT_HOURS, NULL},
    {"credits", "学分", OUT_HOURS, NULL},
};

static const struct out_column tot_cols[] = {
    {"kind", "类型", OUT_TEXT, NULL},
    {"period", "期间", OUT_TEXT, NULL},
    {"hours", "学时", OUT_HOURS, NULL},
    {"approved_hours", "已审核学时", OUT_HOURS, NULL},
};

static const struct out_column who_cols[] = {
    {"teacher_code", "教师编号", OUT_TEXT, NULL}, {"name", "姓名", OUT_TEXT, NULL},
    {"school_code", "学校", OUT_TEXT, NULL},      {"unit_code", "上报单位", OUT_TEXT, NULL},
    {"group", "教研组", OUT_TEXT, NULL},          {"status", "状态", OUT_TEACHER_STATUS, NULL},
};

void workbook_history_tables(const Yanxiu__V1__TeacherHistory *h, const char *code, bool labels,
                             struct workbook_history *w)
{
    enum { NREC = sizeof(rec_cols) / sizeof(rec_cols[0]) };
    *w = (struct workbook_history){0};
    w->recs = (struct out_table){"登记手册", rec_cols, NREC, NULL, 0, 0, false};
    const char *first = NULL, *last = NULL; /* the months the records cover */
    for (size_t i = 0; i < h->n_records; i++) {
        const Yanxiu__V1__HistoryRecord *r = h->records[i];
        const char *source = strcmp(r->source, "external") == 0 ? _("external training")
                                                                : _("school-based training");
        const struct out_cell row[NREC] = {
            out_text(r->unit_code),
            out_text(r->month),
            out_num(r->version),
            out_text(vocab_code_of(&vocab_report_status, r->report_status)),
            out_text(r->date),
            out_text(labels ? source : r->source),
            out_text(r->ref),
            out_text(r->title),
            out_text(vocab_code_of(&vocab_category, r->category)),
            out_text(vocab_code_of(&vocab_level, r->level)),
            out_text(vocab_code_of(&vocab_mode, r->mode)),
            out_num(r->hours),
            out_num(r->credits),
        };
        out_add(&w->recs, row);
        if (!first || strcmp(r->month, first) < 0)
            first = r->month;
        if (!last || strcmp(r->month, last) > 0)
            last = r->month;
    }
    w->tots = (struct out_table){"学时合计", tot_cols, 4, NULL, 0, 0, false};
    for (size_t i = 0; i < h->n_totals; i++) {
        const Yanxiu__V1__PeriodTotal *p = h->totals[i];
        const struct out_cell row[4] = {out_text(p->kind), out_text(p->period), out_num(p->hours),
                                        out_num(p->approved_hours)};
        out_add(&w->tots, row);
    }
    const Yanxiu__V1__Teacher *t = h->teacher;
    w->who = (struct out_table){"教师", who_cols, 6, NULL, 0, 0, false};
    const struct out_cell who_row[6] = {
        out_text(t ? t->teacher_code : code),
        out_text(t ? t->name : ""),
        out_text(t ? t->school_code : ""),
        out_text(t ? t->unit_code : ""),
        out_text(t ? t->research_group : ""),
        out_text(t ? vocab_code_of(&vocab_teacher_status, t->status) : ""),
    };
    out_add(&w->who, who_row);

    /* The handbook names whose it is, above its records. */
    snprintf(w->lines[0], sizeof(w->lines[0]), _("Name: %s"), t ? t->name : "");
    snprintf(w->lines[1], sizeof(w->lines[1]), _("Teacher code: %s"), t ? t->teacher_code : code);
    if (t && t->school_name[0])
        snprintf(w->lines[2], sizeof(w->lines[2]), _("School: %s (%s)"), t->school_name,
                 t->school_code);
    else
        snprintf(w->lines[2], sizeof(w->lines[2]), _("School: %s"), t ? t->school_code : "");
    if (first)
        snprintf(w->lines[3], sizeof(w->lines[3]), _("Period: %s to %s"), first, last);
    else
        snprintf(w->lines[3], sizeof(w->lines[3]), "%s", _("Period: no records yet"));
    for (size_t i = 0; i < 4; i++)
        w->titles[i] = w->lines[i];
    w->oom = w->recs.oom || w->tots.oom || w->who.oom;
}

void workbook_history_free(struct workbook_history *w)
{
    out_table_free(&w->recs);
    out_table_free(&w->tots);
    out_table_free(&w->who);
}

/* --- the report's template ----------------------------------------------------------------- */

bool workbook_report_template(const char *path, const Yanxiu__V1__RosterList *list,
                              const char *unit, size_t *nteachers, char *err, size_t errlen)
{
    /* 签到表: a row per teacher still teaching (not left), 教师编号 and 姓名 filled. */
    const struct tmpl_sheet *att = &tmpl_report_sheets[TMPL_ATTENDANCE];
    const char **cells = calloc(list->n_teachers * att->ncols + 1, sizeof(*cells));
    if (!cells) {
        snprintf(err, errlen, "%s", _("out of memory"));
        return false;
    }
    size_t n = 0;
    for (size_t i = 0; i < list->n_teachers; i++) {
        const Yanxiu__V1__Teacher *t = list->teachers[i];
        if (t->status == YANXIU__V1__TEACHER_STATUS__TEACHER_STATUS_LEFT)
            continue;
        for (size_t c = 0; c < att->ncols; c++) {
            const char *h = att->cols[c].english;
            cells[n * att->ncols + c] = strcmp(h, "teacher_code") == 0 ? t->teacher_code
                                        : strcmp(h, "name") == 0       ? t->name
                                                                       : NULL;
        }
        n++;
    }
    struct tmpl_rows rows[3] = {{NULL, 0}, {cells, n}, {NULL, 0}};
    char count[16], note[1200];
    snprintf(count, sizeof(count), "%zu", n);
    const struct msg_arg a[] = {{"n", count}, {"unit", unit}};
    msg_render(note, sizeof(note),
               _("签到表 holds the {n} teachers of unit {unit}'s roster: copy their rows for "
                 "each activity, fill in 活动编号 and 签到, and delete the rows of teachers who "
                 "did not take part."),
               a, 2);
    bool ok =
        template_write_xlsx(path, tmpl_report_sheets, 3, rows, lang_current(), note, err, errlen);
    free(cells);
    *nteachers = n;
    return ok;
}

/* --- one workbook of any kind ----------------------------------------------------------------- */

/* The answer as the message the kind expects, or NULL (a bug of the caller, said in err). */
static const void *answer_as(const ProtobufCMessage *answer, const ProtobufCMessageDescriptor *d,
                             char *err, size_t errlen)
{
    if (answer && answer->descriptor == d)
        return answer;
    snprintf(err, errlen, "workbook: the answer is a %s, not a %s",
             answer ? answer->descriptor->short_name : "nothing", d->short_name);
    return NULL;
}

static bool write_tables(const char *path, const struct out_table *const *tables, size_t n,
                         const char *const *titles, size_t ntitles, char *err, size_t errlen)
{
    for (size_t i = 0; i < n; i++)
        if (tables[i]->oom) {
            snprintf(err, errlen, _("%s: out of memory"), path);
            return false;
        }
    return out_write_xlsx_titled(path, tables, n, titles, ntitles, err, errlen);
}

bool workbook_write(const char *path, Yanxiu__V1__WorkbookKind kind, const ProtobufCMessage *answer,
                    const struct workbook_params *p, char *err, size_t errlen)
{
    bool ok = false;
    switch (kind) {
    case YANXIU__V1__WORKBOOK_KIND__WORKBOOK_KIND_REPORT_TEMPLATE: {
        const Yanxiu__V1__RosterList *list =
            answer_as(answer, &yanxiu__v1__roster_list__descriptor, err, errlen);
        size_t n;
        ok = list && workbook_report_template(path, list, p->unit ? p->unit : "", &n, err, errlen);
        break;
    }
    case YANXIU__V1__WORKBOOK_KIND__WORKBOOK_KIND_ROSTER_TEMPLATE:
        ok = template_write_xlsx(path, &tmpl_roster_sheet, 1, NULL, lang_current(), NULL, err,
                                 errlen);
        break;
    case YANXIU__V1__WORKBOOK_KIND__WORKBOOK_KIND_COMPLIANCE_TEACHERS: {
        const Yanxiu__V1__ComplianceTeacherList *list =
            answer_as(answer, &yanxiu__v1__compliance_teacher_list__descriptor, err, errlen);
        if (!list)
            break;
        struct out_table t;
        workbook_teachers_table(list, p->cycle, &t);
        const struct out_table *const one[] = {&t};
        ok = write_tables(path, one, 1, NULL, 0, err, errlen);
        out_table_free(&t);
        break;
    }
    case YANXIU__V1__WORKBOOK_KIND__WORKBOOK_KIND_COMPLIANCE_UNITS: {
        const Yanxiu__V1__ComplianceUnitList *list =
            answer_as(answer, &yanxiu__v1__compliance_unit_list__descriptor, err, errlen);
        if (!list)
            break;
        struct out_table t;
        workbook_units_table(list, &t);
        const struct out_table *const one[] = {&t};
        ok = write_tables(path, one, 1, NULL, 0, err, errlen);
        out_table_free(&t);
        break;
    }
    case YANXIU__V1__WORKBOOK_KIND__WORKBOOK_KIND_REPORTING_RATES: {
        const Yanxiu__V1__ReportingRates *rr =
            answer_as(answer, &yanxiu__v1__reporting_rates__descriptor, err, errlen);
        if (!rr)
            break;
        struct workbook_rates w;
        workbook_rates_tables(rr, false, &w);
        const struct out_table *const both[] = {&w.rates, &w.matrix};
        ok = write_tables(path, both, 2, NULL, 0, err, errlen);
        workbook_rates_free(&w);
        break;
    }
    case YANXIU__V1__WORKBOOK_KIND__WORKBOOK_KIND_TEACHER_HISTORY: {
        const Yanxiu__V1__TeacherHistory *h =
            answer_as(answer, &yanxiu__v1__teacher_history__descriptor, err, errlen);
        if (!h)
            break;
        struct workbook_history w;
        workbook_history_tables(h, p->code ? p->code : "", true, &w);
        const struct out_table *const both[] = {&w.recs, &w.tots};
        ok = write_tables(path, both, 2, w.titles, 4, err, errlen);
        workbook_history_free(&w);
        break;
    }
    default:
        snprintf(err, errlen, "workbook: no workbook of kind %d", (int)kind);
        break;
    }
    return ok;
}
