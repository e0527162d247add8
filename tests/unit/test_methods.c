/*
 * The role table of README.md ("Protocol v2") is the daemon's method table
 * (daemon/methods.def): the same methods, in the same order, each with the
 * roles that may call it. On a difference it prints the table as it should
 * read, to paste into README.md.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "session.h"

struct method {
    const char *name;
    unsigned roles;
};
static const struct method METHODS[] = {
#define YX_METHOD(body, name, roles, handler) {name, roles},
#include "methods.def"
};
#define N_METHODS (sizeof(METHODS) / sizeof(METHODS[0]))

#define HEADER "| method | who may call it |"

/* The README line of method m. */
static void row_of(const struct method *m, char *out, size_t cap)
{
    char who[64] = "";
    if (m->roles == 0)
        snprintf(who, sizeof(who), "anyone: no session needed");
    static const enum role order[] = {ROLE_ADMIN, ROLE_DISTRICT, ROLE_SCHOOL};
    for (size_t i = 0; i < sizeof(order) / sizeof(order[0]); i++)
        if (m->roles & order[i]) {
            size_t len = strlen(who);
            snprintf(who + len, sizeof(who) - len, "%s`%s`", len ? ", " : "",
                     session_role_name(order[i]));
        }
    snprintf(out, cap, "| `%s` | %s |", m->name, who);
}

static void print_expected(void)
{
    printf("README.md should read (daemon/methods.def):\n%s\n|---|---|\n", HEADER);
    for (size_t i = 0; i < N_METHODS; i++) {
        char row[256];
        row_of(&METHODS[i], row, sizeof(row));
        printf("%s\n", row);
    }
}

static void readme_role_table_is_methods_def(void **state)
{
    FILE *f = fopen(YX_SOURCE_DIR "/README.md", "r");
    if (!f)
        fail_msg("cannot read %s/README.md", YX_SOURCE_DIR);
    char line[1024];
    bool found = false;
    while (!found && fgets(line, sizeof(line), f))
        found = strncmp(line, HEADER, strlen(HEADER)) == 0;
    if (!found) {
        fclose(f);
        print_expected();
        fail_msg("README.md has no table headed \"%s\"", HEADER);
    }
    assert_non_null(fgets(line, sizeof(line), f)); /* |---|---| */
    size_t i = 0;
    while (fgets(line, sizeof(line), f) && line[0] == '|') {
        line[strcspn(line, "\n")] = '\0';
        if (i == N_METHODS) {
            fclose(f);
            print_expected();
            fail_msg("README.md lists \"%s\", which daemon/methods.def does not", line);
        }
        char want[256];
        row_of(&METHODS[i], want, sizeof(want));
        if (strcmp(line, want) != 0) {
            fclose(f);
            print_expected();
            fail_msg("README.md says \"%s\", daemon/methods.def \"%s\"", line, want);
        }
        i++;
    }
    fclose(f);
    if (i < N_METHODS) {
        print_expected();
        fail_msg("README.md lacks %s and %zu more of daemon/methods.def", METHODS[i].name,
                 N_METHODS - i - 1);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(readme_role_table_is_methods_def),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
