/*
 * config: yanxiud's settings, read from an INI file with libinih.
 * One sorted table describes every key (section, name, type, default,
 * bounds, reloadable); unknown keys and bad values are errors naming the
 * file, line and key.
 */
#ifndef YANXIU_CONFIG_H
#define YANXIU_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "yx_common.h"

#define CONFIG_DEFAULT_PATH "/etc/yanxiu/yanxiud.conf"

struct config {
    /* [server] */
    char *listen;        /* address to bind, e.g. 127.0.0.1 or :: */
    int port;            /* TCP port */
    int max_connections; /* beyond: RESOURCE_EXHAUSTED and close */
    int max_frame;       /* bytes; a larger announced frame is refused */
    int max_inflight;    /* unanswered requests per connection before we stop reading */
    int idle_timeout;    /* seconds without traffic before a connection is closed */
    int drain_timeout;   /* seconds SIGTERM waits for in-flight work */
    int log_level;       /* enum log_level */
    char *tls_cert;      /* PEM certificate chain; with tls_key turns TLS on */
    char *tls_key;       /* PEM private key */
    int plaintext;       /* bool: serve without TLS (loopback addresses only) */

    /* [server] bounds on what one client may hold */
    int frame_timeout;            /* seconds from a frame's first byte to its last, after login */
    int frame_timeout_login;      /* the same before login */
    int login_timeout;            /* seconds a connection may stay without logging in */
    int max_connections_per_addr; /* from one address (IPv6: /64) at once */
    int max_unauthenticated;      /* not yet logged in, all addresses together */
    int max_output;               /* unsent bytes of a logged-in connection before reading pauses */
    int max_output_total; /* unsent bytes of all connections before the greediest is closed */

    /* [database] */
    char *conninfo;         /* libpq conninfo of the daemon's (non-owner) role */
    char *migrate_conninfo; /* libpq conninfo of the schema owner, for `yanxiud migrate` */
    char *login_conninfo;   /* libpq conninfo of the login role (yanxiud_login) */
    int login_pool_size;    /* libpq connections of the login role */
    int pool_size;          /* libpq connections */
    int queue_length;       /* requests waiting for a connection before RESOURCE_EXHAUSTED */
    int query_timeout;      /* seconds; statement_timeout of every pool connection */
    /* [auth] */
    int session_ttl;         /* seconds a session lives after login */
    int lockout_failures;    /* failed logins of one name within lockout_window that lock it */
    int lockout_window;      /* seconds */
    int hash_threads;        /* argon2id workers; 0: one per core */
    int hash_queue;          /* logins waiting for a worker before RESOURCE_EXHAUSTED */
    int hash_queue_per_addr; /* of hash_queue, from one client address */
    /* [http] the web console (daemon/http.c) */
    char *http_listen;   /* address to bind */
    int http_port;       /* 0: no HTTP */
    int http_plaintext;  /* bool: without TLS (loopback addresses only) */
    char *http_web_root; /* the console's files */
    /* [limits] uploaded files (daemon/layout.c) */
    int upload_max_bytes; /* the files of one request together */
    int upload_threads;   /* workers reading them; 0: one per core */
    int upload_queue;     /* requests waiting for a worker before RESOURCE_EXHAUSTED */
    /* [backup] */
    int backup_keep;        /* `yanxiud backup` keeps this many dumps in its directory */
    char *backup_pg_bindir; /* where pg_dump and pg_restore are; "": the PATH */
};

/* Sets every key to its default. Strings are malloc'd. */
void config_defaults(struct config *cfg);

/*
 * Reads `path` over the defaults. On failure returns false, leaves *cfg
 * holding its defaults plus whatever parsed, and writes a message naming
 * file, line and key into err (for every bad line, one per line of text).
 * The caller frees with config_free either way.
 */
bool config_load(struct config *cfg, const char *path, char *err, size_t errlen) YX_MUST_CHECK;

/*
 * Checks relations between keys that no single key can (e.g. conninfo set).
 * Returns false with a message in err.
 */
bool config_validate(const struct config *cfg, char *err, size_t errlen) YX_MUST_CHECK;

/*
 * Copies the keys marked reloadable from `next` into `cur` (SIGHUP) and
 * writes to `changed` a short list of what changed ("log_level idle_timeout"),
 * empty when nothing did.
 */
void config_apply_reload(struct config *cur, const struct config *next, char *changed, size_t len);

void config_free(struct config *cfg);

/* Writes every key with its current value, INI formatted (for --help and docs). */
void config_dump_defaults(FILE *out);

#endif
