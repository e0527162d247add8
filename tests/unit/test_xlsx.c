/*
 * Unit tests of sheet/xlsx.c, and of a listing (out.h) written as a
 * workbook: a workbook is written, then read back as what it is — a zip of
 * XML files — with a small reader of our own (zlib inflates) so that the test
 * needs no unzip program: the Chinese headers in bold, the frozen header row,
 * numbers stored as numbers with their formats, the filter, the sheet names;
 * and the refusals.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include <cmocka.h>

#include "lang.h"
#include "out.h"
#include "xlsx.h"

/* --- reading the zip back ------------------------------------------------------------------ */

static uint32_t le16(const unsigned char *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8;
}

static uint32_t le32(const unsigned char *p)
{
    return le16(p) | le16(p + 2) << 16;
}

/* The whole file (free it); *len its size. */
static unsigned char *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    assert_int_equal(fseek(f, 0, SEEK_END), 0);
    long n = ftell(f);
    assert_true(n > 22);
    rewind(f);
    unsigned char *buf = malloc((size_t)n);
    assert_non_null(buf);
    assert_int_equal(fread(buf, 1, (size_t)n, f), (size_t)n);
    fclose(f);
    *len = (size_t)n;
    return buf;
}

/*
 * The member `name` of the zip at `path`, inflated and NUL-terminated (free
 * it); NULL when the zip has no such member. Goes by the central directory,
 * as the local headers may leave the sizes to a data descriptor.
 */
static char *zip_member(const char *path, const char *name)
{
    size_t len;
    unsigned char *z = slurp(path, &len);
    /* The end of central directory record: the last "PK\5\6" (no archive comment here). */
    size_t eocd = len - 22;
    while (eocd > 0 && le32(z + eocd) != 0x06054b50)
        eocd--;
    assert_int_equal(le32(z + eocd), 0x06054b50);
    size_t entries = le16(z + eocd + 10);
    size_t at = le32(z + eocd + 16);
    bool found = false;
    uint32_t method = 0, csize = 0, usize = 0;
    size_t local = 0;
    for (size_t i = 0; i < entries && !found; i++) {
        assert_true(at + 46 <= len);
        assert_int_equal(le32(z + at), 0x02014b50);
        method = le16(z + at + 10);
        csize = le32(z + at + 20);
        usize = le32(z + at + 24);
        size_t nlen = le16(z + at + 28), xlen = le16(z + at + 30), clen = le16(z + at + 32);
        local = le32(z + at + 42);
        found = nlen == strlen(name) && memcmp(z + at + 46, name, nlen) == 0;
        at += 46 + nlen + xlen + clen;
    }
    if (!found) {
        free(z);
        return NULL;
    }
    assert_int_equal(le32(z + local), 0x04034b50);
    size_t data = local + 30 + le16(z + local + 26) + le16(z + local + 28);
    assert_true(data + csize <= len);
    char *out = malloc((size_t)usize + 1);
    if (!out) {
        free(z);
        fail_msg("out of memory");
        return NULL;
    }
    if (method == 0) {
        assert_int_equal(csize, usize);
        memcpy(out, z + data, usize);
    } else {
        assert_int_equal(method, 8); /* deflate */
        z_stream s = {0};
        assert_int_equal(inflateInit2(&s, -MAX_WBITS), Z_OK);
        s.next_in = z + data;
        s.avail_in = csize;
        s.next_out = (unsigned char *)out;
        s.avail_out = usize;
        assert_int_equal(inflate(&s, Z_FINISH), Z_STREAM_END);
        assert_int_equal(s.total_out, usize);
        inflateEnd(&s);
    }
    out[usize] = '\0';
    free(z);
    return out;
}

/* --- fixtures ---------------------------------------------------------------------------- */

struct dir {
    char path[64];
    char file[128];
};

static int make_dir(void **state)
{
    struct dir *d = calloc(1, sizeof(*d));
    if (!d)
        return -1;
    snprintf(d->path, sizeof(d->path), "/tmp/yx-xlsx-XXXXXX");
    if (!mkdtemp(d->path)) {
        free(d);
        return -1;
    }
    snprintf(d->file, sizeof(d->file), "%s/out.xlsx", d->path);
    *state = d;
    return 0;
}

static int remove_dir(void **state)
{
    struct dir *d = *state;
    unlink(d->file);
    rmdir(d->path);
    free(d);
    return 0;
}

static const struct xlsx_column teacher_cols[] = {
    {"教师编号", XLSX_TEXT},
    {"总学时", XLSX_DECIMAL1},
    {"无故缺席", XLSX_INTEGER},
    {"达标率", XLSX_PERCENT},
};

static const char *const teacher_cells[] = {
    "T0001", "40.5", "2",  "0.875", /* */
    "T0002", "-",    NULL, "1",     /* a text in a number column; an empty cell */
};

static const struct xlsx_column rate_cols[] = {
    {"月份", XLSX_TEXT},
    {"上报率", XLSX_PERCENT},
};

static const char *const rate_cells[] = {"2026-09", "0.5"};

static void write_two_sheets(const char *path)
{
    const struct xlsx_sheet sheets[] = {
        {"教师学时", teacher_cols, 4, teacher_cells, 2, NULL, 0},
        {"上报率", rate_cols, 2, rate_cells, 1, NULL, 0},
    };
    char err[300] = "";
    assert_true(xlsx_write(path, sheets, 2, err, sizeof(err)));
    assert_string_equal(err, "");
}

/* --- tests ------------------------------------------------------------------------------- */

static void sheet_has_the_headers_frozen_and_bold(void **state)
{
    struct dir *d = *state;
    write_two_sheets(d->file);
    char *xml = zip_member(d->file, "xl/worksheets/sheet1.xml");
    assert_non_null(xml);
    /* Constant-memory mode writes strings inline, in the sheet itself. */
    assert_non_null(strstr(xml, "教师编号"));
    assert_non_null(strstr(xml, "总学时"));
    assert_non_null(strstr(xml, "无故缺席"));
    assert_non_null(strstr(xml, "达标率"));
    assert_non_null(strstr(xml, "<pane ySplit=\"1\""));
    assert_non_null(strstr(xml, "state=\"frozen\""));
    assert_non_null(strstr(xml, "<autoFilter ref=\"A1:D3\"/>"));
    /* Every column gets a width. */
    assert_non_null(strstr(xml, "<cols>"));
    assert_non_null(strstr(xml, "<col min=\"1\" max=\"1\" width="));
    free(xml);

    char *styles = zip_member(d->file, "xl/styles.xml");
    assert_non_null(styles);
    assert_non_null(strstr(styles, "<b/>"));
    free(styles);
}

static void numbers_are_numbers_with_their_formats(void **state)
{
    struct dir *d = *state;
    write_two_sheets(d->file);
    char *xml = zip_member(d->file, "xl/worksheets/sheet1.xml");
    assert_non_null(xml);
    assert_non_null(strstr(xml, "<v>40.5</v>"));
    assert_non_null(strstr(xml, "<v>2</v>"));
    assert_non_null(strstr(xml, "<v>0.875</v>"));
    /* Text where a number does not read as one; nothing for the empty cell. */
    assert_non_null(strstr(xml, "<t>-</t>"));
    assert_null(strstr(xml, "r=\"C3\""));
    free(xml);

    char *styles = zip_member(d->file, "xl/styles.xml");
    assert_non_null(styles);
    assert_non_null(strstr(styles, "formatCode=\"0.0\""));
    assert_non_null(strstr(styles, "formatCode=\"0.0%\""));
    free(styles);
}

static void sheets_carry_their_chinese_names(void **state)
{
    struct dir *d = *state;
    write_two_sheets(d->file);
    char *wb = zip_member(d->file, "xl/workbook.xml");
    assert_non_null(wb);
    char *first = strstr(wb, "<sheet name=\"教师学时\"");
    char *second = strstr(wb, "<sheet name=\"上报率\"");
    assert_non_null(first);
    assert_non_null(second);
    assert_true(first < second);
    free(wb);
    char *xml = zip_member(d->file, "xl/worksheets/sheet2.xml");
    assert_non_null(xml);
    assert_non_null(strstr(xml, "2026-09"));
    assert_non_null(strstr(xml, "<v>0.5</v>"));
    free(xml);
}

static void a_sheet_without_rows_keeps_its_header(void **state)
{
    struct dir *d = *state;
    const struct xlsx_sheet sheet = {"单位汇总", rate_cols, 2, NULL, 0, NULL, 0};
    char err[300];
    assert_true(xlsx_write(d->file, &sheet, 1, err, sizeof(err)));
    char *xml = zip_member(d->file, "xl/worksheets/sheet1.xml");
    assert_non_null(xml);
    assert_non_null(strstr(xml, "上报率"));
    assert_non_null(strstr(xml, "<pane ySplit=\"1\""));
    assert_null(strstr(xml, "<autoFilter"));
    free(xml);
}

/* The handbook's titles (whose it is) go above the header, which the pane and filter follow. */
static void titles_go_above_the_header(void **state)
{
    struct dir *d = *state;
    static const char *const titles[] = {"姓名：刘洋", "教师编号：J001"};
    const struct xlsx_sheet sheet = {"登记手册", rate_cols, 2, rate_cells, 1, titles, 2};
    char err[300] = "";
    assert_true(xlsx_write(d->file, &sheet, 1, err, sizeof(err)));
    char *xml = zip_member(d->file, "xl/worksheets/sheet1.xml");
    assert_non_null(xml);
    const char *name = strstr(xml, "姓名：刘洋"), *code = strstr(xml, "教师编号：J001");
    const char *head = strstr(xml, "上报率");
    assert_true(name && code && head && name < code && code < head);
    assert_non_null(strstr(xml, "<row r=\"3\""));
    assert_non_null(strstr(xml, "<pane ySplit=\"3\""));
    assert_non_null(strstr(xml, "<autoFilter ref=\"A3:B4\"/>"));
    free(xml);
}

static void a_bad_sheet_name_is_refused_and_no_file_left(void **state)
{
    struct dir *d = *state;
    const struct xlsx_sheet sheet = {"学时/2026", rate_cols, 2, rate_cells, 1, NULL, 0};
    char err[300] = "";
    assert_false(xlsx_write(d->file, &sheet, 1, err, sizeof(err)));
    assert_non_null(strstr(err, "学时/2026"));
    assert_int_equal(access(d->file, F_OK), -1);
}

static void no_sheets_is_refused(void **state)
{
    struct dir *d = *state;
    char err[300] = "";
    assert_false(xlsx_write(d->file, NULL, 0, err, sizeof(err)));
    assert_non_null(strstr(err, "at least one sheet"));
    assert_int_equal(access(d->file, F_OK), -1);
}

static void an_unwritable_place_is_an_error(void **state)
{
    struct dir *d = *state;
    char path[200];
    snprintf(path, sizeof(path), "%s/no/such/dir/out.xlsx", d->path);
    const struct xlsx_sheet sheet = {"上报率", rate_cols, 2, rate_cells, 1, NULL, 0};
    char err[300] = "";
    assert_false(xlsx_write(path, &sheet, 1, err, sizeof(err)));
    assert_non_null(strstr(err, path));
}

/* A listing as report list fills it (text, counts, booleans, decimals, a status, no value),
   under zh_CN (the CLI's default) with Chinese headers and values, under en in English. */
static void a_listing_writes_its_typed_cells_as_a_sheet(void **state)
{
    struct dir *d = *state;
    lang_set(MSG_ZH_CN);
    static const struct out_column cols[] = {
        {"unit_code", "上报单位", OUT_TEXT, NULL}, {"version", "版本", OUT_COUNT, NULL},
        {"on_time", "按时", OUT_BOOL, NULL},       {"teacher_hours", "教师学时", OUT_DECIMAL, NULL},
        {"status", "学时状态", OUT_STATUS, NULL},  {"at", NULL, OUT_TEXT, "time"},
    };
    struct out_table t = {"月报", cols, 6, NULL, 0, 0, false};
    const struct out_cell r1[] = {
        out_text("4114230001"),    out_num(2),    out_num(1), out_num(720.25),
        out_text("non_compliant"), {.null = true}};
    const struct out_cell r2[] = {
        out_text("4114230002"),      out_num(1), out_num(0), out_num(0.5), out_text("compliant"),
        out_text("2026-11-05 23:59")};
    assert_true(out_add(&t, r1));
    assert_true(out_add(&t, r2));
    const struct out_table *const one[] = {&t};
    char err[300] = "";
    assert_true(out_write_xlsx(d->file, one, 1, err, sizeof(err)));
    assert_string_equal(err, "");

    char *wb = zip_member(d->file, "xl/workbook.xml");
    assert_non_null(wb);
    assert_non_null(strstr(wb, "<sheet name=\"月报\""));
    free(wb);
    char *xml = zip_member(d->file, "xl/worksheets/sheet1.xml");
    assert_non_null(xml);
    /* The Excel headers (the table heading where there is none), numbers as numbers,
       booleans and statuses in Chinese. */
    static const char *const want[] = {
        "上报单位",  "教师学时",      "<t>time</t>", "<t>4114230001</t>",
        "<v>2</v>",  "<v>720.25</v>", "<v>0.5</v>",  "<t>是</t>",
        "<t>否</t>", "<t>不达标</t>", "<t>达标</t>",
    };
    for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++)
        if (!strstr(xml, want[i]))
            fail_msg("the sheet has no %s: %s", want[i], xml);
    assert_null(strstr(xml, "r=\"F2\"")); /* no value: no cell */
    assert_non_null(strstr(xml, "r=\"F3\""));
    assert_non_null(strstr(xml, "<autoFilter ref=\"A1:F3\"/>"));
    free(xml);

    lang_set(MSG_EN);
    assert_true(out_write_xlsx(d->file, one, 1, err, sizeof(err)));
    out_table_free(&t);
    xml = zip_member(d->file, "xl/worksheets/sheet1.xml");
    assert_non_null(xml);
    static const char *const want_en[] = {"<t>unit_code</t>", "<t>teacher_hours</t>", "<t>yes</t>",
                                          "<t>no</t>", "<t>non-compliant</t>"};
    for (size_t i = 0; i < sizeof(want_en) / sizeof(want_en[0]); i++)
        if (!strstr(xml, want_en[i]))
            fail_msg("the English sheet has no %s: %s", want_en[i], xml);
    assert_null(strstr(xml, "上报单位"));
    free(xml);
}

static void a_listing_out_of_memory_is_not_written(void **state)
{
    struct dir *d = *state;
    static const struct out_column cols[] = {{"unit_code", "上报单位", OUT_TEXT, NULL}};
    struct out_table t = {"月报", cols, 1, NULL, 0, 0, true};
    const struct out_table *const one[] = {&t};
    char err[300] = "";
    assert_false(out_write_xlsx(d->file, one, 1, err, sizeof(err)));
    assert_non_null(strstr(err, "out of memory"));
    assert_int_equal(access(d->file, F_OK), -1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(sheet_has_the_headers_frozen_and_bold, make_dir,
                                        remove_dir),
        cmocka_unit_test_setup_teardown(numbers_are_numbers_with_their_formats, make_dir,
                                        remove_dir),
        cmocka_unit_test_setup_teardown(sheets_carry_their_chinese_names, make_dir, remove_dir),
        cmocka_unit_test_setup_teardown(a_sheet_without_rows_keeps_its_header, make_dir,
                                        remove_dir),
        cmocka_unit_test_setup_teardown(titles_go_above_the_header, make_dir, remove_dir),
        cmocka_unit_test_setup_teardown(a_bad_sheet_name_is_refused_and_no_file_left, make_dir,
                                        remove_dir),
        cmocka_unit_test_setup_teardown(no_sheets_is_refused, make_dir, remove_dir),
        cmocka_unit_test_setup_teardown(an_unwritable_place_is_an_error, make_dir, remove_dir),
        cmocka_unit_test_setup_teardown(a_listing_writes_its_typed_cells_as_a_sheet, make_dir,
                                        remove_dir),
        cmocka_unit_test_setup_teardown(a_listing_out_of_memory_is_not_written, make_dir,
                                        remove_dir),
    };
    /* Messages in English, as the tests read them; the listing test sets its own language. */
    if (!msg_init())
        return 1;
    lang_set(MSG_EN);
    return cmocka_run_group_tests(tests, NULL, NULL);
}
