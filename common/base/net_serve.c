// SPDX-License-Identifier: MIT
/*
 * net_serve: the thread-per-client server of fileserver and formapp (see net_serve.h): accept,
 * a slot in the live-client table (base/clients.h), and a detached pthread with a small stack
 * for each client. echo_mt.c shows the same steps written out, as the handout's Example 3 does.
 *
 * Left out on purpose: a thread pool, and an event loop (the lab is about threads).
 */
#include "base/net_serve.h"

#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <unistd.h>

#include "base/clients.h"
#include "base/compat.h"
#include "base/log.h"
#include "base/stop.h"

struct client_arg {
	struct net_client client;
	struct net_server *srv;
	int slot;
};

static void *client_main(void *p)
{
	struct client_arg *arg = p;
	struct net_client client = arg->client;
	struct net_server *srv = arg->srv;
	int slot = arg->slot;

	free(arg);
	/*
	 * Under Linux's SCHED_BATCH a thread woken by its client's next request does not preempt
	 * the thread already on the CPU (the client program, or another client's thread); it waits
	 * until that one blocks or its time slice ends. On a busy machine that saves context
	 * switches on every request (bench/README.md, "Threads and the scheduler"); on an idle one
	 * nothing changes, as a woken thread still gets a free CPU at once. The priority stays 0, so
	 * no privilege is needed, and a refusal (or a system without it) only leaves the default
	 * policy.
	 */
	(void)compat_thread_batch();
	srv->serve(&client, srv->ctx);
	clients_done(slot);
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
	pthread_attr_setstacksize(&attr, CLIENTS_THREAD_STACK);
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

static void spawn(struct net_server *srv, const struct net_client *client)
{
	int slot = clients_add(client->fd);

	if (slot < 0) {
		if (srv->reject)
			srv->reject(client->fd, &client->peer, srv->ctx);
		clients_turn_away(client->fd);
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
		clients_done(slot);
	}
}

int net_serve_threads(struct net_server *srv)
{
	unsigned long next_id = 1;
	int result = 0;

	if (clients_open(srv->max_clients) < 0)
		return -1;
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
	clients_stop(srv->stop_grace_ms);
	clients_close();
	return result;
}
