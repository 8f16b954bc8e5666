// SPDX-License-Identifier: MIT
/*
 * echo_mt: the handout's Part B "Example 3: Echo Server Multithreading", in C. main() accepts
 * clients, and each one gets its own thread, so clients no longer wait for each other as they do
 * with echo. Every chunk is printed as the handout prints it, ('127.0.0.1', 8761) sent:
 * b'client 1\r\n', and sent back byte for byte; a chunk equal to b'exit' closes that client only.
 *
 *   the handout's echo_mt.py                       here
 *   class Echo(threading.Thread):                  struct echo, run()
 *       def __init__(self, conn, address)          new_echo(): malloc() and fill a struct echo
 *       def run(self):                             run(), on the client's own thread
 *           data = self.conn.recv(2048)            run(): recv()
 *           if data and data != b'exit':           run()
 *               self.conn.send(data)               send_all(): send() until all is sent
 *               print('{} sent: {}'...)            run(): log_peer_tuple(), log_bytes_repr()
 *           else: self.conn.close()                run(): clients_done() closes it
 *   sock = socket.socket(AF_INET, SOCK_STREAM)     listen_on(): getaddrinfo(), socket()
 *   sock.bind(('127.0.0.1', 5555))                 listen_on(): setsockopt(SO_REUSEADDR), bind()
 *   sock.listen(10)                                listen_on(): listen()
 *   conn, address = sock.accept()                  main(): accept()
 *   Echo(conn, address).start()                    main(): pthread_create(), pthread_detach()
 *   except KeyboardInterrupt: pass                 stop_setup(), stop_requested()
 *
 * The handout's run() has its `return` at the level of the if/else, so its thread ends after the
 * first chunk; here the loop goes on until the client leaves, as the example means.
 *
 * Added to the handout: a line when a client connects and when it leaves, --lines (question 3,
 * as in echo), a cap on clients served at once with a "server busy" line past it, and a clean
 * stop: Ctrl-C or SIGTERM stops accepting, wakes and closes every client, and waits for their
 * threads (base/clients.h keeps the table of clients for that).
 *
 * Left out on purpose: an idle timeout (a silent client keeps its thread, which is cheap here).
 */
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "base/cli.h"
#include "base/clients.h"
#include "base/compat.h"
#include "base/lineasm.h"
#include "base/log.h"
#include "base/net.h"
#include "base/stop.h"

#define ECHO_CHUNK 2048                      /* the handout's self.conn.recv(2048) */
#define PEER_TEXT_MAX (NET_HOST_MAX + 32)   /* ('host', 65535, 0, 0) */

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

/* The handout's Echo object: one per client, made by main(), freed by its thread. */
struct echo {
	int conn;
	int slot;                     /* its place in the table of clients (base/clients.h) */
	bool lines;                   /* --lines */
	char address[PEER_TEXT_MAX];  /* ('127.0.0.1', 8761), as Python prints it */
};

/*
 * sock = socket(); sock.bind((host, port)); sock.listen(). getaddrinfo() turns the address text
 * into socket addresses, IPv4 or IPv6 (the handout's AF_INET is IPv4 only), and the first one
 * that binds is used. Returns the listening socket, or -1 after one line on stderr.
 */
static int listen_on(const char *host, unsigned port)
{
	struct addrinfo hints = { .ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM,
	                          .ai_flags = AI_PASSIVE | AI_NUMERICSERV };
	struct addrinfo *list;
	char port_text[8], why[128];
	int sock = -1, err = EADDRNOTAVAIL;

	snprintf(port_text, sizeof port_text, "%u", port);
	int gai = getaddrinfo(host, port_text, &hints, &list);
	if (gai != 0) {
		log_error("echo_mt: cannot listen on %s port %u: %s", host, port, gai_strerror(gai));
		return -1;
	}
	for (struct addrinfo *ai = list; ai != NULL && sock < 0; ai = ai->ai_next) {
		sock = socket(ai->ai_family, ai->ai_socktype, ai->ai_protocol);
		if (sock < 0)
			continue;
		/* A restarted server can bind at once, not after TIME_WAIT (a minute or more). */
		setsockopt(sock, SOL_SOCKET, SO_REUSEADDR, &(int){ 1 }, sizeof(int));
		/* "::" takes IPv4 clients too (dual stack), on every system. */
		if (ai->ai_family == AF_INET6)
			setsockopt(sock, IPPROTO_IPV6, IPV6_V6ONLY, &(int){ 0 }, sizeof(int));
		/* SOMAXCONN, not the handout's 10: a burst of clients waits in the queue instead of
		 * having its connection attempts dropped and retried a second later. */
		if (bind(sock, ai->ai_addr, ai->ai_addrlen) < 0 || listen(sock, SOMAXCONN) < 0) {
			err = errno;
			close(sock);
			sock = -1;
		}
	}
	freeaddrinfo(list);
	if (sock < 0)
		log_error("echo_mt: cannot listen on %s port %u: %s%s", host, port,
		          log_strerror(err, why, sizeof why), net_listen_hint(err));
	return sock;
}

/* self.conn.send(data) may send only part of data (a short count); this loop sends the rest, as
 * Python's sendall() does. Returns 0, or -1 when the client is gone. */
static int send_all(int conn, const char *data, size_t len)
{
	while (len > 0) {
		ssize_t n = send(conn, data, len, 0);
		if (n < 0)
			return -1;
		data += n;
		len -= (size_t)n;
	}
	return 0;
}

/*
 * The handout's Echo.run(), on the client's own thread. Ctrl-C is left to main(): at a stop,
 * main() shuts this socket down, so recv() returns 0 and the loop ends as if the client had left.
 */
static void *run(void *arg)
{
	struct echo *e = arg;
	char data[ECHO_CHUNK], text[LOG_REPR_SIZE(ECHO_CHUNK)];
	struct lineasm la;
	sigset_t stop_signals;
	ssize_t n;

	/* A signal goes to any thread that does not block it: this one leaves SIGINT and SIGTERM
	 * to main(), whose poll() they interrupt, instead of breaking this client's recv(). */
	sigemptyset(&stop_signals);
	sigaddset(&stop_signals, SIGINT);
	sigaddset(&stop_signals, SIGTERM);
	pthread_sigmask(SIG_BLOCK, &stop_signals, NULL);
	/* Speed, not the lesson: a thread woken by its client's next message waits for the thread
	 * on the CPU to block instead of preempting it (Linux's SCHED_BATCH; nothing elsewhere),
	 * which saves a context switch per message on a busy machine; bench/echo measures it
	 * (bench/README.md). */
	(void)compat_thread_batch();
	log_event("%s connected", e->address);
	lineasm_init(&la);
	while ((n = recv(e->conn, data, sizeof data, 0)) > 0) {
		if (!e->lines && n == 4 && memcmp(data, "exit", 4) == 0)
			break;
		if (send_all(e->conn, data, (size_t)n) < 0)
			break;
		if (!log_is_quiet()) {   /* -q skips the formatting too, not only the printing */
			log_bytes_repr(text, sizeof text, data, (size_t)n);
			log_event("%s sent: %s", e->address, text);
		}
		if (e->lines && lineasm_feed_line_equals(&la, data, (size_t)n, "exit"))
			break;
	}
	log_event("%s left", e->address);
	clients_done(e->slot);   /* self.conn.close(), and the slot is free for the next client */
	free(e);
	return NULL;
}

/* Past --max-clients: one line, without ever waiting on the client, then a FIN. */
static void turn_away(int conn, const struct net_addr *peer)
{
	char line[96], who[PEER_TEXT_MAX];
	unsigned live = clients_live();
	int n = snprintf(line, sizeof line, "server busy: %u clients connected, try again later\r\n",
	                 live);

	if (n > 0 && (size_t)n < sizeof line)
		(void)compat_send(conn, line, (size_t)n, 0);   /* never waits */
	clients_turn_away(conn);
	log_peer_tuple(who, sizeof who, peer->host, peer->port, peer->ipv6);
	log_event("%s turned away: %u clients connected", who, live);
}

/*
 * Echo(conn, address): the object for an accepted client, with its place in the table of
 * clients. NULL when there is no place (the client was turned away) or no memory (closed).
 */
static struct echo *new_echo(int conn, const struct sockaddr_storage *address, socklen_t len,
                             bool lines)
{
	struct net_addr peer = { .host = "?" };
	int slot = clients_add(conn);

	(void)net_addr_from((const struct sockaddr *)address, len, &peer);
	if (slot < 0) {
		turn_away(conn, &peer);
		return NULL;
	}
	struct echo *e = malloc(sizeof *e);
	if (e == NULL) {
		log_error("echo_mt: out of memory: client closed");
		clients_done(slot);
		return NULL;
	}
	*e = (struct echo){ .conn = conn, .slot = slot, .lines = lines };
	log_peer_tuple(e->address, sizeof e->address, peer.host, peer.port, peer.ipv6);
	/* A chunk is echoed at once, not held back for the client's delayed ACK (as in echo.c). */
	setsockopt(conn, IPPROTO_TCP, TCP_NODELAY, &(int){ 1 }, sizeof(int));
	return e;
}

int main(int argc, char **argv)
{
	const char *host = "127.0.0.1";
	unsigned port = 5555, max_clients = CLIENTS_MAX_DEFAULT;
	bool lines = false, quiet = false;
	const struct cli_option opts[] = {
		{ "bind", 'b', CLI_STRING, &host, 0, 0, NULL },
		{ "port", 'p', CLI_NUMBER, &port, 0, 65535, "port" },
		{ "lines", 0, CLI_FLAG, &lines, 0, 0, NULL },
		{ "max-clients", 'm', CLI_NUMBER, &max_clients, 1, CLIENTS_MAX_OPTION, "--max-clients" },
		{ "quiet", 'q', CLI_FLAG, &quiet, 0, 0, NULL },
	};
	const struct cli_program program = { "echo_mt", "1.0", usage_text, opts, CLI_COUNT(opts), 0 };
	int status = cli_parse(&program, argc, argv, NULL);
	char why[128];

	if (status >= 0)
		return status;
	log_set_quiet(quiet);
	stop_setup();
	net_raise_fd_limit();   /* 10,000 clients need 10,000 descriptors */
	int sock = listen_on(host, port);
	if (sock < 0 || cli_announce(&program, sock, NULL, "one thread per client; Ctrl-C to stop") < 0)
		return 1;
	if (clients_open(max_clients) < 0) {
		log_error("echo_mt: %s", log_strerror(errno, why, sizeof why));
		return 1;
	}
	/* Each thread gets a small stack, so that 10,000 of them fit in memory (8 MiB each by
	 * default; an echo needs a few KiB). */
	pthread_attr_t attr;
	pthread_attr_init(&attr);
	pthread_attr_setstacksize(&attr, CLIENTS_THREAD_STACK);
	status = 0;
	while (!stop_requested()) {
		struct sockaddr_storage address;
		socklen_t address_len = sizeof address;
		struct pollfd listening = { .fd = sock, .events = POLLIN };
		pthread_t thread;

		/* Wait for a client for one slice at most, then look at the stop flag. */
		if (poll(&listening, 1, STOP_SLICE_MS) <= 0)
			continue;
		int conn = accept(sock, (struct sockaddr *)&address, &address_len);
		if (conn < 0 && (errno == EMFILE || errno == ENFILE)) {
			poll(NULL, 0, STOP_SLICE_MS);   /* out of descriptors: wait for clients to leave */
			continue;
		}
		if (conn < 0 && (errno == EINTR || errno == ECONNABORTED || errno == EAGAIN))
			continue;
		if (conn < 0) {
			log_error("echo_mt: accept failed: %s", log_strerror(errno, why, sizeof why));
			status = 1;
			break;
		}
		struct echo *e = new_echo(conn, &address, address_len, lines);
		if (e == NULL)
			continue;
		/* Echo(conn, address).start(): run(e) on a thread of its own, detached, so that it
		 * frees its own resources when it ends (nobody joins it). */
		int rc = pthread_create(&thread, &attr, run, e);
		if (rc == 0) {
			pthread_detach(thread);
		} else {
			log_error("echo_mt: cannot start a thread for %s: %s", e->address,
			          log_strerror(rc, why, sizeof why));
			clients_done(e->slot);
			free(e);
		}
	}
	pthread_attr_destroy(&attr);
	close(sock);
	clients_stop(STOP_GRACE_MS);   /* wake every client's thread and wait for it */
	clients_close();
	log_error("echo_mt: stopped");
	return status;
}
