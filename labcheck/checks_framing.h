/* SPDX-License-Identifier: MIT */
/*
 * checks_framing: the checks of message framing (framing.*: Content-Length, HEAD, 404, a
 * request in pieces) and of the error statuses a server owes a bad request (errors.*: no Host,
 * an unknown version, unknown and unsupported methods). Each is a struct check's run function
 * (checks.h): a verdict in res, with its reason and the wire view.
 */
#ifndef CHECKS_FRAMING_H
#define CHECKS_FRAMING_H

#include "checks.h"

enum verdict checks_framing_content_length(const struct checks_env *env, struct check_result *res);
enum verdict checks_framing_head(const struct checks_env *env, struct check_result *res);
enum verdict checks_framing_not_found(const struct checks_env *env, struct check_result *res);
enum verdict checks_framing_pieces(const struct checks_env *env, struct check_result *res);
enum verdict checks_framing_no_host(const struct checks_env *env, struct check_result *res);
enum verdict checks_framing_version(const struct checks_env *env, struct check_result *res);
enum verdict checks_framing_unknown_method(const struct checks_env *env, struct check_result *res);
enum verdict checks_framing_known_method(const struct checks_env *env, struct check_result *res);

#endif
