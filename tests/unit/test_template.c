/*
 * Unit tests of sheet/template.c: the templates are read back with the
 * server's own reader (text/book.h), as an upload of them would be: the
 * report workbook's three sheets with the headers the server takes, the
 * pre-filled roster rows, the instructions sheet, the hidden lists left out;
 * the roster workbook; the CSV files with their BOM; and that no template
 * replaces a file.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "book.h"
#include "template.h"

static char dir[] = "/tmp/yx-template.XXXXXX";

static int setup(void **state)
{
    (void)state;
    return msg_init() && mkdtemp(dir) ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    const char *names[] = {"report.xlsx", "roster.xlsx", "activities.csv", "attendance.csv"};
    char path[256];
    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
        snprintf(path, sizeof(path), "%s/%s", dir, names[i]);
        unlink(path);
    }
    rmdir(dir);
    return 0;
}

/* The file at `name` in the test's directory, read with book_read (free with book_free). */
static struct book *read_back(const char *name, char *path, size_t cap)
{
    snprintf(path, cap, "%s/%s", dir, name);
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    static unsigned char buf[1 << 20];
    size_t len = fread(buf, 1, sizeof(buf), f);
    fclose(f);
    struct book_limits lim = book_limits_default();
    struct book_error err;
    memset(&err, 0, sizeof(err));
    struct book *b = book_read(name, buf, len, "", &lim, &err);
    if (!b)
        fail_msg("%s: %s %s", name, err.code, err.detail);
    return b;
}

/* The sheet of book b named `name`; fails the test when there is none. */
static size_t sheet_named(const struct book *b, const char *name)
{
    for (size_t i = 0; i < book_sheets(b); i++)
        if (strcmp(book_sheet(b, i)->name, name) == 0)
            return i;
    fail_msg("no sheet %s", name);
    return 0;
}

/* Row 1 of the sheet holds the headers of `sheet`, in its order. */
static void assert_headers(const struct book *b, size_t s, const struct tmpl_sheet *sheet)
{
    assert_int_equal(book_sheet(b, s)->cols, sheet->ncols);
    for (unsigned c = 0; c < sheet->ncols; c++)
        assert_string_equal(book_cell(b, s, 0, c)->text, sheet->cols[c].header);
}

static void report_workbook_reads_back_with_its_sheets_headers_and_roster(void **state)
{
    (void)state;
    const struct tmpl_sheet *att = &tmpl_report_sheets[TMPL_ATTENDANCE];
    const char **cells = calloc(2 * att->ncols, sizeof(*cells));
    assert_non_null(cells);
    for (size_t c = 0; c < att->ncols; c++) {
        if (strcmp(att->cols[c].english, "teacher_code") == 0) {
            cells[c] = "C001";
            cells[att->ncols + c] = "0012";
        } else if (strcmp(att->cols[c].english, "name") == 0) {
            cells[c] = "张丽";
            cells[att->ncols + c] = "王强";
        }
    }
    struct tmpl_rows rows[3] = {{NULL, 0}, {cells, 2}, {NULL, 0}};
    char path[256], err[512];
    snprintf(path, sizeof(path), "%s/report.xlsx", dir);
    if (!template_write_xlsx(path, tmpl_report_sheets, 3, rows, MSG_ZH_CN, "说明", err,
                             sizeof(err)))
        fail_msg("%s", err);
    free(cells);

    struct book *b = read_back("report.xlsx", path, sizeof(path));
    /* 选项 is hidden: the reader, as the server's, does not return it */
    assert_int_equal(book_sheets(b), 4);
    assert_headers(b, sheet_named(b, "研修活动"), &tmpl_report_sheets[TMPL_ACTIVITIES]);
    assert_headers(b, sheet_named(b, "校外培训"), &tmpl_report_sheets[TMPL_EXTERNAL]);
    size_t s = sheet_named(b, "签到表");
    assert_headers(b, s, att);
    assert_int_equal(book_sheet(b, s)->rows, 3);
    unsigned code = 0, name = 0;
    for (unsigned c = 0; c < att->ncols; c++) {
        code = strcmp(att->cols[c].english, "teacher_code") == 0 ? c : code;
        name = strcmp(att->cols[c].english, "name") == 0 ? c : name;
    }
    assert_string_equal(book_cell(b, s, 1, code)->text, "C001");
    assert_string_equal(book_cell(b, s, 2, name)->text, "王强");
    /* a code is text: its leading zeros stay */
    assert_int_equal(book_cell(b, s, 2, code)->kind, BOOK_TEXT);
    assert_string_equal(book_cell(b, s, 2, code)->text, "0012");
    /* the activities sheet is empty below its header */
    assert_int_equal(book_sheet(b, sheet_named(b, "研修活动"))->rows, 1);
    /* the instructions name every column */
    s = sheet_named(b, "填写说明");
    assert_string_equal(book_cell(b, s, 0, 0)->text, "填写说明");
    assert_string_equal(book_cell(b, s, 1, 0)->text, "说明");
    book_free(b);

    assert_false(
        template_write_xlsx(path, tmpl_report_sheets, 3, NULL, MSG_EN, NULL, err, sizeof(err)));
    assert_non_null(strstr(err, "exists already"));
}

static void roster_workbook_reads_back_with_its_headers(void **state)
{
    (void)state;
    char path[256], err[512];
    snprintf(path, sizeof(path), "%s/roster.xlsx", dir);
    if (!template_write_xlsx(path, &tmpl_roster_sheet, 1, NULL, MSG_EN, NULL, err, sizeof(err)))
        fail_msg("%s", err);
    struct book *b = read_back("roster.xlsx", path, sizeof(path));
    assert_int_equal(book_sheets(b), 2); /* 名册, 填写说明 */
    assert_headers(b, sheet_named(b, "名册"), &tmpl_roster_sheet);
    assert_string_equal(book_cell(b, sheet_named(b, "填写说明"), 0, 0)->text,
                        "How to fill in this workbook");
    book_free(b);
}

static void csv_files_have_a_bom_and_the_headers_and_are_never_replaced(void **state)
{
    (void)state;
    char path[256], err[512];
    snprintf(path, sizeof(path), "%s/activities.csv", dir);
    if (!template_write_csv(path, &tmpl_report_sheets[TMPL_ACTIVITIES], false, MSG_EN, err,
                            sizeof(err)))
        fail_msg("%s", err);
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    char line[512] = "";
    assert_non_null(fgets(line, sizeof(line), f));
    fclose(f);
    static const char head[] = "\xef\xbb\xbf编号,日期,开始,结束,主题,";
    assert_memory_equal(line, head, sizeof(head) - 1);
    assert_non_null(strstr(line, ",学时\r\n"));
    struct book *b = read_back("activities.csv", path, sizeof(path));
    assert_int_equal(book_sheets(b), 1);
    assert_headers(b, 0, &tmpl_report_sheets[TMPL_ACTIVITIES]);
    book_free(b);
    assert_false(template_write_csv(path, &tmpl_report_sheets[TMPL_ACTIVITIES], true, MSG_EN, err,
                                    sizeof(err)));
    assert_non_null(strstr(err, "exists already"));

    snprintf(path, sizeof(path), "%s/attendance.csv", dir);
    if (!template_write_csv(path, &tmpl_report_sheets[TMPL_ATTENDANCE], true, MSG_EN, err,
                            sizeof(err)))
        fail_msg("%s", err);
    b = read_back("attendance.csv", path, sizeof(path));
    assert_string_equal(book_cell(b, 0, 0, 0)->text, "ref");
    assert_string_equal(book_cell(b, 0, 0, 3)->text, "status");
    book_free(b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(report_workbook_reads_back_with_its_sheets_headers_and_roster),
        cmocka_unit_test(roster_workbook_reads_back_with_its_headers),
        cmocka_unit_test(csv_files_have_a_bom_and_the_headers_and_are_never_replaced),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
