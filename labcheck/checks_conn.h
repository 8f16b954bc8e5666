/* SPDX-License-Identifier: MIT */
/*
 * checks_conn: the checks of connection management (connections.*, handout Part A.1 "Persistent
 * and Parallel Connection" and "Connection:"): a persistent HTTP/1.1 connection, Connection:
 * close, pipelining, and HTTP/1.0 with and without keep-alive. Each is a struct check's run
 * function (checks.h).
 */
#ifndef CHECKS_CONN_H
#define CHECKS_CONN_H

#include "checks.h"

enum verdict checks_conn_persistent(const struct checks_env *env, struct check_result *res);
enum verdict checks_conn_close(const struct checks_env *env, struct check_result *res);
enum verdict checks_conn_pipelined(const struct checks_env *env, struct check_result *res);
enum verdict checks_conn_http10_close(const struct checks_env *env, struct check_result *res);
enum verdict checks_conn_http10_keep_alive(const struct checks_env *env,
                                           struct check_result *res);

#endif
