/*
 * fuzz_csv: the CSV path of the workbook reader (book_read, text/book_csv.c) on a
 * file's bytes, read with each encoding (auto, utf-8, gb18030) within the
 * daemon's limits. Properties: those of every book (book_props.h), and a CSV's
 * own: one sheet named after the file, every cell text (never a formula, never
 * merged), decoded as asked unless a UTF-8 byte order mark says otherwise, no
 * more rows than the file has lines.
 */
#include "book_props.h"

static void read_as(const uint8_t *data, size_t size, const char *enc)
{
    struct book_limits lim = book_limits_default();
    struct book_error err;
    struct book *b = book_read("dir/名单.csv", data, size, enc, &lim, &err);
    if (!b) {
        book_props_refused(&err);
        return;
    }
    book_props_read(b, &lim);
    if (book_format(b) == BOOK_CSV) {
        FUZZ_CHECK(book_sheets(b) == 1, "a CSV of more than one sheet");
        FUZZ_CHECK(strcmp(book_sheet(b, 0)->name, "名单.csv") == 0, "a CSV not named after it");
        bool bom = size >= 3 && memcmp(data, "\xEF\xBB\xBF", 3) == 0;
        FUZZ_CHECK(bom || strcmp(enc, "auto") == 0 || strcmp(book_encoding(b), enc) == 0,
                   "read with another encoding than asked");
        size_t lines = 1;
        for (size_t i = 0; i < size; i++)
            lines += data[i] == '\n' || (data[i] == '\r' && (i + 1 == size || data[i + 1] != '\n'));
        const struct book_sheet *sh = book_sheet(b, 0);
        FUZZ_CHECK(sh->rows <= lines, "more rows than lines");
        for (unsigned r = 0; r < sh->rows && r < 2000; r++) {
            for (unsigned c = 0; c < sh->cols; c++) {
                const struct book_cell *cell = book_cell(b, 0, r, c);
                FUZZ_CHECK(cell->kind == BOOK_EMPTY || cell->kind == BOOK_TEXT,
                           "a CSV cell not text");
                FUZZ_CHECK(!cell->merged && !cell->formula, "a CSV cell merged or a formula");
            }
        }
    }
    book_free(b);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    read_as(data, size, "auto");
    read_as(data, size, "utf-8");
    read_as(data, size, "gb18030");
    return 0;
}
