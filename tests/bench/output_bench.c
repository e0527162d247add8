/*
 * output_bench: the CLI's printing of a big listing, without a server. Builds
 * a `compliance teachers` answer of N teachers (a county: 8 010) as the
 * server sends it, turns it into the listing (workbook_teachers_table) and
 * prints it as a table, CSV and JSON to a file, timing the CPU each takes
 * (best of --repeat). --write PREFIX keeps the outputs (PREFIX.table, .csv,
 * .json) to compare them byte for byte across builds.
 *
 *   output_bench [--teachers N] [--repeat R] [--format table|csv|json] [--cycle]
 *                [--write PREFIX]
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "out.h"
#include "workbook.h"

static double cpu_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static void *must(void *p)
{
    if (!p) {
        fprintf(stderr, "output_bench: out of memory\n");
        exit(1);
    }
    return p;
}

static char *str(const char *s)
{
    return must(strdup(s));
}

/* A reason of a rule the teacher does not meet. */
static Yanxiu__V1__Reason *reason(const char *rule, double needed, double had)
{
    Yanxiu__V1__Reason *r = must(malloc(sizeof(*r)));
    yanxiu__v1__reason__init(r);
    r->rule = str(rule);
    r->needed = needed;
    r->had = had;
    return r;
}

/* A county-like list: units of 30 teachers, Chinese names and groups, a third short of hours. */
static Yanxiu__V1__ComplianceTeacherList *make_list(size_t n, bool cycle)
{
    static const char *const family[] = {"王", "李", "张", "刘", "陈", "杨", "欧阳", "赵"};
    static const char *const given[] = {"伟", "芳", "秀英", "敏", "静", "丽", "强", "磊"};
    static const char *const groups[] = {"语文组", "数学组", "英语组", "综合组", ""};
    Yanxiu__V1__ComplianceTeacherList *l = must(malloc(sizeof(*l)));
    yanxiu__v1__compliance_teacher_list__init(l);
    l->teachers = must(calloc(n ? n : 1, sizeof(*l->teachers)));
    l->n_teachers = n;
    for (size_t i = 0; i < n; i++) {
        Yanxiu__V1__TeacherCompliance *t = must(malloc(sizeof(*t)));
        yanxiu__v1__teacher_compliance__init(t);
        char buf[64];
        size_t unit = i / 30 + 1;
        snprintf(buf, sizeof(buf), "419901%04zu%03zu", unit, i % 30 + 1);
        t->teacher_code = str(buf);
        snprintf(buf, sizeof(buf), "%s%s", family[i % 8], given[(i / 8) % 8]);
        t->name = str(buf);
        snprintf(buf, sizeof(buf), "419901%04zu", unit);
        t->unit_code = str(buf);
        snprintf(buf, sizeof(buf), "S%04zu", unit);
        t->school_code = str(buf);
        t->group = str(groups[i % 5]);
        t->year = 2025;
        t->hours = (double)(i % 97) + 0.5 * (double)(i % 2);
        t->school_hours = t->hours / 3;
        t->ethics_hours = (double)(i % 7);
        t->centralized_hours = (double)(i % 13);
        t->homeroom_hours = (double)(i % 5);
        t->credits = t->hours / 10;
        t->unexcused_absences = (uint32_t)(i % 4);
        t->status = i % 3 == 0   ? YANXIU__V1__COMPLIANCE_STATUS__COMPLIANCE_STATUS_NON_COMPLIANT
                    : i % 3 == 1 ? YANXIU__V1__COMPLIANCE_STATUS__COMPLIANCE_STATUS_ON_TRACK
                                 : YANXIU__V1__COMPLIANCE_STATUS__COMPLIANCE_STATUS_COMPLIANT;
        if (i % 3 == 0) {
            t->n_reasons = 2;
            t->reasons = must(calloc(2, sizeof(*t->reasons)));
            t->reasons[0] = reason("hours_year", 72, t->hours);
            t->reasons[1] = reason("school_hours_year", 24, t->school_hours);
        }
        if (cycle) {
            t->cycle = str("2026-2030");
            t->cycle_hours = t->hours * 3;
            t->cycle_status = str(i % 3 == 0 ? "behind" : "on_track");
        }
        l->teachers[i] = t;
    }
    return l;
}

int main(int argc, char **argv)
{
    static const struct option opts[] = {
        {"teachers", required_argument, NULL, 'n'}, {"repeat", required_argument, NULL, 'r'},
        {"format", required_argument, NULL, 'f'},   {"cycle", no_argument, NULL, 'c'},
        {"write", required_argument, NULL, 'w'},    {0},
    };
    long n = 8010, repeat = 5;
    const char *only = NULL, *prefix = NULL;
    bool cycle = false;
    int opt;
    while ((opt = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        switch (opt) {
        case 'n':
            n = atol(optarg);
            break;
        case 'r':
            repeat = atol(optarg);
            break;
        case 'f':
            only = optarg;
            break;
        case 'c':
            cycle = true;
            break;
        case 'w':
            prefix = optarg;
            break;
        default:
            fprintf(stderr, "usage: output_bench [--teachers N] [--repeat R] "
                            "[--format table|csv|json] [--cycle] [--write PREFIX]\n");
            return 2;
        }
    }
    if (n < 0 || repeat < 1) {
        fprintf(stderr, "output_bench: --teachers is 0 or more, --repeat 1 or more\n");
        return 2;
    }
    Yanxiu__V1__ComplianceTeacherList *list = make_list((size_t)n, cycle);
    static const char *const names[] = {"table", "csv", "json"};
    for (size_t k = 0; k < 3; k++) {
        enum out_format f;
        if ((only && strcmp(only, names[k]) != 0) || !out_parse_format(names[k], &f))
            continue;
        double best = -1;
        long bytes = 0;
        for (long r = 0; r < repeat; r++) {
            char path[4096];
            snprintf(path, sizeof(path), "%s.%s", prefix ? prefix : "/dev/null", names[k]);
            FILE *fp = fopen(prefix ? path : "/dev/null", "w");
            if (!fp) {
                perror(path);
                return 1;
            }
            double t0 = cpu_ms();
            struct out_table t;
            workbook_teachers_table(list, cycle, &t);
            bool ok = out_print(&t, f, fp);
            out_table_free(&t);
            double ms = cpu_ms() - t0;
            bytes = ftell(fp);
            if (!ok || fclose(fp) != 0) {
                perror("output_bench: writing");
                return 1;
            }
            if (best < 0 || ms < best)
                best = ms;
        }
        printf("output_bench: %ld teachers as %-5s: %.2f ms of CPU (best of %ld)", n, names[k],
               best, repeat);
        if (prefix)
            printf(", %ld bytes in %s.%s", bytes, prefix, names[k]);
        putchar('\n');
    }
    yanxiu__v1__compliance_teacher_list__free_unpacked(list, NULL);
    return 0;
}
