// SPDX-License-Identifier: MIT
/*
 * formapp: the handout's Flask demo ("Using flask") in C, then what Part A.2 describes: cookies,
 * a login with server-side sessions, and chunked streaming. Run it as the handout runs the demo,
 * `formapp --host 0.0.0.0 --port 8000`, next to the Python original; it prints Flask's banner
 * and http.server-style access lines, and answers GET / and POST / with the same page and text.
 *
 * This file is the program's frame: options, finding the templates and the users file, the
 * listening socket, the banner, and the engine (common/http/http_conn) with routes_handle() as its
 * handler. The pages are in routes.c, login.c and tools.c.
 * With --tls-cert and --tls-key it serves HTTPS (common/http/https.c), and its session cookies get
 * Secure (struct app's https flag).
 * Left out on purpose: Flask's debug mode (a Python console in the browser).
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/cli.h"
#include "base/clients.h"
#include "base/compat.h"
#include "base/log.h"
#include "base/net.h"
#include "base/net_serve.h"
#include "base/stop.h"
#include "http/http_conn.h"
#include "http/http_error.h"
#include "http/https.h"
#include "guard.h"
#include "routes.h"
#include "tls/tls.h"
#include "users.h"

#define FORMAPP_VERSION "1.0"
#define DEFAULT_PORT 5000                 /* Flask's */
#define SESSIONS_MAX 10000                /* logged-in sessions kept at once */
#define SESSIONS_PER_ADDRESS 32           /* of which one client address holds at most */
#define SESSION_IDLE_MS (30 * 60 * 1000)  /* a session unused this long ends */
/* Exit statuses: EXIT_FAILURE (1) when the server cannot start, 2 (cli_parse, https_configure)
 * for a usage error. */

struct options {
	const char *host, *templates, *users, *add_user;
	unsigned port, max_clients;
	struct https_options tls;   /* --close and -q go straight into struct http_config */
};

static const char usage[] =
	"Usage: formapp [--host ADDRESS] [--port N] [--templates DIR] [--users FILE] [--close] [-q]\n"
	"       formapp [--users FILE] --add-user NAME    (the password on standard input)\n"
	"\n"
	"The handout's Flask demo (GET / and POST /), a login with sessions (/login, /home,\n"
	"/checkmail, /hidden, /query), cookies (/cookies) and a chunked stream (/stream).\n"
	"\n"
	"  -b, --bind, --host ADDRESS  listen on this address (default: 127.0.0.1, as Flask)\n"
	"  -p, --port N            listen on this port (default: 5000; 0: any free port)\n"
	"      --templates DIR     the pages (default: formapp/templates, found from the program)\n"
	"      --users FILE        the name:crypt-hash lines of the users (default: formapp/users)\n"
	"      --add-user NAME     add NAME to the users file, then exit\n"
	"      --close             Connection: close on every response, as Flask's server does\n"
	"      --max-clients N     clients served at once; more get 503 (default: 16384)\n"
	"      --body-timeout MS   a request body may stall for MS (default: 10000)\n"
	"      --send-timeout MS   drop a client that takes no bytes for MS (default: 30000)\n"
	"      --min-rate BYTES    after either timeout, drop a client slower than BYTES a second\n"
	"                          over the whole body or response (default: 1024)\n"
	"  -q, --quiet             no access log\n" HTTPS_USAGE
	"  -h, --help, -V, --version\n"
	"\n"
	"Example: formapp --host 0.0.0.0 --port 8000 (as the handout runs the demo), then\n"
	"  curl -d 'user=philip&password=123456' http://127.0.0.1:8000/\n";

/*
 * formapp's own files (templates/, users) wherever it is started from, as Flask finds
 * "templates" next to the app: the option's path if given, else NAME in the first folder with
 * a templates/ found from the binary's folder (compat_exe_path: /proc/self/exe on Linux, else
 * what the system says, else argv[0]) upwards, as formapp/ (the source tree: bin/,
 * build/asan/bin/) or share/lab4/formapp/ (where `make install` puts them, next to PREFIX/bin).
 * The users file need not exist yet: --add-user creates it.
 */
static bool locate(const char *given, const char *name, const char *argv0, char *out, size_t size)
{
	static const char *const places[] = { "formapp/", "share/lab4/formapp/" };
	char dir[PATH_MAX];

	if (given != NULL)
		return (size_t)snprintf(out, size, "%s", given) < size;
	if (compat_exe_path(dir, sizeof dir, argv0) < 0)
		dir[0] = '\0';
	for (int level = 0; level < 4 && strrchr(dir, '/') != NULL; level++) {   /* 4: build/asan/bin */
		*strrchr(dir, '/') = '\0';          /* one folder up */
		for (size_t i = 0; i < sizeof places / sizeof places[0]; i++) {
			int len = snprintf(out, size, "%s/%stemplates", dir, places[i]);   /* the marker */
			if (len > 0 && (size_t)len < size && access(out, F_OK) == 0)
				return (size_t)snprintf(out, size, "%s/%s%s", dir, places[i], name) < size;
		}
	}
	log_error("formapp: no formapp/templates above the program's folder: name the %s with --%s",
	          name, name);
	return false;
}

/* One page's template, read once; a template that cannot render is found here, not by a client. */
static bool load_page(struct page_text *p, const char *dir, const char *file)
{
	char path[PATH_MAX], reason[128], *check = NULL;
	int ok = -1, err;

	if ((size_t)snprintf(path, sizeof path, "%s/%s", dir, file) >= sizeof path)
		errno = ENAMETOOLONG;
	else
		p->text = template_load(path, &p->len);
	if (p->text != NULL && (check = malloc(p->len + 1)) != NULL)
		ok = template_render(p->text, p->len, NULL, 0, check, p->len + 1);
	err = errno;
	free(check);
	if (ok < 0)
		log_error("formapp: cannot use template %s: %s", path,
		          log_strerror(err, reason, sizeof reason));
	return ok >= 0;
}

/* --add-user NAME: one line of standard input is the password. */
static int add_user(const char *users, const char *name)
{
	char password[USERS_PASSWORD_MAX + 2], reason[128];

	if (fgets(password, sizeof password, stdin) == NULL)
		password[0] = '\0';
	password[strcspn(password, "\r\n")] = '\0';
	if (users_add(users, name, password) == 0) {
		printf("formapp: %s added to %s\n", name, users);
		return EXIT_SUCCESS;
	}
	if (errno == EINVAL)
		log_error("formapp: a name is 1 to %d bytes without ':' or control characters, a "
		          "password 1 to %d bytes on one line", USERS_NAME_MAX, USERS_PASSWORD_MAX);
	else
		log_error("formapp: cannot add %s to %s: %s", name, users, errno == EEXIST ?
		          "the name is there already" : log_strerror(errno, reason, sizeof reason));
	return EXIT_FAILURE;
}

/* Flask's banner, with the address and port really bound (port 0 made real). The first line
 * names the port: tests and scripts read it from there. */
static bool print_banner(int listen_fd, const char *scheme)
{
	struct net_addr a;

	if (net_local_addr(listen_fd, &a) < 0)
		return false;
	if (strcmp(a.host, "0.0.0.0") == 0 || strcmp(a.host, "::") == 0)
		log_error(" * Running on all addresses (%s), port %u\n * Running on %s://127.0.0.1:%u",
		          a.host, a.port, scheme, a.port);
	else
		log_error(" * Running on %s://%s%s%s:%u%s", scheme, a.ipv6 ? "[" : "", a.host,
		          a.ipv6 ? "]" : "", a.port, a.ipv6 ? " (IPv6)" : "");
	log_error("Press CTRL+C to quit");
	return true;
}

/* The listening socket and the threads; the last line once Ctrl-C or SIGTERM stopped them. */
static int serve(const struct options *o, struct http_config *cfg)
{
	char err[256];
	struct net_server srv = {
		.serve = http_serve_connection,
		.reject = http_error_busy,
		.ctx = cfg,
		.max_clients = o->max_clients,
		.stop_grace_ms = STOP_GRACE_MS,
	};

	stop_setup();
	net_raise_fd_limit();
	srv.listen_fd = net_listen(o->host, o->port, err, sizeof err);
	if (srv.listen_fd < 0) {
		log_error("formapp: %s", err);
		return EXIT_FAILURE;
	}
	if (!print_banner(srv.listen_fd, cfg->tls != NULL ? "https" : "http") ||
	    net_serve_threads(&srv) < 0) {
		log_error("formapp: cannot serve clients on this socket");
		return EXIT_FAILURE;
	}
	log_error(" * Stopped: Ctrl-C or SIGTERM");
	return EXIT_SUCCESS;
}

int main(int argc, char **argv)
{
	char templates[PATH_MAX], users[PATH_MAX];
	struct app app = { .users_path = users, .https = false };
	struct http_config cfg = {
		.server_name = "lab4-formapp/" FORMAPP_VERSION,
		.body_max = ROUTES_BODY_MAX,
		.handle = routes_handle,
		.ctx = &app,
	};
	struct options o = { .host = "127.0.0.1", .port = DEFAULT_PORT };
	const struct cli_option table[] = {
		{ "host", 'b', CLI_STRING, &o.host, 0, 0, NULL },
		{ "bind", 0, CLI_STRING, &o.host, 0, 0, NULL },
		{ "port", 'p', CLI_NUMBER, &o.port, 0, 65535, "port" },
		{ "templates", 0, CLI_STRING, &o.templates, 0, 0, NULL },
		{ "users", 0, CLI_STRING, &o.users, 0, 0, NULL },
		{ "add-user", 0, CLI_STRING, &o.add_user, 0, 0, NULL },
		{ "close", 0, CLI_FLAG, &cfg.force_close, 0, 0, NULL },
		{ "max-clients", 0, CLI_NUMBER, &o.max_clients, 1, CLIENTS_MAX_OPTION, "--max-clients" },
		{ "body-timeout", 0, CLI_NUMBER, &cfg.body_timeout_ms, 1, HTTP_TIMEOUT_MAX_MS,
		  "--body-timeout" },
		{ "send-timeout", 0, CLI_NUMBER, &cfg.send_timeout_ms, 1, HTTP_TIMEOUT_MAX_MS,
		  "--send-timeout" },
		{ "min-rate", 0, CLI_NUMBER, &cfg.min_rate, 1, HTTP_MIN_RATE_MAX, "--min-rate" },
		{ "quiet", 'q', CLI_FLAG, &cfg.quiet, 0, 0, NULL },
		HTTPS_CLI_OPTIONS(o.tls),
	};
	const struct cli_program program = { "formapp", FORMAPP_VERSION, usage, table,
	                                     CLI_COUNT(table), 0 };
	int rc = cli_parse(&program, argc, argv, NULL);

	if (rc >= 0)
		return rc;
	if (!locate(o.users, "users", argv[0], users, sizeof users))
		return EXIT_FAILURE;
	if (o.add_user != NULL)
		return add_user(users, o.add_user);
	log_set_quiet(cfg.quiet);
	guard_init(0);   /* as many password hashes at once as there are CPUs */
	rc = https_configure("formapp", &o.tls, &cfg);
	app.https = cfg.tls != NULL;
	if (rc == 0 && !locate(o.templates, "templates", argv[0], templates, sizeof templates))
		rc = EXIT_FAILURE;
	for (int i = 0; rc == 0 && i < PAGE_COUNT; i++)
		if (!load_page(&app.pages[i], templates, routes_page_files[i]))
			rc = EXIT_FAILURE;
	app.sessions = rc == 0 ? session_table_new(SESSIONS_MAX, SESSIONS_PER_ADDRESS, SESSION_IDLE_MS) : NULL;
	rc = rc != 0 ? rc : app.sessions != NULL ? serve(&o, &cfg) : EXIT_FAILURE;
	for (int i = 0; i < PAGE_COUNT; i++)
		free(app.pages[i].text);
	session_table_free(app.sessions);
	tls_server_free(cfg.tls);
	return rc;
}
