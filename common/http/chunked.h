/* SPDX-License-Identifier: MIT */
/*
 * chunked: the decoder of Transfer-Encoding: chunked request bodies (RFC 9112 section 7.1),
 * and the chunk size line for the writer. A chunk is "<hex size>[;ext]\r\n<data>\r\n"; the body
 * ends with a zero-size chunk, optional trailer fields and an empty line.
 */
#ifndef CHUNKED_H
#define CHUNKED_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define CHUNKED_SIZE_LINE_MAX 4096   /* a size line with its extensions */
#define CHUNKED_TRAILER_MAX 8192     /* all trailer lines together */

struct chunked_decoder {
	int state;             /* private */
	uint64_t remaining;    /* data bytes left in the current chunk */
	size_t line_len;       /* bytes of the current size/trailer line seen so far */
	size_t trailer_len;
	bool done;
};

void chunked_init(struct chunked_decoder *d);

/*
 * Decode buf[0..*len) in place: the data bytes are moved to the front of buf and *len is set
 * to their count. Returns -2 when the body has not ended yet (feed more bytes after consuming
 * the decoded ones), -1 for bad framing (bad hex, size overflow, missing CRLF, bare CR, a line
 * over its limit), or, once the last chunk and trailers are read, the number of bytes that
 * followed the body in buf (they begin at buf + *len and belong to the next request).
 * A bare LF is accepted as a line end, as in the request head.
 */
ssize_t chunked_decode(struct chunked_decoder *d, char *buf, size_t *len);

/* Write "<hex>\r\n" for a chunk of n bytes into out; returns its length (out holds >= 20). */
size_t chunked_size_line(char *out, uint64_t n);

#endif
