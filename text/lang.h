/*
 * lang: the language the CLI speaks (Chinese by default, English on
 * request) and the catalog lookups of its messages, table headings and
 * labels. One language per thread: the CLI's main() chooses it before
 * anything is printed, and it goes to the server in Hello so that its
 * messages match; a daemon worker that lays out a workbook (sheet/workbook.h)
 * sets the language of the request it works for.
 */
#ifndef YANXIU_LANG_H
#define YANXIU_LANG_H

#include <stdbool.h>

#include "msg.h"
#include "vocab.h"

/* The calling thread's language (MSG_ZH_CN until lang_set). */
enum msg_lang lang_current(void);
void lang_set(enum msg_lang lang);

/*
 * The language the environment asks for: the first of LANGUAGE (a list: its
 * first entry decides), LC_ALL, LC_MESSAGES and LANG that is set and not
 * empty, as gettext reads them; "en…" is English, anything else (zh…, C,
 * POSIX) and nothing at all is Chinese, the default.
 */
enum msg_lang lang_from_env(void);

/* The translation of a message of the CLI in its language. format_arg: the compiler checks
   printf arguments against the English msgid. */
const char *lang_tr(const char *msgid) __attribute__((format_arg(1)));
#define _(s) lang_tr(s)

/* The same with a context (msgctxt): e.g. "column" for table headings, "rule" for policy
   rules. */
const char *lang_ptr(const char *ctx, const char *msgid) __attribute__((format_arg(2)));

/* How a code of an enumeration is shown in the CLI's language: the catalog's label (context
   vocab->name), else under zh_CN the term's Chinese name, else the code itself. */
const char *lang_label(const struct vocab *v, const char *code);

#endif
