/*
 * peer: what one client address holds: its open connections and those of
 * them not logged in yet. conn uses it for the per-address cap
 * (max_connections_per_addr) and for sharing the unauthenticated slots
 * (max_unauthenticated) fairly between addresses. An IPv6 client counts by
 * its /64 (what one site usually gets); an IPv4-mapped address as IPv4.
 */
#ifndef YANXIU_PEER_H
#define YANXIU_PEER_H

#include <netinet/in.h>
#include <stdbool.h>
#include <sys/queue.h>
#include <sys/socket.h>

#include "yx_common.h"

struct conn;
struct peer_table;

#define PEER_NAME_LEN (INET6_ADDRSTRLEN + 4)

TAILQ_HEAD(unauth_list, conn);

struct peer {
    struct peer *next;               /* hash chain */
    unsigned char key[17];           /* family byte, then the address (IPv6: its /64) */
    char name[PEER_NAME_LEN];        /* for messages: "192.0.2.7", "2001:db8:1:2::/64" */
    int conns;                       /* connections, closing ones too, until freed */
    int unauth;                      /* of them: open and not logged in */
    struct unauth_list unauth_conns; /* those, oldest first (conn.unauth_link) */
};

/* The name an address counts under ("192.0.2.7", "2001:db8:1:2::/64"), as peer.name;
 * false for families other than IPv4 and IPv6. */
bool peer_lane_name(const struct sockaddr *sa, char *name, size_t namelen) YX_MUST_CHECK;

struct peer_table *peer_table_new(void) YX_MUST_CHECK;

/* Frees the table; every peer must have been put back. */
void peer_table_free(struct peer_table *t);

/*
 * The peer of `sa`, added when new; counts one more connection of it.
 * NULL when memory runs out (nothing counted).
 */
struct peer *peer_get(struct peer_table *t, const struct sockaddr *sa) YX_MUST_CHECK;

/* Counts one connection of `p` less; frees it at zero. */
void peer_put(struct peer_table *t, struct peer *p);

/* The peer with the most unauthenticated connections (NULL: none has any). */
struct peer *peer_most_unauth(const struct peer_table *t);

#endif
