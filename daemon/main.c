/*
 * yanxiud: the yanxiu daemon's command line: serve (default), migrate,
 * check-config, verify-ledger, backup, restore and the account commands.
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "admin.h"
#include "backup.h"
#include "config.h"
#include "frame.h"
#include "log.h"
#include "migrate.h"
#include "msg.h"
#include "server.h"

static void usage(FILE *out)
{
    fprintf(out,
            "usage: yanxiud [-c FILE] [COMMAND]\n"
            "\n"
            "yanxiu daemon: school-based teacher training (校本研修) reports for a district.\n"
            "\n"
            "commands:\n"
            "  serve         run the daemon (default)\n"
            "  migrate       apply missing database migrations (as migrate_conninfo's role)\n"
            "  check-config  read and check the configuration file, then exit\n"
            "  verify-ledger recompute the hours ledger from the reports' rows and list\n"
            "                every difference (exit 1 if any), as migrate_conninfo's role\n"
            "  backup DIR    write a pg_dump of the database (as migrate_conninfo's role)\n"
            "                to DIR/yanxiu-YYYY-MM-DDTHHMMSSZ.dump and delete the oldest\n"
            "                beyond [backup] keep\n"
            "  restore FILE  restore a backup into an empty database (see README.md,\n"
            "                \"Backups and restore\"), end every session, verify the ledger\n"
            "  district add CODE NAME   add a district (6-digit division code, name)\n"
            "  district list\n"
            "  user add NAME --role admin|district|school [--district CODE] [--unit SCHOOL_CODE]\n"
            "  user passwd NAME         set a new password (ends the user's sessions)\n"
            "  user disable NAME        disable an account (ends its sessions)\n"
            "  user list\n"
            "                Account commands connect as migrate_conninfo's role; passwords\n"
            "                come from a no-echo prompt, or YANXIU_PASSWORD for scripts.\n"
            "\n"
            "options:\n"
            "  -c, --config FILE  configuration file (default " CONFIG_DEFAULT_PATH ")\n"
            "  -h, --help         this help\n"
            "  -V, --version      print the version\n"
            "\n"
            "A configuration with every key and its default:\n\n");
    config_dump_defaults(out);
}

static bool load(const char *path, struct config *cfg)
{
    char err[4096];
    config_defaults(cfg);
    if (!config_load(cfg, path, err, sizeof(err)) || !config_validate(cfg, err, sizeof(err))) {
        fprintf(stderr, "yanxiud: configuration error:\n%s\n", err);
        return false;
    }
    return true;
}

int main(int argc, char **argv)
{
    const char *path = CONFIG_DEFAULT_PATH;
    /* -c may stand anywhere (yanxiud migrate -c FILE); everything else is
     * the command and its own arguments, which the command parses. */
    char *rest[argc + 1];
    int nrest = 0;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (strcmp(a, "-c") == 0 || strcmp(a, "--config") == 0) {
            if (i + 1 >= argc) {
                fprintf(stderr, "yanxiud: %s needs a file name; see yanxiud --help\n", a);
                return 2;
            }
            path = argv[++i];
        } else if (strncmp(a, "--config=", 9) == 0) {
            path = a + 9;
        } else if (nrest == 0 && (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0)) {
            usage(stdout);
            return 0;
        } else if (nrest == 0 && (strcmp(a, "-V") == 0 || strcmp(a, "--version") == 0)) {
            printf("yanxiud %s (protocol %u, schema %u)\n", YANXIU_VERSION, PROTOCOL_VERSION,
                   migrate_latest());
            return 0;
        } else {
            rest[nrest++] = argv[i];
        }
    }
    if (!msg_init()) {
        fprintf(stderr, "yanxiud: the message catalogs built into it are malformed (a build "
                        "error: rebuild it)\n");
        return 1;
    }
    const char *cmd = nrest > 0 ? rest[0] : "serve";
    bool takes_args = strcmp(cmd, "user") == 0 || strcmp(cmd, "district") == 0;
    bool takes_path = strcmp(cmd, "backup") == 0 || strcmp(cmd, "restore") == 0;
    if (takes_path && nrest != 2) {
        fprintf(stderr, "usage: yanxiud [-c FILE] %s\n",
                strcmp(cmd, "backup") == 0 ? "backup DIR" : "restore FILE");
        return 2;
    }
    if (!takes_args && !takes_path && nrest > 1) {
        fprintf(stderr, "yanxiud: unexpected argument \"%s\"; see yanxiud --help\n", rest[1]);
        return 2;
    }
    if (cmd[0] == '-') {
        fprintf(stderr, "yanxiud: unknown option \"%s\"; see yanxiud --help\n", cmd);
        return 2;
    }
    struct config cfg;
    int rc;
    if (strcmp(cmd, "serve") == 0) {
        if (!load(path, &cfg)) {
            config_free(&cfg);
            return 1;
        }
        return server_run(path, &cfg);
    } else if (strcmp(cmd, "migrate") == 0) {
        if (!load(path, &cfg)) {
            config_free(&cfg);
            return 1;
        }
        if (!cfg.migrate_conninfo[0]) {
            fprintf(stderr,
                    "yanxiud migrate: [database] migrate_conninfo is not set in %s: give "
                    "the conninfo of the schema owner, e.g. migrate_conninfo = "
                    "dbname=yanxiu user=yanxiu_owner\n",
                    path);
            rc = 1;
        } else {
            rc = migrate_run(cfg.migrate_conninfo) ? 0 : 1;
        }
    } else if (strcmp(cmd, "check-config") == 0) {
        bool ok = load(path, &cfg);
        SSL_CTX *ctx = NULL;
        char err[1024];
        if (ok && !server_load_tls(&cfg, &ctx, err, sizeof(err))) {
            fprintf(stderr, "yanxiud: %s\n", err);
            ok = false;
        }
        if (ctx)
            SSL_CTX_free(ctx);
        if (ok)
            printf("%s: ok\n", path);
        rc = ok ? 0 : 1;
    } else if (strcmp(cmd, "verify-ledger") == 0) {
        if (!load(path, &cfg)) {
            config_free(&cfg);
            return 1;
        }
        rc = admin_verify_ledger(&cfg);
    } else if (takes_path) {
        if (!load(path, &cfg)) {
            config_free(&cfg);
            return 1;
        }
        rc = strcmp(cmd, "backup") == 0 ? backup_run(&cfg, rest[1]) : backup_restore(&cfg, rest[1]);
    } else if (takes_args) {
        if (!load(path, &cfg)) {
            config_free(&cfg);
            return 1;
        }
        rc = admin_main(&cfg, nrest, rest);
    } else {
        fprintf(stderr, "yanxiud: unknown command \"%s\"; see yanxiud --help\n", cmd);
        return 2;
    }
    config_free(&cfg);
    return rc;
}
