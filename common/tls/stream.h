/* SPDX-License-Identifier: MIT */
/*
 * stream: one connection's byte stream behind one read/write interface, so that the HTTP loop
 * above it is written once for plain TCP and for TLS: a stream with its tls pointer set (after
 * tls_accept(), tls_conn.h) goes through OpenSSL, else through io's loops on the socket (io.h).
 * The HTTP code writes only through these calls; each transport has one write loop under them
 * (io.c's send_all, tls_conn.c's tls_write_all).
 *
 * Error convention: -1 with errno set; ETIMEDOUT when the read deadline passed; 0 from a read is
 * EOF. One stream belongs to one thread.
 */
#ifndef STREAM_H
#define STREAM_H

#include <stdint.h>
#include <sys/types.h>
#include <sys/uio.h>

#include "base/io.h"

struct stream {
	int fd;
	void *tls;                /* NULL for plain TCP */
	int64_t deadline_ms;      /* reads fail with ETIMEDOUT past this (io_now_ms scale); <0: none */
	struct io_pace send_pace; /* every write keeps this pace (base/io.h); min_rate 0: none */
};

/* A plain-TCP stream on fd, which it makes non-blocking. Returns 0, or -1 (fcntl's errno). */
int stream_init_plain(struct stream *s, int fd);

/* One read of at most len bytes, honouring s->deadline_ms. */
ssize_t stream_read(struct stream *s, void *buf, size_t len);

/*
 * Write everything or fail (short counts and EINTR retried; a client that takes nothing for the
 * socket's send timeout, or falls behind s->send_pace, fails with ETIMEDOUT). Returns the total, or -1. stream_writev_all()
 * writes the entries in order, in one system call when they fit (a head and a small body leave
 * in one packet, or one TLS record); it may change the entries. stream_write_all() is one entry.
 */
ssize_t stream_write_all(struct stream *s, const void *buf, size_t len);
ssize_t stream_writev_all(struct stream *s, struct iovec *iov, int iovcnt);

/*
 * As stream_writev_all(), telling the kernel that more follows at once (MSG_MORE, plain TCP):
 * the bytes wait to share a packet with the next write, such as a head with the start of its
 * file body. The next write must come without delay and without the flag (sendfile's last piece
 * has none); until then the bytes may not leave at all.
 */
ssize_t stream_writev_more(struct stream *s, struct iovec *iov, int iovcnt);

/*
 * Send count bytes of file_fd from offset: sendfile() in a loop on plain TCP (64-bit offsets),
 * pread()+write on TLS. Returns count, or -1 (errno from the socket or the file; a file that
 * shrank underneath gives EIO).
 */
ssize_t stream_send_file(struct stream *s, int file_fd, off_t offset, uint64_t count);

#endif
