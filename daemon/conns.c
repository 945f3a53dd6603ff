/*
 * conns.c: the connections of one evhttp listener, what libevent 2.1
 * leaves to us: a cap (the listener off at it, the one that waited
 * longest shut down to make room), a deadline per connection, a pause on
 * accept errors, libevent's own error pages turned into one plain-text
 * line, and what was answered (counts by label and code, latencies).
 * http.c (the webhooks) and console.c each own one, with caps of their
 * own, so that neither can take the other's descriptors.
 */
#include <sys/queue.h>
#include <sys/socket.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <event2/http.h>
#include <event2/listener.h>

#include "tincayd.h"

#define CONNS_PAUSE_S		1	/* after an accept error */
#define CONNS_SWEEP_MS		250
#define CONNS_COUNTS		96	/* (label, code) pairs counted */
/* At the cap, only a connection older than this is shut down for room,
 * so that a client that just connected gets its chance. */
#define CONNS_EVICT_MIN_US	500000

/*
 * One accepted connection. We hold a reference on its bufferevent so that
 * we can tell, without a hook libevent 2.1 lacks, when evhttp is done with
 * it: evhttp's bufferevent_free() clears the callbacks and our reference
 * keeps the object (and the descriptor) until the sweep drops it.
 */
struct conn {
	TAILQ_ENTRY(conn)	 entry;
	struct conns		*cs;
	struct bufferevent	*bev;
	struct event		*deadline;
	enum { CONN_IDLE, CONN_READING, CONN_HANDLING } state;
	const char		*label;		/* the request's, for counts */
	int64_t			 arrived_us;	/* the request's first byte;
						   0: none yet */
	int64_t			 accepted_us;	/* when it was accepted */
	int			 evicted;	/* shut down to make room */
	int			 rewriting;	/* in conns_output_cb */
};

/* Replies sent with one label and one code. */
struct conns_count {
	const char	*label;		/* a constant */
	int		 code;
	uint64_t	 n;
};

struct conns {
	LIST_ENTRY(conns)	 entry;		/* in conns_all */
	const char		*what;		/* for logs: "console" */
	struct evconnlistener	*listener;	/* evhttp's */
	struct event		*resume;	/* re-enable after a pause */
	struct event		*sweep;
	TAILQ_HEAD(, conn)	 list;
	size_t			 n;
	size_t			 nevicted;	/* of n, on their way out */
	int			 max;
	int			 timeout_s;
	int			 paused;	/* accept error */
	int			 stopped;
	uint64_t		 n_accept_errors;
	struct conns_count	 counts[CONNS_COUNTS];
	size_t			 ncounts;
	struct conns_latency	 lat;
};

/* Every listener's, for the accept error callback, whose argument is
 * evhttp's. */
static LIST_HEAD(, conns) conns_all = LIST_HEAD_INITIALIZER(conns_all);

const int64_t conns_buckets_us[CONNS_BUCKETS] = {
	1000, 2500, 5000, 10000, 25000, 50000, 100000, 250000, 500000,
	1000000, 2500000, 5000000,
};

static void	conns_conn_free(struct conn *);
static void	conns_evict(struct conns *);

static int
conns_alive(const struct conn *c)
{
	bufferevent_data_cb	 rd = NULL, wr = NULL;
	bufferevent_event_cb	 ev = NULL;

	bufferevent_getcb(c->bev, &rd, &wr, &ev, NULL);
	return rd != NULL || wr != NULL || ev != NULL;
}

/* At the cap. Connections shut down to make room free their descriptors
 * in the loop's next turn: they do not count. */
static int
conns_at_cap(const struct conns *cs)
{
	return cs->n - cs->nevicted >= (size_t)cs->max;
}

static void
conns_listen_update(struct conns *cs)
{
	if (!cs->paused && !conns_at_cap(cs) && !cs->stopped)
		evconnlistener_enable(cs->listener);
	else
		evconnlistener_disable(cs->listener);
}

/* Drop connections evhttp has finished with. */
static void
conns_sweep_all(struct conns *cs)
{
	struct conn	*c, *next;

	for (c = TAILQ_FIRST(&cs->list); c != NULL; c = next) {
		next = TAILQ_NEXT(c, entry);
		if (!conns_alive(c))
			conns_conn_free(c);
	}
	conns_listen_update(cs);
}

/* Every CONNS_SWEEP_MS: drop what evhttp is done with; still at the cap
 * (slow clients holding every slot), make room for whoever waits to
 * connect. */
static void
conns_sweep_cb(evutil_socket_t fd, short ev, void *arg)
{
	struct conns	*cs = arg;

	conns_sweep_all(cs);
	if (conns_at_cap(cs) && !cs->stopped) {
		conns_evict(cs);
		conns_listen_update(cs);
	}
}

static void
conns_conn_free(struct conn *c)
{
	struct conns	*cs = c->cs;

	TAILQ_REMOVE(&cs->list, c, entry);
	cs->n--;
	if (c->evicted)
		cs->nevicted--;
	event_free(c->deadline);
	bufferevent_decref(c->bev);
	free(c);
}

static void
conns_deadline_arm(struct conn *c)
{
	struct timeval	 tv = { c->cs->timeout_s, 0 };

	evtimer_add(c->deadline, &tv);
}

/*
 * A request did not arrive whole in time (slow or stalled client). Shut
 * the socket down: evhttp sees the end of the stream and frees the
 * connection in its own way.
 */
static void
conns_deadline_cb(evutil_socket_t fd, short ev, void *arg)
{
	struct conn	*c = arg;
	evutil_socket_t	 s;

	if (!conns_alive(c))
		return;
	if ((s = bufferevent_getfd(c->bev)) != -1) {
		log_debug("%s: %s: closing a connection past its deadline",
		    __func__, c->cs->what);
		shutdown(s, SHUT_RDWR);
	}
}

/*
 * At the cap, make room (SPEC §9: slow clients must not hold legitimate
 * requests back for request_timeout_s): shut down the connection that
 * has waited longest without a request on its way to a handler: an idle
 * one first (never sent a byte, or kept alive after its reply), else the
 * slowest still sending its request. Only one older than
 * CONNS_EVICT_MIN_US; none in a handler.
 */
static void
conns_evict(struct conns *cs)
{
	struct conn	*c, *idle = NULL, *slow = NULL, *victim;
	int64_t		 now = util_mono_us();
	evutil_socket_t	 s;

	TAILQ_FOREACH(c, &cs->list, entry) {
		if (c->evicted || c->state == CONN_HANDLING ||
		    now - c->accepted_us < CONNS_EVICT_MIN_US ||
		    !conns_alive(c))
			continue;
		if (c->state == CONN_IDLE && idle == NULL)
			idle = c;
		else if (c->state == CONN_READING && slow == NULL)
			slow = c;
	}
	if ((victim = idle != NULL ? idle : slow) == NULL)
		return;
	if ((s = bufferevent_getfd(victim->bev)) == -1)
		return;
	log_debug("%s: %s at its cap: closing the %s connection that waited "
	    "longest", __func__, cs->what, victim == idle ? "idle" :
	    "slowest");
	shutdown(s, SHUT_RDWR);
	victim->evicted = 1;
	cs->nevicted++;
}

/* Bytes arrived: a request has begun (evbuffer callbacks are ours). */
static void
conns_input_cb(struct evbuffer *buf, const struct evbuffer_cb_info *info,
    void *arg)
{
	struct conn	*c = arg;

	if (info->n_added > 0 && c->state == CONN_IDLE) {
		c->state = CONN_READING;
		c->arrived_us = util_mono_us();
	}
}

/*
 * libevent writes some errors itself, before any callback of ours can
 * answer: 413 for a body over the limit, 400 for a request it could not
 * parse. Its page is HTML ("<HTML><HEAD>..." ending "</BODY></HTML>\n",
 * Content-Type text/html); every other error of the webhooks is one
 * plain-text line (SPEC §3). Once such a page is whole in the
 * connection's output (evhttp writes a response there in one go, before
 * the loop sends a byte of it), it is replaced by the same status with a
 * plain-text line. No reply of ours is text/html ending so: the
 * console's pages end "</html>\n".
 */
static const char conns_page_tail[] = "</BODY></HTML>\n";

/* The line that stands for libevent's page with status code. */
static const struct {
	int		 code;
	const char	*reason, *line;
} conns_page_lines[] = {
	{ 413,	"Payload Too Large",	"body too large" },
	{ 400,	"Bad Request",		"malformed request" },
	{ 0,	"Error",		"request refused" },
};

static void
conns_output_cb(struct evbuffer *out, const struct evbuffer_cb_info *info,
    void *arg)
{
	struct conn		*c = arg;
	struct evbuffer_ptr	 p, at;
	struct evbuffer		*keep;
	char			 tail[sizeof(conns_page_tail) - 1], head[16];
	size_t			 len = evbuffer_get_length(out), start, i;
	int			 code;

	if (c->rewriting || info->n_added == 0 || len < sizeof(tail))
		return;
	if (evbuffer_ptr_set(out, &p, len - sizeof(tail), EVBUFFER_PTR_SET)
	    == -1 || evbuffer_copyout_from(out, &p, tail, sizeof(tail)) !=
	    (ev_ssize_t)sizeof(tail) || memcmp(tail, conns_page_tail,
	    sizeof(tail)) != 0)
		return;
	/* Its status line: the last one in what is not sent yet. */
	at.pos = -1;
	p = evbuffer_search(out, "HTTP/1.", 7, NULL);
	while (p.pos != -1) {
		at = p;
		if (evbuffer_ptr_set(out, &p, 1, EVBUFFER_PTR_ADD) == -1)
			break;
		p = evbuffer_search(out, "HTTP/1.", 7, &p);
	}
	if (at.pos == -1 || evbuffer_search_range(out, "Content-Type: "
	    "text/html", 23, &at, NULL).pos == -1 ||
	    evbuffer_copyout_from(out, &at, head, sizeof(head) - 1) !=
	    (ev_ssize_t)sizeof(head) - 1)
		return;
	head[sizeof(head) - 1] = '\0';
	if (sscanf(head, "HTTP/1.%*d %3d", &code) != 1)
		return;
	for (i = 0; conns_page_lines[i].code != 0 &&
	    conns_page_lines[i].code != code; i++)
		;
	start = (size_t)at.pos;
	c->rewriting = 1;
	/* Keep what is before it (an earlier reply not yet sent). */
	if ((keep = evbuffer_new()) != NULL &&
	    evbuffer_remove_buffer(out, keep, start) == (int)start) {
		evbuffer_drain(out, evbuffer_get_length(out));
		evbuffer_add_buffer(out, keep);
		evbuffer_add_printf(out, "HTTP/1.1 %d %s\r\n"
		    "Content-Type: text/plain; charset=utf-8\r\n"
		    "X-Content-Type-Options: nosniff\r\n"
		    "Connection: close\r\nContent-Length: %zu\r\n\r\n%s\n",
		    code, conns_page_lines[i].reason,
		    strlen(conns_page_lines[i].line) + 1,
		    conns_page_lines[i].line);
	}
	if (keep != NULL)
		evbuffer_free(keep);
	c->rewriting = 0;
}

/* evhttp asks us for each new connection's bufferevent. */
static struct bufferevent *
conns_bev_cb(struct event_base *base, void *arg)
{
	struct conns	*cs = arg;
	struct conn	*c;

	conns_sweep_all(cs);
	c = xcalloc(1, sizeof(*c));
	c->cs = cs;
	c->bev = bufferevent_socket_new(base, -1, BEV_OPT_CLOSE_ON_FREE);
	if (c->bev == NULL)
		fatalx("%s: bufferevent_socket_new", __func__);
	bufferevent_incref(c->bev);
	evbuffer_add_cb(bufferevent_get_input(c->bev), conns_input_cb, c);
	evbuffer_add_cb(bufferevent_get_output(c->bev), conns_output_cb, c);
	c->deadline = evtimer_new(base, conns_deadline_cb, c);
	c->accepted_us = util_mono_us();
	TAILQ_INSERT_TAIL(&cs->list, c, entry);
	cs->n++;
	conns_deadline_arm(c);
	if (conns_at_cap(cs))
		conns_evict(cs);
	conns_listen_update(cs);
	return c->bev;
}

static struct conn *
conns_of(struct conns *cs, struct evhttp_request *req)
{
	struct evhttp_connection *evcon;
	struct bufferevent	*bev;
	struct conn		*c;

	if ((evcon = evhttp_request_get_connection(req)) == NULL)
		return NULL;
	bev = evhttp_connection_get_bufferevent(evcon);
	TAILQ_FOREACH(c, &cs->list, entry)
		if (c->bev == bev)
			return c;
	return NULL;
}

/* A request answered: into the latency histogram (a walk of 12 bounds). */
static void
conns_latency_add(struct conns *cs, int64_t us)
{
	size_t	 i;

	if (us < 0)
		us = 0;
	for (i = 0; i < CONNS_BUCKETS && us > conns_buckets_us[i]; i++)
		;
	cs->lat.n[i]++;
	cs->lat.sum_us += (uint64_t)us;
}

/* A reply sent: counted by its label and code. A pair past the table's
 * size (it holds every route with every code we answer) is not. */
static void
conns_count(struct conns *cs, const char *label, int code)
{
	size_t	 i;

	for (i = 0; i < cs->ncounts; i++)
		if (cs->counts[i].code == code && cs->counts[i].label == label) {
			cs->counts[i].n++;
			return;
		}
	if (cs->ncounts < CONNS_COUNTS) {
		cs->counts[cs->ncounts].label = label;
		cs->counts[cs->ncounts].code = code;
		cs->counts[cs->ncounts++].n = 1;
	}
}

/* The reply went out: the deadline now runs for the next request. */
static void
conns_complete_cb(struct evhttp_request *req, void *arg)
{
	struct conn	*c = arg;

	conns_count(c->cs, c->label, evhttp_request_get_response_code(req));
	if (c->arrived_us != 0)
		conns_latency_add(c->cs, util_mono_us() - c->arrived_us);
	c->arrived_us = 0;
	c->state = CONN_IDLE;
	if (conns_alive(c))
		conns_deadline_arm(c);
}

void
conns_handling(struct conns *cs, struct evhttp_request *req,
    const char *label)
{
	struct conn	*c;

	if ((c = conns_of(cs, req)) == NULL)
		return;
	c->state = CONN_HANDLING;
	c->label = label;
	if (c->arrived_us == 0)		/* pipelined: already read */
		c->arrived_us = util_mono_us();
	evtimer_del(c->deadline);
	evhttp_request_set_on_complete_cb(req, conns_complete_cb, c);
}

static void
conns_resume_cb(evutil_socket_t fd, short ev, void *arg)
{
	struct conns	*cs = arg;

	cs->paused = 0;
	conns_listen_update(cs);
}

/*
 * accept(2) failed, e.g. EMFILE: pause instead of spinning. The
 * listener's user data belongs to evhttp (evhttp_bind_listener set it),
 * so its conns is found by the listener.
 */
static void
conns_accept_error_cb(struct evconnlistener *l, void *arg)
{
	struct conns	*cs;
	struct timeval	 tv = { CONNS_PAUSE_S, 0 };
	int		 saved = errno;

	LIST_FOREACH(cs, &conns_all, entry)
		if (cs->listener == l)
			break;
	if (cs == NULL)
		return;
	if (cs->n_accept_errors++ % 100 == 0)
		log_warnx("%s: %s: accept: %s; pausing %d s (%llu so far)",
		    __func__, cs->what, strerror(saved), CONNS_PAUSE_S,
		    (unsigned long long)cs->n_accept_errors);
	cs->paused = 1;
	conns_listen_update(cs);
	evtimer_add(cs->resume, &tv);
}

struct conns *
conns_new(struct event_base *base, struct evhttp *evh,
    struct evconnlistener *l, const char *what)
{
	struct conns	*cs;
	struct timeval	 tv = { 0, CONNS_SWEEP_MS * 1000 };

	cs = xcalloc(1, sizeof(*cs));
	cs->what = what;
	cs->listener = l;
	cs->max = 1;
	cs->timeout_s = 1;
	TAILQ_INIT(&cs->list);
	LIST_INSERT_HEAD(&conns_all, cs, entry);
	evhttp_set_bevcb(evh, conns_bev_cb, cs);
	evconnlistener_set_error_cb(l, conns_accept_error_cb);
	cs->resume = evtimer_new(base, conns_resume_cb, cs);
	cs->sweep = event_new(base, -1, EV_PERSIST, conns_sweep_cb, cs);
	evtimer_add(cs->sweep, &tv);
	return cs;
}

void
conns_limits(struct conns *cs, int max, int timeout_s)
{
	cs->max = max > 0 ? max : 1;
	cs->timeout_s = timeout_s;
	conns_listen_update(cs);
}

void
conns_stop(struct conns *cs)
{
	cs->stopped = 1;
	conns_listen_update(cs);
}

/* After evhttp_free(), which closed the listener and every connection. */
void
conns_free(struct conns *cs)
{
	struct conn	*c;

	if (cs == NULL)
		return;
	while ((c = TAILQ_FIRST(&cs->list)) != NULL)
		conns_conn_free(c);
	LIST_REMOVE(cs, entry);
	event_free(cs->resume);
	event_free(cs->sweep);
	free(cs);
}

size_t
conns_open(const struct conns *cs)
{
	return cs->n;
}

size_t
conns_busy(const struct conns *cs)
{
	const struct conn	*c;
	size_t			 n = 0;

	TAILQ_FOREACH(c, &cs->list, entry)
		if (c->state != CONN_IDLE && conns_alive(c))
			n++;
	return n;
}

uint64_t
conns_accept_errors(const struct conns *cs)
{
	return cs->n_accept_errors;
}

const struct conns_latency *
conns_latency(const struct conns *cs)
{
	return &cs->lat;
}

void
conns_counts(const struct conns *cs, conns_count_fn fn, void *arg)
{
	size_t	 i;

	for (i = 0; i < cs->ncounts; i++)
		fn(cs->counts[i].label, cs->counts[i].code, cs->counts[i].n,
		    arg);
}
