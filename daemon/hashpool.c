/*
 * hashpool: worker threads for libsodium's crypto_pwhash (argon2id).
 * The queue is fair: every waiting login sits in the lane of its client
 * address and in the lane of its user name. The workers take turns between
 * the two rings of lanes, and in each ring serve the lanes in turn, a new
 * lane first. No address and no name may keep more than all workers but
 * one busy, so a flood from one address (or on one name from many) leaves
 * a worker free for everybody else: another user's login waits for no
 * flooded hash at all, only for its own. The threads, and the way results
 * come back to the loop, are daemon/workpool.c's: each queued login is one
 * task there, which runs the next job the fair queue allows.
 */
#include "hashpool.h"

#include <pthread.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "workpool.h"

#define OPS          crypto_pwhash_OPSLIMIT_INTERACTIVE
#define MEM          crypto_pwhash_MEMLIMIT_INTERACTIVE
#define MAX_PASSWORD 1024
#define MAX_KEY      72 /* a client address (64) or a user name (64) */

enum { BY_ADDR, BY_NAME, NLANES };

struct hjob;

/* The waiting jobs of one address or one name, oldest first. */
struct lane {
    struct lane *next; /* in its ring */
    struct hjob *head, *tail;
    int queued;
    int running; /* its jobs being hashed now */
    char key[MAX_KEY];
};

/* Lanes served in turn; a lane with nothing queued or running leaves when
 * the ring's head reaches it. */
struct ring {
    struct lane *head, *tail;
};

struct hjob {
    struct lane *lane[NLANES];
    struct hjob *prev[NLANES], *next[NLANES];
    char stored[crypto_pwhash_STRBYTES];
    bool dummy;
    char *password; /* sodium_malloc'd */
    size_t pwlen;
    hashpool_verify_fn fn;
    void *arg;
    bool ok;
    char new_hash[crypto_pwhash_STRBYTES];
    bool rehashed;
};

struct hashpool {
    struct workpool *wp; /* the threads; a task per queued job */
    pthread_mutex_t mu;
    pthread_cond_t cv;
    struct ring rings[NLANES];
    int turn; /* the ring the next job comes from */
    int queued, queue_len, per_addr;
    int lane_cap; /* workers one address or one name may keep busy */
    bool stopping;
    char dummy[crypto_pwhash_STRBYTES];
};

/* A workpool task: which job it ran (NULL: stopped before it found one). */
struct slot {
    struct hashpool *hp;
    struct hjob *j;
};

static void job_free(struct hjob *j)
{
    if (j->password)
        sodium_free(j->password);
    sodium_memzero(j->new_hash, sizeof(j->new_hash));
    free(j);
}

/* The lane of `key` in ring r; a new one goes first in the ring (NULL: no memory). */
static struct lane *lane_get(struct ring *r, const char *key)
{
    for (struct lane *l = r->head; l; l = l->next)
        if (strcmp(l->key, key) == 0)
            return l;
    struct lane *l = calloc(1, sizeof(*l));
    if (!l)
        return NULL;
    snprintf(l->key, sizeof(l->key), "%s", key);
    l->next = r->head;
    r->head = l;
    if (!r->tail)
        r->tail = l;
    return l;
}

static void lane_append(struct hjob *j, int k, struct lane *l)
{
    j->lane[k] = l;
    j->prev[k] = l->tail;
    j->next[k] = NULL;
    if (l->tail)
        l->tail->next[k] = j;
    else
        l->head = j;
    l->tail = j;
    l->queued++;
}

static void lane_unlink(struct hjob *j, int k)
{
    struct lane *l = j->lane[k];
    if (j->prev[k])
        j->prev[k]->next[k] = j->next[k];
    else
        l->head = j->next[k];
    if (j->next[k])
        j->next[k]->prev[k] = j->prev[k];
    else
        l->tail = j->prev[k];
    l->queued--;
}

/*
 * Takes the next job that may run: from the rings in turn, in a ring from
 * the first lane below its cap whose oldest such job's other lane is below
 * its cap too; that lane then goes to the end of its ring. NULL when none
 * may run now. Under hp->mu.
 */
static struct hjob *next_job(struct hashpool *hp)
{
    int cap = hp->lane_cap;
    for (int tries = 0; tries < NLANES; tries++) {
        int k = hp->turn;
        struct ring *r = &hp->rings[k];
        hp->turn = (hp->turn + 1) % NLANES;
        struct lane *l;
        while ((l = r->head) && l->queued == 0 && l->running == 0) {
            r->head = l->next;
            if (!r->head)
                r->tail = NULL;
            free(l);
        }
        struct lane *prev = NULL;
        for (; l; prev = l, l = l->next) {
            if (l->queued == 0 || l->running >= cap)
                continue;
            struct hjob *j = l->head;
            while (j && j->lane[1 - k]->running >= cap)
                j = j->next[k];
            if (!j)
                continue;
            if (l->next) { /* its turn is over: to the end of the ring */
                if (prev)
                    prev->next = l->next;
                else
                    r->head = l->next;
                l->next = NULL;
                r->tail->next = l;
                r->tail = l;
            }
            for (int m = 0; m < NLANES; m++) {
                lane_unlink(j, m);
                j->lane[m]->running++;
            }
            hp->queued--;
            return j;
        }
    }
    return NULL;
}

/* On a worker: the next job the fair queue allows (waiting for one), hashed. */
static void slot_work(void *arg)
{
    struct slot *t = arg;
    struct hashpool *hp = t->hp;
    pthread_mutex_lock(&hp->mu);
    struct hjob *j = NULL;
    while (!hp->stopping && !(j = next_job(hp)))
        pthread_cond_wait(&hp->cv, &hp->mu);
    pthread_mutex_unlock(&hp->mu);
    if (!j)
        return;

    const char *stored = j->dummy ? hp->dummy : j->stored;
    j->ok = crypto_pwhash_str_verify(stored, j->password, j->pwlen) == 0 && !j->dummy;
    if (j->ok && crypto_pwhash_str_needs_rehash(stored, OPS, MEM) != 0)
        j->rehashed = crypto_pwhash_str(j->new_hash, j->password, j->pwlen, OPS, MEM) == 0;
    sodium_memzero(j->password, j->pwlen);

    /* Its lanes may now start another job; the job forgets them. */
    pthread_mutex_lock(&hp->mu);
    for (int m = 0; m < NLANES; m++) {
        j->lane[m]->running--;
        j->lane[m] = NULL;
    }
    pthread_cond_broadcast(&hp->cv);
    pthread_mutex_unlock(&hp->mu);
    t->j = j;
}

/* On the loop: the job's callback. */
static void slot_done(void *arg)
{
    struct slot *t = arg;
    if (t->j) {
        t->j->fn(t->j->arg, t->j->ok, t->j->rehashed ? t->j->new_hash : NULL);
        job_free(t->j);
    }
    free(t);
}

/* A task not run, or run but not delivered (hashpool_free). */
static void slot_drop(void *arg)
{
    struct slot *t = arg;
    if (t->j)
        job_free(t->j);
    free(t);
}

struct hashpool *hashpool_new(struct event_base *base, int threads, int queue_len, int per_addr)
{
    if (sodium_init() < 0)
        return NULL;
    struct hashpool *hp = calloc(1, sizeof(*hp));
    if (!hp)
        return NULL;
    hp->queue_len = queue_len;
    hp->per_addr = per_addr;
    pthread_mutex_init(&hp->mu, NULL);
    pthread_cond_init(&hp->cv, NULL);
    /* The dummy hash: computed once so that unknown users cost a real verify. */
    char dummy_pw[32];
    randombytes_buf(dummy_pw, sizeof(dummy_pw));
    if (crypto_pwhash_str(hp->dummy, dummy_pw, sizeof(dummy_pw), OPS, MEM) != 0)
        goto fail;
    if (threads <= 0) {
        long n = sysconf(_SC_NPROCESSORS_ONLN);
        threads = n > 0 ? (int)n : 1;
    }
    /* All workers but one, when there are two: one stays free for the others. */
    hp->lane_cap = threads > 1 ? threads - 1 : 1;
    /* A task per queued job: never more than queue_len wait. */
    hp->wp = workpool_new(base, threads, queue_len);
    if (!hp->wp)
        goto fail;
    return hp;
fail:
    hashpool_free(hp);
    return NULL;
}

void hashpool_free(struct hashpool *hp)
{
    if (!hp)
        return;
    pthread_mutex_lock(&hp->mu);
    hp->stopping = true;
    pthread_cond_broadcast(&hp->cv);
    pthread_mutex_unlock(&hp->mu);
    workpool_free(hp->wp, slot_drop); /* tasks waiting for a job return without one */
    /* Every queued job is in exactly one address lane. */
    for (struct lane *l = hp->rings[BY_ADDR].head; l; l = l->next) {
        struct hjob *j, *next;
        for (j = l->head; j; j = next) {
            next = j->next[BY_ADDR];
            job_free(j);
        }
    }
    for (int k = 0; k < NLANES; k++) {
        struct lane *l, *next;
        for (l = hp->rings[k].head; l; l = next) {
            next = l->next;
            free(l);
        }
    }
    pthread_mutex_destroy(&hp->mu);
    pthread_cond_destroy(&hp->cv);
    free(hp);
}

enum hashpool_status hashpool_verify(struct hashpool *hp, const char *client, const char *user,
                                     const char *stored, const char *password,
                                     hashpool_verify_fn fn, void *arg)
{
    size_t pwlen = strnlen(password, MAX_PASSWORD + 1);
    if (pwlen > MAX_PASSWORD)
        pwlen = MAX_PASSWORD; /* checked by the caller; never match on a truncation */
    struct hjob *j = calloc(1, sizeof(*j));
    if (!j)
        return HASHPOOL_NO_MEMORY;
    j->dummy = stored == NULL || strlen(stored) >= sizeof(j->stored);
    if (!j->dummy)
        memcpy(j->stored, stored, strlen(stored) + 1);
    j->password = sodium_malloc(pwlen + 1);
    if (!j->password) {
        free(j);
        return HASHPOOL_NO_MEMORY;
    }
    memcpy(j->password, password, pwlen);
    j->password[pwlen] = '\0';
    j->pwlen = pwlen;
    j->fn = fn;
    j->arg = arg;

    struct slot *t = calloc(1, sizeof(*t));
    if (!t) {
        job_free(j);
        return HASHPOOL_NO_MEMORY;
    }
    t->hp = hp;

    /* Admitted, then given a task, under the lock: a worker that starts the task waits for
     * the lock, and finds the job queued (a task runs whichever job the lanes allow next). */
    pthread_mutex_lock(&hp->mu);
    enum hashpool_status st = HASHPOOL_QUEUED;
    struct lane *by_addr = NULL, *by_name = NULL;
    if (hp->queued >= hp->queue_len)
        st = HASHPOOL_FULL;
    else if (!(by_addr = lane_get(&hp->rings[BY_ADDR], client)))
        st = HASHPOOL_NO_MEMORY;
    else if (by_addr->queued >= hp->per_addr)
        st = HASHPOOL_CLIENT_FULL;
    else if (!(by_name = lane_get(&hp->rings[BY_NAME], user)))
        st = HASHPOOL_NO_MEMORY; /* a lane left empty goes when its turn comes */
    if (st == HASHPOOL_QUEUED) {
        enum workpool_status ws = workpool_submit(hp->wp, slot_work, slot_done, t);
        if (ws != WORKPOOL_QUEUED)
            st = ws == WORKPOOL_FULL ? HASHPOOL_FULL : HASHPOOL_NO_MEMORY;
    }
    if (st != HASHPOOL_QUEUED) {
        pthread_mutex_unlock(&hp->mu);
        free(t);
        job_free(j);
        return st;
    }
    lane_append(j, BY_ADDR, by_addr);
    lane_append(j, BY_NAME, by_name);
    hp->queued++;
    pthread_cond_signal(&hp->cv);
    pthread_mutex_unlock(&hp->mu);
    return HASHPOOL_QUEUED;
}

bool hashpool_hash_now(const char *password, char out[128])
{
    if (sodium_init() < 0)
        return false;
    _Static_assert(crypto_pwhash_STRBYTES <= 128, "hash buffer too small");
    return crypto_pwhash_str(out, password, strlen(password), OPS, MEM) == 0;
}
