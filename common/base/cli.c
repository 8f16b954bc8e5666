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
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "base/buf.h"
#include "base/log.h"
#include "base/net.h"
#include "base/num.h"

#define CLI_OPTIONS_MAX 24   /* the program's options plus --help and --version */
#define CHOICES_TEXT_MAX 256   /* "A, B or C" in a CLI_CHOICE's error */

/* After the reason (getopt's own, or ours): the hint, and the status of a usage error. */
static int usage_hint(const char *name)
{
	fprintf(stderr, "Try '%s --help' for more information.\n", name);
	return 2;
}

int cli_usage_error(const char *name, const char *fmt, ...)
{
	va_list ap;
	fprintf(stderr, "%s: ", name);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	return usage_hint(name);
}

int cli_number(const struct cli_program *p, const char *arg, const char *what, uint64_t min,
               uint64_t max, unsigned *out)
{
	uint64_t value;
	if (num_parse_arg(arg, min, max, &value) < 0)
		return cli_usage_error(p->name, "%s takes a number from %llu to %llu, not '%s'", what,
		                       (unsigned long long)min, (unsigned long long)max, arg);
	*out = (unsigned)value;
	return 0;
}

/* A CLI_CHOICE: the value allowed that arg is, or 2 after naming the values allowed. */
static int choose(const struct cli_program *p, struct cli_choice *c, const char *what,
                  const char *arg)
{
	char text[CHOICES_TEXT_MAX];
	struct buf allowed;
	size_t n = 0;
	for (; c->choices[n] != NULL; n++) {
		if (strcmp(arg, c->choices[n]) == 0) {
			c->value = c->choices[n];
			return 0;
		}
	}
	buf_init(&allowed, text, sizeof text);
	for (size_t i = 0; i < n; i++) {
		buf_puts(&allowed, i == 0 ? "" : i + 1 < n ? ", " : " or ");
		buf_puts(&allowed, c->choices[i]);
	}
	return cli_usage_error(p->name, "%s takes %s%s, not '%s'", what, text,
	                       buf_truncated(&allowed) ? " ..." : "", arg);
}

/* Store one option's argument (or flag) into its target. Returns 0 or 2 (reported). */
static int store(const struct cli_program *p, const struct cli_option *o, const char *arg)
{
	const char *what = o->what ? o->what : o->long_name;
	switch (o->kind) {
	case CLI_FLAG:
		*(bool *)o->target = true;
		return 0;
	case CLI_STRING:
		*(const char **)o->target = arg;
		return 0;
	case CLI_NUMBER:
		return cli_number(p, arg, what, o->min, o->max, (unsigned *)o->target);
	case CLI_CHOICE:
		return choose(p, o->target, what, arg);
	}
	return 2;
}

/* Fill getopt_long's tables; option i gets val 256 + i, and its short letter if it has one. */
static void build_tables(const struct cli_program *p, struct option *longs, struct buf *shorts)
{
	for (unsigned i = 0; i < p->count; i++) {
		const struct cli_option *o = &p->options[i];
		int arg = o->kind == CLI_FLAG ? no_argument : required_argument;
		longs[i] = (struct option){ o->long_name, arg, NULL, 256 + (int)i };
		if (o->short_name) {
			buf_putc(shorts, o->short_name);
			if (arg == required_argument)
				buf_putc(shorts, ':');
		}
	}
	longs[p->count] = (struct option){ "help", no_argument, NULL, 'h' };
	longs[p->count + 1] = (struct option){ "version", no_argument, NULL, 'V' };
	longs[p->count + 2] = (struct option){ NULL, 0, NULL, 0 };
	buf_puts(shorts, "hV");
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
	char shorts[2 * CLI_OPTIONS_MAX + 3];   /* "x:" per option, "hV" and the NUL */
	struct buf short_list;
	int c;

	if (p->count > CLI_OPTIONS_MAX)
		return 2;
	buf_init(&short_list, shorts, sizeof shorts);
	build_tables(p, longs, &short_list);
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
			return usage_hint(p->name);   /* getopt_long has named the bad option */
		if (store(p, o, optarg) != 0)
			return 2;
	}
	if ((unsigned)(argc - optind) > p->max_positional)
		return cli_usage_error(p->name, "unexpected argument '%s'",
		                       argv[optind + p->max_positional]);
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
