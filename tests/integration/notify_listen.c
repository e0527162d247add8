/*
 * notify_listen: a stand-in for systemd's notification socket, for tests.
 * Binds a unix datagram socket at PATH and appends every field of every
 * message it receives ("READY=1", "STATUS=…", "WATCHDOG=1") to OUT as one
 * line "SECONDS FIELD", SECONDS since it started. Exits after MAX_SECONDS
 * or on SIGTERM/SIGINT, removing the socket.
 *
 *   notify_listen PATH OUT MAX_SECONDS
 */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
    (void)sig;
    stop = 1;
}

static double now_s(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
    if (argc != 4) {
        fprintf(stderr, "usage: notify_listen PATH OUT MAX_SECONDS\n");
        return 2;
    }
    const char *path = argv[1];
    double max_s = atof(argv[3]);
    struct sockaddr_un sa = {.sun_family = AF_UNIX};
    if (strlen(path) >= sizeof(sa.sun_path)) {
        fprintf(stderr, "notify_listen: socket path %s is too long\n", path);
        return 2;
    }
    strcpy(sa.sun_path, path);
    FILE *out = fopen(argv[2], "a");
    if (!out) {
        fprintf(stderr, "notify_listen: %s: %s\n", argv[2], strerror(errno));
        return 1;
    }
    int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (fd < 0 || bind(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0) {
        fprintf(stderr, "notify_listen: cannot bind %s: %s\n", path, strerror(errno));
        if (fd >= 0)
            close(fd);
        fclose(out);
        return 1;
    }
    struct sigaction act = {.sa_handler = on_signal};
    sigaction(SIGTERM, &act, NULL);
    sigaction(SIGINT, &act, NULL);

    double start = now_s();
    char buf[4097];
    while (!stop && now_s() - start < max_s) {
        struct pollfd p = {.fd = fd, .events = POLLIN};
        if (poll(&p, 1, 200) <= 0)
            continue;
        ssize_t n = recv(fd, buf, sizeof(buf) - 1, 0);
        if (n <= 0)
            continue;
        buf[n] = '\0';
        double at = now_s() - start;
        char *save = NULL;
        for (char *f = strtok_r(buf, "\n", &save); f; f = strtok_r(NULL, "\n", &save))
            fprintf(out, "%.3f %s\n", at, f);
        fflush(out);
    }
    close(fd);
    unlink(path);
    fclose(out);
    return 0;
}
