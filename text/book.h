/*
 * book: the files people keep, read into one model — a workbook of sheets of
 * cells — whatever they were saved as: XLSX (Excel, WPS; libzip for the
 * container, expat for the XML) or CSV (UTF-8, BOM, GB18030; libcsv). No I/O:
 * the bytes come from the caller (an upload, or a file the CLI read). The
 * daemon reads uploads with it in a worker thread; the fuzzers drive it.
 * Everything is bounded by struct book_limits before it is allocated.
 */
#ifndef YANXIU_BOOK_H
#define YANXIU_BOOK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "yx_common.h"

/* What one file may hold; book_limits_default() gives the daemon's defaults. */
struct book_limits {
    size_t max_bytes;        /* the file as uploaded */
    size_t max_unzipped;     /* XLSX: every part read, decompressed, in total (zip bombs) */
    size_t max_part;         /* XLSX: one part (a sheet's XML, sharedStrings.xml), decompressed */
    unsigned max_sheets;     /* sheets kept (hidden ones are not counted) */
    unsigned max_rows;       /* non-empty rows per sheet */
    unsigned max_cols;       /* columns per sheet (the last column with a value) */
    size_t max_cells;        /* non-empty cells in the whole book, and the cells a merged
                                range hides within its sheet's extent */
    size_t max_cell_bytes;   /* UTF-8 bytes of one cell's text */
};

/* 16 MiB file, 128 MiB unzipped, 64 MiB a part, 32 sheets, 100 000 rows, 64 columns,
   2 000 000 cells, 32 KiB a cell. */
struct book_limits book_limits_default(void);

/* How a cell's value was written (for messages and for the checks of a column). */
enum book_kind {
    BOOK_EMPTY,
    BOOK_TEXT,    /* a string (shared, inline, or a CSV field) */
    BOOK_NUMBER,  /* a number that is not a date: text as Excel shows it in General, the
                     shortest that reads back as it but at most 15 significant digits, without
                     an exponent from 1e-7 to 1e21 ("1.5", "72", "0.3" for a computed
                     0.30000000000000004) */
    BOOK_BOOL,    /* text "TRUE"/"FALSE" */
    BOOK_DATE,    /* a date-formatted number: text is YYYY-MM-DD */
    BOOK_TIME,    /* a number formatted as a time of day only: text is HH:MM of its fraction
                     (as Excel shows it), rounded to the minute */
    BOOK_DATETIME,/* a date and time: text is "YYYY-MM-DD HH:MM" */
    BOOK_ERROR,   /* an error value such as #N/A or #REF!: text is it */
};

struct book_cell {
    const char *text;    /* UTF-8, NUL-terminated, trimmed of surrounding spaces (ASCII,
                            U+3000, U+00A0) and line breaks; "" when empty. Owned by the book. */
    enum book_kind kind;
    double number;       /* NUMBER, DATE, TIME, DATETIME: the value (Excel serial for dates) */
    bool formula;        /* the value is a formula's cached result */
    bool merged;         /* inside a merged range but not its top-left cell (shown empty
                            by Excel whatever the range's value) */
    unsigned anchor_row; /* merged: the 0-based row and column of the range's top-left */
    unsigned anchor_col;
};

struct book_sheet {
    const char *name;    /* as the tab shows it; for CSV the file name without directories */
    unsigned rows;       /* 1 + the last row holding a value (empty trailing rows dropped) */
    unsigned cols;       /* 1 + the last column holding a value */
};

enum book_format { BOOK_CSV, BOOK_XLSX };

/* Why a file could not be read at all. Cell-level problems are the caller's.
   The code's message template (daemon/reasons.def, README "Reason codes") takes
   these arguments: {file} (the name given to book_read), {sheet}, {cell} ("C5"),
   {line}, {limit} and {detail}, each "" when it does not apply. */
struct book_error {
    /* A stable snake_case reason (README.md "Reason codes"): file_too_large, file_xls,
       file_encrypted, file_not_xlsx, file_corrupt, file_zip_bomb, file_unsafe_xml,
       file_too_many_sheets, file_too_many_rows, file_too_many_columns,
       file_too_many_cells, file_cell_too_long, file_not_text, file_encoding,
       file_encoding_unknown,
       file_csv_quote, file_csv_unclosed_quote, file_empty. */
    char code[48];
    char sheet[128];     /* where, when known ("" otherwise) */
    unsigned row;        /* 1-based, 0 when not about a row */
    unsigned col;        /* 1-based, 0 when not about a column */
    char cell[16];       /* "C5" when row and col are known, else "" */
    unsigned line;       /* CSV: the 1-based physical line (a quoted cell may span
                            several), 0 otherwise */
    char limit[32];      /* the limit exceeded, as a person reads it ("100000", "16 MiB") */
    char detail[256];    /* the English specifics for the log and the {detail} argument
                            (e.g. "line 3 (byte 41): 0xC3 0x28 is not UTF-8") */
};

struct book;

/*
 * Reads `data[0..len)` named `name` (the file name as the user knows it). The
 * format is decided by the bytes: a ZIP local header is XLSX, the OLE2 magic
 * (D0 CF 11 E0) is an old .xls (refused: file_xls, "save it as .xlsx"), anything
 * else is CSV decoded per `encoding` ("" or "auto", "utf-8", "gb18030"). XLSX:
 * shared and inline strings, numbers, booleans, dates and times by the cell's
 * number format (built-in and custom), formulas' cached values, merged ranges;
 * hidden and very hidden sheets (and chart sheets) are skipped, never returned.
 * CSV: one sheet named after the file, RFC 4180 (quoted fields with commas,
 * quotes and line breaks), CRLF/LF/CR, each record on the row Excel shows it on
 * (a blank line is an empty row); "utf8" and "gbk" are read too, and a UTF-8 byte
 * order mark makes the file UTF-8 whatever `encoding` says. lim NULL: the
 * defaults. Returns NULL with *err (may be NULL) filled. Reentrant (workers may
 * read at once); numbers are formatted and parsed with the C library, so
 * LC_NUMERIC must have "." as its decimal point ("C", zh_CN, en_US).
 */
struct book *book_read(const char *name, const void *data, size_t len, const char *encoding,
                       const struct book_limits *lim, struct book_error *err) YX_MUST_CHECK;

void book_free(struct book *b); /* NULL is fine */

enum book_format book_format(const struct book *b);
/* For CSV: "utf-8" or "gb18030", how it was decoded; for XLSX "". */
const char *book_encoding(const struct book *b);

size_t book_sheets(const struct book *b);
const struct book_sheet *book_sheet(const struct book *b, size_t i);

/* The cell at 0-based (row, col) of sheet i; an empty cell (kind BOOK_EMPTY, text "")
   outside the sheet's extent. Never NULL. */
const struct book_cell *book_cell(const struct book *b, size_t sheet, unsigned row, unsigned col);

/* The column as Excel names it: 0 → "A", 25 → "Z", 26 → "AA". buf holds at least 8. */
const char *book_col_name(unsigned col, char buf[8]);

/*
 * A sheet's header row: the first row, among the first `scan` rows, in which at least
 * `min_hits` cells match a header the caller knows (`known(text, arg)` returns
 * true). Rows above it (a merged title such as 城关镇中心校2026年10月校本研修活动登记表)
 * are skipped. Returns the 0-based row, or -1 when none qualifies.
 */
int book_find_header(const struct book *b, size_t sheet, unsigned scan, unsigned min_hits,
                     bool (*known)(const char *text, void *arg), void *arg);

#endif
