// SPDX-License-Identifier: MIT
/*
 * web_hello: the handout's Part B "Example 2: Mimic a Simple Web Server". GET / answers a Hello
 * World page, any other path 404, and the request line is printed as the handout prints it:
 * ['GET', '/', 'HTTP/1.1']. Each client gets its own thread (net_serve_threads).
 *
 * Unlike the handout, which takes whatever one recv(2048) returns, it reads the whole request head
 * (a client may send it one byte at a time) within a size and a time limit, parses it
 * (http_parse_request), and sends a correct HTTP/1.0 response: every header line ends in CRLF,
 * with Date, Content-Type with charset, Content-Length and Connection: close. HEAD gets the head
 * only; a bad request gets its status code, never a crash.
 *
 * Left out on purpose: persistent connections, request bodies and files (see fileserver).
 */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include "base/cli.h"
#include "base/net_serve.h"
#include "base/stop.h"
#include "http/http.h"
#include "http/http_date.h"
#include "http/http_response.h"   /* http_date() */
#include "base/io.h"
#include "base/log.h"
#include "base/net.h"

#define WEB_HEAD_MAX 8192            /* a request head past this: 414 (no line end yet) or 431 */
#define WEB_HEAD_TIMEOUT_MS 10000    /* the whole head must arrive within this, or 408 */
#define WEB_SHOWN_MAX 256            /* request-line bytes printed; the rest is cut and counted */
#define WEB_RESPONSE_MAX 1024
#define WEB_LINGER_MS 1000           /* after the response, how long unread input is drained */
#define WEB_LINGER_MAX 65536         /* ... and how much of it */
#define STOP_GRACE_MS 100

/*
 * The handout's page lists glue b'Connection: close' b'Content-Type:...' into one header line,
 * "Connection: closeContent-Type:text/html; charset=utf-8": Python joins adjacent bytes literals
 * and there is no \r\n between the two. Its pages also close <body> with <body>. Both fixed here.
 */
#define PAGE_FORMAT "<html><body>%s</body></html>\r\n"

/* Past the live-client cap (RFC 9110 15.6.4); a 5xx need not carry Date (RFC 9110 6.6.1). */
static const char busy_response[] = "HTTP/1.0 503 Service Unavailable\r\nRetry-After: 1\r\n"
	"Content-Length: 0\r\nConnection: close\r\n\r\n";

static const char usage_text[] =
	"Usage: web_hello [-b ADDR] [-p PORT] [-q]\n"
	"The lab's Example 2: a tiny web server. GET / answers a Hello World page, any other path\n"
	"404 Not Found; it prints each request line as a list, ['GET', '/', 'HTTP/1.1'].\n\n"
	"  -b, --bind ADDR   address to listen on (default 127.0.0.1; 0.0.0.0 or :: for all)\n"
	"  -p, --port PORT   port to listen on, 0 for any free port (default 8080)\n"
	"  -q, --quiet       do not print request lines\n"
	"  -h, --help        show this help and exit\n"
	"  -V, --version     show the version and exit\n\n"
	"Ctrl-C (or SIGTERM) stops the server. Example:\n"
	"  bin/web_hello -p 8080      (after make install: lab4-web_hello)\n"
	"  curl -i http://127.0.0.1:8080/\n"
	"  printf 'GET / HTTP/1.0\\r\\n\\r\\n' | nc 127.0.0.1 8080\n";

/*
 * Read until buf holds a whole request head and parse it. Returns 0 when req is filled, the status
 * to answer when not (408 too slow, 414/431 too long, the parser's 400/501/505), or -1 to close
 * without a word: the client left before sending anything, or the connection failed.
 */
static int read_head(int fd, char *buf, size_t *have, struct http_request *req)
{
	int64_t deadline = io_now_ms() + WEB_HEAD_TIMEOUT_MS;   /* total, not per byte */
	ssize_t n, parsed;

	*have = 0;
	for (;;) {
		if (*have == WEB_HEAD_MAX)
			return memchr(buf, '\n', *have) ? HTTP_HEADER_FIELDS_TOO_LARGE : HTTP_URI_TOO_LONG;
		n = io_read_deadline(fd, buf + *have, WEB_HEAD_MAX - *have, deadline);
		if (n < 0)
			return errno == ETIMEDOUT ? HTTP_REQUEST_TIMEOUT : -1;
		if (n == 0)
			return *have == 0 ? -1 : HTTP_BAD_REQUEST;   /* EOF in the middle of a head */
		*have += (size_t)n;
		/* A head ends with a line end: parse again only when a new LF came, so a client
		 * sending one byte at a time costs one parse per line, not one per byte. */
		if (memchr(buf + *have - n, '\n', (size_t)n) == NULL)
			continue;
		parsed = http_parse_request(buf, *have, req);
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
	char text[LOG_REPR_SIZE(WEB_SHOWN_MAX) + 4 * (WEB_SHOWN_MAX + 1)];
	const char *line = req ? req->line.p : buf;
	size_t len = req ? req->line.len : have;
	const char *lf = memchr(line, '\n', len);

	if (lf != NULL)
		len = (size_t)(lf - line);
	if (len > 0 && line[len - 1] == '\r')
		len--;
	log_split_repr(text, sizeof text, line, len < WEB_SHOWN_MAX ? len : WEB_SHOWN_MAX);
	if (len > WEB_SHOWN_MAX)
		log_event("%s (request line cut at %d of %zu bytes)", text, WEB_SHOWN_MAX, len);
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

/* The whole response in one write. HEAD gets the same head, Content-Length included (RFC 9110
 * 9.3.2), and no body. Returns 0, or -1 when it could not be sent. */
static int respond(int fd, int status, bool head_only)
{
	char body[128], date[64], out[WEB_RESPONSE_MAX], what[64];
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
	             "\r\n%s",   /* the empty line that ends the head, then the body */
	             status, reason, date, blen, head_only ? "" : body);
	if (n < 0 || (size_t)n >= sizeof out)
		return -1;
	return io_write_all(fd, out, (size_t)n) < 0 ? -1 : 0;
}

static void serve(struct net_client *client, void *ctx)
{
	char buf[WEB_HEAD_MAX];
	struct http_request req;
	size_t have;
	int status = read_head(client->fd, buf, &have, &req);

	(void)ctx;
	if (status < 0)
		return;   /* nothing arrived (a browser's spare connection) or it failed: just close */
	if (have > 0 && !log_is_quiet())   /* -q skips the formatting too, not only the printing */
		print_request_line(buf, have, status == 0 ? &req : NULL);
	bool head_only = status == 0 && req.method == HTTP_HEAD;
	if (status == 0)
		status = route(&req);
	if (respond(client->fd, status, head_only) == 0)
		(void)io_linger(client->fd, WEB_LINGER_MS, WEB_LINGER_MAX);   /* RFC 9112 9.6 */
}

static void reject(int fd, const struct net_addr *peer, void *ctx)
{
	(void)peer;
	(void)ctx;
	(void)send(fd, busy_response, sizeof busy_response - 1, MSG_DONTWAIT | MSG_NOSIGNAL);
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

	if (status >= 0)
		return status;
	log_set_quiet(quiet);
	struct net_server srv = {
		.listen_fd = cli_listen(&program, host, port, "http", "Ctrl-C to stop"),
		.serve = serve, .reject = reject, .stop_grace_ms = STOP_GRACE_MS,
	};
	if (srv.listen_fd < 0)
		return 1;
	status = net_serve_threads(&srv) == 0 ? 0 : 1;
	log_error("web_hello: stopped");
	return status;
}
