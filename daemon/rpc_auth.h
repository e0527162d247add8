/*
 * rpc_auth: Login, Logout, WhoAmI. Login verifies the password on the
 * hashing workers (never the loop) and counts failures per name for the
 * lockout; answers never tell whether a user exists.
 */
#ifndef YANXIU_RPC_AUTH_H
#define YANXIU_RPC_AUTH_H

#include "rpc.h"

void auth_register(void);
/* The statements of the login pool (server.c): only its role may run them. */
const struct db_stmt *auth_login_statements(size_t *n);
void auth_login(struct rpc_req *req);
void auth_logout(struct rpc_req *req);
void auth_whoami(struct rpc_req *req);

#endif
