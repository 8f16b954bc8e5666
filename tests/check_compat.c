// SPDX-License-Identifier: MIT
/*
 * Unit tests for common/base/compat.c: the contract of each call, whichever way this build keeps
 * it (the Linux call, or with PORTABLE=1 the POSIX fallback, which is what macOS and FreeBSD
 * run): close-on-exec sockets, sends that never block nor raise SIGPIPE and leave the socket as
 * they found it, a sendfile that moves its offset, an open that cannot leave its folder, the
 * program's own path, random bytes, the thread policy, condvar deadlines, and the poller. Each
 * test that depends on a feature asks compat_has() which side it is on; with PORTABLE=1 every
 * feature must be off. Check forks each test, so signal dispositions start fresh in every one.
 */
#include "base/compat.h"

#include <check.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

static int sv[2] = { -1, -1 };
static char dir[64];

static void pair_setup(void)
{
	ck_assert_int_eq(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
}

static void pair_teardown(void)
{
	for (int i = 0; i < 2; i++)
		if (sv[i] >= 0)
			close(sv[i]);
	sv[0] = sv[1] = -1;
}

static bool blocking(int fd)
{
	return (fcntl(fd, F_GETFL) & O_NONBLOCK) == 0;
}

static bool cloexec(int fd)
{
	return (fcntl(fd, F_GETFD) & FD_CLOEXEC) != 0;
}

/* ---- what the build uses -------------------------------------------------------------------- */

START_TEST(test_features)
{
	for (int f = 0; f < COMPAT_FEATURES; f++) {
		ck_assert_ptr_nonnull(compat_feature_name(f));
		if (COMPAT_PORTABLE)
			ck_assert_msg(!compat_has(f), "PORTABLE=1 uses %s", compat_feature_name(f));
	}
	ck_assert(!compat_has(COMPAT_FEATURES));
}
END_TEST

/* ---- sockets -------------------------------------------------------------------------------- */

START_TEST(test_socket_and_accept_are_cloexec)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t len = sizeof a;
	int l = compat_socket(AF_INET, SOCK_STREAM, 0);

	ck_assert_int_ge(l, 0);
	ck_assert(cloexec(l));
	ck_assert_int_eq(bind(l, (struct sockaddr *)&a, sizeof a), 0);
	ck_assert_int_eq(listen(l, 1), 0);
	ck_assert_int_eq(getsockname(l, (struct sockaddr *)&a, &len), 0);
	int c = socket(AF_INET, SOCK_STREAM, 0);
	ck_assert_int_eq(connect(c, (struct sockaddr *)&a, sizeof a), 0);
	struct sockaddr_storage peer;
	len = sizeof peer;
	int s = compat_accept(l, (struct sockaddr *)&peer, &len);
	ck_assert_int_ge(s, 0);
	ck_assert(cloexec(s));
	ck_assert_int_eq(peer.ss_family, AF_INET);
	close(s);
	close(c);
	close(l);
}
END_TEST

/* A blocking socket whose buffer is full: EAGAIN at once, and the socket still blocking after. */
START_TEST(test_send_never_blocks)
{
	static char chunk[65536];
	ssize_t n;
	int sends = 0;

	ck_assert(blocking(sv[0]));
	while ((n = compat_send(sv[0], chunk, sizeof chunk, 0)) > 0 && sends < 10000)
		sends++;
	ck_assert_int_eq(n, -1);
	ck_assert(errno == EAGAIN || errno == EWOULDBLOCK);
	ck_assert_msg(blocking(sv[0]), "the socket was left non-blocking");
	struct iovec iov = { chunk, sizeof chunk };
	struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1 };
	ck_assert_int_eq(compat_sendmsg(sv[0], &msg, COMPAT_SEND_MORE_FLAG), -1);
	ck_assert(errno == EAGAIN || errno == EWOULDBLOCK);
	ck_assert(blocking(sv[0]));
}
END_TEST

/* With SIGPIPE at its default action (kill), a send to a vanished peer is EPIPE. */
START_TEST(test_send_to_vanished_peer_is_epipe)
{
	struct iovec iov = { "x", 1 };
	struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1 };
	sigset_t pending;

	signal(SIGPIPE, SIG_DFL);
	close(sv[1]);
	sv[1] = -1;
	errno = 0;
	ck_assert_int_eq(compat_send(sv[0], "x", 1, 0), -1);
	ck_assert_int_eq(errno, EPIPE);
	ck_assert_int_eq(compat_sendmsg(sv[0], &msg, 0), -1);
	ck_assert_int_eq(errno, EPIPE);
	ck_assert_int_eq(sigpending(&pending), 0);
	ck_assert_msg(sigismember(&pending, SIGPIPE) == 0, "a SIGPIPE is left pending");
	/* Ignored, as every program has it (stop_setup): the same. */
	signal(SIGPIPE, SIG_IGN);
	ck_assert_int_eq(compat_send(sv[0], "x", 1, 0), -1);
	ck_assert_int_eq(errno, EPIPE);
}
END_TEST

/* A SIGPIPE the caller has pending already stays pending: only the send's own is taken. */
START_TEST(test_send_keeps_a_pending_sigpipe)
{
	sigset_t pipe_set, pending;

	sigemptyset(&pipe_set);
	sigaddset(&pipe_set, SIGPIPE);
	signal(SIGPIPE, SIG_DFL);
	ck_assert_int_eq(pthread_sigmask(SIG_BLOCK, &pipe_set, NULL), 0);
	ck_assert_int_eq(raise(SIGPIPE), 0);
	close(sv[1]);
	sv[1] = -1;
	ck_assert_int_eq(compat_send(sv[0], "x", 1, 0), -1);
	ck_assert_int_eq(errno, EPIPE);
	ck_assert_int_eq(sigpending(&pending), 0);
	ck_assert(sigismember(&pending, SIGPIPE) == 1);
	int sig;
	ck_assert_int_eq(sigwait(&pipe_set, &sig), 0);
}
END_TEST

/* Not a socket: ENOTSOCK, and its flags (shared with whoever holds the pipe) never touched. */
START_TEST(test_send_to_a_pipe)
{
	int p[2];

	ck_assert_int_eq(pipe(p), 0);
	errno = 0;
	ck_assert_int_eq(compat_send(p[1], "x", 1, 0), -1);
	ck_assert_int_eq(errno, ENOTSOCK);
	ck_assert(blocking(p[1]));
	close(p[0]);
	close(p[1]);
}
END_TEST

/* "More follows" changes when bytes leave, never whether or in what order they arrive. */
START_TEST(test_send_more_then_rest)
{
	char buf[16] = "";
	size_t have = 0;

	ck_assert_int_eq(compat_send(sv[0], "head,", 5, COMPAT_SEND_MORE_FLAG), 5);
	ck_assert_int_eq(compat_send(sv[0], "body", 4, 0), 4);
	while (have < 9) {
		ssize_t n = read(sv[1], buf + have, sizeof buf - 1 - have);
		ck_assert_int_gt(n, 0);
		have += (size_t)n;
	}
	ck_assert_str_eq(buf, "head,body");
}
END_TEST

START_TEST(test_recv_never_blocks)
{
	char buf[8];

	ck_assert_int_eq(compat_recv(sv[0], buf, sizeof buf, 0), -1);
	ck_assert(errno == EAGAIN || errno == EWOULDBLOCK);
	ck_assert(blocking(sv[0]));
	ck_assert_int_eq(write(sv[1], "abc", 3), 3);
	ck_assert_int_eq(compat_recv(sv[0], buf, sizeof buf, MSG_PEEK), 3);   /* left in place */
	ck_assert_int_eq(compat_recv(sv[0], buf, sizeof buf, 0), 3);
	ck_assert_int_eq(memcmp(buf, "abc", 3), 0);
	ck_assert(blocking(sv[0]));
}
END_TEST

/* ---- sendfile ------------------------------------------------------------------------------- */

#define FILE_SIZE 100000

static int file_with_pattern(void)
{
	char path[] = "/tmp/check_compat.XXXXXX";
	int fd = mkstemp(path);
	static unsigned char data[FILE_SIZE];

	ck_assert_int_ge(fd, 0);
	unlink(path);
	for (size_t i = 0; i < sizeof data; i++)
		data[i] = (unsigned char)(i * 7 + i / 251);
	ck_assert_int_eq(write(fd, data, sizeof data), (ssize_t)sizeof data);
	return fd;
}

START_TEST(test_sendfile_moves_the_offset)
{
	static unsigned char got[FILE_SIZE];
	int file = file_with_pattern();
	off_t offset = 1000;
	size_t want = FILE_SIZE - 1000, sent = 0, have = 0;

	ck_assert_int_eq(fcntl(sv[0], F_SETFL, O_NONBLOCK), 0);
	while (sent < want) {
		ssize_t n = compat_sendfile(sv[0], file, &offset, want - sent);
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {   /* full: drain some */
			ssize_t r = read(sv[1], got + have, sizeof got - have);
			ck_assert_int_gt(r, 0);
			have += (size_t)r;
			continue;
		}
		ck_assert_int_gt(n, 0);
		sent += (size_t)n;
		ck_assert_int_eq(offset, (off_t)(1000 + sent));
	}
	ck_assert_int_eq(compat_sendfile(sv[0], file, &offset, 10), 0);   /* the end of the file */
	while (have < want) {
		ssize_t r = read(sv[1], got + have, sizeof got - have);
		ck_assert_int_gt(r, 0);
		have += (size_t)r;
	}
	for (size_t i = 0; i < want; i++)
		ck_assert_msg(got[i] == (unsigned char)((i + 1000) * 7 + (i + 1000) / 251), "byte %zu", i);
	close(file);
}
END_TEST

/* ---- files ---------------------------------------------------------------------------------- */

static void dir_setup(void)
{
	char path[128];

	snprintf(dir, sizeof dir, "/tmp/check_compat.XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(path, sizeof path, "%s/sub", dir);
	ck_assert_int_eq(mkdir(path, 0755), 0);
	snprintf(path, sizeof path, "%s/sub/file", dir);
	FILE *f = fopen(path, "w");
	ck_assert_ptr_nonnull(f);
	fputs("inside", f);
	fclose(f);
	snprintf(path, sizeof path, "%s/sub/up", dir);
	ck_assert_int_eq(symlink("../..", path), 0);
	snprintf(path, sizeof path, "%s/sub/abs", dir);
	ck_assert_int_eq(symlink("/etc", path), 0);
	snprintf(path, sizeof path, "%s/sub/in", dir);
	ck_assert_int_eq(symlink("file", path), 0);
}

static void dir_teardown(void)
{
	static const char *const names[] = { "sub/file", "sub/up", "sub/abs", "sub/in" };
	char path[128];

	for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
		snprintf(path, sizeof path, "%s/%s", dir, names[i]);
		unlink(path);
	}
	snprintf(path, sizeof path, "%s/sub", dir);
	rmdir(path);
	rmdir(dir);
}

struct beneath_row {
	const char *path;
	int err;               /* 0: opens */
	const char *why;
};

static const struct beneath_row beneath_rows[] = {
	{ "sub/file", 0, "a file inside" },
	{ "sub/in", 0, "a link that stays inside" },
	{ "", 0, "the folder itself" },
	{ "sub/../sub/file", 0, "\"..\" that stays inside" },
	{ "../x", EXDEV, "\"..\" above the folder" },
	{ "sub/up/x", EXDEV, "a link that climbs out" },
	{ "sub/abs/passwd", EXDEV, "an absolute link" },
	{ "/etc/passwd", EXDEV, "an absolute path" },
	{ "sub/none", ENOENT, "a missing file" },
};

START_TEST(test_open_beneath)
{
	const struct beneath_row *r = &beneath_rows[_i];
	int root = open(dir, O_RDONLY | O_DIRECTORY);

	ck_assert_int_ge(root, 0);
	errno = 0;
	int fd = compat_open_beneath(root, r->path, O_RDONLY | O_CLOEXEC);
	if (!compat_has(COMPAT_OPEN_BENEATH)) {
		ck_assert_msg(fd == -1 && errno == ENOSYS, "row %d (%s): the fallback is ENOSYS", _i,
		              r->why);
	} else if (fd != -1 || errno != ENOSYS) {   /* ENOSYS: an old kernel, valgrind */
		ck_assert_msg(r->err == 0 ? fd >= 0 : fd == -1 && errno == r->err,
		              "row %d (%s): fd %d errno %d", _i, r->why, fd, errno);
	}
	if (fd >= 0)
		close(fd);
	close(root);
}
END_TEST

START_TEST(test_o_path)
{
	int flag = compat_o_path();
	struct stat st;
	char c;

	ck_assert_int_eq(flag != 0, compat_has(COMPAT_O_PATH));
	if (flag == 0)
		return;
	int fd = open(dir, flag | O_CLOEXEC);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(fstat(fd, &st), 0);
	ck_assert(S_ISDIR(st.st_mode));
	ck_assert_int_eq(read(fd, &c, 1), -1);   /* opened, not for reading */
	int file = openat(fd, "sub/file", O_RDONLY);   /* and a folder to open from */
	ck_assert_int_ge(file, 0);
	close(file);
	close(fd);
}
END_TEST

START_TEST(test_mtime)
{
	char path[128];
	struct stat st;
	const struct timespec times[2] = { { 1000000000, 0 }, { 1234567890, 123456789 } };

	snprintf(path, sizeof path, "%s/sub/file", dir);
	ck_assert_int_eq(utimensat(AT_FDCWD, path, times, 0), 0);
	ck_assert_int_eq(stat(path, &st), 0);
	struct timespec m = compat_mtime(&st);
	ck_assert_int_eq(m.tv_sec, 1234567890);
	ck_assert_int_eq(m.tv_sec, st.st_mtime);
	ck_assert_int_eq(m.tv_nsec, 123456789);   /* tmpfs and ext4 keep nanoseconds */
}
END_TEST

START_TEST(test_dirent_type)
{
	char path[128];
	DIR *d;
	struct dirent *e;
	int seen = 0;

	snprintf(path, sizeof path, "%s/sub", dir);
	d = opendir(path);
	ck_assert_ptr_nonnull(d);
	while ((e = readdir(d)) != NULL) {
		int type = compat_dirent_type(e), want = COMPAT_DT_OTHER;
		if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
			want = COMPAT_DT_DIR;
		else if (strcmp(e->d_name, "file") != 0)
			want = COMPAT_DT_LNK;
		if (compat_has(COMPAT_D_TYPE))
			ck_assert_msg(type == want || type == COMPAT_DT_UNKNOWN, "%s: %d", e->d_name, type);
		else
			ck_assert_int_eq(type, COMPAT_DT_UNKNOWN);   /* the caller stats */
		seen++;
	}
	closedir(d);
	ck_assert_int_eq(seen, 6);
}
END_TEST

/* Whether path names the same file as /bin/sh (a link there resolved: Debian's is dash). */
static bool is_sh(const char *path)
{
	struct stat a, b;

	return stat(path, &a) == 0 && stat("/bin/sh", &b) == 0 && a.st_dev == b.st_dev &&
	       a.st_ino == b.st_ino;
}

/* The fallback's rules, from argv[0]; a system that names the file itself ignores argv[0]. */
START_TEST(test_exe_path)
{
	char buf[PATH_MAX];
	struct stat st;

	ck_assert_int_eq(compat_exe_path(buf, sizeof buf, "/bin/sh"), 0);
	ck_assert_msg(buf[0] == '/' && access(buf, X_OK) == 0, "not a program: %s", buf);
	ck_assert_int_eq(lstat(buf, &st), 0);
	ck_assert_msg(!S_ISLNK(st.st_mode), "a link, not resolved: %s", buf);
	if (compat_has(COMPAT_EXE_PATH)) {
		ck_assert_msg(!is_sh(buf), "the shell, not this runner: %s", buf);
		return;
	}
	ck_assert_msg(is_sh(buf), "a path, made absolute: %s", buf);
	setenv("PATH", "/nonexistent::/bin", 1);
	ck_assert_int_eq(compat_exe_path(buf, sizeof buf, "sh"), 0);   /* a name: found in PATH */
	ck_assert_msg(buf[0] == '/' && is_sh(buf), "from PATH: %s", buf);
	errno = 0;
	ck_assert_int_eq(compat_exe_path(buf, sizeof buf, "no-such-program-here"), -1);
	ck_assert_int_eq(errno, ENOENT);
	ck_assert_int_eq(compat_exe_path(buf, sizeof buf, ""), -1);
	ck_assert_int_eq(compat_exe_path(buf, 4, "/bin/sh"), -1);
	ck_assert_int_eq(errno, ENAMETOOLONG);
}
END_TEST

/* ---- randomness, threads -------------------------------------------------------------------- */

START_TEST(test_random)
{
	unsigned char a[1000], b[1000];   /* past getentropy's 256 bytes a call */

	memset(a, 0, sizeof a);
	memset(b, 0, sizeof b);
	ck_assert_int_eq(compat_random(a, sizeof a), 0);
	ck_assert_int_eq(compat_random(b, sizeof b), 0);
	ck_assert(memcmp(a, b, sizeof a) != 0);
	ck_assert(memcmp(a + 900, (unsigned char[100]){ 0 }, 100) != 0);   /* the end was filled */
	ck_assert_int_eq(compat_random(a, 0), 0);
}
END_TEST

START_TEST(test_thread_batch)
{
	ck_assert(!compat_thread_is_batch());
	errno = 0;
	if (compat_has(COMPAT_SCHED_BATCH)) {
		ck_assert_int_eq(compat_thread_batch(), 0);
		ck_assert(compat_thread_is_batch());
	} else {
		ck_assert_int_eq(compat_thread_batch(), -1);
		ck_assert_int_eq(errno, ENOTSUP);
		ck_assert(!compat_thread_is_batch());
	}
	ck_assert_uint_ge(compat_cpu_count(), 1);
}
END_TEST

START_TEST(test_cond_deadline)
{
	pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
	pthread_cond_t cond;
	struct timespec t0, t1;

	ck_assert_int_eq(compat_cond_init(&cond), 0);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	struct timespec until = compat_cond_deadline(100);
	pthread_mutex_lock(&lock);
	int rc;
	while ((rc = pthread_cond_timedwait(&cond, &lock, &until)) == 0)
		continue;   /* a spurious wake-up */
	pthread_mutex_unlock(&lock);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	ck_assert_int_eq(rc, ETIMEDOUT);
	long ms = (long)(t1.tv_sec - t0.tv_sec) * 1000 + (t1.tv_nsec - t0.tv_nsec) / 1000000;
	ck_assert_msg(ms >= 95 && ms < 2000, "waited %ld ms for 100", ms);
	struct timespec far = compat_cond_deadline(1999);   /* the nanoseconds carry */
	ck_assert(far.tv_nsec >= 0 && far.tv_nsec < 1000000000L);
	pthread_cond_destroy(&cond);
}
END_TEST

/* ---- the poller ----------------------------------------------------------------------------- */

START_TEST(test_poller)
{
	struct compat_poller *p = compat_poller_new();
	struct compat_event ev[4];
	int other[2], a = 1, b = 2;

	ck_assert_ptr_nonnull(p);
	ck_assert_int_eq(socketpair(AF_UNIX, SOCK_STREAM, 0, other), 0);
	ck_assert_int_eq(compat_poller_add(p, sv[0], COMPAT_POLL_IN, &a), 0);
	ck_assert_int_eq(compat_poller_add(p, other[0], COMPAT_POLL_IN, &b), 0);
	ck_assert_int_eq(compat_poller_add(p, sv[0], COMPAT_POLL_IN, &a), -1);
	ck_assert_int_eq(errno, EEXIST);
	ck_assert_int_eq(compat_poller_wait(p, ev, 4, 50), 0);            /* nothing yet */
	ck_assert_int_eq(write(other[1], "x", 1), 1);
	ck_assert_int_eq(compat_poller_wait(p, ev, 4, 1000), 1);
	ck_assert_ptr_eq(ev[0].data, &b);
	ck_assert_uint_eq(ev[0].events & COMPAT_POLL_IN, COMPAT_POLL_IN);
	ck_assert_int_eq(compat_poller_modify(p, sv[0], COMPAT_POLL_IN | COMPAT_POLL_OUT, &a), 0);
	ck_assert_int_eq(compat_poller_remove(p, other[0]), 0);            /* still readable */
	ck_assert_int_eq(compat_poller_wait(p, ev, 4, 1000), 1);
	ck_assert_ptr_eq(ev[0].data, &a);
	ck_assert_uint_eq(ev[0].events, COMPAT_POLL_OUT);
	ck_assert_int_eq(compat_poller_modify(p, other[0], COMPAT_POLL_IN, &b), -1);
	ck_assert_int_eq(errno, ENOENT);
	ck_assert_int_eq(compat_poller_remove(p, other[0]), -1);
	ck_assert_int_eq(compat_poller_modify(p, sv[0], COMPAT_POLL_IN, &a), 0);
	close(sv[1]);                                                       /* a hang-up */
	sv[1] = -1;
	ck_assert_int_eq(compat_poller_wait(p, ev, 4, 1000), 1);
	ck_assert_msg(ev[0].events & (COMPAT_POLL_IN | COMPAT_POLL_ERR), "events %u", ev[0].events);
	compat_poller_free(p);
	close(other[0]);
	close(other[1]);
}
END_TEST

/* Many fds, a few at a time: every ready one is reported within a few waits. */
START_TEST(test_poller_many)
{
	enum { N = 200 };
	int fds[N][2], seen[N] = { 0 }, total = 0;
	struct compat_poller *p = compat_poller_new();
	struct compat_event ev[16];

	for (int i = 0; i < N; i++) {
		ck_assert_int_eq(socketpair(AF_UNIX, SOCK_STREAM, 0, fds[i]), 0);
		ck_assert_int_eq(compat_poller_add(p, fds[i][0], COMPAT_POLL_IN, &seen[i]), 0);
		ck_assert_int_eq(write(fds[i][1], "x", 1), 1);
	}
	for (int round = 0; round < 100 && total < N; round++) {
		int k = compat_poller_wait(p, ev, 16, 1000);
		ck_assert_int_gt(k, 0);
		ck_assert_int_le(k, 16);
		for (int i = 0; i < k; i++) {
			int *s = ev[i].data;
			int fd = fds[s - seen][0];
			char c;
			ck_assert_int_eq(read(fd, &c, 1), 1);   /* no longer ready */
			ck_assert_int_eq(compat_poller_remove(p, fd), 0);
			total += (*s)++ == 0;
		}
	}
	ck_assert_int_eq(total, N);
	for (int i = 0; i < N; i++) {
		close(fds[i][0]);
		close(fds[i][1]);
	}
	compat_poller_free(p);
}
END_TEST

Suite *suite_compat(void);
Suite *suite_compat(void)
{
	Suite *s = suite_create("compat");
	TCase *tc;

	tc = tcase_create("what the build uses");
	tcase_add_test(tc, test_features);
	suite_add_tcase(s, tc);

	tc = tcase_create("sockets");
	tcase_add_checked_fixture(tc, pair_setup, pair_teardown);
	tcase_add_test(tc, test_socket_and_accept_are_cloexec);
	tcase_add_test(tc, test_send_never_blocks);
	tcase_add_test(tc, test_send_to_vanished_peer_is_epipe);
	tcase_add_test(tc, test_send_keeps_a_pending_sigpipe);
	tcase_add_test(tc, test_send_to_a_pipe);
	tcase_add_test(tc, test_send_more_then_rest);
	tcase_add_test(tc, test_recv_never_blocks);
	tcase_add_test(tc, test_sendfile_moves_the_offset);
	suite_add_tcase(s, tc);

	tc = tcase_create("files");
	tcase_add_checked_fixture(tc, dir_setup, dir_teardown);
	tcase_add_loop_test(tc, test_open_beneath, 0,
	                    (int)(sizeof beneath_rows / sizeof beneath_rows[0]));
	tcase_add_test(tc, test_o_path);
	tcase_add_test(tc, test_mtime);
	tcase_add_test(tc, test_dirent_type);
	tcase_add_test(tc, test_exe_path);
	suite_add_tcase(s, tc);

	tc = tcase_create("randomness and threads");
	tcase_add_test(tc, test_random);
	tcase_add_test(tc, test_thread_batch);
	tcase_add_test(tc, test_cond_deadline);
	suite_add_tcase(s, tc);

	tc = tcase_create("the poller");
	tcase_add_checked_fixture(tc, pair_setup, pair_teardown);
	tcase_add_test(tc, test_poller);
	tcase_add_test(tc, test_poller_many);
	suite_add_tcase(s, tc);
	return s;
}
