// SPDX-License-Identifier: MIT
/*
 * labcheck: the other side of the lab. A student points it at their own HTTP server (the
 * course's HTTP server assignment, its file-manager project) and sees, feature by feature, what
 * holds: the framing, persistent connections, chunked transfer, ranges and conditional GET of
 * handout Part A.1, the login session of Part A.2, the error statuses of RFC 9110 and 9112, and
 * Part B's one thread per client. Each check prints PASS, FAIL or SKIP with a reason, and
 * --show-wire the bytes that crossed the wire, CRLFs visible, as the notes show them.
 *
 * This file is the program's frame: the options (common/cli.h), the URL and credentials
 * (target.c), discovery of the file to use (discover.c), the checks (checks.c) and the output
 * (report.c). The server is assumed wrong in any way: every wait has a deadline and every
 * buffer a bound (wire.c, response.c), so labcheck ends whatever the server does.
 * Left out on purpose: HTTPS, and anything that could change the student's files (no PUT or
 * DELETE; the one POST goes to --post-path, the form's root by default).
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "checks.h"
#include "checks_load.h"
#include "base/cli.h"
#include "discover.h"
#include "report.h"
#include "target.h"

#define LABCHECK_VERSION "1.0"
#define TIMEOUT_DEFAULT_S 5
#define TIMEOUT_MAX_S 600
#define CLIENTS_DEFAULT 20
#define MS_PER_S 1000
#define ERROR_MAX 512
/* Exit statuses: 0 nothing failed, 1 a check failed, 2 a usage error (cli.h's). */
enum { EXIT_FAILED = 1, EXIT_USAGE = 2 };

static const char usage[] =
	"Usage: labcheck [OPTION]... URL\n"
	"Check an HTTP server feature by feature against Lab 4 and RFC 9110/9112: framing,\n"
	"persistent connections, chunked transfer, ranges, conditional GET, error statuses, login\n"
	"sessions, many clients. One line per check, PASS, FAIL or SKIP with the reason, then a\n"
	"summary. Exit status 0 when no check failed, 1 when one did, 2 for a usage error.\n"
	"URL is http://HOST:PORT/ (IPv6: http://[::1]:8000/). Plain HTTP only: no https://.\n"
	"\n"
	"What to check with:\n"
	"      --timeout SECONDS   wait this long for each answer (default 5); longer is a FAIL\n"
	"      --path PATH         the file to request (default: the first file the start page\n"
	"                          links to that answers 200, else the start page itself)\n"
	"      --chunked-path PATH a URL whose answer is chunked (default: the start page; if it\n"
	"                          comes with Content-Length instead, chunked.response is SKIP)\n"
	"      --post-path PATH    where chunked.request POSTs a chunked form (default: /)\n"
	"      --clients N         clients at once in concurrency.clients (default 20, at most 200)\n"
	"Login sessions (the state checks; SKIP without --login):\n"
	"      --login PATH        POST the login form here (formapp: /login)\n"
	"      --user-field NAME   the form's user name field (default: user)\n"
	"      --password-field NAME  the form's password field (default: pw)\n"
	"      --user NAME, --password PW   the credentials (default: philip, 123456)\n"
	"      --protected PATH    the page a session opens (default: /home)\n"
	"      --logout PATH       POST here to log out, GET if POST gets 405 (default: /logout)\n"
	"Sent with every request, for servers that demand credentials:\n"
	"      --basic USER:PASS   Authorization: Basic\n"
	"      --cookie NAME=VALUE a cookie (the state checks send their own instead)\n"
	"      --header 'Name: value'  one more header field (give it once)\n"
	"Output:\n"
	"      --only LIST         run only these checks: ids or groups, comma-separated\n"
	"                          (--only ranges,errors.version)\n"
	"      --skip LIST         run all checks but these\n"
	"      --list              list the checks: id, rule, and where the lab says so\n"
	"      --show-wire         print the bytes sent and received for each failed check\n"
	"      --show-wire-all     ... for every check\n"
	"      --json              one JSON object instead of text, for scripts\n"
	"  -h, --help, -V, --version\n"
	"\n"
	"SKIP means the check does not apply: the server lacks what RFC 9110 lets it lack (it\n"
	"answers a Range request with 200: Range is not supported; no ETag or Last-Modified; no\n"
	"POST; Content-Length where chunked was hoped for), or labcheck was not told enough. FAIL\n"
	"is a broken rule, or no answer within the timeout. A server that stops answering fails\n"
	"the checks left at once. The checks likeliest to break a fragile server (a request in\n"
	"slow pieces, many clients, an idle client) run last.\n"
	"\n"
	"Examples:\n"
	"  labcheck http://127.0.0.1:8000/\n"
	"  labcheck --only framing,connections --show-wire http://127.0.0.1:8080/\n"
	"  labcheck --login /login --chunked-path /stream http://127.0.0.1:5000/\n"
	"(installed as lab4-labcheck)\n";

struct options {
	bool show_wire, show_wire_all, json, list;
	const char *only, *skip, *path, *chunked_path, *post_path, *basic, *cookie, *header;
	unsigned timeout_s;
	struct checks_env env;
};

/*
 * How many times argv gives --header (or a prefix getopt_long accepts for it, down to --hea).
 * cli.h keeps the last value of a repeated option; a header must not be dropped unseen.
 */
static int header_options(int argc, char **argv)
{
	static const char name[] = "--header";
	int count = 0;

	for (int i = 1; i < argc && strcmp(argv[i], "--") != 0; i++) {
		size_t n = strcspn(argv[i], "=");
		count += n >= strlen("--hea") && n <= strlen(name) && strncmp(argv[i], name, n) == 0;
	}
	return count;
}

/* The first of the path options that is not a path labcheck can send, or NULL. */
static const char *bad_path(const struct options *o)
{
	const char *const paths[] = { o->path, o->chunked_path, o->env.post_path, o->env.login,
	                              o->env.protected_path, o->env.logout_path };

	for (size_t i = 0; i < sizeof paths / sizeof paths[0]; i++)
		if (paths[i] != NULL && !target_path_ok(paths[i]))
			return paths[i];
	return NULL;
}

/* A usage error: the message, the hint, and the exit status. */
static int usage_error(const char *message, const char *detail)
{
	fprintf(stderr, "labcheck: %s%s\n", message, detail);
	fputs("Try 'labcheck --help' for more information.\n", stderr);
	return EXIT_USAGE;
}

/* Everything before the checks: returns -1 to go on, or the exit status. */
static int set_up(int argc, char **argv, struct options *o, int *url)
{
	const struct cli_option opts[] = {
		{ "timeout", 0, CLI_NUMBER, &o->timeout_s, 1, TIMEOUT_MAX_S, "timeout (seconds)" },
		{ "path", 0, CLI_STRING, &o->path, 0, 0, NULL },
		{ "chunked-path", 0, CLI_STRING, &o->chunked_path, 0, 0, NULL },
		{ "post-path", 0, CLI_STRING, &o->env.post_path, 0, 0, NULL },
		{ "clients", 0, CLI_NUMBER, &o->env.clients, 1, CHECKS_LOAD_CLIENTS_MAX, "clients" },
		{ "login", 0, CLI_STRING, &o->env.login, 0, 0, NULL },
		{ "user-field", 0, CLI_STRING, &o->env.user_field, 0, 0, NULL },
		{ "password-field", 0, CLI_STRING, &o->env.password_field, 0, 0, NULL },
		{ "user", 0, CLI_STRING, &o->env.user, 0, 0, NULL },
		{ "password", 0, CLI_STRING, &o->env.password, 0, 0, NULL },
		{ "protected", 0, CLI_STRING, &o->env.protected_path, 0, 0, NULL },
		{ "logout", 0, CLI_STRING, &o->env.logout_path, 0, 0, NULL },
		{ "basic", 0, CLI_STRING, &o->basic, 0, 0, NULL },
		{ "cookie", 0, CLI_STRING, &o->cookie, 0, 0, NULL },
		{ "header", 0, CLI_STRING, &o->header, 0, 0, NULL },
		{ "only", 0, CLI_STRING, &o->only, 0, 0, NULL },
		{ "skip", 0, CLI_STRING, &o->skip, 0, 0, NULL },
		{ "list", 0, CLI_FLAG, &o->list, 0, 0, NULL },
		{ "show-wire", 0, CLI_FLAG, &o->show_wire, 0, 0, NULL },
		{ "show-wire-all", 0, CLI_FLAG, &o->show_wire_all, 0, 0, NULL },
		{ "json", 0, CLI_FLAG, &o->json, 0, 0, NULL },
	};
	const struct cli_program program = { "labcheck", LABCHECK_VERSION, usage, opts,
	                                     CLI_COUNT(opts), 1 };
	int status = cli_parse(&program, argc, argv, url);

	if (status >= 0)
		return status;
	if (o->list) {
		report_list(stdout);
		return EXIT_SUCCESS;
	}
	if (*url >= argc)
		return usage_error("give the server's URL, such as http://127.0.0.1:8000/", "");
	if (header_options(argc, argv) > 1)
		return usage_error("give --header once (--cookie and --basic add other fields)", "");
	if (bad_path(o) != NULL)
		return usage_error("a path starts with / and holds visible ASCII only (percent-encode "
		                   "the rest), not: ", bad_path(o));
	return -1;
}

/* The target, its credentials and its file; returns -1 to go on, or the exit status. */
static int find_server(struct options *o, const char *url, struct target *t)
{
	char err[TARGET_ERROR_MAX];
	struct wire_log *log = malloc(sizeof *log);   /* discovery's view is not shown */

	if (log == NULL || target_init(t, url, (int)(o->timeout_s * MS_PER_S), err) < 0 ||
	    target_credentials(t, o->basic, o->cookie, o->header, err) < 0) {
		fprintf(stderr, "labcheck: %s\n", log == NULL ? "out of memory" : err);
		free(log);
		return EXIT_USAGE;
	}
	*log = (struct wire_log){ .len = 0 };
	discover_file(t, o->path, log);   /* an unreachable server fails every check, below */
	free(log);
	o->env.t = t;
	o->env.chunked_named = o->chunked_path != NULL;
	o->env.chunked_path = o->chunked_path != NULL ? o->chunked_path : t->start;
	return -1;
}

int main(int argc, char **argv)
{
	struct options o = {
		.timeout_s = TIMEOUT_DEFAULT_S,
		.env = { .post_path = "/", .user_field = "user", .password_field = "pw",
		         .user = "philip", .password = "123456", .protected_path = "/home",
		         .logout_path = "/logout", .clients = CLIENTS_DEFAULT },
	};
	struct report rp = { .out = stdout };
	char err[ERROR_MAX];
	int url = 0, status = set_up(argc, argv, &o, &url);
	/* The target holds the file's body; each result its wire view: both live on the heap. */
	struct target *t = status < 0 ? malloc(sizeof *t) : NULL;
	struct check_result *results = t ? calloc(checks_count, sizeof *results) : NULL;
	bool *selected = results ? calloc(checks_count, sizeof *selected) : NULL;

	if (status < 0 && selected == NULL) {
		fputs("labcheck: out of memory\n", stderr);
		status = EXIT_FAILED;
	} else if (status < 0 && checks_select(o.only, o.skip, selected, err, sizeof err) < 0) {
		fprintf(stderr, "labcheck: %s\n", err);
		status = EXIT_USAGE;
	}
	if (status < 0) {
		signal(SIGPIPE, SIG_IGN);   /* a server that closes early is an EPIPE, not our death */
		status = find_server(&o, argv[url], t);
	}
	if (status < 0) {
		rp.json = o.json;
		rp.wire_failed = o.show_wire;
		rp.wire_all = o.show_wire_all;
		report_start(&rp, argv[url], &o.env);
		checks_run(&o.env, selected, results, report_check, &rp);
		status = report_end(&rp);
		discover_free(t);
	}
	free(selected);
	free(results);
	free(t);
	return status;
}
