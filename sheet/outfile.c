/*
 * outfile: -o FILE written without ever replacing what FILE points at (see
 * outfile.h): the target is decided once by lstat and readlink, then a
 * regular file is written beside itself and renamed, anything else in place.
 */
#include "outfile.h"
#include "lang.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

void outfile_say(char *err, size_t errlen, const char *fmt, ...)
{
    if (!err || !errlen)
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, errlen, fmt, ap);
    va_end(ap);
}

/* --- where a name leads -------------------------------------------------------------------- */

/*
 * When path names one of this process's descriptors (its directory is
 * /proc/PID/fd, reached as /dev/fd, /proc/self/fd or /proc/thread-self/fd),
 * that descriptor; else -1.
 */
static int own_descriptor(const char *path)
{
    const char *slash = strrchr(path, '/');
    if (!slash || slash == path || !slash[1] ||
        strspn(slash + 1, "0123456789") != strlen(slash + 1))
        return -1;
    char dir[PATH_MAX], real[PATH_MAX];
    size_t n = (size_t)(slash - path);
    if (n >= sizeof(dir))
        return -1;
    memcpy(dir, path, n);
    dir[n] = '\0';
    if (!realpath(dir, real))
        return -1;
    char mine[64], thread[96];
    snprintf(mine, sizeof(mine), "/proc/%ld/fd", (long)getpid());
    snprintf(thread, sizeof(thread), "/proc/%ld/task/%ld/fd", (long)getpid(), (long)getpid());
    if (strcmp(real, mine) != 0 && strcmp(real, thread) != 0)
        return -1;
    long fd = strlen(slash + 1) <= 9 ? strtol(slash + 1, NULL, 10) : -1;
    return fd >= 0 && fd <= INT_MAX ? (int)fd : -1;
}

/* The target of the symbolic link at t->path, relative to the link's directory, into t->path. */
static bool follow_link(const char *name, struct outfile_target *t, char *err, size_t errlen)
{
    char target[PATH_MAX];
    ssize_t n = readlink(t->path, target, sizeof(target) - 1);
    if (n < 0) {
        outfile_say(err, errlen, _("-o %s: cannot read the symbolic link '%s': %s"), name, t->path,
                    strerror(errno));
        return false;
    }
    target[n] = '\0';
    const char *slash = strrchr(t->path, '/');
    size_t dirlen = target[0] == '/' || !slash ? 0 : (size_t)(slash - t->path) + 1;
    if (dirlen + (size_t)n >= sizeof(t->path)) {
        outfile_say(err, errlen, _("-o %s: the symbolic link '%s' leads to a name too long"), name,
                    t->path);
        return false;
    }
    memcpy(t->path + dirlen, target, (size_t)n + 1);
    return true;
}

bool outfile_resolve(const char *name, struct outfile_target *t, char *err, size_t errlen)
{
    memset(t, 0, sizeof(*t));
    t->fd = -1;
    if (strcmp(name, "-") == 0) {
        t->kind = OUTFILE_DESCRIPTOR;
        t->fd = STDOUT_FILENO;
    } else if (strlen(name) >= sizeof(t->path)) {
        outfile_say(err, errlen, _("-o %.64s...: the name is too long"), name);
        return false;
    } else {
        strcpy(t->path, name);
    }
    for (int links = 0; t->fd < 0; links++) {
        t->fd = own_descriptor(t->path);
        if (t->fd >= 0) {
            t->kind = OUTFILE_DESCRIPTOR;
            break;
        }
        struct stat st;
        if (lstat(t->path, &st) != 0) {
            if (errno == ENOENT) {
                t->kind = OUTFILE_NEW;
                return true;
            }
            outfile_say(err, errlen, _("-o %s: cannot look at '%s': %s"), name, t->path,
                        strerror(errno));
            return false;
        }
        if (S_ISLNK(st.st_mode)) {
            if (links >= OUTFILE_MAX_LINKS) {
                outfile_say(
                    err, errlen,
                    _("-o %s: more than %d symbolic links to follow (a loop?): point -o at a file"),
                    name, OUTFILE_MAX_LINKS);
                return false;
            }
            if (!follow_link(name, t, err, errlen))
                return false;
            continue;
        }
        if (S_ISREG(st.st_mode)) {
            t->kind = OUTFILE_EXISTING;
            t->mode = st.st_mode & 0777;
            return true;
        }
        if (S_ISCHR(st.st_mode) || S_ISFIFO(st.st_mode)) {
            t->kind = OUTFILE_STREAM;
            return true;
        }
        if (S_ISDIR(st.st_mode))
            outfile_say(err, errlen,
                        _("-o %s: '%s' is a directory: name a file in it (-o %s/FILE)"), name,
                        t->path, name);
        else if (S_ISBLK(st.st_mode))
            outfile_say(
                err, errlen,
                _("-o %s: '%s' is a block device (a disk): yanxiu does not write onto a disk; "
                  "name a file"),
                name, t->path);
        else
            outfile_say(
                err, errlen,
                _("-o %s: '%s' is a socket: yanxiu writes to a file, a FIFO or a character device "
                  "such as /dev/null"),
                name, t->path);
        return false;
    }
    int flags = fcntl(t->fd, F_GETFL);
    if (flags < 0 || (flags & O_ACCMODE) == O_RDONLY) {
        outfile_say(err, errlen, _("-o %s: descriptor %d is %s"), name, t->fd,
                    flags < 0 ? _("not open") : _("not open for writing"));
        return false;
    }
    return true;
}

bool outfile_is_file(const struct outfile_target *t)
{
    return t->kind == OUTFILE_NEW || t->kind == OUTFILE_EXISTING;
}

/* --- the temporary file, and signals that would leave it behind ---------------------------- */

/* The temporary file a signal handler removes ("" when none), and the actions it replaced. */
static char pending_tmp[PATH_MAX];
static volatile sig_atomic_t pending_armed;
static const int cleanup_signals[] = {SIGINT, SIGTERM, SIGHUP, SIGQUIT};
static struct sigaction saved_actions[sizeof(cleanup_signals) / sizeof(cleanup_signals[0])];
static bool saved_valid[sizeof(cleanup_signals) / sizeof(cleanup_signals[0])];

static void remove_and_die(int sig)
{
    if (pending_armed)
        (void)unlink(pending_tmp);
    signal(sig, SIG_DFL);
    raise(sig); /* delivered when this handler returns: the default action ends the program */
}

static void arm_cleanup(const char *tmp)
{
    snprintf(pending_tmp, sizeof(pending_tmp), "%s", tmp);
    pending_armed = 1;
    struct sigaction sa = {.sa_handler = remove_and_die};
    sigemptyset(&sa.sa_mask);
    for (size_t i = 0; i < sizeof(cleanup_signals) / sizeof(cleanup_signals[0]); i++) {
        struct sigaction old;
        saved_valid[i] = false;
        /* A signal the caller ignores (nohup) stays ignored. */
        if (sigaction(cleanup_signals[i], NULL, &old) != 0 || old.sa_handler == SIG_IGN)
            continue;
        saved_valid[i] = sigaction(cleanup_signals[i], &sa, &saved_actions[i]) == 0;
    }
}

static void disarm_cleanup(void)
{
    for (size_t i = 0; i < sizeof(cleanup_signals) / sizeof(cleanup_signals[0]); i++)
        if (saved_valid[i])
            (void)sigaction(cleanup_signals[i], &saved_actions[i], NULL);
    memset(saved_valid, 0, sizeof(saved_valid));
    pending_armed = 0;
    pending_tmp[0] = '\0';
}

/* Removes the temporary file (if any) and forgets it. */
static void drop_tmp(struct outfile *f)
{
    if (f->tmp[0])
        (void)unlink(f->tmp);
    f->tmp[0] = '\0';
    disarm_cleanup();
}

/* Creates f->tmp, a new file beside f->t.path (or in $TMPDIR for a scratch file); its fd. */
static int make_tmp(struct outfile *f, char *err, size_t errlen)
{
    char dir[PATH_MAX];
    if (f->scratch) {
        const char *tmpdir = getenv("TMPDIR");
        snprintf(dir, sizeof(dir), "%s", tmpdir && *tmpdir ? tmpdir : "/tmp");
    } else {
        const char *slash = strrchr(f->t.path, '/');
        if (!slash)
            snprintf(dir, sizeof(dir), ".");
        else if (slash == f->t.path)
            snprintf(dir, sizeof(dir), "/");
        else
            snprintf(dir, sizeof(dir), "%.*s", (int)(slash - f->t.path), f->t.path);
    }
    int n = f->scratch ? snprintf(f->tmp, sizeof(f->tmp), "%s/yanxiu-output.XXXXXX", dir)
                       : snprintf(f->tmp, sizeof(f->tmp), "%s.XXXXXX", f->t.path);
    if (n < 0 || (size_t)n >= sizeof(f->tmp)) {
        f->tmp[0] = '\0';
        outfile_say(err, errlen, _("cannot write %s: the name is too long"), f->name);
        return -1;
    }
    /* Block the cleanup signals until the handler knows the name mkstemp picks. */
    sigset_t block, old;
    sigemptyset(&block);
    for (size_t i = 0; i < sizeof(cleanup_signals) / sizeof(cleanup_signals[0]); i++)
        sigaddset(&block, cleanup_signals[i]);
    sigprocmask(SIG_BLOCK, &block, &old);
    int fd = mkostemp(f->tmp, O_CLOEXEC); /* O_EXCL, mode 0600 */
    int saved = errno;
    if (fd >= 0)
        arm_cleanup(f->tmp);
    sigprocmask(SIG_SETMASK, &old, NULL);
    if (fd < 0) {
        f->tmp[0] = '\0';
        outfile_say(err, errlen, _("cannot write %s: cannot create a file in '%s': %s"), f->name,
                    dir, strerror(saved));
        return -1;
    }
    /* A report is not a secret: the mode a new file would get, or the replaced file's. */
    mode_t mode = f->t.kind == OUTFILE_EXISTING ? f->t.mode : 0666;
    if (f->t.kind != OUTFILE_EXISTING) {
        mode_t mask = umask(0);
        umask(mask);
        mode &= ~mask;
    }
    if (!f->scratch && fchmod(fd, mode) != 0) {
        outfile_say(err, errlen, _("cannot write %s: cannot set the mode of '%s': %s"), f->name,
                    f->tmp, strerror(errno));
        close(fd);
        drop_tmp(f);
        return -1;
    }
    return fd;
}

/* --- opening ----------------------------------------------------------------------------- */

/* The name of the output in messages. */
static const char *shown(const struct outfile *f)
{
    return strcmp(f->name, "-") == 0 ? _("the standard output") : f->name;
}

/* Opens the descriptor or stream f->t leads to (a duplicate of the descriptor). -1 after
   saying why. */
static int open_in_place(struct outfile *f, char *err, size_t errlen)
{
    if (f->t.kind == OUTFILE_DESCRIPTOR) {
        if (f->t.fd == STDOUT_FILENO)
            fflush(stdout); /* what was printed before goes first */
        int fd = fcntl(f->t.fd, F_DUPFD_CLOEXEC, 3);
        if (fd < 0)
            outfile_say(err, errlen, _("cannot write %s: %s"), shown(f), strerror(errno));
        return fd;
    }
    int fd = open(f->t.path, O_WRONLY | O_NOCTTY | O_CLOEXEC);
    if (fd < 0) {
        outfile_say(err, errlen, _("cannot open %s: %s"), f->name, strerror(errno));
        return -1;
    }
    struct stat st;
    if (fstat(fd, &st) != 0 || !(S_ISCHR(st.st_mode) || S_ISFIFO(st.st_mode))) {
        outfile_say(err, errlen,
                    _("%s changed meanwhile ('%s' is no longer a FIFO or device): not written"),
                    f->name, f->t.path);
        close(fd);
        return -1;
    }
    return fd;
}

/* What outfile_open and outfile_open_named share: resolve, refuse a file not to replace. */
static bool start(struct outfile *f, const char *name, bool replace, char *err, size_t errlen)
{
    *f = (struct outfile){.name = name, .replace = replace, .fd = -1};
    if (!outfile_resolve(name, &f->t, err, errlen))
        return false;
    if (f->t.kind == OUTFILE_EXISTING && !replace) {
        outfile_say(
            err, errlen,
            _("%s already exists and is not replaced: choose another name, or give --force to "
              "replace it"),
            name);
        return false;
    }
    return true;
}

bool outfile_open(struct outfile *f, const char *name, bool replace, char *err, size_t errlen)
{
    if (!start(f, name, replace, err, errlen))
        return false;
    int fd = outfile_is_file(&f->t) ? make_tmp(f, err, errlen) : open_in_place(f, err, errlen);
    if (fd < 0)
        return false;
    f->fp = fdopen(fd, "w");
    if (!f->fp) {
        outfile_say(err, errlen, _("cannot write %s: %s"), shown(f), strerror(errno));
        close(fd);
        drop_tmp(f);
        return false;
    }
    return true;
}

bool outfile_open_named(struct outfile *f, const char *name, bool replace, char *err, size_t errlen)
{
    if (!start(f, name, replace, err, errlen))
        return false;
    if (!outfile_is_file(&f->t)) {
        f->fd = open_in_place(f, err, errlen);
        if (f->fd < 0)
            return false;
        f->scratch = true;
    }
    int fd = make_tmp(f, err, errlen);
    if (fd < 0) {
        if (f->fd >= 0)
            close(f->fd);
        f->fd = -1;
        return false;
    }
    close(fd);
    return true;
}

/* --- ending ------------------------------------------------------------------------------- */

/* What became of the target when writing failed. */
static const char *aftermath(const struct outfile *f)
{
    static char buf[PATH_MAX + 32];
    if (f->t.kind == OUTFILE_EXISTING)
        snprintf(buf, sizeof(buf), _("%s is left as it was"), f->name);
    else if (f->t.kind == OUTFILE_NEW)
        snprintf(buf, sizeof(buf), _("%s was not created"), f->name);
    else
        snprintf(buf, sizeof(buf), _("the output is incomplete"));
    return buf;
}

/* write(2) all of buf to fd. False with errno. */
static bool write_all(int fd, const char *buf, size_t len)
{
    while (len > 0) {
        ssize_t n = write(fd, buf, len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0) {
            if (n == 0)
                errno = EIO;
            return false;
        }
        buf += n;
        len -= (size_t)n;
    }
    return true;
}

/* Copies the scratch file into f->fd and closes it. False with errno. */
static bool copy_scratch(struct outfile *f)
{
    int in = open(f->tmp, O_RDONLY | O_CLOEXEC);
    if (in < 0)
        return false;
    char buf[65536];
    bool ok = true;
    for (;;) {
        ssize_t n = read(in, buf, sizeof(buf));
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0) {
            ok = n == 0;
            break;
        }
        if (!(ok = write_all(f->fd, buf, (size_t)n)))
            break;
    }
    int saved = errno;
    close(in);
    errno = saved;
    return ok;
}

/* Moves the complete temporary file into place. False with a message. */
static bool publish(struct outfile *f, char *err, size_t errlen)
{
    struct stat st;
    bool there = lstat(f->t.path, &st) == 0;
    if (there && !S_ISREG(st.st_mode)) {
        outfile_say(
            err, errlen,
            _("%s changed meanwhile ('%s' is no longer a regular file) and is not replaced"),
            f->name, f->t.path);
        return false;
    }
    if (f->replace) {
        if (rename(f->tmp, f->t.path) == 0) {
            f->tmp[0] = '\0';
            return true;
        }
    } else if (link(f->tmp, f->t.path) == 0) {
        return true; /* drop_tmp removes the temporary name */
    } else if (errno == EEXIST) {
        outfile_say(err, errlen,
                    _("%s appeared meanwhile and is not replaced (give --force to replace it)"),
                    f->name);
        return false;
    } else if (!there && lstat(f->t.path, &st) != 0 && errno == ENOENT &&
               rename(f->tmp, f->t.path) == 0) {
        f->tmp[0] = '\0';
        return true; /* a file system without hard links */
    }
    outfile_say(err, errlen, _("cannot write %s: %s; %s"), f->name, strerror(errno), aftermath(f));
    return false;
}

bool outfile_commit(struct outfile *f, char *err, size_t errlen)
{
    bool ok = true;
    int saved = 0;
    if (f->fp) {
        if (fflush(f->fp) != 0 || ferror(f->fp))
            ok = false, saved = errno ? errno : EIO;
        /* A regular file is on disk before it takes the target's name. */
        if (ok && outfile_is_file(&f->t) && fsync(fileno(f->fp)) != 0)
            ok = false, saved = errno;
        if (fclose(f->fp) != 0 && ok)
            ok = false, saved = errno;
        f->fp = NULL;
    } else if (f->scratch) {
        if (!copy_scratch(f))
            ok = false, saved = errno;
        if (close(f->fd) != 0 && ok)
            ok = false, saved = errno;
        f->fd = -1;
    } else if (f->tmp[0]) {
        int fd = open(f->tmp, O_RDONLY | O_CLOEXEC);
        if (fd < 0 || fsync(fd) != 0)
            ok = false, saved = errno;
        if (fd >= 0)
            close(fd);
    }
    if (!ok)
        outfile_say(err, errlen, _("cannot write %s: %s; %s"), shown(f), strerror(saved),
                    aftermath(f));
    else if (outfile_is_file(&f->t))
        ok = publish(f, err, errlen);
    drop_tmp(f);
    return ok;
}

void outfile_abort(struct outfile *f, int errnum, char *err, size_t errlen)
{
    if (errnum)
        outfile_say(err, errlen, _("cannot write %s: %s; %s"), shown(f), strerror(errnum),
                    aftermath(f));
    if (f->fp)
        fclose(f->fp);
    f->fp = NULL;
    if (f->fd >= 0)
        close(f->fd);
    f->fd = -1;
    drop_tmp(f);
}
