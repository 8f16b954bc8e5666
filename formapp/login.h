/* SPDX-License-Identifier: MIT */
/*
 * login: the pages of the handout's session example (Part A.2, "Example: Typical use of Session
 * id"): log in, home, check mail, log out, and the same session carried in a hidden form field
 * and in a query string. Each is a route of routes.c.
 */
#ifndef LOGIN_H
#define LOGIN_H

#include "routes.h"

route_fn login_form;        /* GET /login */
route_fn login_submit;      /* POST /login: user=philip&pw=123456 */
route_fn login_logout;      /* POST /logout */
route_fn login_home;        /* GET /home */
route_fn login_checkmail;   /* GET /checkmail */
route_fn login_hidden;      /* GET and POST /hidden (sid in the body) */
route_fn login_query;       /* GET /query?sid=... */

#endif
