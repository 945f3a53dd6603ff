/*
 * probe.c: the roofline for durable HTTP intake. Bare libevent evhttp and
 * SQLite (WAL, synchronous=FULL) with group commit: every request read in
 * one event-loop pass joins one transaction and is answered after COMMIT.
 */
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/event.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>
#include <sqlite3.h>

#include "bench.h"

#define PROBE_MAX_BODY		16384
#define PROBE_MAX_HEADERS	8192
#define PROBE_BACKLOG		1024
#define PROBE_DRAIN_MS		200

struct probe {
	struct event_base	*base;
	struct evhttp		*http;
	struct evconnlistener	*listener;
	struct event		*commit;	/* ends a batch: COMMIT, replies */
	struct event		*sigterm;
	struct event		*sigint;
	sqlite3			*db;
	sqlite3_stmt		*begin;
	sqlite3_stmt		*end;
	sqlite3_stmt		*rollback;
	sqlite3_stmt		*insert;
	struct evhttp_request	**pending;	/* waiting for COMMIT */
	size_t			 npending;
	size_t			 cappending;
	int			 in_tx;
	int			 stopping;
	unsigned long long	 nrequests;
	unsigned long long	 nstored;
	unsigned long long	 ndups;
	unsigned long long	 ncommits;
	unsigned long long	 maxbatch;
};

static void
probe_usage(void)
{
	fprintf(stderr, "usage: probe -d DBPATH [-p PORT] [-P PORTFILE] "
	    "[-c 0|1]\n");
	exit(2);
}

static void
probe_fatal(const char *what)
{
	fprintf(stderr, "probe: %s\n", what);
	exit(1);
}

static void
probe_fatal_db(struct probe *p, const char *what)
{
	fprintf(stderr, "probe: %s: %s\n", what, sqlite3_errmsg(p->db));
	exit(1);
}

/* Run a prepared statement with no result rows; 0 or -1. */
static int
probe_step(sqlite3_stmt *st)
{
	int	 rc;

	rc = sqlite3_step(st);
	sqlite3_reset(st);
	return rc == SQLITE_DONE ? 0 : -1;
}

static sqlite3_stmt *
probe_prepare(struct probe *p, const char *sql)
{
	sqlite3_stmt	*st;

	if (sqlite3_prepare_v3(p->db, sql, -1, SQLITE_PREPARE_PERSISTENT, &st,
	    NULL) != SQLITE_OK)
		probe_fatal_db(p, sql);
	return st;
}

static void
probe_db_open(struct probe *p, const char *path)
{
	sqlite3_stmt	*st;
	const char	*mode;

	if (sqlite3_open_v2(path, &p->db, SQLITE_OPEN_READWRITE |
	    SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, NULL) != SQLITE_OK)
		probe_fatal_db(p, path);
	sqlite3_extended_result_codes(p->db, 1);
	sqlite3_busy_timeout(p->db, 5000);

	st = probe_prepare(p, "PRAGMA journal_mode=WAL");
	if (sqlite3_step(st) != SQLITE_ROW)
		probe_fatal_db(p, "journal_mode");
	mode = (const char *)sqlite3_column_text(st, 0);
	if (mode == NULL || strcmp(mode, "wal") != 0)
		probe_fatal("journal_mode: WAL refused");
	sqlite3_finalize(st);

	if (sqlite3_exec(p->db, "PRAGMA synchronous=FULL", NULL, NULL,
	    NULL) != SQLITE_OK)
		probe_fatal_db(p, "synchronous");
	if (sqlite3_exec(p->db, "CREATE TABLE IF NOT EXISTS messages ("
	    "id INTEGER PRIMARY KEY, "
	    "provider_id TEXT NOT NULL UNIQUE, "
	    "body TEXT NOT NULL, "
	    "received_at INTEGER NOT NULL)", NULL, NULL, NULL) != SQLITE_OK)
		probe_fatal_db(p, "create table");

	p->begin = probe_prepare(p, "BEGIN IMMEDIATE");
	p->end = probe_prepare(p, "COMMIT");
	p->rollback = probe_prepare(p, "ROLLBACK");
	p->insert = probe_prepare(p, "INSERT INTO messages "
	    "(provider_id, body, received_at) VALUES (?1, ?2, ?3)");
}

static void
probe_db_close(struct probe *p)
{
	sqlite3_finalize(p->begin);
	sqlite3_finalize(p->end);
	sqlite3_finalize(p->rollback);
	sqlite3_finalize(p->insert);
	if (sqlite3_close(p->db) != SQLITE_OK)
		fprintf(stderr, "probe: close: %s\n", sqlite3_errmsg(p->db));
}

static void
probe_reply(struct probe *p, struct evhttp_request *req, int code,
    const char *text)
{
	struct evbuffer		*out = evhttp_request_get_output_buffer(req);
	struct evkeyvalq	*hdr = evhttp_request_get_output_headers(req);

	evhttp_add_header(hdr, "Content-Type", "text/plain");
	if (code == 503)
		evhttp_add_header(hdr, "Retry-After", "1");
	if (p->stopping)
		evhttp_add_header(hdr, "Connection", "close");
	evbuffer_add(out, text, strlen(text));
	evhttp_send_reply(req, code, NULL, NULL);
}

/*
 * Find the field "name=" of an x-www-form-urlencoded body: only at the
 * start of a field, so "linkId=" is not "id=". The value stays encoded.
 */
static int
probe_field(const char *body, size_t len, const char *name,
    const char **val, size_t *vlen)
{
	size_t		 nlen = strlen(name), i = 0, flen;
	const char	*amp;

	while (i < len) {
		amp = memchr(body + i, '&', len - i);
		flen = (amp != NULL ? (size_t)(amp - body) : len) - i;
		if (flen > nlen && memcmp(body + i, name, nlen) == 0 &&
		    body[i + nlen] == '=') {
			*val = body + i + nlen + 1;
			*vlen = flen - nlen - 1;
			return 0;
		}
		i += flen + 1;
	}
	return -1;
}

static void
probe_pending_add(struct probe *p, struct evhttp_request *req)
{
	struct evhttp_request	**n;
	size_t			  cap;

	if (p->npending == p->cappending) {
		cap = p->cappending ? p->cappending * 2 : 64;
		if ((n = realloc(p->pending, cap * sizeof(*n))) == NULL)
			probe_fatal("out of memory");
		p->pending = n;
		p->cappending = cap;
	}
	p->pending[p->npending++] = req;
}

static void
probe_intake(struct probe *p, struct evhttp_request *req,
    const struct evhttp_uri *uri)
{
	struct evbuffer	*in = evhttp_request_get_input_buffer(req);
	const char	*query = evhttp_uri_get_query(uri);
	const char	*body = "", *id;
	size_t		 len = evbuffer_get_length(in), idlen;
	int		 rc;

	if (query == NULL || strstr(query, "token=") == NULL) {
		probe_reply(p, req, 401, "no token\n");
		return;
	}
	if (len > 0)
		body = (const char *)evbuffer_pullup(in, -1);
	if (probe_field(body, len, "id", &id, &idlen) == -1 || idlen == 0) {
		probe_reply(p, req, 400, "no id\n");
		return;
	}
	if (len > INT_MAX) {
		probe_reply(p, req, 413, "too large\n");
		return;
	}
	if (!p->in_tx) {
		if (probe_step(p->begin) == -1) {
			probe_reply(p, req, 503, "cannot begin\n");
			return;
		}
		p->in_tx = 1;
	}

	sqlite3_bind_text(p->insert, 1, id, (int)idlen, SQLITE_STATIC);
	sqlite3_bind_text(p->insert, 2, body, (int)len, SQLITE_STATIC);
	sqlite3_bind_int64(p->insert, 3, (sqlite3_int64)time(NULL));
	rc = sqlite3_step(p->insert);
	sqlite3_reset(p->insert);
	sqlite3_clear_bindings(p->insert);
	if (rc == SQLITE_CONSTRAINT_UNIQUE)
		p->ndups++;
	else if (rc == SQLITE_DONE)
		p->nstored++;
	else {
		probe_reply(p, req, 503, "cannot store\n");
		return;
	}

	/* The first request of a batch schedules its COMMIT. */
	if (p->npending == 0)
		event_active(p->commit, EV_TIMEOUT, 1);
	probe_pending_add(p, req);
}

static void
probe_request_cb(struct evhttp_request *req, void *arg)
{
	struct probe		*p = arg;
	const struct evhttp_uri	*uri = evhttp_request_get_evhttp_uri(req);
	const char		*path;
	enum evhttp_cmd_type	 cmd = evhttp_request_get_command(req);

	p->nrequests++;
	path = uri != NULL ? evhttp_uri_get_path(uri) : NULL;
	if (path == NULL) {
		probe_reply(p, req, 400, "bad uri\n");
		return;
	}
	if (strcmp(path, "/healthz") == 0) {
		if (cmd == EVHTTP_REQ_GET || cmd == EVHTTP_REQ_HEAD)
			probe_reply(p, req, 200, "ok");
		else
			probe_reply(p, req, 405, "method not allowed\n");
		return;
	}
	if (strcmp(path, "/sms/africastalking") == 0) {
		if (cmd != EVHTTP_REQ_POST)
			probe_reply(p, req, 405, "method not allowed\n");
		else if (p->stopping)
			probe_reply(p, req, 503, "stopping\n");
		else
			probe_intake(p, req, uri);
		return;
	}
	probe_reply(p, req, 404, "not found\n");
}

/*
 * COMMIT the open transaction, then answer every request of the batch,
 * with an empty 200 as Africa's Talking's SMS endpoint is answered.
 */
static void
probe_flush(struct probe *p)
{
	const char	*text = "";
	size_t		 i;
	int		 code = 200;

	if (p->in_tx) {
		if (probe_step(p->end) == -1) {
			fprintf(stderr, "probe: commit: %s\n",
			    sqlite3_errmsg(p->db));
			if (sqlite3_get_autocommit(p->db) == 0)
				(void)probe_step(p->rollback);
			code = 503;
			text = "cannot commit\n";
		} else
			p->ncommits++;
		p->in_tx = 0;
	}
	if (p->npending > p->maxbatch)
		p->maxbatch = p->npending;
	for (i = 0; i < p->npending; i++)
		probe_reply(p, p->pending[i], code, text);
	p->npending = 0;
}

static void
probe_commit_cb(evutil_socket_t fd, short what, void *arg)
{
	probe_flush(arg);
}

static void
probe_signal_cb(evutil_socket_t sig, short what, void *arg)
{
	struct probe	*p = arg;
	struct timeval	 tv = { 0, PROBE_DRAIN_MS * 1000 };

	if (p->stopping)
		return;
	p->stopping = 1;
	probe_flush(p);
	evconnlistener_disable(p->listener);
	/* Let the replies already queued reach their sockets. */
	event_base_loopexit(p->base, &tv);
}

int
main(int argc, char *argv[])
{
	struct probe	 p;
	const char	*dbpath = NULL, *portfile = NULL;
	int		 ch, port = 0, prio = 1;

	while ((ch = getopt(argc, argv, "c:d:p:P:")) != -1) {
		switch (ch) {
		case 'c':
			prio = (int)bench_number(optarg, 0, 1, probe_usage);
			break;
		case 'd':
			dbpath = optarg;
			break;
		case 'p':
			port = (int)bench_number(optarg, 0, 65535,
			    probe_usage);
			break;
		case 'P':
			portfile = optarg;
			break;
		default:
			probe_usage();
		}
	}
	if (dbpath == NULL || optind != argc)
		probe_usage();

	signal(SIGPIPE, SIG_IGN);
	memset(&p, 0, sizeof(p));
	probe_db_open(&p, dbpath);

	if ((p.base = event_base_new()) == NULL)
		probe_fatal("event_base_new");
	/*
	 * Before any event exists, so that the default priority becomes 1.
	 * The commit event has priority 1 too (unless -c 0): activated, it
	 * goes to the tail of the queue of this pass, behind every request
	 * already read, so they all join its batch. At priority 0 libevent
	 * 2.1 ends the pass as soon as it is activated (event_continue), and
	 * each request then commits alone.
	 */
	if (event_base_priority_init(p.base, 2) == -1)
		probe_fatal("event_base_priority_init");
	if ((p.commit = event_new(p.base, -1, 0, probe_commit_cb, &p)) == NULL)
		probe_fatal("event_new");
	event_priority_set(p.commit, prio);
	p.sigterm = evsignal_new(p.base, SIGTERM, probe_signal_cb, &p);
	p.sigint = evsignal_new(p.base, SIGINT, probe_signal_cb, &p);
	if (p.sigterm == NULL || p.sigint == NULL ||
	    event_add(p.sigterm, NULL) == -1 || event_add(p.sigint, NULL) == -1)
		probe_fatal("signals");

	if ((p.http = evhttp_new(p.base)) == NULL)
		probe_fatal("evhttp_new");
	evhttp_set_max_body_size(p.http, PROBE_MAX_BODY);
	evhttp_set_max_headers_size(p.http, PROBE_MAX_HEADERS);
	evhttp_set_allowed_methods(p.http, EVHTTP_REQ_GET | EVHTTP_REQ_POST |
	    EVHTTP_REQ_HEAD);
	evhttp_set_gencb(p.http, probe_request_cb, &p);
	p.listener = bench_listen(p.base, "probe", port, PROBE_BACKLOG,
	    &port);
	if (evhttp_bind_listener(p.http, p.listener) == NULL)
		probe_fatal("evhttp_bind_listener");
	if (portfile != NULL)
		bench_write_portfile(portfile, port);
	fprintf(stderr, "probe: listening on 127.0.0.1:%d, db %s, "
	    "commit priority %d\n", port, dbpath, prio);

	if (event_base_dispatch(p.base) == -1)
		probe_fatal("event_base_dispatch");
	probe_flush(&p);

	fprintf(stderr, "probe: %llu requests, %llu stored, %llu duplicates, "
	    "%llu commits (%.1f per commit, at most %llu)\n", p.nrequests,
	    p.nstored, p.ndups, p.ncommits, p.ncommits ?
	    (double)(p.nstored + p.ndups) / (double)p.ncommits : 0.0,
	    p.maxbatch);
	evhttp_free(p.http);
	event_free(p.commit);
	event_free(p.sigterm);
	event_free(p.sigint);
	event_base_free(p.base);
	probe_db_close(&p);
	free(p.pending);
	return 0;
}
