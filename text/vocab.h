/*
 * vocab: the enumerations of the records (category, form, level, mode, sign-in
 * status, unit kind, teacher status, report status, flag kind, compliance
 * status, a unit's month): each term's stable English code and the Chinese
 * names people write for it in their files. Shared by the daemon (reading
 * requests and uploads), the CLI (templates' drop-down lists) and the tests.
 * How a term is shown is the catalog's (text/msg.h): context = vocab->name,
 * msgid = the code.
 */
#ifndef YANXIU_VOCAB_H
#define YANXIU_VOCAB_H

#include <stddef.h>

#define VOCAB_MAX_NAMES 5

struct vocab_term {
    const char *code;                   /* e.g. "mental_health" */
    const char *names[VOCAB_MAX_NAMES]; /* Chinese names accepted, NULL-ended; names[0] is
                                           the one shown (the zh_CN label) and offered in
                                           templates' lists */
};

struct vocab {
    const char *name; /* "category", "form", ...: also the msgctxt of its labels */
    const struct vocab_term *terms;
    size_t n;
};

extern const struct vocab vocab_category;       /* 内容类别 */
extern const struct vocab vocab_form;           /* 形式 */
extern const struct vocab vocab_level;          /* 级别 */
extern const struct vocab vocab_mode;           /* 方式 */
extern const struct vocab vocab_attendance;     /* 签到 status */
extern const struct vocab vocab_unit_kind;      /* 学校类型 */
extern const struct vocab vocab_teacher_status; /* 教师状态 */
extern const struct vocab vocab_report_status;  /* 月报状态 */
extern const struct vocab vocab_flag;           /* 疑似弄虚作假 signals */
extern const struct vocab vocab_compliance;     /* a teacher's compliance status */
extern const struct vocab vocab_unit_month;     /* a unit's month in the reporting matrix */
extern const struct vocab vocab_role;           /* an account's role */

/*
 * Each vocabulary is a proto enum of proto/yanxiu.proto (Category, Form, ..., UnitMonthState,
 * Role) whose value i + 1 is terms[i] (0 is …_UNSPECIFIED); tests/unit/test_vocab_enums.c
 * checks that the names agree.
 */

/* The code of the enum value `value`, or "" for 0 and for a value out of range. */
const char *vocab_code_of(const struct vocab *v, int value);

/* The enum value of `s` (a code or one of its Chinese names), or 0 when it is neither. */
int vocab_value(const struct vocab *v, const char *s);

/* The code `s` stands for (the code itself or one of its names), or NULL. */
const char *vocab_code(const struct vocab *v, const char *s);

/* The term of `code`, or NULL. */
const struct vocab_term *vocab_term(const struct vocab *v, const char *code);

#endif
