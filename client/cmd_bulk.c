/*
 * cmd_bulk: `yanxiu report import MANIFEST.csv`, the historical import in bulk
 * (批量历史导入) of a district taking up yanxiu in the middle of a year: the
 * months before, one manifest row per unit and month naming the workbook (or
 * the directory of CSV files) the school filled and when it really arrived,
 * sent as SubmitBatch requests of up to N reports, each batch written whole
 * or not at all. Every report's idempotency key comes from what it holds, so
 * that running the same command again after a failure writes nothing twice.
 */
#include <errno.h>
#include <fcntl.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "book.h"
#include "cli.h"
#include "frame.h"
#include "import.h"
#include "lang.h"
#include "msg.h"
#include "text.h"
#include "view.h"

#define IMPORT_MAX_BATCH  500
#define IMPORT_BATCH      50
#define IMPORT_MAX_BYTES  (12u * 1024u * 1024u) /* of files a batch, well inside a frame */
#define IMPORT_MAX_ROWS   100000
#define SUMMARY_MAX_BYTES (64 * 1024)

const char cmd_report_import_usage[] =
    N_("usage: yanxiu report import MANIFEST.csv [--batch N] [--check] [--district CODE]\n"
       "                            [--encoding ENC]\n"
       "\n"
       "Historical import in bulk (批量历史导入), district and admin only: the monthly\n"
       "reports of many units and months, as the schools filled them, each with the\n"
       "time it really arrived. MANIFEST.csv (导入清单, UTF-8 or GB18030) has one row per\n"
       "report and the columns (English or Chinese headers, any order):\n"
       "  unit_code     单位代码   the reporting unit (10 digits)\n"
       "  month         月份       YYYY-MM\n"
       "  submitted_at  上报时间   when it really arrived, e.g. 2026-03-04 16:30\n"
       "  file          文件       its workbook FILE.xlsx, or the directory of its CSV\n"
       "                           files (activities.csv, attendance.csv, external.csv,\n"
       "                           summary.txt), relative to the manifest\n"
       "  empty_reason  无活动原因 for a month without activities (e.g. 寒假): no file\n"
       "The reports go in batches of N (default 50, at most 500; fewer when their files\n"
       "pass 12 MiB). A batch is written whole or not at all: with any problem nothing of\n"
       "it is written and every problem is listed at its file, sheet, row and column (or\n"
       "its manifest row). The batches before it stay written: mend the problems and run\n"
       "the same command again; what was written answers as replayed and is not written\n"
       "twice (each report's idempotency key is made from what it holds).\n"
       "\n"
       "Options:\n"
       "  --batch N          reports a request (default 50)\n"
       "  --check            check every report, write nothing\n"
       "  --district CODE    the district (admin only)\n"
       "  --encoding ENC     of the manifest and CSV files: auto, utf-8 or gb18030 (gbk)\n"
       "\n"
       "Prints a line per batch on stderr and a summary: reports written, replayed.\n");

/* One row of the manifest. */
struct entry {
    unsigned row; /* as the manifest shows it */
    char *unit, *month, *submitted_at, *file, *reason;
};

struct manifest {
    const char *path;
    char dir[4096]; /* the files' paths are relative to it */
    struct entry *e;
    size_t n;
};

static void manifest_free(struct manifest *m)
{
    for (size_t i = 0; i < m->n; i++) {
        free(m->e[i].unit);
        free(m->e[i].month);
        free(m->e[i].submitted_at);
        free(m->e[i].file);
        free(m->e[i].reason);
    }
    free(m->e);
}

/* Renders msgid in the CLI's language with its arguments into buf. */
static const char *say(char *buf, size_t cap, const char *msgid, const struct msg_arg *a, size_t n)
{
    msg_render(buf, cap, _(msgid), a, n);
    return buf;
}

/* A problem of the manifest at row `row`, column `header` (value as written). */
static void manifest_problem(const struct manifest *m, unsigned row, const char *header,
                             const char *value, const char *msgid)
{
    char r[16], buf[1200], msg[600];
    snprintf(r, sizeof(r), "%u", row);
    const struct msg_arg a[] = {{"value", value}};
    say(msg, sizeof(msg), msgid, a, 1);
    const struct msg_arg b[] = {
        {"file", m->path}, {"row", r}, {"header", header}, {"message", msg}};
    fprintf(stderr, "%s\n",
            say(buf, sizeof(buf), N_("{file} row {row} ({header}): {message}"), b, 4));
}

/* The manifest's columns, by their English or Chinese headers. */
enum { C_UNIT, C_MONTH, C_AT, C_FILE, C_REASON, NCOLS };
static const struct {
    const char *en, *zh;
    bool required;
} columns[NCOLS] = {
    {"unit_code", "单位代码", true},       {"month", "月份", true},
    {"submitted_at", "上报时间", true},    {"file", "文件", false},
    {"empty_reason", "无活动原因", false},
};

static bool known_header(const char *text, void *arg)
{
    (void)arg;
    for (int c = 0; c < NCOLS; c++)
        if (!strcmp(text, columns[c].en) || !strcmp(text, columns[c].zh))
            return true;
    return false;
}

/* Reads the whole file at path (at most max bytes) into *data; an errno value on failure. */
static int slurp(const char *path, size_t max, uint8_t **data, size_t *len)
{
    *data = NULL;
    *len = 0;
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return errno;
    uint8_t *buf = malloc(max + 1);
    size_t n = 0;
    while (buf && n <= max) {
        ssize_t r = read(fd, buf + n, max + 1 - n);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            break;
        n += (size_t)r;
    }
    int e = buf ? (n > max ? EFBIG : 0) : ENOMEM;
    close(fd);
    if (e) {
        free(buf);
        return e;
    }
    *data = buf;
    *len = n;
    return 0;
}

/* Whether s begins with n digits (and is n long when `whole`). */
static bool digits(const char *s, size_t n, bool whole)
{
    if (whole ? strlen(s) != n : strlen(s) < n)
        return false;
    for (size_t i = 0; i < n; i++)
        if (s[i] < '0' || s[i] > '9')
            return false;
    return true;
}

/* Reads and checks the manifest. Returns an exit code, having listed every problem. */
static int manifest_read(struct manifest *m, const char *enc)
{
    uint8_t *data;
    size_t len;
    int e = slurp(m->path, book_limits_default().max_bytes, &data, &len);
    if (e) {
        char buf[1200];
        const struct msg_arg a[] = {{"file", m->path}, {"detail", strerror(e)}};
        fprintf(stderr, "yanxiu: %s\n",
                say(buf, sizeof(buf), N_("{file}: cannot read it: {detail}"), a, 2));
        return CLI_FAILED;
    }
    const char *slash = strrchr(m->path, '/');
    snprintf(m->dir, sizeof(m->dir), "%.*s", slash ? (int)(slash - m->path) : 1,
             slash ? m->path : ".");
    struct book_error berr;
    struct book *b = book_read(m->path, data, len, enc, NULL, &berr);
    free(data);
    if (!b || book_sheets(b) < 1) {
        char buf[1200];
        const struct msg_arg a[] = {{"file", m->path}, {"detail", b ? "" : berr.detail}};
        fprintf(stderr, "yanxiu: %s\n",
                say(buf, sizeof(buf),
                    N_("{file}: not a manifest CSV file or workbook it can read: {detail}"), a, 2));
        book_free(b);
        return CLI_FAILED;
    }
    int head = book_find_header(b, 0, 5, 2, known_header, NULL);
    int col[NCOLS];
    bool missing = head < 0;
    const struct book_sheet *sh = book_sheet(b, 0);
    for (int c = 0; c < NCOLS; c++) {
        col[c] = -1;
        for (unsigned k = 0; head >= 0 && k < sh->cols; k++) {
            const char *t = book_cell(b, 0, (unsigned)head, k)->text;
            if (!strcmp(t, columns[c].en) || !strcmp(t, columns[c].zh))
                col[c] = (int)k;
        }
        if (col[c] < 0 && columns[c].required) {
            char buf[1200];
            const struct msg_arg a[] = {
                {"file", m->path}, {"column", columns[c].en}, {"zh", columns[c].zh}};
            fprintf(
                stderr, "yanxiu: %s\n",
                say(buf, sizeof(buf), N_("{file}: the column {column} ({zh}) is missing"), a, 3));
            missing = true;
        }
    }
    if (missing) {
        book_free(b);
        return CLI_FAILED;
    }
    size_t rows = sh->rows > (unsigned)head + 1 ? sh->rows - (unsigned)head - 1 : 0;
    m->e = calloc(rows + 1, sizeof(*m->e));
    if (!m->e) {
        book_free(b);
        return CLI_FAILED;
    }
    size_t problems = 0;
    for (unsigned r = (unsigned)head + 1; r < sh->rows; r++) {
        const char *v[NCOLS];
        bool blank = true;
        for (int c = 0; c < NCOLS; c++) {
            v[c] = col[c] >= 0 ? book_cell(b, 0, r, (unsigned)col[c])->text : "";
            blank = blank && !v[c][0];
        }
        if (blank)
            continue;
        unsigned row = r + 1;
        size_t before = problems;
        if (!digits(v[C_UNIT], 10, true)) {
            manifest_problem(m, row, columns[C_UNIT].en, v[C_UNIT],
                             N_("\"{value}\" is not a unit code (10 digits)"));
            problems++;
        }
        if (!(strlen(v[C_MONTH]) == 7 && digits(v[C_MONTH], 4, false) && v[C_MONTH][4] == '-' &&
              digits(v[C_MONTH] + 5, 2, true) && atoi(v[C_MONTH] + 5) >= 1 &&
              atoi(v[C_MONTH] + 5) <= 12)) {
            manifest_problem(m, row, columns[C_MONTH].en, v[C_MONTH],
                             N_("\"{value}\" is not a month: write YYYY-MM, e.g. 2026-03"));
            problems++;
        }
        if (!v[C_AT][0]) {
            manifest_problem(m, row, columns[C_AT].en, "",
                             N_("the time the report really arrived is missing, e.g. "
                                "2026-03-04 16:30"));
            problems++;
        }
        if (!v[C_FILE][0] == !v[C_REASON][0]) {
            manifest_problem(m, row, columns[C_FILE].en, v[C_FILE],
                             N_("give either the report's file or, for a month without "
                                "activities, empty_reason (无活动原因)"));
            problems++;
        }
        if (problems > before)
            continue;
        struct entry *x = &m->e[m->n++];
        x->row = row;
        x->unit = strdup(v[C_UNIT]);
        x->month = strdup(v[C_MONTH]);
        x->submitted_at = strdup(v[C_AT]);
        x->file = strdup(v[C_FILE]);
        x->reason = strdup(v[C_REASON]);
        if (!x->unit || !x->month || !x->submitted_at || !x->file || !x->reason) {
            book_free(b);
            return CLI_FAILED;
        }
    }
    book_free(b);
    if (problems) {
        char buf[600], n[24];
        snprintf(n, sizeof(n), "%zu", problems);
        const struct msg_arg a[] = {{"n", n}, {"file", m->path}};
        fprintf(stderr, "yanxiu: %s\n",
                say(buf, sizeof(buf), N_("{file}: {n} problems; nothing was sent"), a, 2));
        return CLI_FAILED;
    }
    if (!m->n) {
        char buf[600];
        const struct msg_arg a[] = {{"file", m->path}};
        fprintf(stderr, "yanxiu: %s\n", say(buf, sizeof(buf), N_("{file} lists no report"), a, 1));
        return CLI_FAILED;
    }
    return CLI_OK;
}

/* One report of a batch being built: its request, its files, its narrative. */
struct item {
    const struct entry *x;
    Yanxiu__V1__SubmitReportRequest req;
    struct import_upload u;
    char *summary;
    char key[48];
};

static void item_free(struct item *it)
{
    import_upload_free(&it->u);
    free(it->summary);
    it->summary = NULL;
}

/* The narrative summary.txt as UTF-8 (GB18030 converted); an exit code. */
static int read_summary(const char *path, const char *enc, char **out)
{
    uint8_t *data;
    size_t len;
    int e = slurp(path, SUMMARY_MAX_BYTES, &data, &len);
    char buf[1200];
    if (e) {
        const struct msg_arg a[] = {{"file", path}, {"detail", strerror(e)}};
        fprintf(stderr, "yanxiu: %s\n",
                say(buf, sizeof(buf), N_("{file}: cannot read it: {detail}"), a, 2));
        return CLI_FAILED;
    }
    size_t bad = text_utf8_invalid_at(data, len);
    bool ok = true;
    if (strcmp(enc, "gb18030") == 0 || (bad < len && strcmp(enc, "utf-8") != 0)) {
        size_t n;
        ok = text_gb18030_to_utf8(data, len, out, &n, NULL);
    } else if (bad < len || memchr(data, 0, len)) {
        ok = false;
    } else if ((*out = malloc(len + 1))) {
        memcpy(*out, data, len);
        (*out)[len] = '\0';
    }
    free(data);
    if (!ok) {
        const struct msg_arg a[] = {{"file", path}};
        fprintf(stderr, "yanxiu: %s\n",
                say(buf, sizeof(buf),
                    N_("{file}: neither UTF-8 nor GB18030 text: save it as UTF-8 text"), a, 1));
        return CLI_FAILED;
    }
    return CLI_OK;
}

/* Adds the file at dir/rel to it's upload, named by rel (as the manifest names it). */
static int add_file(struct item *it, const char *dir, const char *rel, const char *enc)
{
    char path[8300];
    snprintf(path, sizeof(path), "%s/%s", dir, rel);
    int rc = import_add_file(&it->u, path, enc);
    if (rc != CLI_OK)
        return rc;
    Yanxiu__V1__UploadFile *f = &it->u.files[it->u.n - 1];
    char *name = strdup(rel);
    if (name) {
        free(f->name);
        f->name = name;
    }
    return CLI_OK;
}

/* Reads report x's files into it and makes its request and key. An exit code. */
static int item_read(struct item *it, const struct manifest *m, const struct entry *x,
                     const char *enc)
{
    memset(it, 0, sizeof(*it));
    it->x = x;
    char path[8300];
    struct stat st;
    int rc = CLI_OK;
    if (x->file[0]) {
        snprintf(path, sizeof(path), "%s/%s", m->dir, x->file);
        if (stat(path, &st) == 0 && S_ISDIR(st.st_mode)) {
            static const char *const csv[] = {"activities.csv", "attendance.csv", "external.csv"};
            char rel[4200];
            for (size_t i = 0; rc == CLI_OK && i < 3; i++) {
                snprintf(rel, sizeof(rel), "%s/%s", x->file, csv[i]);
                snprintf(path, sizeof(path), "%s/%s", m->dir, rel);
                if (stat(path, &st) == 0)
                    rc = add_file(it, m->dir, rel, enc);
            }
            snprintf(path, sizeof(path), "%s/%s/summary.txt", m->dir, x->file);
            if (rc == CLI_OK && stat(path, &st) == 0)
                rc = read_summary(path, enc, &it->summary);
            if (rc == CLI_OK && !it->u.n) {
                char buf[1200], r[16];
                snprintf(r, sizeof(r), "%u", x->row);
                const struct msg_arg a[] = {{"file", m->path}, {"row", r}, {"dir", x->file}};
                fprintf(stderr, "yanxiu: %s\n",
                        say(buf, sizeof(buf),
                            N_("{file} row {row}: {dir} holds none of activities.csv, "
                               "attendance.csv and external.csv"),
                            a, 3));
                rc = CLI_FAILED;
            }
        } else {
            rc = add_file(it, m->dir, x->file, enc);
        }
    }
    if (rc != CLI_OK) {
        item_free(it);
        return rc;
    }
    /* The key: a digest of everything the report holds. */
    crypto_hash_sha256_state h;
    crypto_hash_sha256_init(&h);
    const char *parts[] = {x->unit, x->month, x->submitted_at, x->reason,
                           it->summary ? it->summary : ""};
    for (size_t i = 0; i < sizeof(parts) / sizeof(parts[0]); i++)
        crypto_hash_sha256_update(&h, (const unsigned char *)parts[i], strlen(parts[i]) + 1);
    for (size_t i = 0; i < it->u.n; i++) {
        crypto_hash_sha256_update(&h, (const unsigned char *)it->u.files[i].name,
                                  strlen(it->u.files[i].name) + 1);
        crypto_hash_sha256_update(&h, it->u.files[i].data.data, it->u.files[i].data.len);
    }
    unsigned char md[crypto_hash_sha256_BYTES];
    crypto_hash_sha256_final(&h, md);
    char hex[2 * crypto_hash_sha256_BYTES + 1];
    sodium_bin2hex(hex, sizeof(hex), md, sizeof(md));
    snprintf(it->key, sizeof(it->key), "imp-%.40s", hex);

    yanxiu__v1__submit_report_request__init(&it->req);
    it->req.unit_code = x->unit;
    it->req.month = x->month;
    it->req.idempotency_key = it->key;
    it->req.submitted_at = x->submitted_at;
    it->req.empty = x->reason[0] != '\0';
    it->req.reason = x->reason;
    it->req.summary = it->summary ? it->summary : "";
    it->req.files = it->u.ptrs;
    it->req.n_files = it->u.n;
    return CLI_OK;
}

/*
 * Prints the problems of a batch: each at its file, sheet, row and column
 * (the file as the manifest names it), or, without a file, at the manifest's
 * row of its report. Returns CLI_FAILED.
 */
static int print_problems(const struct manifest *m, const Yanxiu__V1__Error *e,
                          const struct item *items, size_t n)
{
    Yanxiu__V1__FieldViolation *copies = calloc(e->n_violations + 1, sizeof(*copies));
    Yanxiu__V1__FieldViolation **ptrs = calloc(e->n_violations + 1, sizeof(*ptrs));
    char **paths = calloc(e->n_violations + 1, sizeof(*paths));
    if (!copies || !ptrs || !paths) {
        free(copies);
        free(ptrs);
        free(paths);
        return import_print_problems(e, NULL);
    }
    for (size_t i = 0; i < e->n_violations; i++) {
        copies[i] = *e->violations[i];
        ptrs[i] = &copies[i];
        size_t k;
        const char *rest = NULL;
        if (sscanf(copies[i].path, "reports[%zu]", &k) == 1 && k < n) {
            rest = strchr(copies[i].path, ']') + 1;
            rest += *rest == '.';
        }
        if (rest && !copies[i].file[0]) {
            char buf[1200], r[16];
            snprintf(r, sizeof(r), "%u", items[k].x->row);
            const struct msg_arg a[] = {{"file", m->path},
                                        {"row", r},
                                        {"unit", items[k].x->unit},
                                        {"month", items[k].x->month},
                                        {"field", rest}};
            say(buf, sizeof(buf), N_("{file} row {row} ({unit} {month}) {field}"), a, 5);
            if ((paths[i] = strdup(buf)))
                copies[i].path = paths[i];
        }
    }
    Yanxiu__V1__Error shown = *e;
    shown.violations = ptrs;
    int rc = import_print_problems(&shown, NULL);
    for (size_t i = 0; i < e->n_violations; i++)
        free(paths[i]);
    free(paths);
    free(ptrs);
    free(copies);
    return rc;
}

struct totals {
    size_t reports, written, replayed, checked, batches, failed;
};

/* Sends items[0..n) as one batch and prints its line. An exit code. */
static int send_batch(struct cli *cli, const struct manifest *m, struct item *items, size_t n,
                      const char *district, bool check, size_t batch_no, struct totals *t)
{
    Yanxiu__V1__SubmitReportRequest **reqs = calloc(n, sizeof(*reqs));
    if (!reqs)
        return CLI_FAILED;
    for (size_t i = 0; i < n; i++)
        reqs[i] = &items[i].req;
    Yanxiu__V1__SubmitBatchRequest b = YANXIU__V1__SUBMIT_BATCH_REQUEST__INIT;
    b.district_code = (char *)district;
    b.reports = reqs;
    b.n_reports = n;
    b.check_only = check;
    Yanxiu__V1__Envelope req = YANXIU__V1__ENVELOPE__INIT;
    req.body_case = YANXIU__V1__ENVELOPE__BODY_SUBMIT_BATCH;
    req.submit_batch = &b;
    struct yxc_error err;
    uint64_t id;
    Yanxiu__V1__Envelope *resp = NULL;
    bool ok = yxc_send(cli->conn, &req, &id, &err) && yxc_await(cli->conn, id, &resp, &err);
    free(reqs);
    char first[16], last[16], no[16], buf[1200];
    snprintf(first, sizeof(first), "%u", items[0].x->row);
    snprintf(last, sizeof(last), "%u", items[n - 1].x->row);
    snprintf(no, sizeof(no), "%zu", batch_no);
    if (!ok) {
        int rc = cli_report(cli, &err);
        const struct msg_arg a[] = {{"batch", no}, {"first", first}, {"last", last}};
        fprintf(stderr, "yanxiu: %s\n",
                say(buf, sizeof(buf),
                    N_("batch {batch} (manifest rows {first}-{last}) may or may not have been "
                       "written: run the same command again, a report written already answers "
                       "as replayed"),
                    a, 3));
        return rc;
    }
    int rc = CLI_OK;
    if (resp->body_case == YANXIU__V1__ENVELOPE__BODY_ERROR && resp->error->n_violations) {
        rc = print_problems(m, resp->error, items, n);
        t->failed++;
    } else if (!yxc_check(resp, &err)) {
        rc = cli_report(cli, &err);
        t->failed++;
    } else if (resp->body_case != YANXIU__V1__ENVELOPE__BODY_BATCH_REPLY) {
        fprintf(stderr, _("yanxiu: the server at %s answered the batch with %s\n"), cli->peer,
                yxc_body_name(resp->body_case));
        rc = CLI_FAILED;
    } else {
        const Yanxiu__V1__SubmitBatchReply *a = resp->batch_reply;
        char w[16], r[16];
        snprintf(w, sizeof(w), "%u", a->written);
        snprintf(r, sizeof(r), "%u", a->replayed);
        const struct msg_arg args[] = {
            {"batch", no}, {"first", first}, {"last", last}, {"written", w}, {"replayed", r}};
        fprintf(stderr, "%s\n",
                say(buf, sizeof(buf),
                    a->checked ? N_("batch {batch} (manifest rows {first}-{last}): checked, no "
                                    "problems")
                               : N_("batch {batch} (manifest rows {first}-{last}): {written} "
                                    "written, {replayed} replayed"),
                    args, 5));
        t->written += a->written;
        t->replayed += a->replayed;
        t->checked += a->checked ? n : 0;
        t->reports += n;
    }
    t->batches++;
    yxc_free(resp);
    return rc;
}

int cmd_report_import(struct cli *cli, int argc, char **argv)
{
    static const struct option opts[] = {
        {"batch", required_argument, NULL, 'b'},
        {"check", no_argument, NULL, 'c'},
        {"district", required_argument, NULL, 'd'},
        {"encoding", required_argument, NULL, 'e'},
        {0},
    };
    long batch = IMPORT_BATCH;
    bool check = false;
    const char *district = "", *enc = "";
    int opt;
    while ((opt = cli_getopt(cli, argc, argv, opts)) != -1) {
        switch (opt) {
        case 'b':
            if (!cli_parse_long(cli, "--batch", optarg, 1, IMPORT_MAX_BATCH, &batch))
                return CLI_USAGE;
            break;
        case 'c':
            check = true;
            break;
        case 'd':
            if (!view_district_arg(cli, optarg, &district))
                return CLI_USAGE;
            break;
        case 'e':
            if (!import_encoding_arg(cli, optarg, &enc))
                return CLI_USAGE;
            break;
        default:
            return CLI_USAGE;
        }
    }
    struct manifest m = {0};
    m.path = cli_one_operand(
        cli, argc, argv, N_("MANIFEST.csv (the list of the reports to import)"), "MANIFEST.csv");
    if (!m.path)
        return CLI_USAGE;
    int rc = manifest_read(&m, enc);
    if (rc == CLI_OK)
        rc = view_open_session(cli, district);
    struct item *items = rc == CLI_OK ? calloc((size_t)batch, sizeof(*items)) : NULL;
    if (rc == CLI_OK && !items)
        rc = CLI_FAILED;
    struct totals t = {0};
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    size_t next = 0, failed_rc = CLI_OK;
    while (rc == CLI_OK && next < m.n) {
        size_t n = 0, bytes = 0;
        while (next < m.n && n < (size_t)batch) {
            struct item *it = &items[n];
            rc = item_read(it, &m, &m.e[next], enc);
            if (rc != CLI_OK)
                break;
            if (n && bytes + it->u.total > IMPORT_MAX_BYTES) {
                item_free(it); /* read again as the first of the next batch */
                break;
            }
            bytes += it->u.total;
            n++;
            next++;
        }
        size_t failed_before = t.failed;
        if (rc == CLI_OK && n)
            rc = send_batch(cli, &m, items, n, district, check, t.batches + 1, &t);
        for (size_t i = 0; i < n; i++)
            item_free(&items[i]);
        if (rc != CLI_OK && check &&
            t.failed > failed_before) { /* --check goes on to list every problem */
            failed_rc = (size_t)rc;
            rc = CLI_OK;
        }
    }
    clock_gettime(CLOCK_MONOTONIC, &t1);
    double secs = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
    if (t.batches) {
        char all[24], w[24], r[24], b[24], s[32], rate[32], buf[1200];
        snprintf(all, sizeof(all), "%zu", m.n);
        snprintf(w, sizeof(w), "%zu", t.written);
        snprintf(r, sizeof(r), "%zu", t.replayed);
        snprintf(b, sizeof(b), "%zu", t.batches);
        snprintf(s, sizeof(s), "%.1f", secs);
        snprintf(rate, sizeof(rate), "%.0f", secs > 0 ? (double)t.reports / secs : 0.0);
        const struct msg_arg a[] = {{"file", m.path}, {"reports", all}, {"written", w},
                                    {"replayed", r},  {"batches", b},   {"seconds", s},
                                    {"rate", rate}};
        const char *msgid =
            check ? N_("{file}: {reports} reports checked in {batches} batches, {seconds} s; "
                       "nothing was written")
            : rc == CLI_OK && next == m.n
                ? N_("{file}: {reports} reports: {written} written, {replayed} replayed (already "
                     "there), in {batches} batches, {seconds} s ({rate} reports/s)")
                : N_("{file}: stopped: {written} reports written, {replayed} replayed before the "
                     "batch that failed; mend it and run the same command again");
        printf("%s\n", say(buf, sizeof(buf), msgid, a, 7));
    }
    free(items);
    manifest_free(&m);
    return rc != CLI_OK ? rc : (int)failed_rc;
}
