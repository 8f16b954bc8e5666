/* SPDX-License-Identifier: MIT */
/*
 * clients: the clients a thread-per-client server is serving right now, so that the number
 * served at once has a cap, and so that Ctrl-C can wake every client's thread and wait for it.
 * The handout's Example 3 has neither: a burst of clients starts threads until the machine runs
 * out, and Ctrl-C leaves the threads running. echo_mt, web_hello and net_serve (fileserver and
 * formapp) share this table; the socket calls and pthread_create stay in each program.
 *
 * Use: clients_open(cap) once; per accepted client, slot = clients_add(fd) (or turn it away with
 * clients_turn_away when the cap is reached), and as its thread's last act clients_done(slot),
 * which closes the fd; at the stop, clients_stop(grace) and clients_close().
 *
 * One table per process, one mutex, held around each table operation only (never across I/O).
 * Error convention: -1 with errno set. All functions are thread-safe.
 */
#ifndef CLIENTS_H
#define CLIENTS_H

#include <stdbool.h>
#include <stddef.h>

/* Default cap on clients served at once; clipped to what RLIMIT_NOFILE leaves room for. */
#define CLIENTS_MAX_DEFAULT 16384
/* The largest cap an option may ask for (--max-clients): more would surely be a typo. */
#define CLIENTS_MAX_OPTION 1000000

/*
 * A client's thread needs little stack: 256 KiB instead of the default 8 MiB lets 10,000 of
 * them fit in memory. The sanitizers need far more for their own bookkeeping.
 */
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
#define CLIENTS_THREAD_STACK (1024 * 1024)
#elif defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(thread_sanitizer)
#define CLIENTS_THREAD_STACK (1024 * 1024)
#endif
#endif
#ifndef CLIENTS_THREAD_STACK
#define CLIENTS_THREAD_STACK (256 * 1024)
#endif

/*
 * Make the table for at most max clients (0: CLIENTS_MAX_DEFAULT), clipped so that every client
 * can have its descriptor. Returns the cap in force, or -1: ENOMEM, or EBUSY when a table is
 * open already (one server per process).
 */
long clients_open(unsigned max);

/* Take a slot for the accepted socket fd. Returns the slot, or -1 when the cap is reached. */
int clients_add(int fd);

/* The client's thread is done: close its fd and free its slot. Its last call. */
void clients_done(int slot);

/* Clients being served right now. */
unsigned clients_live(void);

/*
 * A client past the cap, after the caller wrote its busy answer (with MSG_DONTWAIT): send a FIN
 * now, and close the socket later. Closing at once, with the client's request still unread,
 * would make the kernel answer with a reset (RFC 9293 3.6), which can destroy the busy answer
 * before it is read; so the socket waits in a small ring, and is closed (after draining what
 * arrived) when the ring wraps or the server stops. The accepting thread only.
 */
void clients_turn_away(int fd);

/*
 * The stop: close the turned-away sockets, shut down the read side of every client's socket (a
 * thread blocked in recv() sees EOF and ends as if its client had left), give the threads
 * grace_ms to finish what they are sending, then shut down both ways (a blocked send() fails),
 * and wait until every thread has ended, however long that takes (with one line on stderr after
 * a few seconds): nothing a client thread can reach may be freed before.
 */
void clients_stop(unsigned grace_ms);

/* Free the table (after clients_stop()). Returns false, and frees nothing, while a thread could
 * still reach it. */
bool clients_close(void);

#endif
