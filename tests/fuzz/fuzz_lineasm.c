/* SPDX-License-Identifier: MIT */
/*
 * libFuzzer target for lineasm_feed (common/base/lineasm.h). Invariants: a feed consumes at most
 * what it is given and always makes progress; a line never exceeds LINEASM_MAX; and the lines
 * are the same whether the input arrives whole or one byte per packet (Windows telnet).
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "base/lineasm.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* A digest of the completed lines (FNV-1a over length, truncation flag and bytes). */
struct digest {
	uint64_t h;
	size_t lines;
};

static void add_line(struct digest *d, const struct lineasm *a)
{
	if (a->len > LINEASM_MAX)
		abort();
	d->h = (d->h ^ a->len ^ (a->truncated ? 1u << 20 : 0)) * 1099511628211u;
	for (size_t i = 0; i < a->len; i++)
		d->h = (d->h ^ (unsigned char)a->line[i]) * 1099511628211u;
	d->lines++;
}

/* Feed data in pieces of step bytes (0: all at once). */
static void feed(const uint8_t *data, size_t size, size_t step, struct digest *d)
{
	static struct lineasm a;
	size_t pos = 0;

	lineasm_init(&a);
	d->h = 14695981039346656037u;
	d->lines = 0;
	while (pos < size) {
		size_t n = step == 0 || size - pos < step ? size - pos : step;
		bool done = false;
		size_t used = lineasm_feed(&a, (const char *)data + pos, n, &done);

		if (used > n || (used == 0 && !done) || a.len > LINEASM_MAX)
			abort();
		pos += used;
		if (done) {
			add_line(d, &a);
			lineasm_next(&a);
		}
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct digest whole, bytes;

	feed(data, size, 0, &whole);
	feed(data, size, 1, &bytes);
	if (whole.lines != bytes.lines || whole.h != bytes.h)
		abort();
	return 0;
}
