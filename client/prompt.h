/*
 * prompt: asking a person on the terminal (/dev/tty, not stdin, which may be a
 * pipe), without echo for a password, and putting the terminal back even when a
 * signal ends the program meanwhile.
 */
#ifndef YANXIU_PROMPT_H
#define YANXIU_PROMPT_H

#include <stdbool.h>
#include <stddef.h>

enum prompt_result {
    PROMPT_OK,
    PROMPT_NO_TERMINAL, /* no /dev/tty to ask on */
    PROMPT_EMPTY,       /* end of input, or an empty line */
    PROMPT_TOO_LONG,    /* more than cap - 1 bytes */
};

/*
 * Shows `prompt` and reads one line (a trailing CR dropped) into buf, NUL-terminated,
 * without echo when `secret`. Reads byte by byte so that no copy of a password
 * stays in a stdio buffer; a line too long is wiped from buf. Installs handlers
 * for SIGINT, SIGTERM, SIGHUP and SIGQUIT while it waits, and restores the old ones.
 */
enum prompt_result prompt_line(const char *prompt, bool secret, char *buf, size_t cap);

#endif
