// SPDX-License-Identifier: MIT
/*
 * compat: each interface that is not POSIX.1-2008, and its POSIX fallback (see compat.h for the
 * table). One OS_* macro says which system's own calls are used; with COMPAT_PORTABLE (`make
 * PORTABLE=1`) none is, and every fallback runs, on Linux too. The branches for macOS and
 * FreeBSD follow those systems' manual pages; they are compiled there only.
 *
 * Left out on purpose: macOS's and FreeBSD's own sendfile() (their signatures differ from
 * Linux's, and the pread() loop is correct everywhere), TCP_NOPUSH in place of MSG_MORE (two
 * setsockopt() calls per response, for one packet saved), and kqueue (poll() serves a bench).
 */
#if !defined(COMPAT_PORTABLE) || !COMPAT_PORTABLE
#if defined(__linux__)
#define _GNU_SOURCE          /* accept4, MSG_MORE, O_PATH, SCHED_BATCH, getrandom, epoll */
#define OS_LINUX 1
#elif defined(__APPLE__)
#define _DARWIN_C_SOURCE     /* MSG_DONTWAIT, st_mtimespec, d_type, getentropy */
#define OS_MACOS 1
#elif defined(__FreeBSD__)
#undef _POSIX_C_SOURCE       /* __BSD_VISIBLE: accept4, O_RESOLVE_BENEATH, MSG_DONTWAIT, sysctl */
#define OS_FREEBSD 1
#endif
#elif defined(__linux__)
#define _DEFAULT_SOURCE      /* getentropy (POSIX.1-2024), which glibc 2.36 declares only so */
#endif

#include "base/compat.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#if defined(OS_LINUX)
#include <linux/openat2.h>
#include <sched.h>
#include <sys/epoll.h>
#include <sys/random.h>
#include <sys/sendfile.h>
#include <sys/syscall.h>
#define HAVE_ACCEPT4 1
#define HAVE_DONTWAIT 1
#define HAVE_NOSIGNAL 1
#define HAVE_SEND_MORE 1
#define HAVE_SENDFILE 1
#define HAVE_OPEN_BENEATH 1
#define HAVE_O_PATH 1
#define HAVE_SCHED_BATCH 1
#define HAVE_COND_MONOTONIC 1
#define HAVE_D_TYPE 1
#define HAVE_EPOLL 1
#elif defined(OS_MACOS)
#include <mach-o/dyld.h>
#include <sys/random.h>
#define HAVE_DONTWAIT 1
#ifdef MSG_NOSIGNAL          /* recent SDKs only */
#define HAVE_NOSIGNAL 1
#endif
#define HAVE_D_TYPE 1
#elif defined(OS_FREEBSD)
#include <sys/sysctl.h>
#define HAVE_ACCEPT4 1
#define HAVE_DONTWAIT 1
#define HAVE_NOSIGNAL 1
#ifdef O_RESOLVE_BENEATH     /* FreeBSD 13 */
#define HAVE_OPEN_BENEATH 1
#endif
#ifdef O_PATH                /* FreeBSD 14 */
#define HAVE_O_PATH 1
#endif
#define HAVE_COND_MONOTONIC 1
#define HAVE_D_TYPE 1
#endif

/* The fallback's sendfile reads this much at a time (on a client thread's small stack). */
#define SENDFILE_BUF 32768
/* The fallback's poller gives back at most this many events per wait; so does epoll here. */
#define POLLER_BATCH 512

/* What a system lacks is 0. */
#ifndef HAVE_ACCEPT4
#define HAVE_ACCEPT4 0
#endif
#ifndef HAVE_DONTWAIT
#define HAVE_DONTWAIT 0
#endif
#ifndef HAVE_NOSIGNAL
#define HAVE_NOSIGNAL 0
#endif
#ifndef HAVE_SEND_MORE
#define HAVE_SEND_MORE 0
#endif
#ifndef HAVE_SENDFILE
#define HAVE_SENDFILE 0
#endif
#ifndef HAVE_OPEN_BENEATH
#define HAVE_OPEN_BENEATH 0
#endif
#ifndef HAVE_O_PATH
#define HAVE_O_PATH 0
#endif
#ifndef HAVE_SCHED_BATCH
#define HAVE_SCHED_BATCH 0
#endif
#ifndef HAVE_COND_MONOTONIC
#define HAVE_COND_MONOTONIC 0
#endif
#ifndef HAVE_D_TYPE
#define HAVE_D_TYPE 0
#endif
#ifndef HAVE_EPOLL
#define HAVE_EPOLL 0
#endif
#if defined(OS_LINUX) || defined(OS_MACOS) || defined(OS_FREEBSD)
#define HAVE_EXE_PATH 1
#else
#define HAVE_EXE_PATH 0
#endif

static const struct {
	const char *name;
	bool used;
} features[COMPAT_FEATURES] = {
	[COMPAT_ACCEPT4] = { "accept4", HAVE_ACCEPT4 },
	[COMPAT_SEND_FLAGS] = { "MSG_DONTWAIT|MSG_NOSIGNAL", HAVE_DONTWAIT && HAVE_NOSIGNAL },
	[COMPAT_SEND_MORE] = { "MSG_MORE", HAVE_SEND_MORE },
	[COMPAT_SENDFILE] = { "sendfile", HAVE_SENDFILE },
	[COMPAT_OPEN_BENEATH] = { "openat2(RESOLVE_BENEATH)", HAVE_OPEN_BENEATH },
	[COMPAT_O_PATH] = { "O_PATH", HAVE_O_PATH },
	[COMPAT_SCHED_BATCH] = { "SCHED_BATCH", HAVE_SCHED_BATCH },
	[COMPAT_COND_MONOTONIC] = { "pthread_condattr_setclock", HAVE_COND_MONOTONIC },
	[COMPAT_EXE_PATH] = { "the program's path from the system", HAVE_EXE_PATH },
	[COMPAT_D_TYPE] = { "d_type", HAVE_D_TYPE },
	[COMPAT_EPOLL] = { "epoll", HAVE_EPOLL },
};

bool compat_has(enum compat_feature f)
{
	return f >= 0 && f < COMPAT_FEATURES && features[f].used;
}

const char *compat_feature_name(enum compat_feature f)
{
	return f >= 0 && f < COMPAT_FEATURES ? features[f].name : "?";
}

/* ---- sockets ------------------------------------------------------------------------------ */

#if !HAVE_ACCEPT4
/* FD_CLOEXEC on a new fd; on failure the fd is closed. Returns fd or -1. */
static int cloexec(int fd)
{
	if (fd >= 0 && fcntl(fd, F_SETFD, FD_CLOEXEC) < 0) {
		int saved = errno;
		close(fd);
		errno = saved;
		return -1;
	}
	return fd;
}
#endif

int compat_socket(int domain, int type, int protocol)
{
#if HAVE_ACCEPT4
	return socket(domain, type | SOCK_CLOEXEC, protocol);
#else
	return cloexec(socket(domain, type, protocol));   /* a fork() between would leak it */
#endif
}

int compat_accept(int listen_fd, struct sockaddr *addr, socklen_t *addr_len)
{
#if HAVE_ACCEPT4
	return accept4(listen_fd, addr, addr_len, SOCK_CLOEXEC);
#else
	return cloexec(accept(listen_fd, addr, addr_len));
#endif
}

/* What a call without MSG_DONTWAIT and MSG_NOSIGNAL sets up around itself, and puts back. */
struct guard {
	int restore_flags;       /* the fd's flags to put back; -1: unchanged */
	bool sigpipe_blocked;    /* SIGPIPE blocked in this thread for the call */
	bool sigpipe_pending;    /* ... and one was pending before it */
	sigset_t old_mask;
};

/* Makes fd non-blocking for one call if it is a socket that blocks (fcntl: flags belong to the
 * open socket). Anything else is left alone: a pipe's flags are shared with other processes,
 * and send() on it fails with ENOTSOCK at once anyway. */
static int nonblock_begin(int fd, struct guard *g)
{
	int flags = fcntl(fd, F_GETFL);
	struct stat st;

	g->restore_flags = -1;
	if (flags < 0)
		return -1;
	if ((flags & O_NONBLOCK) == 0 && fstat(fd, &st) == 0 && S_ISSOCK(st.st_mode)) {
		if (fcntl(fd, F_SETFL, flags | O_NONBLOCK) < 0)
			return -1;
		g->restore_flags = flags;
	}
	return 0;
}

/*
 * A send to a vanished peer raises SIGPIPE in the sending thread. Where SIGPIPE is ignored (every
 * program here: stop_setup) nothing is needed; otherwise it is blocked for the call, and one that
 * the call raised is taken off the pending set before the mask is restored (sigwait on a pending
 * signal returns at once), so the process neither dies nor sees it later.
 */
static int sigpipe_begin(struct guard *g)
{
	struct sigaction sa;
	sigset_t pipe_set, pending;
	int rc;

	g->sigpipe_blocked = false;
	if (sigaction(SIGPIPE, NULL, &sa) == 0 && sa.sa_handler == SIG_IGN)
		return 0;
	sigemptyset(&pipe_set);
	sigaddset(&pipe_set, SIGPIPE);
	if ((rc = pthread_sigmask(SIG_BLOCK, &pipe_set, &g->old_mask)) != 0) {
		errno = rc;
		return -1;
	}
	g->sigpipe_blocked = true;
	g->sigpipe_pending = sigpending(&pending) == 0 && sigismember(&pending, SIGPIPE) == 1;
	return 0;
}

static int guard_begin(int fd, struct guard *g)
{
	g->restore_flags = -1;
	g->sigpipe_blocked = false;
#if !HAVE_DONTWAIT
	if (nonblock_begin(fd, g) < 0)
		return -1;
#else
	(void)fd;
	(void)nonblock_begin;
#endif
#if !HAVE_NOSIGNAL
	if (sigpipe_begin(g) < 0) {
		if (g->restore_flags >= 0)
			fcntl(fd, F_SETFL, g->restore_flags);
		return -1;
	}
#else
	(void)sigpipe_begin;
#endif
	return 0;
}

static void guard_end(int fd, struct guard *g)
{
	int saved = errno;

	if (g->sigpipe_blocked) {
		sigset_t pipe_set, pending;
		int sig;
		sigemptyset(&pipe_set);
		sigaddset(&pipe_set, SIGPIPE);
		if (!g->sigpipe_pending && sigpending(&pending) == 0 && sigismember(&pending, SIGPIPE) == 1)
			sigwait(&pipe_set, &sig);
		pthread_sigmask(SIG_SETMASK, &g->old_mask, NULL);
	}
	if (g->restore_flags >= 0)
		fcntl(fd, F_SETFL, g->restore_flags);
	errno = saved;
}

static int send_flags(int flags)
{
	int f = 0;
#if HAVE_DONTWAIT
	f |= MSG_DONTWAIT;
#endif
#if HAVE_NOSIGNAL
	f |= MSG_NOSIGNAL;
#endif
#if HAVE_SEND_MORE
	if (flags & COMPAT_SEND_MORE_FLAG)
		f |= MSG_MORE;
#endif
	(void)flags;
	return f;
}

ssize_t compat_sendmsg(int fd, const struct msghdr *msg, int flags)
{
	struct guard g;
	ssize_t n;

	if (guard_begin(fd, &g) < 0)
		return -1;
	n = sendmsg(fd, msg, send_flags(flags));
	guard_end(fd, &g);
	return n;
}

ssize_t compat_send(int fd, const void *buf, size_t len, int flags)
{
	struct guard g;
	ssize_t n;

	if (guard_begin(fd, &g) < 0)
		return -1;
	n = send(fd, buf, len, send_flags(flags));
	guard_end(fd, &g);
	return n;
}

ssize_t compat_recv(int fd, void *buf, size_t len, int flags)
{
#if HAVE_DONTWAIT
	return recv(fd, buf, len, flags | MSG_DONTWAIT);
#else
	struct guard g = { .restore_flags = -1 };
	ssize_t n;

	if (nonblock_begin(fd, &g) < 0)
		return -1;
	n = recv(fd, buf, len, flags);
	guard_end(fd, &g);
	return n;
#endif
}

ssize_t compat_sendfile(int sock, int file_fd, off_t *offset, size_t count)
{
#if HAVE_SENDFILE
	return sendfile(sock, file_fd, offset, count);
#else
	char buf[SENDFILE_BUF];
	size_t want = count < sizeof buf ? count : sizeof buf;
	ssize_t n;

	do
		n = pread(file_fd, buf, want, *offset);
	while (n < 0 && errno == EINTR);
	if (n <= 0)
		return n;
	n = compat_send(sock, buf, (size_t)n, 0);
	if (n > 0)
		*offset += n;
	return n;
#endif
}

/* ---- files -------------------------------------------------------------------------------- */

int compat_open_beneath(int dir_fd, const char *path, int flags)
{
	const char *rel = path[0] != '\0' ? path : ".";
#if HAVE_OPEN_BENEATH && defined(OS_LINUX)
	struct open_how how = {
		.flags = (uint64_t)flags,
		.resolve = RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS,
	};
	return (int)syscall(SYS_openat2, dir_fd, rel, &how, sizeof how);   /* no glibc wrapper */
#elif HAVE_OPEN_BENEATH
	int fd = openat(dir_fd, rel, flags | O_RESOLVE_BENEATH);
	if (fd < 0 && errno == ENOTCAPABLE)
		errno = EXDEV;
	return fd;
#else
	(void)dir_fd;
	(void)rel;
	(void)flags;
	errno = ENOSYS;
	return -1;
#endif
}

int compat_o_path(void)
{
#if HAVE_O_PATH
	return O_PATH;
#else
	return 0;
#endif
}

struct timespec compat_mtime(const struct stat *st)
{
#if defined(OS_MACOS)
	return st->st_mtimespec;
#else
	return st->st_mtim;       /* POSIX.1-2008 */
#endif
}

int compat_dirent_type(const struct dirent *d)
{
#if HAVE_D_TYPE
	switch (d->d_type) {
	case DT_UNKNOWN: return COMPAT_DT_UNKNOWN;
	case DT_DIR: return COMPAT_DT_DIR;
	case DT_LNK: return COMPAT_DT_LNK;
	default: return COMPAT_DT_OTHER;
	}
#else
	(void)d;
	return COMPAT_DT_UNKNOWN;
#endif
}

/* path made absolute into buf. */
static int resolve(const char *path, char *buf, size_t size)
{
	char *real = realpath(path, NULL);
	size_t len = real != NULL ? strlen(real) : 0;
	int ret = -1;

	if (real != NULL && len < size) {
		memcpy(buf, real, len + 1);
		ret = 0;
	} else if (real != NULL) {
		errno = ENAMETOOLONG;
	}
	free(real);
	return ret;
}

/* The shell's search: argv0 with a '/' is a path; without, the first executable in PATH. */
static int exe_from_argv0(char *buf, size_t size, const char *argv0)
{
	const char *path = getenv("PATH");
	char candidate[PATH_MAX];

	if (argv0 == NULL || argv0[0] == '\0') {
		errno = ENOENT;
		return -1;
	}
	if (strchr(argv0, '/') != NULL)
		return resolve(argv0, buf, size);
	for (const char *p = path != NULL ? path : ""; ; p++) {
		size_t n = strcspn(p, ":");
		int len = n == 0 ? snprintf(candidate, sizeof candidate, "./%s", argv0)   /* "": here */
		                 : snprintf(candidate, sizeof candidate, "%.*s/%s", (int)n, p, argv0);
		if (len > 0 && (size_t)len < sizeof candidate && access(candidate, X_OK) == 0)
			return resolve(candidate, buf, size);
		p += n;
		if (*p == '\0')
			break;
	}
	errno = ENOENT;
	return -1;
}

int compat_exe_path(char *buf, size_t size, const char *argv0)
{
#if defined(OS_LINUX)
	ssize_t n = size > 1 ? readlink("/proc/self/exe", buf, size - 1) : -1;
	if (n > 0 && (size_t)n < size - 1) {
		buf[n] = '\0';
		return 0;
	}
#elif defined(OS_MACOS)
	char raw[PATH_MAX];
	uint32_t len = sizeof raw;
	if (_NSGetExecutablePath(raw, &len) == 0 && resolve(raw, buf, size) == 0)
		return 0;     /* the path it was started by, perhaps through a link: resolved */
#elif defined(OS_FREEBSD)
	int mib[4] = { CTL_KERN, KERN_PROC, KERN_PROC_PATHNAME, -1 };
	size_t len = size;
	if (sysctl(mib, 4, buf, &len, NULL, 0) == 0 && len > 1)
		return 0;
#endif
	return exe_from_argv0(buf, size, argv0);
}

/* ---- randomness, threads ------------------------------------------------------------------ */

int compat_random(void *buf, size_t len)
{
	unsigned char *p = buf;

	while (len > 0) {
#if defined(OS_LINUX)
		ssize_t n = getrandom(p, len, 0);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
#else
		size_t n = len < 256 ? len : 256;   /* getentropy's limit per call */
		if (getentropy(p, n) != 0)
			break;
#endif
		p += n;
		len -= (size_t)n;
	}
	if (len == 0)
		return 0;
	errno = EIO;
	return -1;
}

int compat_thread_batch(void)
{
#if HAVE_SCHED_BATCH
	int rc = pthread_setschedparam(pthread_self(), SCHED_BATCH, &(struct sched_param){ 0 });
	if (rc == 0)
		return 0;
	errno = rc;
#else
	errno = ENOTSUP;
#endif
	return -1;
}

bool compat_thread_is_batch(void)
{
#if HAVE_SCHED_BATCH
	struct sched_param param;
	int policy;
	return pthread_getschedparam(pthread_self(), &policy, &param) == 0 && policy == SCHED_BATCH;
#else
	return false;
#endif
}

unsigned compat_cpu_count(void)
{
#ifdef _SC_NPROCESSORS_ONLN
	long n = sysconf(_SC_NPROCESSORS_ONLN);
	return n > 0 && n < 65536 ? (unsigned)n : 1;
#else
	return 1;
#endif
}

int compat_cond_init(pthread_cond_t *cond)
{
#if HAVE_COND_MONOTONIC
	pthread_condattr_t attr;
	int rc = pthread_condattr_init(&attr);

	if (rc != 0)
		return rc;
	rc = pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
	if (rc == 0)
		rc = pthread_cond_init(cond, &attr);
	pthread_condattr_destroy(&attr);
	return rc;
#else
	return pthread_cond_init(cond, NULL);   /* CLOCK_REALTIME: a date change moves deadlines */
#endif
}

struct timespec compat_cond_deadline(unsigned ms)
{
	struct timespec t;

	clock_gettime(HAVE_COND_MONOTONIC ? CLOCK_MONOTONIC : CLOCK_REALTIME, &t);
	t.tv_sec += (time_t)(ms / 1000);
	t.tv_nsec += (long)(ms % 1000) * 1000000L;
	if (t.tv_nsec >= 1000000000L) {
		t.tv_sec++;
		t.tv_nsec -= 1000000000L;
	}
	return t;
}

/* ---- the poller --------------------------------------------------------------------------- */

#if HAVE_EPOLL

struct compat_poller {
	int epfd;
	struct epoll_event ready[POLLER_BATCH];
};

struct compat_poller *compat_poller_new(void)
{
	struct compat_poller *p = malloc(sizeof *p);

	if (p != NULL && (p->epfd = epoll_create1(EPOLL_CLOEXEC)) < 0) {
		free(p);
		p = NULL;
	}
	return p;
}

static int epoll_set(struct compat_poller *p, int op, int fd, unsigned events, void *data)
{
	struct epoll_event ev = { .data.ptr = data };

	ev.events = (events & COMPAT_POLL_IN ? EPOLLIN : 0) | (events & COMPAT_POLL_OUT ? EPOLLOUT : 0);
	return epoll_ctl(p->epfd, op, fd, &ev);
}

int compat_poller_add(struct compat_poller *p, int fd, unsigned events, void *data)
{
	return epoll_set(p, EPOLL_CTL_ADD, fd, events, data);
}

int compat_poller_modify(struct compat_poller *p, int fd, unsigned events, void *data)
{
	return epoll_set(p, EPOLL_CTL_MOD, fd, events, data);
}

int compat_poller_remove(struct compat_poller *p, int fd)
{
	return epoll_ctl(p->epfd, EPOLL_CTL_DEL, fd, &(struct epoll_event){ 0 });
}

int compat_poller_wait(struct compat_poller *p, struct compat_event *out, int max, int timeout_ms)
{
	int k = epoll_wait(p->epfd, p->ready, max < POLLER_BATCH ? max : POLLER_BATCH, timeout_ms);

	for (int i = 0; i < k; i++) {
		uint32_t e = p->ready[i].events;
		out[i].data = p->ready[i].data.ptr;
		out[i].events = (e & EPOLLIN ? COMPAT_POLL_IN : 0) | (e & EPOLLOUT ? COMPAT_POLL_OUT : 0) |
		                (e & (EPOLLERR | EPOLLHUP) ? COMPAT_POLL_ERR : 0);
	}
	return k;
}

void compat_poller_free(struct compat_poller *p)
{
	if (p != NULL)
		close(p->epfd);
	free(p);
}

#else

/* An array for poll(), the data beside it, and each fd's place in both (-1: not watched). */
struct compat_poller {
	struct pollfd *fds;
	void **data;
	size_t n, cap;
	int *slot;
	size_t slot_cap;
	size_t start;            /* where the next wait starts looking: every fd gets its turn */
};

struct compat_poller *compat_poller_new(void)
{
	return calloc(1, sizeof(struct compat_poller));
}

static short poll_events(unsigned events)
{
	return (short)((events & COMPAT_POLL_IN ? POLLIN : 0) | (events & COMPAT_POLL_OUT ? POLLOUT : 0));
}

static int slot_of(const struct compat_poller *p, int fd)
{
	return fd >= 0 && (size_t)fd < p->slot_cap ? p->slot[fd] : -1;
}

/* Room for one more fd, and a slot entry for fd. */
static int poller_grow(struct compat_poller *p, int fd)
{
	if ((size_t)fd >= p->slot_cap) {
		size_t cap = p->slot_cap ? p->slot_cap : 64;
		while (cap <= (size_t)fd)
			cap *= 2;
		int *slot = realloc(p->slot, cap * sizeof *slot);
		if (slot == NULL)
			return -1;
		for (size_t i = p->slot_cap; i < cap; i++)
			slot[i] = -1;
		p->slot = slot;
		p->slot_cap = cap;
	}
	if (p->n == p->cap) {
		size_t cap = p->cap ? 2 * p->cap : 64;
		struct pollfd *fds = realloc(p->fds, cap * sizeof *fds);
		if (fds != NULL)
			p->fds = fds;
		void **data = fds != NULL ? realloc(p->data, cap * sizeof *data) : NULL;
		if (data == NULL)
			return -1;
		p->data = data;
		p->cap = cap;
	}
	return 0;
}

int compat_poller_add(struct compat_poller *p, int fd, unsigned events, void *data)
{
	if (fd < 0 || fd == INT_MAX) {
		errno = EBADF;
		return -1;
	}
	if (slot_of(p, fd) >= 0) {
		errno = EEXIST;
		return -1;
	}
	if (poller_grow(p, fd) < 0)
		return -1;
	p->fds[p->n] = (struct pollfd){ .fd = fd, .events = poll_events(events) };
	p->data[p->n] = data;
	p->slot[fd] = (int)p->n++;
	return 0;
}

int compat_poller_modify(struct compat_poller *p, int fd, unsigned events, void *data)
{
	int i = slot_of(p, fd);

	if (i < 0) {
		errno = ENOENT;
		return -1;
	}
	p->fds[i].events = poll_events(events);
	p->data[i] = data;
	return 0;
}

int compat_poller_remove(struct compat_poller *p, int fd)
{
	int i = slot_of(p, fd);

	if (i < 0) {
		errno = ENOENT;
		return -1;
	}
	p->n--;
	p->fds[i] = p->fds[p->n];          /* the last one takes its place */
	p->data[i] = p->data[p->n];
	p->slot[p->fds[i].fd] = i;
	p->slot[fd] = -1;
	return 0;
}

int compat_poller_wait(struct compat_poller *p, struct compat_event *out, int max, int timeout_ms)
{
	int k = poll(p->fds, (nfds_t)p->n, timeout_ms), got = 0;

	for (size_t j = 0; k > 0 && j < p->n && got < max; j++) {
		size_t i = (p->start + j) % p->n;
		short e = p->fds[i].revents;
		if (e == 0)
			continue;
		out[got].data = p->data[i];
		out[got++].events = (e & POLLIN ? COMPAT_POLL_IN : 0u) | (e & POLLOUT ? COMPAT_POLL_OUT : 0u) |
		                    (e & (POLLERR | POLLHUP | POLLNVAL) ? COMPAT_POLL_ERR : 0u);
	}
	if (p->n > 0)
		p->start = (p->start + 1) % p->n;
	return k < 0 ? -1 : got;
}

void compat_poller_free(struct compat_poller *p)
{
	if (p == NULL)
		return;
	free(p->fds);
	free(p->data);
	free(p->slot);
	free(p);
}

#endif
