/*
 * test_fetch.c: fetch.c against a small evhttp server on the same event
 * loop, on 127.0.0.1: success with body and headers, a 429 with
 * Retry-After, no redirects followed, the response cap, a timeout, a
 * refused connection, and https-only unless allow_http.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <netinet/in.h>

#include <cmocka.h>
#include <curl/curl.h>
#include <event2/buffer.h>
#include <event2/event.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>

#include "../../daemon/tincayd.h"

struct got {
	int	 done;
	int	 curl_code;
	long	 status;
	char	 retry_after[32];
	char	 body[64];
	size_t	 bodylen;
};

static struct event_base	*base;
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
	assert_int_equal(fetch_inflight(f), 0);
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

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fetch),
	};

	log_init(0);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
