// SPDX-License-Identifier: MIT
/*
 * web_hello: the handout's Part B "Example 2: Mimic a Simple Web Server", in C. GET / answers a
 * Hello World page, any other path 404, and the request line is printed as the handout prints
 * it: ['GET', '/', 'HTTP/1.1'].
 *
 *   the handout's web_hello.py                     here
 *   hello = [b'HTTP/1.0 200 OK\r\n', ...]          respond(): the head and page, built at once
 *   sock = socket.socket(AF_INET, SOCK_STREAM)     listen_on(): getaddrinfo(), socket()
 *   sock.bind(('127.0.0.1', 8080))                 listen_on(): setsockopt(SO_REUSEADDR), bind()
 *   sock.listen(10)                                listen_on(): listen()
 *   conn, address = sock.accept()                  main(): accept(), then a thread per client
 *   data = conn.recv(2048).decode().split('\r\n')  read_head(): recv() up to the empty line
 *   print(data[0].split(' '))                      print_request_line(): log_split_repr()
 *   res = err404; if ...[1] == '/': res = hello    route()
 *   for line in res: conn.send(line)               respond(): send() until all is sent
 *   conn.close()                                   serve(): a lingering close, then close()
 *
 * Where it differs, and why: the handout takes whatever one recv(2048) returns, so a request
 * that arrives in pieces (Windows telnet sends each key as it is typed) crashes it; here recv()
 * is called until the empty line that ends the head, within 8 KiB and 10 seconds. The head is
 * checked (http_parse_request, RFC 9112), and the answer is correct HTTP/1.0: every header line
 * ends in CRLF (the handout glues "Connection: close" to the next header), with Date,
 * Content-Type, Content-Length and Connection: close, and HEAD gets the head only. A bad request
 * gets its status code, never a crash. Each client gets a thread, as in echo_mt, so one slow
 * client does not hold up the others.
 *
 * Left out on purpose: persistent connections, request bodies and files (see fileserver).
 */
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "base/cli.h"
#include "base/clients.h"
#include "base/compat.h"
#include "base/io.h"
#include "base/log.h"
#include "base/net.h"
#include "base/stop.h"
#include "http/http.h"
#include "http/http_date.h"

#define HEAD_MAX 8192              /* a request head past this: 414 (no line end yet) or 431 */
#define HEAD_TIMEOUT_MS 10000      /* the whole head must arrive within this, or 408 */
#define SHOWN_MAX 256              /* request-line bytes printed; the rest is cut and counted */
#define RESPONSE_MAX 1024
#define PAGE_FORMAT "<html><body>%s</body></html>\r\n"   /* the handout's page, </body> fixed */

/* Past the live-client cap (RFC 9110 15.6.4); a 5xx need not carry Date (RFC 9110 6.6.1). */
static const char busy_response[] = "HTTP/1.0 503 Service Unavailable\r\nRetry-After: 1\r\n"
	"Content-Length: 0\r\nConnection: close\r\n\r\n";

static const char usage_text[] =
	"Usage: web_hello [-b ADDR] [-p PORT] [-q]\n"
	"The lab's Example 2: a tiny web server. GET / answers a Hello World page, any other path\n"
	"404 Not Found; it prints each request line as a list, ['GET', '/', 'HTTP/1.1'].\n"
	"\n"
	"  -b, --bind ADDR   address to listen on (default 127.0.0.1; 0.0.0.0 or :: for all)\n"
	"  -p, --port PORT   port to listen on, 0 for any free port (default 8080)\n"
	"  -q, --quiet       do not print request lines\n"
	"  -h, --help        show this help and exit\n"
	"  -V, --version     show the version and exit\n"
	"\n"
	"Ctrl-C (or SIGTERM) stops the server. Example:\n"
	"  bin/web_hello -p 8080      (after make install: lab4-web_hello)\n"
	"  curl -i http://127.0.0.1:8080/\n"
	"  printf 'GET / HTTP/1.0\\r\\n\\r\\n' | nc 127.0.0.1 8080\n";

/* One client: its socket and its place in the table of clients, freed by its thread. */
struct client {
	int conn;
	int slot;
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
		log_error("web_hello: cannot listen on %s port %u: %s", host, port, gai_strerror(gai));
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
		/* SOMAXCONN, not the handout's 10: a browser opens several connections at once. */
		if (bind(sock, ai->ai_addr, ai->ai_addrlen) < 0 || listen(sock, SOMAXCONN) < 0) {
			err = errno;
			close(sock);
			sock = -1;
		}
	}
	freeaddrinfo(list);
	if (sock < 0)
		log_error("web_hello: cannot listen on %s port %u: %s%s", host, port,
		          log_strerror(err, why, sizeof why), net_listen_hint(err));
	return sock;
}

/*
 * recv() until buf holds a whole request head, and parse it. The deadline is for the whole
 * head, not for each byte: a client sending one byte a second cannot keep the thread. Returns 0
 * when req is filled, the status to answer when not (408 too slow, 414/431 too long, the
 * parser's 400/501/505), or -1 to close without a word: the client left before sending anything.
 */
static int read_head(int conn, char *buf, size_t *have, struct http_request *req)
{
	int64_t deadline = io_now_ms() + HEAD_TIMEOUT_MS;
	struct pollfd readable = { .fd = conn, .events = POLLIN };

	*have = 0;
	for (;;) {
		if (*have == HEAD_MAX)
			return memchr(buf, '\n', *have) ? HTTP_HEADER_FIELDS_TOO_LARGE : HTTP_URI_TOO_LONG;
		int64_t left = deadline - io_now_ms();
		if (left <= 0 || poll(&readable, 1, (int)left) == 0)
			return HTTP_REQUEST_TIMEOUT;
		ssize_t n = recv(conn, buf + *have, HEAD_MAX - *have, 0);
		if (n <= 0)
			return n < 0 || *have == 0 ? -1 : HTTP_BAD_REQUEST;   /* EOF mid-head: 400 */
		*have += (size_t)n;
		/* A head ends with a line end: parse again only when a new LF came, so a client
		 * sending one byte at a time costs one parse per line, not one per byte. */
		if (memchr(buf + *have - n, '\n', (size_t)n) == NULL)
			continue;
		ssize_t parsed = http_parse_request(buf, *have, req);
		if (parsed > 0)
			return 0;
		if (parsed == -1)
			return req->error;
	}
}

/*
 * The handout's print(data[0].split(' ')): the parsed request line, or for a request that did
 * not parse, its first line as received. Long lines are cut, so one client cannot flood the log.
 */
static void print_request_line(const char *buf, size_t have, const struct http_request *req)
{
	char text[LOG_REPR_SIZE(SHOWN_MAX) + 4 * (SHOWN_MAX + 1)];
	const char *line = req ? req->line.p : buf;
	size_t len = req ? req->line.len : have;
	const char *lf = memchr(line, '\n', len);

	if (lf != NULL)
		len = (size_t)(lf - line);
	if (len > 0 && line[len - 1] == '\r')
		len--;
	log_split_repr(text, sizeof text, line, len < SHOWN_MAX ? len : SHOWN_MAX);
	if (len > SHOWN_MAX)
		log_event("%s (request line cut at %d of %zu bytes)", text, SHOWN_MAX, len);
	else
		log_event("%s", text);
}

/*
 * GET and HEAD are all this tiny server implements, for every path. RFC 9110 9.1: a method the
 * server does not implement gets 501. 405 would say the method works on some other resource here,
 * and would have to list the ones that do in Allow (RFC 9110 15.5.6).
 */
static int route(const struct http_request *req)
{
	if (req->method != HTTP_GET && req->method != HTTP_HEAD)
		return HTTP_NOT_IMPLEMENTED;
	if (req->path.len == 1 && req->path.p[0] == '/')
		return HTTP_OK;
	return HTTP_NOT_FOUND;
}

/* for line in res: conn.send(line), with every line ending in CRLF and the body's length said
 * in Content-Length. HEAD gets the same head, and no body (RFC 9110 9.3.2). Returns 0 or -1. */
static int respond(int conn, int status, bool head_only)
{
	char body[128], date[64], out[RESPONSE_MAX], what[64];
	const char *reason = http_reason(status) ? http_reason(status) : "Error";
	int n = snprintf(what, sizeof what, "%d %s", status, reason);
	int blen = snprintf(body, sizeof body, PAGE_FORMAT, status == HTTP_OK ? "Hello World!" : what);

	/* Date: the server has a clock, so it must send one (RFC 9110 6.6.1). */
	if (n < 0 || (size_t)n >= sizeof what || blen < 0 || (size_t)blen >= sizeof body ||
	    http_date(date, sizeof date, (int64_t)time(NULL)) == 0)
		return -1;
	n = snprintf(out, sizeof out,
	             "HTTP/1.0 %d %s\r\n"
	             "Date: %s\r\n"
	             "Content-Type: text/html; charset=utf-8\r\n"
	             "Content-Length: %d\r\n"
	             "Connection: close\r\n"
	             "\r\n"   /* the empty line that ends the head (the handout's b'\r\n') */
	             "%s",
	             status, reason, date, blen, head_only ? "" : body);
	if (n < 0 || (size_t)n >= sizeof out)
		return -1;
	/* send() may send only part of what it is given (a short count): send the rest. */
	for (size_t sent = 0; sent < (size_t)n;) {
		ssize_t k = send(conn, out + sent, (size_t)n - sent, 0);
		if (k < 0)
			return -1;
		sent += (size_t)k;
	}
	return 0;
}

/* One client, on its own thread: read the head, print it, answer, close. */
static void *serve(void *arg)
{
	struct client *c = arg;
	char buf[HEAD_MAX];
	struct http_request req;
	size_t have;
	sigset_t stop_signals;

	/* SIGINT and SIGTERM are main()'s: at a stop it shuts this socket down, which ends recv(). */
	sigemptyset(&stop_signals);
	sigaddset(&stop_signals, SIGINT);
	sigaddset(&stop_signals, SIGTERM);
	pthread_sigmask(SIG_BLOCK, &stop_signals, NULL);
	int status = read_head(c->conn, buf, &have, &req);
	if (status >= 0) {   /* else nothing arrived (a browser's spare connection): just close */
		if (have > 0 && !log_is_quiet())   /* -q skips the formatting too */
			print_request_line(buf, have, status == 0 ? &req : NULL);
		bool head_only = status == 0 && req.method == HTTP_HEAD;
		if (status == 0)
			status = route(&req);
		/* RFC 9112 9.6: closing with unread input would reset the connection, and the reset
		 * can destroy the response before the client reads it. */
		if (respond(c->conn, status, head_only) == 0)
			(void)io_linger(c->conn, IO_LINGER_MS, IO_LINGER_MAX);
	}
	clients_done(c->slot);   /* conn.close() */
	free(c);
	return NULL;
}

/* A place in the table of clients for conn, or the 503 past the cap (NULL either way). */
static struct client *new_client(int conn)
{
	int slot = clients_add(conn);
	struct client *c = slot >= 0 ? malloc(sizeof *c) : NULL;

	if (slot < 0) {
		(void)compat_send(conn, busy_response, sizeof busy_response - 1, 0);   /* never waits */
		clients_turn_away(conn);
	} else if (c == NULL) {
		clients_done(slot);
	} else {
		*c = (struct client){ .conn = conn, .slot = slot };
	}
	return c;
}

int main(int argc, char **argv)
{
	const char *host = "127.0.0.1";
	unsigned port = 8080;
	bool quiet = false;
	const struct cli_option opts[] = {
		{ "bind", 'b', CLI_STRING, &host, 0, 0, NULL },
		{ "port", 'p', CLI_NUMBER, &port, 0, 65535, "port" },
		{ "quiet", 'q', CLI_FLAG, &quiet, 0, 0, NULL },
	};
	const struct cli_program program = { "web_hello", "1.0", usage_text, opts, CLI_COUNT(opts), 0 };
	int status = cli_parse(&program, argc, argv, NULL);
	char why[128];

	if (status >= 0)
		return status;
	log_set_quiet(quiet);
	stop_setup();
	net_raise_fd_limit();
	int sock = listen_on(host, port);
	if (sock < 0 || cli_announce(&program, sock, "http", "Ctrl-C to stop") < 0 ||
	    clients_open(0) < 0)
		return 1;
	pthread_attr_t attr;   /* a small stack: the thread needs the head buffer and little else */
	pthread_attr_init(&attr);
	pthread_attr_setstacksize(&attr, CLIENTS_THREAD_STACK);
	status = 0;
	while (!stop_requested()) {
		struct pollfd listening = { .fd = sock, .events = POLLIN };
		pthread_t thread;

		/* Wait for a client for one slice at most, then look at the stop flag. */
		if (poll(&listening, 1, STOP_SLICE_MS) <= 0)
			continue;
		int conn = accept(sock, NULL, NULL);
		if (conn < 0 && (errno == EMFILE || errno == ENFILE)) {
			poll(NULL, 0, STOP_SLICE_MS);   /* out of descriptors: wait for clients to leave */
			continue;
		}
		if (conn < 0 && (errno == EINTR || errno == ECONNABORTED || errno == EAGAIN))
			continue;
		if (conn < 0) {
			log_error("web_hello: accept failed: %s", log_strerror(errno, why, sizeof why));
			status = 1;
			break;
		}
		struct client *c = new_client(conn);
		if (c != NULL && pthread_create(&thread, &attr, serve, c) == 0) {
			pthread_detach(thread);
		} else if (c != NULL) {
			clients_done(c->slot);
			free(c);
		}
	}
	pthread_attr_destroy(&attr);
	close(sock);
	clients_stop(STOP_GRACE_MS);   /* wake every client's thread and wait for it */
	clients_close();
	log_error("web_hello: stopped");
	return status;
}
