/*
 * log: leveled logging to stderr (journald takes it under systemd).
 * The macros test the level before formatting anything. Never pass a
 * password, a token or a whole request body.
 */
#ifndef YANXIU_LOG_H
#define YANXIU_LOG_H

#include <stdbool.h>

enum log_level { LOG_ERROR = 0, LOG_WARN, LOG_INFO, LOG_DEBUG };

extern int log_level_current;

/* Parses "error", "warn", "info", "debug"; false when unknown. */
bool log_level_parse(const char *s, int *level);
const char *log_level_name(int level);

void log_write(int level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#define log_at(lvl, ...)                                                                           \
    do {                                                                                           \
        if ((lvl) <= log_level_current)                                                            \
            log_write((lvl), __VA_ARGS__);                                                         \
    } while (0)
#define log_error(...) log_at(LOG_ERROR, __VA_ARGS__)
#define log_warn(...)  log_at(LOG_WARN, __VA_ARGS__)
#define log_info(...)  log_at(LOG_INFO, __VA_ARGS__)
#define log_debug(...) log_at(LOG_DEBUG, __VA_ARGS__)

#endif
