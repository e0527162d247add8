/*
 * Unit tests of the wire codec (proto/frame.c): cutting a byte stream into
 * frames whatever the read boundaries, refusing bad lengths before reading a
 * body, and decoding within a memory budget.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "frame.h"

/* A framed Envelope carrying a Ping with the given request id. */
static uint8_t *pack_ping(uint64_t request_id, size_t *len)
{
    Yanxiu__V1__PingRequest ping = YANXIU__V1__PING_REQUEST__INIT;
    Yanxiu__V1__Envelope env = YANXIU__V1__ENVELOPE__INIT;
    ping.database = true;
    env.request_id = request_id;
    env.body_case = YANXIU__V1__ENVELOPE__BODY_PING;
    env.ping = &ping;
    uint8_t *buf = frame_pack(&env, FRAME_DEFAULT_MAX, len);
    assert_non_null(buf);
    return buf;
}

/* A framed Envelope carrying an Error whose message is `msglen` bytes of 'x'. */
static uint8_t *pack_error(size_t msglen, size_t *len)
{
    Yanxiu__V1__Error error = YANXIU__V1__ERROR__INIT;
    Yanxiu__V1__Envelope env = YANXIU__V1__ENVELOPE__INIT;
    char *msg = malloc(msglen + 1);
    assert_non_null(msg);
    memset(msg, 'x', msglen);
    msg[msglen] = '\0';
    error.code = YANXIU__V1__CODE__INVALID_ARGUMENT;
    error.message = msg;
    env.request_id = 7;
    env.body_case = YANXIU__V1__ENVELOPE__BODY_ERROR;
    env.error = &error;
    uint8_t *buf = frame_pack(&env, FRAME_DEFAULT_MAX, len);
    free(msg);
    assert_non_null(buf);
    return buf;
}

/* Decodes a body and checks it is the Ping with `request_id`. */
static void assert_ping(const uint8_t *body, size_t len, uint64_t request_id)
{
    struct frame_budget b;
    frame_budget_init(&b, 64 * 1024);
    Yanxiu__V1__Envelope *env = frame_unpack(&b, body, len);
    assert_non_null(env);
    assert_int_equal(env->request_id, request_id);
    assert_int_equal(env->body_case, YANXIU__V1__ENVELOPE__BODY_PING);
    assert_true(env->ping->database);
    yanxiu__v1__envelope__free_unpacked(env, &b.alloc);
    assert_int_equal(b.used, 0);
}

static void header_is_four_bytes_big_endian(void **state)
{
    uint8_t h[FRAME_HEADER_SIZE];
    frame_put_header(h, 0x01020304u);
    assert_int_equal(h[0], 0x01);
    assert_int_equal(h[1], 0x02);
    assert_int_equal(h[2], 0x03);
    assert_int_equal(h[3], 0x04);
    uint32_t n = 0;
    uint8_t whole[FRAME_HEADER_SIZE + 3] = {0, 0, 0, 3, 'a', 'b', 'c'};
    assert_int_equal(frame_parse(whole, sizeof(whole), 100, &n), FRAME_READY);
    assert_int_equal(n, 3);
}

static void parse_needs_more_while_header_is_partial(void **state)
{
    const uint8_t data[FRAME_HEADER_SIZE] = {0, 0, 0, 5};
    for (size_t avail = 0; avail < FRAME_HEADER_SIZE; avail++) {
        uint32_t n = 12345;
        assert_int_equal(frame_parse(data, avail, 100, &n), FRAME_NEED_MORE);
        assert_int_equal(n, 12345); /* nothing announced yet */
    }
}

static void parse_needs_more_while_body_is_partial(void **state)
{
    uint8_t data[FRAME_HEADER_SIZE + 10] = {0};
    frame_put_header(data, 10);
    uint32_t n = 0;
    for (size_t avail = FRAME_HEADER_SIZE; avail < sizeof(data); avail++) {
        assert_int_equal(frame_parse(data, avail, 100, &n), FRAME_NEED_MORE);
        assert_int_equal(n, 10);
    }
    assert_int_equal(frame_parse(data, sizeof(data), 100, &n), FRAME_READY);
    assert_int_equal(n, 10);
}

static void parse_finds_several_frames_in_one_buffer(void **state)
{
    size_t len[3], total = 0;
    uint8_t *frames[3];
    for (int i = 0; i < 3; i++) {
        frames[i] = pack_ping(100 + (uint64_t)i, &len[i]);
        total += len[i];
    }
    uint8_t *buf = malloc(total);
    assert_non_null(buf);
    size_t off = 0;
    for (int i = 0; i < 3; i++) {
        memcpy(buf + off, frames[i], len[i]);
        off += len[i];
        free(frames[i]);
    }

    off = 0;
    for (int i = 0; i < 3; i++) {
        uint32_t n = 0;
        assert_int_equal(frame_parse(buf + off, total - off, FRAME_DEFAULT_MAX, &n), FRAME_READY);
        assert_int_equal(FRAME_HEADER_SIZE + n, len[i]);
        assert_ping(buf + off + FRAME_HEADER_SIZE, n, 100 + (uint64_t)i);
        off += FRAME_HEADER_SIZE + n;
    }
    uint32_t n = 0;
    assert_int_equal(frame_parse(buf + off, total - off, FRAME_DEFAULT_MAX, &n), FRAME_NEED_MORE);
    free(buf);
}

static void reader_assembles_frames_fed_byte_by_byte(void **state)
{
    size_t len1, len2;
    uint8_t *f1 = pack_ping(1, &len1);
    uint8_t *f2 = pack_ping(0xfedcba9876543210ull, &len2);
    uint8_t *stream = malloc(len1 + len2);
    assert_non_null(stream);
    memcpy(stream, f1, len1);
    memcpy(stream + len1, f2, len2);

    struct frame_reader r;
    frame_reader_init(&r, FRAME_DEFAULT_MAX);
    int got = 0;
    for (size_t i = 0; i < len1 + len2; i++) {
        assert_true(frame_reader_feed(&r, stream + i, 1));
        const uint8_t *body = NULL;
        uint32_t n = 0;
        enum frame_status st = frame_reader_next(&r, &body, &n);
        if (i + 1 == len1) {
            assert_int_equal(st, FRAME_READY);
            assert_int_equal(n, len1 - FRAME_HEADER_SIZE);
            assert_ping(body, n, 1);
            got++;
        } else if (i + 1 == len1 + len2) {
            assert_int_equal(st, FRAME_READY);
            assert_int_equal(n, len2 - FRAME_HEADER_SIZE);
            assert_ping(body, n, 0xfedcba9876543210ull);
            got++;
        } else {
            assert_int_equal(st, FRAME_NEED_MORE);
        }
    }
    assert_int_equal(got, 2);
    const uint8_t *body = NULL;
    uint32_t n = 0;
    assert_int_equal(frame_reader_next(&r, &body, &n), FRAME_NEED_MORE);

    /* the reader is ready for more after consuming everything */
    assert_true(frame_reader_feed(&r, f1, len1));
    assert_int_equal(frame_reader_next(&r, &body, &n), FRAME_READY);
    assert_ping(body, n, 1);
    assert_int_equal(frame_reader_next(&r, &body, &n), FRAME_NEED_MORE);

    frame_reader_free(&r);
    free(stream);
    free(f1);
    free(f2);
}

/* A framed Envelope with `request_id` carrying an Error of `msglen` bytes. */
static uint8_t *pack_sized(uint64_t request_id, size_t msglen, size_t *len)
{
    Yanxiu__V1__Error error = YANXIU__V1__ERROR__INIT;
    Yanxiu__V1__Envelope env = YANXIU__V1__ENVELOPE__INIT;
    char *msg = malloc(msglen + 1);
    assert_non_null(msg);
    for (size_t i = 0; i < msglen; i++)
        msg[i] = (char)('a' + (request_id + i) % 26);
    msg[msglen] = '\0';
    error.message = msg;
    env.request_id = request_id;
    env.body_case = YANXIU__V1__ENVELOPE__BODY_ERROR;
    env.error = &error;
    uint8_t *buf = frame_pack(&env, FRAME_DEFAULT_MAX, len);
    free(msg);
    assert_non_null(buf);
    return buf;
}

/* Feeds the stream in reads of `chunk` bytes and checks every frame comes out, in order. */
static void read_stream_in_chunks(size_t chunk)
{
    enum { NFRAMES = 3000 };
    size_t total = 0, cap = 0;
    uint8_t *stream = NULL;
    for (uint64_t id = 1; id <= NFRAMES; id++) {
        size_t len;
        uint8_t *f = pack_sized(id, (size_t)(id * 37 % 500), &len);
        if (total + len > cap) {
            cap = (total + len) * 2;
            stream = realloc(stream, cap);
            assert_non_null(stream);
        }
        memcpy(stream + total, f, len);
        total += len;
        free(f);
    }

    struct frame_reader r;
    frame_reader_init(&r, FRAME_DEFAULT_MAX);
    uint64_t next_id = 1;
    for (size_t off = 0; off < total; off += chunk) {
        size_t n = total - off < chunk ? total - off : chunk;
        assert_true(frame_reader_feed(&r, stream + off, n));
        const uint8_t *body;
        uint32_t body_len;
        enum frame_status st;
        while ((st = frame_reader_next(&r, &body, &body_len)) == FRAME_READY) {
            struct frame_budget b;
            frame_budget_init(&b, 64 * 1024);
            Yanxiu__V1__Envelope *env = frame_unpack(&b, body, body_len);
            assert_non_null(env);
            assert_int_equal(env->request_id, next_id);
            assert_int_equal(env->body_case, YANXIU__V1__ENVELOPE__BODY_ERROR);
            size_t msglen = (size_t)(next_id * 37 % 500);
            assert_int_equal(strlen(env->error->message), msglen);
            for (size_t i = 0; i < msglen; i++)
                assert_int_equal(env->error->message[i], 'a' + (next_id + i) % 26);
            yanxiu__v1__envelope__free_unpacked(env, &b.alloc);
            next_id++;
        }
        assert_int_equal(st, FRAME_NEED_MORE);
    }
    assert_int_equal(next_id, NFRAMES + 1);
    frame_reader_free(&r);
    free(stream);
}

static void reader_keeps_order_across_odd_sized_reads(void **state)
{
    /* 3000 frames of 0..499 bytes (about 750 KiB). Small reads: frames
     * straddle every boundary. Large reads: many frames per read, so the
     * reader consumes far into its buffer before it moves the rest down. */
    read_stream_in_chunks(7);
    read_stream_in_chunks(100 * 1000);
    read_stream_in_chunks(1 << 20);
}

static void zero_length_is_frame_empty(void **state)
{
    const uint8_t data[FRAME_HEADER_SIZE] = {0, 0, 0, 0};
    uint32_t n = 99;
    assert_int_equal(frame_parse(data, sizeof(data), 100, &n), FRAME_EMPTY);
    assert_int_equal(n, 0);

    struct frame_reader r;
    frame_reader_init(&r, 100);
    assert_true(frame_reader_feed(&r, data, sizeof(data)));
    const uint8_t *body = NULL;
    assert_int_equal(frame_reader_next(&r, &body, &n), FRAME_EMPTY);
    frame_reader_free(&r);
}

static void oversize_is_frame_too_big_without_the_body(void **state)
{
    /* Only the header is there: the limit is known before any body byte. */
    uint8_t data[FRAME_HEADER_SIZE];
    uint32_t n = 0;
    frame_put_header(data, 1001);
    assert_int_equal(frame_parse(data, sizeof(data), 1000, &n), FRAME_TOO_BIG);
    assert_int_equal(n, 1001);

    frame_put_header(data, 1000); /* exactly the limit is fine */
    assert_int_equal(frame_parse(data, sizeof(data), 1000, &n), FRAME_NEED_MORE);

    frame_put_header(data, 0xffffffffu);
    assert_int_equal(frame_parse(data, sizeof(data), FRAME_DEFAULT_MAX, &n), FRAME_TOO_BIG);
    assert_int_equal(n, 0xffffffffu);

    struct frame_reader r;
    frame_reader_init(&r, FRAME_DEFAULT_MAX);
    assert_true(frame_reader_feed(&r, data, sizeof(data)));
    const uint8_t *body = NULL;
    assert_int_equal(frame_reader_next(&r, &body, &n), FRAME_TOO_BIG);
    frame_reader_free(&r);
}

static void pack_refuses_envelope_above_max_body(void **state)
{
    Yanxiu__V1__Error error = YANXIU__V1__ERROR__INIT;
    Yanxiu__V1__Envelope env = YANXIU__V1__ENVELOPE__INIT;
    char msg[200];
    memset(msg, 'y', sizeof(msg) - 1);
    msg[sizeof(msg) - 1] = '\0';
    error.message = msg;
    env.body_case = YANXIU__V1__ENVELOPE__BODY_ERROR;
    env.error = &error;
    size_t len = 0;
    assert_null(frame_pack(&env, 100, &len));
}

static void garbage_that_frames_does_not_unpack(void **state)
{
    static const struct {
        const char *what;
        uint8_t bytes[8];
        size_t len;
    } garbage[] = {
        {"wire type 7 does not exist", {0x0f, 0x01, 0x02}, 3},
        {"varint that never ends", {0x08, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff}, 8},
        {"string longer than the body", {0x1a, 0x10, 'a', 'b'}, 4},
        {"field number 0", {0x00, 0x01}, 2},
        {"bytes of an Error body longer than the body", {0x22, 0x7f, 0x08}, 3},
    };
    for (size_t i = 0; i < sizeof(garbage) / sizeof(garbage[0]); i++) {
        uint8_t framed[FRAME_HEADER_SIZE + 8];
        frame_put_header(framed, (uint32_t)garbage[i].len);
        memcpy(framed + FRAME_HEADER_SIZE, garbage[i].bytes, garbage[i].len);
        uint32_t n = 0;
        assert_int_equal(frame_parse(framed, FRAME_HEADER_SIZE + garbage[i].len, 100, &n),
                         FRAME_READY);

        struct frame_budget b;
        frame_budget_init(&b, 64 * 1024);
        Yanxiu__V1__Envelope *env = frame_unpack(&b, framed + FRAME_HEADER_SIZE, n);
        if (env) {
            yanxiu__v1__envelope__free_unpacked(env, &b.alloc);
            fail_msg("garbage decoded: %s", garbage[i].what);
        }
        assert_int_equal(b.used, 0);
    }
}

static void budget_refuses_message_larger_than_budget(void **state)
{
    size_t len = 0;
    uint8_t *frame = pack_error(10000, &len);
    const uint8_t *body = frame + FRAME_HEADER_SIZE;
    size_t body_len = len - FRAME_HEADER_SIZE;

    struct frame_budget small;
    frame_budget_init(&small, 1000);
    assert_null(frame_unpack(&small, body, body_len));
    assert_int_equal(small.used, 0); /* what was allocated before the refusal is given back */

    struct frame_budget big;
    frame_budget_init(&big, 64 * 1024);
    Yanxiu__V1__Envelope *env = frame_unpack(&big, body, body_len);
    assert_non_null(env);
    assert_int_equal(env->body_case, YANXIU__V1__ENVELOPE__BODY_ERROR);
    assert_int_equal(strlen(env->error->message), 10000);
    assert_true(big.used > 10000);
    assert_true(big.used <= big.budget);
    yanxiu__v1__envelope__free_unpacked(env, &big.alloc);
    assert_int_equal(big.used, 0);
    free(frame);
}

static void ping_round_trips_through_pack_and_unpack(void **state)
{
    size_t len = 0;
    uint8_t *frame = pack_ping(42, &len);
    uint32_t n = 0;
    assert_int_equal(frame_parse(frame, len, FRAME_DEFAULT_MAX, &n), FRAME_READY);
    assert_int_equal(FRAME_HEADER_SIZE + n, len);
    assert_ping(frame + FRAME_HEADER_SIZE, n, 42);
    free(frame);
}

static void code_names_are_the_proto_names(void **state)
{
    assert_string_equal(frame_code_name(YANXIU__V1__CODE__RESOURCE_EXHAUSTED),
                        "RESOURCE_EXHAUSTED");
    assert_string_equal(frame_code_name(YANXIU__V1__CODE__INVALID_ARGUMENT), "INVALID_ARGUMENT");
    assert_string_equal(frame_code_name(YANXIU__V1__CODE__UNIMPLEMENTED), "UNIMPLEMENTED");
    assert_non_null(frame_code_name(9999));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(header_is_four_bytes_big_endian),
        cmocka_unit_test(parse_needs_more_while_header_is_partial),
        cmocka_unit_test(parse_needs_more_while_body_is_partial),
        cmocka_unit_test(parse_finds_several_frames_in_one_buffer),
        cmocka_unit_test(reader_assembles_frames_fed_byte_by_byte),
        cmocka_unit_test(reader_keeps_order_across_odd_sized_reads),
        cmocka_unit_test(zero_length_is_frame_empty),
        cmocka_unit_test(oversize_is_frame_too_big_without_the_body),
        cmocka_unit_test(pack_refuses_envelope_above_max_body),
        cmocka_unit_test(garbage_that_frames_does_not_unpack),
        cmocka_unit_test(budget_refuses_message_larger_than_budget),
        cmocka_unit_test(ping_round_trips_through_pack_and_unpack),
        cmocka_unit_test(code_names_are_the_proto_names),
    };
    return cmocka_run_group_tests_name("frame", tests, NULL, NULL);
}
