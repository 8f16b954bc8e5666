/* SPDX-License-Identifier: MIT */
/*
 * http_form: what Flask's request.form and request.args give the handout's demo, for the C
 * programs: the request body read through the engine (100-continue, chunked bodies, the size
 * limit checked before anything is read) and parsed by its Content-Type, and the query string
 * parsed the same way. The glue between http_request_body() and the pure parsers of form.h.
 */
#ifndef HTTP_FORM_H
#define HTTP_FORM_H

#include <stddef.h>

#include "http/form.h"
#include "http/http.h"
#include "http/http_response.h"

/*
 * The body as a form: application/x-www-form-urlencoded or multipart/form-data; any other or no
 * Content-Type gives an empty form, as Flask's request.form is. *body is set to a malloc'd
 * buffer the fields point into, which the caller frees whatever the return. Returns 0, -1 when
 * the connection failed (the handler returns -1), or the status to answer: 400 (broken
 * encoding or multipart framing), 413 (over max bytes or FORM_FIELDS_MAX fields), 408, 500.
 */
int http_form_body(struct http_exchange *x, size_t max, struct form *f, char **body);

/*
 * The query string of the request target as a form (same encoding), decoded into buf, which
 * holds HTTP_REQUEST_LINE_MAX + 1 bytes. Returns 0 or the status to answer: 400 (a broken
 * escape, or a %00: query parameters are text), 413 (over FORM_FIELDS_MAX fields).
 */
int http_form_query(const struct http_request *req, char *buf, struct form *f);

#endif
