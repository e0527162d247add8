/*
 * session_file: where `yanxiu login` keeps its session between commands:
 * $XDG_CONFIG_HOME/yanxiu/session (else ~/.config/yanxiu/session), a
 * directory of mode 0700 and a file of mode 0600, replaced atomically.
 */
#ifndef YANXIU_SESSION_FILE_H
#define YANXIU_SESSION_FILE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "yx_common.h"

#define SESSION_TOKEN_MAX       64

/* One logged-in session. Holds a secret: wipe it with session_file_wipe. */
struct session_file {
    char server[300]; /* "host:port" as the CLI names it (yxc_parse_server, then joined) */
    uint8_t token[SESSION_TOKEN_MAX];
    size_t token_len;
    char user[65];
    char role[16];
    char district[16];
    char unit[16];
    int64_t expires_at_us; /* Unix microseconds, the server's clock */
};

/*
 * Fills path with the session file's name. False (err says why) when
 * neither XDG_CONFIG_HOME (absolute) nor HOME nor the password database
 * gives a directory.
 */
bool session_file_path(char *path, size_t cap, char *err, size_t errlen) YX_MUST_CHECK;

enum session_file_status {
    SESSION_FILE_LOADED,
    SESSION_FILE_ABSENT, /* no file: not logged in */
    SESSION_FILE_BAD,    /* unreadable or malformed: err says where and what */
};

/*
 * Reads path into *s. A file that others may read, or that is not ours, is
 * still loaded, with a warning in `warn` (empty otherwise): the token may
 * have leaked, and the user should know.
 */
enum session_file_status session_file_load(const char *path, struct session_file *s, char *warn,
                                           size_t warnlen, char *err, size_t errlen);

/*
 * Writes *s to path: creates the directories (0700) as needed, writes a
 * temporary file of mode 0600 next to path, syncs it and renames it over
 * path, so that a reader sees the old session or the new one, never half.
 * False (err says why; no temporary file left) on failure.
 */
bool session_file_save(const char *path, const struct session_file *s, char *err,
                       size_t errlen) YX_MUST_CHECK;

/* Deletes path. True when it is gone (also when it was not there). */
bool session_file_remove(const char *path, char *err, size_t errlen) YX_MUST_CHECK;

/* Overwrites *s (the token above all) so that no copy stays in memory. */
void session_file_wipe(struct session_file *s);

#endif
