// SPDX-License-Identifier: MIT
/*
 * http_error: the error answers. http_error_send() mirrors http.server's send_error()
 * (handout Part C): the same small HTML page naming the code, message and explanation, and the
 * same "code 404, message File not found" log line. http_error_busy() is the 503 a client gets
 * past the live-client cap, written from the accepting thread without blocking it.
 *
 * Left out on purpose: custom error pages per program.
 */
#include "http/http_error.h"

#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include "base/buf.h"
#include "base/compat.h"
#include "base/log.h"
#include "http/http_conn.h"
#include "http/http_date.h"
#include "http/http_response.h"

#define ERROR_PAGE_MAX 1536   /* an error page, its message escaped */

/* The long messages of Python's http.HTTPStatus, which http.server puts on its error page. */
static const char *const explanations[HTTP_STATUS_MAX] = {
	[HTTP_BAD_REQUEST] = "Bad request syntax or unsupported method",
	[HTTP_UNAUTHORIZED] = "No permission -- see authorization schemes",
	[HTTP_FORBIDDEN] = "Request forbidden -- authorization will not help",
	[HTTP_NOT_FOUND] = "Nothing matches the given URI",
	[HTTP_METHOD_NOT_ALLOWED] = "Specified method is invalid for this resource",
	[HTTP_REQUEST_TIMEOUT] = "Request timed out; try again later",
	[HTTP_LENGTH_REQUIRED] = "Client must specify Content-Length",
	[HTTP_CONTENT_TOO_LARGE] = "Entity is too large",
	[HTTP_URI_TOO_LONG] = "URI is too long",
	[HTTP_RANGE_NOT_SATISFIABLE] = "Cannot satisfy request range",
	[HTTP_EXPECTATION_FAILED] = "Expect condition could not be satisfied",
	[HTTP_HEADER_FIELDS_TOO_LARGE] = "The server is unwilling to process the request because "
	                                 "its header fields are too large",
	[HTTP_INTERNAL_SERVER_ERROR] = "Server got itself in trouble",
	[HTTP_NOT_IMPLEMENTED] = "Server does not support this operation",
	[HTTP_SERVICE_UNAVAILABLE] = "The server cannot process the request due to a high load",
	[HTTP_TOO_MANY_REQUESTS] = "The user has sent too many requests in a given amount of time "
	                           "(\"rate limiting\")",
	[HTTP_VERSION_NOT_SUPPORTED] = "Cannot fulfill request",
};

/* After these the stream may be out of step (or the client is misbehaving): close. */
static bool error_closes(int status)
{
	switch (status) {
	case HTTP_BAD_REQUEST: case HTTP_REQUEST_TIMEOUT: case HTTP_CONTENT_TOO_LARGE:
	case HTTP_URI_TOO_LONG: case HTTP_HEADER_FIELDS_TOO_LARGE:
	case HTTP_INTERNAL_SERVER_ERROR: case HTTP_NOT_IMPLEMENTED:
	case HTTP_VERSION_NOT_SUPPORTED:
		return true;
	default:
		return false;
	}
}

/* html.escape(message, quote=False), as send_error() escapes its message: unlike
 * url_html_escape(), quotes stay as they are. */
static void put_escaped(struct buf *b, const char *s)
{
	for (; *s != '\0'; s++) {
		const char *entity = *s == '&' ? "&amp;" : *s == '<' ? "&lt;" : *s == '>' ? "&gt;" : NULL;
		if (entity != NULL)
			buf_puts(b, entity);
		else
			buf_putc(b, *s);
	}
}

/* http.server's DEFAULT_ERROR_MESSAGE, filled in. Returns its length, or 0 (no page) when it
 * does not fit in cap: the messages are short texts of the server's own. */
static size_t error_page(char *out, size_t cap, int status, const char *message)
{
	const char *explain = status > 0 && status < HTTP_STATUS_MAX ? explanations[status] : NULL;
	struct buf b;
	buf_init(&b, out, cap);
	buf_printf(&b, "<!DOCTYPE HTML>\n<html lang=\"en\">\n    <head>\n"
	           "        <meta charset=\"utf-8\">\n"
	           "        <title>Error response</title>\n    </head>\n    <body>\n"
	           "        <h1>Error response</h1>\n        <p>Error code: %d</p>\n"
	           "        <p>Message: ", status);
	put_escaped(&b, message);
	buf_printf(&b, ".</p>\n"
	           "        <p>Error code explanation: %d - %s.</p>\n    </body>\n</html>\n",
	           status, explain ? explain : "???");
	return buf_truncated(&b) ? 0 : b.len;
}

static int send_error(struct http_exchange *x, int status, const char *message, const char *allow,
                      unsigned retry_after_s)
{
	char page[ERROR_PAGE_MAX];
	if (status < 100 || status > 999)
		status = HTTP_INTERNAL_SERVER_ERROR;
	if (message == NULL)
		message = http_reason(status) ? http_reason(status) : "???";
	if (!x->cfg->quiet)
		log_access_error(x->peer->host, status, message);
	if (error_closes(status))
		x->keep_alive = false;
	if (x->head_sent) {
		x->failed = true;   /* too late for an error page: only a close tells the client */
		x->keep_alive = false;
		return -1;
	}
	http_response_start(x, status);
	if (allow != NULL && http_response_header(x, "Allow", "%s", allow) < 0)
		return -1;
	/* A 503 is a "not now" (RFC 9110 15.6.4), as a 429 is (RFC 6585 4): say when to ask
	 * again (RFC 9110 10.2.3), a second from now unless the caller knows better. */
	if (retry_after_s == 0 && status == HTTP_SERVICE_UNAVAILABLE)
		retry_after_s = 1;
	if (retry_after_s > 0 && http_response_header(x, "Retry-After", "%u", retry_after_s) < 0)
		return -1;
	/* http.server sends no page with 1xx, 204 and 304, which have no content (RFC 9110 6.4.1). */
	if (status < 200 || status == HTTP_NO_CONTENT || status == HTTP_NOT_MODIFIED)
		return http_response_simple(x, status, NULL, NULL, 0);
	size_t n = error_page(page, sizeof page, status, message);
	return http_response_simple(x, status, "text/html;charset=utf-8", page, n);
}

int http_error_send(struct http_exchange *x, int status, const char *message)
{
	return send_error(x, status, message, NULL, 0);
}

int http_error_send_retry(struct http_exchange *x, int status, unsigned retry_after_s,
                          const char *message)
{
	return send_error(x, status, message, NULL, retry_after_s);
}

int http_error_send_allow(struct http_exchange *x, const char *allow)
{
	return send_error(x, HTTP_METHOD_NOT_ALLOWED, NULL, allow, 0);
}

void http_error_busy(int fd, const struct net_addr *peer, void *ctx)
{
	static const char body[] = "Too many clients right now: try again in a second.\n";
	const struct http_config *cfg = ctx;
	const char *server = cfg->server_name;
	char date[HTTP_DATE_SIZE], msg[512];
	(void)peer;
	if (cfg->tls != NULL)
		return;   /* see http_conn.h: a TLS client would take plain text for a bad record */
	http_date(date, sizeof date, (int64_t)time(NULL));
	int n = snprintf(msg, sizeof msg,
	                 "%s 503 Service Unavailable\r\nDate: %s\r\n%s%s%s"
	                 "Retry-After: 1\r\nContent-Type: text/plain; charset=utf-8\r\n"
	                 "Content-Length: %zu\r\nConnection: close\r\n\r\n%s",
	                 cfg->http10 ? "HTTP/1.0" : "HTTP/1.1", date, server ? "Server: " : "",
	                 server ? server : "", server ? "\r\n" : "", sizeof body - 1, body);
	/* On the accepting thread: never block it. A full socket buffer just loses the message. */
	if (n > 0 && (size_t)n < sizeof msg)
		(void)compat_send(fd, msg, (size_t)n, 0);
}
