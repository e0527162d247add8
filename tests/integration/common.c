/*
 * Shared helpers of the integration tests (see common.h): connecting to the
 * daemon the harness started, building and checking requests, and running
 * psql and the server-host CLI.
 */
#include "common.h"
#include "vocab.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/* --- environment, time ---------------------------------------------------------- */

const char *it_env(const char *name)
{
    const char *v = getenv(name);
    if (!v || !*v)
        fail_msg("%s is not set: run this test under tests/harness/with-server (ctest does)", name);
    return v;
}

int64_t it_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

void it_sleep_ms(int ms)
{
    struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};
    while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
        ;
}

void it_raise_nofile(unsigned long want)
{
    struct rlimit rl;
    assert_int_equal(getrlimit(RLIMIT_NOFILE, &rl), 0);
    if (rl.rlim_cur >= want)
        return;
    rl.rlim_cur = rl.rlim_max == RLIM_INFINITY || rl.rlim_max >= want ? want : rl.rlim_max;
    if (setrlimit(RLIMIT_NOFILE, &rl) != 0 || rl.rlim_cur < want)
        fail_msg("need %lu open files, the limit is %llu: raise it (ulimit -n)", want,
                 (unsigned long long)rl.rlim_cur);
}

/* --- requests ------------------------------------------------------------------- */

static void req_init(struct it_req *r, Yanxiu__V1__Envelope__BodyCase body)
{
    memset(r, 0, sizeof(*r));
    yanxiu__v1__envelope__init(&r->env);
    r->env.body_case = body;
}

void it_req_hello(struct it_req *r, uint32_t protocol_version)
{
    req_init(r, YANXIU__V1__ENVELOPE__BODY_HELLO);
    yanxiu__v1__hello_request__init(&r->u.hello);
    r->u.hello.client_name = "yanxiu-integration-tests";
    r->u.hello.client_version = YANXIU_VERSION;
    r->u.hello.protocol_version = protocol_version;
    r->u.hello.language = "en"; /* the tests read English messages */
    r->env.hello = &r->u.hello;
}

void it_req_ping(struct it_req *r, bool database)
{
    req_init(r, YANXIU__V1__ENVELOPE__BODY_PING);
    yanxiu__v1__ping_request__init(&r->u.ping);
    r->u.ping.database = database;
    r->env.ping = &r->u.ping;
}

void it_req_login(struct it_req *r, const char *user, const char *password)
{
    req_init(r, YANXIU__V1__ENVELOPE__BODY_LOGIN);
    yanxiu__v1__login_request__init(&r->u.login);
    r->u.login.user = (char *)user;
    r->u.login.password = (char *)password;
    r->env.login = &r->u.login;
}

void it_req_logout(struct it_req *r)
{
    req_init(r, YANXIU__V1__ENVELOPE__BODY_LOGOUT);
    yanxiu__v1__logout_request__init(&r->u.logout);
    r->env.logout = &r->u.logout;
}

void it_req_whoami(struct it_req *r)
{
    req_init(r, YANXIU__V1__ENVELOPE__BODY_WHOAMI);
    yanxiu__v1__who_am_irequest__init(&r->u.whoami);
    r->env.whoami = &r->u.whoami;
}

void it_req_audit(struct it_req *r, const char *user, uint32_t limit)
{
    req_init(r, YANXIU__V1__ENVELOPE__BODY_AUDIT_QUERY);
    yanxiu__v1__audit_query__init(&r->u.audit);
    r->u.audit.user = (char *)(user ? user : "");
    r->u.audit.limit = limit;
    r->env.audit_query = &r->u.audit;
}

void it_req_token(struct it_req *r, const uint8_t *token, size_t len)
{
    r->env.session_token.data = (uint8_t *)token;
    r->env.session_token.len = len;
}

/* --- connections and calls ------------------------------------------------------------ */

struct yxc *it_try_connect_raw(struct yxc_error *err)
{
    char host[256];
    uint16_t port;
    if (!yxc_parse_server(it_env("YX_SERVER"), host, sizeof(host), &port, err))
        return NULL;
    struct yxc *c = yxc_connect(host, port, IT_TIMEOUT_MS, err);
    if (c)
        yxc_set_timeout(c, IT_TIMEOUT_MS);
    return c;
}

struct yxc *it_try_connect_lang(const char *language, struct yxc_error *err)
{
    struct yxc *c = it_try_connect_raw(err);
    Yanxiu__V1__Envelope *resp = NULL;
    if (c && !yxc_hello(c, "yanxiu-integration-tests", language, &resp, err)) {
        yxc_close(c);
        return NULL;
    }
    yxc_free(resp);
    return c;
}

struct yxc *it_try_connect(struct yxc_error *err)
{
    return it_try_connect_lang("en", err);
}

struct yxc *it_connect_raw(void)
{
    struct yxc_error err;
    struct yxc *c = it_try_connect_raw(&err);
    if (!c)
        fail_msg("connecting to %s: %s", getenv("YX_SERVER"), err.message);
    return c;
}

struct yxc *it_connect_lang(const char *language)
{
    struct yxc_error err;
    struct yxc *c = it_try_connect_lang(language, &err);
    if (!c)
        fail_msg("connecting to %s and saying Hello (%s): %s", getenv("YX_SERVER"),
                 language ? language : "default language", err.message);
    return c;
}

struct yxc *it_connect(void)
{
    return it_connect_lang("en");
}

Yanxiu__V1__Envelope *it_call_ok(struct yxc *c, struct it_req *r,
                                 Yanxiu__V1__Envelope__BodyCase expect)
{
    struct yxc_error err;
    Yanxiu__V1__Envelope *resp = NULL;
    if (!yxc_call(c, &r->env, expect, &resp, &err))
        fail_msg("%s: expected %s, got: %s", yxc_body_name(r->env.body_case), yxc_body_name(expect),
                 err.message);
    return resp;
}

void it_assert_error(const Yanxiu__V1__Envelope *env, int code)
{
    assert_non_null(env);
    if (env->body_case != YANXIU__V1__ENVELOPE__BODY_ERROR || !env->error)
        fail_msg("expected the error %s, got %s (request %llu)", frame_code_name(code),
                 yxc_body_name(env->body_case), (unsigned long long)env->request_id);
    if ((int)env->error->code != code)
        fail_msg("expected the error %s, got %s: %s", frame_code_name(code),
                 frame_code_name((int)env->error->code),
                 env->error->message ? env->error->message : "");
}

void it_call_fails(struct yxc *c, struct it_req *r, int code, char *msg, size_t msglen)
{
    struct yxc_error err;
    uint64_t id;
    if (!yxc_send(c, &r->env, &id, &err))
        fail_msg("sending %s: %s", yxc_body_name(r->env.body_case), err.message);
    Yanxiu__V1__Envelope *resp = NULL;
    if (!yxc_await(c, id, &resp, &err))
        fail_msg("awaiting the answer to %s: %s", yxc_body_name(r->env.body_case), err.message);
    it_assert_error(resp, code);
    if (msg)
        snprintf(msg, msglen, "%s", resp->error->message ? resp->error->message : "");
    yxc_free(resp);
}

void it_ping_ok(struct yxc *c, bool database)
{
    struct it_req r;
    it_req_ping(&r, database);
    Yanxiu__V1__Envelope *resp = it_call_ok(c, &r, YANXIU__V1__ENVELOPE__BODY_PING_REPLY);
    assert_true(resp->ping_reply->server_time_us > 0);
    if (database)
        assert_true(resp->ping_reply->database_time_us > 0);
    yxc_free(resp);
}

void it_assert_serving(void)
{
    struct yxc *c = it_connect_raw();
    struct it_req r;
    it_req_hello(&r, PROTOCOL_VERSION);
    Yanxiu__V1__Envelope *resp = it_call_ok(c, &r, YANXIU__V1__ENVELOPE__BODY_HELLO_REPLY);
    assert_int_equal(resp->hello_reply->protocol_version, PROTOCOL_VERSION);
    yxc_free(resp);
    it_ping_ok(c, false);
    yxc_close(c);
}

/* --- sessions -------------------------------------------------------------------------- */

struct yxc *it_login(const char *user, const char *password, uint8_t token[32])
{
    return it_login_lang(user, password, "en", token);
}

struct yxc *it_login_lang(const char *user, const char *password, const char *language,
                          uint8_t token[32])
{
    struct yxc *c = it_connect_lang(language);
    struct it_req r;
    it_req_login(&r, user, password);
    Yanxiu__V1__Envelope *resp = it_call_ok(c, &r, YANXIU__V1__ENVELOPE__BODY_LOGIN_REPLY);
    const Yanxiu__V1__LoginResponse *lr = resp->login_reply;
    assert_int_equal(lr->token.len, 32);
    yxc_set_token(c, lr->token.data, lr->token.len);
    if (token)
        memcpy(token, lr->token.data, 32);
    yxc_free(resp);
    return c;
}

void it_hex(const uint8_t *data, size_t len, char *out)
{
    static const char digits[] = "0123456789abcdef";
    for (size_t i = 0; i < len; i++) {
        out[2 * i] = digits[data[i] >> 4];
        out[2 * i + 1] = digits[data[i] & 15];
    }
    out[2 * len] = '\0';
}

/* --- shell, psql and the server-host CLI ----------------------------------------------- */

static char *vformat(const char *fmt, va_list ap)
{
    char *s = NULL;
    if (vasprintf(&s, fmt, ap) < 0)
        fail_msg("out of memory formatting a command");
    return s;
}

static int exit_status(int rc)
{
    if (rc == -1)
        return -1;
    if (WIFEXITED(rc))
        return WEXITSTATUS(rc);
    return 128 + (WIFSIGNALED(rc) ? WTERMSIG(rc) : 0);
}

int it_sh(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *cmd = vformat(fmt, ap);
    va_end(ap);
    printf("$ %s\n", cmd);
    fflush(stdout);
    int st = exit_status(system(cmd));
    free(cmd);
    return st;
}

static char *run_capture(const char *cmd, int *status)
{
    char *full = NULL;
    if (asprintf(&full, "(%s) 2>&1", cmd) < 0)
        fail_msg("out of memory");
    FILE *p = popen(full, "r");
    free(full);
    if (!p)
        fail_msg("popen(%s): %s", cmd, strerror(errno));
    size_t cap = 4096, len = 0;
    char *out = malloc(cap);
    assert_non_null(out);
    size_t n;
    while ((n = fread(out + len, 1, cap - len - 1, p)) > 0) {
        len += n;
        if (cap - len < 2) {
            cap *= 2;
            out = realloc(out, cap);
            assert_non_null(out);
        }
    }
    out[len] = '\0';
    *status = exit_status(pclose(p));
    return out;
}

char *it_sh_output(int *status, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *cmd = vformat(fmt, ap);
    va_end(ap);
    char *out = run_capture(cmd, status);
    free(cmd);
    return out;
}

char *it_psql(bool as_daemon_role, int *status, const char *sql)
{
    char path[4096];
    snprintf(path, sizeof(path), "%s/it-sql.XXXXXX", it_env("YX_DIR"));
    int fd = mkstemp(path);
    if (fd < 0)
        fail_msg("mkstemp in %s: %s", it_env("YX_DIR"), strerror(errno));
    size_t len = strlen(sql);
    assert_int_equal(write(fd, sql, len), (ssize_t)len);
    close(fd);
    /* psql runs as the invoking user but reads the file itself: make it readable. */
    char *out =
        it_sh_output(status, "$%s -At -f '%s'", as_daemon_role ? "YX_PSQL_APP" : "YX_PSQL", path);
    unlink(path);
    return out;
}

void it_add_district(const char *code, const char *name)
{
    int st = it_sh("\"$YX_YANXIUD\" -c \"$YX_CONF\" district add '%s' '%s'", code, name);
    if (st != 0)
        fail_msg("yanxiud district add %s failed (status %d)", code, st);
}

void it_add_user(const char *name, const char *role, const char *district, const char *unit,
                 const char *password)
{
    assert_int_equal(setenv("YANXIU_PASSWORD", password, 1), 0);
    int st = it_sh("\"$YX_YANXIUD\" -c \"$YX_CONF\" user add '%s' --role %s%s%s%s%s", name, role,
                   district ? " --district " : "", district ? district : "", unit ? " --unit " : "",
                   unit ? unit : "");
    unsetenv("YANXIU_PASSWORD");
    if (st != 0)
        fail_msg("yanxiud user add %s failed (status %d)", name, st);
}

/* --- any request, answers --------------------------------------------------------------- */

Yanxiu__V1__Envelope *it_call_env(struct yxc *c, Yanxiu__V1__Envelope *env)
{
    struct yxc_error err;
    uint64_t id;
    if (!yxc_send(c, env, &id, &err))
        fail_msg("sending %s: %s", yxc_body_name(env->body_case), err.message);
    Yanxiu__V1__Envelope *resp = NULL;
    if (!yxc_await(c, id, &resp, &err))
        fail_msg("awaiting the answer to %s: %s", yxc_body_name(env->body_case), err.message);
    return resp;
}

void it_describe(const Yanxiu__V1__Envelope *resp, char *out, size_t cap)
{
    if (resp->body_case != YANXIU__V1__ENVELOPE__BODY_ERROR || !resp->error) {
        snprintf(out, cap, "a success (%s)", yxc_body_name(resp->body_case));
        return;
    }
    const Yanxiu__V1__Error *e = resp->error;
    size_t n = (size_t)snprintf(out, cap, "%s: %s", frame_code_name((int)e->code),
                                e->message ? e->message : "");
    for (size_t i = 0; i < e->n_violations && n < cap; i++)
        n += (size_t)snprintf(out + n, cap - n, "%s %s: %s", i ? ";" : " [", e->violations[i]->path,
                              e->violations[i]->message);
    if (e->n_violations && n < cap)
        snprintf(out + n, cap - n, "]");
}

bool it_utf8_ok(const char *s)
{
    const unsigned char *p = (const unsigned char *)s;
    while (*p) {
        unsigned c = *p++, cp, min;
        int extra;
        if (c < 0x80)
            continue;
        if ((c & 0xe0) == 0xc0) {
            extra = 1, cp = c & 0x1f, min = 0x80;
        } else if ((c & 0xf0) == 0xe0) {
            extra = 2, cp = c & 0x0f, min = 0x800;
        } else if ((c & 0xf8) == 0xf0) {
            extra = 3, cp = c & 0x07, min = 0x10000;
        } else {
            return false;
        }
        for (int i = 0; i < extra; i++) {
            if ((*p & 0xc0) != 0x80)
                return false;
            cp = (cp << 6) | (*p++ & 0x3f);
        }
        if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
            return false;
    }
    return true;
}

static char *psql_vok(bool as_daemon_role, const char *fmt, va_list ap)
{
    char *sql = vformat(fmt, ap);
    char *full = NULL;
    if (asprintf(&full, "\\set ON_ERROR_STOP on\n%s\n", sql) < 0)
        fail_msg("out of memory");
    free(sql);
    int st;
    char *out = it_psql(as_daemon_role, &st, full);
    if (st != 0)
        fail_msg("psql as %s failed (status %d): %s\nSQL: %.2000s",
                 as_daemon_role ? "the daemon's role" : "superuser", st, out, full);
    free(full);
    return out;
}

char *it_psql_ok(bool as_daemon_role, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *out = psql_vok(as_daemon_role, fmt, ap);
    va_end(ap);
    return out;
}

long it_psql_long(bool as_daemon_role, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *out = psql_vok(as_daemon_role, fmt, ap);
    va_end(ap);
    char *end = NULL;
    long v = strtol(out, &end, 10);
    if (end == out || (*end && *end != '\n'))
        fail_msg("expected a number from psql, got: %s", out);
    free(out);
    return v;
}

/* --- monthly reports ------------------------------------------------------------------- */

static void *grow(void *array, size_t n, size_t size)
{
    void *p = realloc(array, (n + 1) * size);
    assert_non_null(p);
    return p;
}

void it_set(char **field, const char *value)
{
    if (*field && *field != protobuf_c_empty_string)
        free(*field);
    *field = strdup(value ? value : "");
    assert_non_null(*field);
}

static void free_str(char *s)
{
    if (s && s != protobuf_c_empty_string)
        free(s);
}

void it_report_new_key(Yanxiu__V1__SubmitReportRequest *r)
{
    uint8_t raw[16];
    assert_int_equal(getrandom(raw, sizeof(raw), 0), (ssize_t)sizeof(raw));
    char hex[33];
    it_hex(raw, sizeof(raw), hex);
    it_set(&r->idempotency_key, hex);
}

Yanxiu__V1__Activity *it_report_add_activity(Yanxiu__V1__SubmitReportRequest *r, const char *ref,
                                             const char *date, const char *start, const char *end,
                                             double hours)
{
    size_t i = r->n_activities;
    Yanxiu__V1__Activity *a = malloc(sizeof(*a));
    assert_non_null(a);
    yanxiu__v1__activity__init(a);
    char buf[64];
    snprintf(buf, sizeof(buf), "%s-A%02zu", r->month, i + 1);
    it_set(&a->ref, ref ? ref : buf);
    snprintf(buf, sizeof(buf), "%.7s-%02zu", r->month, 1 + i % 28);
    it_set(&a->date, date ? date : buf);
    int slot = (int)((i / 28) % 5);
    snprintf(buf, sizeof(buf), "%02d:00", 8 + 2 * slot);
    it_set(&a->start, start ? start : buf);
    snprintf(buf, sizeof(buf), "%02d:00", 10 + 2 * slot);
    it_set(&a->end, end ? end : buf);
    snprintf(buf, sizeof(buf), "第%zu次校本研修：课堂教学研讨", i + 1);
    it_set(&a->title, buf);
    a->category = YANXIU__V1__CATEGORY__CATEGORY_SUBJECT;
    a->form = YANXIU__V1__FORM__FORM_LESSON_STUDY;
    a->level = YANXIU__V1__LEVEL__LEVEL_SCHOOL;
    a->mode = YANXIU__V1__MODE__MODE_CENTRALIZED;
    it_set(&a->place, "会议室");
    it_set(&a->host, "教导主任");
    a->hours = hours;
    r->activities = grow(r->activities, r->n_activities, sizeof(*r->activities));
    r->activities[r->n_activities++] = a;
    return a;
}

Yanxiu__V1__Attendance *it_report_add_attendance(Yanxiu__V1__SubmitReportRequest *r,
                                                 const Yanxiu__V1__Activity *a, const char *teacher,
                                                 const char *name, const char *status, double hours)
{
    Yanxiu__V1__Attendance *t = malloc(sizeof(*t));
    assert_non_null(t);
    yanxiu__v1__attendance__init(t);
    it_set(&t->activity_ref, a->ref);
    it_set(&t->teacher_code, teacher);
    if (name && name[0])
        it_set(&t->name, name);
    t->status = (Yanxiu__V1__AttendanceStatus)vocab_value(&vocab_attendance, status);
    t->hours = hours;
    r->attendance = grow(r->attendance, r->n_attendance, sizeof(*r->attendance));
    r->attendance[r->n_attendance++] = t;
    return t;
}

Yanxiu__V1__Attendance *it_report_att(Yanxiu__V1__SubmitReportRequest *r, size_t act, size_t j)
{
    assert_true(act < r->n_activities);
    for (size_t k = 0; k < r->n_attendance; k++)
        if (strcmp(r->attendance[k]->activity_ref, r->activities[act]->ref) == 0 && j-- == 0)
            return r->attendance[k];
    fail_msg("activity %zu has no sign-in row %zu", act, j);
    return NULL;
}

Yanxiu__V1__ExternalRecord *it_report_add_external(Yanxiu__V1__SubmitReportRequest *r,
                                                   const char *teacher, const char *date,
                                                   const char *title, double hours)
{
    Yanxiu__V1__ExternalRecord *e = malloc(sizeof(*e));
    assert_non_null(e);
    yanxiu__v1__external_record__init(e);
    it_set(&e->teacher_code, teacher);
    it_set(&e->date, date);
    it_set(&e->title, title);
    e->category = YANXIU__V1__CATEGORY__CATEGORY_OTHER;
    e->level = YANXIU__V1__LEVEL__LEVEL_COUNTY;
    e->mode = YANXIU__V1__MODE__MODE_REMOTE;
    e->hours = hours;
    r->external = grow(r->external, r->n_external, sizeof(*r->external));
    r->external[r->n_external++] = e;
    return e;
}

Yanxiu__V1__SubmitReportRequest *it_report_new(const char *unit, const char *month,
                                               size_t n_activities, const char *const *teachers,
                                               size_t n_teachers)
{
    Yanxiu__V1__SubmitReportRequest *r = malloc(sizeof(*r));
    assert_non_null(r);
    yanxiu__v1__submit_report_request__init(r);
    it_set(&r->unit_code, unit);
    it_set(&r->month, month);
    it_report_new_key(r);
    for (size_t i = 0; i < n_activities; i++) {
        Yanxiu__V1__Activity *a = it_report_add_activity(r, NULL, NULL, NULL, NULL, 2.0);
        for (size_t j = 0; j < n_teachers; j++)
            it_report_add_attendance(r, a, teachers[j], NULL, "present", 0);
    }
    return r;
}

static void activity_free(Yanxiu__V1__Activity *a)
{
    char *strs[] = {a->ref, a->date, a->start, a->end, a->title, a->place, a->host, a->speaker};
    for (size_t k = 0; k < sizeof(strs) / sizeof(strs[0]); k++)
        free_str(strs[k]);
    free(a);
}

void it_report_free(Yanxiu__V1__SubmitReportRequest *r)
{
    if (!r)
        return;
    for (size_t i = 0; i < r->n_activities; i++)
        if (i == 0 || r->activities[i] != r->activities[i - 1])
            activity_free(r->activities[i]);
    free(r->activities);
    /* Tests may point several rows at one sign-in row (size bounds): free each once. */
    for (size_t j = 0; j < r->n_attendance; j++) {
        Yanxiu__V1__Attendance *t = r->attendance[j];
        if (!t || (j > 0 && t == r->attendance[j - 1]))
            continue;
        free_str(t->activity_ref);
        free_str(t->teacher_code);
        free_str(t->name);
        free(t);
    }
    free(r->attendance);
    for (size_t k = 0; k < r->n_external; k++) {
        Yanxiu__V1__ExternalRecord *e = r->external[k];
        if (k > 0 && e == r->external[k - 1])
            continue;
        char *strs[] = {e->teacher_code, e->date, e->title, e->certificate};
        for (size_t s = 0; s < sizeof(strs) / sizeof(strs[0]); s++)
            free_str(strs[s]);
        free(e);
    }
    free(r->external);
    char *strs[] = {r->unit_code, r->month,   r->idempotency_key,
                    r->reason,    r->summary, r->district_code};
    for (size_t k = 0; k < sizeof(strs) / sizeof(strs[0]); k++)
        free_str(strs[k]);
    free(r);
}

void it_env_submit(Yanxiu__V1__Envelope *env, Yanxiu__V1__SubmitReportRequest *r)
{
    yanxiu__v1__envelope__init(env);
    env->body_case = YANXIU__V1__ENVELOPE__BODY_SUBMIT_REPORT;
    env->submit_report = r;
}
