/*
 * msg: the message catalogs (GNU gettext .po files under po/, compiled by
 * msgfmt at build time and embedded, so that neither the daemon nor the CLI
 * depends on the machine's installed locales). zh_CN is the default
 * language, English the other; message ids are English. One lookup for both
 * languages at once, so that the daemon answers each connection in the
 * language its Hello asked for. Thread-safe after msg_init.
 */
#ifndef YANXIU_MSG_H
#define YANXIU_MSG_H

#include <stdbool.h>
#include <stddef.h>

#include "yx_common.h"

enum msg_lang {
    MSG_ZH_CN, /* the default */
    MSG_EN,
};

/* Marks a string for extraction (xgettext --keyword=N_) without translating it here:
   for tables of messages translated where they are used. */
#define N_(s) (s)

/*
 * Loads the embedded catalogs. Idempotent; false only when an embedded catalog
 * is malformed (a build error, which a unit test catches).
 */
bool msg_init(void) YX_MUST_CHECK;

/* "zh-CN", "zh_CN", "zh", "zh-Hans…" → MSG_ZH_CN; "en", "en-US", "en_GB.UTF-8"… → MSG_EN;
   "" → MSG_ZH_CN (the default). ASCII case ignored. False for anything else. */
bool msg_lang_parse(const char *s, enum msg_lang *out) YX_MUST_CHECK;

/* "zh-CN" or "en", as Hello answers it. */
const char *msg_lang_name(enum msg_lang lang);

/*
 * The translation of `msgid` under context `ctx` (msgctxt; NULL for none) in
 * `lang`: the catalog's string, or msgid itself when the catalog has none (as
 * gettext does). Valid for the life of the process.
 */
const char *msg_pget(enum msg_lang lang, const char *ctx, const char *msgid);
#define msg_get(lang, msgid) msg_pget((lang), NULL, (msgid))

/* A named argument of a template: "{name}" in it stands for value. */
struct msg_arg {
    const char *name;
    const char *value;
};

/*
 * Writes `tmpl` into buf (cap bytes, NUL-terminated, never cut inside a UTF-8
 * character) with each "{name}" replaced by the value of the argument so
 * named; "{{" is "{". An unknown name is left as written. Returns the length
 * the full text would have (as snprintf).
 */
size_t msg_render(char *buf, size_t cap, const char *tmpl, const struct msg_arg *args, size_t n);

/*
 * The arguments written as a flat JSON object, {"unit": "4211000001", "n": 3},
 * as PostgreSQL's json_build_object writes them (our SQL's reasons carry
 * their arguments so): each name and value is copied into store (cap bytes,
 * strings unescaped, \uXXXX as UTF-8), numbers, true and false as written,
 * null as "". "" is no argument. At most max are kept (the rest are
 * skipped). Returns the number kept, or -1 when s is not such an object (a
 * nested value, bad escapes) or does not fit in store.
 */
int msg_args_json(const char *s, struct msg_arg *args, size_t max, char *store, size_t cap);

#endif
