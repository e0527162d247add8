/*
 * msg: message catalogs and templates (see msg.h).
 */
#include "msg.h"

#include <string.h>
#include <strings.h>

#include "text.h"

/* The catalogs are not embedded yet: every lookup answers the English message id. */
bool msg_init(void)
{
    return true;
}

bool msg_lang_parse(const char *s, enum msg_lang *out)
{
    if (s[0] == '\0' || strncasecmp(s, "zh", 2) == 0) {
        if (s[0] && s[2] && s[2] != '-' && s[2] != '_')
            return false;
        *out = MSG_ZH_CN;
        return true;
    }
    if (strncasecmp(s, "en", 2) == 0 && (s[2] == '\0' || s[2] == '-' || s[2] == '_' || s[2] == '.')) {
        *out = MSG_EN;
        return true;
    }
    return false;
}

const char *msg_lang_name(enum msg_lang lang)
{
    return lang == MSG_EN ? "en" : "zh-CN";
}

const char *msg_pget(enum msg_lang lang, const char *ctx, const char *msgid)
{
    (void)lang;
    (void)ctx;
    return msgid;
}

/* Appends s[0..n) to buf[cap] at *len (counting past cap, as snprintf). */
static void put(char *buf, size_t cap, size_t *len, const char *s, size_t n)
{
    if (*len < cap) {
        size_t room = cap - 1 - *len;
        size_t k = n <= room ? n : text_utf8_prefix(s, n, room);
        memcpy(buf + *len, s, k);
        if (k < n) { /* cut: nothing more fits */
            buf[*len + k] = '\0';
            *len += n;
            return;
        }
    }
    *len += n;
}

size_t msg_render(char *buf, size_t cap, const char *tmpl, const struct msg_arg *args, size_t n)
{
    size_t len = 0;
    const char *p = tmpl;
    while (*p) {
        const char *brace = strchr(p, '{');
        if (!brace) {
            put(buf, cap, &len, p, strlen(p));
            break;
        }
        put(buf, cap, &len, p, (size_t)(brace - p));
        if (brace[1] == '{') {
            put(buf, cap, &len, "{", 1);
            p = brace + 2;
            continue;
        }
        const char *close = strchr(brace + 1, '}');
        const char *value = NULL;
        if (close) {
            size_t k = (size_t)(close - brace - 1);
            for (size_t i = 0; i < n && !value; i++)
                if (strlen(args[i].name) == k && memcmp(args[i].name, brace + 1, k) == 0)
                    value = args[i].value;
        }
        if (value) {
            put(buf, cap, &len, value, strlen(value));
            p = close + 1;
        } else {
            put(buf, cap, &len, brace, 1);
            p = brace + 1;
        }
    }
    if (cap > 0 && len < cap)
        buf[len] = '\0';
    else if (cap > 0 && buf[cap - 1] != '\0')
        buf[cap - 1] = '\0';
    return len;
}
