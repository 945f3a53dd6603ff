/*
 * outbox.c: delivery of the durable outbox, at least once. A timer picks the
 * due rows, leases them, and hands each to its channel (console, webhook,
 * or SMS through sms_out.via); fetch.c reports back and the row becomes
 * sent, due again after a backoff, or failed (which escalates its report).
 * The same timer escalates reports nobody acknowledged in time.
 */
#include <sys/queue.h>

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>
#include <event2/event.h>
#include <sqlite3.h>

#include "tincay.h"
#include "../handlers/handlers.h"

#define OUTBOX_TICK_MS		250
#define OUTBOX_BATCH		64
#define OUTBOX_RETRY_AFTER_MAX_S 3600
#define OUTBOX_GIVE_UP_S	(24 * 3600)
#define OUTBOX_MAX_ESCALATIONS	3

struct outbox_job;

struct outbox {
	struct tincay	*tc;
	struct fetch	*fetch;
	struct event	*timer;
	struct event	*kick;		/* a pass now, from the loop */
	TAILQ_HEAD(, outbox_job) jobs;	/* in flight */
	double		 tokens;	/* SMS allowed now (rate limit) */
	int64_t		 refilled_ms;
	uint64_t	 n_sent, n_retried, n_failed, n_escalated;
};

/* One row in flight: what the result callback needs. */
struct outbox_job {
	TAILQ_ENTRY(outbox_job) entry;
	struct outbox	*ob;
	int64_t		 id;
	int64_t		 report_id;
	int64_t		 created_at;
	int		 attempts;
};

/* A request under construction; freed after fetch_post() copied it. */
struct outbox_req {
	char		*url;
	char		*headers[6];
	size_t		 nheaders;
	char		*body;
	char		*userpwd;
};

/* A due row, borrowed from the statement while it is handled. */
struct outbox_row_due {
	int64_t		 id;
	const char	*channel, *dest, *body, *idem_key, *event;
	int		 attempts;
	int64_t		 created_at, report_id;
};

typedef int	 (*outbox_build_fn)(const struct config *,
		    const struct outbox_row_due *, struct outbox_req *);

static void
outbox_req_clear(struct outbox_req *q)
{
	size_t	 i;

	free(q->url);
	for (i = 0; i < q->nheaders; i++)
		free(q->headers[i]);
	free(q->body);
	free(q->userpwd);
	memset(q, 0, sizeof(*q));
}

static void
outbox_header(struct outbox_req *q, char *h)
{
	if (q->nheaders < sizeof(q->headers) / sizeof(q->headers[0]))
		q->headers[q->nheaders++] = h;
	else
		free(h);
}

/* Our signature and idempotency key, as for webhooks (SPEC §5). */
static void
outbox_sign(const struct config *conf, const struct outbox_row_due *r,
    struct outbox_req *q)
{
	char	*msg, hex[65];
	long long t = (long long)util_now();

	msg = xasprintf("%lld.%s", t, q->body);
	if (util_hmac_sha256_hex(conf->webhook_secret, msg, strlen(msg),
	    hex) == 0)
		outbox_header(q, xasprintf("X-Tincay-Signature: t=%lld,v1=%s",
		    t, hex));
	free(msg);
	outbox_header(q, xasprintf("Idempotency-Key: %s", r->idem_key));
}

static int
outbox_build_webhook(const struct config *conf,
    const struct outbox_row_due *r, struct outbox_req *q)
{
	q->url = xstrdup(r->dest);
	q->body = xstrdup(r->body);
	outbox_header(q, xstrdup("Content-Type: application/json"));
	outbox_sign(conf, r, q);
	return 0;
}

/* sms_out.via generic: JSON {"to","text","id"} to sms_out.url. */
static int
outbox_build_generic(const struct config *conf,
    const struct outbox_row_due *r, struct outbox_req *q)
{
	char	*to, *text, *id;

	to = util_json_string(r->dest);
	text = util_json_string(r->body);
	id = util_json_string(r->idem_key);
	q->url = xstrdup(conf->sms_out.url);
	q->body = xasprintf("{\"to\":%s,\"text\":%s,\"id\":%s}", to, text, id);
	free(to);
	free(text);
	free(id);
	outbox_header(q, xstrdup("Content-Type: application/json"));
	outbox_sign(conf, r, q);
	return 0;
}

/* Twilio's Messages API: basic auth, form To/From/Body. */
static int
outbox_build_twilio(const struct config *conf,
    const struct outbox_row_due *r, struct outbox_req *q)
{
	struct form_buf	 b = { NULL, 0, 0 };

	form_add(&b, "To", r->dest);
	form_add(&b, "From", conf->twilio.from);
	form_add(&b, "Body", r->body);
	q->url = xasprintf("%s/2010-04-01/Accounts/%s/Messages.json",
	    conf->twilio.api_base, conf->twilio.account_sid);
	q->body = b.buf;
	q->userpwd = xasprintf("%s:%s", conf->twilio.account_sid,
	    conf->twilio.auth_token);
	outbox_header(q, xstrdup("Content-Type: "
	    "application/x-www-form-urlencoded"));
	outbox_header(q, xasprintf("Idempotency-Key: %s", r->idem_key));
	return 0;
}

/* Africa's Talking's send API, as its SDK builds the request. */
static int
outbox_build_africastalking(const struct config *conf,
    const struct outbox_row_due *r, struct outbox_req *q)
{
	struct africastalking_req	 at;
	char				 err[128];
	size_t				 i;

	if (africastalking_send_request(conf, r->dest, r->body, &at, err,
	    sizeof(err)) == -1) {
		log_warnx("%s: #%lld: %s", __func__, (long long)r->id, err);
		return -1;
	}
	q->url = at.url;
	q->body = at.body;
	for (i = 0; i < at.nheaders; i++)
		outbox_header(q, at.headers[i]);
	return 0;
}

/* SMS by sms_out.via; console is handled without a request. */
static const struct {
	const char	*via;
	outbox_build_fn	 build;
} outbox_sms_vias[] = {
	{ "generic", outbox_build_generic },
	{ "twilio", outbox_build_twilio },
	{ "africastalking", outbox_build_africastalking },
};

static outbox_build_fn
outbox_builder(const struct config *conf, const char *channel)
{
	size_t	 i;

	if (strcmp(channel, "webhook") == 0)
		return outbox_build_webhook;
	for (i = 0; i < sizeof(outbox_sms_vias) / sizeof(outbox_sms_vias[0]);
	    i++)
		if (strcmp(outbox_sms_vias[i].via, conf->sms_out.via) == 0)
			return outbox_sms_vias[i].build;
	return NULL;
}

/* Write the outcome of one attempt. */
static void
outbox_record(struct outbox *ob, int64_t id, const char *status,
    int64_t next_at, const char *error)
{
	struct store	*st = ob->tc->store;
	sqlite3_stmt	*s;

	if (store_begin(st) == -1)
		return;
	s = store_stmt(st, ST_OUTBOX_RESULT);
	sqlite3_bind_int64(s, 1, id);
	store_bind_text(s, 2, status);
	sqlite3_bind_int64(s, 3, next_at);
	if (strcmp(status, "sent") == 0)
		sqlite3_bind_int64(s, 4, util_now());
	store_bind_text(s, 5, error);
	(void)store_run(st, ST_OUTBOX_RESULT);
	http_commit_soon(ob->tc->http);
}

/* A failed alert: its report goes up now rather than at after_s. */
static void
outbox_escalate_now(struct outbox *ob, int64_t report_id)
{
	struct store	*st = ob->tc->store;
	sqlite3_stmt	*s;

	if (report_id == 0 || store_begin(st) == -1)
		return;
	s = store_stmt(st, ST_REPORT_ESCALATE_NOW);
	sqlite3_bind_int64(s, 1, report_id);
	sqlite3_bind_int64(s, 2, util_sched_now());
	(void)store_run(st, ST_REPORT_ESCALATE_NOW);
}

/*
 * Milliseconds to wait before attempt n + 1: exponential from
 * limits.retry_base_ms, capped at limits.retry_max_s, with jitter that
 * keeps it in [1/2, 1] of that.
 */
int64_t
outbox_backoff_ms(const struct config *conf, int attempts)
{
	double		 d;
	uint32_t	 r = 0;

	d = conf->limits.retry_base_ms * pow(2.0, attempts < 30 ? attempts :
	    30);
	if (d > conf->limits.retry_max_s * 1000.0)
		d = conf->limits.retry_max_s * 1000.0;
	(void)util_random(&r, sizeof(r));
	d *= 0.5 + 0.5 * ((double)r / 4294967296.0);
	return d < 1 ? 1 : (int64_t)d;
}

/* Retry-After: delta seconds or an HTTP date; -1 if absent or bad. */
int64_t
outbox_retry_after(const char *v)
{
	char	*end;
	long	 n;
	time_t	 t;

	if (v == NULL || *v == '\0')
		return -1;
	n = strtol(v, &end, 10);
	if (*end == '\0' && n >= 0)
		return n;
	if ((t = curl_getdate(v, NULL)) == -1)
		return -1;
	return (int64_t)t - util_now() > 0 ? (int64_t)t - util_now() : 0;
}

/* What to do with a response: the delivery rules of SPEC §5. */
enum outbox_verdict
outbox_judge(const struct fetch_result *r, char *why, size_t whylen)
{
	if (r->curl_code != 0) {
		snprintf(why, whylen, "%s", r->error ? r->error : "transfer "
		    "failed");
		/* A URL we will never be able to use is not worth retrying. */
		return r->curl_code == CURLE_UNSUPPORTED_PROTOCOL ||
		    r->curl_code == CURLE_URL_MALFORMAT ? OB_FAILED : OB_RETRY;
	}
	snprintf(why, whylen, "HTTP %ld", r->status);
	if (r->status >= 200 && r->status < 300)
		return OB_SENT;
	if (r->status == 408 || r->status == 429 || r->status >= 500)
		return OB_RETRY;
	if (r->status >= 300 && r->status < 400)
		snprintf(why, whylen, "HTTP %ld: redirects are not followed",
		    r->status);
	return OB_FAILED;
}

static void
outbox_done_cb(const struct fetch_result *r, void *arg)
{
	struct outbox_job	*job = arg;
	struct outbox		*ob = job->ob;
	enum outbox_verdict	 v;
	char			 why[256];
	int64_t			 now = util_sched_now(), delay, ra;

	v = outbox_judge(r, why, sizeof(why));
	if (v == OB_RETRY && util_now() - job->created_at >= OUTBOX_GIVE_UP_S) {
		v = OB_FAILED;
		snprintf(why + strlen(why), sizeof(why) - strlen(why),
		    "; giving up after 24 h");
	}
	switch (v) {
	case OB_SENT:
		ob->n_sent++;
		outbox_record(ob, job->id, "sent", now, NULL);
		break;
	case OB_RETRY:
		ob->n_retried++;
		delay = (outbox_backoff_ms(ob->tc->conf, job->attempts) +
		    999) / 1000;
		if (r->status == 429 &&
		    (ra = outbox_retry_after(r->retry_after)) >= 0)
			delay = ra < OUTBOX_RETRY_AFTER_MAX_S ? ra :
			    OUTBOX_RETRY_AFTER_MAX_S;
		log_info("outbox: #%lld: %s; retry in %lld s",
		    (long long)job->id, why, (long long)delay);
		outbox_record(ob, job->id, "pending", now + delay, why);
		break;
	case OB_FAILED:
		ob->n_failed++;
		log_warnx("outbox: #%lld failed: %s", (long long)job->id, why);
		outbox_record(ob, job->id, "failed", now, why);
		outbox_escalate_now(ob, job->report_id);
		break;
	}
	TAILQ_REMOVE(&ob->jobs, job, entry);
	free(job);
}

/* Start one due row; 0 started (or printed), -1 left for later. */
static int
outbox_start(struct outbox *ob, const struct outbox_row_due *row)
{
	const struct config	*conf = ob->tc->conf;
	struct outbox_req	 q;
	struct fetch_req	 fr;
	struct outbox_job	*job;
	outbox_build_fn		 build;
	sqlite3_stmt		*s;
	int			 sms = strcmp(row->channel, "sms") == 0;

	if (sms) {
		if (ob->tokens < 1)
			return -1;
		ob->tokens -= 1;
	}
	if (sms && strcmp(conf->sms_out.via, "console") == 0) {
		/*
		 * The operator's screen stands in for the phone. Print only
		 * once the row can be marked sent in this batch: a database
		 * busy with another writer must not print it twice.
		 */
		if (store_begin(ob->tc->store) == -1) {
			ob->tokens += 1;
			return -1;
		}
		printf("console sms #%lld to %s: %s\n", (long long)row->id,
		    row->dest, row->body);
		fflush(stdout);
		outbox_record(ob, row->id, "sent", util_sched_now(), NULL);
		ob->n_sent++;
		return 0;
	}
	if ((build = outbox_builder(conf, row->channel)) == NULL) {
		outbox_record(ob, row->id, "failed", util_sched_now(),
		    "no channel for this row");
		return 0;
	}
	memset(&q, 0, sizeof(q));
	if (build(conf, row, &q) == -1) {
		outbox_req_clear(&q);
		outbox_record(ob, row->id, "failed", util_sched_now(),
		    "cannot build the request");
		outbox_escalate_now(ob, row->report_id);
		return 0;
	}
	memset(&fr, 0, sizeof(fr));
	fr.url = q.url;
	fr.headers = (const char *const *)q.headers;
	fr.nheaders = q.nheaders;
	fr.body = q.body;
	fr.bodylen = strlen(q.body);
	fr.userpwd = q.userpwd;
	fr.timeout_ms = (long)conf->limits.request_timeout_s * 1000;
	fr.allow_http = conf->allow_http;
	job = xcalloc(1, sizeof(*job));
	job->ob = ob;
	job->id = row->id;
	job->report_id = row->report_id;
	job->created_at = row->created_at;
	job->attempts = row->attempts;
	/* Lease the row first: a crash mid-flight retries it, later. */
	if (store_begin(ob->tc->store) == -1) {
		free(job);
		outbox_req_clear(&q);
		return -1;
	}
	s = store_stmt(ob->tc->store, ST_OUTBOX_LEASE);
	sqlite3_bind_int64(s, 1, row->id);
	sqlite3_bind_int64(s, 2, util_sched_now() + conf->limits.lease_s +
	    conf->limits.request_timeout_s);
	(void)store_run(ob->tc->store, ST_OUTBOX_LEASE);
	if (fetch_post(ob->fetch, &fr, outbox_done_cb, job) == -1) {
		free(job);
		log_warnx("%s: #%lld: cannot start a transfer", __func__,
		    (long long)row->id);
	} else
		TAILQ_INSERT_TAIL(&ob->jobs, job, entry);
	outbox_req_clear(&q);
	return 0;
}

/* Escalate the reports whose time is up. */
static void
outbox_escalate(struct outbox *ob, int64_t now)
{
	struct tincay		*tc = ob->tc;
	struct store		*st = tc->store;
	sqlite3_stmt		*s;
	int64_t			 ids[16];
	int			 n = 0, i, sent;

	s = store_stmt(st, ST_REPORTS_ESCALATE_DUE);
	sqlite3_bind_int64(s, 1, now);
	while (n < 16 && sqlite3_step(s) == SQLITE_ROW)
		ids[n++] = sqlite3_column_int64(s, 0);
	store_done(s);
	for (i = 0; i < n; i++) {
		struct report_row	 row;
		struct alert_report	 r;
		const struct escalation	*esc;
		int			 cat;
		int64_t			 next = 0;

		if (store_begin(st) == -1 ||
		    store_report_get(st, ids[i], NULL, &row) != 1)
			return;
		cat = config_category_lookup(row.category);
		esc = cat >= 0 ? &tc->conf->escalation[cat] : NULL;
		alert_from_row(&row, &r);
		sent = esc && esc->to.n ? alert_notify(st, tc->conf, &r,
		    "report.escalated", &esc->to, 0, now) : 0;
		if (sent == 0)
			log_warnx("%s: report %s: no escalation contact; "
			    "NOBODY NEW ALERTED", __func__, row.ref);
		else
			log_info("escalation: report %s level %d: %d alerts",
			    row.ref, row.escalation_level + 1, sent);
		if (esc && esc->after_s > 0 &&
		    row.escalation_level + 1 < OUTBOX_MAX_ESCALATIONS)
			next = now + esc->after_s;
		s = store_stmt(st, ST_REPORT_ESCALATED);
		sqlite3_bind_int64(s, 1, row.id);
		store_bind_id(s, 2, next);
		(void)store_run(st, ST_REPORT_ESCALATED);
		store_report_row_clear(&row);
		ob->n_escalated++;
	}
	if (n > 0)
		http_flush(tc->http);
}

static void
outbox_refill(struct outbox *ob)
{
	int64_t	 now = util_mono_ms();
	double	 rate = ob->tc->conf->sms_out.rate_per_second;

	ob->tokens += (double)(now - ob->refilled_ms) * rate / 1000.0;
	if (ob->tokens > rate)
		ob->tokens = rate;
	ob->refilled_ms = now;
}

static void
outbox_row_clear(struct outbox_row_due *r)
{
	free((void *)(uintptr_t)r->channel);
	free((void *)(uintptr_t)r->dest);
	free((void *)(uintptr_t)r->body);
	free((void *)(uintptr_t)r->idem_key);
	free((void *)(uintptr_t)r->event);
}

int
outbox_pass(struct outbox *ob)
{
	struct store		*st = ob->tc->store;
	struct outbox_row_due	 rows[OUTBOX_BATCH];
	sqlite3_stmt		*s;
	int64_t			 now = util_sched_now();
	int			 n = 0, i, started = 0;

	if (ob->tc->stopping)
		return 0;
	outbox_refill(ob);
	outbox_escalate(ob, now);
	/* Copy the due rows out before touching any: leasing a row moves
	 * it in the index the SELECT walks. */
	s = store_stmt(st, ST_OUTBOX_DUE);
	sqlite3_bind_int64(s, 1, now);
	sqlite3_bind_int(s, 2, OUTBOX_BATCH);
	while (n < OUTBOX_BATCH && sqlite3_step(s) == SQLITE_ROW) {
		rows[n].id = sqlite3_column_int64(s, 0);
		rows[n].channel = xstrdup(store_col_text(s, 1));
		rows[n].dest = xstrdup(store_col_text(s, 2));
		rows[n].body = xstrdup(store_col_text(s, 3));
		rows[n].idem_key = xstrdup(store_col_text(s, 4));
		rows[n].attempts = sqlite3_column_int(s, 5);
		rows[n].created_at = sqlite3_column_int64(s, 6);
		rows[n].report_id = sqlite3_column_int64(s, 7);
		rows[n].event = xstrdup(store_col_text(s, 8));
		n++;
	}
	store_done(s);
	for (i = 0; i < n; i++) {
		if (outbox_start(ob, &rows[i]) == 0)
			started++;
		outbox_row_clear(&rows[i]);
	}
	if (store_in_tx(st))
		http_flush(ob->tc->http);
	/* A full batch all started: more may be due; go on from the loop.
	 * (Rows held back by the SMS rate wait for the tick.) */
	if (n == OUTBOX_BATCH && started == n)
		outbox_kick(ob);
	return started;
}

void
outbox_kick(struct outbox *ob)
{
	if (ob != NULL && !event_pending(ob->kick, EV_TIMEOUT, NULL))
		event_active(ob->kick, EV_TIMEOUT, 1);
}

static void
outbox_tick_cb(evutil_socket_t fd, short ev, void *arg)
{
	(void)outbox_pass(arg);
}

struct outbox *
outbox_new(struct tincay *tc)
{
	struct outbox	*ob;
	struct timeval	 tv = { 0, OUTBOX_TICK_MS * 1000 };

	ob = xcalloc(1, sizeof(*ob));
	ob->tc = tc;
	ob->fetch = fetch_new(tc->base);
	ob->refilled_ms = util_mono_ms();
	ob->tokens = 1;
	TAILQ_INIT(&ob->jobs);
	ob->timer = event_new(tc->base, -1, EV_PERSIST, outbox_tick_cb, ob);
	ob->kick = event_new(tc->base, -1, 0, outbox_tick_cb, ob);
	evtimer_add(ob->timer, &tv);
	return ob;
}

/*
 * Stop: transfers still in flight are abandoned; their rows are made due
 * again at once (the lease was only for a crash), so the next start sends
 * them without waiting out the lease.
 */
void
outbox_free(struct outbox *ob)
{
	struct store		*st;
	struct outbox_job	*job;
	sqlite3_stmt		*s;

	if (ob == NULL)
		return;
	st = ob->tc->store;
	if (!TAILQ_EMPTY(&ob->jobs) && store_begin(st) == 0) {
		TAILQ_FOREACH(job, &ob->jobs, entry) {
			s = store_stmt(st, ST_OUTBOX_LEASE);
			sqlite3_bind_int64(s, 1, job->id);
			sqlite3_bind_int64(s, 2, util_sched_now());
			(void)store_run(st, ST_OUTBOX_LEASE);
		}
		http_flush(ob->tc->http);
	}
	while ((job = TAILQ_FIRST(&ob->jobs)) != NULL) {
		TAILQ_REMOVE(&ob->jobs, job, entry);
		free(job);
	}
	event_free(ob->timer);
	event_free(ob->kick);
	fetch_free(ob->fetch);
	free(ob);
}

void
outbox_metrics(const struct outbox *ob, struct outbox_stats *s)
{
	s->sent = ob->n_sent;
	s->retried = ob->n_retried;
	s->failed = ob->n_failed;
	s->escalated = ob->n_escalated;
	s->inflight = fetch_inflight(ob->fetch);
}
