/*
 * session_file: the CLI's saved session, one "key = value" per line. The
 * token is a secret, so the file is born 0600 (mkstemp under umask 077)
 * and every buffer that held it is wiped before it is freed or reused.
 */
#include "session_file.h"
#include "lang.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <pwd.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <sodium.h>

#define MAX_FILE_BYTES 16384

static bool failf(char *err, size_t errlen, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Fills err and returns false. */
static bool failf(char *err, size_t errlen, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, errlen, fmt, ap);
    va_end(ap);
    return false;
}

void session_file_wipe(struct session_file *s)
{
    explicit_bzero(s, sizeof(*s));
}

bool session_file_path(char *path, size_t cap, char *err, size_t errlen)
{
    /* The XDG spec says a relative XDG_CONFIG_HOME is invalid and must be ignored. */
    const char *xdg = getenv("XDG_CONFIG_HOME");
    int n;
    if (xdg && xdg[0] == '/') {
        n = snprintf(path, cap, "%s/yanxiu/session", xdg);
    } else {
        const char *home = getenv("HOME");
        if (!home || home[0] != '/') {
            const struct passwd *pw = getpwuid(getuid());
            home = pw && pw->pw_dir && pw->pw_dir[0] == '/' ? pw->pw_dir : NULL;
        }
        if (!home)
            return failf(err, errlen,
                         _("cannot tell where to keep the session: set XDG_CONFIG_HOME or HOME "
                         "to an absolute directory"));
        n = snprintf(path, cap, "%s/.config/yanxiu/session", home);
    }
    if (n < 0 || (size_t)n >= cap)
        return failf(err, errlen, _("the session file's path is longer than %zu bytes"), cap - 1);
    return true;
}

/* --- reading ----------------------------------------------------------------- */

/* The token as hex digits (either case), constant-time. */
static bool parse_hex(const char *hex, uint8_t *out, size_t cap, size_t *len)
{
    size_t n = strlen(hex);
    return n > 0 && sodium_hex2bin(out, cap, hex, n, NULL, len, NULL) == 0;
}

static char *trim(char *s)
{
    while (*s == ' ' || *s == '\t')
        s++;
    size_t n = strlen(s);
    while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\r'))
        s[--n] = '\0';
    return s;
}

/* Copies a value into a fixed field; false when it does not fit. */
static bool set_text(char *dst, size_t cap, const char *value)
{
    size_t n = strlen(value);
    if (n >= cap)
        return false;
    memcpy(dst, value, n + 1);
    return true;
}

/* Applies one "key = value" line. False with err filled. */
static bool apply_line(struct session_file *s, const char *key, const char *value, unsigned *seen,
                       const char *path, int line, char *err, size_t errlen)
{
    static const struct {
        const char *key;
        size_t offset, cap;
    } texts[] = {
        {"server", offsetof(struct session_file, server), sizeof(s->server)},
        {"user", offsetof(struct session_file, user), sizeof(s->user)},
        {"role", offsetof(struct session_file, role), sizeof(s->role)},
        {"district", offsetof(struct session_file, district), sizeof(s->district)},
        {"unit", offsetof(struct session_file, unit), sizeof(s->unit)},
    };
    for (size_t i = 0; i < sizeof(texts) / sizeof(texts[0]); i++) {
        if (strcmp(key, texts[i].key) != 0)
            continue;
        if (!set_text((char *)s + texts[i].offset, texts[i].cap, value))
            return failf(err, errlen, _("%s line %d: %s is longer than %zu bytes"), path, line, key,
                         texts[i].cap - 1);
        *seen |= 1u << i;
        return true;
    }
    if (strcmp(key, "token") == 0) {
        if (!parse_hex(value, s->token, sizeof(s->token), &s->token_len))
            return failf(err, errlen, _("%s line %d: token is not an even number of hex digits"), path,
                         line);
        *seen |= 1u << 5;
        return true;
    }
    if (strcmp(key, "expires_at_us") == 0) {
        char *end;
        errno = 0;
        long long v = strtoll(value, &end, 10);
        if (end == value || *end || errno)
            return failf(err, errlen, _("%s line %d: expires_at_us is not a whole number"), path,
                         line);
        s->expires_at_us = v;
        *seen |= 1u << 6;
        return true;
    }
    /* Unknown keys (from a newer yanxiu, or "expires" written for people) are skipped. */
    return true;
}

/* Reads at most MAX_FILE_BYTES of fd into a NUL-terminated malloc'd buffer. */
static char *read_all(int fd, const char *path, char *err, size_t errlen)
{
    char *buf = malloc(MAX_FILE_BYTES + 1);
    if (!buf) {
        failf(err, errlen, _("out of memory reading %s"), path);
        return NULL;
    }
    size_t len = 0;
    for (;;) {
        ssize_t r = read(fd, buf + len, MAX_FILE_BYTES + 1 - len);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0) {
            failf(err, errlen, _("cannot read %s: %s"), path, strerror(errno));
            break;
        }
        len += (size_t)r;
        if (r == 0 || len > MAX_FILE_BYTES)
            break;
    }
    if (err[0] == '\0' && len > MAX_FILE_BYTES)
        failf(err, errlen, _("%s is larger than %d bytes: not a session file"), path, MAX_FILE_BYTES);
    if (err[0]) {
        explicit_bzero(buf, MAX_FILE_BYTES + 1);
        free(buf);
        return NULL;
    }
    buf[len] = '\0';
    return buf;
}

static void check_private(int fd, const char *path, char *warn, size_t warnlen)
{
    struct stat st;
    if (fstat(fd, &st) != 0)
        return;
    if (st.st_uid != getuid())
        snprintf(warn, warnlen, _("%s belongs to another user (uid %u): it may not be your session"),
                 path, (unsigned)st.st_uid);
    else if (st.st_mode & 077)
        snprintf(warn, warnlen,
                 "%s can be read by others (mode %04o): its token may have leaked; run "
                 "chmod 600 %s, or log out and in again",
                 path, (unsigned)(st.st_mode & 07777), path);
}

enum session_file_status session_file_load(const char *path, struct session_file *s, char *warn,
                                           size_t warnlen, char *err, size_t errlen)
{
    memset(s, 0, sizeof(*s));
    warn[0] = '\0';
    err[0] = '\0';
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        if (errno == ENOENT)
            return SESSION_FILE_ABSENT;
        failf(err, errlen, _("cannot open %s: %s"), path, strerror(errno));
        return SESSION_FILE_BAD;
    }
    check_private(fd, path, warn, warnlen);
    char *buf = read_all(fd, path, err, errlen);
    close(fd);
    if (!buf)
        return SESSION_FILE_BAD;

    unsigned seen = 0;
    bool ok = true;
    int line = 0;
    char *save = NULL;
    /* strtok_r would merge empty lines and so miscount; walk line by line instead. */
    for (char *p = buf; ok && p && *p; p = save) {
        line++;
        char *nl = strchr(p, '\n');
        save = nl ? nl + 1 : NULL;
        if (nl)
            *nl = '\0';
        char *l = trim(p);
        if (*l == '\0' || *l == '#')
            continue;
        char *eq = strchr(l, '=');
        if (!eq) {
            ok = failf(err, errlen, _("%s line %d: expected key = value"), path, line);
            break;
        }
        *eq = '\0';
        ok = apply_line(s, trim(l), trim(eq + 1), &seen, path, line, err, errlen);
    }
    explicit_bzero(buf, MAX_FILE_BYTES + 1);
    free(buf);
    if (ok) {
        static const char *const required[] = {"server", "user",  "role",         NULL,
                                               NULL,     "token", "expires_at_us"};
        for (size_t i = 0; i < sizeof(required) / sizeof(required[0]); i++) {
            if (required[i] && !(seen & (1u << i))) {
                ok = failf(err, errlen, _("%s has no %s line"), path, required[i]);
                break;
            }
        }
    }
    if (!ok) {
        session_file_wipe(s);
        return SESSION_FILE_BAD;
    }
    return SESSION_FILE_LOADED;
}

/* --- writing ----------------------------------------------------------------- */

/* mkdir -p for the directories above path, each new one 0700. */
static bool make_parents(const char *path, char *err, size_t errlen)
{
    char dir[4096];
    if (snprintf(dir, sizeof(dir), "%s", path) >= (int)sizeof(dir))
        return failf(err, errlen, _("the path %s is too long"), path);
    char *slash = strrchr(dir, '/');
    if (!slash || slash == dir)
        return true;
    *slash = '\0';
    for (char *p = dir + 1;; p++) {
        bool end = *p == '\0';
        if (*p != '/' && !end)
            continue;
        *p = '\0';
        if (mkdir(dir, 0700) != 0 && errno != EEXIST)
            return failf(err, errlen, _("cannot create the directory %s: %s"), dir, strerror(errno));
        if (end)
            break;
        *p = '/';
    }
    /* Our own directory holds only secrets: keep it 0700 even if it was made looser. */
    struct stat st;
    if (stat(dir, &st) != 0)
        return failf(err, errlen, _("cannot use the directory %s: %s"), dir, strerror(errno));
    if (!S_ISDIR(st.st_mode))
        return failf(err, errlen, _("%s is not a directory"), dir);
    if (st.st_uid == getuid() && (st.st_mode & 077))
        (void)chmod(dir, 0700);
    return true;
}

static bool write_full(int fd, const char *data, size_t len)
{
    while (len > 0) {
        ssize_t w = write(fd, data, len);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return false;
        data += w;
        len -= (size_t)w;
    }
    return true;
}

/* The file's text; false when it does not fit (cannot happen with the field sizes). */
static bool format_file(const struct session_file *s, char *buf, size_t cap)
{
    char hex[2 * SESSION_TOKEN_MAX + 1];
    sodium_bin2hex(hex, sizeof(hex), s->token, s->token_len); /* lowercase */

    /* For people reading the file: the expiry in Asia/Shanghai (UTC+8, no DST). */
    char when[40] = "?";
    time_t t = (time_t)(s->expires_at_us / 1000000) + 8 * 3600;
    struct tm tm;
    if (gmtime_r(&t, &tm))
        strftime(when, sizeof(when), "%Y-%m-%d %H:%M:%S +08:00", &tm);

    int n = snprintf(buf, cap,
                     "# yanxiu session, written by `yanxiu login`; `yanxiu logout` ends it.\n"
                     "# The token below lets anyone act as %s: keep this file to yourself.\n"
                     "server = %s\n"
                     "user = %s\n"
                     "role = %s\n"
                     "district = %s\n"
                     "unit = %s\n"
                     "expires_at_us = %" PRId64 "\n"
                     "expires = %s\n"
                     "token = %s\n",
                     s->user, s->server, s->user, s->role, s->district, s->unit, s->expires_at_us,
                     when, hex);
    explicit_bzero(hex, sizeof(hex));
    return n > 0 && (size_t)n < cap;
}

bool session_file_save(const char *path, const struct session_file *s, char *err, size_t errlen)
{
    if (!make_parents(path, err, errlen))
        return false;
    char tmp[4200];
    if (snprintf(tmp, sizeof(tmp), "%s.XXXXXX", path) >= (int)sizeof(tmp))
        return failf(err, errlen, _("the path %s is too long"), path);
    char text[2048];
    if (!format_file(s, text, sizeof(text)))
        return failf(err, errlen, _("the session does not fit in %zu bytes"), sizeof(text));

    mode_t old_mask = umask(077);
    int fd = mkstemp(tmp);
    umask(old_mask);
    bool ok = fd >= 0;
    if (!ok)
        failf(err, errlen, _("cannot create a file next to %s: %s"), path, strerror(errno));
    if (ok && (fchmod(fd, 0600) != 0 || !write_full(fd, text, strlen(text)) || fsync(fd) != 0))
        ok = failf(err, errlen, _("cannot write %s: %s"), tmp, strerror(errno));
    explicit_bzero(text, sizeof(text));
    if (fd >= 0 && close(fd) != 0 && ok)
        ok = failf(err, errlen, _("cannot write %s: %s"), tmp, strerror(errno));
    if (ok && rename(tmp, path) != 0)
        ok = failf(err, errlen, _("cannot replace %s: %s"), path, strerror(errno));
    if (!ok && fd >= 0)
        (void)unlink(tmp);
    return ok;
}

bool session_file_remove(const char *path, char *err, size_t errlen)
{
    if (unlink(path) == 0 || errno == ENOENT)
        return true;
    return failf(err, errlen, _("cannot delete %s: %s"), path, strerror(errno));
}
