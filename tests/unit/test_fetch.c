/*
 * test_fetch.c: fetch.c, its transfers on the delivery thread, against a
 * small evhttp server on the test's event loop, on 127.0.0.1: success
 * with body and headers, a 429 with Retry-After, no redirects followed,
 * the response cap, a timeout, a refused connection, and https-only unless
 * allow_http; many at once, each result to its own caller on the loop's
 * thread; no room once a pool's worth twice over is out; a thread that
 * stalls (its margin made negative) has its transfer given up on once,
 * never reported twice; stopping with transfers out calls nobody back.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <netinet/in.h>
#include <pthread.h>

#include <cmocka.h>
#include <curl/curl.h>
#include <event2/buffer.h>
#include <event2/event.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>

#include "../../daemon/tincayd.h"

struct got {
	int	 done;
	int	 calls;
	int	 on_loop;	/* called on the thread that runs the loop */
	char	 error[128];
	int	 curl_code;
	long	 status;
	char	 retry_after[32];
	char	 body[64];
	size_t	 bodylen;
};

static struct event_base	*base;
static pthread_t		 loop_thread;
static int			 port;
static char			 last_body[256];
static char			 last_hdr[128];

static void
srv_cb(struct evhttp_request *req, void *arg)
{
	const char	*uri = evhttp_request_get_uri(req);
	struct evbuffer	*in = evhttp_request_get_input_buffer(req);
	struct evkeyvalq *oh = evhttp_request_get_output_headers(req);
	struct evbuffer	*out = evhttp_request_get_output_buffer(req);
	const char	*h;
	size_t		 n = evbuffer_get_length(in);

	if (n >= sizeof(last_body))
		n = sizeof(last_body) - 1;
	evbuffer_copyout(in, last_body, n);
	last_body[n] = '\0';
	h = evhttp_find_header(evhttp_request_get_input_headers(req),
	    "X-Test");
	util_strlcpy(last_hdr, h ? h : "", sizeof(last_hdr));
	if (strcmp(uri, "/ok") == 0) {
		evbuffer_add_printf(out, "fine");
		evhttp_send_reply(req, 201, "Created", NULL);
	} else if (strcmp(uri, "/retry") == 0) {
		evhttp_add_header(oh, "Retry-After", "7");
		evhttp_send_reply(req, 429, "Too Many", NULL);
	} else if (strcmp(uri, "/redir") == 0) {
		evhttp_add_header(oh, "Location", "/ok");
		evhttp_send_reply(req, 302, "Found", NULL);
	} else if (strcmp(uri, "/big") == 0) {
		char	*big = xcalloc(1, 200000);

		memset(big, 'x', 199999);
		evbuffer_add(out, big, 199999);
		free(big);
		evhttp_send_reply(req, 200, "OK", NULL);
	}
	/* "/hang": never answered; the client's timeout ends it. */
}

static void
done_cb(const struct fetch_result *r, void *arg)
{
	struct got	*g = arg;

	g->done = 1;
	g->calls++;
	g->on_loop = pthread_equal(pthread_self(), loop_thread);
	util_strlcpy(g->error, r->error ? r->error : "", sizeof(g->error));
	g->curl_code = r->curl_code;
	g->status = r->status;
	if (r->retry_after)
		util_strlcpy(g->retry_after, r->retry_after,
		    sizeof(g->retry_after));
	g->bodylen = r->bodylen;
	if (r->body)
		util_strlcpy(g->body, r->body, sizeof(g->body));
}

static void
run(struct fetch *f, const char *url, int allow_http, long timeout_ms,
    struct got *g)
{
	static const char *const hdrs[] = { "X-Test: yes",
	    "Content-Type: text/plain" };
	struct fetch_req	 fr;
	int			 i;

	memset(g, 0, sizeof(*g));
	memset(&fr, 0, sizeof(fr));
	fr.url = url;
	fr.headers = hdrs;
	fr.nheaders = 2;
	fr.body = "hello";
	fr.bodylen = 5;
	fr.timeout_ms = timeout_ms;
	fr.allow_http = allow_http;
	assert_int_equal(fetch_post(f, &fr, done_cb, g), 0);
	for (i = 0; i < 500 && !g->done; i++)
		event_base_loop(base, EVLOOP_ONCE);
	assert_true(g->done);
	assert_int_equal(g->calls, 1);
	assert_true(g->on_loop);
	assert_int_equal(fetch_inflight(f), 0);
}

/* The server on the loop, on a port of its own (port). */
static struct evhttp *
srv_start(void)
{
	struct evhttp			*srv;
	struct evhttp_bound_socket	*bs;
	struct sockaddr_storage		 ss;
	socklen_t			 sl = sizeof(ss);

	srv = evhttp_new(base);
	bs = evhttp_bind_socket_with_handle(srv, "127.0.0.1", 0);
	assert_non_null(bs);
	getsockname(evhttp_bound_socket_get_fd(bs), (struct sockaddr *)&ss,
	    &sl);
	port = ntohs(((struct sockaddr_in *)&ss)->sin_port);
	evhttp_set_gencb(srv, srv_cb, NULL);
	return srv;
}

/* Post to path with timeout_ms; 0, or fetch_post's -1. */
static int
post(struct fetch *f, const char *path, long timeout_ms, struct got *g)
{
	struct fetch_req	 fr;
	char			 url[128];

	memset(g, 0, sizeof(*g));
	memset(&fr, 0, sizeof(fr));
	snprintf(url, sizeof(url), "http://127.0.0.1:%d%s", port, path);
	fr.url = url;		/* copied: gone when this returns */
	fr.body = "hello";
	fr.bodylen = 5;
	fr.timeout_ms = timeout_ms;
	fr.allow_http = 1;
	return fetch_post(f, &fr, done_cb, g);
}

/* Run the loop for ms. */
static void
spin(long ms)
{
	struct timeval	 tv = { ms / 1000, (ms % 1000) * 1000 };

	event_base_loopexit(base, &tv);
	event_base_dispatch(base);
}

static void
test_fetch(void **state)
{
	struct evhttp			*srv;
	struct evhttp_bound_socket	*bs;
	struct fetch			*f;
	struct got			 g;
	char				 url[128];
	struct sockaddr_storage		 ss;
	socklen_t			 sl = sizeof(ss);

	base = event_base_new();
	srv = evhttp_new(base);
	bs = evhttp_bind_socket_with_handle(srv, "127.0.0.1", 0);
	assert_non_null(bs);
	getsockname(evhttp_bound_socket_get_fd(bs), (struct sockaddr *)&ss,
	    &sl);
	port = ntohs(((struct sockaddr_in *)&ss)->sin_port);
	evhttp_set_gencb(srv, srv_cb, NULL);
	f = fetch_new(base, FETCH_MAX_CONNS, FETCH_MAX_HOST_CONNS);

	snprintf(url, sizeof(url), "http://127.0.0.1:%d/ok", port);
	run(f, url, 1, 2000, &g);
	assert_int_equal(g.curl_code, 0);
	assert_int_equal(g.status, 201);
	assert_string_equal(g.body, "fine");
	assert_string_equal(last_body, "hello");
	assert_string_equal(last_hdr, "yes");

	snprintf(url, sizeof(url), "http://127.0.0.1:%d/retry", port);
	run(f, url, 1, 2000, &g);
	assert_int_equal(g.status, 429);
	assert_string_equal(g.retry_after, "7");

	snprintf(url, sizeof(url), "http://127.0.0.1:%d/redir", port);
	run(f, url, 1, 2000, &g);
	assert_int_equal(g.curl_code, 0);
	assert_int_equal(g.status, 302);	/* not followed */

	/* A big answer is read whole but kept only up to the cap. */
	snprintf(url, sizeof(url), "http://127.0.0.1:%d/big", port);
	run(f, url, 1, 2000, &g);
	assert_int_equal(g.curl_code, 0);
	assert_int_equal(g.status, 200);
	assert_int_equal(g.bodylen, 65536);

	snprintf(url, sizeof(url), "http://127.0.0.1:%d/hang", port);
	run(f, url, 1, 300, &g);
	assert_int_equal(g.curl_code, CURLE_OPERATION_TIMEDOUT);

	/* https only unless allow_http. */
	snprintf(url, sizeof(url), "http://127.0.0.1:%d/ok", port);
	run(f, url, 0, 2000, &g);
	assert_int_equal(g.curl_code, CURLE_UNSUPPORTED_PROTOCOL);

	/* Nobody listening. */
	evhttp_free(srv);
	run(f, url, 1, 2000, &g);
	assert_int_equal(g.curl_code, CURLE_COULDNT_CONNECT);

	fetch_free(f);
	event_base_free(base);
}

/* 40 at once: each result reaches its own caller, on the loop. */
static void
test_fetch_many(void **state)
{
	struct evhttp	*srv;
	struct fetch	*f;
	struct got	 g[40];
	int		 i, done, spins;

	base = event_base_new();
	srv = srv_start();
	f = fetch_new(base, FETCH_MAX_CONNS, FETCH_MAX_HOST_CONNS);
	for (i = 0; i < 40; i++)
		assert_int_equal(post(f, i % 2 ? "/ok" : "/retry", 2000,
		    &g[i]), 0);
	assert_int_equal(fetch_inflight(f), 40);
	for (spins = 0, done = 0; spins < 2000 && done < 40; spins++) {
		event_base_loop(base, EVLOOP_ONCE);
		for (i = 0, done = 0; i < 40; i++)
			done += g[i].done;
	}
	for (i = 0; i < 40; i++) {
		assert_int_equal(g[i].calls, 1);
		assert_true(g[i].on_loop);
		assert_int_equal(g[i].status, i % 2 ? 201 : 429);
	}
	assert_int_equal(fetch_inflight(f), 0);
	fetch_free(f);
	evhttp_free(srv);
	event_base_free(base);
}

/* A pool of one: two out at most (one may be given up on); a third is
 * refused, not queued, until one is back. */
static void
test_fetch_full(void **state)
{
	struct evhttp	*srv;
	struct fetch	*f;
	struct got	 a, b, c;
	int		 i;

	base = event_base_new();
	srv = srv_start();
	f = fetch_new(base, 1, 1);
	assert_int_equal(post(f, "/hang", 300, &a), 0);
	assert_int_equal(post(f, "/hang", 300, &b), 0);
	assert_int_equal(post(f, "/ok", 300, &c), -1);
	assert_int_equal(fetch_inflight(f), 2);
	for (i = 0; i < 500 && !(a.done && b.done); i++)
		event_base_loop(base, EVLOOP_ONCE);
	assert_int_equal(a.curl_code, CURLE_OPERATION_TIMEDOUT);
	assert_int_equal(b.curl_code, CURLE_OPERATION_TIMEDOUT);
	assert_int_equal(post(f, "/ok", 2000, &c), 0);
	for (i = 0; i < 500 && !c.done; i++)
		event_base_loop(base, EVLOOP_ONCE);
	assert_int_equal(c.status, 201);
	fetch_free(f);
	evhttp_free(srv);
	event_base_free(base);
}

/*
 * The thread keeps a transfer past its deadline (the margin is made
 * negative: given up on 2.9 s before curl's own 3 s): its caller hears,
 * once, that it timed out, and the slot is its caller's again; when the
 * thread hands it back after all, nobody is called twice.
 */
static void
test_fetch_stall(void **state)
{
	struct evhttp	*srv;
	struct fetch	*f;
	struct got	 g;
	int64_t		 t0;
	int		 i;

	base = event_base_new();
	srv = srv_start();
	f = fetch_new(base, 1, 1);
	fetch_set_stall_ms(f, -2900);
	t0 = util_mono_ms();
	assert_int_equal(post(f, "/hang", 3000, &g), 0);
	for (i = 0; i < 500 && !g.done; i++)
		event_base_loop(base, EVLOOP_ONCE);
	assert_true(g.done);
	assert_true(util_mono_ms() - t0 < 2500);
	assert_int_equal(g.curl_code, CURLE_OPERATION_TIMEDOUT);
	assert_string_equal(g.error, "the delivery thread did not answer");
	assert_int_equal(fetch_inflight(f), 0);
	/* Still the thread's: it counts against the room (two out). */
	assert_int_equal(post(f, "/hang", 3000, &g), 0);
	{
		struct got	 h;

		assert_int_equal(post(f, "/ok", 3000, &h), -1);
	}
	/* Both come back from curl (3 s); each caller was called once. */
	g.calls = 0;
	spin(3500);
	assert_int_equal(g.calls, 1);
	fetch_free(f);
	evhttp_free(srv);
	event_base_free(base);
}

/* Stopping with transfers out: nobody is called back, nothing leaks
 * (the sanitizers' build says so). */
static void
test_fetch_free_inflight(void **state)
{
	struct evhttp	*srv;
	struct fetch	*f;
	struct got	 g[3];
	int64_t		 t0;
	int		 i;

	base = event_base_new();
	srv = srv_start();
	f = fetch_new(base, FETCH_MAX_CONNS, FETCH_MAX_HOST_CONNS);
	for (i = 0; i < 3; i++)
		assert_int_equal(post(f, "/hang", 10000, &g[i]), 0);
	spin(200);
	t0 = util_mono_ms();
	fetch_free(f);
	assert_true(util_mono_ms() - t0 < 2000);
	for (i = 0; i < 3; i++)
		assert_int_equal(g[i].calls, 0);
	evhttp_free(srv);
	event_base_free(base);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fetch),
		cmocka_unit_test(test_fetch_many),
		cmocka_unit_test(test_fetch_full),
		cmocka_unit_test(test_fetch_stall),
		cmocka_unit_test(test_fetch_free_inflight),
	};

	log_init(0);
	loop_thread = pthread_self();
	return cmocka_run_group_tests(tests, NULL, NULL);
}
