/*
 * queue.c: a bounded queue of pointers between two threads, one producer
 * and one consumer, in order, with an eventfd that the consumer's event
 * loop watches. A push hands the item over (the queue never frees one);
 * a full queue refuses it and the caller keeps it. The delivery thread
 * (fetch.c) has one each way.
 */
#include <sys/eventfd.h>

#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <unistd.h>

#include "tincayd.h"

struct queue {
	pthread_mutex_t	 lock;		/* guards what follows */
	void		**v;		/* a ring of cap slots */
	size_t		 cap, head, n;
	int		 closed;
	int		 fd;		/* the eventfd: readable when woken */
};

struct queue *
queue_new(size_t cap)
{
	struct queue	*q;

	q = xcalloc(1, sizeof(*q));
	q->cap = cap > 0 ? cap : 1;
	q->v = xcalloc(q->cap, sizeof(*q->v));
	if ((q->fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC)) == -1) {
		log_warn("%s: eventfd", __func__);
		free(q->v);
		free(q);
		return NULL;
	}
	if (pthread_mutex_init(&q->lock, NULL) != 0)
		fatalx("%s: pthread_mutex_init", __func__);
	return q;
}

/* What is still queued is freed with freefn (if not NULL), in order. */
void
queue_free(struct queue *q, void (*freefn)(void *))
{
	if (q == NULL)
		return;
	for (; q->n > 0; q->n--) {
		if (freefn != NULL)
			freefn(q->v[q->head]);
		q->head = (q->head + 1) % q->cap;
	}
	close(q->fd);
	pthread_mutex_destroy(&q->lock);
	free(q->v);
	free(q);
}

int
queue_fd(const struct queue *q)
{
	return q->fd;
}

static void
queue_wake(struct queue *q)
{
	uint64_t	 one = 1;

	/* EAGAIN: the counter is full, so the consumer is woken anyway. */
	while (write(q->fd, &one, sizeof(one)) == -1 && errno == EINTR)
		;
}

/*
 * Append item (not NULL): 0, and the queue holds it for the consumer; -1
 * if full or closed, and the caller still owns it. Only a push onto an
 * empty queue wakes the consumer: it drains all there is once woken.
 */
int
queue_push(struct queue *q, void *item)
{
	int	 was_empty;

	pthread_mutex_lock(&q->lock);
	if (q->closed || q->n == q->cap) {
		pthread_mutex_unlock(&q->lock);
		return -1;
	}
	q->v[(q->head + q->n) % q->cap] = item;
	was_empty = q->n++ == 0;
	pthread_mutex_unlock(&q->lock);
	if (was_empty)
		queue_wake(q);
	return 0;
}

/*
 * Take up to max items, oldest first, into v; the caller owns them now.
 * Returns how many. The wake is consumed before the items are taken, so a
 * push after this call wakes the consumer again: call until it returns 0
 * (a wake that finds nothing is harmless).
 */
size_t
queue_take(struct queue *q, void **v, size_t max)
{
	uint64_t	 count;
	size_t		 i;

	while (read(q->fd, &count, sizeof(count)) == -1 && errno == EINTR)
		;
	pthread_mutex_lock(&q->lock);
	for (i = 0; i < max && q->n > 0; i++, q->n--) {
		v[i] = q->v[q->head];
		q->head = (q->head + 1) % q->cap;
	}
	pthread_mutex_unlock(&q->lock);
	return i;
}

/* No more pushes; the consumer is woken to see it (queue_closed). */
void
queue_close(struct queue *q)
{
	pthread_mutex_lock(&q->lock);
	q->closed = 1;
	pthread_mutex_unlock(&q->lock);
	queue_wake(q);
}

int
queue_closed(struct queue *q)
{
	int	 closed;

	pthread_mutex_lock(&q->lock);
	closed = q->closed;
	pthread_mutex_unlock(&q->lock);
	return closed;
}

size_t
queue_len(struct queue *q)
{
	size_t	 n;

	pthread_mutex_lock(&q->lock);
	n = q->n;
	pthread_mutex_unlock(&q->lock);
	return n;
}
