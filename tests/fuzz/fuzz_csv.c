/*
 * fuzz_csv: the CSV reader (client/csvin.c) on a file's bytes, read with
 * each --encoding (auto, utf-8, gb18030) against the roster's teacher
 * columns (as client/cmd_roster.c declares them: Chinese aliases, required
 * and optional columns). Properties: a table's every cell and header is
 * valid UTF-8 without surrounding spaces, rows start on increasing lines;
 * a refusal says why in valid UTF-8 and names the file.
 */
#include <string.h>

#include "csvin.h"
#include "fuzz.h"

static const char *const code_zh[] = {"教师编号", NULL};
static const char *const name_zh[] = {"姓名", NULL};
static const char *const school_zh[] = {"学校代码", "学校标识码", NULL};
static const char *const subject_zh[] = {"学科", "任教学科", NULL};
static const char *const group_zh[] = {"教研组", "research_group", NULL};
static const char *const homeroom_zh[] = {"班主任", NULL};
static const char *const status_zh[] = {"状态", NULL};

static const struct csvin_column cols[] = {
    {"teacher_code", code_zh, true}, {"name", name_zh, true},    {"school_code", school_zh, true},
    {"subject", subject_zh, false},  {"group", group_zh, false}, {"homeroom", homeroom_zh, false},
    {"status", status_zh, false},
};
#define NCOLS (sizeof(cols) / sizeof(cols[0]))

static bool trimmed(const char *s)
{
    size_t n = strlen(s);
    return n == 0 || (s[0] != ' ' && s[0] != '\t' && s[n - 1] != ' ' && s[n - 1] != '\t');
}

static void read_as(const uint8_t *data, size_t size, enum csvin_encoding enc)
{
    struct csvin_error err = {0};
    struct csvin_table *t = csvin_read_mem("fuzz.csv", data, size, enc, cols, NCOLS, &err);
    if (!t) {
        FUZZ_CHECK(err.message[0] != '\0', "a refused file without a message");
        FUZZ_CHECK(fuzz_utf8_ok(err.message, strlen(err.message)), "a message of bad UTF-8");
        FUZZ_CHECK(strstr(err.message, "fuzz.csv") != NULL,
                   "a message that does not name the file");
        return;
    }
    enum csvin_encoding used = csvin_encoding_used(t);
    FUZZ_CHECK(used == CSVIN_UTF8 || used == CSVIN_GB18030, "no encoding was used");
    FUZZ_CHECK(enc == CSVIN_AUTO || used == enc, "read with another encoding than asked");
    for (size_t c = 0; c < NCOLS; c++) {
        const char *h = csvin_header(t, c);
        FUZZ_CHECK(h && fuzz_utf8_ok(h, strlen(h)), "a header of bad UTF-8");
        FUZZ_CHECK(!cols[c].required || csvin_has_column(t, c), "a required column is missing");
    }
    int last = 0;
    for (size_t r = 0; r < csvin_rows(t); r++) {
        int line = csvin_line(t, r);
        FUZZ_CHECK(line > last, "rows do not start on increasing lines");
        last = line;
        for (size_t c = 0; c < NCOLS; c++) {
            const char *v = csvin_get(t, r, c);
            FUZZ_CHECK(v != NULL, "a cell is NULL");
            FUZZ_CHECK(fuzz_utf8_ok(v, strlen(v)), "a cell of bad UTF-8");
            FUZZ_CHECK(trimmed(v), "a cell keeps surrounding spaces");
        }
    }
    csvin_free(t);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    read_as(data, size, CSVIN_AUTO);
    read_as(data, size, CSVIN_UTF8);
    read_as(data, size, CSVIN_GB18030);
    return 0;
}
