/* SPDX-License-Identifier: MIT */
/*
 * response: labcheck's parser of one HTTP/1.x response (RFC 9112 sections 2-7, RFC 9110), the
 * other side of common/http.c's request parser. The server under test is assumed to be wrong in
 * any way, so the parser is strict wherever the RFCs bind a sender (CRLF line ends, one valid
 * Content-Length, "chunked" the only transfer coding, no body on 1xx/204/304/HEAD), bounded by
 * the named limits below, and says in one sentence what it found.
 *
 * The shape is picohttpparser's: no allocation, slices into the caller's buffer, and a return of
 * bytes consumed / -2 need more / -1 bad. It parses again from the start on each call, so it
 * keeps no state between calls; a chunked body is walked chunk by chunk, skipping the data.
 * Thread-safe: it touches only its arguments.
 */
#ifndef RESPONSE_H
#define RESPONSE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* What a server controls, each with a limit; one byte over is bad, even before the line ends. */
#define RESPONSE_STATUS_LINE_MAX 8192            /* the status line without its CRLF */
#define RESPONSE_FIELD_LINE_MAX 8192             /* one header (or trailer) line, no CRLF */
#define RESPONSE_HEAD_MAX 65536                  /* status line to the empty line, included */
#define RESPONSE_FIELDS_MAX 100                  /* header fields */
#define RESPONSE_BODY_MAX (4 * 1024 * 1024)      /* the body as framed: chunk lines included */
#define RESPONSE_CHUNK_LINE_MAX 1024             /* a chunk-size line, extensions included */
#define RESPONSE_TRAILER_MAX 8192                /* the trailer section after the 0 chunk */
#define RESPONSE_ERROR_MAX 256                   /* room for the one-sentence reason */

/* How the end of the body is found (RFC 9112 6.3), in the order the RFC decides it. */
enum response_framing {
	RESPONSE_NO_BODY,       /* a response to HEAD, or 1xx, 204, 304: the head is all */
	RESPONSE_CHUNKED,       /* Transfer-Encoding: chunked */
	RESPONSE_LENGTH,        /* Content-Length */
	RESPONSE_UNTIL_CLOSE,   /* neither: the body ends when the server closes the connection */
};

/* Flags for response_parse(). */
enum {
	RESPONSE_TO_HEAD = 1,   /* the request was HEAD: no body, whatever the fields say */
	RESPONSE_EOF = 2,       /* the server closed the connection after buf[len - 1] */
};

/* A slice of the caller's buffer; not NUL-terminated. */
struct response_str {
	const char *p;
	size_t len;
};

struct response_field {
	struct response_str name;    /* a token, case as sent */
	struct response_str value;   /* without the whitespace around it */
};

struct response {
	int minor;                   /* HTTP/1.<minor> */
	int status;                  /* 100..599 */
	struct response_str reason;  /* may be empty */
	size_t field_count;
	struct response_field fields[RESPONSE_FIELDS_MAX];
	size_t head_len;             /* status line to the empty line, included */

	enum response_framing framing;
	bool has_content_length;
	uint64_t content_length;
	bool conn_close;             /* Connection: close */
	bool conn_keep_alive;        /* Connection: keep-alive */

	struct response_str body;    /* the body as framed (chunk lines too, when chunked) */
	uint64_t data_len;           /* body bytes after chunk decoding */
	size_t chunks;               /* chunks with data; the last (0) chunk is not counted */

	bool over_limit;             /* -1 only because the body is longer than labcheck reads:
	                                 a big file, not a broken one */
	char error[RESPONSE_ERROR_MAX];   /* -1: what is wrong; -2: what is still missing */
};

/*
 * Parse one response from buf[0..len), which starts with its status line (a byte before it,
 * such as a stray CRLF left from the previous response, is bad). flags: RESPONSE_TO_HEAD,
 * RESPONSE_EOF. Returns the bytes of the whole message (head and body; bytes after it are the
 * next response's), -2 when it may still become valid, or -1 when it is bad. On -1 and -2,
 * r->error is one sentence for a student: what is wrong, or (on -2) where the message stopped,
 * such as "the body stopped after 13 of the 20 bytes Content-Length announced". With
 * RESPONSE_EOF, an incomplete message is -1 with that same sentence. The limits are checked on
 * incomplete input too, so -2 is never returned for a message that is already too long.
 * On a return > 0 every field of r is set and its slices point into buf.
 */
ssize_t response_parse(const char *buf, size_t len, unsigned flags, struct response *r);

/* The value of the first field with this name (case-insensitive), or NULL. */
const struct response_str *response_field(const struct response *r, const char *name);

/* True if a field with this name holds token in its comma-separated list (case-insensitive). */
bool response_has_token(const struct response *r, const char *name, const char *token);

/* True if s equals the NUL-terminated lit, ASCII case-insensitively. */
bool response_str_ieq(struct response_str s, const char *lit);

/* True for a tchar (RFC 9110 5.6.2), a byte of a token such as a field name. */
bool response_is_tchar(unsigned char c);

/*
 * The body's data of a response that parsed (> 0) as RESPONSE_CHUNKED, decoded into out (cap
 * bytes; r->data_len is enough). Returns the bytes written. For the other framings the data is
 * r->body itself.
 */
size_t response_decode_chunked(const struct response *r, char *out, size_t cap);

#endif
