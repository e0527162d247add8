/*
 * xlsx: writes listings as an Excel workbook (.xlsx) with libxlsxwriter, for
 * the district office that files its views in Excel: one sheet per listing,
 * column headers in bold (Chinese under zh_CN: out.c chooses them), the
 * header row frozen and filterable,
 * numbers stored as numbers with a display format ("0" for counts, "0.0"
 * for hours, "0.0%" for rates, General for other numbers), columns as wide
 * as their contents.
 */
#ifndef YANXIU_XLSX_H
#define YANXIU_XLSX_H

#include <stdbool.h>
#include <stddef.h>

#include "yx_common.h"

enum xlsx_kind {
    XLSX_TEXT,     /* a string, as it is */
    XLSX_INTEGER,  /* a number shown as "0" (counts, years) */
    XLSX_DECIMAL1, /* a number shown as "0.0" (hours, credits) */
    XLSX_PERCENT,  /* a fraction 0..1 shown as "0.0%" (rates) */
    XLSX_NUMBER,   /* a number shown as Excel's General format does ("1.25") */
};

struct xlsx_column {
    const char *header; /* the heading in row 1, e.g. "教师编号" */
    enum xlsx_kind kind;
};

struct xlsx_sheet {
    /* The sheet's name (at most 31 characters, none of []:*?/\), e.g. "教师学时". */
    const char *name;
    const struct xlsx_column *cols;
    size_t ncols;
    /*
     * nrows * ncols cells, row by row, as text. A NULL cell is left empty.
     * A cell of a number kind is written as a number when it reads as one
     * ("12", "40.5", "0.875"), else as the text it is (e.g. "-").
     */
    const char *const *cells;
    size_t nrows;
    /* ntitles lines written in bold above the header row (e.g. whose handbook it is); the
       header then is row ntitles + 1. NULL and 0 for none. */
    const char *const *titles;
    size_t ntitles;
};

/*
 * Writes the `n` sheets (at least one) to a new workbook at `path`,
 * replacing any file there (callers that must not replace one write to a
 * temporary name first). Uses libxlsxwriter's constant-memory mode: strings
 * are stored inline in the sheets, and a large listing costs little memory.
 * False with a message in err (errlen bytes) when the workbook cannot be
 * written; a partial file is then removed.
 */
bool xlsx_write(const char *path, const struct xlsx_sheet *sheets, size_t n, char *err,
                size_t errlen) YX_MUST_CHECK;

#endif
