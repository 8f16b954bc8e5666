// SPDX-License-Identifier: MIT
/*
 * net_serve: the thread-per-client server of the handout's Example 3 (echo_mt), shared by every
 * threaded program: one detached pthread per client with a small stack, a cap on live clients
 * (past it, reject() answers "busy"), and a stop that wakes every client thread and waits for
 * it, so a program exits with no thread or descriptor left behind. Declared in net.h; split from
 * net.c to keep each file readable in one sitting.
 *
 * Left out on purpose: a thread pool. A thread per client is the lesson of Example 3; the cap
 * and the small stack are what make it hold 10,000 clients.
 */
/* SCHED_BATCH is a Linux policy that glibc declares only under _GNU_SOURCE. */
#define _GNU_SOURCE
#include "base/net_serve.h"

#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "base/log.h"
#include "base/stop.h"

/* Descriptors kept free for the listener, logs, and files a client thread opens. */
#define FD_MARGIN 32
/* After the grace period and a full shutdown, how long the stop waits for the last threads. */
#define STOP_WAIT_MAX_MS 3000

/* Client threads only run serve(); the sanitizers need far more stack for their bookkeeping. */
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
#define CLIENT_STACK (1024 * 1024)
#elif defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(thread_sanitizer)
#define CLIENT_STACK (1024 * 1024)
#endif
#endif
#ifndef CLIENT_STACK
#define CLIENT_STACK (256 * 1024)
#endif

/*
 * Live clients: fds[slot] is a served socket or -1; free_slots is a stack of unused slots. One
 * mutex guards it all. A thread closes its fd under the mutex, after clearing its slot, so the
 * stop never shuts down a descriptor number that was closed and reused for something else.
 */
static struct {
	pthread_mutex_t lock;
	pthread_cond_t idle;      /* broadcast when live drops to 0 */
	int *fds;
	unsigned *free_slots;
	unsigned cap, nfree, live;
} reg = { .lock = PTHREAD_MUTEX_INITIALIZER };
static pthread_once_t reg_once = PTHREAD_ONCE_INIT;

struct client_arg {
	struct net_client client;
	struct net_server *srv;
	unsigned slot;
};

/* The stop waits with timeouts, so the condvar uses the monotonic clock (immune to date jumps). */
static void reg_init_once(void)
{
	pthread_condattr_t attr;
	pthread_condattr_init(&attr);
	pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
	pthread_cond_init(&reg.idle, &attr);
	pthread_condattr_destroy(&attr);
}

static int reg_open(unsigned cap)
{
	pthread_once(&reg_once, reg_init_once);
	int *fds = calloc(cap, sizeof *fds);
	unsigned *free_slots = calloc(cap, sizeof *free_slots);
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
	pthread_mutex_lock(&reg.lock);
	bool busy = reg.fds != NULL;   /* one server per process; or threads of the last one left */
	if (!busy) {
		reg.fds = fds;
		reg.free_slots = free_slots;
		reg.cap = reg.nfree = cap;
	}
	pthread_mutex_unlock(&reg.lock);
	if (busy) {
		free(fds);
		free(free_slots);
		errno = EBUSY;
		return -1;
	}
	return 0;
}

/* Frees the table only when no thread can touch it any more. */
static void reg_close(void)
{
	pthread_mutex_lock(&reg.lock);
	if (reg.live == 0) {
		free(reg.fds);
		free(reg.free_slots);
		reg.fds = NULL;
		reg.free_slots = NULL;
		reg.cap = reg.nfree = 0;
	}
	pthread_mutex_unlock(&reg.lock);
}

/* Returns false when the cap is reached. */
static bool reg_add(int fd, unsigned *slot)
{
	bool ok = false;
	pthread_mutex_lock(&reg.lock);
	if (reg.nfree > 0) {
		*slot = reg.free_slots[--reg.nfree];
		reg.fds[*slot] = fd;
		reg.live++;
		ok = true;
	}
	pthread_mutex_unlock(&reg.lock);
	return ok;
}

static void reg_remove_and_close(unsigned slot)
{
	pthread_mutex_lock(&reg.lock);
	close(reg.fds[slot]);
	reg.fds[slot] = -1;
	reg.free_slots[reg.nfree++] = slot;
	if (--reg.live == 0)
		pthread_cond_broadcast(&reg.idle);
	pthread_mutex_unlock(&reg.lock);
}

unsigned net_live_clients(void)
{
	pthread_mutex_lock(&reg.lock);
	unsigned live = reg.live;
	pthread_mutex_unlock(&reg.lock);
	return live;
}

/* Called with reg.lock held. */
static void shutdown_all(int how)
{
	for (unsigned i = 0; i < reg.cap; i++)
		if (reg.fds[i] >= 0)
			shutdown(reg.fds[i], how);
}

/* Called with reg.lock held; returns when live is 0 or ms have passed. */
static void wait_idle(unsigned ms)
{
	struct timespec until;
	clock_gettime(CLOCK_MONOTONIC, &until);
	until.tv_sec += ms / 1000;
	until.tv_nsec += (long)(ms % 1000) * 1000000L;
	if (until.tv_nsec >= 1000000000L) {
		until.tv_sec++;
		until.tv_nsec -= 1000000000L;
	}
	while (reg.live > 0 && pthread_cond_timedwait(&reg.idle, &reg.lock, &until) != ETIMEDOUT)
		continue;
}

/*
 * The stop: SHUT_RD makes a thread blocked in recv() see EOF, so it finishes like a client that
 * left; after the grace period SHUT_RDWR also fails a thread blocked in send() with EPIPE.
 */
static void stop_clients(unsigned grace_ms)
{
	pthread_mutex_lock(&reg.lock);
	shutdown_all(SHUT_RD);
	wait_idle(grace_ms);
	if (reg.live > 0) {
		shutdown_all(SHUT_RDWR);
		wait_idle(STOP_WAIT_MAX_MS);
	}
	unsigned left = reg.live;
	pthread_mutex_unlock(&reg.lock);
	if (left > 0)
		log_error("stopping with %u client thread(s) still running", left);
}

static void *client_main(void *p)
{
	struct client_arg *arg = p;
	struct net_client client = arg->client;
	struct net_server *srv = arg->srv;
	unsigned slot = arg->slot;
	free(arg);
#ifdef SCHED_BATCH
	/*
	 * Under SCHED_BATCH a thread woken by its client's next request does not preempt the thread
	 * already on the CPU (the client program, or another client's thread); it waits until that
	 * one blocks or its time slice ends. On a busy machine that saves context switches on every
	 * request (bench/README.md, "Threads and the scheduler"); on an idle one nothing changes, as
	 * a woken thread still gets a free CPU at once. The priority stays 0, so no privilege is
	 * needed, and a refusal only leaves the default policy.
	 */
	(void)pthread_setschedparam(pthread_self(), SCHED_BATCH, &(struct sched_param){ 0 });
#endif
	srv->serve(&client, srv->ctx);
	reg_remove_and_close(slot);
	return NULL;
}

/* Returns 0 or a pthread error number. */
static int start_thread(struct client_arg *arg)
{
	pthread_attr_t attr;
	sigset_t block, old;
	pthread_t thread;
	int rc = pthread_attr_init(&attr);
	if (rc != 0)
		return rc;
	pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
	pthread_attr_setstacksize(&attr, CLIENT_STACK);
	/* The new thread inherits this mask: Ctrl-C must reach the accepting thread, whose poll()
	 * it interrupts, not a client thread that would just see EINTR in recv(). */
	sigemptyset(&block);
	sigaddset(&block, SIGINT);
	sigaddset(&block, SIGTERM);
	pthread_sigmask(SIG_BLOCK, &block, &old);
	rc = pthread_create(&thread, &attr, client_main, arg);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	pthread_attr_destroy(&attr);
	return rc;
}

/*
 * A client turned away at the cap has often sent its request already. Closing a socket that holds
 * unread bytes makes the kernel answer with a reset (RFC 9293 3.6), which can destroy the busy
 * answer before the client reads it. So the answer is followed by a FIN (SHUT_WR), and the
 * descriptor is kept in a small ring, closed (after draining what arrived) only when the ring
 * wraps or the server stops. Only the accepting thread touches the ring.
 */
#define TURNED_AWAY_KEEP 16
static int turned_away[TURNED_AWAY_KEEP];
static unsigned turned_away_next;

static void close_drained(int fd)
{
	char sink[4096];
	for (int i = 0; i < 16 && recv(fd, sink, sizeof sink, MSG_DONTWAIT) > 0; i++)
		continue;
	close(fd);
}

static void turn_away(int fd)
{
	shutdown(fd, SHUT_WR);
	int *keep = &turned_away[turned_away_next++ % TURNED_AWAY_KEEP];
	if (*keep >= 0)
		close_drained(*keep);
	*keep = fd;
}

static void close_turned_away(void)
{
	for (unsigned i = 0; i < TURNED_AWAY_KEEP; i++) {
		if (turned_away[i] >= 0)
			close_drained(turned_away[i]);
		turned_away[i] = -1;
	}
}

static void spawn(struct net_server *srv, const struct net_client *client)
{
	unsigned slot;
	if (!reg_add(client->fd, &slot)) {
		if (srv->reject)
			srv->reject(client->fd, &client->peer, srv->ctx);
		turn_away(client->fd);
		return;
	}
	struct client_arg *arg = malloc(sizeof *arg);
	int rc = ENOMEM;
	if (arg != NULL) {
		*arg = (struct client_arg){ .client = *client, .srv = srv, .slot = slot };
		rc = start_thread(arg);
	}
	if (rc != 0) {
		char text[128];
		log_error("client %lu: cannot start a thread (%s); closed it",
		          client->id, log_strerror(rc, text, sizeof text));
		free(arg);
		reg_remove_and_close(slot);
	}
}

static unsigned client_cap(unsigned wanted)
{
	unsigned cap = wanted ? wanted : NET_MAX_CLIENTS_DEFAULT;
	struct rlimit rl;
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur != RLIM_INFINITY) {
		rlim_t room = rl.rlim_cur > FD_MARGIN + 1 ? rl.rlim_cur - FD_MARGIN : 1;
		if (cap > room)
			cap = (unsigned)room;
	}
	return cap;
}

int net_serve_threads(struct net_server *srv)
{
	unsigned long next_id = 1;
	int result = 0;
	if (reg_open(client_cap(srv->max_clients)) < 0)
		return -1;
	for (unsigned i = 0; i < TURNED_AWAY_KEEP; i++)
		turned_away[i] = -1;
	while (!stop_requested()) {
		struct sockaddr_storage ss;
		socklen_t len;
		struct net_client client = { .fd = net_accept(srv->listen_fd, &ss, &len) };
		if (client.fd < 0 && errno == EINTR)
			continue;   /* the loop condition sees the stop flag */
		if (client.fd < 0) {
			char text[128];
			log_error("accept failed: %s", log_strerror(errno, text, sizeof text));
			result = -1;
			break;
		}
		client.id = next_id++;
		if (net_addr_from((struct sockaddr *)&ss, len, &client.peer) < 0)
			client.peer.host[0] = '?';   /* the rest of client is zeroed: "?" */
		spawn(srv, &client);
	}
	close(srv->listen_fd);
	srv->listen_fd = -1;
	close_turned_away();
	stop_clients(srv->stop_grace_ms);
	reg_close();
	return result;
}
