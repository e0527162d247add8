/*
 * outfile: where `-o FILE` writes, so that the CLI never replaces what FILE
 * points at. A regular file (new, or existing and to be replaced) is written
 * under a temporary name in its own directory and moved into place only once
 * complete; a FIFO or a character device (/dev/null, a terminal) is written
 * in place; a symbolic link is followed, the same rules applying to what it
 * points at (the link itself stays); "-" and the names of the process's own
 * descriptors (/dev/stdout, /dev/fd/N, /proc/self/fd/N) write to that
 * descriptor, where it stands (after what the shell put there before).
 */
#ifndef YANXIU_OUTFILE_H
#define YANXIU_OUTFILE_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <sys/types.h>

#include "yx_common.h"

/* Room for any message of this module (it may quote three paths). */
#define OUTFILE_ERR_MAX (3 * PATH_MAX + 256)

/* Symbolic links followed before giving up (the kernel's own limit). */
#define OUTFILE_MAX_LINKS 40

enum outfile_kind {
    OUTFILE_DESCRIPTOR, /* "-", /dev/stdout, /dev/fd/N: our open descriptor `fd`, in place */
    OUTFILE_NEW,        /* nothing at `path`: a file created there once complete */
    OUTFILE_EXISTING,   /* a regular file at `path`: replaced once complete (only if allowed) */
    OUTFILE_STREAM,     /* a FIFO or character device at `path`: written in place */
};

/* Where a name given with -o leads. */
struct outfile_target {
    enum outfile_kind kind;
    int fd;              /* OUTFILE_DESCRIPTOR; else -1 */
    char path[PATH_MAX]; /* the others: the name with every symbolic link followed */
    mode_t mode;         /* OUTFILE_EXISTING: the file's permission bits, which its
                            replacement keeps */
};

/*
 * Decides where `name` leads (nothing is created or opened). False, with a
 * message naming `name` in err (errlen bytes), when it is nothing to write
 * to: a directory, a socket, a block device, a loop of symbolic links, a
 * descriptor not open for writing, or a path that cannot be looked at.
 */
bool outfile_resolve(const char *name, struct outfile_target *t, char *err,
                     size_t errlen) YX_MUST_CHECK;

/* An output being written; between outfile_open* and outfile_commit or outfile_abort. */
struct outfile {
    const char *name; /* as given with -o ("-" for the standard output), for messages */
    struct outfile_target t;
    bool replace;       /* an existing regular file may be replaced (--force) */
    FILE *fp;           /* outfile_open: write here */
    int fd;             /* outfile_open_named on a descriptor or stream: where the scratch
                           file goes at commit; else -1 */
    char tmp[PATH_MAX]; /* the temporary file (or outfile_open_named's scratch file); "" */
    bool scratch;       /* tmp is a scratch file to copy into fd at commit */
};

/*
 * Opens `name` for writing through f->fp: a temporary file beside the
 * regular file it leads to (created with O_EXCL, mode 0666 less the umask, or
 * the mode of the file it replaces), the FIFO or device itself, or a
 * duplicate of the descriptor. An existing regular file is refused unless
 * `replace`. Opening a FIFO waits for its reader. While a temporary file
 * exists, SIGINT, SIGTERM, SIGHUP and SIGQUIT remove it before ending the
 * program. False with a message in err, and nothing left behind.
 */
bool outfile_open(struct outfile *f, const char *name, bool replace, char *err,
                  size_t errlen) YX_MUST_CHECK;

/*
 * Like outfile_open, for a writer that needs a file name (libxlsxwriter
 * writes a workbook to a name): f->fp is NULL, and the writer writes the
 * whole output to the file named f->tmp (replacing its contents): the
 * temporary file beside a regular file, or for a descriptor or stream
 * (then open in f->fd) a scratch file in $TMPDIR (or /tmp) that
 * outfile_commit copies into it.
 */
bool outfile_open_named(struct outfile *f, const char *name, bool replace, char *err,
                        size_t errlen) YX_MUST_CHECK;

/*
 * Ends the output once it is complete: flushes and checks every write,
 * syncs a temporary file to disk and moves it into place (a new file: only
 * if nothing appeared there meanwhile, unless `replace`), or copies the
 * scratch file. False with a message in err saying why and what became of
 * the target ("FILE is left as it was", "FILE was not created", "the output
 * is incomplete"). The outfile is closed and its temporary file gone either
 * way.
 */
bool outfile_commit(struct outfile *f, char *err, size_t errlen) YX_MUST_CHECK;

/*
 * Abandons the output (a writer failed): closes it, removes the temporary
 * file. With errnum (an errno value; 0: none), says in err that writing
 * failed, why, and what became of the target, as outfile_commit does.
 */
void outfile_abort(struct outfile *f, int errnum, char *err, size_t errlen);

/* Writes the message into err[errlen] (nothing when err is NULL or errlen 0): how outfile and
   the writers of -o FILE (xlsx.c) fill the err of their calls. */
void outfile_say(char *err, size_t errlen, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* True when the output went, or goes, to a file of its own (OUTFILE_NEW or _EXISTING),
   where "wrote FILE: ..." may be said; false for descriptors and streams. */
bool outfile_is_file(const struct outfile_target *t);

#endif
