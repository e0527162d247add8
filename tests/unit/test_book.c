/*
 * Unit tests of the workbook reader (text/book*.c) on real files: workbooks
 * saved by openpyxl and by libxlsxwriter, packages crafted with Python's zipfile
 * for what those cannot write (inline strings, cached formula values, rows and
 * cells without r=, hidden sheets, the 1904 date system, a zip bomb whose headers
 * lie, a DOCTYPE with entities), .xls and encrypted OLE2 headers, and CSV in UTF-8
 * with a BOM, GB18030, CR line ends and broken quoting. The files are written at
 * test time by tests/unit/book_files.py into a temporary directory.
 */
#include <dirent.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>
#include <xlsxwriter.h>

#include "book.h"

static char dir[] = "/tmp/yx_book_XXXXXX";

static int make_files(void **state)
{
    (void)state;
    if (!mkdtemp(dir))
        return -1;
    char cmd[512];
    snprintf(cmd, sizeof(cmd), "/usr/bin/python3 %s/tests/unit/book_files.py %s", YX_SOURCE_DIR,
             dir);
    return system(cmd) == 0 ? 0 : -1;
}

/* Empties and removes the directory made by make_files (all of it is ours). */
static int remove_files(void **state)
{
    (void)state;
    DIR *d = opendir(dir);
    if (d) {
        char p[512];
        for (struct dirent *e; (e = readdir(d));) {
            if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
                continue;
            snprintf(p, sizeof(p), "%s/%s", dir, e->d_name);
            unlink(p);
        }
        closedir(d);
    }
    rmdir(dir);
    return 0;
}

static unsigned char *slurp(const char *name, size_t *len)
{
    char p[512];
    snprintf(p, sizeof(p), "%s/%s", dir, name);
    FILE *f = fopen(p, "rb");
    assert_non_null(f);
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    unsigned char *buf = malloc((size_t)n + 1);
    assert_non_null(buf);
    assert_int_equal(fread(buf, 1, (size_t)n, f), (size_t)n);
    fclose(f);
    *len = (size_t)n;
    return buf;
}

/* Reads `name` from the directory; NULL (with *err) when refused. */
static struct book *read_with(const char *name, const char *enc, const struct book_limits *lim,
                              struct book_error *err)
{
    size_t len;
    unsigned char *data = slurp(name, &len);
    struct book *b = book_read(name, data, len, enc, lim, err);
    free(data);
    return b;
}

static struct book *read_ok(const char *name, const char *enc)
{
    struct book_error err;
    struct book *b = read_with(name, enc, NULL, &err);
    if (!b)
        fail_msg("%s refused: %s (%s)", name, err.code, err.detail);
    return b;
}

/* Reads `name`, which must be refused with `code`; *err keeps the details. */
static void refused(const char *name, const char *enc, const struct book_limits *lim,
                    const char *code, struct book_error *err)
{
    struct book *b = read_with(name, enc, lim, err);
    if (b) {
        book_free(b);
        fail_msg("%s was read; expected %s", name, code);
    }
    assert_string_equal(err->code, code);
    assert_true(err->detail[0] != '\0');
}

/* The cell at an Excel reference ("B3") of sheet s. */
static const struct book_cell *at(const struct book *b, size_t s, const char *ref)
{
    unsigned col = 0, row = 0;
    const char *p = ref;
    for (; *p >= 'A' && *p <= 'Z'; p++)
        col = col * 26 + (unsigned)(*p - 'A' + 1);
    row = (unsigned)atoi(p);
    return book_cell(b, s, row - 1, col - 1);
}

#define assert_cell(b, s, ref, kind_, text_)                                                       \
    do {                                                                                           \
        const struct book_cell *c_ = at((b), (s), (ref));                                          \
        assert_string_equal(c_->text, (text_));                                                    \
        assert_int_equal(c_->kind, (kind_));                                                       \
    } while (0)

/* --- XLSX as Excel and openpyxl save it ------------------------------------------------- */

static void xlsx_report_reads_values_as_excel_shows_them(void **state)
{
    (void)state;
    struct book *b = read_ok("report.xlsx", "");
    assert_int_equal(book_format(b), BOOK_XLSX);
    assert_string_equal(book_encoding(b), "");
    /* The hidden sheet 旧数据 is not there. */
    assert_int_equal(book_sheets(b), 2);
    assert_string_equal(book_sheet(b, 0)->name, "研修活动");
    assert_string_equal(book_sheet(b, 1)->name, "签到表");
    assert_null(book_sheet(b, 2));
    /* Row 30 carries only a style: not a row with a value. */
    assert_int_equal(book_sheet(b, 0)->rows, 5);
    assert_int_equal(book_sheet(b, 0)->cols, 6);

    assert_cell(b, 0, "A1", BOOK_TEXT, "城关镇中心校2026年10月校本研修活动登记表");
    assert_cell(b, 0, "A2", BOOK_TEXT, "活动编号");
    assert_cell(b, 0, "B3", BOOK_DATE, "2026-10-08");
    assert_cell(b, 0, "C3", BOOK_TIME, "08:30");
    assert_cell(b, 0, "D3", BOOK_NUMBER, "1.5");
    assert_true(at(b, 0, "D3")->number == 1.5);
    assert_cell(b, 0, "E3", BOOK_TEXT, "单元整体教学设计"); /* spaces and U+3000 trimmed */
    assert_cell(b, 0, "B4", BOOK_DATETIME, "2026-10-15 14:00");
    assert_cell(b, 0, "D4", BOOK_NUMBER, "2");
    assert_cell(b, 0, "B5", BOOK_DATE, "2026-10-22"); /* yyyy"年"m"月"d"日" */
    assert_cell(b, 0, "C5", BOOK_TIME, "09:05");      /* h:mm */
    assert_cell(b, 0, "D5", BOOK_NUMBER, "72");
    assert_cell(b, 1, "C2", BOOK_TEXT, "张三");
    assert_cell(b, 0, "A30", BOOK_EMPTY, "");
    assert_cell(b, 0, "Z99", BOOK_EMPTY, "");
    assert_cell(b, 7, "A1", BOOK_EMPTY, "");
    book_free(b);
}

static void xlsx_merged_title_marks_its_hidden_cells(void **state)
{
    (void)state;
    struct book *b = read_ok("report.xlsx", "");
    assert_false(at(b, 0, "A1")->merged);
    for (const char *const *r = (const char *const[]){"B1", "C1", "D1", "E1", "F1", NULL}; *r;
         r++) {
        const struct book_cell *c = at(b, 0, *r);
        assert_true(c->merged);
        assert_int_equal(c->kind, BOOK_EMPTY);
        assert_int_equal(c->anchor_row, 0);
        assert_int_equal(c->anchor_col, 0);
    }
    assert_false(at(b, 0, "B2")->merged);
    book_free(b);
}

static const char *const report_headers[] = {"活动编号", "日期",   "开始时间", "学时",
                                             "主题",     "主讲人", "教师编号", NULL};

static bool known_header(const char *text, void *arg)
{
    for (const char *const *h = arg; *h; h++) {
        if (strcmp(text, *h) == 0)
            return true;
    }
    return false;
}

static void header_row_is_found_below_a_merged_title(void **state)
{
    (void)state;
    struct book *b = read_ok("report.xlsx", "");
    void *arg = (void *)report_headers;
    assert_int_equal(book_find_header(b, 0, 10, 3, known_header, arg), 1);
    assert_int_equal(book_find_header(b, 1, 10, 2, known_header, arg), 0);
    /* Not within the rows scanned, or too few known headers: none. */
    assert_int_equal(book_find_header(b, 0, 1, 3, known_header, arg), -1);
    assert_int_equal(book_find_header(b, 1, 10, 3, known_header, arg), -1);
    assert_int_equal(book_find_header(b, 9, 10, 1, known_header, arg), -1);
    book_free(b);
}

static void xlsx_crafted_parts_are_read(void **state)
{
    (void)state;
    struct book *b = read_ok("crafted.xlsx", "");
    /* hidden and veryHidden sheets skipped; an empty visible sheet kept. */
    assert_int_equal(book_sheets(b), 2);
    assert_string_equal(book_sheet(b, 0)->name, "数据");
    assert_string_equal(book_sheet(b, 1)->name, "空表");
    assert_int_equal(book_sheet(b, 1)->rows, 0);
    assert_int_equal(book_sheet(b, 0)->rows, 6); /* rows 7 and 9 hold no value */
    assert_int_equal(book_sheet(b, 0)->cols, 11);

    /* Row 1 has no r=, nor have its cells: counted. Inline strings, rich runs. */
    assert_cell(b, 0, "A1", BOOK_TEXT, "行内");
    assert_cell(b, 0, "B1", BOOK_TEXT, "富文本"); /* the phonetic run left out */
    /* Formulas' cached values, booleans, errors, shared strings. */
    assert_cell(b, 0, "A3", BOOK_NUMBER, "3");
    assert_true(at(b, 0, "A3")->formula);
    assert_cell(b, 0, "B3", BOOK_TEXT, "ab");
    assert_true(at(b, 0, "B3")->formula);
    assert_true(at(b, 0, "C3")->merged); /* B3:C3 */
    assert_int_equal(at(b, 0, "C3")->anchor_col, 1);
    assert_int_equal(at(b, 0, "C3")->anchor_row, 2);
    assert_cell(b, 0, "D3", BOOK_ERROR, "#N/A");
    assert_cell(b, 0, "E3", BOOK_TEXT, "教研组");
    assert_false(at(b, 0, "E3")->formula);
    assert_cell(b, 0, "F3", BOOK_TEXT, "张三");
    assert_cell(b, 0, "G3", BOOK_TEXT, "第一行\r第二行_x0041_");
    assert_cell(b, 0, "H3", BOOK_TEXT, "甲\n乙"); /* _x000D_ and a line break: CRLF, made LF */
    /* Row 4 follows row 3 without r=: numbers in their shortest round-trip text. */
    assert_cell(b, 0, "A4", BOOK_NUMBER, "1.5");
    assert_cell(b, 0, "B4", BOOK_NUMBER, "72");
    assert_cell(b, 0, "C4", BOOK_NUMBER, "0.3"); /* 15 digits, as Excel shows it */
    assert_true(at(b, 0, "C4")->number == 0.1 + 0.2);
    assert_cell(b, 0, "D4", BOOK_NUMBER, "4301020001");
    assert_cell(b, 0, "E4", BOOK_NUMBER, "100000000000000000000");
    assert_cell(b, 0, "F4", BOOK_NUMBER, "-3.25");
    assert_cell(b, 0, "G4", BOOK_NUMBER, "0.00001");
    assert_cell(b, 0, "H4", BOOK_NUMBER, "12.5"); /* 0.00"元": not a date */
    assert_cell(b, 0, "I4", BOOK_NUMBER, "2");
    assert_cell(b, 0, "J4", BOOK_NUMBER, "1.234e-10");
    /* Dates and times by their format: built-in 14, 22, Chinese 31 and 32; custom. */
    assert_cell(b, 0, "A5", BOOK_DATE, "2026-10-08");
    assert_true(at(b, 0, "A5")->number == 46303);
    assert_cell(b, 0, "B5", BOOK_DATETIME, "2026-10-08 08:30");
    assert_cell(b, 0, "C5", BOOK_DATE, "2026-10-08");
    assert_cell(b, 0, "D5", BOOK_TIME, "08:30");
    assert_cell(b, 0, "E5", BOOK_DATE, "2026-10-08");
    assert_cell(b, 0, "F5", BOOK_TIME, "18:00");
    assert_cell(b, 0, "G5", BOOK_TIME, "12:00");
    assert_cell(b, 0, "H5", BOOK_DATETIME, "2026-10-08 18:00");
    assert_cell(b, 0, "I5", BOOK_DATETIME, "2026-10-09 00:00"); /* rounded into the next day */
    assert_cell(b, 0, "J5", BOOK_DATETIME, "2026-10-08 08:30"); /* t="d" */
    assert_cell(b, 0, "K5", BOOK_DATE, "2026-10-09");
    /* Excel's 1900 leap-year bug, day 1, a negative number, a time past a day. */
    assert_cell(b, 0, "A6", BOOK_DATE, "1900-02-28");
    assert_cell(b, 0, "B6", BOOK_DATE, "1900-02-29");
    assert_cell(b, 0, "C6", BOOK_DATE, "1900-03-01");
    assert_cell(b, 0, "D6", BOOK_DATE, "1900-01-01");
    assert_cell(b, 0, "E6", BOOK_NUMBER, "-1");
    assert_cell(b, 0, "F6", BOOK_TIME, "18:00");
    assert_cell(b, 0, "A7", BOOK_EMPTY, "");
    assert_cell(b, 0, "B7", BOOK_EMPTY, "");
    book_free(b);
}

static void xlsx_1904_date_system_is_honoured(void **state)
{
    (void)state;
    struct book *b = read_ok("date1904.xlsx", "");
    assert_cell(b, 0, "A1", BOOK_DATE, "1904-01-01");
    assert_cell(b, 0, "B1", BOOK_DATE, "2030-10-09");
    assert_cell(b, 0, "C1", BOOK_DATETIME, "1904-01-02 12:00");
    book_free(b);
}

static void xlsx_part_in_utf16_is_read(void **state)
{
    (void)state;
    struct book *b = read_ok("utf16_sheet.xlsx", "");
    assert_cell(b, 0, "A1", BOOK_TEXT, "十六位");
    book_free(b);
}

static void xlsx_written_by_libxlsxwriter_is_read(void **state)
{
    (void)state;
    char p[512];
    snprintf(p, sizeof(p), "%s/xlsxwriter.xlsx", dir);
    lxw_workbook *wb = workbook_new(p);
    assert_non_null(wb);
    lxw_worksheet *ws = workbook_add_worksheet(wb, "名册");
    lxw_format *date = workbook_add_format(wb);
    format_set_num_format(date, "yyyy-mm-dd");
    lxw_format *hm = workbook_add_format(wb);
    format_set_num_format(hm, "hh:mm");
    worksheet_write_string(ws, 0, 0, "教师编号", NULL);
    worksheet_write_string(ws, 0, 1, "入职日期", NULL);
    worksheet_write_string(ws, 1, 0, " T001 ", NULL);
    lxw_datetime d = {.year = 2026, .month = 9, .day = 1};
    worksheet_write_datetime(ws, 1, 1, &d, date);
    lxw_datetime t = {.hour = 7, .min = 45};
    worksheet_write_datetime(ws, 1, 2, &t, hm);
    worksheet_write_formula_num(ws, 1, 3, "=1+41", NULL, 42);
    worksheet_write_boolean(ws, 1, 4, 0, NULL);
    assert_int_equal(workbook_close(wb), LXW_NO_ERROR);

    struct book *b = read_ok("xlsxwriter.xlsx", "");
    assert_string_equal(book_sheet(b, 0)->name, "名册");
    assert_cell(b, 0, "A1", BOOK_TEXT, "教师编号");
    assert_cell(b, 0, "A2", BOOK_TEXT, "T001");
    assert_cell(b, 0, "B2", BOOK_DATE, "2026-09-01");
    assert_cell(b, 0, "C2", BOOK_TIME, "07:45");
    assert_cell(b, 0, "D2", BOOK_NUMBER, "42");
    assert_true(at(b, 0, "D2")->formula);
    assert_cell(b, 0, "E2", BOOK_BOOL, "FALSE");
    book_free(b);
}

/* --- XLSX refused -------------------------------------------------------------------------- */

static void xlsx_zip_bomb_with_lying_headers_is_refused(void **state)
{
    (void)state;
    struct book_limits lim = book_limits_default();
    lim.max_part = (size_t)1 << 20;
    struct book_error err;
    /* The headers say 100 bytes: the reading stops at the cap all the same. */
    refused("bomb_lying.xlsx", "", &lim, "file_zip_bomb", &err);
    assert_string_equal(err.limit, "1 MiB");
    /* The same part with honest headers is refused before it is unzipped. */
    refused("bomb_declared.xlsx", "", &lim, "file_zip_bomb", &err);
    assert_string_equal(err.limit, "1 MiB");
    /* Under the total for all parts, too. */
    lim = book_limits_default();
    lim.max_unzipped = (size_t)2 << 20;
    refused("bomb_lying.xlsx", "", &lim, "file_zip_bomb", &err);
    assert_string_equal(err.limit, "2 MiB");
    /* Within the default limits the 4 MiB part is read. */
    struct book *b = read_ok("bomb_lying.xlsx", "");
    book_free(b);
}

static void xlsx_doctype_and_entities_are_refused(void **state)
{
    (void)state;
    struct book_error err;
    refused("doctype.xlsx", "", NULL, "file_unsafe_xml", &err);
}

static void other_files_are_named_for_what_they_are(void **state)
{
    (void)state;
    struct book_error err;
    refused("old.xls", "", NULL, "file_xls", &err);
    refused("password.xlsx", "", NULL, "file_encrypted", &err);
    refused("document.docx", "", NULL, "file_not_xlsx", &err);
    refused("truncated.xlsx", "", NULL, "file_corrupt", &err);
    refused("empty.xlsx", "", NULL, "file_empty", &err);
    refused("bad_sst.xlsx", "", NULL, "file_corrupt", &err);
    assert_string_equal(err.sheet, "Sheet1");
    assert_string_equal(err.cell, "B1");
}

static void limits_are_enforced_with_where_and_how_much(void **state)
{
    (void)state;
    struct book_error err;
    struct book_limits lim = book_limits_default();
    lim.max_bytes = 1000;
    refused("report.xlsx", "", &lim, "file_too_large", &err);
    assert_string_equal(err.limit, "1000");
    refused("gb18030.csv", "", &(struct book_limits){.max_bytes = 10}, "file_too_large", &err);

    lim = book_limits_default();
    lim.max_sheets = 2;
    refused("many_sheets.xlsx", "", &lim, "file_too_many_sheets", &err);
    assert_string_equal(err.limit, "2");
    lim.max_sheets = 3;
    struct book *b = read_with("many_sheets.xlsx", "", &lim, &err);
    assert_non_null(b);
    book_free(b);

    lim = book_limits_default();
    lim.max_rows = 4; /* the report has 5 rows with values */
    refused("report.xlsx", "", &lim, "file_too_many_rows", &err);
    assert_string_equal(err.sheet, "研修活动");
    assert_int_equal(err.row, 5);
    assert_string_equal(err.limit, "4");

    lim = book_limits_default();
    lim.max_cols = 5; /* F3 is the first value beyond */
    refused("crafted.xlsx", "", &lim, "file_too_many_columns", &err);
    assert_string_equal(err.sheet, "数据");
    assert_string_equal(err.cell, "F3");
    assert_string_equal(err.limit, "5");

    lim = book_limits_default();
    lim.max_cells = 10;
    refused("report.xlsx", "", &lim, "file_too_many_cells", &err);
    assert_string_equal(err.limit, "10");

    lim = book_limits_default();
    lim.max_cell_bytes = 16;
    refused("report.xlsx", "", &lim, "file_cell_too_long", &err);
    assert_string_equal(err.cell, "A1");
    assert_string_equal(err.limit, "16");
    refused("bom.csv", "", &lim, "file_cell_too_long", &err);
    assert_string_equal(err.cell, "B2");
    assert_int_equal(err.line, 2);

    lim = book_limits_default();
    lim.max_rows = 2;
    refused("bom.csv", "", &lim, "file_too_many_rows", &err);
    assert_int_equal(err.row, 4);
    lim = book_limits_default();
    lim.max_cols = 2;
    refused("bom.csv", "", &lim, "file_too_many_columns", &err);
    assert_string_equal(err.cell, "C1");
}

/* --- CSV ------------------------------------------------------------------------------------ */

static void csv_gb18030_is_recognised_and_decoded(void **state)
{
    (void)state;
    struct book *b = read_ok("gb18030.csv", "auto");
    assert_int_equal(book_format(b), BOOK_CSV);
    assert_string_equal(book_encoding(b), "gb18030");
    assert_int_equal(book_sheets(b), 1);
    assert_string_equal(book_sheet(b, 0)->name, "gb18030.csv");
    assert_int_equal(book_sheet(b, 0)->rows, 3);
    assert_int_equal(book_sheet(b, 0)->cols, 3);
    assert_cell(b, 0, "A1", BOOK_TEXT, "活动编号");
    assert_cell(b, 0, "B2", BOOK_TEXT, "张𠮷"); /* a four-byte GB18030 character */
    assert_cell(b, 0, "C2", BOOK_TEXT, "1.5");  /* CSV cells are text */
    assert_cell(b, 0, "B3", BOOK_TEXT, "「李四」");
    book_free(b);
    b = read_ok("gb18030.csv", "gbk");
    assert_string_equal(book_encoding(b), "gb18030");
    book_free(b);
    /* Asked for UTF-8, it is not. */
    struct book_error err;
    refused("gb18030.csv", "utf-8", NULL, "file_encoding", &err);
    assert_int_equal(err.line, 1);
    refused("gb18030.csv", "latin1", NULL, "file_encoding_unknown", &err);
    assert_string_equal(err.detail, "latin1");
}

static void csv_rows_are_where_excel_shows_them(void **state)
{
    (void)state;
    struct book *b = read_ok("bom.csv", "");
    assert_string_equal(book_encoding(b), "utf-8");
    assert_cell(b, 0, "A1", BOOK_TEXT, "活动编号"); /* the BOM dropped */
    assert_cell(b, 0, "B2", BOOK_TEXT, "研讨, \"单元\"\n设计");
    /* The blank line is row 3; trimmed spaces, tabs and U+3000. */
    assert_cell(b, 0, "A3", BOOK_EMPTY, "");
    assert_cell(b, 0, "A4", BOOK_TEXT, "A02");
    assert_cell(b, 0, "B4", BOOK_TEXT, "作业");
    assert_cell(b, 0, "C4", BOOK_TEXT, "2");
    assert_cell(b, 0, "A5", BOOK_EMPTY, "");
    assert_cell(b, 0, "A6", BOOK_TEXT, "A03");
    assert_int_equal(book_sheet(b, 0)->rows, 6); /* trailing blank lines dropped */
    book_free(b);

    b = read_ok("mac.csv", "");
    assert_int_equal(book_sheet(b, 0)->rows, 2);
    assert_cell(b, 0, "B2", BOOK_TEXT, "d");
    book_free(b);
    b = read_ok("crlf_quoted.csv", "");
    assert_cell(b, 0, "B1", BOOK_TEXT, "x\ny"); /* CRLF inside a cell made LF */
    assert_cell(b, 0, "A2", BOOK_TEXT, "b");
    book_free(b);
}

static void csv_problems_name_line_and_cell(void **state)
{
    (void)state;
    struct book_error err;
    refused("bad_quote.csv", "", NULL, "file_csv_quote", &err);
    assert_int_equal(err.line, 2);
    assert_string_equal(err.cell, "B2");
    assert_string_equal(err.sheet, "bad_quote.csv");
    refused("after_quote.csv", "", NULL, "file_csv_quote", &err);
    assert_int_equal(err.line, 1);
    assert_string_equal(err.cell, "B1");
    refused("unclosed.csv", "", NULL, "file_csv_unclosed_quote", &err);
    assert_int_equal(err.line, 2);
    refused("utf16.csv", "", NULL, "file_not_text", &err);
    refused("nul.csv", "", NULL, "file_not_text", &err);
    assert_int_equal(err.line, 2);
    refused("latin.csv", "", NULL, "file_encoding", &err);
    assert_int_equal(err.line, 2);
    refused("blank.csv", "", NULL, "file_empty", &err);
    /* Bytes given directly: empty, and a lone value without a line end. */
    assert_null(book_read("x.csv", "", 0, "", NULL, &err));
    assert_string_equal(err.code, "file_empty");
    struct book *b = book_read("dir/x.csv", "v", 1, NULL, NULL, &err);
    assert_non_null(b);
    assert_string_equal(book_sheet(b, 0)->name, "x.csv");
    assert_cell(b, 0, "A1", BOOK_TEXT, "v");
    book_free(b);
}

/* --- a month's sign-in sheet at scale -------------------------------------------------------- */

static void a_large_signin_sheet_is_read_in_time(void **state)
{
    (void)state;
    size_t len;
    unsigned char *data = slurp("signin_20000.xlsx", &len);
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    struct book_error err;
    struct book *b = book_read("signin_20000.xlsx", data, len, "", NULL, &err);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    free(data);
    assert_non_null(b);
    double ms = (double)(t1.tv_sec - t0.tv_sec) * 1e3 + (double)(t1.tv_nsec - t0.tv_nsec) / 1e6;
    printf("# book_read of a 20 000-row sign-in sheet (%zu bytes): %.1f ms\n", len, ms);
    assert_int_equal(book_sheet(b, 0)->rows, 20001);
    assert_int_equal(book_sheet(b, 0)->cols, 6);
    assert_cell(b, 0, "B20001", BOOK_TEXT, "T19999");
    assert_cell(b, 0, "D20001", BOOK_TEXT, "请假"); /* 19999 % 7 == 0 */
    assert_cell(b, 0, "E20001", BOOK_NUMBER, "1.5");
    assert_cell(b, 0, "F20001", BOOK_TIME, "08:19");
    book_free(b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(xlsx_report_reads_values_as_excel_shows_them),
        cmocka_unit_test(xlsx_merged_title_marks_its_hidden_cells),
        cmocka_unit_test(header_row_is_found_below_a_merged_title),
        cmocka_unit_test(xlsx_crafted_parts_are_read),
        cmocka_unit_test(xlsx_1904_date_system_is_honoured),
        cmocka_unit_test(xlsx_part_in_utf16_is_read),
        cmocka_unit_test(xlsx_written_by_libxlsxwriter_is_read),
        cmocka_unit_test(xlsx_zip_bomb_with_lying_headers_is_refused),
        cmocka_unit_test(xlsx_doctype_and_entities_are_refused),
        cmocka_unit_test(other_files_are_named_for_what_they_are),
        cmocka_unit_test(limits_are_enforced_with_where_and_how_much),
        cmocka_unit_test(csv_gb18030_is_recognised_and_decoded),
        cmocka_unit_test(csv_rows_are_where_excel_shows_them),
        cmocka_unit_test(csv_problems_name_line_and_cell),
        cmocka_unit_test(a_large_signin_sheet_is_read_in_time),
    };
    return cmocka_run_group_tests(tests, make_files, remove_files);
}
