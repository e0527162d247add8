/*
 * rpc_workbook: the Workbook request (the web console's downloads): the
 * monthly report's template with the unit's roster in 签到表, the roster's
 * template, and the views as the CLI's --format xlsx writes them. A view's
 * workbook runs the view's own handler (same statements, same tenancy), then
 * lays out its answer with sheet/workbook.c off the event loop.
 */
#ifndef YANXIU_RPC_WORKBOOK_H
#define YANXIU_RPC_WORKBOOK_H

#include "rpc.h"

/* Frees a workbook job the pool (srv->books) never ran or never delivered, at shutdown. */
void rpc_workbook_drop(void *arg);

#endif
