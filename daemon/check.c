/*
 * check: shared field checks (see check.h).
 */
#include "check.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char *check_alias_code(const struct check_alias *a, size_t n, const char *s)
{
    for (size_t i = 0; i < n; i++) {
        if (strcmp(s, a[i].code) == 0)
            return a[i].code;
        for (size_t j = 0; j < 5 && a[i].names[j]; j++)
            if (strcmp(s, a[i].names[j]) == 0)
                return a[i].code;
    }
    return NULL;
}

bool check_digits(const char *s, size_t n)
{
    size_t i = 0;
    for (; s[i]; i++)
        if (s[i] < '0' || s[i] > '9')
            return false;
    return i == n;
}

/* n digits at s, as a number; -1 when not. */
static int number_at(const char *s, size_t n)
{
    int v = 0;
    for (size_t i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            return -1;
        v = v * 10 + (s[i] - '0');
    }
    return v;
}

bool check_month(const char *s, int *year, int *month)
{
    if (strlen(s) != 7 || s[4] != '-')
        return false;
    int y = number_at(s, 4), m = number_at(s + 5, 2);
    if (y < 1900 || y > 2200 || m < 1 || m > 12)
        return false;
    if (year)
        *year = y;
    if (month)
        *month = m;
    return true;
}

bool check_date(const char *s)
{
    int y, m;
    if (strlen(s) != 10 || s[7] != '-')
        return false;
    char ym[8];
    memcpy(ym, s, 7);
    ym[7] = '\0';
    if (!check_month(ym, &y, &m))
        return false;
    int d = number_at(s + 8, 2);
    static const int mdays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    int max = mdays[m - 1] + (m == 2 && ((y % 4 == 0 && y % 100 != 0) || y % 400 == 0));
    return d >= 1 && d <= max;
}

bool check_time(const char *s, int *minutes)
{
    if (strlen(s) != 5 || s[2] != ':')
        return false;
    int h = number_at(s, 2), m = number_at(s + 3, 2);
    if (h < 0 || h > 23 || m < 0 || m > 59)
        return false;
    if (minutes)
        *minutes = h * 60 + m;
    return true;
}

bool check_code(const char *s)
{
    size_t n = 0;
    for (; s[n]; n++) {
        char c = s[n];
        if (!((c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
              c == '_' || c == '-'))
            return false;
    }
    return n >= 1 && n <= 32;
}

size_t check_utf8_chars(const char *s)
{
    size_t n = 0;
    for (; *s; s++)
        n += ((unsigned char)*s & 0xc0) != 0x80;
    return n;
}

const char *check_quote(const char *s, char *buf, size_t cap)
{
    const unsigned char *p = (const unsigned char *)s;
    size_t n = 0;
    while (p[n]) {
        unsigned c = p[n];
        size_t len = c < 0x80 ? 1 : (c & 0xe0) == 0xc0 ? 2 : (c & 0xf0) == 0xe0 ? 3 : 4;
        if (n + len >= cap)
            break;
        char one[5] = {0};
        size_t i = 0;
        /* A continuation byte is never NUL: nothing past the end is read. */
        for (one[0] = (char)c, i = 1; i < len && (p[n + i] & 0xc0) == 0x80; i++)
            one[i] = (char)p[n + i];
        if (i < len || !rpc_text_ok(one, 4))
            break;
        n += len;
    }
    memcpy(buf, s, n);
    buf[n] = '\0';
    return n || !*s ? buf : "?";
}

void check_utf8_repair(char *s)
{
    unsigned char *p = (unsigned char *)s;
    while (*p) {
        unsigned c = *p;
        if (c < 0x80) {
            p++;
            continue;
        }
        size_t len = (c & 0xe0) == 0xc0 ? 2 : (c & 0xf0) == 0xe0 ? 3 : 4;
        char one[5] = {(char)c};
        size_t i = 1;
        /* A continuation byte is never NUL: nothing past the end is read. */
        while (i < len && (p[i] & 0xc0) == 0x80) {
            one[i] = (char)p[i];
            i++;
        }
        if (i == len && rpc_text_ok(one, 4))
            p += len;
        else
            *p++ = '?';
    }
}

bool check_text(const char *s, size_t max_chars, bool allow_empty)
{
    if (!s[0])
        return allow_empty;
    return rpc_text_ok(s, max_chars * 4) && check_utf8_chars(s) <= max_chars;
}

int check_code_at_cmp(const void *a, const void *b)
{
    const struct check_code_at *x = a, *y = b;
    int c = strcmp(x->code, y->code);
    return c ? c : (x->row > y->row) - (x->row < y->row);
}

bool check_multiline(const char *s, size_t max_bytes)
{
    size_t n = strlen(s);
    if (n > max_bytes)
        return false;
    char *copy = strdup(s);
    if (!copy)
        return false;
    for (char *p = copy; *p; p++)
        if (*p == '\n' || *p == '\r')
            *p = ' ';
    bool ok = rpc_text_ok(copy, max_bytes);
    free(copy);
    return ok;
}

bool check_decimal(const char *s, int decimals, double min, double max)
{
    const char *q = s + (*s == '-' || *s == '+');
    if (!*q || strspn(q, "0123456789.") != strlen(q))
        return false;
    char *end;
    double d = strtod(s, &end);
    if (end == s || *end || !isfinite(d) || d < min || d > max)
        return false;
    const char *dot = strchr(s, '.');
    return !dot || (int)strlen(dot + 1) <= decimals;
}

char *check_read_line(char *buf, int size, void *stream)
{
    struct check_lines *st = stream;
    if (!*st->p)
        return NULL;
    const char *nl = strchr(st->p, '\n');
    size_t len = nl ? (size_t)(nl - st->p + 1) : strlen(st->p);
    st->line++;
    if (len >= (size_t)size) {
        /* Too long for the parser: the whole line is skipped (read as a comment) and
           remembered, so that later lines keep their numbers and the caller names it. */
        if (!st->too_long)
            st->too_long = st->line;
        st->p += len;
        snprintf(buf, (size_t)size, ";\n");
        return buf;
    }
    size_t blanks = strspn(st->p, " \t");
    if (blanks > len)
        blanks = len;
    memcpy(buf, st->p + blanks, len - blanks);
    buf[len - blanks] = '\0';
    st->p += len;
    return buf;
}
