/*
 * prompt: one line from the terminal, without echo for secrets (see prompt.h).
 */
#include "prompt.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

/* The terminal's settings while echo is off, for the signal handler to put back. */
static int prompt_fd = -1;
static struct termios prompt_saved;
static volatile sig_atomic_t prompt_echo_off;

static void prompt_restore_and_die(int sig)
{
    if (prompt_echo_off)
        (void)tcsetattr(prompt_fd, TCSAFLUSH, &prompt_saved);
    ssize_t ignored = write(prompt_fd, "\n", 1); /* end the prompt's line; dying anyway */
    (void)ignored;
    signal(sig, SIG_DFL);
    raise(sig);
}

/* Shows text on the terminal; a failure only means the prompt is not seen. */
static void tty_write(int fd, const char *text)
{
    size_t len = strlen(text);
    while (len > 0) {
        ssize_t w = write(fd, text, len);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return;
        text += w;
        len -= (size_t)w;
    }
}

/*
 * Asks on the terminal (not stdin, which may be a pipe) and reads one line
 * into buf, without echo when `secret`. The terminal is put back also when
 * a signal ends the program meanwhile. Reads byte by byte so that no copy
 * of a password stays in a stdio buffer.
 */
enum prompt_result prompt_line(const char *prompt, bool secret, char *buf, size_t cap)
{
    int fd = open("/dev/tty", O_RDWR | O_CLOEXEC | O_NOCTTY);
    if (fd < 0)
        return PROMPT_NO_TERMINAL;
    prompt_fd = fd;
    struct sigaction sa = {.sa_handler = prompt_restore_and_die}, old[4];
    static const int sigs[] = {SIGINT, SIGTERM, SIGHUP, SIGQUIT};
    sigemptyset(&sa.sa_mask);
    for (size_t i = 0; i < 4; i++)
        sigaction(sigs[i], &sa, &old[i]);
    if (secret && tcgetattr(fd, &prompt_saved) == 0) {
        struct termios quiet = prompt_saved;
        quiet.c_lflag &= ~(tcflag_t)ECHO;
        quiet.c_lflag |= ECHONL;
        prompt_echo_off = tcsetattr(fd, TCSAFLUSH, &quiet) == 0;
    }
    tty_write(fd, prompt);

    size_t len = 0;
    bool too_long = false;
    for (;;) {
        char ch;
        ssize_t r = read(fd, &ch, 1);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0 || ch == '\n')
            break;
        if (len + 1 < cap)
            buf[len++] = ch;
        else
            too_long = true;
    }
    if (len > 0 && buf[len - 1] == '\r')
        len--;
    buf[len] = '\0';

    if (prompt_echo_off) {
        (void)tcsetattr(fd, TCSAFLUSH, &prompt_saved);
        prompt_echo_off = 0;
    }
    for (size_t i = 0; i < 4; i++)
        sigaction(sigs[i], &old[i], NULL);
    prompt_fd = -1;
    close(fd);
    if (too_long) {
        explicit_bzero(buf, cap);
        return PROMPT_TOO_LONG;
    }
    return len == 0 ? PROMPT_EMPTY : PROMPT_OK;
}
