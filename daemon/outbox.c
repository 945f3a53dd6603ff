/*
 * outbox.c: delivery of the durable outbox, at least once, bounded. A pass
 * leases (in memory: one daemon owns the database) only as many due rows
 * as it can start now, at most OUTBOX_INFLIGHT in all and OUTBOX_PER_DEST
 * to one destination, the sizes of fetch.c's connection pool, so no
 * transfer ever waits for a connection; the rest wait in SQLite. Each row
 * goes to its channel (console, webhook, or SMS through sms_out.via);
 * fetch.c reports back and the row becomes sent, due again after a
 * backoff, or failed; the pool is topped up when it is half empty. An SMS
 * a provider took keeps the provider's id for it, for its delivery
 * receipts (core/receipt.c), and takes one that came before that id was
 * known; one its answer refuses is failed. A row
 * that failed for good marks its report due for escalation in the store,
 * for the housekeeping tick (housekeep.c) to pick up: delivery only
 * delivers.
 */
#include <sys/queue.h>
#include <sys/socket.h>

#include <fcntl.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <curl/curl.h>
#include <event2/event.h>

#include "tincayd.h"
#include "provider.h"

#define OUTBOX_TICK_MS		250
#define OUTBOX_INFLIGHT		FETCH_MAX_CONNS
#define OUTBOX_PER_DEST		FETCH_MAX_HOST_CONNS
#define OUTBOX_BROADCAST_MAX	(OUTBOX_PER_DEST / 2)	/* to one destination */
#define OUTBOX_RETRY_AFTER_MAX_S 3600
#define OUTBOX_GIVE_UP_S	(24 * 3600)

struct outbox_job;

struct outbox {
	struct tincay	*tc;
	struct fetch	*fetch;
	struct event	*timer;
	struct event	*kick;		/* a pass now, from the loop */
	struct event	*wake;		/* another daemon added rows */
	int		 wake_fd;	/* ours: a dup of the server's socket */
	uint64_t	 wake_epoch;	/* the lease wake watches for */
	TAILQ_HEAD(, outbox_job) jobs;	/* the leases: in flight, or done
					   with a result not yet committed */
	size_t		 njobs;		/* in flight */
	uint64_t	 epoch;		/* store_leader(): 0 not ours now */
	double		 tokens;	/* SMS allowed now (rate limit) */
	int64_t		 refilled_ms;
	uint64_t	 n_sent, n_retried, n_failed;
};

/* One row in flight: what the result callback needs. */
struct outbox_job {
	TAILQ_ENTRY(outbox_job) entry;
	struct outbox	*ob;
	int64_t		 id;
	uint64_t	 epoch;		/* store_leader()'s, when leased */
	int64_t		 failing_since;	/* its first failure; 0: none */
	int		 attempts;
	char		 dest[OUTBOX_DKEY_MAX];	/* where it connects */
	int		 lane;			/* OUTBOX_LANE_* */
	char		 ref[REF_MAX];		/* for the log: its report */
	char		 role[64];		/* and its contact's role */
	const struct provider *via;		/* an SMS's provider, or NULL */
	char		 msg[RECEIPT_KEY_MAX];	/* the provider's id for it */
	/*
	 * Done: the transfer is over and its result below must reach the
	 * database before the lease ends, or the row, still pending there,
	 * would be sent again. Written: the result is in the open batch; the
	 * lease ends when that batch commits, and a rollback writes it again.
	 */
	int		 done;
	int		 written;
	int		 stale;		/* leased under another epoch */
	const char	*status;
	int64_t		 ended;			/* scheduling seconds */
	int64_t		 next_at;
	int		 escalate;
	char		 error[256];
};

/* A webhook alert: the JSON body (m->text) to the contact's URL (m->to),
 * signed. */
static int
outbox_webhook(const struct config *conf, const struct provider_sms *m,
    struct provider_send *r, char *err, size_t errlen)
{
	provider_send_json(r, m->to, xstrdup(m->text), conf->webhook_secret,
	    m->key);
	return 0;
}

/*
 * Who builds the request for a row of channel: the webhook builder, or the
 * provider of sms_out.via (console has no request: outbox_console), then
 * in *via. NULL: nobody.
 */
static provider_send_fn
outbox_builder(const struct config *conf, const struct outbox_due *row,
    const struct provider **via)
{
	const struct provider	*p;

	*via = NULL;
	if (strcmp(row->channel, "webhook") == 0)
		return outbox_webhook;
	if (strcmp(row->channel, "sms") == 0 && (p = provider_find(
	    row->dkey[0] != '\0' ? row->dkey : conf->sms_out.via)) != NULL) {
		*via = p;
		return p->build_send;
	}
	return NULL;
}

/* 1 if an SMS row goes to the console: sms_out's, with console as via. */
static int
outbox_is_console(const struct config *conf, int lane, const char *dkey)
{
	return lane != OUTBOX_LANE_WEBHOOK && dkey[0] == '\0' &&
	    strcmp(conf->sms_out.via, "console") == 0;
}

/* Write the outcome of one attempt, ended at now, into the batch (msg:
 * the provider's id for the SMS, or NULL); 0, or -1. */
static int
outbox_record(struct outbox *ob, int64_t id, const char *status,
    int64_t now, int64_t next_at, const char *error, const char *msg)
{
	return store_outbox_result(ob->tc->store, id, status, now, next_at,
	    strcmp(status, "sent") == 0 ? util_now() : 0, error, msg);
}

/* The outcome of an attempt that ends now for good: sent or failed. */
static int
outbox_record_now(struct outbox *ob, int64_t id, const char *status,
    const char *error)
{
	int64_t	 now = util_sched_now();

	return outbox_record(ob, id, status, now, now, error, NULL);
}

/* A row failed for good: the line names its REF and who it was for. */
static void
outbox_log_failed(int64_t id, const char *ref, const char *role,
    const char *why)
{
	log_warnx("outbox: #%lld failed: report %s, alert to %s: %s",
	    (long long)id, *ref != '\0' ? ref : "(none)",
	    *role != '\0' ? role : "(no contact)", why);
}

/*
 * Row id failed for good: if it was one of its report's first alerts, the
 * report is due for escalation now, not at after_s. The store holds that,
 * and its batch tells the housekeeping tick once it commits (housekeep.c).
 */
static void
outbox_escalate_now(struct outbox *ob, int64_t id)
{
	(void)store_outbox_escalate_at(ob->tc->store, id, util_sched_now());
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

/*
 * Retry-After: delta seconds or an HTTP date, as milliseconds from now_ms
 * (the wall clock); -1 if absent or bad. Seconds are integers in RFC 9110;
 * a fraction ("1.5") is taken as written, never cut.
 */
int64_t
outbox_retry_after(const char *v, int64_t now_ms)
{
	const char	*p = v;
	int64_t		 ms = 0, unit;
	time_t		 t;
	int		 up = 0;

	if (v == NULL || *v == '\0')
		return -1;
	for (; *p >= '0' && *p <= '9'; p++)
		if (ms < OUTBOX_RETRY_AFTER_MAX_S * 1000LL)
			ms = ms * 10 + (*p - '0') * 1000;
	if (p > v && *p == '.')
		for (p++, unit = 100; *p >= '0' && *p <= '9'; p++, unit /= 10) {
			if (unit > 0)
				ms += (*p - '0') * unit;
			else if (*p != '0')
				up = 1;	/* below a millisecond: round up */
		}
	if (p > v && *p == '\0')
		return ms + up;
	if ((t = curl_getdate(v, NULL)) == -1)
		return -1;
	ms = (int64_t)t * 1000 - now_ms;
	return ms > 0 ? ms : 0;
}

/* Transfer errors that no retry mends: a URL we cannot use, TLS (SPEC §5). */
static const CURLcode outbox_fatal_curl[] = {
	CURLE_UNSUPPORTED_PROTOCOL,
	CURLE_URL_MALFORMAT,
	CURLE_SSL_CONNECT_ERROR,	/* handshake, e.g. https to plain http */
	CURLE_PEER_FAILED_VERIFICATION,	/* certificate: self-signed, name */
	CURLE_SSL_ENGINE_NOTFOUND,
	CURLE_SSL_ENGINE_SETFAILED,
	CURLE_SSL_ENGINE_INITFAILED,
	CURLE_SSL_CERTPROBLEM,
	CURLE_SSL_CIPHER,
	CURLE_SSL_CACERT_BADFILE,
	CURLE_SSL_CRL_BADFILE,
	CURLE_SSL_ISSUER_ERROR,
	CURLE_SSL_PINNEDPUBKEYNOTMATCH,
	CURLE_SSL_INVALIDCERTSTATUS,
	CURLE_SSL_CLIENTCERT,
};

/* What to do with a response: the delivery rules of SPEC §5. */
enum outbox_verdict
outbox_judge(const struct fetch_result *r, char *why, size_t whylen)
{
	size_t	 i;

	if (r->curl_code != 0) {
		snprintf(why, whylen, "%s", r->error ? r->error : "transfer "
		    "failed");
		for (i = 0; i < sizeof(outbox_fatal_curl) /
		    sizeof(outbox_fatal_curl[0]); i++)
			if (r->curl_code == (int)outbox_fatal_curl[i])
				return OB_FAILED;
		return OB_RETRY;
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

/*
 * When a retried row is due again, in scheduling seconds: after the
 * backoff, or after Retry-After on 429 and 503 (SPEC §5; at most an
 * hour), rounded up, so that it is never tried before the time asked.
 * sched_ms and wall_ms are now on util_sched_now_ms() and the wall clock.
 */
int64_t
outbox_retry_at(const struct config *conf, const struct fetch_result *r,
    int attempts, int64_t sched_ms, int64_t wall_ms)
{
	int64_t	 delay = -1;

	if (r->status == 429 || r->status == 503)
		delay = outbox_retry_after(r->retry_after, wall_ms);
	if (delay == -1)
		delay = outbox_backoff_ms(conf, attempts);
	if (delay > OUTBOX_RETRY_AFTER_MAX_S * 1000LL)
		delay = OUTBOX_RETRY_AFTER_MAX_S * 1000LL;
	return (sched_ms + delay + 999) / 1000;
}

static void
outbox_job_end(struct outbox *ob, struct outbox_job *job)
{
	TAILQ_REMOVE(&ob->jobs, job, entry);
	if (!job->done)
		ob->njobs--;
	free(job);
}

/* Write a done job's result into the open batch, if it is not yet. */
static void
outbox_job_write(struct outbox *ob, struct outbox_job *job)
{
	/*
	 * Leased while this daemon held the leader's lock on a connection
	 * that is gone: another daemon may have leased the row since, and
	 * its result is the one that counts. Nothing written; the row,
	 * still pending, goes again (the same Idempotency-Key).
	 */
	if (!job->written && job->epoch != store_leader_epoch(ob->tc->store)) {
		job->written = 1;
		job->stale = 1;
		return;
	}
	if (job->written || outbox_record(ob, job->id, job->status,
	    job->ended, job->next_at, job->error[0] ? job->error : NULL,
	    job->msg[0] != '\0' ? job->msg : NULL) == -1)
		return;
	/* A receipt may have come before the answer that told us the id. */
	if (job->msg[0] != '\0' && receipt_sent(ob->tc->store, job->msg) == -1)
		return;
	if (job->escalate)
		outbox_escalate_now(ob, job->id);
	job->written = 1;
}

/*
 * The transfer is over: its slot is free, its lease stays until its result
 * is committed (outbox_committed). A busy database leaves the result to
 * the next pass.
 */
static void
outbox_job_done(struct outbox *ob, struct outbox_job *job,
    const char *status, int64_t next_at, const char *error, int escalate)
{
	job->done = 1;
	job->status = status;
	job->ended = util_sched_now();
	job->next_at = next_at;
	job->escalate = escalate;
	util_strlcpy(job->error, error ? error : "", sizeof(job->error));
	ob->njobs--;
	outbox_job_write(ob, job);
}

/* The leases on rows to one destination, counted in one walk. */
struct outbox_leases {
	int	 all;		/* in flight, or done and not yet committed */
	int	 flight;	/* in flight */
	int	 broadcasts;	/* broadcasts in flight */
};

static void
outbox_dest_leases(const struct outbox *ob, const char *dest,
    struct outbox_leases *l)
{
	const struct outbox_job	*job;

	memset(l, 0, sizeof(*l));
	TAILQ_FOREACH(job, &ob->jobs, entry) {
		if (strcmp(job->dest, dest) != 0)
			continue;
		l->all++;
		if (job->done)
			continue;
		l->flight++;
		if (job->lane == OUTBOX_LANE_BROADCAST)
			l->broadcasts++;
	}
}

/* Leases on rows to dest in flight. */
static int
outbox_dest_count(const struct outbox *ob, const char *dest)
{
	struct outbox_leases	 l;

	outbox_dest_leases(ob, dest, &l);
	return l.flight;
}

/*
 * A provider's 2xx for an SMS: keep its id for the SMS in job->msg, for
 * the receipts; or, if the answer refuses the SMS after all, the verdict
 * that refusal makes (why says it).
 */
static enum outbox_verdict
outbox_took(struct outbox_job *job, const struct fetch_result *r, char *why,
    size_t whylen)
{
	struct provider_sent	 s;
	struct receipt		 rc;

	if (job->via == NULL || job->via->sent == NULL || r->body == NULL)
		return OB_SENT;
	job->via->sent(r->body, r->bodylen, &s);
	if (s.took != PROVIDER_TOOK) {
		snprintf(why, whylen, "HTTP %ld, but %s refused it: %s",
		    r->status, job->via->name, s.why);
		return s.took == PROVIDER_REFUSED ? OB_FAILED : OB_RETRY;
	}
	if (s.id[0] != '\0' && receipt_key(&rc, job->via->name, s.id,
	    strlen(s.id)) == 0)
		util_strlcpy(job->msg, rc.key, sizeof(job->msg));
	return OB_SENT;
}

static void
outbox_done_cb(const struct fetch_result *r, void *arg)
{
	struct outbox_job	*job = arg;
	struct outbox		*ob = job->ob;
	enum outbox_verdict	 v;
	char			 why[256];
	int64_t			 now = util_sched_now(), at;

	v = outbox_judge(r, why, sizeof(why));
	if (v == OB_SENT)
		v = outbox_took(job, r, why, sizeof(why));
	/* 24 h of failures, in scheduling seconds, as now: a clock set
	 * while the row waits neither gives up early nor late (nor, as a
	 * start re-bases it, one set while the daemon was down). */
	if (v == OB_RETRY && job->failing_since != 0 &&
	    now - job->failing_since >= OUTBOX_GIVE_UP_S) {
		v = OB_FAILED;
		snprintf(why + strlen(why), sizeof(why) - strlen(why),
		    "; giving up after 24 h");
	}
	switch (v) {
	case OB_SENT:
		ob->n_sent++;
		outbox_job_done(ob, job, "sent", now, NULL, 0);
		break;
	case OB_RETRY:
		ob->n_retried++;
		at = outbox_retry_at(ob->tc->conf, r, job->attempts,
		    util_sched_now_ms(), util_now_ms());
		log_info("outbox: #%lld: %s; retry in %lld s",
		    (long long)job->id, why, (long long)(at - now));
		outbox_job_done(ob, job, "pending", at, why, 0);
		break;
	case OB_FAILED:
		ob->n_failed++;
		outbox_log_failed(job->id, job->ref, job->role, why);
		outbox_job_done(ob, job, "failed", now, why, 1);
		break;
	}
	/*
	 * Refill in halves: a pass reads the rows in flight again, so one
	 * per finished transfer would cost more than the transfers. The
	 * pool is topped up when its destination, or the whole pool, is
	 * down to half, and at once when it is empty. (The job stays, leased,
	 * until its result is committed.)
	 */
	if (ob->njobs == 0 || ob->njobs == OUTBOX_INFLIGHT / 2 ||
	    outbox_dest_count(ob, job->dest) == OUTBOX_PER_DEST / 2)
		outbox_kick(ob);
}

/*
 * Where a lane's rows to dkey connect, for the per-destination cap: a
 * webhook's origin (the dkey the store made); for SMS the provider that
 * sends it, by name: the one a reply goes back through (its dkey), or
 * sms_out's. Named alike, replies through Africa's Talking and alerts
 * through it as sms_out share one cap, as they share curl's connections
 * to its host.
 */
static const char *
outbox_dest(const struct config *conf, int lane, const char *dkey)
{
	return lane == OUTBOX_LANE_WEBHOOK || dkey[0] != '\0' ? dkey :
	    conf->sms_out.via;
}

/* Whether row id is leased (in flight, or done and not yet committed). */
static int
outbox_leased(const struct outbox *ob, int64_t id)
{
	const struct outbox_job	*job;

	TAILQ_FOREACH(job, &ob->jobs, entry)
		if (job->id == id)
			return 1;
	return 0;
}

/* A lease on row, to dest, in flight until outbox_job_done(). */
static struct outbox_job *
outbox_job_new(struct outbox *ob, const struct outbox_due *row,
    const char *dest)
{
	struct outbox_job	*job;

	job = xcalloc(1, sizeof(*job));
	job->ob = ob;
	job->id = row->id;
	job->epoch = ob->epoch;
	job->failing_since = row->failing_since;
	job->attempts = row->attempts;
	job->lane = row->lane;
	util_strlcpy(job->dest, dest, sizeof(job->dest));
	util_strlcpy(job->ref, row->ref, sizeof(job->ref));
	util_strlcpy(job->role, row->role, sizeof(job->role));
	TAILQ_INSERT_TAIL(&ob->jobs, job, entry);
	ob->njobs++;
	return job;
}

/*
 * The operator's screen stands in for the phone: it shows the text but
 * masks every number, the destination's and those in the text (SPEC §8).
 * Print only once the row can be marked sent in this batch (a database
 * busy with another writer must not print it twice); the lease holds
 * until that mark is committed. 0 printed, -1 not now.
 */
static int
outbox_console(struct outbox *ob, const struct outbox_due *row,
    const char *dest)
{
	struct outbox_job	*job;
	char			 to[PHONE_MAX], *shown, *body;

	if (store_begin(ob->tc->store) == -1)
		return -1;
	/* Controls and invisibles out first, so no line is forged and no
	 * number split by a zero-width space slips past the mask. */
	shown = text_screen(row->body, strlen(row->body));
	body = phone_mask_text(shown, strlen(shown));
	free(shown);
	printf("console sms #%lld to %s: %s\n", (long long)row->id,
	    phone_mask(row->dest, to), body);
	fflush(stdout);
	free(body);
	/* A transfer that is over as soon as it starts. */
	job = outbox_job_new(ob, row, dest);
	outbox_job_done(ob, job, "sent", util_sched_now(), NULL, 0);
	ob->n_sent++;
	return 0;
}

/*
 * Start one due row: 1 if it took a slot (a transfer in flight), 0 if it
 * was handled at once (console, or failed to build), -1 if nothing went
 * (busy database, no transfer, or a broadcast to a number that opted out,
 * failed without sending).
 */
static int
outbox_start(struct outbox *ob, const struct outbox_due *row,
    const char *dest)
{
	const struct config	*conf = ob->tc->conf;
	struct provider_sms	 m;
	struct provider_send	 q;
	struct fetch_req	 fr;
	struct outbox_job	*job;
	const struct provider	*via;
	provider_send_fn	 build;
	char			 err[128];
	int			 live;

	/* A broadcast goes only to whom still takes them: one who sent
	 * STOP since it was queued gets nothing more (SPEC §8). */
	if (strcmp(row->event, "broadcast") == 0) {
		if ((live = store_sub_live(ob->tc->store, row->dest)) == -1)
			return -1;
		if (live == 0) {
			/* Nothing sent: no slot taken, no SMS token spent. */
			outbox_record_now(ob, row->id, "failed",
			    "opted out before it was sent");
			return -1;
		}
	}
	if (strcmp(row->channel, "sms") == 0 &&
	    outbox_is_console(conf, row->lane, row->dkey))
		return outbox_console(ob, row, dest);
	if ((build = outbox_builder(conf, row, &via)) == NULL) {
		outbox_log_failed(row->id, row->ref, row->role,
		    "no channel for this row");
		outbox_record_now(ob, row->id, "failed",
		    "no channel for this row");
		return 0;
	}
	m.to = row->dest;
	m.text = row->body;
	m.key = row->idem_key;
	if (build(conf, &m, &q, err, sizeof(err)) == -1) {
		outbox_log_failed(row->id, row->ref, row->role, err);
		provider_send_free(&q);
		outbox_record_now(ob, row->id, "failed",
		    "cannot build the request");
		outbox_escalate_now(ob, row->id);
		return 0;
	}
	memset(&fr, 0, sizeof(fr));
	fr.url = q.url;
	fr.headers = (const char *const *)q.headers;
	fr.nheaders = q.nheaders;
	fr.body = q.body;
	fr.bodylen = q.bodylen;
	fr.userpwd = q.userpwd;
	fr.timeout_ms = (long)conf->limits.request_timeout_s * 1000;
	fr.allow_http = conf->allow_http;
	job = outbox_job_new(ob, row, dest);
	job->via = via;
	if (fetch_post(ob->fetch, &fr, outbox_done_cb, job) == -1) {
		outbox_job_end(ob, job);
		provider_send_free(&q);
		log_warnx("%s: #%lld: cannot start a transfer", __func__,
		    (long long)row->id);
		return -1;
	}
	provider_send_free(&q);
	return 1;
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

/* What a destination's walk needs to pick its rows. */
struct outbox_pick {
	struct outbox	*ob;
	size_t		 skipped, limit;
};

/*
 * Take a due row unless it is leased. The rows of one destination that are
 * leased are all the walk can pass over: past as many, stop.
 */
static int
outbox_pick(int64_t id, void *arg)
{
	struct outbox_pick	*p = arg;

	if (!outbox_leased(p->ob, id))
		return 1;
	return ++p->skipped > p->limit ? -1 : 0;
}

/*
 * Start what one destination of a lane can take now: its free
 * connections (all of *budget for the console), within *budget. Returns
 * how many started; sets *more if it took all it asked for.
 */
static int
outbox_dest_walk(struct outbox *ob, int lane, const char *dkey, int64_t now,
    int console, int *budget, int *more)
{
	struct outbox_due	 rows[OUTBOX_INFLIGHT];
	struct outbox_pick	 pick;
	struct outbox_leases	 leases;
	const char		*dest;
	int			 want, room, n, i, started = 0;
	int			 sms = lane != OUTBOX_LANE_WEBHOOK;

	console = console && outbox_is_console(ob->tc->conf, lane, dkey);
	dest = outbox_dest(ob->tc->conf, lane, dkey);
	want = *budget;
	outbox_dest_leases(ob, dest, &leases);
	room = OUTBOX_PER_DEST - leases.flight;
	/*
	 * Broadcasts take at most half of a destination's connections: the
	 * rest stay free for an alert filed while a slow provider holds
	 * them (lane order alone only picks who gets the next free one).
	 */
	if (lane == OUTBOX_LANE_BROADCAST &&
	    room > OUTBOX_BROADCAST_MAX - leases.broadcasts)
		room = OUTBOX_BROADCAST_MAX - leases.broadcasts;
	if (!console && want > room)
		want = room;
	if (want <= 0)
		return 0;
	memset(&pick, 0, sizeof(pick));
	pick.ob = ob;
	pick.limit = (size_t)leases.all;
	n = store_outbox_due(ob->tc->store, now, lane, dkey, rows,
	    want, (int)pick.limit, outbox_pick, &pick);
	for (i = 0; i < n; i++) {
		if (outbox_start(ob, &rows[i], dest) >= 0) {
			started++;
			if (sms)
				ob->tokens -= 1;
		}
		store_outbox_due_clear(&rows[i]);
	}
	*budget -= started;
	if (n == want && started == want)
		*more = 1;
	return started;
}

/*
 * One lane: each destination with pending rows in turn, as long as there
 * are free slots (and SMS tokens for SMS lanes). Destinations are walked
 * on their own, so a slow one's backlog never stands in front of another
 * one's alerts. Returns how many started.
 */
static int
outbox_lane(struct outbox *ob, int lane, int64_t now)
{
	const struct config	*conf = ob->tc->conf;
	char			 dkey[OUTBOX_DKEY_MAX];
	int			 budget, started = 0, more = 0, found;
	int			 sms = lane != OUTBOX_LANE_WEBHOOK;
	int			 console = sms &&
	    strcmp(conf->sms_out.via, "console") == 0;

	budget = console ? OUTBOX_INFLIGHT : OUTBOX_INFLIGHT - (int)ob->njobs;
	if (sms && budget > (int)ob->tokens)
		budget = (int)ob->tokens;
	if (budget <= 0)
		return 0;
	found = store_outbox_dest(ob->tc->store, lane, NULL, dkey);
	while (found == 1 && budget > 0) {
		started += outbox_dest_walk(ob, lane, dkey, now, console,
		    &budget, &more);
		found = store_outbox_dest(ob->tc->store, lane, dkey, dkey);
	}
	/* Some took all they could: there may be more behind them. */
	if (more)
		outbox_kick(ob);
	return started;
}

/* Results a busy database or a rollback left unwritten; those leased
 * under another epoch end here, unwritten. */
static void
outbox_write_results(struct outbox *ob)
{
	struct outbox_job	*job, *next;

	TAILQ_FOREACH(job, &ob->jobs, entry)
		if (job->done && !job->written)
			outbox_job_write(ob, job);
	for (job = TAILQ_FIRST(&ob->jobs); job != NULL; job = next) {
		next = TAILQ_NEXT(job, entry);
		if (job->done && job->stale) {
			log_info("outbox: row %lld was leased on a connection "
			    "since lost; its result is not written",
			    (long long)job->id);
			outbox_job_end(ob, job);
		}
	}
}

/* No more watching: the event goes before its descriptor. */
static void
outbox_unwatch(struct outbox *ob)
{
	if (ob->wake != NULL) {
		event_free(ob->wake);
		ob->wake = NULL;
	}
	if (ob->wake_fd != -1) {
		close(ob->wake_fd);
		ob->wake_fd = -1;
	}
}

/* Whether the socket watched is at its end (closed by the server). */
static int
outbox_eof(struct outbox *ob)
{
	char	 c;

	return recv(ob->wake_fd, &c, 1, MSG_PEEK | MSG_DONTWAIT) == 0;
}

/* Rows another daemon committed: a pass now, not at the tick. */
static void
outbox_wake_cb(evutil_socket_t fd, short ev, void *arg)
{
	struct outbox	*ob = arg;
	int		 n;

	/* The connection watched is gone, another made since: the next
	 * pass watches that one (this one would stay readable, at EOF). */
	if (store_leader_epoch(ob->tc->store) != ob->wake_epoch) {
		outbox_unwatch(ob);
		outbox_kick(ob);
		return;
	}
	/* Read whatever came (no statement is ever left running between
	 * two events); a broken connection, or one the server closed (at
	 * its end, it stays readable): the pass finds out. */
	if ((n = store_wake_take(ob->tc->store)) == -1 || outbox_eof(ob)) {
		outbox_unwatch(ob);
		n = 1;
	}
	if (n != 0)
		outbox_kick(ob);
}

/*
 * While this daemon leads on a server's database, watch its connection
 * for other daemons' news (store_wake_fd); a new lease is a new
 * connection, watched anew.
 */
static void
outbox_watch(struct outbox *ob)
{
	int	 fd;

	if (ob->wake_epoch == ob->epoch)
		return;
	outbox_unwatch(ob);
	ob->wake_epoch = ob->epoch;
	if (ob->epoch == 0 || (fd = store_wake_fd(ob->tc->store)) == -1)
		return;
	/*
	 * libpq closes its socket when it connects again, which any
	 * statement may do before the next pass. An event whose descriptor
	 * is closed under it stays in libevent's table: a socket accepted
	 * later under the same number (a provider's request) would never
	 * be polled, and its client cut at request_timeout_s. So the event
	 * watches a descriptor of our own, closed only after the event.
	 */
	if ((ob->wake_fd = fcntl(fd, F_DUPFD_CLOEXEC, 0)) == -1) {
		log_warn("%s: dup", __func__);
		return;
	}
	ob->wake = event_new(ob->tc->base, ob->wake_fd, EV_READ | EV_PERSIST,
	    outbox_wake_cb, ob);
	event_add(ob->wake, NULL);
}

int
outbox_pass(struct outbox *ob)
{
	int64_t	 now = util_sched_now();
	int	 lane, started = 0;

	/*
	 * A commit failed and none would succeed yet (a full disk, a WAL
	 * gone): results wait here, their rows leased, and nothing starts
	 * whose result could not be kept. The tick looks again.
	 */
	if (store_failing(ob->tc->store))
		return 0;
	/* Several daemons on a server's database: the leader delivers. */
	ob->epoch = store_leader(ob->tc->store);
	outbox_watch(ob);
	outbox_write_results(ob);
	if (ob->tc->stopping || ob->epoch == 0)
		return 0;
	outbox_refill(ob);
	/* Broadcasts only take what alerts and replies left. */
	for (lane = 0; lane < OUTBOX_LANES; lane++)
		started += outbox_lane(ob, lane, now);
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
	log_flush();
}

/*
 * A batch ended. Committed: the results it held are in the database, and
 * their leases end. Rolled back: they are written again at the next tick,
 * not at once (a full disk would have the loop do nothing else). New rows
 * may go now, not at the tick.
 */
static void
outbox_committed(void *arg, int ok, const struct store_batch *b)
{
	struct outbox		*ob = arg;
	struct outbox_job	*job, *next;

	for (job = TAILQ_FIRST(&ob->jobs); job != NULL; job = next) {
		next = TAILQ_NEXT(job, entry);
		if (!job->done || !job->written || job->stale)
			continue;
		if (ok)
			outbox_job_end(ob, job);
		else
			job->written = 0;
	}
	if (ok && b->outbox_added > 0)
		outbox_kick(ob);
}

struct outbox *
outbox_new(struct tincay *tc)
{
	struct outbox	*ob;
	struct timeval	 tv = { 0, OUTBOX_TICK_MS * 1000 };

	ob = xcalloc(1, sizeof(*ob));
	ob->tc = tc;
	ob->wake_fd = -1;
	ob->fetch = fetch_new(tc->base, OUTBOX_INFLIGHT, OUTBOX_PER_DEST);
	ob->refilled_ms = util_mono_ms();
	ob->tokens = 1;
	TAILQ_INIT(&ob->jobs);
	ob->timer = event_new(tc->base, -1, EV_PERSIST, outbox_tick_cb, ob);
	ob->kick = event_new(tc->base, -1, 0, outbox_tick_cb, ob);
	evtimer_add(ob->timer, &tv);
	store_on_commit(tc->store, outbox_committed, ob);
	/* What was in flight when the last run stopped (even kill -9) is
	 * due: it goes in the loop's first turn, not at the first tick. */
	outbox_kick(ob);
	return ob;
}

/*
 * Stop: results not yet written are written into the batch the caller
 * commits. Stopping waited a few seconds for the transfers in flight
 * (main.c); any still in flight now are abandoned. Their rows were leased
 * only in memory, so they are pending and due in the table: the next start
 * sends them at once.
 */
void
outbox_free(struct outbox *ob)
{
	struct outbox_job	*job;

	if (ob == NULL)
		return;
	store_off_commit(ob->tc->store, outbox_committed, ob);
	fetch_free(ob->fetch);
	/* The caller commits them (http_free, batch_free). */
	outbox_write_results(ob);
	while ((job = TAILQ_FIRST(&ob->jobs)) != NULL)
		outbox_job_end(ob, job);
	event_free(ob->timer);
	event_free(ob->kick);
	outbox_unwatch(ob);
	free(ob);
}

/* Transfers in flight: stopping waits for them (main.c). */
size_t
outbox_inflight(const struct outbox *ob)
{
	return ob != NULL ? ob->njobs : 0;
}

void
outbox_metrics(const struct outbox *ob, struct outbox_stats *s)
{
	s->sent = ob->n_sent;
	s->retried = ob->n_retried;
	s->failed = ob->n_failed;
	s->inflight = ob->njobs;
}
