/*
 * Unit tests of yanxiud's config reader (daemon/config.c): every error names
 * file, line and key; defaults; validation; what SIGHUP may change.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "config.h"
#include "log.h"

#define ERRLEN 4096

/* Writes `text` to a new temp file; returns its malloc'd path. */
static char *write_ini(const char *text)
{
    char *path = strdup("/tmp/yx-test-config-XXXXXX.conf");
    assert_non_null(path);
    int fd = mkstemps(path, 5);
    assert_true(fd >= 0);
    size_t len = strlen(text);
    assert_int_equal(write(fd, text, len), (ssize_t)len);
    close(fd);
    return path;
}

static void remove_ini(char *path)
{
    unlink(path);
    free(path);
}

/* Loads `text`; expects failure and returns the error text (static). */
static const char *load_error(const char *text, char **path_out)
{
    static char err[ERRLEN];
    char *path = write_ini(text);
    struct config cfg;
    config_defaults(&cfg);
    bool ok = config_load(&cfg, path, err, sizeof(err));
    config_free(&cfg);
    assert_false(ok);
    assert_true(err[0] != '\0');
    *path_out = path;
    return err;
}

static void assert_contains(const char *haystack, const char *needle)
{
    if (!strstr(haystack, needle))
        fail_msg("expected \"%s\" in error text: %s", needle, haystack);
}

static void unknown_key_error_names_file_line_and_key(void **state)
{
    char *path;
    const char *err = load_error("[server]\n"
                                 "port = 7500\n"
                                 "\n"
                                 "listen_backlog = 10\n",
                                 &path);
    char where[256];
    snprintf(where, sizeof(where), "%s:4", path);
    assert_contains(err, where);
    assert_contains(err, "listen_backlog");
    remove_ini(path);
}

static void unknown_section_is_an_error(void **state)
{
    char *path;
    const char *err = load_error("[database]\nconninfo = dbname=x\n[sever]\nport = 1\n", &path);
    char where[256];
    snprintf(where, sizeof(where), "%s:4", path);
    assert_contains(err, where);
    assert_contains(err, "sever");
    remove_ini(path);
}

static void bad_integer_is_a_named_error(void **state)
{
    char *path;
    const char *err = load_error("[server]\nport = seventy\n", &path);
    char where[256];
    snprintf(where, sizeof(where), "%s:2", path);
    assert_contains(err, where);
    assert_contains(err, "port");
    assert_contains(err, "seventy");
    remove_ini(path);

    err = load_error("[database]\npool_size = 4x\n", &path);
    assert_contains(err, "pool_size");
    assert_contains(err, "4x");
    remove_ini(path);

    err = load_error("[server]\nidle_timeout =\n", &path);
    assert_contains(err, "idle_timeout");
    remove_ini(path);
}

static void out_of_range_is_a_named_error(void **state)
{
    char *path;
    const char *err = load_error("[server]\nport = 70000\n", &path);
    assert_contains(err, "port");
    assert_contains(err, "70000");
    assert_contains(err, "range");
    remove_ini(path);

    err = load_error("[database]\npool_size = 0\n", &path);
    assert_contains(err, "pool_size");
    assert_contains(err, "range");
    remove_ini(path);

    err = load_error("[server]\nmax_frame = 99999999999999999999\n", &path);
    assert_contains(err, "max_frame");
    remove_ini(path);
}

static void bad_log_level_is_a_named_error(void **state)
{
    char *path;
    const char *err = load_error("[server]\nlog_level = loud\n", &path);
    char where[256];
    snprintf(where, sizeof(where), "%s:2", path);
    assert_contains(err, where);
    assert_contains(err, "log_level");
    assert_contains(err, "loud");
    remove_ini(path);
}

static void every_bad_line_is_reported(void **state)
{
    char *path;
    const char *err = load_error("[server]\n"
                                 "port = x\n"
                                 "bogus = 1\n"
                                 "log_level = shout\n",
                                 &path);
    assert_contains(err, "port");
    assert_contains(err, "bogus");
    assert_contains(err, "log_level");
    remove_ini(path);
}

static void syntax_error_names_the_line(void **state)
{
    char *path;
    const char *err = load_error("[server]\nport = 7433\nthis line has no equals sign\n", &path);
    char where[256];
    snprintf(where, sizeof(where), "%s:3", path);
    assert_contains(err, where);
    remove_ini(path);
}

static void missing_file_is_an_error_naming_it(void **state)
{
    char err[ERRLEN];
    struct config cfg;
    config_defaults(&cfg);
    assert_false(config_load(&cfg, "/nonexistent/yanxiud.conf", err, sizeof(err)));
    config_free(&cfg);
    assert_contains(err, "/nonexistent/yanxiud.conf");
}

static void defaults_apply_when_file_has_only_conninfo(void **state)
{
    char err[ERRLEN];
    char *path = write_ini("[database]\nconninfo = host=/tmp dbname=yanxiu user=yanxiud\n");
    struct config cfg;
    config_defaults(&cfg);
    if (!config_load(&cfg, path, err, sizeof(err)))
        fail_msg("%s", err);

    assert_string_equal(cfg.conninfo, "host=/tmp dbname=yanxiu user=yanxiud");
    assert_string_equal(cfg.migrate_conninfo, "");
    assert_string_equal(cfg.listen, "127.0.0.1");
    assert_int_equal(cfg.port, 7433);
    assert_int_equal(cfg.max_connections, 1024);
    assert_int_equal(cfg.max_frame, 17 * 1024 * 1024); /* a 16 MiB upload and its request */
    assert_int_equal(cfg.upload_max_bytes, 16 * 1024 * 1024);
    assert_int_equal(cfg.upload_threads, 0);
    assert_int_equal(cfg.upload_queue, 16);
    assert_int_equal(cfg.max_inflight, 32);
    assert_int_equal(cfg.idle_timeout, 300);
    assert_int_equal(cfg.drain_timeout, 30);
    assert_int_equal(cfg.log_level, LOG_INFO);
    assert_int_equal(cfg.pool_size, 4);
    assert_int_equal(cfg.queue_length, 256);
    assert_int_equal(cfg.query_timeout, 30);

    config_free(&cfg);
    remove_ini(path);
}

static void every_documented_key_is_accepted(void **state)
{
    char err[ERRLEN];
    char *path = write_ini("# comment\n"
                           "[server]\n"
                           "listen = ::1\n"
                           "port = 7500\n"
                           "max_connections = 10\n"
                           "max_frame = 65536\n"
                           "max_inflight = 4\n"
                           "idle_timeout = 60\n"
                           "drain_timeout = 5\n"
                           "log_level = debug\n"
                           "[database]\n"
                           "conninfo = dbname=a user=b\n"
                           "migrate_conninfo = dbname=a user=c\n"
                           "pool_size = 2\n"
                           "queue_length = 8\n"
                           "query_timeout = 9\n");
    struct config cfg;
    config_defaults(&cfg);
    if (!config_load(&cfg, path, err, sizeof(err)))
        fail_msg("%s", err);
    assert_string_equal(cfg.listen, "::1");
    assert_int_equal(cfg.port, 7500);
    assert_int_equal(cfg.max_connections, 10);
    assert_int_equal(cfg.max_frame, 65536);
    assert_int_equal(cfg.max_inflight, 4);
    assert_int_equal(cfg.idle_timeout, 60);
    assert_int_equal(cfg.drain_timeout, 5);
    assert_int_equal(cfg.log_level, LOG_DEBUG);
    assert_string_equal(cfg.conninfo, "dbname=a user=b");
    assert_string_equal(cfg.migrate_conninfo, "dbname=a user=c");
    assert_int_equal(cfg.pool_size, 2);
    assert_int_equal(cfg.queue_length, 8);
    assert_int_equal(cfg.query_timeout, 9);
    config_free(&cfg);
    remove_ini(path);
}

static void example_config_loads_and_validates(void **state)
{
    char err[ERRLEN];
    struct config cfg;
    config_defaults(&cfg);
    if (!config_load(&cfg, YX_SOURCE_DIR "/deploy/yanxiud.conf.example", err, sizeof(err)))
        fail_msg("%s", err);
    if (!config_validate(&cfg, err, sizeof(err)))
        fail_msg("%s", err);
    /* the example shows the defaults */
    assert_int_equal(cfg.port, 7433);
    assert_int_equal(cfg.max_frame, 17 * 1024 * 1024);
    assert_int_equal(cfg.log_level, LOG_INFO);
    assert_contains(cfg.migrate_conninfo, "yanxiu_owner");
    config_free(&cfg);
}

static void validate_refuses_empty_conninfo(void **state)
{
    char err[ERRLEN] = "";
    struct config cfg;
    config_defaults(&cfg);
    assert_false(config_validate(&cfg, err, sizeof(err)));
    assert_contains(err, "conninfo");
    config_free(&cfg);
}

/* Loads `text` (which must parse) and returns whether it validates; err gets the reason. */
static bool validates(const char *text, char *err, size_t errlen)
{
    char *path = write_ini(text);
    struct config cfg;
    config_defaults(&cfg);
    if (!config_load(&cfg, path, err, errlen))
        fail_msg("%s", err);
    bool ok = config_validate(&cfg, err, errlen);
    config_free(&cfg);
    remove_ini(path);
    return ok;
}

static void validate_requires_tls_or_plaintext(void **state)
{
    char err[ERRLEN];
    assert_false(validates("[database]\nconninfo = dbname=x\n", err, sizeof(err)));
    assert_contains(err, "plaintext");
    assert_contains(err, "tls_cert");
    assert_true(validates("[server]\nplaintext = yes\n[database]\nconninfo = dbname=x\n", err,
                          sizeof(err)));
    assert_false(validates("[server]\ntls_cert = /x.pem\n[database]\nconninfo = dbname=x\n", err,
                           sizeof(err)));
    assert_contains(err, "tls_key");
}

static void validate_refuses_plaintext_off_loopback(void **state)
{
    char err[ERRLEN];
    assert_false(validates("[server]\nlisten = 0.0.0.0\nplaintext = yes\n"
                           "[database]\nconninfo = dbname=x\n",
                           err, sizeof(err)));
    assert_contains(err, "0.0.0.0");
    assert_contains(err, "plaintext");
    assert_true(validates("[server]\nlisten = ::1\nplaintext = yes\n"
                          "[database]\nconninfo = dbname=x\n",
                          err, sizeof(err)));
}

static void http_is_off_by_default_and_plaintext_only_on_loopback(void **state)
{
    char err[ERRLEN];
    struct config cfg;
    config_defaults(&cfg);
    assert_int_equal(cfg.http_port, 0);
    assert_string_equal(cfg.http_listen, "127.0.0.1");
    assert_string_equal(cfg.http_web_root, "/usr/share/yanxiu/web");
    config_free(&cfg);
    /* Plaintext [server] and no TLS: HTTP must say plaintext, on loopback only. */
    assert_false(validates("[server]\nplaintext = yes\n[database]\nconninfo = dbname=x\n"
                           "[http]\nport = 8443\n",
                           err, sizeof(err)));
    assert_contains(err, "[http]");
    assert_contains(err, "tls_cert");
    assert_true(validates("[server]\nplaintext = yes\n[database]\nconninfo = dbname=x\n"
                          "[http]\nport = 8080\nplaintext = yes\nweb_root = /srv/web\n",
                          err, sizeof(err)));
    assert_false(validates("[server]\nplaintext = yes\n[database]\nconninfo = dbname=x\n"
                           "[http]\nlisten = 0.0.0.0\nport = 8080\nplaintext = yes\n",
                           err, sizeof(err)));
    assert_contains(err, "0.0.0.0");
    assert_true(
        validates("[server]\nlisten = 0.0.0.0\ntls_cert = /c.pem\ntls_key = /k.pem\n"
                  "[database]\nconninfo = dbname=x\n[http]\nlisten = 0.0.0.0\nport = 8443\n",
                  err, sizeof(err)));
    assert_false(validates("[server]\nplaintext = yes\nport = 8080\n[database]\nconninfo = "
                           "dbname=x\n[http]\nport = 8080\nplaintext = yes\n",
                           err, sizeof(err)));
    assert_contains(err, "port of its own");
}

static void client_bounds_have_county_defaults_and_a_consistent_output_budget(void **state)
{
    struct config cfg;
    config_defaults(&cfg);
    assert_int_equal(cfg.frame_timeout_login, 10);
    assert_int_equal(cfg.frame_timeout, 60);
    assert_int_equal(cfg.login_timeout, 60);
    assert_int_equal(cfg.max_connections_per_addr, 256);
    assert_int_equal(cfg.max_unauthenticated, 256);
    assert_int_equal(cfg.max_output, 1024 * 1024);
    assert_int_equal(cfg.max_output_total, 256 * 1024 * 1024);
    assert_int_equal(cfg.hash_queue_per_addr, 128);
    config_free(&cfg);

    char err[ERRLEN];
    assert_false(validates("[server]\nplaintext = yes\nmax_output_total = 1048576\n"
                           "[database]\nconninfo = dbname=x\n",
                           err, sizeof(err)));
    assert_contains(err, "max_output_total = 1048576");
    assert_contains(err, "max_frame");
    assert_true(validates("[server]\nplaintext = yes\nmax_frame = 1048576\n"
                          "max_output_total = 1048576\n[database]\nconninfo = dbname=x\n",
                          err, sizeof(err)));
}

static void reload_applies_only_reloadable_keys(void **state)
{
    char err[ERRLEN];
    char *path = write_ini("[server]\n"
                           "listen = 0.0.0.0\n"
                           "port = 7500\n"
                           "max_connections = 10\n"
                           "max_frame = 65536\n"
                           "max_inflight = 4\n"
                           "idle_timeout = 60\n"
                           "drain_timeout = 5\n"
                           "log_level = debug\n"
                           "[database]\n"
                           "conninfo = dbname=other\n"
                           "migrate_conninfo = dbname=other user=owner\n"
                           "pool_size = 2\n"
                           "queue_length = 8\n"
                           "query_timeout = 9\n");
    struct config cur, next;
    config_defaults(&cur);
    config_defaults(&next);
    free(cur.conninfo);
    cur.conninfo = strdup("dbname=yanxiu");
    assert_true(config_load(&next, path, err, sizeof(err)));

    char changed[256];
    config_apply_reload(&cur, &next, changed, sizeof(changed));

    /* reloadable: taken over */
    assert_int_equal(cur.log_level, LOG_DEBUG);
    assert_int_equal(cur.idle_timeout, 60);
    assert_int_equal(cur.max_connections, 10);
    assert_int_equal(cur.max_inflight, 4);
    assert_contains(changed, "log_level");
    assert_contains(changed, "idle_timeout");
    assert_contains(changed, "max_connections");
    assert_contains(changed, "max_inflight");

    /* not reloadable: kept */
    assert_string_equal(cur.listen, "127.0.0.1");
    assert_int_equal(cur.port, 7433);
    assert_int_equal(cur.max_frame, 17 * 1024 * 1024);
    assert_int_equal(cur.drain_timeout, 30);
    assert_string_equal(cur.conninfo, "dbname=yanxiu");
    assert_string_equal(cur.migrate_conninfo, "");
    assert_int_equal(cur.pool_size, 4);
    assert_int_equal(cur.queue_length, 256);
    assert_int_equal(cur.query_timeout, 30);
    assert_null(strstr(changed, "port"));
    assert_null(strstr(changed, "pool_size"));
    assert_null(strstr(changed, "conninfo"));

    /* the same file again: nothing changes */
    config_apply_reload(&cur, &next, changed, sizeof(changed));
    assert_string_equal(changed, "");

    config_free(&cur);
    config_free(&next);
    remove_ini(path);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(unknown_key_error_names_file_line_and_key),
        cmocka_unit_test(unknown_section_is_an_error),
        cmocka_unit_test(bad_integer_is_a_named_error),
        cmocka_unit_test(out_of_range_is_a_named_error),
        cmocka_unit_test(bad_log_level_is_a_named_error),
        cmocka_unit_test(every_bad_line_is_reported),
        cmocka_unit_test(syntax_error_names_the_line),
        cmocka_unit_test(missing_file_is_an_error_naming_it),
        cmocka_unit_test(defaults_apply_when_file_has_only_conninfo),
        cmocka_unit_test(every_documented_key_is_accepted),
        cmocka_unit_test(example_config_loads_and_validates),
        cmocka_unit_test(validate_refuses_empty_conninfo),
        cmocka_unit_test(validate_requires_tls_or_plaintext),
        cmocka_unit_test(validate_refuses_plaintext_off_loopback),
        cmocka_unit_test(http_is_off_by_default_and_plaintext_only_on_loopback),
        cmocka_unit_test(client_bounds_have_county_defaults_and_a_consistent_output_budget),
        cmocka_unit_test(reload_applies_only_reloadable_keys),
    };
    return cmocka_run_group_tests_name("config", tests, NULL, NULL);
}
