/*
 * hashpool: argon2id password hashing off the event loop. A hash takes
 * ~64 MiB and tens of milliseconds, so a few worker threads (one per core)
 * do it, fed through a bounded queue; results come back to the loop
 * through a pipe. A storm of logins waits in the queue (or is refused when
 * it is full) while every other request keeps being served.
 */
#ifndef YANXIU_HASHPOOL_H
#define YANXIU_HASHPOOL_H

#include <event2/event.h>
#include <stdbool.h>
#include <stddef.h>

#include "yx_common.h"

struct hashpool;

/*
 * Called on the loop thread. `ok`: the password matched. `new_hash`: when
 * it matched and the stored hash used weaker limits than today's, a fresh
 * hash to store (else NULL). Valid during the call only.
 */
typedef void (*hashpool_verify_fn)(void *arg, bool ok, const char *new_hash);

/*
 * Starts `threads` workers (0: one per core) with a queue of `queue_len`,
 * at most `per_addr` of them from one client address.
 */
struct hashpool *hashpool_new(struct event_base *base, int threads, int queue_len,
                              int per_addr) YX_MUST_CHECK;

/* Stops the workers after the jobs they are running; queued jobs are dropped uncalled. */
void hashpool_free(struct hashpool *hp);

enum hashpool_status {
    HASHPOOL_QUEUED,      /* the callback will be called */
    HASHPOOL_FULL,        /* queue_len logins wait already */
    HASHPOOL_CLIENT_FULL, /* per_addr logins from this client address wait already */
    HASHPOOL_NO_MEMORY,
};

/*
 * Queues a check of `password` against `stored` (a crypto_pwhash_str
 * string) for a login of `user` from address `client` (the keys of the
 * fair queue; cut at 71 bytes). stored == NULL checks against a dummy hash
 * so that an unknown user costs as much time as a known one, and never
 * matches. The password is copied into locked memory and wiped after use.
 * Unless HASHPOOL_QUEUED is returned, the callback is not called.
 */
enum hashpool_status hashpool_verify(struct hashpool *hp, const char *client, const char *user,
                                     const char *stored, const char *password,
                                     hashpool_verify_fn fn, void *arg) YX_MUST_CHECK;

/*
 * Hashes a password with today's limits (blocking: for command-line tools,
 * never the event loop). False on out-of-memory.
 */
bool hashpool_hash_now(const char *password, char out[128]) YX_MUST_CHECK;

#endif
