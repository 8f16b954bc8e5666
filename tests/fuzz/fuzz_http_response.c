/* SPDX-License-Identifier: MIT */
/*
 * libFuzzer target for labcheck's response parser (labcheck/response.h) and the Content-Range
 * and multipart/byteranges reader it feeds (labcheck/byteranges.h): whatever a server sends,
 * labcheck must neither crash nor read outside what it received. The first byte chooses the
 * flags (a response to HEAD; the server closed after the last byte). Invariants beyond "no
 * crash": the message never exceeds the input; parsed again on exactly its own bytes it has the
 * same length (the parser never looks past its end); without EOF its prefixes are "need more",
 * never "bad" (a TCP stream may split a response anywhere; half and all but one byte are
 * tried); -1 and -2 always come with a sentence; a chunked body decodes to data_len bytes; and
 * the parts of a multipart 206 lie inside its body, each as long as its Content-Range says.
 */
#include <stdint.h>
#include <stdlib.h>
#include <sys/types.h>

#include "labcheck/byteranges.h"
#include "labcheck/response.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The Content-Range field and a multipart body of a parsed 206, read as labcheck reads them. */
static void ranges(const struct response *r, const char *body, size_t len)
{
	static struct byteranges_part parts[BYTERANGES_PARTS_MAX];
	char boundary[BYTERANGES_BOUNDARY_MAX + 1], err[BYTERANGES_ERROR_MAX];
	struct byteranges_range range;
	const struct response_str *cr = response_field(r, "Content-Range");
	const struct response_str *type = response_field(r, "Content-Type");

	if (cr != NULL && byteranges_content_range(cr->p, cr->len, &range, err) == 0 &&
	    !range.unsatisfied && range.first > range.last)
		abort();
	if (type == NULL || byteranges_boundary(type->p, type->len, boundary, err) < 0)
		return;
	int n = byteranges_parse(body, len, boundary, parts, BYTERANGES_PARTS_MAX, err);
	for (int i = 0; i < n; i++)
		if (parts[i].data < body || parts[i].data + parts[i].len > body + len ||
		    parts[i].len != parts[i].range.last - parts[i].range.first + 1)
			abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct response r;
	const char *buf = (const char *)data + 1;
	size_t len = size > 0 ? size - 1 : 0;
	unsigned flags = size > 0 ? data[0] & (RESPONSE_TO_HEAD | RESPONSE_EOF) : 0;
	ssize_t n = response_parse(buf, len, flags, &r);

	if (n < -2 || n == 0 || (n > 0 && (size_t)n > len) || (n < 0 && r.error[0] == '\0'))
		abort();
	if (n < 0)
		return 0;
	const size_t prefixes[] = { (size_t)n / 2, (size_t)n - 1 };
	for (size_t i = 0; i < sizeof prefixes / sizeof prefixes[0]; i++)
		if (response_parse(buf, prefixes[i], flags & ~(unsigned)RESPONSE_EOF, &r) != -2)
			abort();
	if (response_parse(buf, (size_t)n, flags, &r) != n)
		abort();
	char *body = malloc(r.data_len + 1);
	if (body == NULL)
		abort();
	size_t blen = r.body.len;
	if (r.framing == RESPONSE_CHUNKED && (blen = response_decode_chunked(&r, body, r.data_len))
	    != r.data_len)
		abort();
	if (r.status == 206)
		ranges(&r, r.framing == RESPONSE_CHUNKED ? body : r.body.p, blen);
	free(body);
	return 0;
}
