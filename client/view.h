/*
 * view: what the district's views (compliance, reporting rates, a teacher's
 * handbook, ...) share: the common options (--format, -o, --force, --bom,
 * --district, --as-of), a view as columns and rows of cells, and its output
 * as an aligned table, CSV, JSON or an .xlsx workbook, to the standard output
 * or to -o FILE (outfile.h: a regular file is written under a temporary name
 * and moved into place when complete, an existing one replaced only with
 * --force; a FIFO, a device or "-" is written in place).
 * Also the reading of a small UTF-8 text file to send (a policy file).
 */
#ifndef YANXIU_VIEW_H
#define YANXIU_VIEW_H

#include <getopt.h>
#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "cli.h"
#include "outfile.h"
#include "yx_common.h"
#include "yxc.h"

/* The words --format accepts, for usage texts and error messages. */
#define VIEW_FORMAT_CHOICES "table, csv, json or xlsx"

/* The years --year accepts. */
#define VIEW_MIN_YEAR 2000
#define VIEW_MAX_YEAR 2100

/* --- the common options ------------------------------------------------------------------ */

enum view_format { VIEW_TABLE, VIEW_CSV, VIEW_JSON, VIEW_XLSX };

/* The common options of a view. Start from {.format = VIEW_TABLE, .district = "",
   .as_of = ""}: the strings are "" when not given (they point into argv). */
struct view_common {
    enum view_format format;
    const char *output; /* -o FILE ("-": stdout, like /dev/stdout); NULL: stdout */
    bool bom;           /* CSV: a UTF-8 BOM first */
    bool force;         /* replace an existing -o file */
    const char *district;
    const char *as_of;
};

/* Option values of the common options (a command's own options use other letters). */
enum {
    VIEW_OPT_FORMAT = 'f',
    VIEW_OPT_OUTPUT = 'o',
    VIEW_OPT_BOM = 'B',
    VIEW_OPT_FORCE = 'F',
    VIEW_OPT_DISTRICT = 'd',
    VIEW_OPT_AS_OF = 'a',
};

/* The struct option rows of the options every view takes but --as-of (which a command
   lists itself, as {"as-of", required_argument, NULL, VIEW_OPT_AS_OF}, when it has it). */
/* clang-format off */
#define VIEW_OUTPUT_OPTIONS                                        \
    {"format", required_argument, NULL, VIEW_OPT_FORMAT},          \
    {"output", required_argument, NULL, VIEW_OPT_OUTPUT},          \
    {"bom", no_argument, NULL, VIEW_OPT_BOM},                      \
    {"force", no_argument, NULL, VIEW_OPT_FORCE},                  \
    {"district", required_argument, NULL, VIEW_OPT_DISTRICT}
/* clang-format on */

/* The usage text of VIEW_OUTPUT_OPTIONS, for a command's usage. */
#define VIEW_OUTPUT_OPTIONS_TEXT                                                                   \
    "  --district CODE  the district (6 digits); an admin must give it\n"                          \
    "  --format FORMAT  " VIEW_FORMAT_CHOICES " (default table); xlsx needs -o\n"                  \
    "  -o, --output FILE  write to FILE instead of the standard output (-: the\n"                  \
    "                   standard output); an existing file is not replaced unless\n"               \
    "                   --force is given; a FIFO or device is written, not replaced\n"             \
    "  --force          replace FILE if it is an existing file\n"                                  \
    "  --bom            CSV: start with a UTF-8 BOM, so that Excel on Windows reads\n"             \
    "                   the Chinese right\n"

/* What view_common_option did with an option. */
enum { VIEW_OPT_NOT_MINE = 0, VIEW_OPT_TAKEN = 1, VIEW_OPT_BAD = -1 };

/*
 * cli_getopt takes long options only: lets "-o FILE" stand for "--output
 * FILE" by rewriting argv (up to a "--"). Call before the getopt loop.
 */
void view_short_output_option(int argc, char **argv);

/*
 * Applies `opt` (with optarg) when it is one of the common options:
 * VIEW_OPT_TAKEN, or VIEW_OPT_BAD after printing the usage problem (the
 * command returns CLI_USAGE). VIEW_OPT_NOT_MINE for a command's own option.
 */
int view_common_option(const struct cli *cli, int opt, struct view_common *c);

/*
 * Checks the common options together, after the getopt loop and before
 * anything is asked of the server (xlsx needs -o, and not a terminal, --bom
 * needs csv, --force needs -o, an existing -o FILE needs --force, -o must lead
 * somewhere to write). Returns an exit code, having said what is wrong.
 */
int view_common_check(const struct cli *cli, const struct view_common *c);

/* Parses the value of --year (VIEW_MIN_YEAR..VIEW_MAX_YEAR). False after saying why. */
bool view_year_arg(const struct cli *cli, const char *arg, uint32_t *year) YX_MUST_CHECK;

/* True when s is exactly n ASCII digits. */
bool view_all_digits(const char *s, size_t n);

/* True when s is a real date YYYY-MM-DD (from 1970 on). */
bool view_valid_date(const char *s);

/* True when s is a month YYYY-MM (from 1970 on). */
bool view_valid_month(const char *s);

/*
 * After cli_open_session: an admin acts on no district of its own and must
 * name one. Returns CLI_OK, or CLI_USAGE after saying so.
 */
int view_need_district(const struct cli *cli, const char *district);

/* cli_open_session, then view_need_district. Returns an exit code, having said what went
   wrong. */
int view_open_session(struct cli *cli, const char *district) YX_MUST_CHECK;

/*
 * Sends a query on the open session and waits for the answer: on CLI_OK
 * *resp (the caller's, to free with yxc_free) holds a body of case
 * `expect`. Any other answer or failure is reported (cli_report) and its exit
 * code returned.
 */
int view_call(struct cli *cli, Yanxiu__V1__Envelope *req, Yanxiu__V1__Envelope__BodyCase expect,
              Yanxiu__V1__Envelope **resp) YX_MUST_CHECK;

/* --- the view model ---------------------------------------------------------------------- */

enum vkind {
    V_TEXT,    /* a string as it is */
    V_COUNT,   /* a whole number */
    V_HOURS,   /* hours or credits: one decimal in table, CSV and Excel */
    V_RATE,    /* 0..1: a percentage with one decimal in table and CSV, "0.0%" in Excel */
    V_STATUS,  /* a teacher's status: Chinese in table and Excel, the code in CSV and JSON */
    V_STATE,   /* a unit's month in the reporting matrix: likewise */
    V_BOOL,    /* yes/no; true/false in JSON; 是/否 in Excel */
    V_REASONS, /* the rules a teacher does not meet */
    V_LIST,    /* strings: joined with "; " in table, CSV and Excel; an array in JSON */
};

struct vcol {
    const char *name; /* JSON key, CSV header, table heading */
    const char *zh;   /* the Excel header */
    enum vkind kind;
};

/*
 * One cell. Build it with view_text, view_num, view_reasons or view_list (or
 * {.null = true}). It points into the caller's data (the server's answer),
 * which must outlive the view's output.
 */
struct vcell {
    const char *s;                /* V_TEXT, V_STATUS, V_STATE; NULL: no value */
    double v;                     /* V_COUNT, V_HOURS, V_RATE, V_BOOL (nonzero: yes) */
    Yanxiu__V1__Reason **reasons; /* V_REASONS */
    size_t nreasons;
    char **list; /* V_LIST: nlist strings (not NULL-terminated) */
    size_t nlist;
    bool null; /* no value, whatever the kind: empty in table, CSV and Excel, null in JSON */
};

/*
 * A listing: ncols columns and nrows rows of cells, printed by the functions
 * below. Start from {sheet, cols, ncols} (the rest zero); free with
 * view_free.
 */
struct view {
    const char *sheet; /* the Excel sheet's name (at most 31 characters) */
    const struct vcol *cols;
    size_t ncols;
    struct vcell *cells; /* row by row */
    size_t nrows, cap;
    bool oom; /* a row could not be added: check before printing */
};

struct vcell view_text(const char *s);
struct vcell view_num(double v);
struct vcell view_reasons(Yanxiu__V1__Reason **r, size_t n);
struct vcell view_list(char **list, size_t n);

/* Appends a row of v->ncols cells (copied). When memory runs out, sets v->oom and adds no
   more rows. */
void view_add(struct view *v, const struct vcell *row);

/* Frees the rows (not what the cells point to); the view is then empty. */
void view_free(struct view *v);

/* Accepts a teacher's status by its code or its Chinese name (达标, ...); the code, or NULL
   when s is neither. */
const char *view_status_code(const char *s);

/* --- output ------------------------------------------------------------------------------- */

/* Where a view goes: stdout, or -o FILE (through a temporary file until it is complete). */
struct view_sink {
    const struct view_common *c;
    FILE *fp; /* write here between view_sink_open and view_sink_close */
    struct outfile out;
};

/*
 * Opens the output of c->format (not xlsx: see view_output_xlsx) for writing:
 * stdout, or c->output as outfile_open does. False after saying why.
 */
bool view_sink_open(struct view_sink *s, const struct view_common *c) YX_MUST_CHECK;

/*
 * Ends the output: `ok` says whether writing went well so far (else errno
 * says why). For a file, moves it into place as c->output (or removes it).
 * Returns an exit code, having said what went wrong.
 */
int view_sink_close(struct view_sink *s, bool ok);

/*
 * Prints the view as a table (format VIEW_TABLE) or CSV (VIEW_CSV: no BOM,
 * the caller writes it). False when memory ran out or writing failed (errno
 * says why); the caller's view_sink_close reports it.
 */
bool view_print_plain(const struct view *v, enum view_format f, FILE *fp) YX_MUST_CHECK;

/* Writes row r of the view as a JSON object on one line. */
void view_json_object(const struct view *v, size_t r, FILE *fp);

/* Writes the view as a JSON array of objects, one a line; `indent` spaces before each line but
   the first. No newline after the closing bracket. */
void view_json_array(const struct view *v, int indent, FILE *fp);

/* Writes the views (n of them, at least one) as the sheets of a workbook to c->output (not
   to a terminal). Returns an exit code, having said what went wrong. */
int view_output_xlsx(const struct view_common *c, const struct view *const *views, size_t n);

/*
 * Prints one view in c->format, to stdout or c->output; `title` (table
 * format only, may be NULL) goes first. Reports a view that ran out of
 * memory. Returns an exit code, having said what went wrong.
 */
int view_output(const struct view_common *c, const struct view *v, const char *title);

/* Says where the file went ("wrote FILE: 12 teachers") when -o named a regular file (not
   "-", a FIFO or a device, which get the output alone). */
void view_say_wrote(const struct view_common *c, size_t n, const char *one, const char *many);

/* --- small text files to send -------------------------------------------------------------- */

/*
 * Reads the text file at path, of at most max_bytes, for sending: *text is
 * malloc'd (the caller frees it), NUL-terminated, a UTF-8 BOM dropped. A
 * directory, a larger file, a NUL byte, bytes that are not UTF-8 (with their
 * line) or a file of blanks only is refused: `noun` names what the file
 * should be in the messages ("policy": "... is a directory, not a policy
 * file"). Returns an exit code, having said what is wrong (*text NULL
 * unless CLI_OK).
 */
int view_read_text(const char *path, size_t max_bytes, const char *noun, char **text) YX_MUST_CHECK;

/* Prints one problem the server found in the text file sent from path: "FILE line 7: reason"
   (the violation's path is "line N"), "FILE: field: reason" or "FILE: reason". */
void view_print_line_violation(const char *path, const Yanxiu__V1__FieldViolation *v);

#endif
