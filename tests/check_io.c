// SPDX-License-Identifier: MIT
/*
 * Unit tests for common/base/io.c over a socketpair (a checked fixture): write-all through a tiny
 * send buffer while a timer signal interrupts it (short counts and EINTR), EPIPE instead of
 * SIGPIPE, timeouts as ETIMEDOUT, the EINTR rule around stop_requested(), the _stoppable calls
 * that see a stop within one slice even when no signal interrupts them, TCP_NODELAY, and the
 * lingering close, with its byte limit exactly reached and one over.
 */
#include <check.h>
#include <errno.h>
#include <limits.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include "base/io.h"
#include "base/net.h"
#include "base/stop.h"

static int sv[2] = { -1, -1 };   /* sv[0]: the side under test; sv[1]: the peer */

static void pair_setup(void)
{
	ck_assert_int_eq(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
}

static void pair_teardown(void)
{
	if (sv[0] >= 0)
		close(sv[0]);
	if (sv[1] >= 0)
		close(sv[1]);
	sv[0] = sv[1] = -1;
}

static void sleep_ms(long ms)
{
	struct timespec ts = { .tv_sec = ms / 1000, .tv_nsec = (ms % 1000) * 1000000L };
	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		continue;
}

/* A timer signal every period_us, without SA_RESTART, so blocking calls see EINTR. */
static volatile sig_atomic_t ticks;

static void on_tick(int sig)
{
	(void)sig;
	ticks = ticks + 1;
}

static void start_ticks(long period_us)
{
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_tick;
	sigemptyset(&sa.sa_mask);
	ck_assert_int_eq(sigaction(SIGALRM, &sa, NULL), 0);
	struct itimerval it = { { 0, period_us }, { 0, period_us } };
	ck_assert_int_eq(setitimer(ITIMER_REAL, &it, NULL), 0);
}

static void stop_ticks(void)
{
	struct itimerval off;
	memset(&off, 0, sizeof off);
	setitimer(ITIMER_REAL, &off, NULL);
}

/* Threads made with SIGALRM blocked, so the timer interrupts the thread under test. */
static void start_thread_quiet(pthread_t *t, void *(*fn)(void *), void *arg)
{
	sigset_t block, old;
	sigemptyset(&block);
	sigaddset(&block, SIGALRM);
	pthread_sigmask(SIG_BLOCK, &block, &old);
	ck_assert_int_eq(pthread_create(t, NULL, fn, arg), 0);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
}

/* A tiny kernel send buffer (SO_SNDBUF), so that writes come back short. */
static void set_send_buffer(int fd, int bytes)
{
	ck_assert_int_eq(setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &bytes, sizeof bytes), 0);
}

#define BIG (4u << 20)

static unsigned char pattern_at(size_t i)
{
	return (unsigned char)((i * 131u) ^ (i >> 13));
}

/* Reads until EOF in small pieces; returns (void *)1 if every byte matched and BIG arrived. */
static void *slow_reader(void *arg)
{
	(void)arg;
	unsigned char buf[3000];
	size_t total = 0;
	bool ok = true;
	ssize_t n;
	while ((n = read(sv[1], buf, sizeof buf)) > 0) {
		for (ssize_t k = 0; k < n; k++)
			ok = ok && buf[k] == pattern_at(total + (size_t)k);
		total += (size_t)n;
	}
	return (void *)(uintptr_t)(ok && total == BIG);
}

START_TEST(test_write_all_tiny_buffer_with_signals)
{
	unsigned char *data = malloc(BIG);
	pthread_t reader;
	void *result;
	ck_assert_ptr_nonnull(data);
	for (size_t i = 0; i < BIG; i++)
		data[i] = pattern_at(i);
	set_send_buffer(sv[0], 1024);
	start_thread_quiet(&reader, slow_reader, NULL);
	start_ticks(500);
	ssize_t n = io_write_all(sv[0], data, BIG);
	stop_ticks();
	ck_assert_int_eq(n, BIG);
	ck_assert_msg(ticks > 0, "the timer never interrupted the writer");
	shutdown(sv[0], SHUT_WR);
	pthread_join(reader, &result);
	ck_assert_msg(result == (void *)1, "the reader saw different bytes");
	free(data);
}
END_TEST

START_TEST(test_write_all_to_pipe)
{
	int p[2];
	char buf[16] = { 0 };
	ck_assert_int_eq(pipe(p), 0);
	ck_assert_int_eq(io_write_all(p[1], "not a socket", 12), 12);
	ck_assert_int_eq(read(p[0], buf, sizeof buf), 12);
	ck_assert_str_eq(buf, "not a socket");
	close(p[0]);
	close(p[1]);
}
END_TEST

/* With SIGPIPE at its default (kill), only a send that cannot raise it keeps this test process
 * alive: MSG_NOSIGNAL, or compat.c's fallback (SIGPIPE blocked for the call). */
START_TEST(test_write_all_vanished_peer_is_epipe)
{
	signal(SIGPIPE, SIG_DFL);
	close(sv[1]);
	sv[1] = -1;
	errno = 0;
	ck_assert_int_eq(io_write_all(sv[0], "x", 1), -1);
	ck_assert_int_eq(errno, EPIPE);
}
END_TEST

START_TEST(test_write_all_send_timeout)
{
	static char chunk[1 << 16];
	ck_assert_int_eq(io_set_timeouts(sv[0], 0, 50), 0);
	int64_t start = io_now_ms();
	ssize_t n = 0;
	for (int i = 0; i < 200 && n >= 0; i++)   /* the peer never reads: the buffer fills */
		n = io_write_all(sv[0], chunk, sizeof chunk);
	ck_assert_int_eq(n, -1);
	ck_assert_int_eq(errno, ETIMEDOUT);
	ck_assert_int_lt(io_now_ms() - start, 10000);
}
END_TEST

START_TEST(test_read_deadline_times_out)
{
	char buf[8];
	int64_t start = io_now_ms();
	errno = 0;
	ck_assert_int_eq(io_read_deadline(sv[0], buf, sizeof buf, start + 100), -1);
	ck_assert_int_eq(errno, ETIMEDOUT);
	int64_t took = io_now_ms() - start;
	ck_assert_msg(took >= 99 && took < 3000, "timed out after %lld ms", (long long)took);
}
END_TEST

START_TEST(test_read_deadline_returns_data_and_eof)
{
	char buf[8];
	ck_assert_int_eq(write(sv[1], "abc", 3), 3);
	ck_assert_int_eq(io_read_deadline(sv[0], buf, sizeof buf, io_now_ms() + 1000), 3);
	ck_assert_int_eq(memcmp(buf, "abc", 3), 0);
	ck_assert_int_eq(write(sv[1], "d", 1), 1);
	ck_assert_int_eq(io_read_deadline(sv[0], buf, sizeof buf, -1), 1);   /* no deadline */
	close(sv[1]);
	sv[1] = -1;
	ck_assert_int_eq(io_read_deadline(sv[0], buf, sizeof buf, io_now_ms() + 1000), 0);
}
END_TEST

/* A deadline that passed still returns data that is already there. */
START_TEST(test_read_deadline_passed_with_data)
{
	char buf[8];
	ck_assert_int_eq(write(sv[1], "z", 1), 1);
	ck_assert_int_eq(io_read_deadline(sv[0], buf, sizeof buf, io_now_ms() - 10), 1);
	errno = 0;
	ck_assert_int_eq(io_read_deadline(sv[0], buf, sizeof buf, io_now_ms() - 10), -1);
	ck_assert_int_eq(errno, ETIMEDOUT);
}
END_TEST

START_TEST(test_read_some_receive_timeout)
{
	char buf[8];
	ck_assert_int_eq(io_set_timeouts(sv[0], 50, 0), 0);
	errno = 0;
	ck_assert_int_eq(io_read_some(sv[0], buf, sizeof buf), -1);
	ck_assert_int_eq(errno, ETIMEDOUT);
}
END_TEST

static void *write_late(void *arg)
{
	sleep_ms(150);
	ck_assert_int_eq(write(sv[1], arg, strlen(arg)), (ssize_t)strlen(arg));
	return NULL;
}

/* The timer interrupts the read several times; each EINTR is retried until the data comes. */
START_TEST(test_read_retries_eintr)
{
	pthread_t t;
	char buf[8];
	start_thread_quiet(&t, write_late, "late");
	start_ticks(20000);
	ssize_t n = io_read_some(sv[0], buf, sizeof buf);
	stop_ticks();
	pthread_join(t, NULL);
	ck_assert_int_eq(n, 4);
	ck_assert_msg(ticks >= 2, "only %d interruptions", (int)ticks);
}
END_TEST

/* Once a stop is requested, EINTR reaches the caller: Ctrl-C ends echo's blocking read. */
START_TEST(test_eintr_after_stop_request_fails)
{
	char buf[8];
	stop_request();
	start_ticks(50000);
	errno = 0;
	ssize_t n = io_read_some(sv[0], buf, sizeof buf);
	int err = errno;
	errno = 0;
	ssize_t m = io_read_deadline(sv[0], buf, sizeof buf, io_now_ms() + 5000);
	stop_ticks();
	ck_assert_int_eq(n, -1);
	ck_assert_int_eq(err, EINTR);
	ck_assert_int_eq(m, -1);
	ck_assert_int_eq(errno, EINTR);
}
END_TEST

/* ---- the stoppable calls -------------------------------------------------------------------- */

/* A stop requested by another thread, without a signal: nothing interrupts a blocked call. */
static void *stop_later(void *arg)
{
	sleep_ms((long)(intptr_t)arg);
	stop_request();
	return NULL;
}

/* Run fn on sv[0] while another thread requests a stop after 100 ms; returns how long fn took. */
static int64_t time_until_stopped(ssize_t (*fn)(int fd, void *buf, size_t len), void *buf,
                                  size_t len, ssize_t *result, int *err)
{
	pthread_t t;
	int64_t start = io_now_ms();
	ck_assert_int_eq(pthread_create(&t, NULL, stop_later, (void *)(intptr_t)100), 0);
	errno = 0;
	*result = fn(sv[0], buf, len);
	*err = errno;
	pthread_join(t, NULL);
	return io_now_ms() - start;
}

static ssize_t write_all_stoppable(int fd, void *buf, size_t len)
{
	return io_write_all_stoppable(fd, buf, len);
}

START_TEST(test_read_stoppable_returns_data_and_eof)
{
	char buf[8];
	ck_assert_int_eq(write(sv[1], "abc", 3), 3);
	ck_assert_int_eq(io_read_stoppable(sv[0], buf, sizeof buf), 3);
	ck_assert_int_eq(memcmp(buf, "abc", 3), 0);
	close(sv[1]);
	sv[1] = -1;
	ck_assert_int_eq(io_read_stoppable(sv[0], buf, sizeof buf), 0);
}
END_TEST

/* Other signals (the timer) interrupt the wait; it goes on until the data comes, 150 ms later. */
START_TEST(test_read_stoppable_retries_other_signals)
{
	pthread_t t;
	char buf[8];
	start_thread_quiet(&t, write_late, "late");
	start_ticks(20000);
	ssize_t n = io_read_stoppable(sv[0], buf, sizeof buf);
	stop_ticks();
	pthread_join(t, NULL);
	ck_assert_int_eq(n, 4);
	ck_assert_int_eq(memcmp(buf, "late", 4), 0);
	ck_assert_msg(ticks >= 2, "only %d interruptions", (int)ticks);
}
END_TEST

/* The bug this fixes: a stop that interrupts no system call. io_read_some would wait for the
 * client forever; the stoppable read sees the flag at the end of its slice. */
START_TEST(test_read_stoppable_sees_a_stop_without_a_signal)
{
	char buf[8];
	ssize_t n;
	int err;
	int64_t took = time_until_stopped(io_read_stoppable, buf, sizeof buf, &n, &err);
	ck_assert_int_eq(n, -1);
	ck_assert_int_eq(err, EINTR);
	ck_assert_msg(took >= 99 && took < 100 + STOP_SLICE_MS + 300, "took %lld ms",
	              (long long)took);
}
END_TEST

/* Once a stop is requested, the call does not start, even with data waiting. */
START_TEST(test_stoppable_calls_fail_after_a_stop)
{
	char buf[8];
	ck_assert_int_eq(write(sv[1], "abc", 3), 3);
	stop_request();
	errno = 0;
	ck_assert_int_eq(io_read_stoppable(sv[0], buf, sizeof buf), -1);
	ck_assert_int_eq(errno, EINTR);
	errno = 0;
	ck_assert_int_eq(io_write_all_stoppable(sv[0], "x", 1), -1);
	ck_assert_int_eq(errno, EINTR);
	ck_assert_int_eq(io_read_some(sv[0], buf, sizeof buf), 3);   /* the plain call still reads */
}
END_TEST

/* As the plain write: every byte through a tiny buffer, short counts and timer signals. */
START_TEST(test_write_stoppable_tiny_buffer_with_signals)
{
	unsigned char *data = malloc(BIG);
	pthread_t reader;
	void *result;
	ck_assert_ptr_nonnull(data);
	for (size_t i = 0; i < BIG; i++)
		data[i] = pattern_at(i);
	set_send_buffer(sv[0], 1024);
	start_thread_quiet(&reader, slow_reader, NULL);
	start_ticks(500);
	ssize_t n = io_write_all_stoppable(sv[0], data, BIG);
	stop_ticks();
	ck_assert_int_eq(n, BIG);
	shutdown(sv[0], SHUT_WR);
	pthread_join(reader, &result);
	ck_assert_msg(result == (void *)1, "the reader saw different bytes");
	free(data);
}
END_TEST

/* A client that never reads: the buffers fill, and only the stop ends the write. */
START_TEST(test_write_stoppable_sees_a_stop_without_a_signal)
{
	static char chunk[8 << 20];
	ssize_t n;
	int err;
	int64_t took = time_until_stopped(write_all_stoppable, chunk, sizeof chunk, &n, &err);
	ck_assert_int_eq(n, -1);
	ck_assert_int_eq(err, EINTR);
	ck_assert_msg(took >= 99 && took < 100 + STOP_SLICE_MS + 300, "took %lld ms",
	              (long long)took);
}
END_TEST

START_TEST(test_write_stoppable_vanished_peer_is_epipe)
{
	signal(SIGPIPE, SIG_DFL);
	close(sv[1]);
	sv[1] = -1;
	errno = 0;
	ck_assert_int_eq(io_write_all_stoppable(sv[0], "x", 1), -1);
	ck_assert_int_eq(errno, EPIPE);
}
END_TEST

/* ---- socket options and the lingering close ------------------------------------------------ */

START_TEST(test_set_nodelay)
{
	int fd = socket(AF_INET, SOCK_STREAM, 0), on = 0;
	socklen_t size = sizeof on;
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(io_set_nodelay(fd), 0);
	ck_assert_int_eq(getsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &on, &size), 0);
	ck_assert_int_ne(on, 0);
	close(fd);
	ck_assert_int_eq(io_set_nodelay(fd), -1);   /* closed */
}
END_TEST

/* The client's unread request body is dropped, it sees our FIN (EOF), then closes: 0. */
START_TEST(test_linger_drains_until_the_client_closes)
{
	char buf[8];
	ck_assert_int_eq(write(sv[1], "unread body", 11), 11);
	ck_assert_int_eq(shutdown(sv[1], SHUT_WR), 0);
	ck_assert_int_eq(io_linger(sv[0], 1000, 1000), 0);
	ck_assert_int_eq(read(sv[1], buf, sizeof buf), 0);   /* the half-close reached the client */
}
END_TEST

START_TEST(test_linger_gives_up_after_ms)
{
	char buf[8];
	int64_t start = io_now_ms();
	errno = 0;
	ck_assert_int_eq(io_linger(sv[0], 100, 1000), -1);   /* the client never closes */
	ck_assert_int_eq(errno, ETIMEDOUT);
	int64_t took = io_now_ms() - start;
	ck_assert_msg(took >= 99 && took < 3000, "took %lld ms", (long long)took);
	ck_assert_int_eq(read(sv[1], buf, sizeof buf), 0);
}
END_TEST

/* ---- limits --------------------------------------------------------------------------------- */

START_TEST(test_write_all_edge_counts)
{
	char c;
	ck_assert_int_eq(io_write_all(sv[0], "", 0), 0);
	errno = 0;
	ck_assert_int_eq(io_write_all(sv[0], &c, (size_t)SSIZE_MAX + 1), -1);
	ck_assert_int_eq(errno, EINVAL);
	errno = 0;
	ck_assert_int_eq(io_write_all(-1, "x", 1), -1);
	ck_assert_int_eq(errno, EBADF);
}
END_TEST

/* The client sends max - 1 bytes, then closes: drained. max bytes: given up (EMSGSIZE). */
START_TEST(test_linger_max_exactly_and_one_over)
{
	static char junk[4096];
	size_t max = sizeof junk;
	ck_assert_int_eq(io_write_all(sv[1], junk, max - 1), (ssize_t)(max - 1));
	ck_assert_int_eq(shutdown(sv[1], SHUT_WR), 0);
	ck_assert_int_eq(io_linger(sv[0], 1000, max), 0);
	pair_teardown();
	pair_setup();
	ck_assert_int_eq(io_write_all(sv[1], junk, max), (ssize_t)max);
	ck_assert_int_eq(shutdown(sv[1], SHUT_WR), 0);
	errno = 0;
	ck_assert_int_eq(io_linger(sv[0], 1000, max), -1);
	ck_assert_int_eq(errno, EMSGSIZE);
}
END_TEST

START_TEST(test_now_ms_is_monotonic_milliseconds)
{
	int64_t a = io_now_ms();
	sleep_ms(30);
	int64_t b = io_now_ms();
	ck_assert_int_ge(b - a, 29);
	ck_assert_int_lt(b - a, 3000);
}
END_TEST

Suite *suite_io(void);
Suite *suite_io(void)
{
	Suite *s = suite_create("io");
	TCase *tc = tcase_create("write_all");
	tcase_add_checked_fixture(tc, pair_setup, pair_teardown);
	tcase_add_test(tc, test_write_all_tiny_buffer_with_signals);
	tcase_add_test(tc, test_write_all_to_pipe);
	tcase_add_test(tc, test_write_all_vanished_peer_is_epipe);
	tcase_add_test(tc, test_write_all_send_timeout);
	tcase_set_timeout(tc, 30);
	suite_add_tcase(s, tc);
	tc = tcase_create("reads_and_timeouts");
	tcase_add_checked_fixture(tc, pair_setup, pair_teardown);
	tcase_add_test(tc, test_read_deadline_times_out);
	tcase_add_test(tc, test_read_deadline_returns_data_and_eof);
	tcase_add_test(tc, test_read_deadline_passed_with_data);
	tcase_add_test(tc, test_read_some_receive_timeout);
	tcase_add_test(tc, test_read_retries_eintr);
	tcase_add_test(tc, test_eintr_after_stop_request_fails);
	tcase_set_timeout(tc, 30);
	suite_add_tcase(s, tc);
	tc = tcase_create("stoppable");
	tcase_add_checked_fixture(tc, pair_setup, pair_teardown);
	tcase_add_test(tc, test_read_stoppable_returns_data_and_eof);
	tcase_add_test(tc, test_read_stoppable_retries_other_signals);
	tcase_add_test(tc, test_read_stoppable_sees_a_stop_without_a_signal);
	tcase_add_test(tc, test_stoppable_calls_fail_after_a_stop);
	tcase_add_test(tc, test_write_stoppable_tiny_buffer_with_signals);
	tcase_add_test(tc, test_write_stoppable_sees_a_stop_without_a_signal);
	tcase_add_test(tc, test_write_stoppable_vanished_peer_is_epipe);
	tcase_set_timeout(tc, 30);
	suite_add_tcase(s, tc);
	tc = tcase_create("nodelay_and_linger");
	tcase_add_checked_fixture(tc, pair_setup, pair_teardown);
	tcase_add_test(tc, test_set_nodelay);
	tcase_add_test(tc, test_linger_drains_until_the_client_closes);
	tcase_add_test(tc, test_linger_gives_up_after_ms);
	tcase_set_timeout(tc, 30);
	suite_add_tcase(s, tc);
	tc = tcase_create("limits");
	tcase_add_checked_fixture(tc, pair_setup, pair_teardown);
	tcase_add_test(tc, test_write_all_edge_counts);
	tcase_add_test(tc, test_linger_max_exactly_and_one_over);
	tcase_add_test(tc, test_now_ms_is_monotonic_milliseconds);
	tcase_set_timeout(tc, 30);
	suite_add_tcase(s, tc);
	return s;
}
