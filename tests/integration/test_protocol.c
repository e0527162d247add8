/*
 * Protocol v2 against the real daemon: Hello (its version and language, and
 * the refusals of a request before it, of a version not spoken and of a
 * language not offered) and Ping, several requests in
 * flight on one connection, and hostile input in the style of Redis's
 * protocol tests (empty, huge, undecodable, truncated frames): the server
 * answers or closes, and keeps serving everybody else.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common.h"

/* How long the server may take to close a connection it refused. */
#define CLOSE_WAIT_MS 5000

/* Sends r on c and asserts the answer is an Error with `code` and `reason`; returns the
 * answer (free with yxc_free). */
static Yanxiu__V1__Envelope *call_refused(struct yxc *c, struct it_req *r, int code,
                                          const char *reason)
{
    struct yxc_error err;
    uint64_t id;
    if (!yxc_send(c, &r->env, &id, &err))
        fail_msg("sending %s: %s", yxc_body_name(r->env.body_case), err.message);
    Yanxiu__V1__Envelope *resp = NULL;
    if (!yxc_await(c, id, &resp, &err))
        fail_msg("awaiting the answer to %s: %s", yxc_body_name(r->env.body_case), err.message);
    it_assert_error(resp, code);
    printf("%s refused: %s: %s\n", yxc_body_name(r->env.body_case), resp->error->reason,
           resp->error->message);
    assert_string_equal(resp->error->reason, reason);
    return resp;
}

/* The value of the argument `name` of an Error (asserts it is there). */
static const char *error_arg(const Yanxiu__V1__Error *e, const char *name)
{
    for (size_t i = 0; i < e->n_args; i++)
        if (strcmp(e->args[i]->name, name) == 0)
            return e->args[i]->value;
    fail_msg("the error %s has no argument %s", e->reason, name);
    return NULL;
}

static void hello_returns_server_version_protocol_2_and_language(void **state)
{
    struct yxc *c = it_connect_raw();
    struct it_req r;
    it_req_hello(&r, PROTOCOL_VERSION);
    Yanxiu__V1__Envelope *resp = it_call_ok(c, &r, YANXIU__V1__ENVELOPE__BODY_HELLO_REPLY);
    const Yanxiu__V1__HelloResponse *h = resp->hello_reply;
    assert_string_equal(h->server_name, "yanxiud");
    assert_string_equal(h->server_version, YANXIU_VERSION);
    assert_int_equal(h->protocol_version, 2);
    assert_int_equal(h->n_protocol_versions, 1);
    assert_int_equal(h->protocol_versions[0], 2);
    assert_string_equal(h->language, "en");
    yxc_free(resp);

    /* No language named: Chinese, the default; a regional tag is its language. */
    const char *asked[] = {"", "zh", "ZH-cn", "en-US", "en_GB.UTF-8"};
    const char *spoken[] = {"zh-CN", "zh-CN", "zh-CN", "en", "en"};
    for (size_t i = 0; i < sizeof(asked) / sizeof(asked[0]); i++) {
        it_req_hello(&r, PROTOCOL_VERSION);
        r.u.hello.language = (char *)asked[i];
        resp = it_call_ok(c, &r, YANXIU__V1__ENVELOPE__BODY_HELLO_REPLY);
        assert_string_equal(resp->hello_reply->language, spoken[i]);
        yxc_free(resp);
    }
    yxc_close(c);
}

static void request_before_hello_is_refused(void **state)
{
    struct yxc *c = it_connect_raw();
    struct it_req r;
    it_req_ping(&r, false);
    Yanxiu__V1__Envelope *resp =
        call_refused(c, &r, YANXIU__V1__CODE__FAILED_PRECONDITION, "hello_required");
    assert_string_equal(error_arg(resp->error, "request"), "Ping");
    /* Before Hello the connection's language is Chinese, the default. */
    assert_non_null(strstr(resp->error->message, "Hello"));
    assert_non_null(strstr(resp->error->message, "第一个请求"));
    yxc_free(resp);
    /* Login too: nothing before Hello. */
    it_req_login(&r, "nobody", "secret");
    yxc_free(call_refused(c, &r, YANXIU__V1__CODE__FAILED_PRECONDITION, "hello_required"));
    /* The connection stays open: after Hello, the same requests are served. */
    it_req_hello(&r, PROTOCOL_VERSION);
    yxc_free(it_call_ok(c, &r, YANXIU__V1__ENVELOPE__BODY_HELLO_REPLY));
    it_ping_ok(c, true);
    yxc_close(c);
}

static void protocol_version_not_spoken_is_refused(void **state)
{
    struct yxc *c = it_connect_raw();
    struct it_req r;
    /* 1: the version before this one (a breaking change); 0: a client naming none; 99: the
     * future. Each is an error naming the asked and the spoken version, not a reply. */
    const uint32_t versions[] = {1, 0, 99};
    for (size_t i = 0; i < sizeof(versions) / sizeof(versions[0]); i++) {
        it_req_hello(&r, versions[i]);
        Yanxiu__V1__Envelope *resp = call_refused(c, &r, YANXIU__V1__CODE__FAILED_PRECONDITION,
                                                  "protocol_version_unsupported");
        char asked[16];
        snprintf(asked, sizeof(asked), "%u", versions[i]);
        assert_string_equal(error_arg(resp->error, "asked"), asked);
        assert_string_equal(error_arg(resp->error, "spoken"), "2");
        /* in the language the Hello asked for */
        assert_non_null(strstr(resp->error->message, "protocol version 2"));
        yxc_free(resp);
    }
    /* A refused Hello is no Hello. */
    it_req_ping(&r, false);
    yxc_free(call_refused(c, &r, YANXIU__V1__CODE__FAILED_PRECONDITION, "hello_required"));
    /* In Chinese when it asked for nothing. */
    it_req_hello(&r, 1);
    r.u.hello.language = "";
    Yanxiu__V1__Envelope *resp = call_refused(c, &r, YANXIU__V1__CODE__FAILED_PRECONDITION,
                                              "protocol_version_unsupported");
    assert_non_null(strstr(resp->error->message, "协议第 2 版"));
    yxc_free(resp);
    yxc_close(c);
}

static void unknown_language_is_refused_naming_the_two_offered(void **state)
{
    struct yxc *c = it_connect_raw();
    struct it_req r;
    it_req_hello(&r, PROTOCOL_VERSION);
    r.u.hello.language = "fr";
    Yanxiu__V1__Envelope *resp =
        call_refused(c, &r, YANXIU__V1__CODE__INVALID_ARGUMENT, "language_unsupported");
    assert_string_equal(error_arg(resp->error, "language"), "fr");
    assert_non_null(strstr(resp->error->message, "fr"));
    assert_non_null(strstr(resp->error->message, "zh-CN"));
    assert_non_null(strstr(resp->error->message, "en"));
    yxc_free(resp);
    it_req_ping(&r, false);
    yxc_free(call_refused(c, &r, YANXIU__V1__CODE__FAILED_PRECONDITION, "hello_required"));
    yxc_close(c);
}

static void messages_are_chinese_by_default_and_english_when_asked(void **state)
{
    struct it_req r;
    char msg[512];
    /* An empty user name, refused before any database work, on both languages. */
    struct yxc *zh = it_connect_lang(NULL);
    it_req_login(&r, "", "x");
    it_call_fails(zh, &r, YANXIU__V1__CODE__INVALID_ARGUMENT, msg, sizeof(msg));
    assert_string_equal(msg, "用户名为空");
    yxc_close(zh);
    struct yxc *en = it_connect_lang("en");
    it_call_fails(en, &r, YANXIU__V1__CODE__INVALID_ARGUMENT, msg, sizeof(msg));
    assert_string_equal(msg, "the user name is empty");
    yxc_close(en);
}

static void ping_answers_with_server_and_database_time(void **state)
{
    struct yxc *c = it_connect();
    struct it_req r;
    it_req_ping(&r, false);
    Yanxiu__V1__Envelope *resp = it_call_ok(c, &r, YANXIU__V1__ENVELOPE__BODY_PING_REPLY);
    assert_true(resp->ping_reply->server_time_us > 0);
    assert_int_equal(resp->ping_reply->database_time_us, 0);
    yxc_free(resp);

    it_req_ping(&r, true);
    resp = it_call_ok(c, &r, YANXIU__V1__ENVELOPE__BODY_PING_REPLY);
    assert_true(resp->ping_reply->database_time_us > 0);
    assert_true(resp->ping_reply->schema_version >= 1);
    yxc_free(resp);
    yxc_close(c);
}

static void requests_in_flight_are_answered_by_request_id(void **state)
{
    enum { N = 20 };
    struct yxc *c = it_connect();
    struct it_req r[N];
    uint64_t ids[N];
    struct yxc_error err;
    for (int i = 0; i < N; i++) {
        it_req_ping(&r[i], i % 3 == 0); /* some through the database, so answers overtake */
        if (!yxc_send(c, &r[i].env, &ids[i], &err))
            fail_msg("sending ping %d: %s", i, err.message);
    }
    for (int i = N - 1; i >= 0; i--) {
        Yanxiu__V1__Envelope *resp = NULL;
        if (!yxc_await(c, ids[i], &resp, &err))
            fail_msg("awaiting ping %d (request %llu): %s", i, (unsigned long long)ids[i],
                     err.message);
        assert_int_equal(resp->request_id, ids[i]);
        if (resp->body_case != YANXIU__V1__ENVELOPE__BODY_PING_REPLY)
            fail_msg("ping %d answered with %s", i, yxc_body_name(resp->body_case));
        if (i % 3 == 0)
            assert_true(resp->ping_reply->database_time_us > 0);
        else
            assert_int_equal(resp->ping_reply->database_time_us, 0);
        yxc_free(resp);
    }
    yxc_close(c);
}

/* Reads the next frame (whatever its request id) and asserts it is an Error with `code`. */
static void expect_error_frame(struct yxc *c, int code, uint64_t request_id)
{
    struct yxc_error err;
    Yanxiu__V1__Envelope *resp = NULL;
    if (!yxc_read_any(c, &resp, &err))
        fail_msg("expected the error %s, got: %s", frame_code_name(code), err.message);
    it_assert_error(resp, code);
    assert_int_equal(resp->request_id, request_id);
    printf("server said: %s: %s\n", frame_code_name(code), resp->error->message);
    assert_true(strlen(resp->error->message) > 0);
    yxc_free(resp);
}

static void send_raw(struct yxc *c, const void *data, size_t len)
{
    struct yxc_error err;
    if (!yxc_send_raw(c, data, len, &err))
        fail_msg("sending %zu raw bytes: %s", len, err.message);
}

static void assert_closed_by_server(struct yxc *c)
{
    if (!yxc_wait_closed(c, CLOSE_WAIT_MS))
        fail_msg("the server did not close the connection within %d ms", CLOSE_WAIT_MS);
}

static void unknown_request_body_is_unimplemented_and_connection_stays_usable(void **state)
{
    struct yxc *c = it_connect();
    /* An Envelope holding only field 900 (varint 1): tag 900<<3|0 = 7200 = a0 38. */
    static const uint8_t only_unknown[] = {0, 0, 0, 3, 0xa0, 0x38, 0x01};
    send_raw(c, only_unknown, sizeof(only_unknown));
    expect_error_frame(c, YANXIU__V1__CODE__UNIMPLEMENTED, 0);
    it_ping_ok(c, false);

    /* The same with a request id (field 1 = 4242 = 92 21): the error echoes it. */
    static const uint8_t with_id[] = {0, 0, 0, 6, 0x08, 0x92, 0x21, 0xa0, 0x38, 0x01};
    send_raw(c, with_id, sizeof(with_id));
    expect_error_frame(c, YANXIU__V1__CODE__UNIMPLEMENTED, 4242);
    it_ping_ok(c, true);

    /* A response body sent as a request is not a request either. */
    Yanxiu__V1__PingResponse pr = YANXIU__V1__PING_RESPONSE__INIT;
    Yanxiu__V1__Envelope env = YANXIU__V1__ENVELOPE__INIT;
    env.request_id = 4243;
    env.body_case = YANXIU__V1__ENVELOPE__BODY_PING_REPLY;
    env.ping_reply = &pr;
    size_t len;
    uint8_t *frame = frame_pack(&env, FRAME_DEFAULT_MAX, &len);
    assert_non_null(frame);
    send_raw(c, frame, len);
    free(frame);
    expect_error_frame(c, YANXIU__V1__CODE__UNIMPLEMENTED, 4243);
    it_ping_ok(c, false);
    yxc_close(c);
    it_assert_serving();
}

static void zero_length_frame_is_invalid_argument_then_closed(void **state)
{
    struct yxc *c = it_connect();
    it_ping_ok(c, false);
    static const uint8_t zero[] = {0, 0, 0, 0};
    send_raw(c, zero, sizeof(zero));
    expect_error_frame(c, YANXIU__V1__CODE__INVALID_ARGUMENT, 0);
    assert_closed_by_server(c);
    yxc_close(c);
    it_assert_serving();
}

static void oversize_length_is_resource_exhausted_then_closed_without_body(void **state)
{
    static const uint8_t headers[][4] = {
        {0x7f, 0xff, 0xff, 0xff}, /* 2 GiB - 1 */
        {0xff, 0xff, 0xff, 0xff}, /* 4 GiB - 1: no sign trouble */
        {0x01, 0x00, 0x00, 0x01}, /* 16 MiB + 1: just above the default max_frame */
        {0x00, 0x01, 0x00, 0x01}, /* 64 KiB + 1: above the tighter cap before login */
    };
    for (size_t i = 0; i < sizeof(headers) / sizeof(headers[0]); i++) {
        struct yxc *c = it_connect();
        send_raw(c, headers[i], 4); /* and never a byte of body */
        expect_error_frame(c, YANXIU__V1__CODE__RESOURCE_EXHAUSTED, 0);
        assert_closed_by_server(c);
        yxc_close(c);
        it_assert_serving();
    }
}

static void garbage_body_is_invalid_argument_then_closed(void **state)
{
    static const struct {
        const char *what;
        uint8_t bytes[16];
        size_t len;
    } bodies[] = {
        {"a tag with the invalid wire type 7", {0x0f, 0x01, 0x02}, 3},
        {"a varint that never ends",
         {0x08, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff},
         12},
        {"a string longer than the frame", {0x12, 0x40, 'a', 'b'}, 4},
        {"field number 0", {0x00, 0x01}, 2},
        {"a ping whose body is cut short", {0x92, 0x01, 0x05, 0x08}, 4},
        {"text", {'G', 'E', 'T', ' ', '/', ' ', 'H', 'T', 'T', 'P'}, 10},
    };
    for (size_t i = 0; i < sizeof(bodies) / sizeof(bodies[0]); i++) {
        printf("garbage: %s\n", bodies[i].what);
        struct yxc *c = it_connect();
        uint8_t frame[4 + 16];
        frame_put_header(frame, (uint32_t)bodies[i].len);
        memcpy(frame + 4, bodies[i].bytes, bodies[i].len);
        send_raw(c, frame, 4 + bodies[i].len);
        expect_error_frame(c, YANXIU__V1__CODE__INVALID_ARGUMENT, 0);
        assert_closed_by_server(c);
        yxc_close(c);
        it_assert_serving();
    }
}

static void truncated_frame_does_not_stop_the_server_serving_others(void **state)
{
    /* Someone else is connected, with a request on the way, all along. */
    struct yxc *other = it_connect();
    it_ping_ok(other, false);

    /* Announces 100 bytes, sends 10, then waits: the server must not wait with it. */
    struct yxc *slow = it_connect();
    uint8_t partial[4 + 10] = {0, 0, 0, 100, 0x08, 0x01, 0x92, 0x01};
    send_raw(slow, partial, sizeof(partial));
    it_ping_ok(other, true);
    it_assert_serving();

    /* Then hangs up in the middle of the frame. */
    yxc_close(slow);
    it_ping_ok(other, false);
    it_assert_serving();

    /* The same, hanging up at once, ten times over. */
    for (int i = 0; i < 10; i++) {
        struct yxc *c = it_connect();
        send_raw(c, partial, sizeof(partial));
        yxc_close(c);
    }
    it_ping_ok(other, true);
    yxc_close(other);
    it_assert_serving();
}

static void bad_frame_behind_a_request_gets_invalid_argument_then_close(void **state)
{
    /* A ping, then a zero-length frame right behind it: the ping's answer
     * may come first, then INVALID_ARGUMENT, then the server closes. */
    struct yxc *c = it_connect();
    struct it_req r;
    it_req_ping(&r, false);
    uint64_t id;
    struct yxc_error err;
    if (!yxc_send(c, &r.env, &id, &err))
        fail_msg("%s", err.message);
    static const uint8_t zero[] = {0, 0, 0, 0};
    send_raw(c, zero, sizeof(zero));
    bool got_error = false;
    for (int i = 0; i < 2 && !got_error; i++) {
        Yanxiu__V1__Envelope *resp = NULL;
        if (!yxc_read_any(c, &resp, &err))
            fail_msg("expected the ping's answer and an INVALID_ARGUMENT error: %s", err.message);
        if (resp->request_id == id) {
            assert_int_equal(resp->body_case, YANXIU__V1__ENVELOPE__BODY_PING_REPLY);
        } else {
            it_assert_error(resp, YANXIU__V1__CODE__INVALID_ARGUMENT);
            assert_int_equal(resp->request_id, 0);
            got_error = true;
        }
        yxc_free(resp);
    }
    assert_true(got_error);
    assert_closed_by_server(c);
    yxc_close(c);
    it_assert_serving();
}

static void two_hundred_concurrent_connections_each_ping(void **state)
{
    enum { N = 200 };
    it_raise_nofile(N + 64);
    struct yxc *conns[N];
    uint64_t ids[N];
    struct it_req r[N];
    struct yxc_error err;
    int64_t start = it_now_ms();
    for (int i = 0; i < N; i++) {
        conns[i] = it_try_connect(&err);
        if (!conns[i])
            fail_msg("connection %d of %d: %s", i + 1, N, err.message);
    }
    for (int i = 0; i < N; i++) {
        it_req_ping(&r[i], i % 4 == 0);
        if (!yxc_send(conns[i], &r[i].env, &ids[i], &err))
            fail_msg("ping on connection %d: %s", i + 1, err.message);
    }
    for (int i = 0; i < N; i++) {
        Yanxiu__V1__Envelope *resp = NULL;
        if (!yxc_await(conns[i], ids[i], &resp, &err))
            fail_msg("awaiting the ping on connection %d: %s", i + 1, err.message);
        if (!yxc_check(resp, &err))
            fail_msg("ping on connection %d: %s", i + 1, err.message);
        assert_int_equal(resp->body_case, YANXIU__V1__ENVELOPE__BODY_PING_REPLY);
        yxc_free(resp);
    }
    printf("%d connections opened, pinged and answered in %lld ms\n", N,
           (long long)(it_now_ms() - start));
    /* Every connection is still usable afterwards. */
    for (int i = 0; i < N; i += 10)
        it_ping_ok(conns[i], false);
    for (int i = 0; i < N; i++)
        yxc_close(conns[i]);
    it_assert_serving();
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(hello_returns_server_version_protocol_2_and_language),
        cmocka_unit_test(request_before_hello_is_refused),
        cmocka_unit_test(protocol_version_not_spoken_is_refused),
        cmocka_unit_test(unknown_language_is_refused_naming_the_two_offered),
        cmocka_unit_test(messages_are_chinese_by_default_and_english_when_asked),
        cmocka_unit_test(ping_answers_with_server_and_database_time),
        cmocka_unit_test(requests_in_flight_are_answered_by_request_id),
        cmocka_unit_test(unknown_request_body_is_unimplemented_and_connection_stays_usable),
        cmocka_unit_test(zero_length_frame_is_invalid_argument_then_closed),
        cmocka_unit_test(oversize_length_is_resource_exhausted_then_closed_without_body),
        cmocka_unit_test(garbage_body_is_invalid_argument_then_closed),
        cmocka_unit_test(truncated_frame_does_not_stop_the_server_serving_others),
        cmocka_unit_test(bad_frame_behind_a_request_gets_invalid_argument_then_close),
        cmocka_unit_test(two_hundred_concurrent_connections_each_ping),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
