/*
 * rfc3339: times of the protocol, see rfc3339.h.
 */
#include "rfc3339.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#define SHANGHAI_S (8 * 3600)

void rfc3339_format(int64_t us, char buf[RFC3339_LEN])
{
    int64_t s = us / 1000000 - (us % 1000000 < 0 ? 1 : 0) + SHANGHAI_S;
    time_t t = (time_t)s;
    struct tm tm;
    if (!gmtime_r(&t, &tm) || strftime(buf, RFC3339_LEN, "%Y-%m-%dT%H:%M:%S+08:00", &tm) == 0)
        snprintf(buf, RFC3339_LEN, "1970-01-01T08:00:00+08:00");
}

/* n decimal digits at s, or -1. */
static int digits(const char *s, int n)
{
    int v = 0;
    for (int i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            return -1;
        v = v * 10 + (s[i] - '0');
    }
    return v;
}

/* Days from 1970-01-01 to y-m-d (proleptic Gregorian; Howard Hinnant's days_from_civil). */
static int64_t days_from_civil(int y, int m, int d)
{
    y -= m <= 2;
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    int64_t yoe = y - era * 400;
    int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

bool rfc3339_parse(const char *s, int64_t *us)
{
    if (strlen(s) < 20)
        return false;
    int y = digits(s, 4), mo = digits(s + 5, 2), d = digits(s + 8, 2);
    int h = digits(s + 11, 2), mi = digits(s + 14, 2), se = digits(s + 17, 2);
    if (s[4] != '-' || s[7] != '-' || (s[10] != 'T' && s[10] != 't' && s[10] != ' ') ||
        s[13] != ':' || s[16] != ':' || y < 1970 || mo < 1 || mo > 12 || d < 1 || h < 0 || h > 23 ||
        mi < 0 || mi > 59 || se < 0 || se > 59)
        return false;
    static const int mdays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    if (d > mdays[mo - 1] + (mo == 2 && leap))
        return false;
    const char *p = s + 19;
    int64_t frac = 0;
    if (*p == '.') {
        int n = 0;
        for (p++; *p >= '0' && *p <= '9'; p++, n++)
            if (n < 6)
                frac = frac * 10 + (*p - '0');
        if (n == 0)
            return false;
        for (; n < 6; n++)
            frac *= 10;
    }
    int off;
    if ((*p == 'Z' || *p == 'z') && p[1] == '\0') {
        off = 0;
    } else {
        int oh = digits(p + 1, 2), om = strlen(p) == 6 ? digits(p + 4, 2) : -1;
        if ((*p != '+' && *p != '-') || p[3] != ':' || oh < 0 || oh > 23 || om < 0 || om > 59)
            return false;
        off = (*p == '-' ? -1 : 1) * (oh * 3600 + om * 60);
    }
    int64_t secs = days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60 + se - off;
    *us = secs * 1000000 + frac;
    return true;
}
