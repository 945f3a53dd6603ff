/*
 * same.c: the same-work probe (issue 22), tincayd's roofline. Bare
 * libevent, SQLite (WAL, synchronous=FULL, group commit) and libcurl multi
 * doing what SPEC makes one Africa's Talking report write and send, and
 * nothing else: no routing, no sealing, no keyword, no config.
 *
 * Per message, in the batch of its loop pass: the report, the message and
 * two outbox rows, in tables and indexes shaped as tincayd's (store/
 * store_sqlite.c at migration 21, the columns a report fills), with blobs of
 * the sizes tincayd's sealed ones have (the plaintext's and 33 bytes: a
 * version byte, a nonce and a tag) and random contents, and a 16-byte hash
 * of the number that lands anywhere in its index as a keyed hash does.
 * Answered 200 after COMMIT. Then the two transfers: the alert (a JSON POST
 * of the same size and headers to SINK/hook) and the reply (Africa's
 * Talking's send API, SINK/version1/messaging, at most -r a second, as
 * tincayd's sms_out.rate_per_second), at most 64 in flight and 16 to one
 * destination as tincayd's outbox; each row is marked sent by an UPDATE in
 * the batch of the pass its result arrives in. Work waiting to be sent is
 * kept in memory (tincayd reads it back from its outbox).
 */
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <curl/curl.h>
#include <event2/buffer.h>
#include <event2/event.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>
#include <sqlite3.h>

#include "bench.h"

#define SAME_MAX_BODY		16384
#define SAME_MAX_HEADERS		8192
#define SAME_BACKLOG		1024
#define SAME_DRAIN_MS		200
#define SAME_INFLIGHT		64	/* tincayd's FETCH_MAX_CONNS */
#define SAME_PER_DEST		16	/* FETCH_MAX_HOST_CONNS */
#define SAME_TIMEOUT_MS		10000
#define SAME_SEAL_OVERHEAD	33	/* what sealing adds to a text */
#define SAME_FIELD_MAX		512	/* a decoded form field */
#define SAME_REPLY_FMT		"Tin nhan da duoc tiep nhan, ma %s. " \
				"Khan cap goi 113."
#define SAME_ESCALATE_S		600

enum same_lane {
	SAME_HOOK,		/* the alert, by webhook */
	SAME_SMS,		/* the reply, by the provider's API */
	SAME__LANES
};

/* A row to send: what its request carries, kept until it is sent. */
struct same_job {
	int64_t		 row;		/* its outbox row */
	char		 ref[8];
	char		 area[8];
	char		 from[24];
	char		 text[SAME_FIELD_MAX];
	int64_t		 at;
};

/* A FIFO of jobs: a ring that grows. */
struct same_queue {
	struct same_job	*jobs;
	size_t		 head;
	size_t		 n;
	size_t		 cap;
};

struct same_xfer {
	struct same		*p;
	CURL			*easy;		/* kept for the next one */
	struct curl_slist	*hdr;
	struct same_job		 job;
	enum same_lane		 lane;
	int			 busy;
	char			 body[2 * SAME_FIELD_MAX + 512];
};

/* A statement of the table below. */
enum same_st {
	SAME_BEGIN,
	SAME_COMMIT,
	SAME_ROLLBACK,
	SAME_FIND,
	SAME_REPORT,
	SAME_MESSAGE,
	SAME_OUTBOX,
	SAME_SENT,
	SAME_NEXT_ID,
	SAME__ST
};

struct same {
	struct event_base	*base;
	struct evhttp		*http;
	struct evconnlistener	*listener;
	struct event		*commit;	/* ends a batch */
	struct event		*sigterm;
	struct event		*sigint;
	struct event		*curl_timer;
	struct event		*rate_timer;	/* a reply may go */
	CURLM			*multi;
	sqlite3			*db;
	sqlite3_stmt		*st[SAME__ST];
	char			 hook_url[256];
	char			 hook_origin[256];
	char			 sms_url[256];
	struct evhttp_request	**pending;	/* waiting for COMMIT */
	size_t			 npending;
	size_t			 cappending;
	struct same_queue	 batch[SAME__LANES];	/* of the open batch */
	struct same_queue	 due[SAME__LANES];	/* committed, to send */
	struct same_xfer		 xfers[SAME_INFLIGHT];
	size_t			 inflight[SAME__LANES];
	double			 rate;		/* replies a second, 0: any */
	double			 next_sms;	/* when a reply may go */
	int64_t			 next_report;
	uint64_t		 rnd;
	uint64_t		 hashkey;
	int			 in_tx;
	int			 broken;	/* a write of it failed */
	int			 scheduled;	/* the commit is active */
	int			 stopping;
	unsigned long long	 nrequests;
	unsigned long long	 nstored;
	unsigned long long	 ndups;
	unsigned long long	 ncommits;
	unsigned long long	 maxbatch;
	unsigned long long	 nsent[SAME__LANES];
	unsigned long long	 nfailed;
};

/*
 * tincayd's tables as migration 21 leaves them, with the indexes a new
 * report's rows enter (the partial ones no new row enters are left out:
 * messages_inbox, messages_review, outbox_provider_msg), and the same
 * statements' shapes.
 */
static const char same_schema[] =
	"CREATE TABLE IF NOT EXISTS reports ("
	" id INTEGER PRIMARY KEY, ref TEXT NOT NULL, category TEXT NOT NULL,"
	" area TEXT, status TEXT NOT NULL DEFAULT 'open' CHECK (status ="
	" 'open' OR status = 'acknowledged' OR status = 'closed' OR status"
	" = 'cancelled'), reporter TEXT, created_at INTEGER NOT NULL,"
	" updated_at INTEGER NOT NULL, escalate_at INTEGER,"
	" escalation_level INTEGER NOT NULL DEFAULT 0, acked_by TEXT,"
	" closed_at INTEGER, cancel_requested INTEGER NOT NULL DEFAULT 0,"
	" victim_sex TEXT, victim_age INTEGER, outcome TEXT, acked_at"
	" INTEGER, reporter_hash BLOB, previous INTEGER REFERENCES reports"
	" (id), commune TEXT NOT NULL DEFAULT '');"
	"CREATE INDEX IF NOT EXISTS reports_escalate ON reports"
	" (escalate_at) WHERE escalate_at IS NOT NULL;"
	"CREATE INDEX IF NOT EXISTS reports_created ON reports"
	" (created_at, id, area, category, status);"
	"CREATE INDEX IF NOT EXISTS reports_reporter_hash ON reports"
	" (reporter_hash, created_at) WHERE reporter_hash IS NOT NULL;"
	"CREATE TABLE IF NOT EXISTS messages ("
	" id INTEGER PRIMARY KEY, provider TEXT NOT NULL,"
	" provider_id TEXT NOT NULL, sender TEXT, recipient TEXT, body TEXT,"
	" category TEXT NOT NULL, report_id INTEGER REFERENCES reports (id),"
	" reply TEXT, received_at INTEGER NOT NULL, reviewed_at INTEGER,"
	" review_at INTEGER, commune TEXT NOT NULL DEFAULT '',"
	" UNIQUE (provider, provider_id));"
	"CREATE INDEX IF NOT EXISTS messages_report ON messages (report_id);"
	"CREATE TABLE IF NOT EXISTS outbox ("
	" id INTEGER PRIMARY KEY, report_id INTEGER REFERENCES reports (id),"
	" contact_id INTEGER, channel TEXT NOT NULL, event TEXT NOT NULL,"
	" dest TEXT NOT NULL, body TEXT NOT NULL, lane INTEGER NOT NULL"
	" DEFAULT 0, idem_key TEXT, status TEXT NOT NULL DEFAULT 'pending'"
	" CHECK (status = 'pending' OR status = 'sent' OR status = 'failed'),"
	" attempts INTEGER NOT NULL DEFAULT 0, next_at INTEGER NOT NULL,"
	" created_at INTEGER NOT NULL, sent_at INTEGER, last_error TEXT,"
	" dkey TEXT NOT NULL DEFAULT '', provider_msg TEXT, receipt TEXT,"
	" receipt_at INTEGER, tried_at INTEGER, failing_since INTEGER);"
	"CREATE INDEX IF NOT EXISTS outbox_report ON outbox"
	" (report_id, contact_id) WHERE report_id IS NOT NULL;"
	"CREATE INDEX IF NOT EXISTS outbox_due ON outbox"
	" (lane, dkey, next_at, id) WHERE status = 'pending';";

static const char *const same_sql[SAME__ST] = {
	[SAME_BEGIN] = "BEGIN IMMEDIATE",
	[SAME_COMMIT] = "COMMIT",
	[SAME_ROLLBACK] = "ROLLBACK",
	[SAME_FIND] = "SELECT 1 FROM messages"
	    " WHERE provider = ?1 AND provider_id = ?2",
	[SAME_REPORT] = "INSERT INTO reports (id, ref, category, area,"
	    " reporter, created_at, updated_at, escalate_at, reporter_hash,"
	    " commune)"
	    " VALUES (?1, ?2, 'gbv', ?3, ?4, ?5, ?5, ?6, ?7, '')",
	[SAME_MESSAGE] = "INSERT INTO messages (provider, provider_id, sender,"
	    " recipient, body, category, report_id, reply, received_at,"
	    " review_at, commune) VALUES ('africastalking', ?1, ?2, ?3, ?4,"
	    " 'gbv', ?5, ?6, ?7, NULL, '')",
	[SAME_OUTBOX] = "INSERT INTO outbox (report_id, contact_id, channel,"
	    " event, dest, body, lane, next_at, created_at, dkey)"
	    " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, 0, ?8, ?9)",
	[SAME_SENT] = "UPDATE outbox SET status = 'sent', attempts ="
	    " attempts + 1, next_at = ?2, sent_at = ?2, tried_at = ?2"
	    " WHERE id = ?1",
	[SAME_NEXT_ID] = "SELECT coalesce(max(id), 0) + 1 FROM reports",
};

static void same_flush(struct same *);
static void same_pump(struct same *);

static void
same_usage(void)
{
	fprintf(stderr, "usage: same -d DBPATH -s SINKURL [-p PORT] "
	    "[-P PORTFILE] [-r REPLIES_PER_S]\n");
	exit(2);
}

static void
same_fatal(const char *what)
{
	fprintf(stderr, "same: %s\n", what);
	exit(1);
}

static void
same_fatal_db(struct same *p, const char *what)
{
	fprintf(stderr, "same: %s: %s\n", what, sqlite3_errmsg(p->db));
	exit(1);
}

static double
same_now(void)
{
	struct timespec	 ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* splitmix64: the probe's randomness (contents only, never a secret). */
static uint64_t
same_mix(uint64_t x)
{
	x += 0x9e3779b97f4a7c15ULL;
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
	x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
	return x ^ (x >> 31);
}

static uint64_t
same_random(struct same *p)
{
	p->rnd = same_mix(p->rnd);
	return p->rnd;
}

/* n random bytes into buf: what a sealed blob looks like. */
static void
same_fill(struct same *p, unsigned char *buf, size_t n)
{
	uint64_t	 r;
	size_t		 i;

	for (i = 0; i < n; i += 8) {
		r = same_random(p);
		memcpy(buf + i, &r, n - i < 8 ? n - i : 8);
	}
}

/*
 * The number's 16-byte hash under the probe's key: the same for the same
 * number, anywhere in the index for another, as tincayd's keyed hash.
 */
static void
same_hash(struct same *p, const char *s, unsigned char out[16])
{
	uint64_t	 h = p->hashkey, a, b;

	while (*s != '\0')
		h = same_mix(h ^ (unsigned char)*s++);
	a = same_mix(h);
	b = same_mix(a);
	memcpy(out, &a, 8);
	memcpy(out + 8, &b, 8);
}

/* Run a prepared statement with no result rows; 0 or -1. */
static int
same_step(sqlite3_stmt *st)
{
	int	 rc;

	rc = sqlite3_step(st);
	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
	return rc == SQLITE_DONE ? 0 : -1;
}

static void
same_db_open(struct same *p, const char *path)
{
	sqlite3_stmt	*st;
	const char	*mode;
	size_t		 i;

	sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);	/* as tincayd */
	if (sqlite3_open_v2(path, &p->db, SQLITE_OPEN_READWRITE |
	    SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, NULL) != SQLITE_OK)
		same_fatal_db(p, path);
	sqlite3_extended_result_codes(p->db, 1);
	sqlite3_busy_timeout(p->db, 2000);
	if (sqlite3_prepare_v2(p->db, "PRAGMA journal_mode=WAL", -1, &st,
	    NULL) != SQLITE_OK || sqlite3_step(st) != SQLITE_ROW)
		same_fatal_db(p, "journal_mode");
	mode = (const char *)sqlite3_column_text(st, 0);
	if (mode == NULL || strcmp(mode, "wal") != 0)
		same_fatal("journal_mode: WAL refused");
	sqlite3_finalize(st);
	/* tincayd's pragmas that change what reaches the disk. */
	if (sqlite3_exec(p->db, "PRAGMA synchronous=FULL;"
	    "PRAGMA journal_size_limit=4194304;"
	    "PRAGMA secure_delete=ON", NULL, NULL, NULL) != SQLITE_OK)
		same_fatal_db(p, "pragmas");
	if (sqlite3_exec(p->db, same_schema, NULL, NULL, NULL) != SQLITE_OK)
		same_fatal_db(p, "schema");
	for (i = 0; i < SAME__ST; i++)
		if (sqlite3_prepare_v3(p->db, same_sql[i], -1,
		    SQLITE_PREPARE_PERSISTENT, &p->st[i], NULL) != SQLITE_OK)
			same_fatal_db(p, same_sql[i]);
	st = p->st[SAME_NEXT_ID];
	if (sqlite3_step(st) != SQLITE_ROW)
		same_fatal_db(p, "next id");
	p->next_report = sqlite3_column_int64(st, 0);
	sqlite3_reset(st);
}

static void
same_db_close(struct same *p)
{
	size_t	 i;

	for (i = 0; i < SAME__ST; i++)
		sqlite3_finalize(p->st[i]);
	if (sqlite3_close(p->db) != SQLITE_OK)
		fprintf(stderr, "same: close: %s\n", sqlite3_errmsg(p->db));
}

static void
same_queue_push(struct same_queue *q, const struct same_job *j)
{
	struct same_job	*n;
	size_t		 cap, i;

	if (q->n == q->cap) {
		cap = q->cap ? q->cap * 2 : 256;
		if ((n = malloc(cap * sizeof(*n))) == NULL)
			same_fatal("out of memory");
		for (i = 0; i < q->n; i++)
			n[i] = q->jobs[(q->head + i) % q->cap];
		free(q->jobs);
		q->jobs = n;
		q->head = 0;
		q->cap = cap;
	}
	q->jobs[(q->head + q->n++) % q->cap] = *j;
}

static int
same_queue_pop(struct same_queue *q, struct same_job *j)
{
	if (q->n == 0)
		return -1;
	*j = q->jobs[q->head];
	q->head = (q->head + 1) % q->cap;
	q->n--;
	return 0;
}

/* Open the batch of this pass if none is, and have it committed. */
static int
same_batch(struct same *p)
{
	if (!p->in_tx) {
		if (same_step(p->st[SAME_BEGIN]) == -1)
			return -1;
		p->in_tx = 1;
	}
	if (!p->scheduled) {
		/* At priority 1: behind every request read in this pass. */
		event_active(p->commit, EV_TIMEOUT, 1);
		p->scheduled = 1;
	}
	return 0;
}

/* ---------------------------------------------------------------- send */

static size_t
same_discard_cb(char *ptr, size_t size, size_t n, void *arg)
{
	return size * n;
}

/* "%XX" for what a form value may not hold; '+' for a space. */
static size_t
same_form_encode(char *out, size_t cap, const char *s)
{
	static const char	 hex[] = "0123456789ABCDEF";
	size_t			 o = 0;
	unsigned char		 c;

	for (; *s != '\0' && o + 4 < cap; s++) {
		c = (unsigned char)*s;
		if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		    (c >= '0' && c <= '9') || strchr("-._~", c) != NULL)
			out[o++] = (char)c;
		else if (c == ' ')
			out[o++] = '+';
		else {
			out[o++] = '%';
			out[o++] = hex[c >> 4];
			out[o++] = hex[c & 15];
		}
	}
	out[o] = '\0';
	return o;
}

/* The alert's request: tincayd's webhook body and headers, same sizes. */
static void
same_xfer_hook(struct same *p, struct same_xfer *x)
{
	struct same_job	*j = &x->job;
	char		 line[160], stamp[32];
	struct tm	 tm;
	time_t		 t = (time_t)j->at;
	uint64_t	 a, b;

	gmtime_r(&t, &tm);
	strftime(stamp, sizeof(stamp), "%Y-%m-%dT%H:%M:%SZ", &tm);
	snprintf(x->body, sizeof(x->body), "{\"event\":\"report.created\","
	    "\"ref\":\"%s\",\"category\":\"gbv\",\"area\":\"%s\","
	    "\"reporter\":\"%s\",\"text\":\"%s\",\"received_at\":\"%s\"}",
	    j->ref, j->area, j->from, j->text, stamp);
	x->hdr = curl_slist_append(x->hdr, "Content-Type: application/json");
	/* A signature's length, not a signature: no HMAC here. */
	a = same_mix((uint64_t)j->row);
	b = same_mix(a);
	snprintf(line, sizeof(line), "X-Tincay-Signature: t=%lld,v1="
	    "%016llx%016llx%016llx%016llx", (long long)j->at,
	    (unsigned long long)a, (unsigned long long)b,
	    (unsigned long long)same_mix(b),
	    (unsigned long long)same_mix(a ^ b));
	x->hdr = curl_slist_append(x->hdr, line);
	snprintf(line, sizeof(line), "Idempotency-Key: %016llx%016llx",
	    (unsigned long long)p->hashkey, (unsigned long long)j->row);
	x->hdr = curl_slist_append(x->hdr, line);
	curl_easy_setopt(x->easy, CURLOPT_URL, p->hook_url);
}

/* The reply's request: Africa's Talking's send API, as tincayd's. */
static void
same_xfer_sms(struct same *p, struct same_xfer *x)
{
	char	 text[160], to[64], msg[320];

	snprintf(text, sizeof(text), SAME_REPLY_FMT, x->job.ref);
	same_form_encode(to, sizeof(to), x->job.from);
	same_form_encode(msg, sizeof(msg), text);
	snprintf(x->body, sizeof(x->body), "username=commune&to=%s&message=%s"
	    "&from=TINCAY&bulkSMSMode=1", to, msg);
	x->hdr = curl_slist_append(x->hdr, "apikey: k");
	x->hdr = curl_slist_append(x->hdr, "Accept: application/json");
	x->hdr = curl_slist_append(x->hdr, "Content-Type: "
	    "application/x-www-form-urlencoded;charset=utf-8");
	curl_easy_setopt(x->easy, CURLOPT_URL, p->sms_url);
}

/* Start job on lane in a free slot; 0, or -1 (it goes back). */
static int
same_xfer_start(struct same *p, enum same_lane lane, const struct same_job *j)
{
	struct same_xfer	*x = NULL;
	size_t		 i;

	for (i = 0; i < SAME_INFLIGHT; i++)
		if (!p->xfers[i].busy) {
			x = &p->xfers[i];
			break;
		}
	if (x == NULL)
		return -1;
	if (x->easy == NULL && (x->easy = curl_easy_init()) == NULL)
		return -1;
	curl_easy_reset(x->easy);
	x->p = p;
	x->job = *j;
	x->lane = lane;
	x->hdr = NULL;
	if (lane == SAME_HOOK)
		same_xfer_hook(p, x);
	else
		same_xfer_sms(p, x);
	x->hdr = curl_slist_append(x->hdr, "Expect:");
	curl_easy_setopt(x->easy, CURLOPT_PRIVATE, x);
	curl_easy_setopt(x->easy, CURLOPT_POST, 1L);
	curl_easy_setopt(x->easy, CURLOPT_POSTFIELDS, x->body);
	curl_easy_setopt(x->easy, CURLOPT_POSTFIELDSIZE_LARGE,
	    (curl_off_t)strlen(x->body));
	curl_easy_setopt(x->easy, CURLOPT_HTTPHEADER, x->hdr);
	curl_easy_setopt(x->easy, CURLOPT_PROTOCOLS_STR, "https,http");
	curl_easy_setopt(x->easy, CURLOPT_FOLLOWLOCATION, 0L);
	curl_easy_setopt(x->easy, CURLOPT_CONNECTTIMEOUT_MS, 5000L);
	curl_easy_setopt(x->easy, CURLOPT_TIMEOUT_MS, (long)SAME_TIMEOUT_MS);
	curl_easy_setopt(x->easy, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(x->easy, CURLOPT_WRITEFUNCTION, same_discard_cb);
	curl_easy_setopt(x->easy, CURLOPT_USERAGENT, "tincay/0.1.0");
	if (curl_multi_add_handle(p->multi, x->easy) != CURLM_OK) {
		curl_slist_free_all(x->hdr);
		x->hdr = NULL;
		return -1;
	}
	x->busy = 1;
	p->inflight[lane]++;
	return 0;
}

static void
same_rate_cb(evutil_socket_t fd, short what, void *arg)
{
	same_pump(arg);
}

/*
 * Start what the pool can take: up to SAME_PER_DEST a lane, SAME_INFLIGHT in
 * all, the replies no faster than the rate.
 */
static void
same_pump(struct same *p)
{
	struct same_job	 j;
	struct timeval	 tv;
	double		 now, wait;
	size_t		 lane;

	for (lane = 0; lane < SAME__LANES; lane++) {
		while (p->inflight[lane] < SAME_PER_DEST &&
		    p->due[lane].n > 0) {
			if (lane == SAME_SMS && p->rate > 0) {
				now = same_now();
				if (p->next_sms > now) {
					wait = p->next_sms - now;
					tv.tv_sec = (time_t)wait;
					tv.tv_usec = (suseconds_t)((wait -
					    (double)tv.tv_sec) * 1e6) + 1;
					if (!evtimer_pending(p->rate_timer,
					    NULL))
						evtimer_add(p->rate_timer, &tv);
					break;
				}
				p->next_sms = (p->next_sms < now - 1 ?
				    now - 1 : p->next_sms) + 1 / p->rate;
			}
			same_queue_pop(&p->due[lane], &j);
			if (same_xfer_start(p, lane, &j) == -1) {
				same_queue_push(&p->due[lane], &j);
				return;
			}
		}
	}
}

/* A transfer's end: the row marked sent in this pass's batch, or again. */
static void
same_xfer_done(struct same *p, struct same_xfer *x, CURLcode rc)
{
	long	 status = 0;
	int	 ok;

	curl_easy_getinfo(x->easy, CURLINFO_RESPONSE_CODE, &status);
	curl_multi_remove_handle(p->multi, x->easy);
	curl_slist_free_all(x->hdr);
	x->hdr = NULL;
	x->busy = 0;
	p->inflight[x->lane]--;
	ok = rc == CURLE_OK && status >= 200 && status < 300;
	if (ok && same_batch(p) == 0) {
		sqlite3_bind_int64(p->st[SAME_SENT], 1, x->job.row);
		sqlite3_bind_int64(p->st[SAME_SENT], 2,
		    (sqlite3_int64)time(NULL));
		if (same_step(p->st[SAME_SENT]) == 0) {
			p->nsent[x->lane]++;
			return;
		}
	}
	p->nfailed++;
	same_queue_push(&p->due[x->lane], &x->job);
}

static void
same_curl_drain(struct same *p)
{
	CURLMsg		*m;
	struct same_xfer	*x;
	int		 left;

	while ((m = curl_multi_info_read(p->multi, &left)) != NULL) {
		if (m->msg != CURLMSG_DONE)
			continue;
		curl_easy_getinfo(m->easy_handle, CURLINFO_PRIVATE, &x);
		same_xfer_done(p, x, m->data.result);
	}
	same_pump(p);
}

static void
same_curl_event_cb(evutil_socket_t fd, short what, void *arg)
{
	struct same	*p = arg;
	int		 running, flags = 0;

	if (what & EV_READ)
		flags |= CURL_CSELECT_IN;
	if (what & EV_WRITE)
		flags |= CURL_CSELECT_OUT;
	curl_multi_socket_action(p->multi, fd, flags, &running);
	same_curl_drain(p);
}

static void
same_curl_timer_cb(evutil_socket_t fd, short what, void *arg)
{
	struct same	*p = arg;
	int		 running;

	curl_multi_socket_action(p->multi, CURL_SOCKET_TIMEOUT, 0, &running);
	same_curl_drain(p);
}

/* curl's timer: only armed here (hiperfifo). */
static int
same_curl_timer_fn(CURLM *multi, long ms, void *arg)
{
	struct same	*p = arg;
	struct timeval	 tv;

	if (ms < 0)
		evtimer_del(p->curl_timer);
	else {
		tv.tv_sec = ms / 1000;
		tv.tv_usec = (ms % 1000) * 1000;
		evtimer_add(p->curl_timer, &tv);
	}
	return 0;
}

/* One event per curl socket, made at its first use, freed at REMOVE. */
static int
same_curl_socket_fn(CURL *easy, curl_socket_t s, int what, void *arg,
    void *sockp)
{
	struct same	*p = arg;
	struct event	*ev = sockp;
	short		 kind = EV_PERSIST;

	if (what == CURL_POLL_REMOVE) {
		if (ev != NULL)
			event_free(ev);
		curl_multi_assign(p->multi, s, NULL);
		return 0;
	}
	if (what & CURL_POLL_IN)
		kind |= EV_READ;
	if (what & CURL_POLL_OUT)
		kind |= EV_WRITE;
	if (ev != NULL) {
		event_del(ev);
		event_assign(ev, p->base, s, kind, same_curl_event_cb, p);
	} else {
		if ((ev = event_new(p->base, s, kind, same_curl_event_cb,
		    p)) == NULL)
			same_fatal("event_new");
		curl_multi_assign(p->multi, s, ev);
	}
	event_add(ev, NULL);
	return 0;
}

/* ---------------------------------------------------------------- intake */

static void
same_reply(struct same *p, struct evhttp_request *req, int code,
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

static int
same_hex(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/*
 * The field "name=" of an x-www-form-urlencoded body, decoded into out
 * (cap bytes with its NUL; '+' a space, %XX a byte). 0, or -1 if it is
 * not there or does not fit.
 */
static int
same_field(const char *body, size_t len, const char *name, char *out,
    size_t cap)
{
	size_t		 nlen = strlen(name), i = 0, flen, k, o = 0;
	const char	*amp, *v;
	int		 hi, lo;

	while (i < len) {
		amp = memchr(body + i, '&', len - i);
		flen = (amp != NULL ? (size_t)(amp - body) : len) - i;
		if (flen > nlen && memcmp(body + i, name, nlen) == 0 &&
		    body[i + nlen] == '=') {
			v = body + i + nlen + 1;
			for (k = 0; k < flen - nlen - 1; k++) {
				if (o + 1 >= cap)
					return -1;
				if (v[k] == '+')
					out[o++] = ' ';
				else if (v[k] == '%' &&
				    k + 2 < flen - nlen - 1 &&
				    (hi = same_hex(v[k + 1])) != -1 &&
				    (lo = same_hex(v[k + 2])) != -1) {
					out[o++] = (char)(hi << 4 | lo);
					k += 2;
				} else
					out[o++] = v[k];
			}
			out[o] = '\0';
			return 0;
		}
		i += flen + 1;
	}
	return -1;
}

static void
same_pending_add(struct same *p, struct evhttp_request *req)
{
	struct evhttp_request	**n;
	size_t			  cap;

	if (p->npending == p->cappending) {
		cap = p->cappending ? p->cappending * 2 : 64;
		if ((n = realloc(p->pending, cap * sizeof(*n))) == NULL)
			same_fatal("out of memory");
		p->pending = n;
		p->cappending = cap;
	}
	p->pending[p->npending++] = req;
}

/* A REF's shape: 4 letters of tincayd's alphabet, from the id. */
static void
same_ref(int64_t id, char ref[8])
{
	static const char	 abc[] = "ABCDEFGHJKLMNPQRSTUVWXY3456789";
	uint64_t		 x = same_mix((uint64_t)id);
	int			 i;

	for (i = 0; i < 4; i++, x /= 31)
		ref[i] = abc[x % 30];
	ref[4] = '\0';
}

/* An outbox row of the batch; its id, or -1. */
static int64_t
same_outbox_add(struct same *p, int64_t report, int64_t contact,
    const char *channel, const char *event, const void *dest, size_t dlen,
    int dblob, const void *body, size_t blen, int bblob, int lane,
    const char *dkey, int64_t now)
{
	sqlite3_stmt	*st = p->st[SAME_OUTBOX];

	sqlite3_bind_int64(st, 1, report);
	if (contact > 0)
		sqlite3_bind_int64(st, 2, contact);
	sqlite3_bind_text(st, 3, channel, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 4, event, -1, SQLITE_STATIC);
	if (dblob)
		sqlite3_bind_blob(st, 5, dest, (int)dlen, SQLITE_STATIC);
	else
		sqlite3_bind_text(st, 5, dest, (int)dlen, SQLITE_STATIC);
	if (bblob)
		sqlite3_bind_blob(st, 6, body, (int)blen, SQLITE_STATIC);
	else
		sqlite3_bind_text(st, 6, body, (int)blen, SQLITE_STATIC);
	sqlite3_bind_int(st, 7, lane);
	sqlite3_bind_int64(st, 8, now);
	sqlite3_bind_text(st, 9, dkey, -1, SQLITE_STATIC);
	if (same_step(st) == -1)
		return -1;
	return sqlite3_last_insert_rowid(p->db);
}

/*
 * What one report writes: the report, the message, the alert's and the
 * reply's outbox rows. 0 stored, 1 a duplicate (nothing written), -1.
 */
static int
same_store(struct same *p, const char *id, size_t idlen, struct same_job *j,
    const char *to)
{
	unsigned char	 sender[24 + SAME_SEAL_OVERHEAD];
	unsigned char	 reporter[24 + SAME_SEAL_OVERHEAD];
	unsigned char	 dest[24 + SAME_SEAL_OVERHEAD];
	unsigned char	 body[SAME_FIELD_MAX + SAME_SEAL_OVERHEAD];
	unsigned char	 alert[2 * SAME_FIELD_MAX + SAME_SEAL_OVERHEAD];
	unsigned char	 hash[16];
	char		 reply[160];
	sqlite3_stmt	*st;
	size_t		 nlen = strlen(j->from) + SAME_SEAL_OVERHEAD;
	size_t		 tlen = strlen(j->text) + SAME_SEAL_OVERHEAD;
	size_t		 alen;
	int64_t		 rid, hook, sms;
	int		 rc, rlen;

	st = p->st[SAME_FIND];
	sqlite3_bind_text(st, 1, "africastalking", -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, id, (int)idlen, SQLITE_STATIC);
	rc = sqlite3_step(st);
	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
	if (rc == SQLITE_ROW)
		return 1;
	if (rc != SQLITE_DONE)
		return -1;

	rid = p->next_report;
	same_ref(rid, j->ref);
	same_fill(p, reporter, nlen);
	same_hash(p, j->from, hash);
	st = p->st[SAME_REPORT];
	sqlite3_bind_int64(st, 1, rid);
	sqlite3_bind_text(st, 2, j->ref, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, j->area, -1, SQLITE_STATIC);
	sqlite3_bind_blob(st, 4, reporter, (int)nlen, SQLITE_STATIC);
	sqlite3_bind_int64(st, 5, j->at);
	sqlite3_bind_int64(st, 6, j->at + SAME_ESCALATE_S);
	sqlite3_bind_blob(st, 7, hash, sizeof(hash), SQLITE_STATIC);
	if (same_step(st) == -1)
		return -1;
	p->next_report++;

	rlen = snprintf(reply, sizeof(reply), SAME_REPLY_FMT, j->ref);
	same_fill(p, sender, nlen);
	same_fill(p, body, tlen);
	st = p->st[SAME_MESSAGE];
	sqlite3_bind_text(st, 1, id, (int)idlen, SQLITE_STATIC);
	sqlite3_bind_blob(st, 2, sender, (int)nlen, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, to, -1, SQLITE_STATIC);
	sqlite3_bind_blob(st, 4, body, (int)tlen, SQLITE_STATIC);
	sqlite3_bind_int64(st, 5, rid);
	sqlite3_bind_text(st, 6, reply, rlen, SQLITE_STATIC);
	sqlite3_bind_int64(st, 7, j->at);
	if (same_step(st) == -1)
		return -1;

	/* The alert's body as tincayd's JSON is long, sealed. */
	alen = strlen("{\"event\":\"report.created\",\"ref\":\"\","
	    "\"category\":\"gbv\",\"area\":\"\",\"reporter\":\"\","
	    "\"text\":\"\","
	    "\"received_at\":\"2026-12-01T00:00:00Z\"}") + strlen(j->ref) +
	    strlen(j->area) + strlen(j->from) + strlen(j->text) +
	    SAME_SEAL_OVERHEAD;
	same_fill(p, alert, alen);
	hook = same_outbox_add(p, rid, 1, "webhook", "report.created",
	    p->hook_url, strlen(p->hook_url), 0, alert, alen, 1, SAME_HOOK,
	    p->hook_origin, j->at);
	same_fill(p, dest, nlen);
	sms = same_outbox_add(p, rid, 0, "sms", "reply", dest, nlen, 1, reply,
	    (size_t)rlen, 0, SAME_SMS, "africastalking", j->at);
	if (hook == -1 || sms == -1)
		return -1;
	j->row = hook;
	same_queue_push(&p->batch[SAME_HOOK], j);
	j->row = sms;
	same_queue_push(&p->batch[SAME_SMS], j);
	return 0;
}

static void
same_intake(struct same *p, struct evhttp_request *req,
    const struct evhttp_uri *uri)
{
	struct evbuffer	*in = evhttp_request_get_input_buffer(req);
	const char	*query = evhttp_uri_get_query(uri), *body = "", *t;
	struct same_job	 j;
	char		 id[128], to[32];
	size_t		 len = evbuffer_get_length(in);
	int		 rc;

	if (query == NULL || strstr(query, "token=") == NULL) {
		same_reply(p, req, 401, "no token\n");
		return;
	}
	if (len > 0)
		body = (const char *)evbuffer_pullup(in, -1);
	memset(&j, 0, sizeof(j));
	if (same_field(body, len, "id", id, sizeof(id)) == -1 ||
	    id[0] == '\0' ||
	    same_field(body, len, "from", j.from, sizeof(j.from)) == -1 ||
	    same_field(body, len, "to", to, sizeof(to)) == -1 ||
	    same_field(body, len, "text", j.text, sizeof(j.text)) == -1) {
		same_reply(p, req, 400, "bad form\n");
		return;
	}
	/* The hamlet: what follows "thon " (the load's only keyword). */
	if ((t = strstr(j.text, "thon ")) != NULL && t[5] >= '1' &&
	    t[5] <= '9')
		snprintf(j.area, sizeof(j.area), "T%c", t[5]);
	j.at = (int64_t)time(NULL);
	if (same_batch(p) == -1) {
		same_reply(p, req, 503, "cannot begin\n");
		return;
	}
	if ((rc = same_store(p, id, strlen(id), &j, to)) == -1) {
		/*
		 * Half a report may be in the batch (tincayd's savepoint is
		 * not here): the whole batch is rolled back, every request
		 * of it answered 503.
		 */
		fprintf(stderr, "same: store: %s\n", sqlite3_errmsg(p->db));
		p->broken = 1;
	}
	if (rc == 1)
		p->ndups++;
	else if (rc == 0)
		p->nstored++;
	same_pending_add(p, req);
}

static void
same_request_cb(struct evhttp_request *req, void *arg)
{
	struct same		*p = arg;
	const struct evhttp_uri	*uri = evhttp_request_get_evhttp_uri(req);
	const char		*path;
	enum evhttp_cmd_type	 cmd = evhttp_request_get_command(req);

	p->nrequests++;
	path = uri != NULL ? evhttp_uri_get_path(uri) : NULL;
	if (path == NULL) {
		same_reply(p, req, 400, "bad uri\n");
		return;
	}
	if (strcmp(path, "/healthz") == 0) {
		if (cmd == EVHTTP_REQ_GET || cmd == EVHTTP_REQ_HEAD)
			same_reply(p, req, 200, "ok");
		else
			same_reply(p, req, 405, "method not allowed\n");
		return;
	}
	if (strcmp(path, "/sms/africastalking") == 0) {
		if (cmd != EVHTTP_REQ_POST)
			same_reply(p, req, 405, "method not allowed\n");
		else if (p->stopping)
			same_reply(p, req, 503, "stopping\n");
		else
			same_intake(p, req, uri);
		return;
	}
	same_reply(p, req, 404, "not found\n");
}

/*
 * COMMIT the open batch, answer every request of it (an empty 200, as
 * Africa's Talking's endpoint is answered), hand its rows to delivery.
 */
static void
same_flush(struct same *p)
{
	struct same_job	 j;
	const char	*text = "";
	size_t		 i, lane;
	int		 code = 200, ok = 1;

	p->scheduled = 0;
	if (p->in_tx) {
		if (p->broken || same_step(p->st[SAME_COMMIT]) == -1) {
			fprintf(stderr, "same: commit: %s\n",
			    sqlite3_errmsg(p->db));
			if (sqlite3_get_autocommit(p->db) == 0)
				(void)same_step(p->st[SAME_ROLLBACK]);
			code = 503;
			text = "cannot commit\n";
			ok = 0;
		} else
			p->ncommits++;
		p->in_tx = 0;
		p->broken = 0;
	}
	if (p->npending > p->maxbatch)
		p->maxbatch = p->npending;
	for (i = 0; i < p->npending; i++)
		same_reply(p, p->pending[i], code, text);
	p->npending = 0;
	for (lane = 0; lane < SAME__LANES; lane++)
		while (same_queue_pop(&p->batch[lane], &j) == 0)
			if (ok)
				same_queue_push(&p->due[lane], &j);
	same_pump(p);
}

static void
same_commit_cb(evutil_socket_t fd, short what, void *arg)
{
	same_flush(arg);
}

static void
same_signal_cb(evutil_socket_t sig, short what, void *arg)
{
	struct same	*p = arg;
	struct timeval	 tv = { 0, SAME_DRAIN_MS * 1000 };

	if (p->stopping)
		return;
	p->stopping = 1;
	same_flush(p);
	evconnlistener_disable(p->listener);
	event_base_loopexit(p->base, &tv);
}

/* sink's URLs: the webhook, its origin (tincayd's dkey), the send API. */
static void
same_urls(struct same *p, const char *sink)
{
	size_t	 n = strlen(sink);

	while (n > 0 && sink[n - 1] == '/')
		n--;
	if (n == 0 || n > 200)
		same_usage();
	snprintf(p->hook_origin, sizeof(p->hook_origin), "%.*s", (int)n,
	    sink);
	snprintf(p->hook_url, sizeof(p->hook_url), "%.*s/hook", (int)n, sink);
	snprintf(p->sms_url, sizeof(p->sms_url), "%.*s/version1/messaging",
	    (int)n, sink);
}

static void
same_curl_open(struct same *p)
{
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
		same_fatal("curl_global_init");
	if ((p->multi = curl_multi_init()) == NULL)
		same_fatal("curl_multi_init");
	if ((p->curl_timer = evtimer_new(p->base, same_curl_timer_cb,
	    p)) == NULL || (p->rate_timer = evtimer_new(p->base, same_rate_cb,
	    p)) == NULL)
		same_fatal("evtimer_new");
	curl_multi_setopt(p->multi, CURLMOPT_SOCKETFUNCTION,
	    same_curl_socket_fn);
	curl_multi_setopt(p->multi, CURLMOPT_SOCKETDATA, p);
	curl_multi_setopt(p->multi, CURLMOPT_TIMERFUNCTION, same_curl_timer_fn);
	curl_multi_setopt(p->multi, CURLMOPT_TIMERDATA, p);
	curl_multi_setopt(p->multi, CURLMOPT_MAX_TOTAL_CONNECTIONS,
	    (long)SAME_INFLIGHT);
	curl_multi_setopt(p->multi, CURLMOPT_MAX_HOST_CONNECTIONS,
	    (long)SAME_PER_DEST);
	curl_multi_setopt(p->multi, CURLMOPT_MAXCONNECTS, (long)SAME_INFLIGHT);
}

static void
same_curl_close(struct same *p)
{
	size_t	 i;

	for (i = 0; i < SAME_INFLIGHT; i++) {
		if (p->xfers[i].busy)
			curl_multi_remove_handle(p->multi, p->xfers[i].easy);
		curl_slist_free_all(p->xfers[i].hdr);
		if (p->xfers[i].easy != NULL)
			curl_easy_cleanup(p->xfers[i].easy);
	}
	curl_multi_cleanup(p->multi);
	event_free(p->curl_timer);
	event_free(p->rate_timer);
	curl_global_cleanup();
}

int
main(int argc, char *argv[])
{
	struct same	 p;
	const char	*dbpath = NULL, *portfile = NULL, *sink = NULL;
	size_t		 lane;
	int		 ch, port = 0;

	memset(&p, 0, sizeof(p));
	while ((ch = getopt(argc, argv, "d:p:P:r:s:")) != -1) {
		switch (ch) {
		case 'd':
			dbpath = optarg;
			break;
		case 'p':
			port = (int)bench_number(optarg, 0, 65535, same_usage);
			break;
		case 'P':
			portfile = optarg;
			break;
		case 'r':
			p.rate = (double)bench_number(optarg, 0, 1000000,
			    same_usage);
			break;
		case 's':
			sink = optarg;
			break;
		default:
			same_usage();
		}
	}
	if (dbpath == NULL || sink == NULL || optind != argc)
		same_usage();

	signal(SIGPIPE, SIG_IGN);
	same_urls(&p, sink);
	p.rnd = (uint64_t)time(NULL) ^ ((uint64_t)getpid() << 32);
	p.hashkey = same_random(&p);
	same_db_open(&p, dbpath);

	if ((p.base = event_base_new()) == NULL)
		same_fatal("event_base_new");
	/* As probe.c: the commit event at priority 1 ends the pass. */
	if (event_base_priority_init(p.base, 2) == -1)
		same_fatal("event_base_priority_init");
	if ((p.commit = event_new(p.base, -1, 0, same_commit_cb, &p)) == NULL)
		same_fatal("event_new");
	event_priority_set(p.commit, 1);
	p.sigterm = evsignal_new(p.base, SIGTERM, same_signal_cb, &p);
	p.sigint = evsignal_new(p.base, SIGINT, same_signal_cb, &p);
	if (p.sigterm == NULL || p.sigint == NULL ||
	    event_add(p.sigterm, NULL) == -1 || event_add(p.sigint, NULL) == -1)
		same_fatal("signals");
	same_curl_open(&p);

	if ((p.http = evhttp_new(p.base)) == NULL)
		same_fatal("evhttp_new");
	evhttp_set_max_body_size(p.http, SAME_MAX_BODY);
	evhttp_set_max_headers_size(p.http, SAME_MAX_HEADERS);
	evhttp_set_allowed_methods(p.http, EVHTTP_REQ_GET | EVHTTP_REQ_POST |
	    EVHTTP_REQ_HEAD);
	evhttp_set_gencb(p.http, same_request_cb, &p);
	p.listener = bench_listen(p.base, "same", port, SAME_BACKLOG, &port);
	if (evhttp_bind_listener(p.http, p.listener) == NULL)
		same_fatal("evhttp_bind_listener");
	if (portfile != NULL)
		bench_write_portfile(portfile, port);
	fprintf(stderr, "same: listening on 127.0.0.1:%d, db %s, sink %s, "
	    "replies %.0f/s\n", port, dbpath, p.hook_origin, p.rate);

	if (event_base_dispatch(p.base) == -1)
		same_fatal("event_base_dispatch");
	same_flush(&p);

	fprintf(stderr, "same: %llu requests, %llu stored, %llu "
	    "duplicates, %llu commits (%.1f per commit, at most %llu); sent "
	    "%llu alerts, %llu replies, %llu failed transfers, %zu left\n",
	    p.nrequests, p.nstored, p.ndups, p.ncommits, p.ncommits ?
	    (double)(p.nstored + p.ndups) / (double)p.ncommits : 0.0,
	    p.maxbatch, p.nsent[SAME_HOOK], p.nsent[SAME_SMS], p.nfailed,
	    p.due[SAME_HOOK].n + p.due[SAME_SMS].n);
	evhttp_free(p.http);
	same_curl_close(&p);
	event_free(p.commit);
	event_free(p.sigterm);
	event_free(p.sigint);
	event_base_free(p.base);
	same_db_close(&p);
	for (lane = 0; lane < SAME__LANES; lane++) {
		free(p.batch[lane].jobs);
		free(p.due[lane].jobs);
	}
	free(p.pending);
	return 0;
}
