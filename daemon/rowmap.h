/*
 * rowmap: copies rows of a PGresult into protobuf-c messages by column name,
 * through the message's descriptor: the field `unit_code` takes the column
 * named unit_code, so a statement names its columns as the .proto names the
 * fields (`AS month`), and no handler reads a column by its position.
 */
#ifndef YANXIU_ROWMAP_H
#define YANXIU_ROWMAP_H

#include <libpq-fe.h>
#include <protobuf-c/protobuf-c.h>
#include <stdbool.h>
#include <stddef.h>

#include "rpc.h" /* struct rpc_req, enum rpc_status */

/*
 * The columns of one result for the fields of one message type, found once
 * (PQfnumber) and used for every row. What a field takes:
 *   string            the text, pointing into the result (alive as long as it)
 *   int32/64, uint32/64 (and their sint, fixed forms)
 *                     a decimal integer in the type's range, nothing else
 *   double, float     a number as strtod reads it, nothing else
 *   bool              PostgreSQL's t or f
 *   enum              the value's code as the SQL writes it: mental_health is
 *                     CATEGORY_MENTAL_HEALTH (the prefix of the enum's value 0, in capitals)
 * A NULL leaves the field at its default (and has_ false for an optional
 * field); a column without a field is ignored; a field without a column is
 * left at its default (fields the caller fills, e.g. a year the request gave).
 * Repeated, message and bytes fields are never mapped: the caller fills them.
 */
struct rowmap;

/* NULL on out-of-memory. */
struct rowmap *rowmap_new(const PGresult *r, const ProtobufCMessageDescriptor *desc) YX_MUST_CHECK;
void rowmap_free(struct rowmap *m);

/*
 * Initializes `msg` (a message of the map's type) and fills it from row
 * `row`. False when a value does not convert (an integer that is not one or
 * out of range, an unknown enum name, a bool that is neither t nor f): `why`
 * then names the column, the row and the value, and msg holds defaults and
 * what converted before, owning nothing.
 */
bool rowmap_fill(const struct rowmap *m, int row, void *msg, char *why,
                 size_t whylen) YX_MUST_CHECK;

enum rowmap_status {
    ROWMAP_OK,
    ROWMAP_OOM, /* out of memory */
    ROWMAP_BAD, /* a value that does not convert; why says which */
};

/* rowmap_fill of row `row` with a map made and freed here. */
enum rowmap_status rowmap_row(const PGresult *r, int row, const ProtobufCMessageDescriptor *desc,
                              void *msg, char *why, size_t whylen) YX_MUST_CHECK;

/*
 * The messages of every row of a result: msgs[i] is row i, all of them in
 * one allocation with their pointer array (msgs[n] is NULL), ready to hang
 * on a repeated field; strings point into the result. The columns are found
 * once for all rows. Memory is bounded by the result and freed in one place,
 * rowmap_rows_free (what a caller hangs on the messages is the caller's).
 */
struct rowmap_rows {
    void **msgs;
    size_t n;
    const ProtobufCMessageDescriptor *desc; /* the messages' type */
};

/* On failure rows is left empty (msgs NULL, n 0) and nothing is allocated. */
enum rowmap_status rowmap_rows(const PGresult *r, const ProtobufCMessageDescriptor *desc,
                               struct rowmap_rows *rows, char *why, size_t whylen) YX_MUST_CHECK;

/*
 * rowmap_row and rowmap_rows for a handler: on failure the request has been
 * answered (rowmap_fail: INTERNAL or out of memory) and false is returned.
 */
bool rowmap_get_row(struct rpc_req *req, const PGresult *r, int row,
                    const ProtobufCMessageDescriptor *desc, void *msg) YX_MUST_CHECK;
bool rowmap_get_rows(struct rpc_req *req, const PGresult *r, const ProtobufCMessageDescriptor *desc,
                     struct rowmap_rows *rows) YX_MUST_CHECK;

/* Frees what rowmap_rows allocated (nothing the messages point to); n becomes 0. */
void rowmap_rows_free(struct rowmap_rows *rows);

/*
 * Sets the repeated message field `field` of `parent` to the rows (whose
 * type must be the field's). False when parent has no such field: a bug.
 */
bool rowmap_attach(ProtobufCMessage *parent, const char *field,
                   const struct rowmap_rows *rows) YX_MUST_CHECK;

/*
 * Answers `req` with `msg` as the Envelope's body field number `body`
 * (a Yanxiu__V1__Envelope__BodyCase); ends the request.
 */
enum rpc_status rowmap_answer(struct rpc_req *req, int body, const ProtobufCMessage *msg);

/*
 * Answers a result that did not map: logs why, and tells the client
 * INTERNAL with the request id to quote, as for an internal database error;
 * ends the request.
 */
enum rpc_status rowmap_fail(struct rpc_req *req, enum rowmap_status st, const char *why);

/*
 * The list answer whole: maps every row of `r` into the repeated field
 * `field` of `parent` (its other fields set by the caller), answers parent
 * as body `body`, frees the rows. A failure is answered (rowmap_fail).
 * Ends the request.
 */
enum rpc_status rowmap_reply_list(struct rpc_req *req, int body, ProtobufCMessage *parent,
                                  const char *field, const PGresult *r);

#endif
