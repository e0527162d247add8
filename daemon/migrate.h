/*
 * migrate: applies the numbered SQL migrations of sql/migrations/ (embedded
 * in the binary at build time) in order, each in its own transaction,
 * recorded in schema_migrations with its SHA-256, then re-applies every file
 * of sql/functions/ in one transaction and records the set in
 * schema_functions. Runs as the schema owner (migrate_conninfo), never on
 * the event loop: it is a command of its own. The design is in migrate.c.
 */
#ifndef YANXIU_MIGRATE_H
#define YANXIU_MIGRATE_H

#include <stdbool.h>

#include "yx_common.h"

struct migration {
    unsigned version;
    const char *name;
    const char *sql;
    const char *sha256; /* of the file, hex */
};

struct sql_functions {
    const char *name; /* "report.sql" */
    const char *sql;
    bool before; /* applied before pending migrations too (policies, triggers need it) */
};

/* Generated from sql/ by daemon/embed_sql.cmake: migrations sorted by
 * version, function files by name, and the SHA-256 of the function set. */
extern const struct migration migrations[];
extern const unsigned migrations_count;
extern const struct sql_functions functions[];
extern const unsigned functions_count;
extern const char functions_sha256[];

/*
 * The SHA-256 (hex) of the schema owner's functions as the catalog has them
 * (their definitions and grants): migrate records it next to the set's hash,
 * and serve compares it with the live catalog, so that a function replaced by
 * hand is found too (CREATE OR REPLACE keeps the owner, whoever runs it).
 * Functions of other owners (a test's, a superuser's) are not the schema's.
 * One scalar subquery.
 */
#define MIGRATE_CATALOG_SHA256_SQL                                                                 \
    "(SELECT encode(sha256(convert_to(coalesce(string_agg("                                        \
    "p.oid::regprocedure::text || ' ' || p.proowner::regrole::text || ' ' || "                     \
    "coalesce((SELECT string_agg(a::text, ',' ORDER BY a::text) FROM unnest(p.proacl) a), '') "    \
    "|| E'\\n' || pg_get_functiondef(p.oid), E'\\n' ORDER BY p.oid::regprocedure::text), ''), "    \
    "'UTF8')), 'hex') FROM pg_proc p WHERE p.pronamespace = 'public'::regnamespace AND "           \
    "p.proowner = (SELECT relowner FROM pg_class WHERE oid = 'schema_migrations'::regclass))"

/* The version the running code needs: that of the last migration. */
unsigned migrate_latest(void);

/*
 * Connects with `conninfo`, takes an advisory lock so that two runs cannot
 * interleave, checks that no landed migration changed, applies every missing
 * migration and then the function set. Prints what it did on stdout, errors
 * on stderr. All in one transaction: returns false on any failure, and the
 * database is then as it was before the run.
 */
bool migrate_run(const char *conninfo) YX_MUST_CHECK;

#endif
