// SPDX-License-Identifier: MIT
/*
 * Unit tests for common/base/buf.c, the one bounded string buffer. Every row runs in storage
 * with guard bytes after the buffer's size, so a write past the end shows up; each checks what
 * was kept, the NUL after it, the length counted (snprintf's), and whether the cut was reported.
 * Then marks and rewinding, streaming through a flush function (full buffers handed on, a flush
 * that fails), and counting only (size 0). Limits: exactly at capacity and one over, for
 * strings, printf, and a streaming buffer.
 */
#include "base/buf.h"

#include <check.h>
#include <string.h>

#define N_ROWS(t) (int)(sizeof(t) / sizeof((t)[0]))
#define GUARD 'Z'

static char mem[32];   /* the storage under test; bytes past the buffer's size must stay GUARD */

static void fill_guard(void)
{
	memset(mem, GUARD, sizeof mem);
}

/* Kept text, its NUL, the counted length, the cut flag, and no byte written past size. */
static void check_buf(int row, const char *why, const struct buf *b, const char *kept,
                      size_t length, bool truncated)
{
	size_t n = strlen(kept);
	if (b->size > 0)
		ck_assert_msg(b->len == n && memcmp(b->data, kept, n) == 0 && b->data[n] == '\0',
		              "row %d (%s): kept \"%.*s\" (%zu), want \"%s\"", row, why, (int)b->len,
		              b->data, b->len, kept);
	else
		ck_assert_msg(b->len == 0, "row %d (%s): a size-0 buffer kept %zu", row, why, b->len);
	ck_assert_msg(buf_length(b) == length, "row %d (%s): length %zu, want %zu", row, why,
	              buf_length(b), length);
	ck_assert_msg(buf_truncated(b) == truncated, "row %d (%s): truncated %d, want %d", row, why,
	              buf_truncated(b), truncated);
	for (size_t i = b->size; i < sizeof mem; i++)
		ck_assert_msg(mem[i] == GUARD, "row %d (%s): byte %zu past the size was written", row,
		              why, i);
}

/* ---- appends: strings, bytes, printf -------------------------------------------------------- */

struct puts_row {
	size_t size;
	const char *pieces[3];   /* appended in order with buf_puts; NULL ends the list */
	const char *kept;
	size_t length;
	bool truncated;
	const char *why;
};

static const struct puts_row puts_rows[] = {
	{ 8, { "ab", "cd", NULL }, "abcd", 4, false, "two pieces with room to spare" },
	{ 8, { "", "", NULL }, "", 0, false, "empty pieces" },
	{ 4, { "ab", "c", NULL }, "abc", 3, false, "two pieces fill it exactly" },
	{ 4, { "ab", "cd", NULL }, "abc", 4, true, "the second piece straddles the end: its start kept" },
	{ 4, { "abcd", "e", "fg" }, "abc", 7, true, "after a cut nothing more is kept, all counted" },
	{ 1, { "", NULL }, "", 0, false, "size 1 holds the NUL: an empty text fits" },
	{ 0, { "abc", "de", NULL }, "", 5, true, "size 0 keeps nothing and counts" },
};

START_TEST(test_puts)
{
	const struct puts_row *r = &puts_rows[_i];
	struct buf b;
	bool ok = true;
	fill_guard();
	buf_init(&b, r->size > 0 ? mem : NULL, r->size);
	for (int i = 0; i < 3 && r->pieces[i] != NULL; i++)
		ok = buf_puts(&b, r->pieces[i]);
	ck_assert_msg(ok == !r->truncated, "row %d (%s): the last append returned %d", _i, r->why, ok);
	check_buf(_i, r->why, &b, r->kept, r->length, r->truncated);
}
END_TEST

struct printf_row {
	size_t size;
	const char *kept;
	size_t length;
	bool truncated;
	const char *why;
};

/* Each row appends "x", then printf("%d-%s", 12, "ab"). */
static const struct printf_row printf_rows[] = {
	{ 16, "x12-ab", 6, false, "room to spare" },
	{ 7, "x12-ab", 6, false, "exactly at capacity" },
	{ 6, "x12-a", 6, true, "one over: the start kept, as snprintf" },
	{ 2, "x", 6, true, "no room after the first piece" },
	{ 0, "", 6, true, "size 0 counts" },
};

START_TEST(test_printf)
{
	const struct printf_row *r = &printf_rows[_i];
	struct buf b;
	fill_guard();
	buf_init(&b, r->size > 0 ? mem : NULL, r->size);
	buf_putc(&b, 'x');
	bool ok = buf_printf(&b, "%d-%s", 12, "ab");
	ck_assert_msg(ok == !r->truncated, "row %d (%s): returned %d", _i, r->why, ok);
	check_buf(_i, r->why, &b, r->kept, r->length, r->truncated);
}
END_TEST

/* Bytes, not strings: NUL bytes inside are kept and counted like any other. */
START_TEST(test_append_bytes_with_nul)
{
	struct buf b;
	fill_guard();
	buf_init(&b, mem, 8);
	ck_assert(buf_append(&b, "a\0b", 3));
	ck_assert(buf_append(&b, NULL, 0));
	ck_assert_uint_eq(b.len, 3);
	ck_assert(memcmp(mem, "a\0b\0", 4) == 0);
	ck_assert_int_eq(mem[8], GUARD);
}
END_TEST

/* ---- marks: all or nothing ------------------------------------------------------------------ */

START_TEST(test_rewind_to_a_mark)
{
	struct buf b;
	fill_guard();
	buf_init(&b, mem, 8);
	buf_puts(&b, "abc");
	size_t mark = b.len;
	ck_assert(!buf_puts(&b, "defghij"));   /* a piece that does not fit whole */
	buf_rewind(&b, mark);
	check_buf(0, "back at the mark, the cut forgotten", &b, "abc", 3, false);
	ck_assert(buf_puts(&b, "de"));
	check_buf(1, "appending goes on from the mark", &b, "abcde", 5, false);
	buf_rewind(&b, 99);
	check_buf(2, "a mark past the text is ignored", &b, "abcde", 5, false);
	buf_rewind(&b, 0);
	check_buf(3, "rewound to empty", &b, "", 0, false);
}
END_TEST

/* ---- streaming: flush ----------------------------------------------------------------------- */

struct sink {
	char out[64];
	size_t len;
	size_t sizes[8];   /* the length of each flush */
	int calls;
	int fail_call;     /* this call (1, 2, ...) fails; 0: none */
};

static int collect(void *ctx, const char *data, size_t len)
{
	struct sink *k = ctx;
	k->calls++;
	if (k->calls == k->fail_call)
		return -1;
	ck_assert_uint_le(k->len + len, sizeof k->out);
	memcpy(k->out + k->len, data, len);
	k->len += len;
	if (k->calls <= 8)
		k->sizes[k->calls - 1] = len;
	return 0;
}

/* A 5-byte buffer holds 4 bytes: each flush hands on a full buffer, the rest at buf_flush. */
START_TEST(test_flush_hands_on_full_buffers)
{
	struct sink k = { .len = 0 };
	struct buf b;
	fill_guard();
	buf_init_flush(&b, mem, 5, collect, &k);
	ck_assert(buf_puts(&b, "abcdefghij"));
	ck_assert_int_eq(k.calls, 2);
	ck_assert_uint_eq(k.sizes[0], 4);
	ck_assert_uint_eq(k.sizes[1], 4);
	check_buf(0, "the rest held", &b, "ij", 10, false);
	ck_assert_int_eq(buf_flush(&b), 0);
	ck_assert_int_eq(buf_flush(&b), 0);   /* empty: no call */
	ck_assert_int_eq(k.calls, 3);
	ck_assert(k.len == 10 && memcmp(k.out, "abcdefghij", 10) == 0);
	ck_assert_uint_eq(b.flushed, 10);
	check_buf(1, "all flushed", &b, "", 10, false);
}
END_TEST

/* Exactly a buffer's worth stays held; the next byte makes it flush. */
START_TEST(test_flush_exactly_at_capacity)
{
	struct sink k = { .len = 0 };
	struct buf b;
	fill_guard();
	buf_init_flush(&b, mem, 5, collect, &k);
	ck_assert(buf_puts(&b, "abcd"));
	ck_assert_int_eq(k.calls, 0);
	check_buf(0, "a full buffer is held", &b, "abcd", 4, false);
	ck_assert(buf_putc(&b, 'e'));
	ck_assert_int_eq(k.calls, 1);
	check_buf(1, "one over: flushed, then held", &b, "e", 5, false);
}
END_TEST

/* printf text that does not fit after what is held: the held bytes go first. */
START_TEST(test_flush_before_printf)
{
	struct sink k = { .len = 0 };
	struct buf b;
	fill_guard();
	buf_init_flush(&b, mem, 5, collect, &k);
	buf_puts(&b, "ab");
	ck_assert(buf_printf(&b, "%s", "cdef"));
	check_buf(0, "flushed, then the text fits exactly", &b, "cdef", 6, false);
	ck_assert(k.len == 2 && memcmp(k.out, "ab", 2) == 0);
	ck_assert(!buf_printf(&b, "%s", "ghijkl"));
	check_buf(1, "one printf longer than the buffer: its end lost", &b, "ghij", 12, true);
}
END_TEST

/* A failed flush loses what it held: the text has a gap, and the buffer says so. */
START_TEST(test_flush_failure_is_reported)
{
	struct sink k = { .fail_call = 2 };
	struct buf b;
	fill_guard();
	buf_init_flush(&b, mem, 5, collect, &k);
	ck_assert(!buf_puts(&b, "abcdefghij"));
	check_buf(0, "the second buffer lost", &b, "ij", 10, true);
	ck_assert(k.len == 4 && memcmp(k.out, "abcd", 4) == 0);
	k.fail_call = 3;
	ck_assert_int_eq(buf_flush(&b), -1);
	ck_assert_uint_eq(b.lost, 6);
}
END_TEST

/* ---- counting only -------------------------------------------------------------------------- */

/* Size 0, as snprintf(NULL, 0, ...): the length of the whole text, nothing written anywhere. */
START_TEST(test_count_only)
{
	struct buf b;
	buf_init(&b, NULL, 0);
	buf_puts(&b, "Content-Length: ");
	buf_printf(&b, "%d", 12345);
	buf_append(&b, "\r\n", 2);
	buf_putc(&b, '!');
	ck_assert_uint_eq(buf_length(&b), 24);
	ck_assert_uint_eq(b.len, 0);
	ck_assert(buf_truncated(&b));
	ck_assert_int_eq(buf_flush(&b), 0);   /* no flush function: nothing to do */
}
END_TEST

Suite *suite_buf(void);
Suite *suite_buf(void)
{
	Suite *s = suite_create("buf");
	TCase *appends = tcase_create("appends keep what fits and count the rest");
	TCase *marks = tcase_create("a mark makes a piece all or nothing");
	TCase *stream = tcase_create("a flush function streams full buffers");
	TCase *limits = tcase_create("limits");

	tcase_add_test(appends, test_append_bytes_with_nul);
	tcase_add_test(appends, test_count_only);
	tcase_add_test(marks, test_rewind_to_a_mark);
	tcase_add_test(stream, test_flush_hands_on_full_buffers);
	tcase_add_test(stream, test_flush_before_printf);
	tcase_add_test(stream, test_flush_failure_is_reported);
	tcase_add_loop_test(limits, test_puts, 0, N_ROWS(puts_rows));
	tcase_add_loop_test(limits, test_printf, 0, N_ROWS(printf_rows));
	tcase_add_test(limits, test_flush_exactly_at_capacity);
	suite_add_tcase(s, appends);
	suite_add_tcase(s, marks);
	suite_add_tcase(s, stream);
	suite_add_tcase(s, limits);
	return s;
}
