/*
 * rpc_assess: annual assessment (考核). Schemes: set by the district (and
 * admin), listed by any role of the district. Scores: a school enters those
 * of its own teachers, the district any (unit schemes: the district only).
 * Results: any role; a school sees its own unit.
 */
#ifndef YANXIU_RPC_ASSESS_H
#define YANXIU_RPC_ASSESS_H

#include "rpc.h"

void rpc_assess_register(void);

#endif
