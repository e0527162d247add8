/*
 * yanxiud: the yanxiu daemon's command line: serve (default), migrate,
 * check-config.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "log.h"
#include "migrate.h"
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
    static const struct option opts[] = {
        {"config", required_argument, NULL, 'c'},
        {"help", no_argument, NULL, 'h'},
        {"version", no_argument, NULL, 'V'},
        {NULL, 0, NULL, 0},
    };
    int ch;
    /* '+' is not used: options may follow the command (yanxiud migrate -c FILE). */
    while ((ch = getopt_long(argc, argv, "c:hV", opts, NULL)) != -1) {
        switch (ch) {
        case 'c':
            path = optarg;
            break;
        case 'h':
            usage(stdout);
            return 0;
        case 'V':
            printf("yanxiud %s (protocol 1, schema %u)\n", YANXIU_VERSION, migrate_latest());
            return 0;
        default:
            fprintf(stderr, "yanxiud: see yanxiud --help\n");
            return 2;
        }
    }
    const char *cmd = optind < argc ? argv[optind] : "serve";
    if (optind + 1 < argc) {
        fprintf(stderr, "yanxiud: unexpected argument \"%s\"; see yanxiud --help\n", argv[optind + 1]);
        return 2;
    }
    struct config cfg;
    if (strcmp(cmd, "serve") == 0) {
        if (!load(path, &cfg)) {
            config_free(&cfg);
            return 1;
        }
        return server_run(path, &cfg);
    }
    if (strcmp(cmd, "migrate") == 0) {
        if (!load(path, &cfg)) {
            config_free(&cfg);
            return 1;
        }
        const char *ci = cfg.migrate_conninfo[0] ? cfg.migrate_conninfo : NULL;
        if (!ci) {
            fprintf(stderr, "yanxiud migrate: [database] migrate_conninfo is not set in %s: give "
                            "the conninfo of the schema owner, e.g. migrate_conninfo = "
                            "dbname=yanxiu user=yanxiu_owner\n",
                    path);
            config_free(&cfg);
            return 1;
        }
        bool ok = migrate_run(ci);
        config_free(&cfg);
        return ok ? 0 : 1;
    }
    if (strcmp(cmd, "check-config") == 0) {
        bool ok = load(path, &cfg);
        config_free(&cfg);
        if (ok)
            printf("%s: ok\n", path);
        return ok ? 0 : 1;
    }
    fprintf(stderr, "yanxiud: unknown command \"%s\"; see yanxiud --help\n", cmd);
    return 2;
}
