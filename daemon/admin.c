/*
 * admin: yanxiud user add|passwd|disable|list and yanxiud district add|list.
 * Passwords come from YANXIU_PASSWORD (scripts) or a no-echo prompt typed
 * twice; they are hashed here with argon2id and never printed or logged.
 * Every change is written to the audit log as the operator's Unix user.
 */
#include "admin.h"

#include <getopt.h>
#include <libpq-fe.h>
#include <pwd.h>
#include <regex.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include "hashpool.h"

#define MIN_PASSWORD 8

static const char *operator_name(char *buf, size_t len)
{
    const char *who = getenv("SUDO_USER");
    if (!who || !*who) {
        struct passwd *pw = getpwuid(getuid());
        who = pw ? pw->pw_name : "?";
    }
    snprintf(buf, len, "operator:%s", who);
    return buf;
}

static PGconn *connect_owner(const struct config *cfg)
{
    if (!cfg->migrate_conninfo[0]) {
        fprintf(stderr, "yanxiud: [database] migrate_conninfo is not set; account commands "
                        "connect as the schema owner\n");
        return NULL;
    }
    PGconn *pg = PQconnectdb(cfg->migrate_conninfo);
    if (PQstatus(pg) != CONNECTION_OK) {
        fprintf(stderr, "yanxiud: cannot connect with migrate_conninfo: %s", PQerrorMessage(pg));
        PQfinish(pg);
        return NULL;
    }
    return pg;
}

/* Runs one parameterized statement; prints PostgreSQL's message on failure. */
static PGresult *run(PGconn *pg, const char *sql, int n, const char *const *v, const char *what)
{
    PGresult *r = PQexecParams(pg, sql, n, NULL, v, NULL, NULL, 0);
    ExecStatusType st = PQresultStatus(r);
    if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK) {
        const char *state = PQresultErrorField(r, PG_DIAG_SQLSTATE);
        const char *msg = PQresultErrorField(r, PG_DIAG_MESSAGE_PRIMARY);
        if (state && strcmp(state, "23505") == 0)
            fprintf(stderr, "yanxiud: %s: it exists already\n", what);
        else if (state && strcmp(state, "23503") == 0)
            fprintf(stderr,
                    "yanxiud: %s: the district does not exist; add it first with "
                    "`yanxiud district add CODE NAME`\n",
                    what);
        else
            fprintf(stderr, "yanxiud: %s: %s\n", what, msg ? msg : PQresultErrorMessage(r));
        PQclear(r);
        return NULL;
    }
    return r;
}

static bool audit(PGconn *pg, const char *action, const char *target, const char *district)
{
    char who[128];
    const char *v[] = {operator_name(who, sizeof(who)), action, target, district};
    PGresult *r =
        run(pg,
            "INSERT INTO audit_log (user_name, role, district_code, client_addr, action, "
            "target, outcome) VALUES ($1, 'operator', nullif($4, ''), 'local', $2, $3, 'ok')",
            4, v, "writing the audit log");
    PQclear(r);
    return r != NULL;
}

/* Reads a password without echo (or from YANXIU_PASSWORD). */
static bool read_password(const char *prompt, char *out, size_t len)
{
    const char *env = getenv("YANXIU_PASSWORD");
    if (env) {
        if (strlen(env) >= len)
            return false;
        memcpy(out, env, strlen(env) + 1);
        return true;
    }
    if (!isatty(STDIN_FILENO)) {
        fprintf(stderr, "yanxiud: no terminal to ask for the password; set YANXIU_PASSWORD\n");
        return false;
    }
    struct termios old, quiet;
    tcgetattr(STDIN_FILENO, &old);
    quiet = old;
    quiet.c_lflag &= ~(tcflag_t)ECHO;
    fprintf(stderr, "%s", prompt);
    tcsetattr(STDIN_FILENO, TCSAFLUSH, &quiet);
    char *got = fgets(out, (int)len, stdin);
    tcsetattr(STDIN_FILENO, TCSAFLUSH, &old);
    fprintf(stderr, "\n");
    if (!got)
        return false;
    out[strcspn(out, "\r\n")] = '\0';
    return true;
}

/* A new password, typed twice, hashed. */
static bool new_password_hash(char hash[128])
{
    char *a = sodium_malloc(1025), *b = sodium_malloc(1025);
    bool ok = false;
    if (!a || !b)
        goto out;
    if (!read_password("New password: ", a, 1025))
        goto out;
    if (!getenv("YANXIU_PASSWORD")) {
        if (!read_password("Again: ", b, 1025))
            goto out;
        if (strcmp(a, b) != 0) {
            fprintf(stderr, "yanxiud: the two passwords differ; nothing changed\n");
            goto out;
        }
    }
    if (strlen(a) < MIN_PASSWORD) {
        fprintf(stderr, "yanxiud: the password must have at least %d characters\n", MIN_PASSWORD);
        goto out;
    }
    ok = hashpool_hash_now(a, hash);
    if (!ok)
        fprintf(stderr, "yanxiud: hashing the password failed (out of memory?)\n");
out:
    if (a)
        sodium_free(a);
    if (b)
        sodium_free(b);
    return ok;
}

static bool matches(const char *re, const char *s)
{
    regex_t rx;
    if (regcomp(&rx, re, REG_EXTENDED | REG_NOSUB) != 0)
        return false;
    bool ok = regexec(&rx, s, 0, NULL, 0) == 0;
    regfree(&rx);
    return ok;
}

static int user_add(PGconn *pg, int argc, char **argv)
{
    static const struct option opts[] = {{"role", required_argument, NULL, 'r'},
                                         {"district", required_argument, NULL, 'd'},
                                         {"unit", required_argument, NULL, 'u'},
                                         {NULL, 0, NULL, 0}};
    const char *role = NULL, *district = "", *unit = "";
    int ch;
    optind = 1;
    while ((ch = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        switch (ch) {
        case 'r':
            role = optarg;
            break;
        case 'd':
            district = optarg;
            break;
        case 'u':
            unit = optarg;
            break;
        default:
            return 2;
        }
    }
    if (optind + 1 != argc || !role) {
        fprintf(stderr, "usage: yanxiud user add NAME --role admin|district|school "
                        "[--district CODE] [--unit SCHOOL_CODE]\n");
        return 2;
    }
    const char *name = argv[optind];
    if (!matches("^[A-Za-z0-9_.@-]{1,64}$", name)) {
        fprintf(stderr, "yanxiud: user name \"%s\": use 1 to 64 letters, digits and _ . @ -\n",
                name);
        return 2;
    }
    if (strcmp(role, "admin") == 0) {
        if (*district || *unit) {
            fprintf(stderr,
                    "yanxiud: an admin belongs to no district or unit; drop --district/--unit\n");
            return 2;
        }
    } else if (strcmp(role, "district") == 0) {
        if (!matches("^[0-9]{6}$", district) || *unit) {
            fprintf(stderr, "yanxiud: a district account needs --district with the 6-digit "
                            "division code (e.g. 411423), and no --unit\n");
            return 2;
        }
    } else if (strcmp(role, "school") == 0) {
        if (!matches("^[0-9]{6}$", district) || !matches("^[0-9]{10}$", unit)) {
            fprintf(stderr, "yanxiud: a school account needs --district (6 digits) and --unit "
                            "with the 10-digit school code of its reporting unit (上报单位)\n");
            return 2;
        }
    } else {
        fprintf(stderr, "yanxiud: role \"%s\": use admin, district or school\n", role);
        return 2;
    }
    char hash[128];
    if (!new_password_hash(hash))
        return 1;
    const char *v[] = {name, role, district, unit, hash};
    char what[128];
    snprintf(what, sizeof(what), "adding user %s", name);
    PGresult *r = run(pg,
                      "INSERT INTO users (name, role, district_code, unit_code, pw_hash) "
                      "VALUES ($1, $2, nullif($3, ''), nullif($4, ''), $5)",
                      5, v, what);
    sodium_memzero(hash, sizeof(hash));
    if (!r)
        return 1;
    PQclear(r);
    char target[160];
    snprintf(target, sizeof(target), "user %s (%s)", name, role);
    if (!audit(pg, "user add", target, district))
        return 1;
    printf("added user %s (%s%s%s%s%s)\n", name, role, *district ? ", district " : "", district,
           *unit ? ", unit " : "", unit);
    return 0;
}

/* Runs `sql` with the user name; fails when no row was touched. */
static int user_change(PGconn *pg, const char *name, const char *sql, int n, const char *const *v,
                       const char *action)
{
    PGresult *r = run(pg, sql, n, v, action);
    if (!r)
        return 1;
    bool found = PQntuples(r) > 0;
    char district[16] = "";
    if (found)
        snprintf(district, sizeof(district), "%s", PQgetvalue(r, 0, 0));
    PQclear(r);
    if (!found) {
        fprintf(stderr, "yanxiud: no user named %s (see yanxiud user list)\n", name);
        return 1;
    }
    char target[128];
    snprintf(target, sizeof(target), "user %s", name);
    return audit(pg, action, target, district) ? 0 : 1;
}

static int user_passwd(PGconn *pg, int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: yanxiud user passwd NAME\n");
        return 2;
    }
    char hash[128];
    if (!new_password_hash(hash))
        return 1;
    const char *v[] = {argv[1], hash};
    /* A new password ends the sessions of the old one. */
    int rc = user_change(pg, argv[1],
                         "WITH u AS (UPDATE users SET pw_hash = $2 WHERE name = $1 "
                         "RETURNING id, coalesce(district_code, '')), "
                         "s AS (UPDATE sessions SET revoked_at = now() WHERE user_id IN "
                         "(SELECT id FROM u) AND revoked_at IS NULL) "
                         "SELECT coalesce FROM u",
                         2, v, "user passwd");
    sodium_memzero(hash, sizeof(hash));
    if (rc == 0)
        printf("password of %s changed; their sessions were ended\n", argv[1]);
    return rc;
}

static int user_disable(PGconn *pg, int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: yanxiud user disable NAME\n");
        return 2;
    }
    const char *v[] = {argv[1]};
    int rc = user_change(pg, argv[1],
                         "WITH u AS (UPDATE users SET disabled = true WHERE name = $1 "
                         "RETURNING id, coalesce(district_code, '')), "
                         "s AS (UPDATE sessions SET revoked_at = now() WHERE user_id IN "
                         "(SELECT id FROM u) AND revoked_at IS NULL) "
                         "SELECT coalesce FROM u",
                         1, v, "user disable");
    if (rc == 0)
        printf("user %s disabled; their sessions were ended\n", argv[1]);
    return rc;
}

static int user_list(PGconn *pg)
{
    PGresult *r = run(pg,
                      "SELECT u.name, u.role, coalesce(u.district_code, ''), "
                      "coalesce(u.unit_code, ''), CASE WHEN u.disabled THEN 'disabled' ELSE "
                      "'active' END, to_char(u.created_at, 'YYYY-MM-DD') "
                      "FROM users u ORDER BY u.district_code NULLS FIRST, u.role, u.name",
                      0, NULL, "listing users");
    if (!r)
        return 1;
    printf("%-24s %-8s %-8s %-10s %-8s %s\n", "name", "role", "district", "unit", "status",
           "created");
    for (int i = 0; i < PQntuples(r); i++)
        printf("%-24s %-8s %-8s %-10s %-8s %s\n", PQgetvalue(r, i, 0), PQgetvalue(r, i, 1),
               PQgetvalue(r, i, 2), PQgetvalue(r, i, 3), PQgetvalue(r, i, 4), PQgetvalue(r, i, 5));
    PQclear(r);
    return 0;
}

static int district_add(PGconn *pg, int argc, char **argv)
{
    if (argc != 3) {
        fprintf(stderr, "usage: yanxiud district add CODE NAME   (e.g. 411423 宁陵县)\n");
        return 2;
    }
    if (!matches("^[0-9]{6}$", argv[1])) {
        fprintf(stderr,
                "yanxiud: district code \"%s\": use the 6-digit administrative division "
                "code (e.g. 411423)\n",
                argv[1]);
        return 2;
    }
    const char *v[] = {argv[1], argv[2]};
    char what[128];
    snprintf(what, sizeof(what), "adding district %s", argv[1]);
    PGresult *r = run(pg, "INSERT INTO districts (code, name) VALUES ($1, $2)", 2, v, what);
    if (!r)
        return 1;
    PQclear(r);
    char target[160];
    snprintf(target, sizeof(target), "district %s %s", argv[1], argv[2]);
    if (!audit(pg, "district add", target, argv[1]))
        return 1;
    printf("added district %s %s\n", argv[1], argv[2]);
    return 0;
}

static int district_list(PGconn *pg)
{
    PGresult *r =
        run(pg, "SELECT code, name FROM districts ORDER BY code", 0, NULL, "listing districts");
    if (!r)
        return 1;
    for (int i = 0; i < PQntuples(r); i++)
        printf("%s %s\n", PQgetvalue(r, i, 0), PQgetvalue(r, i, 1));
    PQclear(r);
    return 0;
}

int admin_verify_ledger(const struct config *cfg)
{
    PGconn *pg = connect_owner(cfg);
    if (!pg)
        return 1;
    PGresult *r = run(pg, "SELECT ledger, key, stored, expected FROM ledger_differences()", 0, NULL,
                      "comparing the ledger with the raw rows");
    int rc = 1;
    if (r) {
        int n = PQntuples(r);
        for (int i = 0; i < n; i++)
            printf("%s %s: stored %s; the rows say %s\n", PQgetvalue(r, i, 0), PQgetvalue(r, i, 1),
                   PQgetvalue(r, i, 2), PQgetvalue(r, i, 3));
        if (n)
            fprintf(stderr,
                    "yanxiud verify-ledger: %d difference%s between the ledger and the "
                    "reports' rows\n",
                    n, n == 1 ? "" : "s");
        else
            printf("the ledger agrees with the reports' rows\n");
        rc = n ? 1 : 0;
        PQclear(r);
    }
    PQfinish(pg);
    return rc;
}

int admin_main(const struct config *cfg, int argc, char **argv)
{
    /* argv[0] is "user" or "district", argv[1] the verb. */
    if (argc < 2) {
        fprintf(stderr,
                "usage: yanxiud user add|passwd|disable|list …, yanxiud district add|list …\n");
        return 2;
    }
    bool user = strcmp(argv[0], "user") == 0;
    const char *verb = argv[1];
    static const char *const user_verbs[] = {"add", "passwd", "disable", "list"};
    static const char *const district_verbs[] = {"add", "list"};
    bool known = false;
    for (size_t i = 0; i < (user ? 4 : 2); i++)
        known |= strcmp(verb, user ? user_verbs[i] : district_verbs[i]) == 0;
    if (!known) {
        fprintf(stderr, "yanxiud: unknown command \"%s %s\"; see yanxiud --help\n", argv[0], verb);
        return 2;
    }
    if (sodium_init() < 0) {
        fprintf(stderr, "yanxiud: libsodium failed to initialise\n");
        return 1;
    }
    PGconn *pg = connect_owner(cfg);
    if (!pg)
        return 1;
    int rc;
    if (user) {
        if (strcmp(verb, "add") == 0)
            rc = user_add(pg, argc - 1, argv + 1);
        else if (strcmp(verb, "passwd") == 0)
            rc = user_passwd(pg, argc - 1, argv + 1);
        else if (strcmp(verb, "disable") == 0)
            rc = user_disable(pg, argc - 1, argv + 1);
        else
            rc = user_list(pg);
    } else {
        rc = strcmp(verb, "add") == 0 ? district_add(pg, argc - 1, argv + 1) : district_list(pg);
    }
    PQfinish(pg);
    return rc;
}
