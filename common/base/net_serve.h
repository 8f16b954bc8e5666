/* SPDX-License-Identifier: MIT */
/*
 * net_serve: the thread-per-client server of fileserver and formapp: one detached pthread per
 * client with a small stack, a cap on live clients (base/clients.h; past it, reject() answers
 * "busy"), and a stop that wakes every client thread and waits for it. echo_mt.c writes the same
 * design out in its own file, as the handout's Example 3 does.
 *
 * Error convention: -1 with errno set.
 */
#ifndef NET_SERVE_H
#define NET_SERVE_H

#include "base/net.h"

/* One connected client, owned by the thread that serves it. */
struct net_client {
	int fd;
	struct net_addr peer;
	unsigned long id;       /* 1, 2, 3, ... in accept order */
};

/*
 * The thread-per-client server. serve() runs on its own detached thread (small stack, SIGINT and
 * SIGTERM blocked) for each client; it must not close client->fd: net closes it after serve()
 * returns. reject() is called on the accepting thread, past max_clients, with a fd that net closes
 * afterwards: it may write one short message with MSG_DONTWAIT (a busy line, a 503) and no more.
 */
struct net_server {
	int listen_fd;
	unsigned max_clients;                     /* 0 means CLIENTS_MAX_DEFAULT (clients.h) */
	void (*serve)(struct net_client *client, void *ctx);
	void (*reject)(int fd, const struct net_addr *peer, void *ctx);   /* may be NULL */
	void *ctx;
	unsigned stop_grace_ms;   /* after a stop, how long serving threads may finish before their
	                             sockets are shut down both ways (0: at once) */
};

/*
 * Accept clients until the stop flag is set; then close the listener and stop the clients as
 * clients_stop() does: wake them, give them stop_grace_ms, and wait for their threads.
 * Returns 0, or -1 when the table of clients could not be made (ENOMEM) or accept() failed for
 * a reason other than a client's (logged). clients_live() says how many are served.
 */
int net_serve_threads(struct net_server *srv);

#endif
