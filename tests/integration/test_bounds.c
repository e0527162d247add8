/*
 * Hostile and greedy clients are bounded: a frame trickled a byte a second
 * is cut at its deadline, a connection that does not log in is closed, one
 * address holding its share of the slots does not lock out another, 200
 * clients that never read keep the daemon's memory bounded, and a correct
 * login is answered within a second during a storm of wrong ones.
 *
 * One binary, several ctest entries: YX_BOUNDS names the group to run, and
 * each entry gives the daemon the settings of its group (tests/CMakeLists.txt).
 * Clients use raw sockets here, so that they can bind to another loopback
 * address (127.0.0.2, ...: Linux routes all of 127/8 to lo), trickle bytes,
 * and never read.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "common.h"

#define PASSWORD       "bounds-correct-horse-42"
#define WRONG_PASSWORD "not-the-password"

/* --- raw clients ------------------------------------------------------------------------ */

/* A TCP connection to $YX_SERVER from address `from` (NULL: any); rcvbuf > 0 shrinks
 * the receive buffer first. Asserts success unless `may_fail` (then -1). */
static int raw_connect_opts(const char *from, int rcvbuf, bool may_fail)
{
    char host[64];
    snprintf(host, sizeof(host), "%s", it_env("YX_SERVER"));
    char *colon = strrchr(host, ':');
    assert_non_null(colon);
    *colon = '\0';
    struct sockaddr_in to = {.sin_family = AF_INET, .sin_port = htons((uint16_t)atoi(colon + 1))};
    assert_int_equal(inet_pton(AF_INET, host, &to.sin_addr), 1);
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0)
        fail_msg("socket: %s", strerror(errno));
    if (rcvbuf > 0 && setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof(rcvbuf)) != 0)
        fail_msg("SO_RCVBUF: %s", strerror(errno));
    if (from) {
        struct sockaddr_in me = {.sin_family = AF_INET};
        assert_int_equal(inet_pton(AF_INET, from, &me.sin_addr), 1);
        if (bind(fd, (struct sockaddr *)&me, sizeof(me)) != 0)
            fail_msg("binding a client socket to %s: %s", from, strerror(errno));
    }
    if (connect(fd, (struct sockaddr *)&to, sizeof(to)) != 0) {
        if (may_fail) {
            close(fd);
            return -1;
        }
        fail_msg("connecting from %s to %s: %s", from ? from : "any", it_env("YX_SERVER"),
                 strerror(errno));
    }
    return fd;
}

static int raw_connect(const char *from)
{
    return raw_connect_opts(from, 0, false);
}

static void raw_write(int fd, const void *data, size_t len)
{
    const uint8_t *p = data;
    while (len > 0) {
        ssize_t n = send(fd, p, len, MSG_NOSIGNAL);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            fail_msg("send: %s", n < 0 ? strerror(errno) : "nothing sent");
        p += n;
        len -= (size_t)n;
    }
}

/* The frame of env with request id `id` (malloc'd). */
static uint8_t *raw_frame(Yanxiu__V1__Envelope *env, uint64_t id, size_t *len)
{
    env->request_id = id;
    uint8_t *buf = frame_pack(env, FRAME_DEFAULT_MAX, len);
    assert_non_null(buf);
    return buf;
}

static void raw_send(int fd, Yanxiu__V1__Envelope *env, uint64_t id)
{
    size_t len;
    uint8_t *buf = raw_frame(env, id, &len);
    raw_write(fd, buf, len);
    free(buf);
}

/* Reads exactly len bytes by the deadline. 1: read, 0: closed by the peer, -1: timed out. */
static int raw_read_full(int fd, void *buf, size_t len, int64_t deadline)
{
    uint8_t *p = buf;
    while (len > 0) {
        int wait = (int)(deadline - it_now_ms());
        if (wait <= 0)
            return -1;
        struct pollfd pfd = {.fd = fd, .events = POLLIN};
        int r = poll(&pfd, 1, wait);
        if (r < 0 && errno == EINTR)
            continue;
        if (r == 0)
            return -1;
        ssize_t n = recv(fd, p, len, 0);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0 && errno == ECONNRESET)
            return 0;
        if (n < 0)
            fail_msg("recv: %s", strerror(errno));
        if (n == 0)
            return 0;
        p += n;
        len -= (size_t)n;
    }
    return 1;
}

/*
 * The next envelope on fd within timeout_ms (free with
 * yanxiu__v1__envelope__free_unpacked(e, NULL)); NULL when the peer closed
 * (*closed set) or time ran out.
 */
static Yanxiu__V1__Envelope *raw_read(int fd, int timeout_ms, bool *closed)
{
    *closed = false;
    /* Wait for the first byte only: a frame once begun is read whole (its rest
     * arrives at once), so that a timeout never leaves half a frame read. */
    struct pollfd pfd = {.fd = fd, .events = POLLIN};
    int64_t until = it_now_ms() + timeout_ms;
    int p;
    do {
        int left = (int)(until - it_now_ms());
        p = poll(&pfd, 1, left > 0 ? left : 0);
    } while (p < 0 && errno == EINTR);
    if (p <= 0)
        return NULL;
    int64_t deadline = it_now_ms() + IT_TIMEOUT_MS;
    uint8_t hdr[FRAME_HEADER_SIZE];
    int r = raw_read_full(fd, hdr, sizeof(hdr), deadline);
    if (r <= 0) {
        *closed = r == 0;
        return NULL;
    }
    uint32_t len = 0;
    assert_int_equal(frame_check_header(hdr, FRAME_DEFAULT_MAX, &len), FRAME_READY);
    uint8_t *body = malloc(len);
    assert_non_null(body);
    r = raw_read_full(fd, body, len, deadline);
    if (r <= 0) {
        free(body);
        *closed = r == 0;
        return NULL;
    }
    Yanxiu__V1__Envelope *env = yanxiu__v1__envelope__unpack(NULL, len, body);
    free(body);
    assert_non_null(env);
    return env;
}

/* The answer to a request sent on fd; asserts it came in time. */
static Yanxiu__V1__Envelope *raw_answer(int fd, int timeout_ms)
{
    bool closed;
    Yanxiu__V1__Envelope *env = raw_read(fd, timeout_ms, &closed);
    if (!env)
        fail_msg("no answer within %d ms (%s)", timeout_ms,
                 closed ? "the server closed the connection" : "timed out");
    return env;
}

static void raw_free(Yanxiu__V1__Envelope *env)
{
    yanxiu__v1__envelope__free_unpacked(env, NULL);
}

/* Hello and Ping answered on a fresh connection from `from`. */
static void assert_served_from(const char *from)
{
    int fd = raw_connect(from);
    struct it_req r;
    it_req_hello(&r, PROTOCOL_VERSION);
    raw_send(fd, &r.env, 1);
    Yanxiu__V1__Envelope *resp = raw_answer(fd, IT_TIMEOUT_MS);
    if (resp->body_case != YANXIU__V1__ENVELOPE__BODY_HELLO_REPLY) {
        char d[512];
        it_describe(resp, d, sizeof(d));
        fail_msg("a client from %s was not served: Hello answered with %s", from, d);
    }
    raw_free(resp);
    it_req_ping(&r, true);
    raw_send(fd, &r.env, 2);
    resp = raw_answer(fd, IT_TIMEOUT_MS);
    assert_int_equal(resp->body_case, YANXIU__V1__ENVELOPE__BODY_PING_REPLY);
    raw_free(resp);
    close(fd);
}

/*
 * Waits until the server closes fd, at most timeout_ms. Returns how long
 * that took (-1: it did not), and copies the code and message of an Error it
 * sent into *code and msg (left as they were when none came: set them first).
 */
static int64_t wait_closed(int fd, int timeout_ms, int *code, char *msg, size_t msglen)
{
    int64_t start = it_now_ms(), deadline = start + timeout_ms;
    for (;;) {
        int left = (int)(deadline - it_now_ms());
        if (left <= 0)
            return -1;
        bool closed;
        Yanxiu__V1__Envelope *env = raw_read(fd, left, &closed);
        if (closed)
            return it_now_ms() - start;
        if (!env)
            return -1;
        if (env->body_case == YANXIU__V1__ENVELOPE__BODY_ERROR) {
            *code = (int)env->error->code;
            snprintf(msg, msglen, "%s: %s", env->error->reason, env->error->message);
        }
        raw_free(env);
    }
}

/* Says Hello on fd, asking for English messages (asserts the reply). */
static void raw_hello(int fd)
{
    struct it_req r;
    it_req_hello(&r, PROTOCOL_VERSION);
    raw_send(fd, &r.env, 76);
    Yanxiu__V1__Envelope *resp = raw_answer(fd, IT_TIMEOUT_MS);
    if (resp->body_case != YANXIU__V1__ENVELOPE__BODY_HELLO_REPLY) {
        char d[512];
        it_describe(resp, d, sizeof(d));
        fail_msg("Hello: %s", d);
    }
    raw_free(resp);
}

/* Says Hello and logs in on fd (asserts success); copies the token when not NULL. */
static void raw_login(int fd, const char *user, const char *password, uint8_t token[32])
{
    raw_hello(fd);
    struct it_req r;
    it_req_login(&r, user, password);
    raw_send(fd, &r.env, 77);
    Yanxiu__V1__Envelope *resp = raw_answer(fd, IT_TIMEOUT_MS);
    if (resp->body_case != YANXIU__V1__ENVELOPE__BODY_LOGIN_REPLY) {
        char d[512];
        it_describe(resp, d, sizeof(d));
        fail_msg("login of %s: %s", user, d);
    }
    if (token)
        memcpy(token, resp->login_reply->token.data, 32);
    raw_free(resp);
}

/* A Hello whose frame is about `size` bytes: something to trickle. */
static uint8_t *long_hello(size_t size, size_t *len)
{
    static char name[4096];
    assert_true(size < sizeof(name));
    memset(name, 'h', size);
    name[size] = '\0';
    struct it_req r;
    it_req_hello(&r, PROTOCOL_VERSION);
    r.u.hello.client_name = name;
    return raw_frame(&r.env, 5, len);
}

/*
 * Sends frame one byte a second until the server closes the connection or
 * max_s seconds pass. Returns the seconds from the first byte to the close
 * (-1: still open), with the closing Error's code and message.
 */
static double trickle_until_closed(int fd, const uint8_t *frame, size_t len, int max_s, int *code,
                                   char *msg, size_t msglen)
{
    int64_t start = it_now_ms();
    for (size_t i = 0; i < len && it_now_ms() - start < max_s * 1000; i++) {
        if (send(fd, frame + i, 1, MSG_NOSIGNAL) != 1)
            break; /* closed under us: read why below */
        int64_t took = wait_closed(fd, 1000, code, msg, msglen);
        if (took >= 0)
            return (double)(it_now_ms() - start) / 1000.0;
    }
    int64_t took = wait_closed(fd, 1000, code, msg, msglen);
    return took >= 0 ? (double)(it_now_ms() - start) / 1000.0 : -1;
}

/* --- slow trickle and login deadline (YX_BOUNDS=trickle) -------------------------------- */
/* frame_timeout_login = 3, frame_timeout = 4, login_timeout = 6 */

static void byte_a_second_before_login_is_cut_at_frame_timeout_login(void **state)
{
    size_t len;
    uint8_t *frame = long_hello(300, &len);
    int fd = raw_connect(NULL);
    raw_hello(fd); /* a Hello is no login: the tighter deadline still holds */
    int code = 0;
    char msg[512] = "";
    double s = trickle_until_closed(fd, frame, len, 12, &code, msg, sizeof(msg));
    printf("one byte a second before login: closed after %.1f s: %s: %s\n", s,
           frame_code_name(code), msg);
    free(frame);
    close(fd);
    if (s < 0)
        fail_msg("a frame trickled one byte a second was still being read after 12 s "
                 "(frame_timeout_login = 3)");
    assert_true(s >= 2.5 && s <= 5.0);
    assert_int_equal(code, YANXIU__V1__CODE__DEADLINE_EXCEEDED);
    assert_non_null(strstr(msg, "frame_timeout: "));
    assert_non_null(strstr(msg, " 3 s after its first byte")); /* frame_timeout_login */
    it_assert_serving();
}

static void byte_a_second_after_login_is_cut_at_frame_timeout(void **state)
{
    it_add_user("bounds.trickler", "admin", NULL, NULL, PASSWORD);
    int fd = raw_connect(NULL);
    raw_login(fd, "bounds.trickler", PASSWORD, NULL);
    size_t len;
    uint8_t *frame = long_hello(300, &len);
    int code = 0;
    char msg[512] = "";
    double s = trickle_until_closed(fd, frame, len, 12, &code, msg, sizeof(msg));
    printf("one byte a second after login: closed after %.1f s: %s: %s\n", s, frame_code_name(code),
           msg);
    free(frame);
    close(fd);
    if (s < 0)
        fail_msg("a frame trickled one byte a second after login was still being read after "
                 "12 s (frame_timeout = 4)");
    assert_true(s >= 3.5 && s <= 6.0);
    assert_int_equal(code, YANXIU__V1__CODE__DEADLINE_EXCEEDED);
    assert_non_null(strstr(msg, "frame_timeout: "));
    assert_non_null(strstr(msg, " 4 s after its first byte")); /* frame_timeout */
}

static void connection_that_does_not_log_in_is_closed_at_login_timeout(void **state)
{
    /* Whole pings every second: each frame is on time, the connection is never idle. */
    int fd = raw_connect(NULL);
    raw_hello(fd);
    int64_t start = it_now_ms();
    int code = 0;
    char msg[512] = "";
    double closed_s = -1;
    for (int i = 0; i < 12 && closed_s < 0; i++) {
        struct it_req r;
        it_req_ping(&r, false);
        size_t len;
        uint8_t *frame = raw_frame(&r.env, (uint64_t)i + 1, &len);
        ssize_t n = send(fd, frame, len, MSG_NOSIGNAL);
        free(frame);
        if (n != (ssize_t)len) {
            wait_closed(fd, 1000, &code, msg, sizeof(msg));
            closed_s = (double)(it_now_ms() - start) / 1000.0;
            break;
        }
        if (wait_closed(fd, 1000, &code, msg, sizeof(msg)) >= 0)
            closed_s = (double)(it_now_ms() - start) / 1000.0;
    }
    printf("pinging every second without logging in: closed after %.1f s: %s: %s\n", closed_s,
           frame_code_name(code), msg);
    close(fd);
    if (closed_s < 0)
        fail_msg("a connection that never logged in was still open after 12 s (login_timeout "
                 "= 6)");
    assert_true(closed_s >= 5.5 && closed_s <= 8.0);
    assert_int_equal(code, YANXIU__V1__CODE__DEADLINE_EXCEEDED);
    assert_non_null(strstr(msg, "login_timeout: "));

    /* Logged in, the same pinging goes on past both deadlines. */
    it_add_user("bounds.pinger", "admin", NULL, NULL, PASSWORD);
    struct yxc *c = it_login("bounds.pinger", PASSWORD, NULL);
    for (int i = 0; i < 9; i++) {
        it_sleep_ms(1000);
        it_ping_ok(c, false);
    }
    yxc_close(c);
}

/* --- one address cannot take every slot (YX_BOUNDS=slots) ------------------------------- */
/* max_connections = 40, max_connections_per_addr = 10, max_unauthenticated = 16 */

/* Opens n connections from `from` and says Hello on each; answered[i] tells which were
 * served (the others were refused: their message in why, when not NULL). */
static void open_and_hello(const char *from, int *fds, int n, bool *answered, char *why,
                           size_t whylen)
{
    for (int i = 0; i < n; i++) {
        fds[i] = raw_connect(from);
        struct it_req r;
        it_req_hello(&r, PROTOCOL_VERSION);
        raw_send(fds[i], &r.env, 1);
        Yanxiu__V1__Envelope *resp = raw_answer(fds[i], IT_TIMEOUT_MS);
        answered[i] = resp->body_case == YANXIU__V1__ENVELOPE__BODY_HELLO_REPLY;
        if (!answered[i]) {
            it_assert_error(resp, YANXIU__V1__CODE__RESOURCE_EXHAUSTED);
            if (why)
                snprintf(why, whylen, "%s: %s", resp->error->reason, resp->error->message);
        }
        raw_free(resp);
    }
}

static void one_address_at_its_cap_does_not_lock_out_another(void **state)
{
    enum { N = 40 };
    int fds[N];
    bool ok[N];
    char why[512] = "";
    open_and_hello("127.0.0.1", fds, N, ok, why, sizeof(why));
    int served = 0;
    for (int i = 0; i < N; i++)
        served += ok[i];
    printf("127.0.0.1 asked for %d connections: %d served, the others told: %s\n", N, served, why);
    assert_int_equal(served, 10);
    for (int i = 0; i < 10; i++)
        assert_true(ok[i]);
    assert_non_null(strstr(why, "connections_per_address: "));
    /* With 127.0.0.1 at its cap, another address is served (and may log in). */
    assert_served_from("127.0.0.2");
    it_add_user("bounds.other", "admin", NULL, NULL, PASSWORD);
    int fd = raw_connect("127.0.0.2");
    raw_login(fd, "bounds.other", PASSWORD, NULL);
    close(fd);
    for (int i = 0; i < N; i++)
        close(fds[i]);
}

static void unauthenticated_slots_are_shared_between_addresses(void **state)
{
    enum { N = 10 };
    int a[N], b[N];
    bool a_ok[N], b_ok[N];
    char why[512] = "";
    it_sleep_ms(300); /* the previous test's connections are gone */
    open_and_hello("127.0.0.1", a, N, a_ok, NULL, 0);
    for (int i = 0; i < N; i++)
        assert_true(a_ok[i]);
    /* 127.0.0.3 wants as many: the group (16) is shared, 127.0.0.1's oldest make room. */
    open_and_hello("127.0.0.3", b, N, b_ok, why, sizeof(why));
    int a_left = 0, b_served = 0;
    char made_room[512] = "";
    for (int i = 0; i < N; i++) {
        int code = 0;
        char msg[512] = "";
        bool closed = wait_closed(a[i], 200, &code, msg, sizeof(msg)) >= 0;
        if (closed && msg[0])
            snprintf(made_room, sizeof(made_room), "%s", msg);
        a_left += !closed;
        b_served += b_ok[i];
    }
    printf("not logged in, 16 slots: 127.0.0.1 kept %d of %d, 127.0.0.3 was served %d of %d\n"
           "  127.0.0.1's oldest were told: %s\n  127.0.0.3's last were told: %s\n",
           a_left, N, b_served, N, made_room, why);
    assert_int_equal(a_left, 8);
    assert_int_equal(b_served, 8); /* each address holds 8 of the 16 */
    assert_non_null(strstr(made_room, "unauthenticated_evicted: "));
    assert_non_null(strstr(why, "unauthenticated_full: "));
    /* The slots are full, each address holding its share: a newcomer is still served. */
    assert_served_from("127.0.0.2");
    for (int i = 0; i < N; i++) {
        close(a[i]);
        close(b[i]);
    }
    it_sleep_ms(300);

    /* Logged-in connections leave the group: 20 of them, more than its 16 slots, and a
     * newcomer's 10 are still served, and none of the 20 is closed to make room. */
    it_add_user("bounds.sharer", "admin", NULL, NULL, PASSWORD);
    int in[2 * N];
    for (int i = 0; i < 2 * N; i++) {
        in[i] = raw_connect(i < N ? "127.0.0.1" : "127.0.0.3");
        raw_login(in[i], "bounds.sharer", PASSWORD, NULL);
    }
    int fresh[N];
    bool fresh_ok[N];
    open_and_hello("127.0.0.4", fresh, N, fresh_ok, why, sizeof(why));
    for (int i = 0; i < N; i++)
        if (!fresh_ok[i])
            fail_msg("127.0.0.4 refused while 20 logged-in connections hold no unauthenticated "
                     "slot: %s",
                     why);
    for (int i = 0; i < 2 * N; i++) {
        int code = 0;
        char msg[512] = "";
        if (wait_closed(in[i], 50, &code, msg, sizeof(msg)) >= 0)
            fail_msg("a logged-in connection was closed: %s", msg);
        close(in[i]);
    }
    for (int i = 0; i < N; i++)
        close(fresh[i]);
}

/* --- memory of clients that never read (YX_BOUNDS=memory) -------------------------------- */
/* max_output = 262144, max_output_total = 33554432; [database] queue_length = 4000 */

static long rss_kib(void)
{
    char path[64];
    snprintf(path, sizeof(path), "/proc/%s/status", it_env("YX_DAEMON_PID"));
    FILE *f = fopen(path, "r");
    if (!f)
        fail_msg("%s: %s", path, strerror(errno));
    char line[256];
    long kib = -1;
    while (fgets(line, sizeof(line), f))
        if (sscanf(line, "VmRSS: %ld kB", &kib) == 1)
            break;
    fclose(f);
    assert_true(kib > 0);
    return kib;
}

/* Lines of the daemon's log that contain s. */
static long log_count(const char *s)
{
    FILE *f = fopen(it_env("YX_DAEMON_LOG"), "r");
    if (!f)
        fail_msg("%s: %s", it_env("YX_DAEMON_LOG"), strerror(errno));
    char line[4096];
    long n = 0;
    while (fgets(line, sizeof(line), f))
        n += strstr(line, s) != NULL;
    fclose(f);
    return n;
}

enum { GREEDY = 200, GREEDY_REQS = 8, AUDIT_ROWS = 2000 };
/* The bound on RSS growth while they hold their answers: max_output_total (32 MiB) and room
 * for the answers being built and the database results behind them. */
#define RSS_BOUND_KIB (96L * 1024)
/* And how close to its start it must come back after they are gone. */
#define RSS_BACK_KIB (24L * 1024)

static void two_hundred_clients_that_never_read_keep_memory_bounded(void **state)
{
    /* Under AddressSanitizer (redzones, a quarantine of freed memory) RSS tells nothing. */
    int st;
    char *libs = it_sh_output(&st, "ldd \"$YX_YANXIUD\"");
    bool asan = strstr(libs, "libasan") != NULL;
    free(libs);
    if (asan) {
        printf("yanxiud is built with AddressSanitizer: its RSS is not the daemon's; skipped\n");
        skip();
    }
    it_raise_nofile(GREEDY + 64);
    it_add_user("bounds.reader", "admin", NULL, NULL, PASSWORD);
    /* Answers of about 1 MB: AUDIT_ROWS audit entries of some 450 bytes. */
    free(it_psql_ok(false,
                    "INSERT INTO audit_log (user_name, action, target, outcome) "
                    "SELECT 'bounds.filler', 'fill', repeat('x', 400) || g, 'ok' "
                    "FROM generate_series(1, %d) g;",
                    AUDIT_ROWS));
    uint8_t token[32];
    struct yxc *c = it_login("bounds.reader", PASSWORD, token);
    struct it_req q;
    it_req_audit(&q, "bounds.filler", AUDIT_ROWS);
    size_t answer_bytes = 0;
    for (int i = 0; i < 3; i++) { /* warm up: the same answer, read */
        Yanxiu__V1__Envelope *resp = it_call_ok(c, &q, YANXIU__V1__ENVELOPE__BODY_AUDIT_LIST);
        assert_int_equal(resp->audit_list->n_entries, AUDIT_ROWS);
        answer_bytes = yanxiu__v1__envelope__get_packed_size(resp);
        yxc_free(resp);
    }
    it_sleep_ms(500);
    long start = rss_kib();
    long answered0 = log_count("method=ListAudit");

    int fds[GREEDY];
    for (int i = 0; i < GREEDY; i++)
        fds[i] = raw_connect_opts(NULL, 4096, false);
    for (int i = 0; i < GREEDY; i++)
        raw_hello(fds[i]);
    it_req_token(&q, token, sizeof(token));
    for (int i = 0; i < GREEDY; i++)
        for (int k = 0; k < GREEDY_REQS; k++)
            raw_send(fds[i], &q.env, (uint64_t)k + 1);

    /* Until every request is answered (or dropped with its connection), or the bound broken. */
    long peak = start, answered = 0;
    int64_t t0 = it_now_ms();
    while (it_now_ms() - t0 < 120000) {
        long rss = rss_kib();
        if (rss > peak)
            peak = rss;
        if (peak - start > RSS_BOUND_KIB)
            break;
        answered = log_count("method=ListAudit") - answered0;
        if (answered >= GREEDY * GREEDY_REQS)
            break;
        it_sleep_ms(100);
    }
    long during = rss_kib();
    long shed = log_count("max_output_total");
    for (int i = 0; i < GREEDY; i++)
        close(fds[i]);
    it_sleep_ms(2000);
    long after = rss_kib();
    printf("%d clients sent %d requests each for a %zu-byte answer and read nothing\n"
           "daemon RSS: start %ld KiB, peak %ld KiB (+%ld), at the end %ld KiB, %ld KiB 2 s after "
           "they closed (+%ld); %ld of %d requests ended in %lld ms; %ld connections closed for "
           "max_output_total\n",
           GREEDY, GREEDY_REQS, answer_bytes, start, peak, peak - start, during, after,
           after - start, answered, GREEDY * GREEDY_REQS, (long long)(it_now_ms() - t0), shed);
    if (peak - start > RSS_BOUND_KIB)
        fail_msg("the daemon's RSS grew by %ld KiB with %d clients not reading (bound %ld KiB)",
                 peak - start, GREEDY, RSS_BOUND_KIB);
    assert_true(answered >= GREEDY * GREEDY_REQS);
    assert_true(shed > 0);
    if (after - start > RSS_BACK_KIB)
        fail_msg("the daemon's RSS stayed %ld KiB above its start after the clients closed "
                 "(allowed %ld KiB)",
                 after - start, RSS_BACK_KIB);
    /* The reader that reads was never closed. */
    Yanxiu__V1__Envelope *resp = it_call_ok(c, &q, YANXIU__V1__ENVELOPE__BODY_AUDIT_LIST);
    yxc_free(resp);
    yxc_close(c);
    it_assert_serving();
}

/* --- a correct login during a storm of wrong ones (YX_BOUNDS=storm) --------------------- */
/* default settings: hash_threads one per core, hash_queue 256, hash_queue_per_addr 128 */

enum { STORM = 200 };

/* Times a correct login from `from` (ms). */
static int64_t timed_login(const char *from, const char *user)
{
    int fd = raw_connect(from);
    int64_t t = it_now_ms();
    raw_login(fd, user, PASSWORD, NULL);
    int64_t ms = it_now_ms() - t;
    close(fd);
    return ms;
}

enum { TIMED = 3 };

static int64_t median3(int64_t a, int64_t b, int64_t c)
{
    return a > b ? (b > c ? b : (a > c ? c : a)) : (a > c ? a : (b > c ? c : b));
}

/* The median of TIMED correct logins from 127.0.0.2, a second apart; each into ms[]. */
static int64_t timed_logins(const char *user, int64_t ms[TIMED])
{
    for (int i = 0; i < TIMED; i++) {
        if (i)
            it_sleep_ms(1000);
        ms[i] = timed_login("127.0.0.2", user);
    }
    return median3(ms[0], ms[1], ms[2]);
}

/*
 * Sends STORM wrong logins of `name` (NULL: of as many names) each on its own
 * connection, from `from` (NULL: from 127.0.0.10, .11, ...), lets them reach
 * the hash queue, times a correct login of `user` from 127.0.0.2, then
 * collects the storm's answers.
 */
static int64_t login_during_storm(const char *from, const char *name, const char *user)
{
    it_raise_nofile(STORM + 64);
    static int fds[STORM];
    char addr[32];
    for (int i = 0; i < STORM; i++) {
        snprintf(addr, sizeof(addr), "127.0.0.%d", 10 + i);
        fds[i] = raw_connect(from ? from : addr);
        raw_hello(fds[i]);
    }
    int64_t start = it_now_ms();
    for (int i = 0; i < STORM; i++) {
        char sprayed[32];
        snprintf(sprayed, sizeof(sprayed), "bounds.spray%d", i);
        struct it_req r;
        it_req_login(&r, name ? name : sprayed, WRONG_PASSWORD);
        raw_send(fds[i], &r.env, 1);
    }
    it_sleep_ms(1000); /* past auth_login_begin: the storm waits for the hashing workers */
    int64_t each[TIMED];
    int64_t ms = timed_logins(user, each);
    int wrong = 0, refused = 0;
    char refusal[512] = "";
    for (int i = 0; i < STORM; i++) {
        Yanxiu__V1__Envelope *resp = raw_answer(fds[i], 120000);
        if (resp->body_case != YANXIU__V1__ENVELOPE__BODY_ERROR ||
            (resp->error->code != YANXIU__V1__CODE__UNAUTHENTICATED &&
             resp->error->code != YANXIU__V1__CODE__RESOURCE_EXHAUSTED)) {
            char d[512];
            it_describe(resp, d, sizeof(d));
            fail_msg("wrong login %d answered %s (expected UNAUTHENTICATED or "
                     "RESOURCE_EXHAUSTED)",
                     i + 1, d);
        }
        if (resp->error->code == YANXIU__V1__CODE__RESOURCE_EXHAUSTED) {
            refused++;
            snprintf(refusal, sizeof(refusal), "%s: %s", resp->error->reason,
                     resp->error->message);
        } else {
            wrong++;
        }
        raw_free(resp);
        close(fds[i]);
    }
    printf("%d wrong logins of %s from %s: answered in %lld ms (%d wrong password or locked, "
           "%d refused%s%s); correct logins from 127.0.0.2 meanwhile: %lld, %lld, %lld ms\n",
           STORM, name ? name : "200 names", from ? from : "200 addresses",
           (long long)(it_now_ms() - start), wrong, refused, refused ? ": " : "", refusal,
           (long long)each[0], (long long)each[1], (long long)each[2]);
    /* The storm hashed (else it proves nothing about the queue). */
    assert_true(wrong >= 50);
    if (refused)
        assert_non_null(strstr(refusal, "login_busy_address: "));
    return ms;
}

/*
 * The limit on the median: 1 s, as the issue asks. On a machine so loaded
 * that a login alone takes more than 400 ms (one argon2id hash, 64 MiB, is
 * memory-bound, and during the storm another hash runs beside it) it is 2.5
 * times the lone login instead. Without a fair queue the login waits for
 * dozens of hashes either way.
 */
static void assert_storm_latency(int64_t ms, int64_t alone, const char *storm)
{
    int64_t limit = alone * 5 / 2 > 1000 ? alone * 5 / 2 : 1000;
    printf("a correct login alone (median of %d): %lld ms; during %s (median of %d): %lld ms "
           "(limit %lld ms)\n",
           TIMED, (long long)alone, storm, TIMED, (long long)ms, (long long)limit);
    if (ms >= limit)
        fail_msg("a correct login from 127.0.0.2 took %lld ms during %s (limit %lld ms; alone "
                 "%lld ms)",
                 (long long)ms, storm, (long long)limit, (long long)alone);
}

static void correct_login_during_a_storm_from_one_address_is_answered_within_a_second(void **state)
{
    it_add_user("bounds.calm1", "admin", NULL, NULL, PASSWORD);
    int64_t each[TIMED];
    int64_t alone = timed_logins("bounds.calm1", each);
    int64_t ms = login_during_storm("127.0.0.1", NULL, "bounds.calm1");
    assert_storm_latency(ms, alone, "200 wrong logins of 200 names from 127.0.0.1");
}

static void correct_login_during_a_storm_on_one_name_is_answered_within_a_second(void **state)
{
    it_add_user("bounds.flooded", "admin", NULL, NULL, PASSWORD);
    it_add_user("bounds.calm2", "admin", NULL, NULL, PASSWORD);
    int64_t each[TIMED];
    int64_t alone = timed_logins("bounds.calm2", each);
    int64_t ms = login_during_storm(NULL, "bounds.flooded", "bounds.calm2");
    assert_storm_latency(ms, alone, "200 wrong logins of one name from 200 addresses");
}

int main(void)
{
    const struct CMUnitTest trickle[] = {
        cmocka_unit_test(byte_a_second_before_login_is_cut_at_frame_timeout_login),
        cmocka_unit_test(byte_a_second_after_login_is_cut_at_frame_timeout),
        cmocka_unit_test(connection_that_does_not_log_in_is_closed_at_login_timeout),
    };
    const struct CMUnitTest slots[] = {
        cmocka_unit_test(one_address_at_its_cap_does_not_lock_out_another),
        cmocka_unit_test(unauthenticated_slots_are_shared_between_addresses),
    };
    const struct CMUnitTest memory[] = {
        cmocka_unit_test(two_hundred_clients_that_never_read_keep_memory_bounded),
    };
    const struct CMUnitTest storm[] = {
        cmocka_unit_test(correct_login_during_a_storm_from_one_address_is_answered_within_a_second),
        cmocka_unit_test(correct_login_during_a_storm_on_one_name_is_answered_within_a_second),
    };
    const char *group = getenv("YX_BOUNDS");
    if (!group)
        group = "";
    if (strcmp(group, "trickle") == 0)
        return cmocka_run_group_tests(trickle, NULL, NULL);
    if (strcmp(group, "slots") == 0)
        return cmocka_run_group_tests(slots, NULL, NULL);
    if (strcmp(group, "memory") == 0)
        return cmocka_run_group_tests(memory, NULL, NULL);
    if (strcmp(group, "storm") == 0)
        return cmocka_run_group_tests(storm, NULL, NULL);
    fprintf(stderr, "test_bounds: set YX_BOUNDS to trickle, slots, memory or storm (got \"%s\")\n",
            group);
    return 2;
}
