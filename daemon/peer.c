/*
 * peer: a small chained hash table of client addresses. It holds only
 * addresses with a connection open, so it stays about as large as
 * max_connections; the scan for the greediest peer happens only when the
 * unauthenticated slots are full.
 */
#include "peer.h"

#include <arpa/inet.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define BUCKETS 1024u

struct peer_table {
    struct peer *bucket[BUCKETS];
};

struct peer_table *peer_table_new(void)
{
    return calloc(1, sizeof(struct peer_table));
}

void peer_table_free(struct peer_table *t)
{
    if (!t)
        return;
    for (unsigned i = 0; i < BUCKETS; i++) {
        struct peer *p = t->bucket[i], *next;
        for (; p; p = next) {
            next = p->next;
            free(p);
        }
    }
    free(t);
}

/* The key and the printable name of an address; false for other families. */
static bool peer_key(const struct sockaddr *sa, unsigned char key[17], char *name, size_t namelen)
{
    memset(key, 0, 17);
    if (sa->sa_family == AF_INET) {
        const struct sockaddr_in *in = (const struct sockaddr_in *)sa;
        key[0] = 4;
        memcpy(key + 1, &in->sin_addr, 4);
        inet_ntop(AF_INET, &in->sin_addr, name, (socklen_t)namelen);
        return true;
    }
    if (sa->sa_family == AF_INET6) {
        const struct sockaddr_in6 *in6 = (const struct sockaddr_in6 *)sa;
        if (IN6_IS_ADDR_V4MAPPED(&in6->sin6_addr)) {
            key[0] = 4;
            memcpy(key + 1, in6->sin6_addr.s6_addr + 12, 4);
            inet_ntop(AF_INET, in6->sin6_addr.s6_addr + 12, name, (socklen_t)namelen);
            return true;
        }
        struct in6_addr net = in6->sin6_addr;
        memset(net.s6_addr + 8, 0, 8);
        key[0] = 6;
        memcpy(key + 1, net.s6_addr, 8);
        char buf[INET6_ADDRSTRLEN];
        inet_ntop(AF_INET6, &net, buf, sizeof(buf));
        snprintf(name, namelen, "%s/64", buf);
        return true;
    }
    return false;
}

bool peer_lane_name(const struct sockaddr *sa, char *name, size_t namelen)
{
    unsigned char key[17];
    return peer_key(sa, key, name, namelen);
}

static unsigned bucket_of(const unsigned char key[17])
{
    uint32_t h = 2166136261u; /* FNV-1a */
    for (int i = 0; i < 17; i++)
        h = (h ^ key[i]) * 16777619u;
    return h % BUCKETS;
}

struct peer *peer_get(struct peer_table *t, const struct sockaddr *sa)
{
    unsigned char key[17];
    char name[PEER_NAME_LEN] = "?";
    if (!peer_key(sa, key, name, sizeof(name)))
        memset(key, 0, sizeof(key)); /* not IP (never, on our listener): one shared peer */
    unsigned b = bucket_of(key);
    struct peer *p;
    for (p = t->bucket[b]; p; p = p->next)
        if (memcmp(p->key, key, sizeof(key)) == 0)
            break;
    if (!p) {
        p = calloc(1, sizeof(*p));
        if (!p)
            return NULL;
        memcpy(p->key, key, sizeof(key));
        snprintf(p->name, sizeof(p->name), "%s", name);
        TAILQ_INIT(&p->unauth_conns);
        p->next = t->bucket[b];
        t->bucket[b] = p;
    }
    p->conns++;
    return p;
}

void peer_put(struct peer_table *t, struct peer *p)
{
    if (--p->conns > 0)
        return;
    struct peer **link = &t->bucket[bucket_of(p->key)];
    while (*link != p)
        link = &(*link)->next;
    *link = p->next;
    free(p);
}

struct peer *peer_most_unauth(const struct peer_table *t)
{
    struct peer *best = NULL;
    for (unsigned i = 0; i < BUCKETS; i++)
        for (struct peer *p = t->bucket[i]; p; p = p->next)
            if (p->unauth > 0 && (!best || p->unauth > best->unauth))
                best = p;
    return best;
}
