/*
 * book: the workbook model every file is read into (see book.h).
 */
#include "book.h"

struct book_limits book_limits_default(void)
{
    return (struct book_limits){
        .max_bytes = (size_t)16 << 20,
        .max_unzipped = (size_t)128 << 20,
        .max_part = (size_t)64 << 20,
        .max_sheets = 32,
        .max_rows = 100000,
        .max_cols = 64,
        .max_cells = 2000000,
        .max_cell_bytes = (size_t)32 << 10,
    };
}

const char *book_col_name(unsigned col, char buf[8])
{
    char rev[8];
    size_t n = 0;
    unsigned long c = (unsigned long)col + 1; /* bijective base 26: A..Z, AA.. */
    while (c > 0 && n < sizeof(rev) - 1) {
        c--;
        rev[n++] = (char)('A' + c % 26);
        c /= 26;
    }
    for (size_t i = 0; i < n; i++)
        buf[i] = rev[n - 1 - i];
    buf[n] = '\0';
    return buf;
}
