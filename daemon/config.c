/*
 * config: the table of yanxiud's settings and the INI reader behind it.
 * libinih does the parsing; we feed it line by line through our own reader
 * so that every error can name its line.
 */
#include "config.h"

#include <errno.h>
#include <ini.h>
#include <limits.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "tls.h"

enum key_type { KEY_INT, KEY_STRING, KEY_LEVEL, KEY_BOOL };

struct key {
    const char *section;
    const char *name;
    enum key_type type;
    size_t offset;
    long def_int;
    const char *def_str;
    long min, max;
    bool reloadable;
    const char *help;
};

#define INT_KEY(sec, nm, def, lo, hi, rel, h)                                                      \
    {                                                                                              \
        sec, #nm, KEY_INT, offsetof(struct config, nm), def, NULL, lo, hi, rel, h                  \
    }
#define STR_KEY(sec, nm, def, h)                                                                   \
    {                                                                                              \
        sec, #nm, KEY_STRING, offsetof(struct config, nm), 0, def, 0, 0, false, h                  \
    }

/* Sorted by section, then name. */
static const struct key keys[] = {
    INT_KEY("auth", hash_queue, 256, 1, 100000, false,
            "logins waiting for a hashing worker before RESOURCE_EXHAUSTED"),
    INT_KEY("auth", hash_queue_per_addr, 128, 1, 100000, false,
            "logins from one client address waiting for a hashing worker before "
            "RESOURCE_EXHAUSTED"),
    INT_KEY("auth", hash_threads, 0, 0, 256, false, "argon2id worker threads; 0: one per core"),
    INT_KEY("auth", lockout_failures, 10, 1, 1000, true,
            "failed logins of one name within lockout_window that lock it"),
    INT_KEY("auth", lockout_window, 900, 1, 86400 * 7, true, "seconds; see lockout_failures"),
    INT_KEY("auth", session_ttl, 43200, 60, 86400 * 30, true,
            "seconds a session lives after login"),
    {"backup", "keep", KEY_INT, offsetof(struct config, backup_keep), 14, NULL, 1, 10000, false,
     "backups that `yanxiud backup DIR` keeps in DIR; older ones are deleted"},
    {"backup", "pg_bindir", KEY_STRING, offsetof(struct config, backup_pg_bindir), 0, "", 0, 0,
     false, "directory of pg_dump and pg_restore (e.g. /usr/lib/postgresql/15/bin); empty: PATH"},
    STR_KEY("database", conninfo, "", "libpq conninfo of the daemon's runtime role"),
    STR_KEY("database", login_conninfo, "",
            "libpq conninfo of the login role (yanxiud_login), the only one that may read "
            "password hashes and create sessions"),
    INT_KEY("database", login_pool_size, 2, 1, 64, false,
            "PostgreSQL connections of the login role"),
    STR_KEY("database", migrate_conninfo, "", "libpq conninfo of the schema owner (migrate only)"),
    INT_KEY("database", pool_size, 4, 1, 64, false, "PostgreSQL connections"),
    INT_KEY("database", query_timeout, 30, 1, 3600, false, "seconds a statement may run"),
    INT_KEY("database", queue_length, 256, 0, 100000, false,
            "requests waiting for a connection before RESOURCE_EXHAUSTED"),
    {"http", "listen", KEY_STRING, offsetof(struct config, http_listen), 0, "127.0.0.1", 0, 0,
     false, "address the web console (HTTP) listens on"},
    {"http", "plaintext", KEY_BOOL, offsetof(struct config, http_plaintext), 0, NULL, 0, 1, false,
     "yes: serve the web console without TLS; allowed on loopback addresses only"},
    {"http", "port", KEY_INT, offsetof(struct config, http_port), 0, NULL, 0, 65535, false,
     "TCP port of the web console (HTTP, TLS with [server] tls_cert/tls_key); 0: off"},
    {"http", "web_root", KEY_STRING, offsetof(struct config, http_web_root), 0,
     "/usr/share/yanxiu/web", 0, 0, false,
     "directory of the web console's files, read into memory at start and on SIGHUP"},
    INT_KEY("limits", upload_max_bytes, 16 * 1024 * 1024, 1024, 512 * 1024 * 1024, false,
            "bytes of the files one request uploads, together (lowered to max_frame - 64 KiB)"),
    INT_KEY("limits", upload_queue, 16, 1, 10000, false,
            "uploads waiting for a reading worker before RESOURCE_EXHAUSTED"),
    INT_KEY("limits", upload_threads, 0, 0, 256, false,
            "workers reading uploaded files (XLSX, CSV); 0: one per core"),
    INT_KEY("server", drain_timeout, 30, 0, 3600, false,
            "seconds SIGTERM waits for in-flight work"),
    INT_KEY("server", frame_timeout, 60, 1, 86400, true,
            "seconds a frame may take from its first byte to its last, after login"),
    INT_KEY("server", frame_timeout_login, 10, 1, 3600, true,
            "seconds a frame may take from its first byte to its last, before login"),
    INT_KEY("server", idle_timeout, 300, 1, 86400, true,
            "seconds before an idle connection is closed"),
    STR_KEY("server", listen, "127.0.0.1", "address to listen on"),
    {"server", "log_level", KEY_LEVEL, offsetof(struct config, log_level), LOG_INFO, NULL, 0, 0,
     true, "error, warn, info or debug"},
    INT_KEY("server", login_timeout, 60, 1, 86400, true,
            "seconds a connection may stay open without logging in"),
    INT_KEY("server", max_connections, 1024, 1, 1000000, true, "client connections at once"),
    INT_KEY("server", max_connections_per_addr, 256, 1, 1000000, true,
            "client connections at once from one address (IPv6: one /64)"),
    INT_KEY("server", max_frame, 17 * 1024 * 1024, 1024, 1024 * 1024 * 1024, false,
            "largest frame in bytes"),
    INT_KEY("server", max_inflight, 32, 1, 10000, true,
            "unanswered requests per connection before reading pauses"),
    INT_KEY("server", max_output, 1024 * 1024, 4096, 1024 * 1024 * 1024, true,
            "unsent answer bytes of a logged-in connection before reading from it pauses"),
    INT_KEY("server", max_output_total, 256 * 1024 * 1024, 1024 * 1024, INT_MAX, true,
            "unsent answer bytes of all connections; beyond, the greediest non-reader is closed"),
    INT_KEY("server", max_unauthenticated, 256, 1, 1000000, true,
            "connections at once that have not logged in yet"),
    {"server", "plaintext", KEY_BOOL, offsetof(struct config, plaintext), 0, NULL, 0, 1, false,
     "yes: serve without TLS; allowed on loopback addresses only"},
    INT_KEY("server", port, 7433, 1, 65535, false, "TCP port"),
    STR_KEY("server", tls_cert, "", "PEM certificate chain (re-read on SIGHUP)"),
    STR_KEY("server", tls_key, "", "PEM private key of tls_cert (re-read on SIGHUP)"),
};

#define NKEYS (sizeof(keys) / sizeof(keys[0]))

static int *int_at(struct config *cfg, const struct key *k)
{
    return (int *)((char *)cfg + k->offset);
}

static char **str_at(struct config *cfg, const struct key *k)
{
    return (char **)((char *)cfg + k->offset);
}

void config_defaults(struct config *cfg)
{
    memset(cfg, 0, sizeof(*cfg));
    for (size_t i = 0; i < NKEYS; i++) {
        const struct key *k = &keys[i];
        if (k->type == KEY_STRING)
            *str_at(cfg, k) = strdup(k->def_str);
        else
            *int_at(cfg, k) = (int)k->def_int;
    }
}

void config_free(struct config *cfg)
{
    for (size_t i = 0; i < NKEYS; i++) {
        if (keys[i].type == KEY_STRING) {
            free(*str_at(cfg, &keys[i]));
            *str_at(cfg, &keys[i]) = NULL;
        }
    }
}

struct parse_state {
    struct config *cfg;
    const char *path;
    FILE *fp;
    int line;
    int errors;
    char *err;
    size_t errlen;
};

static void add_error(struct parse_state *st, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void add_error(struct parse_state *st, const char *fmt, ...)
{
    size_t used = strlen(st->err);
    if (used + 1 >= st->errlen)
        return;
    if (st->errors++ > 0 && used + 2 < st->errlen) {
        st->err[used++] = '\n';
        st->err[used] = '\0';
    }
    int n = snprintf(st->err + used, st->errlen - used, "%s:%d: ", st->path, st->line);
    if (n < 0 || (size_t)n >= st->errlen - used)
        return;
    used += (size_t)n;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(st->err + used, st->errlen - used, fmt, ap);
    va_end(ap);
}

static const struct key *key_find(const char *section, const char *name)
{
    for (size_t i = 0; i < NKEYS; i++)
        if (strcmp(keys[i].section, section) == 0 && strcmp(keys[i].name, name) == 0)
            return &keys[i];
    return NULL;
}

static bool section_known(const char *section)
{
    for (size_t i = 0; i < NKEYS; i++)
        if (strcmp(keys[i].section, section) == 0)
            return true;
    return false;
}

static int on_key(void *user, const char *section, const char *name, const char *value)
{
    struct parse_state *st = user;
    if (!name) /* a section header alone (INI_CALL_HANDLER_ON_NEW_SECTION) */
        return 1;
    const struct key *k = key_find(section, name);
    if (!k) {
        if (!section_known(section))
            add_error(st,
                      "[%s] %s: unknown section \"%s\" (known: [server], [database], [auth], "
                      "[http], [limits], [backup])",
                      section, name, section);
        else
            add_error(st, "[%s] %s: unknown key (see yanxiud.conf.example for the keys)", section,
                      name);
        return 1;
    }
    switch (k->type) {
    case KEY_STRING: {
        char **slot = str_at(st->cfg, k);
        char *copy = strdup(value);
        if (!copy) {
            add_error(st, "[%s] %s: out of memory", section, name);
            return 0;
        }
        free(*slot);
        *slot = copy;
        break;
    }
    case KEY_INT: {
        char *end;
        errno = 0;
        long v = strtol(value, &end, 10);
        if (*value == '\0' || *end != '\0' || errno) {
            add_error(st, "[%s] %s: \"%s\" is not a whole number", section, name, value);
            break;
        }
        if (v < k->min || v > k->max) {
            add_error(st, "[%s] %s: %ld is out of range (%ld..%ld)", section, name, v, k->min,
                      k->max);
            break;
        }
        *int_at(st->cfg, k) = (int)v;
        break;
    }
    case KEY_BOOL:
        if (strcmp(value, "yes") == 0 || strcmp(value, "true") == 0 || strcmp(value, "on") == 0 ||
            strcmp(value, "1") == 0)
            *int_at(st->cfg, k) = 1;
        else if (strcmp(value, "no") == 0 || strcmp(value, "false") == 0 ||
                 strcmp(value, "off") == 0 || strcmp(value, "0") == 0)
            *int_at(st->cfg, k) = 0;
        else
            add_error(st, "[%s] %s: \"%s\" is not yes or no", section, name, value);
        break;
    case KEY_LEVEL:
        if (!log_level_parse(value, int_at(st->cfg, k)))
            add_error(st, "[%s] %s: \"%s\" is not a log level (error, warn, info, debug)", section,
                      name, value);
        break;
    }
    return 1;
}

/* libinih's stream reader: one line per call, which lets us count lines. */
static char *read_line(char *buf, int size, void *user)
{
    struct parse_state *st = user;
    char *r = fgets(buf, size, st->fp);
    if (r)
        st->line++;
    return r;
}

bool config_load(struct config *cfg, const char *path, char *err, size_t errlen)
{
    err[0] = '\0';
    struct parse_state st = {.cfg = cfg, .path = path, .err = err, .errlen = errlen};
    st.fp = fopen(path, "r");
    if (!st.fp) {
        snprintf(err, errlen, "%s: cannot open: %s (use -c FILE to name another config file)", path,
                 strerror(errno));
        return false;
    }
    /* on_key returns 1 on the errors it reports itself, so a positive rc is
     * libinih's own: the first line it could not parse. */
    int rc = ini_parse_stream(read_line, &st, on_key, &st);
    fclose(st.fp);
    if (rc > 0) {
        st.line = rc;
        add_error(&st, "syntax error: expected \"[section]\", \"key = value\" or a comment");
    } else if (rc < 0) {
        snprintf(err, errlen, "%s: cannot read (error %d)", path, rc);
        return false;
    }
    return st.errors == 0;
}

/* [http]: TLS as [server] has it, or plaintext on a loopback address. */
static bool http_config_ok(const struct config *cfg, bool tls, char *err, size_t errlen)
{
    if (cfg->http_listen[0] == '\0') {
        snprintf(err, errlen, "[http] listen is empty: give an address such as 127.0.0.1");
        return false;
    }
    if (cfg->http_port == cfg->port && strcmp(cfg->http_listen, cfg->listen) == 0) {
        snprintf(err, errlen,
                 "[http] port = %d is [server] port too: give the web console a port "
                 "of its own (e.g. 8443)",
                 cfg->http_port);
        return false;
    }
    if (cfg->http_plaintext && !tls_is_loopback(cfg->http_listen)) {
        snprintf(err, errlen,
                 "[http] plaintext = yes is refused on listen = %s: plaintext is allowed only on "
                 "loopback addresses (127.0.0.1, ::1); remove it to serve TLS with [server] "
                 "tls_cert and tls_key",
                 cfg->http_listen);
        return false;
    }
    if (!cfg->http_plaintext && !tls) {
        snprintf(err, errlen,
                 "[http] port = %d needs TLS: set [server] tls_cert and tls_key, or, on a loopback "
                 "address only, [http] plaintext = yes",
                 cfg->http_port);
        return false;
    }
    return true;
}

bool config_validate(const struct config *cfg, char *err, size_t errlen)
{
    if (cfg->conninfo[0] == '\0') {
        snprintf(err, errlen,
                 "[database] conninfo is not set: give the libpq conninfo of the daemon's role, "
                 "e.g. conninfo = host=/var/run/postgresql dbname=yanxiu user=yanxiud");
        return false;
    }
    if (cfg->listen[0] == '\0') {
        snprintf(err, errlen, "[server] listen is empty: give an address such as 127.0.0.1");
        return false;
    }
    bool tls = cfg->tls_cert[0] || cfg->tls_key[0];
    if (tls && !(cfg->tls_cert[0] && cfg->tls_key[0])) {
        snprintf(err, errlen, "[server] TLS needs both tls_cert and tls_key");
        return false;
    }
    if (tls && cfg->plaintext) {
        snprintf(err, errlen,
                 "[server] plaintext = yes and tls_cert/tls_key are both set: "
                 "choose one (remove plaintext to serve TLS)");
        return false;
    }
    if (!tls && !cfg->plaintext) {
        snprintf(err, errlen,
                 "[server] no TLS configured: set tls_cert and tls_key, or, on a "
                 "loopback address only, plaintext = yes");
        return false;
    }
    if (cfg->max_output_total < cfg->max_frame || cfg->max_output_total < cfg->max_output) {
        snprintf(err, errlen,
                 "[server] max_output_total = %d is below max_frame (%d) or max_output (%d): "
                 "one answer could then close its own connection; raise max_output_total",
                 cfg->max_output_total, cfg->max_frame, cfg->max_output);
        return false;
    }
    if (cfg->plaintext && !tls_is_loopback(cfg->listen)) {
        snprintf(err, errlen,
                 "[server] plaintext = yes is refused on listen = %s: plaintext is "
                 "allowed only on loopback addresses (127.0.0.1, ::1); configure "
                 "tls_cert and tls_key for any other address",
                 cfg->listen);
        return false;
    }
    if (cfg->http_port != 0 && !http_config_ok(cfg, tls, err, errlen))
        return false;
    return true;
}

void config_apply_reload(struct config *cur, const struct config *next, char *changed, size_t len)
{
    changed[0] = '\0';
    size_t used = 0;
    for (size_t i = 0; i < NKEYS; i++) {
        const struct key *k = &keys[i];
        if (!k->reloadable || k->type == KEY_STRING)
            continue;
        int *dst = int_at(cur, k);
        int src = *int_at((struct config *)next, k);
        if (*dst == src)
            continue;
        *dst = src;
        int n = snprintf(changed + used, len - used, "%s%s", used ? " " : "", k->name);
        if (n > 0 && (size_t)n < len - used)
            used += (size_t)n;
    }
}

void config_dump_defaults(FILE *out)
{
    const char *section = "";
    for (size_t i = 0; i < NKEYS; i++) {
        const struct key *k = &keys[i];
        if (strcmp(section, k->section) != 0) {
            fprintf(out, "%s[%s]\n", i ? "\n" : "", k->section);
            section = k->section;
        }
        fprintf(out, "# %s%s\n", k->help, k->reloadable ? " (reloaded on SIGHUP)" : "");
        if (k->type == KEY_STRING)
            fprintf(out, "%s = %s\n", k->name, k->def_str);
        else if (k->type == KEY_LEVEL)
            fprintf(out, "%s = %s\n", k->name, log_level_name((int)k->def_int));
        else if (k->type == KEY_BOOL)
            fprintf(out, "%s = %s\n", k->name, k->def_int ? "yes" : "no");
        else
            fprintf(out, "%s = %ld\n", k->name, k->def_int);
    }
}
