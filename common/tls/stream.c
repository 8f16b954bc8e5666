// SPDX-License-Identifier: MIT
/*
 * stream: the plain-TCP half of a connection's byte stream. Reads honour a total deadline (a slow
 * client cannot hold a thread forever); writes finish the count or fail; a file body goes out
 * with sendfile(2), so its bytes never pass through user space (what http.server's copyfile()
 * does with read and write).
 *
 * The socket is non-blocking, and every wait is a poll() of our own: for a read up to its
 * deadline, for a write up to the send timeout (io_wait_for_room). A blocking send would leave
 * that wait to SO_SNDTIMEO, which the kernel applies afresh to each internal batch of a
 * sendfile(): a client that stopped reading held a thread for about 120 s instead of 30.
 *
 * A stream with s->tls set is HTTPS: each call goes to the TLS module's counterpart (tls.h), so
 * the HTTP code above is written once for both.
 */
/* sendfile(2) and MSG_MORE are Linux interfaces that glibc declares only under _GNU_SOURCE or
 * _DEFAULT_SOURCE; _DEFAULT_SOURCE keeps the POSIX strerror_r and the rest unchanged. */
#define _DEFAULT_SOURCE

#include "tls/stream.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdbool.h>
#include <sys/sendfile.h>
#include <sys/socket.h>

#include "base/io.h"
#include "base/net.h"
#include "base/stop.h"
#include "tls/tls_conn.h"

/* Linux refuses more than 1024 iovecs per call (UIO_MAXIOV); longer arrays go in batches. */
#define IOV_BATCH 1024
/* One sendfile() call at most; Linux stops at 0x7ffff000 anyway, and a smaller piece lets a
 * stop request be seen between pieces. */
#define SENDFILE_PIECE ((size_t)1 << 30)

/* A file offset past 2 GiB must not wrap: on 32-bit systems build with -D_FILE_OFFSET_BITS=64. */
_Static_assert(sizeof(off_t) >= 8, "off_t must be 64 bits: add -D_FILE_OFFSET_BITS=64");

int stream_init_plain(struct stream *s, int fd)
{
	s->fd = fd;
	s->tls = NULL;
	s->deadline_ms = -1;
	int flags = fcntl(fd, F_GETFL);
	return flags < 0 ? -1 : fcntl(fd, F_SETFL, flags | O_NONBLOCK);
}

ssize_t stream_read(struct stream *s, void *buf, size_t len)
{
	if (s->tls != NULL)
		return tls_read(s->tls, buf, len, s->deadline_ms);
	/* No deadline: a poll() without end, since a read on the non-blocking socket cannot wait. */
	return io_read_deadline(s->fd, buf, len, s->deadline_ms < 0 ? INT64_MAX : s->deadline_ms);
}

/* Drop n sent bytes from the front of the array; returns the new start, *iovcnt updated. */
static struct iovec *advance(struct iovec *iov, int *iovcnt, size_t n)
{
	while (*iovcnt > 0 && n >= iov->iov_len) {
		n -= iov->iov_len;
		iov++;
		(*iovcnt)--;
	}
	if (*iovcnt > 0) {
		iov->iov_base = (char *)iov->iov_base + n;
		iov->iov_len -= n;
	}
	return iov;
}

/* The caller's iovec array is consumed (its entries are changed) as bytes go out. */
static ssize_t writev_flags(struct stream *s, struct iovec *iov, int iovcnt, int flags)
{
	size_t total = 0;
	if (s->tls != NULL)
		return tls_writev_all(s->tls, iov, iovcnt);
	for (int i = 0; i < iovcnt; i++) {
		if (iov[i].iov_len > SSIZE_MAX - total) {
			errno = EINVAL;
			return -1;
		}
		total += iov[i].iov_len;
	}
	iov = advance(iov, &iovcnt, 0);   /* skip empty entries at the front */
	while (iovcnt > 0) {
		/* sendmsg, not writev: MSG_NOSIGNAL turns a vanished client into EPIPE. */
		struct msghdr msg = { .msg_iov = iov };
		msg.msg_iovlen = (size_t)(iovcnt < IOV_BATCH ? iovcnt : IOV_BATCH);
		ssize_t n = sendmsg(s->fd, &msg, MSG_NOSIGNAL | flags);
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK) && io_wait_for_room(s->fd) == 0)
			continue;
		if (n < 0 && errno == EINTR && !stop_requested())
			continue;
		if (n < 0)
			return -1;
		iov = advance(iov, &iovcnt, (size_t)n);
	}
	return (ssize_t)total;
}

ssize_t stream_write_all(struct stream *s, const void *buf, size_t len)
{
	struct iovec one = { .iov_base = (void *)buf, .iov_len = len };
	if (s->tls != NULL)
		return tls_write_all(s->tls, buf, len);
	return writev_flags(s, &one, 1, 0);
}

ssize_t stream_writev_all(struct stream *s, struct iovec *iov, int iovcnt)
{
	return writev_flags(s, iov, iovcnt, 0);
}

/* MSG_MORE holds a partial packet until the next send without it (sendfile's last piece), as
 * TCP_CORK does, but without the two setsockopt() calls around it. A TCP matter: over TLS the
 * bytes are records, written as any others. */
ssize_t stream_writev_more(struct stream *s, struct iovec *iov, int iovcnt)
{
	if (s->tls != NULL)
		return stream_writev_all(s, iov, iovcnt);
	return writev_flags(s, iov, iovcnt, MSG_MORE);
}

/*
 * sendfile() has no MSG_NOSIGNAL: a client that left raises SIGPIPE, which stop_setup()
 * ignores, so it arrives here as EPIPE. A return of 0 means the file ended before count bytes:
 * it shrank after the headers promised its length, and the response cannot be completed (EIO).
 */
ssize_t stream_send_file(struct stream *s, int file_fd, off_t offset, uint64_t count)
{
	off_t pos = offset;
	uint64_t left = count;
	if (s->tls != NULL)   /* sendfile() cannot encrypt: pread() and SSL_write() */
		return tls_send_file(s->tls, file_fd, offset, count);
	if (count > SSIZE_MAX || offset < 0) {
		errno = EINVAL;
		return -1;
	}
	while (left > 0) {
		size_t piece = left < SENDFILE_PIECE ? (size_t)left : SENDFILE_PIECE;
		ssize_t n = sendfile(s->fd, file_fd, &pos, piece);
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK) && io_wait_for_room(s->fd) == 0)
			continue;
		if (n < 0 && errno == EINTR && !stop_requested())
			continue;
		if (n < 0)
			return -1;
		if (n == 0) {
			errno = EIO;
			return -1;
		}
		left -= (uint64_t)n;
	}
	return (ssize_t)count;
}
