/*
 * out: the one model of what a listing command prints (columns, and rows of
 * typed cells) and its output in every format: an aligned table for people,
 * CSV, JSON, or the sheets of an .xlsx workbook. Also the one JSON writer of
 * the client. Collect the rows first (table widths need them all), then print.
 */
#ifndef YANXIU_OUT_H
#define YANXIU_OUT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "vocab.h"
#include "yanxiu.pb-c.h"
#include "yx_common.h"

/* The words --format accepts, for usage texts and error messages. */
#define OUT_FORMAT_CHOICES "table, csv, json or xlsx"

enum out_format {
    OUT_TABLE, /* aligned columns for people; numbers right-aligned */
    OUT_CSV,   /* RFC 4180 quoting, header row, LF line ends */
    OUT_JSON,  /* an array of objects, one per row; numbers unquoted */
    OUT_XLSX,  /* a workbook, one sheet per table (to a file: out_write_xlsx) */
};

/* Parses "table", "csv", "json" or "xlsx". False for anything else. */
bool out_parse_format(const char *name, enum out_format *format) YX_MUST_CHECK;

/* --- the table model ---------------------------------------------------------------------- */

enum out_kind {
    OUT_TEXT,    /* a string as it is */
    OUT_NUMBER,  /* a number given as text, printed as it is (e.g. "12", "1.5"); the text
                    must be a JSON number */
    OUT_COUNT,   /* a whole number */
    OUT_DECIMAL, /* a number as people write it: "2", "1.5", "0.25" (two decimals at most,
                    no trailing zeros); the same in JSON; a number in Excel */
    OUT_HOURS,   /* hours or credits: one decimal in table, CSV and Excel */
    OUT_RATE,    /* 0..1: a percentage with one decimal in table and CSV, "0.0%" in Excel */
    OUT_STATUS,  /* a teacher's status (vocab_compliance): the label in table and Excel, the
                    code in CSV, the code and "<name>_label" in JSON */
    OUT_STATE,   /* a unit's month in the reporting matrix (vocab_unit_month): likewise */
    OUT_BOOL,    /* yes/no (是/否 under zh_CN) in table and Excel; yes/no in CSV; true/false in
                    JSON */
    OUT_REASONS, /* the rules a teacher does not meet: "年度学时不足 40/72" (under en
                    "hours_year 40/72") in table and Excel, "hours_year 40/72" in CSV, objects
                    {rule, rule_label, needed, had} in JSON */
    OUT_LIST,    /* strings: joined with "; " in table, CSV and Excel; an array in JSON */
    /* Codes of an enumeration (vocab.h), like OUT_STATUS: the label in the CLI's language in
       table and Excel, the code in CSV, the code and "<name>_label" in JSON. */
    OUT_CATEGORY,       /* vocab_category */
    OUT_FORM,           /* vocab_form */
    OUT_LEVEL,          /* vocab_level */
    OUT_MODE,           /* vocab_mode */
    OUT_ATTENDANCE,     /* vocab_attendance */
    OUT_UNIT_KIND,      /* vocab_unit_kind */
    OUT_TEACHER_STATUS, /* vocab_teacher_status */
    OUT_REPORT_STATUS,  /* vocab_report_status */
    OUT_FLAG,           /* vocab_flag */
};

/*
 * Headings follow the CLI's language (lang.h) in table and Excel: under en the
 * English heading, under zh_CN `zh`, else the catalog's translation of the
 * English heading (context "column"). CSV and JSON always use `name`.
 */
struct out_column {
    /* snake_case English: the JSON key and the CSV header, stable for programs. */
    const char *name;
    /* The Chinese heading of this column (zh_CN table and Excel); NULL: the catalog's. */
    const char *zh;
    enum out_kind kind;
    /* The English heading when it should differ from name (e.g. "time" for "at"); NULL: name. */
    const char *heading;
};

/*
 * One cell. Build it with out_text, out_num, out_reasons or out_list (or
 * {.null = true}). It points into the caller's data (the server's answer),
 * which must outlive the table's output.
 */
struct out_cell {
    const char *s; /* OUT_TEXT, OUT_NUMBER, OUT_STATUS, OUT_STATE; NULL: none */
    double v;      /* OUT_COUNT, OUT_DECIMAL, OUT_HOURS, OUT_RATE, OUT_BOOL (nonzero: yes) */
    Yanxiu__V1__Reason **reasons; /* OUT_REASONS */
    size_t nreasons;
    char **list; /* OUT_LIST: nlist strings (not NULL-terminated) */
    size_t nlist;
    bool null; /* no value, whatever the kind: empty in table, CSV and Excel, null in JSON */
};

/*
 * A listing: ncols columns and nrows rows of cells. Start from {sheet, cols,
 * ncols} (the rest zero); free the rows with out_table_free. The strings of
 * the columns must outlive the table (literals, as a rule).
 */
struct out_table {
    const char *sheet; /* the Excel sheet's name (at most 31 characters) */
    const struct out_column *cols;
    size_t ncols;
    struct out_cell *cells; /* row by row */
    size_t nrows, cap;
    bool oom; /* a row could not be added (memory ran out): check before printing */
};

struct out_cell out_text(const char *s);
struct out_cell out_num(double v);
struct out_cell out_reasons(Yanxiu__V1__Reason **r, size_t n);
struct out_cell out_list(char **list, size_t n);

/*
 * Appends a row of t->ncols cells (copied). False when memory runs out (then
 * t->oom is set, and the table is not to be printed), or when an OUT_NUMBER
 * cell is not a JSON number (errno EINVAL, a bug of the caller: the row is
 * not added).
 */
bool out_add(struct out_table *t, const struct out_cell *row);

/* Frees the rows (not what the cells point to); the table is then empty. */
void out_table_free(struct out_table *t);

/* Accepts a teacher's status by its code, its Chinese names (达标, ...) or its label in
   either language; the code, or NULL when s is none of these. */
const char *out_status_code(const char *s);

/* The text of an OUT_DECIMAL number into buf: "2", "1.5", "-3.5", "0.25"; never "-0"; 0
   for a number that is not finite. Returns buf. */
const char *out_decimal(double v, char *buf, size_t cap);

/* --- output ------------------------------------------------------------------------------- */

/*
 * Prints the table as an aligned table, CSV (no BOM: the caller writes it) or
 * a JSON array (then a newline). False when memory ran out or writing to fp
 * failed (errno says why). Not OUT_XLSX (errno EINVAL): see out_write_xlsx.
 */
bool out_print(const struct out_table *t, enum out_format format, FILE *fp) YX_MUST_CHECK;

/*
 * Writes the tables (n of them, at least one) as the sheets of a new workbook
 * at path (replacing any file there). False with a message in err (errlen
 * bytes).
 */
bool out_write_xlsx(const char *path, const struct out_table *const *tables, size_t n, char *err,
                    size_t errlen) YX_MUST_CHECK;
/* The same with ntitles lines in bold above the first sheet's header (xlsx_sheet.titles). */
bool out_write_xlsx_titled(const char *path, const struct out_table *const *tables, size_t n,
                           const char *const *titles, size_t ntitles, char *err,
                           size_t errlen) YX_MUST_CHECK;

/*
 * Terminal columns `s` takes in a table: East Asian wide characters (CJK,
 * Hangul, fullwidth forms, most emoji) count 2, combining marks 0, control
 * characters as their visible escape (e.g. "\n" counts 2), a byte that is not
 * UTF-8 counts 1 (printed as U+FFFD).
 */
size_t out_display_width(const char *s);

/* --- JSON --------------------------------------------------------------------------------- */

/*
 * Output on its way to a FILE: bytes gather in buf and go to fp in chunks of
 * OUT_SINK_SIZE, one fwrite each, rather than a call per character. The
 * printers of this module hold one while they print; whatever is in buf is
 * handed to fp before they return.
 */
#define OUT_SINK_SIZE 8192

struct out_sink {
    FILE *fp;
    size_t n; /* bytes in buf */
    char buf[OUT_SINK_SIZE];
};

/*
 * The client's JSON writer, for the listings and the documents of a command
 * (a report with its activities, a view with its sections). A container is
 * written on one line ({"a": 1, "b": 2}) or one value a line with two-space
 * indents; the whole document ends with a newline. Start from
 * {.fp = stdout}; a key is NULL inside arrays and at the top. What is
 * written reaches fp in chunks, and all of it once the value at the top is
 * complete (its container closed): write nothing else to fp in between.
 * Errors of fp are the caller's to check (ferror) at the end.
 */
#define OUT_JSON_MAX_DEPTH 32

struct out_json {
    FILE *fp;
    int depth;
    bool first;                     /* nothing written yet in the innermost container */
    char close[OUT_JSON_MAX_DEPTH]; /* the closing bracket of each open container */
    uint32_t one_line;              /* bit d: the container at depth d+1 is on one line */
    struct out_sink out;            /* what is not yet handed to fp (out.fp set at first use) */
};

/* Opens an object ('{') or array ('['), on one line or not; more than OUT_JSON_MAX_DEPTH
   open at once is a bug of the caller (abort). Closed by out_json_close. */
void out_json_open(struct out_json *j, const char *key, char bracket, bool one_line);
void out_json_close(struct out_json *j);
/* A string (NULL: null). */
void out_json_str(struct out_json *j, const char *key, const char *s);
void out_json_uint(struct out_json *j, const char *key, uint64_t v);
/* A number: whole ("%.0f") or as it is ("%.10g"); null when not finite. */
void out_json_double(struct out_json *j, const char *key, double v, bool whole);
/* A number already written as JSON ("1.5"). */
void out_json_number_text(struct out_json *j, const char *key, const char *text);
void out_json_bool(struct out_json *j, const char *key, bool v);
void out_json_null(struct out_json *j, const char *key);

/* Row r of the table as a JSON object on one line. */
void out_json_row(struct out_json *j, const char *key, const struct out_table *t, size_t r);
/* The table as an array of objects, one a line. */
void out_json_rows(struct out_json *j, const char *key, const struct out_table *t);

/* Writes s as a JSON string literal (quotes included). Bytes that are not UTF-8
   become U+FFFD, control characters are escaped, so the output stays valid JSON. */
void out_json_string(const char *s, FILE *fp);

#endif
