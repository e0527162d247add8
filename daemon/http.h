/*
 * http: the web console's side of yanxiud (README "Web console"): libevent's
 * evhttp on the server's loop and its own listener ([http]), serving the
 * console's files from memory and POST /api/v2/rpc, one Envelope in and one
 * out, through the same dispatch as a TCP frame (daemon/rpc.c).
 */
#ifndef YANXIU_HTTP_H
#define YANXIU_HTTP_H

#include <stdbool.h>

#include "frame.h"
#include "msg.h"
#include "yx_common.h"

struct server;
struct http;
struct http_call;

/*
 * Listens on [http] listen/port (nothing when port is 0) and reads web_root
 * into memory (a missing directory is a warning: the API is still served).
 * Sets srv->http. False, logged, when it cannot listen.
 */
bool http_start(struct server *srv) YX_MUST_CHECK;

/* SIGHUP: the timeouts again, and web_root read again (the new value of the
 * key, `web_root`); a failed read keeps the files already loaded. New TLS
 * connections take srv->tls as it is then. */
void http_reload(struct server *srv, const char *web_root);

/* SIGTERM: stop accepting; requests that come on open connections are
 * answered 503 shutting_down. */
void http_drain(struct server *srv);

/* Whether no API answer is still being written (the drain waits for them). */
bool http_idle(const struct server *srv);

/* Shutdown: closes every HTTP connection and frees srv->http; requests still
 * in flight are detached (their answers dropped). */
void http_free(struct server *srv);

/*
 * An API request's exchange, for the rpc layer (rpc_req.http): created by
 * http.c, ended by rpc's req_end through http_call_end, which frees it.
 *
 * http_call_answer sends `resp` as the HTTP answer (200, one Envelope); a
 * LoginResponse's token goes into the session cookie instead (the answer
 * carries csrf_token), a LogoutResponse clears the cookie. Nothing is sent
 * when the client has gone. False only when the Envelope is larger than
 * max_frame (nothing sent: answer something smaller).
 */
bool http_call_answer(struct http_call *call, Yanxiu__V1__Envelope *resp) YX_MUST_CHECK;

/* Whether the browser's connection is still there to be answered. */
bool http_call_here(const struct http_call *call);

/* Frees the exchange (answering 500 first when nothing was answered). */
void http_call_end(struct http_call *call);

#endif
