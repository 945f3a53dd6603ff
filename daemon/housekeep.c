/*
 * housekeep.c: the housekeeping tick on the event loop. Every
 * HOUSEKEEP_TICK_MS, and at once after a batch that marked a report due
 * now (an alert failed for good, or a receipt said it was not delivered:
 * store_batch.escalate_now), it escalates the reports whose time is up
 * (core/escalate.c), and tells the review.to roles of the texts of the
 * review list once they are due (core/review.c). Delivery is none of its
 * business: the alerts it writes are outbox rows, sent once the batch
 * commits.
 * With retention_days set it also purges (SPEC §8): at the first tick,
 * after a reload, and every day, between two batches, so that a purge
 * never rolls back anyone else's writes; a purge a reader held up is
 * tried again a few minutes later.
 * Every HOUSEKEEP_WAL_MS it keeps the WAL small (store_wal_tidy), also
 * between two batches: a reader that held it up must not leave it big.
 * Every tick it mends a WAL deleted under us, and after a failed commit
 * (a full disk) probes until one succeeds, writing nothing else till then.
 */
#include <stdlib.h>
#include <string.h>

#include <event2/event.h>

#include "tincayd.h"

#define HOUSEKEEP_TICK_MS	250
#define HOUSEKEEP_PURGE_MS	(24 * 3600 * 1000LL)	/* daily */
#define HOUSEKEEP_RETRY_MS	(5 * 60 * 1000LL)	/* after a failure */
#define HOUSEKEEP_PURGE_BATCH	500	/* reports per transaction */
#define HOUSEKEEP_WAL_MS	2000	/* checkpoint at most this often */

struct housekeep {
	struct tincay	*tc;
	struct event	*timer;
	struct event	*kick;		/* a tick now, from the loop */
	uint64_t	 n_escalated;
	int64_t		 purge_ms;	/* monotonic: next purge; 0: now */
	int64_t		 wal_ms;	/* monotonic: next checkpoint */
	int		 published;	/* the scheduling offset is */
	int64_t		 offset_ms;	/* the one published */
};

#define HOUSEKEEP_OFFSET_MS	1000	/* a clock set by more: publish */

/*
 * The scheduling clock's offset from the wall clock, for tincayctl
 * (store_sched_publish): at the first tick (a start replaces what an
 * earlier run left) and whenever the wall clock was set.
 */
static void
housekeep_offset(struct housekeep *hk)
{
	int64_t	 off = util_sched_offset_ms();

	if (hk->published && llabs(off - hk->offset_ms) < HOUSEKEEP_OFFSET_MS)
		return;
	if (store_sched_publish(hk->tc->store, off) == 0) {
		hk->published = 1;
		hk->offset_ms = off;
	}
}

/* The WAL's checkpoint, if it is time: after the pass's batch commits. */
static void
housekeep_wal(struct housekeep *hk)
{
	struct tincay	*tc = hk->tc;
	int64_t		 now = util_mono_ms();

	if (now < hk->wal_ms)
		return;
	hk->wal_ms = now + HOUSEKEEP_WAL_MS;
	if (batch_flush(tc->batch) == 0)
		(void)store_wal_tidy(tc->store);
}

/* The daily purge, if it is time: 0 done or not due, -1 failed. */
static int
housekeep_purge(struct housekeep *hk)
{
	struct tincay		*tc = hk->tc;
	struct store_purged	 p;
	int64_t			 now = util_mono_ms(), days;

	days = tc->conf->retention_days;
	if (days < 0 || now < hk->purge_ms)
		return 0;
	/* The pass's writes first: the purge runs in its own transactions. */
	memset(&p, 0, sizeof(p));
	if (batch_flush(tc->batch) == -1 || store_purge(tc->store,
	    store_purge_cutoff(util_now(), days), HOUSEKEEP_PURGE_BATCH, NULL,
	    NULL,
	    &p) == -1 || !p.wal_emptied) {
		log_warnx("purge: not done (%s); again in %lld minutes",
		    p.reports || p.messages ? "partly" : "database busy",
		    HOUSEKEEP_RETRY_MS / 60000);
		hk->purge_ms = now + HOUSEKEEP_RETRY_MS;
		return -1;
	}
	log_info("purge: %lld %s, %lld %s, %lld outbox %s, %lld opted-out %s "
	    "older than %lld %s; %lld data %s destroyed", (long long)p.reports,
	    util_plural(p.reports, "report", "reports"), (long long)p.messages,
	    util_plural(p.messages, "message", "messages"),
	    (long long)p.outbox, util_plural(p.outbox, "row", "rows"),
	    (long long)p.subscriptions, util_plural(p.subscriptions,
	    "number", "numbers"), (long long)days, util_plural(days, "day",
	    "days"), (long long)p.keys, util_plural(p.keys, "key", "keys"));
	hk->purge_ms = now + HOUSEKEEP_PURGE_MS;
	return 0;
}

void
housekeep_purge_soon(struct housekeep *hk)
{
	if (hk != NULL) {
		hk->purge_ms = 0;
		housekeep_kick(hk);
	}
}

static void
housekeep_tick_cb(evutil_socket_t fd, short ev, void *arg)
{
	struct housekeep	*hk = arg;
	struct tincay		*tc = hk->tc;
	int			 n, r;

	if (tc->stopping)
		return;
	/*
	 * A WAL deleted under us is made anew; after a failed commit a
	 * probe ends the failure once the disk has room. Until then nothing
	 * is written that could not be kept: escalations wait.
	 */
	if (!store_in_tx(tc->store))
		(void)store_wal_mend(tc->store);
	if (store_probe(tc->store) == -1 || store_failing(tc->store)) {
		log_flush();
		return;
	}
	/* Several daemons on a server's database: what must run once runs
	 * on the leader alone. */
	if (store_leader(tc->store) == 0) {
		log_flush();
		return;
	}
	housekeep_wal(hk);
	housekeep_offset(hk);
	n = escalate_due(tc->store, tc->conf, util_sched_now(),
	    ESCALATE_BATCH);
	if (n > 0)
		hk->n_escalated += (uint64_t)n;
	r = review_due(tc->store, tc->conf, util_sched_now());
	/* A full batch: there may be more due behind it. */
	if (n == ESCALATE_BATCH || r == REVIEW_BATCH)
		housekeep_kick(hk);
	(void)housekeep_purge(hk);
	log_flush();
}

void
housekeep_kick(struct housekeep *hk)
{
	if (hk != NULL && !event_pending(hk->kick, EV_TIMEOUT, NULL))
		event_active(hk->kick, EV_TIMEOUT, 1);
}

/* A batch marked reports due now: escalate them in the next pass. */
static void
housekeep_committed(void *arg, int ok, const struct store_batch *b)
{
	if (ok && b->escalate_now > 0)
		housekeep_kick(arg);
}

struct housekeep *
housekeep_new(struct tincay *tc)
{
	struct housekeep	*hk;
	struct timeval		 tv = { 0, HOUSEKEEP_TICK_MS * 1000 };

	hk = xcalloc(1, sizeof(*hk));
	hk->tc = tc;
	hk->timer = event_new(tc->base, -1, EV_PERSIST, housekeep_tick_cb, hk);
	hk->kick = event_new(tc->base, -1, 0, housekeep_tick_cb, hk);
	evtimer_add(hk->timer, &tv);
	store_on_commit(tc->store, housekeep_committed, hk);
	return hk;
}

void
housekeep_free(struct housekeep *hk)
{
	if (hk == NULL)
		return;
	store_off_commit(hk->tc->store, housekeep_committed, hk);
	event_free(hk->timer);
	event_free(hk->kick);
	free(hk);
}

uint64_t
housekeep_escalated(const struct housekeep *hk)
{
	return hk != NULL ? hk->n_escalated : 0;
}
