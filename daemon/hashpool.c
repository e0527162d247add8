/*
 * hashpool: worker threads for libsodium's crypto_pwhash (argon2id).
 * The queue is fair: every waiting login sits in the lane of its client
 * address and in the lane of its user name. The workers take turns between
 * the two rings of lanes, and in each ring serve the lanes in turn, a new
 * lane first. No address and no name may keep more than all workers but
 * one busy, so a flood from one address (or on one name from many) leaves
 * a worker free for everybody else: another user's login waits for no
 * flooded hash at all, only for its own.
 */
#include "hashpool.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "log.h"

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
    struct event_base *base;
    pthread_t *threads;
    int nthreads;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    struct ring rings[NLANES];
    int turn; /* the ring the next job comes from */
    int queued, queue_len, per_addr;
    int lane_cap; /* workers one address or one name may keep busy */
    bool stopping;
    int pipe_rd, pipe_wr; /* finished jobs travel back as pointers */
    struct event *done_ev;
    char dummy[crypto_pwhash_STRBYTES];
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

static void *worker(void *arg)
{
    struct hashpool *hp = arg;
    for (;;) {
        pthread_mutex_lock(&hp->mu);
        struct hjob *j = NULL;
        while (!hp->stopping && !(j = next_job(hp)))
            pthread_cond_wait(&hp->cv, &hp->mu);
        if (hp->stopping) {
            pthread_mutex_unlock(&hp->mu);
            return NULL;
        }
        pthread_mutex_unlock(&hp->mu);

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

        ssize_t w;
        do {
            w = write(hp->pipe_wr, &j, sizeof(j));
        } while (w < 0 && errno == EINTR);
        if (w != (ssize_t)sizeof(j)) {
            log_error("hashpool: cannot hand a result back to the loop");
            job_free(j);
        }
    }
}

static void on_done(evutil_socket_t fd, short what, void *arg)
{
    struct hjob *jobs[64];
    ssize_t n;
    while ((n = read(fd, jobs, sizeof(jobs))) > 0) {
        for (size_t i = 0; i < (size_t)n / sizeof(jobs[0]); i++) {
            struct hjob *j = jobs[i];
            j->fn(j->arg, j->ok, j->rehashed ? j->new_hash : NULL);
            job_free(j);
        }
    }
}

struct hashpool *hashpool_new(struct event_base *base, int threads, int queue_len, int per_addr)
{
    if (sodium_init() < 0)
        return NULL;
    struct hashpool *hp = calloc(1, sizeof(*hp));
    if (!hp)
        return NULL;
    hp->base = base;
    hp->queue_len = queue_len;
    hp->per_addr = per_addr;
    pthread_mutex_init(&hp->mu, NULL);
    pthread_cond_init(&hp->cv, NULL);
    int fds[2];
    if (pipe2(fds, O_CLOEXEC) != 0) {
        free(hp);
        return NULL;
    }
    hp->pipe_rd = fds[0];
    hp->pipe_wr = fds[1];
    evutil_make_socket_nonblocking(hp->pipe_rd);
    /* The dummy hash: computed once so that unknown users cost a real verify. */
    char dummy_pw[32];
    randombytes_buf(dummy_pw, sizeof(dummy_pw));
    if (crypto_pwhash_str(hp->dummy, dummy_pw, sizeof(dummy_pw), OPS, MEM) != 0)
        goto fail;
    hp->done_ev = event_new(base, hp->pipe_rd, EV_READ | EV_PERSIST, on_done, hp);
    if (!hp->done_ev || event_add(hp->done_ev, NULL) != 0)
        goto fail;
    if (threads <= 0) {
        long n = sysconf(_SC_NPROCESSORS_ONLN);
        threads = n > 0 ? (int)n : 1;
    }
    /* All workers but one, when there are two: one stays free for the others. */
    hp->lane_cap = threads > 1 ? threads - 1 : 1;
    hp->threads = calloc((size_t)threads, sizeof(pthread_t));
    if (!hp->threads)
        goto fail;
    for (int i = 0; i < threads; i++) {
        if (pthread_create(&hp->threads[i], NULL, worker, hp) != 0)
            goto fail;
        hp->nthreads++;
    }
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
    for (int i = 0; i < hp->nthreads; i++)
        pthread_join(hp->threads[i], NULL);
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
    /* Results written back but not yet read: drop them uncalled. */
    struct hjob *done;
    evutil_make_socket_nonblocking(hp->pipe_rd);
    while (read(hp->pipe_rd, &done, sizeof(done)) == (ssize_t)sizeof(done))
        job_free(done);
    if (hp->done_ev)
        event_free(hp->done_ev);
    close(hp->pipe_rd);
    close(hp->pipe_wr);
    free(hp->threads);
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
    if (st != HASHPOOL_QUEUED) {
        pthread_mutex_unlock(&hp->mu);
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
