/*
 * housekeep.c: the housekeeping tick on the event loop. Every
 * HOUSEKEEP_TICK_MS, and at once when kicked (an alert failed for good and
 * the outbox marked its report due), it escalates the reports whose time
 * is up (core/escalate.c). Delivery is none of its business: the alerts it
 * writes are outbox rows, sent once the batch commits.
 */
#include <stdlib.h>

#include <event2/event.h>

#include "tincayd.h"

#define HOUSEKEEP_TICK_MS	250

struct housekeep {
	struct tincay	*tc;
	struct event	*timer;
	struct event	*kick;		/* a tick now, from the loop */
	uint64_t	 n_escalated;
};

static void
housekeep_tick_cb(evutil_socket_t fd, short ev, void *arg)
{
	struct housekeep	*hk = arg;
	struct tincay		*tc = hk->tc;
	int			 n;

	if (tc->stopping)
		return;
	n = escalate_due(tc->store, tc->conf, util_sched_now(),
	    ESCALATE_BATCH);
	if (n > 0)
		hk->n_escalated += (uint64_t)n;
	/* A full batch: there may be more due behind it. */
	if (n == ESCALATE_BATCH)
		housekeep_kick(hk);
	log_flush();
}

void
housekeep_kick(struct housekeep *hk)
{
	if (hk != NULL && !event_pending(hk->kick, EV_TIMEOUT, NULL))
		event_active(hk->kick, EV_TIMEOUT, 1);
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
	return hk;
}

void
housekeep_free(struct housekeep *hk)
{
	if (hk == NULL)
		return;
	event_free(hk->timer);
	event_free(hk->kick);
	free(hk);
}

uint64_t
housekeep_escalated(const struct housekeep *hk)
{
	return hk != NULL ? hk->n_escalated : 0;
}
