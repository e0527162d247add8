/*
 * Unit tests of the message catalogs (text/msg.c) as the build embedded them
 * from po/: the .mo reader's lookups with and without a context, the fallback
 * to the msgid, every vocabulary term's label in both languages (the zh_CN one
 * is the term's names[0], the name the daemon also accepts), and the language
 * names Hello and --lang take. Run by tests/unit/message_catalogs.sh.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "msg.h"
#include "vocab.h"

static const struct vocab *const vocabs[] = {
    &vocab_category,   &vocab_form,       &vocab_level,          &vocab_mode,
    &vocab_attendance, &vocab_unit_kind,  &vocab_teacher_status, &vocab_report_status,
    &vocab_flag,       &vocab_compliance, &vocab_unit_month,     &vocab_role,
};

static void embedded_catalogs_are_well_formed(void **state)
{
    (void)state;
    assert_true(msg_init());
    assert_true(msg_init()); /* idempotent */
}

static void every_term_has_a_label_in_both_languages(void **state)
{
    (void)state;
    for (size_t v = 0; v < sizeof(vocabs) / sizeof(vocabs[0]); v++) {
        const struct vocab *voc = vocabs[v];
        for (size_t i = 0; i < voc->n; i++) {
            const struct vocab_term *t = &voc->terms[i];
            const char *zh = msg_pget(MSG_ZH_CN, voc->name, t->code);
            const char *en = msg_pget(MSG_EN, voc->name, t->code);
            if (strcmp(zh, t->names[0]) != 0)
                fail_msg("%s %s: zh_CN label \"%s\" is not its names[0] \"%s\"", voc->name, t->code,
                         zh, t->names[0]);
            /* An English label is words, not the code (no underscore), and
               the catalog has it (a pointer into the catalog, not the msgid). */
            if (en == t->code || strchr(en, '_'))
                fail_msg("%s %s: no English label in po/en/labels.po", voc->name, t->code);
            /* A vocabulary's labels tell its terms apart. */
            for (size_t j = 0; j < i; j++)
                if (strcmp(en, msg_pget(MSG_EN, voc->name, voc->terms[j].code)) == 0)
                    fail_msg("%s: %s and %s have the same English label", voc->name, t->code,
                             voc->terms[j].code);
        }
    }
}

static void context_separates_the_same_msgid(void **state)
{
    (void)state;
    /* "other" in two vocabularies, "late" as a sign-in and as a month */
    assert_string_equal(msg_pget(MSG_ZH_CN, "category", "other"), "其它");
    assert_string_equal(msg_pget(MSG_ZH_CN, "attendance", "late"), "迟到");
    assert_string_equal(msg_pget(MSG_ZH_CN, "unit_month", "late"), "逾期");
    assert_string_equal(msg_pget(MSG_EN, "unit_month", "not_due"), "not yet due");
    /* a context alone, a msgid alone, and a prefix of a key are not keys */
    assert_string_equal(msg_pget(MSG_ZH_CN, NULL, "late"), "late");
    assert_string_equal(msg_pget(MSG_ZH_CN, "unit_mont", "late"), "late");
    assert_string_equal(msg_pget(MSG_ZH_CN, "unit_month", "lat"), "lat");
    assert_string_equal(msg_pget(MSG_ZH_CN, "unit_month", "later"), "later");
}

static void unknown_message_is_its_msgid(void **state)
{
    (void)state;
    static const char id[] = "no such message {x}";
    assert_ptr_equal(msg_get(MSG_ZH_CN, id), id);
    assert_ptr_equal(msg_get(MSG_EN, id), id);
    assert_string_equal(msg_get(MSG_ZH_CN, ""), "");
}

static void language_names(void **state)
{
    (void)state;
    enum msg_lang l = MSG_EN;
    assert_true(msg_lang_parse("", &l));
    assert_int_equal(l, MSG_ZH_CN);
    assert_true(msg_lang_parse("en", &l));
    assert_int_equal(l, MSG_EN);
    assert_true(msg_lang_parse("zh-CN", &l));
    assert_int_equal(l, MSG_ZH_CN);
    assert_true(msg_lang_parse("en_US.UTF-8", &l));
    assert_int_equal(l, MSG_EN);
    assert_true(msg_lang_parse("zh_CN.UTF-8", &l));
    assert_int_equal(l, MSG_ZH_CN);
    assert_false(msg_lang_parse("fr", &l));
    assert_false(msg_lang_parse("zhx", &l));
    assert_false(msg_lang_parse("eng", &l));
    assert_string_equal(msg_lang_name(MSG_ZH_CN), "zh-CN");
    assert_string_equal(msg_lang_name(MSG_EN), "en");
}

static void json_arguments_as_postgresql_writes_them(void **state)
{
    (void)state;
    struct msg_arg a[8];
    char store[256];
    /* json_build_object(...)::text: strings, a number, null, a boolean; UTF-8 as is */
    int n = msg_args_json("{\"unit\" : \"4114230001\", \"month\" : \"2026-10\", \"n\" : 3.5, "
                          "\"by\" : null, \"ok\" : true, \"name\" : \"王强\"}",
                          a, 8, store, sizeof(store));
    assert_int_equal(n, 6);
    const char *want[][2] = {{"unit", "4114230001"}, {"month", "2026-10"}, {"n", "3.5"}, {"by", ""},
                             {"ok", "true"},         {"name", "王强"}};
    for (int i = 0; i < 6; i++) {
        assert_string_equal(a[i].name, want[i][0]);
        assert_string_equal(a[i].value, want[i][1]);
    }
    /* escapes, a surrogate pair */
    n = msg_args_json("{\"s\":\"a\\\"b\\\\c\\n\\u4e2d\\ud83d\\ude00\"}", a, 8, store,
                      sizeof(store));
    assert_int_equal(n, 1);
    assert_string_equal(a[0].value, "a\"b\\c\n中\xf0\x9f\x98\x80");
    /* nothing, an empty object, more than kept */
    assert_int_equal(msg_args_json("", a, 8, store, sizeof(store)), 0);
    assert_int_equal(msg_args_json(" {} ", a, 8, store, sizeof(store)), 0);
    assert_int_equal(msg_args_json("{\"a\":1,\"b\":2,\"c\":3}", a, 2, store, sizeof(store)), 2);
    assert_string_equal(a[1].name, "b");
    /* not a flat object, or not fitting: refused, never read past the end */
    const char *bad[] = {"{\"a\": {\"b\": 1}}",
                         "{\"a\": [1]}",
                         "\"text\"",
                         "{\"a\" 1}",
                         "{\"a\": \"open",
                         "{\"a\": \"\\x\"}",
                         "{\"a\": 1 \"b\": 2}",
                         "{1: 2}",
                         "{\"a\": \"\\u12\"}",
                         "{\"a\": 1"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        if (msg_args_json(bad[i], a, 8, store, sizeof(store)) >= 0)
            fail_msg("accepted %s", bad[i]);
    char tiny[8];
    assert_int_equal(msg_args_json("{\"name\": \"a long value\"}", a, 8, tiny, sizeof(tiny)), -1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(embedded_catalogs_are_well_formed),
        cmocka_unit_test(every_term_has_a_label_in_both_languages),
        cmocka_unit_test(context_separates_the_same_msgid),
        cmocka_unit_test(unknown_message_is_its_msgid),
        cmocka_unit_test(language_names),
        cmocka_unit_test(json_arguments_as_postgresql_writes_them),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
