// SPDX-License-Identifier: MIT
/*
 * http_form: a request's form, from its body or its query string (see http_form.h). The body is
 * read into one buffer of exactly its announced length (at most max), so a client cannot make
 * the server allocate more than it sends or more than the limit; a chunked body, whose length
 * is unknown, gets the limit.
 */
#include "http/http_form.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "http/http_body.h"
#include "http/url.h"

/* Content-Type's media type (the part before any ';' parameter) is type, compared
 * case-insensitively (RFC 9110 8.3.1). */
static bool media_type_is(const struct http_str *v, const char *type)
{
	size_t n = strlen(type);

	return v->len >= n && strncasecmp(v->p, type, n) == 0 &&
	       (v->len == n || v->p[n] == ';' || v->p[n] == ' ' || v->p[n] == '\t');
}

int http_form_body(struct http_exchange *x, size_t max, struct form *f, char **body)
{
	const struct http_request *req = x->req;
	const struct http_str *type = http_header_get(req, "Content-Type");
	char boundary[FORM_BOUNDARY_MAX + 1];
	size_t cap = req->chunked || req->content_length > max ? max : (size_t)req->content_length;
	int status = 0;
	ssize_t n;

	f->count = 0;
	*body = malloc(cap + 1);      /* the parsers need one spare byte */
	if (*body == NULL)
		return HTTP_INTERNAL_SERVER_ERROR;
	n = http_request_body(x, *body, cap, &status);  /* 413 from Content-Length, before reading */
	if (n < 0)
		return status != 0 ? status : -1;
	if (type != NULL && media_type_is(type, "application/x-www-form-urlencoded"))
		return form_parse_urlencoded(*body, (size_t)n, f, &status) < 0 ? status : 0;
	if (type == NULL || !media_type_is(type, "multipart/form-data"))
		return 0;
	if (form_multipart_boundary(type->p, type->len, boundary, sizeof boundary) < 0)
		return HTTP_BAD_REQUEST;
	return form_parse_multipart(*body, (size_t)n, boundary, f, &status) < 0 ? status : 0;
}

int http_form_query(const struct http_request *req, char *buf, struct form *f)
{
	const char *query;
	size_t len;
	int status = 0;

	f->count = 0;
	url_query(req->path.p, req->path.len, &query, &len);
	if (len > HTTP_REQUEST_LINE_MAX)
		return HTTP_URI_TOO_LONG;       /* the parser's limit makes this impossible */
	memcpy(buf, query, len);
	if (form_parse_urlencoded(buf, len, f, &status) < 0)
		return status;
	/* Query parameters are text: a %00 would cut a value short where it is used as a string. */
	for (size_t i = 0; i < f->count; i++)
		if (strlen(f->fields[i].value) != f->fields[i].value_len ||
		    strlen(f->fields[i].name) != f->fields[i].name_len)
			return HTTP_BAD_REQUEST;
	return 0;
}
