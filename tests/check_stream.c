// SPDX-License-Identifier: MIT
/*
 * Unit tests for common/tls/stream.c on plain TCP (io.c's send and sendfile loops beneath it)
 * over a socketpair, a checked fixture with a temp file: the read deadline, write-all and
 * writev-all through a tiny send buffer, sendfile of a file range (Linux sends files to a
 * socketpair too), a range past EOF giving EIO, offsets past 4 GiB in a sparse file, and bytes
 * written with MSG_MORE held back until the file body after them on a real TCP socket. The TLS
 * half is tested in check_tls.c.
 */

#include <check.h>
#include <errno.h>
#include <limits.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "base/compat.h"
#include "base/io.h"
#include "base/net.h"
#include "base/stop.h"
#include "tls/stream.h"

static int sv[2] = { -1, -1 };   /* sv[0]: the stream's side; sv[1]: the peer */
static int file_fd = -1;
static struct stream st;

#define FILE_SIZE (1u << 20)

static unsigned char pattern_at(uint64_t i)
{
	return (unsigned char)((i * 131u) ^ (i >> 11));
}

static void setup(void)
{
	static unsigned char data[FILE_SIZE];
	char path[] = "/tmp/check_stream_XXXXXX";
	ck_assert_int_eq(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	file_fd = mkstemp(path);
	ck_assert_int_ge(file_fd, 0);
	unlink(path);
	for (size_t i = 0; i < FILE_SIZE; i++)
		data[i] = pattern_at(i);
	ck_assert_int_eq(io_write_all(file_fd, data, FILE_SIZE), FILE_SIZE);
	stream_init_plain(&st, sv[0]);
	signal(SIGPIPE, SIG_IGN);   /* sendfile has no MSG_NOSIGNAL; stop_setup does this */
}

static void teardown(void)
{
	for (int i = 0; i < 2; i++)
		if (sv[i] >= 0)
			close(sv[i]);
	sv[0] = sv[1] = -1;
	close(file_fd);
	file_fd = -1;
}

/* Reads the peer side to EOF, checking bytes against the pattern from start. */
struct sink {
	uint64_t start, total;
	bool same;
};

static void *sink_main(void *arg)
{
	struct sink *k = arg;
	unsigned char buf[5000];
	ssize_t n;
	k->same = true;
	while ((n = read(sv[1], buf, sizeof buf)) > 0) {
		for (ssize_t i = 0; i < n; i++)
			k->same = k->same && buf[i] == pattern_at(k->start + k->total + (uint64_t)i);
		k->total += (uint64_t)n;
	}
	return NULL;
}

static void start_sink(pthread_t *t, struct sink *k, uint64_t start)
{
	*k = (struct sink){ .start = start };
	ck_assert_int_eq(setsockopt(sv[0], SOL_SOCKET, SO_SNDBUF, &(int){ 2048 }, sizeof(int)), 0);
	ck_assert_int_eq(pthread_create(t, NULL, sink_main, k), 0);
}

static void end_sink(pthread_t t)
{
	shutdown(sv[0], SHUT_WR);
	pthread_join(t, NULL);
}

START_TEST(test_read_deadline)
{
	char buf[8];
	st.deadline_ms = io_now_ms() + 100;
	errno = 0;
	ck_assert_int_eq(stream_read(&st, buf, sizeof buf), -1);
	ck_assert_int_eq(errno, ETIMEDOUT);
	ck_assert_int_ge(io_now_ms(), st.deadline_ms);
	ck_assert_int_eq(write(sv[1], "GET", 3), 3);
	st.deadline_ms = io_now_ms() + 1000;
	ck_assert_int_eq(stream_read(&st, buf, sizeof buf), 3);
	st.deadline_ms = -1;
	close(sv[1]);
	sv[1] = -1;
	ck_assert_int_eq(stream_read(&st, buf, sizeof buf), 0);
}
END_TEST

START_TEST(test_write_all_through_tiny_buffer)
{
	unsigned char *data = malloc(FILE_SIZE);
	pthread_t t;
	struct sink k;
	ck_assert_ptr_nonnull(data);
	for (size_t i = 0; i < FILE_SIZE; i++)
		data[i] = pattern_at(i);
	start_sink(&t, &k, 0);
	ck_assert_int_eq(stream_write_all(&st, data, FILE_SIZE), FILE_SIZE);
	end_sink(t);
	ck_assert_uint_eq(k.total, FILE_SIZE);
	ck_assert(k.same);
	free(data);
}
END_TEST

/* Many entries of odd sizes, empty ones included, each short write resumed mid-entry. */
START_TEST(test_writev_all_in_order)
{
	enum { PARTS = 40 };
	static unsigned char data[FILE_SIZE];
	struct iovec iov[PARTS];
	pthread_t t;
	struct sink k;
	size_t pos = 0;
	for (size_t i = 0; i < FILE_SIZE; i++)
		data[i] = pattern_at(i);
	for (int i = 0; i < PARTS; i++) {
		size_t len = i % 5 == 0 ? 0 : (size_t)(i * 997) % 40000;
		iov[i] = (struct iovec){ .iov_base = data + pos, .iov_len = len };
		pos += len;
	}
	start_sink(&t, &k, 0);
	ck_assert_int_eq(stream_writev_all(&st, iov, PARTS), (ssize_t)pos);
	end_sink(t);
	ck_assert_uint_eq(k.total, pos);
	ck_assert(k.same);
}
END_TEST

struct range_row {
	uint64_t offset, count;
	const char *why;
};

static const struct range_row ranges[] = {
	{ 0, FILE_SIZE, "the whole file" },
	{ 1000, 500000, "a range in the middle" },
	{ FILE_SIZE - 1, 1, "the last byte" },
	{ 12345, 0, "an empty range sends nothing" },
};

START_TEST(test_send_file_range)
{
	const struct range_row *row = &ranges[_i];
	pthread_t t;
	struct sink k;
	start_sink(&t, &k, row->offset);
	ssize_t n = stream_send_file(&st, file_fd, (off_t)row->offset, row->count);
	end_sink(t);
	ck_assert_msg(n == (ssize_t)row->count, "row %d (%s): returned %zd", _i, row->why, n);
	ck_assert_msg(k.total == row->count && k.same, "row %d (%s): peer got %llu bytes%s", _i,
	              row->why, (unsigned long long)k.total, k.same ? "" : ", wrong ones");
}
END_TEST

/* The file shrank under a promised Content-Length: what exists is sent, then EIO. */
START_TEST(test_send_file_past_eof_is_eio)
{
	pthread_t t;
	struct sink k;
	errno = 0;
	ck_assert_int_eq(stream_send_file(&st, file_fd, FILE_SIZE, 1), -1);   /* at EOF */
	ck_assert_int_eq(errno, EIO);
	start_sink(&t, &k, FILE_SIZE - 100);
	errno = 0;
	ssize_t n = stream_send_file(&st, file_fd, FILE_SIZE - 100, 200);
	int err = errno;
	end_sink(t);
	ck_assert_int_eq(n, -1);
	ck_assert_int_eq(err, EIO);
	ck_assert_uint_eq(k.total, 100);
	ck_assert(k.same);
}
END_TEST

START_TEST(test_send_file_to_vanished_peer_is_epipe)
{
	close(sv[1]);
	sv[1] = -1;
	errno = 0;
	ck_assert_int_eq(stream_send_file(&st, file_fd, 0, FILE_SIZE), -1);
	ck_assert_int_eq(errno, EPIPE);
}
END_TEST

/* A connected loopback TCP pair: *client and the accepted *server. */
static void tcp_pair(int *client, int *server)
{
	char err[256];
	struct net_addr addr;
	struct sockaddr_in sin = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	int lfd = net_listen("127.0.0.1", 0, err, sizeof err);
	ck_assert_msg(lfd >= 0, "%s", err);
	ck_assert_int_eq(net_local_addr(lfd, &addr), 0);
	sin.sin_port = htons((uint16_t)addr.port);
	*client = socket(AF_INET, SOCK_STREAM, 0);
	ck_assert_int_eq(connect(*client, (struct sockaddr *)&sin, sizeof sin), 0);
	*server = accept(lfd, NULL, NULL);
	ck_assert_int_ge(*server, 0);
	close(lfd);
}

/* A head written "with more to follow" does not leave on its own, even with TCP_NODELAY (as
 * the HTTP engine sets it): it waits for the file body, and both arrive, in order. A build
 * without MSG_MORE (PORTABLE=1, macOS) sends the head at once: only the order is its contract. */
START_TEST(test_writev_more_waits_for_the_body)
{
	enum { OFFSET = 100, COUNT = 5000 };
	static unsigned char got[COUNT + 8];
	struct iovec iov[2] = { { "HE", 2 }, { "AD\r\n", 4 } };
	int client, server;
	size_t have = 0;
	tcp_pair(&client, &server);
	ck_assert_int_eq(setsockopt(server, IPPROTO_TCP, TCP_NODELAY, &(int){ 1 }, sizeof(int)), 0);
	struct stream tcp;
	stream_init_plain(&tcp, server);
	ck_assert_int_eq(stream_writev_more(&tcp, iov, 2), 6);
	struct pollfd p = { .fd = client, .events = POLLIN };
	int ready = poll(&p, 1, 100);
	if (compat_has(COMPAT_SEND_MORE))
		ck_assert_msg(ready == 0, "the held bytes left alone");
	ck_assert_int_eq(stream_send_file(&tcp, file_fd, OFFSET, COUNT), COUNT);
	while (have < COUNT + 6) {
		ssize_t n = io_read_deadline(client, got + have, sizeof got - have, io_now_ms() + 5000);
		ck_assert_int_gt(n, 0);
		have += (size_t)n;
	}
	ck_assert_int_eq(memcmp(got, "HEAD\r\n", 6), 0);
	for (size_t i = 0; i < COUNT; i++)
		ck_assert_msg(got[6 + i] == pattern_at(OFFSET + i), "byte %zu of the body", i);
	close(client);
	close(server);
}
END_TEST

/* The send timeout of the stalled-client tests, and the buffers that make stalling quick. */
#define SEND_TIMEOUT_MS 300
#define SMALL_BUFFER 4096

/* A TCP pair with small buffers whose server side, as a stream, gives up after SEND_TIMEOUT_MS
 * without the client taking a byte. */
static void stalled_pair(int *client, int *server, struct stream *tcp)
{
	tcp_pair(client, server);
	ck_assert_int_eq(setsockopt(*client, SOL_SOCKET, SO_RCVBUF, &(int){ SMALL_BUFFER }, sizeof(int)), 0);
	ck_assert_int_eq(setsockopt(*server, SOL_SOCKET, SO_SNDBUF, &(int){ SMALL_BUFFER },
	                            sizeof(int)), 0);
	ck_assert_int_eq(io_set_timeouts(*server, 0, SEND_TIMEOUT_MS), 0);
	ck_assert_int_eq(stream_init_plain(tcp, *server), 0);
}

/* A client that stops reading fails the send with ETIMEDOUT one send timeout after its buffers
 * fill, not a timeout per sendfile() batch inside the kernel (that was about four). */
START_TEST(test_send_file_to_stalled_peer_times_out)
{
	int client, server;
	struct stream tcp;
	stalled_pair(&client, &server, &tcp);
	int64_t start = io_now_ms();
	errno = 0;
	ck_assert_int_eq(stream_send_file(&tcp, file_fd, 0, FILE_SIZE), -1);
	ck_assert_int_eq(errno, ETIMEDOUT);
	int64_t took = io_now_ms() - start;
	ck_assert_msg(took >= SEND_TIMEOUT_MS && took < 3 * SEND_TIMEOUT_MS,
	              "gave up after %lld ms, the timeout is %d ms", (long long)took, SEND_TIMEOUT_MS);
	close(client);
	close(server);
}
END_TEST

/* Reads SLOW_TOTAL bytes in small sips with pauses shorter than the send timeout. */
#define SLOW_TOTAL (64 * 1024)
static void *slow_reader_main(void *arg)
{
	int fd = *(int *)arg;
	char buf[SMALL_BUFFER];
	size_t got = 0;
	while (got < SLOW_TOTAL) {
		poll(NULL, 0, SEND_TIMEOUT_MS / 3);
		ssize_t n = read(fd, buf, sizeof buf);
		if (n <= 0)
			break;
		got += (size_t)n;
	}
	return (void *)(uintptr_t)got;
}

/* A slow client is not a stalled one: each sip restarts the clock, so the whole body arrives
 * although it takes several send timeouts. */
START_TEST(test_send_file_to_slow_peer_completes)
{
	int client, server;
	struct stream tcp;
	pthread_t t;
	void *got;
	stalled_pair(&client, &server, &tcp);
	ck_assert_int_eq(pthread_create(&t, NULL, slow_reader_main, &client), 0);
	int64_t start = io_now_ms();
	ck_assert_int_eq(stream_send_file(&tcp, file_fd, 0, SLOW_TOTAL), SLOW_TOTAL);
	pthread_join(t, &got);
	ck_assert_uint_eq((uintptr_t)got, SLOW_TOTAL);
	ck_assert_int_gt(io_now_ms() - start, SEND_TIMEOUT_MS);   /* it did outlast one timeout */
	close(client);
	close(server);
}
END_TEST

/* On a socket that is not TCP (the tests' socketpairs) the flag changes nothing. */
START_TEST(test_writev_more_on_socketpair)
{
	char buf[8] = { 0 };
	struct iovec iov[1] = { { "abc", 3 } };
	ck_assert_int_eq(stream_writev_more(&st, iov, 1), 3);
	ck_assert_int_eq(io_read_deadline(sv[1], buf, sizeof buf, io_now_ms() + 5000), 3);
	ck_assert_str_eq(buf, "abc");
}
END_TEST

/* The TLS half (s->tls set) is tested over a real handshake in check_tls.c. */

/* ---- limits --------------------------------------------------------------------------------- */

/* Offsets past 4 GiB: a sparse file with a marker near 5 GiB. */
START_TEST(test_send_file_large_offset)
{
	const off_t far = ((off_t)5 << 30) + 7;
	char buf[16] = { 0 };
	ck_assert_int_eq(pwrite(file_fd, "far marker", 10, far), 10);
	ck_assert_int_eq(stream_send_file(&st, file_fd, far, 10), 10);
	ck_assert_int_eq(read(sv[1], buf, sizeof buf), 10);
	ck_assert_str_eq(buf, "far marker");
}
END_TEST

START_TEST(test_send_file_bad_arguments)
{
	errno = 0;
	ck_assert_int_eq(stream_send_file(&st, file_fd, -1, 1), -1);
	ck_assert_int_eq(errno, EINVAL);
	errno = 0;
	ck_assert_int_eq(stream_send_file(&st, file_fd, 0, (uint64_t)SSIZE_MAX + 1), -1);
	ck_assert_int_eq(errno, EINVAL);
}
END_TEST

/* More entries than one sendmsg() accepts (1024 on Linux): sent in batches, in order. */
START_TEST(test_writev_more_than_iov_max)
{
	enum { PARTS = 3000 };
	static struct iovec iov[PARTS];
	static unsigned char data[PARTS];
	pthread_t t;
	struct sink k;
	for (int i = 0; i < PARTS; i++) {
		data[i] = pattern_at((uint64_t)i);
		iov[i] = (struct iovec){ .iov_base = &data[i], .iov_len = 1 };
	}
	start_sink(&t, &k, 0);
	ck_assert_int_eq(stream_writev_all(&st, iov, PARTS), PARTS);
	end_sink(t);
	ck_assert_uint_eq(k.total, PARTS);
	ck_assert(k.same);
}
END_TEST

START_TEST(test_writev_empty)
{
	struct iovec iov[2] = { { .iov_base = NULL, .iov_len = 0 }, { .iov_base = NULL } };
	ck_assert_int_eq(stream_writev_all(&st, iov, 2), 0);
	ck_assert_int_eq(stream_writev_all(&st, iov, 0), 0);
}
END_TEST

Suite *suite_stream(void);
Suite *suite_stream(void)
{
	Suite *s = suite_create("stream");
	TCase *tc = tcase_create("read_and_write");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_read_deadline);
	tcase_add_test(tc, test_write_all_through_tiny_buffer);
	tcase_add_test(tc, test_writev_all_in_order);
	tcase_add_test(tc, test_writev_more_waits_for_the_body);
	tcase_add_test(tc, test_writev_more_on_socketpair);
	tcase_set_timeout(tc, 30);
	suite_add_tcase(s, tc);
	tc = tcase_create("send_file");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_loop_test(tc, test_send_file_range, 0, (int)(sizeof ranges / sizeof ranges[0]));
	tcase_add_test(tc, test_send_file_past_eof_is_eio);
	tcase_add_test(tc, test_send_file_to_vanished_peer_is_epipe);
	tcase_add_test(tc, test_send_file_to_stalled_peer_times_out);
	tcase_add_test(tc, test_send_file_to_slow_peer_completes);
	tcase_set_timeout(tc, 30);
	suite_add_tcase(s, tc);
	tc = tcase_create("limits");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_send_file_large_offset);
	tcase_add_test(tc, test_send_file_bad_arguments);
	tcase_add_test(tc, test_writev_more_than_iov_max);
	tcase_add_test(tc, test_writev_empty);
	tcase_set_timeout(tc, 30);
	suite_add_tcase(s, tc);
	return s;
}
