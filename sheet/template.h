/*
 * template: the files people fill in for yanxiu: the monthly report's and
 * the roster's Excel workbooks (a sheet per file with the headers the daemon
 * reads, drop-down lists of the accepted values, date, time and hours
 * checks, an instructions sheet) and the report's CSV files (headers only).
 * The columns are declared once here for both.
 */
#ifndef YANXIU_TEMPLATE_H
#define YANXIU_TEMPLATE_H

#include <stdbool.h>
#include <stddef.h>

#include "msg.h"
#include "vocab.h"
#include "yx_common.h"

/* What a column holds, which decides its cell format and its data validation. */
enum tmpl_kind {
    TMPL_TEXT,   /* stored as text, so that codes keep their leading zeros */
    TMPL_DATE,   /* a date cell, yyyy-mm-dd */
    TMPL_TIME,   /* a time cell, hh:mm */
    TMPL_HOURS,  /* a number, a multiple of 0.5, at least 0.5 */
    TMPL_NUMBER, /* a number at least 0 (credits) */
    TMPL_LIST,   /* one of a vocabulary's names[0] */
    TMPL_YESNO,  /* 是 or 否 */
};

struct tmpl_column {
    const char *header;  /* the Chinese header, as the daemon reads it (README "Report files") */
    const char *english; /* the English header (report template DIR --english) */
    bool required;
    enum tmpl_kind kind;
    const struct vocab *vocab; /* TMPL_LIST */
    const char *meaning;       /* English msgid: what goes in it, for 填写说明 */
};

struct tmpl_sheet {
    const char *name;     /* the sheet's name (研修活动, ...) */
    const char *csv_name; /* the CSV file of the same content (activities.csv), or NULL */
    const char *about;    /* English msgid: what one row is, for 填写说明 */
    const struct tmpl_column *cols;
    size_t ncols;
};

/* The monthly report's sheets: 研修活动, 签到表, 校外培训. */
extern const struct tmpl_sheet tmpl_report_sheets[3];
enum { TMPL_ACTIVITIES, TMPL_ATTENDANCE, TMPL_EXTERNAL };
/* The roster's sheet 名册. */
extern const struct tmpl_sheet tmpl_roster_sheet;

/* Pre-filled rows of one sheet: nrows × the sheet's ncols cells, row by row; NULL cells
   stay empty. */
struct tmpl_rows {
    const char *const *cells;
    size_t nrows;
};

/*
 * Writes a new workbook at `path` with the `n` sheets (rows[i] pre-filled in
 * sheet i; rows NULL or rows[i].nrows 0: none), then 填写说明 (the instructions,
 * in `lang`, with `note` as their first paragraph when not NULL) and the hidden
 * sheet 选项 that holds the drop-down lists. Never replaces an existing file:
 * that is an error. False with a message in err (errlen bytes); a partial file
 * is removed.
 */
bool template_write_xlsx(const char *path, const struct tmpl_sheet *sheets, size_t n,
                         const struct tmpl_rows *rows, enum msg_lang lang, const char *note,
                         char *err, size_t errlen) YX_MUST_CHECK;

/*
 * Creates `path` holding only the header row of `sheet` (CRLF-terminated),
 * Chinese or English, after a UTF-8 BOM so that Excel opens it as UTF-8.
 * Never replaces an existing file. False with a message in err.
 */
bool template_write_csv(const char *path, const struct tmpl_sheet *sheet, bool english,
                        enum msg_lang lang, char *err, size_t errlen) YX_MUST_CHECK;

#endif
