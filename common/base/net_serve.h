/* SPDX-License-Identifier: MIT */
/*
 * net_serve: the thread-per-client server of fileserver and formapp: one detached pthread per
 * client with a small stack, a cap on live clients (past it, reject() answers "busy"), and a stop
 * that wakes every client thread and waits for it. echo_mt shows the same design in its own file.
 *
 * Error convention: -1 with errno set.
 */
#ifndef NET_SERVE_H
#define NET_SERVE_H

#include "base/net.h"

/* Default cap on live clients of the threaded servers; clipped to what RLIMIT_NOFILE allows. */
#define NET_MAX_CLIENTS_DEFAULT 16384

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
	unsigned max_clients;                     /* 0 means NET_MAX_CLIENTS_DEFAULT */
	void (*serve)(struct net_client *client, void *ctx);
	void (*reject)(int fd, const struct net_addr *peer, void *ctx);   /* may be NULL */
	void *ctx;
	unsigned stop_grace_ms;   /* after a stop, how long serving threads may finish before their
	                             sockets are shut down both ways (0: at once) */
};

/*
 * Accept clients until the stop flag is set; then stop accepting, close the listener, shut down
 * the read side of every live client (a thread blocked in recv() sees EOF), give the threads
 * stop_grace_ms to finish, shut down what remains, and wait for every thread to end.
 * Returns 0, or -1 if no thread could be started at all. Thread-safe counters below.
 */
int net_serve_threads(struct net_server *srv);

/* Number of clients being served right now (for logs and tests). */
unsigned net_live_clients(void);

#endif
