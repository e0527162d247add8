/*
 * replay: a main for a fuzz target without libFuzzer. Runs the target once
 * on every file of each directory (or on each file) named on the command
 * line, in name order, so that ./tests/run replays the committed corpus
 * with the ordinary compiler (and, with YANXIU_SANITIZE, under ASan/UBSan).
 * Exits 1 when an argument holds no input at all: an empty corpus would
 * make the test pass without testing anything.
 */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "fuzz.h"

/* Reads a whole file; NULL with a message on failure. */
static uint8_t *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        fprintf(stderr, "replay: %s: %s\n", path, strerror(errno));
        return NULL;
    }
    size_t cap = 4096, n = 0;
    uint8_t *buf = malloc(cap);
    while (buf) {
        n += fread(buf + n, 1, cap - n, f);
        if (n < cap)
            break;
        uint8_t *nb = realloc(buf, cap * 2);
        if (!nb) {
            free(buf);
            buf = NULL;
            break;
        }
        buf = nb;
        cap *= 2;
    }
    bool bad = ferror(f);
    fclose(f);
    if (!buf || bad) {
        fprintf(stderr, "replay: %s: cannot read it\n", path);
        free(buf);
        return NULL;
    }
    *len = n;
    return buf;
}

static bool run_file(const char *path)
{
    size_t len = 0;
    uint8_t *data = slurp(path, &len);
    if (!data)
        return false;
    /* A copy of exactly `len` bytes, as libFuzzer hands it: ASan sees an
     * overread past the end. */
    uint8_t *exact = malloc(len ? len : 1);
    if (!exact) {
        free(data);
        return false;
    }
    memcpy(exact, data, len);
    free(data);
    LLVMFuzzerTestOneInput(exact, len);
    free(exact);
    return true;
}

static int skip_dots(const struct dirent *e)
{
    return e->d_name[0] != '.';
}

/* Runs every file of `dir`; the count in *n. False on a read error. */
static bool run_dir(const char *dir, size_t *n)
{
    struct dirent **names;
    int k = scandir(dir, &names, skip_dots, alphasort);
    if (k < 0) {
        fprintf(stderr, "replay: %s: %s\n", dir, strerror(errno));
        return false;
    }
    bool ok = true;
    for (int i = 0; i < k; i++) {
        char path[4096];
        snprintf(path, sizeof(path), "%s/%s", dir, names[i]->d_name);
        struct stat st;
        if (ok && stat(path, &st) == 0 && S_ISREG(st.st_mode)) {
            ok = run_file(path);
            (*n)++;
        }
        free(names[i]);
    }
    free(names);
    return ok;
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: %s CORPUS_DIR_OR_FILE...\n", argv[0]);
        return 2;
    }
    for (int i = 1; i < argc; i++) {
        struct stat st;
        if (stat(argv[i], &st) != 0) {
            fprintf(stderr, "replay: %s: %s\n", argv[i], strerror(errno));
            return 1;
        }
        size_t n = 0;
        if (S_ISDIR(st.st_mode)) {
            if (!run_dir(argv[i], &n))
                return 1;
        } else {
            if (!run_file(argv[i]))
                return 1;
            n = 1;
        }
        if (n == 0) {
            fprintf(stderr, "replay: %s holds no input; the corpus is missing\n", argv[i]);
            return 1;
        }
        printf("replay: %zu input%s from %s passed\n", n, n == 1 ? "" : "s", argv[i]);
    }
    return 0;
}
