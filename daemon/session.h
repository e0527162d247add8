/*
 * session: who is calling. A session is found by the SHA-256 of the token
 * the client sends; the daemon keeps a short-lived cache of valid sessions
 * so that most requests need no extra round trip, and every transaction
 * re-checks the token in the database anyway (session_begin in sql/).
 */
#ifndef YANXIU_SESSION_H
#define YANXIU_SESSION_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define SESSION_TOKEN_BYTES 32
#define SESSION_HASH_BYTES  32

enum role { ROLE_NONE = 0, ROLE_ADMIN = 1, ROLE_DISTRICT = 2, ROLE_SCHOOL = 4 };
#define ROLES_ANY (ROLE_ADMIN | ROLE_DISTRICT | ROLE_SCHOOL)

struct session {
    uint8_t token_hash[SESSION_HASH_BYTES];
    int64_t user_id;
    char user[72];
    enum role role;
    char district[8]; /* "" for admin */
    char unit[12];    /* school role only */
    int64_t expires_us;
};

/* "admin" → ROLE_ADMIN, …; ROLE_NONE when unknown. */
enum role session_role_parse(const char *s);
const char *session_role_name(enum role r);

/* SHA-256 of a token. */
void session_hash_token(const uint8_t *token, size_t len, uint8_t out[SESSION_HASH_BYTES]);

/* A cached session that is still fresh (seconds given at init) and unexpired. */
bool session_cache_get(const uint8_t hash[SESSION_HASH_BYTES], struct session *out);
void session_cache_put(const struct session *s);
void session_cache_drop(const uint8_t hash[SESSION_HASH_BYTES]);

/* How long a cached entry may be trusted before the database is asked again. */
void session_cache_init(int fresh_seconds);

#endif
