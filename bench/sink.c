/*
 * sink.c: a fast recording HTTP sink standing in for SMS providers and
 * webhook receivers in benchmarks. Answers every POST with one status,
 * counts them by path and by dedup key, and reports on GET /stats. A GET
 * of any other path is recorded as a POST is (Kannel's HTTP SMSC sends
 * with GET, its message in the query).
 */
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>

#include "bench.h"

#define SINK_MAX_BODY		(1024 * 1024)
#define SINK_MAX_HEADERS	16384
#define SINK_BACKLOG		1024
#define SINK_MAX_PATHS		256	/* distinct paths; more go to "(other)" */
#define SINK_MAX_PATHLEN	512
#define SINK_MIN_KEYS		1024	/* initial hash set size, power of 2 */
#define SINK_REPLY		"{\"ok\":true}"

#define SINK_FNV_OFFSET		14695981039346656037ULL
#define SINK_FNV_PRIME		1099511628211ULL

struct sink_path {
	char		*path;
	uint64_t	 n;
};

struct sink {
	struct event_base	*base;
	struct evhttp		*http;
	struct evconnlistener	*listener;
	struct event		*sigterm;
	struct event		*sigint;
	int			 status;
	uint64_t		 posts;
	uint64_t		 conns;		/* TCP connections accepted */
	uint64_t		 dups;
	double			 first_ms;
	double			 last_ms;
	uint64_t		*keys;		/* open addressing; 0 is empty */
	size_t			 nkeys;
	size_t			 capkeys;	/* power of 2 */
	struct sink_path	 paths[SINK_MAX_PATHS];
	size_t			 npaths;
	uint64_t		 nother;	/* POSTs to paths not in paths[] */
};

static void
sink_usage(void)
{
	fprintf(stderr, "usage: sink [-p PORT] [-P PORTFILE] [-s STATUS]\n");
	exit(2);
}

static void
sink_fatal(const char *what)
{
	fprintf(stderr, "sink: %s\n", what);
	exit(1);
}

/* CLOCK_MONOTONIC in ms: Python's time.monotonic() * 1000 on Linux. */
static double
sink_now_ms(void)
{
	struct timespec	 ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1000.0 + (double)ts.tv_nsec / 1e6;
}

static uint64_t
sink_fnv(uint64_t h, const void *buf, size_t len)
{
	const unsigned char	*s = buf;
	size_t			 i;

	for (i = 0; i < len; i++) {
		h ^= s[i];
		h *= SINK_FNV_PRIME;
	}
	return h;
}

/* Spread the key over the table: FNV's low bits alone are weak. */
static size_t
sink_slot(uint64_t key, size_t cap)
{
	key ^= key >> 33;
	key *= 0xff51afd7ed558ccdULL;
	key ^= key >> 33;
	return (size_t)key & (cap - 1);
}

static void
sink_keys_init(struct sink *s, size_t cap)
{
	if ((s->keys = calloc(cap, sizeof(*s->keys))) == NULL)
		sink_fatal("out of memory");
	s->capkeys = cap;
	s->nkeys = 0;
}

static void
sink_keys_grow(struct sink *s)
{
	uint64_t	*old = s->keys;
	size_t		 oldcap = s->capkeys, i, j;

	if (oldcap > SIZE_MAX / 2 / sizeof(*old))
		sink_fatal("too many keys");
	sink_keys_init(s, oldcap * 2);
	for (i = 0; i < oldcap; i++) {
		if (old[i] == 0)
			continue;
		j = sink_slot(old[i], s->capkeys);
		while (s->keys[j] != 0)
			j = (j + 1) & (s->capkeys - 1);
		s->keys[j] = old[i];
		s->nkeys++;
	}
	free(old);
}

/* Add a key; 1 if it is new, 0 if it was seen before. */
static int
sink_keys_add(struct sink *s, uint64_t key)
{
	size_t	 j;

	if (key == 0)
		key = 1;
	if ((s->nkeys + 1) * 2 > s->capkeys)
		sink_keys_grow(s);
	j = sink_slot(key, s->capkeys);
	while (s->keys[j] != 0) {
		if (s->keys[j] == key)
			return 0;
		j = (j + 1) & (s->capkeys - 1);
	}
	s->keys[j] = key;
	s->nkeys++;
	return 1;
}

static void
sink_count_path(struct sink *s, const char *path)
{
	size_t	 i, len = strlen(path);

	for (i = 0; i < s->npaths; i++) {
		if (strcmp(s->paths[i].path, path) == 0) {
			s->paths[i].n++;
			return;
		}
	}
	if (s->npaths == SINK_MAX_PATHS || len > SINK_MAX_PATHLEN) {
		s->nother++;
		return;
	}
	if ((s->paths[s->npaths].path = strdup(path)) == NULL)
		sink_fatal("out of memory");
	s->paths[s->npaths++].n = 1;
}

static void
sink_reset(struct sink *s)
{
	size_t	 i;

	for (i = 0; i < s->npaths; i++)
		free(s->paths[i].path);
	s->npaths = 0;
	s->nother = 0;
	free(s->keys);
	sink_keys_init(s, SINK_MIN_KEYS);
	s->posts = s->dups = s->conns = 0;
	s->first_ms = s->last_ms = 0;
}

/*
 * The key of a request: its Idempotency-Key, else its path, query and
 * body (a sender that names its message in the query, as Kannel does).
 */
static uint64_t
sink_key(struct evhttp_request *req, const char *path, const char *query)
{
	struct evkeyvalq	*hdr = evhttp_request_get_input_headers(req);
	struct evbuffer		*in = evhttp_request_get_input_buffer(req);
	struct evbuffer_iovec	 v[16];
	const char		*idem;
	uint64_t		 h = SINK_FNV_OFFSET;
	int			 i, n;

	if ((idem = evhttp_find_header(hdr, "Idempotency-Key")) != NULL) {
		h = sink_fnv(h, "K", 1);
		return sink_fnv(h, idem, strlen(idem));
	}
	h = sink_fnv(h, "B", 1);
	h = sink_fnv(h, path, strlen(path) + 1);	/* with its NUL */
	if (query != NULL)
		h = sink_fnv(h, query, strlen(query) + 1);
	n = evbuffer_peek(in, -1, NULL, v, 16);
	if (n > 16) {
		/* Many small chains: make it one. */
		evbuffer_pullup(in, -1);
		n = evbuffer_peek(in, -1, NULL, v, 16);
	}
	for (i = 0; i < n && i < 16; i++)
		h = sink_fnv(h, v[i].iov_base, v[i].iov_len);
	return h;
}

static void
sink_reply(struct evhttp_request *req, int code)
{
	struct evbuffer		*out = evhttp_request_get_output_buffer(req);
	struct evkeyvalq	*hdr = evhttp_request_get_output_headers(req);

	/* No body with 1xx, 204 and 304. */
	if (code >= 200 && code != 204 && code != 304) {
		evhttp_add_header(hdr, "Content-Type", "application/json");
		evbuffer_add(out, SINK_REPLY, sizeof(SINK_REPLY) - 1);
	}
	evhttp_send_reply(req, code, NULL, NULL);
}

static void
sink_text(struct evhttp_request *req, int code, const char *text)
{
	struct evbuffer		*out = evhttp_request_get_output_buffer(req);
	struct evkeyvalq	*hdr = evhttp_request_get_output_headers(req);

	evhttp_add_header(hdr, "Content-Type", "text/plain");
	evbuffer_add(out, text, strlen(text));
	evhttp_send_reply(req, code, NULL, NULL);
}

/* A JSON string; bytes outside printable ASCII are escaped as \u00XX. */
static void
sink_json_string(struct evbuffer *out, const char *s)
{
	const unsigned char	*u = (const unsigned char *)s;

	evbuffer_add(out, "\"", 1);
	for (; *u != '\0'; u++) {
		if (*u == '"' || *u == '\\')
			evbuffer_add_printf(out, "\\%c", *u);
		else if (*u < 0x20 || *u >= 0x7f)
			evbuffer_add_printf(out, "\\u%04x", *u);
		else
			evbuffer_add(out, u, 1);
	}
	evbuffer_add(out, "\"", 1);
}

static void
sink_stats(struct sink *s, struct evhttp_request *req)
{
	struct evbuffer		*out = evhttp_request_get_output_buffer(req);
	struct evkeyvalq	*hdr = evhttp_request_get_output_headers(req);
	size_t			 i;

	evbuffer_add_printf(out, "{\"posts\":%llu,\"unique\":%llu,"
	    "\"dups\":%llu,\"conns\":%llu,\"first_ms\":%.3f,"
	    "\"last_ms\":%.3f,\"paths\":{",
	    (unsigned long long)s->posts, (unsigned long long)s->nkeys,
	    (unsigned long long)s->dups, (unsigned long long)s->conns,
	    s->first_ms, s->last_ms);
	for (i = 0; i < s->npaths; i++) {
		if (i > 0)
			evbuffer_add(out, ",", 1);
		sink_json_string(out, s->paths[i].path);
		evbuffer_add_printf(out, ":%llu",
		    (unsigned long long)s->paths[i].n);
	}
	if (s->nother > 0)
		evbuffer_add_printf(out, "%s\"(other)\":%llu",
		    s->npaths > 0 ? "," : "", (unsigned long long)s->nother);
	evbuffer_add(out, "}}\n", 3);
	evhttp_add_header(hdr, "Content-Type", "application/json");
	evhttp_send_reply(req, 200, NULL, NULL);
}

/* Count a request that delivers something, and answer it. */
static void
sink_record(struct sink *s, struct evhttp_request *req, const char *path,
    const char *query)
{
	double	 now = sink_now_ms();

	if (s->posts++ == 0)
		s->first_ms = now;
	s->last_ms = now;
	sink_count_path(s, path);
	if (sink_keys_add(s, sink_key(req, path, query)) == 0)
		s->dups++;
	sink_reply(req, s->status);
}

static void
sink_request_cb(struct evhttp_request *req, void *arg)
{
	struct sink		*s = arg;
	const struct evhttp_uri	*uri = evhttp_request_get_evhttp_uri(req);
	const char		*path, *query;
	enum evhttp_cmd_type	 cmd = evhttp_request_get_command(req);

	path = uri != NULL ? evhttp_uri_get_path(uri) : NULL;
	if (path == NULL || *path == '\0')
		path = "/";
	query = uri != NULL ? evhttp_uri_get_query(uri) : NULL;
	if (cmd == EVHTTP_REQ_POST && strcmp(path, "/reset") == 0) {
		sink_reset(s);
		sink_reply(req, 200);
		return;
	}
	if (cmd == EVHTTP_REQ_GET && strcmp(path, "/stats") == 0) {
		sink_stats(s, req);
		return;
	}
	if (cmd == EVHTTP_REQ_GET && strcmp(path, "/healthz") == 0) {
		sink_text(req, 200, "ok");
		return;
	}
	if (cmd == EVHTTP_REQ_POST || cmd == EVHTTP_REQ_GET) {
		sink_record(s, req, path, query);
		return;
	}
	sink_text(req, 405, "no\n");
}

static void
sink_signal_cb(evutil_socket_t sig, short what, void *arg)
{
	struct sink	*s = arg;

	event_base_loopexit(s->base, NULL);
}

/* evhttp asks for each new connection's bufferevent: count them, so a
 * benchmark sees whether its client keeps connections alive. */
static struct bufferevent *
sink_bev_cb(struct event_base *base, void *arg)
{
	struct sink	*s = arg;

	s->conns++;
	return bufferevent_socket_new(base, -1, BEV_OPT_CLOSE_ON_FREE);
}

int
main(int argc, char *argv[])
{
	static struct sink	 s;
	const char		*portfile = NULL;
	int			 ch, port = 0;

	s.status = 200;
	while ((ch = getopt(argc, argv, "p:P:s:")) != -1) {
		switch (ch) {
		case 'p':
			port = (int)bench_number(optarg, 0, 65535,
			    sink_usage);
			break;
		case 'P':
			portfile = optarg;
			break;
		case 's':
			s.status = (int)bench_number(optarg, 100, 599,
			    sink_usage);
			break;
		default:
			sink_usage();
		}
	}
	if (optind != argc)
		sink_usage();

	signal(SIGPIPE, SIG_IGN);
	sink_keys_init(&s, SINK_MIN_KEYS);
	if ((s.base = event_base_new()) == NULL)
		sink_fatal("event_base_new");
	s.sigterm = evsignal_new(s.base, SIGTERM, sink_signal_cb, &s);
	s.sigint = evsignal_new(s.base, SIGINT, sink_signal_cb, &s);
	if (s.sigterm == NULL || s.sigint == NULL ||
	    event_add(s.sigterm, NULL) == -1 || event_add(s.sigint, NULL) == -1)
		sink_fatal("signals");

	if ((s.http = evhttp_new(s.base)) == NULL)
		sink_fatal("evhttp_new");
	evhttp_set_max_body_size(s.http, SINK_MAX_BODY);
	evhttp_set_max_headers_size(s.http, SINK_MAX_HEADERS);
	evhttp_set_gencb(s.http, sink_request_cb, &s);
	evhttp_set_bevcb(s.http, sink_bev_cb, &s);
	s.listener = bench_listen(s.base, "sink", port, SINK_BACKLOG, &port);
	if (evhttp_bind_listener(s.http, s.listener) == NULL)
		sink_fatal("evhttp_bind_listener");
	if (portfile != NULL)
		bench_write_portfile(portfile, port);
	fprintf(stderr, "sink: listening on 127.0.0.1:%d, answering POSTs "
	    "with %d\n", port, s.status);

	if (event_base_dispatch(s.base) == -1)
		sink_fatal("event_base_dispatch");
	fprintf(stderr, "sink: %llu posts, %llu unique, %llu dups\n",
	    (unsigned long long)s.posts, (unsigned long long)s.nkeys,
	    (unsigned long long)s.dups);
	evhttp_free(s.http);
	event_free(s.sigterm);
	event_free(s.sigint);
	event_base_free(s.base);
	sink_reset(&s);
	free(s.keys);
	return 0;
}
