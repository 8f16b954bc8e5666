// SPDX-License-Identifier: MIT
/*
 * echo_mt: the handout's Part B "Example 3: Echo Server Multithreading". Each client gets its own
 * detached pthread (net_serve_threads), so clients no longer wait for each other as they do with
 * echo. Every chunk is printed as the handout prints it, ('127.0.0.1', 8761) sent: b'client 1\r\n',
 * and sent back byte for byte; a chunk equal to b'exit' closes that client only.
 *
 * Added to the handout: a line when a client connects and when it leaves, --lines (question 3, as
 * in echo), a cap on live clients with a "server busy" line past it, and a clean stop: Ctrl-C or
 * SIGTERM stops accepting, wakes and closes every client, and waits for their threads.
 *
 * Left out on purpose: an idle timeout (a silent client keeps its thread, which is cheap here).
 */
#include <getopt.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include "io.h"
#include "lineasm.h"
#include "log.h"
#include "net.h"
#include "num.h"

#define ECHO_MT_VERSION "1.0"
#define ECHO_CHUNK 2048                 /* the handout's conn.recv(2048) */
#define PEER_TEXT_MAX (NET_HOST_MAX + 32)   /* ('host', 65535, 0, 0) */
#define STOP_GRACE_MS 100               /* after Ctrl-C, then every client socket is shut down */

struct options {
	const char *host;
	unsigned port;
	unsigned max_clients;
	bool lines;
	bool quiet;
};

static const char usage_text[] =
	"Usage: echo_mt [-b ADDR] [-p PORT] [--lines] [--max-clients N] [-q]\n"
	"The lab's Example 3: a TCP echo server with one thread per client. It prints each chunk\n"
	"as ('127.0.0.1', 8761) sent: b'hi\\r\\n' and sends every byte back.\n"
	"\n"
	"  -b, --bind ADDR       address to listen on (default 127.0.0.1; 0.0.0.0 or :: for all)\n"
	"  -p, --port PORT       port to listen on, 0 for any free port (default 5555)\n"
	"      --lines           close a client on a typed line \"exit\", however it is sent\n"
	"                        (default: on a received chunk equal to \"exit\", as the handout does)\n"
	"  -m, --max-clients N   clients served at once; past it a client is told the server is\n"
	"                        busy and closed (default 16384, less if file descriptors are short)\n"
	"  -q, --quiet           do not print connections and data\n"
	"  -h, --help            show this help and exit\n"
	"  -V, --version         show the version and exit\n"
	"\n"
	"Ctrl-C (or SIGTERM) closes every client and stops. Example, in three terminals:\n"
	"  bin/echo_mt -p 5555        (after make install: lab4-echo_mt)\n"
	"  telnet 127.0.0.1 5555\n"
	"  nc 127.0.0.1 5555\n";

/* Returns -1 to go on, or main()'s exit status: 0 after --help or --version, 2 on bad usage. */
static int parse_args(int argc, char **argv, struct options *o)
{
	static const struct option longopts[] = {
		{ "bind", required_argument, NULL, 'b' },
		{ "port", required_argument, NULL, 'p' },
		{ "lines", no_argument, NULL, 'L' },
		{ "max-clients", required_argument, NULL, 'm' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	uint64_t n;
	int c;

	while ((c = getopt_long(argc, argv, "b:p:m:qhV", longopts, NULL)) != -1) {
		switch (c) {
		case 'b': o->host = optarg; break;
		case 'p':
			if (num_parse_arg(optarg, 0, 65535, &n) < 0) {
				fprintf(stderr, "echo_mt: bad port '%s': give a number from 0 to 65535\n", optarg);
				goto usage;
			}
			o->port = (unsigned)n;
			break;
		case 'm':
			if (num_parse_arg(optarg, 1, NET_MAX_CLIENTS_DEFAULT, &n) < 0) {
				fprintf(stderr, "echo_mt: bad --max-clients '%s': give a number from 1 to %u\n",
				        optarg, NET_MAX_CLIENTS_DEFAULT);
				goto usage;
			}
			o->max_clients = (unsigned)n;
			break;
		case 'L': o->lines = true; break;
		case 'q': o->quiet = true; break;
		case 'h': fputs(usage_text, stdout); return 0;
		case 'V': puts("echo_mt " ECHO_MT_VERSION " (lab4 suite)"); return 0;
		default: goto usage;   /* getopt_long has named the bad option */
		}
	}
	if (optind == argc)
		return -1;
	fprintf(stderr, "echo_mt: unexpected argument '%s'\n", argv[optind]);
usage:
	fputs("Try 'echo_mt --help' for more information.\n", stderr);
	return 2;
}

/* --lines: feed a chunk to the line assembler; true once a whole line reads "exit". */
static bool got_exit_line(struct lineasm *la, const char *data, size_t len)
{
	bool done = false;

	while (len > 0) {
		size_t used = lineasm_feed(la, data, len, &done);
		data += used;
		len -= used;
		if (!done)
			break;
		if (!la->truncated && la->len == 4 && memcmp(la->line, "exit", 4) == 0)
			return true;
		lineasm_next(la);
	}
	return false;
}

/* The handout's Echo.run(), on the client's own thread. net closes the socket afterwards. */
static void serve(struct net_client *client, void *ctx)
{
	const struct options *o = ctx;
	char who[PEER_TEXT_MAX];
	char buf[ECHO_CHUNK];
	char text[LOG_REPR_SIZE(ECHO_CHUNK)];
	struct lineasm la;
	ssize_t n;
	int one = 1;

	log_peer_tuple(who, sizeof who, &client->peer);
	log_event("%s connected", who);
	/* A chunk longer than the 2048 read is echoed in two writes; with Nagle's algorithm the
	 * second waits for the ACK of the first, which the client delays (up to 40 ms on Linux) while
	 * it waits for the rest of its message (RFC 1122 4.2.3.4, 4.2.3.2). Echo at once instead. */
	(void)setsockopt(client->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
	lineasm_init(&la);
	/* 0 is EOF: the client left, or the stop shut the socket down; -1 a reset. */
	while ((n = io_read_some(client->fd, buf, sizeof buf)) > 0) {
		if (!o->lines && n == 4 && memcmp(buf, "exit", 4) == 0)
			break;
		if (io_write_all(client->fd, buf, (size_t)n) < 0)
			break;
		if (!log_is_quiet()) {   /* -q skips the formatting too, not only the printing */
			log_bytes_repr(text, sizeof text, buf, (size_t)n);
			log_event("%s sent: %s", who, text);
		}
		if (o->lines && got_exit_line(&la, buf, (size_t)n))
			break;
	}
	log_event("%s left", who);
}

/* Past --max-clients: one line, without blocking the accepting thread, then net closes fd. */
static void reject(int fd, const struct net_addr *peer, void *ctx)
{
	char line[96], who[PEER_TEXT_MAX];
	unsigned live = net_live_clients();
	int n = snprintf(line, sizeof line,
	                 "server busy: %u clients connected, try again later\r\n", live);

	(void)ctx;
	if (n > 0 && (size_t)n < sizeof line)
		(void)send(fd, line, (size_t)n, MSG_DONTWAIT | MSG_NOSIGNAL);
	log_peer_tuple(who, sizeof who, peer);
	log_event("%s turned away: %u clients connected", who, live);
}

int main(int argc, char **argv)
{
	struct options opt = { .host = "127.0.0.1", .port = 5555,
	                       .max_clients = NET_MAX_CLIENTS_DEFAULT };
	struct net_addr local;
	char err[256];
	int status = parse_args(argc, argv, &opt);

	if (status >= 0)
		return status;
	net_init_process();   /* also raises the descriptor limit: 10,000 clients need 10,000 */
	log_set_quiet(opt.quiet);
	int listen_fd = net_listen(opt.host, opt.port, err, sizeof err);
	if (listen_fd < 0 || net_local_addr(listen_fd, &local) < 0) {
		log_error("echo_mt: %s", listen_fd < 0 ? err : "cannot read the bound address");
		return 1;
	}
	printf("echo_mt: listening on %s port %u (one thread per client; Ctrl-C to stop)\n",
	       local.host, local.port);
	fflush(stdout);
	struct net_server srv = {
		.listen_fd = listen_fd, .max_clients = opt.max_clients, .serve = serve,
		.reject = reject, .ctx = &opt, .stop_grace_ms = STOP_GRACE_MS,
	};
	status = net_serve_threads(&srv) == 0 ? 0 : 1;
	log_error("echo_mt: stopped");
	return status;
}
