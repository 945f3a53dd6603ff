/*
 * fetch.c: outbound HTTP POSTs with libcurl's multi interface driven by the
 * daemon's one event_base: one libevent event per curl socket, a timer
 * that curl arms, curl_multi_socket_action only from event callbacks, and
 * the finished transfers drained after each action. The pool of kept-alive
 * connections has fixed sizes (in all, per host); the caller never starts
 * more transfers than that, so none waits for a connection while its
 * timeout runs. Easy handles are kept for reuse, up to the pool's size.
 */
#include <sys/queue.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>
#include <event2/event.h>

#include "tincayd.h"

#define FETCH_MAX_RESPONSE	65536
#define FETCH_CONNECT_MS	5000

struct fetch {
	struct event_base	*base;
	CURLM			*multi;
	struct event		*timer;
	int			 running;
	size_t			 inflight;
	TAILQ_HEAD(, fetch_xfer) xfers;
	CURL			**idle;		/* easy handles to reuse */
	size_t			 nidle, maxidle;
};

/* One transfer; owned by fetch.c from fetch_post() to after its done. */
struct fetch_xfer {
	TAILQ_ENTRY(fetch_xfer)	 entry;
	struct fetch		*f;
	CURL			*easy;
	struct curl_slist	*headers;
	char			*body;
	char			*resp;
	size_t			 resplen;
	char			*retry_after;
	char			 err[CURL_ERROR_SIZE];
	fetch_done_fn		 done;
	void			*arg;
};

static void	fetch_drain(struct fetch *);

static void
fetch_xfer_free(struct fetch_xfer *x)
{
	struct fetch	*f;

	if (x == NULL)
		return;
	f = x->f;
	if (x->easy != NULL && f->nidle < f->maxidle)
		f->idle[f->nidle++] = x->easy;
	else
		curl_easy_cleanup(x->easy);
	curl_slist_free_all(x->headers);
	free(x->body);
	free(x->resp);
	free(x->retry_after);
	free(x);
}

static size_t
fetch_write_cb(char *p, size_t size, size_t n, void *arg)
{
	struct fetch_xfer	*x = arg;
	size_t			 len = size * n;

	size_t			 keep = len;

	/*
	 * Keep at most FETCH_MAX_RESPONSE bytes of what a server sends, but
	 * read it all: a big page with a 2xx still means delivered.
	 */
	if (x->resplen + keep > FETCH_MAX_RESPONSE)
		keep = FETCH_MAX_RESPONSE - x->resplen;
	if (keep > 0) {
		x->resp = xrealloc(x->resp, x->resplen + keep + 1);
		memcpy(x->resp + x->resplen, p, keep);
		x->resplen += keep;
		x->resp[x->resplen] = '\0';
	}
	return len;
}

static size_t
fetch_header_cb(char *p, size_t size, size_t n, void *arg)
{
	struct fetch_xfer	*x = arg;
	size_t			 len = size * n, k = strlen("Retry-After:");

	if (len > k && strncasecmp(p, "Retry-After:", k) == 0) {
		size_t	 b = k, e = len;

		while (b < e && (p[b] == ' ' || p[b] == '\t'))
			b++;
		while (e > b && (p[e - 1] == '\r' || p[e - 1] == '\n' ||
		    p[e - 1] == ' '))
			e--;
		free(x->retry_after);
		x->retry_after = xstrndup(p + b, e - b);
	}
	return len;
}

static void
fetch_event_cb(evutil_socket_t fd, short kind, void *arg)
{
	struct fetch	*f = arg;
	int		 action = 0;

	if (kind & EV_READ)
		action |= CURL_CSELECT_IN;
	if (kind & EV_WRITE)
		action |= CURL_CSELECT_OUT;
	curl_multi_socket_action(f->multi, fd, action, &f->running);
	fetch_drain(f);
}

static void
fetch_timer_cb(evutil_socket_t fd, short kind, void *arg)
{
	struct fetch	*f = arg;

	curl_multi_socket_action(f->multi, CURL_SOCKET_TIMEOUT, 0,
	    &f->running);
	fetch_drain(f);
}

/* curl tells us what to watch on socket s. */
static int
fetch_socket_cb(CURL *easy, curl_socket_t s, int what, void *arg,
    void *sockp)
{
	struct fetch	*f = arg;
	struct event	*ev = sockp;
	short		 kind = EV_PERSIST;

	if (what == CURL_POLL_REMOVE) {
		if (ev != NULL)
			event_free(ev);
		curl_multi_assign(f->multi, s, NULL);
		return 0;
	}
	if (what & CURL_POLL_IN)
		kind |= EV_READ;
	if (what & CURL_POLL_OUT)
		kind |= EV_WRITE;
	if (ev == NULL) {
		ev = event_new(f->base, s, kind, fetch_event_cb, f);
		curl_multi_assign(f->multi, s, ev);
	} else {
		event_del(ev);
		event_assign(ev, f->base, s, kind, fetch_event_cb, f);
	}
	event_add(ev, NULL);
	return 0;
}

/* curl asks for a timeout: only arm (or disarm) our timer here. */
static int
fetch_timer_fn(CURLM *multi, long ms, void *arg)
{
	struct fetch	*f = arg;
	struct timeval	 tv;

	if (ms < 0) {
		evtimer_del(f->timer);
		return 0;
	}
	tv.tv_sec = ms / 1000;
	tv.tv_usec = (ms % 1000) * 1000;
	evtimer_add(f->timer, &tv);
	return 0;
}

/* Hand every finished transfer to its owner, then free it. */
static void
fetch_drain(struct fetch *f)
{
	struct fetch_result	 r;
	struct fetch_xfer	*x;
	CURLMsg			*msg;
	int			 left;

	while ((msg = curl_multi_info_read(f->multi, &left)) != NULL) {
		if (msg->msg != CURLMSG_DONE)
			continue;
		curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE, &x);
		memset(&r, 0, sizeof(r));
		r.curl_code = (int)msg->data.result;
		curl_easy_getinfo(x->easy, CURLINFO_RESPONSE_CODE, &r.status);
		r.retry_after = x->retry_after;
		r.body = x->resp;
		r.bodylen = x->resplen;
		r.error = r.curl_code != CURLE_OK ? (x->err[0] ? x->err :
		    curl_easy_strerror(msg->data.result)) : NULL;
		curl_multi_remove_handle(f->multi, x->easy);
		TAILQ_REMOVE(&f->xfers, x, entry);
		f->inflight--;
		x->done(&r, x->arg);
		fetch_xfer_free(x);
	}
}

struct fetch *
fetch_new(struct event_base *base, size_t max_conns, size_t max_host_conns)
{
	struct fetch	*f;

	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
		fatalx("%s: curl_global_init", __func__);
	f = xcalloc(1, sizeof(*f));
	f->base = base;
	TAILQ_INIT(&f->xfers);
	f->maxidle = max_conns;
	f->idle = xcalloc(max_conns, sizeof(*f->idle));
	if ((f->multi = curl_multi_init()) == NULL)
		fatalx("%s: curl_multi_init", __func__);
	f->timer = evtimer_new(base, fetch_timer_cb, f);
	curl_multi_setopt(f->multi, CURLMOPT_SOCKETFUNCTION, fetch_socket_cb);
	curl_multi_setopt(f->multi, CURLMOPT_SOCKETDATA, f);
	curl_multi_setopt(f->multi, CURLMOPT_TIMERFUNCTION, fetch_timer_fn);
	curl_multi_setopt(f->multi, CURLMOPT_TIMERDATA, f);
	curl_multi_setopt(f->multi, CURLMOPT_MAX_TOTAL_CONNECTIONS,
	    (long)max_conns);
	curl_multi_setopt(f->multi, CURLMOPT_MAX_HOST_CONNECTIONS,
	    (long)max_host_conns);
	curl_multi_setopt(f->multi, CURLMOPT_MAXCONNECTS, (long)max_conns);
	return f;
}

void
fetch_free(struct fetch *f)
{
	struct fetch_xfer	*x;

	if (f == NULL)
		return;
	/* Unfinished transfers are dropped; their rows stay due. */
	while ((x = TAILQ_FIRST(&f->xfers)) != NULL) {
		TAILQ_REMOVE(&f->xfers, x, entry);
		curl_multi_remove_handle(f->multi, x->easy);
		fetch_xfer_free(x);
	}
	curl_multi_cleanup(f->multi);
	while (f->nidle > 0)
		curl_easy_cleanup(f->idle[--f->nidle]);
	free(f->idle);
	event_free(f->timer);
	free(f);
	curl_global_cleanup();
}

size_t
fetch_inflight(const struct fetch *f)
{
	return f->inflight;
}

int
fetch_post(struct fetch *f, const struct fetch_req *req, fetch_done_fn done,
    void *arg)
{
	struct fetch_xfer	*x;
	size_t			 i;

	x = xcalloc(1, sizeof(*x));
	x->f = f;
	x->done = done;
	x->arg = arg;
	if (f->nidle > 0) {
		x->easy = f->idle[--f->nidle];
		curl_easy_reset(x->easy);
	} else if ((x->easy = curl_easy_init()) == NULL) {
		free(x);
		return -1;
	}
	for (i = 0; i < req->nheaders; i++)
		x->headers = curl_slist_append(x->headers, req->headers[i]);
	/* No "Expect: 100-continue" round trip before a body. */
	x->headers = curl_slist_append(x->headers, "Expect:");
	x->body = xstrndup(req->body, req->bodylen);
	curl_easy_setopt(x->easy, CURLOPT_URL, req->url);
	curl_easy_setopt(x->easy, CURLOPT_PRIVATE, x);
	curl_easy_setopt(x->easy, CURLOPT_ERRORBUFFER, x->err);
	curl_easy_setopt(x->easy, CURLOPT_POST, 1L);
	curl_easy_setopt(x->easy, CURLOPT_POSTFIELDS, x->body);
	curl_easy_setopt(x->easy, CURLOPT_POSTFIELDSIZE_LARGE,
	    (curl_off_t)req->bodylen);
	curl_easy_setopt(x->easy, CURLOPT_HTTPHEADER, x->headers);
	curl_easy_setopt(x->easy, CURLOPT_PROTOCOLS_STR,
	    req->allow_http ? "https,http" : "https");
	curl_easy_setopt(x->easy, CURLOPT_FOLLOWLOCATION, 0L);
	curl_easy_setopt(x->easy, CURLOPT_CONNECTTIMEOUT_MS,
	    (long)FETCH_CONNECT_MS);
	curl_easy_setopt(x->easy, CURLOPT_TIMEOUT_MS, req->timeout_ms);
	curl_easy_setopt(x->easy, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(x->easy, CURLOPT_WRITEFUNCTION, fetch_write_cb);
	curl_easy_setopt(x->easy, CURLOPT_WRITEDATA, x);
	curl_easy_setopt(x->easy, CURLOPT_HEADERFUNCTION, fetch_header_cb);
	curl_easy_setopt(x->easy, CURLOPT_HEADERDATA, x);
	curl_easy_setopt(x->easy, CURLOPT_USERAGENT, "tincay/" TINCAY_VERSION);
	if (req->userpwd != NULL)
		curl_easy_setopt(x->easy, CURLOPT_USERPWD, req->userpwd);
	if (curl_multi_add_handle(f->multi, x->easy) != CURLM_OK) {
		fetch_xfer_free(x);
		return -1;
	}
	TAILQ_INSERT_TAIL(&f->xfers, x, entry);
	f->inflight++;
	return 0;
}
