/* SPDX-License-Identifier: MIT */
/*
 * checks_state: the checks of a login session kept by a cookie (state.*, handout Part A.2
 * "Example: Typical use of Session id"): the login sets a cookie, the cookie opens the
 * protected page, no cookie does not, and logout ends the session on the server. Without
 * --login they are SKIP. Each is a struct check's run function (checks.h).
 */
#ifndef CHECKS_STATE_H
#define CHECKS_STATE_H

#include "checks.h"

enum verdict checks_state_login(const struct checks_env *env, struct check_result *res);
enum verdict checks_state_cookie(const struct checks_env *env, struct check_result *res);
enum verdict checks_state_no_cookie(const struct checks_env *env, struct check_result *res);
enum verdict checks_state_logout(const struct checks_env *env, struct check_result *res);

#endif
