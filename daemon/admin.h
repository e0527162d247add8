/*
 * admin: account commands run by the operator on the server host
 * (yanxiud user …, yanxiud district …). They connect as the schema owner
 * (migrate_conninfo) with blocking libpq: a command, not the daemon.
 */
#ifndef YANXIU_ADMIN_H
#define YANXIU_ADMIN_H

#include "config.h"

/* Runs `yanxiud user|district ARGS…`; returns the process exit code. */
int admin_main(const struct config *cfg, int argc, char **argv);

/*
 * `yanxiud verify-ledger`: recomputes the ledger and its monthly roll-up
 * from the reports' raw rows and prints every difference. Exit code 0 when
 * they agree, 1 otherwise.
 */
int admin_verify_ledger(const struct config *cfg);

#endif
