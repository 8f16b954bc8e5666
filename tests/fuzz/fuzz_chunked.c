/* SPDX-License-Identifier: MIT */
/*
 * libFuzzer target for chunked_decode (common/http/chunked.h). Invariants: the decoded length never
 * exceeds the input, the bytes left after the body lie inside it, and feeding the input one byte
 * at a time gives the same outcome and the same decoded bytes as feeding it whole (a TCP stream
 * may split a chunked body anywhere).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>

#include "http/chunked.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Feed one byte per call; returns the final result, *out_len the decoded bytes in out. */
static ssize_t decode_bytewise(const uint8_t *data, size_t size, char *out, size_t *out_len,
                               size_t *used)
{
	struct chunked_decoder d;
	ssize_t r = -2;

	chunked_init(&d);
	*out_len = 0;
	for (*used = 0; *used < size && r == -2; (*used)++) {
		char b = (char)data[*used];
		size_t n = 1;

		r = chunked_decode(&d, &b, &n);
		if (n > 1 || (r >= 0 && (size_t)r > 1 - n))
			abort();
		if (r != -1 && n == 1)
			out[(*out_len)++] = b;
	}
	return r;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct chunked_decoder d;
	char *whole = malloc(size + 1), *bytes = malloc(size + 1);
	size_t len = size, blen, used;
	ssize_t r, rb;

	if (whole == NULL || bytes == NULL)
		abort();
	memcpy(whole, data, size);
	chunked_init(&d);
	r = chunked_decode(&d, whole, &len);
	if (r < -2 || len > size || (r >= 0 && (size_t)r > size - len))
		abort();
	rb = decode_bytewise(data, size, bytes, &blen, &used);
	if ((r == -1) != (rb == -1) || (r == -2) != (rb == -2))
		abort();
	if (r >= 0 && (rb != 0 || size - used != (size_t)r))
		abort();   /* the body must end at the same byte */
	if (r != -1 && (blen != len || memcmp(whole, bytes, len) != 0))
		abort();
	free(whole);
	free(bytes);
	return 0;
}
