/*
 * test_batch.c: batch.c on a real event loop. Every write of one loop
 * pass, from any number of callbacks, joins one transaction that commits
 * once after them (the first build's priority-0 commit event ended the pass
 * after the first request, so each committed alone); the next pass opens
 * the next batch; batch_flush commits at once; batch_free commits what is
 * open. On the store of $TINCAY_TEST_ENGINE (engine.h).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <event2/event.h>

#include "../../daemon/tincayd.h"
#include "../../store/store_int.h"	/* white box: raw SQL */
#include "engine.h"

struct pass {
	struct store	*st;
	int		 commits;	/* heard by the listener */
	int		 outbox;	/* rows those commits held */
	int		 open_after;	/* a batch open when it heard it */
	int		 writes;
};

static void
pass_committed(void *arg, int ok, const struct store_batch *b)
{
	struct pass	*p = arg;

	assert_true(ok);
	p->commits++;
	p->outbox += b->outbox_added;
	p->open_after += store_in_tx(p->st);
}

/* One request's worth of writing, as a callback of the loop. */
static void
pass_write_cb(evutil_socket_t fd, short ev, void *arg)
{
	struct pass		*p = arg;
	struct outbox_row	 row;

	memset(&row, 0, sizeof(row));
	row.channel = "sms";
	row.event = "reply";
	row.dest = "+84912345678";
	row.body = "x";
	assert_int_equal(store_begin(p->st), 0);
	assert_true(store_outbox_add(p->st, &row, 100) > 0);
	p->writes++;
}

static int64_t
rows(struct store *st)
{
	struct db_stmt	*s;
	int64_t		 n = -1;

	assert_int_equal(db_prepare(st->db, "SELECT count(*) FROM outbox",
	    &s), 0);
	if (db_step(s) == DB_ROW)
		n = db_column_int64(s, 0);
	db_finalize(s);
	return n;
}

/* The test's database, dropped at teardown however it ended. */
static int
db_setup(void **state)
{
	*state = xcalloc(1, sizeof(struct engine_db));
	engine_db(*state, NULL);
	return 0;
}

static int
db_teardown(void **state)
{
	engine_drop(*state);
	free(*state);
	return 0;
}

static void
test_one_commit_per_pass(void **state)
{
	struct event_base	*base;
	struct event		*ev[8];
	struct batch		*b;
	struct pass		 p;
	char			 err[256];
	int			 i;

	memset(&p, 0, sizeof(p));
	assert_non_null(base = event_base_new());
	/* Two priorities, as a daemon may have: the commit must still wait
	 * for the pass (at priority 0 it would not). */
	assert_int_equal(event_base_priority_init(base, 2), 0);
	if ((p.st = engine_open(*state, 0, err, sizeof(err))) == NULL)
		fail_msg("store: %s", err);
	b = batch_new(base, p.st);
	store_on_commit(p.st, pass_committed, &p);
	for (i = 0; i < 8; i++)
		ev[i] = event_new(base, -1, 0, pass_write_cb, &p);

	/* Eight requests ready in one pass: one commit, after all eight. */
	for (i = 0; i < 8; i++)
		event_active(ev[i], EV_READ, 1);
	assert_true(event_base_loop(base, EVLOOP_NONBLOCK) >= 0);
	assert_int_equal(p.writes, 8);
	assert_int_equal(p.commits, 1);
	assert_int_equal(p.outbox, 8);
	assert_int_equal(p.open_after, 0);
	assert_false(store_in_tx(p.st));

	/* The next pass is the next batch. */
	event_active(ev[0], EV_READ, 1);
	event_active(ev[1], EV_READ, 1);
	assert_true(event_base_loop(base, EVLOOP_NONBLOCK) >= 0);
	assert_int_equal(p.commits, 2);
	assert_int_equal(p.outbox, 10);

	/* Outside the loop: batch_flush commits now; a pass then has
	 * nothing left to commit. */
	pass_write_cb(-1, 0, &p);
	assert_true(store_in_tx(p.st));
	assert_int_equal(batch_flush(b), 0);
	assert_int_equal(p.commits, 3);
	assert_true(event_base_loop(base, EVLOOP_NONBLOCK) >= 0);
	assert_int_equal(p.commits, 3);

	/* What is open when the daemon stops is committed. */
	pass_write_cb(-1, 0, &p);
	batch_free(b);
	assert_int_equal(p.commits, 4);
	assert_int_equal(rows(p.st), 12);
	for (i = 0; i < 8; i++)
		event_free(ev[i]);
	store_close(p.st);
	event_base_free(base);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_one_commit_per_pass,
		    db_setup, db_teardown),
	};

	log_init(0);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
