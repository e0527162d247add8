/*
 * out: prints the rows a listing command gets back as an aligned table, CSV
 * or JSON, so that every command offers the same --format choices with the
 * same rules. Collect the rows first (table widths need them all), then print.
 */
#ifndef YANXIU_OUT_H
#define YANXIU_OUT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "yx_common.h"

/* The words --format accepts, for usage texts and error messages. */
#define OUT_FORMAT_CHOICES "table, csv or json"

enum out_format {
    OUT_TABLE, /* aligned columns for people; numbers right-aligned */
    OUT_CSV,   /* RFC 4180 quoting, header row, LF line ends */
    OUT_JSON,  /* an array of objects, one per row; numbers unquoted */
};

enum out_kind {
    OUT_STRING,
    OUT_NUMBER, /* the cell text must be a JSON number, e.g. "12", "-3.5", "1e3" */
};

struct out_column {
    /* snake_case: the JSON key, the CSV header and the table heading. The
       string must outlive the table (a literal, as a rule). */
    const char *name;
    enum out_kind kind;
    /* The table heading when it should differ from name (e.g. "time" for
       "at"); NULL: name. Same lifetime rule. */
    const char *heading;
};

struct out_table;

/* Copies the column array (not the names). NULL when memory runs out. */
struct out_table *out_table_new(const struct out_column *cols, size_t ncols) YX_MUST_CHECK;

void out_table_free(struct out_table *t); /* NULL is fine */

/*
 * Appends a row of one cell per column; the strings are copied. A NULL cell
 * is "no value": empty in table and CSV, null in JSON. False (the table
 * unchanged) when memory runs out, or when a number cell is not a JSON
 * number (errno EINVAL; a bug in the caller).
 */
bool out_row_add(struct out_table *t, const char *const *cells) YX_MUST_CHECK;

size_t out_rows(const struct out_table *t);

/* Parses "table", "csv" or "json". False for anything else. */
bool out_parse_format(const char *name, enum out_format *format) YX_MUST_CHECK;

/* Prints the table. False when writing to fp failed (e.g. a full disk; errno says why). */
bool out_print(const struct out_table *t, enum out_format format, FILE *fp) YX_MUST_CHECK;

/* Writes s as a JSON string literal (quotes included). Bytes that are not UTF-8
   become U+FFFD, control characters are escaped, so the output stays valid JSON. */
void out_json_string(const char *s, FILE *fp);

/*
 * Terminal columns `s` takes in a table: East Asian wide characters (CJK,
 * Hangul, fullwidth forms, most emoji) count 2, combining marks 0, control
 * characters as their visible escape (e.g. "\n" counts 2), a byte that is not
 * UTF-8 counts 1 (printed as U+FFFD).
 */
size_t out_display_width(const char *s);

#endif
