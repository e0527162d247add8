/*
 * template: the workbooks and CSV files people fill in (see template.h).
 */
#include "template.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <xlsxwriter.h>

#include "out.h"

/* Rows given a format and checks below the header: room for a month of a large unit. */
#define TMPL_ROWS 2000
/* The hidden sheet of the drop-down lists. */
#define OPTIONS_SHEET "选项"
#define HELP_SHEET    "填写说明"

static const char *const yes_no[] = {"是", "否"};

/* --- the columns ------------------------------------------------------------------------ */

static const struct tmpl_column activity_cols[] = {
    {"编号", "ref", true, TMPL_TEXT, NULL,
     N_("the activity's reference, unique in the month (e.g. 2026-10-A03); 签到表 names the "
        "activity by it")},
    {"日期", "date", true, TMPL_DATE, NULL, N_("the day of the activity, in the month reported")},
    {"开始", "start", true, TMPL_TIME, NULL, N_("when it started, e.g. 08:30")},
    {"结束", "end", true, TMPL_TIME, NULL, N_("when it ended, e.g. 10:30")},
    {"主题", "title", true, TMPL_TEXT, NULL,
     N_("the theme; staff meetings, political study and field trips are not creditable")},
    {"内容类别", "category", true, TMPL_LIST, &vocab_category, N_("what the training was about")},
    {"形式", "form", true, TMPL_LIST, &vocab_form, N_("how it was held")},
    {"级别", "level", true, TMPL_LIST, &vocab_level, N_("who organised it")},
    {"方式", "mode", true, TMPL_LIST, &vocab_mode, N_("in person, remote or self-study")},
    {"地点", "place", false, TMPL_TEXT, NULL, N_("where it took place")},
    {"主持人", "host", true, TMPL_TEXT, NULL, N_("who chaired it")},
    {"主讲人", "speaker", false, TMPL_TEXT, NULL, N_("who spoke")},
    {"学时", "hours", true, TMPL_HOURS, NULL,
     N_("the hours credited to each participant: a multiple of 0.5, not more than the activity "
        "lasted")},
};

static const struct tmpl_column attendance_cols[] = {
    {"活动编号", "ref", true, TMPL_TEXT, NULL, N_("the activity's 编号 in 研修活动")},
    {"教师编号", "teacher_code", true, TMPL_TEXT, NULL, N_("the teacher's code in the roster")},
    {"姓名", "name", false, TMPL_TEXT, NULL,
     N_("the teacher's name; when given it must be the roster's")},
    {"签到", "status", true, TMPL_LIST, &vocab_attendance, N_("only 出席 and 迟到 are credited")},
    {"学时", "hours", false, TMPL_HOURS, NULL,
     N_("fewer hours than the activity's (e.g. when late); empty: the activity's hours")},
};

static const struct tmpl_column external_cols[] = {
    {"教师编号", "teacher_code", true, TMPL_TEXT, NULL, N_("a teacher of the unit")},
    {"日期", "date", true, TMPL_DATE, NULL, N_("the day of the training, in the month reported")},
    {"名称", "title", true, TMPL_TEXT, NULL, N_("the course or training")},
    {"内容类别", "category", true, TMPL_LIST, &vocab_category, N_("what the training was about")},
    {"级别", "level", true, TMPL_LIST, &vocab_level, N_("who organised it")},
    {"方式", "mode", true, TMPL_LIST, &vocab_mode, N_("in person, remote or self-study")},
    {"学时", "hours", true, TMPL_HOURS, NULL, N_("a multiple of 0.5")},
    {"学分", "credits", false, TMPL_NUMBER, NULL,
     N_("when the course awards its own credits; empty: credits follow from the hours")},
    {"证书编号", "certificate", false, TMPL_TEXT, NULL, N_("the certificate's number")},
};

static const struct tmpl_column roster_cols[] = {
    {"学校代码", "school_code", true, TMPL_TEXT, NULL,
     N_("the 10-digit code of the teacher's school")},
    {"教师编号", "teacher_code", true, TMPL_TEXT, NULL,
     N_("unique in the district: 1 to 32 letters, digits, _ or -")},
    {"姓名", "name", true, TMPL_TEXT, NULL, N_("the teacher's name")},
    {"学科", "subject", false, TMPL_TEXT, NULL, N_("the subject taught")},
    {"教研组", "group", false, TMPL_TEXT, NULL, N_("the research group, e.g. 语文, 数学, 综合")},
    {"班主任", "homeroom", false, TMPL_YESNO, NULL, N_("a homeroom teacher; empty: no")},
    {"骨干教师", "backbone", false, TMPL_YESNO, NULL, N_("a backbone teacher; empty: no")},
    {"新任教师", "new_teacher", false, TMPL_YESNO, NULL, N_("a new teacher; empty: no")},
    {"状态", "status", false, TMPL_LIST, &vocab_teacher_status,
     N_("免训: exempt from training; 离职: has left; empty: 在职")},
};

#define NCOLS(a) (sizeof(a) / sizeof((a)[0]))

const struct tmpl_sheet tmpl_report_sheets[3] = {
    [TMPL_ACTIVITIES] = {"研修活动", "activities.csv",
                         N_("one training activity of the unit a row"), activity_cols,
                         NCOLS(activity_cols)},
    [TMPL_ATTENDANCE] = {"签到表", "attendance.csv",
                         N_("the sign-in sheets of all activities: one teacher of one activity a "
                            "row"),
                         attendance_cols, NCOLS(attendance_cols)},
    [TMPL_EXTERNAL] = {"校外培训", "external.csv",
                       N_("optional: training outside the unit (county, online platform, degree "
                          "study), one teacher and one course a row"),
                       external_cols, NCOLS(external_cols)},
};

const struct tmpl_sheet tmpl_roster_sheet = {"名册", "teachers.csv", N_("one teacher a row"),
                                             roster_cols, NCOLS(roster_cols)};

/* Writes msgid, translated into lang, with {file} and {detail} filled, into err. */
static void say(char *err, size_t errlen, enum msg_lang lang, const char *msgid, const char *file,
                const char *detail)
{
    const struct msg_arg args[] = {{"file", file}, {"detail", detail ? detail : ""}};
    msg_render(err, errlen, msg_get(lang, msgid), args, 2);
}

/* --- the workbook --------------------------------------------------------------------- */

/* A drop-down list's values in the hidden sheet: its column there and how many. */
struct option_list {
    const void *key;                 /* the vocab, or yes_no */
    const struct tmpl_column *first; /* a column of the list: its header and values */
    unsigned col;
    size_t n;
};

struct book_state {
    lxw_workbook *wb;
    struct option_list lists[8];
    size_t nlists;
    lxw_format *bold, *text, *date, *time, *hours, *wrap, *title;
    enum msg_lang lang;
};

/* The name of value i of a drop-down list. */
static const char *list_value(const struct tmpl_column *c, size_t i)
{
    return c->kind == TMPL_YESNO ? yes_no[i] : c->vocab->terms[i].names[0];
}

static size_t list_len(const struct tmpl_column *c)
{
    return c->kind == TMPL_YESNO ? 2 : c->vocab->n;
}

/* The list of column c in the hidden sheet (written there by write_options). */
static const struct option_list *options_of(struct book_state *s, const struct tmpl_column *c)
{
    const void *key = c->kind == TMPL_YESNO ? (const void *)yes_no : (const void *)c->vocab;
    for (size_t i = 0; i < s->nlists; i++)
        if (s->lists[i].key == key)
            return &s->lists[i];
    if (s->nlists == sizeof(s->lists) / sizeof(s->lists[0]))
        return NULL;
    struct option_list *l = &s->lists[s->nlists++];
    *l = (struct option_list){key, c, (unsigned)(s->nlists - 1), list_len(c)};
    return l;
}

/* The hidden sheet 选项: a column per drop-down list, its header in row 1. */
static lxw_error write_options(struct book_state *s)
{
    if (!s->nlists)
        return LXW_NO_ERROR;
    lxw_worksheet *ws = workbook_add_worksheet(s->wb, OPTIONS_SHEET);
    if (!ws)
        return LXW_ERROR_MEMORY_MALLOC_FAILED;
    for (size_t k = 0; k < s->nlists; k++) {
        const struct option_list *l = &s->lists[k];
        worksheet_write_string(ws, 0, (lxw_col_t)l->col, l->first->header, s->bold);
        for (size_t i = 0; i < l->n; i++)
            worksheet_write_string(ws, (lxw_row_t)(i + 1), (lxw_col_t)l->col,
                                   list_value(l->first, i), NULL);
    }
    worksheet_set_column(ws, 0, (lxw_col_t)(s->nlists - 1), 14, NULL);
    worksheet_hide(ws);
    return LXW_NO_ERROR;
}

/* Width of a column: its header, or its longest drop-down value, at least 8. */
static double column_width(const struct tmpl_column *c)
{
    double w = (double)out_display_width(c->header) + 2;
    if (c->kind == TMPL_LIST || c->kind == TMPL_YESNO)
        for (size_t i = 0; i < list_len(c); i++) {
            double v = (double)out_display_width(list_value(c, i)) + 4;
            w = v > w ? v : w;
        }
    if (c->kind == TMPL_DATE)
        w = w < 12 ? 12 : w;
    if (c->kind == TMPL_TEXT && !strcmp(c->english, "title"))
        w = 30;
    size_t n = strlen(c->english);
    if (c->kind == TMPL_TEXT &&
        (!strcmp(c->english, "ref") || (n > 4 && !strcmp(c->english + n - 4, "code"))))
        w = w < 14 ? 14 : w;
    return w < 10 ? 10 : w;
}

/* The data validation of column `col` of sheet ws, rows 2..TMPL_ROWS+1. */
static lxw_error validate_column(struct book_state *s, lxw_worksheet *ws, lxw_col_t col,
                                 const struct tmpl_column *c)
{
    lxw_data_validation v = {0};
    char formula[64];
    v.ignore_blank = LXW_VALIDATION_ON;
    v.show_error = LXW_VALIDATION_ON;
    v.error_title = (char *)c->header;
    switch (c->kind) {
    case TMPL_LIST:
    case TMPL_YESNO: {
        const struct option_list *l = options_of(s, c);
        if (!l)
            return LXW_ERROR_PARAMETER_VALIDATION;
        char letter[8];
        lxw_col_to_name(letter, (lxw_col_t)l->col, false);
        snprintf(formula, sizeof(formula), "='" OPTIONS_SHEET "'!$%s$2:$%s$%zu", letter, letter,
                 l->n + 1);
        v.validate = LXW_VALIDATION_TYPE_LIST_FORMULA;
        v.value_formula = formula;
        v.error_message = (char *)msg_get(s->lang, N_("Choose a value from the list."));
        break;
    }
    case TMPL_DATE:
        v.validate = LXW_VALIDATION_TYPE_DATE;
        v.criteria = LXW_VALIDATION_CRITERIA_BETWEEN;
        v.minimum_datetime = (lxw_datetime){2000, 1, 1, 0, 0, 0};
        v.maximum_datetime = (lxw_datetime){2099, 12, 31, 0, 0, 0};
        v.error_message = (char *)msg_get(s->lang, N_("Write a date, e.g. 2026-10-08."));
        break;
    case TMPL_TIME:
        v.validate = LXW_VALIDATION_TYPE_TIME;
        v.criteria = LXW_VALIDATION_CRITERIA_BETWEEN;
        v.minimum_datetime = (lxw_datetime){0, 0, 0, 0, 0, 0};
        v.maximum_datetime = (lxw_datetime){0, 0, 0, 23, 59, 0};
        v.error_message = (char *)msg_get(s->lang, N_("Write a time, e.g. 08:30."));
        break;
    case TMPL_HOURS:
        v.validate = LXW_VALIDATION_TYPE_DECIMAL;
        v.criteria = LXW_VALIDATION_CRITERIA_GREATER_THAN_OR_EQUAL_TO;
        v.value_number = 0.5;
        v.error_message =
            (char *)msg_get(s->lang, N_("Write the hours as a number, a multiple of 0.5, e.g. 2 or "
                                        "1.5."));
        break;
    case TMPL_NUMBER:
        v.validate = LXW_VALIDATION_TYPE_DECIMAL;
        v.criteria = LXW_VALIDATION_CRITERIA_GREATER_THAN_OR_EQUAL_TO;
        v.value_number = 0;
        v.error_message = (char *)msg_get(s->lang, N_("Write a number, e.g. 2 or 0.5."));
        break;
    case TMPL_TEXT:
        return LXW_NO_ERROR;
    }
    return worksheet_data_validation_range(ws, 1, col, TMPL_ROWS, col, &v);
}

/* One sheet of the template: headers, formats, checks, pre-filled rows. */
static lxw_error write_sheet(struct book_state *s, const struct tmpl_sheet *sh,
                             const struct tmpl_rows *rows)
{
    lxw_worksheet *ws = workbook_add_worksheet(s->wb, sh->name);
    if (!ws)
        return LXW_ERROR_MEMORY_MALLOC_FAILED;
    for (size_t c = 0; c < sh->ncols; c++) {
        const struct tmpl_column *col = &sh->cols[c];
        lxw_format *f = col->kind == TMPL_DATE    ? s->date
                        : col->kind == TMPL_TIME  ? s->time
                        : col->kind == TMPL_HOURS ? s->hours
                        : col->kind == TMPL_TEXT  ? s->text
                                                  : NULL;
        lxw_error e = worksheet_set_column(ws, (lxw_col_t)c, (lxw_col_t)c, column_width(col), f);
        if (e == LXW_NO_ERROR)
            e = worksheet_write_string(ws, 0, (lxw_col_t)c, col->header, s->bold);
        if (e == LXW_NO_ERROR)
            e = validate_column(s, ws, (lxw_col_t)c, col);
        if (e != LXW_NO_ERROR)
            return e;
    }
    worksheet_freeze_panes(ws, 1, 0);
    for (size_t r = 0; rows && r < rows->nrows; r++)
        for (size_t c = 0; c < sh->ncols; c++) {
            const char *cell = rows->cells[r * sh->ncols + c];
            if (!cell || !cell[0])
                continue;
            lxw_error e =
                worksheet_write_string(ws, (lxw_row_t)(r + 1), (lxw_col_t)c, cell, s->text);
            if (e != LXW_NO_ERROR)
                return e;
        }
    return LXW_NO_ERROR;
}

/* The instructions sheet: general rules, then every column of every sheet. */
static lxw_error write_help(struct book_state *s, const struct tmpl_sheet *sheets, size_t n,
                            const char *note)
{
    lxw_worksheet *ws = workbook_add_worksheet(s->wb, HELP_SHEET);
    if (!ws)
        return LXW_ERROR_MEMORY_MALLOC_FAILED;
    enum msg_lang L = s->lang;
    worksheet_set_column(ws, 0, 0, 12, NULL);
    worksheet_set_column(ws, 1, 1, 12, NULL);
    worksheet_set_column(ws, 2, 2, 6, NULL);
    worksheet_set_column(ws, 3, 3, 60, s->wrap);
    worksheet_set_column(ws, 4, 4, 50, s->wrap);
    lxw_row_t r = 0;
    worksheet_write_string(ws, r++, 0, msg_get(L, N_("How to fill in this workbook")), s->title);
    const char *rules[] = {
        note,
        N_("Fill in one row per record below the header row. Do not rename the sheets or the "
           "headers; the order of the columns does not matter, and a title row above the "
           "header row may stay."),
        N_("Dates as dates (2026-10-08), times as times (08:30). Hours (学时) are numbers, "
           "multiples of 0.5: 1, 1.5, 2."),
        N_("Columns with a drop-down list take one of its values (the English codes are read "
           "too)."),
        N_("Save the workbook as .xlsx (Excel or WPS); an old .xls is not read."),
        N_("This sheet and the hidden sheet 选项 are not read."),
    };
    for (size_t i = 0; i < sizeof(rules) / sizeof(rules[0]); i++)
        if (rules[i])
            worksheet_write_string(ws, r++, 0, i == 0 ? rules[i] : msg_get(L, rules[i]), NULL);
    r++;
    const char *heads[] = {N_("Sheet"), N_("Column"), N_("Required"), N_("What goes in it"),
                           N_("Values")};
    for (lxw_col_t c = 0; c < 5; c++)
        worksheet_write_string(ws, r, c, msg_get(L, heads[c]), s->bold);
    r++;
    for (size_t i = 0; i < n; i++) {
        worksheet_write_string(ws, r, 0, sheets[i].name, s->bold);
        worksheet_write_string(ws, r++, 3, msg_get(L, sheets[i].about), s->wrap);
        for (size_t c = 0; c < sheets[i].ncols; c++) {
            const struct tmpl_column *col = &sheets[i].cols[c];
            char values[512] = "";
            size_t used = 0;
            if (col->kind == TMPL_LIST || col->kind == TMPL_YESNO)
                for (size_t k = 0; k < list_len(col) && used < sizeof(values); k++)
                    used += (size_t)snprintf(values + used, sizeof(values) - used, "%s%s",
                                             k ? "、" : "", list_value(col, k));
            else if (col->kind == TMPL_DATE)
                snprintf(values, sizeof(values), "2026-10-08");
            else if (col->kind == TMPL_TIME)
                snprintf(values, sizeof(values), "08:30");
            else if (col->kind == TMPL_HOURS)
                snprintf(values, sizeof(values), "0.5、1、1.5、2 …");
            worksheet_write_string(ws, r, 1, col->header, NULL);
            worksheet_write_string(ws, r, 2, col->required ? msg_get(L, N_("required")) : "", NULL);
            worksheet_write_string(ws, r, 3, msg_get(L, col->meaning), s->wrap);
            if (values[0])
                worksheet_write_string(ws, r, 4, values, s->wrap);
            r++;
        }
        r++;
    }
    return LXW_NO_ERROR;
}

bool template_write_xlsx(const char *path, const struct tmpl_sheet *sheets, size_t n,
                         const struct tmpl_rows *rows, enum msg_lang lang, const char *note,
                         char *err, size_t errlen)
{
    struct stat st;
    if (lstat(path, &st) == 0) {
        say(err, errlen, lang, N_("{file} exists already: it is not replaced"), path, NULL);
        return false;
    }
    struct book_state s = {.lang = lang};
    s.wb = workbook_new(path);
    if (!s.wb) {
        say(err, errlen, lang, N_("{file}: cannot create the workbook"), path, NULL);
        return false;
    }
    s.bold = workbook_add_format(s.wb);
    format_set_bold(s.bold);
    s.title = workbook_add_format(s.wb);
    format_set_bold(s.title);
    format_set_font_size(s.title, 14);
    s.text = workbook_add_format(s.wb);
    format_set_num_format(s.text, "@");
    s.date = workbook_add_format(s.wb);
    format_set_num_format(s.date, "yyyy-mm-dd");
    s.time = workbook_add_format(s.wb);
    format_set_num_format(s.time, "hh:mm");
    s.hours = workbook_add_format(s.wb);
    format_set_num_format(s.hours, "0.0");
    s.wrap = workbook_add_format(s.wb);
    format_set_text_wrap(s.wrap);
    format_set_align(s.wrap, LXW_ALIGN_VERTICAL_TOP);

    /* The data sheets first (the first one is active), then the instructions, then the
       hidden lists, which the validations name by formula. */
    lxw_error e = LXW_NO_ERROR;
    for (size_t i = 0; i < n && e == LXW_NO_ERROR; i++)
        e = write_sheet(&s, &sheets[i], rows ? &rows[i] : NULL);
    if (e == LXW_NO_ERROR)
        e = write_help(&s, sheets, n, note);
    if (e == LXW_NO_ERROR)
        e = write_options(&s);
    lxw_error closed = workbook_close(s.wb);
    if (e == LXW_NO_ERROR)
        e = closed;
    if (e != LXW_NO_ERROR) {
        say(err, errlen, lang, N_("{file}: cannot write the workbook: {detail}"), path,
            lxw_strerror(e));
        unlink(path);
        return false;
    }
    return true;
}

bool template_write_csv(const char *path, const struct tmpl_sheet *sheet, bool english,
                        enum msg_lang lang, char *err, size_t errlen)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
    if (fd < 0) {
        if (errno == EEXIST)
            say(err, errlen, lang, N_("{file} exists already: it is not replaced"), path, NULL);
        else
            say(err, errlen, lang, N_("{file}: cannot create it: {detail}"), path, strerror(errno));
        return false;
    }
    FILE *fp = fdopen(fd, "w");
    if (!fp) {
        say(err, errlen, lang, N_("{file}: cannot write: {detail}"), path, strerror(errno));
        close(fd);
        unlink(path);
        return false;
    }
    fputs("\xef\xbb\xbf", fp);
    for (size_t c = 0; c < sheet->ncols; c++)
        fprintf(fp, "%s%s", c ? "," : "", english ? sheet->cols[c].english : sheet->cols[c].header);
    fputs("\r\n", fp);
    if (ferror(fp) | (fclose(fp) != 0)) {
        say(err, errlen, lang, N_("{file}: cannot write: {detail}"), path, strerror(errno));
        unlink(path);
        return false;
    }
    return true;
}
