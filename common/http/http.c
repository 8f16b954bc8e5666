// SPDX-License-Identifier: MIT
/*
 * http: the request-head parser shared by fileserver and formapp (handout Part C), header lookup,
 * and the status and method tables. The parser has picohttpparser's shape: one pass over the
 * caller's buffer, no allocation, slices into the buffer, "bytes consumed / -2 need more / -1 bad".
 * It re-parses from the start on each call (O(n) per call), which keeps it stateless.
 * Every rule cites RFC 9112 (message syntax) or RFC 9110 (semantics). Left out on purpose:
 * obs-fold (rejected, not unfolded), HTTP/0.9 and HTTP/2, transfer codings other than chunked.
 */
#include "http/http.h"

#include <ctype.h>
#include <string.h>
#include <strings.h>

#include "base/num.h"

/* Content-Length ceiling: far beyond any body we accept, and safe to add offsets to. */
#define CONTENT_LENGTH_MAX (UINT64_C(1) << 62)

/*
 * Character classes, one table lookup per byte instead of a chain of comparisons:
 * C_TOKEN tchar (RFC 9110 5.6.2), C_VCHAR a request-target byte (visible ASCII, RFC 9112 3.2),
 * C_FIELD a field-value byte (VCHAR, SP, HTAB, obs-text; RFC 9110 5.5), C_HOST a reg-name byte
 * (unreserved, sub-delims and the "%" of pct-encoded, RFC 3986 3.2.2).
 */
enum { C_TOKEN = 1, C_VCHAR = 2, C_FIELD = 4, C_HOST = 8 };
#define A (C_TOKEN | C_VCHAR | C_FIELD | C_HOST)   /* alnum, - . _ ~ ! $ % & ' * + */
#define K (C_TOKEN | C_VCHAR | C_FIELD)            /* token but not host: # ^ ` | */
#define S (C_VCHAR | C_FIELD | C_HOST)             /* host but not token: ( ) , ; = */
#define X (C_VCHAR | C_FIELD)                      /* other visible: " / : < > ? @ [ \ ] { } */
#define F C_FIELD                                  /* SP, HTAB, obs-text */
#define F16 F, F, F, F, F, F, F, F, F, F, F, F, F, F, F, F
static const unsigned char char_class[256] = {
	0, 0, 0, 0, 0, 0, 0, 0, 0, F, 0, 0, 0, 0, 0, 0,         /* 0x00: only HTAB */
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,         /* 0x10 */
	F, A, X, K, A, A, A, A, S, S, A, A, S, A, A, X,         /* SP ! " # $ % & ' ( ) * + , - . / */
	A, A, A, A, A, A, A, A, A, A, X, S, X, S, X, X,         /* 0-9 : ; < = > ? */
	X, A, A, A, A, A, A, A, A, A, A, A, A, A, A, A,         /* @ A-O */
	A, A, A, A, A, A, A, A, A, A, A, X, X, X, K, A,         /* P-Z [ \ ] ^ _ */
	K, A, A, A, A, A, A, A, A, A, A, A, A, A, A, A,         /* ` a-o */
	A, A, A, A, A, A, A, A, A, A, A, X, K, X, A, 0,         /* p-z { | } ~ DEL */
	F16, F16, F16, F16, F16, F16, F16, F16                  /* 0x80-0xff: obs-text */
};
#define IS(c, cls) (char_class[(unsigned char)(c)] & (cls))
#define LIT(s) { s, sizeof(s) - 1 }

static const struct http_str method_names[HTTP_METHOD_COUNT] = {
	[HTTP_GET] = LIT("GET"), [HTTP_HEAD] = LIT("HEAD"), [HTTP_POST] = LIT("POST"),
	[HTTP_PUT] = LIT("PUT"), [HTTP_DELETE] = LIT("DELETE"), [HTTP_CONNECT] = LIT("CONNECT"),
	[HTTP_OPTIONS] = LIT("OPTIONS"), [HTTP_TRACE] = LIT("TRACE"), [HTTP_PATCH] = LIT("PATCH"),
};

/* Reason phrases of RFC 9110 section 15, indexed by the code itself. */
static const char *const reasons[HTTP_STATUS_MAX] = {
	[HTTP_CONTINUE] = "Continue", [101] = "Switching Protocols", [HTTP_OK] = "OK", [201] = "Created",
	[HTTP_NO_CONTENT] = "No Content", [HTTP_PARTIAL_CONTENT] = "Partial Content",
	[HTTP_MOVED_PERMANENTLY] = "Moved Permanently", [HTTP_FOUND] = "Found",
	[HTTP_SEE_OTHER] = "See Other", [HTTP_NOT_MODIFIED] = "Not Modified",
	[307] = "Temporary Redirect", [308] = "Permanent Redirect",
	[HTTP_BAD_REQUEST] = "Bad Request", [HTTP_UNAUTHORIZED] = "Unauthorized",
	[HTTP_FORBIDDEN] = "Forbidden", [HTTP_NOT_FOUND] = "Not Found",
	[HTTP_METHOD_NOT_ALLOWED] = "Method Not Allowed", [HTTP_REQUEST_TIMEOUT] = "Request Timeout",
	[409] = "Conflict", [410] = "Gone", [HTTP_LENGTH_REQUIRED] = "Length Required",
	[412] = "Precondition Failed", [HTTP_CONTENT_TOO_LARGE] = "Content Too Large",
	[HTTP_URI_TOO_LONG] = "URI Too Long", [415] = "Unsupported Media Type",
	[HTTP_RANGE_NOT_SATISFIABLE] = "Range Not Satisfiable",
	[HTTP_EXPECTATION_FAILED] = "Expectation Failed",
	[HTTP_TOO_MANY_REQUESTS] = "Too Many Requests",
	[HTTP_HEADER_FIELDS_TOO_LARGE] = "Request Header Fields Too Large",
	[HTTP_INTERNAL_SERVER_ERROR] = "Internal Server Error",
	[HTTP_NOT_IMPLEMENTED] = "Not Implemented", [502] = "Bad Gateway",
	[HTTP_SERVICE_UNAVAILABLE] = "Service Unavailable", [504] = "Gateway Timeout",
	[HTTP_VERSION_NOT_SUPPORTED] = "HTTP Version Not Supported",
};

/* What the parser remembers between the fields of one head. */
struct head_state {
	struct http_request *req;
	int host_count, te_chunked;                /* Host fields; "chunked" codings listed */
	bool te_seen, te_other, te_last_chunked;   /* TE seen; other coding listed; ends in chunked */
};

static struct http_str slice(const char *p, const char *end)
{
	return (struct http_str){ p, (size_t)(end - p) };
}

/* p[0..end) without its leading and trailing whitespace (OWS: SP, HTAB; RFC 9110 5.6.3). */
static struct http_str trim_ows(const char *p, const char *end)
{
	while (p < end && (*p == ' ' || *p == '\t'))
		p++;
	while (end > p && (end[-1] == ' ' || end[-1] == '\t'))
		end--;
	return slice(p, end);
}

/* Next element of a comma-separated list (RFC 9110 5.6.1), OWS trimmed; false past the end. */
static bool list_next(struct http_str *rest, struct http_str *elem)
{
	if (rest->p == NULL)
		return false;
	const char *end = rest->p + rest->len, *comma = memchr(rest->p, ',', rest->len);
	*elem = trim_ows(rest->p, comma ? comma : end);
	*rest = comma ? slice(comma + 1, end) : (struct http_str){ NULL, 0 };
	return true;
}

/* True if the list value holds token, case-insensitively. */
static bool list_has(struct http_str value, const char *token)
{
	struct http_str elem;

	while (list_next(&value, &elem))
		if (http_str_ieq(elem, token))
			return true;
	return false;
}

/*
 * uri-host [":" port] (RFC 9110 7.2, RFC 3986 3.2.2-3.2.3): a reg-name or IPv4 address, or an
 * IPv6 literal in brackets. "@" (userinfo, RFC 9110 4.2.4), "/", spaces and empty hosts fail.
 * isxdigit() is not locale-dependent (C11 7.4.1.12).
 */
static bool valid_host(struct http_str s, bool port_required)
{
	const char *p = s.p, *end = s.p + s.len;
	uint64_t port;

	if (p < end && *p == '[') {   /* IP-literal */
		while (++p < end && (isxdigit((unsigned char)*p) || *p == ':' || *p == '.'))
			;
		if (p == end || *p != ']' || p - s.p < 3)
			return false;
		p++;
	} else {   /* reg-name, which covers IPv4address; "%" must start a pct-encoded byte */
		for (; p < end && IS(*p, C_HOST); p++)
			if (*p == '%' && (end - p < 3 || !isxdigit((unsigned char)p[1])
			                  || !isxdigit((unsigned char)p[2])))
				return false;
		if (p == s.p)
			return false;
	}
	if (p < end && *p++ != ':')
		return false;
	/* port = *DIGIT: empty is allowed (RFC 3986 3.2.3) except for CONNECT; past 65535 is not. */
	return p == end ? !port_required : num_parse_u64(p, (size_t)(end - p), 0, 65535, &port) == 0;
}

/*
 * The request-target forms of RFC 9112 3.2: sets path and, when the target has one, authority
 * (then Host is still checked but not used for routing, 3.2.2). False when malformed.
 */
static bool parse_target(struct http_request *req)
{
	const char *t = req->target.p, *end = t + req->target.len, *p;

	if (req->method == HTTP_CONNECT) {   /* authority-form, CONNECT only (3.2.3); no path */
		req->authority = req->target;
		return valid_host(req->target, true);
	}
	if (*t == '/' || (req->target.len == 1 && *t == '*')) {   /* origin- and asterisk-form */
		req->path = req->target;
		return true;
	}
	/* absolute-form (3.2.2) of an http or https URI; the scheme is case-insensitive. */
	static const char colon_slashes[] = "://";
	const size_t cs_len = sizeof colon_slashes - 1;
	p = memchr(t, ':', req->target.len);
	if (p == NULL || (size_t)(end - p) < cs_len || memcmp(p, colon_slashes, cs_len) != 0
	    || !(http_str_ieq(slice(t, p), "http") || http_str_ieq(slice(t, p), "https")))
		return false;
	const char *a = p + cs_len;
	for (p = a; p < end && *p != '/' && *p != '?' && *p != '#'; p++)
		;
	req->authority = slice(a, p);
	/* An empty path is "/" (RFC 9110 4.2.3); "http://h?q" has no "/" to point at: refused. */
	req->path = p == end ? (struct http_str)LIT("/") : slice(p, end);
	return *req->path.p == '/' && valid_host(req->authority, false);
}

/*
 * request-line = method SP request-target SP HTTP-version (RFC 9112 3), single spaces.
 * Checks run from syntax (400) to version (505) to method (501), so a garbled line is 400.
 */
static int parse_request_line(struct http_request *req, const char *s, const char *end)
{
	const char *p = s, *t;

	while (p < end && IS(*p, C_TOKEN))
		p++;
	if (p == s || p == end || *p != ' ')
		return HTTP_BAD_REQUEST;
	req->method_text = slice(s, p);
	for (t = ++p; p < end && IS(*p, C_VCHAR); p++)
		;
	if (p == t || p == end || *p != ' ')
		return HTTP_BAD_REQUEST;   /* also a control byte, obs-text or a 2nd SP in it */
	req->target = slice(t, p++);
	/* HTTP-version = "HTTP/" DIGIT "." DIGIT, case-sensitive (RFC 9112 2.3): v is the digits. */
	static const char name[] = "HTTP/";
	const char *v = p + sizeof name - 1;
	if (end - p != (ptrdiff_t)sizeof "HTTP/1.1" - 1 || memcmp(p, name, sizeof name - 1) != 0
	    || !isdigit((unsigned char)v[0]) || v[1] != '.' || !isdigit((unsigned char)v[2]))
		return HTTP_BAD_REQUEST;
	if (v[0] != '1')
		return HTTP_VERSION_NOT_SUPPORTED;
	req->minor = v[2] > '1' ? 1 : v[2] - '0';   /* 1.2+ is answered as 1.1 (RFC 9110 2.5) */
	for (int m = HTTP_GET; m < HTTP_METHOD_COUNT && req->method == HTTP_METHOD_UNKNOWN; m++)
		if (req->method_text.len == method_names[m].len
		    && memcmp(req->method_text.p, method_names[m].p, method_names[m].len) == 0)
			req->method = (enum http_method)m;
	if (!parse_target(req))
		return HTTP_BAD_REQUEST;
	return req->method == HTTP_METHOD_UNKNOWN ? HTTP_NOT_IMPLEMENTED : 0;   /* RFC 9110 9.1 */
}

/*
 * The fields the parser acts on itself, told apart by length first so most cost one compare:
 * Host (RFC 9112 3.2: at most one, valid; empty only without an authority, so not on HTTP/1.1),
 * Content-Length (RFC 9110 8.6: 1*DIGIT; a list or repeat of one value is that value),
 * Transfer-Encoding (RFC 9112 6.1: the codings of all its fields, in order), Connection
 * (RFC 9112 9.3) and Expect (RFC 9110 10.1.1: an HTTP/1.0 client never gets 100 Continue).
 */
/* A field name against a literal: the lengths first, counted by the compiler, so the names of
 * other lengths (most of them) cost no call. */
#define FIELD_IS(name, lit) ((name).len == sizeof(lit) - 1 && http_str_ieq((name), (lit)))

static int note_field(struct head_state *hs, struct http_str name, struct http_str v)
{
	struct http_request *req = hs->req;
	struct http_str elem;
	uint64_t n;

	if (FIELD_IS(name, "host")) {
		if (++hs->host_count > 1 || (v.len == 0 ? req->minor == 1 : !valid_host(v, false)))
			return HTTP_BAD_REQUEST;
		if (req->authority.len == 0)   /* not given by the target */
			req->authority = v;
	}
	if (FIELD_IS(name, "content-length")) {
		while (list_next(&v, &elem)) {
			if (num_parse_u64(elem.p, elem.len, 0, CONTENT_LENGTH_MAX, &n) != 0
			    || (req->has_content_length && n != req->content_length))
				return HTTP_BAD_REQUEST;   /* RFC 9112 6.3 point 5: invalid framing */
			req->has_content_length = true;
			req->content_length = n;
		}
	}
	if (FIELD_IS(name, "transfer-encoding")) {
		hs->te_seen = true;
		while (list_next(&v, &elem)) {
			if (elem.len == 0)
				continue;   /* empty list elements are ignored (RFC 9110 5.6.1.2) */
			hs->te_last_chunked = http_str_ieq(elem, "chunked");
			hs->te_chunked += hs->te_last_chunked;
			hs->te_other |= !hs->te_last_chunked;
		}
	}
	if (FIELD_IS(name, "connection")) {
		req->conn_close |= list_has(v, "close");
		req->conn_keep_alive |= list_has(v, "keep-alive");
	}
	if (req->minor == 1 && FIELD_IS(name, "expect"))
		req->expect_continue |= list_has(v, "100-continue");
	return 0;
}

/*
 * field-line = field-name ":" OWS field-value OWS (RFC 9112 5). A line starting with whitespace
 * is obs-fold (5.2) and whitespace before the colon is forbidden (5.1): both fail the token scan.
 */
static int parse_field(struct head_state *hs, const char *s, const char *end)
{
	struct http_request *req = hs->req;
	const char *p = s, *v;

	while (p < end && IS(*p, C_TOKEN))
		p++;
	if (p == s || p == end || *p != ':')
		return HTTP_BAD_REQUEST;
	if (req->header_count == HTTP_HEADERS_MAX)
		return HTTP_HEADER_FIELDS_TOO_LARGE;
	struct http_str name = slice(s, p);
	for (v = ++p; p < end && IS(*p, C_FIELD); p++)
		;
	if (p != end)
		return HTTP_BAD_REQUEST;   /* NUL, bare CR or another control byte (RFC 9110 5.5) */
	struct http_str value = trim_ows(v, end);
	req->headers[req->header_count++] = (struct http_header){ name, value };
	return note_field(hs, name, value);
}

/* After the empty line: the rules that need the whole head (RFC 9112 3.2, 6.1, 6.3, 7). */
static int finish_head(struct head_state *hs)
{
	struct http_request *req = hs->req;

	if (req->minor == 1 && hs->host_count == 0)
		return HTTP_BAD_REQUEST;
	/*
	 * Faulty framing, 400: TE in HTTP/1.0 (6.1); TE with Content-Length (refused, not guessed);
	 * chunked not final, so the length cannot be known (6.3 point 4); chunked twice (7).
	 */
	if (hs->te_seen && (req->minor == 0 || req->has_content_length || !hs->te_last_chunked
	                    || hs->te_chunked > 1))
		return HTTP_BAD_REQUEST;
	if (hs->te_other)
		return HTTP_NOT_IMPLEMENTED;   /* a coding we do not implement before chunked (6.1) */
	req->chunked = hs->te_seen;
	return 0;
}

/* Everything but the header array (filled as fields arrive) starts as 0, false or NULL. */
static void request_init(struct http_request *req)
{
	const struct http_str empty = LIT("");
	size_t head = offsetof(struct http_request, headers), tail = head + sizeof req->headers;

	memset(req, 0, head);
	memset((char *)req + tail, 0, sizeof *req - tail);
	req->method_text = req->line = req->target = req->path = req->authority = empty;
}

ssize_t http_parse_request(const char *buf, size_t len, struct http_request *req)
{
	struct head_state hs = { .req = req };
	const char *p = buf, *end = buf + len, *eol, *next, *lf;
	int status = 0;

	request_init(req);
	/* Empty lines before the request line are skipped (RFC 9112 2.2), bounded by HEAD_MAX. */
	while (p < end && (*p == '\n' || (*p == '\r' && end - p > 1 && p[1] == '\n')))
		p += *p == '\n' ? 1 : 2;
	for (bool first = true; status == 0; first = false, p = next) {
		size_t max = first ? HTTP_REQUEST_LINE_MAX : HTTP_HEADER_LINE_MAX;
		int over = first ? HTTP_URI_TOO_LONG : HTTP_HEADER_FIELDS_TOO_LARGE;
		/* A line ends at LF or CRLF (RFC 9112 2.2); eol is where its content ends. */
		if ((lf = p < end ? memchr(p, '\n', (size_t)(end - p)) : NULL) == NULL) {
			/*
			 * Incomplete: "need more" unless more bytes cannot help. A final CR may still get
			 * its LF, any other CR is bare (2.2); a head that fills HEAD_MAX ends past it.
			 */
			size_t n = (size_t)(end - p) - (end > p && end[-1] == '\r');
			status = n > max ? over : memchr(p, '\r', n) != NULL ? HTTP_BAD_REQUEST
			         : len >= HTTP_HEAD_MAX ? HTTP_HEADER_FIELDS_TOO_LARGE : 0;
			if (status == 0)
				return -2;
			break;
		}
		next = lf + 1;
		eol = (lf > p && lf[-1] == '\r') ? lf - 1 : lf;
		if ((size_t)(eol - p) > max) {
			status = over;
		} else if ((size_t)(next - buf) > HTTP_HEAD_MAX) {
			status = HTTP_HEADER_FIELDS_TOO_LARGE;
		} else if (first) {
			req->line = slice(p, eol);
			status = parse_request_line(req, p, eol);
		} else if (eol != p) {
			status = parse_field(&hs, p, eol);
		} else if ((status = finish_head(&hs)) == 0) {   /* the empty line ends the head */
			return next - buf;
		}
	}
	req->error = (enum http_status)status;
	return -1;
}

const struct http_str *http_header_get(const struct http_request *req, const char *name)
{
	for (size_t i = 0; i < req->header_count; i++)
		if (http_str_ieq(req->headers[i].name, name))
			return &req->headers[i].value;
	return NULL;
}

bool http_header_has_token(const struct http_request *req, const char *name, const char *token)
{
	for (size_t i = 0; i < req->header_count; i++)
		if (http_str_ieq(req->headers[i].name, name) && list_has(req->headers[i].value, token))
			return true;
	return false;
}

const char *http_reason(int status)
{
	return status >= 0 && status < HTTP_STATUS_MAX ? reasons[status] : NULL;
}

const char *http_method_name(enum http_method m)
{
	return m > HTTP_METHOD_UNKNOWN && m < HTTP_METHOD_COUNT ? method_names[m].p : NULL;
}

/* strncasecmp() folds ASCII only in the C locale, which these programs never leave. */
bool http_str_ieq(struct http_str s, const char *lit)
{
	return strlen(lit) == s.len && strncasecmp(s.p, lit, s.len) == 0;
}
