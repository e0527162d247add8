/*
 * session: token hashing and the cache of recently checked sessions.
 * A fixed-size table indexed by the hash (which is uniformly random):
 * a collision simply replaces the older entry.
 */
#include "session.h"

#include <sodium.h>
#include <string.h>
#include <time.h>

#define CACHE_SLOTS 4096

struct slot {
    bool used;
    int64_t checked_us;
    struct session s;
};

static struct slot cache[CACHE_SLOTS];
static int fresh_us_limit = 30;

static int64_t mono_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

static int64_t real_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

enum role session_role_parse(const char *s)
{
    if (strcmp(s, "admin") == 0)
        return ROLE_ADMIN;
    if (strcmp(s, "district") == 0)
        return ROLE_DISTRICT;
    if (strcmp(s, "school") == 0)
        return ROLE_SCHOOL;
    return ROLE_NONE;
}

const char *session_role_name(enum role r)
{
    switch (r) {
    case ROLE_ADMIN:
        return "admin";
    case ROLE_DISTRICT:
        return "district";
    case ROLE_SCHOOL:
        return "school";
    default:
        return "";
    }
}

void session_hash_token(const uint8_t *token, size_t len, uint8_t out[SESSION_HASH_BYTES])
{
    crypto_hash_sha256(out, token, len);
}

static struct slot *slot_for(const uint8_t hash[SESSION_HASH_BYTES])
{
    unsigned idx = ((unsigned)hash[0] << 8 | hash[1]) % CACHE_SLOTS;
    return &cache[idx];
}

static void session_cache_clear(void)
{
    sodium_memzero(cache, sizeof(cache));
}

void session_cache_init(int fresh_seconds)
{
    fresh_us_limit = fresh_seconds;
    session_cache_clear();
}

bool session_cache_get(const uint8_t hash[SESSION_HASH_BYTES], struct session *out)
{
    struct slot *sl = slot_for(hash);
    if (!sl->used || sodium_memcmp(sl->s.token_hash, hash, SESSION_HASH_BYTES) != 0)
        return false;
    if (mono_us() - sl->checked_us > (int64_t)fresh_us_limit * 1000000 ||
        sl->s.expires_us <= real_us()) {
        sl->used = false;
        return false;
    }
    *out = sl->s;
    return true;
}

void session_cache_put(const struct session *s)
{
    struct slot *sl = slot_for(s->token_hash);
    sl->used = true;
    sl->checked_us = mono_us();
    sl->s = *s;
}

void session_cache_drop(const uint8_t hash[SESSION_HASH_BYTES])
{
    struct slot *sl = slot_for(hash);
    if (sl->used && sodium_memcmp(sl->s.token_hash, hash, SESSION_HASH_BYTES) == 0)
        sodium_memzero(sl, sizeof(*sl));
}
