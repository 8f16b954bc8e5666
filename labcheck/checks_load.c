// SPDX-License-Identifier: MIT
/*
 * checks_load: concurrency.* (see checks_load.h). concurrency.clients starts one thread per
 * client, as handout Example 3 starts one per client on the server's side: each connects, all
 * wait until every one is connected, then all send at once and each checks its own answer
 * (200 and the file's bytes). concurrency.idle-client connects a client that sends nothing,
 * then asks on a second connection: a server that serves one client at a time (handout Example
 * 1) waits for the first and never answers the second.
 */
#include "checks_load.h"

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define IDLE_LEAD_MS 200   /* the idle client connects this long before the other asks */

/* The start line every client waits at: go once all that started are connected. */
struct start {
	pthread_mutex_t lock;
	pthread_cond_t cond;
	unsigned connected;
	bool go;
};

/* One client of concurrency.clients, owned by its thread until it is joined. */
struct client {
	const struct checks_env *env;
	struct start *start;
	bool served;
	struct check_result res;   /* its own reason and wire view */
};

static void *client_main(void *arg)
{
	struct client *cl = arg;
	const struct target_file *f = &cl->env->t->file;
	const struct checks_request q = { "GET", f->path, NULL, "Connection: close\r\n", 0, NULL, 0 };
	struct wire_conn c = { .fd = -1 };
	struct response r;
	char status[CHECKS_TEXT_MAX];
	int rc = wire_open(&c, &cl->env->t->peer, &cl->res.wire);

	pthread_mutex_lock(&cl->start->lock);
	cl->start->connected++;
	pthread_cond_broadcast(&cl->start->cond);
	while (!cl->start->go)
		pthread_cond_wait(&cl->start->cond, &cl->start->lock);
	pthread_mutex_unlock(&cl->start->lock);
	if (rc != WIRE_OK)
		checks_fail(&cl->res, "%s", c.why);
	else if (checks_ask(cl->env, &cl->res, &c, &q, &r) == WIRE_OK)   /* else: reason set */
		cl->served = r.status == 200 && checks_body_is(&r, f->body, f->len);
	if (rc == WIRE_OK && !cl->served && cl->res.reason[0] == '\0')
		checks_fail(&cl->res, "it got %s%s", checks_status(&r, status),
		            r.status == 200 ? ", but not the file's bytes" : "");
	wire_close(&c);
	return NULL;
}

/* Start n client threads; returns how many started. All are let go once all are connected. */
static unsigned start_all(struct client *all, pthread_t *threads, unsigned n, struct start *s)
{
	unsigned started = 0;

	while (started < n && pthread_create(&threads[started], NULL, client_main,
	                                     &all[started]) == 0)
		started++;
	pthread_mutex_lock(&s->lock);
	while (s->connected < started)   /* each connect ends within the timeout */
		pthread_cond_wait(&s->cond, &s->lock);
	s->go = true;
	pthread_cond_broadcast(&s->cond);
	pthread_mutex_unlock(&s->lock);
	return started;
}

enum verdict checks_load_clients(const struct checks_env *env, struct check_result *res)
{
	unsigned n = env->clients, started, served = 0;
	struct start s = { PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER, 0, false };
	struct client *all = calloc(n, sizeof *all);
	pthread_t *threads = calloc(n, sizeof *threads);
	const struct client *failed = NULL;

	if (!checks_have_file(env, res) || all == NULL || threads == NULL) {
		free(all);
		free(threads);
		return all == NULL || threads == NULL ? checks_fail(res, "labcheck is out of memory") :
		       VERDICT_FAIL;
	}
	for (unsigned i = 0; i < n; i++)
		all[i] = (struct client){ .env = env, .start = &s };
	started = start_all(all, threads, n, &s);
	for (unsigned i = 0; i < started; i++) {
		pthread_join(threads[i], NULL);
		served += all[i].served;
		if (!all[i].served && failed == NULL)
			failed = &all[i];
	}
	enum verdict v;
	if (started < n)
		v = checks_fail(res, "labcheck could start only %u of %u client threads", started, n);
	else if (failed != NULL)
		v = checks_fail(res, "%u of %u clients at once were not served; client %ld: %s",
		                n - served, n, (long)(failed - all) + 1, failed->res.reason);
	else
		v = checks_pass(res, "%u clients at once were all served (200 and the file, each)", n);
	if (failed != NULL) {
		wire_note(&res->wire, "client %ld of %u:", (long)(failed - all) + 1, n);
		wire_append(&res->wire, &failed->res.wire);
	}
	free(all);
	free(threads);
	return v;
}

enum verdict checks_load_idle_client(const struct checks_env *env, struct check_result *res)
{
	const struct checks_request q = { "GET", env->t->file.path, NULL, "Connection: close\r\n", 0,
	                                  NULL, 0 };
	struct timespec lead = { 0, IDLE_LEAD_MS * 1000000L };
	struct wire_conn idle = { .fd = -1 }, busy = { .fd = -1 };
	struct response r;
	char status[CHECKS_TEXT_MAX];
	enum verdict v = VERDICT_FAIL;

	if (!checks_have_file(env, res))
		return VERDICT_FAIL;
	if (wire_open(&idle, &env->t->peer, &res->wire) != WIRE_OK) {
		v = checks_fail(res, "%s", idle.why);
		goto done;
	}
	wire_note(&res->wire, "  (connection %d sends nothing)", idle.number);
	while (nanosleep(&lead, &lead) < 0 && errno == EINTR)
		;
	if (checks_ask(env, res, &busy, &q, &r) != WIRE_OK)
		v = checks_fail(res, "while another connection sat idle, a GET got no answer (%s): a "
		                "server that serves one client at a time waits for the idle one "
		                "(handout B, Example 3: a thread per client)", busy.why);
	else if (r.status != 200)
		v = checks_fail(res, "while another connection sat idle, a GET got %s",
		                checks_status(&r, status));
	else
		v = checks_pass(res, "a GET was answered while another connection sat idle");
done:
	wire_close(&idle);
	wire_close(&busy);
	return v;
}
