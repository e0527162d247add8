/*
 * vocab: the enumerations' codes and Chinese names (see vocab.h).
 */
#include "vocab.h"

#include <string.h>

#define VOCAB(var, label, ...)                                                                     \
    static const struct vocab_term var##_terms[] = {__VA_ARGS__};                                  \
    const struct vocab var = {label, var##_terms, sizeof(var##_terms) / sizeof(var##_terms[0])}

VOCAB(vocab_category, "category", {"ethics", {"师德", "师德师风", "职业道德"}},
      {"theory", {"教育理论"}}, {"subject", {"学科专业知识", "专业知识"}}, {"skills", {"教学技能"}},
      {"it", {"信息技术"}}, {"research", {"教育科研"}}, {"law", {"法制教育"}},
      {"mental_health", {"心理健康", "心理健康教育"}}, {"homeroom", {"班主任工作"}},
      {"other", {"其它", "其他"}});

VOCAB(vocab_form, "form", {"lecture", {"专题培训", "讲座", "专题讲座"}},
      {"lesson_study", {"课例研究"}}, {"collective_prep", {"集体备课"}},
      {"observation", {"听评课"}}, {"demonstration", {"示范观摩"}}, {"mentoring", {"师徒结对"}},
      {"self_study", {"个人自修"}}, {"research", {"课题研究"}}, {"online", {"网络研修"}},
      {"competition", {"教学竞赛"}}, {"other", {"其它", "其他"}});

VOCAB(vocab_level, "level", {"school", {"校级"}}, {"town", {"镇级", "乡镇级"}},
      {"county", {"县级", "区级", "县区级"}}, {"city", {"市级"}}, {"province", {"省级"}},
      {"national", {"国家级"}});

VOCAB(vocab_mode, "mode", {"centralized", {"集中"}}, {"remote", {"远程"}}, {"self", {"自修"}});

VOCAB(vocab_attendance, "attendance", {"present", {"出席", "到", "签到"}}, {"late", {"迟到"}},
      {"excused", {"请假"}}, {"absent", {"无故缺席", "缺席", "旷会"}});

VOCAB(vocab_unit_kind, "unit_kind", {"central", {"中心校", "中心学校"}},
      {"primary", {"小学", "完小", "村小", "教学点"}}, {"junior", {"初中", "初级中学"}},
      {"senior", {"高中", "高级中学"}}, {"nine_year", {"九年一贯制", "九年一贯制学校"}},
      {"kindergarten", {"幼儿园"}});

VOCAB(vocab_teacher_status, "teacher_status", {"active", {"在职", "在岗"}},
      {"exempt", {"免训", "豁免", "自愿放弃"}}, {"left", {"离职", "调出", "退休"}});

VOCAB(vocab_report_status, "report_status", {"submitted", {"已提交"}}, {"approved", {"已通过"}},
      {"returned", {"已退回"}}, {"reopened", {"已重新打开"}}, {"voided", {"已作废"}},
      {"superseded", {"已被替代"}});

VOCAB(vocab_flag, "flag", {"overlap", {"时间重叠"}}, {"day_hours", {"单日学时过多"}},
      {"identical_signin", {"签到雷同"}}, {"future_date", {"日期在未来"}});

VOCAB(vocab_compliance, "compliance", {"compliant", {"达标"}}, {"on_track", {"进度正常"}},
      {"behind", {"进度落后"}}, {"non_compliant", {"不达标"}}, {"exempt", {"免训"}});

VOCAB(vocab_unit_month, "unit_month", {"on_time", {"按时"}}, {"late", {"逾期"}},
      {"missing", {"未报"}}, {"returned", {"已退回"}}, {"reopened", {"已重新打开"}},
      {"voided", {"已作废"}}, {"closed", {"无需上报"}}, {"not_due", {"未到期"}});

VOCAB(vocab_role, "role", {"admin", {"管理员"}}, {"district", {"县区"}}, {"school", {"学校"}},
      {"operator", {"运维"}});

const char *vocab_code_of(const struct vocab *v, int value)
{
    return value >= 1 && (size_t)value <= v->n ? v->terms[value - 1].code : "";
}

int vocab_value(const struct vocab *v, const char *s)
{
    const char *code = vocab_code(v, s);
    return code ? (int)(vocab_term(v, code) - v->terms) + 1 : 0;
}

const struct vocab_term *vocab_term(const struct vocab *v, const char *code)
{
    for (size_t i = 0; i < v->n; i++)
        if (strcmp(code, v->terms[i].code) == 0)
            return &v->terms[i];
    return NULL;
}

const char *vocab_code(const struct vocab *v, const char *s)
{
    for (size_t i = 0; i < v->n; i++) {
        const struct vocab_term *t = &v->terms[i];
        if (strcmp(s, t->code) == 0)
            return t->code;
        for (size_t j = 0; j < VOCAB_MAX_NAMES && t->names[j]; j++)
            if (strcmp(s, t->names[j]) == 0)
                return t->code;
    }
    return NULL;
}
