// SPDX-License-Identifier: MIT
/*
 * Unit tests for common/base/base64.c: RFC 4648 section 10's test vectors, padded and not, back
 * again; every byte value through a round trip; and the texts base64_decode must refuse, each of
 * which a lenient decoder would take (so a users file line has one spelling only).
 */
#include "base/base64.h"

#include <check.h>
#include <string.h>

#define N_ROWS(t) (int)(sizeof(t) / sizeof((t)[0]))

/* RFC 4648, section 10. */
static const struct {
	const char *bytes, *padded, *unpadded;
} vectors[] = {
	{ "", "", "" },
	{ "f", "Zg==", "Zg" },
	{ "fo", "Zm8=", "Zm8" },
	{ "foo", "Zm9v", "Zm9v" },
	{ "foob", "Zm9vYg==", "Zm9vYg" },
	{ "fooba", "Zm9vYmE=", "Zm9vYmE" },
	{ "foobar", "Zm9vYmFy", "Zm9vYmFy" },
};

START_TEST(test_rfc_vectors)
{
	const char *bytes = vectors[_i].bytes;
	size_t len = strlen(bytes);
	char out[BASE64_SIZE(6)];
	unsigned char back[8];

	memset(out, '#', sizeof out);
	ck_assert_uint_eq(base64_encode(out, (const unsigned char *)bytes, len, true),
	                  strlen(vectors[_i].padded));
	ck_assert_str_eq(out, vectors[_i].padded);
	ck_assert_uint_eq(base64_encode(out, (const unsigned char *)bytes, len, false),
	                  strlen(vectors[_i].unpadded));
	ck_assert_str_eq(out, vectors[_i].unpadded);
	ck_assert_int_eq(base64_decode(out, strlen(out), back, sizeof back), (long)len);
	ck_assert_mem_eq(back, bytes, len);
}
END_TEST

START_TEST(test_every_byte_round_trips)
{
	unsigned char all[256], back[256];
	char text[BASE64_SIZE(256)];

	for (int i = 0; i < 256; i++)
		all[i] = (unsigned char)i;
	for (size_t len = 0; len <= sizeof all; len++) {   /* every length: each last group */
		size_t n = base64_encode(text, all + (256 - len), len, false);
		ck_assert_uint_lt(n, sizeof text);
		ck_assert_int_eq(base64_decode(text, n, back, sizeof back), (long)len);
		ck_assert_mem_eq(back, all + (256 - len), len);
		ck_assert_uint_le(base64_encode(text, all, len, true), BASE64_SIZE(len) - 1);
	}
}
END_TEST

/* Texts that are not exactly one unpadded encoding. */
static const struct {
	const char *text;
	size_t len;
	const char *why;
} refused[] = {
	{ "Zg==", 4, "padding" },
	{ "Z", 1, "one digit is six bits, not a byte" },
	{ "Zm9vY", 5, "a length no encoding has" },
	{ "Zh", 2, "unused low bits set: a second spelling of \"f\"" },
	{ "Zm9", 3, "unused low bits set in a two-byte group" },
	{ "Zm-v", 4, "'-' is the URL alphabet's, not this one's" },
	{ "Zm 9v", 5, "a space" },
	{ "Zm\0v", 4, "a NUL inside the length" },
	{ "Zm9v\n", 5, "a line end" },
};

START_TEST(test_refuses)
{
	unsigned char out[8];

	ck_assert_msg(base64_decode(refused[_i].text, refused[_i].len, out, sizeof out) == -1,
	              "accepted: %s", refused[_i].why);
}
END_TEST

START_TEST(test_decode_stops_at_max)
{
	unsigned char out[8];

	memset(out, 0xee, sizeof out);
	ck_assert_int_eq(base64_decode("Zm9vYmFy", 8, out, 6), 6);   /* "foobar" fits in 6 */
	ck_assert_int_eq(base64_decode("Zm9vYmFy", 8, out, 5), -1);  /* not in 5 */
	ck_assert_int_eq(out[5], 'r');      /* from the first call: the second wrote no sixth byte */
	ck_assert_int_eq(out[6], 0xee);
}
END_TEST

Suite *suite_base64(void);
Suite *suite_base64(void)
{
	Suite *s = suite_create("base64");
	TCase *tc = tcase_create("RFC 4648");
	tcase_add_loop_test(tc, test_rfc_vectors, 0, N_ROWS(vectors));
	tcase_add_test(tc, test_every_byte_round_trips);
	tcase_add_loop_test(tc, test_refuses, 0, N_ROWS(refused));
	tcase_add_test(tc, test_decode_stops_at_max);
	suite_add_tcase(s, tc);
	return s;
}
