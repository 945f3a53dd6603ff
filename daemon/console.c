/*
 * console.c: the web console's listener (SPEC §12): an evhttp of its own
 * on console.listen, on the daemon's event base, with the webhooks'
 * limits (body size, header size, lingering close; its connections'
 * cap, deadlines and pause on accept errors through conns.c, the cap its
 * own CONSOLE_MAX_CONNS). Each request becomes a web_req for web.c,
 * which answers it whole; one that wrote (an action, an audit row) joins
 * the loop's batch and is answered after its COMMIT, as a webhook is
 * (http_defer: 503 if the commit fails).
 */
#include <sys/socket.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/buffer.h>
#include <event2/event.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>
#include <event2/listener.h>

#include "tincayd.h"
#include "../web/web.h"

#define CONSOLE_BACKLOG		64
#define CONSOLE_MAX_HEADERS	8192
#define CONSOLE_MAX_BODY	65536	/* a form; more is no form of ours */

struct console {
	struct tincay		*tc;
	struct web		*web;
	struct evhttp		*evh;
	struct evconnlistener	*listener;
	struct conns		*conns;
	int			 stopped;
};

static const struct {
	enum evhttp_cmd_type	 cmd;
	const char		*name;
} console_methods[] = {
	{ EVHTTP_REQ_GET,	"GET" },
	{ EVHTTP_REQ_POST,	"POST" },
	{ EVHTTP_REQ_HEAD,	"HEAD" },
	{ EVHTTP_REQ_PUT,	"PUT" },
	{ EVHTTP_REQ_DELETE,	"DELETE" },
	{ EVHTTP_REQ_OPTIONS,	"OPTIONS" },
	{ EVHTTP_REQ_TRACE,	"TRACE" },
	{ EVHTTP_REQ_CONNECT,	"CONNECT" },
	{ EVHTTP_REQ_PATCH,	"PATCH" },
};

static const char *
console_method(struct evhttp_request *req)
{
	enum evhttp_cmd_type	 cmd = evhttp_request_get_command(req);
	size_t			 i;

	for (i = 0; i < sizeof(console_methods) / sizeof(console_methods[0]);
	    i++)
		if (console_methods[i].cmd == cmd)
			return console_methods[i].name;
	return "OTHER";
}

/*
 * The client's address: the peer's; behind the TLS proxy (https, a
 * loopback peer) the one the proxy saw, X-Real-IP (README: nginx sets
 * it), so that throttling counts clients, not the proxy.
 */
static void
console_addr(const struct console *c, struct evhttp_request *req,
    char *out, size_t outlen)
{
	struct evhttp_connection	*evcon;
	const char			*host = NULL, *real;
	ev_uint16_t			 port = 0;

	if ((evcon = evhttp_request_get_connection(req)) != NULL)
		evhttp_connection_get_peer(evcon, (char **)(void *)&host,
		    &port);
	util_strlcpy(out, host != NULL ? host : "?", outlen);
	if (c->tc->conf->console.https && (strncmp(out, "127.", 4) == 0 ||
	    strcmp(out, "::1") == 0) &&
	    (real = http_header(req, "X-Real-IP")) != NULL && *real != '\0')
		util_strlcpy(out, real, outlen);
}

static void
console_request_cb(struct evhttp_request *req, void *arg)
{
	struct console		*c = arg;
	const struct evhttp_uri	*uri = evhttp_request_get_evhttp_uri(req);
	struct evkeyvalq	*hdr = evhttp_request_get_output_headers(req);
	struct evbuffer		*in = evhttp_request_get_input_buffer(req);
	struct web_req		 wr;
	struct web_resp		 resp;
	char			 addr[64];
	size_t			 i;

	memset(&wr, 0, sizeof(wr));
	wr.method = console_method(req);
	wr.path = uri != NULL ? evhttp_uri_get_path(uri) : NULL;
	conns_handling(c->conns, req, web_route_class(wr.path));
	wr.query = uri != NULL ? evhttp_uri_get_query(uri) : NULL;
	wr.bodylen = evbuffer_get_length(in);
	wr.body = wr.bodylen > 0 ? (const char *)evbuffer_pullup(in, -1) :
	    NULL;
	wr.ctype = http_header(req, "Content-Type");
	wr.cookie = http_header(req, "Cookie");
	wr.origin = http_header(req, "Origin");
	wr.fetch_site = http_header(req, "Sec-Fetch-Site");
	wr.host = http_header(req, "Host");
	console_addr(c, req, addr, sizeof(addr));
	wr.addr = addr;
	wr.now = util_now();
	web_serve(c->web, &wr, &resp);
	for (i = 0; i < resp.nhdr; i++)
		evhttp_add_header(hdr, resp.hdr[i].name, resp.hdr[i].value);
	if (c->stopped)
		evhttp_add_header(hdr, "Connection", "close");
	if (resp.wrote) {
		http_defer(c->tc->http, req, resp.code, resp.ctype, resp.body,
		    resp.len);
		resp.body = NULL;	/* taken */
	} else
		http_reply(req, resp.code, resp.ctype, resp.body, resp.len);
	web_resp_clear(&resp);
}

void
console_configure(struct console *c)
{
	const struct config	*conf = c->tc->conf;

	web_configure(c->web, conf);
	evhttp_set_max_body_size(c->evh, CONSOLE_MAX_BODY);
	evhttp_set_max_headers_size(c->evh, CONSOLE_MAX_HEADERS);
	evhttp_set_timeout(c->evh, conf->limits.request_timeout_s);
	conns_limits(c->conns, CONSOLE_MAX_CONNS,
	    conf->limits.request_timeout_s);
}

struct console *
console_new(struct tincay *tc, char *err, size_t errlen)
{
	const struct config	*conf = tc->conf;
	struct console		*c;
	struct sockaddr_storage	 ss;
	int			 sslen = sizeof(ss);
	char			 addr[300];
	size_t			 i;
	int			 methods = 0;

	snprintf(addr, sizeof(addr), strchr(conf->console.listen_host, ':') ?
	    "[%s]:%d" : "%s:%d", conf->console.listen_host,
	    conf->console.listen_port);
	memset(&ss, 0, sizeof(ss));
	if (evutil_parse_sockaddr_port(addr, (struct sockaddr *)&ss,
	    &sslen) == -1) {
		snprintf(err, errlen, "console.listen: cannot parse %s", addr);
		return NULL;
	}
	c = xcalloc(1, sizeof(*c));
	c->tc = tc;
	c->listener = evconnlistener_new_bind(tc->base, NULL, NULL,
	    LEV_OPT_CLOSE_ON_FREE | LEV_OPT_REUSEABLE | LEV_OPT_CLOSE_ON_EXEC,
	    CONSOLE_BACKLOG, (struct sockaddr *)&ss, sslen);
	if (c->listener == NULL) {
		snprintf(err, errlen, "console.listen: %s: %s", addr,
		    strerror(errno));
		free(c);
		return NULL;
	}
	if ((c->evh = evhttp_new(tc->base)) == NULL)
		fatalx("%s: evhttp_new", __func__);
	evhttp_set_flags(c->evh, EVHTTP_SERVER_LINGERING_CLOSE);
	/* Every method reaches web.c, which answers 405 with Allow. */
	for (i = 0; i < sizeof(console_methods) / sizeof(console_methods[0]);
	    i++)
		methods |= console_methods[i].cmd;
	evhttp_set_allowed_methods(c->evh, (ev_uint16_t)methods);
	evhttp_set_gencb(c->evh, console_request_cb, c);
	if (evhttp_bind_listener(c->evh, c->listener) == NULL)
		fatalx("%s: evhttp_bind_listener", __func__);
	c->conns = conns_new(tc->base, c->evh, c->listener, "console");
	c->web = web_new(conf, tc->store);
	console_configure(c);
	return c;
}

void
console_stop_accepting(struct console *c)
{
	if (c == NULL)
		return;
	c->stopped = 1;
	conns_stop(c->conns);
}

void
console_free(struct console *c)
{
	if (c == NULL)
		return;
	/* evhttp_free closes the listener and frees live connections. */
	evhttp_free(c->evh);
	conns_free(c->conns);
	web_free(c->web);
	free(c);
}

const struct conns *
console_conns(const struct console *c)
{
	return c->conns;
}
