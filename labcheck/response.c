// SPDX-License-Identifier: MIT
/*
 * response: labcheck's strict, bounded parser of one HTTP/1.x response (see response.h). Each
 * rule names the RFC 9112 or RFC 9110 section it comes from, and each refusal is a sentence a
 * student can act on, because that sentence is what labcheck prints beside FAIL.
 *
 * Left out on purpose: HTTP/0.9 answers without a status line, leading empty lines, obs-fold and
 * bare-LF line ends (a recipient MAY accept some of these, but a server MUST NOT send them, and
 * telling the student is the point), and transfer codings other than chunked (labcheck sends no
 * TE field, so a server may use no other: RFC 9110 10.1.4).
 */
#include "response.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "base/num.h"

#define SHOWN_MAX 24                      /* server bytes quoted in an error sentence */
#define ESCAPED_MAX 5                     /* one byte shown as "\xhh", and a NUL */
#define QUOTE_MAX (4 * SHOWN_MAX + 4)     /* SHOWN_MAX bytes shown, "..." and a NUL */

/* A sentence into err (RESPONSE_ERROR_MAX bytes); returns ret, so "return say(...)" reads well. */
__attribute__((format(printf, 3, 4)))
static ssize_t say(char *err, ssize_t ret, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err, RESPONSE_ERROR_MAX, fmt, ap);   /* a cut sentence is still a sentence */
	va_end(ap);
	return ret;
}

/* The first bytes of p[0..len) for an error sentence: printable ASCII, others as \xhh. */
static const char *shown(const char *p, size_t len, char out[QUOTE_MAX])
{
	size_t n = 0;

	for (size_t i = 0; i < len && i < SHOWN_MAX; i++) {
		unsigned char c = (unsigned char)p[i];
		n += (size_t)snprintf(out + n, ESCAPED_MAX, c >= 0x20 && c < 0x7f ? "%c" : "\\x%02x", c);
	}
	memcpy(out + n, len > SHOWN_MAX ? "..." : "", len > SHOWN_MAX ? 4 : 1);
	return out;
}

/* A byte of a field value or reason phrase: HTAB, SP, VCHAR, obs-text (RFC 9110 5.5). */
static bool is_text(unsigned char c)
{
	return c == '\t' || (c >= 0x20 && c != 0x7f);
}

/*
 * The line at p (input ends at end): returns its length without the CRLF that ends it, -2 when
 * no line end has come yet and the line is still within max, or -1 (err set) for a bare LF, a
 * bare CR or a line of more than max bytes. what names the line in the sentence.
 */
static ssize_t find_line(const char *p, const char *end, size_t max, const char *what, char *err)
{
	size_t avail = (size_t)(end - p);

	for (size_t i = 0; i < avail; i++) {
		if (p[i] == '\n')
			return say(err, -1, "%s ends in a bare LF, without CR (RFC 9112 2.2: lines end "
			           "in CRLF)", what);
		if (p[i] == '\r') {
			if (i + 1 == avail)
				return -2;
			if (p[i + 1] != '\n')
				return say(err, -1, "%s holds a CR that is not followed by LF (RFC 9112 2.2)",
				           what);
			return (ssize_t)i;
		}
		if (i + 1 > max)
			return say(err, -1, "%s is longer than labcheck's limit of %zu bytes", what, max);
	}
	return -2;
}

/*
 * status-line = HTTP-version SP status-code SP [ reason-phrase ] (RFC 9112 4), p[0..n). Every
 * part before the reason has a fixed length, "HTTP/1.1 200 ", so the offsets are fixed: the
 * version's digits at 5 and 7, the code at 9..11, the reason from 13.
 */
static ssize_t parse_status_line(const char *p, size_t n, struct response *r)
{
	char q[QUOTE_MAX];

	if (n < 8 || p[5] < '0' || p[5] > '9' || p[6] != '.' || p[7] < '0' || p[7] > '9')
		return say(r->error, -1, "the status line '%s' has no version HTTP/DIGIT.DIGIT "
		           "(RFC 9112 2.3)", shown(p, n, q));
	if (p[5] != '1')
		return say(r->error, -1, "the server answered HTTP/%c.%c to an HTTP/1 request (RFC "
		           "9110 2.5: a server answers in a major version the client used)", p[5], p[7]);
	if (n < 12 || p[8] != ' ' || p[9] < '1' || p[9] > '5' || p[10] < '0' || p[10] > '9' ||
	    p[11] < '0' || p[11] > '9')
		return say(r->error, -1, "the status line '%s' has no status code from 100 to 599 "
		           "after one space (RFC 9112 4)", shown(p, n, q));
	if (n == 12 || p[12] != ' ')
		return say(r->error, -1, "the status line '%s' has no space after the status code "
		           "(RFC 9112 4: a server MUST send it, even with no reason phrase)",
		           shown(p, n, q));
	for (size_t i = 13; i < n; i++)
		if (!is_text((unsigned char)p[i]))
			return say(r->error, -1, "the reason phrase holds the control byte \\x%02x (RFC "
			           "9112 4)", (unsigned char)p[i]);
	r->minor = p[7] - '0';
	r->status = (p[9] - '0') * 100 + (p[10] - '0') * 10 + (p[11] - '0');
	r->reason = (struct response_str){ p + 13, n - 13 };
	return 0;
}

/* field-line = field-name ":" OWS field-value OWS (RFC 9112 5), p[0..n), n > 0. */
static ssize_t parse_field_line(const char *p, size_t n, struct response_field *f, char *err)
{
	char q[QUOTE_MAX];
	size_t name = 0, v, e = n;

	if (p[0] == ' ' || p[0] == '\t')
		return say(err, -1, "the line '%s' starts with whitespace: obs-fold, which RFC 9112 "
		           "5.2 forbids a server to send", shown(p, n, q));
	while (name < n && response_is_tchar((unsigned char)p[name]))
		name++;
	if (name < n && (p[name] == ' ' || p[name] == '\t') && memchr(p, ':', n) != NULL)
		return say(err, -1, "the line '%s' has whitespace before its colon (RFC 9112 5.1)",
		           shown(p, n, q));
	if (name == 0 || name == n || p[name] != ':')
		return say(err, -1, "the line '%s' is not 'Name: value' with a token as its name "
		           "(RFC 9112 5, RFC 9110 5.1)", shown(p, n, q));
	for (v = name + 1; v < e && (p[v] == ' ' || p[v] == '\t'); v++)
		;
	while (e > v && (p[e - 1] == ' ' || p[e - 1] == '\t'))
		e--;
	for (size_t i = v; i < e; i++)
		if (!is_text((unsigned char)p[i]))
			return say(err, -1, "the field %.*s holds the control byte \\x%02x (RFC 9110 5.5)",
			           (int)name, p, (unsigned char)p[i]);
	f->name = (struct response_str){ p, name };
	f->value = (struct response_str){ p + v, e - v };
	return 0;
}

/* The head; returns its length, -2 or -1, as response_parse(). */
static ssize_t parse_head(const char *buf, size_t len, struct response *r)
{
	const char *p = buf, *end = buf + len;
	char q[QUOTE_MAX];
	ssize_t n;

	/* "HTTP/" or not is known from the first bytes: garbage fails at once, line end or not. */
	if (memcmp(buf, "HTTP/", len < 5 ? len : 5) != 0)
		return say(r->error, -1, "the answer does not start with a status line but with '%s' "
		           "(RFC 9112 4)", shown(buf, len, q));
	n = find_line(p, end, RESPONSE_STATUS_LINE_MAX, "the status line", r->error);
	if (n == -2)
		return say(r->error, -2, len == 0 ? "no answer at all" :
		           "the status line stopped after %zu bytes", len);
	if (n < 0 || parse_status_line(p, (size_t)n, r) < 0)
		return -1;
	for (p += n + 2;; p += n + 2) {
		/* A field past the limit is bad at once, even while its line is still open. */
		if (r->field_count == RESPONSE_FIELDS_MAX && p < end && *p != '\r')
			return say(r->error, -1, "the head has more fields than labcheck's limit of %d",
			           RESPONSE_FIELDS_MAX);
		n = find_line(p, end, RESPONSE_FIELD_LINE_MAX, "a header line", r->error);
		if (n == -2 && len >= RESPONSE_HEAD_MAX)
			break;
		if (n == -2)
			return say(r->error, -2, "the head stopped after %zu bytes, before the empty line "
			           "that ends it", len);
		if (n < 0)
			return -1;
		if (n == 0) {
			if ((size_t)(p + 2 - buf) > RESPONSE_HEAD_MAX)
				break;
			return p + 2 - buf;
		}
		if (parse_field_line(p, (size_t)n, &r->fields[r->field_count], r->error) < 0)
			return -1;
		r->field_count++;
	}
	return say(r->error, -1, "the head is longer than labcheck's limit of %d bytes",
	           RESPONSE_HEAD_MAX);
}

/* Content-Length, Transfer-Encoding and Connection, checked against each other (RFC 9112 6). */
static ssize_t read_framing(struct response *r)
{
	int lengths = 0, codings = 0;
	char q[QUOTE_MAX];

	for (size_t i = 0; i < r->field_count; i++) {
		const struct response_field *f = &r->fields[i];
		if (response_str_ieq(f->name, "Content-Length")) {
			lengths++;
			if (num_parse_u64(f->value.p, f->value.len, 0, UINT64_MAX, &r->content_length) < 0)
				return say(r->error, -1, "Content-Length: '%s' is not one decimal number "
				           "(RFC 9110 8.6)", shown(f->value.p, f->value.len, q));
		} else if (response_str_ieq(f->name, "Transfer-Encoding")) {
			codings++;
			if (!response_str_ieq(f->value, "chunked"))
				return say(r->error, -1, "Transfer-Encoding: '%s'; labcheck asked for no "
				           "coding but chunked (RFC 9110 10.1.4)",
				           shown(f->value.p, f->value.len, q));
		}
	}
	r->has_content_length = lengths > 0;
	r->conn_close = response_has_token(r, "Connection", "close");
	r->conn_keep_alive = response_has_token(r, "Connection", "keep-alive");
	if (lengths > 1 || codings > 1)
		return say(r->error, -1, "%s comes in %d fields; one is allowed (RFC 9110 8.6, 5.3)",
		           lengths > 1 ? "Content-Length" : "Transfer-Encoding",
		           lengths > 1 ? lengths : codings);
	if (lengths && codings)
		return say(r->error, -1, "the head has both Content-Length and Transfer-Encoding "
		           "(RFC 9112 6.2: a sender MUST NOT send both)");
	if ((lengths || codings) && (r->status < 200 || r->status == 204))
		return say(r->error, -1, "a %d response carries %s (RFC 9110 8.6, RFC 9112 6.1: "
		           "never on 1xx or 204)", r->status, lengths ? "Content-Length" :
		           "Transfer-Encoding");
	if (codings && r->minor == 0)
		return say(r->error, -1, "an HTTP/1.0 response with Transfer-Encoding (RFC 9112 6.1: "
		           "its framing is faulty)");
	return 0;
}

/* chunk-size [ chunk-ext ] (RFC 9112 7.1, 7.1.1), the line p[0..n) of chunk number k. */
static ssize_t chunk_size(const char *p, size_t n, size_t k, uint64_t room, uint64_t *size,
                          char *err)
{
	char q[QUOTE_MAX];
	size_t digits = 0, i;

	while (digits < n && num_hex_digit((unsigned char)p[digits]) >= 0)
		digits++;
	for (i = digits; i < n && (p[i] == ' ' || p[i] == '\t'); i++)
		;
	/* BWS only before a ';' (RFC 9112 7.1.1): "5 " alone is not a size line. */
	if (digits == 0 || (i < n && p[i] != ';') || (i == n && i > digits))
		return say(err, -1, "chunk %zu: the size line '%s' is not a hex number, optionally "
		           "followed by ;extensions (RFC 9112 7.1)", k, shown(p, n, q));
	for (; i < n; i++)
		if (!is_text((unsigned char)p[i]))
			return say(err, -1, "chunk %zu: the size line holds the control byte \\x%02x",
			           k, (unsigned char)p[i]);
	if (num_parse_hex_u64(p, digits, room, size) < 0)
		return say(err, -1, "chunk %zu: the size %s bytes takes the body over labcheck's "
		           "limit of %d bytes", k, shown(p, digits, q), RESPONSE_BODY_MAX);
	return 0;
}

/*
 * After the last chunk: trailer fields, then the empty line (RFC 9112 7.1.2), together at most
 * RESPONSE_TRAILER_MAX bytes. Returns the body's length up to its end, -2 or -1.
 */
static ssize_t walk_trailer(const char *b, size_t len, size_t pos, char *err)
{
	struct response_field f;

	for (size_t start = pos;;) {
		ssize_t n = find_line(b + pos, b + len, RESPONSE_FIELD_LINE_MAX, "a trailer line", err);
		if (n == -1 || (n > 0 && parse_field_line(b + pos, (size_t)n, &f, err) < 0))
			return -1;
		/* Still open, the section is already len - start bytes long, and more must come. */
		size_t least = n == -2 ? len - start + 1 : pos + (size_t)n + 2 - start;
		if (least > RESPONSE_TRAILER_MAX)
			return say(err, -1, "the trailer section is longer than labcheck's limit of %d "
			           "bytes", RESPONSE_TRAILER_MAX);
		if (n == -2)
			return say(err, -2, "the body stopped after the 0 chunk, before the empty line "
			           "that ends it (RFC 9112 7.1)");
		pos += (size_t)n + 2;
		if (n == 0)
			return (ssize_t)pos;
	}
}

/*
 * The chunked body b[0..len): its framed length, -2 or -1 (err set). Counts the chunks and data
 * bytes into *chunks and *data, and copies the data into out (cap bytes) unless out is NULL.
 */
static ssize_t walk_chunks(const char *b, size_t len, size_t *chunks, uint64_t *data,
                           char *out, size_t cap, char *err)
{
	size_t pos = 0, k;
	uint64_t size = 1;

	*chunks = 0;
	*data = 0;
	for (k = 1; size > 0; k++) {
		ssize_t n = find_line(b + pos, b + len, RESPONSE_CHUNK_LINE_MAX, "a chunk-size line",
		                      err);
		if (n == -2)
			return say(err, -2, "the chunked body stopped in the size line of chunk %zu (no 0 "
			           "chunk yet)", k);
		if (n < 0)
			return -1;
		const char *line = b + pos;
		pos += (size_t)n + 2;
		uint64_t room = pos < RESPONSE_BODY_MAX ? RESPONSE_BODY_MAX - pos : 0;
		if (chunk_size(line, (size_t)n, k, room, &size, err) < 0)
			return -1;
		if (size == 0)
			break;
		if (len - pos < size + 2)
			return say(err, -2, "the chunked body stopped inside chunk %zu, %zu of its %llu "
			           "bytes in (no 0 chunk yet)", k, len - pos < size ? len - pos : size,
			           (unsigned long long)size);
		if (b[pos + size] != '\r' || b[pos + size + 1] != '\n')
			return say(err, -1, "chunk %zu: its %llu data bytes are not followed by CRLF (RFC "
			           "9112 7.1: the size line gives the data's length in hex)", k,
			           (unsigned long long)size);
		if (out != NULL && *data + size <= cap)
			memcpy(out + *data, b + pos, size);
		*data += size;
		(*chunks)++;
		pos += size + 2;
	}
	return walk_trailer(b, len, pos, err);
}

/* The body of b[0..len) (what followed the head), by r->framing; as response_parse(). */
static ssize_t parse_body(const char *b, size_t len, unsigned flags, struct response *r)
{
	ssize_t n;

	switch (r->framing) {
	case RESPONSE_NO_BODY:
		return 0;
	case RESPONSE_CHUNKED:
		n = walk_chunks(b, len, &r->chunks, &r->data_len, NULL, 0, r->error);
		break;
	case RESPONSE_LENGTH:
		if (r->content_length > RESPONSE_BODY_MAX) {
			r->over_limit = true;
			return say(r->error, -1, "Content-Length %llu is over labcheck's limit of %d bytes",
			           (unsigned long long)r->content_length, RESPONSE_BODY_MAX);
		}
		r->data_len = r->content_length;
		n = len >= r->content_length ? (ssize_t)r->content_length :
		    say(r->error, -2, "the body stopped after %zu of the %llu bytes Content-Length "
		        "announced", len, (unsigned long long)r->content_length);
		break;
	case RESPONSE_UNTIL_CLOSE:
		r->data_len = len;
		n = (flags & RESPONSE_EOF) ? (ssize_t)len :
		    say(r->error, -2, "the body has neither Content-Length nor chunked framing, so only "
		        "the server's close can end it (%zu bytes so far)", len);
		break;
	}
	/* A body that is not over once the limit is reached would go over it. */
	if (n > RESPONSE_BODY_MAX || (n == -2 && len >= RESPONSE_BODY_MAX)) {
		r->over_limit = true;
		return say(r->error, -1, "the body is longer than labcheck's limit of %d bytes",
		           RESPONSE_BODY_MAX);
	}
	return n;
}

ssize_t response_parse(const char *buf, size_t len, unsigned flags, struct response *r)
{
	ssize_t head, body;

	/* Every field but the large table, so that a caller never reads an old value. */
	r->minor = r->status = 0;
	r->reason = r->body = (struct response_str){ NULL, 0 };
	r->field_count = r->head_len = r->chunks = 0;
	r->framing = RESPONSE_NO_BODY;
	r->has_content_length = r->conn_close = r->conn_keep_alive = r->over_limit = false;
	r->content_length = r->data_len = 0;
	r->error[0] = '\0';
	head = parse_head(buf, len, r);
	if (head > 0 && read_framing(r) < 0)
		head = -1;
	if (head > 0) {
		r->head_len = (size_t)head;
		/* RFC 9112 6.3, items 1, 2, 4, 5 and 8 in this order. */
		r->framing = (flags & RESPONSE_TO_HEAD) || r->status < 200 || r->status == 204 ||
		             r->status == 304 ? RESPONSE_NO_BODY :
		             response_field(r, "Transfer-Encoding") != NULL ? RESPONSE_CHUNKED :
		             r->has_content_length ? RESPONSE_LENGTH : RESPONSE_UNTIL_CLOSE;
		body = parse_body(buf + head, len - (size_t)head, flags, r);
		if (body >= 0) {
			r->body = (struct response_str){ buf + head, (size_t)body };
			return head + body;
		}
		head = body;
	}
	if (head == -2 && (flags & RESPONSE_EOF))
		return -1;   /* the sentence already says where the message stopped */
	return head;
}

const struct response_str *response_field(const struct response *r, const char *name)
{
	for (size_t i = 0; i < r->field_count; i++)
		if (response_str_ieq(r->fields[i].name, name))
			return &r->fields[i].value;
	return NULL;
}

bool response_has_token(const struct response *r, const char *name, const char *token)
{
	for (size_t i = 0; i < r->field_count; i++) {
		const struct response_field *f = &r->fields[i];
		const char *p = f->value.p, *end = p + f->value.len;
		if (!response_str_ieq(f->name, name))
			continue;
		while (p < end) {   /* #token (RFC 9110 5.6.1): elements between commas, OWS trimmed */
			const char *comma = memchr(p, ',', (size_t)(end - p)), *e = comma ? comma : end;
			while (p < e && (*p == ' ' || *p == '\t'))
				p++;
			const char *t = e;
			while (t > p && (t[-1] == ' ' || t[-1] == '\t'))
				t--;
			if (response_str_ieq((struct response_str){ p, (size_t)(t - p) }, token))
				return true;
			p = e + (comma != NULL);
		}
	}
	return false;
}

bool response_is_tchar(unsigned char c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	       (c != '\0' && strchr("!#$%&'*+-.^_`|~", c) != NULL);
}

bool response_str_ieq(struct response_str s, const char *lit)
{
	size_t n = strlen(lit);

	if (s.len != n)
		return false;
	for (size_t i = 0; i < n; i++) {
		unsigned char a = (unsigned char)s.p[i], b = (unsigned char)lit[i];
		if ((a >= 'A' && a <= 'Z' ? a + 32 : a) != (b >= 'A' && b <= 'Z' ? b + 32 : b))
			return false;
	}
	return true;
}

size_t response_decode_chunked(const struct response *r, char *out, size_t cap)
{
	char err[RESPONSE_ERROR_MAX];
	size_t chunks;
	uint64_t data;

	if (walk_chunks(r->body.p, r->body.len, &chunks, &data, out, cap, err) < 0)
		return 0;
	return data <= cap ? (size_t)data : 0;
}
