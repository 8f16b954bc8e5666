// SPDX-License-Identifier: MIT
/*
 * io: the loops the handout's conn.send(data) and conn.recv(1024) leave out. send() may write
 * fewer bytes than asked (a short count) and any blocking call may return EINTR when a signal
 * arrives; both are retried here, as CS:APP's Rio functions do, but an error is returned to the
 * caller (which closes that one client) instead of exiting the process.
 *
 * Left out on purpose: non-blocking I/O. A socket is blocking; a timeout comes from poll() with
 * a deadline or from SO_RCVTIMEO/SO_SNDTIMEO, and either way is reported as ETIMEDOUT. Only the
 * _stoppable calls poll() without a deadline: in slices, so that a Ctrl-C reaches a main thread
 * that waits on a client even when the signal came between two system calls (see io.h).
 */
#include "base/io.h"

#include <errno.h>
#include <limits.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdint.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include "base/stop.h"

int64_t io_now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* EINTR is retried, unless Ctrl-C asked the program to stop: then the caller must see it. */
static bool retry_eintr(void)
{
	return errno == EINTR && !stop_requested();
}

/* Our sockets are blocking, so EAGAIN can only mean SO_RCVTIMEO or SO_SNDTIMEO expired. */
static void map_timeout(void)
{
	if (errno == EAGAIN || errno == EWOULDBLOCK)
		errno = ETIMEDOUT;
}

/* Sets errno EINTR and returns true once a stop is requested: a _stoppable call gives up. */
static bool stop_seen(void)
{
	if (!stop_requested())
		return false;
	errno = EINTR;
	return true;
}

/*
 * Wait until fd is ready for events, in poll() slices of at most IO_STOP_SLICE_MS, looking at the
 * stop flag before each: a signal that landed just before a poll() interrupted nothing, and is
 * seen at the end of that slice. Returns 0 (ready, or an error or hang-up that the next call
 * reports), or -1: EINTR once a stop is requested, or poll()'s error.
 */
static int wait_stoppable(int fd, short events)
{
	struct pollfd p = { .fd = fd, .events = events };
	int ready;

	do {
		if (stop_seen())
			return -1;
		ready = poll(&p, 1, IO_STOP_SLICE_MS);
	} while (ready == 0 || (ready < 0 && errno == EINTR));
	return ready < 0 ? -1 : 0;
}

/*
 * The loop of both writers. Plain: blocking sends, which SO_SNDTIMEO bounds. Stoppable: sends
 * with MSG_DONTWAIT, so none can block, and a full socket buffer (EAGAIN) is waited out in slices.
 */
static ssize_t write_all(int fd, const char *p, size_t len, bool stoppable)
{
	/* MSG_NOSIGNAL: a vanished peer is EPIPE here, never a SIGPIPE that kills the server. */
	int flags = MSG_NOSIGNAL | (stoppable ? MSG_DONTWAIT : 0);
	bool is_socket = true;
	size_t done = 0;

	if (len > SSIZE_MAX) {
		errno = EINVAL;
		return -1;
	}
	while (done < len) {
		if (stoppable && stop_seen())
			return -1;
		ssize_t n = is_socket ? send(fd, p + done, len - done, flags)
		                      : write(fd, p + done, len - done);
		if (n >= 0)
			done += (size_t)n;
		else if (is_socket && errno == ENOTSOCK)
			is_socket = false;
		else if (stoppable && (errno == EAGAIN || errno == EWOULDBLOCK)) {
			if (wait_stoppable(fd, POLLOUT) < 0)
				return -1;
		} else if (!retry_eintr()) {
			map_timeout();
			return -1;
		}
	}
	return (ssize_t)done;
}

ssize_t io_write_all(int fd, const void *buf, size_t len)
{
	return write_all(fd, buf, len, false);
}

ssize_t io_write_all_stoppable(int fd, const void *buf, size_t len)
{
	return write_all(fd, buf, len, true);
}

ssize_t io_read_some(int fd, void *buf, size_t len)
{
	for (;;) {
		ssize_t n = read(fd, buf, len);
		if (n >= 0)
			return n;
		if (!retry_eintr()) {
			map_timeout();
			return -1;
		}
	}
}

ssize_t io_read_stoppable(int fd, void *buf, size_t len)
{
	for (;;) {
		if (wait_stoppable(fd, POLLIN) < 0)
			return -1;
		ssize_t n = read(fd, buf, len);   /* ready: data, EOF or an error, without blocking */
		if (n >= 0 || errno != EINTR) {   /* EINTR: the next wait looks at the stop flag */
			if (n < 0)
				map_timeout();
			return n;
		}
	}
}

ssize_t io_read_deadline(int fd, void *buf, size_t len, int64_t deadline_ms)
{
	if (deadline_ms < 0)
		return io_read_some(fd, buf, len);
	for (;;) {
		/* The wait is what is left of the total deadline, recomputed after each wake-up. */
		int64_t left = deadline_ms - io_now_ms();
		int wait_ms = left <= 0 ? 0 : left > INT_MAX ? INT_MAX : (int)left;
		struct pollfd p = { .fd = fd, .events = POLLIN };
		int ready = poll(&p, 1, wait_ms);
		if (ready > 0)
			return io_read_some(fd, buf, len);   /* data, EOF or an error: read() tells */
		if (ready == 0 && left <= 0) {
			errno = ETIMEDOUT;
			return -1;
		}
		if (ready < 0 && !retry_eintr())
			return -1;
	}
}

static int set_timeout(int fd, int option, unsigned ms)
{
	struct timeval tv = { .tv_sec = (time_t)(ms / 1000), .tv_usec = (suseconds_t)(ms % 1000) * 1000 };
	return setsockopt(fd, SOL_SOCKET, option, &tv, sizeof tv);
}

int io_set_timeouts(int fd, unsigned recv_ms, unsigned send_ms)
{
	if (set_timeout(fd, SO_RCVTIMEO, recv_ms) < 0)
		return -1;
	return set_timeout(fd, SO_SNDTIMEO, send_ms);
}

int io_send_timeout_ms(int fd)
{
	struct timeval tv = { 0 };
	socklen_t size = sizeof tv;
	if (getsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, &size) < 0 || (tv.tv_sec | tv.tv_usec) == 0)
		return -1;
	return (int)(tv.tv_sec * 1000 + tv.tv_usec / 1000);
}

int io_wait_for_room(int fd)
{
	struct pollfd p = { .fd = fd, .events = POLLOUT };
	int wait_ms = io_send_timeout_ms(fd);
	int ready;
	while ((ready = poll(&p, 1, wait_ms)) < 0 && retry_eintr())
		;
	if (ready == 0)
		errno = ETIMEDOUT;
	return ready > 0 ? 0 : -1;
}

int io_set_nodelay(int fd)
{
	int one = 1;
	return setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
}

int io_linger(int fd, unsigned ms, size_t max)
{
	char sink[512];
	int64_t deadline = io_now_ms() + ms;
	size_t dropped = 0;
	ssize_t n;

	/* A socket already shut down, or reset, just has nothing left to drain. */
	(void)shutdown(fd, SHUT_WR);
	while ((n = io_read_deadline(fd, sink, sizeof sink, deadline)) > 0) {
		dropped += (size_t)n;
		if (dropped >= max) {
			errno = EMSGSIZE;   /* a client that keeps sending cannot keep the thread */
			return -1;
		}
	}
	return n == 0 ? 0 : -1;
}
