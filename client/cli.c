/*
 * yanxiu: the command-line client of yanxiud. A command is one row of
 * `commands` plus one function, which parses its own options with
 * cli_getopt (that also takes the global ones) and talks through yxc.
 * Commands that need a session open their connection with cli_open_session.
 * What commands in other files (cmd_*.c) may use is declared in cli.h.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "lang.h"
#include "out.h"
#include "rfc3339.h"
#include "session_file.h"
#include "view.h"
#include "yxc.h"

#define DEFAULT_SERVER     "127.0.0.1:7433"
#define DEFAULT_TIMEOUT_MS 30000
#define MAX_TIMEOUT_S      86400.0
#define MAX_PING_COUNT     100000L
#define MAX_USER_NAME      CLI_MAX_USER_NAME
#define MAX_AUDIT_LIMIT    10000L
/* Asia/Shanghai, the product's local time: UTC+8 all year (no DST since 1991). */
#define LOCAL_UTC_OFFSET_S (8 * 3600)

/* Global option values for getopt_long, above any character a command may use. */
enum { OPT_SERVER = 0x100, OPT_TIMEOUT, OPT_TLS, OPT_CA, OPT_LANG };

static int cmd_hello(struct cli *cli, int argc, char **argv);
static int cmd_help(struct cli *cli, int argc, char **argv);
/* How far the database clock is ahead of the daemon's, in ms; never "-0.0". */
static double offset_ms(int64_t database_us, int64_t server_us)
{
    double ms = (double)(database_us - server_us) / 1e3;
    return ms > -0.05 && ms < 0.05 ? 0.0 : ms;
}

static int cmd_ping(struct cli *cli, int argc, char **argv);
static int cmd_audit(struct cli *cli, int argc, char **argv);

/* Sorted by name, as `yanxiu --help` lists them. */
static const struct command commands[] = {
    {"assessment results",
     N_("the year's assessment (年度考核): score, grade, final grade, consequences"),
     cmd_assessment_results, cmd_assessment_results_usage},
    {"assessment scheme list", N_("list the district's assessment schemes (考核方案)"),
     cmd_assessment_scheme_list, cmd_assessment_scheme_list_usage},
    {"assessment scheme set", N_("store an assessment scheme (items, grades) from an INI file"),
     cmd_assessment_scheme_set, cmd_assessment_scheme_set_usage},
    {"assessment scheme show", N_("print an assessment scheme as its INI file"),
     cmd_assessment_scheme_show, cmd_assessment_scheme_show_usage},
    {"assessment scores import", N_("enter item scores (考核得分) from a workbook or CSV file"),
     cmd_assessment_scores_import, cmd_assessment_scores_import_usage},
    {"audit", N_("list the audit log: logins, logouts and every write"), cmd_audit,
     N_("usage: yanxiu audit [--since TIME] [--user NAME] [--limit N] [--format FORMAT]\n"
        "                    [-o FILE]\n"
        "\n"
        "Lists the newest entries of the audit log, oldest first: time, user, role,\n"
        "district, client address, action, target and outcome. A district account\n"
        "sees its own district; an admin sees every district. Needs a session\n"
        "(yanxiu login).\n"
        "\n"
        "  --since TIME     only entries from TIME on: YYYY-MM-DD, YYYY-MM-DDTHH:MM\n"
        "                   (Asia/Shanghai time, UTC+8), or a span back from now:\n"
        "                   30m, 24h, 7d\n"
        "  --user NAME      only the entries of this user\n"
        "  --limit N        at most N entries, the newest (1 to 10000; default: the\n"
        "                   server's, 1000); a note on stderr says when more matched\n"
        "Times are Asia/Shanghai: \"2026-11-23 19:05:01\" in table, CSV and Excel,\n"
        "\"2026-11-23T19:05:01+08:00\" in JSON. JSON keys and CSV header: at, user,\n"
        "role, district_code, client_addr, action, target, outcome.\n"
        "\n"
        "{file_options}")},
    {"compliance groups", N_("research groups (教研组) short of school-based hours, flagged"),
     cmd_compliance_groups, cmd_compliance_groups_usage},
    {"compliance teachers", N_("teachers' hours of a year (学时) and whether they meet the policy"),
     cmd_compliance_teachers, cmd_compliance_teachers_usage},
    {"compliance units", N_("per reporting unit: teachers by status, compliance rate, reports"),
     cmd_compliance_units, cmd_compliance_units_usage},
    {"hello", N_("show the server's name, version and protocol versions"), cmd_hello,
     N_("usage: yanxiu hello\n"
        "\n"
        "Says hello to yanxiud and shows its name and version, the protocol versions\n"
        "it speaks and the one it chose for this client.\n")},
    {"help", N_("show the help of a command"), cmd_help,
     N_("usage: yanxiu help [COMMAND]\n"
        "\n"
        "Shows what COMMAND does and its options (the same as yanxiu COMMAND --help),\n"
        "or without COMMAND the list of commands.\n")},
    {"login", N_("log in and keep the session for the next commands"), cmd_login, cmd_login_usage},
    {"logout", N_("end the session on the server and forget it here"), cmd_logout,
     cmd_logout_usage},
    {"ping", N_("check that the server answers, and how fast"), cmd_ping,
     N_("usage: yanxiu ping [--db] [--count N]\n"
        "\n"
        "Says hello to yanxiud, then measures the round trip of a ping.\n"
        "\n"
        "  --db       also make a round trip to the database; shows its schema version\n"
        "             and how far its clock is from the daemon's\n"
        "  --count N  ping N times (1 to 100000) one after the other and show the\n"
        "             minimum, average and maximum round trip\n")},
    {"policy set", N_("store a new version of the district's policy from an INI file"),
     cmd_policy_set, cmd_policy_set_usage},
    {"policy show", N_("print the district's policy (区县研修政策) as an INI file"),
     cmd_policy_show, cmd_policy_show_usage},
    {"report approve", N_("approve a unit's monthly report (district)"), cmd_report_approve,
     cmd_report_approve_usage},
    {"report import",
     N_("historical import in bulk (批量历史导入): many units' months from a manifest (district)"),
     cmd_report_import, cmd_report_import_usage},
    {"report list", N_("list monthly reports: who reported, on time, their status"),
     cmd_report_list, cmd_report_list_usage},
    {"report reopen", N_("reopen an approved or voided report, with a reason (district)"),
     cmd_report_reopen, cmd_report_reopen_usage},
    {"report return", N_("return a monthly report to its unit, with a reason (district)"),
     cmd_report_return, cmd_report_return_usage},
    {"report show", N_("show a monthly report: activities, history, flags, changes"),
     cmd_report_show, cmd_report_show_usage},
    {"report submit", N_("submit a unit's monthly report (月报) from its workbook or CSV files"),
     cmd_report_submit, cmd_report_submit_usage},
    {"report template", N_("write the report's workbook (--xlsx) or empty CSV files to fill in"),
     cmd_report_template, cmd_report_template_usage},
    {"report void", N_("void a monthly report: its hours stop counting (district)"),
     cmd_report_void, cmd_report_void_usage},
    {"reporting-rates", N_("who reported each month, on time: rates and the unit × month matrix"),
     cmd_reporting_rates, cmd_reporting_rates_usage},
    {"roster import", N_("import teachers into the roster (create or update by teacher code)"),
     cmd_roster_import, cmd_roster_import_usage},
    {"roster list", N_("list the teachers of the roster"), cmd_roster_list, cmd_roster_list_usage},
    {"roster template", N_("write a roster workbook to fill in (drop-down lists, instructions)"),
     cmd_roster_template, cmd_roster_template_usage},
    {"roster transfer", N_("move a teacher to another school of the district"), cmd_roster_transfer,
     cmd_roster_transfer_usage},
    {"teacher history", N_("a teacher's registration handbook (登记手册): records and totals"),
     cmd_teacher_history, cmd_teacher_history_usage},
    {"units import", N_("import schools and their central schools (create or update by code)"),
     cmd_units_import, cmd_units_import_usage},
    {"units list", N_("list the schools of the district and their reporting units"), cmd_units_list,
     cmd_units_list_usage},
    {"whoami", N_("show who the session belongs to and until when it is valid"), cmd_whoami,
     cmd_whoami_usage},
};

#define NCOMMANDS (sizeof(commands) / sizeof(commands[0]))

/* --- messages ------------------------------------------------------------------ */

static void print_help(FILE *fp)
{
    size_t w = 0;
    for (size_t i = 0; i < NCOMMANDS; i++)
        if (strlen(commands[i].name) > w)
            w = strlen(commands[i].name);

    fputs(_("usage: yanxiu [--server HOST:PORT] [--tls] [--ca FILE] [--timeout SECONDS]\n"
            "              [--lang zh-CN|en] COMMAND [ARGS]\n"
            "\n"
            "The command-line client of yanxiud.\n"
            "\n"
            "Commands:\n"),
          fp);
    for (size_t i = 0; i < NCOMMANDS; i++)
        fprintf(fp, "  %-*s  %s\n", (int)w, commands[i].name, _(commands[i].summary));
    fprintf(fp,
            _("\n"
              "Options (also accepted after COMMAND):\n"
              "  --server HOST:PORT  the yanxiud to talk to (HOST, HOST:PORT or [IPV6]:PORT);\n"
              "                      default: $YANXIU_SERVER, else the server of the saved\n"
              "                      session (yanxiu login), else %s\n"
              "  --tls               speak TLS also to a loopback address\n"
              "  --ca FILE           trust the CA certificate(s) in this PEM file instead of\n"
              "                      the system's (default: $YANXIU_CA); implies --tls\n"
              "  --timeout SECONDS   give up connecting, or waiting for an answer, after this\n"
              "                      long (default 30; fractions such as 0.5 are fine)\n"
              "  --lang zh-CN|en     the language of messages, help and tables (default:\n"
              "                      Chinese, or English when LANGUAGE, LC_ALL, LC_MESSAGES\n"
              "                      or LANG starts with \"en\"); the server answers in it\n"
              "                      too. JSON and CSV keep English keys and codes\n"
              "  --help              show this help; yanxiu COMMAND --help shows a command's\n"
              "  --version           show the version of yanxiu\n"
              "\n"
              "TLS: yanxiu speaks TLS 1.2 or newer to every server that is not a loopback\n"
              "address (127.0.0.0/8, ::1, localhost), and to loopback ones with --tls, --ca\n"
              "or YANXIU_CA; else plaintext, which yanxiud serves on loopback only. The\n"
              "server's certificate must verify against the CA (--ca, else the system's\n"
              "store) and hold the host name or IP address given to --server; there is no\n"
              "way to turn these checks off.\n"
              "\n"
              "Sessions: yanxiu login keeps the session in $XDG_CONFIG_HOME/yanxiu/session\n"
              "(else ~/.config/yanxiu/session); the other commands send it, but only to the\n"
              "server it came from. yanxiu logout ends it.\n"
              "\n"
              "Environment: YANXIU_SERVER, YANXIU_CA (as above), YANXIU_PASSWORD (the\n"
              "password for yanxiu login, for scripts), LANGUAGE, LC_ALL, LC_MESSAGES, LANG\n"
              "(the language, as above).\n"
              "\n"
              "Exit status: 0 success, 1 the server answered with an error (including: not\n"
              "logged in, or the session has expired) or the connection failed midway,\n"
              "2 usage error, 3 could not connect to the server (also: its certificate was\n"
              "not accepted).\n"),
            DEFAULT_SERVER);
}

static void print_usage(const struct command *cmd, FILE *fp)
{
    /* The option texts that usage texts share, named as placeholders (view.h). */
    const struct msg_arg blocks[] = {
        {"output_options", _("  --district CODE  the district (6 digits); an admin must give it\n"
                             "{file_options}")},
        {"file_options",
         _("  --format FORMAT  table, csv, json or xlsx (default table, or xlsx for\n"
           "                   -o FILE.xlsx); xlsx needs -o\n"
           "  -o, --output FILE  write to FILE instead of the standard output (-: the\n"
           "                   standard output); an existing file is not replaced unless\n"
           "                   --force is given; a FIFO or device is written, not replaced\n"
           "  --force          replace FILE if it is an existing file\n"
           "  --bom            CSV: start with a UTF-8 BOM, so that Excel on Windows reads\n"
           "                   the Chinese right\n")},
        {"compliance_options",
         _("  --as-of DATE     judge as on DATE (YYYY-MM-DD): only months up to it count,\n"
           "                   and a year not over by then is judged pro rata; default:\n"
           "                   today (Asia/Shanghai)\n"
           "{output_options}")},
        {"review_options",
         _("  UNIT             the reporting unit (10 digits)\n"
           "  MONTH            the month, YYYY-MM\n"
           "  --district CODE  admin only: the district (6 digits)\n"
           "  --format FORMAT  table, csv or json (default table): the report afterwards,\n"
           "                   as yanxiu report list prints it (JSON: as report submit)\n")},
    };
    enum { NBLOCKS = sizeof(blocks) / sizeof(blocks[0]) };
    /* A block may name another: three rounds resolve every nesting there is. */
    char *text = strdup(_(cmd->usage));
    for (int round = 0; text && round < 3 && strchr(text, '{'); round++) {
        size_t len = msg_render(NULL, 0, text, blocks, NBLOCKS);
        char *next = malloc(len + 1);
        if (next)
            msg_render(next, len + 1, text, blocks, NBLOCKS);
        free(text);
        text = next;
    }
    fputs(text ? text : _(cmd->usage), fp);
    free(text);
    fputs(_("\nGlobal options --server HOST:PORT, --tls, --ca FILE, --timeout SECONDS and\n"
            "--lang zh-CN|en work here too (see yanxiu --help).\n"),
          fp);
}

/* Prints a usage problem and where to read more; returns CLI_USAGE. */
int cli_usage_error(const struct cli *cli, const char *fmt, ...)
{
    const char *name = cli->cmd ? cli->cmd->name : NULL;
    char what[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(what, sizeof(what), fmt, ap);
    va_end(ap);
    fflush(stdout);
    fprintf(stderr, _("yanxiu%s%s: %s\nsee yanxiu%s%s --help\n"), name ? " " : "", name ? name : "",
            what, name ? " " : "", name ? name : "");
    return CLI_USAGE;
}

/* Asia/Shanghai wall-clock time of a Unix time in microseconds: "2026-11-23 19:05:01". */
void cli_format_local(int64_t us, char *buf, size_t cap)
{
    time_t t = (time_t)(us / 1000000) - (us % 1000000 < 0 ? 1 : 0) + LOCAL_UTC_OFFSET_S;
    struct tm tm;
    if (!gmtime_r(&t, &tm) || strftime(buf, cap, "%Y-%m-%d %H:%M:%S", &tm) == 0)
        snprintf(buf, cap, "(time %" PRId64 ")", us);
}

static int64_t now_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

/* The hint after an UNAUTHENTICATED answer to a request that carried (or needed) a session. */
static void login_hint(const struct cli *cli)
{
    if (cli->have_session && cli->session_sent && cli->session.expires_at_us <= now_us()) {
        char when[40];
        cli_format_local(cli->session.expires_at_us, when, sizeof(when));
        fprintf(stderr,
                _("hint: the session of %s expired at %s (Asia/Shanghai); log in again: "
                  "yanxiu login\n"),
                cli->session.user, when);
        return;
    }
    fprintf(stderr, _("hint: log in again: yanxiu login\n"));
}

/* Prints a failure of the client library; returns the exit code it calls for. */
int cli_report(const struct cli *cli, const struct yxc_error *err)
{
    fflush(stdout); /* what was printed before comes first */
    fprintf(stderr, _("yanxiu: %s\n"), err->message);
    switch (err->fail) {
    case YXC_ERR_CONNECT:
        /* A TLS failure names its own remedy; the server is there. */
        if (!err->tls)
            fprintf(stderr,
                    _("hint: is yanxiud running at %s? (that address is %s; "
                      "choose another with --server HOST:PORT or YANXIU_SERVER)\n"),
                    cli->peer, _(cli->server_from));
        return CLI_NO_SERVER;
    case YXC_ERR_USAGE:
        return CLI_USAGE;
    case YXC_ERR_IO:
        if (err->timed_out)
            fprintf(stderr,
                    _("hint: if the server is just slow, allow more with --timeout SECONDS "
                      "(now %.1f)\n"),
                    cli->timeout_ms / 1000.0);
        return CLI_FAILED;
    case YXC_ERR_SERVER:
        /* A failed login is UNAUTHENTICATED too, and says all there is to say. */
        if (err->code == YANXIU__V1__CODE__UNAUTHENTICATED && cli->cmd &&
            cli->cmd->run != cmd_login)
            login_hint(cli);
        return CLI_FAILED;
    case YXC_OK:
    case YXC_ERR_PROTOCOL:
        break;
    }
    return CLI_FAILED;
}

/* --- options ------------------------------------------------------------------- */

/* Applies --server, --timeout, --tls, --ca or --lang. False after printing what was wrong. */
static bool set_global(struct cli *cli, int opt, const char *arg)
{
    if (opt == OPT_SERVER) {
        cli->server = arg;
        cli->server_from = N_("from --server");
        cli->server_chosen = true;
        return true;
    }
    if (opt == OPT_TLS) {
        cli->tls = true;
        return true;
    }
    if (opt == OPT_LANG) {
        enum msg_lang lang;
        if (!*arg || !msg_lang_parse(arg, &lang)) {
            (void)cli_usage_error(cli, _("--lang '%s': expected zh-CN (Chinese) or en (English)"),
                                  arg);
            return false;
        }
        lang_set(lang);
        return true;
    }
    if (opt == OPT_CA) {
        if (!*arg) {
            (void)cli_usage_error(cli, _("--ca needs a file name"));
            return false;
        }
        cli->ca_file = arg;
        return true;
    }
    char *end;
    errno = 0;
    double s = strtod(arg, &end);
    /* !(s > 0) also refuses NaN. */
    if (end == arg || *end != '\0' || errno != 0 || !(s > 0) || s > MAX_TIMEOUT_S) {
        (void)cli_usage_error(cli,
                              _("--timeout '%s' is not a number of seconds above 0 and up to %.0f"),
                              arg, MAX_TIMEOUT_S);
        return false;
    }
    cli->timeout_ms = s * 1000 < 1 ? 1 : (int)(s * 1000);
    return true;
}

static int bad_option(const struct cli *cli, int opt, char **argv)
{
    /* getopt leaves optind past the offending word, for long options the only trace of it. */
    const char *word = argv[optind - 1];
    if (opt == ':')
        return cli_usage_error(cli, _("option '%s' needs a value"), word);
    /* getopt says no more than '?' for "--flag=value" either. */
    if (strncmp(word, "--", 2) == 0 && strchr(word, '='))
        return cli_usage_error(cli, _("unknown option, or one that takes no value: '%s'"), word);
    if (optopt != 0 && optopt < 0x100)
        return cli_usage_error(cli, _("unknown option '-%c'"), optopt);
    return cli_usage_error(cli, _("unknown option '%s'"), word);
}

/*
 * getopt_long over a command's options plus the global ones, so that
 * `yanxiu ping --server h:p` works like `yanxiu --server h:p ping`.
 * Returns the next of the command's options (optarg set), -1 when done
 * (operands are then argv[optind..]), or CLI_BAD_OPTION after printing
 * the problem.
 */
int cli_getopt(struct cli *cli, int argc, char **argv, const struct option *cmd_opts)
{
    struct option all[32];
    size_t n = 0;
    for (; cmd_opts && cmd_opts[n].name && n < sizeof(all) / sizeof(all[0]) - 6; n++)
        all[n] = cmd_opts[n];
    all[n++] = (struct option){"server", required_argument, NULL, OPT_SERVER};
    all[n++] = (struct option){"timeout", required_argument, NULL, OPT_TIMEOUT};
    all[n++] = (struct option){"tls", no_argument, NULL, OPT_TLS};
    all[n++] = (struct option){"ca", required_argument, NULL, OPT_CA};
    all[n++] = (struct option){"lang", required_argument, NULL, OPT_LANG};
    all[n] = (struct option){0};

    for (;;) {
        int opt = getopt_long(argc, argv, ":", all, NULL);
        switch (opt) {
        case OPT_SERVER:
        case OPT_TIMEOUT:
        case OPT_TLS:
        case OPT_CA:
        case OPT_LANG:
            if (!set_global(cli, opt, optarg))
                return CLI_BAD_OPTION;
            continue;
        case ':':
        case '?':
            (void)bad_option(cli, opt, argv);
            return CLI_BAD_OPTION;
        default:
            return opt;
        }
    }
}

/* False (after saying so) when operands are left over after the options. */
bool cli_no_operands(const struct cli *cli, int argc, char **argv)
{
    if (optind >= argc)
        return true;
    (void)cli_usage_error(cli, _("unexpected argument '%s'"), argv[optind]);
    return false;
}

const char *cli_one_operand(const struct cli *cli, int argc, char **argv, const char *what,
                            const char *one)
{
    if (optind >= argc) {
        (void)cli_usage_error(cli, _("%s is missing"), _(what));
        return NULL;
    }
    if (optind + 1 < argc) {
        (void)cli_usage_error(cli, _("unexpected argument '%s' (give one %s)"), argv[optind + 1],
                              _(one));
        return NULL;
    }
    return argv[optind];
}

/* Parses a whole number in [min, max] given to `option`. False after saying why. */
bool cli_parse_long(const struct cli *cli, const char *option, const char *arg, long min, long max,
                    long *out)
{
    char *end;
    errno = 0;
    long v = strtol(arg, &end, 10);
    if (end == arg || *end != '\0' || errno != 0 || v < min || v > max) {
        (void)cli_usage_error(cli, _("%s '%s' is not a whole number from %ld to %ld"), option, arg,
                              min, max);
        return false;
    }
    *out = v;
    return true;
}

bool cli_parse_format(const struct cli *cli, const char *arg, enum out_format *format)
{
    if (out_parse_format(arg, format))
        return true;
    (void)cli_usage_error(cli, _("--format '%s': expected table, csv, json or xlsx"), arg);
    return false;
}

int cli_print_table(const struct out_table *t, enum out_format format)
{
    if (out_print(t, format, stdout))
        return CLI_OK;
    fprintf(stderr, _("yanxiu: could not write the output: %s\n"), strerror(errno));
    return CLI_FAILED;
}

/* --- commands: lookup ------------------------------------------------------------- */

/* How many words of argv spell `name` ("units import" = 2), or 0 when they do not. */
static int match_words(const char *name, int argc, char **argv)
{
    int words = 0;
    while (*name) {
        size_t len = strcspn(name, " ");
        if (words >= argc || strlen(argv[words]) != len || strncmp(argv[words], name, len) != 0)
            return 0;
        words++;
        name += len;
        name += strspn(name, " ");
    }
    return words;
}

static const struct command *find_command(int argc, char **argv, int *words)
{
    const struct command *best = NULL;
    *words = 0;
    for (size_t i = 0; i < NCOMMANDS; i++) {
        int n = match_words(commands[i].name, argc, argv);
        if (n > *words) {
            best = &commands[i];
            *words = n;
        }
    }
    return best;
}

static int unknown_command(struct cli *cli, const char *word)
{
    /* A group word such as "units" alone: name the commands it starts. */
    char list[512] = "";
    size_t len = strlen(word);
    for (size_t i = 0; i < NCOMMANDS; i++) {
        const char *name = commands[i].name;
        if (strncmp(name, word, len) == 0 && name[len] == ' ') {
            size_t used = strlen(list);
            snprintf(list + used, sizeof(list) - used, "%s%s", used ? ", " : "", name);
        }
    }
    if (list[0])
        return cli_usage_error(cli, _("'%s' needs more: one of %s"), word, list);
    return cli_usage_error(cli, _("unknown command '%s'"), word);
}

/* --- commands ------------------------------------------------------------------------- */

static int cmd_help(struct cli *cli, int argc, char **argv)
{
    if (cli_getopt(cli, argc, argv, NULL) != -1)
        return CLI_USAGE;
    if (optind >= argc) {
        print_help(stdout);
        return CLI_OK;
    }
    int words;
    const struct command *cmd = find_command(argc - optind, argv + optind, &words);
    if (!cmd || optind + words != argc)
        return unknown_command(cli, argv[optind]);
    print_usage(cmd, stdout);
    return CLI_OK;
}

static int cmd_hello(struct cli *cli, int argc, char **argv)
{
    if (cli_getopt(cli, argc, argv, NULL) != -1)
        return CLI_USAGE;
    if (!cli_no_operands(cli, argc, argv))
        return CLI_USAGE;
    int rc = cli_connect(cli);
    if (rc == CLI_OK)
        rc = cli_hello(cli);
    if (rc != CLI_OK)
        return rc;

    const Yanxiu__V1__HelloResponse *h = cli->hello->hello_reply;
    char versions[128];
    cli_format_versions(h, versions, sizeof(versions));
    printf(_("server: %s %s at %s\n"), h->server_name, h->server_version, cli->peer);
    printf(_("protocol versions: %s\n"), versions);
    if (h->protocol_version == 0) {
        printf(_("protocol in use: none in common with this yanxiu (it speaks %u)\n"),
               PROTOCOL_VERSION);
        fflush(stdout);
        return cli_no_common_protocol(cli);
    }
    printf(_("protocol in use: %u\n"), h->protocol_version);
    return CLI_OK;
}

static double ms_between(const struct timespec *a, const struct timespec *b)
{
    return (double)(b->tv_sec - a->tv_sec) * 1e3 + (double)(b->tv_nsec - a->tv_nsec) / 1e6;
}

static int cmd_ping(struct cli *cli, int argc, char **argv)
{
    static const struct option opts[] = {
        {"db", no_argument, NULL, 'd'},
        {"count", required_argument, NULL, 'n'},
        {0},
    };
    bool db = false;
    long count = 1;
    int opt;
    while ((opt = cli_getopt(cli, argc, argv, opts)) != -1) {
        switch (opt) {
        case 'd':
            db = true;
            break;
        case 'n':
            if (!cli_parse_long(cli, "--count", optarg, 1, MAX_PING_COUNT, &count))
                return CLI_USAGE;
            break;
        default:
            return CLI_USAGE;
        }
    }
    if (!cli_no_operands(cli, argc, argv))
        return CLI_USAGE;
    int rc = cli_open(cli);
    if (rc != CLI_OK)
        return rc;

    const Yanxiu__V1__HelloResponse *h = cli->hello->hello_reply;
    Yanxiu__V1__PingRequest ping = YANXIU__V1__PING_REQUEST__INIT;
    ping.database = db;
    Yanxiu__V1__Envelope req = YANXIU__V1__ENVELOPE__INIT;
    req.body_case = YANXIU__V1__ENVELOPE__BODY_PING;
    req.ping = &ping;

    if (count > 1)
        printf(_("%s %s (protocol %u) at %s\n"), h->server_name, h->server_version,
               h->protocol_version, cli->peer);
    double min = 0, max = 0, sum = 0;
    Yanxiu__V1__Envelope *last = NULL;
    for (long i = 1; i <= count; i++) {
        struct timespec t0, t1;
        struct yxc_error err;
        Yanxiu__V1__Envelope *resp;
        clock_gettime(CLOCK_MONOTONIC, &t0);
        bool ok = yxc_call(cli->conn, &req, YANXIU__V1__ENVELOPE__BODY_PING_REPLY, &resp, &err);
        clock_gettime(CLOCK_MONOTONIC, &t1);
        if (!ok) {
            fflush(stdout);
            yxc_free(last);
            return cli_report(cli, &err);
        }
        double ms = ms_between(&t0, &t1);
        min = i == 1 || ms < min ? ms : min;
        max = ms > max ? ms : max;
        sum += ms;
        if (count == 1)
            printf(_("%s %s (protocol %u) at %s: round trip %.2f ms\n"), h->server_name,
                   h->server_version, h->protocol_version, cli->peer, ms);
        else
            printf(_("ping %ld: round trip %.2f ms\n"), i, ms);
        fflush(stdout);
        yxc_free(last);
        last = resp;
    }
    if (count > 1)
        printf(_("%ld pings: min/avg/max %.2f/%.2f/%.2f ms\n"), count, min, sum / (double)count,
               max);
    if (db) {
        const Yanxiu__V1__PingResponse *p = last->ping_reply;
        if (p->database_time_us == 0)
            printf(_("database: schema version %u, no clock reported\n"), p->schema_version);
        else
            printf(_("database: schema version %u, clock offset %+.1f ms\n"), p->schema_version,
                   offset_ms(p->database_time_us, p->server_time_us));
    }
    yxc_free(last);
    return CLI_OK;
}

/* --- audit ------------------------------------------------------------------------------- */

/* Whole decimal digits at *p, exactly `n` of them; advances *p. -1 when not. */
static int take_digits(const char **p, int n)
{
    int v = 0;
    for (int i = 0; i < n; i++, (*p)++) {
        if (**p < '0' || **p > '9')
            return -1;
        v = v * 10 + (**p - '0');
    }
    return v;
}

/*
 * Parses --since: "YYYY-MM-DD", "YYYY-MM-DDTHH:MM[:SS]" (also with a space
 * for the T) in Asia/Shanghai time, or "N" followed by m, h or d: that long
 * before `now`. False when it is none of these or not a real date.
 */
static bool parse_since(const char *arg, int64_t now, int64_t *since_us)
{
    size_t digits = strspn(arg, "0123456789");
    if (digits > 0 && digits <= 6 && arg[digits] && !arg[digits + 1] &&
        strchr("mhd", arg[digits])) {
        long n = strtol(arg, NULL, 10);
        int64_t unit = arg[digits] == 'm' ? 60 : arg[digits] == 'h' ? 3600 : 86400;
        *since_us = now - (int64_t)n * unit * 1000000;
        return true;
    }
    const char *p = arg;
    int y = take_digits(&p, 4), mon = -1, d = -1, h = 0, mi = 0, sec = 0;
    if (y >= 0 && *p++ == '-')
        mon = take_digits(&p, 2);
    if (mon >= 0 && *p++ == '-')
        d = take_digits(&p, 2);
    if (d < 0)
        return false;
    if (*p == 'T' || *p == ' ') {
        p++;
        h = take_digits(&p, 2);
        if (h < 0 || *p++ != ':' || (mi = take_digits(&p, 2)) < 0)
            return false;
        if (*p == ':' && (p++, (sec = take_digits(&p, 2)) < 0))
            return false;
    }
    if (*p || y < 1970 || mon < 1 || mon > 12 || d < 1 || h > 23 || mi > 59 || sec > 59)
        return false;
    struct tm tm = {.tm_year = y - 1900,
                    .tm_mon = mon - 1,
                    .tm_mday = d,
                    .tm_hour = h,
                    .tm_min = mi,
                    .tm_sec = sec};
    time_t t = timegm(&tm);
    /* timegm moves 2026-02-30 on to March: a date that moved was not a date. */
    if (t == (time_t)-1 || tm.tm_mday != d || tm.tm_mon != mon - 1)
        return false;
    *since_us = ((int64_t)t - LOCAL_UTC_OFFSET_S) * 1000000;
    return true;
}

static int cmd_audit(struct cli *cli, int argc, char **argv)
{
    static const struct option opts[] = {
        {"since", required_argument, NULL, 's'},
        {"user", required_argument, NULL, 'u'},
        {"limit", required_argument, NULL, 'l'},
        VIEW_FILE_OPTIONS,
        {0},
    };
    Yanxiu__V1__AuditQuery q = YANXIU__V1__AUDIT_QUERY__INIT;
    int64_t since_us = -1;
    char since[RFC3339_LEN];
    struct view_common c = {.format = OUT_TABLE, .district = "", .as_of = ""};
    long limit = 0;
    int opt;
    while ((opt = view_getopt(cli, argc, argv, opts, &c)) != -1) {
        switch (opt) {
        case 's':
            if (!parse_since(optarg, now_us(), &since_us))
                return cli_usage_error(
                    cli,
                    _("--since '%s' is not a time: give YYYY-MM-DD or "
                      "YYYY-MM-DDTHH:MM (Asia/Shanghai), or a span back from now "
                      "such as 30m, 24h or 7d"),
                    optarg);
            break;
        case 'u':
            if (!*optarg || strlen(optarg) > MAX_USER_NAME)
                return cli_usage_error(cli, _("--user needs a name of 1 to %d bytes"),
                                       MAX_USER_NAME);
            q.user = optarg;
            break;
        case 'l':
            if (!cli_parse_long(cli, "--limit", optarg, 1, MAX_AUDIT_LIMIT, &limit))
                return CLI_USAGE;
            q.limit = (uint32_t)limit;
            break;
        default:
            return CLI_USAGE;
        }
    }
    if (!cli_no_operands(cli, argc, argv))
        return CLI_USAGE;
    int rc = view_common_check(cli, &c);
    if (rc == CLI_OK)
        rc = cli_open_session(cli);
    if (rc != CLI_OK)
        return rc;

    if (since_us >= 0) {
        rfc3339_format(since_us, since);
        q.since = since;
    }
    Yanxiu__V1__Envelope req = YANXIU__V1__ENVELOPE__INIT;
    req.body_case = YANXIU__V1__ENVELOPE__BODY_AUDIT_QUERY;
    req.audit_query = &q;
    Yanxiu__V1__Envelope *resp = NULL;
    struct yxc_error err;
    if (!yxc_call(cli->conn, &req, YANXIU__V1__ENVELOPE__BODY_AUDIT_LIST, &resp, &err))
        return cli_report(cli, &err);

    /* The table says "time"; JSON and CSV use the field's name, "at". */
    static const struct out_column cols[] = {
        {"at", "时间", OUT_TEXT, "time"},        {"user", "用户", OUT_TEXT, NULL},
        {"role", "角色", OUT_TEXT, NULL},        {"district_code", "区县", OUT_TEXT, NULL},
        {"client_addr", "地址", OUT_TEXT, NULL}, {"action", "操作", OUT_TEXT, NULL},
        {"target", "对象", OUT_TEXT, NULL},      {"outcome", "结果", OUT_TEXT, NULL},
    };
    enum { NCOLS = sizeof(cols) / sizeof(cols[0]) };
    const Yanxiu__V1__AuditList *list = resp->audit_list;
    struct out_table t = {"审计日志", cols, NCOLS, NULL, 0, 0, false};
    char(*at)[40] = calloc(list->n_entries ? list->n_entries : 1, sizeof(*at));
    t.oom = !at;
    for (size_t i = 0; at && i < list->n_entries; i++) {
        const Yanxiu__V1__AuditEntry *e = list->entries[i];
        /* RFC 3339 for programs ("2026-11-23T19:05:01+08:00"), for people 2026-11-23 19:05:01 */
        snprintf(at[i], sizeof(at[i]), "%s", e->at);
        if (c.format != OUT_JSON && strlen(at[i]) == RFC3339_LEN - 1) {
            at[i][10] = ' ';
            at[i][19] = '\0';
        }
        const struct out_cell row[NCOLS] = {
            out_text(at[i]),
            out_text(e->user),
            out_text(vocab_code_of(&vocab_role, e->role)),
            out_text(e->district_code),
            out_text(e->client_addr),
            out_text(e->action),
            out_text(e->target),
            out_text(e->outcome),
        };
        out_add(&t, row);
    }
    rc = view_output(&c, &t, NULL);
    out_table_free(&t);
    free(at);
    if (rc != CLI_OK) {
        yxc_free(resp);
        return rc;
    }
    view_say_wrote(&c, list->n_entries, N_("entry"), N_("entries"));
    if (list->truncated)
        fprintf(stderr,
                _("yanxiu: only the newest %zu %s shown; more match: narrow with --since or "
                  "--user, or raise --limit (at most %ld)\n"),
                list->n_entries, list->n_entries == 1 ? _("entry is") : _("entries are"),
                MAX_AUDIT_LIMIT);
    else if (list->n_entries == 0 && c.format == OUT_TABLE)
        fprintf(stderr, _("yanxiu: no audit entries match\n"));
    yxc_free(resp);
    return CLI_OK;
}

/* --- main ---------------------------------------------------------------------------- */

/* True when the words after the command ask for its help (before any "--"). */
static bool wants_help(int argc, char **argv)
{
    for (int i = 1; i < argc && strcmp(argv[i], "--") != 0; i++)
        if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0)
            return true;
    return false;
}

/* The language before anything is said: the environment's, or --lang wherever it is on the
   command line (before any "--"), so that `yanxiu report list --help --lang en` is English.
   A --lang that is not a language is left to the option parsers to refuse. */
static void choose_language(int argc, char **argv)
{
    lang_set(lang_from_env());
    for (int i = 1; i < argc && strcmp(argv[i], "--") != 0; i++) {
        const char *v = strcmp(argv[i], "--lang") == 0 && i + 1 < argc ? argv[i + 1]
                        : strncmp(argv[i], "--lang=", 7) == 0          ? argv[i] + 7
                                                                       : NULL;
        enum msg_lang lang;
        if (v && *v && msg_lang_parse(v, &lang))
            lang_set(lang);
    }
}

/*
 * A listing of a county is megabytes: to a file or a pipe, stdout goes out in
 * chunks of this size (flushed at the end of main and before an error is
 * said on stderr, so that the two stay in order); to a terminal it stays
 * line-buffered, for people.
 */
#define STDOUT_BUFFER (64 * 1024)

static void buffer_stdout(void)
{
    static char buf[STDOUT_BUFFER];
    if (!isatty(STDOUT_FILENO))
        (void)setvbuf(stdout, buf, _IOFBF, sizeof(buf));
}

int main(int argc, char **argv)
{
    buffer_stdout();
    if (!msg_init()) {
        fputs("yanxiu: the message catalogs built into this program are damaged\n", stderr);
        return CLI_FAILED;
    }
    choose_language(argc, argv);
    struct cli cli = {
        .server = DEFAULT_SERVER,
        .server_from = N_("the default"),
        .timeout_ms = DEFAULT_TIMEOUT_MS,
        .argc = argc,
        .argv = argv,
    };
    const char *env = getenv("YANXIU_SERVER");
    if (env && *env) {
        cli.server = env;
        cli.server_from = N_("from YANXIU_SERVER");
        cli.server_chosen = true;
    }
    env = getenv("YANXIU_CA");
    if (env && *env)
        cli.ca_file = env;

    static const struct option opts[] = {
        {"server", required_argument, NULL, OPT_SERVER},
        {"timeout", required_argument, NULL, OPT_TIMEOUT},
        {"tls", no_argument, NULL, OPT_TLS},
        {"ca", required_argument, NULL, OPT_CA},
        {"lang", required_argument, NULL, OPT_LANG},
        {"help", no_argument, NULL, 'h'},
        {"version", no_argument, NULL, 'V'},
        {0},
    };
    opterr = 0;
    int opt;
    /* "+": stop at the command name; what follows belongs to the command. */
    while ((opt = getopt_long(argc, argv, "+:hV", opts, NULL)) != -1) {
        switch (opt) {
        case OPT_SERVER:
        case OPT_TIMEOUT:
        case OPT_TLS:
        case OPT_CA:
        case OPT_LANG:
            if (!set_global(&cli, opt, optarg))
                return CLI_USAGE;
            break;
        case 'h':
            print_help(stdout);
            return CLI_OK;
        case 'V':
            printf(_("yanxiu %s (protocol %u)\n"), YANXIU_VERSION, PROTOCOL_VERSION);
            return CLI_OK;
        default:
            return bad_option(&cli, opt, argv);
        }
    }
    if (optind >= argc)
        return cli_usage_error(&cli, _("no command given"));

    int words;
    const struct command *cmd = find_command(argc - optind, argv + optind, &words);
    if (!cmd)
        return unknown_command(&cli, argv[optind]);
    cli.cmd = cmd;

    /* The command sees its last name word as argv[0], like a program of its own. */
    int cmd_argc = argc - optind - words + 1;
    char **cmd_argv = argv + optind + words - 1;
    if (wants_help(cmd_argc, cmd_argv)) {
        print_usage(cmd, stdout);
        return CLI_OK;
    }
    if (cmd->run != cmd_help)
        cli_default_to_session_server(&cli);
    optind = 0; /* glibc: start afresh on the command's argv */
    int rc = cmd->run(&cli, cmd_argc, cmd_argv);
    cli_close(&cli);
    session_file_wipe(&cli.session);
    if (fflush(stdout) != 0 || ferror(stdout)) {
        fprintf(stderr, _("yanxiu: could not write the output: %s\n"), strerror(errno));
        return rc == CLI_OK ? CLI_FAILED : rc;
    }
    return rc;
}
