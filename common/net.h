/* SPDX-License-Identifier: MIT */
/*
 * net: listening sockets, the accept loop with its stop flag, and one detached pthread per
 * client with a cap on live clients. Mirrors the socket()/bind()/listen()/accept() calls of the
 * handout's Part B examples; what they leave out (IPv6, port 0, SO_REUSEADDR, a clean Ctrl-C, a
 * burst of clients) is done here once for every program.
 *
 * Error convention: functions return -1 with errno set, unless said otherwise.
 */
#ifndef NET_H
#define NET_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/socket.h>

/* Room for "[ffff:...:ffff]" or "255.255.255.255" plus a NUL. */
#define NET_HOST_MAX 64
/* Default cap on live clients of the threaded servers; clipped to what RLIMIT_NOFILE allows. */
#define NET_MAX_CLIENTS_DEFAULT 16384

/* An address as text: host without brackets ("127.0.0.1", "::1", "::ffff:10.0.0.7") and port. */
struct net_addr {
	char host[NET_HOST_MAX];
	unsigned port;
	bool ipv6;
};

/*
 * Open a listening TCP socket on host:port with SO_REUSEADDR and backlog SOMAXCONN.
 * host NULL or "" means all interfaces: dual-stack "::" (IPV6_V6ONLY off), falling back to
 * "0.0.0.0" where IPv6 is missing. port 0 asks the kernel for a free port.
 * Returns the fd, or -1 with a one-line reason written to err (e.g. "cannot listen on
 * 127.0.0.1 port 5555: Address already in use"). The fd is close-on-exec.
 */
int net_listen(const char *host, unsigned port, char *err, size_t errlen);

/* The local (getsockname) or remote (getpeername-style, from accept) address of a socket. */
int net_local_addr(int fd, struct net_addr *out);
int net_addr_from(const struct sockaddr *sa, socklen_t len, struct net_addr *out);

/*
 * Process set-up, called once at the start of main(): ignore SIGPIPE (a vanished client becomes
 * EPIPE), install SIGINT/SIGTERM handlers that only set the stop flag (without SA_RESTART, so a
 * blocking call in the main thread returns EINTR), and raise RLIMIT_NOFILE to its hard limit.
 */
void net_init_process(void);

/* True once SIGINT or SIGTERM arrived (or net_request_stop was called). Async-signal-safe. */
bool net_stop_requested(void);
void net_request_stop(void);

/*
 * Wait for and accept one client. Returns the new fd (close-on-exec), or -1: errno EINTR when the
 * stop flag is set (the caller stops), other errno values for errors worth logging. Wakes at least
 * every 200 ms to look at the stop flag. On EMFILE/ENFILE it pauses briefly instead of spinning.
 */
int net_accept(int listen_fd, struct sockaddr_storage *peer, socklen_t *peer_len);

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
