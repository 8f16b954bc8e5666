// SPDX-License-Identifier: MIT
/*
 * guard: the hashes that may run at once, and the failed logins of each address (see guard.h).
 *
 * Left out on purpose: blocking an account whatever the address (that would let anyone lock
 * philip out by failing his login on purpose), and grouping IPv6 addresses by /64 (a client with
 * a whole prefix gets a count per address).
 */
#include "guard.h"

#include <errno.h>
#include <pthread.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "base/compat.h"

#define ADDRESS_MAX 64   /* bytes of an address's text ("::ffff:10.0.0.7") */

static struct {
	pthread_mutex_t lock;
	pthread_cond_t freed;
	unsigned running, max;
} hashes = { .lock = PTHREAD_MUTEX_INITIALIZER, .max = 1 };

struct failures {
	char address[ADDRESS_MAX + 1];   /* "" : a free place */
	int64_t since_ms;                /* the first failure of the window */
	unsigned count;
};

static struct {
	pthread_mutex_t lock;
	struct failures slot[GUARD_ADDRESSES];
} table = { .lock = PTHREAD_MUTEX_INITIALIZER };

void guard_init(unsigned max)
{
	compat_cond_init(&hashes.freed);   /* waits immune to date changes, where it can */
	hashes.max = max > 0 ? max : compat_cpu_count();
}

bool guard_hash_begin(unsigned wait_ms)
{
	struct timespec until = compat_cond_deadline(wait_ms);
	int rc = 0;

	pthread_mutex_lock(&hashes.lock);
	while (hashes.running >= hashes.max && rc != ETIMEDOUT)
		rc = pthread_cond_timedwait(&hashes.freed, &hashes.lock, &until);
	bool got = hashes.running < hashes.max;
	if (got)
		hashes.running++;
	pthread_mutex_unlock(&hashes.lock);
	return got;
}

void guard_hash_end(void)
{
	pthread_mutex_lock(&hashes.lock);
	hashes.running--;
	pthread_cond_signal(&hashes.freed);
	pthread_mutex_unlock(&hashes.lock);
}

/* The place of address, or NULL. Called with table.lock held. */
static struct failures *find(const char *address)
{
	for (size_t i = 0; i < GUARD_ADDRESSES; i++)
		if (table.slot[i].address[0] != '\0' && strcmp(table.slot[i].address, address) == 0)
			return &table.slot[i];
	return NULL;
}

/* A place for address: a free one, else the one whose window started longest ago. */
static struct failures *take(const char *address)
{
	struct failures *oldest = &table.slot[0];

	for (size_t i = 0; i < GUARD_ADDRESSES; i++) {
		struct failures *f = &table.slot[i];
		if (f->address[0] == '\0') {
			oldest = f;
			break;
		}
		if (f->since_ms < oldest->since_ms)
			oldest = f;
	}
	memset(oldest, 0, sizeof *oldest);
	strncat(oldest->address, address, ADDRESS_MAX);
	return oldest;
}

bool guard_login_allowed(const char *address, int64_t now_ms, unsigned *retry_s)
{
	bool allowed = true;

	pthread_mutex_lock(&table.lock);
	struct failures *f = find(address);
	if (f != NULL && now_ms - f->since_ms >= GUARD_WINDOW_MS)
		memset(f, 0, sizeof *f);              /* the window is over: a clean slate */
	else if (f != NULL && f->count >= GUARD_FAILURES_MAX) {
		int64_t left_ms = f->since_ms + GUARD_WINDOW_MS - now_ms;
		*retry_s = (unsigned)((left_ms + 999) / 1000);
		allowed = false;
	}
	pthread_mutex_unlock(&table.lock);
	return allowed;
}

void guard_login_failed(const char *address, int64_t now_ms)
{
	pthread_mutex_lock(&table.lock);
	struct failures *f = find(address);
	if (f == NULL) {
		f = take(address);
		f->since_ms = now_ms;
	}
	f->count++;
	pthread_mutex_unlock(&table.lock);
}

void guard_login_succeeded(const char *address)
{
	pthread_mutex_lock(&table.lock);
	struct failures *f = find(address);
	if (f != NULL)
		memset(f, 0, sizeof *f);
	pthread_mutex_unlock(&table.lock);
}
