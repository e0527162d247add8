/*
 * migrate: the schema's history, applied with plain blocking libpq (this
 * is a command-line step, not the daemon's request path).
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

static bool apply_one(PGconn *pg, const struct migration *m)
{
    if (!exec_ok(pg, "BEGIN", "BEGIN"))
        return false;
    PGresult *r = PQexec(pg, m->sql);
    ExecStatusType st = PQresultStatus(r);
    if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK) {
        fprintf(stderr, "yanxiud migrate: %s failed, nothing of it was applied:\n  %s", m->name,
                PQresultErrorMessage(r));
        if (strstr(PQresultErrorMessage(r), "role \"yanxiu_app\" does not exist") ||
            strstr(PQresultErrorMessage(r), "role \"yanxiud_login\" does not exist"))
            fprintf(stderr, "  create the roles first: psql -f deploy/setup-db.sql (as the "
                            "PostgreSQL superuser; it is safe to run again on an existing "
                            "database)\n");
        PQclear(r);
        PQclear(PQexec(pg, "ROLLBACK"));
        return false;
    }
    PQclear(r);
    char version[16];
    snprintf(version, sizeof(version), "%u", m->version);
    const char *params[] = {version, m->name};
    r = PQexecParams(pg, "INSERT INTO schema_migrations (version, name) VALUES ($1, $2)", 2, NULL,
                     params, NULL, NULL, 0);
    bool ok = PQresultStatus(r) == PGRES_COMMAND_OK;
    if (!ok)
        fprintf(stderr, "yanxiud migrate: recording %s failed: %s", m->name,
                PQresultErrorMessage(r));
    PQclear(r);
    if (!ok) {
        PQclear(PQexec(pg, "ROLLBACK"));
        return false;
    }
    if (!exec_ok(pg, "COMMIT", "COMMIT"))
        return false;
    printf("applied %s\n", m->name);
    return true;
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
    bool ok =
        exec_ok(pg, "SET client_min_messages = warning", "SET") &&
        exec_ok(pg, "SELECT pg_advisory_lock(" MIGRATE_LOCK_KEY ")", "taking the migration lock") &&
        exec_ok(pg,
                "CREATE TABLE IF NOT EXISTS schema_migrations ("
                " version integer PRIMARY KEY,"
                " name text NOT NULL,"
                " applied_at timestamptz NOT NULL DEFAULT now())",
                "creating schema_migrations");
    unsigned current = 0;
    if (ok) {
        PGresult *r = PQexec(pg, "SELECT coalesce(max(version), 0) FROM schema_migrations");
        ok = PQresultStatus(r) == PGRES_TUPLES_OK;
        if (ok)
            current = (unsigned)strtoul(PQgetvalue(r, 0, 0), NULL, 10);
        else
            fprintf(stderr, "yanxiud migrate: reading schema_migrations: %s",
                    PQresultErrorMessage(r));
        PQclear(r);
    }
    unsigned applied = 0;
    for (unsigned i = 0; ok && i < migrations_count; i++) {
        if (migrations[i].version <= current)
            continue;
        ok = apply_one(pg, &migrations[i]);
        applied += ok;
    }
    if (ok && current > migrate_latest())
        printf("the database schema (version %u) is newer than this yanxiud (%u); nothing to do\n",
               current, migrate_latest());
    else if (ok)
        printf("schema is current at version %u (%u applied now)\n", migrate_latest(), applied);
    PQfinish(pg);
    return ok;
}
