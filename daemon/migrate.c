/*
 * migrate: the schema's history, applied with plain blocking libpq (this
 * is a command-line step, not the daemon's request path).
 *
 * Two kinds of SQL (README "Schema and migrations"):
 * - sql/migrations/NNN_name.sql: tables, indexes, policies, triggers, grants
 *   on tables, backfills, and a DROP FUNCTION when a signature changes. Each
 *   is applied once and recorded in
 *   schema_migrations with the SHA-256 of its text. A landed migration is
 *   never edited: migrate compares every recorded hash with the embedded
 *   file's and refuses to run, naming the file, when one differs. Rows
 *   recorded before hashes were kept (a database of the layout before
 *   sql/functions/, where 001..011 still held the function bodies) get the
 *   hash of today's file of the same version and name: those files are that
 *   history with the bodies moved out, so the database already has what they
 *   and sql/functions/ make together.
 * - sql/functions/AREA.sql: only CREATE OR REPLACE FUNCTION and the grants
 *   of those functions, one live body per function. After the migrations,
 *   every run applies all of them and records in
 *   schema_functions the set's SHA-256 (computed at build time) and that of
 *   the catalog's functions as they then are (MIGRATE_CATALOG_SHA256_SQL).
 *   `yanxiud serve` refuses a database whose set is not its own, or whose
 *   catalog no longer matches what was recorded (a function replaced by hand).
 *
 * A run is one transaction (the advisory lock aside): the hash checks, the
 * early function pass, the pending migrations and the function set commit
 * together or not at all.
 *
 * Order on a fresh database: a policy or trigger refers to its function by
 * OID, so the function must exist when the migration creates it. The files
 * whose first line is "-- migrate: before the migrations" (the wall's
 * functions and the trigger functions) are therefore applied before any
 * pending migration too. Their signatures use
 * built-in types only and their bodies are not checked against tables
 * (check_function_bodies off), so they can go first into an empty schema.
 * Every other function comes after all migrations: a migration never calls
 * those. A function of those files cannot change its signature in place
 * (the migration's DROP FUNCTION would come after the early pass, whose
 * CREATE OR REPLACE fails on the old one): it gets a new name instead.
 */
#include "migrate.h"

#include <libpq-fe.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Any constant shared by all yanxiud versions: serializes concurrent runs. */
#define MIGRATE_LOCK_KEY "7433001"

unsigned migrate_latest(void)
{
    return migrations_count ? migrations[migrations_count - 1].version : 0;
}

static bool exec_ok(PGconn *pg, const char *sql, const char *what)
{
    PGresult *r = PQexec(pg, sql);
    ExecStatusType st = PQresultStatus(r);
    bool ok = st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK;
    if (!ok) {
        fprintf(stderr, "yanxiud migrate: %s failed: %s", what, PQresultErrorMessage(r));
    }
    PQclear(r);
    return ok;
}

static bool exec_params_ok(PGconn *pg, const char *sql, int n, const char *const *params,
                           const char *what)
{
    PGresult *r = PQexecParams(pg, sql, n, NULL, params, NULL, NULL, 0);
    ExecStatusType st = PQresultStatus(r);
    bool ok = st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK;
    if (!ok)
        fprintf(stderr, "yanxiud migrate: %s failed: %s", what, PQresultErrorMessage(r));
    PQclear(r);
    return ok;
}

/* Runs `sql` (a whole file) in the open transaction; says which file failed. */
static bool exec_file(PGconn *pg, const char *sql, const char *file)
{
    PGresult *r = PQexec(pg, sql);
    ExecStatusType st = PQresultStatus(r);
    /* Empty: a migration of comments only (008, whose function moved out). */
    bool ok = st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK || st == PGRES_EMPTY_QUERY;
    if (!ok) {
        fprintf(stderr, "yanxiud migrate: %s failed, nothing of it was applied:\n  %s", file,
                PQresultErrorMessage(r));
        if (strstr(PQresultErrorMessage(r), "role \"yanxiu_app\" does not exist") ||
            strstr(PQresultErrorMessage(r), "role \"yanxiud_login\" does not exist"))
            fprintf(stderr, "  create the roles first: psql -f deploy/setup-db.sql (as the "
                            "PostgreSQL superuser; it is safe to run again on an existing "
                            "database)\n");
    }
    PQclear(r);
    return ok;
}

static bool rollback(PGconn *pg)
{
    PQclear(PQexec(pg, "ROLLBACK"));
    return false;
}

/* Applies one migration in the open transaction and records it. */
static bool apply_one(PGconn *pg, const struct migration *m)
{
    char file[128];
    snprintf(file, sizeof(file), "sql/migrations/%s.sql", m->name);
    if (!exec_file(pg, m->sql, file))
        return false;
    char version[16];
    snprintf(version, sizeof(version), "%u", m->version);
    const char *params[] = {version, m->name, m->sha256};
    return exec_params_ok(pg,
                          "INSERT INTO schema_migrations (version, name, sha256) "
                          "VALUES ($1, $2, $3)",
                          3, params, "recording the migration");
}

/* The function files (all of them, or those marked `before`), in the open transaction. */
static bool apply_functions(PGconn *pg, bool before_only)
{
    for (unsigned i = 0; i < functions_count; i++) {
        if (before_only && !functions[i].before)
            continue;
        char file[128];
        snprintf(file, sizeof(file), "sql/functions/%s", functions[i].name);
        if (!exec_file(pg, functions[i].sql, file))
            return false;
    }
    if (!before_only) {
        const char *params[] = {functions_sha256};
        if (!exec_ok(pg, "DELETE FROM schema_functions", "recording the functions") ||
            !exec_params_ok(pg,
                            "INSERT INTO schema_functions (sha256, catalog_sha256) "
                            "VALUES ($1, " MIGRATE_CATALOG_SHA256_SQL ")",
                            1, params, "recording the functions"))
            return false;
    }
    return true;
}

static const struct migration *find_migration(unsigned version)
{
    for (unsigned i = 0; i < migrations_count; i++)
        if (migrations[i].version == version)
            return &migrations[i];
    return NULL;
}

/*
 * Compares the landed migrations with the embedded ones: records the hash of
 * rows landed before hashes were kept, refuses a changed file. Sets *current
 * to the highest landed version.
 */
static bool check_landed(PGconn *pg, unsigned *current)
{
    PGresult *r =
        PQexec(pg, "SELECT version, name, sha256 FROM schema_migrations ORDER BY version");
    if (PQresultStatus(r) != PGRES_TUPLES_OK) {
        fprintf(stderr, "yanxiud migrate: reading schema_migrations: %s", PQresultErrorMessage(r));
        PQclear(r);
        return false;
    }
    bool ok = true;
    *current = 0;
    for (int row = 0; ok && row < PQntuples(r); row++) {
        unsigned version = (unsigned)strtoul(PQgetvalue(r, row, 0), NULL, 10);
        const char *name = PQgetvalue(r, row, 1);
        *current = version;
        const struct migration *m = find_migration(version);
        if (!m) {
            if (version <= migrate_latest()) {
                fprintf(stderr,
                        "yanxiud migrate: the database has migration %s, which this yanxiud "
                        "does not know (sql/migrations/ has no version %u); was it removed? "
                        "Nothing was applied.\n",
                        name, version);
                ok = false;
            }
            continue; /* a newer yanxiud's migration */
        }
        if (strcmp(m->name, name) != 0) {
            fprintf(stderr,
                    "yanxiud migrate: the database recorded migration %u as %s, but this "
                    "yanxiud's is sql/migrations/%s.sql: a landed migration is never renamed "
                    "or replaced; put the change in a new migration. Nothing was applied.\n",
                    version, name, m->name);
            ok = false;
        } else if (PQgetisnull(r, row, 2)) {
            char v[16];
            snprintf(v, sizeof(v), "%u", version);
            const char *params[] = {m->sha256, v};
            ok = exec_params_ok(pg, "UPDATE schema_migrations SET sha256 = $1 WHERE version = $2",
                                2, params, "recording a landed migration's SHA-256");
        } else if (strcmp(PQgetvalue(r, row, 2), m->sha256) != 0) {
            fprintf(stderr,
                    "yanxiud migrate: sql/migrations/%s.sql has changed since it was applied "
                    "to this database (SHA-256 %s then, %s in this yanxiud). A landed "
                    "migration is never edited: restore the file as it was (git log -p -- "
                    "sql/migrations/%s.sql) and put the change in a new migration, or a "
                    "function's change in sql/functions/. Nothing was applied.\n",
                    m->name, PQgetvalue(r, row, 2), m->sha256, m->name);
            ok = false;
        }
    }
    PQclear(r);
    return ok;
}

bool migrate_run(const char *conninfo)
{
    PGconn *pg = PQconnectdb(conninfo);
    if (PQstatus(pg) != CONNECTION_OK) {
        fprintf(stderr,
                "yanxiud migrate: cannot connect with [database] migrate_conninfo: %s"
                "  check that PostgreSQL runs and the owner role exists (deploy/setup-db.sql)\n",
                PQerrorMessage(pg));
        PQfinish(pg);
        return false;
    }
    /* One transaction from the lock on: a run that fails anywhere leaves the database as it
       was. */
    bool ok =
        exec_ok(pg, "SET client_min_messages = warning", "SET") &&
        exec_ok(pg, "SELECT pg_advisory_lock(" MIGRATE_LOCK_KEY ")", "taking the migration lock") &&
        exec_ok(pg, "BEGIN", "BEGIN") &&
        exec_ok(pg, "SET LOCAL check_function_bodies = off", "SET check_function_bodies") &&
        exec_ok(pg,
                "CREATE TABLE IF NOT EXISTS schema_migrations ("
                " version integer PRIMARY KEY,"
                " name text NOT NULL,"
                " applied_at timestamptz NOT NULL DEFAULT now())",
                "creating schema_migrations") &&
        exec_ok(pg, "ALTER TABLE schema_migrations ADD COLUMN IF NOT EXISTS sha256 text",
                "adding schema_migrations.sha256") &&
        exec_ok(pg,
                "CREATE TABLE IF NOT EXISTS schema_functions ("
                " sha256 text NOT NULL,"
                " catalog_sha256 text NOT NULL,"
                " applied_at timestamptz NOT NULL DEFAULT now())",
                "creating schema_functions");
    unsigned current = 0;
    ok = ok && check_landed(pg, &current);
    if (ok && current > migrate_latest()) {
        printf("the database schema (version %u) is newer than this yanxiud (%u); nothing to do\n",
               current, migrate_latest());
        ok = exec_ok(pg, "COMMIT", "COMMIT"); /* the hashes of rows landed before them */
        PQfinish(pg);
        return ok;
    }
    if (ok && current < migrate_latest())
        ok = apply_functions(pg, true);
    unsigned applied = 0;
    for (unsigned i = 0; ok && i < migrations_count; i++) {
        if (migrations[i].version <= current)
            continue;
        ok = apply_one(pg, &migrations[i]);
        applied += ok;
    }
    ok = ok && apply_functions(pg, false) && exec_ok(pg, "COMMIT", "COMMIT");
    if (ok) {
        for (unsigned i = 0; i < migrations_count; i++)
            if (migrations[i].version > current)
                printf("applied %s\n", migrations[i].name);
        printf("schema is current at version %u (%u applied now), functions %.12s\n",
               migrate_latest(), applied, functions_sha256);
    } else {
        rollback(pg);
        fprintf(stderr, "yanxiud migrate: rolled back: the database is as it was before this "
                        "run; fix what is said above and run yanxiud migrate again\n");
    }
    PQfinish(pg);
    return ok;
}
