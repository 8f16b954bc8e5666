// SPDX-License-Identifier: MIT
/*
 * stream: a connection's byte stream, plain TCP or TLS, behind one set of calls, so the HTTP
 * code above it is written once for both. A stream with s->tls set is HTTPS: each call goes to
 * the TLS module's counterpart (tls_conn.h); otherwise to io's loops (io.h) on the socket.
 *
 * The plain socket is made non-blocking, and every wait is a poll() of io's: for a read up to
 * its deadline, for a write up to the send timeout. A file body goes out with sendfile(2) where
 * the system has it (compat.h), so its bytes never pass through user space (what http.server's
 * copyfile() does with read and write).
 */
#include "tls/stream.h"

#include <fcntl.h>
#include <sys/socket.h>

#include "base/compat.h"
#include "base/io.h"
#include "tls/tls_conn.h"

int stream_init_plain(struct stream *s, int fd)
{
	s->fd = fd;
	s->tls = NULL;
	s->deadline_ms = -1;
	s->send_pace = (struct io_pace){ 0 };   /* no pace until a response starts one */
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

ssize_t stream_writev_all(struct stream *s, struct iovec *iov, int iovcnt)
{
	if (s->tls != NULL)
		return tls_writev_all(s->tls, iov, iovcnt, &s->send_pace);
	return io_writev_all(s->fd, iov, iovcnt, 0, &s->send_pace);
}

ssize_t stream_write_all(struct stream *s, const void *buf, size_t len)
{
	struct iovec one = { .iov_base = (void *)buf, .iov_len = len };
	return stream_writev_all(s, &one, 1);
}

/* MSG_MORE holds a partial packet until the next send without it (sendfile's last piece), as
 * TCP_CORK does, but without the two setsockopt() calls around it; a system without it sends the
 * head in a packet of its own (compat.h). A TCP matter: over TLS the bytes are records, written
 * as any others. */
ssize_t stream_writev_more(struct stream *s, struct iovec *iov, int iovcnt)
{
	if (s->tls != NULL)
		return tls_writev_all(s->tls, iov, iovcnt, &s->send_pace);
	return io_writev_all(s->fd, iov, iovcnt, COMPAT_SEND_MORE_FLAG, &s->send_pace);
}

ssize_t stream_send_file(struct stream *s, int file_fd, off_t offset, uint64_t count)
{
	if (s->tls != NULL)   /* sendfile() cannot encrypt: pread() and SSL_write() */
		return tls_send_file(s->tls, file_fd, offset, count, &s->send_pace);
	return io_send_file(s->fd, file_fd, offset, count, &s->send_pace);
}
