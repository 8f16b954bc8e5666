// SPDX-License-Identifier: MIT
/*
 * Unit tests for common/net.c over real loopback sockets, always on port 0: the listener and its
 * real port, the clear "port in use" line, address text for IPv4, IPv6 and v4-mapped peers, the
 * stop flag, and the thread-per-client server: echo, client ids, the live-client cap and reject(),
 * and a stop that wakes idle clients and, after the grace period, clients stuck in send().
 * Check forks each test, so the process-wide stop flag starts clear in every one.
 */
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "base/clients.h"
#include "base/compat.h"
#include "base/io.h"
#include "base/net.h"
#include "base/net_serve.h"
#include "base/stop.h"

static void sleep_ms(long ms)
{
	struct timespec ts = { .tv_sec = ms / 1000, .tv_nsec = (ms % 1000) * 1000000L };
	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		continue;
}

static int listen_local(unsigned *port)
{
	char err[256];
	struct net_addr addr;
	int fd = net_listen("127.0.0.1", 0, err, sizeof err);
	ck_assert_msg(fd >= 0, "%s", err);
	ck_assert_int_eq(net_local_addr(fd, &addr), 0);
	*port = addr.port;
	return fd;
}

static int connect_to(const char *host, unsigned port)
{
	struct sockaddr_storage ss;
	socklen_t len;
	memset(&ss, 0, sizeof ss);
	struct sockaddr_in *in4 = (struct sockaddr_in *)&ss;
	struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)&ss;
	if (inet_pton(AF_INET, host, &in4->sin_addr) == 1) {
		in4->sin_family = AF_INET;
		in4->sin_port = htons((uint16_t)port);
		len = sizeof *in4;
	} else {
		ck_assert_int_eq(inet_pton(AF_INET6, host, &in6->sin6_addr), 1);
		in6->sin6_family = AF_INET6;
		in6->sin6_port = htons((uint16_t)port);
		len = sizeof *in6;
	}
	int fd = socket(ss.ss_family, SOCK_STREAM, 0);
	ck_assert_int_ge(fd, 0);
	if (connect(fd, (struct sockaddr *)&ss, len) < 0) {
		close(fd);
		return -1;
	}
	return fd;
}

/* ---- listening ------------------------------------------------------------------------------ */

START_TEST(test_listen_port0_reports_real_port)
{
	unsigned port;
	struct net_addr addr;
	int fd = listen_local(&port);
	ck_assert_uint_ne(port, 0);
	ck_assert_int_eq(net_local_addr(fd, &addr), 0);
	ck_assert_str_eq(addr.host, "127.0.0.1");
	ck_assert(!addr.ipv6);
	ck_assert_int_ne(fcntl(fd, F_GETFD) & FD_CLOEXEC, 0);
	int c = connect_to("127.0.0.1", port);
	ck_assert_int_ge(c, 0);
	close(c);
	close(fd);
}
END_TEST

START_TEST(test_listen_ipv6_loopback)
{
	char err[256];
	struct net_addr addr;
	int fd = net_listen("::1", 0, err, sizeof err);
	ck_assert_msg(fd >= 0, "%s", err);
	ck_assert_int_eq(net_local_addr(fd, &addr), 0);
	ck_assert_str_eq(addr.host, "::1");
	ck_assert(addr.ipv6);
	int c = connect_to("::1", addr.port);
	ck_assert_int_ge(c, 0);
	close(c);
	close(fd);
}
END_TEST

/* All interfaces is dual-stack "::": an IPv4 client arrives as a v4-mapped address. */
START_TEST(test_listen_all_interfaces_dual_stack)
{
	char err[256];
	struct net_addr addr, peer;
	struct sockaddr_storage ss;
	socklen_t len;
	int fd = net_listen(NULL, 0, err, sizeof err);
	ck_assert_msg(fd >= 0, "%s", err);
	ck_assert_int_eq(net_local_addr(fd, &addr), 0);
	ck_assert_str_eq(addr.host, "::");
	int c = connect_to("127.0.0.1", addr.port);
	ck_assert_int_ge(c, 0);
	int s = net_accept(fd, &ss, &len);
	ck_assert_int_ge(s, 0);
	ck_assert_int_eq(net_addr_from((struct sockaddr *)&ss, len, &peer), 0);
	ck_assert_str_eq(peer.host, "::ffff:127.0.0.1");
	close(s);
	close(c);
	close(fd);
	fd = net_listen("", 0, err, sizeof err);   /* "" means the same as NULL */
	ck_assert_int_eq(net_local_addr(fd, &addr), 0);
	ck_assert_str_eq(addr.host, "::");
	close(fd);
}
END_TEST

START_TEST(test_port_in_use_is_one_clear_line)
{
	unsigned port;
	char err[256], want[256];
	int fd = listen_local(&port);
	errno = 0;
	ck_assert_int_eq(net_listen("127.0.0.1", port, err, sizeof err), -1);
	ck_assert_int_eq(errno, EADDRINUSE);
	snprintf(want, sizeof want, "cannot listen on 127.0.0.1 port %u: Address already in use "
	         "(another server is using it: stop it, or choose another port)", port);
	ck_assert_str_eq(err, want);
	close(fd);
}
END_TEST

START_TEST(test_address_not_on_this_machine)
{
	char err[256];
	errno = 0;
	ck_assert_int_eq(net_listen("192.0.2.1", 0, err, sizeof err), -1);   /* TEST-NET-1 */
	ck_assert_int_eq(errno, EADDRNOTAVAIL);
	ck_assert_str_eq(err, "cannot listen on 192.0.2.1 port 0: Cannot assign requested address");
}
END_TEST

struct addr_row {
	int family;
	const char *ip;
	unsigned port;
	const char *host;   /* NULL: must fail with EAFNOSUPPORT */
	bool ipv6;
};

static const struct addr_row addr_rows[] = {
	{ AF_INET, "127.0.0.1", 8761, "127.0.0.1", false },
	{ AF_INET, "255.255.255.255", 65535, "255.255.255.255", false },
	{ AF_INET6, "::1", 8761, "::1", true },
	{ AF_INET6, "::ffff:10.0.0.7", 80, "::ffff:10.0.0.7", true },
	{ AF_INET6, "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", 1,
	  "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", true },
	{ AF_UNIX, "", 0, NULL, false },
};

START_TEST(test_addr_from)
{
	const struct addr_row *row = &addr_rows[_i];
	struct sockaddr_storage ss;
	struct net_addr out;
	socklen_t len = sizeof(struct sockaddr_in6);
	memset(&ss, 0, sizeof ss);
	ss.ss_family = (sa_family_t)row->family;
	if (row->family == AF_INET) {
		struct sockaddr_in *in4 = (struct sockaddr_in *)&ss;
		ck_assert_int_eq(inet_pton(AF_INET, row->ip, &in4->sin_addr), 1);
		in4->sin_port = htons((uint16_t)row->port);
		len = sizeof *in4;
	} else if (row->family == AF_INET6) {
		struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)&ss;
		ck_assert_int_eq(inet_pton(AF_INET6, row->ip, &in6->sin6_addr), 1);
		in6->sin6_port = htons((uint16_t)row->port);
	}
	int rc = net_addr_from((struct sockaddr *)&ss, len, &out);
	if (row->host == NULL) {
		ck_assert_msg(rc == -1 && errno == EAFNOSUPPORT, "row %d: family %d accepted", _i,
		              row->family);
		return;
	}
	ck_assert_msg(rc == 0, "row %d (%s) failed", _i, row->ip);
	ck_assert_msg(strcmp(out.host, row->host) == 0 && out.port == row->port &&
	              out.ipv6 == row->ipv6, "row %d: got %s port %u ipv6 %d", _i, out.host,
	              out.port, out.ipv6);
}
END_TEST

/* ---- process set-up and accept -------------------------------------------------------------- */

START_TEST(test_init_process)
{
	struct rlimit rl;
	struct sigaction sa;
	ck_assert_int_eq(getrlimit(RLIMIT_NOFILE, &rl), 0);
	rl.rlim_cur = rl.rlim_max > 256 ? 256 : rl.rlim_max;
	ck_assert_int_eq(setrlimit(RLIMIT_NOFILE, &rl), 0);
	stop_setup();
	net_raise_fd_limit();
	ck_assert_int_eq(getrlimit(RLIMIT_NOFILE, &rl), 0);
	ck_assert(rl.rlim_cur == rl.rlim_max);
	ck_assert_int_eq(sigaction(SIGPIPE, NULL, &sa), 0);
	ck_assert(sa.sa_handler == SIG_IGN);
	ck_assert_int_eq(sigaction(SIGINT, NULL, &sa), 0);
	ck_assert_int_eq(sa.sa_flags & SA_RESTART, 0);
	ck_assert(!stop_requested());
	raise(SIGTERM);   /* the process survives: the handler only sets the flag */
	ck_assert(stop_requested());
}
END_TEST

START_TEST(test_accept_gives_peer_and_cloexec)
{
	unsigned port;
	struct sockaddr_storage ss;
	socklen_t len;
	struct net_addr peer, mine;
	int fd = listen_local(&port);
	int c = connect_to("127.0.0.1", port);
	int s = net_accept(fd, &ss, &len);
	ck_assert_int_ge(s, 0);
	ck_assert_int_ne(fcntl(s, F_GETFD) & FD_CLOEXEC, 0);
	ck_assert_int_eq(net_addr_from((struct sockaddr *)&ss, len, &peer), 0);
	ck_assert_int_eq(net_local_addr(c, &mine), 0);
	ck_assert_str_eq(peer.host, "127.0.0.1");
	ck_assert_uint_eq(peer.port, mine.port);
	close(s);
	close(c);
	close(fd);
}
END_TEST

static void *stop_later(void *arg)
{
	sleep_ms((long)(intptr_t)arg);
	stop_request();
	return NULL;
}

/* A stop request from another thread (as a signal would) ends a waiting accept promptly. */
START_TEST(test_accept_sees_stop_flag)
{
	unsigned port;
	struct sockaddr_storage ss;
	socklen_t len;
	pthread_t t;
	int fd = listen_local(&port);
	ck_assert_int_eq(pthread_create(&t, NULL, stop_later, (void *)(intptr_t)100), 0);
	int64_t start = io_now_ms();
	errno = 0;
	ck_assert_int_eq(net_accept(fd, &ss, &len), -1);
	ck_assert_int_eq(errno, EINTR);
	int64_t took = io_now_ms() - start;
	/* Without the periodic wake-up it would never return; the bound is loose for loaded CI. */
	ck_assert_msg(took >= 90 && took < 3000, "accept returned after %lld ms", (long long)took);
	pthread_join(t, NULL);
	close(fd);
}
END_TEST

/* ---- the thread-per-client server ----------------------------------------------------------- */

#define MAX_SEEN 8

/* What the serve() and reject() callbacks saw, shared with the test thread. */
struct seen {
	pthread_mutex_t lock;
	unsigned long ids[MAX_SEEN];
	struct net_addr peers[MAX_SEEN];
	int served, rejected, finished;
	int write_errno;   /* how flood_serve's last write failed */
	bool signals_blocked;
	bool batch_policy;   /* every client thread ran under SCHED_BATCH where the build has it
	                      * (net_serve.c says why), and under the default policy elsewhere */
};

static struct seen seen = { .lock = PTHREAD_MUTEX_INITIALIZER, .signals_blocked = true,
                            .batch_policy = true };

static void note_client(const struct net_client *client)
{
	sigset_t mask;
	int policy;
	struct sched_param param;
	pthread_sigmask(SIG_BLOCK, NULL, &mask);
	bool batch = compat_has(COMPAT_SCHED_BATCH) ? compat_thread_is_batch()
	             : pthread_getschedparam(pthread_self(), &policy, &param) == 0 &&
	               policy == SCHED_OTHER;
	pthread_mutex_lock(&seen.lock);
	if (seen.served < MAX_SEEN) {
		seen.ids[seen.served] = client->id;
		seen.peers[seen.served] = client->peer;
	}
	seen.served++;
	seen.signals_blocked = seen.signals_blocked && sigismember(&mask, SIGINT) == 1 &&
	                       sigismember(&mask, SIGTERM) == 1;
	seen.batch_policy = seen.batch_policy && batch;
	pthread_mutex_unlock(&seen.lock);
}

static void echo_serve(struct net_client *client, void *ctx)
{
	char buf[512];
	ssize_t n;
	(void)ctx;
	note_client(client);
	while ((n = io_read_some(client->fd, buf, sizeof buf)) > 0)
		if (io_write_all(client->fd, buf, (size_t)n) < 0)
			break;
	pthread_mutex_lock(&seen.lock);
	seen.finished++;
	pthread_mutex_unlock(&seen.lock);
}

/* Never reads; writes until the socket fails: only a full shutdown can end it. */
static void flood_serve(struct net_client *client, void *ctx)
{
	static const char chunk[4096];
	(void)ctx;
	note_client(client);
	while (io_write_all(client->fd, chunk, sizeof chunk) >= 0)
		continue;
	int err = errno;
	pthread_mutex_lock(&seen.lock);
	seen.write_errno = err;
	seen.finished++;
	pthread_mutex_unlock(&seen.lock);
}

static void busy_reject(int fd, const struct net_addr *peer, void *ctx)
{
	(void)peer;
	(void)ctx;
	compat_send(fd, "busy\n", 5, 0);
	pthread_mutex_lock(&seen.lock);
	seen.rejected++;
	pthread_mutex_unlock(&seen.lock);
}

struct harness {
	struct net_server srv;
	pthread_t thread;
	int result;
	unsigned port;
};

static void *run_server(void *arg)
{
	struct harness *h = arg;
	h->result = net_serve_threads(&h->srv);
	return NULL;
}

static void start_server(struct harness *h, unsigned max_clients,
                         void (*serve)(struct net_client *, void *), unsigned grace_ms)
{
	memset(h, 0, sizeof *h);
	h->srv.listen_fd = listen_local(&h->port);
	h->srv.max_clients = max_clients;
	h->srv.serve = serve;
	h->srv.reject = busy_reject;
	h->srv.stop_grace_ms = grace_ms;
	ck_assert_int_eq(pthread_create(&h->thread, NULL, run_server, h), 0);
}

/* Stops the server and returns how long net_serve_threads took to return, in ms. */
static int64_t stop_server(struct harness *h)
{
	int64_t start = io_now_ms();
	stop_request();
	pthread_join(h->thread, NULL);
	ck_assert_int_eq(h->result, 0);
	ck_assert_int_eq(h->srv.listen_fd, -1);
	ck_assert_uint_eq(clients_live(), 0);
	return io_now_ms() - start;
}

static bool wait_live(unsigned want)
{
	for (int i = 0; i < 400; i++) {
		if (clients_live() == want)
			return true;
		sleep_ms(5);
	}
	return false;
}

/* Sends text and expects it back whole. */
static void round_trip(int fd, const char *text)
{
	char buf[64];
	size_t len = strlen(text), got = 0;
	ck_assert_int_eq(io_write_all(fd, text, len), (ssize_t)len);
	while (got < len) {
		ssize_t n = io_read_deadline(fd, buf + got, sizeof buf - got, io_now_ms() + 5000);
		ck_assert_int_gt(n, 0);
		got += (size_t)n;
	}
	ck_assert_int_eq(memcmp(buf, text, len), 0);
}

/* Reads until EOF (within 5 s) and returns what came, NUL-terminated. */
static void read_to_eof(int fd, char *buf, size_t size)
{
	size_t got = 0;
	ssize_t n;
	while ((n = io_read_deadline(fd, buf + got, size - 1 - got, io_now_ms() + 5000)) > 0)
		got += (size_t)n;
	ck_assert_int_eq(n, 0);
	buf[got] = '\0';
}

START_TEST(test_serve_echo_ids_and_peers)
{
	struct harness h;
	int c[3];
	start_server(&h, 0, echo_serve, 500);
	for (int i = 0; i < 3; i++) {
		c[i] = connect_to("127.0.0.1", h.port);
		ck_assert_int_ge(c[i], 0);
		round_trip(c[i], "client\r\n");
	}
	ck_assert(wait_live(3));
	for (int i = 0; i < 3; i++) {
		struct net_addr mine;
		ck_assert_int_eq(net_local_addr(c[i], &mine), 0);
		pthread_mutex_lock(&seen.lock);
		ck_assert_uint_eq(seen.ids[i], (unsigned long)i + 1);
		ck_assert_str_eq(seen.peers[i].host, "127.0.0.1");
		ck_assert_uint_eq(seen.peers[i].port, mine.port);
		pthread_mutex_unlock(&seen.lock);
	}
	ck_assert(seen.signals_blocked);
	ck_assert(seen.batch_policy);
	close(c[1]);   /* a client that leaves is unregistered */
	ck_assert(wait_live(2));
	ck_assert_int_lt(stop_server(&h), 5000);
	ck_assert_int_eq(seen.finished, 3);
	close(c[0]);
	close(c[2]);
}
END_TEST

START_TEST(test_past_the_cap_goes_to_reject)
{
	struct harness h;
	char buf[64];
	start_server(&h, 1, echo_serve, 500);
	int a = connect_to("127.0.0.1", h.port);
	round_trip(a, "first");
	int b = connect_to("127.0.0.1", h.port);
	read_to_eof(b, buf, sizeof buf);
	ck_assert_str_eq(buf, "busy\n");
	round_trip(a, "still served");
	close(a);
	ck_assert(wait_live(0));
	int c = connect_to("127.0.0.1", h.port);   /* the slot is free again */
	round_trip(c, "third");
	ck_assert_int_eq(seen.rejected, 1);
	stop_server(&h);
	close(b);
	close(c);
}
END_TEST

/* Idle clients blocked in recv() see EOF at the stop, long before the grace period ends. */
START_TEST(test_stop_wakes_idle_clients)
{
	struct harness h;
	char buf[16];
	start_server(&h, 0, echo_serve, 20000);
	int a = connect_to("127.0.0.1", h.port), b = connect_to("127.0.0.1", h.port);
	round_trip(a, "a");
	round_trip(b, "b");
	ck_assert_int_lt(stop_server(&h), 10000);   /* far less than the 20 s grace */
	read_to_eof(a, buf, sizeof buf);
	read_to_eof(b, buf, sizeof buf);
	ck_assert_int_eq(connect_to("127.0.0.1", h.port), -1);   /* the listener is closed */
	close(a);
	close(b);
}
END_TEST

/* A thread stuck in send() (its client never reads) is ended by the full shutdown after the
 * grace period. */
START_TEST(test_stop_ends_stuck_writer_after_grace)
{
	struct harness h;
	start_server(&h, 0, flood_serve, 200);
	int a = connect_to("127.0.0.1", h.port);
	ck_assert(wait_live(1));
	sleep_ms(100);   /* let the buffers fill */
	int64_t took = stop_server(&h);
	ck_assert_msg(took >= 190 && took < 10000, "stop took %lld ms", (long long)took);
	ck_assert_int_eq(seen.finished, 1);
	ck_assert_int_eq(seen.write_errno, EPIPE);   /* woken by the shutdown, not by a timeout */
	close(a);
}
END_TEST

/* ---- limits --------------------------------------------------------------------------------- */

/* The default cap is clipped to RLIMIT_NOFILE minus a margin of 32: a soft limit of 34 leaves
 * room for 2 clients, and the third is rejected. */
START_TEST(test_cap_clipped_to_fd_limit)
{
	struct rlimit rl;
	struct harness h;
	char buf[16];
	ck_assert_int_eq(getrlimit(RLIMIT_NOFILE, &rl), 0);
	rl.rlim_cur = 34;
	ck_assert_int_eq(setrlimit(RLIMIT_NOFILE, &rl), 0);
	start_server(&h, 0, echo_serve, 500);
	int a = connect_to("127.0.0.1", h.port), b = connect_to("127.0.0.1", h.port);
	round_trip(a, "a");
	round_trip(b, "b");
	int c = connect_to("127.0.0.1", h.port);
	read_to_eof(c, buf, sizeof buf);
	ck_assert_str_eq(buf, "busy\n");
	stop_server(&h);
	close(a);
	close(b);
	close(c);
}
END_TEST

START_TEST(test_port_out_of_range)
{
	char err[256];
	errno = 0;
	ck_assert_int_eq(net_listen("127.0.0.1", 65536, err, sizeof err), -1);
	ck_assert_int_eq(errno, EINVAL);
	ck_assert_str_eq(err, "cannot listen on port 65536: a port is 0 to 65535");
}
END_TEST

START_TEST(test_error_text_cut_to_buffer)
{
	unsigned port;
	char err[16];
	memset(err, 'Z', sizeof err);
	int fd = listen_local(&port);
	ck_assert_int_eq(net_listen("127.0.0.1", port, err, 12), -1);
	ck_assert_str_eq(err, "cannot list");
	ck_assert_int_eq(err[12], 'Z');
	close(fd);
}
END_TEST

START_TEST(test_addr_from_short_length)
{
	struct sockaddr_in6 in6;
	struct net_addr out;
	memset(&in6, 0, sizeof in6);
	in6.sin6_family = AF_INET6;
	errno = 0;
	ck_assert_int_eq(net_addr_from((struct sockaddr *)&in6, sizeof(struct sockaddr_in), &out),
	                 -1);
	ck_assert_int_eq(errno, EAFNOSUPPORT);
}
END_TEST

Suite *suite_net(void);
Suite *suite_net(void)
{
	Suite *s = suite_create("net");
	TCase *tc = tcase_create("listen");
	tcase_add_test(tc, test_listen_port0_reports_real_port);
	tcase_add_test(tc, test_listen_ipv6_loopback);
	tcase_add_test(tc, test_listen_all_interfaces_dual_stack);
	tcase_add_test(tc, test_port_in_use_is_one_clear_line);
	tcase_add_test(tc, test_address_not_on_this_machine);
	tcase_add_loop_test(tc, test_addr_from, 0, (int)(sizeof addr_rows / sizeof addr_rows[0]));
	suite_add_tcase(s, tc);
	tc = tcase_create("accept_and_stop_flag");
	tcase_add_test(tc, test_init_process);
	tcase_add_test(tc, test_accept_gives_peer_and_cloexec);
	tcase_add_test(tc, test_accept_sees_stop_flag);
	tcase_set_timeout(tc, 30);
	suite_add_tcase(s, tc);
	tc = tcase_create("serve_threads");
	tcase_add_test(tc, test_serve_echo_ids_and_peers);
	tcase_add_test(tc, test_past_the_cap_goes_to_reject);
	tcase_add_test(tc, test_stop_wakes_idle_clients);
	tcase_add_test(tc, test_stop_ends_stuck_writer_after_grace);
	tcase_set_timeout(tc, 60);
	suite_add_tcase(s, tc);
	tc = tcase_create("limits");
	tcase_add_test(tc, test_cap_clipped_to_fd_limit);
	tcase_add_test(tc, test_port_out_of_range);
	tcase_add_test(tc, test_error_text_cut_to_buffer);
	tcase_add_test(tc, test_addr_from_short_length);
	tcase_set_timeout(tc, 30);
	suite_add_tcase(s, tc);
	return s;
}
