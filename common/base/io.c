// SPDX-License-Identifier: MIT
/*
 * io: the loops the handout's conn.send(data) and conn.recv(1024) leave out. send() may write
 * fewer bytes than asked (a short count) and any blocking call may return EINTR when a signal
 * arrives; both are retried here, as CS:APP's Rio functions do, but an error is returned to the
 * caller (which closes that one client) instead of exiting the process.
 *
 * One send loop (send_all) serves every writer, and it never blocks in send(): a full socket
 * buffer is waited out with poll(), up to the send timeout, so a socket may be blocking or not
 * and the timeout means the same. (A blocking send would leave that wait to SO_SNDTIMEO, which
 * the kernel applies afresh to each internal batch of a sendfile(): a client that stopped reading
 * held a thread for about 120 s instead of 30.) Reads wait either in read() under SO_RCVTIMEO
 * or in poll() up to a deadline. Every timeout is reported as ETIMEDOUT. Only the _stoppable
 * calls poll() without a limit: in slices, so that a Ctrl-C reaches a main thread that waits on
 * a client even when the signal came between two system calls (see io.h).
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
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

#include "base/compat.h"
#include "base/stop.h"

/* Linux refuses more than 1024 iovecs per call (UIO_MAXIOV); longer arrays go in batches. */
#define IOV_BATCH 1024
/* One compat_sendfile() call at most; Linux stops at 0x7ffff000 anyway, and a smaller piece lets a
 * stop request be seen between pieces. */
#define SENDFILE_PIECE ((size_t)1 << 30)

/* A file offset past 2 GiB must not wrap: on 32-bit systems build with -D_FILE_OFFSET_BITS=64. */
_Static_assert(sizeof(off_t) >= 8, "off_t must be 64 bits: add -D_FILE_OFFSET_BITS=64");

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

/* EAGAIN from a read on a blocking socket: SO_RCVTIMEO expired. (A non-blocking socket is read
 * only after poll() said it is ready, by io_read_deadline.) */
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
 * Wait until fd is ready for events, in poll() slices of at most STOP_SLICE_MS, looking at the
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
		ready = poll(&p, 1, STOP_SLICE_MS);
	} while (ready == 0 || (ready < 0 && errno == EINTR));
	return ready < 0 ? -1 : 0;
}

void io_pace_start(struct io_pace *p, unsigned grace_ms, unsigned min_rate)
{
	*p = (struct io_pace){ .start_ms = io_now_ms(), .grace_ms = grace_ms, .min_rate = min_rate };
}

int64_t io_pace_deadline(const struct io_pace *p)
{
	if (p->min_rate == 0)
		return INT64_MAX;   /* no pace */
	uint64_t earned_ms = p->done * 1000 / p->min_rate;

	return p->start_ms + p->grace_ms + (int64_t)(earned_ms < INT32_MAX ? earned_ms : INT32_MAX);
}

/*
 * For a send that said EAGAIN: wait until the peer has taken enough bytes for more to fit, at
 * most the socket's SO_SNDTIMEO (io_set_timeouts; none set: no limit), restarted by each byte
 * taken, as nginx's send_timeout is, since the loop calls this again after each send; and never
 * past the pace's deadline. Returns 0, or -1 (ETIMEDOUT; EINTR once a stop is requested).
 */
static int wait_for_room(int fd, const struct io_pace *pace)
{
	struct pollfd p = { .fd = fd, .events = POLLOUT };
	int wait_ms = io_send_timeout_ms(fd);
	int ready;

	if (pace != NULL && pace->min_rate > 0) {
		int64_t left = io_pace_deadline(pace) - io_now_ms();
		left = left < 0 ? 0 : left > INT_MAX ? INT_MAX : left;
		if (wait_ms < 0 || left < wait_ms)
			wait_ms = (int)left;
	}
	while ((ready = poll(&p, 1, wait_ms)) < 0 && retry_eintr())
		;
	if (ready == 0)
		errno = ETIMEDOUT;
	return ready > 0 ? 0 : -1;
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

ssize_t io_iov_length(const struct iovec *iov, int iovcnt)
{
	size_t total = 0;
	for (int i = 0; i < iovcnt; i++) {
		if (iov[i].iov_len > SSIZE_MAX - total) {
			errno = EINVAL;
			return -1;
		}
		total += iov[i].iov_len;
	}
	return (ssize_t)total;
}

/*
 * After a send that moved nothing: whether to call it again. EAGAIN (the socket buffer is full)
 * is waited out: until room, within the send timeout (wait_for_room), or for a stoppable call in
 * slices until a stop (wait_stoppable). EINTR is retried unless the program is stopping.
 */
static bool send_again(int fd, bool stoppable, const struct io_pace *pace)
{
	if (errno == EAGAIN || errno == EWOULDBLOCK)
		return (stoppable ? wait_stoppable(fd, POLLOUT) : wait_for_room(fd, pace)) == 0;
	return retry_eintr();
}

/*
 * The one send loop of the plain transport, under every writer here. Sends never block
 * (compat_sendmsg: MSG_DONTWAIT), on a blocking socket too: every wait is send_again()'s poll(),
 * so a send timeout is counted the same way everywhere and a stoppable call sees a stop. Nor do
 * they raise SIGPIPE (MSG_NOSIGNAL, or its fallback): a vanished peer is EPIPE here, never a
 * signal that kills the server. A fd that is no socket (a pipe, a file) gets writev(). The
 * caller's array is consumed as bytes go out.
 */
static ssize_t send_all(int fd, struct iovec *iov, int iovcnt, int flags, bool stoppable,
                        struct io_pace *pace)
{
	ssize_t total = io_iov_length(iov, iovcnt);
	bool is_socket = true;

	if (total < 0)
		return -1;
	iov = advance(iov, &iovcnt, 0);   /* skip empty entries at the front */
	while (iovcnt > 0) {
		int batch = iovcnt < IOV_BATCH ? iovcnt : IOV_BATCH;
		struct msghdr msg = { .msg_iov = iov, .msg_iovlen = (size_t)batch };
		if (stoppable && stop_seen())
			return -1;
		ssize_t n = is_socket ? compat_sendmsg(fd, &msg, flags)
		                      : writev(fd, iov, batch);
		if (n >= 0) {
			iov = advance(iov, &iovcnt, (size_t)n);
			if (pace != NULL)
				pace->done += (uint64_t)n;
		} else if (is_socket && errno == ENOTSOCK) {
			is_socket = false;
		} else if (!send_again(fd, stoppable, pace)) {
			return -1;
		}
	}
	return total;
}

ssize_t io_write_all(int fd, const void *buf, size_t len)
{
	struct iovec one = { .iov_base = (void *)buf, .iov_len = len };
	return send_all(fd, &one, 1, 0, false, NULL);
}

ssize_t io_write_all_stoppable(int fd, const void *buf, size_t len)
{
	struct iovec one = { .iov_base = (void *)buf, .iov_len = len };
	return send_all(fd, &one, 1, 0, true, NULL);
}

ssize_t io_writev_all(int fd, struct iovec *iov, int iovcnt, int flags, struct io_pace *pace)
{
	return send_all(fd, iov, iovcnt, flags, false, pace);
}

/*
 * Linux's sendfile() has no MSG_NOSIGNAL: a client that left raises SIGPIPE, which stop_setup()
 * ignores, so it arrives here as EPIPE (compat_sendfile's pread() and send fallback never raises
 * it). A return of 0 means the file ended before count bytes: it shrank after the headers
 * promised its length, and the response cannot be completed (EIO).
 */
ssize_t io_send_file(int fd, int file_fd, off_t offset, uint64_t count, struct io_pace *pace)
{
	off_t pos = offset;
	uint64_t left = count;
	if (count > SSIZE_MAX || offset < 0) {
		errno = EINVAL;
		return -1;
	}
	while (left > 0) {
		size_t piece = left < SENDFILE_PIECE ? (size_t)left : SENDFILE_PIECE;
		ssize_t n = compat_sendfile(fd, file_fd, &pos, piece);
		if (n == 0) {
			errno = EIO;
			return -1;
		}
		if (n > 0) {
			left -= (uint64_t)n;
			if (pace != NULL)
				pace->done += (uint64_t)n;
		} else if (!send_again(fd, false, pace)) {
			return -1;
		}
	}
	return (ssize_t)count;
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
