/*
 * import: what the CLI's uploads share (units, roster, report, scores): the
 * user's files read as bytes and sent as they are (the daemon reads them),
 * refused before sending only when larger than the server takes; and the
 * answer printed: every problem at its file, sheet, row and column, in the
 * CLI's language, or the counts.
 */
#ifndef YANXIU_IMPORT_H
#define YANXIU_IMPORT_H

#include <stdbool.h>
#include <stddef.h>

#include "cli.h"
#include "lang.h"
#include "msg.h"
#include "yx_common.h"
#include "yxc.h"

/* The words --encoding accepts, for usage texts. */
#define IMPORT_ENCODING_CHOICES "auto, utf-8 or gb18030 (gbk)"

/*
 * Parses the value of --encoding: "auto", "utf-8"/"utf8", "gb18030" or "gbk"
 * (read as GB18030), any ASCII case, into the UploadFile.encoding the
 * server takes ("", "utf-8", "gb18030"). False after saying what is wrong.
 */
bool import_encoding_arg(const struct cli *cli, const char *arg, const char **enc) YX_MUST_CHECK;

/* The files of one upload, read (their names and bytes owned: import_upload_free). */
struct import_upload {
    Yanxiu__V1__UploadFile files[4], *ptrs[4];
    size_t n;
    size_t total; /* bytes */
};

/*
 * Reads the file at `path` into the next of u->files (its name without the
 * directories, its bytes, `encoding`). A file above the server's upload
 * limit, or one that would make the request larger than a frame, is refused
 * here, before anything is sent. Returns an exit code, having said what is
 * wrong.
 */
int import_add_file(struct import_upload *u, const char *path, const char *encoding) YX_MUST_CHECK;

void import_upload_free(struct import_upload *u);

/*
 * Prints every problem of an Error answer on stderr, grouped by file (in the
 * order of u's files; u may be NULL) and sheet, in row order: "FILE SHEET!C5
 * (HEADER) "VALUE": message" (in the CLI's language), or the path for a
 * problem of no cell, first; then one line: how many problems (the server's
 * total when it listed fewer), nothing written. Returns CLI_FAILED.
 */
int import_print_problems(const Yanxiu__V1__Error *e, const struct import_upload *u);

/* Prints "WHAT: checked: no problems; nothing was written" (a --check answer). */
void import_print_checked(const char *what);

/*
 * Sends the import `req` (units, roster, scores) on the open session and
 * waits for the answer: an ImportResult is printed as "WHAT: N created, N
 * updated, N unchanged" (or as checked, with `check_only`); an error with
 * violations as import_print_problems. Returns an exit code, having said
 * what went wrong.
 */
int import_send(struct cli *cli, const char *what, bool check_only, const struct import_upload *u,
                Yanxiu__V1__Envelope *req) YX_MUST_CHECK;

/*
 * Whole decimal digits at *p, from 1 to `max` of them; advances *p past
 * them. -1 (and *p unchanged) when there are none.
 */
int import_take_number(const char **p, int max);

#endif
