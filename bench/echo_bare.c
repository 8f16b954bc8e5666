// SPDX-License-Identifier: MIT
/*
 * echo_bare: the least work an echo server of each design can do, as anchors for bench/echo.
 * Nothing printed per client, no options, no client cap, no clean stop (SIGTERM just ends it):
 *
 *   echo_bare threads PORT   one detached thread per client, a blocking read() and write() loop:
 *                            echo_mt's design, with echo_mt's SCHED_BATCH client threads
 *   echo_bare events PORT    one thread for every client: a poller (compat.h: epoll on Linux,
 *                            poll() elsewhere and with PORTABLE=1) and non-blocking sockets
 *
 * It listens on 127.0.0.1 (PORT 0: any free port) and prints the port on its one line of output.
 *
 * echo_mt does all that the first does and more (the printing, the cap, the stop), so it cannot
 * be much faster. The gap between the two shows what the thread-per-client design itself costs
 * once a thousand clients are busy: a thread woken and switched to for every message.
 * Loopback only (127.0.0.1). Not a program of the suite: a measuring instrument.
 */
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "base/compat.h"

#define CHUNK 2048                 /* echo_mt's, and the handout's recv(2048) */
#define THREAD_STACK (64 * 1024)
#define EVENTS_MAX 512

/* Out of descriptors (or memory), the listening socket stays ready and accept() fails at once:
 * wait a moment rather than spin. The client waits in the backlog meanwhile. */
static void after_accept_error(void)
{
	if (errno == EMFILE || errno == ENFILE || errno == ENOBUFS || errno == ENOMEM)
		nanosleep(&(struct timespec){ .tv_nsec = 10 * 1000000L }, NULL);
}

static void *serve_client(void *p)
{
	int fd = (int)(intptr_t)p;
	char buf[CHUNK];
	ssize_t n;

	(void)compat_thread_batch();   /* as echo_mt's client threads */
	/* A blocking socket: write() returns only when every byte is queued, or fails. */
	while ((n = read(fd, buf, sizeof buf)) > 0)
		if (write(fd, buf, (size_t)n) != n)
			break;
	close(fd);
	return NULL;
}

static void run_threads(int listen_fd)
{
	pthread_attr_t attr;
	pthread_t thread;

	pthread_attr_init(&attr);
	pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
	pthread_attr_setstacksize(&attr, THREAD_STACK);
	for (;;) {
		int fd = accept(listen_fd, NULL, NULL), one = 1;
		if (fd < 0) {
			after_accept_error();
			continue;
		}
		(void)setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);   /* as echo_mt */
		if (pthread_create(&thread, &attr, serve_client, (void *)(intptr_t)fd) != 0)
			close(fd);
	}
}

/* A new client, non-blocking and watched; closed when any step fails. */
static void add_client(struct compat_poller *poller, int listen_fd)
{
	int client = compat_accept(listen_fd, NULL, NULL), one = 1;

	if (client < 0) {
		after_accept_error();
		return;
	}
	if (fcntl(client, F_SETFL, O_NONBLOCK) < 0 ||
	    setsockopt(client, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one) < 0 ||
	    compat_poller_add(poller, client, COMPAT_POLL_IN, (void *)(intptr_t)client) < 0)
		close(client);
}

static void run_events(int listen_fd)
{
	struct compat_event events[EVENTS_MAX];
	struct compat_poller *poller = compat_poller_new();
	char buf[CHUNK];

	if (poller == NULL ||
	    compat_poller_add(poller, listen_fd, COMPAT_POLL_IN, (void *)(intptr_t)listen_fd) < 0) {
		perror("echo_bare: poller");
		exit(1);
	}
	for (;;) {
		int k = compat_poller_wait(poller, events, EVENTS_MAX, -1);
		for (int i = 0; i < k; i++) {
			int fd = (int)(intptr_t)events[i].data;
			if (fd == listen_fd) {
				add_client(poller, listen_fd);
				continue;
			}
			/* A reply that does not fit the socket buffer at once would need a queue; this
			 * anchor closes the client instead (loadgen counts it as an error). A 64-byte
			 * ping-pong never comes near that. */
			ssize_t n = read(fd, buf, sizeof buf);
			if (n < 0 && errno == EAGAIN)
				continue;
			if (n <= 0 || write(fd, buf, (size_t)n) != n) {   /* EOF, an error, a short write */
				compat_poller_remove(poller, fd);
				close(fd);
			}
		}
	}
}

int main(int argc, char **argv)
{
	char *end = NULL;
	long port = argc == 3 ? strtol(argv[2], &end, 10) : -1;
	bool threads = argc == 3 && strcmp(argv[1], "threads") == 0;
	bool events = argc == 3 && strcmp(argv[1], "events") == 0;

	if (!(threads || events) || end == argv[2] || *end != '\0' || port < 0 || port > 65535) {
		fprintf(stderr, "Usage: echo_bare threads|events PORT   (on 127.0.0.1; PORT 0: any free)\n");
		return 2;
	}
	struct sockaddr_in addr = {
		.sin_family = AF_INET, .sin_port = htons((uint16_t)port),
		.sin_addr.s_addr = htonl(INADDR_LOOPBACK),
	};
	int listen_fd = socket(AF_INET, SOCK_STREAM, 0), one = 1;
	if (listen_fd < 0 || setsockopt(listen_fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) < 0 ||
	    bind(listen_fd, (struct sockaddr *)&addr, sizeof addr) < 0 ||
	    listen(listen_fd, SOMAXCONN) < 0) {
		int err = errno;
		fprintf(stderr, "echo_bare: cannot listen on 127.0.0.1:%ld: ", port);
		errno = err;
		perror(NULL);   /* the reason for errno, and a newline (thread-safe, STYLE.md) */
		return 1;
	}
	socklen_t len = sizeof addr;
	if (getsockname(listen_fd, (struct sockaddr *)&addr, &len) == 0)
		printf("echo_bare: %s%s, listening on 127.0.0.1 port %u\n", argv[1],
		       !events ? "" : compat_has(COMPAT_EPOLL) ? " (epoll)" : " (poll)", ntohs(addr.sin_port));
	fflush(stdout);
	if (threads)
		run_threads(listen_fd);
	else
		run_events(listen_fd);
}
