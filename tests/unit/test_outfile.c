/*
 * Unit tests of sheet/outfile.c: where -o FILE leads (descriptors, devices,
 * FIFOs, symbolic links followed, what is refused) and how it is written: a
 * regular file through a temporary file that never survives a failure or a
 * signal, a device in place, a write error reported with what became of the
 * target. Everything is written inside a temporary directory of the test's own;
 * /dev/full is written only once outfile_resolve has said it is a device.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "lang.h"
#include "outfile.h"

struct dir {
    char path[64];
    char err[2 * PATH_MAX + 200];
};

static int setup(void **state)
{
    struct dir *d = calloc(1, sizeof(*d));
    assert_non_null(d);
    snprintf(d->path, sizeof(d->path), "/tmp/yx-outfile.XXXXXX");
    assert_non_null(mkdtemp(d->path));
    *state = d;
    return 0;
}

static int teardown(void **state)
{
    struct dir *d = *state;
    DIR *dir = opendir(d->path);
    assert_non_null(dir);
    const struct dirent *e;
    char p[PATH_MAX];
    while ((e = readdir(dir))) {
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
            continue;
        snprintf(p, sizeof(p), "%s/%s", d->path, e->d_name);
        unlink(p);
    }
    closedir(dir);
    assert_int_equal(rmdir(d->path), 0);
    free(d);
    return 0;
}

/* d->path/name, in a static buffer (one of four, so a call may take two). */
static const char *in(const struct dir *d, const char *name)
{
    static char buf[4][PATH_MAX];
    static int i;
    i = (i + 1) % 4;
    snprintf(buf[i], sizeof(buf[i]), "%s/%s", d->path, name);
    return buf[i];
}

static void put(const char *path, const char *text)
{
    FILE *fp = fopen(path, "w");
    assert_non_null(fp);
    fputs(text, fp);
    assert_int_equal(fclose(fp), 0);
}

/* The contents of path (static buffer). */
static const char *contents(const char *path)
{
    static char buf[4096];
    FILE *fp = fopen(path, "r");
    assert_non_null(fp);
    size_t n = fread(buf, 1, sizeof(buf) - 1, fp);
    buf[n] = '\0';
    fclose(fp);
    return buf;
}

/* How many entries the test's directory holds. */
static int entries(const struct dir *d)
{
    DIR *dir = opendir(d->path);
    assert_non_null(dir);
    int n = 0;
    const struct dirent *e;
    while ((e = readdir(dir)))
        n += strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0;
    closedir(dir);
    return n;
}

static void resolves(const char *name, enum outfile_kind kind, struct outfile_target *t)
{
    char err[PATH_MAX + 200] = "";
    if (!outfile_resolve(name, t, err, sizeof(err)))
        fail_msg("%s: %s", name, err);
    assert_int_equal(t->kind, kind);
}

/* --- where a name leads --------------------------------------------------------------------- */

static void dash_and_descriptor_names_are_our_descriptors(void **state)
{
    (void)state;
    struct outfile_target t;
    resolves("-", OUTFILE_DESCRIPTOR, &t);
    assert_int_equal(t.fd, 1);
    resolves("/dev/stdout", OUTFILE_DESCRIPTOR, &t);
    assert_int_equal(t.fd, 1);
    resolves("/dev/stderr", OUTFILE_DESCRIPTOR, &t);
    assert_int_equal(t.fd, 2);
    resolves("/dev/fd/1", OUTFILE_DESCRIPTOR, &t);
    assert_int_equal(t.fd, 1);
    resolves("/proc/self/fd/2", OUTFILE_DESCRIPTOR, &t);
    assert_int_equal(t.fd, 2);
}

static void descriptor_not_open_for_writing_is_refused(void **state)
{
    struct dir *d = *state;
    put(in(d, "r"), "x");
    int fd = open(in(d, "r"), O_RDONLY);
    assert_true(fd >= 0);
    char name[64];
    snprintf(name, sizeof(name), "/dev/fd/%d", fd);
    struct outfile_target t;
    assert_false(outfile_resolve(name, &t, d->err, sizeof(d->err)));
    char want[128];
    snprintf(want, sizeof(want), "-o %s: descriptor %d is not open for writing", name, fd);
    assert_string_equal(d->err, want);
    close(fd);
}

static void devices_and_fifos_are_streams(void **state)
{
    struct dir *d = *state;
    struct outfile_target t;
    resolves("/dev/null", OUTFILE_STREAM, &t);
    assert_string_equal(t.path, "/dev/null");
    assert_int_equal(mkfifo(in(d, "fifo"), 0600), 0);
    resolves(in(d, "fifo"), OUTFILE_STREAM, &t);
}

static void absent_is_new_and_regular_is_existing_with_its_mode(void **state)
{
    struct dir *d = *state;
    struct outfile_target t;
    resolves(in(d, "new.csv"), OUTFILE_NEW, &t);
    assert_string_equal(t.path, in(d, "new.csv"));
    put(in(d, "old.csv"), "old");
    assert_int_equal(chmod(in(d, "old.csv"), 0604), 0);
    resolves(in(d, "old.csv"), OUTFILE_EXISTING, &t);
    assert_int_equal(t.mode, 0604);
}

static void symbolic_links_are_followed_relative_to_their_directory(void **state)
{
    struct dir *d = *state;
    struct outfile_target t;
    put(in(d, "c.csv"), "c");
    /* a.csv -> b.csv -> ./c.csv, both relative to the test's directory */
    assert_int_equal(symlink("b.csv", in(d, "a.csv")), 0);
    assert_int_equal(symlink("./c.csv", in(d, "b.csv")), 0);
    resolves(in(d, "a.csv"), OUTFILE_EXISTING, &t);
    assert_string_equal(t.path, in(d, "./c.csv"));
    /* dangling: the file it would point at is new */
    assert_int_equal(symlink("later.csv", in(d, "dangling.csv")), 0);
    resolves(in(d, "dangling.csv"), OUTFILE_NEW, &t);
    assert_string_equal(t.path, in(d, "later.csv"));
    /* absolute, to a device */
    assert_int_equal(symlink("/dev/null", in(d, "null")), 0);
    resolves(in(d, "null"), OUTFILE_STREAM, &t);
    assert_string_equal(t.path, "/dev/null");
}

static void a_loop_of_links_is_refused(void **state)
{
    struct dir *d = *state;
    assert_int_equal(symlink("loop2", in(d, "loop1")), 0);
    assert_int_equal(symlink("loop1", in(d, "loop2")), 0);
    struct outfile_target t;
    assert_false(outfile_resolve(in(d, "loop1"), &t, d->err, sizeof(d->err)));
    char want[PATH_MAX];
    snprintf(want, sizeof(want),
             "-o %s: more than 40 symbolic links to follow (a loop?): point -o at a file",
             in(d, "loop1"));
    assert_string_equal(d->err, want);
}

static void directories_and_sockets_are_refused(void **state)
{
    struct dir *d = *state;
    struct outfile_target t;
    char want[PATH_MAX * 3];
    assert_false(outfile_resolve(d->path, &t, d->err, sizeof(d->err)));
    snprintf(want, sizeof(want), "-o %s: '%s' is a directory: name a file in it (-o %s/FILE)",
             d->path, d->path, d->path);
    assert_string_equal(d->err, want);

    int s = socket(AF_UNIX, SOCK_STREAM, 0);
    assert_true(s >= 0);
    struct sockaddr_un a = {.sun_family = AF_UNIX};
    snprintf(a.sun_path, sizeof(a.sun_path), "%s", in(d, "sock"));
    assert_int_equal(bind(s, (struct sockaddr *)&a, sizeof(a)), 0);
    assert_false(outfile_resolve(in(d, "sock"), &t, d->err, sizeof(d->err)));
    snprintf(want, sizeof(want),
             "-o %s: '%s' is a socket: yanxiu writes to a file, a FIFO or a character device "
             "such as /dev/null",
             in(d, "sock"), in(d, "sock"));
    assert_string_equal(d->err, want);
    close(s);
}

/* --- writing ------------------------------------------------------------------------------- */

static void new_file_appears_complete_with_the_umask_mode(void **state)
{
    struct dir *d = *state;
    mode_t old = umask(027);
    struct outfile f;
    assert_true(outfile_open(&f, in(d, "new.csv"), false, d->err, sizeof(d->err)));
    umask(old);
    fputs("a,b\n", f.fp);
    /* meanwhile only the temporary file exists */
    assert_int_equal(access(in(d, "new.csv"), F_OK), -1);
    assert_int_equal(entries(d), 1);
    assert_true(outfile_commit(&f, d->err, sizeof(d->err)));
    assert_string_equal(contents(in(d, "new.csv")), "a,b\n");
    struct stat st;
    assert_int_equal(stat(in(d, "new.csv"), &st), 0);
    assert_int_equal(st.st_mode & 0777, 0640);
    assert_int_equal(entries(d), 1);
}

static void existing_file_is_refused_without_replace(void **state)
{
    struct dir *d = *state;
    put(in(d, "old.csv"), "old");
    struct outfile f;
    assert_false(outfile_open(&f, in(d, "old.csv"), false, d->err, sizeof(d->err)));
    char want[PATH_MAX + 200];
    snprintf(want, sizeof(want),
             "%s already exists and is not replaced: choose another name, or give --force to "
             "replace it",
             in(d, "old.csv"));
    assert_string_equal(d->err, want);
    assert_string_equal(contents(in(d, "old.csv")), "old");
    assert_int_equal(entries(d), 1);
}

static void replacing_goes_through_the_link_and_keeps_the_mode(void **state)
{
    struct dir *d = *state;
    put(in(d, "target.csv"), "old");
    assert_int_equal(chmod(in(d, "target.csv"), 0600), 0);
    assert_int_equal(symlink("target.csv", in(d, "link.csv")), 0);
    struct outfile f;
    assert_true(outfile_open(&f, in(d, "link.csv"), true, d->err, sizeof(d->err)));
    fputs("new\n", f.fp);
    assert_true(outfile_commit(&f, d->err, sizeof(d->err)));
    struct stat st;
    assert_int_equal(lstat(in(d, "link.csv"), &st), 0);
    assert_true(S_ISLNK(st.st_mode));
    assert_string_equal(contents(in(d, "target.csv")), "new\n");
    assert_int_equal(stat(in(d, "target.csv"), &st), 0);
    assert_int_equal(st.st_mode & 0777, 0600);
    assert_int_equal(entries(d), 2);
}

static void abort_leaves_the_file_as_it_was(void **state)
{
    struct dir *d = *state;
    put(in(d, "old.csv"), "old");
    struct outfile f;
    assert_true(outfile_open(&f, in(d, "old.csv"), true, d->err, sizeof(d->err)));
    fputs("half", f.fp);
    outfile_abort(&f, ENOSPC, d->err, sizeof(d->err));
    char want[PATH_MAX + 200];
    snprintf(want, sizeof(want), "cannot write %s: No space left on device; %s is left as it was",
             in(d, "old.csv"), in(d, "old.csv"));
    assert_string_equal(d->err, want);
    assert_string_equal(contents(in(d, "old.csv")), "old");
    assert_int_equal(entries(d), 1);
}

static void a_file_appearing_meanwhile_is_not_replaced(void **state)
{
    struct dir *d = *state;
    struct outfile f;
    assert_true(outfile_open(&f, in(d, "race.csv"), false, d->err, sizeof(d->err)));
    fputs("mine\n", f.fp);
    put(in(d, "race.csv"), "theirs");
    assert_false(outfile_commit(&f, d->err, sizeof(d->err)));
    char want[PATH_MAX + 200];
    snprintf(want, sizeof(want),
             "%s appeared meanwhile and is not replaced (give --force to replace it)",
             in(d, "race.csv"));
    assert_string_equal(d->err, want);
    assert_string_equal(contents(in(d, "race.csv")), "theirs");
    assert_int_equal(entries(d), 1);
}

static void a_file_turned_into_a_fifo_meanwhile_is_not_replaced(void **state)
{
    struct dir *d = *state;
    put(in(d, "x.csv"), "old");
    struct outfile f;
    assert_true(outfile_open(&f, in(d, "x.csv"), true, d->err, sizeof(d->err)));
    fputs("new\n", f.fp);
    assert_int_equal(unlink(in(d, "x.csv")), 0);
    assert_int_equal(mkfifo(in(d, "x.csv"), 0600), 0);
    assert_false(outfile_commit(&f, d->err, sizeof(d->err)));
    char want[PATH_MAX * 2 + 200];
    snprintf(want, sizeof(want),
             "%s changed meanwhile ('%s' is no longer a regular file) and is not replaced",
             in(d, "x.csv"), in(d, "x.csv"));
    assert_string_equal(d->err, want);
    struct stat st;
    assert_int_equal(lstat(in(d, "x.csv"), &st), 0);
    assert_true(S_ISFIFO(st.st_mode));
    assert_int_equal(entries(d), 1);
}

static void a_full_device_is_a_clear_error(void **state)
{
    struct dir *d = *state;
    struct outfile_target t;
    resolves("/dev/full", OUTFILE_STREAM, &t); /* never anything but written in place */
    struct outfile f;
    assert_true(outfile_open(&f, "/dev/full", true, d->err, sizeof(d->err)));
    assert_string_equal(f.tmp, "");
    fputs("a,b\n", f.fp);
    assert_false(outfile_commit(&f, d->err, sizeof(d->err)));
    assert_string_equal(
        d->err, "cannot write /dev/full: No space left on device; the output is incomplete");

    /* the same through a scratch file (a workbook) */
    char tmpdir[PATH_MAX];
    snprintf(tmpdir, sizeof(tmpdir), "%s", d->path);
    setenv("TMPDIR", tmpdir, 1);
    assert_true(outfile_open_named(&f, "/dev/full", false, d->err, sizeof(d->err)));
    assert_true(f.scratch);
    assert_int_equal(entries(d), 1);
    put(f.tmp, "PK...");
    assert_false(outfile_commit(&f, d->err, sizeof(d->err)));
    unsetenv("TMPDIR");
    assert_string_equal(
        d->err, "cannot write /dev/full: No space left on device; the output is incomplete");
    assert_int_equal(entries(d), 0);
}

static void a_named_write_to_a_new_file_is_moved_into_place(void **state)
{
    struct dir *d = *state;
    struct outfile f;
    assert_true(outfile_open_named(&f, in(d, "book.xlsx"), false, d->err, sizeof(d->err)));
    assert_null(f.fp);
    assert_false(f.scratch);
    assert_int_equal(strncmp(f.tmp, in(d, "book.xlsx."), strlen(in(d, "book.xlsx."))), 0);
    put(f.tmp, "PK");
    assert_true(outfile_commit(&f, d->err, sizeof(d->err)));
    assert_string_equal(contents(in(d, "book.xlsx")), "PK");
    assert_int_equal(entries(d), 1);
}

static void a_signal_removes_the_temporary_file(void **state)
{
    struct dir *d = *state;
    int p[2];
    assert_int_equal(pipe(p), 0);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        struct outfile f;
        if (!outfile_open(&f, in(d, "sig.csv"), false, d->err, sizeof(d->err)))
            _exit(3);
        fputs("partial", f.fp);
        fflush(f.fp);
        if (write(p[1], f.tmp, strlen(f.tmp) + 1) < 0)
            _exit(4);
        for (;;)
            pause();
    }
    close(p[1]);
    char tmp[PATH_MAX] = "";
    ssize_t n = read(p[0], tmp, sizeof(tmp) - 1);
    close(p[0]);
    assert_true(n > 0);
    assert_int_equal(access(tmp, F_OK), 0);
    assert_int_equal(kill(pid, SIGTERM), 0);
    int status;
    assert_int_equal(waitpid(pid, &status, 0), pid);
    assert_true(WIFSIGNALED(status));
    assert_int_equal(WTERMSIG(status), SIGTERM);
    assert_int_equal(access(tmp, F_OK), -1);
    assert_int_equal(entries(d), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(dash_and_descriptor_names_are_our_descriptors),
        cmocka_unit_test_setup_teardown(descriptor_not_open_for_writing_is_refused, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(devices_and_fifos_are_streams, setup, teardown),
        cmocka_unit_test_setup_teardown(absent_is_new_and_regular_is_existing_with_its_mode, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(symbolic_links_are_followed_relative_to_their_directory,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(a_loop_of_links_is_refused, setup, teardown),
        cmocka_unit_test_setup_teardown(directories_and_sockets_are_refused, setup, teardown),
        cmocka_unit_test_setup_teardown(new_file_appears_complete_with_the_umask_mode, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(existing_file_is_refused_without_replace, setup, teardown),
        cmocka_unit_test_setup_teardown(replacing_goes_through_the_link_and_keeps_the_mode, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(abort_leaves_the_file_as_it_was, setup, teardown),
        cmocka_unit_test_setup_teardown(a_file_appearing_meanwhile_is_not_replaced, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(a_file_turned_into_a_fifo_meanwhile_is_not_replaced, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(a_full_device_is_a_clear_error, setup, teardown),
        cmocka_unit_test_setup_teardown(a_named_write_to_a_new_file_is_moved_into_place, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(a_signal_removes_the_temporary_file, setup, teardown),
    };
    /* The messages these tests read are the English ones. */
    if (!msg_init())
        return 1;
    lang_set(MSG_EN);
    return cmocka_run_group_tests(tests, NULL, NULL);
}
