// SPDX-License-Identifier: MIT
/*
 * cli: the shared command-line parser and start-up (see cli.h). It builds getopt_long's tables
 * from the program's option table, so every program reports errors the same way and no main()
 * repeats the same switch statement; and it prints the first line a Part B server starts with.
 *
 * Left out on purpose: generated --help texts. Each program writes its own, with examples.
 */
#include "base/cli.h"

#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "base/log.h"
#include "base/net.h"
#include "base/num.h"

#define CLI_OPTIONS_MAX 24   /* the program's options plus --help and --version */

static int usage_error(const struct cli_program *p)
{
	fprintf(stderr, "Try '%s --help' for more information.\n", p->name);
	return 2;
}

int cli_number(const struct cli_program *p, const char *arg, const char *what, uint64_t min,
               uint64_t max, unsigned *out)
{
	uint64_t value;
	if (num_parse_arg(arg, min, max, &value) < 0) {
		fprintf(stderr, "%s: bad %s '%s': give a number from %llu to %llu\n", p->name, what,
		        arg, (unsigned long long)min, (unsigned long long)max);
		return usage_error(p);
	}
	*out = (unsigned)value;
	return 0;
}

/* Store one option's argument (or flag) into its target. Returns 0 or 2 (reported). */
static int store(const struct cli_program *p, const struct cli_option *o, const char *arg)
{
	switch (o->kind) {
	case CLI_FLAG:
		*(bool *)o->target = true;
		return 0;
	case CLI_STRING:
		*(const char **)o->target = arg;
		return 0;
	case CLI_NUMBER:
		return cli_number(p, arg, o->what ? o->what : o->long_name, o->min, o->max,
		                  (unsigned *)o->target);
	}
	return 2;
}

/* Fill getopt_long's tables; option i gets val 256 + i, and its short letter if it has one. */
static void build_tables(const struct cli_program *p, struct option *longs, char *shorts)
{
	size_t s = 0;
	for (unsigned i = 0; i < p->count; i++) {
		const struct cli_option *o = &p->options[i];
		int arg = o->kind == CLI_FLAG ? no_argument : required_argument;
		longs[i] = (struct option){ o->long_name, arg, NULL, 256 + (int)i };
		if (o->short_name) {
			shorts[s++] = o->short_name;
			if (arg == required_argument)
				shorts[s++] = ':';
		}
	}
	longs[p->count] = (struct option){ "help", no_argument, NULL, 'h' };
	longs[p->count + 1] = (struct option){ "version", no_argument, NULL, 'V' };
	longs[p->count + 2] = (struct option){ NULL, 0, NULL, 0 };
	memcpy(shorts + s, "hV", 3);
}

/* The option whose short letter is c, or NULL. */
static const struct cli_option *by_short(const struct cli_program *p, int c)
{
	for (unsigned i = 0; i < p->count; i++)
		if (p->options[i].short_name == c)
			return &p->options[i];
	return NULL;
}

int cli_parse(const struct cli_program *p, int argc, char **argv, int *first_operand)
{
	struct option longs[CLI_OPTIONS_MAX + 3];
	char shorts[2 * CLI_OPTIONS_MAX + 3];
	int c;

	if (p->count > CLI_OPTIONS_MAX)
		return 2;
	build_tables(p, longs, shorts);
	optind = 0;   /* glibc: 0 (not POSIX's 1) also resets getopt's place inside "-qb" */
	while ((c = getopt_long(argc, argv, shorts, longs, NULL)) != -1) {
		const struct cli_option *o = c >= 256 ? &p->options[c - 256] : by_short(p, c);
		if (c == 'h' && o == NULL) {
			fputs(p->usage, stdout);
			return 0;
		}
		if (c == 'V' && o == NULL) {
			printf("%s %s (lab4 suite)\n", p->name, p->version);
			return 0;
		}
		if (o == NULL)
			return usage_error(p);   /* getopt_long has named the bad option */
		if (store(p, o, optarg) != 0)
			return 2;
	}
	if (argc - optind > (int)p->max_positional) {
		fprintf(stderr, "%s: unexpected argument '%s'\n", p->name, argv[optind + p->max_positional]);
		return usage_error(p);
	}
	if (first_operand != NULL)
		*first_operand = optind;
	return -1;
}

int cli_announce(const struct cli_program *p, int listen_fd, const char *scheme, const char *note)
{
	struct net_addr local;

	if (net_local_addr(listen_fd, &local) < 0) {
		log_error("%s: cannot read the address it listens on", p->name);
		return -1;
	}
	printf("%s: listening on %s port %u", p->name, local.host, local.port);
	/* A URL needs an IPv6 address in brackets (RFC 3986 3.2.2). */
	if (scheme != NULL)
		printf(", open %s://%s%s%s:%u/", scheme, local.ipv6 ? "[" : "", local.host,
		       local.ipv6 ? "]" : "", local.port);
	printf(" (%s)\n", note);
	fflush(stdout);
	return 0;
}
