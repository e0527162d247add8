/*
 * layout: the users' files mapped onto a request. A report (one workbook
 * with the sheets 研修活动/activities, 签到表/attendance, 校外培训/external,
 * or the CSV files activities.csv, attendance.csv, external.csv), a roster
 * (名册/teachers), units (学校/units) or scores (成绩/scores) is read with
 * text/book.h and its rows become the items of the structured request, each
 * remembering the cell it came from, so that every problem — the format's
 * found here, the handler's checks and the database's — is named at its
 * file, sheet, row (as Excel shows it), column and header. Runs on a worker
 * thread (layout_read); the rest runs on the loop.
 */
#ifndef YANXIU_LAYOUT_H
#define YANXIU_LAYOUT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "book.h"
#include "check.h"
#include "rpc.h"
#include "vocab.h"

enum layout_kind { LAYOUT_REPORT, LAYOUT_ROSTER, LAYOUT_UNITS, LAYOUT_SCORES };

/* The lists of the requests, as their paths name them ("attendance[3].status"). */
enum layout_list {
    LL_ACTIVITIES,
    LL_ATTENDANCE,
    LL_EXTERNAL,
    LL_TEACHERS,
    LL_UNITS,
    LL_SCORES,
    LL_N
};

/* One uploaded file (pointers into the request: alive while it is). */
struct layout_file {
    const char *name;
    const uint8_t *data;
    size_t len;
    const char *encoding;
};

struct layout_tab;
struct layout_origin;

/* The rows read, as a structured request carries them; strings owned by the layout. */
struct layout {
    enum layout_kind kind;
    struct rpc_violations problems; /* of the files' format, each at its cell */
    Yanxiu__V1__Activity **activities;
    size_t n_activities;
    Yanxiu__V1__Attendance **attendance;
    size_t n_attendance;
    Yanxiu__V1__ExternalRecord **external;
    size_t n_external;
    Yanxiu__V1__Teacher **teachers;
    size_t n_teachers;
    Yanxiu__V1__Unit **units;
    size_t n_units;
    Yanxiu__V1__ItemScore **scores;
    size_t n_scores;
    char **columns; /* roster, units: the optional columns the file has */
    size_t n_columns;
    /* where each item came from */
    struct book **books;
    size_t n_books;
    struct layout_tab *tabs;
    size_t n_tabs;
    struct layout_origin *origin[LL_N];
    size_t n_origin[LL_N];
    bool oom;
};

/*
 * Reads `files` as `kind` within `lim` (per file; also the cap of rows and
 * cells). Never NULL unless out of memory: files that cannot be read at all,
 * missing sheets or columns and bad cells are problems in ->problems (and the
 * rows that are well-formed are still there for the database's checks).
 */
struct layout *layout_read(enum layout_kind kind, const struct layout_file *files, size_t n,
                           const struct book_limits *lim) YX_MUST_CHECK;

void layout_free(struct layout *L); /* NULL is fine */

/* Moves the format problems of L into vs (vs's total counts them all). */
void layout_take_problems(struct layout *L, struct rpc_violations *vs);

/*
 * A request's rows, given or in its files. Without files: then(req) at once
 * (its status returned). With files and rows too: INVALID_ARGUMENT
 * upload_mixed. Else refuses at once what is over the limits
 * (RESOURCE_EXHAUSTED: upload_too_large, upload_busy), or reads the files on
 * a worker of srv->files and then, back on the loop, sets req->layout and
 * calls then(req), which answers or submits as a handler; RPC_PENDING is
 * returned then (the request counts a job). A server without srv->files
 * (the fuzzers) reads them on the spot instead.
 */
enum rpc_status layout_upload(struct rpc_req *req, enum layout_kind kind,
                              Yanxiu__V1__UploadFile **files, size_t n, bool has_rows,
                              enum rpc_status (*then)(struct rpc_req *req));

/* Frees an upload the server's pool never delivered (workpool_free's drop, at exit); its
 * request is not answered. */
void layout_upload_drop(void *arg);

/* Where one problem is, as rpc_problem takes it, with room for its strings. */
struct layout_where {
    struct rpc_at at;
    char path[96];
    char header[160];
    const char *label; /* the column as the message names it: the file's header, else
                          the column's Chinese name */
};

/*
 * The place of `list[idx].field` (value: the value the check saw): the cell it
 * came from when L read it from a file, else the path with row idx + 1. Its
 * strings live in w (and L). Returns &w->at.
 */
const struct rpc_at *layout_at(struct layout_where *w, const struct layout *L,
                               enum layout_list list, size_t idx, const char *field,
                               const char *value);

/* The same for a path the database named ("attendance[3].teacher_code", "month"). */
const struct rpc_at *layout_path_at(struct layout_where *w, const struct layout *L,
                                    const char *path);

/* True when the cell of list[idx].field already has a format problem (do not add another). */
bool layout_bad(const struct layout *L, enum layout_list list, size_t idx, const char *field);

/* The names an enumeration accepts, for the message of value_unknown: its Chinese names
 * joined by "、" ("在职、免训、离职"), into buf. Returns buf. */
const char *layout_accepted(const struct vocab *v, char *buf, size_t cap);

/*
 * The checks every request's fields share, each adding its problem at the field's cell (or
 * path) to vs. layout_text: text of at most max characters, not empty when required.
 * layout_term: the code of an enumeration's value; 0 (not given, or a term of a file that
 * layout_read refused) is `dflt`, or value_required when dflt is NULL; a number the enum does
 * not have is value_unknown. NULL after a problem.
 */
bool layout_text(struct rpc_violations *vs, const struct layout *L, enum layout_list list, size_t i,
                 const char *field, const char *value, size_t max, bool required);
const char *layout_term(struct rpc_violations *vs, const struct layout *L, enum layout_list list,
                        size_t i, const char *field, const struct vocab *v, int value,
                        const char *dflt);

/*
 * Adds the database's problems, placed at the cells their paths came from.
 * `r` has one row per problem and argument, in problem order: columns n (the
 * problem's number), code, key and value (an argument; NULL for a problem
 * without any), and either path (list NULL) or idx and field, the path being
 * "<list>[idx].<field>" (rows of idx < 0 are not problems).
 */
void layout_db_problems(struct rpc_violations *vs, const struct layout *L, const PGresult *r,
                        const char *list);

/*
 * Reports each code of `codes` found again (code `code`, args value and
 * first_row: the row of its first appearance as the user sees it). `codes` is
 * sorted in place; empty codes are ignored.
 */
void layout_duplicates(struct rpc_violations *vs, const struct layout *L,
                       struct check_code_at *codes, size_t n, enum layout_list list,
                       const char *field, const char *code);

/*
 * A problem of list[idx].field unless the layout already reported that cell:
 * rpc_problem with the argument "field" (the column's label) added first.
 * Needs `struct layout_where w` in scope. The arguments end with NULL.
 */
#define LAYOUT_PROBLEM(vs, L, list, idx, field, value, code, ...)                                  \
    do {                                                                                           \
        if (!layout_bad((L), (list), (idx), (field))) {                                            \
            const struct rpc_at *at_ = layout_at(&w, (L), (list), (idx), (field), (value));        \
            rpc_problem((vs), at_, (code), "field", w.label, __VA_ARGS__);                         \
        }                                                                                          \
    } while (0)

#endif
