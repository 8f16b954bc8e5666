// SPDX-License-Identifier: MIT
/*
 * clients: the table of clients being served (see clients.h). fds[slot] is a served socket or
 * -1; free_slots is a stack of the unused slots, so adding and removing cost the same for 10 or
 * 10,000 clients. A thread closes its fd under the mutex, after clearing its slot, so the stop
 * never shuts down a descriptor number that was closed and reused for something else.
 *
 * Left out on purpose: a thread pool. A thread per client is the lesson of Example 3; the cap
 * and the small stack (CLIENTS_THREAD_STACK) are what let it hold 10,000 clients.
 */
#include "base/clients.h"

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "base/compat.h"
#include "base/io.h"
#include "base/log.h"

/* Descriptors kept free for the listener, logs, and files a client thread opens. */
#define FD_MARGIN 32
/* After the grace period and a full shutdown: how long the stop waits before it says so. */
#define STOP_WAIT_NOTE_MS 3000
/* Turned-away clients whose sockets wait to be closed (clients_turn_away). */
#define TURNED_AWAY_KEEP 16

static struct {
	pthread_mutex_t lock;
	pthread_cond_t idle;      /* broadcast when live drops to 0 */
	int *fds;
	unsigned *free_slots;
	unsigned cap, nfree, live;
} table = { .lock = PTHREAD_MUTEX_INITIALIZER };
static pthread_once_t table_once = PTHREAD_ONCE_INIT;

/* Only the accepting thread touches the ring; clients_open() empties it (-1). */
static int turned_away[TURNED_AWAY_KEEP];
static unsigned turned_away_next;

/* The stop waits with timeouts, so the condvar uses the monotonic clock (immune to date jumps)
 * where the system lets it (compat.h). */
static void table_init_once(void)
{
	compat_cond_init(&table.idle);
}

static unsigned cap_for_descriptors(unsigned wanted)
{
	unsigned cap = wanted ? wanted : CLIENTS_MAX_DEFAULT;
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur != RLIM_INFINITY) {
		rlim_t room = rl.rlim_cur > FD_MARGIN + 1 ? rl.rlim_cur - FD_MARGIN : 1;
		if (cap > room)
			cap = (unsigned)room;
	}
	return cap;
}

long clients_open(unsigned max)
{
	unsigned cap = cap_for_descriptors(max);
	int *fds = calloc(cap, sizeof *fds);
	unsigned *free_slots = calloc(cap, sizeof *free_slots);

	pthread_once(&table_once, table_init_once);
	if (fds == NULL || free_slots == NULL) {
		free(fds);
		free(free_slots);
		errno = ENOMEM;
		return -1;
	}
	for (unsigned i = 0; i < cap; i++) {
		fds[i] = -1;
		free_slots[i] = cap - 1 - i;
	}
	pthread_mutex_lock(&table.lock);
	bool busy = table.fds != NULL;
	if (!busy) {
		table.fds = fds;
		table.free_slots = free_slots;
		table.cap = table.nfree = cap;
	}
	pthread_mutex_unlock(&table.lock);
	if (busy) {
		free(fds);
		free(free_slots);
		errno = EBUSY;
		return -1;
	}
	for (unsigned i = 0; i < TURNED_AWAY_KEEP; i++)
		turned_away[i] = -1;
	return cap;
}

int clients_add(int fd)
{
	int slot = -1;

	pthread_mutex_lock(&table.lock);
	if (table.nfree > 0) {
		slot = (int)table.free_slots[--table.nfree];
		table.fds[slot] = fd;
		table.live++;
	}
	pthread_mutex_unlock(&table.lock);
	return slot;
}

void clients_done(int slot)
{
	pthread_mutex_lock(&table.lock);
	close(table.fds[slot]);
	table.fds[slot] = -1;
	table.free_slots[table.nfree++] = (unsigned)slot;
	if (--table.live == 0)
		pthread_cond_broadcast(&table.idle);
	pthread_mutex_unlock(&table.lock);
}

unsigned clients_live(void)
{
	pthread_mutex_lock(&table.lock);
	unsigned live = table.live;
	pthread_mutex_unlock(&table.lock);
	return live;
}

/* Close a turned-away socket: drain what arrived without waiting (a lingering close of 0 ms). */
static void close_turned_away(int fd)
{
	(void)io_linger(fd, 0, IO_LINGER_MAX);
	close(fd);
}

void clients_turn_away(int fd)
{
	int *keep = &turned_away[turned_away_next++ % TURNED_AWAY_KEEP];

	shutdown(fd, SHUT_WR);
	if (*keep >= 0)
		close_turned_away(*keep);
	*keep = fd;
}

/* Called with table.lock held. */
static void shutdown_all(int how)
{
	for (unsigned i = 0; i < table.cap; i++)
		if (table.fds[i] >= 0)
			shutdown(table.fds[i], how);
}

/* Called with table.lock held; returns when live is 0 or ms have passed. */
static void wait_idle(unsigned ms)
{
	struct timespec until = compat_cond_deadline(ms);

	while (table.live > 0 && pthread_cond_timedwait(&table.idle, &table.lock, &until) != ETIMEDOUT)
		continue;
}

void clients_stop(unsigned grace_ms)
{
	for (unsigned i = 0; i < TURNED_AWAY_KEEP; i++) {
		if (turned_away[i] >= 0)
			close_turned_away(turned_away[i]);
		turned_away[i] = -1;
	}
	pthread_mutex_lock(&table.lock);
	if (table.fds != NULL) {
		shutdown_all(SHUT_RD);
		wait_idle(grace_ms);
		if (table.live > 0)
			shutdown_all(SHUT_RDWR);
		wait_idle(STOP_WAIT_NOTE_MS);
	}
	/* Every read and write of a client now fails at once, so a thread still running is in
	 * the middle of its own work (a password hash, a file read). What main() frees next (the
	 * templates, the session table, the TLS context) it may still use: wait for it. */
	if (table.live > 0) {
		log_error("waiting for %u client thread(s) to finish", table.live);
		while (table.live > 0)
			pthread_cond_wait(&table.idle, &table.lock);
	}
	pthread_mutex_unlock(&table.lock);
}

bool clients_close(void)
{
	pthread_mutex_lock(&table.lock);
	bool empty = table.live == 0;
	if (empty) {
		free(table.fds);
		free(table.free_slots);
		table.fds = NULL;
		table.free_slots = NULL;
		table.cap = table.nfree = 0;
	}
	pthread_mutex_unlock(&table.lock);
	return empty;
}
