/*
 * fuzz_scheme: the assessment scheme INI parser (daemon/scheme.c), which
 * reads the text of a SetScheme request. The input is the file's bytes.
 * The parser runs on every input (it must survive anything); the further
 * properties hold for text the handler lets through (check_multiline, as in
 * assess_scheme_set): every problem names a line and has a reason code
 * whose arguments are valid UTF-8, and a scheme without problems is complete
 * and within its limits.
 */
#include <string.h>

#include "check.h"
#include "fuzz.h"
#include "scheme.h"

/* MAX_SCHEME_BYTES in daemon/rpc_assess.c */
#define MAX_TEXT (64u * 1024u)

static bool one_of(const char *s, const char *a, const char *b)
{
    return s && (strcmp(s, a) == 0 || strcmp(s, b) == 0);
}

/* Lines that hold a key separator (= or :). */
static size_t key_lines(const char *text)
{
    size_t n = 0;
    for (const char *p = text; *p;) {
        size_t len = strcspn(p, "\n");
        const char *eq = memchr(p, '=', len), *colon = memchr(p, ':', len);
        n += eq || colon;
        p += len + (p[len] == '\n');
    }
    return n;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    /* A protobuf string arrives NUL-terminated. */
    char *text = malloc(size + 1);
    FUZZ_CHECK(text != NULL, "out of memory");
    memcpy(text, data, size);
    text[size] = '\0';
    bool accepted = check_multiline(text, MAX_TEXT);

    struct rpc_violations vs = {0};
    struct scheme_def d;
    FUZZ_CHECK(scheme_parse(text, &d, &vs), "scheme_parse ran out of memory");
    if (accepted) {
        for (size_t i = 0; i < vs.n; i++) {
            const char *path = vs.v[i]->path, *code = vs.v[i]->code;
            FUZZ_CHECK(path[0] == '\0' || strncmp(path, "line ", 5) == 0,
                       "a problem is not placed on a line");
            /* Its message is rendered from the code and the arguments when answered. */
            FUZZ_CHECK(code[0] != '\0', "a problem without a reason code");
            for (size_t k = 0; k < vs.v[i]->n_args; k++) {
                const char *v = vs.v[i]->args[k]->value;
                FUZZ_CHECK(fuzz_utf8_ok(v, strlen(v)), "a problem's argument is bad UTF-8");
            }
        }
        if (vs.total == 0) {
            /* Every key the parser took comes from a line of its own: one
             * that holds a separator (libinih reads "key = value" and
             * "key: value"). */
            size_t keys = d.nitems + d.ngrades + 2 + (d.title && d.title[0]);
            FUZZ_CHECK(keys <= key_lines(text), "more keys taken than lines that hold one");
            FUZZ_CHECK(d.name && d.name[0], "a scheme without a name passed");
            FUZZ_CHECK(one_of(d.target, "teacher", "unit"), "a scheme with a bad target passed");
            FUZZ_CHECK(d.nitems >= 1 && d.nitems <= SCHEME_MAX_ITEMS, "item count out of range");
            FUZZ_CHECK(d.ngrades >= 1 && d.ngrades <= SCHEME_MAX_GRADES,
                       "grade count out of range");
            FUZZ_CHECK(d.items.n == d.nitems && d.max_points.n == d.nitems, "items lost");
            FUZZ_CHECK(d.grades.n == d.ngrades && d.min_points.n == d.ngrades, "grades lost");
            const char *arrays[] = {pgarr_finish(&d.items), pgarr_finish(&d.max_points),
                                    pgarr_finish(&d.grades), pgarr_finish(&d.min_points)};
            for (size_t i = 0; i < 4; i++)
                FUZZ_CHECK(arrays[i] && fuzz_utf8_ok(arrays[i], strlen(arrays[i])),
                           "an array literal is missing or bad UTF-8");
        }
    }
    scheme_def_free(&d);
    rpc_violations_free(&vs);
    free(text);
    return 0;
}
