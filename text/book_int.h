/*
 * book_int: what the readers of book.c share (not part of the contract): the
 * builder that the XLSX and CSV readers fill cell by cell, enforcing the
 * limits as cells arrive, and the error helpers.
 */
#ifndef YANXIU_BOOK_INT_H
#define YANXIU_BOOK_INT_H

#include <stdarg.h>

#include "book.h"

/* Excel's grid: columns A..XFD, rows 1..1048576. */
#define BOOK_GRID_COLS 16384u
#define BOOK_GRID_ROWS 1048576u

/* Starts an empty book; NULL when out of memory. */
struct book *book_new(enum book_format fmt, const struct book_limits *lim);

void book_set_encoding(struct book *b, const char *enc);

/* Adds a sheet named `name` and makes it the one book_put fills. False with *err
   (file_too_many_sheets, or out of memory) filled. */
bool book_add_sheet(struct book *b, const char *name, size_t name_len,
                    struct book_error *err) YX_MUST_CHECK;

/* Copies s[0..n) into the book (NUL added); the copy lives as long as the book. */
const char *book_intern(struct book *b, const char *s, size_t n);

/*
 * Stores the cell at 0-based (row, col) of the current sheet. Cells of kind
 * BOOK_EMPTY are not stored. Enforces max_cols, max_rows, max_cells and
 * max_cell_bytes (strlen of c->text) before storing. A cell stored twice keeps the
 * later one. False with *err filled.
 */
bool book_put(struct book *b, unsigned row, unsigned col, const struct book_cell *c,
              struct book_error *err) YX_MUST_CHECK;

/* Records a merged range (0-based, inclusive) of the current sheet. */
bool book_merge(struct book *b, unsigned r1, unsigned c1, unsigned r2, unsigned c2,
                struct book_error *err) YX_MUST_CHECK;

/* Sorts the cells, applies the merged ranges, and refuses a book without any value
   (file_empty). False with *err filled; the caller frees the book. */
bool book_finish(struct book *b, struct book_error *err) YX_MUST_CHECK;

const struct book_limits *book_lim(const struct book *b);

/* Fills *err: code, the sheet (NULL: none), 1-based row/col (0: none), detail printf. */
__attribute__((format(printf, 6, 7))) void book_fail(struct book_error *err, const char *code,
                                                     const char *sheet, unsigned row, unsigned col,
                                                     const char *fmt, ...);

/* "16 MiB" for byte counts that are whole MiB or KiB, else the number. */
void book_fmt_bytes(char *buf, size_t cap, size_t n);

/* Narrows [*b, *e) of s past surrounding spaces, tabs, CR/LF, U+3000 and U+00A0. */
void book_trim(const char *s, size_t *b, size_t *e);

/* The readers, after the dispatch of book_read (limits on the whole file checked). */
struct book *book_read_xlsx(const char *name, const unsigned char *data, size_t len,
                            const struct book_limits *lim, struct book_error *err);
struct book *book_read_csv(const char *name, const unsigned char *data, size_t len,
                           const char *encoding, const struct book_limits *lim,
                           struct book_error *err);

#endif
