/*
 * msg: message catalogs and templates (see msg.h).
 */
#include "msg.h"

#include <stdint.h>
#include <string.h>
#include <strings.h>

#include "text.h"

/* The compiled catalogs (GNU .mo files), embedded by text/embed_catalogs.cmake;
   a language without one has size 0. */
extern const unsigned char msg_catalog_zh_CN[], msg_catalog_en[];
extern const size_t msg_catalog_zh_CN_size, msg_catalog_en_size;

/*
 * A .mo file as GNU gettext documents it ("The Format of GNU MO Files"): a
 * magic number that also tells the byte order, a revision, the number of
 * strings N, the offsets of the table of originals and of translations (N
 * pairs of length and offset each), the originals sorted bytewise; an
 * original with a context is "context\x04msgid". Read in place, nothing
 * allocated and nothing written, so that lookups need no lock.
 */
struct mo {
    const unsigned char *data;
    size_t size;
    bool swap;
    uint32_t n, originals, translations;
};

#define MO_MAGIC 0x950412deu

static uint32_t mo_word(const struct mo *m, size_t off)
{
    uint32_t w;
    memcpy(&w, m->data + off, 4);
    return m->swap ? __builtin_bswap32(w) : w;
}

/* The catalog of lang; false when it has none or its header is malformed. */
static bool mo_open(enum msg_lang lang, struct mo *m)
{
    m->data = lang == MSG_EN ? msg_catalog_en : msg_catalog_zh_CN;
    m->size = lang == MSG_EN ? msg_catalog_en_size : msg_catalog_zh_CN_size;
    if (m->size < 28)
        return false;
    m->swap = false;
    uint32_t magic = mo_word(m, 0);
    if (magic != MO_MAGIC) {
        m->swap = true;
        if (mo_word(m, 0) != MO_MAGIC)
            return false;
    }
    if (mo_word(m, 4) >> 16 != 0) /* major revision 0 only */
        return false;
    m->n = mo_word(m, 8);
    m->originals = mo_word(m, 12);
    m->translations = mo_word(m, 16);
    size_t table = (size_t)m->n * 8;
    return m->n <= m->size / 8 && m->originals <= m->size - table &&
           m->translations <= m->size - table;
}

/* String i of the table at `table` (length without its NUL), or NULL when it
   does not lie inside the file NUL-terminated. */
static const char *mo_string(const struct mo *m, uint32_t table, uint32_t i, size_t *len)
{
    size_t at = (size_t)table + (size_t)i * 8;
    uint32_t n = mo_word(m, at), off = mo_word(m, at + 4);
    if (off >= m->size || n >= m->size - off || m->data[off + n] != '\0')
        return NULL;
    *len = n;
    return (const char *)m->data + off;
}

/* Compares the key ctx "\x04" msgid (or msgid alone) bytewise with s[0..n). */
static int key_cmp(const char *ctx, const char *msgid, const char *s, size_t n)
{
    const unsigned char *u = (const unsigned char *)s;
    size_t i = 0;
    if (ctx) {
        for (const unsigned char *c = (const unsigned char *)ctx; *c; c++, i++) {
            if (i == n)
                return 1;
            if (*c != u[i])
                return *c < u[i] ? -1 : 1;
        }
        if (i == n)
            return 1;
        if (u[i] != 4)
            return 4 < u[i] ? -1 : 1;
        i++;
    }
    for (const unsigned char *c = (const unsigned char *)msgid; *c; c++, i++) {
        if (i == n)
            return 1;
        if (*c != u[i])
            return *c < u[i] ? -1 : 1;
    }
    return i == n ? 0 : -1;
}

bool msg_init(void)
{
    static const enum msg_lang langs[] = {MSG_ZH_CN, MSG_EN};
    for (size_t l = 0; l < sizeof(langs) / sizeof(langs[0]); l++) {
        struct mo m;
        size_t size = langs[l] == MSG_EN ? msg_catalog_en_size : msg_catalog_zh_CN_size;
        if (!mo_open(langs[l], &m)) {
            if (size == 0)
                continue; /* no catalog: every message is its msgid */
            return false;
        }
        const char *prev = NULL;
        size_t prev_len = 0;
        for (uint32_t i = 0; i < m.n; i++) {
            size_t len, tlen;
            const char *s = mo_string(&m, m.originals, i, &len);
            if (!s || !mo_string(&m, m.translations, i, &tlen))
                return false;
            /* sorted, as the binary search needs */
            if (prev) {
                int c = memcmp(prev, s, len < prev_len ? len : prev_len);
                if (c > 0 || (c == 0 && prev_len >= len))
                    return false;
            }
            prev = s;
            prev_len = len;
        }
    }
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
    struct mo m;
    if (!msgid[0] || !mo_open(lang, &m))
        return msgid;
    uint32_t lo = 0, hi = m.n;
    while (lo < hi) {
        uint32_t mid = lo + (hi - lo) / 2;
        size_t len;
        const char *s = mo_string(&m, m.originals, mid, &len);
        if (!s)
            return msgid;
        int c = key_cmp(ctx, msgid, s, len);
        if (c == 0) {
            const char *t = mo_string(&m, m.translations, mid, &len);
            return t && len ? t : msgid;
        }
        if (c < 0)
            hi = mid;
        else
            lo = mid + 1;
    }
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

/* The value of 4 hex digits at p, or -1. */
static long hex4(const char *p)
{
    long v = 0;
    for (int k = 0; k < 4; k++) {
        char h = p[k];
        int d = h >= '0' && h <= '9'   ? h - '0'
                : h >= 'a' && h <= 'f' ? h - 'a' + 10
                : h >= 'A' && h <= 'F' ? h - 'A' + 10
                                       : -1;
        if (d < 0)
            return -1;
        v = v * 16 + d;
    }
    return v;
}

/* Appends code point cp as UTF-8 to store[cap] at *used; false when it does not fit. */
static bool put_utf8(char *store, size_t cap, size_t *used, unsigned long cp)
{
    unsigned char b[4];
    size_t n;
    if (cp < 0x80) {
        b[0] = (unsigned char)cp;
        n = 1;
    } else if (cp < 0x800) {
        b[0] = (unsigned char)(0xc0 | cp >> 6);
        b[1] = (unsigned char)(0x80 | (cp & 0x3f));
        n = 2;
    } else if (cp < 0x10000) {
        b[0] = (unsigned char)(0xe0 | cp >> 12);
        b[1] = (unsigned char)(0x80 | (cp >> 6 & 0x3f));
        b[2] = (unsigned char)(0x80 | (cp & 0x3f));
        n = 3;
    } else {
        b[0] = (unsigned char)(0xf0 | cp >> 18);
        b[1] = (unsigned char)(0x80 | (cp >> 12 & 0x3f));
        b[2] = (unsigned char)(0x80 | (cp >> 6 & 0x3f));
        b[3] = (unsigned char)(0x80 | (cp & 0x3f));
        n = 4;
    }
    if (*used + n >= cap)
        return false;
    memcpy(store + *used, b, n);
    *used += n;
    return true;
}

/* One JSON string or scalar at *pp into store; false when it is neither or does not fit. */
static bool json_token(const char **pp, char *store, size_t cap, size_t *used, bool scalar_ok)
{
    const char *p = *pp;
    if (*p == '"') {
        for (p++; *p != '"'; p++) {
            if (*p == '\0')
                return false;
            unsigned long cp = (unsigned char)*p;
            if (*p == '\\') {
                p++;
                const char *esc = *p ? strchr("\"\\/bfnrt", *p) : NULL;
                if (esc) {
                    cp = (unsigned char)"\"\\/\b\f\n\r\t"[esc - "\"\\/bfnrt"];
                } else if (*p == 'u' && hex4(p + 1) >= 0) {
                    cp = (unsigned long)hex4(p + 1);
                    p += 4;
                    long lo;
                    if (cp >= 0xd800 && cp < 0xdc00 && p[1] == '\\' && p[2] == 'u' &&
                        (lo = hex4(p + 3)) >= 0xdc00 && lo < 0xe000) {
                        cp = 0x10000 + ((cp - 0xd800) << 10) + ((unsigned long)lo - 0xdc00);
                        p += 6;
                    }
                } else {
                    return false;
                }
                if (!put_utf8(store, cap, used, cp))
                    return false;
            } else {
                if (*used + 1 >= cap)
                    return false;
                store[(*used)++] = *p;
            }
        }
        p++;
    } else if (scalar_ok && strncmp(p, "null", 4) == 0) {
        p += 4;
    } else if (scalar_ok && *p && strchr("-0123456789tf", *p)) {
        while (*p && strchr("+-.0123456789eEtruefals", *p)) {
            if (*used + 1 >= cap)
                return false;
            store[(*used)++] = *p++;
        }
    } else {
        return false;
    }
    if (*used >= cap)
        return false;
    store[(*used)++] = '\0';
    *pp = p;
    return true;
}

int msg_args_json(const char *s, struct msg_arg *args, size_t max, char *store, size_t cap)
{
    const char *p = s;
    size_t used = 0, n = 0;
    p += strspn(p, " \t\r\n");
    if (*p == '\0')
        return 0;
    if (*p++ != '{')
        return -1;
    for (bool first = true;; first = false) {
        p += strspn(p, " \t\r\n");
        if (*p == '}')
            return (int)n;
        if (!first) {
            if (*p++ != ',')
                return -1;
            p += strspn(p, " \t\r\n");
        }
        const char *name = store + used;
        if (!json_token(&p, store, cap, &used, false))
            return -1;
        p += strspn(p, " \t\r\n");
        if (*p++ != ':')
            return -1;
        p += strspn(p, " \t\r\n");
        const char *value = store + used;
        if (!json_token(&p, store, cap, &used, true))
            return -1;
        if (n < max)
            args[n++] = (struct msg_arg){name, value};
    }
}
