// SPDX-License-Identifier: MIT
/*
 * fileserver: `python3 -m http.server` done right (handout Part C). The same options and defaults
 * (port 8000, all interfaces, the current directory, -b, -d, -p), the same banner and access log
 * on stderr, the same listings and error messages, so the two can be compared side by side; but
 * HTTP/1.1 with persistent connections by default (the lesson of Part A.1: watch one connection
 * carry many requests), one thread per client, and a served directory nothing can leave.
 *
 * This file is the program's frame: options, the listening socket, the banner, and the engine
 * (common/http/http_conn) with files_handle() as its handler. What a request gets is in files.c.
 * Left out on purpose: http.server's --cgi.
 */
#include <errno.h>
#include <stdlib.h>

#include "base/cli.h"
#include "base/clients.h"
#include "base/log.h"
#include "base/net.h"
#include "base/net_serve.h"
#include "base/stop.h"
#include "files.h"
#include "http/http_conn.h"
#include "http/http_error.h"
#include "http/https.h"
#include "tls/tls.h"

#define FILESERVER_VERSION "1.0"
#define DEFAULT_PORT 8000            /* http.server's */

/* Exit statuses: 2 for a usage error, as Python's argparse; 1 when the server cannot start. */
enum { EXIT_USAGE = 2, EXIT_START = 1 };

struct options {
	const char *bind;            /* NULL: all interfaces */
	const char *directory;
	unsigned port;
	unsigned max_clients;
	bool no_chunked;
	struct https_options tls;
	struct http_config cfg;
};

static const char usage[] =
	"Usage: fileserver [-b ADDRESS] [-d DIRECTORY] [-p VERSION] [-q] [port]\n"
	"       fileserver --tls-cert FILE --tls-key FILE [--hsts] [...]   (HTTPS)\n"
	"\n"
	"Serve the files of a directory over HTTP, like `python3 -m http.server`: each file\n"
	"with its type, size and date, each directory as its index.html or a listing. HTTP/1.1\n"
	"with persistent connections unless -p HTTP/1.0; HTTPS with --tls-cert and --tls-key.\n"
	"Access log on stderr.\n"
	"\n"
	"  port                    listen on this port (default: 8000; 0: any free port)\n"
	"  -b, --bind ADDRESS      bind to this address (default: all interfaces, IPv6 and IPv4)\n"
	"  -d, --directory DIR     serve this directory (default: current directory)\n"
	"  -p, --protocol VERSION  HTTP/1.1 (default: persistent connections) or HTTP/1.0\n"
	"                          (http.server's default: one request per connection)\n"
	"  -q, --quiet             no access log\n"
	"      --no-chunked        send directory listings with Content-Length, not chunked\n"
	"      --trace             show each request and response head as it crosses the wire\n"
	"      --head-timeout MS   a request head must arrive whole within MS (default: 10000)\n"
	"      --idle-timeout MS   close an idle persistent connection after MS (default: 5000)\n"
	"      --body-timeout MS   a request body may stall for MS (default: 10000)\n"
	"      --send-timeout MS   drop a client that takes no bytes for MS (default: 30000)\n"
	"      --min-rate BYTES    after either timeout, drop a client slower than BYTES a second\n"
	"                          over the whole body or response (default: 1024)\n"
	"      --max-clients N     clients served at once; more get 503 (default: 16384)\n"
	HTTPS_USAGE
	"  -h, --help              show this help and exit\n"
	"  -V, --version           show the version and exit\n"
	"\n"
	"Examples:\n"
	"  fileserver                          serve the current directory on port 8000\n"
	"  fileserver -d www 8080              serve www/ on port 8080\n"
	"  fileserver -b 127.0.0.1 -p HTTP/1.0 only this machine, answered as http.server does\n"
	"  fileserver --tls-cert certs/cert.pem --tls-key certs/key.pem 8443\n"
	"                                      HTTPS (`make cert` makes the two files)\n"
	"  curl -v http://localhost:8000/ http://localhost:8000/hello.txt\n"
	"                                      two requests on one connection\n";

/* -p: http.server takes any string; only the two versions this server can speak are accepted. */
static const char *const protocols[] = { "HTTP/1.0", "HTTP/1.1", NULL };

/* The options into o, the port operand included. Returns -1 to go on, or the status main()
 * exits with: 0 after --help or --version, 2 after a usage error (reported). */
static int parse_args(int argc, char **argv, struct options *o)
{
	struct cli_choice protocol = { "HTTP/1.1", protocols };
	const struct cli_option table[] = {
		{ "bind", 'b', CLI_STRING, &o->bind, 0, 0, NULL },
		{ "directory", 'd', CLI_STRING, &o->directory, 0, 0, NULL },
		{ "protocol", 'p', CLI_CHOICE, &protocol, 0, 0, "-p" },
		{ "quiet", 'q', CLI_FLAG, &o->cfg.quiet, 0, 0, NULL },
		{ "no-chunked", 0, CLI_FLAG, &o->no_chunked, 0, 0, NULL },
		{ "trace", 0, CLI_FLAG, &o->cfg.trace, 0, 0, NULL },
		{ "head-timeout", 0, CLI_NUMBER, &o->cfg.head_timeout_ms, 1, HTTP_TIMEOUT_MAX_MS,
		  "--head-timeout" },
		{ "idle-timeout", 0, CLI_NUMBER, &o->cfg.idle_timeout_ms, 1, HTTP_TIMEOUT_MAX_MS,
		  "--idle-timeout" },
		{ "body-timeout", 0, CLI_NUMBER, &o->cfg.body_timeout_ms, 1, HTTP_TIMEOUT_MAX_MS,
		  "--body-timeout" },
		{ "send-timeout", 0, CLI_NUMBER, &o->cfg.send_timeout_ms, 1, HTTP_TIMEOUT_MAX_MS,
		  "--send-timeout" },
		{ "min-rate", 0, CLI_NUMBER, &o->cfg.min_rate, 1, HTTP_MIN_RATE_MAX, "--min-rate" },
		{ "max-clients", 0, CLI_NUMBER, &o->max_clients, 1, CLIENTS_MAX_OPTION, "--max-clients" },
		HTTPS_CLI_OPTIONS(o->tls),
	};
	/* http.server's port is an operand, as here: its count is checked below, in our words. */
	const struct cli_program program = { "fileserver", FILESERVER_VERSION, usage, table,
	                                      CLI_COUNT(table), CLI_OPERANDS_ANY };
	int first, rc = cli_parse(&program, argc, argv, &first);

	if (rc >= 0)
		return rc;
	o->cfg.http10 = protocol.value == protocols[0];
	if (argc - first > 1)
		return cli_usage_error(program.name, "one port only, not '%s'", argv[first + 1]);
	if (first < argc && cli_number(&program, argv[first], "the port", 0, 65535, &o->port) != 0)
		return 2;
	return -1;
}

/* The served directory: -d must name one that exists, found before anything listens. */
static bool open_root(const char *dir, struct files_root *root)
{
	char reason[128];

	if (files_root_open(root, dir) == 0)
		return true;
	log_error("fileserver: cannot serve directory '%s': %s", dir,
	          log_strerror(errno, reason, sizeof reason));
	return false;
}

/* http.server's first line, with the address and port really bound (port 0 made real). */
static bool print_banner(int listen_fd, bool https)
{
	struct net_addr a;

	if (net_local_addr(listen_fd, &a) < 0)
		return false;
	log_error("Serving %s on %s port %u (%s://%s%s%s:%u/) ...", https ? "HTTPS" : "HTTP",
	          a.host, a.port, https ? "https" : "http", a.ipv6 ? "[" : "", a.host,
	          a.ipv6 ? "]" : "", a.port);
	return true;
}

int main(int argc, char **argv)
{
	struct files_root root = { .fd = -1 };
	struct options o = {
		.directory = ".",
		.port = DEFAULT_PORT,
		.cfg = {
			.server_name = "lab4-fileserver/" FILESERVER_VERSION,
			.head_timeout_ms = HTTP_HEAD_TIMEOUT_MS,
			.idle_timeout_ms = HTTP_IDLE_TIMEOUT_MS,
			.body_timeout_ms = HTTP_BODY_TIMEOUT_MS,
			.send_timeout_ms = HTTP_SEND_TIMEOUT_MS,
			.body_max = 0,          /* no request takes a body: the engine discards any */
			.handle = files_handle,
			.ctx = &root,
		},
	};
	char err[256];
	int rc = parse_args(argc, argv, &o);

	if (rc >= 0)
		return rc;
	if ((rc = https_configure("fileserver", &o.tls, &o.cfg)) != 0)
		return rc;
	log_set_quiet(o.cfg.quiet);
	if (!open_root(o.directory, &root)) {
		tls_server_free(o.cfg.tls);
		return EXIT_USAGE;
	}
	root.no_chunked = o.no_chunked;
	stop_setup();
	net_raise_fd_limit();

	struct net_server srv = {
		.listen_fd = net_listen(o.bind, o.port, err, sizeof err),
		.max_clients = o.max_clients,
		.serve = http_serve_connection,
		.reject = http_error_busy,
		.ctx = &o.cfg,
		.stop_grace_ms = STOP_GRACE_MS,
	};
	if (srv.listen_fd < 0) {
		log_error("fileserver: %s", err);
		files_root_close(&root);
		tls_server_free(o.cfg.tls);
		return EXIT_START;
	}
	if (!print_banner(srv.listen_fd, o.cfg.tls != NULL) || net_serve_threads(&srv) < 0) {
		log_error("fileserver: cannot serve clients on this socket");
		rc = EXIT_START;
	} else {
		log_error("Keyboard interrupt received, exiting.");
	}
	files_root_close(&root);
	tls_server_free(o.cfg.tls);
	return rc;
}
