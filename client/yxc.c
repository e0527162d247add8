/*
 * yxc: the blocking client library for yanxiud. The socket is non-blocking
 * underneath so that every wait goes through poll with a deadline; all bytes
 * pass through io_read/io_write, which speak TLS (OpenSSL) when asked to.
 */
#include "yxc.h"

#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>
#include <poll.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define DEFAULT_TIMEOUT_MS 30000
#define READ_CHUNK         65536
/* Stop buffering unread input beyond this (a server that floods us while we write). */
#define MAX_BUFFERED ((size_t)2 * (FRAME_DEFAULT_MAX + FRAME_HEADER_SIZE))

/* A response read while awaiting another request, kept for its own await. */
struct held {
    struct held *next;
    Yanxiu__V1__Envelope *env;
};

struct yxc {
    int fd;
    SSL *ssl;        /* NULL: plaintext */
    bool tls_broken; /* a fatal TLS error: no close_notify on close */
    int timeout_ms;
    uint64_t next_id; /* request ids start at 1; 0 means "no request" on the wire */
    uint8_t *token;
    size_t token_len;
    struct frame_reader in;
    /* Oldest first. A plain list: awaits mostly come in sending order, so the
       wanted response is near the front. */
    struct held *held;
    struct held **held_tail;
    uint64_t received;  /* bytes read so far, to tell whether a read brought anything */
    bool peer_closed;   /* a read returned 0 */
    int read_errno;     /* a read failed (e.g. ECONNRESET); nothing more will come */
    char read_why[160]; /* and why, in words (strerror, or the TLS error) */
    char io_why[160];   /* why the last io_read/io_write returned IO_FAILED */
    char peer[300];     /* "host:port" for messages */
    /* The names in the server's certificate ("DNS:a, IP:1.2.3.4"), for messages. */
    char cert_names[200];
    /* Why no more requests can be sent, or responses read; empty while fine. */
    char send_dead[200];
    char recv_dead[200];
    /* The Error the server sent with request id 0 before closing, for later messages. */
    char closing[200];
};

static void set_error(struct yxc_error *err, enum yxc_fail f, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void set_error(struct yxc_error *err, enum yxc_fail f, const char *fmt, ...)
{
    err->fail = f;
    err->code = 0;
    err->timed_out = false;
    err->tls = false;
    err->outcome_unknown = false;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err->message, sizeof(err->message), fmt, ap);
    va_end(ap);
}

/* `return FAIL(err, ...)`: fills err and returns false, visibly so to static analysers. */
#define FAIL(err, ...) (set_error((err), __VA_ARGS__), false)

/* Copies a message into a smaller buffer, cutting at a UTF-8 character boundary. */
static void keep_text(char *dst, size_t cap, const char *src)
{
    size_t n = strlen(src);
    if (n >= cap) {
        n = cap - 1;
        while (n > 0 && ((unsigned char)src[n] & 0xC0) == 0x80)
            n--;
    }
    memcpy(dst, src, n);
    dst[n] = '\0';
}

/* --- time ------------------------------------------------------------------ */

static int64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* -1: no deadline. */
static int64_t deadline_after(int timeout_ms)
{
    return timeout_ms < 0 ? -1 : now_ms() + timeout_ms;
}

static int poll_timeout(int64_t deadline)
{
    if (deadline < 0)
        return -1;
    int64_t left = deadline - now_ms();
    if (left <= 0)
        return 0;
    return left > INT_MAX ? INT_MAX : (int)left;
}

/* --- transport: plaintext or TLS ------------------------------------------------ */

enum io_status {
    IO_DONE,   /* *n bytes moved (at least one) */
    IO_AGAIN,  /* nothing moved: poll for *want, then call again */
    IO_EOF,    /* the peer closed (reads only) */
    IO_FAILED, /* errno and c->io_why say why */
};

/* The reason of the oldest queued OpenSSL error, or `otherwise`; clears the queue. */
static const char *tls_reason(char *buf, size_t cap, const char *otherwise)
{
    unsigned long e = ERR_get_error();
    ERR_clear_error();
    const char *r = e ? ERR_reason_error_string(e) : NULL;
    if (r)
        snprintf(buf, cap, "%s", r);
    else if (e)
        snprintf(buf, cap, "OpenSSL error %lx", e);
    else
        snprintf(buf, cap, "%s", otherwise);
    return buf;
}

/*
 * What SSL_read/SSL_write returned `r` means. On IO_FAILED errno is set and
 * c->io_why says why in words. *want may name the other direction
 * (SSL_ERROR_WANT_READ while writing, and back): the callers poll for it.
 */
static enum io_status tls_status(struct yxc *c, int r, size_t *n, short *want, bool reading)
{
    if (r > 0) {
        *n = (size_t)r;
        return IO_DONE;
    }
    int saved = errno;
    switch (SSL_get_error(c->ssl, r)) {
    case SSL_ERROR_WANT_READ:
        *want = POLLIN;
        return IO_AGAIN;
    case SSL_ERROR_WANT_WRITE:
        *want = POLLOUT;
        return IO_AGAIN;
    case SSL_ERROR_ZERO_RETURN: /* close_notify, or EOF: see SSL_OP_IGNORE_UNEXPECTED_EOF */
        if (reading)
            return IO_EOF;
        errno = EPIPE;
        snprintf(c->io_why, sizeof(c->io_why), "%s", strerror(errno));
        return IO_FAILED;
    case SSL_ERROR_SYSCALL:
        c->tls_broken = true;
        ERR_clear_error();
        if (saved == 0 && reading)
            return IO_EOF;
        errno = saved ? saved : EPIPE;
        snprintf(c->io_why, sizeof(c->io_why), "%s", strerror(errno));
        return IO_FAILED;
    default:
        c->tls_broken = true;
        errno = EPROTO;
        char why[120];
        snprintf(c->io_why, sizeof(c->io_why), "TLS error: %s",
                 tls_reason(why, sizeof(why), "unknown"));
        return IO_FAILED;
    }
}

static enum io_status io_write(struct yxc *c, const uint8_t *data, size_t len, size_t *n,
                               short *want)
{
    if (c->ssl) {
        ERR_clear_error();
        int r = SSL_write(c->ssl, data, len > INT_MAX ? INT_MAX : (int)len);
        return tls_status(c, r, n, want, false);
    }
    /* MSG_NOSIGNAL: a closed peer must be an EPIPE error, not a SIGPIPE that kills the caller. */
    ssize_t r = send(c->fd, data, len, MSG_NOSIGNAL);
    if (r > 0) {
        *n = (size_t)r;
        return IO_DONE;
    }
    if (r == 0 || errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR) {
        *want = POLLOUT;
        return IO_AGAIN;
    }
    snprintf(c->io_why, sizeof(c->io_why), "%s", strerror(errno));
    return IO_FAILED;
}

static enum io_status io_read(struct yxc *c, uint8_t *buf, size_t cap, size_t *n, short *want)
{
    if (c->ssl) {
        ERR_clear_error();
        int r = SSL_read(c->ssl, buf, cap > INT_MAX ? INT_MAX : (int)cap);
        return tls_status(c, r, n, want, true);
    }
    ssize_t r = recv(c->fd, buf, cap, 0);
    if (r > 0) {
        *n = (size_t)r;
        return IO_DONE;
    }
    if (r == 0)
        return IO_EOF;
    if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR) {
        *want = POLLIN;
        return IO_AGAIN;
    }
    snprintf(c->io_why, sizeof(c->io_why), "%s", strerror(errno));
    return IO_FAILED;
}

/* Decrypted bytes OpenSSL holds that poll cannot see. */
static bool tls_buffered(const struct yxc *c)
{
    return c->ssl && SSL_pending(c->ssl) > 0;
}

/* --- waiting and moving bytes ------------------------------------------------- */

static bool timed_out(struct yxc *c, const char *what, struct yxc_error *err)
{
    set_error(err, YXC_ERR_IO, "timed out after %.1f s %s", c->timeout_ms / 1000.0, what);
    err->timed_out = true;
    return false;
}

/*
 * Waits until one of `events` is ready (or an error/hangup, which the next
 * read or write will report). False with err filled when the deadline passes.
 */
static bool wait_ready(struct yxc *c, short events, int64_t deadline, const char *what,
                       short *revents, struct yxc_error *err)
{
    if ((events & POLLIN) && tls_buffered(c)) {
        *revents = POLLIN;
        return true;
    }
    struct pollfd p = {.fd = c->fd, .events = events};
    for (;;) {
        int r = poll(&p, 1, poll_timeout(deadline));
        if (r > 0) {
            *revents = p.revents;
            return true;
        }
        if (r == 0)
            return timed_out(c, what, err);
        if (errno != EINTR)
            return FAIL(err, YXC_ERR_IO, "poll failed while %s: %s", what, strerror(errno));
    }
}

static bool closed_error(struct yxc *c, const char *what, struct yxc_error *err)
{
    const char *mid = c->in.len > c->in.pending ? " in the middle of a frame" : "";
    if (c->closing[0])
        return FAIL(err, YXC_ERR_IO, "the server closed the connection%s while %s, after: %s", mid,
                    what, c->closing);
    if (c->read_errno)
        return FAIL(err, YXC_ERR_IO, "lost the connection%s while %s: %s", mid, what, c->read_why);
    return FAIL(err, YXC_ERR_IO, "the server closed the connection%s while %s", mid, what);
}

/*
 * Reads once what the socket has into c->in (or drops it when !keep). Marks
 * EOF or a read error on c rather than failing: buffered frames come first.
 */
static bool read_once(struct yxc *c, short *want, bool keep, struct yxc_error *err)
{
    uint8_t buf[READ_CHUNK];
    size_t n = 0;
    switch (io_read(c, buf, sizeof(buf), &n, want)) {
    case IO_DONE:
        c->received += n;
        if (keep && !frame_reader_feed(&c->in, buf, n))
            return FAIL(err, YXC_ERR_IO, "out of memory buffering a response from %s", c->peer);
        return true;
    case IO_EOF:
        c->peer_closed = true;
        return true;
    case IO_FAILED:
        c->read_errno = errno ? errno : EIO;
        keep_text(c->read_why, sizeof(c->read_why), c->io_why);
        return true;
    case IO_AGAIN:
        return true;
    }
    return true;
}

static bool can_read(const struct yxc *c)
{
    return !c->peer_closed && c->read_errno == 0;
}

/* Waits for and reads at least one more byte into c->in. */
static bool read_more(struct yxc *c, int64_t deadline, const char *what, struct yxc_error *err)
{
    short want = POLLIN;
    uint64_t before = c->received;
    while (c->received == before) {
        if (!can_read(c))
            return closed_error(c, what, err);
        short revents;
        if (!wait_ready(c, want, deadline, what, &revents, err))
            return false;
        want = POLLIN;
        if (!read_once(c, &want, true, err))
            return false;
    }
    return true;
}

/*
 * Writes all of data. Meanwhile it reads what the server sends into c->in:
 * a server that stops reading until we take its responses (backpressure)
 * would otherwise leave both sides blocked on a write.
 */
static bool write_all(struct yxc *c, const uint8_t *data, size_t len, int64_t deadline,
                      const char *what, struct yxc_error *err)
{
    size_t off = 0;
    short want = POLLOUT;
    while (off < len) {
        short events = want;
        if (can_read(c) && c->in.len < MAX_BUFFERED)
            events |= POLLIN;
        short revents;
        if (!wait_ready(c, events, deadline, what, &revents, err))
            return false;
        if ((revents & POLLIN) && can_read(c)) {
            short ignored = POLLIN;
            if (!read_once(c, &ignored, true, err))
                return false;
        }
        if (!(revents & (want | POLLERR | POLLHUP)))
            continue;
        size_t n = 0;
        switch (io_write(c, data + off, len - off, &n, &want)) {
        case IO_DONE:
            off += n;
            want = POLLOUT;
            break;
        case IO_AGAIN:
            break;
        case IO_EOF:
        case IO_FAILED:
            return FAIL(err, YXC_ERR_IO, "lost the connection while %s: %s%s%s", what, c->io_why,
                        c->closing[0] ? ", after: " : "", c->closing);
        }
    }
    return true;
}

/* --- frames --------------------------------------------------------------------- */

enum take {
    TAKE_GOT,
    TAKE_NEED_MORE,
    TAKE_BAD, /* err filled; c->recv_dead set: the stream cannot be trusted any more */
};

static enum take take_bad(struct yxc *c, struct yxc_error *err)
{
    keep_text(c->recv_dead, sizeof(c->recv_dead), err->message);
    return TAKE_BAD;
}

/* Takes the next whole frame out of c->in, without touching the socket. */
static enum take take_frame(struct yxc *c, Yanxiu__V1__Envelope **env, struct yxc_error *err)
{
    const uint8_t *body = NULL;
    uint32_t len = 0;
    switch (frame_reader_next(&c->in, &body, &len)) {
    case FRAME_NEED_MORE:
        return TAKE_NEED_MORE;
    case FRAME_EMPTY:
        set_error(err, YXC_ERR_PROTOCOL, "the server at %s sent an empty frame (length 0)",
                  c->peer);
        return take_bad(c, err);
    case FRAME_TOO_BIG: {
        /* The unread bytes (frames taken before them stay in the buffer, before c->in.start).
           A TLS record header (content type 20-23, version 3.x): a TLS server, and we are not. */
        const uint8_t *b = c->in.buf + c->in.start;
        if (!c->ssl && b[0] >= 0x14 && b[0] <= 0x17 && b[1] == 0x03 && b[2] <= 0x04) {
            set_error(err, YXC_ERR_PROTOCOL,
                      "the server at %s answered in TLS, and this connection is plaintext: "
                      "connect with TLS (yanxiu --tls, or --ca FILE / YANXIU_CA)",
                      c->peer);
            return take_bad(c, err);
        }
        /* Text where the length should be: most likely not a yanxiud at all (HTTP, SSH, ...). */
        char text[5] = "";
        bool ascii = true;
        for (int i = 0; i < 4; i++) {
            ascii = ascii && b[i] >= 0x20 && b[i] < 0x7f;
            text[i] = (char)b[i];
        }
        set_error(err, YXC_ERR_PROTOCOL,
                  "the server at %s announced a %" PRIu32
                  "-byte frame, above the %u-byte limit%s%s%s",
                  c->peer, len, FRAME_DEFAULT_MAX, ascii ? " (it sent \"" : "", ascii ? text : "",
                  ascii ? "...\": is that a yanxiud?)" : "");
        return take_bad(c, err);
    }
    case FRAME_READY:
        break;
    }
    *env = yanxiu__v1__envelope__unpack(NULL, len, body);
    if (!*env) {
        set_error(err, YXC_ERR_PROTOCOL,
                  "the server at %s sent a %" PRIu32 "-byte frame that is not a valid Envelope",
                  c->peer, len);
        return take_bad(c, err);
    }
    return TAKE_GOT;
}

/* Reads until a whole frame is there and returns it decoded. */
static bool next_frame(struct yxc *c, int64_t deadline, const char *what,
                       Yanxiu__V1__Envelope **env, struct yxc_error *err)
{
    for (;;) {
        if (c->recv_dead[0])
            return FAIL(err, YXC_ERR_PROTOCOL, "the connection is unusable after: %s",
                        c->recv_dead);
        switch (take_frame(c, env, err)) {
        case TAKE_GOT:
            return true;
        case TAKE_BAD:
            return false;
        case TAKE_NEED_MORE:
            break;
        }
        if (!read_more(c, deadline, what, err))
            return false;
    }
}

static bool is_closing_error(const Yanxiu__V1__Envelope *env)
{
    return env->request_id == 0 && env->body_case == YANXIU__V1__ENVELOPE__BODY_ERROR;
}

static void note_closing(struct yxc *c, const Yanxiu__V1__Envelope *env)
{
    struct yxc_error e;
    (void)yxc_check(env, &e);
    keep_text(c->closing, sizeof(c->closing), e.message);
}

static bool hold(struct yxc *c, Yanxiu__V1__Envelope *env, struct yxc_error *err)
{
    struct held *h = malloc(sizeof(*h));
    if (!h) {
        yxc_free(env);
        return FAIL(err, YXC_ERR_IO, "out of memory keeping a response from %s", c->peer);
    }
    h->next = NULL;
    h->env = env;
    *c->held_tail = h;
    c->held_tail = &h->next;
    return true;
}

/* Removes and returns the held response to `id`; id 0 takes the oldest. */
static Yanxiu__V1__Envelope *unhold(struct yxc *c, uint64_t id)
{
    for (struct held **p = &c->held; *p; p = &(*p)->next) {
        if (id != 0 && (*p)->env->request_id != id)
            continue;
        struct held *h = *p;
        Yanxiu__V1__Envelope *env = h->env;
        *p = h->next;
        if (c->held_tail == &h->next)
            c->held_tail = p;
        free(h);
        return env;
    }
    return NULL;
}

/*
 * After a failed send: the server may have said why before it closed (an
 * Error with request id 0, e.g. over the connection limit). Reads what has
 * already arrived, without waiting, and when that Error is there, replaces
 * the I/O error in err with it.
 */
static void salvage_server_error(struct yxc *c, struct yxc_error *err)
{
    struct yxc_error scratch;
    short want = POLLIN;
    uint64_t before;
    do {
        before = c->received;
        if (!can_read(c) || c->in.len >= MAX_BUFFERED || !read_once(c, &want, true, &scratch))
            break;
    } while (c->received != before);

    Yanxiu__V1__Envelope *env;
    while (!c->recv_dead[0] && take_frame(c, &env, &scratch) == TAKE_GOT) {
        if (is_closing_error(env)) {
            note_closing(c, env);
            (void)yxc_check(env, err);
            yxc_free(env);
            return;
        }
        if (!hold(c, env, &scratch))
            return;
    }
}

/* --- public API --------------------------------------------------------------- */

bool yxc_parse_server(const char *spec, char *host, size_t hostlen, uint16_t *port,
                      struct yxc_error *err)
{
    static const char expect[] = "expected HOST:PORT, HOST or [IPV6]:PORT, e.g. 127.0.0.1:7433";
    if (!spec || !*spec)
        return FAIL(err, YXC_ERR_USAGE, "empty server address: %s", expect);

    const char *h = spec, *p = NULL;
    size_t hlen;
    if (spec[0] == '[') {
        const char *close = strchr(spec, ']');
        if (!close)
            return FAIL(err, YXC_ERR_USAGE, "server address '%s' has no ']': %s", spec, expect);
        h = spec + 1;
        hlen = (size_t)(close - h);
        if (close[1] == ':')
            p = close + 2;
        else if (close[1] != '\0')
            return FAIL(err, YXC_ERR_USAGE, "server address '%s': junk after ']': %s", spec,
                        expect);
    } else {
        const char *colon = strchr(spec, ':');
        if (colon && !strchr(colon + 1, ':')) {
            hlen = (size_t)(colon - spec);
            p = colon + 1;
        } else {
            /* No colon, or several: a bare IPv6 address without a port. */
            hlen = strlen(spec);
        }
    }
    if (hlen == 0)
        return FAIL(err, YXC_ERR_USAGE, "server address '%s' names no host: %s", spec, expect);
    if (hlen >= hostlen)
        return FAIL(err, YXC_ERR_USAGE, "server address '%s': host name longer than %zu bytes",
                    spec, hostlen - 1);

    unsigned long n = YXC_DEFAULT_PORT;
    if (p) {
        /* Digits only: strtoul alone would take " 12", "+12" and "-1". */
        bool digits = p[0] != '\0' && strspn(p, "0123456789") == strlen(p);
        errno = 0;
        n = digits ? strtoul(p, NULL, 10) : 0;
        if (!digits || errno || n < 1 || n > 65535)
            return FAIL(err, YXC_ERR_USAGE,
                        "server address '%s': port '%s' is not a number from 1 to 65535", spec, p);
    }
    memcpy(host, h, hlen);
    host[hlen] = '\0';
    *port = (uint16_t)n;
    return true;
}

static void append(char *buf, size_t cap, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* snprintf onto the end of buf; stops quietly when buf is full. */
static void append(char *buf, size_t cap, const char *fmt, ...)
{
    size_t len = strlen(buf);
    if (len + 1 >= cap)
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf + len, cap - len, fmt, ap);
    va_end(ap);
}

/*
 * Tries one address. Returns the connected socket, or -1 with the reason
 * appended to `why`; *out_of_time tells the caller not to try the next one.
 */
static int connect_one(const struct addrinfo *ai, int64_t deadline, int timeout_ms, char *why,
                       size_t whylen, bool *out_of_time)
{
    char addr[NI_MAXHOST];
    if (getnameinfo(ai->ai_addr, ai->ai_addrlen, addr, sizeof(addr), NULL, 0, NI_NUMERICHOST))
        snprintf(addr, sizeof(addr), "?");
    append(why, whylen, "%s%s: ", why[0] ? "; " : "", addr);

    int fd = socket(ai->ai_family, ai->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC, ai->ai_protocol);
    if (fd < 0) {
        append(why, whylen, "socket: %s", strerror(errno));
        return -1;
    }
    if (connect(fd, ai->ai_addr, ai->ai_addrlen) != 0) {
        if (errno != EINPROGRESS && errno != EINTR) {
            append(why, whylen, "%s", strerror(errno));
            close(fd);
            return -1;
        }
        struct pollfd p = {.fd = fd, .events = POLLOUT};
        int r;
        while ((r = poll(&p, 1, poll_timeout(deadline))) < 0 && errno == EINTR)
            ;
        if (r == 0) {
            append(why, whylen, "no answer within %.1f s", timeout_ms / 1000.0);
            *out_of_time = true;
            close(fd);
            return -1;
        }
        int soerr = 0;
        socklen_t slen = sizeof(soerr);
        if (r < 0 || getsockopt(fd, SOL_SOCKET, SO_ERROR, &soerr, &slen) != 0)
            soerr = errno;
        if (soerr) {
            append(why, whylen, "%s", strerror(soerr));
            close(fd);
            return -1;
        }
    }
    /* Requests are small and we wait for each answer: Nagle would only add delay.
       Failing to set it costs latency, not correctness, so it is not an error. */
    int one = 1;
    (void)setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
    return fd;
}

/* --- TLS ---------------------------------------------------------------------------- */

/*
 * A socket BIO that reads with recv and writes with send(MSG_NOSIGNAL): the
 * stock one uses write(2), and a server that closes on us would raise a
 * SIGPIPE that kills the caller. Control calls (fd, EOF flag) stay the stock ones.
 */
static BIO_METHOD *nosigpipe_method;

static int nosigpipe_write(BIO *b, const char *data, int len)
{
    BIO_clear_retry_flags(b);
    ssize_t r = send(BIO_get_fd(b, NULL), data, (size_t)len, MSG_NOSIGNAL);
    if (r < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR))
        BIO_set_retry_write(b);
    return (int)r;
}

static int nosigpipe_read(BIO *b, char *buf, int len)
{
    BIO_clear_retry_flags(b);
    ssize_t r = recv(BIO_get_fd(b, NULL), buf, (size_t)len, 0);
    if (r == 0)
        BIO_set_flags(b, BIO_FLAGS_IN_EOF); /* what the stock socket BIO reports as EOF */
    else if (r < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR))
        BIO_set_retry_read(b);
    return (int)r;
}

static void nosigpipe_init(void)
{
    const BIO_METHOD *stock = BIO_s_socket();
    BIO_METHOD *m = BIO_meth_new(BIO_get_new_index() | BIO_TYPE_SOURCE_SINK | BIO_TYPE_DESCRIPTOR,
                                 "yxc socket");
    if (!m)
        return;
    if (!BIO_meth_set_write(m, nosigpipe_write) || !BIO_meth_set_read(m, nosigpipe_read) ||
        !BIO_meth_set_ctrl(m, BIO_meth_get_ctrl(stock)) ||
        !BIO_meth_set_create(m, BIO_meth_get_create(stock)) ||
        !BIO_meth_set_destroy(m, BIO_meth_get_destroy(stock))) {
        BIO_meth_free(m);
        return;
    }
    nosigpipe_method = m;
}

static bool is_ip_literal(const char *s)
{
    unsigned char buf[sizeof(struct in6_addr)];
    return inet_pton(AF_INET, s, buf) == 1 || inet_pton(AF_INET6, s, buf) == 1;
}

bool yxc_host_is_loopback(const char *host)
{
    struct in_addr a4;
    struct in6_addr a6;
    if (inet_pton(AF_INET, host, &a4) == 1)
        return (ntohl(a4.s_addr) >> 24) == 127;
    if (inet_pton(AF_INET6, host, &a6) == 1) {
        if (IN6_IS_ADDR_LOOPBACK(&a6))
            return true;
        return IN6_IS_ADDR_V4MAPPED(&a6) && a6.s6_addr[12] == 127;
    }
    return strcasecmp(host, "localhost") == 0 || strcasecmp(host, "localhost.") == 0;
}

/* Appends certificate text, with anything but printable ASCII shown as '?' (it is the peer's). */
static void append_cert_text(char *buf, size_t cap, const unsigned char *s, size_t len)
{
    size_t used = strlen(buf);
    for (size_t i = 0; i < len && used + 1 < cap; i++)
        buf[used++] = (char)(s[i] >= 0x20 && s[i] < 0x7f ? s[i] : '?');
    buf[used] = '\0';
}

/* Lists the subjectAltName DNS and IP entries of cert (else its CN) into buf. */
static void describe_cert_names(X509 *cert, char *buf, size_t cap)
{
    buf[0] = '\0';
    GENERAL_NAMES *names = X509_get_ext_d2i(cert, NID_subject_alt_name, NULL, NULL);
    for (int i = 0; names && i < sk_GENERAL_NAME_num(names); i++) {
        const GENERAL_NAME *g = sk_GENERAL_NAME_value(names, i);
        if (g->type == GEN_DNS) {
            append(buf, cap, "%sDNS:", buf[0] ? ", " : "");
            append_cert_text(buf, cap, ASN1_STRING_get0_data(g->d.dNSName),
                             (size_t)ASN1_STRING_length(g->d.dNSName));
        } else if (g->type == GEN_IPADD) {
            char ip[INET6_ADDRSTRLEN] = "?";
            int len = ASN1_STRING_length(g->d.iPAddress);
            const unsigned char *a = ASN1_STRING_get0_data(g->d.iPAddress);
            if (len == 4 || len == 16)
                (void)inet_ntop(len == 4 ? AF_INET : AF_INET6, a, ip, sizeof(ip));
            append(buf, cap, "%sIP:%s", buf[0] ? ", " : "", ip);
        }
    }
    GENERAL_NAMES_free(names);
    if (buf[0])
        return;
    char cn[256];
    int n = X509_NAME_get_text_by_NID(X509_get_subject_name(cert), NID_commonName, cn, sizeof(cn));
    if (n > 0) {
        append(buf, cap, "CN=");
        append_cert_text(buf, cap, (const unsigned char *)cn, strlen(cn));
    } else {
        append(buf, cap, "no name at all");
    }
}

/* Records the server certificate's names for the error messages; decides nothing. */
static int note_cert_names(int ok, X509_STORE_CTX *store)
{
    SSL *ssl = X509_STORE_CTX_get_ex_data(store, SSL_get_ex_data_X509_STORE_CTX_idx());
    struct yxc *c = ssl ? SSL_get_app_data(ssl) : NULL;
    X509 *leaf = X509_STORE_CTX_get0_cert(store);
    if (c && leaf && !c->cert_names[0])
        describe_cert_names(leaf, c->cert_names, sizeof(c->cert_names));
    return ok;
}

/* A TLS failure while connecting: YXC_ERR_CONNECT with err->tls set. */
static bool tls_fail(struct yxc_error *err, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static bool tls_fail(struct yxc_error *err, const char *fmt, ...)
{
    err->fail = YXC_ERR_CONNECT;
    err->code = 0;
    err->timed_out = false;
    err->tls = true;
    err->outcome_unknown = false;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err->message, sizeof(err->message), fmt, ap);
    va_end(ap);
    return false;
}

/* A client context: TLS 1.2+, peer verification on, trusting ca_file or the system store. */
static SSL_CTX *tls_client_ctx(const char *ca_file, struct yxc_error *err)
{
    char why[160];
    SSL_CTX *ctx = SSL_CTX_new(TLS_client_method());
    if (!ctx) {
        set_error(err, YXC_ERR_CONNECT, "cannot set up TLS: %s",
                  tls_reason(why, sizeof(why), "out of memory"));
        return NULL;
    }
    SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, note_cert_names);
    /* A server that closes without close_notify is a closed connection: frames have
       their own lengths, so a cut-off answer is still noticed. */
    SSL_CTX_set_options(ctx, SSL_OP_IGNORE_UNEXPECTED_EOF | SSL_OP_NO_RENEGOTIATION);
    SSL_CTX_set_mode(ctx, SSL_MODE_ENABLE_PARTIAL_WRITE | SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
    if (!SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION)) {
        set_error(err, YXC_ERR_CONNECT, "cannot require TLS 1.2: %s",
                  tls_reason(why, sizeof(why), "unknown"));
        goto fail;
    }
    if (ca_file) {
        FILE *f = fopen(ca_file, "r");
        if (!f) {
            set_error(err, YXC_ERR_USAGE, "cannot read the CA file %s: %s", ca_file,
                      strerror(errno));
            goto fail;
        }
        fclose(f);
        if (SSL_CTX_load_verify_locations(ctx, ca_file, NULL) != 1) {
            set_error(err, YXC_ERR_USAGE,
                      "the CA file %s holds no usable PEM certificate (%s): give the "
                      "certificate of the CA that signed the server's, in PEM",
                      ca_file, tls_reason(why, sizeof(why), "no certificate found"));
            goto fail;
        }
    } else if (SSL_CTX_set_default_verify_paths(ctx) != 1) {
        set_error(err, YXC_ERR_CONNECT,
                  "cannot load the system's trusted CAs (%s): give the "
                  "CA with --ca FILE or YANXIU_CA",
                  tls_reason(why, sizeof(why), "unknown"));
        goto fail;
    }
    return ctx;
fail:
    SSL_CTX_free(ctx);
    return NULL;
}

/* Why SSL_connect failed, as one sentence for a person. */
static bool handshake_failed(struct yxc *c, int r, const char *name, const char *ca_file,
                             struct yxc_error *err)
{
    long verify = SSL_get_verify_result(c->ssl);
    int saved = errno;
    int e = SSL_get_error(c->ssl, r);
    char why[160];
    c->tls_broken = true;
    if (verify == X509_V_ERR_HOSTNAME_MISMATCH || verify == X509_V_ERR_IP_ADDRESS_MISMATCH) {
        ERR_clear_error();
        return tls_fail(err,
                        "the server's certificate does not match the name '%s' (it is for %s): "
                        "connect by a name the certificate holds, or give the server a "
                        "certificate for '%s'",
                        name, c->cert_names[0] ? c->cert_names : "other names", name);
    }
    if (verify != X509_V_OK) {
        ERR_clear_error();
        if (ca_file)
            return tls_fail(err,
                            "the server's certificate is not trusted (certificate verify failed: "
                            "%s; CA file %s); give the CA with --ca FILE or YANXIU_CA",
                            X509_verify_cert_error_string(verify), ca_file);
        return tls_fail(err,
                        "the server's certificate is not trusted (certificate verify failed: "
                        "%s); give the CA with --ca FILE or YANXIU_CA",
                        X509_verify_cert_error_string(verify));
    }
    if (e == SSL_ERROR_SYSCALL || e == SSL_ERROR_ZERO_RETURN) {
        ERR_clear_error();
        const char *what =
            e == SSL_ERROR_SYSCALL && saved ? strerror(saved) : "the server closed the connection";
        return tls_fail(err, "TLS handshake with %s failed: is the server speaking TLS? (%s)",
                        c->peer, what);
    }
    tls_reason(why, sizeof(why), "unknown");
    /* An alert from the server: it does speak TLS, but refused us. */
    if (strstr(why, "alert"))
        return tls_fail(err, "TLS handshake with %s failed: the server refused it (%s)", c->peer,
                        why);
    return tls_fail(err, "TLS handshake with %s failed: is the server speaking TLS? (%s)", c->peer,
                    why);
}

/*
 * Runs the TLS handshake on the connected c->fd, polling until `deadline`.
 * Takes over ctx. False with err filled (and c->ssl possibly set, for
 * yxc_close to free).
 */
static bool tls_start(struct yxc *c, SSL_CTX *ctx, const char *host, const struct yxc_options *o,
                      int64_t deadline, struct yxc_error *err)
{
    static pthread_once_t once = PTHREAD_ONCE_INIT;
    (void)pthread_once(&once, nosigpipe_init);
    const char *name = o->server_name ? o->server_name : host;
    char why[160];

    c->ssl = SSL_new(ctx);
    SSL_CTX_free(ctx); /* the SSL keeps its own reference */
    BIO *bio = nosigpipe_method ? BIO_new(nosigpipe_method) : NULL;
    if (!c->ssl || !bio) {
        BIO_free(bio);
        c->tls_broken = true;
        return FAIL(err, YXC_ERR_CONNECT, "cannot set up TLS: %s",
                    tls_reason(why, sizeof(why), "out of memory"));
    }
    BIO_set_fd(bio, c->fd, BIO_NOCLOSE);
    SSL_set_bio(c->ssl, bio, bio);
    SSL_set_app_data(c->ssl, c);

    bool named = false;
    if (is_ip_literal(name)) {
        /* No SNI for an address (RFC 6066); the certificate must list it as an IP entry. */
        named = X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(c->ssl), name) == 1;
    } else {
        SSL_set_hostflags(c->ssl, X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS);
        named = SSL_set_tlsext_host_name(c->ssl, name) == 1 && SSL_set1_host(c->ssl, name) == 1;
    }
    if (!named) {
        c->tls_broken = true;
        return FAIL(err, YXC_ERR_USAGE,
                    "cannot check the server's certificate for the name '%s': %s", name,
                    tls_reason(why, sizeof(why), "not a valid host name"));
    }

    for (;;) {
        ERR_clear_error();
        int r = SSL_connect(c->ssl);
        if (r == 1)
            return true;
        short events;
        switch (SSL_get_error(c->ssl, r)) {
        case SSL_ERROR_WANT_READ:
            events = POLLIN;
            break;
        case SSL_ERROR_WANT_WRITE:
            events = POLLOUT;
            break;
        default:
            return handshake_failed(c, r, name, o->ca_file, err);
        }
        struct pollfd p = {.fd = c->fd, .events = events};
        int pr;
        while ((pr = poll(&p, 1, poll_timeout(deadline))) < 0 && errno == EINTR)
            ;
        if (pr == 0) {
            c->tls_broken = true;
            tls_fail(err, "no TLS handshake with %s within %.1f s: is the server speaking TLS?",
                     c->peer, o->timeout_ms / 1000.0);
            err->timed_out = true;
            return false;
        }
        if (pr < 0) {
            c->tls_broken = true;
            return FAIL(err, YXC_ERR_CONNECT, "poll failed during the TLS handshake with %s: %s",
                        c->peer, strerror(errno));
        }
    }
}

bool yxc_is_tls(const struct yxc *c)
{
    return c->ssl != NULL;
}

struct yxc *yxc_connect(const char *host, uint16_t port, int timeout_ms, struct yxc_error *err)
{
    struct yxc_options o = {.timeout_ms = timeout_ms};
    return yxc_connect_opts(host, port, &o, err);
}

struct yxc *yxc_connect_opts(const char *host, uint16_t port, const struct yxc_options *opts,
                             struct yxc_error *err)
{
    int timeout_ms = opts->timeout_ms;
    /* Settle the TLS side first: a CA file that cannot be read needs no server to fail. */
    SSL_CTX *ctx = NULL;
    if (opts->tls && !(ctx = tls_client_ctx(opts->ca_file, err)))
        return NULL;
    char peer[sizeof(((struct yxc *)0)->peer)];
    snprintf(peer, sizeof(peer), strchr(host, ':') ? "[%s]:%u" : "%s:%u", host, (unsigned)port);
    char portstr[8];
    snprintf(portstr, sizeof(portstr), "%u", (unsigned)port);

    struct addrinfo hints = {
        .ai_family = AF_UNSPEC,
        .ai_socktype = SOCK_STREAM,
        .ai_protocol = IPPROTO_TCP,
        .ai_flags = AI_NUMERICSERV,
    };
    struct addrinfo *res = NULL;
    int rc = getaddrinfo(host, portstr, &hints, &res);
    if (rc != 0) {
        set_error(err, YXC_ERR_CONNECT, "could not resolve '%s': %s", host,
                  rc == EAI_SYSTEM ? strerror(errno) : gai_strerror(rc));
        goto fail;
    }

    int64_t deadline = deadline_after(timeout_ms);
    char why[400] = "";
    bool out_of_time = false;
    int fd = -1;
    for (const struct addrinfo *ai = res; ai && fd < 0 && !out_of_time; ai = ai->ai_next)
        fd = connect_one(ai, deadline, timeout_ms, why, sizeof(why), &out_of_time);
    freeaddrinfo(res);
    if (fd < 0) {
        set_error(err, YXC_ERR_CONNECT, "could not connect to %s (%s)", peer, why);
        err->timed_out = out_of_time;
        goto fail;
    }

    struct yxc *c = calloc(1, sizeof(*c));
    if (!c) {
        close(fd);
        set_error(err, YXC_ERR_CONNECT, "out of memory connecting to %s", peer);
        goto fail;
    }
    c->fd = fd;
    c->timeout_ms = DEFAULT_TIMEOUT_MS;
    c->next_id = 1;
    c->held_tail = &c->held;
    frame_reader_init(&c->in, FRAME_DEFAULT_MAX);
    memcpy(c->peer, peer, sizeof(c->peer));
    if (ctx && !tls_start(c, ctx, host, opts, deadline, err)) {
        yxc_close(c);
        return NULL;
    }
    return c;
fail:
    SSL_CTX_free(ctx);
    return NULL;
}

void yxc_close(struct yxc *c)
{
    if (!c)
        return;
    Yanxiu__V1__Envelope *env;
    while ((env = unhold(c, 0)))
        yxc_free(env);
    frame_reader_free(&c->in);
    if (c->token)
        explicit_bzero(c->token, c->token_len);
    free(c->token);
    if (c->ssl) {
        /* One try at close_notify, without waiting for the server's. */
        if (!c->tls_broken && !c->send_dead[0])
            (void)SSL_shutdown(c->ssl);
        SSL_free(c->ssl);
        ERR_clear_error();
    }
    close(c->fd);
    free(c);
}

void yxc_set_token(struct yxc *c, const uint8_t *token, size_t len)
{
    if (c->token)
        explicit_bzero(c->token, c->token_len);
    free(c->token);
    c->token = NULL;
    c->token_len = 0;
    if (!token || len == 0)
        return;
    c->token = malloc(len);
    /* Out of memory: send no token; the server answers UNAUTHENTICATED, which says enough. */
    if (!c->token)
        return;
    memcpy(c->token, token, len);
    c->token_len = len;
}

void yxc_set_timeout(struct yxc *c, int timeout_ms)
{
    c->timeout_ms = timeout_ms;
}

static bool write_bytes(struct yxc *c, const uint8_t *data, size_t len, const char *what,
                        struct yxc_error *err)
{
    if (c->send_dead[0])
        return FAIL(err, YXC_ERR_IO, "the connection takes no more requests after: %s",
                    c->send_dead);
    if (write_all(c, data, len, deadline_after(c->timeout_ms), what, err))
        return true;
    /* Part of a frame may have gone out: whatever we sent next would be misread. */
    keep_text(c->send_dead, sizeof(c->send_dead), err->message);
    return false;
}

bool yxc_send(struct yxc *c, Yanxiu__V1__Envelope *env, uint64_t *id, struct yxc_error *err)
{
    uint64_t rid = c->next_id;
    ProtobufCBinaryData caller_token = env->session_token;
    env->request_id = rid;
    if (caller_token.len == 0 && c->token_len > 0) {
        env->session_token.data = c->token;
        env->session_token.len = c->token_len;
    }
    size_t need = yanxiu__v1__envelope__get_packed_size(env);
    size_t len = 0;
    uint8_t *buf = need > FRAME_DEFAULT_MAX ? NULL : frame_pack(env, FRAME_DEFAULT_MAX, &len);
    env->session_token = caller_token;
    if (need > FRAME_DEFAULT_MAX)
        return FAIL(err, YXC_ERR_USAGE,
                    "request is %zu bytes, above the %u-byte frame limit: send it in parts", need,
                    FRAME_DEFAULT_MAX);
    if (!buf)
        return FAIL(err, YXC_ERR_IO, "out of memory packing a %zu-byte request", need);

    c->next_id++;
    *id = rid;
    char what[sizeof(c->peer) + 64];
    snprintf(what, sizeof(what), "sending request %" PRIu64 " to %s", rid, c->peer);
    bool ok = write_bytes(c, buf, len, what, err);
    /* The frame may hold a password (Login) and holds the token. */
    explicit_bzero(buf, len);
    free(buf);
    return ok;
}

bool yxc_await(struct yxc *c, uint64_t id, Yanxiu__V1__Envelope **resp, struct yxc_error *err)
{
    *resp = NULL;
    if (id == 0 || id >= c->next_id)
        return FAIL(err, YXC_ERR_USAGE, "request %" PRIu64 " was never sent on this connection",
                    id);
    Yanxiu__V1__Envelope *env = unhold(c, id);
    if (env) {
        *resp = env;
        return true;
    }

    char what[sizeof(c->peer) + 64];
    snprintf(what, sizeof(what), "waiting for the response to request %" PRIu64 " from %s", id,
             c->peer);
    int64_t deadline = deadline_after(c->timeout_ms);
    for (;;) {
        if (!next_frame(c, deadline, what, &env, err))
            return false;
        if (env->request_id == id) {
            *resp = env;
            return true;
        }
        if (is_closing_error(env)) {
            note_closing(c, env);
            *resp = env;
            return true;
        }
        if (env->request_id == 0 || env->request_id >= c->next_id) {
            set_error(err, YXC_ERR_PROTOCOL,
                      "the server at %s sent %s for request %" PRIu64 ", which was never sent",
                      c->peer, yxc_body_name(env->body_case), env->request_id);
            yxc_free(env);
            keep_text(c->recv_dead, sizeof(c->recv_dead), err->message);
            return false;
        }
        if (!hold(c, env, err))
            return false;
    }
}

bool yxc_call(struct yxc *c, Yanxiu__V1__Envelope *req, Yanxiu__V1__Envelope__BodyCase expect,
              Yanxiu__V1__Envelope **resp, struct yxc_error *err)
{
    *resp = NULL;
    uint64_t id = 0;
    if (!yxc_send(c, req, &id, err)) {
        if (err->fail == YXC_ERR_IO)
            salvage_server_error(c, err);
        return false;
    }
    Yanxiu__V1__Envelope *env = NULL;
    if (!yxc_await(c, id, &env, err))
        return false;
    if (!yxc_check(env, err)) {
        yxc_free(env);
        return false;
    }
    if (env->body_case != expect) {
        set_error(err, YXC_ERR_PROTOCOL, "the server at %s answered %s request %" PRIu64 " with %s",
                  c->peer, yxc_body_name(req->body_case), id, yxc_body_name(env->body_case));
        yxc_free(env);
        return false;
    }
    *resp = env;
    return true;
}

/*
 * Appends server-supplied text, with control characters other than newline
 * made visible as '?' so that a message cannot drive the user's terminal.
 */
static void append_text(char *buf, size_t cap, const char *s)
{
    size_t len = strlen(buf);
    for (; s && *s && len + 1 < cap; s++) {
        unsigned char ch = (unsigned char)*s;
        buf[len++] = (char)(((ch < 0x20 && ch != '\n') || ch == 0x7f) ? '?' : ch);
    }
    buf[len] = '\0';
}

bool yxc_check(const Yanxiu__V1__Envelope *env, struct yxc_error *err)
{
    err->tls = false;
    err->outcome_unknown = false;
    if (env && env->body_case != YANXIU__V1__ENVELOPE__BODY_ERROR) {
        err->fail = YXC_OK;
        err->code = 0;
        err->timed_out = false;
        err->message[0] = '\0';
        return true;
    }
    if (!env || !env->error)
        return FAIL(err, YXC_ERR_PROTOCOL, "no response");

    const Yanxiu__V1__Error *e = env->error;
    char *m = err->message;
    size_t cap = sizeof(err->message);
    err->fail = YXC_ERR_SERVER;
    err->code = (int)e->code;
    err->timed_out = false;
    err->outcome_unknown = e->outcome_unknown;
    snprintf(m, cap, "%s", frame_code_name((int)e->code));
    if (e->message && e->message[0]) {
        append(m, cap, ": ");
        append_text(m, cap, e->message);
    }
    for (size_t i = 0; i < e->n_violations; i++) {
        const Yanxiu__V1__FieldViolation *v = e->violations[i];
        if (!v)
            continue;
        append(m, cap, "\n  ");
        append_text(m, cap, v->path && v->path[0] ? v->path : "(request)");
        append(m, cap, ": ");
        append_text(m, cap, v->reason);
    }
    size_t len = strlen(m);
    if (len + 1 >= cap) {
        /* Full: end with "..." and do not leave half a UTF-8 character before it. */
        size_t cut = cap - 4;
        while (cut > 0 && ((unsigned char)m[cut] & 0xC0) == 0x80)
            cut--;
        memcpy(m + cut, "...", 4);
    }
    return false;
}

const char *yxc_body_name(Yanxiu__V1__Envelope__BodyCase body)
{
    if (body == YANXIU__V1__ENVELOPE__BODY__NOT_SET)
        return "an empty body";
    const ProtobufCFieldDescriptor *f =
        protobuf_c_message_descriptor_get_field(&yanxiu__v1__envelope__descriptor, (unsigned)body);
    return f ? f->name : "an unknown body";
}

void yxc_free(Yanxiu__V1__Envelope *env)
{
    if (env)
        yanxiu__v1__envelope__free_unpacked(env, NULL);
}

bool yxc_send_raw(struct yxc *c, const void *data, size_t len, struct yxc_error *err)
{
    char what[sizeof(c->peer) + 32];
    snprintf(what, sizeof(what), "sending raw bytes to %s", c->peer);
    return write_bytes(c, data, len, what, err);
}

bool yxc_read_any(struct yxc *c, Yanxiu__V1__Envelope **resp, struct yxc_error *err)
{
    *resp = unhold(c, 0);
    if (*resp)
        return true;
    char what[sizeof(c->peer) + 32];
    snprintf(what, sizeof(what), "waiting for a frame from %s", c->peer);
    if (!next_frame(c, deadline_after(c->timeout_ms), what, resp, err))
        return false;
    if (is_closing_error(*resp))
        note_closing(c, *resp);
    return true;
}

bool yxc_wait_closed(struct yxc *c, int timeout_ms)
{
    int64_t deadline = deadline_after(timeout_ms);
    struct yxc_error err;
    short want = POLLIN;
    while (can_read(c)) {
        struct pollfd p = {.fd = c->fd, .events = want};
        int r = tls_buffered(c) ? 1 : poll(&p, 1, poll_timeout(deadline));
        if (r == 0)
            return false;
        if (r < 0) {
            if (errno == EINTR)
                continue;
            return false;
        }
        want = POLLIN;
        /* Past MAX_BUFFERED keep nothing more, but still find out whether the peer closes. */
        if (!read_once(c, &want, c->in.len < MAX_BUFFERED, &err))
            return false;
    }
    return true;
}
