/*
 * check: the field checks request handlers share — enumerations given as an
 * English code or the Chinese name users know, codes, dates and times,
 * lengths in characters, and duplicates found in O(n log n).
 */
#ifndef YANXIU_CHECK_H
#define YANXIU_CHECK_H

#include <stdbool.h>
#include <stddef.h>

#include "rpc.h"

/* One value of an enumeration: its code and up to five Chinese names. */
struct check_alias {
    const char *code;
    const char *names[5];
};

/* The code `s` stands for (the code itself or one of its names), or NULL. */
const char *check_alias_code(const struct check_alias *a, size_t n, const char *s);

/* Exactly n ASCII digits. */
bool check_digits(const char *s, size_t n);

/* YYYY-MM-DD and a real calendar day. */
bool check_date(const char *s);

/* YYYY-MM; *year and *month set when true (either may be NULL). */
bool check_month(const char *s, int *year, int *month);

/* HH:MM (00:00 to 23:59); minutes since midnight in *minutes when true. */
bool check_time(const char *s, int *minutes);

/* 1 to 32 of [A-Za-z0-9_-]: teacher codes and the like. */
bool check_code(const char *s);

/* Characters (not bytes) of a valid UTF-8 string: the SQL limits count characters. */
size_t check_utf8_chars(const char *s);

/* Text (rpc_text_ok) of at most max_chars characters; empty only when allow_empty. */
bool check_text(const char *s, size_t max_chars, bool allow_empty);

/*
 * For quoting a value in a message: copies into buf (cap bytes) the longest
 * prefix of `s` made of whole text characters (rpc_text_ok) that fits, so
 * that text cut mid-character (libinih cuts a section name at 49 bytes) or
 * not text at all never makes a message invalid UTF-8. Returns buf, or "?"
 * when not even the first character is text.
 */
const char *check_quote(const char *s, char *buf, size_t cap);

/*
 * Replaces, in place, every byte of `s` that does not begin a whole valid
 * UTF-8 character with '?': for a message built from names that libinih may
 * have cut mid-character (it keeps 49 bytes of a key continued on the next
 * line) or that vsnprintf cut at the end of its buffer.
 */
void check_utf8_repair(char *s);

/* Valid UTF-8 text of at most max_bytes, where line breaks are allowed. */
bool check_multiline(const char *s, size_t max_bytes);

/* A plain decimal (no exponent, hex or inf: what SQL's numeric reads) with at most
   `decimals` digits after the point, in [min, max]. */
bool check_decimal(const char *s, int decimals, double min, double max);

/* A text read line by line for ini_parse_stream (libinih): pass check_read_line as the
   reader and the struct as its stream; `line` is the 1-based line last read. Lines are
   handed over without their leading blanks: libinih would take an indented line for the
   continuation of the key above it, under that key's name cut to 49 bytes. */
struct check_lines {
    const char *p; /* the rest of the text */
    int line;
    int too_long; /* the first line longer than the parser's buffer (skipped), or 0 */
};
/* The longest line (in bytes, without its line break) that fits libinih's buffer of
   INI_MAX_LINE = 200 bytes with the line break and the NUL. */
#define CHECK_INI_MAX_LINE 198
char *check_read_line(char *buf, int size, void *stream);

/* A code (an activity's ref, a teacher code) and the row it came from. */
struct check_code_at {
    const char *code;
    size_t row;
};

/* qsort order of check_code_at: by code, then by row (the first appearance first). */
int check_code_at_cmp(const void *a, const void *b);

#endif
