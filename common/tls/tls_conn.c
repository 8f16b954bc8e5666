// SPDX-License-Identifier: MIT
/*
 * tls_conn: one client's TLS connection, on the client's own thread: the handshake against a
 * deadline (after a peek that recognises a plain-HTTP client), then reads, writes and file
 * bodies with the same contracts as io.c's loops on a plain socket, and the close. tls_write_all
 * is the TLS transport's one write loop: tls_writev_all and tls_send_file write through it.
 *
 * Every SSL call here returns at once (the BIO in tls.c never blocks); SSL_ERROR_WANT_READ or
 * WANT_WRITE means "call again when the socket is ready", and wait_or_fail() polls for that up
 * to the deadline. That one loop shape serves the handshake, reads and writes alike.
 *
 * Left out on purpose: sendfile() (the kernel cannot encrypt without kernel TLS) and waiting for
 * the client's close_notify (RFC 8446 6.1 lets the closing side go without it).
 */
#include "tls/tls_conn.h"

#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/ssl.h>

#include "base/buf.h"
#include "base/compat.h"
#include "base/io.h"
#include "base/stop.h"

/* RFC 8446 5.1 (and RFC 5246 6.2.1): a record carries at most 2^14 bytes of plaintext. */
#define TLS_RECORD_MAX 16384
/* Enough of the first bytes to see "METHOD " (the longest registered method has 17 letters). */
#define PEEK_MAX 24

/* ---- waiting --------------------------------------------------------------------------------- */

/*
 * Wait until fd is ready for events, by deadline_ms (negative: none). 0, or -1 ETIMEDOUT/EINTR.
 * Past the deadline it still takes one look without waiting, as io_read_deadline() does: bytes
 * that arrived in time are served even when this thread got the CPU late.
 */
static int wait_fd(int fd, short events, int64_t deadline_ms)
{
	for (;;) {
		int64_t left = deadline_ms < 0 ? -1 : deadline_ms - io_now_ms();
		if (deadline_ms >= 0 && left < 0)
			left = 0;
		struct pollfd p = { .fd = fd, .events = events };
		int ready = poll(&p, 1, left > INT_MAX ? INT_MAX : (int)left);
		if (ready > 0)
			return 0;   /* ready, or an error or hangup the next call reports */
		if (ready == 0 && left == 0) {
			errno = ETIMEDOUT;
			return -1;
		}
		if (ready < 0 && (errno != EINTR || stop_requested()))
			return -1;
	}
}

/*
 * After an SSL call returned ret <= 0: wait for what it wants and return 0 (call it again), or
 * return -1 with errno for a failure. After a fatal error no close_notify may be sent
 * (SSL_shutdown(3)), so quiet shutdown is set for tls_close().
 */
static int wait_or_fail(SSL *ssl, int ret, int64_t deadline_ms)
{
	int sys_errno = errno;
	switch (SSL_get_error(ssl, ret)) {
	case SSL_ERROR_WANT_READ:
		return wait_fd(SSL_get_fd(ssl), POLLIN, deadline_ms);
	case SSL_ERROR_WANT_WRITE:
		return wait_fd(SSL_get_fd(ssl), POLLOUT, deadline_ms);
	case SSL_ERROR_SYSCALL:   /* the socket failed under OpenSSL */
		errno = sys_errno == EPIPE ? EPIPE : ECONNRESET;
		break;
	case SSL_ERROR_ZERO_RETURN:   /* the client's close_notify, where we needed more */
		errno = EPIPE;
		break;
	default:   /* SSL_ERROR_SSL: a bad record, an alert, a version we refuse */
		errno = EPROTO;
		break;
	}
	SSL_set_quiet_shutdown(ssl, 1);
	ERR_clear_error();
	return -1;
}

/* ---- the handshake --------------------------------------------------------------------------- */

enum first_bytes { LOOKS_TLS, LOOKS_PLAIN_HTTP };

/*
 * A TLS client speaks first with a handshake record, whose first byte is 22 (RFC 8446 5.1); an
 * HTTP request line starts with a method and one SP (RFC 9112 3), and methods are uppercase by
 * convention (RFC 9110 9.1). Peeking leaves the bytes in place for the handshake. A request line
 * that arrives cut before its first SP is not recognised: the handshake then fails (EPROTO).
 * Returns LOOKS_*, or -1 (ETIMEDOUT, ECONNRESET for an EOF first).
 */
static int peek_first_bytes(int fd, int64_t deadline_ms)
{
	char head[PEEK_MAX];
	ssize_t n = -1;
	while (n < 0) {
		if (wait_fd(fd, POLLIN, deadline_ms) < 0)
			return -1;
		n = compat_recv(fd, head, sizeof head, MSG_PEEK);
		if (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)
			return -1;
	}
	if (n == 0) {
		errno = ECONNRESET;
		return -1;
	}
	size_t i = 0;
	while (i < (size_t)n && head[i] >= 'A' && head[i] <= 'Z')
		i++;
	return i > 0 && i < (size_t)n && head[i] == ' ' ? LOOKS_PLAIN_HTTP : LOOKS_TLS;
}

int tls_accept(struct tls_server *srv, int fd, int64_t deadline_ms, void **tls_out,
               bool *plain_http)
{
	*tls_out = NULL;
	*plain_http = false;
	int kind = peek_first_bytes(fd, deadline_ms);
	if (kind < 0)
		return -1;
	if (kind == LOOKS_PLAIN_HTTP) {
		*plain_http = true;
		errno = EPROTO;
		return -1;
	}
	SSL *ssl = tls_connection_new(srv, fd);
	if (ssl == NULL) {
		ERR_clear_error();
		errno = ENOMEM;
		return -1;
	}
	int r;
	do {
		ERR_clear_error();
		r = SSL_accept(ssl);
	} while (r != 1 && wait_or_fail(ssl, r, deadline_ms) == 0);
	if (r == 1) {
		*tls_out = ssl;
		return 0;
	}
	int saved = errno == EPIPE ? ECONNRESET : errno;   /* EPIPE: it closed halfway */
	SSL_free(ssl);
	errno = saved;
	return -1;
}

/* ---- data ------------------------------------------------------------------------------------ */

ssize_t tls_read(void *tls, void *buf, size_t len, int64_t deadline_ms)
{
	SSL *ssl = tls;
	int want = len > INT_MAX ? INT_MAX : (int)len;
	if (len == 0) {
		errno = EINVAL;
		return -1;
	}
	/* Bytes OpenSSL holds already (decrypted, or read ahead) come back without a wait. Otherwise
	 * wait for the client first, as the plain stream does: an SSL_read that finds the socket
	 * empty costs a recv() for nothing, and between requests the socket is nearly always empty. */
	if (!SSL_has_pending(ssl) && wait_fd(SSL_get_fd(ssl), POLLIN, deadline_ms) < 0)
		return -1;
	for (;;) {
		ERR_clear_error();
		int n = SSL_read(ssl, buf, want);
		if (n > 0)
			return n;
		if (SSL_get_error(ssl, n) == SSL_ERROR_ZERO_RETURN)
			return 0;
		if (wait_or_fail(ssl, n, deadline_ms) < 0)
			return -1;
	}
}

/* A wait for the client to take our bytes gives up after the socket's SO_SNDTIMEO, as a plain
 * blocking send() would, and at the pace's deadline (io.h). Returns the deadline, or -1 when
 * there is neither. */
static int64_t send_deadline(int fd, const struct io_pace *pace)
{
	int ms = io_send_timeout_ms(fd);
	int64_t stall = ms < 0 ? -1 : io_now_ms() + ms;

	if (pace == NULL || pace->min_rate == 0)
		return stall;
	int64_t paced = io_pace_deadline(pace);
	return stall >= 0 && stall < paced ? stall : paced;
}

ssize_t tls_write_all(void *tls, const void *buf, size_t len, struct io_pace *pace)
{
	SSL *ssl = tls;
	const char *p = buf;
	size_t done = 0;
	if (len > SSIZE_MAX) {
		errno = EINVAL;
		return -1;
	}
	while (done < len) {
		/* After a "want write", SSL_write must be called again with the same arguments. */
		int piece = len - done > INT_MAX ? INT_MAX : (int)(len - done);
		ERR_clear_error();
		int n = SSL_write(ssl, p + done, piece);
		if (n > 0) {
			done += (size_t)n;
			if (pace != NULL)
				pace->done += (uint64_t)n;
		} else if (wait_or_fail(ssl, n, send_deadline(SSL_get_fd(ssl), pace)) < 0) {
			return -1;
		}
	}
	return (ssize_t)len;
}

/* Where a gathered record goes, for buf's flush. */
struct record_sink {
	void *tls;
	struct io_pace *pace;
};

static int write_record(void *ctx, const char *data, size_t len)
{
	struct record_sink *sink = ctx;
	return tls_write_all(sink->tls, data, len, sink->pace) < 0 ? -1 : 0;
}

ssize_t tls_writev_all(void *tls, const struct iovec *iov, int iovcnt, struct io_pace *pace)
{
	char record[TLS_RECORD_MAX + 1];   /* a full record, and the NUL a buf keeps after it */
	struct record_sink sink = { tls, pace };
	struct buf b;
	ssize_t total = io_iov_length(iov, iovcnt);
	if (total < 0)
		return -1;
	buf_init_flush(&b, record, sizeof record, write_record, &sink);
	for (int i = 0; i < iovcnt; i++) {
		if (iov[i].iov_len < TLS_RECORD_MAX) {
			if (!buf_append(&b, iov[i].iov_base, iov[i].iov_len))   /* full records go out */
				return -1;
		} else if (buf_flush(&b) < 0 ||
		           tls_write_all(tls, iov[i].iov_base, iov[i].iov_len, pace) < 0) {
			return -1;   /* a big entry is whole records of its own: no copy */
		}
	}
	return buf_flush(&b) < 0 ? -1 : total;
}

ssize_t tls_send_file(void *tls, int file_fd, off_t offset, uint64_t count,
                      struct io_pace *pace)
{
	char buf[TLS_RECORD_MAX];   /* one full record per write */
	uint64_t left = count;
	if (count > SSIZE_MAX || offset < 0) {
		errno = EINVAL;
		return -1;
	}
	while (left > 0) {
		size_t want = left < sizeof buf ? (size_t)left : sizeof buf;
		ssize_t n = pread(file_fd, buf, want, offset);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -1;
		if (n == 0) {   /* the file shrank after its length was promised */
			errno = EIO;
			return -1;
		}
		if (tls_write_all(tls, buf, (size_t)n, pace) < 0)
			return -1;
		offset += n;
		left -= (uint64_t)n;
	}
	return (ssize_t)count;
}

void tls_close(void *tls)
{
	SSL *ssl = tls;
	int64_t deadline = io_now_ms() + IO_LINGER_MS;   /* as long as a lingering close */
	if (ssl == NULL)
		return;
	/* close_notify tells the client the data ended here and was not cut short (RFC 8446 6.1).
	 * If the socket is full it waits for room, briefly; a client that stopped reading goes
	 * without. The client's own close_notify is not waited for (6.1 allows that). */
	for (;;) {
		ERR_clear_error();
		int r = SSL_shutdown(ssl);
		if (r >= 0 || SSL_get_error(ssl, r) != SSL_ERROR_WANT_WRITE ||
		    wait_fd(SSL_get_fd(ssl), POLLOUT, deadline) < 0)
			break;
	}
	ERR_clear_error();
	SSL_free(ssl);
}

int tls_describe(void *tls, char *out, size_t outlen)
{
	int n = snprintf(out, outlen, "%s %s", SSL_get_version(tls), SSL_get_cipher_name(tls));
	return n < 0 || (size_t)n >= outlen ? -1 : n;
}
