/*
 * Unit tests of the client library's reading of frames (client/yxc.c) against a
 * fake server on loopback that writes fixed bytes: a whole frame followed, in the
 * same write, by what a TLS server or a web server would say. The diagnosis must
 * look at the unread bytes, not at the frame already taken before them.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <cmocka.h>

#include "lang.h"
#include "yxc.h"

/* A listening socket on 127.0.0.1 and the bytes it writes, in one send, to the one
   client it accepts; then it waits (bounded) for the client to close. */
struct fake_server {
    int listen_fd;
    uint16_t port;
    uint8_t *bytes;
    size_t len;
    pthread_t thread;
};

static void *fake_serve(void *arg)
{
    struct fake_server *s = arg;
    int fd = accept(s->listen_fd, NULL, NULL);
    if (fd < 0)
        return NULL;
    struct timeval tv = {.tv_sec = 10};
    (void)setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
    (void)send(fd, s->bytes, s->len, MSG_NOSIGNAL);
    char sink[256];
    while (recv(fd, sink, sizeof(sink), 0) > 0)
        ;
    close(fd);
    return NULL;
}

/* Starts a fake server that sends a framed Envelope (request id 1), then `tail`. */
static void fake_start(struct fake_server *s, const void *tail, size_t tail_len)
{
    Yanxiu__V1__Envelope env = YANXIU__V1__ENVELOPE__INIT;
    env.request_id = 1;
    size_t flen = 0;
    uint8_t *frame = frame_pack(&env, FRAME_DEFAULT_MAX, &flen);
    assert_non_null(frame);
    s->len = flen + tail_len;
    s->bytes = malloc(s->len);
    assert_non_null(s->bytes);
    memcpy(s->bytes, frame, flen);
    memcpy(s->bytes + flen, tail, tail_len);
    free(frame);

    s->listen_fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    assert_true(s->listen_fd >= 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    assert_int_equal(bind(s->listen_fd, (struct sockaddr *)&a, sizeof(a)), 0);
    socklen_t alen = sizeof(a);
    assert_int_equal(getsockname(s->listen_fd, (struct sockaddr *)&a, &alen), 0);
    assert_int_equal(listen(s->listen_fd, 1), 0);
    s->port = ntohs(a.sin_port);
    assert_int_equal(pthread_create(&s->thread, NULL, fake_serve, s), 0);
}

static void fake_stop(struct fake_server *s)
{
    pthread_join(s->thread, NULL);
    close(s->listen_fd);
    free(s->bytes);
}

/* Connects, takes the whole first frame, and returns the error of reading the next. */
static void read_past_first_frame(struct fake_server *s, struct yxc_error *err)
{
    struct yxc_error cerr;
    struct yxc *c = yxc_connect("127.0.0.1", s->port, 5000, &cerr);
    assert_non_null(c);
    yxc_set_timeout(c, 5000);
    /* Both parts must be read before the first frame is taken: the bug needs consumed
       bytes in front of the unread ones. */
    assert_false(yxc_wait_closed(c, 200));
    Yanxiu__V1__Envelope *env = NULL;
    assert_true(yxc_read_any(c, &env, err));
    assert_int_equal(env->request_id, 1);
    yxc_free(env);
    env = NULL;
    assert_false(yxc_read_any(c, &env, err));
    assert_null(env);
    yxc_close(c);
}

static void tls_alert_after_a_frame_is_named_tls(void **state)
{
    (void)state;
    /* A TLS alert record: content type 21, version 3.3, length 2, fatal, protocol_version. */
    static const uint8_t alert[] = {0x15, 0x03, 0x03, 0x00, 0x02, 0x02, 0x46};
    struct fake_server s;
    fake_start(&s, alert, sizeof(alert));
    struct yxc_error err;
    read_past_first_frame(&s, &err);
    fake_stop(&s);
    assert_int_equal(err.fail, YXC_ERR_PROTOCOL);
    assert_non_null(strstr(err.message, "answered in TLS, and this connection is plaintext"));
}

static void http_answer_after_a_frame_is_quoted(void **state)
{
    (void)state;
    static const char http[] = "HTTP/1.1 400 Bad Request\r\n\r\n";
    struct fake_server s;
    fake_start(&s, http, sizeof(http) - 1);
    struct yxc_error err;
    read_past_first_frame(&s, &err);
    fake_stop(&s);
    assert_int_equal(err.fail, YXC_ERR_PROTOCOL);
    assert_non_null(strstr(err.message, "(it sent \"HTTP...\": is that a yanxiud?)"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(tls_alert_after_a_frame_is_named_tls),
        cmocka_unit_test(http_answer_after_a_frame_is_quoted),
    };
    /* The messages these tests read are the English ones. */
    if (!msg_init())
        return 1;
    lang_set(MSG_EN);
    return cmocka_run_group_tests(tests, NULL, NULL);
}
