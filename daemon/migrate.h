/*
 * migrate: applies the numbered SQL migrations of sql/ (embedded in the
 * binary at build time) in order, each in its own transaction, recorded in
 * schema_migrations. Runs as the schema owner (migrate_conninfo), never on
 * the event loop: it is a command of its own.
 */
#ifndef YANXIU_MIGRATE_H
#define YANXIU_MIGRATE_H

#include <stdbool.h>

#include "yx_common.h"

struct migration {
    unsigned version;
    const char *name;
    const char *sql;
};

/* Generated from sql/ by daemon/embed_sql.cmake, sorted by version. */
extern const struct migration migrations[];
extern const unsigned migrations_count;

/* The version the running code needs: that of the last migration. */
unsigned migrate_latest(void);

/*
 * Connects with `conninfo`, takes an advisory lock so that two runs cannot
 * interleave, and applies every missing migration. Prints what it did on
 * stdout, errors on stderr. Returns false on any failure; a failed
 * migration leaves the database as it was before that migration.
 */
bool migrate_run(const char *conninfo) YX_MUST_CHECK;

#endif
