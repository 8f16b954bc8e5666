/* SPDX-License-Identifier: MIT */
/*
 * tls: the HTTPS half of a connection's byte stream (handout "Encryption and SSL"), on OpenSSL 3.
 * One struct tls_server (an SSL_CTX: certificate, key, protocol rules) is made by main() and
 * shared read-only by every client thread; each connection gets its own SSL object, the `void
 * *tls` of struct stream (stream.h), so stream_read/stream_write_all/stream_send_file call the
 * functions below when it is not NULL and the HTTP loop above is written once.
 *
 * The socket stays in blocking mode for the rest of the program. OpenSSL talks to it through a
 * small BIO that sends and receives with MSG_DONTWAIT, so an SSL call never blocks: it says
 * "want read" or "want write", and we wait with poll() up to the caller's deadline. That is how a
 * client that connects and says nothing, or stops in the middle of a TLS record, costs its thread
 * only until the deadline. tls.c holds the shared context and that BIO; tls_conn.c one connection.
 *
 * Rules: TLS 1.2 and 1.3 only, OpenSSL's default secure ciphers, no compression (CRIME), no
 * renegotiation, and an EOF without close_notify is a plain EOF (RFC 9112 9.8: HTTP's own framing
 * detects a cut-short message).
 *
 * Error convention: -1 with errno set. ETIMEDOUT: the deadline (or the socket's send timeout)
 * passed; ECONNRESET/EPIPE: the client went away; EPROTO: not TLS, a refused version, a failed
 * handshake or a TLS alert; EINTR: the program is stopping (net_stop_requested()).
 * Thread-safety: a struct tls_server may be used by many threads at once; one connection's tls
 * pointer belongs to one thread. OpenSSL 3 needs no locking callbacks.
 *
 * Wiring (what a program does with it):
 *   main:    srv = tls_server_new(cert, key, keylog_or_NULL, err, sizeof err) or print err, exit
 *   client:  void *tls; bool plain;
 *            if (tls_accept(srv, fd, io_now_ms() + TLS_HANDSHAKE_TIMEOUT_MS, &tls, &plain) < 0) {
 *                    if (plain) tls_reject_plain_http(fd);
 *                    close the client;              (an expected event: no warning)
 *            }
 *            stream.tls = tls; ... serve ...
 *            tls_close(tls); stream.tls = NULL;      (before a lingering close's SHUT_WR)
 *            then shutdown/drain/close(fd) as for plain TCP
 *   exit:    tls_server_free(srv)
 */
#ifndef TLS_H
#define TLS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <sys/uio.h>

/* The handshake of one client must finish within this (a few seconds of one thread at most). */
#define TLS_HANDSHAKE_TIMEOUT_MS 5000

struct tls_server;

/*
 * Load the certificate chain (PEM, leaf first) and its private key, and check they match.
 * keylog_file, if not NULL, is opened for appending (created with mode 0600: it holds secrets),
 * and every session's secrets are written to it in the NSS key log format (SSLKEYLOGFILE), so
 * Wireshark can decrypt a capture. Returns the server, or NULL with one line in err naming the
 * file and the reason (a short err buffer gets the start of the line, as with snprintf).
 */
struct tls_server *tls_server_new(const char *cert_file, const char *key_file,
                                  const char *keylog_file, char *err, size_t errlen);
/* Free the context, after every connection made from it has been closed. NULL is ignored. */
void tls_server_free(struct tls_server *srv);

/*
 * Run the server handshake on the connected socket fd in the calling (client) thread, finishing
 * by deadline_ms (io_now_ms() scale; negative: no deadline, do not do that for real clients).
 * First it peeks at the first bytes: if they are a plain HTTP request line (an uppercase method
 * and a space, e.g. "GET "), *plain_http is set and -1 returned without a handshake (errno
 * EPROTO); nothing has been read, so the caller can answer with tls_reject_plain_http().
 * Returns 0 with *tls_out the connection (an SSL *), or -1 with *tls_out NULL: errno ETIMEDOUT,
 * ECONNRESET (closed or reset before a handshake), EPROTO, EINTR, ENOMEM. fd is not closed.
 */
int tls_accept(struct tls_server *srv, int fd, int64_t deadline_ms, void **tls_out,
               bool *plain_http);

/*
 * A new server-side connection on fd, handshake not started: tls_accept's first step (programs
 * call tls_accept). Returns an SSL *, or NULL when out of memory.
 */
void *tls_connection_new(struct tls_server *srv, int fd);

/*
 * Answer a plain-HTTP client on an HTTPS port: "400 Bad Request" with a one-line text/plain body
 * saying to use https://, Connection: close; then half-close and drain briefly (RFC 9112 9.6) so
 * the client reads it rather than a reset. Best effort, at most about a second; fd stays open.
 */
void tls_reject_plain_http(int fd);

/*
 * One read of at most len (> 0) bytes of application data, waiting no later than deadline_ms
 * (negative: no deadline). Data OpenSSL already decrypted is returned without waiting. Returns
 * the count, 0 at the client's close_notify or EOF, -1 (ETIMEDOUT, ECONNRESET, EPROTO, EINTR,
 * EINVAL for len 0).
 */
ssize_t tls_read(void *tls, void *buf, size_t len, int64_t deadline_ms);

/*
 * Write all len bytes (in TLS records of up to 16 KiB). A wait for the client to read gives up
 * after the socket's SO_SNDTIMEO (io_set_timeouts), as a plain send() would; none: no limit.
 * Returns len, or -1 (ETIMEDOUT, EPIPE, ECONNRESET, EPROTO, EINTR).
 */
ssize_t tls_write_all(void *tls, const void *buf, size_t len);

/*
 * Write the iovec entries in order, gathering small ones into full records (a head and a short
 * body leave in one record, as TCP_CORK does for plain TCP). iov is not changed. Returns the
 * total, or -1 as tls_write_all (EINVAL if the total exceeds SSIZE_MAX).
 */
ssize_t tls_writev_all(void *tls, const struct iovec *iov, int iovcnt);

/*
 * Send count bytes of the file file_fd from offset: pread() into a 16 KiB buffer and
 * tls_write_all() in a loop (sendfile cannot encrypt). Returns count, or -1: errno from the
 * socket or the file, EIO if the file ended before count bytes (it shrank), EINVAL.
 */
ssize_t tls_send_file(void *tls, int file_fd, off_t offset, uint64_t count);

/*
 * End the connection's TLS and free it: send close_notify (skipped after a fatal error, as
 * OpenSSL requires), waiting at most a second for room in a full socket; the client's own
 * close_notify is not waited for. NULL is ignored. The fd stays open and is the caller's: call
 * this before shutdown(fd, SHUT_WR) (a lingering close), after which the fd can be drained with
 * plain reads.
 */
void tls_close(void *tls);

/* "TLSv1.3 TLS_AES_256_GCM_SHA384", for --trace. Returns the length, or -1 if out is too small. */
int tls_describe(void *tls, char *out, size_t outlen);

#endif
