/* SPDX-License-Identifier: MIT */
/*
 * cli: the command line every program shares (-b/--bind, -p/--port, -q, --help, --version, and
 * each program's own options), parsed from a table so that a program's main() states only what
 * its options are. Errors are one clear line plus "Try 'PROG --help'", exit status 2, as GNU
 * programs do. Also the first line a Part B server prints, naming its port (tests and the lab
 * notes read it from there). Only main() calls these.
 */
#ifndef CLI_H
#define CLI_H

#include <limits.h>
#include <stdbool.h>
#include <stdint.h>

enum cli_kind {
	CLI_FLAG,      /* bool *: set to true */
	CLI_STRING,    /* const char **: the argument */
	CLI_NUMBER,    /* unsigned *: a decimal number in [min, max] (num_parse_arg), max <= UINT_MAX */
	CLI_CHOICE,    /* struct cli_choice *: the argument, which must be one of its choices */
};

/* A CLI_CHOICE's target: value starts as the default and becomes the choice given (a pointer
 * into choices, so it can be compared with them). */
struct cli_choice {
	const char *value;
	const char *const *choices;   /* the values allowed, NULL-terminated */
};

struct cli_option {
	const char *long_name;   /* "port" for --port */
	char short_name;         /* 'p' for -p, or 0 */
	enum cli_kind kind;
	void *target;
	uint64_t min, max;       /* CLI_NUMBER only */
	const char *what;        /* CLI_NUMBER, CLI_CHOICE: named in the error ("port", "-p");
	                            NULL: the long name */
};

/* The number of rows of an option table (an array, not a pointer), for cli_program.count. */
#define CLI_COUNT(table) ((unsigned)(sizeof(table) / sizeof((table)[0])))

struct cli_program {
	const char *name;        /* "echo": used in messages */
	const char *version;     /* "1.0" */
	const char *usage;       /* the whole --help text */
	const struct cli_option *options;
	unsigned count;
	unsigned max_positional; /* how many operands are allowed; more: "unexpected argument" */
};

/* max_positional for a program that checks the count of its operands itself, to word the error
 * its own way (fileserver: "one port only"). */
#define CLI_OPERANDS_ANY UINT_MAX

/*
 * Parse argv with getopt_long (options and operands may come in any order, as GNU programs
 * allow). --help prints usage to stdout, --version prints "NAME VERSION (lab4 suite)".
 * Returns -1 to go on (operands, if any, are argv[*first_operand..argc); first_operand may be
 * NULL when none are allowed), or the status main() should exit with: 0 after --help/--version,
 * 2 after a usage error (already reported). May be called again: it restarts getopt each time.
 * A bad value is reported as "NAME: WHAT takes a number from MIN to MAX, not 'ARG'" or "NAME:
 * WHAT takes A, B or C, not 'ARG'", then the hint "Try 'NAME --help' for more information."
 */
int cli_parse(const struct cli_program *p, int argc, char **argv, int *first_operand);

/* A number operand (fileserver's positional port): as CLI_NUMBER. Returns 0, or 2 (reported). */
int cli_number(const struct cli_program *p, const char *arg, const char *what, uint64_t min,
               uint64_t max, unsigned *out);

/*
 * A usage error the option table cannot see (two options that go together, say): "NAME:
 * message" and the hint on stderr, as cli_parse() reports its own. Returns 2, the status main()
 * exits with.
 */
int cli_usage_error(const char *name, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/*
 * The first line every Part B server prints, on stdout, flushed, once listen_fd listens:
 * "NAME: listening on HOST port N (NOTE)", or with a URL scheme ("http"),
 * "NAME: listening on HOST port N, open http://HOST:N/ (NOTE)". HOST and N are read back from
 * the socket, so port 0 shows the port the kernel chose (tests and the lab notes read it there).
 * Returns 0, or -1 after one line on stderr when the address cannot be read.
 */
int cli_announce(const struct cli_program *p, int listen_fd, const char *scheme, const char *note);

#endif
