/*
 * vocab_enums: every vocabulary of text/vocab.c is a proto enum of proto/yanxiu.proto, value
 * i + 1 named the enum's prefix and terms[i].code in capitals (CATEGORY_MENTAL_HEALTH is
 * mental_health), value 0 …_UNSPECIFIED, no other value; vocab_value and vocab_code_of go
 * back and forth.
 */
#include <ctype.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "vocab.h"
#include "yanxiu.pb-c.h"

static const struct {
    const struct vocab *v;
    const ProtobufCEnumDescriptor *d;
    const char *prefix;
} pairs[] = {
    {&vocab_category, &yanxiu__v1__category__descriptor, "CATEGORY_"},
    {&vocab_form, &yanxiu__v1__form__descriptor, "FORM_"},
    {&vocab_level, &yanxiu__v1__level__descriptor, "LEVEL_"},
    {&vocab_mode, &yanxiu__v1__mode__descriptor, "MODE_"},
    {&vocab_attendance, &yanxiu__v1__attendance_status__descriptor, "ATTENDANCE_STATUS_"},
    {&vocab_unit_kind, &yanxiu__v1__unit_kind__descriptor, "UNIT_KIND_"},
    {&vocab_teacher_status, &yanxiu__v1__teacher_status__descriptor, "TEACHER_STATUS_"},
    {&vocab_report_status, &yanxiu__v1__report_status__descriptor, "REPORT_STATUS_"},
    {&vocab_flag, &yanxiu__v1__flag_kind__descriptor, "FLAG_KIND_"},
    {&vocab_compliance, &yanxiu__v1__compliance_status__descriptor, "COMPLIANCE_STATUS_"},
    {&vocab_unit_month, &yanxiu__v1__unit_month_state__descriptor, "UNIT_MONTH_STATE_"},
    {&vocab_role, &yanxiu__v1__role__descriptor, "ROLE_"},
};

static void each_value_is_the_term_of_its_index(void **state)
{
    (void)state;
    for (size_t k = 0; k < sizeof(pairs) / sizeof(pairs[0]); k++) {
        const struct vocab *v = pairs[k].v;
        const ProtobufCEnumDescriptor *d = pairs[k].d;
        char want[96];
        snprintf(want, sizeof(want), "%sUNSPECIFIED", pairs[k].prefix);
        const ProtobufCEnumValue *zero = protobuf_c_enum_descriptor_get_value(d, 0);
        assert_non_null(zero);
        assert_string_equal(zero->name, want);
        if (d->n_values != v->n + 1)
            fail_msg("enum %s has %u values, vocabulary %s %zu terms (+ UNSPECIFIED)", d->name,
                     d->n_values, v->name, v->n);
        for (size_t i = 0; i < v->n; i++) {
            const ProtobufCEnumValue *e = protobuf_c_enum_descriptor_get_value(d, (int)i + 1);
            assert_non_null(e);
            size_t n =
                (size_t)snprintf(want, sizeof(want), "%s%s", pairs[k].prefix, v->terms[i].code);
            for (size_t c = strlen(pairs[k].prefix); c < n; c++)
                want[c] = (char)toupper((unsigned char)want[c]);
            if (strcmp(e->name, want) != 0)
                fail_msg("%s value %zu is %s; vocabulary %s says %s", d->name, i + 1, e->name,
                         v->name, v->terms[i].code);
            assert_string_equal(vocab_code_of(v, (int)i + 1), v->terms[i].code);
            assert_int_equal(vocab_value(v, v->terms[i].code), (int)i + 1);
            assert_int_equal(vocab_value(v, v->terms[i].names[0]), (int)i + 1);
        }
        assert_string_equal(vocab_code_of(v, 0), "");
        assert_string_equal(vocab_code_of(v, (int)v->n + 1), "");
        assert_string_equal(vocab_code_of(v, -1), "");
        assert_int_equal(vocab_value(v, "no such term"), 0);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(each_value_is_the_term_of_its_index),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
