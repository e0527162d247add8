/*
 * rpc_auth: Login, Logout, WhoAmI. Login verifies the password on the
 * hashing workers (never the loop) and counts failures per name for the
 * lockout; answers never tell whether a user exists.
 */
#ifndef YANXIU_RPC_AUTH_H
#define YANXIU_RPC_AUTH_H

#include "rpc.h"

void rpc_auth_register(void);
/* The statements of the login pool (server.c): only its role may run them. */
const struct db_stmt *rpc_auth_login_statements(size_t *n);

#endif
