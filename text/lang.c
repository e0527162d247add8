/*
 * lang: the language of the CLI, or of a daemon worker's workbook, and its catalog lookups
 * (see lang.h).
 */
#include "lang.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* Per thread: the daemon's workers lay out each workbook in the language of its request. */
static _Thread_local enum msg_lang current = MSG_ZH_CN;

enum msg_lang lang_current(void)
{
    return current;
}

void lang_set(enum msg_lang lang)
{
    current = lang;
}

enum msg_lang lang_from_env(void)
{
    /* gettext's order: LANGUAGE (a list) before the locale's variables. */
    static const char *const vars[] = {"LANGUAGE", "LC_ALL", "LC_MESSAGES", "LANG"};
    for (size_t i = 0; i < sizeof(vars) / sizeof(vars[0]); i++) {
        const char *v = getenv(vars[i]);
        if (v && *v)
            return strncasecmp(v, "en", 2) == 0 ? MSG_EN : MSG_ZH_CN;
    }
    return MSG_ZH_CN;
}

const char *lang_tr(const char *msgid)
{
    return msg_pget(current, NULL, msgid);
}

const char *lang_ptr(const char *ctx, const char *msgid)
{
    return msg_pget(current, ctx, msgid);
}

const char *lang_label(const struct vocab *v, const char *code)
{
    const char *s = msg_pget(current, v->name, code);
    if (s != code && strcmp(s, code) != 0)
        return s;
    const struct vocab_term *t;
    if (current == MSG_ZH_CN && (t = vocab_term(v, code)) && t->names[0])
        return t->names[0];
    return code;
}
