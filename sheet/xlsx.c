/*
 * xlsx: listings as an Excel workbook (see xlsx.h).
 */
#include "xlsx.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <xlsxwriter.h>

#include "lang.h"
#include "out.h"
#include "outfile.h"

/* Column widths, in Excel's units (about one Latin character; a CJK one takes two). */
#define MIN_WIDTH 6.0
#define MAX_WIDTH 60.0
/* Room for the filter button of the header row. */
#define FILTER_BUTTON 2.0

/* The cell as a finite number, when it is all one. */
static bool as_number(const char *s, double *v)
{
    if (!s || !*s)
        return false;
    char *end;
    errno = 0;
    double d = strtod(s, &end);
    if (end == s || *end || errno == ERANGE || !isfinite(d))
        return false;
    *v = d;
    return true;
}

/* How wide the cell shows, in Excel's units. */
static double cell_width(const char *s, enum xlsx_kind kind)
{
    double v;
    char buf[64];
    if (s && kind != XLSX_TEXT && as_number(s, &v)) {
        if (kind == XLSX_PERCENT)
            snprintf(buf, sizeof(buf), "%.1f%%", v * 100);
        else if (kind == XLSX_DECIMAL1)
            snprintf(buf, sizeof(buf), "%.1f", v);
        else if (kind == XLSX_NUMBER)
            snprintf(buf, sizeof(buf), "%s", s);
        else
            snprintf(buf, sizeof(buf), "%.0f", v);
        return (double)strlen(buf);
    }
    return s ? (double)out_display_width(s) : 0.0;
}

/* Writes one sheet; false (err filled) on the first failure. */
static bool write_sheet(lxw_workbook *wb, const struct xlsx_sheet *sh, lxw_format *bold,
                        lxw_format *const *numfmt, char *err, size_t errlen)
{
    if (sh->ncols == 0 || sh->ncols > LXW_COL_MAX) {
        outfile_say(err, errlen, _("sheet %s: %zu columns (1 to %d allowed)"), sh->name, sh->ncols,
                    LXW_COL_MAX);
        return false;
    }
    if (sh->nrows + sh->ntitles >= LXW_ROW_MAX) {
        outfile_say(err, errlen, _("sheet %s: %zu rows do not fit in a worksheet (at most %d)"),
                    sh->name, sh->nrows, LXW_ROW_MAX - 1);
        return false;
    }
    lxw_error e = workbook_validate_sheet_name(wb, sh->name);
    if (e != LXW_NO_ERROR) {
        outfile_say(err, errlen, _("sheet name \"%s\": %s"), sh->name, lxw_strerror(e));
        return false;
    }
    lxw_worksheet *ws = workbook_add_worksheet(wb, sh->name);
    if (!ws) {
        outfile_say(err, errlen, _("cannot add sheet %s (out of memory?)"), sh->name);
        return false;
    }

    /* Widths first: in constant-memory mode rows go out as they are written. */
    for (size_t c = 0; c < sh->ncols; c++) {
        enum xlsx_kind kind = sh->cols[c].kind;
        double w = (double)out_display_width(sh->cols[c].header) + FILTER_BUTTON;
        for (size_t r = 0; r < sh->nrows; r++) {
            double cw = cell_width(sh->cells[r * sh->ncols + c], kind);
            if (cw > w)
                w = cw;
        }
        w += 2;
        if (w < MIN_WIDTH)
            w = MIN_WIDTH;
        if (w > MAX_WIDTH)
            w = MAX_WIDTH;
        e = worksheet_set_column(ws, (lxw_col_t)c, (lxw_col_t)c, w,
                                 kind == XLSX_TEXT ? NULL : numfmt[kind]);
        if (e != LXW_NO_ERROR) {
            outfile_say(err, errlen, _("sheet %s: column %zu: %s"), sh->name, c + 1,
                        lxw_strerror(e));
            return false;
        }
    }
    lxw_row_t head = (lxw_row_t)sh->ntitles; /* the header's row, below the titles */
    worksheet_freeze_panes(ws, head + 1, 0);

    for (size_t t = 0; t < sh->ntitles; t++) {
        e = worksheet_write_string(ws, (lxw_row_t)t, 0, sh->titles[t], bold);
        if (e != LXW_NO_ERROR) {
            outfile_say(err, errlen, _("sheet %s: title %zu: %s"), sh->name, t + 1,
                        lxw_strerror(e));
            return false;
        }
    }
    for (size_t c = 0; c < sh->ncols; c++) {
        e = worksheet_write_string(ws, head, (lxw_col_t)c, sh->cols[c].header, bold);
        if (e != LXW_NO_ERROR) {
            outfile_say(err, errlen, _("sheet %s: header %zu: %s"), sh->name, c + 1,
                        lxw_strerror(e));
            return false;
        }
    }
    for (size_t r = 0; r < sh->nrows; r++) {
        for (size_t c = 0; c < sh->ncols; c++) {
            const char *s = sh->cells[r * sh->ncols + c];
            enum xlsx_kind kind = sh->cols[c].kind;
            double v;
            if (!s || !*s)
                continue;
            lxw_row_t row = head + (lxw_row_t)(r + 1);
            if (kind != XLSX_TEXT && as_number(s, &v))
                e = worksheet_write_number(ws, row, (lxw_col_t)c, v, numfmt[kind]);
            else
                e = worksheet_write_string(ws, row, (lxw_col_t)c, s, NULL);
            if (e != LXW_NO_ERROR) {
                outfile_say(err, errlen, _("sheet %s, row %zu, column %s: %s"), sh->name,
                            head + r + 2,
                            sh->cols[c].header, lxw_strerror(e));
                return false;
            }
        }
    }
    if (sh->nrows > 0) {
        e = worksheet_autofilter(ws, head, 0, head + (lxw_row_t)sh->nrows,
                                 (lxw_col_t)(sh->ncols - 1));
        if (e != LXW_NO_ERROR) {
            outfile_say(err, errlen, _("sheet %s: filter: %s"), sh->name, lxw_strerror(e));
            return false;
        }
    }
    return true;
}

bool xlsx_write(const char *path, const struct xlsx_sheet *sheets, size_t n, char *err,
                size_t errlen)
{
    if (n == 0) {
        outfile_say(err, errlen, _("%s: a workbook needs at least one sheet"), path);
        return false;
    }
    lxw_workbook_options opts = {.constant_memory = LXW_TRUE};
    lxw_workbook *wb = workbook_new_opt(path, &opts);
    if (!wb) {
        outfile_say(err, errlen, _("%s: cannot start a workbook (out of memory?)"), path);
        return false;
    }
    lxw_format *bold = workbook_add_format(wb);
    lxw_format *numfmt[XLSX_NUMBER + 1] = {NULL}; /* XLSX_NUMBER: General */
    numfmt[XLSX_INTEGER] = workbook_add_format(wb);
    numfmt[XLSX_DECIMAL1] = workbook_add_format(wb);
    numfmt[XLSX_PERCENT] = workbook_add_format(wb);
    bool ok = bold && numfmt[XLSX_INTEGER] && numfmt[XLSX_DECIMAL1] && numfmt[XLSX_PERCENT];
    if (!ok) {
        outfile_say(err, errlen, _("%s: out of memory"), path);
    } else {
        format_set_bold(bold);
        format_set_num_format(numfmt[XLSX_INTEGER], "0");
        format_set_num_format(numfmt[XLSX_DECIMAL1], "0.0");
        format_set_num_format(numfmt[XLSX_PERCENT], "0.0%");
        char why[400] = "";
        for (size_t i = 0; ok && i < n; i++)
            ok = write_sheet(wb, &sheets[i], bold, numfmt, why, sizeof(why));
        if (!ok)
            outfile_say(err, errlen, "%s: %s", path, why);
    }
    /* workbook_close writes the file and frees the workbook, whatever happened before. */
    errno = 0;
    lxw_error e = workbook_close(wb);
    if (ok && e != LXW_NO_ERROR) {
        /* A full disk is a ZIP error to libxlsxwriter; errno still says what it was. */
        outfile_say(err, errlen, _("%s: cannot write the workbook: %s"), path,
                    errno ? strerror(errno) : lxw_strerror(e));
        ok = false;
    }
    if (!ok)
        unlink(path);
    return ok;
}
