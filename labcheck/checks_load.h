/* SPDX-License-Identifier: MIT */
/*
 * checks_load: the checks of serving clients at once (concurrency.*, handout Part B "Example 3:
 * multithreaded echo server"): many clients at once are all served, and one client that sends
 * nothing holds up no other. They run last: they are the likeliest to break a fragile server.
 * Each is a struct check's run function (checks.h).
 */
#ifndef CHECKS_LOAD_H
#define CHECKS_LOAD_H

#include "checks.h"

#define CHECKS_LOAD_CLIENTS_MAX 200   /* --clients at most */

enum verdict checks_load_clients(const struct checks_env *env, struct check_result *res);
enum verdict checks_load_idle_client(const struct checks_env *env, struct check_result *res);

#endif
