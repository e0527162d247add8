/*
 * import: what the CSV imports of the CLI share (units, roster, ...): reading
 * the whole file, listing its problems with their lines before anything is
 * sent, the cells the protocol cannot carry as text (yes/no flags, Excel's
 * dates), and sending the file as one request, with the server's row paths
 * ("teachers[17].school_code") turned back into lines of the file.
 */
#ifndef YANXIU_IMPORT_H
#define YANXIU_IMPORT_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>

#include "cli.h"
#include "csvin.h"
#include "yx_common.h"
#include "yxc.h"

/* A file being imported, and the problems found in it so far. */
struct import_file {
    const char *path;      /* as the user gave it */
    struct csvin_table *t; /* after import_read; the caller frees it with csvin_free */
    const struct csvin_column *cols;
    size_t ncols;
    const char *list; /* the request's repeated field: "units", "teachers", ... */
    /*
     * Fields of the request named otherwise than their column: pairs
     * {field, column name}, ended by {NULL, NULL}; NULL: none. E.g.
     * {"research_group", "group"}: Teacher.research_group is the file's
     * "group" (教研组).
     */
    const char *const (*renames)[2];
    size_t problems; /* found so far (printed or counted) */
    /*
     * Optional, for files whose request items are not rows (a score per cell):
     * prints one violation the server found in place of import_print_violation,
     * with print_arg; returns false when it left the violation out as a repeat
     * of one already printed. NULL: import_print_violation.
     */
    bool (*print_violation)(struct import_file *f, const Yanxiu__V1__FieldViolation *v,
                            void *print_arg);
    void *print_arg;
};

/* Parses the value of --encoding (csvin_parse_encoding). False after saying what is wrong. */
bool import_encoding_arg(const struct cli *cli, const char *arg,
                         enum csvin_encoding *enc) YX_MUST_CHECK;

/* Prints one problem of the file (a line, the newline added), the first 100 of them; the rest
   are only counted in f->problems. */
void import_problem(struct import_file *f, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* import_problem's work, for other counters of problems (a submission's files): prints the
   problem when fewer than 100 are counted in *problems, and counts it. */
void import_vproblem(size_t *problems, const char *fmt, va_list ap)
    __attribute__((format(printf, 2, 0)));

/* Says how many problems the file had and `why` it stops ("nothing was sent"); returns
   CLI_FAILED. */
int import_rejected(const struct import_file *f, const char *why);

/*
 * Reads f->path (f->cols, f->ncols) into f->t. A file with no rows below
 * its header is refused. Returns an exit code, having said what is wrong;
 * f->t is NULL unless CLI_OK.
 */
int import_read(struct import_file *f, enum csvin_encoding enc) YX_MUST_CHECK;

/* A code (a cell) and its row, to sort the rows of a file by code. */
struct import_code_row {
    const char *code;
    size_t row;
};

/* The qsort order of struct import_code_row: by code, then by row. */
int import_code_row_cmp(const void *a, const void *b);

/*
 * Lists every code of column `col` that repeats an earlier row's as a
 * problem naming both lines ("school 4114230001 is listed twice (also line
 * 3)"); `what` names the code's owner ("school"). Empty codes are left to
 * the server. False when memory ran out (nothing listed).
 */
bool import_check_duplicates(struct import_file *f, size_t col, const char *what) YX_MUST_CHECK;

/*
 * The yes/no flag in column `col` of `row`: yes/no, 是/否, 1/0, true/false
 * (any ASCII case); empty is no. Anything else is a problem of the file
 * (import_problem) and reads as no.
 */
bool import_flag_cell(struct import_file *f, size_t row, size_t col);

/*
 * Whole decimal digits at *p, from 1 to `max` of them; advances *p past
 * them. -1 (and *p unchanged) when there are none.
 */
int import_take_number(const char **p, int max);

/*
 * Excel shows dates as 2019/9/1 and saves them so: a year of four digits,
 * then month and day of one or two, separated alike by '-', '/' or '.',
 * becomes YYYY-MM-DD in out (cap bytes; 11 suffice) and out is returned.
 * Anything else is returned as it is (s), for the server to judge.
 */
const char *import_normalize_date(const char *s, char *out, size_t cap);

/*
 * The request's field names (f->renames applied) of the columns the file
 * has, in the order of f->cols, into fields (room for f->ncols); returns how
 * many. An import sends them so that the server keeps what a missing column
 * would clear.
 */
size_t import_present_fields(const struct import_file *f, char **fields);

/*
 * Prints one violation the server found, at its line of the file when its
 * path names a row of f->list ("FILE line 18 (学校代码): reason"), else as
 * it came; counts it in f->problems.
 */
void import_print_violation(struct import_file *f, const Yanxiu__V1__FieldViolation *v);

/*
 * Sends the import `req` on the open session and waits for the answer: an
 * ImportResult is printed as "FILE: N created, N updated, N unchanged"; an
 * error with violations as every violation (import_print_violation) and the
 * server's summary (f->print_violation, when set, prints the violations).
 * Returns an exit code, having said what went wrong.
 */
int import_send(struct cli *cli, struct import_file *f, Yanxiu__V1__Envelope *req) YX_MUST_CHECK;

#endif
