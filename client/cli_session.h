/*
 * cli_session: how a CLI command reaches the server: connecting (TLS unless on
 * loopback), Hello and the protocol version, the saved session (which server it is
 * for, its token), and writes with an idempotency key that are sent again when the
 * connection fails. Every function that returns int returns an exit code (CLI_OK,
 * ...) and has printed what went wrong.
 */
#ifndef YANXIU_CLI_SESSION_H
#define YANXIU_CLI_SESSION_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "yx_common.h"
#include "yxc.h"

struct cli;

/* Parses cli->server into host (hostlen bytes) and port and sets cli->peer. */
int cli_resolve_peer(struct cli *cli, char *host, size_t hostlen, uint16_t *port);

/*
 * Connects cli->conn to cli->server: TLS unless the host is a loopback address and
 * neither --tls nor a CA (--ca, YANXIU_CA) was given. CLI_OK when connected.
 */
int cli_connect(struct cli *cli);

/* Says Hello on cli->conn; the answer stays in cli->hello (freed by cli_close). */
int cli_hello(struct cli *cli);

/* cli_connect and cli_hello, insisting on a protocol version in common. */
int cli_open(struct cli *cli);

/* The protocol versions a HelloResponse names, "1, 2" (or "none named"), into buf. */
void cli_format_versions(const Yanxiu__V1__HelloResponse *h, char *buf, size_t cap);

/* Says that cli->hello shares no protocol version with this yanxiu; CLI_FAILED. */
int cli_no_common_protocol(const struct cli *cli);

/* Closes the connection and frees the answers kept in cli. Safe to call twice. */
void cli_close(struct cli *cli);

/*
 * Loads the session file into cli->session (cli->have_session says whether there
 * was one; cli->session_path is set either way). A malformed file is an error
 * unless `tolerate_bad` (then it is ignored with a warning, as login does before
 * replacing it).
 */
int cli_load_session(struct cli *cli, bool tolerate_bad);

/*
 * Unless --server or YANXIU_SERVER chose one, the server of the saved session (if
 * any) becomes the one to talk to (cli->server, cli->server_from). Quiet: the
 * commands that use the session load it again and say what is wrong with it.
 */
void cli_default_to_session_server(struct cli *cli);

/*
 * True when the loaded session belongs to the server in cli->peer (as written,
 * case aside: "localhost" and "127.0.0.1" count as different, so that a token
 * never goes anywhere it was not issued by name).
 */
bool cli_session_is_for_peer(const struct cli *cli);

/* Warns that the loaded session is for another server, and that its token stays home. */
void cli_warn_other_server(const struct cli *cli);

/*
 * The standard way in for every command that needs a session: load the
 * session, connect to its server, say Hello, then WhoAmI with the token
 * (which also lets the server accept frames up to its max_frame on this
 * connection). On CLI_OK the token is set on cli->conn and
 * cli->me->whoami_reply->identity holds the caller's identity.
 */
int cli_open_session(struct cli *cli) YX_MUST_CHECK;

/* How often a write with an idempotency key is sent again by itself (cli_call_keyed). */
#define CLI_KEYED_RETRIES 3

/*
 * Sends a write that carries an idempotency key (`key`, already in `req`)
 * and awaits its answer. Opens the session first when cli->conn is NULL.
 * When the connection to the server fails or the server answers UNAVAILABLE
 * (the database unreachable, or the outcome unknown), sends the very same
 * request again, on a new connection where needed, up to CLI_KEYED_RETRIES
 * times with a growing pause (1, 2, 4 s): the server applies a key at most
 * once, so this is safe. On CLI_OK *resp holds the answer (an Error other
 * than UNAVAILABLE included; the caller frees it). Otherwise, having said
 * what happened, prints the key and the command line to run again with
 * `key_option KEY` (added when the command line lacks it), and returns the
 * exit code. `what` names the write in messages, e.g. "the report".
 */
int cli_call_keyed(struct cli *cli, Yanxiu__V1__Envelope *req, const char *what,
                   const char *key_option, const char *key, Yanxiu__V1__Envelope **resp)
    YX_MUST_CHECK;

#endif
