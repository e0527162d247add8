/*
 * text: UTF-8 checking, the byte order mark and GB18030 decoding for the files people
 * save (CSV, summaries, INI files). See text.h for the contract.
 */
#include "text.h"

#include <errno.h>
#include <fcntl.h>
#include <iconv.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

size_t text_utf8_invalid_at(const void *p, size_t len)
{
    const unsigned char *s = p;
    size_t i = 0;
    while (i < len) {
        unsigned c = s[i];
        if (c < 0x80) {
            i++;
            continue;
        }
        size_t more;
        unsigned lo = 0x80, hi = 0xBF;
        if (c >= 0xC2 && c <= 0xDF) {
            more = 1;
        } else if (c == 0xE0) {
            more = 2, lo = 0xA0;
        } else if ((c >= 0xE1 && c <= 0xEC) || c == 0xEE || c == 0xEF) {
            more = 2;
        } else if (c == 0xED) {
            more = 2, hi = 0x9F;
        } else if (c == 0xF0) {
            more = 3, lo = 0x90;
        } else if (c >= 0xF1 && c <= 0xF3) {
            more = 3;
        } else if (c == 0xF4) {
            more = 3, hi = 0x8F;
        } else {
            return i;
        }
        if (len - i - 1 < more || s[i + 1] < lo || s[i + 1] > hi)
            return i;
        for (size_t k = 2; k <= more; k++) {
            if ((s[i + k] & 0xC0) != 0x80)
                return i;
        }
        i += more + 1;
    }
    return len;
}

size_t text_utf8_prefix(const void *p, size_t len, size_t max)
{
    const unsigned char *s = p;
    if (len <= max)
        return len;
    while (max > 0 && (s[max] & 0xC0) == 0x80)
        max--;
    return max;
}

size_t text_bom_len(const void *s, size_t len)
{
    return len >= TEXT_BOM_LEN && memcmp(s, TEXT_BOM, TEXT_BOM_LEN) == 0 ? TEXT_BOM_LEN : 0;
}

int text_line_at(const void *p, size_t len, size_t off)
{
    const unsigned char *s = p;
    int line = 1;
    for (size_t i = 0; i < off && i < len; i++) {
        if (s[i] == '\n' || (s[i] == '\r' && (i + 1 >= len || s[i + 1] != '\n')))
            line++;
    }
    return line;
}

/* Fills err for the bytes at `off` (< len): "line L (byte OFF): 0x.. 0x.. is not WHAT". */
static void bad_bytes(struct text_error *err, const unsigned char *s, size_t len, size_t off,
                      const char *what)
{
    if (!err)
        return;
    err->offset = off;
    err->line = text_line_at(s, len, off);
    err->bytes[0] = '\0';
    size_t used = 0;
    for (size_t i = off; i < len && i < off + 4; i++)
        used += (size_t)snprintf(err->bytes + used, sizeof(err->bytes) - used, "%s0x%02X",
                                 i > off ? " " : "", s[i]);
    snprintf(err->message, sizeof(err->message), "line %d (byte %zu): %s is not %s", err->line, off,
             err->bytes, what);
}

/* Fills err for a failure that is not about a byte; errno stays as it is. */
static void not_bytes(struct text_error *err, const char *what)
{
    if (!err)
        return;
    int saved = errno;
    err->offset = SIZE_MAX;
    err->line = 0;
    err->bytes[0] = '\0';
    snprintf(err->message, sizeof(err->message), "%s: %s", what, strerror(saved));
    errno = saved;
}

bool text_utf8_check(const void *s, size_t len, struct text_error *err)
{
    size_t bad = text_utf8_invalid_at(s, len);
    if (bad == len)
        return true;
    bad_bytes(err, s, len, bad, "UTF-8");
    return false;
}

bool text_gb18030_to_utf8(const void *in, size_t len, char **out, size_t *out_len,
                          struct text_error *err)
{
    *out = NULL;
    *out_len = 0;
    if (len > TEXT_MAX_INPUT) {
        errno = EFBIG;
        not_bytes(err, "cannot convert from GB18030");
        return false;
    }
    iconv_t cd = iconv_open("UTF-8", "GB18030");
    if (cd == (iconv_t)-1) {
        not_bytes(err, "cannot convert from GB18030");
        return false;
    }
    /* Two GB18030 bytes make at most three of UTF-8, one or four at most as many. */
    size_t cap = len + len / 2 + 1;
    char *buf = malloc(cap);
    if (!buf) {
        iconv_close(cd);
        errno = ENOMEM;
        not_bytes(err, "cannot convert from GB18030");
        return false;
    }
    char *ip = (char *)(len ? in : "");
    size_t ileft = len;
    char *op = buf;
    size_t oleft = cap - 1;
    size_t rc = iconv(cd, &ip, &ileft, &op, &oleft);
    int saved = errno;
    iconv_close(cd);
    if (rc == (size_t)-1 || ileft != 0) {
        free(buf);
        if (rc != (size_t)-1 || saved == EILSEQ || saved == EINVAL) {
            bad_bytes(err, in, len, len - ileft, "GB18030");
            errno = EILSEQ;
        } else {
            errno = saved; /* E2BIG cannot happen with the buffer sized as above */
            not_bytes(err, "cannot convert from GB18030");
        }
        return false;
    }
    *op = '\0';
    *out = buf;
    *out_len = (size_t)(op - buf);
    return true;
}

bool text_read_file(const char *path, size_t max, uint8_t **data, size_t *len)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return false;
    struct stat st;
    bool ok = fstat(fd, &st) == 0;
    if (ok && (size_t)st.st_size > max) {
        *len = (size_t)st.st_size;
        errno = EFBIG;
        ok = false;
    }
    uint8_t *buf = ok ? malloc(st.st_size ? (size_t)st.st_size : 1) : NULL;
    size_t got = 0;
    ok = buf != NULL;
    while (ok && got < (size_t)st.st_size) {
        ssize_t n = read(fd, buf + got, (size_t)st.st_size - got);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0) {
            if (n == 0)
                errno = EIO; /* it shrank while being read */
            ok = false;
        } else {
            got += (size_t)n;
        }
    }
    int saved = errno;
    close(fd);
    errno = saved;
    if (!ok) {
        free(buf);
        return false;
    }
    *data = buf;
    *len = got;
    return true;
}
