/*
 * Unit tests of the row-to-message mapper (daemon/rowmap.c) on results built
 * in memory (PQmakeEmptyPGresult, no database): each field type, NULL, a
 * missing or extra column, and values that must be refused, not zeroed.
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "frame.h"
#include "rowmap.h"

/* A result of text columns `names`; cells row by row, NULL for SQL NULL. */
static PGresult *result(int ncols, const char *const *names, int nrows, const char *const *cells)
{
    PGresult *r = PQmakeEmptyPGresult(NULL, PGRES_TUPLES_OK);
    assert_non_null(r);
    PGresAttDesc attrs[16];
    assert_true(ncols <= 16);
    for (int c = 0; c < ncols; c++)
        attrs[c] =
            (PGresAttDesc){.name = (char *)names[c], .typid = 25, .typlen = -1, .atttypmod = -1};
    assert_int_equal(PQsetResultAttrs(r, ncols, attrs), 1);
    for (int i = 0; i < nrows; i++)
        for (int c = 0; c < ncols; c++) {
            const char *v = cells[i * ncols + c];
            assert_int_equal(PQsetvalue(r, i, c, (char *)v, v ? (int)strlen(v) : -1), 1);
        }
    return r;
}

/* Maps row 0 of a one-row result into msg; returns rowmap_fill's answer. */
static bool fill_one(const PGresult *r, const ProtobufCMessageDescriptor *d, void *msg, char *why,
                     size_t whylen)
{
    struct rowmap *m = rowmap_new(r, d);
    assert_non_null(m);
    bool ok = rowmap_fill(m, 0, msg, why, whylen);
    rowmap_free(m);
    return ok;
}

/* ---- a hand-made descriptor for the types the .proto does not use ----------------- */

/* int32, an optional int64 (has_), uint64 and float, and a repeated int32. */
typedef struct {
    ProtobufCMessage base;
    int32_t small;
    protobuf_c_boolean has_big;
    int64_t big;
    uint64_t huge;
    float ratio;
    size_t n_list;
    int32_t *list;
} Sample;

static const ProtobufCFieldDescriptor sample_fields[] = {
    {"small", 1, PROTOBUF_C_LABEL_NONE, PROTOBUF_C_TYPE_INT32, 0, offsetof(Sample, small), NULL,
     NULL, 0, 0, NULL, NULL},
    {"big", 2, PROTOBUF_C_LABEL_OPTIONAL, PROTOBUF_C_TYPE_INT64, offsetof(Sample, has_big),
     offsetof(Sample, big), NULL, NULL, 0, 0, NULL, NULL},
    {"huge", 3, PROTOBUF_C_LABEL_NONE, PROTOBUF_C_TYPE_UINT64, 0, offsetof(Sample, huge), NULL,
     NULL, 0, 0, NULL, NULL},
    {"ratio", 4, PROTOBUF_C_LABEL_NONE, PROTOBUF_C_TYPE_FLOAT, 0, offsetof(Sample, ratio), NULL,
     NULL, 0, 0, NULL, NULL},
    {"list", 5, PROTOBUF_C_LABEL_REPEATED, PROTOBUF_C_TYPE_INT32, offsetof(Sample, n_list),
     offsetof(Sample, list), NULL, NULL, 0, 0, NULL, NULL},
};
static const unsigned sample_by_name[] = {1, 2, 4, 3, 0};
static const ProtobufCIntRange sample_ranges[] = {{1, 0}, {0, 5}};
static void sample_init(ProtobufCMessage *m);
static const ProtobufCMessageDescriptor sample_descriptor = {
    PROTOBUF_C__MESSAGE_DESCRIPTOR_MAGIC,
    "test.Sample",
    "Sample",
    "Sample",
    "test",
    sizeof(Sample),
    5,
    sample_fields,
    sample_by_name,
    1,
    sample_ranges,
    (ProtobufCMessageInit)sample_init,
    NULL,
    NULL,
    NULL,
};
static void sample_init(ProtobufCMessage *m)
{
    Sample *s = (Sample *)m;
    memset(s, 0, sizeof(*s));
    s->base.descriptor = &sample_descriptor;
    s->small = 7; /* a default that is not zero, to see it kept */
}

/* ---- each type -------------------------------------------------------------------- */

static void maps_strings_numbers_and_bools_by_name(void **state)
{
    (void)state;
    /* columns in another order than the fields, plus one no field takes */
    static const char *const names[] = {"teacher_hours", "status", "version", "unit_code",
                                        "on_time",       "unused", "empty",   "flag_count"};
    static const char *const cells[] = {"12.5", "approved", "3", "4401010001",
                                        "t",    "ignored",  "f", "4294967295"};
    PGresult *r = result(8, names, 1, cells);
    Yanxiu__V1__ReportSummary s;
    char why[200] = "";
    assert_true(fill_one(r, &yanxiu__v1__report_summary__descriptor, &s, why, sizeof(why)));
    assert_string_equal(s.unit_code, "4401010001");
    assert_ptr_equal(s.unit_code, PQgetvalue(r, 0, 3)); /* points into the result */
    assert_int_equal(s.status, YANXIU__V1__REPORT_STATUS__REPORT_STATUS_APPROVED);
    assert_int_equal(s.version, 3);
    assert_true(s.teacher_hours == 12.5);
    assert_true(s.on_time);
    assert_false(s.empty);
    assert_int_equal(s.flag_count, UINT32_MAX);
    /* fields without a column keep their defaults */
    assert_string_equal(s.month, "");
    assert_int_equal(s.activity_count, 0);
    assert_int_equal(s.n_flags, 0);
    PQclear(r);
}

static void maps_int64_of_both_signs(void **state)
{
    (void)state;
    static const char *const names[] = {"server_time_us", "database_time_us"};
    static const char *const cells[] = {"-9223372036854775808", "9223372036854775807"};
    PGresult *r = result(2, names, 1, cells);
    Yanxiu__V1__PingResponse e;
    char why[200];
    assert_true(fill_one(r, &yanxiu__v1__ping_response__descriptor, &e, why, sizeof(why)));
    assert_true(e.server_time_us == INT64_MIN);
    assert_true(e.database_time_us == INT64_MAX);
    PQclear(r);

    static const char *const big[] = {"1765000000000000", "0"};
    r = result(2, names, 1, big);
    assert_true(fill_one(r, &yanxiu__v1__ping_response__descriptor, &e, why, sizeof(why)));
    assert_true(e.server_time_us == 1765000000000000LL);
    PQclear(r);
}

static void maps_int32_uint64_float_and_sets_has(void **state)
{
    (void)state;
    static const char *const names[] = {"small", "big", "huge", "ratio", "list"};
    static const char *const cells[] = {"-2147483648", "42", "18446744073709551615", "0.25",
                                        "{1,2}"};
    PGresult *r = result(5, names, 1, cells);
    Sample s;
    char why[200];
    assert_true(fill_one(r, &sample_descriptor, &s, why, sizeof(why)));
    assert_int_equal(s.small, INT32_MIN);
    assert_true(s.has_big);
    assert_int_equal(s.big, 42);
    assert_true(s.huge == UINT64_MAX);
    assert_true(s.ratio == 0.25f);
    assert_int_equal(s.n_list, 0); /* repeated fields are the caller's */
    assert_null(s.list);
    PQclear(r);
}

static void maps_enum_from_its_value_name(void **state)
{
    (void)state;
    static const char *const names[] = {"code", "message", "outcome_unknown"};
    static const char *const cells[] = {"NOT_FOUND", "gone", "t"};
    PGresult *r = result(3, names, 1, cells);
    Yanxiu__V1__Error e;
    char why[200];
    assert_true(fill_one(r, &yanxiu__v1__error__descriptor, &e, why, sizeof(why)));
    assert_int_equal(e.code, YANXIU__V1__CODE__NOT_FOUND);
    assert_string_equal(e.message, "gone");
    assert_true(e.outcome_unknown);
    PQclear(r);
}

static void maps_a_records_enum_from_its_code(void **state)
{
    (void)state;
    static const char *const names[] = {"category", "form", "level", "mode"};
    static const char *const cells[] = {"mental_health", "collective_prep", "national", "self"};
    PGresult *r = result(4, names, 1, cells);
    Yanxiu__V1__Activity a;
    char why[200];
    assert_true(fill_one(r, &yanxiu__v1__activity__descriptor, &a, why, sizeof(why)));
    assert_int_equal(a.category, YANXIU__V1__CATEGORY__CATEGORY_MENTAL_HEALTH);
    assert_int_equal(a.form, YANXIU__V1__FORM__FORM_COLLECTIVE_PREP);
    assert_int_equal(a.level, YANXIU__V1__LEVEL__LEVEL_NATIONAL);
    assert_int_equal(a.mode, YANXIU__V1__MODE__MODE_SELF);
    PQclear(r);
}

/* ---- NULL and missing columns ------------------------------------------------------- */

static void null_leaves_the_default_and_has_false(void **state)
{
    (void)state;
    static const char *const names[] = {"small", "big", "huge"};
    static const char *const cells[] = {NULL, NULL, "5"};
    PGresult *r = result(3, names, 1, cells);
    Sample s;
    char why[200];
    assert_true(fill_one(r, &sample_descriptor, &s, why, sizeof(why)));
    assert_int_equal(s.small, 7);
    assert_false(s.has_big);
    assert_int_equal(s.big, 0);
    assert_int_equal(s.huge, 5);
    PQclear(r);

    static const char *const snames[] = {"unit_code", "version", "on_time", "teacher_hours"};
    static const char *const scells[] = {NULL, NULL, NULL, NULL};
    r = result(4, snames, 1, scells);
    Yanxiu__V1__ReportSummary rs;
    assert_true(fill_one(r, &yanxiu__v1__report_summary__descriptor, &rs, why, sizeof(why)));
    assert_string_equal(rs.unit_code, "");
    assert_int_equal(rs.version, 0);
    assert_false(rs.on_time);
    assert_true(rs.teacher_hours == 0);
    PQclear(r);
}

static void missing_columns_leave_defaults(void **state)
{
    (void)state;
    static const char *const names[] = {"something_else"};
    static const char *const cells[] = {"x"};
    PGresult *r = result(1, names, 1, cells);
    Sample s;
    char why[200];
    assert_true(fill_one(r, &sample_descriptor, &s, why, sizeof(why)));
    assert_int_equal(s.small, 7);
    assert_false(s.has_big);
    assert_int_equal(s.huge, 0);
    PQclear(r);
}

/* ---- refused values ------------------------------------------------------------------ */

/* A value of a column that must not convert into the field of that name. */
struct refusal {
    const ProtobufCMessageDescriptor *d;
    const char *col, *value;
};

/* Expects each value to be refused, why naming its column. */
static void expect_refused(const struct refusal *v, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        const char *names[] = {v[i].col};
        const char *cells[] = {v[i].value};
        PGresult *r = result(1, names, 1, cells);
        void *msg = malloc(v[i].d->sizeof_message);
        assert_non_null(msg);
        char why[200] = "";
        if (fill_one(r, v[i].d, msg, why, sizeof(why)))
            fail_msg("%s = \"%s\" was accepted", v[i].col, v[i].value);
        assert_non_null(strstr(why, v[i].col));
        free(msg);
        PQclear(r);
    }
}

#define SUMMARY  (&yanxiu__v1__report_summary__descriptor)
#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

static void bad_integers_are_refused(void **state)
{
    (void)state;
    static const struct refusal v[] = {
        {SUMMARY, "version", ""},
        {SUMMARY, "version", "12x"},
        {SUMMARY, "version", "1.5"},
        {SUMMARY, "version", "-1"},
        {SUMMARY, "version", " 5"},
        {SUMMARY, "version", "+5"},
        {SUMMARY, "version", "4294967296"},
        {&sample_descriptor, "small", "2147483648"},
        {&sample_descriptor, "small", "-2147483649"},
        {&sample_descriptor, "big", "9223372036854775808"},
        {&sample_descriptor, "huge", "18446744073709551616"},
        {&sample_descriptor, "huge", "-1"},
        {&yanxiu__v1__ping_response__descriptor, "server_time_us", "now"},
    };
    expect_refused(v, NELEM(v));
}

/* Decimals as PostgreSQL writes them read as strtod reads them, to the last bit. */
static void numbers_read_as_strtod_reads_them(void **state)
{
    (void)state;
    static const char *const fixed[] = {
        "0",
        "-0",
        "12.5",
        "0.1",
        "0.3",
        "72.25",
        "1.",
        ".5",
        "-.5",
        "1e3",
        "1.5E-2",
        "123456789012345",
        "1234567890123456",
        "0.000000000000001",
        "9007199254740993",
        "99999.99995",
        "1234567.891",
        "-42.000",
        "00012.50",
        "179769313486231570000000000000000000000000",
        "0.1234567890123456789",
        "nan",
        "inf",
    };
    static const char *const names[] = {"teacher_hours"};
    char cell[64];
    for (size_t i = 0; i < NELEM(fixed) + 50000; i++) {
        const char *text = cell;
        if (i < NELEM(fixed))
            text = fixed[i];
        else if (i % 2)
            snprintf(cell, sizeof(cell), "%zu.%02zu", (i * 7919) % 100000, i % 100);
        else
            snprintf(cell, sizeof(cell), "-%zu.%0*zu", i % 1000, (int)(i % 12) + 1, i * 104729);
        PGresult *r = result(1, names, 1, (const char *const[]){text});
        Yanxiu__V1__ReportSummary s;
        char why[200] = "";
        assert_true(fill_one(r, &yanxiu__v1__report_summary__descriptor, &s, why, sizeof(why)));
        double want = strtod(text, NULL);
        if (memcmp(&s.teacher_hours, &want, sizeof(want)) != 0 &&
            !(isnan(want) && isnan(s.teacher_hours))) {
            print_error("%s: read %.17g, strtod %.17g\n", text, s.teacher_hours, want);
            fail();
        }
        PQclear(r);
    }
}

static void bad_numbers_and_bools_are_refused(void **state)
{
    (void)state;
    static const struct refusal v[] = {
        {SUMMARY, "teacher_hours", ""},     {SUMMARY, "teacher_hours", "abc"},
        {SUMMARY, "teacher_hours", "1.5h"}, {SUMMARY, "on_time", "true"},
        {SUMMARY, "on_time", ""},           {&sample_descriptor, "ratio", "x"},
    };
    expect_refused(v, NELEM(v));
}

static void unknown_enum_names_are_refused(void **state)
{
    (void)state;
    static const struct refusal v[] = {
        {&yanxiu__v1__error__descriptor, "code", "not_found"}, /* names are exact */
        {&yanxiu__v1__error__descriptor, "code", "4"},
        {&yanxiu__v1__error__descriptor, "code", ""},
        /* an enum of the records takes its code: not the value's name, not another enum's */
        {&yanxiu__v1__report_summary__descriptor, "status", "REPORT_STATUS_APPROVED"},
        {&yanxiu__v1__report_summary__descriptor, "status", "unspecified"},
        {&yanxiu__v1__report_summary__descriptor, "status", " approved"},
        {&yanxiu__v1__report_summary__descriptor, "status", "on_time"},
        {&yanxiu__v1__report_summary__descriptor, "status", "Approved"},
    };
    expect_refused(v, NELEM(v));
}

/* ---- every row at once -------------------------------------------------------------- */

static void rows_map_every_row_in_order(void **state)
{
    (void)state;
    static const char *const names[] = {"school_code", "name", "kind"};
    static const char *const cells[] = {
        "4401010001", "一小", "primary", /* row 0 */
        "4401010002", "二小", "primary", /* row 1 */
        "4401010003", NULL,   "central", /* row 2 */
    };
    PGresult *r = result(3, names, 3, cells);
    struct rowmap_rows rows;
    char why[200];
    assert_int_equal(rowmap_rows(r, &yanxiu__v1__unit__descriptor, &rows, why, sizeof(why)),
                     ROWMAP_OK);
    assert_int_equal(rows.n, 3);
    assert_null(rows.msgs[3]);
    const Yanxiu__V1__Unit *u = rows.msgs[1];
    assert_string_equal(u->school_code, "4401010002");
    assert_string_equal(u->name, "二小");
    u = rows.msgs[2];
    assert_int_equal(u->kind, YANXIU__V1__UNIT_KIND__UNIT_KIND_CENTRAL);
    assert_string_equal(u->name, "");

    Yanxiu__V1__UnitList list = YANXIU__V1__UNIT_LIST__INIT;
    assert_true(rowmap_attach(&list.base, "units", &rows));
    assert_int_equal(list.n_units, 3);
    assert_ptr_equal(list.units, rows.msgs);
    /* what the reply packs is what a client reads back */
    size_t len = yanxiu__v1__unit_list__get_packed_size(&list);
    uint8_t *buf = malloc(len);
    assert_non_null(buf);
    yanxiu__v1__unit_list__pack(&list, buf);
    Yanxiu__V1__UnitList *back = yanxiu__v1__unit_list__unpack(NULL, len, buf);
    assert_non_null(back);
    assert_int_equal(back->n_units, 3);
    assert_string_equal(back->units[0]->name, "一小");
    assert_string_equal(back->units[2]->school_code, "4401010003");
    yanxiu__v1__unit_list__free_unpacked(back, NULL);
    free(buf);

    /* a repeated field of another type, or none of that name, is refused */
    Yanxiu__V1__RosterList roster = YANXIU__V1__ROSTER_LIST__INIT;
    assert_false(rowmap_attach(&roster.base, "teachers", &rows));
    assert_false(rowmap_attach(&list.base, "schools", &rows));
    rowmap_rows_free(&rows);
    assert_null(rows.msgs);
    PQclear(r);
}

static void rows_of_an_empty_result(void **state)
{
    (void)state;
    static const char *const names[] = {"school_code"};
    PGresult *r = result(1, names, 0, NULL);
    struct rowmap_rows rows;
    char why[200];
    assert_int_equal(rowmap_rows(r, &yanxiu__v1__unit__descriptor, &rows, why, sizeof(why)),
                     ROWMAP_OK);
    assert_int_equal(rows.n, 0);
    assert_non_null(rows.msgs);
    assert_null(rows.msgs[0]);
    rowmap_rows_free(&rows);
    PQclear(r);
}

static void rows_with_one_bad_value_map_nothing(void **state)
{
    (void)state;
    static const char *const names[] = {"unit_code", "teachers"};
    static const char *const cells[] = {"4401010001", "12", "4401010002", "many"};
    PGresult *r = result(2, names, 2, cells);
    struct rowmap_rows rows;
    char why[200] = "";
    assert_int_equal(
        rowmap_rows(r, &yanxiu__v1__unit_compliance__descriptor, &rows, why, sizeof(why)),
        ROWMAP_BAD);
    assert_null(rows.msgs);
    assert_int_equal(rows.n, 0);
    assert_non_null(strstr(why, "teachers"));
    assert_non_null(strstr(why, "row 1"));
    assert_non_null(strstr(why, "many"));
    PQclear(r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(maps_strings_numbers_and_bools_by_name),
        cmocka_unit_test(maps_int64_of_both_signs),
        cmocka_unit_test(maps_int32_uint64_float_and_sets_has),
        cmocka_unit_test(maps_enum_from_its_value_name),
        cmocka_unit_test(maps_a_records_enum_from_its_code),
        cmocka_unit_test(null_leaves_the_default_and_has_false),
        cmocka_unit_test(missing_columns_leave_defaults),
        cmocka_unit_test(bad_integers_are_refused),
        cmocka_unit_test(numbers_read_as_strtod_reads_them),
        cmocka_unit_test(bad_numbers_and_bools_are_refused),
        cmocka_unit_test(unknown_enum_names_are_refused),
        cmocka_unit_test(rows_map_every_row_in_order),
        cmocka_unit_test(rows_of_an_empty_result),
        cmocka_unit_test(rows_with_one_bad_value_map_nothing),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
