/*
 * http_routes.h: what a route is, and the functions the route table in
 * http.c names. A route function gets the raw body (borrowed from libevent
 * until it returns) and must reply, now or through http_defer().
 */
#ifndef TINCAY_HTTP_ROUTES_H
#define TINCAY_HTTP_ROUTES_H

#define HTTP_GET	0x1
#define HTTP_POST	0x2

typedef void	 (*http_route_fn)(struct tincay *, struct evhttp_request *,
		    const char *body, size_t len);

struct http_route {
	const char	*path;
	int		 methods;
	int		(*enabled)(const struct config *);	/* NULL: always */
	http_route_fn	 fn;
};

void	route_healthz(struct tincay *, struct evhttp_request *, const char *,
	    size_t);
void	route_metrics(struct tincay *, struct evhttp_request *, const char *,
	    size_t);

/* providers/generic.c */
int	route_generic_enabled(const struct config *);
void	generic_inbound(struct tincay *, struct evhttp_request *, const char *,
	    size_t);
/* NULL if the "t=…,v1=…" header signs (body, len) under secret at now. */
const char *generic_verify(const char *secret, const char *hdr,
	    const char *body, size_t len, int64_t now);
const char *generic_decode(const struct config *, const char *body,
	    size_t len, struct inbound *, char **text);

#endif
