/*
 * cli: what the commands of the yanxiu CLI share. The command table and
 * main() live in cli.c; a command may live in a file of its own (cmd_*.c)
 * and reach the options, the session (cli_session.h) and the error reporting
 * through here.
 */
#ifndef YANXIU_CLI_H
#define YANXIU_CLI_H

#include <getopt.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cli_session.h"
#include "out.h"
#include "session_file.h"
#include "yx_common.h"
#include "yxc.h"

/* Exit codes, as documented in `yanxiu --help`. */
enum {
    CLI_OK = 0,
    CLI_FAILED = 1,    /* the server answered an error, or the connection failed midway */
    CLI_USAGE = 2,     /* unknown command or option, bad argument */
    CLI_NO_SERVER = 3, /* could not connect */
};

/* The longest user name and password, as the server allows. */
#define CLI_MAX_USER_NAME 64
#define CLI_MAX_PASSWORD  1024

/* cli_getopt's answer when the options were wrong (the problem is already printed). */
#define CLI_BAD_OPTION (-2)

struct command;

/* The state of one run of yanxiu: global options, the connection, the session. */
struct cli {
    const char *server;      /* HOST:PORT as given */
    const char *server_from; /* "from --server", "from YANXIU_SERVER", ... or "the default" */
    bool server_chosen;      /* by --server or YANXIU_SERVER (else the session's may be used) */
    int timeout_ms;
    bool tls;            /* --tls */
    const char *ca_file; /* --ca or YANXIU_CA; NULL: the system store */
    const struct command *cmd;
    struct yxc *conn;
    char peer[300];              /* the server as "host:port", for output */
    Yanxiu__V1__Envelope *hello; /* the server's HelloResponse, after cli_hello */
    /* The saved session (cli_load_session), and whether it was sent to this server. */
    char session_path[4096];
    char session_server[300]; /* the default server, when taken from the session file */
    struct session_file session;
    bool have_session;
    bool session_sent;
    Yanxiu__V1__Envelope *me; /* the WhoAmIResponse, after cli_open_session */
    /* The whole command line as given, for "run this again" advice. */
    int argc;
    char **argv;
};

/*
 * A command. `run` gets argv[0] = the (last word of the) command name and
 * the arguments after it, and returns the exit code; it prints its own
 * messages. `name` may have several words ("units import"): the longest
 * match wins. main() answers --help with `usage` before `run` is called,
 * and closes the connection after it returns.
 */
struct command {
    const char *name;
    const char *summary; /* one line for `yanxiu --help` */
    int (*run)(struct cli *cli, int argc, char **argv);
    const char *usage; /* the full text for `yanxiu COMMAND --help` */
};

/*
 * getopt_long over a command's options plus the global ones, so that
 * `yanxiu ping --server h:p` works like `yanxiu --server h:p ping`.
 * A command's option values must stay below 0x100 (the global ones are
 * above). Returns the next of the command's options (optarg set), -1 when
 * done (operands are then argv[optind..]), or CLI_BAD_OPTION after printing
 * the problem.
 */
int cli_getopt(struct cli *cli, int argc, char **argv, const struct option *cmd_opts);

/* Prints a usage problem and where to read more ("see yanxiu COMMAND --help");
   returns CLI_USAGE. */
int cli_usage_error(const struct cli *cli, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* False (after saying so) when operands are left over after the options. */
bool cli_no_operands(const struct cli *cli, int argc, char **argv) YX_MUST_CHECK;

/* The one operand left after the options; NULL after saying what is wrong: "WHAT is missing"
   (what: "FILE (the policy file to store)"), or "unexpected argument 'X' (give one ONE)"
   (one: "FILE"). */
const char *cli_one_operand(const struct cli *cli, int argc, char **argv, const char *what,
                            const char *one) YX_MUST_CHECK;

/* Parses a whole number in [min, max] given to `option`. False after saying why. */
bool cli_parse_long(const struct cli *cli, const char *option, const char *arg, long min, long max,
                    long *out) YX_MUST_CHECK;

/* Parses the value of --format. False after saying what it accepts. */
bool cli_parse_format(const struct cli *cli, const char *arg,
                      enum out_format *format) YX_MUST_CHECK;

/* Prints a table to stdout as a table, CSV or JSON (not xlsx: a listing with -o goes through
   view_output). Returns an exit code (CLI_FAILED, after saying so, when the output could not
   be written). */
int cli_print_table(const struct out_table *t, enum out_format format);

/* Prints a failure of the client library (with a hint where one helps); returns the exit
   code it calls for. */
int cli_report(const struct cli *cli, const struct yxc_error *err);

/* Asia/Shanghai wall-clock time of a Unix time in microseconds: "2026-11-23 19:05:01". */
void cli_format_local(int64_t us, char *buf, size_t cap);

/* --- commands in other files (the rows of the table in cli.c) ----------------------- */

/* cmd_account.c: one's own account: login, logout, whoami. */
int cmd_login(struct cli *cli, int argc, char **argv);
int cmd_logout(struct cli *cli, int argc, char **argv);
int cmd_whoami(struct cli *cli, int argc, char **argv);
extern const char cmd_login_usage[];
extern const char cmd_logout_usage[];
extern const char cmd_whoami_usage[];

/* cmd_roster.c: schools (units) and the teacher roster. */
int cmd_units_import(struct cli *cli, int argc, char **argv);
int cmd_units_list(struct cli *cli, int argc, char **argv);
int cmd_roster_import(struct cli *cli, int argc, char **argv);
int cmd_roster_list(struct cli *cli, int argc, char **argv);
int cmd_roster_transfer(struct cli *cli, int argc, char **argv);
extern const char cmd_units_import_usage[];
extern const char cmd_units_list_usage[];
extern const char cmd_roster_import_usage[];
extern const char cmd_roster_list_usage[];
int cmd_roster_template(struct cli *cli, int argc, char **argv);
extern const char cmd_roster_template_usage[];
extern const char cmd_roster_transfer_usage[];

/* cmd_report.c: monthly reports (月报): the unit's files, submission, the district's review. */
int cmd_report_template(struct cli *cli, int argc, char **argv);
int cmd_report_submit(struct cli *cli, int argc, char **argv);
/* cmd_bulk.c: the historical import in bulk (SubmitBatch) from a manifest. */
int cmd_report_import(struct cli *cli, int argc, char **argv);
int cmd_report_list(struct cli *cli, int argc, char **argv);
int cmd_report_show(struct cli *cli, int argc, char **argv);
int cmd_report_approve(struct cli *cli, int argc, char **argv);
int cmd_report_return(struct cli *cli, int argc, char **argv);
int cmd_report_reopen(struct cli *cli, int argc, char **argv);
int cmd_report_void(struct cli *cli, int argc, char **argv);
extern const char cmd_report_template_usage[];
extern const char cmd_report_submit_usage[];
extern const char cmd_report_import_usage[];
extern const char cmd_report_list_usage[];
extern const char cmd_report_show_usage[];
extern const char cmd_report_approve_usage[];
extern const char cmd_report_return_usage[];
extern const char cmd_report_reopen_usage[];
extern const char cmd_report_void_usage[];

/* cmd_compliance.c: the policy, compliance (学时达标), reporting rates, a teacher's handbook. */
int cmd_policy_show(struct cli *cli, int argc, char **argv);
int cmd_policy_set(struct cli *cli, int argc, char **argv);
int cmd_compliance_teachers(struct cli *cli, int argc, char **argv);
int cmd_compliance_units(struct cli *cli, int argc, char **argv);
int cmd_compliance_groups(struct cli *cli, int argc, char **argv);
int cmd_reporting_rates(struct cli *cli, int argc, char **argv);
int cmd_teacher_history(struct cli *cli, int argc, char **argv);
extern const char cmd_policy_show_usage[];
extern const char cmd_policy_set_usage[];
extern const char cmd_compliance_teachers_usage[];
extern const char cmd_compliance_units_usage[];
extern const char cmd_compliance_groups_usage[];
extern const char cmd_reporting_rates_usage[];
extern const char cmd_teacher_history_usage[];

/* cmd_assess.c: annual assessment (考核): schemes, item scores, results. */
int cmd_assessment_scheme_set(struct cli *cli, int argc, char **argv);
int cmd_assessment_scheme_list(struct cli *cli, int argc, char **argv);
int cmd_assessment_scheme_show(struct cli *cli, int argc, char **argv);
int cmd_assessment_scores_import(struct cli *cli, int argc, char **argv);
int cmd_assessment_results(struct cli *cli, int argc, char **argv);
extern const char cmd_assessment_scheme_set_usage[];
extern const char cmd_assessment_scheme_list_usage[];
extern const char cmd_assessment_scheme_show_usage[];
extern const char cmd_assessment_scores_import_usage[];
extern const char cmd_assessment_results_usage[];

#endif
