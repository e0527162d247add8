/*
 * Unit tests of sheet/out.c: display widths (CJK counts two columns), table
 * alignment, CSV quoting (RFC 4180) and JSON escaping (RFC 8259), each
 * checked against the exact bytes printed; typed cells in every format.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "lang.h"
#include "out.h"

/* Prints t in `format` and returns what was printed (free it). Not inlined: gcc -O2 took
 * the memstream's buffer for a local of the caller's frame (-Wdangling-pointer). */
__attribute__((noinline)) static char *render(const struct out_table *t, enum out_format format)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *fp = open_memstream(&buf, &len);
    assert_non_null(fp);
    assert_true(out_print(t, format, fp));
    assert_int_equal(fclose(fp), 0);
    return buf;
}

/* A table of text cells (OUT_NUMBER columns take numbers written as text). */
static struct out_table *table_of(const struct out_column *cols, size_t ncols)
{
    struct out_table *t = calloc(1, sizeof(*t));
    assert_non_null(t);
    *t = (struct out_table){"sheet", cols, ncols, NULL, 0, 0, false};
    return t;
}

static void free_table(struct out_table *t)
{
    out_table_free(t);
    free(t);
}

/* Adds a row of strings (NULL: no value). The strings must outlive the table. */
static bool add_text_row(struct out_table *t, const char *const *cells)
{
    struct out_cell row[8];
    assert_true(t->ncols <= 8);
    for (size_t c = 0; c < t->ncols; c++)
        row[c] = cells[c] ? out_text(cells[c]) : (struct out_cell){.null = true};
    return out_add(t, row);
}

static void add_row(struct out_table *t, const char *const *cells)
{
    assert_true(add_text_row(t, cells));
}

static void assert_rendered(const struct out_table *t, enum out_format format, const char *want)
{
    char *got = render(t, format);
    assert_string_equal(got, want);
    free(got);
}

/* --- widths --------------------------------------------------------------------- */

static void width_counts_cjk_as_two_columns(void **state)
{
    (void)state;
    assert_int_equal(out_display_width(""), 0);
    assert_int_equal(out_display_width("abc"), 3);
    assert_int_equal(out_display_width("东城区"), 6);
    assert_int_equal(out_display_width("语文 group"), 10);
    assert_int_equal(out_display_width("ＡＢ"), 4); /* fullwidth forms */
    assert_int_equal(out_display_width("한국"), 4); /* Hangul */
    assert_int_equal(out_display_width("🎉"), 2);    /* emoji */
    assert_int_equal(out_display_width("·"), 1);    /* narrow punctuation stays 1 */
}

static void width_counts_combining_marks_as_zero(void **state)
{
    (void)state;
    assert_int_equal(out_display_width("e\xCC\x81"), 1); /* e + U+0301 */
    assert_int_equal(out_display_width("a\xE2\x80\x8B"
                                       "b"),
                     2); /* zero-width space */
}

static void width_counts_controls_as_their_escape(void **state)
{
    (void)state;
    assert_int_equal(out_display_width("a\nb"), 4); /* "a\\nb" */
    assert_int_equal(out_display_width("\t"), 2);
    assert_int_equal(out_display_width("\x01"), 4);     /* "\\x01" */
    assert_int_equal(out_display_width("\xC2\x85"), 6); /* U+0085 as "\\u0085" */
}

static void width_counts_a_bad_byte_as_one(void **state)
{
    (void)state;
    assert_int_equal(out_display_width("\xFF"), 1);
    assert_int_equal(out_display_width("a\xE4\xB8"), 3); /* cut-off CJK: two bad bytes */
    assert_int_equal(out_display_width("\xC0\xAF"), 2);  /* overlong '/' is not UTF-8 */
}

/* --- table ------------------------------------------------------------------------ */

static void table_aligns_cjk_cells_by_display_width(void **state)
{
    (void)state;
    static const struct out_column cols[] = {
        {"name", NULL, OUT_TEXT, NULL},
        {"hours", NULL, OUT_NUMBER, NULL},
        {"group", NULL, OUT_TEXT, NULL},
    };
    struct out_table *t = table_of(cols, 3);
    add_row(t, (const char *[]){"东城区", "12", "语文"});
    add_row(t, (const char *[]){"ab", "3.5", "math"});
    /* name is 6 columns wide (东城区), hours 5 (its heading) and right-aligned. */
    assert_rendered(t, OUT_TABLE,
                    "name    hours  group\n"
                    "------  -----  -----\n"
                    "东城区     12  语文\n"
                    "ab        3.5  math\n");
    free_table(t);
}

static void table_uses_the_heading_where_one_is_given(void **state)
{
    (void)state;
    static const struct out_column cols[] = {
        {"at", NULL, OUT_TEXT, "time"},
        {"user", NULL, OUT_TEXT, NULL},
    };
    struct out_table *t = table_of(cols, 2);
    add_row(t, (const char *[]){"2026-11-23 19:05:01", "d1"});
    assert_rendered(t, OUT_TABLE,
                    "time                 user\n"
                    "-------------------  ----\n"
                    "2026-11-23 19:05:01  d1\n");
    /* CSV and JSON keep the name. */
    assert_rendered(t, OUT_CSV, "at,user\n2026-11-23 19:05:01,d1\n");
    assert_rendered(t, OUT_JSON, "[\n  {\"at\": \"2026-11-23 19:05:01\", \"user\": \"d1\"}\n]\n");
    free_table(t);
}

static void table_escapes_control_characters_and_keeps_columns(void **state)
{
    (void)state;
    static const struct out_column cols[] = {
        {"a", NULL, OUT_TEXT, NULL},
        {"b", NULL, OUT_TEXT, NULL},
    };
    struct out_table *t = table_of(cols, 2);
    add_row(t, (const char *[]){"x\ny", "1"});
    add_row(t, (const char *[]){"\x1b[31m", "2"});
    add_row(t, (const char *[]){NULL, "3"});
    /* Column a is 8 wide: "\x1b[31m" as printed. */
    assert_rendered(t, OUT_TABLE,
                    "a         b\n"
                    "--------  -\n"
                    "x\\ny      1\n"
                    "\\x1b[31m  2\n"
                    "          3\n");
    free_table(t);
}

static void table_shows_a_bad_byte_as_the_replacement_character(void **state)
{
    (void)state;
    static const struct out_column cols[] = {{"v", NULL, OUT_TEXT, NULL},
                                             {"w", NULL, OUT_TEXT, NULL}};
    struct out_table *t = table_of(cols, 2);
    add_row(t, (const char *[]){"a\xFF", "z"});
    assert_rendered(t, OUT_TABLE, "v   w\n--  -\na\xEF\xBF\xBD  z\n");
    free_table(t);
}

static void table_without_rows_prints_the_headings(void **state)
{
    (void)state;
    static const struct out_column cols[] = {{"user", NULL, OUT_TEXT, NULL}};
    struct out_table *t = table_of(cols, 1);
    assert_int_equal(t->nrows, 0);
    assert_rendered(t, OUT_TABLE, "user\n----\n");
    free_table(t);
}

/* --- CSV ------------------------------------------------------------------------------ */

static void csv_quotes_only_what_needs_it(void **state)
{
    (void)state;
    static const struct out_column cols[] = {
        {"text", NULL, OUT_TEXT, NULL},
        {"n", NULL, OUT_NUMBER, NULL},
    };
    struct out_table *t = table_of(cols, 2);
    add_row(t, (const char *[]){"plain", "1"});
    add_row(t, (const char *[]){"a,b", "2"});
    add_row(t, (const char *[]){"say \"hi\"", "3"});
    add_row(t, (const char *[]){"two\nlines", "4"});
    add_row(t, (const char *[]){"cr\r", "5"});
    add_row(t, (const char *[]){" spaced ", "-6.5"});
    add_row(t, (const char *[]){"东城区", NULL});
    add_row(t, (const char *[]){"", "0"});
    assert_rendered(t, OUT_CSV,
                    "text,n\n"
                    "plain,1\n"
                    "\"a,b\",2\n"
                    "\"say \"\"hi\"\"\",3\n"
                    "\"two\nlines\",4\n"
                    "\"cr\r\",5\n"
                    " spaced ,-6.5\n"
                    "东城区,\n"
                    ",0\n");
    free_table(t);
}

/* --- JSON ------------------------------------------------------------------------------ */

static void json_escapes_strings(void **state)
{
    (void)state;
    static const struct out_column cols[] = {{"s", NULL, OUT_TEXT, NULL}};
    struct out_table *t = table_of(cols, 1);
    add_row(t, (const char *[]){"quote \" backslash \\ slash /"});
    add_row(t, (const char *[]){"\b\f\n\r\t"});
    add_row(t, (const char *[]){"\x01\x1f"});
    add_row(t, (const char *[]){"东城区"});
    add_row(t, (const char *[]){"bad \xFF byte"});
    add_row(t, (const char *[]){"line\xE2\x80\xA8sep"}); /* U+2028 */
    assert_rendered(t, OUT_JSON,
                    "[\n"
                    "  {\"s\": \"quote \\\" backslash \\\\ slash /\"},\n"
                    "  {\"s\": \"\\b\\f\\n\\r\\t\"},\n"
                    "  {\"s\": \"\\u0001\\u001f\"},\n"
                    "  {\"s\": \"东城区\"},\n"
                    "  {\"s\": \"bad \\ufffd byte\"},\n"
                    "  {\"s\": \"line\\u2028sep\"}\n"
                    "]\n");
    free_table(t);
}

static void json_writes_numbers_bare_and_missing_values_as_null(void **state)
{
    (void)state;
    static const struct out_column cols[] = {
        {"district_code", NULL, OUT_TEXT, NULL},
        {"hours", NULL, OUT_NUMBER, NULL},
    };
    struct out_table *t = table_of(cols, 2);
    add_row(t, (const char *[]){"110101", "12.5"});
    add_row(t, (const char *[]){NULL, NULL});
    assert_rendered(t, OUT_JSON,
                    "[\n"
                    "  {\"district_code\": \"110101\", \"hours\": 12.5},\n"
                    "  {\"district_code\": null, \"hours\": null}\n"
                    "]\n");
    free_table(t);
}

static void json_without_rows_is_an_empty_array(void **state)
{
    (void)state;
    static const struct out_column cols[] = {{"s", NULL, OUT_TEXT, NULL}};
    struct out_table *t = table_of(cols, 1);
    assert_rendered(t, OUT_JSON, "[]\n");
    free_table(t);
}

/* --- rows and formats ----------------------------------------------------------------- */

static void row_with_a_non_number_in_a_number_column_is_refused(void **state)
{
    (void)state;
    static const struct out_column cols[] = {{"n", NULL, OUT_NUMBER, NULL}};
    struct out_table *t = table_of(cols, 1);
    static const char *const bad[] = {"12a", "", "01", "1.", ".5", "+1", "1e", "NaN", "0x10"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        errno = 0;
        assert_false(add_text_row(t, (const char *[]){bad[i]}));
        assert_int_equal(errno, EINVAL);
    }
    static const char *const good[] = {"0", "-0", "12", "-3.5", "1e3", "2.5E-4"};
    for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++)
        assert_true(add_text_row(t, (const char *[]){good[i]}));
    assert_int_equal(t->nrows, sizeof(good) / sizeof(good[0]));
    free_table(t);
}

static void format_names_parse(void **state)
{
    (void)state;
    enum out_format f;
    assert_true(out_parse_format("table", &f));
    assert_int_equal(f, OUT_TABLE);
    assert_true(out_parse_format("csv", &f));
    assert_int_equal(f, OUT_CSV);
    assert_true(out_parse_format("json", &f));
    assert_int_equal(f, OUT_JSON);
    assert_true(out_parse_format("xlsx", &f));
    assert_int_equal(f, OUT_XLSX);
    assert_false(out_parse_format("JSON", &f));
    assert_false(out_parse_format("", &f));
    assert_false(out_parse_format("xml", &f));
}

/* --- typed cells ----------------------------------------------------------------------- */

/* A listing of every kind but reasons, as report list and the views fill it. */
static const struct out_column typed_cols[] = {
    {"unit_code", "上报单位", OUT_TEXT, NULL}, {"version", "版本", OUT_COUNT, NULL},
    {"on_time", "按时", OUT_BOOL, NULL},       {"teacher_hours", "教师学时", OUT_DECIMAL, NULL},
    {"hours", "学时", OUT_HOURS, NULL},        {"rate", "达标率", OUT_RATE, NULL},
    {"status", "状态", OUT_STATUS, NULL},      {"items", "项目", OUT_LIST, NULL},
};
enum { NTYPED = sizeof(typed_cols) / sizeof(typed_cols[0]) };

static char *typed_items[] = {"师德", "a,b"};

static void fill_typed(struct out_table *t)
{
    *t = (struct out_table){"月报", typed_cols, NTYPED, NULL, 0, 0, false};
    const struct out_cell r1[NTYPED] = {
        out_text("4114230001"),
        out_num(2),
        out_num(1),
        out_num(720.25),
        out_num(40.5),
        out_num(0.875),
        out_text("non_compliant"),
        out_list(typed_items, 2),
    };
    const struct out_cell r2[NTYPED] = {
        out_text("城关镇"),    out_num(1),     out_num(0), out_num(0), out_num(72), out_num(1),
        out_text("compliant"), {.null = true},
    };
    assert_true(out_add(t, r1));
    assert_true(out_add(t, r2));
}

static void typed_cells_in_a_table_read_for_people(void **state)
{
    (void)state;
    struct out_table t;
    fill_typed(&t);
    assert_rendered(
        &t, OUT_TABLE,
        "unit_code   version  on_time  teacher_hours  hours  rate    status         items\n"
        "----------  -------  -------  -------------  -----  ------  -------------  ---------\n"
        "4114230001        2  yes             720.25   40.5   87.5%  non-compliant  师德; a,b\n"
        "城关镇            1  no                   0   72.0  100.0%  compliant      \n");
    out_table_free(&t);
}

/* Under zh_CN (the CLI's default) a table has the Chinese headings of its columns, 是/否,
   the statuses' Chinese labels and the rules in Chinese; CSV and JSON stay the same. */
static void typed_cells_read_in_chinese_under_zh_cn(void **state)
{
    (void)state;
    lang_set(MSG_ZH_CN);
    struct out_table t;
    fill_typed(&t);
    assert_rendered(&t, OUT_TABLE,
                    "上报单位    版本  按时  教师学时  学时  达标率  状态    项目\n"
                    "----------  ----  ----  --------  ----  ------  ------  ---------\n"
                    "4114230001     2  是      720.25  40.5   87.5%  不达标  师德; a,b\n"
                    "城关镇         1  否           0  72.0  100.0%  达标    \n");
    assert_rendered(&t, OUT_CSV,
                    "unit_code,version,on_time,teacher_hours,hours,rate,status,items\n"
                    "4114230001,2,yes,720.25,40.5,87.5%,non_compliant,\"师德; a,b\"\n"
                    "城关镇,1,no,0,72.0,100.0%,compliant,\n");
    char *json = render(&t, OUT_JSON);
    assert_non_null(strstr(json, "\"status\": \"non_compliant\", \"status_label\": \"不达标\""));
    free(json);
    out_table_free(&t);

    static const struct out_column cols[] = {
        {"teacher_code", "教师编号", OUT_TEXT, NULL},
        {"report_status", NULL, OUT_REPORT_STATUS, NULL},
        {"category", NULL, OUT_CATEGORY, NULL},
        {"reasons", "未达标原因", OUT_REASONS, NULL},
    };
    Yanxiu__V1__Reason hours = YANXIU__V1__REASON__INIT, absences = YANXIU__V1__REASON__INIT;
    hours.rule = "hours_year", hours.needed = 72, hours.had = 21.5;
    absences.rule = "unexcused_absences", absences.needed = 3, absences.had = 4;
    Yanxiu__V1__Reason *reasons[] = {&hours, &absences};
    struct out_table r = {"教师", cols, 4, NULL, 0, 0, false};
    const struct out_cell row[4] = {out_text("T0001"), out_text("approved"),
                                    out_text("mental_health"), out_reasons(reasons, 2)};
    assert_true(out_add(&r, row));
    char *table = render(&r, OUT_TABLE);
    assert_non_null(strstr(table, "已通过"));
    assert_non_null(strstr(table, "心理健康"));
    assert_non_null(strstr(table, "年度学时不足 21.5/72；无故缺席次数 4 次（上限 3）"));
    free(table);
    json = render(&r, OUT_JSON);
    assert_non_null(
        strstr(json, "\"report_status\": \"approved\", \"report_status_label\": \"已通过\""));
    assert_non_null(strstr(json, "\"rule\": \"hours_year\", \"rule_label\": \"年度学时\""));
    free(json);
    char *csv = render(&r, OUT_CSV);
    assert_non_null(
        strstr(csv, "T0001,approved,mental_health,hours_year 21.5/72; unexcused_absences 4/3"));
    free(csv);
    out_table_free(&r);
    lang_set(MSG_EN);
}

static void typed_cells_in_csv_and_json_agree(void **state)
{
    (void)state;
    struct out_table t;
    fill_typed(&t);
    assert_rendered(&t, OUT_CSV,
                    "unit_code,version,on_time,teacher_hours,hours,rate,status,items\n"
                    "4114230001,2,yes,720.25,40.5,87.5%,non_compliant,\"师德; a,b\"\n"
                    "城关镇,1,no,0,72.0,100.0%,compliant,\n");
    assert_rendered(&t, OUT_JSON,
                    "[\n"
                    "  {\"unit_code\": \"4114230001\", \"version\": 2, \"on_time\": true, "
                    "\"teacher_hours\": 720.25, \"hours\": 40.5, \"rate\": 0.875, "
                    "\"status\": \"non_compliant\", \"status_label\": \"non-compliant\", "
                    "\"items\": [\"师德\", \"a,b\"]},\n"
                    "  {\"unit_code\": \"城关镇\", \"version\": 1, \"on_time\": false, "
                    "\"teacher_hours\": 0, \"hours\": 72, \"rate\": 1, \"status\": \"compliant\", "
                    "\"status_label\": \"compliant\", \"items\": null}\n"
                    "]\n");
    /* The CSV header is the JSON keys, in the same order. */
    char *csv = render(&t, OUT_CSV), *json = render(&t, OUT_JSON);
    char *header = strtok(csv, "\n");
    const char *at = json;
    for (char *key = strtok(header, ","); key; key = strtok(NULL, ",")) {
        char quoted[64];
        snprintf(quoted, sizeof(quoted), "\"%s\": ", key);
        const char *found = strstr(at, quoted);
        assert_non_null(found);
        at = found + strlen(quoted);
    }
    /* ... and nothing else in the first object but the label of the status, for people. */
    assert_true(strstr(at, "}") < strstr(at, "\"unit_code\""));
    free(csv);
    free(json);
    out_table_free(&t);
}

static void a_table_is_not_printed_as_a_workbook(void **state)
{
    (void)state;
    struct out_table t;
    fill_typed(&t);
    FILE *fp = tmpfile();
    assert_non_null(fp);
    errno = 0;
    assert_false(out_print(&t, OUT_XLSX, fp));
    assert_int_equal(errno, EINVAL);
    fclose(fp);
    out_table_free(&t);
}

static void decimals_read_as_people_write_them(void **state)
{
    (void)state;
    char buf[64];
    assert_string_equal(out_decimal(2, buf, sizeof(buf)), "2");
    assert_string_equal(out_decimal(1.5, buf, sizeof(buf)), "1.5");
    assert_string_equal(out_decimal(0.25, buf, sizeof(buf)), "0.25");
    assert_string_equal(out_decimal(-3.5, buf, sizeof(buf)), "-3.5");
    assert_string_equal(out_decimal(-0.001, buf, sizeof(buf)), "0");
}

/* The numbers of a listing, whatever they are, print as printf prints them: "%.0f" for counts,
   "%.1f" for hours (CSV), "%.10g" for hours in JSON, "%.2f" under out_decimal. */
static const struct out_column number_cols[] = {
    {"count", NULL, OUT_COUNT, NULL},
    {"hours", NULL, OUT_HOURS, NULL},
};

static double some_number(size_t i)
{
    static const double odd[] = {
        0.05,       0.15,
        0.25,       0.35,
        0.45,       0.125,
        0.375,      2.5,
        3.5,        0.005,
        0.015,      0.025,
        1.005,      1.0 / 3,
        2.0 / 3,    1e-300,
        5e-5,       1e-4,
        1.5e-4,     99999.99995,
        99999.9999, 99999.99999,
        1e5,        123456.789,
        9999999.95, 9999999.94,
        1e7,        1e7 + 0.05,
        1e15,       1e20,
        1.7e308,    -0.0,
        -0.04,      -0.05,
        -1.5,       -2.5,
        -1e-300,    4503599627370496.5,
        0.1 + 0.2,  0.3000000001,
        72,         40.5,
        0.7,        12.345,
        0.0001234,  2.675,
        1.45,
    };
    size_t n = sizeof(odd) / sizeof(odd[0]);
    if (i < n)
        return odd[i];
    i -= n;
    if (i < 20000)
        return (double)i / 100; /* hours as they are entered: two places at most */
    i -= 20000;
    if (i < 20000)
        return (double)i / 1000 + (double)(i % 7) / 8;
    i -= 20000;
    /* anything: a deterministic spread over magnitudes */
    uint64_t x = (i + 1) * 0x9E3779B97F4A7C15ull;
    x ^= x >> 31;
    return (double)(x % 100000000) / (double)(1u << (x % 24));
}

/* The line at got is `want` (printed with the number v); returns the next line. */
static const char *expect_line(const char *got, const char *want, double v)
{
    size_t n = strlen(want);
    if (strncmp(got, want, n) != 0) {
        print_error("%.17g: got %.*s", v, (int)strcspn(got, "\n") + 1, got);
        assert_string_equal(want, "");
    }
    return got + n;
}

static void numbers_print_as_printf_prints_them(void **state)
{
    (void)state;
    enum { N = 60000 };
    struct out_table *t = table_of(number_cols, 2);
    for (size_t i = 0; i < N; i++) {
        struct out_cell row[2] = {out_num(some_number(i)), out_num(some_number(i))};
        assert_true(out_add(t, row));
    }
    char *csv = render(t, OUT_CSV);
    char *json = render(t, OUT_JSON);
    const char *c = strchr(csv, '\n') + 1, *j = strchr(json, '\n') + 1;
    for (size_t i = 0; i < N; i++) {
        double v = some_number(i);
        char want[700], dec[400], got[400];
        snprintf(want, sizeof(want), "%.0f,%.1f\n", v, v);
        c = expect_line(c, want, v);
        snprintf(want, sizeof(want), "  {\"count\": %.0f, \"hours\": %.10g}%s\n", v, v,
                 i + 1 < N ? "," : "");
        j = expect_line(j, want, v);
        /* out_decimal: "%.2f" without trailing zeros, never "-0" */
        snprintf(dec, sizeof(dec), "%.2f", v);
        char *dot = strchr(dec, '.');
        size_t len = strlen(dec);
        while (dot && len > (size_t)(dot - dec) && (dec[len - 1] == '0' || dec[len - 1] == '.'))
            dec[--len] = '\0';
        if (strcmp(dec, "-0") == 0)
            strcpy(dec, "0");
        assert_string_equal(out_decimal(v, got, sizeof(got)), dec);
    }
    assert_string_equal(c, "");
    assert_string_equal(j, "]\n");
    free(csv);
    free(json);
    free_table(t);
}

/* Longer than what the printers gather before a write (a cell of 20 000 bytes): the same
   bytes, in order. */
static void long_cells_and_listings_print_whole(void **state)
{
    (void)state;
    static const struct out_column cols[] = {{"a", NULL, OUT_TEXT, NULL},
                                             {"b", NULL, OUT_TEXT, NULL}};
    size_t n = 20000;
    char *big = malloc(n + 1);
    assert_non_null(big);
    for (size_t i = 0; i < n; i++)
        big[i] = i % 1000 == 999 ? '\n' : (char)('a' + i % 26);
    big[n] = '\0';
    struct out_table *t = table_of(cols, 2);
    for (int r = 0; r < 3; r++)
        add_row(t, (const char *[]){"x", big});
    char *csv = render(t, OUT_CSV), *json = render(t, OUT_JSON), *table = render(t, OUT_TABLE);
    /* CSV: quoted (it has line ends), as it is inside */
    size_t pos = strlen("a,b\n");
    for (int r = 0; r < 3; r++) {
        assert_memory_equal(csv + pos, "x,\"", 3);
        assert_memory_equal(csv + pos + 3, big, n);
        assert_memory_equal(csv + pos + 3 + n, "\"\n", 2);
        pos += 3 + n + 2;
    }
    assert_int_equal(strlen(csv), pos);
    /* JSON and table: every line end escaped, so 20 lines' worth of \n in each cell */
    size_t escapes = 0;
    for (const char *p = json; (p = strstr(p, "\\n")); p += 2)
        escapes++;
    assert_int_equal(escapes, 3 * 20);
    escapes = 0;
    for (const char *p = table; (p = strstr(p, "\\n")); p += 2)
        escapes++;
    assert_int_equal(escapes, 3 * 20);
    /* "[\n", three rows (the line ends escaped: 20 more bytes), ",\n" twice and "\n", "]\n" */
    size_t row = strlen("  {\"a\": \"x\", \"b\": \"\"}") + n + 20;
    assert_int_equal(strlen(json), 2 + 3 * row + 5 + 2);
    free(csv);
    free(json);
    free(table);
    free_table(t);
    free(big);
}

/* A write that fails (a full disk: /dev/full) fails the printing, with the reason in errno. */
static void printing_to_a_full_disk_says_so(void **state)
{
    (void)state;
    static const struct out_column cols[] = {{"name", NULL, OUT_TEXT, NULL}};
    struct out_table *t = table_of(cols, 1);
    for (int r = 0; r < 5000; r++)
        add_row(t, (const char *[]){"王秀英"});
    for (enum out_format f = OUT_TABLE; f <= OUT_JSON; f++) {
        FILE *fp = fopen("/dev/full", "w");
        if (!fp)
            skip();
        errno = 0;
        assert_false(out_print(t, f, fp));
        assert_int_equal(errno, ENOSPC);
        fclose(fp);
    }
    free_table(t);
}

/* --- the JSON writer ---------------------------------------------------------------------- */

static void json_writer_nests_indented_and_one_line_containers(void **state)
{
    (void)state;
    struct out_table t;
    fill_typed(&t);
    t.nrows = 1;
    char *buf = NULL;
    size_t len = 0;
    FILE *fp = open_memstream(&buf, &len);
    assert_non_null(fp);
    struct out_json j = {.fp = fp};
    out_json_open(&j, NULL, '{', false);
    out_json_str(&j, "unit_code", "4114230001");
    out_json_uint(&j, "version", 3);
    out_json_bool(&j, "replayed", false);
    out_json_number_text(&j, "teacher_hours", "1.5");
    out_json_double(&j, "rate", 0.875, false);
    out_json_open(&j, "flags", '[', false);
    out_json_close(&j);
    out_json_open(&j, "added", '[', false);
    out_json_str(&j, NULL, "A01");
    out_json_close(&j);
    out_json_row(&j, "first", &t, 0);
    out_json_rows(&j, "rows", &t);
    out_json_null(&j, "diff");
    out_json_close(&j);
    assert_int_equal(fclose(fp), 0);
    const char *row = "{\"unit_code\": \"4114230001\", \"version\": 2, \"on_time\": true, "
                      "\"teacher_hours\": 720.25, \"hours\": 40.5, \"rate\": 0.875, "
                      "\"status\": \"non_compliant\", \"status_label\": \"non-compliant\", "
                      "\"items\": [\"师德\", \"a,b\"]}";
    char want[2048];
    snprintf(want, sizeof(want),
             "{\n"
             "  \"unit_code\": \"4114230001\",\n"
             "  \"version\": 3,\n"
             "  \"replayed\": false,\n"
             "  \"teacher_hours\": 1.5,\n"
             "  \"rate\": 0.875,\n"
             "  \"flags\": [],\n"
             "  \"added\": [\n"
             "    \"A01\"\n"
             "  ],\n"
             "  \"first\": %s,\n"
             "  \"rows\": [\n"
             "    %s\n"
             "  ],\n"
             "  \"diff\": null\n"
             "}\n",
             row, row);
    assert_string_equal(buf, want);
    free(buf);
    t.nrows = 2;
    out_table_free(&t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(width_counts_cjk_as_two_columns),
        cmocka_unit_test(width_counts_combining_marks_as_zero),
        cmocka_unit_test(width_counts_controls_as_their_escape),
        cmocka_unit_test(width_counts_a_bad_byte_as_one),
        cmocka_unit_test(table_aligns_cjk_cells_by_display_width),
        cmocka_unit_test(table_uses_the_heading_where_one_is_given),
        cmocka_unit_test(table_escapes_control_characters_and_keeps_columns),
        cmocka_unit_test(table_shows_a_bad_byte_as_the_replacement_character),
        cmocka_unit_test(table_without_rows_prints_the_headings),
        cmocka_unit_test(csv_quotes_only_what_needs_it),
        cmocka_unit_test(json_escapes_strings),
        cmocka_unit_test(json_writes_numbers_bare_and_missing_values_as_null),
        cmocka_unit_test(json_without_rows_is_an_empty_array),
        cmocka_unit_test(row_with_a_non_number_in_a_number_column_is_refused),
        cmocka_unit_test(format_names_parse),
        cmocka_unit_test(typed_cells_in_a_table_read_for_people),
        cmocka_unit_test(typed_cells_in_csv_and_json_agree),
        cmocka_unit_test(typed_cells_read_in_chinese_under_zh_cn),
        cmocka_unit_test(a_table_is_not_printed_as_a_workbook),
        cmocka_unit_test(decimals_read_as_people_write_them),
        cmocka_unit_test(numbers_print_as_printf_prints_them),
        cmocka_unit_test(long_cells_and_listings_print_whole),
        cmocka_unit_test(printing_to_a_full_disk_says_so),
        cmocka_unit_test(json_writer_nests_indented_and_one_line_containers),
    };
    /* The English expectations; typed_cells_read_in_chinese_under_zh_cn switches. */
    if (!msg_init())
        return 1;
    lang_set(MSG_EN);
    return cmocka_run_group_tests(tests, NULL, NULL);
}
