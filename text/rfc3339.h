/*
 * rfc3339: the protocol's one shape of a time (RFC 3339 with its offset), written in
 * Asia/Shanghai (UTC+8, no daylight saving) to the second: 2026-11-05T23:59:59+08:00. Shared
 * by the daemon (answers) and the CLI (requests, its session file); libc only.
 */
#ifndef YANXIU_RFC3339_H
#define YANXIU_RFC3339_H

#include <stdbool.h>
#include <stdint.h>

#include "yx_common.h"

/* Room for rfc3339_format's text and its NUL. */
#define RFC3339_LEN 26

/* `us` microseconds since the epoch as 2026-11-05T23:59:59+08:00 (the second it falls in). */
void rfc3339_format(int64_t us, char buf[RFC3339_LEN]);

/*
 * Microseconds since the epoch of an RFC 3339 time: YYYY-MM-DDTHH:MM:SS (t or a space for T
 * too), optional fraction of a second, then Z or +HH:MM / -HH:MM. False, *us untouched, for
 * anything else (a day that does not exist, 24:00, a year before 1970 or after 9999).
 */
bool rfc3339_parse(const char *s, int64_t *us) YX_MUST_CHECK;

#endif
