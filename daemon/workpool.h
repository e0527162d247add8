/*
 * workpool: work that must not run on the event loop (reading an uploaded
 * workbook: unzipping, XML, tens of milliseconds to seconds) done by a few
 * worker threads fed through a bounded FIFO; each result comes back to the
 * loop through a pipe, where its callback runs.
 */
#ifndef YANXIU_WORKPOOL_H
#define YANXIU_WORKPOOL_H

#include <event2/event.h>
#include <stdbool.h>

#include "yx_common.h"

struct workpool;

/*
 * `work(arg)` runs on a worker thread: it may not touch the loop, a
 * connection or a request, only what arg owns. `done(arg)` then runs on the
 * loop thread; it owns arg again (and frees it).
 */
typedef void (*workpool_work_fn)(void *arg);
typedef void (*workpool_done_fn)(void *arg);

/* Starts `threads` workers (0: one per core) with room for `queue_len` waiting jobs. */
struct workpool *workpool_new(struct event_base *base, int threads, int queue_len) YX_MUST_CHECK;

/*
 * Stops the workers after the jobs they are running. Jobs still queued, and
 * results not yet delivered, are handed to `drop(arg)` when it is not NULL
 * (on the calling thread), never to their callbacks.
 */
void workpool_free(struct workpool *wp, void (*drop)(void *arg));

enum workpool_status {
    WORKPOOL_QUEUED, /* done(arg) will be called */
    WORKPOOL_FULL,   /* queue_len jobs wait already */
    WORKPOOL_NO_MEMORY,
};

/* Queues work(arg) then done(arg). Unless WORKPOOL_QUEUED, neither is called. */
enum workpool_status workpool_submit(struct workpool *wp, workpool_work_fn work,
                                     workpool_done_fn done, void *arg) YX_MUST_CHECK;

/* Jobs queued or running now (for logs and tests). */
int workpool_busy(struct workpool *wp);

#endif
