/*
 * log: one line per event on stderr. Under systemd (JOURNAL_STREAM set) each
 * line starts with a syslog priority prefix ("<3>") that journald turns into
 * the entry's level, and carries no timestamp (the journal has one).
 */
#include "log.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

int log_level_current = LOG_INFO;
static int to_journal = -1;

static const char *const level_names[] = {"error", "warn", "info", "debug"};
/* syslog priorities: err, warning, info, debug */
static const int level_prio[] = {3, 4, 6, 7};

bool log_level_parse(const char *s, int *level)
{
    for (int i = 0; i <= LOG_DEBUG; i++) {
        if (strcmp(s, level_names[i]) == 0) {
            *level = i;
            return true;
        }
    }
    if (strcmp(s, "warning") == 0) {
        *level = LOG_WARN;
        return true;
    }
    return false;
}

const char *log_level_name(int level)
{
    return level >= 0 && level <= LOG_DEBUG ? level_names[level] : "?";
}

void log_write(int level, const char *fmt, ...)
{
    char line[2048];
    int n;
    if (to_journal < 0)
        to_journal = getenv("JOURNAL_STREAM") != NULL;
    if (to_journal) {
        n = snprintf(line, sizeof(line), "<%d>%s: ", level_prio[level], level_names[level]);
    } else {
        struct timespec ts;
        struct tm tm;
        clock_gettime(CLOCK_REALTIME, &ts);
        gmtime_r(&ts.tv_sec, &tm);
        n = snprintf(line, sizeof(line),
                     "%04d-%02d-%02dT%02d:%02d:%02d.%03ldZ %s: ", tm.tm_year + 1900, tm.tm_mon + 1,
                     tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, ts.tv_nsec / 1000000L,
                     level_names[level]);
    }
    va_list ap;
    va_start(ap, fmt);
    int m = vsnprintf(line + n, sizeof(line) - (size_t)n - 1, fmt, ap);
    va_end(ap);
    size_t len = (size_t)n + (m < 0 ? 0 : (size_t)m);
    if (len > sizeof(line) - 2)
        len = sizeof(line) - 2;
    line[len++] = '\n';
    /* One write per line so that concurrent writers do not interleave. */
    ssize_t w = write(STDERR_FILENO, line, len);
    (void)w;
}
