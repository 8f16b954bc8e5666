// SPDX-License-Identifier: MIT
/*
 * stop: the stop flag and the signal set-up that feeds it (see stop.h). The flag is the C side of
 * the handout's `except KeyboardInterrupt: pass`: Ctrl-C ends the loops, not the process, so a
 * program closes what it holds and prints its last line.
 *
 * Left out on purpose: signalfd and self-pipes (one atomic flag is all the servers need).
 */
#include "base/stop.h"

#include <poll.h>
#include <signal.h>
#include <stdatomic.h>
#include <string.h>

/*
 * Written by a signal handler and by stop_request() on any thread, read by every thread. A
 * lock-free atomic is safe for both (C11 7.14.1.1); a volatile sig_atomic_t would be a data race
 * between threads.
 */
static atomic_int stop_flag;
_Static_assert(ATOMIC_INT_LOCK_FREE == 2, "the stop flag must be lock-free to be set in a handler");

static void on_stop_signal(int sig)
{
	(void)sig;
	atomic_store(&stop_flag, 1);
}

bool stop_requested(void)
{
	return atomic_load(&stop_flag) != 0;
}

void stop_request(void)
{
	atomic_store(&stop_flag, 1);
}

void stop_setup(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof sa);
	sigemptyset(&sa.sa_mask);
	sa.sa_handler = SIG_IGN;
	sigaction(SIGPIPE, &sa, NULL);
	/*
	 * For the tsan build only, harmless elsewhere: ThreadSanitizer's runtime (clang 14, gcc 12)
	 * sets up a thread's signal state at its first blocking call, and a signal that lands during
	 * that setup is lost, so a Ctrl-C just after start-up was ignored about once in 200 runs.
	 * One empty poll() now does the setup while the default action (exit) is still in force.
	 */
	poll(NULL, 0, 0);
	sa.sa_handler = on_stop_signal;   /* no SA_RESTART: blocking calls return EINTR */
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
}
