// SPDX-License-Identifier: MIT
/*
 * net: the socket()/bind()/listen()/accept() of the handout's Part B examples, done once for
 * every program: getaddrinfo (IPv4 and IPv6, port 0), SO_REUSEADDR, the real bound port, peer
 * address text, and a stop flag that Ctrl-C and SIGTERM set and accept looks at. The
 * thread-per-client server is in net_serve.c.
 *
 * Left out on purpose: non-blocking sockets and event loops (the lab is about threads).
 */
#include "base/net.h"

#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include "base/compat.h"
#include "base/log.h"
#include "base/stop.h"

/* Pause after EMFILE/ENFILE: the pending client stays queued until a descriptor frees up. */
#define NO_FD_PAUSE_MS 100

/*
 * 10,000 clients need 10,000 descriptors; the soft limit is often 1024. Failure is harmless: the
 * live-client cap is clipped to whatever limit remains.
 */
void net_raise_fd_limit(void)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
}

/* ---- listening ------------------------------------------------------------------------------ */

static int listen_one(const struct addrinfo *ai, bool dual_stack)
{
	int fd = compat_socket(ai->ai_family, ai->ai_socktype, ai->ai_protocol);   /* close-on-exec */
	if (fd < 0)
		return -1;
	int one = 1, zero = 0;
	/* SO_REUSEADDR: a restarted server binds at once instead of waiting out TIME_WAIT. */
	if (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) < 0)
		goto fail;
	if (dual_stack && ai->ai_family == AF_INET6 &&
	    setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &zero, sizeof zero) < 0)
		goto fail;
	if (bind(fd, ai->ai_addr, ai->ai_addrlen) < 0 || listen(fd, SOMAXCONN) < 0)
		goto fail;
	return fd;
fail:;
	int saved = errno;
	close(fd);
	errno = saved;
	return -1;
}

/* Try each address getaddrinfo gives. Returns the fd, or -1 with errno, or -2 with *gai set. */
static int listen_host(const char *host, const char *port, bool dual_stack, int *gai)
{
	struct addrinfo hints, *list = NULL;
	memset(&hints, 0, sizeof hints);
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
	*gai = getaddrinfo(host, port, &hints, &list);
	if (*gai == EAI_SYSTEM)
		return -1;
	if (*gai != 0)
		return -2;
	int fd = -1;
	errno = EADDRNOTAVAIL;
	for (const struct addrinfo *ai = list; ai && fd < 0; ai = ai->ai_next)
		fd = listen_one(ai, dual_stack);
	int saved = errno;
	freeaddrinfo(list);
	errno = saved;
	return fd;
}


const char *net_listen_hint(int err)
{
	if (err == EADDRINUSE)
		return " (another server is using it: stop it, or choose another port)";
	if (err == EACCES)
		return " (ports below 1024 need root: choose a port above 1023)";
	return "";
}

static void listen_failed(char *err, size_t errlen, const char *host, unsigned port, int rc,
                          int gai)
{
	char text[128];
	const char *why = rc == -2 ? gai_strerror(gai) : log_strerror(errno, text, sizeof text);
	log_reason(err, errlen, "cannot listen on %s port %u: %s%s", host, port, why,
	           rc == -2 ? "" : net_listen_hint(errno));
}

int net_listen(const char *host, unsigned port, char *err, size_t errlen)
{
	char port_text[16];
	bool any = host == NULL || host[0] == '\0';
	int gai = 0;
	int n = snprintf(port_text, sizeof port_text, "%u", port);
	if (port > 65535 || n < 0 || (size_t)n >= sizeof port_text) {
		log_reason(err, errlen, "cannot listen on port %u: a port is 0 to 65535", port);
		errno = EINVAL;
		return -1;
	}
	int fd = listen_host(any ? "::" : host, port_text, any, &gai);
	/* No IPv6 on this machine (module off, container without ::): all interfaces on IPv4. */
	if (any && fd < 0 && (fd == -2 || errno == EAFNOSUPPORT || errno == EADDRNOTAVAIL))
		fd = listen_host("0.0.0.0", port_text, false, &gai);
	if (fd >= 0)
		return fd;
	int saved = errno;
	listen_failed(err, errlen, any ? "::" : host, port, fd, gai);
	errno = fd == -2 ? EADDRNOTAVAIL : saved;
	return -1;
}

int net_addr_from(const struct sockaddr *sa, socklen_t len, struct net_addr *out)
{
	/* Copied, not cast: a sockaddr pointer need not be aligned for the longer structs. */
	struct sockaddr_in in4;
	struct sockaddr_in6 in6;
	const void *ip;
	if (sa->sa_family == AF_INET && len >= (socklen_t)sizeof in4) {
		memcpy(&in4, sa, sizeof in4);
		ip = &in4.sin_addr;
		out->port = ntohs(in4.sin_port);
	} else if (sa->sa_family == AF_INET6 && len >= (socklen_t)sizeof in6) {
		memcpy(&in6, sa, sizeof in6);
		ip = &in6.sin6_addr;
		out->port = ntohs(in6.sin6_port);
	} else {
		errno = EAFNOSUPPORT;
		return -1;
	}
	out->ipv6 = sa->sa_family == AF_INET6;
	if (inet_ntop(sa->sa_family, ip, out->host, sizeof out->host) == NULL)
		return -1;
	return 0;
}

int net_local_addr(int fd, struct net_addr *out)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof ss;
	if (getsockname(fd, (struct sockaddr *)&ss, &len) < 0)
		return -1;
	return net_addr_from((struct sockaddr *)&ss, len, out);
}

/* ---- accepting ------------------------------------------------------------------------------ */

/* accept(2), "Error handling": these concern the one pending client, not the listener. */
static bool accept_retryable(int err)
{
#ifdef EHOSTDOWN   /* not POSIX; Linux and the BSDs have it */
	if (err == EHOSTDOWN)
		return true;
#endif
	return err == EINTR || err == EAGAIN || err == EWOULDBLOCK || err == ECONNABORTED ||
	       err == EPROTO || err == ENETDOWN || err == ENOPROTOOPT ||
	       err == EHOSTUNREACH || err == EOPNOTSUPP || err == ENETUNREACH || err == EPERM;
}

int net_accept(int listen_fd, struct sockaddr_storage *peer, socklen_t *peer_len)
{
	for (;;) {
		if (stop_requested()) {
			errno = EINTR;
			return -1;
		}
		struct pollfd p = { .fd = listen_fd, .events = POLLIN };
		int ready = poll(&p, 1, STOP_SLICE_MS);
		if (ready < 0 && errno != EINTR)
			return -1;
		if (ready <= 0)
			continue;
		*peer_len = sizeof *peer;
		/* close-on-exec in the same call where the system can (accept4), so no fd is ever
		 * open without it */
		int fd = compat_accept(listen_fd, (struct sockaddr *)peer, peer_len);
		if (fd >= 0)
			return fd;
		/* Out of descriptors or memory: wait for clients to leave instead of spinning. */
		if (errno == EMFILE || errno == ENFILE || errno == ENOBUFS || errno == ENOMEM)
			poll(NULL, 0, NO_FD_PAUSE_MS);
		else if (!accept_retryable(errno))
			return -1;
	}
}
