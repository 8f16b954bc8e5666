// SPDX-License-Identifier: MIT
/*
 * session: the table behind formapp's login (handout Part A.2, "Session Management"). A hash
 * table of chained entries taken from a pool allocated once, so the table never grows past its
 * cap whatever clients do, and a full table costs one sweep, not a failed allocation.
 *
 * Why each choice:
 * - Ids come from the kernel's CSPRNG (getrandom, or getentropy: compat.h): an id made from a
 *   counter, the time or rand() can be guessed, and whoever guesses one is that user (session
 *   hijacking).
 * - Ids are compared in constant time, so the time a lookup takes does not tell a client how
 *   many leading bytes of a guess were right.
 * - The bucket is picked from the id's first bytes: they are random, and only ids this table
 *   made are ever stored, so no client can crowd one bucket.
 * - The mutex is held for the table operation only; the caller renders pages and writes to the
 *   socket after unlocking, from the copy in struct session_info.
 */
#include "session.h"

#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/compat.h"

struct entry {
	unsigned char id[SESSION_ID_BYTES];
	char user[SESSION_USER_MAX + 1];
	char owner[SESSION_OWNER_MAX + 1];   /* the client address that logged in */
	int64_t login_time;     /* unix seconds */
	int64_t last_ms;        /* last request, monotonic: the idle time counts from here */
	uint64_t used;          /* the table's use count at its last request: orders uses exactly,
	                         * where many fall in one millisecond (a fast hash, a busy server) */
	uint64_t requests;
	struct entry *next;     /* the next in its bucket, or in the free list */
};

struct session_table {
	pthread_mutex_t lock;
	size_t max, count, nbuckets;   /* nbuckets is a power of two */
	size_t per_owner;
	int64_t idle_ms;
	uint64_t uses;                 /* sessions made and touched so far */
	struct entry **buckets;
	struct entry *free_list;
	struct entry pool[];
};

struct session_table *session_table_new(size_t max, size_t per_owner, int64_t idle_ms)
{
	struct session_table *t;
	size_t nbuckets = 1;

	if (max == 0 || per_owner == 0 || max > SIZE_MAX / 2 / sizeof t->pool[0]) {
		errno = EINVAL;
		return NULL;
	}
	while (nbuckets < max)
		nbuckets *= 2;
	t = calloc(1, sizeof *t + max * sizeof t->pool[0]);
	if (t == NULL)
		return NULL;
	t->buckets = calloc(nbuckets, sizeof t->buckets[0]);
	if (t->buckets == NULL || pthread_mutex_init(&t->lock, NULL) != 0) {
		free(t->buckets);
		free(t);
		errno = ENOMEM;
		return NULL;
	}
	t->max = max;
	t->per_owner = per_owner;
	t->nbuckets = nbuckets;
	t->idle_ms = idle_ms;
	for (size_t i = 0; i < max; i++) {
		t->pool[i].next = t->free_list;
		t->free_list = &t->pool[i];
	}
	return t;
}

void session_table_free(struct session_table *t)
{
	if (t == NULL)
		return;
	pthread_mutex_destroy(&t->lock);
	free(t->buckets);
	free(t);
}

static int hex_value(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;      /* upper case too: an id has exactly one spelling */
}

/* A client's text as id bytes: exactly SESSION_ID_LEN lowercase hex digits, else false. */
static bool parse_id(const char *s, size_t len, unsigned char *id)
{
	if (len != SESSION_ID_LEN)
		return false;
	for (size_t i = 0; i < SESSION_ID_BYTES; i++) {
		int hi = hex_value(s[2 * i]), lo = hex_value(s[2 * i + 1]);
		if (hi < 0 || lo < 0)
			return false;
		id[i] = (unsigned char)(hi << 4 | lo);
	}
	return true;
}

static bool same_id(const unsigned char *a, const unsigned char *b)
{
	unsigned char diff = 0;

	for (size_t i = 0; i < SESSION_ID_BYTES; i++)
		diff |= a[i] ^ b[i];
	return diff == 0;
}

/* The link that points at the entry with this id, or at the NULL ending its bucket. */
static struct entry **find(struct session_table *t, const unsigned char *id)
{
	uint64_t h;
	struct entry **link;

	memcpy(&h, id, sizeof h);
	link = &t->buckets[h & (t->nbuckets - 1)];
	while (*link != NULL && !same_id((*link)->id, id))
		link = &(*link)->next;
	return link;
}

/* Take the entry *link points at out of its bucket; wipe it and put it back in the pool. */
static void unlink_entry(struct session_table *t, struct entry **link)
{
	struct entry *e = *link;

	*link = e->next;
	memset(e, 0, sizeof *e);
	e->next = t->free_list;
	t->free_list = e;
	t->count--;
}

static bool expired(const struct session_table *t, const struct entry *e, int64_t now_ms)
{
	return now_ms - e->last_ms >= t->idle_ms;
}

/*
 * The link to the session unused for longest: of owner's sessions (and how many owner holds in
 * *owned), or of all when owner is NULL. NULL when there is none.
 */
static struct entry **least_recent(struct session_table *t, const char *owner, size_t *owned)
{
	struct entry **oldest = NULL;

	*owned = 0;
	for (size_t b = 0; b < t->nbuckets; b++) {
		for (struct entry **link = &t->buckets[b]; *link != NULL; link = &(*link)->next) {
			if (owner != NULL && strcmp((*link)->owner, owner) != 0)
				continue;
			(*owned)++;
			if (oldest == NULL || (*link)->used < (*oldest)->used)
				oldest = link;
		}
	}
	return oldest;
}

static void drop_expired(struct session_table *t, int64_t now_ms)
{
	for (size_t b = 0; b < t->nbuckets; b++) {
		struct entry **link = &t->buckets[b];
		while (*link != NULL) {
			if (expired(t, *link, now_ms))
				unlink_entry(t, link);
			else
				link = &(*link)->next;
		}
	}
}

/*
 * Before a new session of owner: one address holds at most per_owner sessions, so whoever logs
 * in again and again (a script, or everyone behind one address with the public demo account)
 * pushes out only its own oldest session, never another user's. The whole table holds at most
 * max: the cap bounds memory whatever clients do, and evicting rather than refusing keeps many
 * addresses from locking every other user out. At either cap, expired sessions go first.
 */
static void make_room(struct session_table *t, const char *owner, int64_t now_ms)
{
	size_t owned;
	struct entry **oldest = least_recent(t, owner, &owned);

	if (owned >= t->per_owner || t->free_list == NULL) {
		drop_expired(t, now_ms);
		oldest = least_recent(t, owner, &owned);
	}
	if (owned >= t->per_owner)
		unlink_entry(t, oldest);
	if (t->free_list == NULL)
		unlink_entry(t, least_recent(t, NULL, &owned));
}

/* 16 bytes from the kernel's CSPRNG (getrandom, or getentropy: compat.h), which blocks only
 * until it is seeded, at boot. */
static int random_id(unsigned char *id)
{
	return compat_random(id, SESSION_ID_BYTES);
}

int session_create(struct session_table *t, const char *user, const char *owner, int64_t now_ms,
                   char id[SESSION_ID_LEN + 1])
{
	static const char digits[] = "0123456789abcdef";
	unsigned char raw[SESSION_ID_BYTES];
	size_t user_len = strlen(user), owner_len = strlen(owner);
	struct entry **link, *e;

	if (user_len > SESSION_USER_MAX || owner_len > SESSION_OWNER_MAX) {
		errno = ENAMETOOLONG;
		return -1;
	}
	if (random_id(raw) < 0)
		return -1;
	pthread_mutex_lock(&t->lock);
	link = find(t, raw);
	if (*link != NULL) {
		pthread_mutex_unlock(&t->lock);
		errno = EEXIST;
		return -1;
	}
	make_room(t, owner, now_ms);
	e = t->free_list;
	t->free_list = e->next;
	memcpy(e->id, raw, sizeof raw);
	memcpy(e->user, user, user_len + 1);
	memcpy(e->owner, owner, owner_len + 1);
	e->login_time = (int64_t)time(NULL);
	e->last_ms = now_ms;
	e->used = ++t->uses;
	e->requests = 0;
	link = find(t, raw);            /* make_room may have emptied this bucket */
	e->next = NULL;
	*link = e;
	t->count++;
	pthread_mutex_unlock(&t->lock);
	for (size_t i = 0; i < SESSION_ID_BYTES; i++) {
		id[2 * i] = digits[raw[i] >> 4];
		id[2 * i + 1] = digits[raw[i] & 0xf];
	}
	id[SESSION_ID_LEN] = '\0';
	return 0;
}

int session_touch(struct session_table *t, const char *id, size_t len, int64_t now_ms,
                  struct session_info *out)
{
	unsigned char raw[SESSION_ID_BYTES];
	struct entry **link, *e;

	if (!parse_id(id, len, raw)) {
		errno = ENOENT;
		return -1;
	}
	pthread_mutex_lock(&t->lock);
	link = find(t, raw);
	e = *link;
	if (e != NULL && expired(t, e, now_ms)) {
		unlink_entry(t, link);
		e = NULL;
	}
	if (e != NULL) {
		if (now_ms > e->last_ms)    /* threads may pass their times a little out of order */
			e->last_ms = now_ms;
		e->used = ++t->uses;
		e->requests++;
		if (out != NULL) {
			memcpy(out->user, e->user, sizeof out->user);
			out->login_time = e->login_time;
			out->requests = e->requests;
		}
	}
	pthread_mutex_unlock(&t->lock);
	if (e == NULL) {
		errno = ENOENT;
		return -1;
	}
	return 0;
}

int session_remove(struct session_table *t, const char *id, size_t len)
{
	unsigned char raw[SESSION_ID_BYTES];
	struct entry **link;
	bool found = false;

	if (parse_id(id, len, raw)) {
		pthread_mutex_lock(&t->lock);
		link = find(t, raw);
		found = *link != NULL;
		if (found)
			unlink_entry(t, link);
		pthread_mutex_unlock(&t->lock);
	}
	if (!found) {
		errno = ENOENT;
		return -1;
	}
	return 0;
}

size_t session_count(struct session_table *t)
{
	size_t n;

	pthread_mutex_lock(&t->lock);
	n = t->count;
	pthread_mutex_unlock(&t->lock);
	return n;
}
