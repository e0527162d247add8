/*
 * workpool: a mutex-protected FIFO of jobs, N threads taking from it, and
 * finished jobs written back as pointers into a pipe that the loop reads
 * (a write of a pointer is atomic: PIPE_BUF).
 */
#include "workpool.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "log.h"

struct wjob {
    struct wjob *next;
    workpool_work_fn work;
    workpool_done_fn done;
    void *arg;
};

struct workpool {
    pthread_t *threads;
    int nthreads;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    struct wjob *head, *tail;
    int queued, running, queue_len;
    bool stopping;
    int pipe_rd, pipe_wr;
    struct event *done_ev;
};

static void *worker(void *arg)
{
    struct workpool *wp = arg;
    for (;;) {
        pthread_mutex_lock(&wp->mu);
        while (!wp->stopping && !wp->head)
            pthread_cond_wait(&wp->cv, &wp->mu);
        if (wp->stopping) {
            pthread_mutex_unlock(&wp->mu);
            return NULL;
        }
        struct wjob *j = wp->head;
        wp->head = j->next;
        if (!wp->head)
            wp->tail = NULL;
        wp->queued--;
        wp->running++;
        pthread_mutex_unlock(&wp->mu);

        j->work(j->arg);

        ssize_t w;
        do {
            w = write(wp->pipe_wr, &j, sizeof(j));
        } while (w < 0 && errno == EINTR);
        if (w != (ssize_t)sizeof(j)) /* the loop never hears of it: the request hangs */
            log_error("workpool: cannot hand a result back to the loop: %s", strerror(errno));
    }
}

static void on_done(evutil_socket_t fd, short what, void *arg)
{
    (void)what;
    struct workpool *wp = arg;
    struct wjob *jobs[64];
    ssize_t n;
    while ((n = read(fd, jobs, sizeof(jobs))) > 0) {
        for (size_t i = 0; i < (size_t)n / sizeof(jobs[0]); i++) {
            pthread_mutex_lock(&wp->mu);
            wp->running--;
            pthread_mutex_unlock(&wp->mu);
            jobs[i]->done(jobs[i]->arg);
            free(jobs[i]);
        }
    }
}

struct workpool *workpool_new(struct event_base *base, int threads, int queue_len)
{
    struct workpool *wp = calloc(1, sizeof(*wp));
    if (!wp)
        return NULL;
    wp->queue_len = queue_len;
    wp->pipe_rd = wp->pipe_wr = -1;
    pthread_mutex_init(&wp->mu, NULL);
    pthread_cond_init(&wp->cv, NULL);
    int fds[2];
    if (pipe2(fds, O_CLOEXEC) != 0)
        goto fail;
    wp->pipe_rd = fds[0];
    wp->pipe_wr = fds[1];
    evutil_make_socket_nonblocking(wp->pipe_rd);
    wp->done_ev = event_new(base, wp->pipe_rd, EV_READ | EV_PERSIST, on_done, wp);
    if (!wp->done_ev || event_add(wp->done_ev, NULL) != 0)
        goto fail;
    if (threads <= 0) {
        long n = sysconf(_SC_NPROCESSORS_ONLN);
        threads = n > 0 ? (int)n : 1;
    }
    wp->threads = calloc((size_t)threads, sizeof(pthread_t));
    if (!wp->threads)
        goto fail;
    for (int i = 0; i < threads; i++) {
        if (pthread_create(&wp->threads[i], NULL, worker, wp) != 0)
            goto fail;
        wp->nthreads++;
    }
    return wp;
fail:
    workpool_free(wp, NULL);
    return NULL;
}

void workpool_free(struct workpool *wp, void (*drop)(void *arg))
{
    if (!wp)
        return;
    pthread_mutex_lock(&wp->mu);
    wp->stopping = true;
    pthread_cond_broadcast(&wp->cv);
    pthread_mutex_unlock(&wp->mu);
    for (int i = 0; i < wp->nthreads; i++)
        pthread_join(wp->threads[i], NULL);
    for (struct wjob *j = wp->head, *next; j; j = next) {
        next = j->next;
        if (drop)
            drop(j->arg);
        free(j);
    }
    if (wp->pipe_rd >= 0) {
        struct wjob *done;
        while (read(wp->pipe_rd, &done, sizeof(done)) == (ssize_t)sizeof(done)) {
            if (drop)
                drop(done->arg);
            free(done);
        }
        close(wp->pipe_rd);
        close(wp->pipe_wr);
    }
    if (wp->done_ev)
        event_free(wp->done_ev);
    free(wp->threads);
    pthread_mutex_destroy(&wp->mu);
    pthread_cond_destroy(&wp->cv);
    free(wp);
}

enum workpool_status workpool_submit(struct workpool *wp, workpool_work_fn work,
                                     workpool_done_fn done, void *arg)
{
    struct wjob *j = calloc(1, sizeof(*j));
    if (!j)
        return WORKPOOL_NO_MEMORY;
    j->work = work;
    j->done = done;
    j->arg = arg;
    pthread_mutex_lock(&wp->mu);
    if (wp->queued >= wp->queue_len) {
        pthread_mutex_unlock(&wp->mu);
        free(j);
        return WORKPOOL_FULL;
    }
    if (wp->tail)
        wp->tail->next = j;
    else
        wp->head = j;
    wp->tail = j;
    wp->queued++;
    pthread_cond_signal(&wp->cv);
    pthread_mutex_unlock(&wp->mu);
    return WORKPOOL_QUEUED;
}

int workpool_busy(struct workpool *wp)
{
    pthread_mutex_lock(&wp->mu);
    int n = wp->queued + wp->running;
    pthread_mutex_unlock(&wp->mu);
    return n;
}
