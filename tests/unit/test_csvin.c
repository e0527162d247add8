/*
 * Unit tests of the CSV reader (client/csvin.c) on files written the way Excel
 * writes them: UTF-8 with and without BOM, GB18030, CRLF, quoted cells with
 * commas, quotes and line breaks; and of the errors a person gets for bad ones.
 */
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <iconv.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "csvin.h"

/* --- columns as the roster import declares them -------------------------------- */

static const char *const TEACHER_CODE_ZH[] = {"教师编号", NULL};
static const char *const NAME_ZH[] = {"姓名", NULL};
static const char *const SCHOOL_ZH[] = {"学校代码", "学校编号", NULL};
static const char *const SUBJECT_ZH[] = {"学科", NULL};
static const char *const NOTE_ZH[] = {"说明", NULL};

enum { T_CODE, T_NAME, T_SCHOOL, T_SUBJECT, T_NOTE, T_NCOLS };
static const struct csvin_column TEACHER_COLS[T_NCOLS] = {
    [T_CODE] = {"teacher_code", TEACHER_CODE_ZH, true},
    [T_NAME] = {"name", NAME_ZH, true},
    [T_SCHOOL] = {"school_code", SCHOOL_ZH, true},
    [T_SUBJECT] = {"subject", SUBJECT_ZH, false},
    [T_NOTE] = {"note", NOTE_ZH, false},
};

/* --- fixture files in a private temp dir ------------------------------------------ */

static char tmpdir[64];

static int remove_entry(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
    (void)sb, (void)flag, (void)ftw;
    return remove(path);
}

static int make_tmpdir(void **state)
{
    (void)state;
    strcpy(tmpdir, "/tmp/yx-test-csvin-XXXXXX");
    return mkdtemp(tmpdir) ? 0 : -1;
}

static int remove_tmpdir(void **state)
{
    (void)state;
    return nftw(tmpdir, remove_entry, 8, FTW_DEPTH | FTW_PHYS);
}

/* Path of `name` in the temp dir (static buffer, one at a time). */
static const char *fixture_path(const char *name)
{
    static char path[256];
    snprintf(path, sizeof(path), "%s/%s", tmpdir, name);
    return path;
}

/* Writes exactly `len` bytes to a fixture file; returns its path. */
static const char *write_fixture(const char *name, const void *bytes, size_t len)
{
    const char *path = fixture_path(name);
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, bytes, len), (ssize_t)len);
    assert_int_equal(close(fd), 0);
    return path;
}

static const char *write_text(const char *name, const char *text)
{
    return write_fixture(name, text, strlen(text));
}

/* UTF-8 → GB18030 with iconv(3); returns a malloc'd buffer and its length. */
static char *to_gb18030(const char *utf8, size_t *len)
{
    iconv_t cd = iconv_open("GB18030", "UTF-8");
    assert_true(cd != (iconv_t)-1);
    size_t in_left = strlen(utf8), cap = in_left * 2 + 8, out_left = cap;
    char *out = malloc(cap);
    assert_non_null(out);
    char *in = (char *)utf8, *op = out;
    assert_int_not_equal(iconv(cd, &in, &in_left, &op, &out_left), (size_t)-1);
    iconv_close(cd);
    *len = cap - out_left;
    return out;
}

static struct csvin_table *read_ok(const char *path, enum csvin_encoding enc)
{
    struct csvin_error err;
    struct csvin_table *t = csvin_read(path, enc, TEACHER_COLS, T_NCOLS, &err);
    if (!t)
        fail_msg("csvin_read(%s) failed: %s", path, err.message);
    return t;
}

/* Reads a file expected to be refused; returns the error. */
static struct csvin_error read_fails(const char *path, enum csvin_encoding enc)
{
    struct csvin_error err;
    memset(&err, 0, sizeof(err));
    struct csvin_table *t = csvin_read(path, enc, TEACHER_COLS, T_NCOLS, &err);
    if (t) {
        csvin_free(t);
        fail_msg("csvin_read(%s) should have failed", path);
    }
    assert_true(err.message[0] != '\0');
    return err;
}

static void assert_contains(const char *haystack, const char *needle)
{
    if (!strstr(haystack, needle))
        fail_msg("expected \"%s\" in: %s", needle, haystack);
}

/* --- encodings ----------------------------------------------------------------- */

static void utf8_file_reads_cells_lines_and_headers(void **state)
{
    (void)state;
    const char *path = write_text("plain.csv", "teacher_code,name,school_code,subject\n"
                                               "T001,张三,S01,语文\n"
                                               "T002,李四,S01,数学\n");
    struct csvin_table *t = read_ok(path, CSVIN_AUTO);
    assert_int_equal(csvin_encoding_used(t), CSVIN_UTF8);
    assert_int_equal(csvin_rows(t), 2);
    assert_string_equal(csvin_get(t, 0, T_CODE), "T001");
    assert_string_equal(csvin_get(t, 0, T_NAME), "张三");
    assert_string_equal(csvin_get(t, 1, T_SUBJECT), "数学");
    assert_int_equal(csvin_line(t, 0), 2);
    assert_int_equal(csvin_line(t, 1), 3);
    /* optional column missing from the file: "" everywhere, canonical header */
    assert_false(csvin_has_column(t, T_NOTE));
    assert_true(csvin_has_column(t, T_SUBJECT));
    assert_string_equal(csvin_get(t, 1, T_NOTE), "");
    assert_string_equal(csvin_header(t, T_NOTE), "note");
    assert_string_equal(csvin_header(t, T_NAME), "name");
    csvin_free(t);
}

static void utf8_bom_is_dropped_before_the_first_header(void **state)
{
    (void)state;
    /* Excel "CSV UTF-8": BOM, CRLF, Chinese headers */
    const char *path = write_text("bom.csv", "\xEF\xBB\xBF教师编号,姓名,学校代码\r\n"
                                             "T001,张三,S01\r\n");
    struct csvin_table *t = read_ok(path, CSVIN_AUTO);
    assert_int_equal(csvin_encoding_used(t), CSVIN_UTF8);
    assert_true(csvin_has_column(t, T_CODE));
    assert_string_equal(csvin_header(t, T_CODE), "教师编号"); /* no BOM bytes in front */
    assert_int_equal(csvin_rows(t), 1);
    assert_string_equal(csvin_get(t, 0, T_CODE), "T001");
    assert_string_equal(csvin_get(t, 0, T_SCHOOL), "S01"); /* no CR at the line end */
    assert_int_equal(csvin_line(t, 0), 2);
    csvin_free(t);

    /* the same with --encoding utf-8 */
    t = read_ok(path, CSVIN_UTF8);
    assert_string_equal(csvin_header(t, T_CODE), "教师编号");
    csvin_free(t);
}

/* 教师编号,姓名,学校代码\r\nT001,张三,S01\r\nT002,李四,S02\r\n as Excel saves it on Chinese
   Windows (GBK, hence GB18030): the bytes written out, not produced by the code under test. */
/* clang-format off */
static const unsigned char GB_TEACHERS[] = {
    0xBD, 0xCC, 0xCA, 0xA6, 0xB1, 0xE0, 0xBA, 0xC5, ',',  /* 教师编号 */
    0xD0, 0xD5, 0xC3, 0xFB, ',',                          /* 姓名 */
    0xD1, 0xA7, 0xD0, 0xA3, 0xB4, 0xFA, 0xC2, 0xEB, '\r', '\n', /* 学校代码 */
    'T', '0', '0', '1', ',', 0xD5, 0xC5, 0xC8, 0xFD, ',', 'S', '0', '1', '\r', '\n', /* 张三 */
    'T', '0', '0', '2', ',', 0xC0, 0xEE, 0xCB, 0xC4, ',', 'S', '0', '2', '\r', '\n', /* 李四 */
};
/* clang-format on */

static void gb18030_file_is_detected_and_decoded_to_utf8(void **state)
{
    (void)state;
    /* the hard-coded bytes agree with iconv(3) */
    size_t n;
    char *gb = to_gb18030("教师编号,姓名,学校代码\r\nT001,张三,S01\r\nT002,李四,S02\r\n", &n);
    assert_int_equal(n, sizeof(GB_TEACHERS));
    assert_memory_equal(gb, GB_TEACHERS, n);
    free(gb);

    const char *path = write_fixture("gbk.csv", GB_TEACHERS, sizeof(GB_TEACHERS));
    struct csvin_table *t = read_ok(path, CSVIN_AUTO);
    assert_int_equal(csvin_encoding_used(t), CSVIN_GB18030);
    assert_int_equal(csvin_rows(t), 2);
    assert_string_equal(csvin_header(t, T_CODE),
                        "\xE6\x95\x99\xE5\xB8\x88\xE7\xBC\x96\xE5\x8F\xB7");
    assert_string_equal(csvin_get(t, 0, T_NAME), "\xE5\xBC\xA0\xE4\xB8\x89"); /* 张三 */
    assert_string_equal(csvin_get(t, 1, T_NAME), "\xE6\x9D\x8E\xE5\x9B\x9B"); /* 李四 */
    assert_string_equal(csvin_get(t, 1, T_SCHOOL), "S02");
    assert_int_equal(csvin_line(t, 1), 3);
    csvin_free(t);

    /* forced, by either name */
    enum csvin_encoding enc = CSVIN_AUTO;
    assert_true(csvin_parse_encoding("GBK", &enc));
    assert_int_equal(enc, CSVIN_GB18030);
    t = read_ok(path, enc);
    assert_string_equal(csvin_get(t, 0, T_NAME), "张三");
    csvin_free(t);
}

static void gb18030_four_byte_characters_and_its_bom_are_decoded(void **state)
{
    (void)state;
    /* U+FEFF (GB18030 BOM 84 31 95 33), 𠀀 (U+20000) and 😀 (U+1F600) take four bytes */
    size_t n;
    char *gb = to_gb18030("\xEF\xBB\xBF"
                          "teacher_code,name,school_code,note\n"
                          "T009,\xF0\xA0\x80\x80,S01,\"笑\xF0\x9F\x98\x80, 好\"\n",
                          &n);
    assert_memory_equal(gb, "\x84\x31\x95\x33", 4);
    const char *path = write_fixture("gb4.csv", gb, n);
    free(gb);
    struct csvin_table *t = read_ok(path, CSVIN_AUTO);
    assert_int_equal(csvin_encoding_used(t), CSVIN_GB18030);
    assert_string_equal(csvin_header(t, T_CODE), "teacher_code");
    assert_string_equal(csvin_get(t, 0, T_NAME), "\xF0\xA0\x80\x80");
    assert_string_equal(csvin_get(t, 0, T_NOTE), "笑\xF0\x9F\x98\x80, 好");
    csvin_free(t);
}

static void file_in_neither_encoding_names_the_line_of_the_bad_byte(void **state)
{
    (void)state;
    /* 0xFF is neither UTF-8 nor GB18030 */
    const char *path = write_text("bad.csv", "teacher_code,name,school_code\r\n"
                                             "T001,张三,S01\r\n"
                                             "T002,\xFF\xFF,S01\r\n");
    struct csvin_error err = read_fails(path, CSVIN_AUTO);
    assert_int_equal(err.line, 3);
    assert_contains(err.message, "bad.csv line 3:");
    assert_contains(err.message, "neither UTF-8");
    assert_contains(err.message, "0xFF");
    assert_contains(err.message, "CSV UTF-8");

    /* LF and lone-CR line ends count the same */
    path = write_text("bad-lf.csv", "teacher_code,name,school_code\nT001,a,S01\n\nT002,\xFF,S\n");
    err = read_fails(path, CSVIN_AUTO);
    assert_int_equal(err.line, 4);
    path = write_text("bad-cr.csv", "teacher_code,name,school_code\rT001,a,S01\rT002,\xFF,S\r");
    err = read_fails(path, CSVIN_AUTO);
    assert_int_equal(err.line, 3);
    assert_contains(err.message, "bad-cr.csv line 3:");
}

static void forced_utf8_refuses_gb18030_and_says_what_to_do(void **state)
{
    (void)state;
    const char *path = write_fixture("gbk-forced.csv", GB_TEACHERS, sizeof(GB_TEACHERS));
    struct csvin_error err = read_fails(path, CSVIN_UTF8);
    assert_int_equal(err.line, 1);
    assert_contains(err.message, "gbk-forced.csv line 1: byte 0xBD is not UTF-8");
    assert_contains(err.message, "gb18030");

    /* and gb18030 forced on a file with a UTF-8 BOM */
    path = write_text("bom-forced.csv", "\xEF\xBB\xBFteacher_code,name,school_code\r\n");
    err = read_fails(path, CSVIN_GB18030);
    assert_contains(err.message, "byte order mark");
}

static void encoding_words_are_parsed(void **state)
{
    (void)state;
    enum csvin_encoding e = CSVIN_GB18030;
    assert_true(csvin_parse_encoding("auto", &e));
    assert_int_equal(e, CSVIN_AUTO);
    assert_true(csvin_parse_encoding("UTF-8", &e));
    assert_int_equal(e, CSVIN_UTF8);
    assert_true(csvin_parse_encoding("utf8", &e));
    assert_int_equal(e, CSVIN_UTF8);
    assert_true(csvin_parse_encoding("gb18030", &e));
    assert_int_equal(e, CSVIN_GB18030);
    e = CSVIN_AUTO;
    assert_true(csvin_parse_encoding("gbk", &e));
    assert_int_equal(e, CSVIN_GB18030);
    assert_false(csvin_parse_encoding("latin1", &e));
    assert_false(csvin_parse_encoding("", &e));
    assert_int_equal(e, CSVIN_GB18030);
    assert_string_equal(csvin_encoding_name(CSVIN_UTF8), "utf-8");
}

/* --- CSV syntax and line numbers --------------------------------------------------- */

static void quoted_cells_keep_commas_quotes_and_line_breaks_and_lines_count_them(void **state)
{
    (void)state;
    /* clang-format off */
    const char *path = write_text("quoted.csv",
                                  /* 1 */ "teacher_code,name,school_code,note\r\n"
                                  /* 2 */ "T001,张三,S01,\"读书, 写作\"\r\n"
                                  /* 3 */ "T002,李四,S01,\"他说\"\"好\"\"\"\r\n"
                                  /* 4 */ "T003,王五,S01,\"第一行\r\n"
                                  /* 5 */ "第二行,\r\n"
                                  /* 6 */ "第三行\"\r\n"
                                  /* 7 */ "T004,赵六,S02,after\r\n"
                                  /* 8 */ "\r\n"
                                  /* 9 */ ",,,\r\n"
                                  /* 10 */ "\"T0\r\n"
                                  /* 11 */ "05\",孙七,S02,\r\n"
                                  /* 12 */ "  T006 , \"  钱八  \",\tS02\t,\xE3\x80\x80全角空格\xE3\x80\x80\r\n"
                                  /* 13 */ "\r\n"
                                  /* 14 */ "   \r\n"
                                  /* 15 */ "\r\n");
    /* clang-format on */
    struct csvin_table *t = read_ok(path, CSVIN_AUTO);
    assert_int_equal(csvin_rows(t), 6);

    assert_string_equal(csvin_get(t, 0, T_NOTE), "读书, 写作");
    assert_int_equal(csvin_line(t, 0), 2);
    assert_string_equal(csvin_get(t, 1, T_NOTE), "他说\"好\"");
    assert_int_equal(csvin_line(t, 1), 3);
    /* CRLF inside a quoted cell becomes LF */
    assert_string_equal(csvin_get(t, 2, T_NOTE), "第一行\n第二行,\n第三行");
    assert_int_equal(csvin_line(t, 2), 4);
    /* the record after a three-line cell starts on line 7, not 5 */
    assert_string_equal(csvin_get(t, 3, T_CODE), "T004");
    assert_int_equal(csvin_line(t, 3), 7);
    /* a record whose first cell spans lines is on the line where it starts */
    assert_string_equal(csvin_get(t, 4, T_CODE), "T0\n05");
    assert_int_equal(csvin_line(t, 4), 10);
    assert_string_equal(csvin_get(t, 4, T_NOTE), "");
    /* surrounding spaces, tabs and U+3000 trimmed, also inside quotes */
    assert_string_equal(csvin_get(t, 5, T_CODE), "T006");
    assert_string_equal(csvin_get(t, 5, T_NAME), "钱八");
    assert_string_equal(csvin_get(t, 5, T_SCHOOL), "S02");
    assert_string_equal(csvin_get(t, 5, T_NOTE), "全角空格");
    assert_int_equal(csvin_line(t, 5), 12);
    csvin_free(t);
}

static void lf_cr_and_no_final_line_end_are_read(void **state)
{
    (void)state;
    /* LF only, blank lines first, header not on line 1, no newline at the end */
    const char *path = write_text("lf.csv", "\n\nteacher_code,name,school_code\nT001,张三,S01\n"
                                            "T002,李四,S02");
    struct csvin_table *t = read_ok(path, CSVIN_AUTO);
    assert_int_equal(csvin_rows(t), 2);
    assert_int_equal(csvin_line(t, 0), 4);
    assert_int_equal(csvin_line(t, 1), 5);
    assert_string_equal(csvin_get(t, 1, T_SCHOOL), "S02");
    csvin_free(t);

    /* old Mac line ends: a lone CR ends a line */
    path = write_text("cr.csv", "teacher_code,name,school_code\rT001,张三,S01\r\rT002,李四,S02\r");
    t = read_ok(path, CSVIN_AUTO);
    assert_int_equal(csvin_rows(t), 2);
    assert_int_equal(csvin_line(t, 1), 4);
    csvin_free(t);
}

static void ragged_rows_read_short_cells_as_empty_and_refuse_extra_values(void **state)
{
    (void)state;
    const char *path = write_text("ragged.csv", "teacher_code,name,school_code,subject,,\r\n"
                                                "T001,张三\r\n"              /* short */
                                                "T002,李四,S01,数学,,,,\r\n" /* empty extras */
                                                "T003,王五,S01\r\n");
    struct csvin_table *t = read_ok(path, CSVIN_AUTO);
    assert_int_equal(csvin_rows(t), 3);
    assert_string_equal(csvin_get(t, 0, T_NAME), "张三");
    assert_string_equal(csvin_get(t, 0, T_SCHOOL), "");
    assert_string_equal(csvin_get(t, 0, T_SUBJECT), "");
    assert_string_equal(csvin_get(t, 1, T_SUBJECT), "数学");
    assert_int_equal(csvin_line(t, 2), 4);
    csvin_free(t);

    path = write_text("long.csv", "teacher_code,name,school_code\r\n"
                                  "T001,张三,S01\r\n"
                                  "T002,李四,S01,多余\r\n");
    struct csvin_error err = read_fails(path, CSVIN_AUTO);
    assert_int_equal(err.line, 3);
    assert_contains(err.message, "long.csv line 3, column D: value \"多余\"");
    assert_contains(err.message, "header on line 1 has 3");

    path = write_text("nohdr.csv", "teacher_code,,name,school_code\r\nT001,x,张三,S01\r\n");
    err = read_fails(path, CSVIN_AUTO);
    assert_contains(err.message, "nohdr.csv line 2, column B: value \"x\" is under a column with "
                                 "no header");
}

static void unterminated_quote_names_the_line_where_the_cell_starts(void **state)
{
    (void)state;
    const char *path = write_text("open.csv", "teacher_code,name,school_code,note\r\n"
                                              "T001,张三,S01,ok\r\n"
                                              "T002,李四,S01,\"never closed\r\n"
                                              "T003,王五,S01,x\r\n");
    struct csvin_error err = read_fails(path, CSVIN_AUTO);
    assert_int_equal(err.line, 3);
    assert_contains(err.message, "open.csv line 3, column D:");
    assert_contains(err.message, "closing double quote is missing");
}

static void stray_quotes_are_refused_with_line_and_column(void **state)
{
    (void)state;
    const char *path = write_text("stray.csv", "teacher_code,name,school_code\r\n"
                                               "T001,张\"三,S01\r\n");
    struct csvin_error err = read_fails(path, CSVIN_AUTO);
    assert_int_equal(err.line, 2);
    assert_contains(err.message, "stray.csv line 2, column B: a double quote inside a cell");

    path = write_text("after.csv", "teacher_code,name,school_code\r\n"
                                   "T001,\"张\"三,S01\r\n");
    err = read_fails(path, CSVIN_AUTO);
    assert_contains(err.message, "after.csv line 2, column B: text after the closing double quote");
}

/* --- header ------------------------------------------------------------------------ */

static void header_matching_ignores_case_spaces_and_takes_any_alias(void **state)
{
    (void)state;
    const char *path = write_text("case.csv", "  Teacher_CODE ,\" 姓名 \",学校编号,SUBJECT\n"
                                              "T001,张三,S01,语文\n");
    struct csvin_table *t = read_ok(path, CSVIN_AUTO);
    assert_string_equal(csvin_header(t, T_CODE), "Teacher_CODE");
    assert_string_equal(csvin_header(t, T_NAME), "姓名");
    assert_string_equal(csvin_header(t, T_SCHOOL), "学校编号");
    assert_string_equal(csvin_get(t, 0, T_SCHOOL), "S01");
    csvin_free(t);
}

static void missing_required_column_is_named_with_its_chinese_header(void **state)
{
    (void)state;
    const char *path = write_text("teachers.csv", "教师编号,姓名\r\nT001,张三\r\n");
    struct csvin_error err = read_fails(path, CSVIN_AUTO);
    assert_int_equal(err.line, 1);
    assert_contains(err.message, "teachers.csv line 1: missing required column school_code "
                                 "(学校代码)");
    assert_contains(err.message, "subject (学科, optional)");
}

static void unknown_column_is_named_and_the_expected_ones_listed(void **state)
{
    (void)state;
    const char *path =
        write_text("extra.csv", "教师编号,姓名,学校代码,备注\r\nT001,张三,S01,x\r\n");
    struct csvin_error err = read_fails(path, CSVIN_AUTO);
    assert_int_equal(err.line, 1);
    assert_contains(err.message, "extra.csv line 1: unknown column \"备注\" (column D)");
    assert_contains(err.message, "expected: teacher_code (教师编号), name (姓名), school_code "
                                 "(学校代码), subject (学科, optional), note (说明, optional)");
}

static void a_column_named_twice_is_refused(void **state)
{
    (void)state;
    const char *path = write_text("dup.csv", "teacher_code,姓名,教师编号,学校代码\r\n");
    struct csvin_error err = read_fails(path, CSVIN_AUTO);
    assert_int_equal(err.line, 1);
    assert_contains(err.message,
                    "dup.csv line 1: columns A (\"teacher_code\") and C (\"教师编号\") "
                    "are the same column teacher_code (教师编号)");
}

static void data_without_header_and_semicolons_are_explained(void **state)
{
    (void)state;
    const char *path = write_text("nohead.csv", "T001,张三,S01\r\n");
    struct csvin_error err = read_fails(path, CSVIN_AUTO);
    assert_contains(err.message, "nohead.csv line 1: the first row does not name any known column");
    assert_contains(err.message, "\"T001\", \"张三\", \"S01\"");

    path = write_text("semi.csv", "teacher_code;name;school_code\r\nT001;张三;S01\r\n");
    err = read_fails(path, CSVIN_AUTO);
    assert_contains(err.message, "separated by \";\"");
}

static void empty_and_header_only_files(void **state)
{
    (void)state;
    const char *path = write_text("empty.csv", "\r\n\r\n");
    struct csvin_error err = read_fails(path, CSVIN_AUTO);
    assert_contains(err.message, "empty.csv line 1: the file is empty");
    assert_contains(err.message, "expected: teacher_code");

    path = write_text("header-only.csv", "\xEF\xBB\xBFteacher_code,name,school_code\r\n,,\r\n");
    struct csvin_table *t = read_ok(path, CSVIN_AUTO);
    assert_int_equal(csvin_rows(t), 0);
    csvin_free(t);
}

/* --- files that are not CSV text ---------------------------------------------------- */

static void workbooks_utf16_missing_and_huge_files_are_refused(void **state)
{
    (void)state;
    const char *path = write_fixture("book.xlsx.csv", "PK\x03\x04\x14\x00\x06\x00", 8);
    struct csvin_error err = read_fails(path, CSVIN_AUTO);
    assert_contains(err.message, "Excel workbook (.xlsx)");

    path = write_fixture("u16.csv", "\xFF\xFEt\0e\0", 6);
    err = read_fails(path, CSVIN_AUTO);
    assert_contains(err.message, "UTF-16");

    err = read_fails(fixture_path("does-not-exist.csv"), CSVIN_AUTO);
    assert_contains(err.message, "does-not-exist.csv: cannot open: No such file or directory");
    assert_int_equal(err.line, 0);

    path = fixture_path("huge.csv");
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    assert_true(fd >= 0);
    assert_int_equal(ftruncate(fd, (off_t)CSVIN_MAX_FILE_BYTES + 1), 0);
    close(fd);
    err = read_fails(path, CSVIN_AUTO);
    assert_contains(err.message, "larger than 64 MiB");
    unlink(path);
}

/* --- template -------------------------------------------------------------------- */

static void template_has_the_headers_and_reads_back(void **state)
{
    (void)state;
    struct csvin_error err;
    const char *path = fixture_path("template-zh.csv");
    if (!csvin_write_template(path, TEACHER_COLS, T_NCOLS, true, true, &err))
        fail_msg("%s", err.message);
    static const char expected[] = "\xEF\xBB\xBF教师编号,姓名,学校代码,学科,说明\r\n";
    char buf[256];
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    size_t n = fread(buf, 1, sizeof(buf), f);
    fclose(f);
    assert_int_equal(n, sizeof(expected) - 1);
    assert_memory_equal(buf, expected, n);

    struct csvin_table *t = read_ok(path, CSVIN_AUTO);
    assert_int_equal(csvin_rows(t), 0);
    for (size_t c = 0; c < T_NCOLS; c++)
        assert_true(csvin_has_column(t, c));
    csvin_free(t);

    /* an existing file is never replaced */
    assert_false(csvin_write_template(path, TEACHER_COLS, T_NCOLS, false, false, &err));
    assert_contains(err.message, "template-zh.csv: already exists");

    path = fixture_path("template-en.csv");
    if (!csvin_write_template(path, TEACHER_COLS, T_NCOLS, false, false, &err))
        fail_msg("%s", err.message);
    f = fopen(path, "rb");
    assert_non_null(f);
    n = fread(buf, 1, sizeof(buf), f);
    fclose(f);
    assert_int_equal(n, strlen("teacher_code,name,school_code,subject,note\r\n"));
    assert_memory_equal(buf, "teacher_code,name,school_code,subject,note\r\n", n);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(utf8_file_reads_cells_lines_and_headers),
        cmocka_unit_test(utf8_bom_is_dropped_before_the_first_header),
        cmocka_unit_test(gb18030_file_is_detected_and_decoded_to_utf8),
        cmocka_unit_test(gb18030_four_byte_characters_and_its_bom_are_decoded),
        cmocka_unit_test(file_in_neither_encoding_names_the_line_of_the_bad_byte),
        cmocka_unit_test(forced_utf8_refuses_gb18030_and_says_what_to_do),
        cmocka_unit_test(encoding_words_are_parsed),
        cmocka_unit_test(quoted_cells_keep_commas_quotes_and_line_breaks_and_lines_count_them),
        cmocka_unit_test(lf_cr_and_no_final_line_end_are_read),
        cmocka_unit_test(ragged_rows_read_short_cells_as_empty_and_refuse_extra_values),
        cmocka_unit_test(unterminated_quote_names_the_line_where_the_cell_starts),
        cmocka_unit_test(stray_quotes_are_refused_with_line_and_column),
        cmocka_unit_test(header_matching_ignores_case_spaces_and_takes_any_alias),
        cmocka_unit_test(missing_required_column_is_named_with_its_chinese_header),
        cmocka_unit_test(unknown_column_is_named_and_the_expected_ones_listed),
        cmocka_unit_test(a_column_named_twice_is_refused),
        cmocka_unit_test(data_without_header_and_semicolons_are_explained),
        cmocka_unit_test(empty_and_header_only_files),
        cmocka_unit_test(workbooks_utf16_missing_and_huge_files_are_refused),
        cmocka_unit_test(template_has_the_headers_and_reads_back),
    };
    return cmocka_run_group_tests(tests, make_tmpdir, remove_tmpdir);
}
