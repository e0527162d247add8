/*
 * import: the uploads' shared machinery: read the user's files as bytes, send
 * them, print the server's problems at their cells (see import.h).
 */
#include "import.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "book.h"
#include "cli.h"
#include "frame.h"
#include "text.h"
#include "yxc.h"

/* Room in a frame for the request around the files (names, options, the envelope). */
#define REQUEST_OVERHEAD (64u * 1024u)

/* Renders msgid, in the CLI's language, with `n` {name} arguments into buf. */
static const char *say(char *buf, size_t cap, const char *msgid, const struct msg_arg *args,
                       size_t n)
{
    msg_render(buf, cap, _(msgid), args, n);
    return buf;
}

bool import_encoding_arg(const struct cli *cli, const char *arg, const char **enc)
{
    static const struct {
        const char *word, *enc;
    } words[] = {{"auto", ""},
                 {"utf-8", "utf-8"},
                 {"utf8", "utf-8"},
                 {"gb18030", "gb18030"},
                 {"gbk", "gb18030"}};
    for (size_t i = 0; i < sizeof(words) / sizeof(words[0]); i++) {
        if (strcasecmp(arg, words[i].word) == 0) {
            *enc = words[i].enc;
            return true;
        }
    }
    char buf[512];
    const struct msg_arg a[] = {{"value", arg}, {"choices", IMPORT_ENCODING_CHOICES}};
    (void)cli_usage_error(
        cli, "%s", say(buf, sizeof(buf), N_("--encoding '{value}': expected {choices}"), a, 2));
    return false;
}

/* Says that a file cannot be read, with why; returns CLI_FAILED. */
static int cannot_read(const char *path, const char *why)
{
    char buf[1200];
    const struct msg_arg a[] = {{"file", path}, {"detail", why}};
    fprintf(stderr, "yanxiu: %s\n",
            say(buf, sizeof(buf), N_("{file}: cannot read it: {detail}"), a, 2));
    return CLI_FAILED;
}

/* Bytes as people read a file's size: "17.2 MB". */
static const char *megabytes(size_t n, char *buf, size_t cap)
{
    snprintf(buf, cap, "%.1f MB", (double)n / (1024.0 * 1024.0));
    return buf;
}

int import_add_file(struct import_upload *u, const char *path, const char *encoding)
{
    if (u->n == sizeof(u->files) / sizeof(u->files[0])) {
        fprintf(stderr, "yanxiu: %s\n", _("too many files: give at most four"));
        return CLI_USAGE;
    }
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return cannot_read(path, strerror(errno));
    struct stat st;
    if (fstat(fd, &st) != 0) {
        int e = errno;
        close(fd);
        return cannot_read(path, strerror(e));
    }
    if (!S_ISREG(st.st_mode)) {
        close(fd);
        return cannot_read(path,
                           S_ISDIR(st.st_mode) ? _("it is a directory") : _("not a regular file"));
    }
    size_t limit = book_limits_default().max_bytes, size = (size_t)st.st_size;
    size_t room = FRAME_DEFAULT_MAX - REQUEST_OVERHEAD;
    if (size > limit || u->total + size > room) {
        close(fd);
        char buf[1200], a1[32], a2[32];
        const struct msg_arg a[] = {
            {"file", path},
            {"size", megabytes(size, a1, sizeof(a1))},
            {"limit", megabytes(size > limit ? limit : room - u->total, a2, sizeof(a2))}};
        fprintf(stderr, "yanxiu: %s\n",
                say(buf, sizeof(buf),
                    N_("{file} is {size}, above the {limit} the server takes in one upload: "
                       "nothing was sent. Split it into smaller files (a month, a school)."),
                    a, 3));
        return CLI_FAILED;
    }
    uint8_t *data = malloc(size ? size : 1);
    size_t len = 0;
    while (data && len < size) {
        ssize_t r = read(fd, data + len, size - len);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            break;
        len += (size_t)r;
    }
    int err = errno;
    close(fd);
    if (!data || len < size) {
        free(data);
        return cannot_read(path, data ? strerror(err) : strerror(ENOMEM));
    }
    const char *slash = strrchr(path, '/');
    char *name = strdup(slash && slash[1] ? slash + 1 : path);
    if (!name) {
        free(data);
        return cannot_read(path, strerror(ENOMEM));
    }
    Yanxiu__V1__UploadFile *f = &u->files[u->n];
    yanxiu__v1__upload_file__init(f);
    f->name = name;
    f->data.data = data;
    f->data.len = len;
    /* protobuf-c's fields are not const; packing only reads them. */
    f->encoding = (char *)encoding;
    u->ptrs[u->n++] = f;
    u->total += len;
    return CLI_OK;
}

void import_upload_free(struct import_upload *u)
{
    for (size_t i = 0; i < u->n; i++) {
        free(u->files[i].name);
        free(u->files[i].data.data);
    }
    u->n = 0;
}

/* --- the server's problems ---------------------------------------------------------- */

/* Server text with control characters shown as '?', at most `max` characters, cut with
   "…", so that it cannot drive the terminal. */
static const char *clean(const char *s, size_t max, char *buf, size_t cap)
{
    size_t len = strlen(s), shown = text_utf8_prefix(s, len, max);
    size_t w = 0;
    for (size_t i = 0; i < shown && w + 4 < cap; i++) {
        unsigned char ch = (unsigned char)s[i];
        buf[w++] = (ch < 0x20 || ch == 0x7f) ? '?' : (char)ch;
    }
    buf[w] = '\0';
    if (shown < len && w + 4 < cap)
        strcat(buf, "…");
    return buf;
}

/* A violation and where it goes in the printed order. */
struct placed {
    const Yanxiu__V1__FieldViolation *v;
    size_t file;  /* its file's place among those sent; problems of no file first */
    size_t group; /* first appearance of its file and sheet */
    size_t index;
};

static int placed_cmp(const void *a, const void *b)
{
    const struct placed *x = a, *y = b;
    if (x->file != y->file)
        return x->file < y->file ? -1 : 1;
    if (x->group != y->group)
        return x->group < y->group ? -1 : 1;
    if (x->v->row != y->v->row)
        return x->v->row < y->v->row ? -1 : 1;
    size_t cx = strlen(x->v->column), cy = strlen(y->v->column);
    int c = cx != cy ? (cx < cy ? -1 : 1) : strcmp(x->v->column, y->v->column);
    if (c)
        return c;
    return (x->index > y->index) - (x->index < y->index);
}

/* The sheet, unless it only repeats the file's name (a CSV file). */
static const char *sheet_of(const Yanxiu__V1__FieldViolation *v)
{
    return strcmp(v->sheet, v->file) == 0 ? "" : v->sheet;
}

/* Prints one violation: where, the header, the value as written, the message. */
static void print_problem(const Yanxiu__V1__FieldViolation *v)
{
    char file[300], sheet[200], where[700], header[300], value[300], head[300], val[300], msg[2100],
        line[4000], row[16];
    clean(v->file, 120, file, sizeof(file));
    clean(sheet_of(v), 60, sheet, sizeof(sheet));
    snprintf(row, sizeof(row), "%" PRIu32, v->row);
    if (!v->file[0] && !v->sheet[0]) {
        clean(v->path, 120, where, sizeof(where));
    } else if (v->row && v->column[0]) {
        char col[16];
        clean(v->column, 3, col, sizeof(col));
        snprintf(where, sizeof(where), "%s%s%s%s%s%s", file, file[0] ? " " : "", sheet,
                 sheet[0] ? "!" : "", col, row);
    } else if (v->row) {
        const struct msg_arg a[] = {{"sheet", sheet[0] ? sheet : file}, {"row", row}};
        char at[300];
        say(at, sizeof(at), N_("{sheet} row {row}"), a, 2);
        snprintf(where, sizeof(where), "%s%s%s", sheet[0] ? file : "", sheet[0] ? " " : "", at);
    } else {
        snprintf(where, sizeof(where), "%s%s%s", file, file[0] && sheet[0] ? " " : "", sheet);
    }
    head[0] = val[0] = '\0';
    if (v->header[0]) {
        const struct msg_arg a[] = {{"header", clean(v->header, 40, header, sizeof(header))}};
        say(head, sizeof(head), N_(" ({header})"), a, 1);
    }
    if (v->value[0]) {
        const struct msg_arg a[] = {{"value", clean(v->value, 40, value, sizeof(value))}};
        say(val, sizeof(val), N_(" \"{value}\""), a, 1);
    }
    char all[1400];
    snprintf(all, sizeof(all), "%s%s%s", where, head, val);
    const struct msg_arg a[] = {{"where", all},
                                {"message", clean(v->message, 600, msg, sizeof(msg))}};
    if (!all[0]) /* a problem of the whole request */
        fprintf(stderr, "%s\n", msg);
    else
        fprintf(stderr, "%s\n", say(line, sizeof(line), N_("{where}: {message}"), a, 2));
}

/* The total the server counted when it listed fewer: an argument "total" of the error. */
static size_t total_of(const Yanxiu__V1__Error *e)
{
    for (size_t i = 0; i < e->n_args; i++) {
        if (strcmp(e->args[i]->name, "total") != 0)
            continue;
        char *end;
        errno = 0;
        unsigned long long v = strtoull(e->args[i]->value, &end, 10);
        if (!errno && !*end && v > e->n_violations)
            return (size_t)v;
    }
    return e->n_violations;
}

int import_print_problems(const Yanxiu__V1__Error *e, const struct import_upload *u)
{
    size_t n = e->n_violations;
    struct placed *ps = calloc(n ? n : 1, sizeof(*ps));
    if (!ps) {
        for (size_t i = 0; i < n; i++)
            print_problem(e->violations[i]);
    } else {
        for (size_t i = 0; i < n; i++) {
            const Yanxiu__V1__FieldViolation *v = e->violations[i];
            size_t g = 0, f = 0;
            if (v->file[0] || v->sheet[0]) {
                /* the group of the first violation of the same file and sheet */
                for (g = 0; g < i; g++)
                    if (!strcmp(e->violations[g]->file, v->file) &&
                        !strcmp(e->violations[g]->sheet, v->sheet))
                        break;
                g++;
                size_t nf = u ? u->n : 0;
                for (f = 0; f < nf && strcmp(u->files[f].name, v->file) != 0; f++)
                    ;
                f++;
            }
            ps[i] = (struct placed){v, f, g, i};
        }
        qsort(ps, n, sizeof(*ps), placed_cmp);
        for (size_t i = 0; i < n; i++)
            print_problem(ps[i].v);
        free(ps);
    }
    size_t total = total_of(e);
    char a1[32], a2[32], buf[600];
    snprintf(a1, sizeof(a1), "%zu", total);
    snprintf(a2, sizeof(a2), "%zu", n);
    const struct msg_arg a[] = {{"n", a1}, {"listed", a2}};
    const char *msgid = total == 1  ? N_("1 problem; nothing was written")
                        : total > n ? N_("{n} problems (the first {listed} listed); nothing "
                                         "was written")
                                    : N_("{n} problems; nothing was written");
    if (n == 0) {
        char m[1200];
        fprintf(stderr, "yanxiu: %s\n", clean(e->message, 1000, m, sizeof(m)));
        return CLI_FAILED;
    }
    fprintf(stderr, "yanxiu: %s\n", say(buf, sizeof(buf), msgid, a, 2));
    return CLI_FAILED;
}

void import_print_checked(const char *what)
{
    char buf[600];
    const struct msg_arg a[] = {{"what", what}};
    printf("%s\n",
           say(buf, sizeof(buf), N_("{what}: checked: no problems; nothing was written"), a, 1));
}

int import_send(struct cli *cli, const char *what, bool check_only, const struct import_upload *u,
                Yanxiu__V1__Envelope *req)
{
    struct yxc_error err;
    uint64_t id;
    Yanxiu__V1__Envelope *resp = NULL;
    if (!yxc_send(cli->conn, req, &id, &err) || !yxc_await(cli->conn, id, &resp, &err))
        return cli_report(cli, &err);
    if (resp->body_case == YANXIU__V1__ENVELOPE__BODY_ERROR && resp->error->n_violations > 0) {
        int rc = import_print_problems(resp->error, u);
        yxc_free(resp);
        return rc;
    }
    if (!yxc_check(resp, &err)) {
        yxc_free(resp);
        return cli_report(cli, &err);
    }
    if (resp->body_case != YANXIU__V1__ENVELOPE__BODY_IMPORT_RESULT) {
        fprintf(stderr, _("yanxiu: the server at %s answered the import with %s\n"), cli->peer,
                yxc_body_name(resp->body_case));
        yxc_free(resp);
        return CLI_FAILED;
    }
    const Yanxiu__V1__ImportResult *r = resp->import_result;
    if (check_only) {
        import_print_checked(what);
    } else {
        char created[16], updated[16], unchanged[16], buf[600];
        snprintf(created, sizeof(created), "%" PRIu32, r->created);
        snprintf(updated, sizeof(updated), "%" PRIu32, r->updated);
        snprintf(unchanged, sizeof(unchanged), "%" PRIu32, r->unchanged);
        const struct msg_arg a[] = {
            {"what", what}, {"created", created}, {"updated", updated}, {"unchanged", unchanged}};
        printf("%s\n", say(buf, sizeof(buf),
                           N_("{what}: {created} created, {updated} updated, {unchanged} "
                              "unchanged"),
                           a, 4));
    }
    yxc_free(resp);
    return CLI_OK;
}

int import_take_number(const char **p, int max)
{
    int v = 0, n = 0;
    for (; n < max && **p >= '0' && **p <= '9'; n++, (*p)++)
        v = v * 10 + (**p - '0');
    return n ? v : -1;
}
