// SPDX-License-Identifier: MIT
/*
 * loadgen: the suite's own load generator for the echo servers (bench/echo). N connections to a
 * loopback address, driven from one or a few threads with a poller (compat.h: epoll on Linux,
 * poll() elsewhere and with PORTABLE=1) and non-blocking sockets:
 *
 *   ping-pong (default): every connection does one round trip to warm up (so a connection still
 *     waiting in the server's backlog is not timed), then sends a fixed-size message, waits until
 *     the server has echoed it back whole, checks every byte, and sends the next, for a given
 *     time. Prints messages per second, the median and 99th percentile round trip (from a
 *     histogram of per-message times, 1 microsecond buckets), and the errors.
 *   hold (--hold): open all N connections and keep them open together, then let each do one
 *     ping-pong; every connection that is not served correctly is an error.
 *
 * Errors are counted, never retried: a connect that fails or times out, a reset or an early EOF,
 * a byte that differs from what was sent, a reply that does not come (a stall). The last line is
 * machine-readable ("RESULT key=value ..."). Bounded on purpose: loopback addresses only, at most
 * CLIENTS_MAX connections and SECONDS_MAX seconds of traffic. Not a test: it never fails on speed.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "base/compat.h"
#include "base/net.h"
#include "base/num.h"
#include "base/stop.h"

#define CLIENTS_MAX 20000
#define THREADS_MAX 8
#define MSG_MAX 4096
#define SECONDS_MAX 60
#define HIST_US 1000000               /* 1 us buckets up to 1 s; anything slower in the last */
#define EVENTS_MAX 512
#define TICK_MS 50                    /* the poller wakes this often to look at the clock */
#define STALL_NS 1000000000LL         /* ping-pong: a reply missing 1 s after the end is a stall */
#define HOLD_REPLY_MS 30000           /* hold: how long the one ping-pong of each may take */

enum state { IDLE, CONNECTING, READY, SENDING, WAITING, SERVED, FAILED };
enum err_kind { ERR_CONNECT, ERR_RESET, ERR_MISMATCH, ERR_TIMEOUT, ERR_KINDS };
static const char *const err_names[ERR_KINDS] = {
	[ERR_CONNECT] = "connect", [ERR_RESET] = "reset",
	[ERR_MISMATCH] = "mismatch", [ERR_TIMEOUT] = "timeout",
};

struct config {
	struct sockaddr_storage addr;
	socklen_t addr_len;
	unsigned clients, threads, size, max_pending;
	unsigned seconds, hold_ms, connect_timeout_s;   /* connect_timeout_s 0: 10, or 30 for hold */
	bool hold;
};

struct conn {
	int fd;
	enum state state;
	unsigned id;
	uint32_t seq;
	unsigned sent, got;
	bool want_out;                    /* COMPAT_POLL_OUT is watched: a send was short */
	int64_t t_sent;
};

struct worker {
	const struct config *cfg;
	pthread_t thread;
	struct compat_poller *poller;
	struct conn *conns;
	unsigned n, next, pending, max_pending, connected, served;
	unsigned busy;                    /* connections with a message on the way */
	uint64_t msgs;
	uint64_t errors[ERR_KINDS];
	uint32_t *hist;
	bool sending;                     /* false once the measured time is over */
};

/* Every thread starts the traffic together (a barrier; macOS has no pthread_barrier_t). */
static struct {
	pthread_mutex_t lock;
	pthread_cond_t all_here;
	unsigned waiting, count;
} start_line = { PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER, 0, 0 };

static void start_line_wait(void)
{
	pthread_mutex_lock(&start_line.lock);
	if (++start_line.waiting == start_line.count)
		pthread_cond_broadcast(&start_line.all_here);
	while (start_line.waiting < start_line.count)
		pthread_cond_wait(&start_line.all_here, &start_line.lock);
	pthread_mutex_unlock(&start_line.lock);
}

static int64_t now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

/* Byte i of message seq on connection id: differs between connections and messages. */
static unsigned char pattern(unsigned id, uint32_t seq, unsigned i)
{
	return (unsigned char)(id * 131u + seq * 31u + i * 7u + 1u);
}

static void fail(struct worker *w, struct conn *c, enum err_kind kind)
{
	if (c->state == CONNECTING)
		w->pending--;
	if (c->state == SENDING || c->state == WAITING)
		w->busy--;
	if (c->fd >= 0) {
		compat_poller_remove(w->poller, c->fd);   /* not watched yet: ENOENT, harmless */
		close(c->fd);
	}
	c->fd = -1;
	c->state = FAILED;
	w->errors[kind]++;
}

static int watch(struct worker *w, struct conn *c, bool add, unsigned events)
{
	return add ? compat_poller_add(w->poller, c->fd, events, c)
	           : compat_poller_modify(w->poller, c->fd, events, c);
}

static void start_connect(struct worker *w, struct conn *c)
{
	const struct config *cfg = w->cfg;
	int one = 1;

	c->fd = socket(cfg->addr.ss_family, SOCK_STREAM, 0);
	if (c->fd < 0 || fcntl(c->fd, F_SETFL, O_NONBLOCK) < 0 ||
	    setsockopt(c->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one) < 0) {
		fail(w, c, ERR_CONNECT);
		return;
	}
	if (connect(c->fd, (const struct sockaddr *)&cfg->addr, cfg->addr_len) < 0 &&
	    errno != EINPROGRESS) {
		fail(w, c, ERR_CONNECT);
		return;
	}
	c->state = CONNECTING;
	w->pending++;
	if (watch(w, c, true, COMPAT_POLL_OUT) < 0)
		fail(w, c, ERR_CONNECT);
}

static void on_connect_done(struct worker *w, struct conn *c)
{
	int err = 0;
	socklen_t len = sizeof err;

	if (getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &err, &len) < 0 || err != 0 ||
	    watch(w, c, false, COMPAT_POLL_IN) < 0) {
		fail(w, c, ERR_CONNECT);
		return;
	}
	w->pending--;
	w->connected++;
	c->state = READY;
}

/* Connect every connection, at most max_pending at a time, until done or the deadline. */
static void connect_phase(struct worker *w)
{
	struct compat_event events[EVENTS_MAX];
	int64_t deadline = now_ns() + (int64_t)w->cfg->connect_timeout_s * 1000000000;

	while ((w->next < w->n || w->pending > 0) && now_ns() < deadline && !stop_requested()) {
		while (w->next < w->n && w->pending < w->max_pending)
			start_connect(w, &w->conns[w->next++]);
		int k = compat_poller_wait(w->poller, events, EVENTS_MAX, TICK_MS);
		for (int i = 0; i < k; i++) {
			struct conn *c = events[i].data;
			if (c->state == CONNECTING)
				on_connect_done(w, c);
			else   /* the server spoke or closed before any message: turned away */
				fail(w, c, ERR_RESET);
		}
	}
	for (unsigned i = 0; i < w->n; i++)
		if (w->conns[i].state == CONNECTING || w->conns[i].state == IDLE)
			fail(w, &w->conns[i], ERR_CONNECT);
}

/* Send (the rest of) the current message; on a short send, wait for room. */
static void send_message(struct worker *w, struct conn *c)
{
	unsigned char msg[MSG_MAX];
	unsigned size = w->cfg->size;

	if (c->state != SENDING) {
		c->state = SENDING;
		w->busy++;
		c->sent = c->got = 0;
		c->t_sent = now_ns();
	}
	for (unsigned i = c->sent; i < size; i++)
		msg[i] = pattern(c->id, c->seq, i);
	ssize_t n = compat_send(c->fd, msg + c->sent, size - c->sent, 0);
	if (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK) {
		fail(w, c, ERR_RESET);
		return;
	}
	c->sent += n > 0 ? (unsigned)n : 0;
	bool short_send = c->sent < size;
	if (!short_send)
		c->state = WAITING;
	/* the poller is told only when the interest changes: not one extra system call per message */
	if (short_send != c->want_out) {
		c->want_out = short_send;
		if (watch(w, c, false, short_send ? COMPAT_POLL_IN | COMPAT_POLL_OUT : COMPAT_POLL_IN) < 0)
			fail(w, c, ERR_RESET);
	}
}

static void record(struct worker *w, struct conn *c)
{
	int64_t us = (now_ns() - c->t_sent) / 1000;

	w->busy--;
	c->state = READY;
	if (!w->sending)
		return;   /* a reply drained after the measured time: not counted */
	w->hist[us < HIST_US ? us : HIST_US - 1]++;
	w->msgs++;
	c->seq++;
	if (w->cfg->hold) {
		c->state = SERVED;
		w->served++;
	} else {
		send_message(w, c);
	}
}

/* Read what the server echoed; check each byte against what was sent. */
static void on_readable(struct worker *w, struct conn *c)
{
	unsigned char buf[MSG_MAX];
	unsigned size = w->cfg->size;
	ssize_t n = recv(c->fd, buf, sizeof buf, 0);

	if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
		return;
	bool expected = c->state == SENDING || c->state == WAITING;
	if (n <= 0 || !expected || c->got + (unsigned)n > c->sent) {
		/* an error, an EOF, or bytes not sent yet: the server is not echoing */
		fail(w, c, n > 0 ? ERR_MISMATCH : ERR_RESET);
		return;
	}
	for (unsigned i = 0; i < (unsigned)n; i++) {
		if (buf[i] != pattern(c->id, c->seq, c->got + i)) {
			fail(w, c, ERR_MISMATCH);
			return;
		}
	}
	c->got += (unsigned)n;
	if (c->got == size)
		record(w, c);
}

static void on_event(struct worker *w, struct conn *c, unsigned events)
{
	if (c->state == SENDING && (events & COMPAT_POLL_OUT))
		send_message(w, c);
	if (c->state != FAILED && (events & (COMPAT_POLL_IN | COMPAT_POLL_ERR)))
		on_readable(w, c);
}

/* Handle events until the deadline, or (until_idle) until no message is on the way. */
static void run_until(struct worker *w, int64_t deadline, bool until_idle)
{
	struct compat_event events[EVENTS_MAX];

	while (now_ns() < deadline && !stop_requested() && !(until_idle && w->busy == 0)) {
		int k = compat_poller_wait(w->poller, events, EVENTS_MAX, TICK_MS);
		for (int i = 0; i < k; i++)
			on_event(w, events[i].data, events[i].events);
	}
}

/*
 * Ping-pong until end_ns, or one message per connection (hold). Then the replies still on the way
 * are awaited, not counted, so every socket closes with nothing unread: closing with unread bytes
 * would send the server a reset. A reply missing STALL_NS later is a timeout.
 */
static void traffic_phase(struct worker *w, int64_t end_ns)
{
	bool hold = w->cfg->hold;

	w->sending = true;
	for (unsigned i = 0; i < w->n; i++)
		if (w->conns[i].state == READY)
			send_message(w, &w->conns[i]);
	run_until(w, end_ns, hold);
	w->sending = false;
	if (!hold)
		run_until(w, now_ns() + STALL_NS, true);
	for (unsigned i = 0; i < w->n; i++)
		if (w->conns[i].state == SENDING || w->conns[i].state == WAITING)
			fail(w, &w->conns[i], ERR_TIMEOUT);
}

/*
 * Ping-pong mode: one round trip on every connection before the clock starts. A connection the
 * server has not accepted yet (its listen backlog was full) would otherwise count as a slow reply;
 * one that gets no answer before the connect deadline counts as a connect error instead.
 */
static void warm_up(struct worker *w)
{
	int64_t deadline = now_ns() + (int64_t)w->cfg->connect_timeout_s * 1000000000;

	w->sending = false;   /* replies are awaited, not counted */
	for (unsigned i = 0; i < w->n; i++)
		if (w->conns[i].state == READY)
			send_message(w, &w->conns[i]);
	run_until(w, deadline, true);
	for (unsigned i = 0; i < w->n; i++)
		if (w->conns[i].state == SENDING || w->conns[i].state == WAITING)
			fail(w, &w->conns[i], ERR_CONNECT);
}

static void *worker_main(void *arg)
{
	struct worker *w = arg;
	const struct config *cfg = w->cfg;

	connect_phase(w);
	if (!cfg->hold)
		warm_up(w);
	start_line_wait();   /* every thread starts the traffic together */
	if (cfg->hold) {
		struct timespec pause = { .tv_sec = cfg->hold_ms / 1000,
		                          .tv_nsec = (long)(cfg->hold_ms % 1000) * 1000000L };
		nanosleep(&pause, NULL);          /* all connections open at once, doing nothing */
	}
	int64_t ms = cfg->hold ? HOLD_REPLY_MS : (int64_t)cfg->seconds * 1000;
	traffic_phase(w, now_ns() + ms * 1000000);
	for (unsigned i = 0; i < w->n; i++)
		if (w->conns[i].fd >= 0) {
			compat_poller_remove(w->poller, w->conns[i].fd);
			close(w->conns[i].fd);
		}
	return NULL;
}

static const char usage_text[] =
	"Usage: loadgen -p PORT [-H ADDR] [-c CLIENTS] [-d SECONDS] [-s SIZE] [-t THREADS] [--hold]\n"
	"Load for an echo server on a loopback address: CLIENTS connections each doing ping-pong of\n"
	"SIZE-byte messages for SECONDS, or with --hold: open all, hold them, one ping-pong each.\n"
	"\n"
	"  -H, --host ADDR          loopback address of the server (default 127.0.0.1)\n"
	"  -p, --port PORT          its port (required)\n"
	"  -c, --clients N          connections, 1 to 20000 (default 64)\n"
	"  -d, --duration SECONDS   ping-pong time, 1 to 60 (default 3)\n"
	"  -s, --size BYTES         message size, 1 to 4096 (default 64)\n"
	"  -t, --threads N          threads, 1 to 8 (default 1)\n"
	"      --hold               hold mode (see above)\n"
	"      --hold-time MS       hold mode: how long all stay open before the ping-pong (1000)\n"
	"      --connect-timeout S  give up on connects after S seconds (default 10, hold 30)\n"
	"      --max-pending N      connects in flight at once (default 256)\n"
	"\n"
	"Example: bin/echo_mt -q -p 5555 &  bin/loadgen -p 5555 -c 64 -d 3\n";

/* Loopback only: this is a benchmark tool, not something to point at other machines. */
static int set_address(struct config *cfg, const char *host, unsigned port)
{
	struct sockaddr_in *in4 = (struct sockaddr_in *)&cfg->addr;
	struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)&cfg->addr;

	memset(&cfg->addr, 0, sizeof cfg->addr);
	if (inet_pton(AF_INET, host, &in4->sin_addr) == 1 &&
	    (ntohl(in4->sin_addr.s_addr) >> 24) == 127) {
		in4->sin_family = AF_INET;
		in4->sin_port = htons((uint16_t)port);
		cfg->addr_len = sizeof *in4;
		return 0;
	}
	if (inet_pton(AF_INET6, host, &in6->sin6_addr) == 1 &&
	    memcmp(&in6->sin6_addr, &in6addr_loopback, sizeof in6addr_loopback) == 0) {
		in6->sin6_family = AF_INET6;
		in6->sin6_port = htons((uint16_t)port);
		cfg->addr_len = sizeof *in6;
		return 0;
	}
	return -1;
}

/* One option with a number in [min, max]; prints the complaint. */
static int number(const char *opt, const char *arg, uint64_t min, uint64_t max, unsigned *out)
{
	uint64_t v;

	if (num_parse_arg(arg, min, max, &v) < 0) {
		fprintf(stderr, "loadgen: bad %s '%s': give a number from %llu to %llu\n", opt, arg,
		        (unsigned long long)min, (unsigned long long)max);
		return -1;
	}
	*out = (unsigned)v;
	return 0;
}

static int parse_option(int c, const char *arg, struct config *cfg, const char **host,
                        unsigned *port)
{
	switch (c) {
	case 'H': *host = arg; return 0;
	case 'p': return number("port", arg, 1, 65535, port);
	case 'c': return number("client count", arg, 1, CLIENTS_MAX, &cfg->clients);
	case 'd': return number("duration", arg, 1, SECONDS_MAX, &cfg->seconds);
	case 's': return number("size", arg, 1, MSG_MAX, &cfg->size);
	case 't': return number("thread count", arg, 1, THREADS_MAX, &cfg->threads);
	case 'o': cfg->hold = true; return 0;
	case 'T': return number("hold time", arg, 0, 60000, &cfg->hold_ms);
	case 'C': return number("connect timeout", arg, 1, SECONDS_MAX, &cfg->connect_timeout_s);
	case 'P': return number("max pending", arg, 1, CLIENTS_MAX, &cfg->max_pending);
	default: return -1;   /* getopt_long has named the bad option */
	}
}

/* Returns -1 to go on, or main()'s exit status. */
static int parse_args(int argc, char **argv, struct config *cfg)
{
	static const struct option longopts[] = {
		{ "host", required_argument, NULL, 'H' }, { "port", required_argument, NULL, 'p' },
		{ "clients", required_argument, NULL, 'c' },
		{ "duration", required_argument, NULL, 'd' },
		{ "size", required_argument, NULL, 's' }, { "threads", required_argument, NULL, 't' },
		{ "hold", no_argument, NULL, 'o' }, { "hold-time", required_argument, NULL, 'T' },
		{ "connect-timeout", required_argument, NULL, 'C' },
		{ "max-pending", required_argument, NULL, 'P' }, { "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *host = "127.0.0.1";
	unsigned port = 0;
	int c;

	while ((c = getopt_long(argc, argv, "H:p:c:d:s:t:h", longopts, NULL)) != -1) {
		if (c == 'h') {
			fputs(usage_text, stdout);
			return 0;
		}
		if (parse_option(c, optarg, cfg, &host, &port) < 0)
			goto usage;
	}
	if (cfg->connect_timeout_s == 0)
		cfg->connect_timeout_s = cfg->hold ? 30 : 10;
	if (optind < argc || port == 0) {
		fprintf(stderr, "loadgen: %s\n", port == 0 ? "give the port with -p" : "extra argument");
		goto usage;
	}
	if (set_address(cfg, host, port) == 0)
		return -1;
	fprintf(stderr, "loadgen: '%s' is not a loopback address (127.x.x.x or ::1)\n", host);
usage:
	fputs("Try 'loadgen --help' for more information.\n", stderr);
	return 2;
}

/* The smallest latency (us) at or below which a fraction q of all messages came back. */
static unsigned percentile(const uint32_t *hist, uint64_t total, double q)
{
	uint64_t want = (uint64_t)(q * (double)total + 0.5), seen = 0;

	if (want == 0)
		want = 1;
	for (unsigned us = 0; us < HIST_US; us++) {
		seen += hist[us];
		if (seen >= want)
			return us;
	}
	return HIST_US - 1;
}

/* Sum the workers into w[0] (histogram, counters). */
static void merge(struct worker *w, unsigned count)
{
	for (unsigned k = 1; k < count; k++) {
		for (unsigned us = 0; us < HIST_US; us++)
			w[0].hist[us] += w[k].hist[us];
		w[0].msgs += w[k].msgs;
		w[0].connected += w[k].connected;
		w[0].served += w[k].served;
		for (int e = 0; e < ERR_KINDS; e++)
			w[0].errors[e] += w[k].errors[e];
	}
}

static void report(const struct config *cfg, const struct worker *all)
{
	uint64_t errors = 0;
	unsigned p50 = all->msgs ? percentile(all->hist, all->msgs, 0.50) : 0;
	unsigned p99 = all->msgs ? percentile(all->hist, all->msgs, 0.99) : 0;
	double rate = cfg->hold ? 0 : (double)all->msgs / cfg->seconds;

	for (int e = 0; e < ERR_KINDS; e++)
		errors += all->errors[e];
	printf("loadgen: %s, %u clients (%u connected), %u-byte messages: ",
	       cfg->hold ? "hold" : "ping-pong", cfg->clients, all->connected, cfg->size);
	if (cfg->hold)
		printf("%u served", all->served);
	else
		printf("%.0f messages/s", rate);
	printf(", p50 %u us, p99 %u us, errors %llu (connect %llu, reset %llu, mismatch %llu, "
	       "timeout %llu)\n", p50, p99, (unsigned long long)errors,
	       (unsigned long long)all->errors[ERR_CONNECT], (unsigned long long)all->errors[ERR_RESET],
	       (unsigned long long)all->errors[ERR_MISMATCH],
	       (unsigned long long)all->errors[ERR_TIMEOUT]);
	printf("RESULT mode=%s clients=%u connected=%u served=%u messages=%llu msgs_per_s=%.0f "
	       "p50_us=%u p99_us=%u errors=%llu", cfg->hold ? "hold" : "pingpong", cfg->clients,
	       all->connected, all->served, (unsigned long long)all->msgs, rate, p50, p99,
	       (unsigned long long)errors);
	for (int e = 0; e < ERR_KINDS; e++)
		printf(" %s=%llu", err_names[e], (unsigned long long)all->errors[e]);
	putchar('\n');
}

/* Give worker k its share of the connections and its own poller and histogram. */
static int worker_init(struct worker *w, const struct config *cfg, struct conn *conns,
                       unsigned k)
{
	unsigned first = (unsigned)((uint64_t)cfg->clients * k / cfg->threads);
	unsigned last = (unsigned)((uint64_t)cfg->clients * (k + 1) / cfg->threads);

	memset(w, 0, sizeof *w);
	w->cfg = cfg;
	w->conns = conns + first;
	w->n = last - first;
	w->max_pending = cfg->max_pending / cfg->threads ? cfg->max_pending / cfg->threads : 1;
	for (unsigned i = 0; i < w->n; i++)
		w->conns[i] = (struct conn){ .fd = -1, .state = IDLE, .id = first + i };
	w->hist = calloc(HIST_US, sizeof *w->hist);
	w->poller = compat_poller_new();
	return w->hist != NULL && w->poller != NULL ? 0 : -1;
}

int main(int argc, char **argv)
{
	struct config cfg = { .clients = 64, .threads = 1, .size = 64, .max_pending = 256,
	                      .seconds = 3, .hold_ms = 1000 };
	struct worker workers[THREADS_MAX];
	unsigned started = 0;
	int status = parse_args(argc, argv, &cfg);

	if (status >= 0)
		return status;
	stop_setup();   /* ignore SIGPIPE; Ctrl-C ends the run early */
	net_raise_fd_limit();
	struct conn *conns = calloc(cfg.clients, sizeof *conns);
	start_line.count = cfg.threads;
	if (conns == NULL) {
		fprintf(stderr, "loadgen: out of memory\n");
		return 1;
	}
	status = 0;
	for (unsigned k = 0; k < cfg.threads && status == 0; k++) {
		if (worker_init(&workers[k], &cfg, conns, k) < 0 ||
		    pthread_create(&workers[k].thread, NULL, worker_main, &workers[k]) != 0)
			status = 1;
		else
			started++;
	}
	if (status != 0) {
		/* the barrier waits for every thread: without all of them, nothing can run */
		fprintf(stderr, "loadgen: cannot start %u threads\n", cfg.threads);
		return 1;
	}
	for (unsigned k = 0; k < started; k++)
		pthread_join(workers[k].thread, NULL);
	merge(workers, started);
	report(&cfg, &workers[0]);
	for (unsigned k = 0; k < started; k++) {   /* so that LeakSanitizer has nothing to say */
		free(workers[k].hist);
		compat_poller_free(workers[k].poller);
	}
	free(conns);
	return 0;
}
