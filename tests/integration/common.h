/*
 * Shared helpers of the integration tests: they run under
 * tests/harness/with-server and drive the real yanxiud (through the client
 * library) and the real PostgreSQL (through psql and the server-host CLI).
 * Every helper asserts with cmocka, so a failure ends the current test with
 * a message that says what was expected and what came back.
 */
#ifndef YANXIU_IT_COMMON_H
#define YANXIU_IT_COMMON_H

#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "yxc.h"

/* Every wait of a test has a deadline; this is the per-call default. */
#define IT_TIMEOUT_MS 10000

/* --- environment, time ---------------------------------------------------------- */

/* An environment variable the harness must have set (asserts it is there). */
const char *it_env(const char *name);

int64_t it_now_ms(void);
void it_sleep_ms(int ms);

/* Raises the soft RLIMIT_NOFILE to at least `want` (up to the hard limit). */
void it_raise_nofile(unsigned long want);

/* --- requests ------------------------------------------------------------------- */

/*
 * A request envelope with room for its body. The envelope points into the
 * struct: build it in place with it_req_* and do not copy it.
 */
struct it_req {
    Yanxiu__V1__Envelope env;
    union {
        Yanxiu__V1__HelloRequest hello;
        Yanxiu__V1__PingRequest ping;
        Yanxiu__V1__LoginRequest login;
        Yanxiu__V1__LogoutRequest logout;
        Yanxiu__V1__WhoAmIRequest whoami;
        Yanxiu__V1__AuditQuery audit;
    } u;
};

/* A Hello asking for English messages (set r->u.hello.language for another). */
void it_req_hello(struct it_req *r, uint32_t protocol_version);
void it_req_ping(struct it_req *r, bool database);
/* The strings are referenced, not copied: they must outlive the request. */
void it_req_login(struct it_req *r, const char *user, const char *password);
void it_req_logout(struct it_req *r);
void it_req_whoami(struct it_req *r);
void it_req_audit(struct it_req *r, const char *user, uint32_t limit);
/* Sends this token instead of the connection's (referenced, not copied). */
void it_req_token(struct it_req *r, const uint8_t *token, size_t len);

/* --- connections and calls ------------------------------------------------------------ */

/*
 * Connects to $YX_SERVER with IT_TIMEOUT_MS for every call and says Hello
 * (protocol version 2) asking for English messages, which the tests read;
 * asserts success.
 */
struct yxc *it_connect(void);

/* The same, asking for messages in `language` ("zh-CN", "en"; NULL: the default). */
struct yxc *it_connect_lang(const char *language);

/* Connects without saying Hello (the negotiation tests send their own). */
struct yxc *it_connect_raw(void);

/* it_connect, it_connect_lang and it_connect_raw returning NULL with err filled
 * instead of asserting. */
struct yxc *it_try_connect(struct yxc_error *err);
struct yxc *it_try_connect_lang(const char *language, struct yxc_error *err);
struct yxc *it_try_connect_raw(struct yxc_error *err);

/* Sends r and awaits a body of case `expect` (asserts). Free with yxc_free. */
Yanxiu__V1__Envelope *it_call_ok(struct yxc *c, struct it_req *r,
                                 Yanxiu__V1__Envelope__BodyCase expect);

/*
 * Sends r and asserts the answer is an Error with `code`. Copies the
 * server's message (without the code prefix) into msg when msg is not NULL.
 */
void it_call_fails(struct yxc *c, struct it_req *r, int code, char *msg, size_t msglen);

/* Asserts `env` is an Error with `code` (a readable failure otherwise). */
void it_assert_error(const Yanxiu__V1__Envelope *env, int code);

/* A ping (optionally through the database) on c that must succeed. */
void it_ping_ok(struct yxc *c, bool database);

/* A fresh connection still gets answers: Hello and Ping. */
void it_assert_serving(void);

/* --- sessions -------------------------------------------------------------------------- */

/*
 * Logs in on a new connection, asserts success, sets the token on the
 * connection and copies it (32 bytes) into token when not NULL.
 */
struct yxc *it_login(const char *user, const char *password, uint8_t token[32]);

/* it_login on a connection that asked for messages in `language`. */
struct yxc *it_login_lang(const char *user, const char *password, const char *language,
                          uint8_t token[32]);

/* Hex of bytes, lower case, into out (2*len + 1 bytes). */
void it_hex(const uint8_t *data, size_t len, char *out);

/* --- shell, psql and the server-host CLI ----------------------------------------------- */

/* Runs a shell command (printf-style), printing it first; returns its exit status or -1. */
int it_sh(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Like it_sh but returns what it wrote on stdout and stderr (malloc'd) and its status. */
char *it_sh_output(int *status, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/*
 * Runs SQL through psql, as the superuser ($YX_PSQL) or as the daemon's role
 * ($YX_PSQL_APP), unaligned and tuples only (-At); the SQL goes through a
 * file, so it may hold several statements and psql meta-commands. Returns
 * the output (stdout and stderr, malloc'd) and sets *status.
 */
char *it_psql(bool as_daemon_role, int *status, const char *sql);

/* Adds a district with `yanxiud district add` (asserts success). */
void it_add_district(const char *code, const char *name);

/*
 * Adds a user with `yanxiud user add` and the password from YANXIU_PASSWORD
 * (asserts success). district and unit may be NULL.
 */
void it_add_user(const char *name, const char *role, const char *district, const char *unit,
                 const char *password);

/* --- any request, answers --------------------------------------------------------------- */

/* Sends env on c and returns the answer, whatever it is (asserts the I/O only). Free with
 * yxc_free. */
Yanxiu__V1__Envelope *it_call_env(struct yxc *c, Yanxiu__V1__Envelope *env);

/* An answer for messages: "CODE: message [path: reason; ...]" or the body's name. */
void it_describe(const Yanxiu__V1__Envelope *resp, char *out, size_t cap);

/* True when s is well-formed UTF-8 (no overlong forms, surrogates or code points > U+10FFFF). */
bool it_utf8_ok(const char *s);

/*
 * it_psql with ON_ERROR_STOP and the SQL formatted printf-style; asserts psql succeeded and
 * returns its output (malloc'd).
 */
char *it_psql_ok(bool as_daemon_role, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* The first line of it_psql_ok's output as a number (asserts it is one). */
long it_psql_long(bool as_daemon_role, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* --- monthly reports ------------------------------------------------------------------- */

/*
 * A SubmitReportRequest built on the heap: every string, array and sub-message the it_report_*
 * helpers set is malloc'd, and it_report_free frees them. Set other string fields with it_set
 * (never assign a literal to a field of such a request).
 *
 * it_report_new makes a report of unit (empty: the school role's own) for month (YYYY-MM) with a
 * fresh random idempotency key and n_activities activities, each with every one of the
 * n_teachers teachers present (hours 0: the activity's). Activity i is "<month>-A<i>" on day
 * 1 + i % 28, 2 hours from 08:00 + 2 * ((i / 28) % 5), 2.0 hours, category subject, form
 * lesson_study, level school, mode centralized, host 教导主任.
 */
Yanxiu__V1__SubmitReportRequest *it_report_new(const char *unit, const char *month,
                                               size_t n_activities, const char *const *teachers,
                                               size_t n_teachers);

/* Appends an activity (the defaults above for what is not given) and returns it. */
Yanxiu__V1__Activity *it_report_add_activity(Yanxiu__V1__SubmitReportRequest *r, const char *ref,
                                             const char *date, const char *start, const char *end,
                                             double hours);

/* Appends a sign-in row of activity a (its ref as it is now; name may be NULL or empty: none
 * given) to r's flat list and returns it. */
Yanxiu__V1__Attendance *it_report_add_attendance(Yanxiu__V1__SubmitReportRequest *r,
                                                 const Yanxiu__V1__Activity *a,
                                                 const char *teacher, const char *name,
                                                 const char *status, double hours);

/* The j-th sign-in row (0-based) of activity number act (0-based), by its ref. */
Yanxiu__V1__Attendance *it_report_att(Yanxiu__V1__SubmitReportRequest *r, size_t act, size_t j);

/* Appends an external record (category other, level county, mode remote) and returns it. */
Yanxiu__V1__ExternalRecord *it_report_add_external(Yanxiu__V1__SubmitReportRequest *r,
                                                   const char *teacher, const char *date,
                                                   const char *title, double hours);

/* A fresh random idempotency key (32 hex digits): the next submission is a new one. */
void it_report_new_key(Yanxiu__V1__SubmitReportRequest *r);

/* Sets a string field of an it_report_* message to a malloc'd copy of value (bytes as given). */
void it_set(char **field, const char *value);

void it_report_free(Yanxiu__V1__SubmitReportRequest *r);

/* An envelope carrying the request (referenced, not copied). */
void it_env_submit(Yanxiu__V1__Envelope *env, Yanxiu__V1__SubmitReportRequest *r);

#endif
