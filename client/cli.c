/*
 * yanxiu: the command-line client of yanxiud. A command is one row of
 * `commands` plus one function, which parses its own options with
 * cli_getopt (that also takes the global ones) and talks through yxc.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "yxc.h"

/* Exit codes, as documented in `yanxiu --help`. */
enum {
    CLI_OK = 0,
    CLI_FAILED = 1,    /* the server answered an error, or the connection failed midway */
    CLI_USAGE = 2,     /* unknown command or option, bad argument */
    CLI_NO_SERVER = 3, /* could not connect */
};

#define DEFAULT_SERVER     "127.0.0.1:7433"
#define DEFAULT_TIMEOUT_MS 30000
#define MAX_TIMEOUT_S      86400.0
#define MAX_PING_COUNT     100000L

/* cli_getopt's answer when the options were wrong (the problem is already printed). */
#define CLI_BAD_OPTION (-2)

/* Global option values for getopt_long, above any character a command may use. */
enum { OPT_SERVER = 0x100, OPT_TIMEOUT };

struct command;

struct cli {
    const char *server;      /* HOST:PORT as given */
    const char *server_from; /* "from --server", "from YANXIU_SERVER" or "the default" */
    int timeout_ms;
    const struct command *cmd;
    struct yxc *conn;
    char peer[300];              /* the server as "host:port", for output */
    Yanxiu__V1__Envelope *hello; /* the server's HelloResponse, after cli_hello */
};

/*
 * A command. `run` gets argv[0] = the (last word of the) command name and
 * the arguments after it, and returns the exit code; it prints its own
 * messages. `name` may have several words ("units import"): the longest
 * match wins.
 */
struct command {
    const char *name;
    const char *summary; /* one line for `yanxiu --help` */
    int (*run)(struct cli *cli, int argc, char **argv);
    const char *usage; /* the full text for `yanxiu COMMAND --help` */
};

static int cmd_hello(struct cli *cli, int argc, char **argv);
static int cmd_help(struct cli *cli, int argc, char **argv);
/* How far the database clock is ahead of the daemon's, in ms; never "-0.0". */
static double offset_ms(int64_t database_us, int64_t server_us)
{
    double ms = (double)(database_us - server_us) / 1e3;
    return ms > -0.05 && ms < 0.05 ? 0.0 : ms;
}

static int cmd_ping(struct cli *cli, int argc, char **argv);

/* Sorted by name, as `yanxiu --help` lists them. */
static const struct command commands[] = {
    {"hello", "show the server's name, version and protocol versions", cmd_hello,
     "usage: yanxiu hello\n"
     "\n"
     "Says hello to yanxiud and shows its name and version, the protocol versions\n"
     "it speaks and the one it chose for this client.\n"},
    {"help", "show the help of a command", cmd_help,
     "usage: yanxiu help [COMMAND]\n"
     "\n"
     "Shows what COMMAND does and its options (the same as yanxiu COMMAND --help),\n"
     "or without COMMAND the list of commands.\n"},
    {"ping", "check that the server answers, and how fast", cmd_ping,
     "usage: yanxiu ping [--db] [--count N]\n"
     "\n"
     "Says hello to yanxiud, then measures the round trip of a ping.\n"
     "\n"
     "  --db       also make a round trip to the database; shows its schema version\n"
     "             and how far its clock is from the daemon's\n"
     "  --count N  ping N times (1 to 100000) one after the other and show the\n"
     "             minimum, average and maximum round trip\n"},
};

#define NCOMMANDS (sizeof(commands) / sizeof(commands[0]))

/* --- messages ------------------------------------------------------------------ */

static void print_help(FILE *fp)
{
    size_t w = 0;
    for (size_t i = 0; i < NCOMMANDS; i++)
        if (strlen(commands[i].name) > w)
            w = strlen(commands[i].name);

    fputs("usage: yanxiu [--server HOST:PORT] [--timeout SECONDS] COMMAND [ARGS]\n"
          "\n"
          "The command-line client of yanxiud.\n"
          "\n"
          "Commands:\n",
          fp);
    for (size_t i = 0; i < NCOMMANDS; i++)
        fprintf(fp, "  %-*s  %s\n", (int)w, commands[i].name, commands[i].summary);
    fputs("\n"
          "Options (also accepted after COMMAND):\n"
          "  --server HOST:PORT  the yanxiud to talk to (HOST, HOST:PORT or [IPV6]:PORT);\n"
          "                      default: $YANXIU_SERVER, else " DEFAULT_SERVER "\n"
          "  --timeout SECONDS   give up connecting, or waiting for an answer, after this\n"
          "                      long (default 30; fractions such as 0.5 are fine)\n"
          "  --help              show this help; yanxiu COMMAND --help shows a command's\n"
          "  --version           show the version of yanxiu\n"
          "\n"
          "Exit status: 0 success, 1 the server answered with an error or the connection\n"
          "failed midway, 2 usage error, 3 could not connect to the server.\n",
          fp);
}

static void print_usage(const struct command *cmd, FILE *fp)
{
    fputs(cmd->usage, fp);
    fputs("\nGlobal options --server HOST:PORT and --timeout SECONDS work here too "
          "(see yanxiu --help).\n",
          fp);
}

static int usage_error(const struct cli *cli, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* Prints a usage problem and where to read more; returns CLI_USAGE. */
static int usage_error(const struct cli *cli, const char *fmt, ...)
{
    const char *name = cli->cmd ? cli->cmd->name : NULL;
    char what[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(what, sizeof(what), fmt, ap);
    va_end(ap);
    fprintf(stderr, "yanxiu%s%s: %s\nsee yanxiu%s%s --help\n", name ? " " : "", name ? name : "",
            what, name ? " " : "", name ? name : "");
    return CLI_USAGE;
}

/* Prints a failure of the client library; returns the exit code it calls for. */
static int report(const struct cli *cli, const struct yxc_error *err)
{
    fprintf(stderr, "yanxiu: %s\n", err->message);
    switch (err->fail) {
    case YXC_ERR_CONNECT:
        fprintf(stderr,
                "hint: is yanxiud running at %s? (that address is %s; "
                "choose another with --server HOST:PORT or YANXIU_SERVER)\n",
                cli->peer, cli->server_from);
        return CLI_NO_SERVER;
    case YXC_ERR_USAGE:
        return CLI_USAGE;
    case YXC_ERR_IO:
        if (err->timed_out)
            fprintf(stderr,
                    "hint: if the server is just slow, allow more with --timeout SECONDS "
                    "(now %.1f)\n",
                    cli->timeout_ms / 1000.0);
        return CLI_FAILED;
    case YXC_OK:
    case YXC_ERR_PROTOCOL:
    case YXC_ERR_SERVER:
        break;
    }
    return CLI_FAILED;
}

/* --- options ------------------------------------------------------------------- */

/* Applies --server or --timeout. False after printing what was wrong. */
static bool set_global(struct cli *cli, int opt, const char *arg)
{
    if (opt == OPT_SERVER) {
        cli->server = arg;
        cli->server_from = "from --server";
        return true;
    }
    char *end;
    errno = 0;
    double s = strtod(arg, &end);
    /* !(s > 0) also refuses NaN. */
    if (end == arg || *end != '\0' || errno != 0 || !(s > 0) || s > MAX_TIMEOUT_S) {
        (void)usage_error(cli, "--timeout '%s' is not a number of seconds above 0 and up to %.0f",
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
        return usage_error(cli, "option '%s' needs a value", word);
    /* getopt says no more than '?' for "--flag=value" either. */
    if (strncmp(word, "--", 2) == 0 && strchr(word, '='))
        return usage_error(cli, "unknown option, or one that takes no value: '%s'", word);
    if (optopt != 0 && optopt < 0x100)
        return usage_error(cli, "unknown option '-%c'", optopt);
    return usage_error(cli, "unknown option '%s'", word);
}

/*
 * getopt_long over a command's options plus the global ones, so that
 * `yanxiu ping --server h:p` works like `yanxiu --server h:p ping`.
 * Returns the next of the command's options (optarg set), -1 when done
 * (operands are then argv[optind..]), or CLI_BAD_OPTION after printing
 * the problem.
 */
static int cli_getopt(struct cli *cli, int argc, char **argv, const struct option *cmd_opts)
{
    struct option all[32];
    size_t n = 0;
    for (; cmd_opts && cmd_opts[n].name && n < sizeof(all) / sizeof(all[0]) - 3; n++)
        all[n] = cmd_opts[n];
    all[n++] = (struct option){"server", required_argument, NULL, OPT_SERVER};
    all[n++] = (struct option){"timeout", required_argument, NULL, OPT_TIMEOUT};
    all[n] = (struct option){0};

    for (;;) {
        int opt = getopt_long(argc, argv, ":", all, NULL);
        switch (opt) {
        case OPT_SERVER:
        case OPT_TIMEOUT:
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
static bool no_operands(const struct cli *cli, int argc, char **argv)
{
    if (optind >= argc)
        return true;
    (void)usage_error(cli, "unexpected argument '%s'", argv[optind]);
    return false;
}

/* Parses a whole number in [min, max] given to `option`. False after saying why. */
static bool parse_long(const struct cli *cli, const char *option, const char *arg, long min,
                       long max, long *out)
{
    char *end;
    errno = 0;
    long v = strtol(arg, &end, 10);
    if (end == arg || *end != '\0' || errno != 0 || v < min || v > max) {
        (void)usage_error(cli, "%s '%s' is not a whole number from %ld to %ld", option, arg, min,
                          max);
        return false;
    }
    *out = v;
    return true;
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
        return usage_error(cli, "'%s' needs more: one of %s", word, list);
    return usage_error(cli, "unknown command '%s'", word);
}

/* --- talking to the server ---------------------------------------------------------- */

/* Connects to cli->server. Returns an exit code (CLI_OK when connected). */
static int cli_connect(struct cli *cli)
{
    char host[256];
    uint16_t port;
    struct yxc_error err;
    if (!yxc_parse_server(cli->server, host, sizeof(host), &port, &err)) {
        fprintf(stderr, "yanxiu: %s (%s)\nsee yanxiu --help\n", err.message, cli->server_from);
        return CLI_USAGE;
    }
    snprintf(cli->peer, sizeof(cli->peer), strchr(host, ':') ? "[%s]:%u" : "%s:%u", host,
             (unsigned)port);
    cli->conn = yxc_connect(host, port, cli->timeout_ms, &err);
    if (!cli->conn)
        return report(cli, &err);
    yxc_set_timeout(cli->conn, cli->timeout_ms);
    return CLI_OK;
}

/* Says Hello; the answer stays in cli->hello. Returns an exit code. */
static int cli_hello(struct cli *cli)
{
    Yanxiu__V1__HelloRequest hello = YANXIU__V1__HELLO_REQUEST__INIT;
    hello.client_name = "yanxiu";
    hello.client_version = YANXIU_VERSION;
    hello.protocol_version = PROTOCOL_VERSION;
    Yanxiu__V1__Envelope req = YANXIU__V1__ENVELOPE__INIT;
    req.body_case = YANXIU__V1__ENVELOPE__BODY_HELLO;
    req.hello = &hello;
    struct yxc_error err;
    if (!yxc_call(cli->conn, &req, YANXIU__V1__ENVELOPE__BODY_HELLO_REPLY, &cli->hello, &err))
        return report(cli, &err);
    return CLI_OK;
}

static void format_versions(const Yanxiu__V1__HelloResponse *h, char *buf, size_t cap)
{
    buf[0] = '\0';
    for (size_t i = 0; i < h->n_protocol_versions; i++) {
        size_t used = strlen(buf);
        snprintf(buf + used, cap - used, "%s%" PRIu32, i ? ", " : "", h->protocol_versions[i]);
    }
    if (!buf[0])
        snprintf(buf, cap, "none named");
}

static int no_common_protocol(const struct cli *cli)
{
    char versions[128];
    format_versions(cli->hello->hello_reply, versions, sizeof(versions));
    fprintf(stderr,
            "yanxiu: the server at %s speaks protocol versions %s, this yanxiu %s speaks %u: "
            "use a yanxiu that matches yanxiud %s\n",
            cli->peer, versions, YANXIU_VERSION, PROTOCOL_VERSION,
            cli->hello->hello_reply->server_version);
    return CLI_FAILED;
}

/* Connects and says Hello, insisting on a protocol version in common. Returns an exit code. */
static int cli_open(struct cli *cli)
{
    int rc = cli_connect(cli);
    if (rc == CLI_OK)
        rc = cli_hello(cli);
    if (rc == CLI_OK && cli->hello->hello_reply->protocol_version != PROTOCOL_VERSION)
        rc = no_common_protocol(cli);
    return rc;
}

static void cli_close(struct cli *cli)
{
    yxc_free(cli->hello);
    cli->hello = NULL;
    yxc_close(cli->conn);
    cli->conn = NULL;
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
    if (!no_operands(cli, argc, argv))
        return CLI_USAGE;
    int rc = cli_connect(cli);
    if (rc == CLI_OK)
        rc = cli_hello(cli);
    if (rc != CLI_OK)
        return rc;

    const Yanxiu__V1__HelloResponse *h = cli->hello->hello_reply;
    char versions[128];
    format_versions(h, versions, sizeof(versions));
    printf("server: %s %s at %s\n", h->server_name, h->server_version, cli->peer);
    printf("protocol versions: %s\n", versions);
    if (h->protocol_version == 0) {
        printf("protocol in use: none in common with this yanxiu (it speaks %u)\n",
               PROTOCOL_VERSION);
        fflush(stdout);
        return no_common_protocol(cli);
    }
    printf("protocol in use: %" PRIu32 "\n", h->protocol_version);
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
            if (!parse_long(cli, "--count", optarg, 1, MAX_PING_COUNT, &count))
                return CLI_USAGE;
            break;
        default:
            return CLI_USAGE;
        }
    }
    if (!no_operands(cli, argc, argv))
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
        printf("%s %s (protocol %" PRIu32 ") at %s\n", h->server_name, h->server_version,
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
            return report(cli, &err);
        }
        double ms = ms_between(&t0, &t1);
        min = i == 1 || ms < min ? ms : min;
        max = ms > max ? ms : max;
        sum += ms;
        if (count == 1)
            printf("%s %s (protocol %" PRIu32 ") at %s: round trip %.2f ms\n", h->server_name,
                   h->server_version, h->protocol_version, cli->peer, ms);
        else
            printf("ping %ld: round trip %.2f ms\n", i, ms);
        fflush(stdout);
        yxc_free(last);
        last = resp;
    }
    if (count > 1)
        printf("%ld pings: min/avg/max %.2f/%.2f/%.2f ms\n", count, min, sum / (double)count, max);
    if (db) {
        const Yanxiu__V1__PingResponse *p = last->ping_reply;
        if (p->database_time_us == 0)
            printf("database: schema version %" PRIu32 ", no clock reported\n", p->schema_version);
        else
            printf("database: schema version %" PRIu32 ", clock offset %+.1f ms\n",
                   p->schema_version, offset_ms(p->database_time_us, p->server_time_us));
    }
    yxc_free(last);
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

int main(int argc, char **argv)
{
    struct cli cli = {
        .server = DEFAULT_SERVER,
        .server_from = "the default",
        .timeout_ms = DEFAULT_TIMEOUT_MS,
    };
    const char *env = getenv("YANXIU_SERVER");
    if (env && *env) {
        cli.server = env;
        cli.server_from = "from YANXIU_SERVER";
    }

    static const struct option opts[] = {
        {"server", required_argument, NULL, OPT_SERVER},
        {"timeout", required_argument, NULL, OPT_TIMEOUT},
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
            if (!set_global(&cli, opt, optarg))
                return CLI_USAGE;
            break;
        case 'h':
            print_help(stdout);
            return CLI_OK;
        case 'V':
            printf("yanxiu %s (protocol %u)\n", YANXIU_VERSION, PROTOCOL_VERSION);
            return CLI_OK;
        default:
            return bad_option(&cli, opt, argv);
        }
    }
    if (optind >= argc)
        return usage_error(&cli, "no command given");

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
    optind = 0; /* glibc: start afresh on the command's argv */
    int rc = cmd->run(&cli, cmd_argc, cmd_argv);
    cli_close(&cli);
    if (fflush(stdout) != 0 || ferror(stdout)) {
        fprintf(stderr, "yanxiu: could not write the output: %s\n", strerror(errno));
        return rc == CLI_OK ? CLI_FAILED : rc;
    }
    return rc;
}
