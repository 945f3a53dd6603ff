/*
 * http.c: the inbound HTTP server on evhttp. Owns the listener (its
 * connections, their cap and deadlines: conns.c), the routes (its own,
 * then the endpoints of the providers' table, each served by
 * provider_serve()), and the replies that wait for the batch to commit.
 */
#include <sys/queue.h>
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
#include "provider.h"

#define HTTP_BACKLOG		128
#define HTTP_MAX_HEADERS	8192

#define HTTP_GET		0x1
#define HTTP_POST		0x2
/*
 * libevent 2.1 gives a method it does not know (PROPFIND, BREW) the type
 * EVHTTP_REQ_UNKNOWN_ (1 << 15, http-internal.h) and answers it 501 with
 * its own HTML page unless that bit is among the allowed methods.
 */
#define HTTP_REQ_OTHER		(1 << 15)

/* A reply waiting for COMMIT. */
struct deferred {
	TAILQ_ENTRY(deferred)	 entry;
	struct evhttp_request	*req;
	int			 code;
	const char		*ctype;		/* a constant */
	char			*body;		/* ours */
	size_t			 len;
};

struct http {
	struct tincay		*tc;
	struct evhttp		*evh;
	struct evconnlistener	*listener;
	struct conns		*conns;
	TAILQ_HEAD(, deferred)	 deferred;
	size_t			 ndeferred;
};

/* A route of the server's own; the body is borrowed until it returns. */
typedef void	 (*http_route_fn)(struct tincay *, struct evhttp_request *,
		    const char *body, size_t len);
struct http_route {
	const char	*path;
	int		 methods;
	http_route_fn	 fn;
};

static const char *http_endpoint(struct http *, struct evhttp_request *);
static void	http_healthz(struct tincay *, struct evhttp_request *,
		    const char *, size_t);
static void	http_metrics(struct tincay *, struct evhttp_request *,
		    const char *, size_t);

/* Set when stopping: every reply closes its connection. */
static int	http_closing;

/* The server's own routes; the providers' endpoints come from providers[]. */
static const struct http_route http_routes[] = {
	{ "/healthz", HTTP_GET, http_healthz },
	{ "/metrics", HTTP_GET, http_metrics },
};

const char *
http_header(struct evhttp_request *req, const char *name)
{
	return evhttp_find_header(evhttp_request_get_input_headers(req), name);
}

void
http_reply(struct evhttp_request *req, int code, const char *ctype,
    const char *body, size_t len)
{
	struct evbuffer	*out = evhttp_request_get_output_buffer(req);
	struct evkeyvalq *hdr = evhttp_request_get_output_headers(req);

	if (ctype != NULL)
		evhttp_add_header(hdr, "Content-Type", ctype);
	if (code == 503)
		evhttp_add_header(hdr, "Retry-After", "5");
	if (body != NULL)
		evbuffer_add(out, body, len);
	if (http_closing)
		evhttp_add_header(hdr, "Connection", "close");
	evhttp_send_reply(req, code, NULL, NULL);
}

void
http_error(struct evhttp_request *req, int code, const char *line)
{
	char	 buf[160];
	int	 n;

	n = snprintf(buf, sizeof(buf), "%s\n", line);
	if (n < 0 || (size_t)n >= sizeof(buf))
		n = (int)sizeof(buf) - 1;
	http_reply(req, code, "text/plain; charset=utf-8", buf, (size_t)n);
}

void
http_defer(struct http *h, struct evhttp_request *req, int code,
    const char *ctype, char *body, size_t len)
{
	struct deferred	*d;

	/* Nothing open to wait for: what it answers is already durable. */
	if (!store_in_tx(h->tc->store)) {
		http_reply(req, code, ctype, body, len);
		free(body);
		return;
	}
	d = xcalloc(1, sizeof(*d));
	d->req = req;
	d->code = code;
	d->ctype = ctype;
	d->body = body;
	d->len = body ? len : 0;
	TAILQ_INSERT_TAIL(&h->deferred, d, entry);
	h->ndeferred++;
}

/* The batch ended: every deferred reply goes out, or 503 if it failed. */
static void
http_committed(void *arg, int ok, const struct store_batch *b)
{
	struct http	*h = arg;
	struct deferred	*d;

	if (!ok && h->ndeferred > 0)
		log_warnx("%s: commit failed; %zu replies get 503", __func__,
		    h->ndeferred);
	while ((d = TAILQ_FIRST(&h->deferred)) != NULL) {
		TAILQ_REMOVE(&h->deferred, d, entry);
		h->ndeferred--;
		if (ok)
			http_reply(d->req, d->code, d->ctype, d->body, d->len);
		else
			http_error(d->req, 503, PROVIDER_RETRY_LATER);
		free(d->body);
		free(d);
	}
}

static const char *
http_call_header(const struct provider_call *c, const char *name)
{
	return http_header(c->req, name);
}

/* A provider's endpoint: its skeleton, then the answer it decided. */
static void
http_provider(struct http *h, struct evhttp_request *req,
    const struct provider_endpoint *ep, const char *body, size_t len)
{
	struct tincay		*tc = h->tc;
	const struct evhttp_uri	*uri = evhttp_request_get_evhttp_uri(req);
	struct provider_call	 c;
	struct provider_answer	 a;

	memset(&c, 0, sizeof(c));
	c.conf = tc->conf;
	c.uri = evhttp_request_get_uri(req);
	c.query = uri ? evhttp_uri_get_query(uri) : NULL;
	c.ctype = http_header(req, "Content-Type");
	c.body = body;
	c.len = len;
	c.now = util_now();
	c.header = http_call_header;
	c.req = req;
	provider_serve(ep, &c, tc->router, tc->store, &a);
	if (a.filed && c.is_receipt)
		tc->n_receipts[c.receipt.status]++;
	else if (a.filed) {
		if (c.out.duplicate)
			tc->n_duplicates++;
		else
			tc->n_messages++;
		if (c.out.new_report)
			tc->n_reports++;
	}
	if (a.code != 200) {
		/* Refused: say why (never the body), or nobody would see a
		 * wrong secret refusing every report. Rate-limited. */
		log_warnx("http: %s: %d %s", ep->path, a.code, a.line);
		http_error(req, a.code, a.line);
	}
	else if (a.filed) {
		http_defer(h, req, a.code, a.ctype, a.body, a.len);
		a.body = NULL;		/* taken */
	}
	else
		http_reply(req, a.code, a.ctype, a.body, a.len);
	provider_answer_clear(&a);
	provider_call_clear(&c);
}

static const struct http_route *
http_route_find(const char *path)
{
	size_t	 i;

	for (i = 0; i < sizeof(http_routes) / sizeof(http_routes[0]); i++)
		if (strcmp(http_routes[i].path, path) == 0)
			return &http_routes[i];
	return NULL;
}

/* The endpoint a request named, for its count: the route's own string (a
 * constant), or "other" for a path we do not serve, so that whatever
 * paths clients try add no labels. */
static const char *
http_endpoint(struct http *h, struct evhttp_request *req)
{
	const struct evhttp_uri		*uri;
	const struct http_route		*r;
	const struct provider_endpoint	*ep;
	const char			*path;

	uri = evhttp_request_get_evhttp_uri(req);
	if ((path = uri ? evhttp_uri_get_path(uri) : NULL) == NULL)
		return "other";
	if ((r = http_route_find(path)) != NULL)
		return r->path;
	if ((ep = provider_route(h->tc->conf, path)) != NULL)
		return ep->path;
	return "other";
}

/* The HTTP method as a route's bit; 0 for any other. */
static int
http_method(struct evhttp_request *req)
{
	switch (evhttp_request_get_command(req)) {
	case EVHTTP_REQ_GET:
		return HTTP_GET;
	case EVHTTP_REQ_POST:
		return HTTP_POST;
	default:
		return 0;
	}
}

/*
 * The path a request names, or NULL. libevent reads a CONNECT's target
 * as an authority (host:port) and leaves its path empty: a CONNECT
 * /sms/generic names the endpoint as any other method would, so its path
 * comes from the target as received (up to a query), into buf.
 */
static const char *
http_path(struct evhttp_request *req, char *buf, size_t buflen)
{
	const struct evhttp_uri	*uri = evhttp_request_get_evhttp_uri(req);
	const char		*target;
	size_t			 n;

	if (evhttp_request_get_command(req) != EVHTTP_REQ_CONNECT)
		return uri != NULL ? evhttp_uri_get_path(uri) : NULL;
	if ((target = evhttp_request_get_uri(req)) == NULL ||
	    target[0] != '/')
		return NULL;
	n = strcspn(target, "?#");
	if (n >= buflen)
		return NULL;
	memcpy(buf, target, n);
	buf[n] = '\0';
	return buf;
}

static void
http_request_cb(struct evhttp_request *req, void *arg)
{
	struct http			*h = arg;
	const struct http_route		*r = NULL;
	const struct provider_endpoint	*ep = NULL;
	struct evbuffer			*in;
	struct evkeyvalq		*hdr;
	const char			*path;
	char				 pathbuf[256];
	unsigned char			*body;
	size_t				 len;
	int				 methods;

	conns_handling(h->conns, req, http_endpoint(h, req));
	if ((path = http_path(req, pathbuf, sizeof(pathbuf))) == NULL ||
	    ((r = http_route_find(path)) == NULL &&
	    (ep = provider_route(h->tc->conf, path)) == NULL)) {
		http_error(req, 404, "not found");
		return;
	}
	methods = r != NULL ? r->methods : HTTP_POST;
	if ((http_method(req) & methods) == 0) {
		hdr = evhttp_request_get_output_headers(req);
		evhttp_add_header(hdr, "Allow", methods == HTTP_GET ? "GET" :
		    "POST");
		/* libevent reads no body of a method it does not know: what
		 * follows must not be taken for the next request. */
		if (evhttp_request_get_command(req) == HTTP_REQ_OTHER)
			evhttp_add_header(hdr, "Connection", "close");
		http_error(req, 405, "method not allowed");
		return;
	}
	in = evhttp_request_get_input_buffer(req);
	len = evbuffer_get_length(in);
	body = len ? evbuffer_pullup(in, -1) : NULL;
	if (r != NULL)
		r->fn(h->tc, req, (const char *)body, len);
	else
		http_provider(h, req, ep, (const char *)body, len);
}

void
http_configure(struct http *h)
{
	const struct config	*conf = h->tc->conf;
	char			 warn[256];

	int			 max;

	max = nofile_fit(conf->limits.max_connections,
	    *conf->console.listen_host != '\0' ? CONSOLE_MAX_CONNS : 0, warn,
	    sizeof(warn));
	if (warn[0] != '\0')
		log_warnx("%s", warn);
	conns_limits(h->conns, max, conf->limits.request_timeout_s);
	evhttp_set_max_body_size(h->evh, (ev_ssize_t)conf->limits.max_body_bytes);
	evhttp_set_max_headers_size(h->evh, HTTP_MAX_HEADERS);
	evhttp_set_timeout(h->evh, conf->limits.request_timeout_s);
}

struct http *
http_new(struct tincay *tc, char *err, size_t errlen)
{
	struct http		*h;
	struct sockaddr_storage	 ss;
	int			 sslen = sizeof(ss);
	char			 addr[300];

	/* An IPv6 address between brackets (config.c took only addresses). */
	snprintf(addr, sizeof(addr), strchr(tc->conf->listen_host, ':') ?
	    "[%s]:%d" : "%s:%d", tc->conf->listen_host,
	    tc->conf->listen_port);
	memset(&ss, 0, sizeof(ss));
	if (evutil_parse_sockaddr_port(addr, (struct sockaddr *)&ss,
	    &sslen) == -1) {
		snprintf(err, errlen, "listen: cannot parse %s", addr);
		return NULL;
	}
	h = xcalloc(1, sizeof(*h));
	h->tc = tc;
	TAILQ_INIT(&h->deferred);
	h->listener = evconnlistener_new_bind(tc->base, NULL, NULL,
	    LEV_OPT_CLOSE_ON_FREE | LEV_OPT_REUSEABLE | LEV_OPT_CLOSE_ON_EXEC,
	    HTTP_BACKLOG, (struct sockaddr *)&ss, sslen);
	if (h->listener == NULL) {
		snprintf(err, errlen, "listen: %s: %s", addr,
		    strerror(errno));
		free(h);
		return NULL;
	}
	if ((h->evh = evhttp_new(tc->base)) == NULL)
		fatalx("%s: evhttp_new", __func__);
	evhttp_set_flags(h->evh, EVHTTP_SERVER_LINGERING_CLOSE);
	/*
	 * Every method reaches the routes, those libevent knows and any
	 * other, which answer 405 with Allow for one an endpoint does not
	 * take (SPEC §9); libevent itself would answer 501.
	 */
	evhttp_set_allowed_methods(h->evh, EVHTTP_REQ_GET | EVHTTP_REQ_POST |
	    EVHTTP_REQ_HEAD | EVHTTP_REQ_PUT | EVHTTP_REQ_DELETE |
	    EVHTTP_REQ_OPTIONS | EVHTTP_REQ_TRACE | EVHTTP_REQ_CONNECT |
	    EVHTTP_REQ_PATCH | HTTP_REQ_OTHER);
	evhttp_set_gencb(h->evh, http_request_cb, h);
	if (evhttp_bind_listener(h->evh, h->listener) == NULL)
		fatalx("%s: evhttp_bind_listener", __func__);
	h->conns = conns_new(tc->base, h->evh, h->listener, "http");
	store_on_commit(tc->store, http_committed, h);
	http_configure(h);
	return h;
}

/*
 * Out of memory is fatal (the xmalloc family), in libevent too. evhttp
 * answers a request it could not parse for want of memory with its own
 * HTML 400, and a provider drops a message answered 4xx for good; a
 * daemon that exits drops the connection instead, which the provider
 * retries, and what was acknowledged is in the database already.
 */
void
http_alloc_init(void)
{
	event_set_mem_functions(xmalloc, xrealloc, free);
}

void
http_stop_accepting(struct http *h)
{
	http_closing = 1;
	conns_stop(h->conns);
}

/* Requests begun and not yet answered, and replies waiting for COMMIT. */
size_t
http_busy(const struct http *h)
{
	return h->ndeferred + conns_busy(h->conns);
}

void
http_free(struct http *h)
{
	if (h == NULL)
		return;
	(void)store_commit(h->tc->store);
	store_off_commit(h->tc->store, http_committed, h);
	/* evhttp_free closes the listener and frees live connections. */
	evhttp_free(h->evh);
	conns_free(h->conns);
	free(h);
}

/*
 * GET /healthz: 200 while a commit would succeed; 503 and why when the
 * database file is gone or replaced, the last commit failed, or it takes
 * no writes (SPEC §9).
 */
static void
http_healthz(struct tincay *tc, struct evhttp_request *req,
    const char *body, size_t len)
{
	char	 why[128];

	if (store_health(tc->store, why, sizeof(why)) == 0)
		http_reply(req, 200, "text/plain; charset=utf-8", "ok\n", 3);
	else
		http_error(req, 503, why);
}

/*
 * /metrics: the families without labels, each one line of the table:
 * name, type, help; their values come in the same order (http_metrics).
 */
enum http_family {
	HM_CONNECTIONS, HM_ACCEPT_ERRORS, HM_MESSAGES,
	HM_DUPLICATES, HM_REPORTS, HM_COMMITS, HM_COMMIT_FAILURES, HM_SENT,
	HM_RETRIES, HM_FAILED, HM_ESCALATIONS, HM_INFLIGHT, HM_OLDEST_AGE,
	HM_REPEATING, HM__MAX
};
static const struct {
	const char	*name, *type, *help;
} http_families[HM__MAX] = {
	[HM_CONNECTIONS] = { "tincay_http_connections", "gauge",
	    "HTTP connections open." },
	[HM_ACCEPT_ERRORS] = { "tincay_accept_errors_total", "counter",
	    "Failed accept(2) calls (the listener pauses)." },
	[HM_MESSAGES] = { "tincay_messages_total", "counter",
	    "Inbound messages filed." },
	[HM_DUPLICATES] = { "tincay_duplicates_total", "counter",
	    "Inbound messages already filed (a provider's retry)." },
	[HM_REPORTS] = { "tincay_reports_total", "counter",
	    "Reports filed since start." },
	[HM_COMMITS] = { "tincay_commits_total", "counter",
	    "Batches committed to the database." },
	[HM_COMMIT_FAILURES] = { "tincay_commit_failures_total", "counter",
	    "Batches that failed to commit (their replies got 503)." },
	[HM_SENT] = { "tincay_outbox_sent_total", "counter",
	    "Outbox rows delivered." },
	[HM_RETRIES] = { "tincay_outbox_retries_total", "counter",
	    "Delivery attempts to be tried again." },
	[HM_FAILED] = { "tincay_outbox_failed_total", "counter",
	    "Outbox rows failed for good (their reports escalate)." },
	[HM_ESCALATIONS] = { "tincay_escalations_total", "counter",
	    "Reports escalated since start." },
	[HM_INFLIGHT] = { "tincay_outbox_inflight", "gauge",
	    "Deliveries in flight." },
	[HM_OLDEST_AGE] = { "tincay_outbox_oldest_alert_age_seconds",
	    "gauge",
	    "Age of the oldest pending alert to a contact; 0: none." },
	[HM_REPEATING] = { "tincay_reports_escalation_repeating", "gauge",
	    "Open reports past the last escalation step, whose last step's "
	    "roles are alerted again every escalation.repeat_s." },
};
static const char *const http_lanes[OUTBOX_LANES] = {
	[OUTBOX_LANE_WEBHOOK] = "webhook",
	[OUTBOX_LANE_SMS] = "sms",
	[OUTBOX_LANE_BROADCAST] = "broadcast",
};

static void
http_family_head(struct evbuffer *out, const char *name, const char *type,
    const char *help)
{
	evbuffer_add_printf(out, "# HELP %s %s\n# TYPE %s %s\n", name, help,
	    name, type);
}

static int
http_metrics_open(const char *category, int64_t n, void *arg)
{
	evbuffer_add_printf(arg, "tincay_reports_open{category=\"%s\"} "
	    "%lld\n", category, (long long)n);
	return 0;
}

/* The latency histogram: cumulative buckets, in seconds. */
static void
http_metrics_latency(struct evbuffer *out, const struct http *h)
{
	const struct conns_latency	*lat = conns_latency(h->conns);
	uint64_t			 cum = 0;
	size_t				 i;

	http_family_head(out, "tincay_http_request_duration_seconds",
	    "histogram", "Time from a request's first byte to its reply "
	    "sent.");
	for (i = 0; i < CONNS_BUCKETS; i++) {
		cum += lat->n[i];
		evbuffer_add_printf(out, "tincay_http_request_duration_seconds"
		    "_bucket{le=\"%g\"} %llu\n",
		    (double)conns_buckets_us[i] / 1e6,
		    (unsigned long long)cum);
	}
	cum += lat->n[CONNS_BUCKETS];
	evbuffer_add_printf(out, "tincay_http_request_duration_seconds_bucket"
	    "{le=\"+Inf\"} %llu\n"
	    "tincay_http_request_duration_seconds_sum %.6f\n"
	    "tincay_http_request_duration_seconds_count %llu\n",
	    (unsigned long long)cum, (double)lat->sum_us / 1e6,
	    (unsigned long long)cum);
}

/* One line of a requests_total family: its name and label word in a
 * struct http_counted, the buffer it goes to. */
struct http_counted {
	struct evbuffer	*out;
	const char	*family, *label;
};

static void
http_metrics_count(const char *value, int code, uint64_t n, void *arg)
{
	const struct http_counted	*hc = arg;

	evbuffer_add_printf(hc->out, "%s{%s=\"%s\",code=\"%d\"} %llu\n",
	    hc->family, hc->label, value, code, (unsigned long long)n);
}

/* The console's connections and answers, when it listens. */
static void
http_metrics_console(struct evbuffer *out, const struct console *con)
{
	const struct conns	*cs;
	struct http_counted	 hc = { out, "tincay_console_requests_total",
	    "route" };

	if (con == NULL)
		return;
	cs = console_conns(con);
	http_family_head(out, "tincay_console_connections", "gauge",
	    "Console connections open.");
	evbuffer_add_printf(out, "tincay_console_connections %zu\n",
	    conns_open(cs));
	http_family_head(out, hc.family, "counter", "Console requests "
	    "answered, by route (its pattern, a case's REF as *; \"other\": "
	    "a path not served) and status code.");
	conns_counts(cs, http_metrics_count, &hc);
}

/* GET /metrics: Prometheus text format 0.0.4, every family with HELP and
 * TYPE (SPEC §9). */
static void
http_metrics(struct tincay *tc, struct evhttp_request *req,
    const char *body, size_t len)
{
	struct http		*h = tc->http;
	struct evbuffer		*out = evhttp_request_get_output_buffer(req);
	struct outbox_stats	 ob;
	struct store_stats	 ss;
	struct store_gauges	 g;
	struct http_counted	 hc = { out, "tincay_http_requests_total",
	    "endpoint" };
	uint64_t		 v[HM__MAX];
	int64_t			 age = 0;
	int			 i;

	store_stats(tc->store, &ss);
	memset(&ob, 0, sizeof(ob));
	if (tc->outbox != NULL)
		outbox_metrics(tc->outbox, &ob);
	if (store_metrics_outbox(tc->store, &g) == -1) {
		http_error(req, 503, "cannot read the database");
		return;
	}
	if (g.has_oldest && (age = util_sched_now() - g.oldest_alert_at) < 0)
		age = 0;
	v[HM_CONNECTIONS] = conns_open(h->conns);
	v[HM_ACCEPT_ERRORS] = conns_accept_errors(h->conns);
	v[HM_MESSAGES] = tc->n_messages;
	v[HM_DUPLICATES] = tc->n_duplicates;
	v[HM_REPORTS] = tc->n_reports;
	v[HM_COMMITS] = ss.commits;
	v[HM_COMMIT_FAILURES] = ss.commit_failures;
	v[HM_SENT] = ob.sent;
	v[HM_RETRIES] = ob.retried;
	v[HM_FAILED] = ob.failed;
	v[HM_ESCALATIONS] = housekeep_escalated(tc->housekeep);
	v[HM_INFLIGHT] = ob.inflight;
	v[HM_OLDEST_AGE] = (uint64_t)age;
	v[HM_REPEATING] = (uint64_t)g.repeating;
	for (i = 0; i < HM__MAX; i++) {
		http_family_head(out, http_families[i].name,
		    http_families[i].type, http_families[i].help);
		evbuffer_add_printf(out, "%s %llu\n", http_families[i].name,
		    (unsigned long long)v[i]);
	}
	http_family_head(out, "tincay_outbox_pending", "gauge",
	    "Outbox rows waiting to be sent, by lane.");
	for (i = 0; i < OUTBOX_LANES; i++)
		evbuffer_add_printf(out, "tincay_outbox_pending{lane=\"%s\"} "
		    "%lld\n", http_lanes[i], (long long)g.pending[i]);
	http_family_head(out, "tincay_reports_open", "gauge",
	    "Reports nobody has acknowledged yet, by category.");
	if (store_metrics_open(tc->store, http_metrics_open, out) == -1) {
		evbuffer_drain(out, evbuffer_get_length(out));
		http_error(req, 503, "cannot read the database");
		return;
	}
	http_metrics_latency(out, h);
	http_family_head(out, "tincay_http_requests_total", "counter",
	    "HTTP requests answered, by endpoint (\"other\": a path not "
	    "served) and status code.");
	conns_counts(h->conns, http_metrics_count, &hc);
	http_metrics_console(out, tc->console);
	http_family_head(out, "tincay_receipts_total", "counter",
	    "Delivery receipts from providers, by what they said (an "
	    "undelivered alert escalates).");
	for (i = 0; i < RECEIPT__MAX; i++)
		evbuffer_add_printf(out, "tincay_receipts_total{status=\"%s\"} "
		    "%llu\n", receipt_word((enum receipt_status)i),
		    (unsigned long long)tc->n_receipts[i]);
	http_family_head(out, "tincay_build_info", "gauge",
	    "The running build; always 1.");
	evbuffer_add_printf(out, "tincay_build_info{version=\"%s\"} 1\n",
	    TINCAY_VERSION);
	http_reply(req, 200, "text/plain; version=0.0.4; charset=utf-8", NULL,
	    0);
}
