// SPDX-License-Identifier: MIT
/*
 * Unit tests for formapp/guard.c: the hashes that may run at once (a place is waited for, then
 * refused), and the failed logins of each address (the limit, Retry-After counting down to the
 * window's end, a clean slate after it or after a success, other addresses untouched, the oldest
 * address giving its place up when the table is full). Times are passed in, so nothing sleeps
 * but the one timed wait. Check forks each test, so the tables start empty in every one.
 */
#include "formapp/guard.h"

#include <check.h>
#include <stdio.h>
#include <time.h>

static int64_t now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

START_TEST(test_hashes_at_once)
{
	guard_init(2);
	ck_assert(guard_hash_begin(0));
	ck_assert(guard_hash_begin(0));
	int64_t start = now_ms();
	ck_assert(!guard_hash_begin(200));             /* both places taken: refused */
	int64_t waited = now_ms() - start;
	ck_assert_msg(waited >= 190 && waited < 2000, "waited %lld ms", (long long)waited);
	guard_hash_end();
	ck_assert(guard_hash_begin(0));                /* a place came free */
	guard_hash_end();
	guard_hash_end();
}
END_TEST

START_TEST(test_failed_logins_per_address)
{
	unsigned retry = 0;
	const int64_t t = 1000000;

	for (int i = 0; i < GUARD_FAILURES_MAX; i++) {
		ck_assert(guard_login_allowed("10.0.0.1", t + i, &retry));
		guard_login_failed("10.0.0.1", t + i);
	}
	ck_assert(!guard_login_allowed("10.0.0.1", t + 10, &retry));
	ck_assert_uint_eq(retry, GUARD_WINDOW_MS / 1000);      /* the window started at t */
	ck_assert(!guard_login_allowed("10.0.0.1", t + GUARD_WINDOW_MS - 1500, &retry));
	ck_assert_uint_eq(retry, 2);                           /* 1.5 s left: rounded up */
	ck_assert(guard_login_allowed("10.0.0.2", t + 10, &retry));   /* another address */
	ck_assert(guard_login_allowed("10.0.0.1", t + GUARD_WINDOW_MS, &retry));   /* over */
	guard_login_failed("10.0.0.1", t + GUARD_WINDOW_MS);
	ck_assert(guard_login_allowed("10.0.0.1", t + GUARD_WINDOW_MS + 1, &retry));
}
END_TEST

START_TEST(test_success_clears_the_count)
{
	unsigned retry = 0;

	for (int i = 0; i < GUARD_FAILURES_MAX - 1; i++)
		guard_login_failed("::1", 5);
	guard_login_succeeded("::1");
	for (int i = 0; i < GUARD_FAILURES_MAX - 1; i++)
		guard_login_failed("::1", 6);
	ck_assert(guard_login_allowed("::1", 7, &retry));
}
END_TEST

START_TEST(test_full_table_forgets_the_oldest)
{
	char address[32];
	unsigned retry = 0;

	for (int i = 0; i < GUARD_FAILURES_MAX; i++)
		guard_login_failed("10.1.0.0", 100);
	ck_assert(!guard_login_allowed("10.1.0.0", 101, &retry));
	for (int i = 1; i <= GUARD_ADDRESSES; i++) {   /* as many new ones as there are places */
		snprintf(address, sizeof address, "10.2.%d.%d", i / 256, i % 256);
		guard_login_failed(address, 200 + i);
	}
	ck_assert(guard_login_allowed("10.1.0.0", 5000, &retry));   /* its place was taken */
	ck_assert(guard_login_allowed("", 5000, &retry));           /* no address: no match */
}
END_TEST

Suite *suite_guard(void);
Suite *suite_guard(void)
{
	Suite *s = suite_create("guard");
	TCase *tc = tcase_create("hashes and failed logins");

	tcase_add_test(tc, test_hashes_at_once);
	tcase_add_test(tc, test_failed_logins_per_address);
	tcase_add_test(tc, test_success_clears_the_count);
	tcase_add_test(tc, test_full_table_forgets_the_oldest);
	suite_add_tcase(s, tc);
	return s;
}
