/*
 * rpc_bulk: the historical import in bulk (批量历史导入, SubmitBatch), district
 * and admin only: many reports, each checked as SubmitReport checks it,
 * written by report_submit in one transaction, all or nothing; every problem
 * answered with the report (unit, month, "reports[N]." path) it belongs to.
 */
#ifndef YANXIU_RPC_BULK_H
#define YANXIU_RPC_BULK_H

#include "rpc.h"

void rpc_bulk_register(void);

#endif
