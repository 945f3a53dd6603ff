/*
 * batch.c: ties the store's batch to the event loop. The first write of a
 * loop pass opens the transaction and activates the commit event, which
 * joins the tail of the pass's active queue: it runs after every request,
 * result and escalation the pass read, and they all share one COMMIT and one
 * fdatasync. What runs after the commit (replies, a delivery pass) is
 * registered with store_on_commit().
 *
 * The commit has the same priority as everything else on purpose: in
 * libevent 2.1 activating a higher-priority event ends the running queue
 * after the current callback, which made every request commit alone.
 */
#include <stdlib.h>

#include <event2/event.h>

#include "tincayd.h"

struct batch {
	struct store	*st;
	struct event	*commit;
};

/* A transaction opened: commit it when this pass is done. */
static void
batch_schedule(void *arg)
{
	struct batch	*b = arg;

	if (!event_pending(b->commit, EV_TIMEOUT, NULL))
		event_active(b->commit, EV_TIMEOUT, 1);
}

static void
batch_commit_cb(evutil_socket_t fd, short ev, void *arg)
{
	struct batch	*b = arg;

	/* A failure is logged where it happened (the store, the replies). */
	(void)store_commit(b->st);
	log_flush();
}

struct batch *
batch_new(struct event_base *base, struct store *st)
{
	struct batch	*b;

	b = xcalloc(1, sizeof(*b));
	b->st = st;
	if ((b->commit = event_new(base, -1, 0, batch_commit_cb, b)) == NULL)
		fatalx("%s: event_new", __func__);
	store_on_begin(st, batch_schedule, b);
	return b;
}

/* Commit what is open now (stopping, reloading). 0, or -1. */
int
batch_flush(struct batch *b)
{
	if (event_pending(b->commit, EV_TIMEOUT, NULL))
		event_del(b->commit);
	return store_commit(b->st);
}

void
batch_free(struct batch *b)
{
	if (b == NULL)
		return;
	(void)batch_flush(b);
	store_on_begin(b->st, NULL, NULL);
	event_free(b->commit);
	free(b);
}
