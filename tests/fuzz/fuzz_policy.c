/*
 * fuzz_policy: the district policy INI parser (daemon/policy.c), which
 * reads the text of a SetPolicy request. The input is the file's bytes.
 * The parser runs on every input; for text the handler lets through
 * (check_multiline, as in compliance_policy_set) every problem names a line
 * and has a reason code whose arguments are valid UTF-8, and every value it
 * keeps is valid UTF-8.
 */
#include <string.h>

#include "check.h"
#include "fuzz.h"
#include "policy.h"

/* The limit compliance_policy_set gives check_multiline. */
#define MAX_TEXT (64u * 1024u)

/* Lines that hold a key separator (= or :, as libinih reads them). */
static size_t key_lines(const char *text)
{
    size_t n = 0;
    for (const char *p = text; *p;) {
        size_t len = strcspn(p, "\n");
        n += memchr(p, '=', len) || memchr(p, ':', len);
        p += len + (p[len] == '\n');
    }
    return n;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *text = malloc(size + 1);
    FUZZ_CHECK(text != NULL, "out of memory");
    memcpy(text, data, size);
    text[size] = '\0';
    bool accepted = check_multiline(text, MAX_TEXT);

    struct rpc_violations vs = {0};
    struct policy_values pv;
    FUZZ_CHECK(policy_parse(text, &pv, &vs), "policy_parse ran out of memory");
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
        size_t keys = 0;
        for (int k = 0; k < POLICY_NKEYS; k++) {
            FUZZ_CHECK(!pv.v[k] || fuzz_utf8_ok(pv.v[k], strlen(pv.v[k])),
                       "a policy value is bad UTF-8");
            keys += pv.v[k] != NULL;
        }
        /* Every key taken comes from a line of its own that holds a separator. */
        FUZZ_CHECK(vs.total || keys <= key_lines(text), "more keys taken than lines that hold one");
    }
    policy_values_free(&pv);
    rpc_violations_free(&vs);
    free(text);
    return 0;
}
