/*
 * pg_fault_proxy: a TCP proxy between yanxiud and a PostgreSQL unix socket
 * that loses the connection at the worst moment of a transaction, for the
 * tests of unknown outcomes (tests/integration/unknown_outcome.sh).
 *
 *   pg_fault_proxy PORT_FILE SOCKET CONTROL_FILE
 *
 * Listens on 127.0.0.1 (a port the kernel picks, written to PORT_FILE once
 * listening) and forwards every connection to the unix socket SOCKET. It
 * follows the frontend/backend protocol (the daemon must connect with
 * sslmode=disable gssencmode=disable) and, when a Sync ends a pipeline that
 * executed the prepared statement named in CONTROL_FILE, does what the file
 * says. CONTROL_FILE holds one line "MODE STATEMENT COUNT", read anew at each
 * such Sync (a changed line starts a new count):
 *   off                  forward everything
 *   after_commit S N     forward the Sync, let PostgreSQL commit, then close
 *                        both sides when its ReadyForQuery comes: the daemon
 *                        never hears the answer to a COMMIT that happened
 *   before_sync S N      close both sides instead of forwarding the Sync:
 *                        PostgreSQL rolls the transaction back
 *   hold_answer S N      forward the Sync but never pass the answer on (the
 *                        daemon waits until its side of the connection ends)
 * for the first N such Syncs. Each fault is logged on stdout ("fault: ...").
 * Writes are blocking: meant for test-sized traffic only. Runs until killed.
 */
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#define MAX_PAIRS 32
#define BUF_CAP   (4u << 20) /* one message of the test's traffic fits */

struct stream {
    uint8_t *buf;
    size_t len;
    bool startup; /* the next message is the untyped startup packet */
};

struct pair {
    int client, server; /* -1 when free */
    struct stream up;   /* daemon → PostgreSQL */
    struct stream down; /* PostgreSQL → daemon */
    bool armed;         /* the pipeline so far executed the watched statement */
    bool await_ready;   /* after_commit: withhold everything, close at ReadyForQuery */
    bool hold;          /* hold_answer: withhold everything, close at nothing */
};

static const char *control_path;
static char control_seen[256];
static int fired;
static struct pair pairs[MAX_PAIRS];

/* The control line: mode, statement, count. */
static void read_control(char *mode, size_t mcap, char *stmt, size_t scap, int *count)
{
    char line[256] = "off";
    FILE *f = fopen(control_path, "r");
    if (f) {
        if (!fgets(line, sizeof(line), f))
            snprintf(line, sizeof(line), "off");
        fclose(f);
    }
    line[strcspn(line, "\n")] = '\0';
    if (strcmp(line, control_seen) != 0) {
        snprintf(control_seen, sizeof(control_seen), "%s", line);
        fired = 0;
    }
    char m[32] = "off", s[128] = "";
    int n = 0;
    if (sscanf(line, "%31s %127s %d", m, s, &n) < 1)
        snprintf(m, sizeof(m), "off");
    snprintf(mode, mcap, "%s", m);
    snprintf(stmt, scap, "%s", s);
    *count = n;
}

static void pair_close(struct pair *p, const char *why)
{
    if (why) {
        printf("fault: %s\n", why);
        fflush(stdout);
    }
    if (p->client >= 0)
        close(p->client);
    if (p->server >= 0)
        close(p->server);
    free(p->up.buf);
    free(p->down.buf);
    memset(p, 0, sizeof(*p));
    p->client = p->server = -1;
}

static bool write_all(int fd, const uint8_t *b, size_t n)
{
    while (n > 0) {
        ssize_t w = write(fd, b, n);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return false;
        b += w;
        n -= (size_t)w;
    }
    return true;
}

static uint32_t be32(const uint8_t *b)
{
    return (uint32_t)b[0] << 24 | (uint32_t)b[1] << 16 | (uint32_t)b[2] << 8 | b[3];
}

/* Whether the watched statement is `stmt` in a Bind message body (portal, statement, ...). */
static bool bind_names(const uint8_t *body, size_t len, const char *stmt)
{
    const uint8_t *end = body + len;
    const uint8_t *z = memchr(body, 0, len);
    if (!z || z + 1 >= end)
        return false;
    const char *name = (const char *)z + 1;
    size_t left = (size_t)(end - (z + 1));
    return *stmt && memchr(name, 0, left) && strcmp(name, stmt) == 0;
}

/*
 * Forwards the whole messages buffered from the daemon, acting on a watched
 * Sync. False when the pair was closed.
 */
static bool pump_up(struct pair *p)
{
    struct stream *s = &p->up;
    size_t off = 0;
    while (!p->await_ready) {
        size_t head = s->startup ? 4 : 5;
        if (s->len - off < head)
            break;
        uint32_t mlen = be32(s->buf + off + (s->startup ? 0 : 1));
        size_t total = (s->startup ? 0 : 1) + (size_t)mlen;
        if (mlen < 4 || total > BUF_CAP) {
            pair_close(p, NULL);
            return false;
        }
        if (s->len - off < total)
            break;
        const uint8_t *m = s->buf + off;
        if (!s->startup && m[0] == 'B') {
            char mode[32], stmt[128];
            int count;
            read_control(mode, sizeof(mode), stmt, sizeof(stmt), &count);
            if (bind_names(m + 5, mlen - 4, stmt))
                p->armed = true;
        }
        if (!s->startup && m[0] == 'S' && p->armed) {
            p->armed = false;
            char mode[32], stmt[128];
            int count;
            read_control(mode, sizeof(mode), stmt, sizeof(stmt), &count);
            if (fired < count && strcmp(mode, "before_sync") == 0) {
                fired++;
                /* What came before the Sync goes; the Sync does not. */
                if (off > 0 && !write_all(p->server, s->buf, off)) {
                    pair_close(p, NULL);
                    return false;
                }
                char why[200];
                snprintf(why, sizeof(why), "before_sync %s: closed instead of sending the Sync",
                         stmt);
                pair_close(p, why);
                return false;
            }
            if (fired < count && strcmp(mode, "after_commit") == 0) {
                fired++;
                p->await_ready = true;
            }
            if (fired < count && strcmp(mode, "hold_answer") == 0) {
                fired++;
                p->await_ready = p->hold = true;
                printf("fault: hold_answer %s: the answer is held back\n", stmt);
                fflush(stdout);
            }
        }
        s->startup = false;
        off += total;
    }
    if (off > 0) {
        if (!write_all(p->server, s->buf, off)) {
            pair_close(p, NULL);
            return false;
        }
        memmove(s->buf, s->buf + off, s->len - off);
        s->len -= off;
    }
    return true;
}

/* Forwards PostgreSQL's whole messages, or withholds them while awaiting ReadyForQuery. */
static bool pump_down(struct pair *p)
{
    struct stream *s = &p->down;
    size_t off = 0;
    while (s->len - off >= 5) {
        uint32_t mlen = be32(s->buf + off + 1);
        size_t total = 1 + (size_t)mlen;
        if (mlen < 4 || total > BUF_CAP) {
            pair_close(p, NULL);
            return false;
        }
        if (s->len - off < total)
            break;
        if (p->await_ready && !p->hold && s->buf[off] == 'Z') {
            pair_close(p, "after_commit: PostgreSQL answered the Sync (committed); closed "
                          "without passing the answer on");
            return false;
        }
        off += total;
    }
    if (p->await_ready) /* nothing of this pipeline's answer reaches the daemon */
        off = 0;
    if (off > 0) {
        if (!write_all(p->client, s->buf, off)) {
            pair_close(p, NULL);
            return false;
        }
        memmove(s->buf, s->buf + off, s->len - off);
        s->len -= off;
    }
    return true;
}

static bool fill(struct pair *p, int fd, struct stream *s)
{
    if (s->len == BUF_CAP) {
        pair_close(p, NULL);
        return false;
    }
    ssize_t n = read(fd, s->buf + s->len, BUF_CAP - s->len);
    if (n < 0 && errno == EINTR)
        return true;
    if (n <= 0) {
        pair_close(p, NULL);
        return false;
    }
    s->len += (size_t)n;
    return true;
}

static void accept_one(int lfd, const char *sock_path)
{
    int c = accept(lfd, NULL, NULL);
    if (c < 0)
        return;
    struct pair *p = NULL;
    for (int i = 0; i < MAX_PAIRS && !p; i++)
        if (pairs[i].client < 0)
            p = &pairs[i];
    int s = socket(AF_UNIX, SOCK_STREAM, 0);
    struct sockaddr_un sa = {.sun_family = AF_UNIX};
    snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", sock_path);
    if (!p || s < 0 || connect(s, (struct sockaddr *)&sa, sizeof(sa)) != 0) {
        fprintf(stderr, "pg_fault_proxy: cannot serve a connection (%s)\n",
                p ? strerror(errno) : "too many");
        close(c);
        if (s >= 0)
            close(s);
        return;
    }
    p->client = c;
    p->server = s;
    p->up.buf = malloc(BUF_CAP);
    p->down.buf = malloc(BUF_CAP);
    p->up.startup = true;
    if (!p->up.buf || !p->down.buf)
        pair_close(p, NULL);
}

int main(int argc, char **argv)
{
    if (argc != 4) {
        fprintf(stderr, "usage: pg_fault_proxy PORT_FILE SOCKET CONTROL_FILE\n");
        return 2;
    }
    control_path = argv[3];
    signal(SIGPIPE, SIG_IGN);
    for (int i = 0; i < MAX_PAIRS; i++)
        pairs[i].client = pairs[i].server = -1;
    int lfd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t salen = sizeof(sa);
    if (lfd < 0 || bind(lfd, (struct sockaddr *)&sa, sizeof(sa)) != 0 || listen(lfd, 16) != 0 ||
        getsockname(lfd, (struct sockaddr *)&sa, &salen) != 0) {
        perror("pg_fault_proxy: listen");
        return 1;
    }
    char tmp[4200];
    snprintf(tmp, sizeof(tmp), "%s.tmp", argv[1]);
    FILE *pf = fopen(tmp, "w");
    if (!pf || fprintf(pf, "%u\n", ntohs(sa.sin_port)) < 0 || fclose(pf) != 0 ||
        rename(tmp, argv[1]) != 0) {
        perror("pg_fault_proxy: port file");
        return 1;
    }
    for (;;) {
        struct pollfd fds[1 + 2 * MAX_PAIRS];
        struct pair *who[1 + 2 * MAX_PAIRS];
        int n = 0;
        fds[n++] = (struct pollfd){.fd = lfd, .events = POLLIN};
        for (int i = 0; i < MAX_PAIRS; i++) {
            if (pairs[i].client < 0)
                continue;
            who[n] = &pairs[i];
            fds[n++] = (struct pollfd){.fd = pairs[i].client, .events = POLLIN};
            who[n] = &pairs[i];
            fds[n++] = (struct pollfd){.fd = pairs[i].server, .events = POLLIN};
        }
        if (poll(fds, (nfds_t)n, -1) < 0) {
            if (errno == EINTR)
                continue;
            perror("pg_fault_proxy: poll");
            return 1;
        }
        if (fds[0].revents & POLLIN)
            accept_one(lfd, argv[2]);
        for (int i = 1; i < n; i++) {
            struct pair *p = who[i];
            if (!fds[i].revents || p->client < 0 || fds[i].fd != (i % 2 ? p->client : p->server))
                continue;
            if (fds[i].fd == p->client) {
                if (fill(p, p->client, &p->up))
                    (void)pump_up(p);
            } else {
                if (fill(p, p->server, &p->down))
                    (void)pump_down(p);
            }
        }
    }
}
