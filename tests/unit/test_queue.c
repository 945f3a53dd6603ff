/*
 * test_queue.c: queue.c, the delivery thread's queue: items come out in
 * the order they went in (across the ring's wrap), the eventfd wakes the
 * consumer for a push onto an empty queue and for a close, a full or
 * closed queue refuses an item and leaves it to the caller, queue_free
 * frees only what is left; and two threads passing 200,000 items through
 * a small queue lose none, reorder none, and never wait for a wake that
 * does not come.
 */
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "../../daemon/tincayd.h"

#define TQ_N		200000
#define TQ_CAP		8

/* Whether q's descriptor is readable now. */
static int
readable(struct queue *q)
{
	struct pollfd	 p = { queue_fd(q), POLLIN, 0 };

	return poll(&p, 1, 0) == 1 && (p.revents & POLLIN);
}

static void
test_order_and_wrap(void **state)
{
	struct queue	*q = queue_new(4);
	void		*v[8];
	intptr_t	 next = 1, want = 1;
	size_t		 n, i;
	int		 round;

	assert_non_null(q);
	/* Three in, two out, many times: the ring wraps again and again. */
	for (round = 0; round < 50; round++) {
		while (queue_len(q) < 3)
			assert_int_equal(queue_push(q, (void *)next++), 0);
		n = queue_take(q, v, 2);
		assert_int_equal(n, 2);
		for (i = 0; i < n; i++)
			assert_int_equal((intptr_t)v[i], want++);
	}
	while ((n = queue_take(q, v, 8)) > 0)
		for (i = 0; i < n; i++)
			assert_int_equal((intptr_t)v[i], want++);
	assert_int_equal(want, next);
	queue_free(q, NULL);
}

static void
test_wakeups(void **state)
{
	struct queue	*q = queue_new(4);
	void		*v[4];
	int		 a, b, c;

	assert_false(readable(q));
	assert_int_equal(queue_push(q, &a), 0);
	assert_true(readable(q));
	assert_int_equal(queue_push(q, &b), 0);
	/* One at a time: the wake is spent by the first take, and the
	 * second finds b all the same (the consumer takes until 0). */
	assert_int_equal(queue_take(q, v, 1), 1);
	assert_ptr_equal(v[0], &a);
	assert_false(readable(q));
	assert_int_equal(queue_take(q, v, 1), 1);
	assert_ptr_equal(v[0], &b);
	assert_int_equal(queue_take(q, v, 4), 0);
	/* Empty again: the next push wakes again. */
	assert_int_equal(queue_push(q, &c), 0);
	assert_true(readable(q));
	assert_int_equal(queue_take(q, v, 4), 1);
	assert_false(readable(q));
	/* A wake that finds nothing is harmless. */
	assert_int_equal(queue_take(q, v, 4), 0);
	/* A close wakes the consumer, and no push goes in after it. */
	assert_false(queue_closed(q));
	queue_close(q);
	assert_true(readable(q));
	assert_true(queue_closed(q));
	assert_int_equal(queue_push(q, &a), -1);
	assert_int_equal(queue_take(q, v, 4), 0);
	queue_free(q, NULL);
}

static int	freed;

static void
count_free(void *p)
{
	freed++;
	free(p);
}

static void
test_full_and_ownership(void **state)
{
	struct queue	*q = queue_new(2);
	void		*v[2];
	char		*a = xstrdup("a"), *b = xstrdup("b"), *c = xstrdup("c");

	assert_int_equal(queue_push(q, a), 0);
	assert_int_equal(queue_push(q, b), 0);
	/* Full: refused, c is still ours. */
	assert_int_equal(queue_push(q, c), -1);
	assert_int_equal(queue_len(q), 2);
	assert_string_equal(c, "c");
	/* Taken: a is ours now; the queue frees only b, left in it. */
	assert_int_equal(queue_take(q, v, 1), 1);
	assert_ptr_equal(v[0], a);
	assert_int_equal(queue_push(q, c), 0);
	freed = 0;
	queue_free(q, count_free);
	assert_int_equal(freed, 2);
	assert_string_equal(a, "a");
	free(a);
	queue_free(NULL, count_free);
}

/* The producer: TQ_N numbers, waiting (yielding) while the queue is full. */
static void *
producer(void *arg)
{
	struct queue	*q = arg;
	intptr_t	 i;

	for (i = 1; i <= TQ_N; i++)
		while (queue_push(q, (void *)i) == -1)
			sched_yield();
	return NULL;
}

static void
test_two_threads(void **state)
{
	struct queue	*q = queue_new(TQ_CAP);
	pthread_t	 t;
	struct pollfd	 p;
	void		*v[TQ_CAP];
	intptr_t	 want = 1;
	size_t		 n, i;
	int		 r;

	assert_int_equal(pthread_create(&t, NULL, producer, q), 0);
	while (want <= TQ_N) {
		/* Woken by the descriptor alone, as an event loop is: a
		 * lost wake would leave this poll to time out. */
		p.fd = queue_fd(q);
		p.events = POLLIN;
		r = poll(&p, 1, 5000);
		assert_int_equal(r, 1);
		while ((n = queue_take(q, v, TQ_CAP)) > 0)
			for (i = 0; i < n; i++)
				assert_int_equal((intptr_t)v[i], want++);
	}
	assert_int_equal(pthread_join(t, NULL), 0);
	assert_int_equal(queue_len(q), 0);
	queue_free(q, NULL);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_order_and_wrap),
		cmocka_unit_test(test_wakeups),
		cmocka_unit_test(test_full_and_ownership),
		cmocka_unit_test(test_two_threads),
	};

	log_init(0);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
