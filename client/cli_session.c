/*
 * cli_session: connecting, Hello, the saved session and writes with an idempotency
 * key, for every command of the CLI (see cli_session.h).
 */
#include "cli_session.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "lang.h"
#include "cli.h"
#include "session_file.h"

/* --- talking to the server ---------------------------------------------------------- */

/* Parses cli->server into host and port and sets cli->peer. Returns an exit code. */
int cli_resolve_peer(struct cli *cli, char *host, size_t hostlen, uint16_t *port)
{
    struct yxc_error err;
    if (!yxc_parse_server(cli->server, host, hostlen, port, &err)) {
        fprintf(stderr, _("yanxiu: %s (%s)\nsee yanxiu --help\n"), err.message, _(cli->server_from));
        return CLI_USAGE;
    }
    snprintf(cli->peer, sizeof(cli->peer), strchr(host, ':') ? "[%s]:%u" : "%s:%u", host,
             (unsigned)*port);
    return CLI_OK;
}

/*
 * Connects to cli->server: TLS unless the host is a loopback address and
 * neither --tls nor a CA (--ca, YANXIU_CA) was given. Returns an exit code
 * (CLI_OK when connected).
 */
int cli_connect(struct cli *cli)
{
    char host[256];
    uint16_t port;
    int rc = cli_resolve_peer(cli, host, sizeof(host), &port);
    if (rc != CLI_OK)
        return rc;
    struct yxc_options o = {
        .timeout_ms = cli->timeout_ms,
        .tls = cli->tls || cli->ca_file || !yxc_host_is_loopback(host),
        .ca_file = cli->ca_file,
    };
    struct yxc_error err;
    cli->conn = yxc_connect_opts(host, port, &o, &err);
    if (!cli->conn)
        return cli_report(cli, &err);
    yxc_set_timeout(cli->conn, cli->timeout_ms);
    return CLI_OK;
}

/* Says Hello in the CLI's language (lang.h); the answer stays in cli->hello. Returns an exit code. */
int cli_hello(struct cli *cli)
{
    struct yxc_error err;
    if (yxc_hello(cli->conn, "yanxiu", msg_lang_name(lang_current()), &cli->hello, &err))
        return CLI_OK;
    /* A TLS server drops a plaintext Hello without a word: we never got to talk to it. */
    if (err.fail == YXC_ERR_IO && !err.timed_out && !yxc_is_tls(cli->conn)) {
        fprintf(stderr,
                _("yanxiu: %s\n"
                "hint: the server dropped the first request; if it serves TLS, add --tls (and "
                "--ca FILE, or YANXIU_CA, unless its certificate is from a CA the system "
                "trusts)\n"),
                err.message);
        return CLI_NO_SERVER;
    }
    return cli_report(cli, &err);
}

void cli_format_versions(const Yanxiu__V1__HelloResponse *h, char *buf, size_t cap)
{
    buf[0] = '\0';
    for (size_t i = 0; i < h->n_protocol_versions; i++) {
        size_t used = strlen(buf);
        snprintf(buf + used, cap - used, "%s%" PRIu32, i ? ", " : "", h->protocol_versions[i]);
    }
    if (!buf[0])
        snprintf(buf, cap, _("none named"));
}

int cli_no_common_protocol(const struct cli *cli)
{
    char versions[128];
    cli_format_versions(cli->hello->hello_reply, versions, sizeof(versions));
    fprintf(stderr,
            _("yanxiu: the server at %s speaks protocol versions %s, this yanxiu %s speaks %u: "
            "use a yanxiu that matches yanxiud %s\n"),
            cli->peer, versions, YANXIU_VERSION, PROTOCOL_VERSION,
            cli->hello->hello_reply->server_version);
    return CLI_FAILED;
}

/* Connects and says Hello, insisting on a protocol version in common. Returns an exit code. */
int cli_open(struct cli *cli)
{
    int rc = cli_connect(cli);
    if (rc == CLI_OK)
        rc = cli_hello(cli);
    if (rc == CLI_OK && cli->hello->hello_reply->protocol_version != PROTOCOL_VERSION)
        rc = cli_no_common_protocol(cli);
    return rc;
}

void cli_close(struct cli *cli)
{
    yxc_free(cli->hello);
    cli->hello = NULL;
    yxc_free(cli->me);
    cli->me = NULL;
    yxc_close(cli->conn);
    cli->conn = NULL;
}

/* --- the saved session ------------------------------------------------------------------ */

/*
 * Loads the session file into cli->session (cli->have_session says whether
 * there was one). Unless --server or YANXIU_SERVER chose a server, the
 * session's server becomes the one to talk to. Returns an exit code: a
 * malformed file is an error unless `tolerate_bad` (then it is ignored with
 * a warning, as login does before replacing it).
 */
int cli_load_session(struct cli *cli, bool tolerate_bad)
{
    char err[600], warn[400];
    if (!session_file_path(cli->session_path, sizeof(cli->session_path), err, sizeof(err))) {
        fprintf(stderr, _("yanxiu: %s\n"), err);
        return CLI_FAILED;
    }
    switch (
        session_file_load(cli->session_path, &cli->session, warn, sizeof(warn), err, sizeof(err))) {
    case SESSION_FILE_ABSENT:
        return CLI_OK;
    case SESSION_FILE_BAD:
        if (tolerate_bad) {
            fprintf(stderr, _("yanxiu: warning: ignoring the session file: %s\n"), err);
            return CLI_OK;
        }
        fprintf(stderr, _("yanxiu: %s\nhint: log in again (yanxiu login replaces the file)\n"), err);
        return CLI_FAILED;
    case SESSION_FILE_LOADED:
        break;
    }
    if (warn[0])
        fprintf(stderr, _("yanxiu: warning: %s\n"), warn);
    cli->have_session = true;
    return CLI_OK;
}

/*
 * Unless --server or YANXIU_SERVER chose one, the server of the saved
 * session (if any) is the one to talk to. Quiet: the commands that use the
 * session load it again and say what is wrong with it.
 */
void cli_default_to_session_server(struct cli *cli)
{
    char path[4096], warn[400], err[600];
    struct session_file s;
    if (cli->server_chosen || !session_file_path(path, sizeof(path), err, sizeof(err)))
        return;
    if (session_file_load(path, &s, warn, sizeof(warn), err, sizeof(err)) == SESSION_FILE_LOADED) {
        snprintf(cli->session_server, sizeof(cli->session_server), "%s", s.server);
        cli->server = cli->session_server;
        cli->server_from = N_("the server of the saved session");
    }
    session_file_wipe(&s);
}

/*
 * True when the saved session belongs to the server in cli->peer (as
 * written, case aside: "localhost" and "127.0.0.1" count as different, so
 * that a token never goes anywhere it was not issued by name).
 */
bool cli_session_is_for_peer(const struct cli *cli)
{
    return strcasecmp(cli->session.server, cli->peer) == 0;
}

/* Says that the saved session is for another server, and that its token stays home. */
void cli_warn_other_server(const struct cli *cli)
{
    fprintf(stderr,
            _("yanxiu: warning: the session in %s is for %s, not %s: its token is not sent "
            "there\n"),
            cli->session_path, cli->session.server, cli->peer);
}

/* WhoAmI with the session's token; the answer stays in cli->me. Returns an exit code. */
static int cli_whoami(struct cli *cli)
{
    Yanxiu__V1__WhoAmIRequest who = YANXIU__V1__WHO_AM_IREQUEST__INIT;
    Yanxiu__V1__Envelope req = YANXIU__V1__ENVELOPE__INIT;
    req.body_case = YANXIU__V1__ENVELOPE__BODY_WHOAMI;
    req.whoami = &who;
    struct yxc_error err;
    if (!yxc_call(cli->conn, &req, YANXIU__V1__ENVELOPE__BODY_WHOAMI_REPLY, &cli->me, &err))
        return cli_report(cli, &err);
    if (!cli->me->whoami_reply->identity) {
        fprintf(stderr, _("yanxiu: the server at %s answered WhoAmI without an identity\n"),
                cli->peer);
        return CLI_FAILED;
    }
    return CLI_OK;
}

/*
 * The standard way in for every command that needs a session: load the
 * session, connect to its server (or the one chosen, if it is the same),
 * say Hello, then WhoAmI with the token. WhoAmI comes first because it is
 * cheap, because it turns an expired session into "log in again" before any
 * work is done, and because the server accepts frames above 64 KiB on a
 * connection only once a request on it has carried a valid session.
 * On CLI_OK the token is set on cli->conn and cli->me holds the identity.
 */
int cli_open_session(struct cli *cli)
{
    int rc = cli_load_session(cli, false);
    if (rc != CLI_OK)
        return rc;
    char host[256];
    uint16_t port;
    if (!cli->have_session) {
        if (cli_resolve_peer(cli, host, sizeof(host), &port) != CLI_OK)
            return CLI_USAGE;
        fprintf(stderr,
                _("yanxiu: not logged in (there is no session in %s)\n"
                "hint: log in first: yanxiu%s%s login\n"),
                cli->session_path, cli->server_chosen ? " --server " : "",
                cli->server_chosen ? cli->peer : "");
        return CLI_FAILED;
    }
    if (cli_resolve_peer(cli, host, sizeof(host), &port) != CLI_OK)
        return CLI_USAGE;
    if (!cli_session_is_for_peer(cli)) {
        cli_warn_other_server(cli);
        fprintf(stderr,
                _("yanxiu: not logged in to %s\n"
                "hint: log in there: yanxiu --server %s login (this replaces the session for "
                "%s)\n"),
                cli->peer, cli->peer, cli->session.server);
        return CLI_FAILED;
    }
    rc = cli_open(cli);
    if (rc != CLI_OK)
        return rc;
    yxc_set_token(cli->conn, cli->session.token, cli->session.token_len);
    cli->session_sent = true;
    return cli_whoami(cli);
}

/* --- writes with an idempotency key ----------------------------------------------------- */

/* Prints one word of a command line so that a POSIX shell reads it back as it is. */
static void put_shell_word(const char *w, FILE *f)
{
    if (*w && strspn(w, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
                        "_-./:=@%+,") == strlen(w)) {
        fputs(w, f);
        return;
    }
    fputc('\'', f);
    for (; *w; w++) {
        if (*w == '\'')
            fputs("'\\''", f);
        else
            fputc(*w, f);
    }
    fputc('\'', f);
}

/* Prints the command line as given, with `option value` added when it is not there. */
static void put_command_again(const struct cli *cli, const char *option, const char *value, FILE *f)
{
    bool has = false;
    size_t olen = strlen(option);
    fputs("  ", f);
    for (int i = 0; i < cli->argc; i++) {
        const char *w = cli->argv[i];
        if (strcmp(w, option) == 0 || (strncmp(w, option, olen) == 0 && w[olen] == '='))
            has = true;
        if (i > 0)
            fputc(' ', f);
        put_shell_word(w, f);
    }
    if (!has) {
        fprintf(f, " %s ", option);
        put_shell_word(value, f);
    }
    fputc('\n', f);
}

static void sleep_ms(int ms)
{
    struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};
    while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
        ;
}

int cli_call_keyed(struct cli *cli, Yanxiu__V1__Envelope *req, const char *what,
                   const char *key_option, const char *key, Yanxiu__V1__Envelope **resp)
{
    *resp = NULL;
    /* Whether an attempt may have reached the database: only then is the outcome unknown. */
    bool maybe_applied = false;
    int rc = CLI_FAILED;
    for (int attempt = 0; attempt <= CLI_KEYED_RETRIES; attempt++) {
        if (attempt > 0) {
            int pause_ms = 1000 << (attempt - 1);
            fprintf(stderr,
                    _("yanxiu: sending %s again in %d s with the same idempotency key %s "
                    "(retry %d of %d; the server writes a key at most once)\n"),
                    what, pause_ms / 1000, key, attempt, CLI_KEYED_RETRIES);
            sleep_ms(pause_ms);
        }
        if (!cli->conn) {
            rc = cli_open_session(cli);
            if (rc == CLI_USAGE || (rc != CLI_OK && attempt == 0))
                return rc; /* not sent at all: nothing to advise */
            if (rc != CLI_OK)
                continue;
        }
        struct yxc_error err;
        uint64_t id;
        bool sent = yxc_send(cli->conn, req, &id, &err);
        if (sent && yxc_await(cli->conn, id, resp, &err)) {
            if (yxc_check(*resp, &err) || err.code != YANXIU__V1__CODE__UNAVAILABLE)
                return CLI_OK;
            /* UNAVAILABLE: the database is down (nothing written) or the outcome unknown. */
            maybe_applied = maybe_applied || err.outcome_unknown;
            yxc_free(*resp);
            *resp = NULL;
            rc = cli_report(cli, &err);
            continue;
        }
        if (err.fail == YXC_ERR_USAGE) {
            rc = cli_report(cli, &err);
            if (!sent) /* yxc_send refuses only a request above the frame limit */
                fprintf(stderr, _("hint: %s is too large for one request; tell the district office\n"),
                        what);
            if (!maybe_applied)
                return rc;
            break;
        }
        /* The connection failed with the request possibly on its way or done. */
        maybe_applied = maybe_applied || sent || err.fail != YXC_ERR_CONNECT;
        rc = cli_report(cli, &err);
        cli_close(cli);
    }
    if (maybe_applied)
        fprintf(stderr, _("yanxiu: gave up after %d retries: whether the server has %s is unknown.\n"),
                CLI_KEYED_RETRIES, what);
    else
        fprintf(stderr, _("yanxiu: gave up after %d retries: %s was not written.\n"),
                CLI_KEYED_RETRIES, what);
    fprintf(stderr,
            _("yanxiu: the idempotency key is %s. Run this command (with this key) once the server "
            "is back: it writes %s only if the server does not have it yet, and shows the "
            "answer either way:\n"),
            key, what);
    put_command_again(cli, key_option, key, stderr);
    return rc == CLI_OK ? CLI_FAILED : rc;
}
