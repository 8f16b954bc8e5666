/* SPDX-License-Identifier: MIT */
/*
 * libFuzzer target for range_parse (common/http/range.h). The first 8 input bytes are the file size
 * (little-endian), the rest the Range field value. Invariants: the result is -1..RANGE_MAX; the
 * ranges are inside the file, sorted, neither overlapping nor adjacent (they are merged), and
 * their lengths add up to at most the file size; the answer's headers can be written.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "http/range.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_ranges(const struct range *r, int n, uint64_t fsize)
{
	uint64_t total = 0;
	char text[96];

	for (int i = 0; i < n; i++) {
		if (r[i].first > r[i].last || r[i].last >= fsize)
			abort();
		if (i > 0 && (r[i - 1].last == UINT64_MAX || r[i - 1].last + 1 >= r[i].first))
			abort();
		total += r[i].last - r[i].first + 1;
		if (total > fsize)
			abort();
		if (range_content_range(text, 72, &r[i], fsize) < 0)
			abort();   /* "72 bytes always suffice" */
	}
	if (n > 1)
		(void)range_multipart_length(r, n, "0123456789abcdef0123456789abcdef",
		                             "text/plain", fsize);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct range out[RANGE_MAX];
	uint64_t fsize = 0;
	int n;

	if (size < 8)
		return 0;
	for (int i = 7; i >= 0; i--)
		fsize = fsize << 8 | data[i];
	/* Small sizes matter most; keep the top bits only when the first byte says so. */
	if ((data[0] & 0x80) == 0)
		fsize &= 0xffff;
	n = range_parse((const char *)data + 8, size - 8, fsize, out);
	if (n < RANGE_UNSATISFIABLE || n > RANGE_MAX)
		abort();
	check_ranges(out, n, fsize);
	return 0;
}
