/* SPDX-License-Identifier: MIT */
/*
 * http: the request-head parser (RFC 9112 sections 2-6, RFC 9110), header lookup, and the tables
 * of status codes and methods. The parser has the shape of picohttpparser: it allocates nothing,
 * points into the caller's buffer, and can be called again as more bytes arrive.
 */
#ifndef HTTP_H
#define HTTP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* Limits on what a client controls, each with the status that answers it. */
#define HTTP_REQUEST_LINE_MAX 8192   /* 414 URI Too Long */
#define HTTP_HEADER_LINE_MAX 8192    /* 431 */
#define HTTP_HEAD_MAX 65536          /* whole head, request line included: 431 */
#define HTTP_HEADERS_MAX 100         /* header fields: 431 */

/* The status codes this suite sends; each enum value is the code itself. */
enum http_status {
	HTTP_CONTINUE = 100,
	HTTP_OK = 200,
	HTTP_NO_CONTENT = 204,
	HTTP_PARTIAL_CONTENT = 206,
	HTTP_MOVED_PERMANENTLY = 301,
	HTTP_FOUND = 302,
	HTTP_SEE_OTHER = 303,
	HTTP_NOT_MODIFIED = 304,
	HTTP_BAD_REQUEST = 400,
	HTTP_UNAUTHORIZED = 401,
	HTTP_FORBIDDEN = 403,
	HTTP_NOT_FOUND = 404,
	HTTP_METHOD_NOT_ALLOWED = 405,
	HTTP_REQUEST_TIMEOUT = 408,
	HTTP_LENGTH_REQUIRED = 411,
	HTTP_CONTENT_TOO_LARGE = 413,
	HTTP_URI_TOO_LONG = 414,
	HTTP_RANGE_NOT_SATISFIABLE = 416,
	HTTP_EXPECTATION_FAILED = 417,
	HTTP_TOO_MANY_REQUESTS = 429,
	HTTP_HEADER_FIELDS_TOO_LARGE = 431,
	HTTP_INTERNAL_SERVER_ERROR = 500,
	HTTP_NOT_IMPLEMENTED = 501,
	HTTP_SERVICE_UNAVAILABLE = 503,
	HTTP_VERSION_NOT_SUPPORTED = 505,
	HTTP_STATUS_MAX = 600
};

/* Methods are case-sensitive tokens (RFC 9110 9.1): "get" is an unknown method, not GET. */
enum http_method {
	HTTP_METHOD_UNKNOWN = 0,
	HTTP_GET, HTTP_HEAD, HTTP_POST, HTTP_PUT, HTTP_DELETE,
	HTTP_CONNECT, HTTP_OPTIONS, HTTP_TRACE, HTTP_PATCH,
	HTTP_METHOD_COUNT
};

/* A slice of the caller's buffer; not NUL-terminated. */
struct http_str {
	const char *p;
	size_t len;
};

struct http_header {
	struct http_str name;    /* a token, case as sent */
	struct http_str value;   /* leading and trailing whitespace removed */
};

struct http_request {
	enum http_method method;
	struct http_str method_text;
	struct http_str line;        /* the request line without its line end (for the access log) */
	struct http_str target;      /* as sent: "/a%20b?x=1" or "http://host/a" or "*" */
	struct http_str path;        /* origin-form part of target: "/a%20b?x=1" (absolute-form: from
	                                its path on, "/" when empty); "*" for asterisk-form */
	struct http_str authority;   /* absolute-form authority if given, else the Host value */
	int minor;                   /* HTTP/1.<minor>: 0 or 1 (1.2 and later are served as 1.1) */

	size_t header_count;
	struct http_header headers[HTTP_HEADERS_MAX];

	/* Message framing (RFC 9112 section 6), filled in by the parser. */
	bool chunked;                /* Transfer-Encoding: chunked */
	bool has_content_length;
	uint64_t content_length;

	/* Connection handling (RFC 9112 section 9.3). */
	bool conn_close;             /* "Connection: close" */
	bool conn_keep_alive;        /* "Connection: keep-alive" (matters for HTTP/1.0) */
	bool expect_continue;        /* "Expect: 100-continue" */

	enum http_status error;      /* set when http_parse_request returns -1 */
};

/*
 * Parse one request head from buf[0..len). Leading empty lines are skipped (RFC 9112 2.2).
 * A line ends at CRLF or a bare LF; a bare CR anywhere is 400.
 * Returns the number of bytes of the head, its final empty line included (> 0); -2 when the head
 * is incomplete but may still become valid (call again with more bytes); -1 when it is bad, with
 * req->error set to the status to answer:
 *   400 bad syntax, bare CR, obs-fold, bad field name or value, missing/repeated/invalid Host on
 *       HTTP/1.1, bad or conflicting Content-Length, Content-Length with Transfer-Encoding;
 *   414 request line over HTTP_REQUEST_LINE_MAX; 431 header line, head or field count over limit;
 *   501 unknown method, or a Transfer-Encoding other than a final "chunked";
 *   505 HTTP major version other than 1.
 * The limits are checked on incomplete input too, so -2 is never returned for a head that is
 * already too long. req is filled only when the return is > 0 (or -1 for error).
 */
ssize_t http_parse_request(const char *buf, size_t len, struct http_request *req);

/* The first header with this name (case-insensitive), or NULL. */
const struct http_str *http_header_get(const struct http_request *req, const char *name);

/*
 * True if any header with this name holds token in its comma-separated list, compared
 * case-insensitively ("Connection: keep-alive, Close" has "close").
 */
bool http_header_has_token(const struct http_request *req, const char *name, const char *token);

/* "Not Found" for 404; NULL for a code not in the table. */
const char *http_reason(int status);

/* "GET" for HTTP_GET; NULL for HTTP_METHOD_UNKNOWN. */
const char *http_method_name(enum http_method m);

/* True if s equals the NUL-terminated lit, case-insensitively (ASCII only). */
bool http_str_ieq(struct http_str s, const char *lit);

#endif
