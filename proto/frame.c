/*
 * frame: length-prefixed framing of protobuf Envelopes, and a counting
 * allocator that bounds what a hostile peer can make us allocate.
 */
#include "frame.h"

#include <stdlib.h>
#include <string.h>

enum frame_status frame_check_header(const uint8_t hdr[FRAME_HEADER_SIZE], uint32_t max_body,
                                     uint32_t *body_len)
{
    uint32_t n = ((uint32_t)hdr[0] << 24) | ((uint32_t)hdr[1] << 16) | ((uint32_t)hdr[2] << 8) |
                 (uint32_t)hdr[3];
    *body_len = n;
    if (n == 0)
        return FRAME_EMPTY;
    if (n > max_body)
        return FRAME_TOO_BIG;
    return FRAME_READY;
}

enum frame_status frame_parse(const uint8_t *data, size_t avail, uint32_t max_body,
                              uint32_t *body_len)
{
    if (avail < FRAME_HEADER_SIZE)
        return FRAME_NEED_MORE;
    enum frame_status st = frame_check_header(data, max_body, body_len);
    if (st == FRAME_READY && avail - FRAME_HEADER_SIZE < *body_len)
        return FRAME_NEED_MORE;
    return st;
}

void frame_put_header(uint8_t out[FRAME_HEADER_SIZE], uint32_t len)
{
    out[0] = (uint8_t)(len >> 24);
    out[1] = (uint8_t)(len >> 16);
    out[2] = (uint8_t)(len >> 8);
    out[3] = (uint8_t)len;
}

uint8_t *frame_pack(const Yanxiu__V1__Envelope *env, uint32_t max_body, size_t *out_len)
{
    size_t n = yanxiu__v1__envelope__get_packed_size(env);
    if (n > max_body)
        return NULL;
    uint8_t *buf = malloc(FRAME_HEADER_SIZE + n);
    if (!buf)
        return NULL;
    frame_put_header(buf, (uint32_t)n);
    yanxiu__v1__envelope__pack(env, buf + FRAME_HEADER_SIZE);
    *out_len = FRAME_HEADER_SIZE + n;
    return buf;
}

/* Each block carries its size in front so that free can give it back. */
struct budget_hdr {
    size_t size;
    max_align_t align[];
};

static void *budget_alloc(void *data, size_t size)
{
    struct frame_budget *b = data;
    if (size > b->budget || b->used > b->budget - size) {
        b->refused = true;
        return NULL;
    }
    struct budget_hdr *h = malloc(sizeof(*h) + size);
    if (!h)
        return NULL;
    h->size = size;
    b->used += size;
    return h->align;
}

static void budget_free(void *data, void *ptr)
{
    struct frame_budget *b = data;
    if (!ptr)
        return;
    struct budget_hdr *h = (struct budget_hdr *)((char *)ptr - offsetof(struct budget_hdr, align));
    b->used -= h->size;
    free(h);
}

void frame_budget_init(struct frame_budget *b, size_t budget)
{
    b->alloc.alloc = budget_alloc;
    b->alloc.free = budget_free;
    b->alloc.allocator_data = b;
    b->budget = budget;
    b->used = 0;
    b->refused = false;
}

size_t frame_decode_budget(size_t wire)
{
    return wire * 8 + 64 * 1024;
}

Yanxiu__V1__Envelope *frame_unpack(struct frame_budget *b, const uint8_t *body, size_t len)
{
    return yanxiu__v1__envelope__unpack(&b->alloc, len, body);
}

void frame_reader_init(struct frame_reader *r, uint32_t max_body)
{
    memset(r, 0, sizeof(*r));
    r->max_body = max_body;
}

void frame_reader_free(struct frame_reader *r)
{
    free(r->buf);
    memset(r, 0, sizeof(*r));
}

/*
 * Drops the frame handed out by the last frame_reader_next by advancing the
 * start offset; the bytes are moved to the front only when the dead prefix
 * is large, so that many pipelined frames cost linear time.
 */
static void reader_drop_pending(struct frame_reader *r)
{
    if (r->pending == 0)
        return;
    r->start += r->pending;
    r->pending = 0;
    if (r->start == r->len) {
        r->start = r->len = 0;
    } else if (r->start > 65536 && r->start > r->len / 2) {
        memmove(r->buf, r->buf + r->start, r->len - r->start);
        r->len -= r->start;
        r->start = 0;
    }
}

bool frame_reader_feed(struct frame_reader *r, const void *data, size_t len)
{
    reader_drop_pending(r);
    if (len == 0)
        return true;
    if (r->start && r->cap - r->len < len) {
        memmove(r->buf, r->buf + r->start, r->len - r->start);
        r->len -= r->start;
        r->start = 0;
    }
    if (r->cap - r->len < len) {
        size_t cap = r->cap ? r->cap : 4096;
        while (cap - r->len < len) {
            if (cap > SIZE_MAX / 2)
                return false;
            cap *= 2;
        }
        uint8_t *nb = realloc(r->buf, cap);
        if (!nb)
            return false;
        r->buf = nb;
        r->cap = cap;
    }
    memcpy(r->buf + r->len, data, len);
    r->len += len;
    return true;
}

enum frame_status frame_reader_next(struct frame_reader *r, const uint8_t **body,
                                    uint32_t *body_len)
{
    reader_drop_pending(r);
    if (!r->buf)
        return FRAME_NEED_MORE;
    enum frame_status st = frame_parse(r->buf + r->start, r->len - r->start, r->max_body, body_len);
    if (st != FRAME_READY)
        return st;
    *body = r->buf + r->start + FRAME_HEADER_SIZE;
    r->pending = FRAME_HEADER_SIZE + (size_t)*body_len;
    return FRAME_READY;
}

const char *frame_code_name(int code)
{
    const ProtobufCEnumValue *v =
        protobuf_c_enum_descriptor_get_value(&yanxiu__v1__code__descriptor, code);
    return v ? v->name : "UNKNOWN";
}
