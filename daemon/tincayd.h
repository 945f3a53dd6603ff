/*
 * tincayd.h: the daemon's network side, linked only into tincayd: the
 * batch on the event loop, the HTTP server, delivery (outbox, fetch), the
 * housekeeping tick. Built on the core (core.h, store.h). The providers
 * and their table: provider.h.
 */
#ifndef TINCAYD_H
#define TINCAYD_H

#include "../core/core.h"
#include "../store/store.h"

struct event_base;
struct fetch_result;

/* batch.c: the store's batch on the event loop (one COMMIT per pass). */
struct batch;
struct batch	*batch_new(struct event_base *, struct store *);
void		 batch_free(struct batch *);
int		 batch_flush(struct batch *);

/* The running daemon: what every request handler reaches through. */
struct http;
struct tincay {
	struct event_base	*base;
	struct config		*conf;		/* replaced on SIGHUP */
	struct router		*router;	/* conf's index, with it */
	struct store		*store;
	struct batch		*batch;
	struct http		*http;
	struct console		*console;	/* NULL: off */
	struct outbox		*outbox;
	struct housekeep	*housekeep;
	const char		*conffile;
	int			 stopping;
	int64_t			 stop_ms;	/* monotonic, when asked */
	/* Counters for /metrics. */
	uint64_t		 n_messages;	/* new messages stored */
	uint64_t		 n_duplicates;	/* provider retries answered */
	uint64_t		 n_reports;
	uint64_t		 n_receipts[RECEIPT__MAX];	/* by status */
};

/* http.c: evhttp listener, limits, the route table, replies. */
struct evhttp_request;
struct http	*http_new(struct tincay *, char *err, size_t errlen);
void		 http_free(struct http *);
void		 http_configure(struct http *);	/* re-apply limits */
void		 http_stop_accepting(struct http *);
/* libevent allocates through the xmalloc family: once, before any other
 * libevent call. */
void		 http_alloc_init(void);
size_t		 http_busy(const struct http *);
/* Reply now. body may be NULL. */
void		 http_reply(struct evhttp_request *, int code,
		    const char *ctype, const char *body, size_t len);
/* A one-line plain-text error. */
void		 http_error(struct evhttp_request *, int code, const char *);
/* Reply once the open batch has committed (503 if it fails); now if no
 * batch is open. body (malloc'd, or NULL) is taken; ctype is a string
 * that lives as long as the program (a reply function's constant). */
void		 http_defer(struct http *, struct evhttp_request *, int code,
		    const char *ctype, char *body, size_t len);
const char	*http_header(struct evhttp_request *, const char *);

/*
 * conns.c: the connections of one evhttp listener: a cap, a deadline per
 * connection (until a request has arrived whole, and after each reply),
 * room made at the cap, a pause on accept errors, libevent's own error
 * pages as one plain-text line; what was answered, by label and code.
 * conns_new() after evhttp_bind_listener(); conns_free() after
 * evhttp_free().
 */
struct conns;
struct evhttp;
struct evconnlistener;
#define CONNS_BUCKETS	12	/* latency histogram, 1 ms .. 5 s */
extern const int64_t conns_buckets_us[CONNS_BUCKETS];
struct conns_latency {
	uint64_t	 n[CONNS_BUCKETS + 1];	/* the last: beyond them */
	uint64_t	 sum_us;
};
typedef void	 (*conns_count_fn)(const char *label, int code, uint64_t n,
		    void *);
/* what: a constant, for logs. */
struct conns	*conns_new(struct event_base *, struct evhttp *,
		    struct evconnlistener *, const char *what);
void		 conns_free(struct conns *);
/* At most max connections, each request due whole within timeout_s. */
void		 conns_limits(struct conns *, int max, int timeout_s);
void		 conns_stop(struct conns *);
/* From the request callback: its connection is busy with it, its reply
 * to be counted under label (a constant: route classes, not paths). */
void		 conns_handling(struct conns *, struct evhttp_request *,
		    const char *label);
size_t		 conns_open(const struct conns *);
size_t		 conns_busy(const struct conns *);	/* requests begun */
uint64_t	 conns_accept_errors(const struct conns *);
const struct conns_latency *conns_latency(const struct conns *);
void		 conns_counts(const struct conns *, conns_count_fn, void *);

/* console.c: the web console's listener (SPEC §12), when console.listen
 * is set. console_new: NULL and why if it cannot listen. */
struct console;
struct console	*console_new(struct tincay *, char *err, size_t errlen);
/* After a reload: the new config, its limits. */
void		 console_configure(struct console *);
void		 console_stop_accepting(struct console *);
void		 console_free(struct console *);
/* The console's connections, for /metrics. */
const struct conns *console_conns(const struct console *);
/* Its cap: a handful of people use it; the webhooks' descriptors are
 * never its (nofile.c keeps these for it). */
#define CONSOLE_MAX_CONNS	64

/* outbox.c: delivery of the outbox; nothing else. */
struct outbox;
struct outbox_stats {
	uint64_t	 sent, retried, failed;
	size_t		 inflight;
};
struct outbox	*outbox_new(struct tincay *);
void		 outbox_free(struct outbox *);
/* One pass over due rows; returns how many rows started. */
int		 outbox_pass(struct outbox *);
/* Run a pass soon (after a commit that added rows). */
void		 outbox_kick(struct outbox *);
size_t		 outbox_inflight(const struct outbox *);
void		 outbox_metrics(const struct outbox *, struct outbox_stats *);
int64_t		 outbox_backoff_ms(const struct config *, int attempts);
/* Retry-After as milliseconds from now_ms (wall clock); -1 absent or bad. */
int64_t		 outbox_retry_after(const char *, int64_t now_ms);
enum outbox_verdict { OB_SENT, OB_RETRY, OB_FAILED };
enum outbox_verdict outbox_judge(const struct fetch_result *, char *why,
		    size_t whylen);
/* A retried row's due time (scheduling seconds), rounded up. */
int64_t		 outbox_retry_at(const struct config *,
		    const struct fetch_result *, int attempts, int64_t sched_ms,
		    int64_t wall_ms);

/*
 * nofile.c: the connections RLIMIT_NOFILE allows of those wanted (it may
 * raise the soft limit), others (the console's) kept aside; warn is "" or
 * why fewer, naming both numbers.
 */
int		 nofile_fit(int want, int others, char *warn, size_t warnlen);

/*
 * notify.c: the service manager's protocol ($NOTIFY_SOCKET, sd_notify(3)
 * without libsystemd). Each returns 0 when sent or when no socket is set,
 * -1 on failure (logged).
 */
struct event;
int		 notify_send(const char *);
int		 notify_ready(void);
int		 notify_reloading(void);	/* with MONOTONIC_USEC= */
int		 notify_stopping(void);
int		 notify_watchdog(void);
uint64_t	 notify_watchdog_usec(void);	/* 0: no watchdog for us */
/* Pings WATCHDOG=1 every half interval; NULL when there is none. */
struct event	*notify_watchdog_start(struct event_base *);
void		 notify_watchdog_stop(struct event *);

/* housekeep.c: the housekeeping tick: escalations (core/escalate.c). */
struct housekeep;
struct housekeep *housekeep_new(struct tincay *);
void		 housekeep_free(struct housekeep *);
/* Tick now, from the loop (in this pass or the next), not at the timer. */
void		 housekeep_kick(struct housekeep *);
/* Purge at the next tick (a reload may have changed retention_days). */
void		 housekeep_purge_soon(struct housekeep *);
uint64_t	 housekeep_escalated(const struct housekeep *);

/*
 * queue.c: a bounded queue of pointers from one thread to another, in
 * order, its consumer woken through an eventfd (queue_fd, for its event
 * loop). queue_push hands the item over (0), or refuses it when the queue
 * is full or closed (-1: the caller keeps it); queue_take gives the
 * consumer up to max of them (the wake consumed first: call it until it
 * returns 0). The queue never frees an item but at queue_free, with freefn.
 */
struct queue;
struct queue	*queue_new(size_t cap);
void		 queue_free(struct queue *, void (*freefn)(void *));
int		 queue_fd(const struct queue *);
int		 queue_push(struct queue *, void *item);
size_t		 queue_take(struct queue *, void **v, size_t max);
void		 queue_close(struct queue *);
int		 queue_closed(struct queue *);
size_t		 queue_len(struct queue *);

/*
 * fetch.c: outbound HTTP POST over libcurl's multi interface, run by the
 * delivery thread; requests and results cross two queues (queue.c).
 */
struct fetch;
struct fetch_req {
	const char	*url;
	const char	*const *headers;	/* "Name: value" */
	size_t		 nheaders;
	const char	*body;
	size_t		 bodylen;
	const char	*userpwd;		/* basic auth, or NULL */
	long		 timeout_ms;
	int		 allow_http;
};
/* What came back; borrowed for the duration of the callback. */
struct fetch_result {
	int		 curl_code;	/* 0: a response was received */
	long		 status;	/* HTTP status, 0 if none */
	const char	*error;		/* curl's words, or NULL */
	const char	*retry_after;	/* header value, or NULL */
	const char	*body;
	size_t		 bodylen;
};
typedef void	 (*fetch_done_fn)(const struct fetch_result *, void *);
/*
 * The connection pool: in all, and to one host. 32 to one host was tried:
 * in rounds alternating on this 2-core box, bursts' alerts went 5 % faster
 * and steady intake 15 % slower (p99 +1 ms), delivery taking more of the
 * core; 16 it is.
 */
#define FETCH_MAX_CONNS		64
#define FETCH_MAX_HOST_CONNS	16
struct fetch	*fetch_new(struct event_base *, size_t max_conns,
		    size_t max_host_conns);
void		 fetch_free(struct fetch *);
/*
 * Copies what it needs of req (nothing of it is kept) and hands it to the
 * delivery thread; done is called once, later, on the loop's thread, with
 * a result borrowed for the call. -1: not started (no room).
 */
int		 fetch_post(struct fetch *, const struct fetch_req *,
		    fetch_done_fn, void *);
size_t		 fetch_inflight(const struct fetch *);
/* How long past its timeout a transfer the thread holds is given up on
 * (5 s); the tests make it negative to stand for a stalled thread. */
void		 fetch_set_stall_ms(struct fetch *, long margin_ms);

#endif
