/* SPDX-License-Identifier: MIT */
/*
 * net: listening sockets and accepting clients for fileserver and formapp, whose lesson is HTTP,
 * not the socket calls (echo, echo_mt and web_hello make those themselves, as the handout does):
 * getaddrinfo for IPv4 and IPv6, port 0, SO_REUSEADDR, an accept that looks at the stop flag,
 * and addresses as text.
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

/*
 * What to do about a bind() or listen() that failed with err, for the end of the error line:
 * " (another server is using it: stop it, or choose another port)" for EADDRINUSE, a word on
 * privileged ports for EACCES, else "". The Part B programs, which call bind() themselves, use it.
 */
const char *net_listen_hint(int err);

/* The local (getsockname) or remote (getpeername-style, from accept) address of a socket. */
int net_local_addr(int fd, struct net_addr *out);
int net_addr_from(const struct sockaddr *sa, socklen_t len, struct net_addr *out);

/* Raise RLIMIT_NOFILE to its hard limit, once in main(): a server with many clients needs many
 * descriptors. Failure leaves the limit as it was. */
void net_raise_fd_limit(void);

/*
 * Wait for and accept one client. Returns the new fd (close-on-exec), or -1: errno EINTR when the
 * stop flag is set (the caller stops), other errno values for errors worth logging. Wakes at least
 * every 200 ms to look at the stop flag. On EMFILE/ENFILE it pauses briefly instead of spinning.
 */
int net_accept(int listen_fd, struct sockaddr_storage *peer, socklen_t *peer_len);

#endif
