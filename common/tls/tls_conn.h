/* SPDX-License-Identifier: MIT */
/*
 * tls_conn: one client's TLS connection, on the client's own thread: the handshake against a
 * deadline, then reads, writes and file bodies with the same contracts as io.c's loops give a
 * plain socket (a stream's `void *tls`, stream.h, is this connection), and the close.
 *
 * The socket is non-blocking (stream.c makes it so), and OpenSSL reaches it only through the BIO
 * of tls.c, so an SSL call never blocks: it says "want read" or "want write", and we wait with
 * poll() up to the caller's deadline. That is how a client that connects and says nothing, or
 * stops in the middle of a TLS record, costs its thread only until the deadline.
 *
 * Error convention: -1 with errno set. ETIMEDOUT: the deadline (or the socket's send timeout)
 * passed; ECONNRESET/EPIPE: the client went away; EPROTO: not TLS, a refused version, a failed
 * handshake or a TLS alert; EINTR: the program is stopping (stop_requested()).
 * One connection belongs to one thread.
 */
#ifndef TLS_CONN_H
#define TLS_CONN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <sys/uio.h>

#include "base/io.h"
#include "tls/tls.h"

/* The handshake of one client must finish within this (a few seconds of one thread at most). */
#define TLS_HANDSHAKE_TIMEOUT_MS 5000

/*
 * Run the server handshake on the connected socket fd in the calling (client) thread, finishing
 * by deadline_ms (io_now_ms() scale; negative: no deadline, do not do that for real clients).
 * First it peeks at the first bytes: if they are a plain HTTP request line (an uppercase method
 * and a space, e.g. "GET "), *plain_http is set and -1 returned without a handshake (errno
 * EPROTO); nothing has been read, so the caller can answer in plain HTTP.
 * Returns 0 with *tls_out the connection (an SSL *), or -1 with *tls_out NULL: errno ETIMEDOUT,
 * ECONNRESET (closed or reset before a handshake), EPROTO, EINTR, ENOMEM. fd is not closed.
 */
int tls_accept(struct tls_server *srv, int fd, int64_t deadline_ms, void **tls_out,
               bool *plain_http);

/*
 * One read of at most len (> 0) bytes of application data, waiting no later than deadline_ms
 * (negative: no deadline). Data OpenSSL already decrypted is returned without waiting. Returns
 * the count, 0 at the client's close_notify or EOF, -1 (ETIMEDOUT, ECONNRESET, EPROTO, EINTR,
 * EINVAL for len 0).
 */
ssize_t tls_read(void *tls, void *buf, size_t len, int64_t deadline_ms);

/*
 * Write all len bytes (in TLS records of up to 16 KiB). A wait for the client to read gives up
 * after the socket's SO_SNDTIMEO (io_set_timeouts), as a plain send() would (none: no limit),
 * and at pace's deadline (base/io.h; NULL: none), whose done it counts up.
 * Returns len, or -1 (ETIMEDOUT, EPIPE, ECONNRESET, EPROTO, EINTR).
 */
ssize_t tls_write_all(void *tls, const void *buf, size_t len, struct io_pace *pace);

/*
 * Write the iovec entries in order, gathering small ones into full records (a head and a short
 * body leave in one record, as TCP_CORK does for plain TCP). iov is not changed. Returns the
 * total, or -1 as tls_write_all (EINVAL if the total exceeds SSIZE_MAX).
 */
ssize_t tls_writev_all(void *tls, const struct iovec *iov, int iovcnt, struct io_pace *pace);

/*
 * Send count bytes of the file file_fd from offset: pread() into a 16 KiB buffer and
 * tls_write_all() in a loop (sendfile cannot encrypt). Returns count, or -1: errno from the
 * socket or the file, EIO if the file ended before count bytes (it shrank), EINVAL.
 */
ssize_t tls_send_file(void *tls, int file_fd, off_t offset, uint64_t count,
                      struct io_pace *pace);

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
