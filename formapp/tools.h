/* SPDX-License-Identifier: MIT */
/*
 * tools: formapp's pages for watching HTTP at work rather than for the demo itself: the cookies
 * a client sends and a form that sets one with chosen attributes (handout "Cookie attributes"),
 * and a response streamed line by line in chunks (handout "Chunked Transfer-Encoding").
 */
#ifndef TOOLS_H
#define TOOLS_H

#include "routes.h"

#define TOOLS_STREAM_LINES_MAX 1000     /* /stream?n= */
#define TOOLS_STREAM_DELAY_MAX_MS 5000  /* /stream?delay_ms= */
#define TOOLS_STREAM_TOTAL_MAX_MS 60000 /* n * delay_ms: a request holds its thread this long */
#define TOOLS_COOKIE_AGE_MAX 34560000   /* Max-Age: 400 days, browsers' own cap */

route_fn tools_cookies;      /* GET /cookies */
route_fn tools_set_cookie;   /* GET /cookies/set?name=&value=&max_age=&expires=&path=... */
route_fn tools_stream;       /* GET /stream?n=&delay_ms=&mode= */

#endif
