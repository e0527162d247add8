/*
 * policy: a district's policy (区县研修政策) as the INI file people read
 * and edit — rendering a stored policy with a comment per key, and parsing
 * an edited file into checked values, every problem named by its line.
 */
#ifndef YANXIU_POLICY_H
#define YANXIU_POLICY_H

#include <libpq-fe.h>
#include <stdbool.h>

#include "rpc.h"

/* The keys of a policy, in the order of policy_set()'s parameters. */
enum policy_key {
    POLICY_CYCLE_YEARS,
    POLICY_CYCLE_FIRST_YEAR,
    POLICY_HOURS_CYCLE,
    POLICY_HOURS_YEAR,
    POLICY_SCHOOL_HOURS_YEAR,
    POLICY_ETHICS_HOURS_CYCLE,
    POLICY_CENTRALIZED_HOURS_CYCLE,
    POLICY_HOMEROOM_HOURS_CYCLE,
    POLICY_ABSENCE_LIMIT,
    POLICY_GROUP_SHORT_PERCENT,
    POLICY_CREDITS_ENABLED,
    POLICY_CREDITS_YEAR,
    POLICY_CREDIT_FACTOR,
    POLICY_YEAR_BASIS,
    POLICY_DEADLINE_DAY,
    POLICY_NON_CREDITABLE,
    POLICY_NKEYS
};

/* Parsed values as SQL text parameters; NULL where the file left a key out. */
struct policy_values {
    char *v[POLICY_NKEYS];
};

/*
 * Parses `text` (a [policy] section of key = value lines; # and ; start
 * comments). Problems go to vs with path "line N". Returns false on
 * out-of-memory only; the caller checks vs->total.
 */
bool policy_parse(const char *text, struct policy_values *out, struct rpc_violations *vs);
void policy_values_free(struct policy_values *pv);

/*
 * Renders row 0 of `r`, whose columns are the keys in enum order (the list
 * as a PostgreSQL text array), as the INI file; malloc'd, NULL on OOM.
 */
char *policy_render(const PGresult *r, const char *district, const char *version,
                    const char *effective);

#endif
