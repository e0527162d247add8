/*
 * pgarr: array literals. Every element is double-quoted with backslash
 * escapes for '"' and '\', which is all the array input syntax needs.
 */
#include "pgarr.h"

#include <stdlib.h>
#include <string.h>

void pgarr_init(struct pgarr *a)
{
    memset(a, 0, sizeof(*a));
}

static void put(struct pgarr *a, const char *s, size_t n)
{
    if (a->failed)
        return;
    if (a->cap - a->len < n + 2) {
        size_t cap = a->cap ? a->cap : 256;
        while (cap - a->len < n + 2)
            cap *= 2;
        char *nb = realloc(a->buf, cap);
        if (!nb) {
            a->failed = true;
            return;
        }
        a->buf = nb;
        a->cap = cap;
    }
    memcpy(a->buf + a->len, s, n);
    a->len += n;
}

static void sep(struct pgarr *a)
{
    put(a, a->n++ ? "," : "{", 1);
}

void pgarr_text(struct pgarr *a, const char *s)
{
    sep(a);
    if (!s) {
        put(a, "NULL", 4);
        return;
    }
    put(a, "\"", 1);
    for (const char *p = s; *p; p++) {
        if (*p == '"' || *p == '\\')
            put(a, "\\", 1);
        put(a, p, 1);
    }
    put(a, "\"", 1);
}

void pgarr_text_or_null(struct pgarr *a, const char *s)
{
    pgarr_text(a, s && *s ? s : NULL);
}

void pgarr_bool(struct pgarr *a, bool b)
{
    sep(a);
    put(a, b ? "t" : "f", 1);
}

const char *pgarr_finish(struct pgarr *a)
{
    if (a->n == 0)
        put(a, "{", 1);
    put(a, "}", 1);
    put(a, "", 1); /* NUL */
    return a->failed ? NULL : a->buf;
}

void pgarr_free(struct pgarr *a)
{
    free(a->buf);
    memset(a, 0, sizeof(*a));
}
