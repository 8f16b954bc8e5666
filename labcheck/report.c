// SPDX-License-Identifier: MIT
/*
 * report: labcheck's output (see report.h). The text form is what a student reads, so the
 * verdict comes first and the reason is a sentence; the wire view is indented under the check
 * it belongs to, each line as common/trace.c shows a head ("GET / HTTP/1.1\r\n"), sent lines
 * marked "> " and received ones "< ", as curl -v marks them.
 *
 * Left out on purpose: colours and timings in the text form (the lab notes compare the output
 * line by line); the JSON form has each check's time in ms.
 */
#include "report.h"

#include <string.h>

#define ID_WIDTH 30          /* the id column: the longest id and a space */
#define INDENT "      "      /* notes and wire views, under the verdict's text */

static const char *const verdict_names[] = {
	[VERDICT_PASS] = "PASS", [VERDICT_FAIL] = "FAIL", [VERDICT_SKIP] = "SKIP",
};

/* s with control bytes as \xhh, so server bytes in a reason cannot reach the terminal raw. */
static void put_text(FILE *out, const char *s)
{
	for (; *s != '\0'; s++) {
		unsigned char c = (unsigned char)*s;
		if (c < 0x20 || c == 0x7f)
			fprintf(out, "\\x%02x", c);
		else
			fputc(c, out);
	}
}

/* s as a JSON string (RFC 8259 7); bytes >= 0x80 as \u00hh, so the output is always valid. */
static void put_json(FILE *out, const char *s, size_t len)
{
	fputc('"', out);
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c == '"' || c == '\\')
			fprintf(out, "\\%c", c);
		else if (c == '\n')
			fputs("\\n", out);
		else if (c < 0x20 || c >= 0x7f)
			fprintf(out, "\\u%04x", c);
		else
			fputc(c, out);
	}
	fputc('"', out);
}

static void put_json_str(FILE *out, const char *s)
{
	put_json(out, s, strlen(s));
}

void report_start(struct report *rp, const char *url, const struct checks_env *env)
{
	const struct target *t = env->t;
	const struct target_file *f = &t->file;

	if (rp->json) {
		fputs("{\"url\": ", rp->out);
		put_json_str(rp->out, url);
		fprintf(rp->out, ", \"address\": ");
		put_json_str(rp->out, t->peer.name);
		fputs(", \"file\": ", rp->out);
		put_json_str(rp->out, f->path);
		fprintf(rp->out, ", \"file_bytes\": %zu, \"file_ok\": %s, \"chunked_path\": ", f->len,
		        f->ok ? "true" : "false");
		put_json_str(rp->out, env->chunked_path);
		fputs(", \"checks\": [", rp->out);
		return;
	}
	fprintf(rp->out, "labcheck: %s (%s), timeout %d ms\n", url, t->peer.name, t->peer.timeout_ms);
	if (!t->reached) {
		fputs("server: no answer: ", rp->out);
		put_text(rp->out, t->unreachable);
	} else if (f->ok) {
		fprintf(rp->out, "file: %s, %zu bytes, %s", f->path, f->len, f->origin);
	} else {
		fputs("file: none usable: ", rp->out);
		put_text(rp->out, f->why);
	}
	fprintf(rp->out, "\nchunked URL: %s\n", env->chunked_path);
}

/* The wire view under a check, each line indented. */
static void put_wire(FILE *out, const struct wire_log *w)
{
	const char *p = w->text, *end = w->text + w->len;

	fputs(INDENT "wire:\n", out);
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t n = nl ? (size_t)(nl - p) : (size_t)(end - p);
		fprintf(out, INDENT "%.*s\n", (int)n, p);
		p += n + 1;
	}
	if (w->cut)
		fprintf(out, INDENT "(the wire view is cut at %d bytes)\n", WIRE_LOG_MAX);
}

void report_check(const struct check *c, const struct check_result *r, void *ctx)
{
	struct report *rp = ctx;
	bool wire = rp->wire_all || (rp->wire_failed && r->verdict == VERDICT_FAIL);
	unsigned done = rp->passed + rp->failed + rp->skipped;

	rp->passed += r->verdict == VERDICT_PASS;
	rp->failed += r->verdict == VERDICT_FAIL;
	rp->skipped += r->verdict == VERDICT_SKIP;
	if (rp->json) {
		fprintf(rp->out, "%s\n  {\"id\": \"%s\", \"verdict\": \"%s\", \"reason\": ",
		        done > 0 ? "," : "", c->id, verdict_names[r->verdict]);
		put_json_str(rp->out, r->reason);
		fputs(", \"note\": ", rp->out);
		put_json_str(rp->out, r->note);
		fprintf(rp->out, ", \"ms\": %lld", (long long)r->ms);
		if (wire) {
			fputs(", \"wire\": ", rp->out);
			put_json(rp->out, r->wire.text, r->wire.len);
		}
		fputs("}", rp->out);
	} else {
		fprintf(rp->out, "%s  %-*s ", verdict_names[r->verdict], ID_WIDTH - 1, c->id);
		put_text(rp->out, r->reason);
		fputc('\n', rp->out);
		if (r->note[0] != '\0') {
			fputs(INDENT "note: ", rp->out);
			put_text(rp->out, r->note);
			fputc('\n', rp->out);
		}
		if (wire)
			put_wire(rp->out, &r->wire);
	}
	fflush(rp->out);   /* a student watching sees each check as it ends */
}

int report_end(struct report *rp)
{
	unsigned total = rp->passed + rp->failed + rp->skipped;

	if (rp->json)
		fprintf(rp->out, "\n], \"summary\": {\"checks\": %u, \"passed\": %u, \"failed\": %u, "
		        "\"skipped\": %u}}\n", total, rp->passed, rp->failed, rp->skipped);
	else
		fprintf(rp->out, "%u check%s: %u passed, %u failed, %u skipped\n", total,
		        total == 1 ? "" : "s", rp->passed, rp->failed, rp->skipped);
	fflush(rp->out);
	return rp->failed > 0 ? 1 : 0;
}

void report_list(FILE *out)
{
	for (size_t i = 0; i < checks_count; i++)
		fprintf(out, "%-*s %s\n%-*s (%s)\n", ID_WIDTH - 1, checks_table[i].id,
		        checks_table[i].rule, ID_WIDTH - 1, "", checks_table[i].source);
}
