/*
 * fuzz_frame: a byte stream as a peer sends it, cut into frames the way
 * each side cuts it — the daemon with frame_check_header over its input
 * buffer (daemon/conn.c), the client with a frame_reader fed in odd-sized
 * pieces — and every body decoded as an Envelope through the counting
 * allocator with the daemon's budget (frame_decode_budget), as rpc_dispatch
 * does. Properties: both cuts give the same frames and stop the same way;
 * a decode never takes more than its budget and frees back to zero; an
 * envelope re-encodes to bytes that decode and re-encode to themselves.
 */
#include <string.h>

#include "frame.h"
#include "fuzz.h"

/* The cap a stranger meets (CONN_PRELOGIN_MAX_FRAME in daemon/conn.h):
 * every frame the fuzzer makes is at most this long. */
#define MAX_BODY   (64u * 1024u)
#define MAX_FRAMES 256

struct cut {
    const uint8_t *body[MAX_FRAMES];
    uint32_t len[MAX_FRAMES];
    size_t n;
    enum frame_status end; /* why cutting stopped */
};

/* The daemon's way: look at the header in place, take the frame when whole. */
static void cut_daemon(const uint8_t *data, size_t size, struct cut *c)
{
    size_t off = 0;
    c->n = 0;
    for (;;) {
        size_t avail = size - off;
        if (avail < FRAME_HEADER_SIZE || c->n == MAX_FRAMES) {
            c->end = FRAME_NEED_MORE;
            return;
        }
        uint32_t len = 0;
        enum frame_status st = frame_check_header(data + off, MAX_BODY, &len);
        if (st != FRAME_READY) {
            c->end = st;
            return;
        }
        if (avail - FRAME_HEADER_SIZE < len) {
            c->end = FRAME_NEED_MORE;
            return;
        }
        c->body[c->n] = data + off + FRAME_HEADER_SIZE;
        c->len[c->n++] = len;
        off += FRAME_HEADER_SIZE + len;
    }
}

/* The client's way: feed pieces, take whole frames as they appear. */
static void check_client(const uint8_t *data, size_t size, const struct cut *d)
{
    static const size_t pieces[] = {1, 3, 4, 5, 17, 64, 1000, 4096};
    struct frame_reader r;
    frame_reader_init(&r, MAX_BODY);
    size_t off = 0, n = 0, k = 0;
    enum frame_status st = FRAME_NEED_MORE;
    while (n < MAX_FRAMES) {
        const uint8_t *body;
        uint32_t len;
        st = frame_reader_next(&r, &body, &len);
        if (st == FRAME_READY) {
            FUZZ_CHECK(n < d->n, "the client cut a frame the daemon did not");
            FUZZ_CHECK(len == d->len[n] && memcmp(body, d->body[n], len) == 0,
                       "the client and the daemon cut different frames");
            n++;
            continue;
        }
        if (st != FRAME_NEED_MORE || off == size)
            break;
        size_t piece = pieces[k++ % (sizeof(pieces) / sizeof(pieces[0]))];
        if (piece > size - off)
            piece = size - off;
        FUZZ_CHECK(frame_reader_feed(&r, data + off, piece), "frame_reader_feed ran out of memory");
        off += piece;
    }
    FUZZ_CHECK(n == d->n, "the client cut fewer frames than the daemon");
    FUZZ_CHECK(n == MAX_FRAMES || st == d->end, "the client and the daemon stopped differently");
    frame_reader_free(&r);
}

/* Whether `m` or a message inside it kept fields it does not know. */
static bool has_unknown(const ProtobufCMessage *m)
{
    if (m->n_unknown_fields)
        return true;
    const ProtobufCMessageDescriptor *d = m->descriptor;
    for (unsigned i = 0; i < d->n_fields; i++) {
        const ProtobufCFieldDescriptor *f = &d->fields[i];
        if (f->type != PROTOBUF_C_TYPE_MESSAGE)
            continue;
        const char *member = (const char *)m + f->offset;
        if ((f->flags & PROTOBUF_C_FIELD_FLAG_ONEOF) &&
            *(const uint32_t *)((const char *)m + f->quantifier_offset) != f->id)
            continue;
        size_t n = 1;
        const ProtobufCMessage *const *items = (const ProtobufCMessage *const *)member;
        if (f->label == PROTOBUF_C_LABEL_REPEATED) {
            n = *(const size_t *)((const char *)m + f->quantifier_offset);
            items = *(const ProtobufCMessage *const *const *)member;
        }
        for (size_t k = 0; k < n; k++)
            if (items[k] && has_unknown(items[k]))
                return true;
    }
    return false;
}

/* Decodes with the daemon's budget; checks the allocator's accounting.
 * Returns the re-encoded envelope (malloc'd) in *out, NULL when the bytes
 * are no Envelope or exceed the budget. */
static uint8_t *decode(const uint8_t *body, size_t len, size_t *out_len, bool *unknown)
{
    struct frame_budget b;
    frame_budget_init(&b, frame_decode_budget(len));
    Yanxiu__V1__Envelope *env = frame_unpack(&b, body, len);
    FUZZ_CHECK(b.used <= b.budget, "a decode took more than its budget");
    if (!env) {
        FUZZ_CHECK(b.used == 0, "a refused decode kept memory");
        return NULL;
    }
    /* What the daemon reads of every request before its handler runs. */
    (void)frame_code_name(env->body_case == YANXIU__V1__ENVELOPE__BODY_ERROR && env->error
                              ? (int)env->error->code
                              : 0);
    *unknown = has_unknown(&env->base);
    size_t n = yanxiu__v1__envelope__get_packed_size(env);
    uint8_t *buf = malloc(n ? n : 1);
    FUZZ_CHECK(buf != NULL, "out of memory");
    FUZZ_CHECK(yanxiu__v1__envelope__pack(env, buf) == n, "pack wrote another size than it said");
    yanxiu__v1__envelope__free_unpacked(env, &b.alloc);
    FUZZ_CHECK(b.used == 0, "freeing a decoded envelope did not give back every byte");
    *out_len = n;
    return buf;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static struct cut d;
    cut_daemon(data, size, &d);
    check_client(data, size, &d);
    for (size_t i = 0; i < d.n; i++) {
        size_t n1 = 0, n2 = 0;
        bool unknown = false;
        uint8_t *once = decode(d.body[i], d.len[i], &n1, &unknown);
        if (!once)
            continue;
        /* protobuf-c 1.4.1 takes a field number 0 written as a long varint
         * (82 00) for an unknown field, and writes it back as 02, which it
         * then refuses. Our code never re-encodes what it received (it reads
         * the fields it knows and builds every answer afresh), so the
         * round trip is checked for envelopes of known fields only. */
        if (unknown) {
            free(once);
            continue;
        }
        /* What we encode, we (and every other client) decode to the same. */
        uint8_t *twice = decode(once, n1, &n2, &unknown);
        FUZZ_CHECK(twice != NULL, "a re-encoded envelope does not decode");
        FUZZ_CHECK(n1 == n2 && memcmp(once, twice, n1) == 0, "re-encoding is not stable");
        free(once);
        free(twice);
    }
    return 0;
}
