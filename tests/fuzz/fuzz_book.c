/*
 * fuzz_book: the workbook reader (text/book*.c) on a file's bytes: XLSX (the
 * seeds are packages stored uncompressed, so that mutations reach the XML
 * handlers before the zip's CRC fails), .xls headers and CSV read with each
 * encoding (auto, utf-8, gb18030). Limits smaller than the daemon's keep each run
 * short. Properties (book_props.h): a refusal has a known code and a detail in
 * valid UTF-8; a book's sheet names and cell texts are valid UTF-8, trimmed,
 * within the limits; each sheet's extent is that of its values; merged cells are
 * empty and point up and left to their range's anchor.
 */
#include "book_props.h"

static void read_as(const uint8_t *data, size_t size, const char *enc,
                    const struct book_limits *lim)
{
    struct book_error err;
    struct book *b = book_read("fuzz.xlsx", data, size, enc, lim, &err);
    if (!b) {
        book_props_refused(&err);
        return;
    }
    book_props_read(b, lim);
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
