/*
 * tls: the daemon's OpenSSL server context (TLS 1.2 or newer), loaded at
 * start and again on SIGHUP so that renewed certificates take effect
 * without a restart.
 */
#ifndef YANXIU_TLS_H
#define YANXIU_TLS_H

#include <openssl/ssl.h>
#include <stdbool.h>
#include <stddef.h>

#include "yx_common.h"

/*
 * A server context from a PEM certificate chain and its private key.
 * NULL with a message naming the file and OpenSSL's reason in err.
 */
SSL_CTX *tls_server_ctx(const char *cert_file, const char *key_file, char *err,
                        size_t errlen) YX_MUST_CHECK;

/* True for 127.0.0.0/8 and ::1 (numeric addresses only). */
bool tls_is_loopback(const char *addr);

/* OpenSSL's most recent error as text ("" when none); clears the queue. */
const char *tls_last_error(char *buf, size_t len);

#endif
