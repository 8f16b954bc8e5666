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
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include "base/cli.h"
#include "base/io.h"
#include "base/lineasm.h"
#include "base/log.h"
#include "base/net.h"
#include "base/net_serve.h"
#include "base/stop.h"

#define ECHO_CHUNK 2048                 /* the handout's conn.recv(2048) */
#define PEER_TEXT_MAX (NET_HOST_MAX + 32)   /* ('host', 65535, 0, 0) */
#define STOP_GRACE_MS 100               /* after Ctrl-C, then every client socket is shut down */

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

/* The handout's Echo.run(), on the client's own thread. net closes the socket afterwards. */
static void serve(struct net_client *client, void *ctx)
{
	const bool *lines = ctx;
	char who[PEER_TEXT_MAX];
	char buf[ECHO_CHUNK];
	char text[LOG_REPR_SIZE(ECHO_CHUNK)];
	struct lineasm la;
	ssize_t n;

	log_peer_tuple(who, sizeof who, &client->peer);
	log_event("%s connected", who);
	(void)io_set_nodelay(client->fd);   /* a long chunk is echoed in two writes (io.h) */
	lineasm_init(&la);
	/* 0 is EOF: the client left, or the stop shut the socket down; -1 a reset. This thread has
	 * the signals blocked, so the plain read is right here (io.h). */
	while ((n = io_read_some(client->fd, buf, sizeof buf)) > 0) {
		if (!*lines && n == 4 && memcmp(buf, "exit", 4) == 0)
			break;
		if (io_write_all(client->fd, buf, (size_t)n) < 0)
			break;
		if (!log_is_quiet()) {   /* -q skips the formatting too, not only the printing */
			log_bytes_repr(text, sizeof text, buf, (size_t)n);
			log_event("%s sent: %s", who, text);
		}
		if (*lines && lineasm_feed_line_equals(&la, buf, (size_t)n, "exit"))
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
	const char *host = "127.0.0.1";
	unsigned port = 5555, max_clients = NET_MAX_CLIENTS_DEFAULT;
	bool lines = false, quiet = false;
	const struct cli_option opts[] = {
		{ "bind", 'b', CLI_STRING, &host, 0, 0, NULL },
		{ "port", 'p', CLI_NUMBER, &port, 0, 65535, "port" },
		{ "lines", 0, CLI_FLAG, &lines, 0, 0, NULL },
		{ "max-clients", 'm', CLI_NUMBER, &max_clients, 1, NET_MAX_CLIENTS_DEFAULT,
		  "--max-clients" },
		{ "quiet", 'q', CLI_FLAG, &quiet, 0, 0, NULL },
	};
	const struct cli_program program = { "echo_mt", "1.0", usage_text, opts, CLI_COUNT(opts), 0 };
	int status = cli_parse(&program, argc, argv, NULL);

	if (status >= 0)
		return status;
	log_set_quiet(quiet);
	/* stop_setup(), called by cli_listen, also raises the descriptor limit: 10,000
	 * clients need 10,000 descriptors. */
	struct net_server srv = {
		.listen_fd = cli_listen(&program, host, port, NULL,
		                        "one thread per client; Ctrl-C to stop"),
		.max_clients = max_clients, .serve = serve, .reject = reject, .ctx = &lines,
		.stop_grace_ms = STOP_GRACE_MS,
	};
	if (srv.listen_fd < 0)
		return 1;
	status = net_serve_threads(&srv) == 0 ? 0 : 1;
	log_error("echo_mt: stopped");
	return status;
}
