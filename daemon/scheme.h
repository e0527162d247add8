/*
 * scheme: an assessment scheme (考核方案) as the INI file a district office
 * writes — a [scheme] section (name, target, title), an [items] section
 * (item = maximum points) and a [grades] section (grade = lowest score) —
 * parsed into checked values, every problem named by its line.
 */
#ifndef YANXIU_SCHEME_H
#define YANXIU_SCHEME_H

#include <stdbool.h>
#include <stddef.h>

#include "pgarr.h"
#include "rpc.h"

#define SCHEME_MAX_ITEMS  50
#define SCHEME_MAX_GRADES 10

/* What a file said, as SQL text parameters (arrays as PostgreSQL literals). */
struct scheme_def {
    char *name;
    char *target; /* "teacher" or "unit" */
    char *title;
    struct pgarr items, max_points; /* in file order */
    struct pgarr grades, min_points;
    size_t nitems, ngrades;
};

/*
 * Parses `text`. Problems go to vs with path "line N" (or "" for what no
 * line holds, e.g. a missing section). Returns false on out-of-memory only;
 * the caller checks vs->total. Free *out with scheme_def_free either way.
 */
bool scheme_parse(const char *text, struct scheme_def *out, struct rpc_violations *vs);
void scheme_def_free(struct scheme_def *d);

/*
 * A score as the database stores it: a plain decimal with at most one
 * decimal, from 0 to max. Writes its text to buf (cap >= 32).
 */
bool scheme_points_ok(double v, double max, char *buf, size_t cap);

#endif
