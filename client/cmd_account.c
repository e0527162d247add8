/*
 * cmd_account: the commands of one's own account: login (keeps the session in the
 * session file), logout (ends it on the server and forgets it) and whoami.
 */
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "lang.h"
#include "prompt.h"
#include "rfc3339.h"
#include "session_file.h"
#include "yxc.h"

const char cmd_login_usage[] =
    N_("usage: yanxiu login [--user NAME]\n"
       "\n"
       "Logs in to yanxiud and keeps the session in $XDG_CONFIG_HOME/yanxiu/session\n"
       "(else ~/.config/yanxiu/session; mode 0600), together with the server's\n"
       "address: later commands without --server go to that server, and the session\n"
       "is never sent to another. Logging in again replaces the session.\n"
       "\n"
       "  --user NAME  the account to log in as; without it yanxiu asks\n"
       "\n"
       "The password is asked for on the terminal without echo, or taken from\n"
       "YANXIU_PASSWORD (for scripts; yanxiu removes it from its environment).\n");

const char cmd_logout_usage[] =
    N_("usage: yanxiu logout\n"
       "\n"
       "Ends the session on the server it belongs to and deletes the session file.\n"
       "When the server says the session had already ended, the file is deleted all\n"
       "the same; when the server cannot be reached, the file is kept (the session\n"
       "stays valid until it expires) so that you can try again.\n");

const char cmd_whoami_usage[] =
    N_("usage: yanxiu whoami\n"
       "\n"
       "Asks the server who the saved session belongs to: user, role, district, unit,\n"
       "and when the session expires. Exit status 1 when there is no valid session.\n");

/*
 * Fills pw with the password: YANXIU_PASSWORD (then wiped from the
 * environment) or a no-echo prompt. Returns an exit code.
 */
static int read_password(const struct cli *cli, const char *user, char *pw, size_t cap)
{
    char *env = getenv("YANXIU_PASSWORD");
    if (env && *env) {
        size_t n = strlen(env);
        bool fits = n < cap;
        if (fits)
            memcpy(pw, env, n + 1);
        /* Our own copy of the environment: no need for it to linger in memory. */
        explicit_bzero(env, n);
        unsetenv("YANXIU_PASSWORD");
        if (!fits)
            return cli_usage_error(cli, _("YANXIU_PASSWORD is longer than %d bytes"),
                                   CLI_MAX_PASSWORD);
        return CLI_OK;
    }
    char prompt[400];
    snprintf(prompt, sizeof(prompt), _("password for %s on %s: "), user, cli->peer);
    switch (prompt_line(prompt, true, pw, cap)) {
    case PROMPT_OK:
        return CLI_OK;
    case PROMPT_NO_TERMINAL:
        return cli_usage_error(cli,
                               _("no terminal to ask for the password on: set YANXIU_PASSWORD"));
    case PROMPT_EMPTY:
        return cli_usage_error(cli, _("no password given"));
    case PROMPT_TOO_LONG:
        return cli_usage_error(cli, _("the password is longer than %d bytes"), CLI_MAX_PASSWORD);
    }
    return CLI_USAGE;
}

/* A role as people call it in the CLI's language (区县教研室, 学校, 系统管理员); the code when
   it is none of these. */
static const char *role_label(const char *role)
{
    enum msg_lang lang = lang_current();
    if (strcmp(role, "district") == 0)
        return msg_pget(lang, "role", "district");
    if (strcmp(role, "school") == 0)
        return msg_pget(lang, "role", "school");
    if (strcmp(role, "admin") == 0)
        return msg_pget(lang, "role", "admin");
    return role;
}

/* "role district, district 110101, unit 1101010001", leaving out what is empty. */
static void describe_identity(const Yanxiu__V1__Identity *id, char *buf, size_t cap)
{
    snprintf(buf, cap, _("role %s"), role_label(vocab_code_of(&vocab_role, id->role)));
    size_t used = strlen(buf);
    if (id->district_code[0] && used < cap)
        used += (size_t)snprintf(buf + used, cap - used, _(", district %s"), id->district_code);
    if (id->unit_code[0] && used < cap)
        snprintf(buf + used, cap - used, _(", unit %s"), id->unit_code);
}

/* Sends Logout with `token` on cli->conn, ignoring the answer (revoking a replaced session). */
static void revoke_quietly(struct cli *cli, const uint8_t *token, size_t len)
{
    Yanxiu__V1__LogoutRequest out = YANXIU__V1__LOGOUT_REQUEST__INIT;
    Yanxiu__V1__Envelope req = YANXIU__V1__ENVELOPE__INIT;
    req.body_case = YANXIU__V1__ENVELOPE__BODY_LOGOUT;
    req.logout = &out;
    req.session_token.data = (uint8_t *)token;
    req.session_token.len = len;
    Yanxiu__V1__Envelope *resp = NULL;
    struct yxc_error err;
    if (yxc_call(cli->conn, &req, YANXIU__V1__ENVELOPE__BODY_LOGOUT_REPLY, &resp, &err))
        yxc_free(resp);
}

int cmd_login(struct cli *cli, int argc, char **argv)
{
    static const struct option opts[] = {
        {"user", required_argument, NULL, 'u'},
        {0},
    };
    const char *user_opt = NULL;
    int opt;
    while ((opt = cli_getopt(cli, argc, argv, opts)) != -1) {
        if (opt != 'u')
            return CLI_USAGE;
        user_opt = optarg;
    }
    if (!cli_no_operands(cli, argc, argv))
        return CLI_USAGE;
    char user[CLI_MAX_USER_NAME + 2] = "";
    if (user_opt) {
        if (!*user_opt || strlen(user_opt) > CLI_MAX_USER_NAME)
            return cli_usage_error(cli, _("--user needs a name of 1 to %d bytes"),
                                   CLI_MAX_USER_NAME);
        snprintf(user, sizeof(user), "%s", user_opt);
    }

    /* The old session only tells which server to use by default (and is revoked below). */
    int rc = cli_load_session(cli, true);
    if (rc != CLI_OK)
        return rc;
    /* Connect first: a server that is down, or a certificate that is not trusted,
       is better learned before typing a password. */
    rc = cli_open(cli);
    if (rc != CLI_OK)
        return rc;
    if (!user[0]) {
        char prompt[340];
        snprintf(prompt, sizeof(prompt), _("user name on %s: "), cli->peer);
        switch (prompt_line(prompt, false, user, sizeof(user))) {
        case PROMPT_OK:
            break;
        case PROMPT_NO_TERMINAL:
            return cli_usage_error(cli,
                                   _("no terminal to ask for the user name on: give --user NAME"));
        case PROMPT_EMPTY:
            return cli_usage_error(cli, _("no user name given"));
        case PROMPT_TOO_LONG:
            return cli_usage_error(cli, _("the user name is longer than %d bytes"),
                                   CLI_MAX_USER_NAME);
        }
        if (strlen(user) > CLI_MAX_USER_NAME)
            return cli_usage_error(cli, _("the user name is longer than %d bytes"),
                                   CLI_MAX_USER_NAME);
    }

    char password[CLI_MAX_PASSWORD + 2];
    rc = read_password(cli, user, password, sizeof(password));
    if (rc != CLI_OK) {
        explicit_bzero(password, sizeof(password));
        return rc;
    }
    Yanxiu__V1__LoginRequest login = YANXIU__V1__LOGIN_REQUEST__INIT;
    login.user = user;
    login.password = password;
    Yanxiu__V1__Envelope req = YANXIU__V1__ENVELOPE__INIT;
    req.body_case = YANXIU__V1__ENVELOPE__BODY_LOGIN;
    req.login = &login;
    Yanxiu__V1__Envelope *resp = NULL;
    struct yxc_error err;
    bool ok = yxc_call(cli->conn, &req, YANXIU__V1__ENVELOPE__BODY_LOGIN_REPLY, &resp, &err);
    explicit_bzero(password, sizeof(password));
    if (!ok)
        return cli_report(cli, &err);

    Yanxiu__V1__LoginResponse *lr = resp->login_reply;
    const Yanxiu__V1__Identity *id = lr->identity;
    struct session_file s = {.token_len = lr->token.len};
    bool fits =
        id && lr->token.len > 0 && lr->token.len <= sizeof(s.token) &&
        rfc3339_parse(lr->expires_at, &s.expires_at_us) && strlen(id->user) < sizeof(s.user) &&
        strlen(vocab_code_of(&vocab_role, id->role)) < sizeof(s.role) &&
        strlen(id->district_code) < sizeof(s.district) && strlen(id->unit_code) < sizeof(s.unit);
    if (!fits) {
        explicit_bzero(lr->token.data, lr->token.len);
        yxc_free(resp);
        fprintf(stderr,
                _("yanxiu: the server at %s answered Login with a token or identity this "
                  "yanxiu cannot keep\n"),
                cli->peer);
        return CLI_FAILED;
    }
    memcpy(s.token, lr->token.data, lr->token.len);
    explicit_bzero(lr->token.data, lr->token.len);
    snprintf(s.server, sizeof(s.server), "%s", cli->peer);
    snprintf(s.user, sizeof(s.user), "%s", id->user);
    snprintf(s.role, sizeof(s.role), "%s", vocab_code_of(&vocab_role, id->role));
    snprintf(s.district, sizeof(s.district), "%s", id->district_code);
    snprintf(s.unit, sizeof(s.unit), "%s", id->unit_code);
    char who[200];
    describe_identity(id, who, sizeof(who));
    yxc_free(resp);

    char why[600];
    if (!session_file_save(cli->session_path, &s, why, sizeof(why))) {
        /* A session nobody can use any more: end it rather than leave it valid. */
        revoke_quietly(cli, s.token, s.token_len);
        session_file_wipe(&s);
        fprintf(stderr,
                _("yanxiu: logged in, but could not keep the session: %s\n"
                  "hint: the session was ended again; fix the problem and log in again\n"),
                why);
        return CLI_FAILED;
    }
    /* The session this one replaces would stay valid, unused, until it expires. */
    if (cli->have_session && cli_session_is_for_peer(cli)) {
        revoke_quietly(cli, cli->session.token, cli->session.token_len);
    } else if (cli->have_session) {
        char old_until[40];
        cli_format_local(cli->session.expires_at_us, old_until, sizeof(old_until));
        fprintf(stderr,
                _("yanxiu: note: this replaces the session of %s on %s, which stays valid there "
                  "until %s (Asia/Shanghai) unless you log out of it first\n"),
                cli->session.user, cli->session.server, old_until);
    }

    char until[40];
    cli_format_local(s.expires_at_us, until, sizeof(until));
    printf(_("logged in as %s (%s) on %s until %s (Asia/Shanghai)\n"), s.user, who, cli->peer,
           until);
    session_file_wipe(&s);
    return CLI_OK;
}

int cmd_logout(struct cli *cli, int argc, char **argv)
{
    if (cli_getopt(cli, argc, argv, NULL) != -1)
        return CLI_USAGE;
    if (!cli_no_operands(cli, argc, argv))
        return CLI_USAGE;
    int rc = cli_load_session(cli, true);
    if (rc != CLI_OK)
        return rc;
    char why[600];
    if (!cli->have_session) {
        /* Nothing usable; a malformed file (already warned about) goes too. */
        if (access(cli->session_path, F_OK) == 0) {
            if (!session_file_remove(cli->session_path, why, sizeof(why))) {
                fprintf(stderr, _("yanxiu: %s\n"), why);
                return CLI_FAILED;
            }
            fprintf(stderr, _("yanxiu: deleted %s\n"), cli->session_path);
        }
        fprintf(stderr, _("yanxiu: not logged in: nothing to log out of\n"));
        return CLI_OK;
    }
    char host[256];
    uint16_t port;
    if (cli_resolve_peer(cli, host, sizeof(host), &port) != CLI_OK)
        return CLI_USAGE;
    if (!cli_session_is_for_peer(cli)) {
        cli_warn_other_server(cli);
        fprintf(stderr, _("hint: log out where the session is: yanxiu --server %s logout\n"),
                cli->session.server);
        return CLI_FAILED;
    }

    char until[40];
    cli_format_local(cli->session.expires_at_us, until, sizeof(until));
    rc = cli_open(cli);
    struct yxc_error err = {0};
    Yanxiu__V1__Envelope *resp = NULL;
    if (rc == CLI_OK) {
        yxc_set_token(cli->conn, cli->session.token, cli->session.token_len);
        cli->session_sent = true;
        Yanxiu__V1__LogoutRequest out = YANXIU__V1__LOGOUT_REQUEST__INIT;
        Yanxiu__V1__Envelope req = YANXIU__V1__ENVELOPE__INIT;
        req.body_case = YANXIU__V1__ENVELOPE__BODY_LOGOUT;
        req.logout = &out;
        if (yxc_call(cli->conn, &req, YANXIU__V1__ENVELOPE__BODY_LOGOUT_REPLY, &resp, &err)) {
            yxc_free(resp);
        } else if (err.fail != YXC_ERR_SERVER || err.code != YANXIU__V1__CODE__UNAUTHENTICATED) {
            rc = cli_report(cli, &err);
        }
    }
    if (rc != CLI_OK) {
        fprintf(stderr,
                _("yanxiu: the session of %s stays valid on %s until %s (Asia/Shanghai), and "
                  "stays in %s: run yanxiu logout again once the server answers, or delete the "
                  "file to forget it here\n"),
                cli->session.user, cli->session.server, until, cli->session_path);
        return rc;
    }
    if (!session_file_remove(cli->session_path, why, sizeof(why))) {
        fprintf(stderr, _("yanxiu: the session has ended on the server, but: %s\n"), why);
        return CLI_FAILED;
    }
    if (err.fail == YXC_ERR_SERVER)
        printf(_("the session of %s on %s had already ended (it expired or was revoked); "
                 "removed %s\n"),
               cli->session.user, cli->session.server, cli->session_path);
    else
        printf(_("logged out of %s (user %s)\n"), cli->session.server, cli->session.user);
    return CLI_OK;
}

int cmd_whoami(struct cli *cli, int argc, char **argv)
{
    if (cli_getopt(cli, argc, argv, NULL) != -1)
        return CLI_USAGE;
    if (!cli_no_operands(cli, argc, argv))
        return CLI_USAGE;
    int rc = cli_open_session(cli);
    if (rc != CLI_OK)
        return rc;
    const Yanxiu__V1__WhoAmIResponse *w = cli->me->whoami_reply;
    const Yanxiu__V1__Identity *id = w->identity;
    char until[40];
    int64_t expires_us = 0;
    if (rfc3339_parse(w->expires_at, &expires_us))
        cli_format_local(expires_us, until, sizeof(until));
    else
        snprintf(until, sizeof(until), "%s", w->expires_at);
    printf(_("user:      %s\n"), id->user);
    printf(_("role:      %s\n"), role_label(vocab_code_of(&vocab_role, id->role)));
    printf(_("district:  %s\n"), id->district_code[0] ? id->district_code : "-");
    printf(_("unit:      %s\n"), id->unit_code[0] ? id->unit_code : "-");
    printf(_("server:    %s (%s)\n"), cli->peer, yxc_is_tls(cli->conn) ? "TLS" : "plaintext");
    printf(_("expires:   %s (Asia/Shanghai)\n"), until);
    return CLI_OK;
}
