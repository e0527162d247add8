/*
 * workbook: each workbook yanxiu hands out, laid out once from the answer of
 * the view it shows (the district's listings, a teacher's 登记手册) or from
 * the roster (the monthly report's template): the CLI prints these tables in
 * every format and writes them with --format xlsx; the daemon writes the same
 * workbooks for the web console (daemon/rpc_workbook.c). Headings, labels and
 * titles follow the calling thread's language (lang.h).
 */
#ifndef YANXIU_WORKBOOK_H
#define YANXIU_WORKBOOK_H

#include <stdbool.h>
#include <stddef.h>

#include "out.h"
#include "yanxiu.pb-c.h"
#include "yx_common.h"

/* The MIME type of an .xlsx workbook (FileData.content_type). */
#define WORKBOOK_XLSX_TYPE "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

/* --- the listings' tables ------------------------------------------------------------------ */

/* yanxiu compliance teachers: 教师学时, one row a teacher; the cycle's columns when `cycle`.
   Starts *t (free it with out_table_free; check t->oom); the cells point into list. */
void workbook_teachers_table(const Yanxiu__V1__ComplianceTeacherList *list, bool cycle,
                             struct out_table *t);

/* yanxiu compliance units: 单位汇总, one row a reporting unit. As above. */
void workbook_units_table(const Yanxiu__V1__ComplianceUnitList *list, struct out_table *t);

/* yanxiu reporting-rates: 上报率 (a row a month) and 上报情况 (the unit × month matrix, a
   column a month); `cells` (the matrix as it came, a row a cell: JSON's) only when
   want_cells. Free with workbook_rates_free; check oom. The cells point into rr. */
struct workbook_rates {
    struct out_table rates, matrix, cells;
    bool oom;
    /* what the matrix's columns and rows are made of */
    const char **months;
    const Yanxiu__V1__UnitMonth **byunit;
    struct out_column *mcols;
    struct out_cell *wide;
};
void workbook_rates_tables(const Yanxiu__V1__ReportingRates *rr, bool want_cells,
                           struct workbook_rates *w);
void workbook_rates_free(struct workbook_rates *w);

/*
 * yanxiu teacher history: the teacher's 登记手册 (the records), 学时合计 (the totals) and
 * 教师 (who, JSON's), and the four title lines above the records in a workbook (name,
 * teacher code, school, period). `code`: the teacher code asked for (when h has no
 * teacher); `labels`: the values' labels for people (table, Excel), else their codes.
 * Free with workbook_history_free; check oom. The cells point into h.
 */
struct workbook_history {
    struct out_table recs, tots, who;
    bool oom;
    char lines[4][300];
    const char *titles[4];
};
void workbook_history_tables(const Yanxiu__V1__TeacherHistory *h, const char *code, bool labels,
                             struct workbook_history *w);
void workbook_history_free(struct workbook_history *w);

/* --- the report's template ----------------------------------------------------------------- */

/*
 * Writes the monthly report's template at `path` (never replacing a file):
 * 签到表 pre-filled with the teachers of `list` still teaching (not left),
 * 教师编号 and 姓名, and 填写说明 saying so for unit `unit`. *nteachers: how
 * many rows. False with a message in err (errlen bytes).
 */
bool workbook_report_template(const char *path, const Yanxiu__V1__RosterList *list,
                              const char *unit, size_t *nteachers, char *err,
                              size_t errlen) YX_MUST_CHECK;

/* --- one workbook of any kind ----------------------------------------------------------------- */

/* What a workbook needs besides the view's answer. */
struct workbook_params {
    bool cycle;       /* COMPLIANCE_TEACHERS: the cycle's columns */
    const char *unit; /* REPORT_TEMPLATE: the unit whose roster it is */
    const char *code; /* TEACHER_HISTORY: the teacher code asked for */
};

/*
 * Writes the workbook of `kind` at `path` (a new file) from `answer`, the
 * view's answer: RosterList (REPORT_TEMPLATE), ComplianceTeacherList,
 * ComplianceUnitList, ReportingRates, TeacherHistory; none (NULL) for
 * ROSTER_TEMPLATE. The same workbook the CLI writes. False with a message in
 * err (errlen bytes); no file is left then.
 */
bool workbook_write(const char *path, Yanxiu__V1__WorkbookKind kind, const ProtobufCMessage *answer,
                    const struct workbook_params *p, char *err, size_t errlen) YX_MUST_CHECK;

#endif
