/*
 * csvin: reads the CSV files people save from Excel (rosters, activities,
 * attendance) into a table of UTF-8 strings, one per known column, keeping the
 * line each record starts on so that every later complaint can name it.
 */
#ifndef YANXIU_CSVIN_H
#define YANXIU_CSVIN_H

#include <stdbool.h>
#include <stddef.h>

#include "yx_common.h"

/* Files larger than this are refused before parsing (a month's report is far smaller). */
#define CSVIN_MAX_FILE_BYTES ((size_t)64 << 20)

/* The words --encoding accepts, for usage texts and error messages. */
#define CSVIN_ENCODING_CHOICES "auto, utf-8 or gb18030 (gbk)"

/*
 * One column the caller knows. Header cells are matched against `name` and
 * every alias ignoring surrounding spaces and ASCII case. The strings must
 * outlive every table read with them (literals, as a rule).
 */
struct csvin_column {
    const char *name;           /* canonical snake_case English name, e.g. "teacher_code" */
    const char *const *aliases; /* NULL-terminated, or NULL. aliases[0] is the Chinese
                                   header (e.g. "教师编号") shown in messages and templates */
    bool required;              /* the header must name it; values are the caller's to check */
};

/* AUTO cannot be fooled by real files: GB18030 text of more than a few characters is
   almost never valid UTF-8 (RFC 3629 is checked strictly). A tiny GB18030 file that
   happens to be valid UTF-8 is read as UTF-8; --encoding gb18030 settles it. */
enum csvin_encoding {
    CSVIN_AUTO,    /* UTF-8 BOM → UTF-8; valid UTF-8 → UTF-8; otherwise GB18030 */
    CSVIN_UTF8,    /* with or without BOM */
    CSVIN_GB18030, /* what Excel saves as "CSV" on Chinese Windows; GBK is a subset */
};

/* Every failure fills one of these for a person to read. */
struct csvin_error {
    /* "<path> line <n>: what is wrong; what to do", or "<path>: ..." when no
       line applies. UTF-8. */
    char message[1024];
    int line; /* 1-based physical line in the file, 0 when not about a line */
};

struct csvin_table;

/*
 * Parses "auto", "utf-8"/"utf8", "gb18030" or "gbk" (read as GB18030, its
 * superset), in any ASCII case. False for anything else, *e unchanged.
 */
bool csvin_parse_encoding(const char *s, enum csvin_encoding *e) YX_MUST_CHECK;

/* "auto", "utf-8" or "gb18030". */
const char *csvin_encoding_name(enum csvin_encoding e);

/*
 * Reads the whole CSV file at `path` (at most CSVIN_MAX_FILE_BYTES):
 *  - decodes it as `enc` (see enum csvin_encoding; a UTF-8 BOM is dropped, as is a
 *    GB18030-encoded one), to UTF-8;
 *  - parses it as RFC 4180 CSV with libcsv in strict mode: comma-separated, quoted
 *    fields may hold commas, doubled quotes and line breaks; CRLF, LF or CR line ends;
 *  - the first non-empty record is the header. Every header cell must name one of
 *    `cols` (an unknown column is an error listing the expected ones), no column twice,
 *    every required column present. Empty header cells are allowed while the cells
 *    below them stay empty (Excel writes such trailing commas);
 *  - each later record is a row, except records whose cells are all empty. A short
 *    row reads as if its missing trailing cells were empty; a long row is an error
 *    unless its extra cells are empty;
 *  - every cell is trimmed of surrounding spaces, tabs, line breaks, U+3000 and U+00A0,
 *    and a CRLF inside a quoted cell becomes LF.
 * Returns the table, or NULL with *err filled (err may be NULL). `path` appears in
 * messages as given. Free with csvin_free().
 */
struct csvin_table *csvin_read(const char *path, enum csvin_encoding enc,
                               const struct csvin_column *cols, size_t ncols,
                               struct csvin_error *err) YX_MUST_CHECK;

/* The same for bytes already in memory (e.g. stdin); `name` stands for the file in
   messages. The bytes are not kept. */
struct csvin_table *csvin_read_mem(const char *name, const void *data, size_t len,
                                   enum csvin_encoding enc, const struct csvin_column *cols,
                                   size_t ncols, struct csvin_error *err) YX_MUST_CHECK;

void csvin_free(struct csvin_table *t); /* NULL is fine */

/* Data rows, the header not counted. */
size_t csvin_rows(const struct csvin_table *t);

/*
 * The cell of data row `row` (0-based, < csvin_rows) in column `col` (an index into
 * the `cols` given to csvin_read). "" when the cell is empty, the row short, or the
 * file lacks that optional column. Valid UTF-8, NUL-terminated, owned by the table.
 */
const char *csvin_get(const struct csvin_table *t, size_t row, size_t col);

/* The 1-based physical line in the file where data row `row` starts (line breaks
   inside earlier quoted cells counted). */
int csvin_line(const struct csvin_table *t, size_t row);

/* Whether the file's header names column `col` (an optional column may be absent). */
bool csvin_has_column(const struct csvin_table *t, size_t col);

/* The header of column `col` as the file spells it (e.g. "教师编号"), for messages;
   the canonical name when the file lacks the column. */
const char *csvin_header(const struct csvin_table *t, size_t col);

/* CSVIN_UTF8 or CSVIN_GB18030: how the file was decoded. */
enum csvin_encoding csvin_encoding_used(const struct csvin_table *t);

/*
 * Creates `path` holding only a header row (CRLF-terminated): each column's
 * aliases[0] when `chinese_headers` and it has one, else its name; with a UTF-8
 * BOM first when `bom` (so that Excel opens the file as UTF-8). Never replaces
 * an existing file: that is an error, as is any failure to write (the partial
 * file is then removed). False with *err filled (err may be NULL).
 */
bool csvin_write_template(const char *path, const struct csvin_column *cols, size_t ncols,
                          bool chinese_headers, bool bom, struct csvin_error *err) YX_MUST_CHECK;

#endif
