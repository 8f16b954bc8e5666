/* SPDX-License-Identifier: MIT */
/*
 * checks_body: the checks of bodies that are not simply Content-Length bytes: chunked.* (a
 * chunked response, a chunked request body; handout Part A.1 "Chunked Transfer-Encoding") and
 * conditional.* (304 Not Modified with no body, by ETag and by date). Each is a struct check's
 * run function (checks.h).
 */
#ifndef CHECKS_BODY_H
#define CHECKS_BODY_H

#include "checks.h"

enum verdict checks_body_chunked_response(const struct checks_env *env, struct check_result *res);
enum verdict checks_body_chunked_request(const struct checks_env *env, struct check_result *res);
enum verdict checks_body_etag(const struct checks_env *env, struct check_result *res);
enum verdict checks_body_last_modified(const struct checks_env *env, struct check_result *res);

#endif
