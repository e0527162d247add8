/*
 * pgarr: builds PostgreSQL array literals ('{"a","b",NULL}') so that a
 * whole table of rows travels as a few parameters of one statement
 * (unnest on the server side) instead of one statement per row.
 */
#ifndef YANXIU_PGARR_H
#define YANXIU_PGARR_H

#include <stdbool.h>
#include <stddef.h>

struct pgarr {
    char *buf;
    size_t len, cap;
    size_t n;
    bool failed; /* out of memory: pgarr_finish returns NULL */
};

void pgarr_init(struct pgarr *a);
/* Appends a text element; NULL appends SQL NULL. */
void pgarr_text(struct pgarr *a, const char *s);
/* Appends NULL when s is empty, else s (for optional dates and codes). */
void pgarr_text_or_null(struct pgarr *a, const char *s);
void pgarr_bool(struct pgarr *a, bool b);
/* The literal, NUL-terminated; owned by the array until pgarr_free. NULL on OOM. */
const char *pgarr_finish(struct pgarr *a);
void pgarr_free(struct pgarr *a);

#endif
