/*
 * fuzz: what every fuzz target shares. A target defines
 * LLVMFuzzerTestOneInput (libFuzzer's entry point); it is linked either with
 * libFuzzer (YANXIU_FUZZ=ON, clang) or with replay.c, which feeds it the
 * committed corpus in ./tests/run. A broken property aborts with a message,
 * so that both libFuzzer and the replay report it as a crash.
 */
#ifndef YANXIU_FUZZ_H
#define YANXIU_FUZZ_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Aborts with `what` when `cond` does not hold (a property of our code broke). */
#define FUZZ_CHECK(cond, what)                                                                     \
    do {                                                                                           \
        if (!(cond)) {                                                                             \
            fprintf(stderr, "%s:%d: fuzz property broken: %s (%s)\n", __FILE__, __LINE__, what,    \
                    #cond);                                                                        \
            abort();                                                                               \
        }                                                                                          \
    } while (0)

/* Strict UTF-8 (RFC 3629: no overlong forms, surrogates or code points past
 * U+10FFFF) of `len` bytes: what a browser's protobuf decoder demands of
 * every string field, and what a person's terminal shows. */
static inline bool fuzz_utf8_ok(const char *s, size_t len)
{
    const unsigned char *p = (const unsigned char *)s, *end = p + len;
    while (p < end) {
        unsigned c = *p;
        size_t extra;
        unsigned cp, min;
        if (c < 0x80) {
            p++;
            continue;
        } else if ((c & 0xe0) == 0xc0) {
            extra = 1, cp = c & 0x1f, min = 0x80;
        } else if ((c & 0xf0) == 0xe0) {
            extra = 2, cp = c & 0x0f, min = 0x800;
        } else if ((c & 0xf8) == 0xf0) {
            extra = 3, cp = c & 0x07, min = 0x10000;
        } else {
            return false;
        }
        if ((size_t)(end - p) <= extra)
            return false;
        for (size_t i = 1; i <= extra; i++) {
            if ((p[i] & 0xc0) != 0x80)
                return false;
            cp = (cp << 6) | (p[i] & 0x3f);
        }
        if (cp < min || (cp >= 0xd800 && cp <= 0xdfff) || cp > 0x10ffff)
            return false;
        p += 1 + extra;
    }
    return true;
}

#endif
