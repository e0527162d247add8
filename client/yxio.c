/*
 * yxio: the transport under the client library. The socket is non-blocking
 * underneath so that every wait goes through poll with a deadline; all bytes
 * pass through io_read/io_write, which speak TLS (OpenSSL) when asked to.
 */
#include "yxio.h"

#include <arpa/inet.h>
#include <errno.h>
#include <limits.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <openssl/err.h>
#include <openssl/x509v3.h>
#include <poll.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "lang.h"
#include "text.h"

#define DEFAULT_TIMEOUT_MS 30000
#define READ_CHUNK         65536

static void verror(struct yxc_error *err, enum yxc_fail f, const char *fmt, va_list ap)
    __attribute__((format(printf, 3, 0)));

static void verror(struct yxc_error *err, enum yxc_fail f, const char *fmt, va_list ap)
{
    err->fail = f;
    err->code = 0;
    err->timed_out = false;
    err->tls = false;
    err->outcome_unknown = false;
    vsnprintf(err->message, sizeof(err->message), fmt, ap);
}

void yxio_error(struct yxc_error *err, enum yxc_fail f, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    verror(err, f, fmt, ap);
    va_end(ap);
}

#define FAIL(err, ...) YXIO_FAIL(err, __VA_ARGS__)

void yxio_keep_text(char *dst, size_t cap, const char *src)
{
    size_t n = text_utf8_prefix(src, strlen(src), cap - 1);
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

int64_t yxio_deadline(int timeout_ms)
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
static enum io_status tls_status(struct yxio *c, int r, size_t *n, short *want, bool reading)
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
        snprintf(c->io_why, sizeof(c->io_why), _("TLS error: %s"),
                 tls_reason(why, sizeof(why), _("unknown")));
        return IO_FAILED;
    }
}

static enum io_status io_write(struct yxio *c, const uint8_t *data, size_t len, size_t *n,
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

static enum io_status io_read(struct yxio *c, uint8_t *buf, size_t cap, size_t *n, short *want)
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
static bool tls_buffered(const struct yxio *c)
{
    return c->ssl && SSL_pending(c->ssl) > 0;
}

/* --- waiting and moving bytes ------------------------------------------------- */

static bool timed_out(struct yxio *c, const char *what, struct yxc_error *err)
{
    yxio_error(err, YXC_ERR_IO, _("timed out after %.1f s %s"), c->timeout_ms / 1000.0, what);
    err->timed_out = true;
    return false;
}

/*
 * Waits until one of `events` is ready (or an error/hangup, which the next
 * read or write will report). False with err filled when the deadline passes.
 */
static bool wait_ready(struct yxio *c, short events, int64_t deadline, const char *what,
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
            return FAIL(err, YXC_ERR_IO, _("poll failed while %s: %s"), what, strerror(errno));
    }
}

static bool closed_error(struct yxio *c, const char *what, struct yxc_error *err)
{
    const char *mid = c->in.len > c->in.pending ? " in the middle of a frame" : "";
    if (c->closing[0])
        return FAIL(err, YXC_ERR_IO, _("the server closed the connection%s while %s, after: %s"), mid,
                    what, c->closing);
    if (c->read_errno)
        return FAIL(err, YXC_ERR_IO, _("lost the connection%s while %s: %s"), mid, what, c->read_why);
    return FAIL(err, YXC_ERR_IO, _("the server closed the connection%s while %s"), mid, what);
}

/*
 * Reads once what the socket has into c->in (or drops it when !keep). Marks
 * EOF or a read error on c rather than failing: buffered frames come first.
 */
static bool read_once(struct yxio *c, short *want, bool keep, struct yxc_error *err)
{
    uint8_t buf[READ_CHUNK];
    size_t n = 0;
    switch (io_read(c, buf, sizeof(buf), &n, want)) {
    case IO_DONE:
        c->received += n;
        if (keep && !frame_reader_feed(&c->in, buf, n))
            return FAIL(err, YXC_ERR_IO, _("out of memory buffering a response from %s"), c->peer);
        return true;
    case IO_EOF:
        c->peer_closed = true;
        return true;
    case IO_FAILED:
        c->read_errno = errno ? errno : EIO;
        yxio_keep_text(c->read_why, sizeof(c->read_why), c->io_why);
        return true;
    case IO_AGAIN:
        return true;
    }
    return true;
}

static bool can_read(const struct yxio *c)
{
    return !c->peer_closed && c->read_errno == 0;
}

bool yxio_read_more(struct yxio *c, int64_t deadline, const char *what, struct yxc_error *err)
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

bool yxio_write_all(struct yxio *c, const uint8_t *data, size_t len, int64_t deadline,
                    const char *what, struct yxc_error *err)
{
    size_t off = 0;
    short want = POLLOUT;
    while (off < len) {
        short events = want;
        if (can_read(c) && c->in.len < YXIO_MAX_BUFFERED)
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
            return FAIL(err, YXC_ERR_IO, _("lost the connection while %s: %s%s%s"), what, c->io_why,
                        c->closing[0] ? ", after: " : "", c->closing);
        }
    }
    return true;
}

void yxio_read_arrived(struct yxio *c)
{
    struct yxc_error scratch;
    short want = POLLIN;
    uint64_t before;
    do {
        before = c->received;
        if (!can_read(c) || c->in.len >= YXIO_MAX_BUFFERED || !read_once(c, &want, true, &scratch))
            break;
    } while (c->received != before);
}

bool yxio_wait_closed(struct yxio *c, int timeout_ms)
{
    int64_t deadline = yxio_deadline(timeout_ms);
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
        /* Past YXIO_MAX_BUFFERED keep nothing more, but still find out whether the peer closes. */
        if (!read_once(c, &want, c->in.len < YXIO_MAX_BUFFERED, &err))
            return false;
    }
    return true;
}

/* --- connecting ------------------------------------------------------------------ */

void yxio_append(char *buf, size_t cap, const char *fmt, ...)
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
    yxio_append(why, whylen, "%s%s: ", why[0] ? "; " : "", addr);

    int fd = socket(ai->ai_family, ai->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC, ai->ai_protocol);
    if (fd < 0) {
        yxio_append(why, whylen, _("socket: %s"), strerror(errno));
        return -1;
    }
    if (connect(fd, ai->ai_addr, ai->ai_addrlen) != 0) {
        if (errno != EINPROGRESS && errno != EINTR) {
            yxio_append(why, whylen, "%s", strerror(errno));
            close(fd);
            return -1;
        }
        struct pollfd p = {.fd = fd, .events = POLLOUT};
        int r;
        while ((r = poll(&p, 1, poll_timeout(deadline))) < 0 && errno == EINTR)
            ;
        if (r == 0) {
            yxio_append(why, whylen, _("no answer within %.1f s"), timeout_ms / 1000.0);
            *out_of_time = true;
            close(fd);
            return -1;
        }
        int soerr = 0;
        socklen_t slen = sizeof(soerr);
        if (r < 0 || getsockopt(fd, SOL_SOCKET, SO_ERROR, &soerr, &slen) != 0)
            soerr = errno;
        if (soerr) {
            yxio_append(why, whylen, "%s", strerror(soerr));
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
            yxio_append(buf, cap, "%sDNS:", buf[0] ? ", " : "");
            append_cert_text(buf, cap, ASN1_STRING_get0_data(g->d.dNSName),
                             (size_t)ASN1_STRING_length(g->d.dNSName));
        } else if (g->type == GEN_IPADD) {
            char ip[INET6_ADDRSTRLEN] = "?";
            int len = ASN1_STRING_length(g->d.iPAddress);
            const unsigned char *a = ASN1_STRING_get0_data(g->d.iPAddress);
            if (len == 4 || len == 16)
                (void)inet_ntop(len == 4 ? AF_INET : AF_INET6, a, ip, sizeof(ip));
            yxio_append(buf, cap, "%sIP:%s", buf[0] ? ", " : "", ip);
        }
    }
    GENERAL_NAMES_free(names);
    if (buf[0])
        return;
    char cn[256];
    int n = X509_NAME_get_text_by_NID(X509_get_subject_name(cert), NID_commonName, cn, sizeof(cn));
    if (n > 0) {
        yxio_append(buf, cap, "CN=");
        append_cert_text(buf, cap, (const unsigned char *)cn, strlen(cn));
    } else {
        yxio_append(buf, cap, _("no name at all"));
    }
}

/* Records the server certificate's names for the error messages; decides nothing. */
static int note_cert_names(int ok, X509_STORE_CTX *store)
{
    SSL *ssl = X509_STORE_CTX_get_ex_data(store, SSL_get_ex_data_X509_STORE_CTX_idx());
    struct yxio *c = ssl ? SSL_get_app_data(ssl) : NULL;
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
    va_list ap;
    va_start(ap, fmt);
    verror(err, YXC_ERR_CONNECT, fmt, ap);
    va_end(ap);
    err->tls = true;
    return false;
}

/* A client context: TLS 1.2+, peer verification on, trusting ca_file or the system store. */
static SSL_CTX *tls_client_ctx(const char *ca_file, struct yxc_error *err)
{
    char why[160];
    SSL_CTX *ctx = SSL_CTX_new(TLS_client_method());
    if (!ctx) {
        yxio_error(err, YXC_ERR_CONNECT, _("cannot set up TLS: %s"),
                   tls_reason(why, sizeof(why), _("out of memory")));
        return NULL;
    }
    SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, note_cert_names);
    /* A server that closes without close_notify is a closed connection: frames have
       their own lengths, so a cut-off answer is still noticed. */
    SSL_CTX_set_options(ctx, SSL_OP_IGNORE_UNEXPECTED_EOF | SSL_OP_NO_RENEGOTIATION);
    SSL_CTX_set_mode(ctx, SSL_MODE_ENABLE_PARTIAL_WRITE | SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
    if (!SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION)) {
        yxio_error(err, YXC_ERR_CONNECT, _("cannot require TLS 1.2: %s"),
                   tls_reason(why, sizeof(why), _("unknown")));
        goto fail;
    }
    if (ca_file) {
        FILE *f = fopen(ca_file, "r");
        if (!f) {
            yxio_error(err, YXC_ERR_USAGE, _("cannot read the CA file %s: %s"), ca_file,
                       strerror(errno));
            goto fail;
        }
        fclose(f);
        if (SSL_CTX_load_verify_locations(ctx, ca_file, NULL) != 1) {
            yxio_error(err, YXC_ERR_USAGE,
                       _("the CA file %s holds no usable PEM certificate (%s): give the "
                       "certificate of the CA that signed the server's, in PEM"),
                       ca_file, tls_reason(why, sizeof(why), _("no certificate found")));
            goto fail;
        }
    } else if (SSL_CTX_set_default_verify_paths(ctx) != 1) {
        yxio_error(err, YXC_ERR_CONNECT,
                   _("cannot load the system's trusted CAs (%s): give the "
                   "CA with --ca FILE or YANXIU_CA"),
                   tls_reason(why, sizeof(why), _("unknown")));
        goto fail;
    }
    return ctx;
fail:
    SSL_CTX_free(ctx);
    return NULL;
}

/* Why SSL_connect failed, as one sentence for a person. */
static bool handshake_failed(struct yxio *c, int r, const char *name, const char *ca_file,
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
                        _("the server's certificate does not match the name '%s' (it is for %s): "
                        "connect by a name the certificate holds, or give the server a "
                        "certificate for '%s'"),
                        name, c->cert_names[0] ? c->cert_names : _("other names"), name);
    }
    if (verify != X509_V_OK) {
        ERR_clear_error();
        if (ca_file)
            return tls_fail(err,
                            _("the server's certificate is not trusted (certificate verify failed: "
                            "%s; CA file %s); give the CA with --ca FILE or YANXIU_CA"),
                            X509_verify_cert_error_string(verify), ca_file);
        return tls_fail(err,
                        _("the server's certificate is not trusted (certificate verify failed: "
                        "%s); give the CA with --ca FILE or YANXIU_CA"),
                        X509_verify_cert_error_string(verify));
    }
    if (e == SSL_ERROR_SYSCALL || e == SSL_ERROR_ZERO_RETURN) {
        ERR_clear_error();
        const char *what =
            e == SSL_ERROR_SYSCALL && saved ? strerror(saved) : _("the server closed the connection");
        return tls_fail(err, _("TLS handshake with %s failed: is the server speaking TLS? (%s)"),
                        c->peer, what);
    }
    tls_reason(why, sizeof(why), _("unknown"));
    /* An alert from the server: it does speak TLS, but refused us. */
    if (strstr(why, "alert"))
        return tls_fail(err, _("TLS handshake with %s failed: the server refused it (%s)"), c->peer,
                        why);
    return tls_fail(err, _("TLS handshake with %s failed: is the server speaking TLS? (%s)"), c->peer,
                    why);
}

/*
 * Runs the TLS handshake on the connected c->fd, polling until `deadline`.
 * Takes over ctx. False with err filled (and c->ssl possibly set, for
 * yxio_close to free).
 */
static bool tls_start(struct yxio *c, SSL_CTX *ctx, const char *host, const struct yxc_options *o,
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
        return FAIL(err, YXC_ERR_CONNECT, _("cannot set up TLS: %s"),
                    tls_reason(why, sizeof(why), _("out of memory")));
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
                    _("cannot check the server's certificate for the name '%s': %s"), name,
                    tls_reason(why, sizeof(why), _("not a valid host name")));
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
            tls_fail(err, _("no TLS handshake with %s within %.1f s: is the server speaking TLS?"),
                     c->peer, o->timeout_ms / 1000.0);
            err->timed_out = true;
            return false;
        }
        if (pr < 0) {
            c->tls_broken = true;
            return FAIL(err, YXC_ERR_CONNECT, _("poll failed during the TLS handshake with %s: %s"),
                        c->peer, strerror(errno));
        }
    }
}

bool yxio_connect(struct yxio *c, const char *host, uint16_t port, const struct yxc_options *opts,
                  struct yxc_error *err)
{
    int timeout_ms = opts->timeout_ms;
    /* Settle the TLS side first: a CA file that cannot be read needs no server to fail. */
    SSL_CTX *ctx = NULL;
    if (opts->tls && !(ctx = tls_client_ctx(opts->ca_file, err)))
        return false;
    char peer[sizeof(c->peer)];
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
        yxio_error(err, YXC_ERR_CONNECT, _("could not resolve '%s': %s"), host,
                   rc == EAI_SYSTEM ? strerror(errno) : gai_strerror(rc));
        goto fail;
    }

    int64_t deadline = yxio_deadline(timeout_ms);
    char why[400] = "";
    bool out_of_time = false;
    int fd = -1;
    for (const struct addrinfo *ai = res; ai && fd < 0 && !out_of_time; ai = ai->ai_next)
        fd = connect_one(ai, deadline, timeout_ms, why, sizeof(why), &out_of_time);
    freeaddrinfo(res);
    if (fd < 0) {
        yxio_error(err, YXC_ERR_CONNECT, _("could not connect to %s (%s)"), peer, why);
        err->timed_out = out_of_time;
        goto fail;
    }

    memset(c, 0, sizeof(*c));
    c->fd = fd;
    c->timeout_ms = DEFAULT_TIMEOUT_MS;
    frame_reader_init(&c->in, FRAME_DEFAULT_MAX);
    memcpy(c->peer, peer, sizeof(c->peer));
    if (ctx && !tls_start(c, ctx, host, opts, deadline, err)) {
        yxio_close(c, true);
        return false;
    }
    return true;
fail:
    SSL_CTX_free(ctx);
    return false;
}

void yxio_close(struct yxio *c, bool close_notify)
{
    frame_reader_free(&c->in);
    if (c->ssl) {
        /* One try at close_notify, without waiting for the server's. */
        if (!c->tls_broken && close_notify)
            (void)SSL_shutdown(c->ssl);
        SSL_free(c->ssl);
        c->ssl = NULL;
        ERR_clear_error();
    }
    close(c->fd);
    c->fd = -1;
}
