/* SPDX-License-Identifier: MIT */
/*
 * tls: the server side of HTTPS (handout "Encryption and SSL") on OpenSSL 3: the context every
 * connection shares (struct tls_server: certificate, key, protocol rules, the key log), made by
 * main() and then read-only, and the new connection of one client, through a socket BIO of our
 * own that never blocks. tls_conn.h has what is done with a connection.
 *
 * Rules: TLS 1.2 and 1.3 only; on TLS 1.2 only ECDHE with AEAD ciphers, in the server's order;
 * TLS 1.3's default suites; no compression (CRIME), no renegotiation, and an EOF without
 * close_notify is a plain EOF (RFC 9112 9.8: HTTP's own framing detects a cut-short message).
 *
 * Error convention: NULL with one line in err. Thread-safety: a struct tls_server may be used by
 * many threads at once. OpenSSL 3 needs no locking callbacks.
 */
#ifndef TLS_H
#define TLS_H

#include <stddef.h>

struct tls_server;

/*
 * Load the certificate chain (PEM, leaf first) and its private key, and check they match.
 * keylog_file, if not NULL, is opened for appending: a regular file of this user's, not reached
 * through a symbolic link, and made mode 0600 (it holds secrets), else refused;
 * and every session's secrets are written to it in the NSS key log format (SSLKEYLOGFILE), so
 * Wireshark can decrypt a capture. Returns the server, or NULL with one line in err naming the
 * file and the reason (a short err buffer gets the start of the line, as with snprintf).
 */
struct tls_server *tls_server_new(const char *cert_file, const char *key_file,
                                  const char *keylog_file, char *err, size_t errlen);
/* Free the context, after every connection made from it has been closed. NULL is ignored. */
void tls_server_free(struct tls_server *srv);

/*
 * A new server-side connection on fd, handshake not started: tls_accept's first step (programs
 * call tls_accept). Returns an SSL *, or NULL when out of memory.
 */
void *tls_connection_new(struct tls_server *srv, int fd);

#endif
