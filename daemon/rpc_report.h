/*
 * rpc_report: monthly reports (月报) — submit (school: its own unit;
 * district and admin: any unit of the district), review (district: approve,
 * return, reopen, void), list and show (each in the caller's scope).
 */
#ifndef YANXIU_RPC_REPORT_H
#define YANXIU_RPC_REPORT_H

#include "rpc.h"

void rpc_report_register(void);

/* A submission's limits (report_too_large); a batch's rows together are under MAX_ATTENDANCE too.
 */
#define MAX_ACTIVITIES 1000
#define MAX_ATTENDANCE 200000
#define MAX_EXTERNAL   10000

struct layout;

/* One report to submit, as report_submit takes it (strings alive while the job is built). */
struct report_submission {
    const char *district, *unit;
    const char *peer;  /* the client's address, for the audit log */
    const char *month; /* "YYYY-MM-01" */
    const Yanxiu__V1__SubmitReportRequest *in;
    const struct layout *L; /* the rows read from its files (their format problems are taken
                               from it), or NULL: the request's own rows */
};

/*
 * Checks one submission field by field as SubmitReport does (the key, empty
 * and reason, submitted_at, the summary, every activity, sign-in row and
 * external record; each problem added to vs at its cell or path) and appends
 * its report_submit statement to `job` (after session_begin). The statement
 * only checks when *check_only, or when this report had a problem here; then
 * *check_only is set. The size limits above are the caller's. False on
 * out-of-memory (free the job).
 */
bool report_submit_add(struct db_job *job, const struct report_submission *s,
                       struct rpc_violations *vs, bool *check_only) YX_MUST_CHECK;

#endif
