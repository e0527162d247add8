/*
 * book_props: the properties every book_read result must have, shared by
 * fuzz_book and fuzz_csv (included by both; static functions only).
 */
#ifndef YANXIU_BOOK_PROPS_H
#define YANXIU_BOOK_PROPS_H

#include <string.h>

#include "book.h"
#include "fuzz.h"

static const char *const book_codes[] = {
    "file_too_large",
    "file_xls",
    "file_encrypted",
    "file_not_xlsx",
    "file_corrupt",
    "file_zip_bomb",
    "file_unsafe_xml",
    "file_too_many_sheets",
    "file_too_many_rows",
    "file_too_many_columns",
    "file_too_many_cells",
    "file_cell_too_long",
    "file_not_text",
    "file_encoding",
    "file_encoding_unknown",
    "file_csv_quote",
    "file_csv_unclosed_quote",
    "file_empty",
};

/* A refusal: a known code, a detail, everything valid UTF-8. */
static void book_props_refused(const struct book_error *err)
{
    bool known = false;
    for (size_t i = 0; i < sizeof(book_codes) / sizeof(book_codes[0]); i++)
        known |= strcmp(err->code, book_codes[i]) == 0;
    FUZZ_CHECK(known, "a refusal with an unknown code");
    FUZZ_CHECK(err->detail[0] != '\0', "a refusal without a detail");
    FUZZ_CHECK(fuzz_utf8_ok(err->detail, strlen(err->detail)), "a detail of bad UTF-8");
    FUZZ_CHECK(fuzz_utf8_ok(err->sheet, strlen(err->sheet)), "an error's sheet of bad UTF-8");
    FUZZ_CHECK((err->cell[0] != '\0') == (err->row > 0 && err->col > 0),
               "a cell named without its row and column");
}

static bool book_props_trimmed(const char *s)
{
    size_t n = strlen(s);
    if (n == 0)
        return true;
    const unsigned char *u = (const unsigned char *)s;
    if (strchr(" \t\r\n", s[0]) || strchr(" \t\r\n", s[n - 1]))
        return false;
    if (n >= 3 && ((u[0] == 0xE3 && u[1] == 0x80 && u[2] == 0x80) ||
                   (u[n - 3] == 0xE3 && u[n - 2] == 0x80 && u[n - 1] == 0x80)))
        return false;
    return true;
}

static bool book_props_header_like(const char *text, void *arg)
{
    (void)arg;
    return strcmp(text, "姓名") == 0 || strcmp(text, "name") == 0;
}

/*
 * A book: sheet names and cells valid UTF-8, trimmed and within the limits; each
 * sheet's extent ends at values; merged cells empty, pointing up and left to their
 * anchor. Rows past the first 2000 but the last are not looked at (time).
 */
static void book_props_read(const struct book *b, const struct book_limits *lim)
{
    size_t cells = 0;
    FUZZ_CHECK(book_sheets(b) <= lim->max_sheets, "more sheets than the limit");
    for (size_t s = 0; s < book_sheets(b); s++) {
        const struct book_sheet *sh = book_sheet(b, s);
        FUZZ_CHECK(sh && fuzz_utf8_ok(sh->name, strlen(sh->name)), "a sheet name of bad UTF-8");
        FUZZ_CHECK(sh->cols <= lim->max_cols, "more columns than the limit");
        FUZZ_CHECK((sh->rows == 0) == (sh->cols == 0), "an extent of rows without columns");
        bool last_row = false, last_col = false;
        unsigned scan = sh->rows < 2000 ? sh->rows : 2000;
        for (unsigned r = 0; r < sh->rows; r++) {
            if (r >= scan && r + 1 != sh->rows)
                continue;
            for (unsigned c = 0; c < sh->cols; c++) {
                const struct book_cell *cell = book_cell(b, s, r, c);
                FUZZ_CHECK(cell && cell->text, "a NULL cell or text");
                FUZZ_CHECK(fuzz_utf8_ok(cell->text, strlen(cell->text)), "a cell of bad UTF-8");
                FUZZ_CHECK(book_props_trimmed(cell->text), "a cell keeps surrounding spaces");
                FUZZ_CHECK(strlen(cell->text) <= lim->max_cell_bytes, "a cell over the limit");
                FUZZ_CHECK(cell->kind >= BOOK_EMPTY && cell->kind <= BOOK_ERROR, "a bad kind");
                FUZZ_CHECK((cell->kind == BOOK_EMPTY) == (cell->text[0] == '\0'),
                           "a value without text, or an empty cell with text");
                if (cell->merged) {
                    FUZZ_CHECK(cell->kind == BOOK_EMPTY, "a merged cell with a value");
                    FUZZ_CHECK(cell->anchor_row <= r && cell->anchor_col <= c &&
                                   (cell->anchor_row < r || cell->anchor_col < c),
                               "a merged cell whose anchor is not up and left");
                }
                if (cell->kind != BOOK_EMPTY) {
                    cells++;
                    last_row |= r + 1 == sh->rows;
                    last_col |= c + 1 == sh->cols;
                }
            }
        }
        FUZZ_CHECK(sh->rows == 0 || last_row, "the last row of the extent holds no value");
        FUZZ_CHECK(scan < sh->rows || sh->rows == 0 || last_col,
                   "the last column of the extent holds no value");
        FUZZ_CHECK(book_cell(b, s, sh->rows, 0)->kind == BOOK_EMPTY, "a value below the extent");
        int h = book_find_header(b, s, 20, 1, book_props_header_like, NULL);
        FUZZ_CHECK(h >= -1 && h < 20 && (h < 0 || (unsigned)h < sh->rows), "a header row outside");
    }
    FUZZ_CHECK(cells <= lim->max_cells, "more cells than the limit");
    FUZZ_CHECK(book_sheet(b, book_sheets(b)) == NULL, "a sheet past the last");
    const char *e = book_encoding(b);
    if (book_format(b) == BOOK_CSV)
        FUZZ_CHECK(strcmp(e, "utf-8") == 0 || strcmp(e, "gb18030") == 0, "a CSV's encoding");
    else
        FUZZ_CHECK(e[0] == '\0', "an XLSX with an encoding");
}

#endif
