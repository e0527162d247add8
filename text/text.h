/*
 * text: the bytes of a file a person saved, made UTF-8 text: the strict UTF-8 check
 * (RFC 3629), the UTF-8 byte order mark, and GB18030 (what Excel and Notepad save on
 * Chinese Windows; GBK is a subset) through iconv. No I/O and nothing but libc, so
 * that the CLI and the daemon read files the same way (libyxtext).
 */
#ifndef YANXIU_TEXT_H
#define YANXIU_TEXT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "yx_common.h"

/* The UTF-8 byte order mark (U+FEFF), which Excel writes in front of "CSV UTF-8". */
#define TEXT_BOM     "\xEF\xBB\xBF"
#define TEXT_BOM_LEN 3u

/* The longest input text_gb18030_to_utf8 takes (its output is at most 1.5 times that). */
#define TEXT_MAX_INPUT ((size_t)1 << 30)

/*
 * Where bytes were found wrong, for a message to a person. `offset` is 0-based into
 * the bytes given, `line` 1-based (see text_line_at); `bytes` quotes up to four bytes
 * from there ("0xC3 0x28"), and `message` says it all in one line without the file
 * name, e.g. "line 3 (byte 41): 0xC3 0x28 is not UTF-8". Callers put the file first.
 * offset is SIZE_MAX (line 0, bytes "") when the failure was not about a byte:
 * then errno says why (ENOMEM; or what iconv_open said).
 */
struct text_error {
    size_t offset;
    int line;
    char bytes[24];
    char message[160];
};

/*
 * Offset of the first byte of s[0..len) that does not begin a well-formed UTF-8
 * character (RFC 3629: no overlong forms, no surrogates U+D800..U+DFFF, nothing above
 * U+10FFFF, no sequence cut off by the end), or len when all of it is UTF-8.
 * s may be NULL when len is 0. NUL bytes are UTF-8 (U+0000): callers that refuse
 * them look for them first.
 */
size_t text_utf8_invalid_at(const void *s, size_t len);

/*
 * True when s[0..len) is all UTF-8 (as text_utf8_invalid_at). Otherwise false with
 * *err (may be NULL) naming the first bad byte, its line and the bytes there.
 */
bool text_utf8_check(const void *s, size_t len, struct text_error *err) YX_MUST_CHECK;

/*
 * The length of the longest prefix of the UTF-8 text s[0..len) that has at most max
 * bytes and does not end inside a character: len when len <= max, else max backed
 * up to the start of the character there. For cutting text short in messages.
 */
size_t text_utf8_prefix(const void *s, size_t len, size_t max);

/* TEXT_BOM_LEN when s[0..len) starts with the UTF-8 byte order mark, else 0. */
size_t text_bom_len(const void *s, size_t len);

/*
 * The 1-based line holding byte `off` of s[0..len): LF, CRLF and a lone CR each end
 * a line (Excel on a Mac writes lone CRs). An offset at or past len counts every line
 * end in s.
 */
int text_line_at(const void *s, size_t len, size_t off);

/*
 * GB18030 → UTF-8 through iconv. Input: in[0..len), len ≤ TEXT_MAX_INPUT (in may be
 * NULL when len is 0); NUL bytes pass through as U+0000. The output buffer is sized
 * once for the worst case, len * 3 / 2 + 1 bytes: a GB18030 character of one byte
 * is one byte of UTF-8, of two bytes at most three, of four bytes at most four.
 * On success *out is malloc'd (the caller frees it) and holds *out_len bytes of
 * UTF-8 followed by a NUL that *out_len does not count. A GB18030 byte order mark
 * (0x84 0x31 0x95 0x33) comes out as the UTF-8 one: see text_bom_len.
 * Returns false, *out NULL, with *err filled (err may be NULL) and errno set:
 * EILSEQ for bytes that are not GB18030 or a character cut off by the end (offset,
 * line and bytes name them), ENOMEM or iconv_open's errno otherwise (offset SIZE_MAX),
 * EFBIG when len is above TEXT_MAX_INPUT.
 */
bool text_gb18030_to_utf8(const void *in, size_t len, char **out, size_t *out_len,
                          struct text_error *err) YX_MUST_CHECK;

/*
 * Reads the whole file `path` into a malloc'd *data (*len bytes; the caller
 * frees). False with errno set: EFBIG when it is larger than max bytes (then
 * *len holds its size and *data is untouched), else what open/read said.
 */
bool text_read_file(const char *path, size_t max, uint8_t **data, size_t *len) YX_MUST_CHECK;

#endif
