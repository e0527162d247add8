/*
 * fuzz_book: the workbook reader (text/book*.c) on a file's bytes: XLSX (the
 * seeds are packages stored uncompressed, so that mutations reach the XML
 * handlers before the zip's CRC fails), .xls headers and CSV read with each
 * encoding (auto, utf-8, gb18030). Limits smaller than the daemon's keep each run
 * short. Properties: a refusal has a known code and a detail in valid UTF-8; a
 * book's sheet names and cell texts are valid UTF-8, trimmed, within the limits;
 * each sheet's extent is that of its values; merged cells are empty and point up
 * and left to their range's anchor.
 */
#include <string.h>

#include "book.h"
#include "fuzz.h"

static const char *const codes[] = {
    "file_too_large",        "file_xls",           "file_encrypted",
    "file_not_xlsx",         "file_corrupt",       "file_zip_bomb",
    "file_unsafe_xml",       "file_too_many_sheets", "file_too_many_rows",
    "file_too_many_columns", "file_too_many_cells", "file_cell_too_long",
    "file_not_text",         "file_encoding",      "file_encoding_unknown",
    "file_csv_quote",        "file_csv_unclosed_quote", "file_empty",
};

static bool known_code(const char *c)
{
    for (size_t i = 0; i < sizeof(codes) / sizeof(codes[0]); i++) {
        if (strcmp(c, codes[i]) == 0)
            return true;
    }
    return false;
}

static bool trimmed(const char *s)
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

static bool header_like(const char *text, void *arg)
{
    (void)arg;
    return strcmp(text, "姓名") == 0 || strcmp(text, "name") == 0;
}

static void read_as(const uint8_t *data, size_t size, const char *enc,
                    const struct book_limits *lim)
{
    struct book_error err;
    struct book *b = book_read("fuzz.csv", data, size, enc, lim, &err);
    if (!b) {
        FUZZ_CHECK(known_code(err.code), "a refusal with an unknown code");
        FUZZ_CHECK(fuzz_utf8_ok(err.detail, strlen(err.detail)), "a detail of bad UTF-8");
        FUZZ_CHECK(fuzz_utf8_ok(err.sheet, strlen(err.sheet)), "an error's sheet of bad UTF-8");
        FUZZ_CHECK(err.detail[0] != '\0', "a refusal without a detail");
        return;
    }
    size_t cells = 0;
    FUZZ_CHECK(book_sheets(b) <= lim->max_sheets, "more sheets than the limit");
    for (size_t s = 0; s < book_sheets(b); s++) {
        const struct book_sheet *sh = book_sheet(b, s);
        FUZZ_CHECK(sh && fuzz_utf8_ok(sh->name, strlen(sh->name)), "a sheet name of bad UTF-8");
        FUZZ_CHECK(sh->cols <= lim->max_cols, "more columns than the limit");
        FUZZ_CHECK((sh->rows == 0) == (sh->cols == 0), "an extent of rows without columns");
        /* The extent ends at a value: its last row and last column hold one. */
        bool last_row = false, last_col = false;
        unsigned scan = sh->rows < 2000 ? sh->rows : 2000;
        for (unsigned r = 0; r < sh->rows; r++) {
            if (r >= scan && r + 1 != sh->rows)
                continue; /* the first rows and the last one */
            for (unsigned c = 0; c < sh->cols; c++) {
                const struct book_cell *cell = book_cell(b, s, r, c);
                FUZZ_CHECK(cell && cell->text, "a NULL cell or text");
                FUZZ_CHECK(fuzz_utf8_ok(cell->text, strlen(cell->text)), "a cell of bad UTF-8");
                FUZZ_CHECK(trimmed(cell->text), "a cell keeps surrounding spaces");
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
        int h = book_find_header(b, s, 20, 1, header_like, NULL);
        FUZZ_CHECK(h >= -1 && h < 20 && (h < 0 || (unsigned)h < sh->rows), "a header row outside");
    }
    FUZZ_CHECK(cells <= lim->max_cells, "more cells than the limit");
    FUZZ_CHECK(book_sheet(b, book_sheets(b)) == NULL, "a sheet past the last");
    const char *e = book_encoding(b);
    if (book_format(b) == BOOK_CSV)
        FUZZ_CHECK(strcmp(e, "utf-8") == 0 || strcmp(e, "gb18030") == 0, "a CSV's encoding");
    else
        FUZZ_CHECK(e[0] == '\0', "an XLSX with an encoding");
    book_free(b);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct book_limits lim = book_limits_default();
    lim.max_unzipped = (size_t)8 << 20;
    lim.max_part = (size_t)4 << 20;
    lim.max_sheets = 8;
    lim.max_rows = 2000;
    lim.max_cols = 32;
    lim.max_cells = 20000;
    lim.max_cell_bytes = 1024;
    read_as(data, size, "auto", &lim);
    if (size >= 2 && data[0] == 'P' && data[1] == 'K')
        return 0; /* a zip: the encoding is not looked at */
    read_as(data, size, "utf-8", &lim);
    read_as(data, size, "gb18030", &lim);
    return 0;
}
