/* SPDX-License-Identifier: MIT */
/*
 * checks_ranges: the checks of Range requests (ranges.*, handout Part A.1 "Partial Content"):
 * one range, a suffix range, an open range, two ranges (multipart/byteranges) and a range past
 * the end (416). Each is a struct check's run function (checks.h).
 *
 * RFC 9110 14.2 lets a server ignore Range and send the whole file with 200, so a 200 is SKIP,
 * "Range is not supported", never FAIL. A FAIL is a wrong claim: 206 with the wrong bytes, a
 * malformed Content-Range or multipart body, or a status a Range request never gets.
 */
#ifndef CHECKS_RANGES_H
#define CHECKS_RANGES_H

#include "checks.h"

enum verdict checks_ranges_single(const struct checks_env *env, struct check_result *res);
enum verdict checks_ranges_suffix(const struct checks_env *env, struct check_result *res);
enum verdict checks_ranges_open(const struct checks_env *env, struct check_result *res);
enum verdict checks_ranges_multipart(const struct checks_env *env, struct check_result *res);
enum verdict checks_ranges_unsatisfiable(const struct checks_env *env, struct check_result *res);

#endif
