/*
 * fetch.c: outbound HTTP POSTs on the delivery thread. The loop thread
 * copies each request into a transfer and hands it over through a queue
 * woken by an eventfd (queue.c); the delivery thread runs libcurl's multi
 * interface on an event_base of its own (one event per curl socket, a
 * timer curl arms, curl_multi_socket_action only from event callbacks,
 * finished transfers drained after each action) and hands each transfer
 * back through a second queue, where the loop calls its done callback.
 * The thread runs curl and nothing else: it never touches the store, the
 * configuration or the log. Every durable transition stays with the
 * caller, on the loop. A transfer the thread keeps past its timeout and a
 * margin is given up on (its caller told it timed out), so a stalled
 * thread holds no lease for good.
 *
 * The pool of kept-alive connections has fixed sizes (in all, per host);
 * the caller never starts more transfers than that, so none waits for a
 * connection while its timeout runs. Easy handles are kept for reuse, up
 * to the pool's size, by the thread.
 */
#define _GNU_SOURCE		/* pthread_setname_np */
#include <sys/queue.h>

#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>
#include <event2/event.h>

#include "tincayd.h"

#define FETCH_MAX_RESPONSE	65536
#define FETCH_CONNECT_MS	5000
#define FETCH_STALL_MS		5000	/* past a transfer's timeout: the
					   thread is taken to be stalled */
#define FETCH_WATCH_MS		1000
#define FETCH_TAKE		32	/* taken from a queue at a time */

/*
 * One transfer. Who may touch what:
 * - the loop's fields, only ever on the loop thread;
 * - the request, written by the loop before the push onto the jobs queue,
 *   then only read by the thread; freed by the loop once it is back;
 * - the thread's fields and the result, the thread's from the push onto
 *   the jobs queue to the push onto the results queue, then the loop's
 *   (the queue's lock orders the two).
 * The struct itself is the loop's to free (fetch_xfer_free), once it is
 * back, or once the thread has ended (fetch_free).
 */
struct fetch_xfer {
	/* the loop's */
	TAILQ_ENTRY(fetch_xfer)	 entry;		/* fetch's handed over */
	fetch_done_fn		 done;		/* NULL: given up on */
	void			*arg;
	int64_t			 deadline_ms;	/* monotonic; 0: none */
	/* the request */
	char			*url;
	char			**headers;	/* "Name: value" */
	size_t			 nheaders;
	char			*body;
	size_t			 bodylen;
	char			*userpwd;	/* or NULL */
	long			 timeout_ms;
	int			 allow_http;
	/* the thread's */
	TAILQ_ENTRY(fetch_xfer)	 tentry;	/* the thread's running */
	CURL			*easy;		/* NULL once handed back */
	struct curl_slist	*slist;
	/* the result */
	int			 curl_code;
	long			 status;
	char			*resp;
	size_t			 resplen;
	char			*retry_after;
	char			 err[CURL_ERROR_SIZE];
};

/* The delivery thread's: made by fetch_new, then only touched by the
 * thread until fetch_free has joined it. */
struct fetch_thread {
	struct event_base	*base;
	CURLM			*multi;
	struct event		*timer;
	struct event		*jobs_ev;
	struct queue		*jobs, *results;	/* shared, see queue.c */
	int			 running;
	TAILQ_HEAD(, fetch_xfer) xfers;		/* in the multi */
	CURL			**idle;		/* easy handles to reuse */
	size_t			 nidle, maxidle;
};

/* The loop's. */
struct fetch {
	struct event_base	*base;
	struct queue		*jobs;		/* loop → thread */
	struct queue		*results;	/* thread → loop */
	struct event		*results_ev;
	struct event		*watch;		/* deadlines */
	struct fetch_thread	*t;
	pthread_t		 tid;
	TAILQ_HEAD(, fetch_xfer) out;		/* handed over, not yet back */
	size_t			 nout;
	size_t			 inflight;	/* of those, not given up on */
	size_t			 maxout;
	long			 stall_ms;	/* FETCH_STALL_MS */
};

static void	fetch_drain(struct fetch_thread *);

/* The loop frees a transfer that is back (or whose thread has ended). */
static void
fetch_xfer_free(struct fetch_xfer *x)
{
	size_t	 i;

	if (x == NULL)
		return;
	free(x->url);
	for (i = 0; i < x->nheaders; i++)
		free(x->headers[i]);
	free(x->headers);
	free(x->body);
	free(x->userpwd);
	free(x->resp);
	free(x->retry_after);
	free(x);
}

/* ------------------------------------------------ the delivery thread */

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
	struct fetch_thread	*t = arg;
	int			 action = 0;

	if (kind & EV_READ)
		action |= CURL_CSELECT_IN;
	if (kind & EV_WRITE)
		action |= CURL_CSELECT_OUT;
	curl_multi_socket_action(t->multi, fd, action, &t->running);
	fetch_drain(t);
}

static void
fetch_timer_cb(evutil_socket_t fd, short kind, void *arg)
{
	struct fetch_thread	*t = arg;

	curl_multi_socket_action(t->multi, CURL_SOCKET_TIMEOUT, 0,
	    &t->running);
	fetch_drain(t);
}

/* curl tells us what to watch on socket s. */
static int
fetch_socket_cb(CURL *easy, curl_socket_t s, int what, void *arg,
    void *sockp)
{
	struct fetch_thread	*t = arg;
	struct event		*ev = sockp;
	short			 kind = EV_PERSIST;

	if (what == CURL_POLL_REMOVE) {
		if (ev != NULL)
			event_free(ev);
		curl_multi_assign(t->multi, s, NULL);
		return 0;
	}
	if (what & CURL_POLL_IN)
		kind |= EV_READ;
	if (what & CURL_POLL_OUT)
		kind |= EV_WRITE;
	if (ev == NULL) {
		ev = event_new(t->base, s, kind, fetch_event_cb, t);
		curl_multi_assign(t->multi, s, ev);
	} else {
		event_del(ev);
		event_assign(ev, t->base, s, kind, fetch_event_cb, t);
	}
	event_add(ev, NULL);
	return 0;
}

/* curl asks for a timeout: only arm (or disarm) our timer here. */
static int
fetch_timer_fn(CURLM *multi, long ms, void *arg)
{
	struct fetch_thread	*t = arg;
	struct timeval		 tv;

	if (ms < 0) {
		evtimer_del(t->timer);
		return 0;
	}
	tv.tv_sec = ms / 1000;
	tv.tv_usec = (ms % 1000) * 1000;
	evtimer_add(t->timer, &tv);
	return 0;
}

/* The transfer is over, on the thread: it goes back to the loop. */
static void
fetch_back(struct fetch_thread *t, struct fetch_xfer *x)
{
	if (x->curl_code != CURLE_OK && x->err[0] == '\0')
		util_strlcpy(x->err, curl_easy_strerror(
		    (CURLcode)x->curl_code), sizeof(x->err));
	if (x->easy != NULL) {
		if (t->nidle < t->maxidle)
			t->idle[t->nidle++] = x->easy;
		else
			curl_easy_cleanup(x->easy);
		x->easy = NULL;
	}
	curl_slist_free_all(x->slist);
	x->slist = NULL;
	/* Never full: the loop hands over no more than it holds room for. */
	if (queue_push(t->results, x) == -1)
		fatalx("%s: the results queue is full", __func__);
}

/* Hand every finished transfer back to the loop. */
static void
fetch_drain(struct fetch_thread *t)
{
	struct fetch_xfer	*x;
	CURLMsg			*msg;
	int			 left;

	while ((msg = curl_multi_info_read(t->multi, &left)) != NULL) {
		if (msg->msg != CURLMSG_DONE)
			continue;
		curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE, &x);
		x->curl_code = (int)msg->data.result;
		curl_easy_getinfo(x->easy, CURLINFO_RESPONSE_CODE, &x->status);
		curl_multi_remove_handle(t->multi, x->easy);
		TAILQ_REMOVE(&t->xfers, x, tentry);
		fetch_back(t, x);
	}
}

/* Start one transfer the loop handed over, on the thread. */
static void
fetch_start(struct fetch_thread *t, struct fetch_xfer *x)
{
	size_t	 i;

	if (t->nidle > 0) {
		x->easy = t->idle[--t->nidle];
		curl_easy_reset(x->easy);
	} else if ((x->easy = curl_easy_init()) == NULL) {
		x->curl_code = CURLE_FAILED_INIT;
		fetch_back(t, x);
		return;
	}
	for (i = 0; i < x->nheaders; i++)
		x->slist = curl_slist_append(x->slist, x->headers[i]);
	/* No "Expect: 100-continue" round trip before a body. */
	x->slist = curl_slist_append(x->slist, "Expect:");
	curl_easy_setopt(x->easy, CURLOPT_URL, x->url);
	curl_easy_setopt(x->easy, CURLOPT_PRIVATE, x);
	curl_easy_setopt(x->easy, CURLOPT_ERRORBUFFER, x->err);
	curl_easy_setopt(x->easy, CURLOPT_POST, 1L);
	curl_easy_setopt(x->easy, CURLOPT_POSTFIELDS, x->body);
	curl_easy_setopt(x->easy, CURLOPT_POSTFIELDSIZE_LARGE,
	    (curl_off_t)x->bodylen);
	curl_easy_setopt(x->easy, CURLOPT_HTTPHEADER, x->slist);
	curl_easy_setopt(x->easy, CURLOPT_PROTOCOLS_STR,
	    x->allow_http ? "https,http" : "https");
	curl_easy_setopt(x->easy, CURLOPT_FOLLOWLOCATION, 0L);
	curl_easy_setopt(x->easy, CURLOPT_CONNECTTIMEOUT_MS,
	    (long)FETCH_CONNECT_MS);
	curl_easy_setopt(x->easy, CURLOPT_TIMEOUT_MS, x->timeout_ms);
	curl_easy_setopt(x->easy, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(x->easy, CURLOPT_WRITEFUNCTION, fetch_write_cb);
	curl_easy_setopt(x->easy, CURLOPT_WRITEDATA, x);
	curl_easy_setopt(x->easy, CURLOPT_HEADERFUNCTION, fetch_header_cb);
	curl_easy_setopt(x->easy, CURLOPT_HEADERDATA, x);
	curl_easy_setopt(x->easy, CURLOPT_USERAGENT, "tincay/" TINCAY_VERSION);
	if (x->userpwd != NULL)
		curl_easy_setopt(x->easy, CURLOPT_USERPWD, x->userpwd);
	if (curl_multi_add_handle(t->multi, x->easy) != CURLM_OK) {
		x->curl_code = CURLE_FAILED_INIT;
		fetch_back(t, x);
		return;
	}
	TAILQ_INSERT_TAIL(&t->xfers, x, tentry);
}

/* The loop handed transfers over, or closed the queue: stop. */
static void
fetch_jobs_cb(evutil_socket_t fd, short kind, void *arg)
{
	struct fetch_thread	*t = arg;
	void			*v[FETCH_TAKE];
	size_t			 n, i;

	if (queue_closed(t->jobs)) {
		event_base_loopbreak(t->base);
		return;
	}
	while ((n = queue_take(t->jobs, v, FETCH_TAKE)) > 0)
		for (i = 0; i < n; i++)
			fetch_start(t, v[i]);
}

static void *
fetch_thread_main(void *arg)
{
	struct fetch_thread	*t = arg;
	struct fetch_xfer	*x;

	event_base_dispatch(t->base);
	/* Stopped: what is running is dropped (its rows stay due); the
	 * transfers themselves are the loop's to free, after the join. */
	while ((x = TAILQ_FIRST(&t->xfers)) != NULL) {
		TAILQ_REMOVE(&t->xfers, x, tentry);
		curl_multi_remove_handle(t->multi, x->easy);
		curl_easy_cleanup(x->easy);
		x->easy = NULL;
		curl_slist_free_all(x->slist);
		x->slist = NULL;
	}
	curl_multi_cleanup(t->multi);
	while (t->nidle > 0)
		curl_easy_cleanup(t->idle[--t->nidle]);
	event_free(t->timer);
	event_free(t->jobs_ev);
	event_base_free(t->base);
	return NULL;
}

/* The thread's event_base, as main.c's: changes applied in one go. */
static struct event_base *
fetch_base(void)
{
	struct event_config	*cfg;
	struct event_base	*base;

	if ((cfg = event_config_new()) == NULL)
		return NULL;
	(void)event_config_set_flag(cfg, EVENT_BASE_FLAG_EPOLL_USE_CHANGELIST);
	base = event_base_new_with_config(cfg);
	event_config_free(cfg);
	return base;
}

static struct fetch_thread *
fetch_thread_new(struct fetch *f, size_t max_conns, size_t max_host_conns)
{
	struct fetch_thread	*t;

	t = xcalloc(1, sizeof(*t));
	t->jobs = f->jobs;
	t->results = f->results;
	TAILQ_INIT(&t->xfers);
	t->maxidle = max_conns;
	t->idle = xcalloc(max_conns, sizeof(*t->idle));
	if ((t->base = fetch_base()) == NULL)
		fatalx("%s: event_base", __func__);
	if ((t->multi = curl_multi_init()) == NULL)
		fatalx("%s: curl_multi_init", __func__);
	t->timer = evtimer_new(t->base, fetch_timer_cb, t);
	t->jobs_ev = event_new(t->base, queue_fd(t->jobs),
	    EV_READ | EV_PERSIST, fetch_jobs_cb, t);
	if (t->timer == NULL || t->jobs_ev == NULL)
		fatalx("%s: event_new", __func__);
	event_add(t->jobs_ev, NULL);
	curl_multi_setopt(t->multi, CURLMOPT_SOCKETFUNCTION, fetch_socket_cb);
	curl_multi_setopt(t->multi, CURLMOPT_SOCKETDATA, t);
	curl_multi_setopt(t->multi, CURLMOPT_TIMERFUNCTION, fetch_timer_fn);
	curl_multi_setopt(t->multi, CURLMOPT_TIMERDATA, t);
	curl_multi_setopt(t->multi, CURLMOPT_MAX_TOTAL_CONNECTIONS,
	    (long)max_conns);
	curl_multi_setopt(t->multi, CURLMOPT_MAX_HOST_CONNECTIONS,
	    (long)max_host_conns);
	curl_multi_setopt(t->multi, CURLMOPT_MAXCONNECTS, (long)max_conns);
	return t;
}

/* ------------------------------------------------------------ the loop */

/* A transfer is back: its owner hears of it (unless given up on). */
static void
fetch_finish(struct fetch *f, struct fetch_xfer *x)
{
	struct fetch_result	 r;

	TAILQ_REMOVE(&f->out, x, entry);
	f->nout--;
	if (x->done != NULL) {
		memset(&r, 0, sizeof(r));
		r.curl_code = x->curl_code;
		r.status = x->status;
		r.error = x->curl_code != CURLE_OK ? x->err : NULL;
		r.retry_after = x->retry_after;
		r.body = x->resp;
		r.bodylen = x->resplen;
		f->inflight--;
		x->done(&r, x->arg);
	}
	fetch_xfer_free(x);
}

static void
fetch_results_cb(evutil_socket_t fd, short kind, void *arg)
{
	struct fetch	*f = arg;
	void		*v[FETCH_TAKE];
	size_t		 n, i;

	while ((n = queue_take(f->results, v, FETCH_TAKE)) > 0)
		for (i = 0; i < n; i++)
			fetch_finish(f, v[i]);
}

/*
 * A transfer the thread still holds well past its timeout: the thread is
 * stalled. Its owner is told it timed out (its row is due again, the same
 * Idempotency-Key); the transfer stays the thread's, freed when it comes
 * back, and it counts against the room for more until then.
 */
static void
fetch_watch_cb(evutil_socket_t fd, short kind, void *arg)
{
	struct fetch		*f = arg;
	struct fetch_xfer	*x;
	struct fetch_result	 r;
	int64_t			 now = util_mono_ms();
	fetch_done_fn		 done;

	TAILQ_FOREACH(x, &f->out, entry) {
		if (x->done == NULL || x->deadline_ms == 0 ||
		    now < x->deadline_ms)
			continue;
		log_warnx("fetch: the delivery thread did not hand a "
		    "transfer back within its timeout and %ld ms; given up "
		    "on (its row goes again)", f->stall_ms);
		memset(&r, 0, sizeof(r));
		r.curl_code = CURLE_OPERATION_TIMEDOUT;
		r.error = "the delivery thread did not answer";
		done = x->done;
		x->done = NULL;
		f->inflight--;
		done(&r, x->arg);
	}
}

struct fetch *
fetch_new(struct event_base *base, size_t max_conns, size_t max_host_conns)
{
	struct fetch	*f;
	struct timeval	 tv = { FETCH_WATCH_MS / 1000,
	    (FETCH_WATCH_MS % 1000) * 1000 };
	sigset_t	 all, old;
	int		 rc;

	/* Once, before any thread runs curl. */
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
		fatalx("%s: curl_global_init", __func__);
	f = xcalloc(1, sizeof(*f));
	f->base = base;
	TAILQ_INIT(&f->out);
	/* Room for a pool's worth given up on, and a pool's worth more. */
	f->maxout = 2 * max_conns;
	f->stall_ms = FETCH_STALL_MS;
	if ((f->jobs = queue_new(f->maxout)) == NULL ||
	    (f->results = queue_new(f->maxout)) == NULL)
		fatalx("%s: cannot make the delivery queues", __func__);
	f->results_ev = event_new(base, queue_fd(f->results),
	    EV_READ | EV_PERSIST, fetch_results_cb, f);
	f->watch = event_new(base, -1, EV_PERSIST, fetch_watch_cb, f);
	if (f->results_ev == NULL || f->watch == NULL)
		fatalx("%s: event_new", __func__);
	event_add(f->results_ev, NULL);
	evtimer_add(f->watch, &tv);
	f->t = fetch_thread_new(f, max_conns, max_host_conns);
	/* Signals are the loop's: the thread starts with all blocked. */
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	rc = pthread_create(&f->tid, NULL, fetch_thread_main, f->t);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (rc != 0)
		fatalx("%s: pthread_create: %s", __func__, strerror(rc));
	/* Named for top -H, perf and /proc/PID/task. */
	(void)pthread_setname_np(f->tid, "tincayd-fetch");
	return f;
}

/*
 * Stop the thread and wait for it. Transfers already back are handed to
 * their owners now (their results reach the batch the caller commits);
 * those still running or not yet started are dropped: their rows stay
 * due.
 */
void
fetch_free(struct fetch *f)
{
	struct fetch_xfer	*x;
	int			 rc;

	if (f == NULL)
		return;
	queue_close(f->jobs);
	if ((rc = pthread_join(f->tid, NULL)) != 0)
		fatalx("%s: pthread_join: %s", __func__, strerror(rc));
	fetch_results_cb(-1, 0, f);
	while ((x = TAILQ_FIRST(&f->out)) != NULL) {
		TAILQ_REMOVE(&f->out, x, entry);
		fetch_xfer_free(x);
	}
	/* Their transfers were freed above, through out. */
	queue_free(f->jobs, NULL);
	queue_free(f->results, NULL);
	free(f->t->idle);
	free(f->t);
	event_free(f->results_ev);
	event_free(f->watch);
	free(f);
	curl_global_cleanup();
}

/* The tests' thread stalls: margin_ms may be below 0 (give up sooner
 * than curl's own timeout). */
void
fetch_set_stall_ms(struct fetch *f, long margin_ms)
{
	f->stall_ms = margin_ms;
}

size_t
fetch_inflight(const struct fetch *f)
{
	return f->inflight;
}

/* Copy req into a transfer and hand it to the thread: 0, or -1 (no room,
 * the thread stopped). */
int
fetch_post(struct fetch *f, const struct fetch_req *req, fetch_done_fn done,
    void *arg)
{
	struct fetch_xfer	*x;
	size_t			 i;

	if (f->nout >= f->maxout)
		return -1;
	x = xcalloc(1, sizeof(*x));
	x->done = done;
	x->arg = arg;
	x->url = xstrdup(req->url);
	x->nheaders = req->nheaders;
	x->headers = xcalloc(req->nheaders, sizeof(*x->headers));
	for (i = 0; i < req->nheaders; i++)
		x->headers[i] = xstrdup(req->headers[i]);
	x->body = xstrndup(req->body, req->bodylen);
	x->bodylen = req->bodylen;
	x->userpwd = req->userpwd != NULL ? xstrdup(req->userpwd) : NULL;
	x->timeout_ms = req->timeout_ms;
	x->allow_http = req->allow_http;
	if (req->timeout_ms > 0)
		x->deadline_ms = util_mono_ms() + req->timeout_ms +
		    f->stall_ms;
	if (queue_push(f->jobs, x) == -1) {
		fetch_xfer_free(x);
		return -1;
	}
	/* The thread may hold it already: only the loop's fields now. */
	TAILQ_INSERT_TAIL(&f->out, x, entry);
	f->nout++;
	f->inflight++;
	return 0;
}
