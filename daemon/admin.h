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

#endif
