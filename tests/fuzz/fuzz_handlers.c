/*
 * fuzz_handlers: every request handler's checks, given a decoded message.
 * The input is one Envelope body as a client sends it. It goes through the
 * daemon's own dispatch (rpc_dispatch, daemon/rpc.c) on a real connection
 * object (conn_accept over one end of a socketpair), once as sent and once
 * under each role's session (admin, district, school: their tokens sit in
 * the session cache). The database pool points at a socket that does not
 * exist and the loop never runs, so a request that passes its checks is
 * refused by db_submit (UNAVAILABLE) at once, as when the database is down.
 * Properties: the daemon neither crashes nor leaks; every request is
 * answered at once, exactly once, with its request id; an answer decodes,
 * its strings are valid UTF-8, an Error carries a code.
 *
 * The struct server here is built by hand (srv_setup): what conn_accept and
 * the handlers read of it must be set there.
 */
#include <arpa/inet.h>
#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "conn.h"
#include "fuzz.h"
#include "log.h"
#include "peer.h"
#include "rpc.h"
#include "server.h"
#include "session.h"

static struct server srv;
static struct conn *conn;
static int peer_fd = -1; /* our end of the socketpair; nothing is read from it */

enum { AS_ADMIN, AS_DISTRICT, AS_SCHOOL, NROLES };

static const struct {
    enum role role;
    const char *user, *district, *unit;
    uint8_t token_byte; /* the token is 32 of these bytes; the seeds carry the same */
} roles[NROLES] = {
    [AS_ADMIN] = {ROLE_ADMIN, "fuzz-admin", "", "", 'A'},
    [AS_DISTRICT] = {ROLE_DISTRICT, "fuzz-district", "411423", "", 'D'},
    [AS_SCHOOL] = {ROLE_SCHOOL, "fuzz-school", "411423", "4114230001", 'S'},
};

static uint8_t tokens[NROLES][SESSION_TOKEN_BYTES];
static bool verbose; /* FUZZ_VERBOSE=1: print every answer (to see what the seeds reach) */

static void reap_cb(evutil_socket_t fd, short what, void *arg)
{
    conn_reap(arg);
}

/* A connection from 127.0.0.1 on one end of a socketpair. */
static void conn_open(void)
{
    int sv[2];
    FUZZ_CHECK(socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == 0, "socketpair");
    evutil_make_socket_nonblocking(sv[0]);
    struct sockaddr_in sin = {.sin_family = AF_INET, .sin_port = htons(40000)};
    sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    conn_accept(&srv, sv[0], (struct sockaddr *)&sin, (int)sizeof(sin));
    conn = TAILQ_LAST(&srv.conns, conn_list);
    FUZZ_CHECK(conn != NULL && !conn->closing, "conn_accept refused the fuzz connection");
    if (peer_fd >= 0)
        close(peer_fd);
    peer_fd = sv[1];
}

static void srv_setup(void)
{
    log_level_current = LOG_ERROR;
    verbose = getenv("FUZZ_VERBOSE") != NULL;
    srv.base = event_base_new();
    FUZZ_CHECK(srv.base != NULL, "event_base_new");
    config_defaults(&srv.cfg);
    TAILQ_INIT(&srv.conns);
    TAILQ_INIT(&srv.reap);
    srv.reap_ev = event_new(srv.base, -1, 0, reap_cb, &srv);
    FUZZ_CHECK(srv.reap_ev != NULL, "event_new");
    struct db_pool_params p = {
        .conninfo = "host=/nonexistent/yanxiu-fuzz dbname=yanxiu connect_timeout=1",
        .size = 1,
        .queue_length = 1,
        .query_timeout_s = 1,
    };
    srv.db = db_pool_new(srv.base, &p);
    FUZZ_CHECK(srv.db != NULL, "db_pool_new");
    /* Login's first step goes to a pool of its own (README "Security model"). */
    p.name = "login_conninfo";
    srv.login_db = db_pool_new(srv.base, &p);
    FUZZ_CHECK(srv.login_db != NULL, "db_pool_new (login)");
    srv.peers = peer_table_new();
    FUZZ_CHECK(srv.peers != NULL, "peer_table_new");
    session_cache_init(24 * 3600);
    for (int r = 0; r < NROLES; r++)
        memset(tokens[r], roles[r].token_byte, SESSION_TOKEN_BYTES);
    conn_open();
}

/* The three sessions, fresh (a Logout of the previous input dropped one). */
static void sessions_put(void)
{
    for (int r = 0; r < NROLES; r++) {
        struct session s = {0};
        session_hash_token(tokens[r], SESSION_TOKEN_BYTES, s.token_hash);
        s.user_id = r + 1;
        snprintf(s.user, sizeof(s.user), "%s", roles[r].user);
        s.role = roles[r].role;
        snprintf(s.district, sizeof(s.district), "%s", roles[r].district);
        snprintf(s.unit, sizeof(s.unit), "%s", roles[r].unit);
        s.expires_us = INT64_MAX;
        session_cache_put(&s);
    }
}

/* Every string of `m`, its sub-messages included, is valid UTF-8. */
static void check_strings(const ProtobufCMessage *m)
{
    const ProtobufCMessageDescriptor *d = m->descriptor;
    for (unsigned i = 0; i < d->n_fields; i++) {
        const ProtobufCFieldDescriptor *f = &d->fields[i];
        if (f->type != PROTOBUF_C_TYPE_STRING && f->type != PROTOBUF_C_TYPE_MESSAGE)
            continue;
        const char *member = (const char *)m + f->offset;
        if (f->flags & PROTOBUF_C_FIELD_FLAG_ONEOF) {
            uint32_t which = *(const uint32_t *)((const char *)m + f->quantifier_offset);
            if (which != f->id)
                continue;
        }
        size_t n = 1;
        const void *const *items = (const void *const *)member;
        if (f->label == PROTOBUF_C_LABEL_REPEATED) {
            n = *(const size_t *)((const char *)m + f->quantifier_offset);
            items = *(const void *const *const *)member;
        }
        for (size_t k = 0; k < n; k++) {
            const void *v = items[k];
            if (!v)
                continue;
            if (f->type == PROTOBUF_C_TYPE_STRING)
                FUZZ_CHECK(fuzz_utf8_ok(v, strlen(v)), "an answer holds a string of bad UTF-8");
            else if (f->type == PROTOBUF_C_TYPE_MESSAGE)
                check_strings(v);
        }
    }
}

/* The connection's output holds exactly one frame, the answer to `id`. */
static void check_answer(uint64_t id, const char *who)
{
    struct evbuffer *out = bufferevent_get_output(conn->bev);
    size_t avail = evbuffer_get_length(out);
    const uint8_t *p = evbuffer_pullup(out, -1);
    uint32_t len = 0;
    enum frame_status st = frame_parse(p, avail, (uint32_t)srv.cfg.max_frame, &len);
    FUZZ_CHECK(st == FRAME_READY, "a request was not answered at once, or not in one frame");
    FUZZ_CHECK(avail == FRAME_HEADER_SIZE + len, "a request was answered more than once");
    struct frame_budget b;
    frame_budget_init(&b, frame_decode_budget(len));
    Yanxiu__V1__Envelope *env = frame_unpack(&b, p + FRAME_HEADER_SIZE, len);
    FUZZ_CHECK(env != NULL, "an answer does not decode");
    FUZZ_CHECK(env->request_id == id, "an answer carries another request id");
    FUZZ_CHECK(env->body_case != YANXIU__V1__ENVELOPE__BODY__NOT_SET, "an answer has no body");
    if (env->body_case == YANXIU__V1__ENVELOPE__BODY_ERROR) {
        FUZZ_CHECK(env->error->code != YANXIU__V1__CODE__OK, "an Error without a code");
        FUZZ_CHECK(env->error->message[0] != '\0', "an Error without a message");
    }
    if (verbose) {
        const Yanxiu__V1__Error *e = env->error;
        bool is_err = env->body_case == YANXIU__V1__ENVELOPE__BODY_ERROR;
        printf("  %-8s %s: %s%s%s\n", who, is_err ? frame_code_name(e->code) : "answer",
               is_err ? e->message : "", is_err && e->n_violations ? " | " : "",
               is_err && e->n_violations ? e->violations[0]->message : "");
    }
    check_strings(&env->base);
    yanxiu__v1__envelope__free_unpacked(env, &b.alloc);
    /* The loop never runs to send it: drop it here. A socket bufferevent
     * keeps the front of its output frozen for itself. */
    evbuffer_unfreeze(out, 1);
    evbuffer_drain(out, avail);
    evbuffer_freeze(out, 1);
}

/* One body through rpc_dispatch, as conn_process_input hands it over. */
static void dispatch(const uint8_t *body, size_t len, uint64_t id, const char *who)
{
    sessions_put();
    /* As after the Hello every client sends first (a fuzzed Hello still runs its handler). */
    conn->hello = true;
    bool ok = rpc_dispatch(conn, body, len);
    FUZZ_CHECK(TAILQ_EMPTY(&conn->reqs) && conn->inflight == 0 && srv.inflight == 0,
               "a request was left unanswered with the database down");
    if (ok) {
        check_answer(id, who);
    } else {
        /* rpc_dispatch closed the connection, telling the client why (request id 0). */
        FUZZ_CHECK(conn->closing, "rpc_dispatch refused a body and left the connection open");
        check_answer(0, who);
    }
    if (conn->closing) {
        conn_free_all(&srv);
        conn_open();
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!srv.base)
        srv_setup();
    /* As sent: no session (Hello, Ping, Login), or a token nobody holds. */
    struct frame_budget b;
    frame_budget_init(&b, frame_decode_budget(size));
    Yanxiu__V1__Envelope *env = frame_unpack(&b, data, size);
    dispatch(data, size, env ? env->request_id : 0, "as sent");
    if (!env)
        return 0;
    /* Under each role's session. */
    ProtobufCBinaryData sent = env->session_token;
    for (int r = 0; r < NROLES; r++) {
        env->session_token.data = tokens[r];
        env->session_token.len = SESSION_TOKEN_BYTES;
        size_t n = yanxiu__v1__envelope__get_packed_size(env);
        uint8_t *body = malloc(n ? n : 1);
        FUZZ_CHECK(body != NULL, "out of memory");
        yanxiu__v1__envelope__pack(env, body);
        dispatch(body, n, env->request_id, roles[r].user + 5);
        free(body);
    }
    env->session_token = sent;
    yanxiu__v1__envelope__free_unpacked(env, &b.alloc);
    return 0;
}
