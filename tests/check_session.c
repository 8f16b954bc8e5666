// SPDX-License-Identifier: MIT
/*
 * Unit tests for formapp/session.c, formapp's session table: ids are 128 unpredictable bits in one
 * spelling, only issued ids are ever found (made-up, altered, removed and expired ones never),
 * idle expiry, one address's share and the size cap evict in the documented order, and many
 * threads creating,
 * touching and removing sessions at once keep the table consistent (`make tsan` runs this with
 * ThreadSanitizer watching the one mutex).
 */
#include "formapp/session.h"

#include <check.h>
#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define N_ROWS(t) (int)(sizeof(t) / sizeof((t)[0]))
#define IDLE_MS 1000
#define THREADS 8
#define ROUNDS 400

static struct session_table *table;
static char issued[SESSION_ID_LEN + 1];    /* one real id, made by the fixture */

static void setup(void)
{
	table = session_table_new(100, 100, IDLE_MS);
	ck_assert_ptr_nonnull(table);
	ck_assert_int_eq(session_create(table, "philip", "127.0.0.1", 0, issued), 0);
}

static void teardown(void)
{
	session_table_free(table);
	table = NULL;
}

/* ---- ids --------------------------------------------------------------------------------- */

START_TEST(test_id_is_32_lowercase_hex)
{
	ck_assert_uint_eq(strlen(issued), SESSION_ID_LEN);
	for (size_t i = 0; i < SESSION_ID_LEN; i++)
		ck_assert_msg(strchr("0123456789abcdef", issued[i]) != NULL && issued[i] != '\0',
		              "byte %zu of %s is not a lowercase hex digit", i, issued);
}
END_TEST

START_TEST(test_ids_are_distinct)
{
	static char ids[99][SESSION_ID_LEN + 1];

	for (int i = 0; i < 99; i++) {
		ck_assert_int_eq(session_create(table, "u", "127.0.0.1", 0, ids[i]), 0);
		ck_assert_str_ne(ids[i], issued);
		for (int j = 0; j < i; j++)
			ck_assert_msg(strcmp(ids[i], ids[j]) != 0, "ids %d and %d are equal", i, j);
	}
	ck_assert_uint_eq(session_count(table), 100);
}
END_TEST

/*
 * Ids an attacker cannot guess: a counter, a clock or a weak generator passes the two tests
 * above (hex, distinct) but not these. Over many ids every bit position is set about half the
 * time (a counter leaves its high bits clear), and consecutive ids share no long prefix (a
 * counter or a clock shares nearly all of it). The bounds are many standard deviations wide:
 * a real random source fails them with a chance far below one in a million.
 */
#define RANDOM_IDS 2000
#define BIT_SHARE_MIN 0.35
#define BIT_SHARE_MAX 0.65
#define SHARED_PREFIX_MAX 6   /* hex digits; 7 or more: a chance of 16^-7 per pair */

static int hex_digit(char c)
{
	return c <= '9' ? c - '0' : c - 'a' + 10;
}

START_TEST(test_ids_are_unpredictable)
{
	static unsigned set[SESSION_ID_LEN * 4];
	struct session_table *t = session_table_new(RANDOM_IDS, RANDOM_IDS, IDLE_MS);
	char id[SESSION_ID_LEN + 1], last[SESSION_ID_LEN + 1] = "";

	ck_assert_ptr_nonnull(t);
	for (int i = 0; i < RANDOM_IDS; i++) {
		ck_assert_int_eq(session_create(t, "u", "127.0.0.1", 0, id), 0);
		for (int d = 0; d < SESSION_ID_LEN; d++)
			for (int bit = 0; bit < 4; bit++)
				set[4 * d + bit] += (unsigned)(hex_digit(id[d]) >> bit & 1);
		size_t shared = 0;
		while (shared < SESSION_ID_LEN && id[shared] == last[shared])
			shared++;
		ck_assert_msg(shared <= SHARED_PREFIX_MAX, "ids %s and %s share %zu leading digits",
		              last, id, shared);
		memcpy(last, id, sizeof last);
	}
	for (size_t b = 0; b < SESSION_ID_LEN * 4; b++) {
		double share = (double)set[b] / RANDOM_IDS;
		ck_assert_msg(share > BIT_SHARE_MIN && share < BIT_SHARE_MAX,
		              "bit %zu of the ids was set in %.3f of %d ids", b, share, RANDOM_IDS);
	}
	session_table_free(t);
}
END_TEST

START_TEST(test_touch_counts_requests)
{
	struct session_info info;

	for (uint64_t n = 1; n <= 3; n++) {
		ck_assert_int_eq(session_touch(table, issued, SESSION_ID_LEN, 10, &info), 0);
		ck_assert_str_eq(info.user, "philip");
		ck_assert_uint_eq(info.requests, n);
	}
	ck_assert_int_gt(info.login_time, 1600000000);
}
END_TEST

/* ---- refused ids: only what the table issued is ever found ------------------------------- */

struct refused_row {
	void (*make)(char *out);   /* writes the candidate from the issued id */
	const char *why;
};

static void made_up(char *o) { memset(o, 'a', SESSION_ID_LEN); o[SESSION_ID_LEN] = '\0'; }
static void empty(char *o) { o[0] = '\0'; }
static void upper(char *o)
{
	memcpy(o, issued, SESSION_ID_LEN + 1);
	for (char *p = o; *p != '\0'; p++)
		if (*p >= 'a' && *p <= 'f')
			*p = (char)(*p - 'a' + 'A');
	if (strcmp(o, issued) == 0)         /* all digits: one in 2^32 */
		o[0] = 'G';
}
static void last_changed(char *o)
{
	memcpy(o, issued, SESSION_ID_LEN + 1);
	o[SESSION_ID_LEN - 1] = o[SESSION_ID_LEN - 1] == '0' ? '1' : '0';
}
static void one_longer(char *o)
{
	memcpy(o, issued, SESSION_ID_LEN);
	memcpy(o + SESSION_ID_LEN, "0", 2);
}
static void one_shorter(char *o)
{
	memcpy(o, issued, SESSION_ID_LEN - 1);
	o[SESSION_ID_LEN - 1] = '\0';
}
static void quoted(char *o)
{
	o[0] = '"';
	memcpy(o + 1, issued + 1, SESSION_ID_LEN - 2);
	o[SESSION_ID_LEN - 1] = '"';
	o[SESSION_ID_LEN] = '\0';
}
static void short_guess(char *o) { memcpy(o, "3a4b5e", 7); }

static const struct refused_row refused_rows[] = {
	{ made_up, "a client-chosen id of the right shape" },
	{ empty, "an empty id" },
	{ upper, "the issued id in upper case" },
	{ last_changed, "the issued id with its last digit changed" },
	{ one_longer, "the issued id and one more digit" },
	{ one_shorter, "the issued id without its last digit" },
	{ quoted, "quotes in place of the first and last digits" },
	{ short_guess, "the handout's sessionid=3a4b5e" },
};

START_TEST(test_refused_ids)
{
	const struct refused_row *r = &refused_rows[_i];
	char candidate[SESSION_ID_LEN + 2];

	r->make(candidate);
	errno = 0;
	ck_assert_msg(session_touch(table, candidate, strlen(candidate), 0, NULL) == -1 &&
	              errno == ENOENT, "row %d (%s): '%s' was accepted", _i, r->why, candidate);
	ck_assert_msg(session_remove(table, candidate, strlen(candidate)) == -1 && errno == ENOENT,
	              "row %d (%s): '%s' was removed", _i, r->why, candidate);
	ck_assert_int_eq(session_touch(table, issued, SESSION_ID_LEN, 0, NULL), 0);
}
END_TEST

START_TEST(test_removed_id_is_not_revived)
{
	ck_assert_int_eq(session_remove(table, issued, SESSION_ID_LEN), 0);
	errno = 0;
	ck_assert_int_eq(session_touch(table, issued, SESSION_ID_LEN, 0, NULL), -1);
	ck_assert_int_eq(errno, ENOENT);
	ck_assert_int_eq(session_remove(table, issued, SESSION_ID_LEN), -1);
	ck_assert_uint_eq(session_count(table), 0);
}
END_TEST

/* ---- idle expiry ------------------------------------------------------------------------- */

START_TEST(test_idle_expiry_restarts_on_use)
{
	/* Created at 0: alive at IDLE_MS - 1, which restarts the clock; gone IDLE_MS after that. */
	ck_assert_int_eq(session_touch(table, issued, SESSION_ID_LEN, IDLE_MS - 1, NULL), 0);
	ck_assert_int_eq(session_touch(table, issued, SESSION_ID_LEN, 2 * IDLE_MS - 2, NULL), 0);
	ck_assert_int_eq(session_touch(table, issued, SESSION_ID_LEN, 3 * IDLE_MS - 2, NULL), -1);
	ck_assert_int_eq(errno, ENOENT);
	ck_assert_uint_eq(session_count(table), 0);     /* the expired one was removed */
	ck_assert_int_eq(session_touch(table, issued, SESSION_ID_LEN, 0, NULL), -1);
}
END_TEST

/* ---- limits ------------------------------------------------------------------------------ */

START_TEST(test_cap_evicts_least_recently_used)
{
	struct session_table *t = session_table_new(3, 3, IDLE_MS);
	char a[SESSION_ID_LEN + 1], b[SESSION_ID_LEN + 1], c[SESSION_ID_LEN + 1],
	     d[SESSION_ID_LEN + 1];

	ck_assert_ptr_nonnull(t);
	ck_assert_int_eq(session_create(t, "a", "127.0.0.1", 0, a), 0);
	ck_assert_int_eq(session_create(t, "b", "127.0.0.1", 1, b), 0);
	ck_assert_int_eq(session_create(t, "c", "127.0.0.1", 2, c), 0);
	ck_assert_int_eq(session_touch(t, a, SESSION_ID_LEN, 3, NULL), 0);   /* b is now oldest */
	ck_assert_int_eq(session_create(t, "d", "127.0.0.1", 4, d), 0);
	ck_assert_uint_eq(session_count(t), 3);
	ck_assert_msg(session_touch(t, b, SESSION_ID_LEN, 5, NULL) == -1, "b was not evicted");
	ck_assert_int_eq(session_touch(t, a, SESSION_ID_LEN, 5, NULL), 0);
	ck_assert_int_eq(session_touch(t, c, SESSION_ID_LEN, 5, NULL), 0);
	ck_assert_int_eq(session_touch(t, d, SESSION_ID_LEN, 5, NULL), 0);
	session_table_free(t);
}
END_TEST

START_TEST(test_cap_drops_expired_first)
{
	/* a and b have expired when d arrives, c has not: both go, though one would make room. */
	struct session_table *t = session_table_new(3, 3, IDLE_MS);
	char a[SESSION_ID_LEN + 1], b[SESSION_ID_LEN + 1], c[SESSION_ID_LEN + 1],
	     d[SESSION_ID_LEN + 1];

	ck_assert_ptr_nonnull(t);
	ck_assert_int_eq(session_create(t, "a", "127.0.0.1", 0, a), 0);
	ck_assert_int_eq(session_create(t, "b", "127.0.0.1", 1, b), 0);
	ck_assert_int_eq(session_create(t, "c", "127.0.0.1", 600, c), 0);
	ck_assert_int_eq(session_create(t, "d", "127.0.0.1", IDLE_MS + 1, d), 0);
	ck_assert_uint_eq(session_count(t), 2);
	ck_assert_int_eq(session_touch(t, c, SESSION_ID_LEN, IDLE_MS + 1, NULL), 0);
	ck_assert_int_eq(session_touch(t, d, SESSION_ID_LEN, IDLE_MS + 1, NULL), 0);
	session_table_free(t);
}
END_TEST

/* One address logging in again and again pushes out its own oldest session, never another's. */
START_TEST(test_one_address_holds_at_most_its_share)
{
	struct session_table *t = session_table_new(10, 3, IDLE_MS);
	char mine[5][SESSION_ID_LEN + 1], other[SESSION_ID_LEN + 1];

	ck_assert_ptr_nonnull(t);
	ck_assert_int_eq(session_create(t, "philip", "10.0.0.2", 0, other), 0);
	for (int i = 0; i < 5; i++)
		ck_assert_int_eq(session_create(t, "philip", "10.0.0.1", 1 + i, mine[i]), 0);
	ck_assert_uint_eq(session_count(t), 4);            /* 3 of 10.0.0.1's, 1 of 10.0.0.2's */
	ck_assert_int_eq(session_touch(t, mine[0], SESSION_ID_LEN, 9, NULL), -1);
	ck_assert_int_eq(session_touch(t, mine[1], SESSION_ID_LEN, 9, NULL), -1);
	for (int i = 2; i < 5; i++)
		ck_assert_int_eq(session_touch(t, mine[i], SESSION_ID_LEN, 9, NULL), 0);
	ck_assert_int_eq(session_touch(t, other, SESSION_ID_LEN, 9, NULL), 0);
	session_table_free(t);
}
END_TEST

/* The owner that is used least recently goes first within its share: a touch counts. */
START_TEST(test_share_evicts_the_owners_least_recently_used)
{
	struct session_table *t = session_table_new(10, 2, IDLE_MS);
	char a[SESSION_ID_LEN + 1], b[SESSION_ID_LEN + 1], c[SESSION_ID_LEN + 1];

	ck_assert_ptr_nonnull(t);
	ck_assert_int_eq(session_create(t, "u", "::1", 0, a), 0);
	ck_assert_int_eq(session_create(t, "u", "::1", 1, b), 0);
	ck_assert_int_eq(session_touch(t, a, SESSION_ID_LEN, 2, NULL), 0);   /* b is now oldest */
	ck_assert_int_eq(session_create(t, "u", "::1", 3, c), 0);
	ck_assert_int_eq(session_touch(t, b, SESSION_ID_LEN, 4, NULL), -1);
	ck_assert_int_eq(session_touch(t, a, SESSION_ID_LEN, 4, NULL), 0);
	ck_assert_int_eq(session_touch(t, c, SESSION_ID_LEN, 4, NULL), 0);
	session_table_free(t);
}
END_TEST

/* Many logins in one millisecond (a cheap hash): the first made is still the first to go. */
START_TEST(test_share_evicts_in_order_within_a_millisecond)
{
	struct session_table *t = session_table_new(10, 3, IDLE_MS);
	char ids[5][SESSION_ID_LEN + 1];

	ck_assert_ptr_nonnull(t);
	for (int i = 0; i < 5; i++)
		ck_assert_int_eq(session_create(t, "u", "::1", 7, ids[i]), 0);
	ck_assert_int_eq(session_touch(t, ids[0], SESSION_ID_LEN, 7, NULL), -1);
	ck_assert_int_eq(session_touch(t, ids[1], SESSION_ID_LEN, 7, NULL), -1);
	ck_assert_int_eq(session_touch(t, ids[2], SESSION_ID_LEN, 7, NULL), 0);   /* now the newest */
	ck_assert_int_eq(session_create(t, "u", "::1", 7, ids[0]), 0);
	ck_assert_int_eq(session_touch(t, ids[3], SESSION_ID_LEN, 7, NULL), -1);
	ck_assert_int_eq(session_touch(t, ids[2], SESSION_ID_LEN, 7, NULL), 0);
	ck_assert_int_eq(session_touch(t, ids[4], SESSION_ID_LEN, 7, NULL), 0);
	session_table_free(t);
}
END_TEST

START_TEST(test_owner_length)
{
	char owner[SESSION_OWNER_MAX + 2], id[SESSION_ID_LEN + 1];

	memset(owner, '1', SESSION_OWNER_MAX);
	owner[SESSION_OWNER_MAX] = '\0';
	ck_assert_int_eq(session_create(table, "u", owner, 0, id), 0);
	memcpy(owner + SESSION_OWNER_MAX, "1", 2);
	errno = 0;
	ck_assert_int_eq(session_create(table, "u", owner, 0, id), -1);
	ck_assert_int_eq(errno, ENAMETOOLONG);
}
END_TEST

START_TEST(test_user_name_length)
{
	char name[SESSION_USER_MAX + 2], id[SESSION_ID_LEN + 1];
	struct session_info info;

	memset(name, 'n', SESSION_USER_MAX);
	name[SESSION_USER_MAX] = '\0';
	ck_assert_int_eq(session_create(table, name, "127.0.0.1", 0, id), 0);
	ck_assert_int_eq(session_touch(table, id, SESSION_ID_LEN, 0, &info), 0);
	ck_assert_str_eq(info.user, name);
	memcpy(name + SESSION_USER_MAX, "n", 2);
	errno = 0;
	ck_assert_int_eq(session_create(table, name, "127.0.0.1", 0, id), -1);
	ck_assert_int_eq(errno, ENAMETOOLONG);
}
END_TEST

START_TEST(test_bad_table_sizes)
{
	errno = 0;
	ck_assert_ptr_null(session_table_new(0, 0, IDLE_MS));
	ck_assert_int_eq(errno, EINVAL);
	ck_assert_ptr_null(session_table_new(10, 0, IDLE_MS));
	ck_assert_ptr_null(session_table_new(SIZE_MAX, SIZE_MAX, IDLE_MS));
}
END_TEST

/* ---- threads ----------------------------------------------------------------------------- */

/*
 * Each thread logs in, uses and logs out its own sessions, keeping a few alive at a time, and
 * also presents another thread's live ids (without knowing whether they still exist). Its own
 * sessions must always be found with its own user, and removed exactly once.
 */
struct worker {
	struct session_table *t;
	char user[16];
	int failures;
};

static void *worker_run(void *arg)
{
	struct worker *w = arg;
	char ids[4][SESSION_ID_LEN + 1] = { "" };   /* "": not an id, until made */
	struct session_info info;

	for (int r = 0; r < ROUNDS; r++) {
		char *id = ids[r % 4];
		if (r >= 4 && session_remove(w->t, id, SESSION_ID_LEN) != 0)
			w->failures++;
		if (session_create(w->t, w->user, "127.0.0.1", r, id) != 0)
			w->failures++;
		if (session_touch(w->t, id, SESSION_ID_LEN, r, &info) != 0 ||
		    strcmp(info.user, w->user) != 0 || info.requests != 1)
			w->failures++;
		session_touch(w->t, ids[(r + 1) % 4], SESSION_ID_LEN, r, NULL);  /* maybe stale */
		session_count(w->t);
	}
	for (int i = 0; i < 4; i++)
		if (session_remove(w->t, ids[i], SESSION_ID_LEN) != 0)
			w->failures++;
	return NULL;
}

START_TEST(test_many_threads)
{
	/* Room for every live session, and an idle time no test run reaches: nothing is evicted. */
	struct session_table *t = session_table_new(THREADS * 4, THREADS * 4, 1000000);
	struct worker w[THREADS];
	pthread_t tid[THREADS];

	ck_assert_ptr_nonnull(t);
	for (int i = 0; i < THREADS; i++) {
		w[i] = (struct worker){ .t = t };
		snprintf(w[i].user, sizeof w[i].user, "user%d", i);
		ck_assert_int_eq(pthread_create(&tid[i], NULL, worker_run, &w[i]), 0);
	}
	for (int i = 0; i < THREADS; i++) {
		pthread_join(tid[i], NULL);
		ck_assert_msg(w[i].failures == 0, "thread %d: %d failures", i, w[i].failures);
	}
	ck_assert_uint_eq(session_count(t), 0);
	session_table_free(t);
}
END_TEST

Suite *suite_session(void);
Suite *suite_session(void)
{
	Suite *s = suite_create("session");
	TCase *tc;

	tc = tcase_create("ids are random and distinct");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_id_is_32_lowercase_hex);
	tcase_add_test(tc, test_ids_are_distinct);
	tcase_add_test(tc, test_ids_are_unpredictable);
	tcase_add_test(tc, test_touch_counts_requests);
	suite_add_tcase(s, tc);

	tc = tcase_create("only issued ids are found");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_loop_test(tc, test_refused_ids, 0, N_ROWS(refused_rows));
	tcase_add_test(tc, test_removed_id_is_not_revived);
	suite_add_tcase(s, tc);

	tc = tcase_create("idle expiry");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_idle_expiry_restarts_on_use);
	suite_add_tcase(s, tc);

	tc = tcase_create("limits");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_cap_evicts_least_recently_used);
	tcase_add_test(tc, test_cap_drops_expired_first);
	tcase_add_test(tc, test_one_address_holds_at_most_its_share);
	tcase_add_test(tc, test_share_evicts_the_owners_least_recently_used);
	tcase_add_test(tc, test_share_evicts_in_order_within_a_millisecond);
	tcase_add_test(tc, test_owner_length);
	tcase_add_test(tc, test_user_name_length);
	tcase_add_test(tc, test_bad_table_sizes);
	suite_add_tcase(s, tc);

	tc = tcase_create("many threads at once");
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_many_threads);
	suite_add_tcase(s, tc);
	return s;
}
