/*
 * view: what the listings (compliance, reporting rates, a teacher's handbook,
 * reports, the roster, ...) share: the common options (--format, -o, --force,
 * --bom, --district, --as-of), and the output of their tables (out.h) as an
 * aligned table, CSV, JSON or an .xlsx workbook, to the standard output or to
 * -o FILE (outfile.h: a regular file is written under a temporary name
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
#include "out.h"
#include "outfile.h"
#include "yx_common.h"
#include "yxc.h"

/* The years --year accepts. */
#define VIEW_MIN_YEAR 2000
#define VIEW_MAX_YEAR 2100

/* --- the common options ------------------------------------------------------------------ */

/* The common options of a view. Start from {.format = OUT_TABLE, .district = "",
   .as_of = ""}: the strings are "" when not given (they point into argv). */
struct view_common {
    enum out_format format;
    bool format_given;  /* --format was given (else -o FILE.xlsx means xlsx) */
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

/* The struct option rows of the output options every listing takes. */
/* clang-format off */
#define VIEW_FILE_OPTIONS                                          \
    {"format", required_argument, NULL, VIEW_OPT_FORMAT},          \
    {"output", required_argument, NULL, VIEW_OPT_OUTPUT},          \
    {"bom", no_argument, NULL, VIEW_OPT_BOM},                      \
    {"force", no_argument, NULL, VIEW_OPT_FORCE}

/* The options every view takes but --as-of (which a command lists itself, as
   {"as-of", required_argument, NULL, VIEW_OPT_AS_OF}, when it has it). */
#define VIEW_OUTPUT_OPTIONS                                        \
    VIEW_FILE_OPTIONS,                                             \
    {"district", required_argument, NULL, VIEW_OPT_DISTRICT}
/* clang-format on */

/*
 * The usage text of VIEW_FILE_OPTIONS, for a command's usage: a placeholder
 * that `yanxiu COMMAND --help` replaces with the text in the CLI's language
 * (cli.c, print_usage), so that a usage text stays one message of the
 * catalog. Write "{file_options}" in a usage text, or concatenate this.
 */
#define VIEW_FILE_OPTIONS_TEXT "{file_options}"

/* The usage text of VIEW_OUTPUT_OPTIONS (--district, then the file options), likewise. */
#define VIEW_OUTPUT_OPTIONS_TEXT "{output_options}"

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
 * cli_getopt over opts (which hold VIEW_FILE_OPTIONS or VIEW_OUTPUT_OPTIONS),
 * applying the common options to c: returns the next of the command's own
 * options (optarg set), -1 when done, or CLI_BAD_OPTION after printing the
 * problem. Calls view_short_output_option first.
 */
int view_getopt(struct cli *cli, int argc, char **argv, const struct option *opts,
                struct view_common *c);

/*
 * cli_getopt over opts, all of them common options (view_common_option) but
 * -o: a command that takes -o calls view_short_output_option first. Returns
 * CLI_OK, or CLI_USAGE after saying what is wrong.
 */
int view_common_options(struct cli *cli, int argc, char **argv, const struct option *opts,
                        struct view_common *c) YX_MUST_CHECK;

/*
 * Checks the common options together, after the getopt loop and before
 * anything is asked of the server. Without --format, -o FILE.xlsx makes the
 * format xlsx (a workbook is all a .xlsx file can hold). Then: xlsx needs -o,
 * and not a terminal, --bom needs csv, --force needs -o, an existing -o FILE
 * needs --force, -o must lead somewhere to write. Returns an exit code, having
 * said what is wrong.
 */
int view_common_check(const struct cli *cli, struct view_common *c);

/* Parses the value of --year (VIEW_MIN_YEAR..VIEW_MAX_YEAR). False after saying why. */
bool view_year_arg(const struct cli *cli, const char *arg, uint32_t *year) YX_MUST_CHECK;

/* True when s is exactly n ASCII digits. */
bool view_all_digits(const char *s, size_t n);

/* Checks the value of --district (6 digits) and sets *district to it. False after saying
   what is wrong. */
bool view_district_arg(const struct cli *cli, const char *arg, const char **district) YX_MUST_CHECK;

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

/* Writes the tables (n of them, at least one) as the sheets of a workbook to c->output (not
   to a terminal). Returns an exit code, having said what went wrong. */
int view_output_xlsx(const struct view_common *c, const struct out_table *const *tables, size_t n);

/*
 * Prints one table in c->format, to stdout or c->output; `title` (table
 * format only, may be NULL) goes first. Reports a table that ran out of
 * memory. Returns an exit code, having said what went wrong.
 */
int view_output(const struct view_common *c, const struct out_table *t, const char *title);

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

/* view_read_text, then view_open_session (the file is read before anything is asked of the
   server). Returns an exit code, having said what is wrong (*text NULL unless CLI_OK). */
int view_read_text_session(struct cli *cli, const char *district, const char *path,
                           size_t max_bytes, const char *noun, char **text) YX_MUST_CHECK;

/* Prints one problem the server found in the text file sent from path: "FILE line 7: reason"
   (the violation's path is "line N"), "FILE: field: reason" or "FILE: reason". */
void view_print_line_violation(const char *path, const Yanxiu__V1__FieldViolation *v);

/*
 * Sends the request `req` carrying the text file read from path on the open
 * session and waits for the answer: on CLI_OK *resp (the caller's, to free
 * with yxc_free) holds a body of case `expect`. The problems the server found
 * in the file are printed (view_print_line_violation), then "yanxiu: FILE:
 * MESSAGE" and `after` ("; nothing was stored", or ""); any other failure is
 * reported. Returns an exit code (*resp NULL unless CLI_OK).
 */
int view_send_text(struct cli *cli, const char *path, Yanxiu__V1__Envelope *req,
                   Yanxiu__V1__Envelope__BodyCase expect, const char *after,
                   Yanxiu__V1__Envelope **resp) YX_MUST_CHECK;

/* Prints a text the server keeps (an INI file) to stdout, with a newline at its end. */
void view_print_text(const char *text);

#endif
