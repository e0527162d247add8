/*
 * bench_common: what the report benchmarks' load generators (report_load,
 * bulk_load) share: latency percentiles, number options, and dying with the
 * program's name.
 */
#ifndef YX_BENCH_COMMON_H
#define YX_BENCH_COMMON_H

#include <stddef.h>

/* The name bench_die puts before its message; set by main. */
extern const char *bench_prog;

/* Prints "PROG: message" on stderr and exits 2. */
void bench_die(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));

/* CLOCK_MONOTONIC in seconds. */
double bench_now(void);

/* qsort comparison of doubles, ascending. */
int bench_cmp_double(const void *a, const void *b);

/* The p-th percentile (nearest rank) of the n sorted values v; NAN when n is 0. */
double bench_percentile(const double *v, size_t n, double p);

/* The option --name's value s as a number in [min, max], or bench_die. */
long bench_num_arg(const char *name, const char *s, long min, long max);

#endif
