/*
 * web.h: the web console (SPEC §12) as a function of a request: method,
 * path, query, body and the few headers it reads in; status, headers and
 * body out. Sessions, CSRF tokens, the Origin check, throttling and the
 * pages live here, in the core: no network, no SQL (the store's queries
 * hold need to know). daemon/console.c carries requests to it.
 */
#ifndef TINCAY_WEB_H
#define TINCAY_WEB_H

#include "../core/core.h"
#include "../store/store.h"

/* A request; everything borrowed for the call. */
struct web_req {
	const char	*method;	/* "GET", "POST", ... */
	const char	*path;		/* as received, without the query */
	const char	*query;		/* after '?', or NULL */
	const char	*body;		/* bodylen bytes, or NULL */
	size_t		 bodylen;
	const char	*ctype;		/* Content-Type, or NULL */
	const char	*cookie;	/* Cookie, or NULL */
	const char	*origin;	/* Origin, or NULL */
	const char	*fetch_site;	/* Sec-Fetch-Site, or NULL */
	const char	*host;		/* Host, or NULL */
	const char	*addr;		/* the client's address */
	int64_t		 now;		/* wall clock, seconds */
};

#define WEB_HEADERS_MAX	16
struct web_header {
	const char	*name;		/* a constant */
	char		*value;		/* ours */
};
/* A response; web_resp_clear() frees what it holds. */
struct web_resp {
	int		 code;
	const char	*ctype;		/* a constant, or NULL */
	struct web_header hdr[WEB_HEADERS_MAX];
	size_t		 nhdr;
	char		*body;		/* ours, or NULL */
	size_t		 len;
	/* It wrote into the store's open batch (an action, an audit row):
	 * sent once the batch has committed (503 if it does not). */
	int		 wrote;
};

struct web;
/* The console of conf (borrowed: web_configure() after a reload) on st. */
struct web	*web_new(const struct config *, struct store *);
void		 web_configure(struct web *, const struct config *);
void		 web_free(struct web *);
/* Answer req into resp (zeroed here). Never fails: an error is a page. */
void		 web_serve(struct web *, const struct web_req *,
		    struct web_resp *);
void		 web_resp_clear(struct web_resp *);
/* The value of response header name, or NULL. */
const char	*web_resp_header(const struct web_resp *, const char *name);
/* The route class of path, for counting: its route's pattern (a case's
 * page: "/cases/" then "*"), or "other"; a constant. */
const char	*web_route_class(const char *path);
/* Sessions held now (signed in or not), for tests and /metrics. */
size_t		 web_sessions(const struct web *);

#endif
