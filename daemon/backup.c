/*
 * backup: yanxiud backup DIR / restore FILE (see backup.h). The dump is
 * PostgreSQL's own pg_dump, run as a child with the owner's password (if the
 * conninfo holds one) in PGPASSWORD rather than on its command line, where
 * any local user could read it.
 */
#include "backup.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <libpq-fe.h>
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "admin.h"
#include "migrate.h"

/* The names `yanxiud backup` writes, and the only ones it ever deletes. */
#define BACKUP_NAME_RE "^yanxiu-[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{6}Z\\.dump$"

/* The conninfo of migrate_conninfo without its password, and the password. */
struct owner_conn {
    char conninfo[4096];
    char password[1024];
    char dbname[256];
    int server_major;
};

static void tool_path(const struct config *cfg, const char *tool, char *out, size_t len)
{
    if (cfg->backup_pg_bindir[0])
        snprintf(out, len, "%s/%s", cfg->backup_pg_bindir, tool);
    else
        snprintf(out, len, "%s", tool);
}

/* Appends key='value' with libpq's quoting. False when it does not fit. */
static bool conninfo_add(char *buf, size_t len, const char *key, const char *val)
{
    size_t used = strlen(buf);
    int n = snprintf(buf + used, len - used, "%s%s='", used ? " " : "", key);
    if (n < 0 || (size_t)n >= len - used)
        return false;
    used += (size_t)n;
    for (const char *p = val; *p; p++) {
        if (used + 3 >= len)
            return false;
        if (*p == '\'' || *p == '\\')
            buf[used++] = '\\';
        buf[used++] = *p;
    }
    if (used + 2 > len)
        return false;
    buf[used++] = '\'';
    buf[used] = '\0';
    return true;
}

/*
 * Connects as the owner to learn the server's major version and the database
 * name, and splits migrate_conninfo into a conninfo without the password
 * (for the command line of pg_dump/pg_restore) and the password.
 */
static bool owner_prepare(const struct config *cfg, const char *cmd, struct owner_conn *oc)
{
    memset(oc, 0, sizeof(*oc));
    if (!cfg->migrate_conninfo[0]) {
        fprintf(stderr,
                "yanxiud %s: [database] migrate_conninfo is not set: %s runs as the schema "
                "owner, e.g. migrate_conninfo = host=/var/run/postgresql dbname=yanxiu "
                "user=yanxiu_owner\n",
                cmd, cmd);
        return false;
    }
    char *perr = NULL;
    PQconninfoOption *opts = PQconninfoParse(cfg->migrate_conninfo, &perr);
    if (!opts) {
        fprintf(stderr, "yanxiud %s: [database] migrate_conninfo cannot be parsed: %s", cmd,
                perr ? perr : "out of memory\n");
        PQfreemem(perr);
        return false;
    }
    bool fits = true;
    for (PQconninfoOption *o = opts; o->keyword; o++) {
        if (!o->val || !o->val[0])
            continue;
        if (strcmp(o->keyword, "password") == 0) {
            fits &= strlen(o->val) < sizeof(oc->password);
            snprintf(oc->password, sizeof(oc->password), "%s", o->val);
        } else {
            fits &= conninfo_add(oc->conninfo, sizeof(oc->conninfo), o->keyword, o->val);
        }
    }
    PQconninfoFree(opts);
    if (!fits) {
        fprintf(stderr, "yanxiud %s: [database] migrate_conninfo is too long\n", cmd);
        return false;
    }
    PGconn *pg = PQconnectdb(cfg->migrate_conninfo);
    if (PQstatus(pg) != CONNECTION_OK) {
        fprintf(stderr, "yanxiud %s: cannot connect with [database] migrate_conninfo: %s", cmd,
                PQerrorMessage(pg));
        PQfinish(pg);
        return false;
    }
    oc->server_major = PQserverVersion(pg) / 10000;
    snprintf(oc->dbname, sizeof(oc->dbname), "%s", PQdb(pg));
    PQfinish(pg);
    return true;
}

/*
 * Runs argv[0] (searched in PATH when it has no slash) with stdout to
 * out_fd (-1: ours) and PGPASSWORD set when `password` is not empty.
 * Returns its exit status, 127 when it could not be run, -1 when it died
 * of a signal.
 */
static int run_tool(char *const argv[], int out_fd, const char *password)
{
    fflush(NULL);
    pid_t pid = fork();
    if (pid < 0) {
        fprintf(stderr, "yanxiud: cannot start %s: %s\n", argv[0], strerror(errno));
        return 127;
    }
    if (pid == 0) {
        if (out_fd >= 0 && dup2(out_fd, STDOUT_FILENO) < 0)
            _exit(127);
        if (password[0])
            setenv("PGPASSWORD", password, 1);
        execvp(argv[0], argv);
        fprintf(stderr, "yanxiud: cannot run %s: %s\n", argv[0], strerror(errno));
        _exit(127);
    }
    int status;
    while (waitpid(pid, &status, 0) < 0) {
        if (errno != EINTR)
            return -1;
    }
    if (WIFEXITED(status))
        return WEXITSTATUS(status);
    return -1;
}

/*
 * The major version of a PostgreSQL tool from its --version ("pg_dump
 * (PostgreSQL) 15.4 (Debian …)"). 0 with a message when it cannot be run.
 */
static int tool_major(const char *path, const char *cmd)
{
    int fds[2];
    if (pipe(fds) != 0) {
        fprintf(stderr, "yanxiud %s: pipe: %s\n", cmd, strerror(errno));
        return 0;
    }
    char *const argv[] = {(char *)path, "--version", NULL};
    /* The output is one short line: it fits in the pipe before we read it. */
    int rc = run_tool(argv, fds[1], "");
    close(fds[1]);
    char out[512];
    ssize_t n = read(fds[0], out, sizeof(out) - 1);
    close(fds[0]);
    out[n > 0 ? n : 0] = '\0';
    const char *v = strstr(out, "(PostgreSQL) ");
    if (rc != 0 || !v) {
        fprintf(stderr,
                "yanxiud %s: \"%s --version\" %s; install PostgreSQL's client programs "
                "(postgresql-client) or set [backup] pg_bindir to the directory that holds "
                "them (e.g. /usr/lib/postgresql/15/bin)\n",
                cmd, path, rc == 127 ? "could not be run (not found?)" : "did not say its version");
        return 0;
    }
    return atoi(v + strlen("(PostgreSQL) "));
}

/* True when `tool` is at least the server's major version; else says so. */
static bool tool_new_enough(const struct config *cfg, const char *cmd, const char *tool,
                            int server_major, char *path, size_t pathlen)
{
    tool_path(cfg, tool, path, pathlen);
    int major = tool_major(path, cmd);
    if (major == 0)
        return false;
    if (major < server_major) {
        fprintf(stderr,
                "yanxiud %s: %s is PostgreSQL %d but the server is PostgreSQL %d: %s must be "
                "the server's major version or newer (an older one cannot read the server "
                "right). Install postgresql-client-%d and set [backup] pg_bindir = "
                "/usr/lib/postgresql/%d/bin\n",
                cmd, path, major, server_major, tool, server_major, server_major);
        return false;
    }
    return true;
}

static int cmp_names(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static void fsync_dir(const char *dir)
{
    int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd >= 0) {
        if (fsync(fd) != 0)
            fprintf(stderr, "yanxiud backup: fsync of directory %s: %s\n", dir, strerror(errno));
        close(fd);
    }
}

/*
 * Deletes the oldest backups of DIR beyond `keep`: regular files named
 * like ours, by name (the name is the time). False when one could not be
 * deleted (said on stderr); the new backup stays in any case.
 */
static bool prune(const char *dir, int keep)
{
    regex_t rx;
    if (regcomp(&rx, BACKUP_NAME_RE, REG_EXTENDED | REG_NOSUB) != 0)
        return false;
    DIR *d = opendir(dir);
    if (!d) {
        fprintf(stderr, "yanxiud backup: cannot list %s to delete old backups: %s\n", dir,
                strerror(errno));
        regfree(&rx);
        return false;
    }
    char **names = NULL;
    size_t n = 0, cap = 0;
    bool ok = true;
    struct dirent *e;
    while ((e = readdir(d))) {
        if (regexec(&rx, e->d_name, 0, NULL, 0) != 0)
            continue;
        struct stat st;
        if (fstatat(dirfd(d), e->d_name, &st, AT_SYMLINK_NOFOLLOW) != 0 || !S_ISREG(st.st_mode))
            continue;
        if (n == cap) {
            cap = cap ? cap * 2 : 32;
            char **grown = realloc(names, cap * sizeof(*names));
            if (!grown) {
                ok = false;
                break;
            }
            names = grown;
        }
        names[n] = strdup(e->d_name);
        if (!names[n]) {
            ok = false;
            break;
        }
        n++;
    }
    if (ok) {
        qsort(names, n, sizeof(*names), cmp_names);
        for (size_t i = 0; n > (size_t)keep && i < n - (size_t)keep; i++) {
            if (unlinkat(dirfd(d), names[i], 0) == 0) {
                printf("deleted old backup %s/%s ([backup] keep = %d)\n", dir, names[i], keep);
            } else {
                fprintf(stderr, "yanxiud backup: cannot delete old backup %s/%s: %s\n", dir,
                        names[i], strerror(errno));
                ok = false;
            }
        }
    } else {
        fprintf(stderr, "yanxiud backup: out of memory listing %s; no old backup deleted\n", dir);
    }
    for (size_t i = 0; i < n; i++)
        free(names[i]);
    free(names);
    closedir(d);
    regfree(&rx);
    fsync_dir(dir);
    return ok;
}

/* Makes DIR (0700) when missing; false with a message when it is no directory. */
static bool backup_dir(const char *dir)
{
    struct stat st;
    if (stat(dir, &st) == 0) {
        if (S_ISDIR(st.st_mode))
            return true;
        fprintf(stderr, "yanxiud backup: %s exists and is not a directory; give a directory\n",
                dir);
        return false;
    }
    if (errno == ENOENT && mkdir(dir, 0700) == 0)
        return true;
    fprintf(stderr, "yanxiud backup: cannot create the directory %s: %s\n", dir, strerror(errno));
    return false;
}

int backup_run(const struct config *cfg, const char *dir)
{
    struct owner_conn oc;
    char pg_dump[4096];
    if (!owner_prepare(cfg, "backup", &oc) ||
        !tool_new_enough(cfg, "backup", "pg_dump", oc.server_major, pg_dump, sizeof(pg_dump)) ||
        !backup_dir(dir))
        return 1;

    char name[64], final[4096], tmp[4096];
    time_t now = time(NULL);
    struct tm tm;
    gmtime_r(&now, &tm);
    strftime(name, sizeof(name), "yanxiu-%Y-%m-%dT%H%M%SZ.dump", &tm);
    int n1 = snprintf(final, sizeof(final), "%s/%s", dir, name);
    int n2 = snprintf(tmp, sizeof(tmp), "%s/.%s.partial", dir, name);
    if (n1 < 0 || (size_t)n1 >= sizeof(final) || n2 < 0 || (size_t)n2 >= sizeof(tmp)) {
        fprintf(stderr, "yanxiud backup: the directory name %s is too long\n", dir);
        return 1;
    }
    int fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd < 0) {
        fprintf(stderr, "yanxiud backup: cannot create %s: %s\n", tmp, strerror(errno));
        return 1;
    }
    char dbarg[4200];
    snprintf(dbarg, sizeof(dbarg), "--dbname=%s", oc.conninfo);
    /* --no-password: a timer has nobody to ask; the password comes from
     * the conninfo or ~/.pgpass. */
    char *const argv[] = {pg_dump, "--format=custom", "--no-password", dbarg, NULL};
    int rc = run_tool(argv, fd, oc.password);
    explicit_bzero(oc.password, sizeof(oc.password));
    struct stat st;
    bool ok = rc == 0;
    if (!ok)
        fprintf(stderr,
                "yanxiud backup: %s failed (%s %d; its message is above); no backup "
                "written\n",
                pg_dump, rc < 0 ? "killed," : "exit status", rc);
    if (ok && (fstat(fd, &st) != 0 || st.st_size == 0)) {
        fprintf(stderr, "yanxiud backup: %s wrote nothing; no backup written\n", pg_dump);
        ok = false;
    }
    if (ok && fsync(fd) != 0) {
        fprintf(stderr, "yanxiud backup: fsync %s: %s\n", tmp, strerror(errno));
        ok = false;
    }
    if (close(fd) != 0 && ok) {
        fprintf(stderr, "yanxiud backup: writing %s: %s\n", tmp, strerror(errno));
        ok = false;
    }
    /* link, not rename: never replaces a backup of the same second. */
    if (ok && link(tmp, final) != 0) {
        fprintf(stderr, "yanxiud backup: cannot name the backup %s: %s%s\n", final, strerror(errno),
                errno == EEXIST ? " (another backup of the same second; run it again)" : "");
        ok = false;
    }
    unlink(tmp);
    fsync_dir(dir);
    if (!ok)
        return 1;
    printf("backup written: %s (%lld bytes; database %s, PostgreSQL %d)\n", final,
           (long long)st.st_size, oc.dbname, oc.server_major);
    return prune(dir, cfg->backup_keep) ? 0 : 1;
}

/* Runs one statement as the owner; prints PostgreSQL's message on failure. */
static PGresult *owner_exec(PGconn *pg, const char *sql, const char *what)
{
    PGresult *r = PQexec(pg, sql);
    ExecStatusType st = PQresultStatus(r);
    if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK) {
        fprintf(stderr, "yanxiud restore: %s: %s", what, PQresultErrorMessage(r));
        PQclear(r);
        return NULL;
    }
    return r;
}

/* Objects of ours in the database: tables, views, sequences, functions, types. */
static const char count_objects_sql[] =
    "SELECT (SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
    "        WHERE n.nspname NOT IN ('pg_catalog', 'information_schema') "
    "          AND n.nspname NOT LIKE 'pg\\_toast%' AND n.nspname NOT LIKE 'pg\\_temp%') "
    "     + (SELECT count(*) FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace "
    "        WHERE n.nspname NOT IN ('pg_catalog', 'information_schema')) "
    "     + (SELECT count(*) FROM pg_namespace WHERE nspname NOT IN ('pg_catalog', "
    "        'information_schema', 'public') AND nspname NOT LIKE 'pg\\_%')";

int backup_restore(const struct config *cfg, const char *file_arg)
{
    struct owner_conn oc;
    char pg_restore[4096];
    /* pg_restore would read a name starting with '-' as an option. */
    char file_buf[4096];
    const char *file = file_arg;
    if (file_arg[0] == '-') {
        snprintf(file_buf, sizeof(file_buf), "./%s", file_arg);
        file = file_buf;
    }
    if (!owner_prepare(cfg, "restore", &oc) ||
        !tool_new_enough(cfg, "restore", "pg_restore", oc.server_major, pg_restore,
                         sizeof(pg_restore)))
        return 1;
    int fd = open(file, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        fprintf(stderr, "yanxiud restore: cannot open %s: %s\n", file, strerror(errno));
        return 1;
    }
    close(fd);
    /* Is it an archive pg_restore can read? Asked before the database is touched. */
    int devnull = open("/dev/null", O_WRONLY | O_CLOEXEC);
    char *const list_argv[] = {pg_restore, "--list", (char *)file, NULL};
    int rc = run_tool(list_argv, devnull, "");
    if (devnull >= 0)
        close(devnull);
    if (rc != 0) {
        fprintf(stderr,
                "yanxiud restore: %s is not a backup that %s can read (its message is above); "
                "give a file written by `yanxiud backup`\n",
                file, pg_restore);
        return 1;
    }

    PGconn *pg = PQconnectdb(cfg->migrate_conninfo);
    if (PQstatus(pg) != CONNECTION_OK) {
        fprintf(stderr, "yanxiud restore: cannot connect with [database] migrate_conninfo: %s",
                PQerrorMessage(pg));
        PQfinish(pg);
        return 1;
    }
    PGresult *r = owner_exec(pg, count_objects_sql, "looking at the database");
    if (!r) {
        PQfinish(pg);
        return 1;
    }
    long objects = strtol(PQgetvalue(r, 0, 0), NULL, 10);
    PQclear(r);
    if (objects > 0) {
        fprintf(stderr,
                "yanxiud restore: the database \"%s\" is not empty (%ld tables, functions or "
                "other objects): a restore goes only into an empty database, and nothing was "
                "changed. Stop yanxiud, then make an empty database with deploy/setup-db.sql "
                "(e.g. rename or drop the old one first; see README.md, \"Backups and "
                "restore\") and run the restore again\n",
                oc.dbname, objects);
        PQfinish(pg);
        return 1;
    }

    printf("restoring %s into the empty database %s (PostgreSQL %d)...\n", file, oc.dbname,
           oc.server_major);
    char dbarg[4200];
    snprintf(dbarg, sizeof(dbarg), "--dbname=%s", oc.conninfo);
    char *const argv[] = {
        pg_restore, "--exit-on-error", "--single-transaction", "--no-password", dbarg, (char *)file,
        NULL};
    rc = run_tool(argv, -1, oc.password);
    explicit_bzero(oc.password, sizeof(oc.password));
    if (rc != 0) {
        fprintf(stderr,
                "yanxiud restore: %s failed (%s %d; its message is above); it ran as one "
                "transaction, so the database is still empty\n",
                pg_restore, rc < 0 ? "killed," : "exit status", rc);
        PQfinish(pg);
        return 1;
    }

    /* Tokens issued before the backup must not work again: end every session. */
    r = owner_exec(pg, "UPDATE sessions SET revoked_at = now() WHERE revoked_at IS NULL",
                   "ending the restored sessions");
    if (!r) {
        fprintf(stderr, "yanxiud restore: the data is restored but its sessions are NOT ended; "
                        "end them before starting yanxiud: UPDATE sessions SET revoked_at = "
                        "now() WHERE revoked_at IS NULL (as the owner)\n");
        PQfinish(pg);
        return 1;
    }
    printf("restored; %s session%s ended (everyone logs in again)\n", PQcmdTuples(r),
           strcmp(PQcmdTuples(r), "1") == 0 ? "" : "s");
    PQclear(r);
    r = owner_exec(pg, "SELECT coalesce(max(version), 0) FROM schema_migrations",
                   "reading the schema version");
    if (r) {
        unsigned version = (unsigned)strtoul(PQgetvalue(r, 0, 0), NULL, 10);
        if (version < migrate_latest())
            printf("the backup's schema is at version %u, this yanxiud needs %u: run `yanxiud "
                   "migrate` before starting it\n",
                   version, migrate_latest());
        PQclear(r);
    }
    PQfinish(pg);
    /* Last: the ledger against the reports' rows, as `yanxiud verify-ledger`. */
    return admin_verify_ledger(cfg);
}
