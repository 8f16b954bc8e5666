/* SPDX-License-Identifier: MIT */
/*
 * report: what labcheck prints on stdout. As text: a header naming the server and the file,
 * one line per check as it ends ("PASS  framing.content-length  Content-Length: 13, ..."), its
 * note, with --show-wire the bytes of a failed check indented under it (CRLFs written out),
 * and a summary. With --json: the same as one JSON object, for scripts. Also --list.
 * Server bytes that reach a reason are printed with control bytes escaped, so a hostile server
 * cannot drive the student's terminal. Only main() and the runner's callback call these.
 */
#ifndef REPORT_H
#define REPORT_H

#include <stdbool.h>
#include <stdio.h>

#include "checks.h"

struct report {
	FILE *out;
	bool json;
	bool wire_failed;     /* --show-wire: the wire view of failed checks */
	bool wire_all;        /* --show-wire-all: of every check */
	unsigned passed, failed, skipped;
};

/* The header: url as given, where it went, the file and the chunked URL the checks use. */
void report_start(struct report *rp, const char *url, const struct checks_env *env);

/* One check as it ended; ctx is the struct report (checks_run's done callback). */
void report_check(const struct check *c, const struct check_result *r, void *ctx);

/* The summary. Returns the exit status: 0 when no check failed, else 1. */
int report_end(struct report *rp);

/* --list: every check's id, rule and source. */
void report_list(FILE *out);

#endif
