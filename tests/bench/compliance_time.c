/*
 * compliance_time: times the district's views at the client, from sending
 * the request to the last byte of the answer, as a district officer meets
 * them (tests/bench/compliance-bench.sh).
 *
 *   compliance_time --server HOST:PORT --token-file FILE --year Y
 *                   [--unit CODE] [--repeat N] [--only units|teachers|unit|rates]
 *
 * The token file holds the session token in hex (report_load run
 * --token-file writes it). Prints one line per view: the best and the
 * median of N runs in milliseconds, and the rows answered. --only times one view (to
 * measure the CPU the daemon and PostgreSQL spend on it from outside).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bench_common.h"
#include "yxc.h"

static double now_ms(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec * 1e3 + (double)t.tv_nsec / 1e6;
}

static void die(const char *what, const char *why)
{
    fprintf(stderr, "compliance_time: %s: %s\n", what, why);
    exit(1);
}

/* Rows of an answer, for the printout. */
static size_t rows_of(const Yanxiu__V1__Envelope *e)
{
    switch (e->body_case) {
    case YANXIU__V1__ENVELOPE__BODY_TEACHER_LIST:
        return e->teacher_list->n_teachers;
    case YANXIU__V1__ENVELOPE__BODY_UNIT_COMPLIANCE:
        return e->unit_compliance->n_units;
    case YANXIU__V1__ENVELOPE__BODY_RATES:
        return e->rates->n_cells;
    default:
        return 0;
    }
}

static void time_view(struct yxc *c, const char *label, Yanxiu__V1__Envelope__BodyCase body,
                      Yanxiu__V1__Envelope__BodyCase expect, Yanxiu__V1__ComplianceQuery *q,
                      int repeat)
{
    double *ms = calloc((size_t)repeat, sizeof(*ms));
    size_t rows = 0;
    if (!ms)
        die(label, "out of memory");
    for (int i = 0; i < repeat; i++) {
        Yanxiu__V1__Envelope env = YANXIU__V1__ENVELOPE__INIT;
        env.body_case = body;
        env.compliance_teachers = q; /* the oneof's members share one slot */
        Yanxiu__V1__Envelope *resp = NULL;
        struct yxc_error err;
        double t0 = now_ms();
        if (!yxc_call(c, &env, expect, &resp, &err))
            die(label, err.message);
        ms[i] = now_ms() - t0;
        rows = rows_of(resp);
        yxc_free(resp);
    }
    qsort(ms, (size_t)repeat, sizeof(*ms), bench_cmp_double);
    printf("%-44s best %8.1f ms   median %8.1f ms   (%zu rows)\n", label, ms[0], ms[repeat / 2],
           rows);
    free(ms);
}

int main(int argc, char **argv)
{
    const char *server = NULL, *token_file = NULL, *unit = "", *only = "";
    unsigned year = 0;
    int repeat = 5;
    for (int i = 1; i + 1 < argc; i += 2) {
        if (strcmp(argv[i], "--server") == 0)
            server = argv[i + 1];
        else if (strcmp(argv[i], "--token-file") == 0)
            token_file = argv[i + 1];
        else if (strcmp(argv[i], "--year") == 0)
            year = (unsigned)atoi(argv[i + 1]);
        else if (strcmp(argv[i], "--unit") == 0)
            unit = argv[i + 1];
        else if (strcmp(argv[i], "--repeat") == 0)
            repeat = atoi(argv[i + 1]);
        else if (strcmp(argv[i], "--only") == 0)
            only = argv[i + 1];
        else
            die(argv[i], "unknown option");
    }
    if (!server || !token_file || !year || repeat < 1)
        die("usage", "--server HOST:PORT --token-file FILE --year Y [--unit CODE] [--repeat N]");
    char host[256], hex[65] = "";
    uint16_t port;
    struct yxc_error err;
    if (!yxc_parse_server(server, host, sizeof(host), &port, &err))
        die(server, err.message);
    FILE *f = fopen(token_file, "r");
    if (!f || fscanf(f, "%64s", hex) != 1 || strlen(hex) != 64)
        die(token_file, "no token (64 hex digits)");
    fclose(f);
    uint8_t token[32];
    for (int i = 0; i < 32; i++) {
        unsigned v;
        if (sscanf(hex + 2 * i, "%2x", &v) != 1)
            die(token_file, "not hex");
        token[i] = (uint8_t)v;
    }
    struct yxc *c = yxc_connect(host, port, 10000, &err);
    Yanxiu__V1__Envelope *hello = NULL;
    if (!c || !yxc_hello(c, "compliance_time", "en", &hello, &err))
        die(server, err.message);
    yxc_free(hello);
    yxc_set_timeout(c, 600000);
    yxc_set_token(c, token, sizeof(token));

    Yanxiu__V1__ComplianceQuery q = YANXIU__V1__COMPLIANCE_QUERY__INIT;
    q.year = year;
    /* a first call of each kind warms the statements and the cache */
    if (!only[0] || strcmp(only, "units") == 0)
        time_view(c, "compliance units (whole district)",
                  YANXIU__V1__ENVELOPE__BODY_COMPLIANCE_UNITS,
                  YANXIU__V1__ENVELOPE__BODY_UNIT_COMPLIANCE, &q, repeat);
    if (!only[0] || strcmp(only, "teachers") == 0)
        time_view(c, "compliance teachers (whole district)",
                  YANXIU__V1__ENVELOPE__BODY_COMPLIANCE_TEACHERS,
                  YANXIU__V1__ENVELOPE__BODY_TEACHER_LIST, &q, repeat);
    if (unit[0] && (!only[0] || strcmp(only, "unit") == 0)) {
        Yanxiu__V1__ComplianceQuery qu = q;
        qu.unit_code = (char *)unit;
        time_view(c, "compliance teachers (one unit)",
                  YANXIU__V1__ENVELOPE__BODY_COMPLIANCE_TEACHERS,
                  YANXIU__V1__ENVELOPE__BODY_TEACHER_LIST, &qu, repeat);
    }
    if (!only[0] || strcmp(only, "rates") == 0)
        time_view(c, "reporting-rates (year)", YANXIU__V1__ENVELOPE__BODY_REPORTING_RATES,
                  YANXIU__V1__ENVELOPE__BODY_RATES, &q, repeat);
    yxc_close(c);
    return 0;
}
