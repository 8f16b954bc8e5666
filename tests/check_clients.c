// SPDX-License-Identifier: MIT
/*
 * Unit tests for common/base/clients.c over socketpairs: the cap and its slots, one table per
 * process, clients_done() closing the client's socket, a turned-away client getting its answer
 * and a FIN, clients_close() refusing while a thread could still reach the table, and a stop that
 * wakes a thread blocked in recv(). The thread-per-client server built on it is tested in
 * check_net.c. Check forks each test, so the process-wide table starts empty in every one.
 */
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <string.h>
#include <time.h>
#include <sys/socket.h>
#include <unistd.h>

#include "base/clients.h"
#include "base/compat.h"
#include "base/io.h"

static int pair(int *other)
{
	int sv[2];

	ck_assert_int_eq(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	*other = sv[1];
	return sv[0];
}

START_TEST(test_cap_and_slots)
{
	int peer[3], fd[3], slot[3];

	ck_assert_int_eq(clients_open(2), 2);
	for (int i = 0; i < 3; i++)
		fd[i] = pair(&peer[i]);
	slot[0] = clients_add(fd[0]);
	slot[1] = clients_add(fd[1]);
	ck_assert(slot[0] >= 0 && slot[1] >= 0 && slot[0] != slot[1]);
	ck_assert_int_eq(clients_add(fd[2]), -1);   /* the cap */
	ck_assert_uint_eq(clients_live(), 2);
	clients_done(slot[0]);
	ck_assert_int_eq(fcntl(fd[0], F_GETFD), -1);   /* closed by clients_done */
	ck_assert_int_eq(errno, EBADF);
	slot[2] = clients_add(fd[2]);                  /* the freed slot serves the next client */
	ck_assert_int_eq(slot[2], slot[0]);
	ck_assert(!clients_close());                   /* two clients still live */
	clients_done(slot[1]);
	clients_done(slot[2]);
	ck_assert_uint_eq(clients_live(), 0);
	ck_assert(clients_close());
	for (int i = 0; i < 3; i++)
		close(peer[i]);
}
END_TEST

START_TEST(test_one_table_per_process)
{
	ck_assert_int_eq(clients_open(4), 4);
	ck_assert_int_eq(clients_open(4), -1);
	ck_assert_int_eq(errno, EBUSY);
	ck_assert(clients_close());
	ck_assert_int_eq(clients_open(3), 3);   /* closed: it can be opened again */
	ck_assert(clients_close());
}
END_TEST

START_TEST(test_turned_away_gets_its_answer_then_eof)
{
	char buf[16];
	int peer, fd = pair(&peer);

	ck_assert_int_ge(clients_open(1), 1);
	ck_assert_int_eq(compat_send(fd, "busy\n", 5, 0), 5);
	clients_turn_away(fd);
	ck_assert_int_eq(io_read_deadline(peer, buf, sizeof buf, io_now_ms() + 1000), 5);
	ck_assert_int_eq(memcmp(buf, "busy\n", 5), 0);
	ck_assert_int_eq(io_read_deadline(peer, buf, sizeof buf, io_now_ms() + 1000), 0);   /* FIN */
	clients_stop(0);   /* closes the turned-away socket too */
	ck_assert_int_eq(fcntl(fd, F_GETFD), -1);
	close(peer);
}
END_TEST

struct blocked {
	int slot;
	int fd;
	ssize_t got;
};

/* A client's thread: blocked in recv() until the stop wakes it, then done. */
static void *reader(void *arg)
{
	struct blocked *b = arg;
	char c;

	b->got = recv(b->fd, &c, 1, 0);
	clients_done(b->slot);
	return NULL;
}

START_TEST(test_stop_wakes_a_thread_blocked_in_recv)
{
	pthread_t thread;
	int peer;
	struct blocked b = { .fd = pair(&peer), .got = -2 };

	ck_assert_int_ge(clients_open(8), 8);
	b.slot = clients_add(b.fd);
	ck_assert_int_ge(b.slot, 0);
	ck_assert_int_eq(pthread_create(&thread, NULL, reader, &b), 0);
	int64_t start = io_now_ms();
	clients_stop(100);
	ck_assert_int_lt(io_now_ms() - start, 100);   /* woken at once, not after the grace */
	pthread_join(thread, NULL);
	ck_assert_int_eq(b.got, 0);                   /* it saw EOF, as if its client had left */
	ck_assert(clients_close());
	close(peer);
}
END_TEST

/* A client's thread busy with its own work (a slow hash), deaf to its socket. */
static void *busy_worker(void *arg)
{
	struct blocked *b = arg;
	struct timespec ts = { .tv_sec = 4, .tv_nsec = 0 };

	nanosleep(&ts, NULL);
	b->got = 1;          /* what main() must not free yet: it is still in use */
	clients_done(b->slot);
	return NULL;
}

/* The stop waits for a thread that outlives every shutdown, however long: main() frees what the
 * thread uses once clients_stop() returns. (It used to give up after 3 s.) */
START_TEST(test_stop_waits_for_every_thread)
{
	pthread_t thread;
	int peer;
	struct blocked b = { .fd = pair(&peer), .got = 0 };

	ck_assert_int_ge(clients_open(8), 8);
	b.slot = clients_add(b.fd);
	ck_assert_int_eq(pthread_create(&thread, NULL, busy_worker, &b), 0);
	clients_stop(0);
	ck_assert_int_eq(b.got, 1);
	ck_assert_uint_eq(clients_live(), 0);
	ck_assert(clients_close());
	pthread_join(thread, NULL);
	close(peer);
}
END_TEST

Suite *suite_clients(void);
Suite *suite_clients(void)
{
	Suite *s = suite_create("clients");
	TCase *tc = tcase_create("the table of clients");

	tcase_add_test(tc, test_cap_and_slots);
	tcase_add_test(tc, test_one_table_per_process);
	tcase_add_test(tc, test_turned_away_gets_its_answer_then_eof);
	tcase_add_test(tc, test_stop_wakes_a_thread_blocked_in_recv);
	tcase_add_test(tc, test_stop_waits_for_every_thread);
	tcase_set_timeout(tc, 20);
	suite_add_tcase(s, tc);
	return s;
}
