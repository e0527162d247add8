/*
 * backup: `yanxiud backup DIR` and `yanxiud restore FILE`, both as the
 * schema owner (migrate_conninfo) through PostgreSQL's own pg_dump and
 * pg_restore, which must be the server's major version or newer.
 */
#ifndef YANXIU_BACKUP_H
#define YANXIU_BACKUP_H

#include "config.h"

/*
 * Writes a consistent dump (pg_dump's custom format: one snapshot) to
 * DIR/yanxiu-YYYY-MM-DDTHHMMSSZ.dump (UTC), mode 0600, through a temporary
 * name, fsync'd before it gets its final name; then deletes the oldest
 * files of that name pattern beyond [backup] keep, and nothing else.
 * Creates DIR (mode 0700) when it is missing. Returns the exit status
 * (0 ok, 1 failure, 2 usage); every failure is explained on stderr.
 */
int backup_run(const struct config *cfg, const char *dir);

/*
 * Restores FILE (a `yanxiud backup`) into the database of migrate_conninfo,
 * which must be empty (fresh from deploy/setup-db.sql): it refuses anything
 * else and changes nothing. Then ends every session, so that tokens issued
 * before the backup are useless, and verifies the ledger against the
 * reports' rows. Returns the exit status as backup_run.
 */
int backup_restore(const struct config *cfg, const char *file);

#endif
