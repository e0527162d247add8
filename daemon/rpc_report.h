/*
 * rpc_report: monthly reports (月报) — submit (school: its own unit;
 * district and admin: any unit of the district), review (district: approve,
 * return, reopen, void), list and show (each in the caller's scope).
 */
#ifndef YANXIU_RPC_REPORT_H
#define YANXIU_RPC_REPORT_H

#include "rpc.h"

void rpc_report_register(void);

#endif
