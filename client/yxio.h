/*
 * yxio: the transport under the client library (yxc): TCP connect with a deadline,
 * TLS with the certificate checked (OpenSSL), and blocking reads and writes with
 * timeouts that feed a frame_reader. It moves bytes; frames, request ids and held
 * responses are yxc's. Internal to libyxc: callers use yxc.h.
 */
#ifndef YANXIU_YXIO_H
#define YANXIU_YXIO_H

#include <openssl/ssl.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "frame.h"
#include "yx_common.h"
#include "yxc.h"

/* Stop buffering unread input beyond this (a server that floods us while we write). */
#define YXIO_MAX_BUFFERED ((size_t)2 * (FRAME_DEFAULT_MAX + FRAME_HEADER_SIZE))

/*
 * One connection's transport. yxc reads `in` (frames), `peer`, `ssl` (is it TLS)
 * and `timeout_ms`, and writes `closing`; everything else is yxio's.
 */
struct yxio {
    int fd;
    SSL *ssl;        /* NULL: plaintext */
    bool tls_broken; /* a fatal TLS error: no close_notify on close */
    int timeout_ms;  /* per call of yxc_send/yxc_await/...; negative: no limit */
    struct frame_reader in;
    uint64_t received;  /* bytes read so far, to tell whether a read brought anything */
    bool peer_closed;   /* a read returned 0 */
    int read_errno;     /* a read failed (e.g. ECONNRESET); nothing more will come */
    char read_why[160]; /* and why, in words (strerror, or the TLS error) */
    char io_why[160];   /* why the last io_read/io_write returned IO_FAILED */
    char peer[300];     /* "host:port" for messages */
    /* The names in the server's certificate ("DNS:a, IP:1.2.3.4"), for messages. */
    char cert_names[200];
    /* The Error the server sent with request id 0 before closing (set by yxc), for
       the messages of later failures. */
    char closing[200];
};

/* Fills every field of err: fail `f`, the message from fmt; code 0, no flags. */
void yxio_error(struct yxc_error *err, enum yxc_fail f, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* `return YXIO_FAIL(err, ...)`: fills err and returns false, visibly so to static analysers. */
#define YXIO_FAIL(err, ...) (yxio_error((err), __VA_ARGS__), false)

/* Copies a message into a smaller buffer (cap > 0), cutting at a UTF-8 character boundary. */
void yxio_keep_text(char *dst, size_t cap, const char *src);

/* snprintf onto the end of the NUL-terminated buf; stops quietly when buf is full. */
void yxio_append(char *buf, size_t cap, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* The monotonic time timeout_ms from now, in ms; -1 (no deadline) when timeout_ms < 0. */
int64_t yxio_deadline(int timeout_ms);

/*
 * Connects *io (its old contents ignored) to host:port, tried in getaddrinfo order
 * within opts->timeout_ms, then runs the TLS handshake when opts->tls (see
 * yxc_connect_opts for what is checked and the errors). The I/O timeout starts at
 * 30 s. False with err filled and nothing left to release; on success release
 * with yxio_close.
 */
bool yxio_connect(struct yxio *io, const char *host, uint16_t port, const struct yxc_options *opts,
                  struct yxc_error *err) YX_MUST_CHECK;

/* Sends a TLS close_notify first when `close_notify` and TLS is still sound (one try,
   no waiting); closes the socket and frees the buffer. */
void yxio_close(struct yxio *io, bool close_notify);

/*
 * Waits for and reads at least one more byte into io->in. False with err filled
 * when the deadline passes (err->timed_out), the peer closed or the connection
 * broke (`what`, e.g. "waiting for the response to request 3 from h:p", completes
 * the message), or memory ran out.
 */
bool yxio_read_more(struct yxio *io, int64_t deadline, const char *what, struct yxc_error *err)
    YX_MUST_CHECK;

/*
 * Writes all of data by `deadline`. Meanwhile it reads what the server sends into
 * io->in (up to YXIO_MAX_BUFFERED): a server that stops reading until we take its
 * responses (backpressure) would otherwise leave both sides blocked on a write.
 * False with err filled; part of the data may have gone out.
 */
bool yxio_write_all(struct yxio *io, const uint8_t *data, size_t len, int64_t deadline,
                    const char *what, struct yxc_error *err) YX_MUST_CHECK;

/* Reads into io->in what has already arrived, without waiting, up to YXIO_MAX_BUFFERED.
   Failures are only noted on io (a later read reports them). */
void yxio_read_arrived(struct yxio *io);

/*
 * Waits up to timeout_ms for the peer to close (a read returned 0, or the connection
 * was reset). Bytes that arrive meanwhile are kept in io->in (up to
 * YXIO_MAX_BUFFERED). False when the time runs out first.
 */
bool yxio_wait_closed(struct yxio *io, int timeout_ms);

#endif
