/*
 * frame: the wire codec shared by yanxiud and the client library.
 * A frame is a 4-byte big-endian length N followed by N bytes holding one
 * serialized yanxiu.v1.Envelope. This module knows lengths and bytes only;
 * it does no I/O.
 */
#ifndef YANXIU_FRAME_H
#define YANXIU_FRAME_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "yanxiu.pb-c.h"
#include "yx_common.h"

#define FRAME_HEADER_SIZE 4u
/* The daemon's default max_frame: an upload of 16 MiB and the request around it. */
#define FRAME_DEFAULT_MAX (17u * 1024u * 1024u)
#define PROTOCOL_VERSION  2u

enum frame_status {
    FRAME_NEED_MORE, /* not yet a whole frame: read more bytes */
    FRAME_READY,     /* a whole frame is there: *body_len bytes after the header */
    FRAME_EMPTY,     /* announced length 0: a protocol error */
    FRAME_TOO_BIG,   /* announced length above the limit: a protocol error */
};

/*
 * Looks at the first `avail` bytes of a stream. When at least the header is
 * there, sets *body_len to the announced length (also for EMPTY/TOO_BIG, so
 * that an error message can name it). Never reads beyond `avail`.
 */
enum frame_status frame_parse(const uint8_t *data, size_t avail, uint32_t max_body,
                              uint32_t *body_len);

/*
 * Checks a complete 4-byte header alone: FRAME_READY means the announced
 * length is acceptable (the body may still be missing), else EMPTY or
 * TOO_BIG. *body_len is always set.
 */
enum frame_status frame_check_header(const uint8_t hdr[FRAME_HEADER_SIZE], uint32_t max_body,
                                     uint32_t *body_len);

/* Writes the 4-byte header for a body of `len` bytes. */
void frame_put_header(uint8_t out[FRAME_HEADER_SIZE], uint32_t len);

/*
 * Serializes `env` behind a frame header into a new malloc'd buffer.
 * Returns NULL (and sets nothing) when memory runs out or the body would
 * exceed `max_body`. The caller frees *out with free().
 */
uint8_t *frame_pack(const Yanxiu__V1__Envelope *env, uint32_t max_body,
                    size_t *out_len) YX_MUST_CHECK;

/*
 * A counting allocator for protobuf-c: unpacking through it fails once the
 * decoded message would take more than `budget` bytes. Use the same
 * allocator to free what it unpacked.
 */
struct frame_budget {
    ProtobufCAllocator alloc; /* pass &b.alloc to protobuf-c */
    size_t budget;
    size_t used;
    bool refused; /* an allocation was refused: the message was too large, not malformed */
};

void frame_budget_init(struct frame_budget *b, size_t budget);

/*
 * The decode budget the daemon gives a request body of `wire` bytes: a
 * decoded message may take several times its wire size (each message
 * becomes a struct), and no more than this. One definition, used by
 * rpc_dispatch and by the fuzz targets (tests/fuzz/).
 */
size_t frame_decode_budget(size_t wire);

/*
 * Decodes one envelope body through the budget allocator. Returns NULL when
 * the bytes are not a valid Envelope or exceed the budget. Free the result
 * with yanxiu__v1__envelope__free_unpacked(env, &b->alloc).
 */
Yanxiu__V1__Envelope *frame_unpack(struct frame_budget *b, const uint8_t *body,
                                   size_t len) YX_MUST_CHECK;

/*
 * A growing byte buffer that cuts a stream into frames (the client side;
 * the daemon uses libevent's evbuffer with frame_parse directly).
 */
struct frame_reader {
    uint8_t *buf;
    size_t start; /* offset of the first byte not yet consumed */
    size_t len;   /* end of the bytes held */
    size_t cap;
    size_t pending; /* size of the frame handed out last, dropped on the next call */
    uint32_t max_body;
};

void frame_reader_init(struct frame_reader *r, uint32_t max_body);
void frame_reader_free(struct frame_reader *r);

/* Appends bytes read from the peer. False when memory runs out. */
bool frame_reader_feed(struct frame_reader *r, const void *data, size_t len) YX_MUST_CHECK;

/*
 * Takes the next whole frame, if any. On FRAME_READY, *body points into the
 * reader and stays valid until the next call of feed/next/free; the frame
 * is consumed. Other statuses consume nothing.
 */
enum frame_status frame_reader_next(struct frame_reader *r, const uint8_t **body,
                                    uint32_t *body_len);

/* The name of an error code, e.g. "RESOURCE_EXHAUSTED". Never NULL. */
const char *frame_code_name(int code);

#endif
