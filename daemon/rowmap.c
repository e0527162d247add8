/*
 * rowmap: result rows into protobuf-c messages by column name, through the
 * message's descriptor (rowmap.h). Values are checked as they are copied: a
 * column the database filled with something else than the field's type is
 * an internal error, answered as such, never a zero on the wire.
 */
#include "rowmap.h"

#include <ctype.h>

#include <errno.h>
#include <stdalign.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "rpc.h"

struct rowmap {
    const PGresult *r;
    const ProtobufCMessageDescriptor *desc;
    int col[]; /* per field of desc: its column, or -1 */
};

/* Fields the mapper fills: single scalars and strings. */
static bool mappable(const ProtobufCFieldDescriptor *f)
{
    return f->label != PROTOBUF_C_LABEL_REPEATED && f->type != PROTOBUF_C_TYPE_MESSAGE &&
           f->type != PROTOBUF_C_TYPE_BYTES;
}

struct rowmap *rowmap_new(const PGresult *r, const ProtobufCMessageDescriptor *desc)
{
    struct rowmap *m = malloc(sizeof(*m) + desc->n_fields * sizeof(m->col[0]));
    if (!m)
        return NULL;
    m->r = r;
    m->desc = desc;
    for (unsigned i = 0; i < desc->n_fields; i++) {
        const ProtobufCFieldDescriptor *f = &desc->fields[i];
        m->col[i] = mappable(f) ? PQfnumber(r, f->name) : -1;
    }
    return m;
}

void rowmap_free(struct rowmap *m)
{
    free(m);
}

/* A decimal integer, all of s: an optional '-', then digits. */
static bool parse_signed(const char *s, long long min, long long max, long long *out)
{
    if (!(s[0] == '-' || (s[0] >= '0' && s[0] <= '9')))
        return false;
    char *end;
    errno = 0;
    long long v = strtoll(s, &end, 10);
    if (errno || end == s || *end || v < min || v > max)
        return false;
    *out = v;
    return true;
}

static bool parse_unsigned(const char *s, unsigned long long max, unsigned long long *out)
{
    if (!(s[0] >= '0' && s[0] <= '9'))
        return false;
    char *end;
    errno = 0;
    unsigned long long v = strtoull(s, &end, 10);
    if (errno || *end || v > max)
        return false;
    *out = v;
    return true;
}

/*
 * A decimal as PostgreSQL writes most numerics and integers ("12", "-0.5",
 * "72.25"), of at most 15 digits: it is m / 10^k with m and 10^k exact
 * doubles, and one division rounds that as strtod does (Clinger's fast
 * path), at a fraction of strtod's cost (a county's teacher list has 80 000
 * of them). False for anything else, which goes to strtod.
 */
static bool parse_short_decimal(const char *s, double *out)
{
    static const double pow10[] = {1e0, 1e1, 1e2,  1e3,  1e4,  1e5,  1e6,  1e7,
                                   1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15};
    const char *p = s;
    bool neg = *p == '-', point = false;
    if (neg)
        p++;
    uint64_t m = 0;
    int digits = 0, places = 0;
    for (; *p; p++) {
        if (*p >= '0' && *p <= '9') {
            if (++digits > 15)
                return false;
            m = m * 10 + (uint64_t)(*p - '0');
            places += point;
        } else if (*p == '.' && !point) {
            point = true;
        } else {
            return false;
        }
    }
    if (digits == 0)
        return false;
    double v = (double)m / pow10[places];
    *out = neg ? -v : v;
    return true;
}

static bool parse_double(const char *s, double *out)
{
    if (!s[0] || s[0] == ' ' || (s[0] >= '\t' && s[0] <= '\r'))
        return false;
    if (parse_short_decimal(s, out))
        return true;
    char *end;
    double v = strtod(s, &end);
    if (end == s || *end)
        return false;
    *out = v;
    return true;
}

/* Stores text into the field at p; false when it is not of the field's type. */

/*
 * The value of an enum whose code the SQL writes: the value named the enum's prefix and the
 * code (lower case) in capitals (the code mental_health is CATEGORY_MENTAL_HEALTH, the prefix
 * being what precedes UNSPECIFIED in the name of value 0); for an enum without UNSPECIFIED
 * (Code), the value named as written (NOT_FOUND); '' is …_UNSPECIFIED where there is one.
 * NULL when there is none.
 */
static const ProtobufCEnumValue *enum_by_code(const ProtobufCEnumDescriptor *d, const char *code)
{
    char name[96];
    const ProtobufCEnumValue *zero = protobuf_c_enum_descriptor_get_value(d, 0);
    const char *un = zero ? strstr(zero->name, "UNSPECIFIED") : NULL;
    size_t plen = un ? (size_t)(un - zero->name) : 0, clen = strlen(code);
    if (un && clen > 0 && plen + clen < sizeof(name) &&
        strspn(code, "abcdefghijklmnopqrstuvwxyz0123456789_") == clen) {
        memcpy(name, zero->name, plen);
        for (size_t i = 0; i < clen; i++)
            name[plen + i] = (char)toupper((unsigned char)code[i]);
        name[plen + clen] = '\0';
        const ProtobufCEnumValue *v = protobuf_c_enum_descriptor_get_value_by_name(d, name);
        if (v && v->value != 0)
            return v;
    }
    if (un && clen == 0)
        return zero; /* '' in the SQL: not given (a unit scheme's results have no status) */
    return un ? NULL : protobuf_c_enum_descriptor_get_value_by_name(d, code);
}

static bool convert(const ProtobufCFieldDescriptor *f, char *text, void *p)
{
    long long i;
    unsigned long long u;
    double d;
    switch (f->type) {
    case PROTOBUF_C_TYPE_STRING:
        *(char **)p = text;
        return true;
    case PROTOBUF_C_TYPE_INT32:
    case PROTOBUF_C_TYPE_SINT32:
    case PROTOBUF_C_TYPE_SFIXED32:
        if (!parse_signed(text, INT32_MIN, INT32_MAX, &i))
            return false;
        *(int32_t *)p = (int32_t)i;
        return true;
    case PROTOBUF_C_TYPE_INT64:
    case PROTOBUF_C_TYPE_SINT64:
    case PROTOBUF_C_TYPE_SFIXED64:
        if (!parse_signed(text, INT64_MIN, INT64_MAX, &i))
            return false;
        *(int64_t *)p = (int64_t)i;
        return true;
    case PROTOBUF_C_TYPE_UINT32:
    case PROTOBUF_C_TYPE_FIXED32:
        if (!parse_unsigned(text, UINT32_MAX, &u))
            return false;
        *(uint32_t *)p = (uint32_t)u;
        return true;
    case PROTOBUF_C_TYPE_UINT64:
    case PROTOBUF_C_TYPE_FIXED64:
        if (!parse_unsigned(text, UINT64_MAX, &u))
            return false;
        *(uint64_t *)p = (uint64_t)u;
        return true;
    case PROTOBUF_C_TYPE_DOUBLE:
        if (!parse_double(text, &d))
            return false;
        *(double *)p = d;
        return true;
    case PROTOBUF_C_TYPE_FLOAT:
        if (!parse_double(text, &d))
            return false;
        *(float *)p = (float)d;
        return true;
    case PROTOBUF_C_TYPE_BOOL:
        if (strcmp(text, "t") != 0 && strcmp(text, "f") != 0)
            return false;
        *(protobuf_c_boolean *)p = text[0] == 't';
        return true;
    case PROTOBUF_C_TYPE_ENUM: {
        const ProtobufCEnumValue *v =
            enum_by_code((const ProtobufCEnumDescriptor *)f->descriptor, text);
        if (!v)
            return false;
        *(int *)p = v->value;
        return true;
    }
    default: /* bytes and messages are never mapped */
        return false;
    }
}

static const char *type_name(ProtobufCType t)
{
    switch (t) {
    case PROTOBUF_C_TYPE_INT32:
    case PROTOBUF_C_TYPE_SINT32:
    case PROTOBUF_C_TYPE_SFIXED32:
        return "an int32";
    case PROTOBUF_C_TYPE_INT64:
    case PROTOBUF_C_TYPE_SINT64:
    case PROTOBUF_C_TYPE_SFIXED64:
        return "an int64";
    case PROTOBUF_C_TYPE_UINT32:
    case PROTOBUF_C_TYPE_FIXED32:
        return "a uint32";
    case PROTOBUF_C_TYPE_UINT64:
    case PROTOBUF_C_TYPE_FIXED64:
        return "a uint64";
    case PROTOBUF_C_TYPE_DOUBLE:
    case PROTOBUF_C_TYPE_FLOAT:
        return "a number";
    case PROTOBUF_C_TYPE_BOOL:
        return "a bool (t or f)";
    case PROTOBUF_C_TYPE_ENUM:
        return "a value of the enum";
    default:
        return "of the field's type";
    }
}

bool rowmap_fill(const struct rowmap *m, int row, void *msg, char *why, size_t whylen)
{
    const ProtobufCMessageDescriptor *desc = m->desc;
    desc->message_init(msg);
    for (unsigned i = 0; i < desc->n_fields; i++) {
        int col = m->col[i];
        if (col < 0 || PQgetisnull(m->r, row, col))
            continue;
        const ProtobufCFieldDescriptor *f = &desc->fields[i];
        char *text = PQgetvalue(m->r, row, col);
        if (!convert(f, text, (char *)msg + f->offset)) {
            snprintf(why, whylen, "%s.%s: column %s of row %d is not %s: \"%.40s\"",
                     desc->short_name, f->name, f->name, row, type_name(f->type), text);
            return false;
        }
        if (f->flags & PROTOBUF_C_FIELD_FLAG_ONEOF)
            *(uint32_t *)((char *)msg + f->quantifier_offset) = f->id;
        else if (f->label == PROTOBUF_C_LABEL_OPTIONAL && f->type != PROTOBUF_C_TYPE_STRING)
            *(protobuf_c_boolean *)((char *)msg + f->quantifier_offset) = 1;
    }
    return true;
}

enum rowmap_status rowmap_row(const PGresult *r, int row, const ProtobufCMessageDescriptor *desc,
                              void *msg, char *why, size_t whylen)
{
    struct rowmap *m = rowmap_new(r, desc);
    if (!m) {
        snprintf(why, whylen, "out of memory");
        return ROWMAP_OOM;
    }
    bool ok = rowmap_fill(m, row, msg, why, whylen);
    rowmap_free(m);
    return ok ? ROWMAP_OK : ROWMAP_BAD;
}

/*
 * A block of rows: its size, then the pointers, then the messages. The largest block freed
 * (up to ROWMAP_KEEP bytes) is kept for the next answer of its thread instead of going back
 * to the system: a county's teachers (8 010 messages, 1.8 MB) come from mmap, and touching
 * those pages anew for every answer (page faults) cost yanxiud more than filling them.
 */
#define ROWMAP_KEEP ((size_t)8 << 20)
#define ROWMAP_HDR                                                                                 \
    ((sizeof(size_t) + alignof(max_align_t) - 1) / alignof(max_align_t) * alignof(max_align_t))
static _Thread_local char *rowmap_kept;
static _Thread_local size_t rowmap_kept_size;

static char *block_take(size_t size)
{
    char *b;
    if (rowmap_kept && rowmap_kept_size >= size) {
        b = rowmap_kept;
        size = rowmap_kept_size;
        rowmap_kept = NULL;
        rowmap_kept_size = 0;
    } else {
        b = malloc(size);
        if (!b)
            return NULL;
    }
    memcpy(b, &size, sizeof(size));
    return b + ROWMAP_HDR;
}

static void block_give(void *p)
{
    if (!p)
        return;
    char *b = (char *)p - ROWMAP_HDR;
    size_t size;
    memcpy(&size, b, sizeof(size));
    if (size <= ROWMAP_KEEP && size > rowmap_kept_size) {
        free(rowmap_kept);
        rowmap_kept = b;
        rowmap_kept_size = size;
    } else {
        free(b);
    }
}

enum rowmap_status rowmap_rows(const PGresult *r, const ProtobufCMessageDescriptor *desc,
                               struct rowmap_rows *rows, char *why, size_t whylen)
{
    rows->msgs = NULL;
    rows->n = 0;
    rows->desc = desc;
    size_t n = (size_t)PQntuples(r);
    /* the pointers, then the messages at an alignment good for any of them */
    size_t head = (n + 1) * sizeof(void *);
    head = (head + alignof(max_align_t) - 1) / alignof(max_align_t) * alignof(max_align_t);
    if (n > (SIZE_MAX - head - ROWMAP_HDR) / (desc->sizeof_message ? desc->sizeof_message : 1)) {
        snprintf(why, whylen, "out of memory");
        return ROWMAP_OOM;
    }
    struct rowmap *m = rowmap_new(r, desc);
    char *block = m ? block_take(ROWMAP_HDR + head + n * desc->sizeof_message) : NULL;
    if (!block) {
        rowmap_free(m);
        snprintf(why, whylen, "out of memory");
        return ROWMAP_OOM;
    }
    void **msgs = (void **)block;
    for (size_t i = 0; i < n; i++) {
        msgs[i] = block + head + i * desc->sizeof_message;
        if (!rowmap_fill(m, (int)i, msgs[i], why, whylen)) {
            rowmap_free(m);
            block_give(block);
            return ROWMAP_BAD;
        }
    }
    msgs[n] = NULL;
    rowmap_free(m);
    rows->msgs = msgs;
    rows->n = n;
    return ROWMAP_OK;
}

void rowmap_rows_free(struct rowmap_rows *rows)
{
    block_give(rows->msgs);
    rows->msgs = NULL;
    rows->n = 0;
}

bool rowmap_attach(ProtobufCMessage *parent, const char *field, const struct rowmap_rows *rows)
{
    const ProtobufCFieldDescriptor *f =
        protobuf_c_message_descriptor_get_field_by_name(parent->descriptor, field);
    if (!f || f->label != PROTOBUF_C_LABEL_REPEATED || f->type != PROTOBUF_C_TYPE_MESSAGE ||
        f->descriptor != rows->desc)
        return false;
    *(size_t *)((char *)parent + f->quantifier_offset) = rows->n;
    *(void ***)((char *)parent + f->offset) = rows->msgs;
    return true;
}

enum rpc_status rowmap_answer(struct rpc_req *req, int body, const ProtobufCMessage *msg)
{
    Yanxiu__V1__Envelope env = YANXIU__V1__ENVELOPE__INIT;
    const ProtobufCFieldDescriptor *f =
        protobuf_c_message_descriptor_get_field(&yanxiu__v1__envelope__descriptor, (unsigned)body);
    if (!f || !(f->flags & PROTOBUF_C_FIELD_FLAG_ONEOF) || f->descriptor != msg->descriptor) {
        char why[160];
        snprintf(why, sizeof(why), "no Envelope body %d of type %s", body,
                 msg->descriptor->short_name);
        return rowmap_fail(req, ROWMAP_BAD, why);
    }
    *(const ProtobufCMessage **)((char *)&env + f->offset) = msg;
    *(uint32_t *)((char *)&env + f->quantifier_offset) = f->id;
    return rpc_reply(req, &env);
}

enum rpc_status rowmap_fail(struct rpc_req *req, enum rowmap_status st, const char *why)
{
    if (st == ROWMAP_OOM)
        return rpc_fail_oom(req);
    rpc_log_error(req, ": answer: %s", why);
    char id[24];
    snprintf(id, sizeof(id), "%llu", (unsigned long long)req->id);
    return rpc_fail_reason(req, YANXIU__V1__CODE__INTERNAL, "internal_error", "request_id", id,
                           NULL);
}

bool rowmap_get_row(struct rpc_req *req, const PGresult *r, int row,
                    const ProtobufCMessageDescriptor *desc, void *msg)
{
    char why[200];
    enum rowmap_status st = rowmap_row(r, row, desc, msg, why, sizeof(why));
    if (st != ROWMAP_OK)
        rowmap_fail(req, st, why);
    return st == ROWMAP_OK;
}

bool rowmap_get_rows(struct rpc_req *req, const PGresult *r, const ProtobufCMessageDescriptor *desc,
                     struct rowmap_rows *rows)
{
    char why[200];
    enum rowmap_status st = rowmap_rows(r, desc, rows, why, sizeof(why));
    if (st != ROWMAP_OK)
        rowmap_fail(req, st, why);
    return st == ROWMAP_OK;
}

enum rpc_status rowmap_reply_list(struct rpc_req *req, int body, ProtobufCMessage *parent,
                                  const char *field, const PGresult *r)
{
    const ProtobufCFieldDescriptor *f =
        protobuf_c_message_descriptor_get_field_by_name(parent->descriptor, field);
    char why[200];
    if (!f || f->type != PROTOBUF_C_TYPE_MESSAGE) {
        snprintf(why, sizeof(why), "%s has no repeated message field %s",
                 parent->descriptor->short_name, field);
        return rowmap_fail(req, ROWMAP_BAD, why);
    }
    struct rowmap_rows rows;
    enum rowmap_status st = rowmap_rows(r, f->descriptor, &rows, why, sizeof(why));
    if (st != ROWMAP_OK)
        return rowmap_fail(req, st, why);
    enum rpc_status done;
    if (!rowmap_attach(parent, field, &rows)) {
        snprintf(why, sizeof(why), "%s.%s is not a repeated message field",
                 parent->descriptor->short_name, field);
        done = rowmap_fail(req, ROWMAP_BAD, why);
    } else {
        done = rowmap_answer(req, body, parent);
    }
    rowmap_rows_free(&rows);
    return done;
}
