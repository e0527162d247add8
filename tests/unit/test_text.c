/*
 * Unit tests of the text-input module (text/text.c): the strict UTF-8 check, the
 * byte order mark, line counting, and GB18030 → UTF-8 through iconv with the error
 * naming the line and quoting the bytes.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "rfc3339.h"
#include "text.h"

#define S(lit) (lit), (sizeof(lit) - 1)

static void valid_utf8_is_accepted_whole(void **state)
{
    (void)state;
    /* ASCII, 2-, 3- and 4-byte characters, the edges U+0080, U+07FF, U+0800, U+FFFF,
       U+10000, U+10FFFF, and U+D7FF / U+E000 around the surrogates. */
    static const char ok[] = "a\xC2\x80\xDF\xBF\xE0\xA0\x80\xEF\xBF\xBF\xF0\x90\x80\x80"
                             "\xF4\x8F\xBF\xBF\xED\x9F\xBF\xEE\x80\x80 教研组 𠮷";
    assert_int_equal(text_utf8_invalid_at(S(ok)), sizeof(ok) - 1);
    struct text_error err;
    assert_true(text_utf8_check(S(ok), &err));
    /* U+0000 is UTF-8: refusing NUL is the caller's business. */
    assert_int_equal(text_utf8_invalid_at("a\0b", 3), 3);
}

static void empty_input_is_valid_and_converts_to_empty(void **state)
{
    (void)state;
    assert_int_equal(text_utf8_invalid_at(NULL, 0), 0);
    assert_true(text_utf8_check(NULL, 0, NULL));
    assert_int_equal(text_bom_len(NULL, 0), 0);
    char *out = NULL;
    size_t out_len = 99;
    assert_true(text_gb18030_to_utf8(NULL, 0, &out, &out_len, NULL));
    assert_non_null(out);
    assert_int_equal(out_len, 0);
    assert_string_equal(out, "");
    free(out);
}

static void overlong_forms_are_refused(void **state)
{
    (void)state;
    /* "/" as two bytes, U+007F as two, U+07FF as three, U+FFFF as four. */
    assert_int_equal(text_utf8_invalid_at(S("ab\xC0\xAF")), 2);
    assert_int_equal(text_utf8_invalid_at(S("\xC1\xBF")), 0);
    assert_int_equal(text_utf8_invalid_at(S("x\xE0\x9F\xBF")), 1);
    assert_int_equal(text_utf8_invalid_at(S("\xF0\x8F\xBF\xBF")), 0);
}

static void surrogates_and_beyond_u10ffff_are_refused(void **state)
{
    (void)state;
    assert_int_equal(text_utf8_invalid_at(S("ok\xED\xA0\x80")), 2);   /* U+D800 */
    assert_int_equal(text_utf8_invalid_at(S("\xED\xBF\xBF")), 0);     /* U+DFFF */
    assert_int_equal(text_utf8_invalid_at(S("\xF4\x90\x80\x80")), 0); /* U+110000 */
    assert_int_equal(text_utf8_invalid_at(S("\xF5\x80\x80\x80")), 0);
    assert_int_equal(text_utf8_invalid_at(S("\xFF")), 0);
}

static void truncated_sequences_are_refused_where_they_start(void **state)
{
    (void)state;
    assert_int_equal(text_utf8_invalid_at(S("abc\xE6\x95")), 3);  /* cut by the end */
    assert_int_equal(text_utf8_invalid_at(S("\xF0\x9F\x98")), 0); /* 3 of 4 */
    assert_int_equal(text_utf8_invalid_at(S("\xE6\x95x")), 0);    /* cut by ASCII */
    assert_int_equal(text_utf8_invalid_at(S("\x80")), 0);         /* lone continuation */
    assert_int_equal(text_utf8_invalid_at(S("\xC3")), 0);
}

static void utf8_error_names_line_and_quotes_bytes(void **state)
{
    (void)state;
    static const char bad[] = "first\r\nsecond\rthird \xC3\x28 rest";
    struct text_error err;
    assert_false(text_utf8_check(S(bad), &err));
    assert_int_equal(err.offset, 20);
    assert_int_equal(err.line, 3);
    assert_string_equal(err.bytes, "0xC3 0x28 0x20 0x72");
    assert_string_equal(err.message, "line 3 (byte 20): 0xC3 0x28 0x20 0x72 is not UTF-8");
    /* Near the end only the bytes there are quoted. */
    assert_false(text_utf8_check(S("a\n\xE6\x95"), &err));
    assert_int_equal(err.line, 2);
    assert_string_equal(err.bytes, "0xE6 0x95");
}

static void prefixes_end_between_characters(void **state)
{
    (void)state;
    static const char t[] = "ab教师"; /* 教 at 2..4, 师 at 5..7 */
    assert_int_equal(text_utf8_prefix(S(t), 100), 8);
    assert_int_equal(text_utf8_prefix(S(t), 8), 8);
    assert_int_equal(text_utf8_prefix(S(t), 7), 5);
    assert_int_equal(text_utf8_prefix(S(t), 5), 5);
    assert_int_equal(text_utf8_prefix(S(t), 4), 2);
    assert_int_equal(text_utf8_prefix(S(t), 3), 2);
    assert_int_equal(text_utf8_prefix(S(t), 2), 2);
    assert_int_equal(text_utf8_prefix(S(t), 0), 0);
    assert_int_equal(text_utf8_prefix(S("\xE6\x95\x99"), 1), 0);
    assert_int_equal(text_utf8_prefix(NULL, 0, 0), 0);
}

static void bom_is_recognised_only_whole_and_first(void **state)
{
    (void)state;
    assert_int_equal(text_bom_len(S("\xEF\xBB\xBFname")), TEXT_BOM_LEN);
    assert_int_equal(text_bom_len(S("\xEF\xBB\xBF")), TEXT_BOM_LEN);
    assert_int_equal(text_bom_len(S("\xEF\xBB")), 0);
    assert_int_equal(text_bom_len(S("x\xEF\xBB\xBF")), 0);
    /* What follows the BOM is what is checked. */
    static const char t[] = "\xEF\xBB\xBF教师";
    size_t skip = text_bom_len(S(t));
    assert_int_equal(text_utf8_invalid_at(t + skip, sizeof(t) - 1 - skip), sizeof(t) - 1 - skip);
}

static void lines_end_at_lf_crlf_and_lone_cr(void **state)
{
    (void)state;
    static const char t[] = "a\nb\r\nc\rd";
    assert_int_equal(text_line_at(S(t), 0), 1);
    assert_int_equal(text_line_at(S(t), 2), 2);
    assert_int_equal(text_line_at(S(t), 4), 2); /* the LF of CRLF is still line 2 */
    assert_int_equal(text_line_at(S(t), 5), 3);
    assert_int_equal(text_line_at(S(t), 7), 4);
    assert_int_equal(text_line_at(S(t), 100), 4);
}

static void gb18030_two_and_four_byte_sequences_decode(void **state)
{
    (void)state;
    /* "教师" in GBK (two bytes each); U+0080, the first four-byte sequence 81 30 81 30;
       U+20BB7 𠮷, outside the BMP, as 95 34 B2 35. Then the GB18030 BOM 84 31 95 33. */
    static const char gb[] = "\xBD\xCC\xCA\xA6,\x81\x30\x81\x30,\x95\x34\xB2\x35";
    char *out = NULL;
    size_t out_len = 0;
    struct text_error err;
    assert_true(text_gb18030_to_utf8(S(gb), &out, &out_len, &err));
    assert_string_equal(out, "教师,\xC2\x80,𠮷");
    assert_int_equal(out_len, strlen("教师,\xC2\x80,𠮷"));
    assert_int_equal(text_utf8_invalid_at(out, out_len), out_len);
    free(out);

    static const char bom[] = "\x84\x31\x95\x33"
                              "ab";
    assert_true(text_gb18030_to_utf8(S(bom), &out, &out_len, &err));
    assert_int_equal(text_bom_len(out, out_len), TEXT_BOM_LEN);
    assert_string_equal(out + TEXT_BOM_LEN, "ab");
    free(out);
}

static void invalid_gb18030_names_line_and_bytes(void **state)
{
    (void)state;
    /* 0xFF never starts a GB18030 character. */
    static const char bad[] = "\xBD\xCC\n\xCA\xA6 \xFF\x41";
    char *out = (char *)"untouched";
    size_t out_len = 7;
    struct text_error err;
    errno = 0;
    assert_false(text_gb18030_to_utf8(S(bad), &out, &out_len, &err));
    assert_int_equal(errno, EILSEQ);
    assert_null(out);
    assert_int_equal(err.offset, 6);
    assert_int_equal(err.line, 2);
    assert_string_equal(err.bytes, "0xFF 0x41");
    assert_string_equal(err.message, "line 2 (byte 6): 0xFF 0x41 is not GB18030");

    /* A two-byte character cut off by the end of the input. */
    assert_false(text_gb18030_to_utf8(S("ab\xBD"), &out, &out_len, &err));
    assert_int_equal(errno, EILSEQ);
    assert_int_equal(err.offset, 2);
    assert_string_equal(err.bytes, "0xBD");
    /* A four-byte sequence with a bad third byte. */
    assert_false(text_gb18030_to_utf8(S("\x81\x30\x20\x30"), &out, &out_len, &err));
    assert_int_equal(err.offset, 0);
}

/* Two-byte GB18030 characters that are three bytes of UTF-8 each grow the text 1.5
   times: the output buffer must hold that exactly, with the NUL after it. */
static void gb18030_growth_of_one_and_a_half_fits(void **state)
{
    (void)state;
    enum { CHARS = 40000 };
    char *gb = malloc(2 * CHARS);
    assert_non_null(gb);
    for (size_t i = 0; i < CHARS; i++)
        memcpy(gb + 2 * i, "\xBD\xCC", 2); /* 教: E6 95 99 */
    char *out = NULL;
    size_t out_len = 0;
    struct text_error err;
    assert_true(text_gb18030_to_utf8(gb, 2 * CHARS, &out, &out_len, &err));
    assert_int_equal(out_len, 3 * CHARS);
    assert_int_equal(out[out_len], '\0');
    for (size_t i = 0; i < CHARS; i++)
        assert_memory_equal(out + 3 * i, "\xE6\x95\x99", 3);
    free(out);
    /* One character: 2 bytes in, 3 out. */
    assert_true(text_gb18030_to_utf8(S("\xBD\xCC"), &out, &out_len, &err));
    assert_string_equal(out, "教");
    free(out);
    free(gb);
}

/* ---- rfc3339: the protocol's times ---------------------------------------------------- */

static void rfc3339_round_trips_in_beijing_time(void **state)
{
    (void)state;
    char buf[RFC3339_LEN];
    rfc3339_format(0, buf);
    assert_string_equal(buf, "1970-01-01T08:00:00+08:00");
    int64_t us = 0;
    assert_true(rfc3339_parse("2026-11-05T23:59:59+08:00", &us));
    rfc3339_format(us, buf);
    assert_string_equal(buf, "2026-11-05T23:59:59+08:00");
    int64_t z = 0;
    assert_true(rfc3339_parse("2026-11-05T15:59:59.5Z", &z));
    assert_true(z == us + 500000);
    assert_true(rfc3339_parse("2024-02-29 00:00:00-05:00", &us)); /* a leap day, a space */
    rfc3339_format(us, buf);
    assert_string_equal(buf, "2024-02-29T13:00:00+08:00");
    rfc3339_format(-1, buf); /* a microsecond before the epoch is in the second before it */
    assert_string_equal(buf, "1970-01-01T07:59:59+08:00");
}

static void rfc3339_refuses_what_is_not_a_time(void **state)
{
    (void)state;
    static const char *const bad[] = {
        "",
        "2026-11-05",
        "2026-11-05T23:59:59",
        "2026-02-29T00:00:00Z",
        "2026-11-05T24:00:00Z",
        "2026-11-05T23:60:00Z",
        "2026-13-01T00:00:00Z",
        "1969-12-31T23:59:59Z",
        "2026-11-05T23:59:59+8:00",
        "2026-11-05T23:59:59.Z",
        "2026-11-05T23:59:59+08:00x",
        "２026-11-05T23:59:59Z",
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        int64_t us = 42;
        if (rfc3339_parse(bad[i], &us))
            fail_msg("\"%s\" was read as a time", bad[i]);
        assert_true(us == 42);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(valid_utf8_is_accepted_whole),
        cmocka_unit_test(empty_input_is_valid_and_converts_to_empty),
        cmocka_unit_test(overlong_forms_are_refused),
        cmocka_unit_test(surrogates_and_beyond_u10ffff_are_refused),
        cmocka_unit_test(truncated_sequences_are_refused_where_they_start),
        cmocka_unit_test(utf8_error_names_line_and_quotes_bytes),
        cmocka_unit_test(prefixes_end_between_characters),
        cmocka_unit_test(bom_is_recognised_only_whole_and_first),
        cmocka_unit_test(lines_end_at_lf_crlf_and_lone_cr),
        cmocka_unit_test(gb18030_two_and_four_byte_sequences_decode),
        cmocka_unit_test(invalid_gb18030_names_line_and_bytes),
        cmocka_unit_test(gb18030_growth_of_one_and_a_half_fits),
        cmocka_unit_test(rfc3339_round_trips_in_beijing_time),
        cmocka_unit_test(rfc3339_refuses_what_is_not_a_time),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
