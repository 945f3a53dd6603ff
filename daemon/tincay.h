/*
 * tincay.h: shared structs, enums and prototypes of tincayd and tincayctl,
 * grouped by the file that defines them. Ownership is stated per function:
 * "returns malloc'd" means the caller frees.
 */
#ifndef TINCAY_H
#define TINCAY_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include "../config/config.h"

#define TINCAY_VERSION	"0.1.0"

#define PHONE_MAX	20	/* "+" and up to 15 digits, NUL */
#define REF_MAX		8	/* 4..6 chars, NUL */
#define EXTID_MAX	128
#define REPLY_MAX	480

struct event_base;
struct sqlite3_stmt;
struct fetch_result;
struct store;

/* log.c */
void		 log_init(int verbose);
/* Buffer info lines until log_flush() (the daemon's loop). */
void		 log_buffer(void);
void		 log_flush(void);
void		 log_warn(const char *, ...)
		    __attribute__((format(printf, 1, 2)));
void		 log_warnx(const char *, ...)
		    __attribute__((format(printf, 1, 2)));
void		 log_info(const char *, ...)
		    __attribute__((format(printf, 1, 2)));
void		 log_debug(const char *, ...)
		    __attribute__((format(printf, 1, 2)));
void		 fatal(const char *, ...)
		    __attribute__((format(printf, 1, 2), noreturn));
void		 fatalx(const char *, ...)
		    __attribute__((format(printf, 1, 2), noreturn));

/* util.c */
void		*xmalloc(size_t);
void		*xcalloc(size_t, size_t);
void		*xrealloc(void *, size_t);
char		*xstrdup(const char *);
char		*xstrndup(const char *, size_t);
char		*xasprintf(const char *, ...)
		    __attribute__((format(printf, 1, 2)));
size_t		 util_strlcpy(char *, const char *, size_t);
/* A JSON string literal (quoted, escaped) of s. Returns malloc'd. */
char		*util_json_string(const char *);
int64_t		 util_now(void);		/* wall clock, seconds */
int64_t		 util_mono_ms(void);		/* monotonic, milliseconds */
int64_t		 util_sched_now(void);		/* wall, but never jumps */
int		 util_random(void *, size_t);	/* 0 ok, -1 error */
int		 util_ct_equal(const void *, size_t, const void *, size_t);
/* (buf, len) in lower-case hex into out[2 * len + 1]. */
void		 util_hex(const unsigned char *buf, size_t len, char *out);
/* "scheme://host:port" of an http(s) URL, normalised; 0 or -1. */
int		 util_url_origin(const char *url, char *out, size_t outlen);
/* HMAC-SHA256 of (msg, len) under key, lower-case hex into out[65]. */
int		 util_hmac_sha256_hex(const char *key, const void *msg,
		    size_t len, char out[65]);

/* text.c: Vietnamese folding and SMS segment arithmetic. */
/*
 * Fold (buf, len) of UTF-8: every Latin letter with diacritics becomes its
 * base letter (NFC, NFD and mixed input alike), combining marks
 * U+0300..U+036F are removed, đ→d and Đ→D; case is kept and anything else
 * is copied as is. Invalid UTF-8 (each maximal ill-formed subpart) and NUL
 * become '?'. Returns malloc'd.
 */
char		*text_fold(const char *buf, size_t len);
/*
 * Fold for matching: text_fold, then lower-case ASCII, every run of
 * characters that are not ASCII letters or digits becomes one space, no
 * leading or trailing space. Returns malloc'd.
 */
char		*text_keyfold(const char *buf, size_t len);
/*
 * (buf, len) as valid UTF-8: each invalid sequence (maximal subpart) and
 * each NUL becomes U+FFFD, everything else is copied. Returns malloc'd.
 */
char		*text_utf8(const char *buf, size_t len);
enum text_enc { TEXT_GSM7, TEXT_UCS2 };
struct text_seg {
	enum text_enc	 enc;
	size_t		 segments;
	size_t		 units;		/* septets or UTF-16 units */
};
/*
 * Encoding and segment count of (buf, len) of UTF-8: GSM-7 160 septets in
 * one segment, else 153 per part, an extension character never split;
 * UCS-2 70 units, else 67 per part, a grapheme never split. Empty text is
 * one segment. Invalid UTF-8 counts as U+FFFD (UCS-2).
 */
void		 text_segments(const char *buf, size_t len,
		    struct text_seg *);
/*
 * Fold (buf, len) to text that is pure GSM-7 (folding Vietnamese, replacing
 * what cannot be represented by '?'; typographic quotes, dashes, tab and
 * no-break space become their ASCII look-alikes) and cut it at a character
 * boundary so that it fits max_segments segments (0: empty). Returns
 * malloc'd.
 */
char		*text_gsm7(const char *buf, size_t len, size_t max_segments);

/* phone.c */
/*
 * Normalise (buf, len) to E.164 ("+84912345678") into out[PHONE_MAX].
 * Accepts "0912345678", "84912345678", "+84912345678", "0084912345678",
 * spaces, tabs, dots, dashes and parentheses; cc is the country code
 * without "+". At least 8 digits after the country code, at most 15 in
 * all; Vietnam's old 11-digit mobiles ("0162…") become their 2018 numbers
 * ("032…"). Returns 0, or -1 if it is not a phone number.
 */
int		 phone_e164(const char *buf, size_t len, const char *cc,
		    char out[PHONE_MAX]);
/* Keep "+", mask all but the last 3 digits: "+********678". Returns out. */
const char	*phone_mask(const char *e164, char out[PHONE_MAX]);


/* tz.c: local dates and midnights in the commune's time zone. */
/*
 * Local midnight starting day y-m-d in time zone tz (an Olson name) as UTC
 * epoch seconds. m and d may run over (d = 32, m = 13) and are normalised
 * as mktime() does. Returns -1 on error.
 */
int64_t		 tz_midnight(const char *tz, int y, int m, int d);
/* The local date of UTC time t in tz. 0, or -1. */
int		 tz_date(const char *tz, int64_t t, int *y, int *m, int *d);

/* store.c: SQLite, pragmas, migrations, every SQL statement in one table. */
enum stmt {
	ST_BEGIN,
	ST_COMMIT,
	ST_ROLLBACK,
	ST_SAVEPOINT,
	ST_RELEASE,
	ST_ROLLBACK_TO,
	ST_MSG_FIND,
	ST_MSG_ADD,
	ST_REPORT_ADD,
	ST_REPORT_NEXT_ID,
	ST_REF_TAKEN,
	ST_REF_OF,
	ST_REF_LEGACY,
	ST_META_GET,
	ST_REPORT_OPEN_BY_REPORTER,
	ST_REPORT_TOUCH,
	ST_CONTACT_ADD,
	ST_CONTACT_REMOVE,
	ST_CONTACT_BY_PHONE,
	ST_CONTACTS_FOR,
	ST_CONTACTS_LIST,
	ST_CONTACTS_ALERTED,
	ST_OUTBOX_ADD,
	ST_OUTBOX_LIST,
	ST_OUTBOX_DUE,
	ST_OUTBOX_DEST_FIRST,
	ST_OUTBOX_DEST_NEXT,
	ST_REPORTS_LIST,
	ST_REPORT_SHOW,
	ST_MESSAGES_LIST,
	ST_REPORT_GET,
	ST_REPORT_STATUS,
	ST_REPORTS_ESCALATE_DUE,
	ST_REPORT_ESCALATED,
	ST_REPORT_ESCALATE_NOW,
	ST_OUTBOX_RESULT,
	ST_SUB_ADD,
	ST_SUB_OPTOUT,
	ST_SUB_COUNT,
	ST_SUB_PAGE,
	ST_STATS_COUNT,
	ST_PURGE_DUE,
	ST_PURGE_MESSAGES,
	ST_PURGE_OUTBOX,
	ST_PURGE_REPORT,
	ST_PURGE_LOOSE_MESSAGES,
	ST_PURGE_LOOSE_OUTBOX,
	ST_SECURE_DELETE,
	ST_CHECKPOINT,
	ST_STATS_SIGNUPS,
	ST_STATS_DAYS,
	ST_META_SET,
	ST_DAYS_CLEAR,
	ST_DAYS_FILL,
	ST__MAX
};

/* A contact as read from the store; strings point into the row. */
struct contact {
	int64_t		 id;
	const char	*name;
	const char	*phone;
	const char	*role;
	const char	*areas;
	const char	*channel;
	const char	*url;
};

/* A new outbox row. */
struct outbox_row {
	int64_t		 report_id;	/* 0: none */
	int64_t		 contact_id;	/* 0: none */
	const char	*channel;	/* "sms" | "webhook" */
	const char	*event;		/* "report.created" ... */
	const char	*dest;		/* phone or URL */
	const char	*body;
};

struct store	*store_open(const char *path, char *err, size_t errlen);
/* The same for the daemon, which owns the database: a second one gets
 * NULL and why, before anything is migrated. */
struct store	*store_open_daemon(const char *path, char *err,
		    size_t errlen);
void		 store_close(struct store *);
/*
 * Reports are counted per local day of tz (report_days, kept by triggers);
 * counts made with another offset are made again if recount is set (the
 * daemon), else not used (tincayctl: stats read the reports). 0, or -1.
 */
int		 store_set_timezone(struct store *, const char *tz,
		    int recount);
/* The day number of t (days start at local midnights); whether t is
 * the start of one. */
int64_t		 store_day(const struct store *, int64_t t);
int		 store_day_aligned(const struct store *, int64_t t);
/* Borrowed statement; the caller binds, steps and calls store_done(). */
struct sqlite3_stmt *store_stmt(struct store *, enum stmt);
void		 store_done(struct sqlite3_stmt *);
/* Run a statement with no result rows; 0 or -1 (logged). */
int		 store_run(struct store *, enum stmt);
/*
 * The batch: every write joins the one open transaction (store_begin opens
 * it, or joins it); store_commit ends it with one COMMIT, one fdatasync.
 * The on_begin hook hears when a transaction opens (the daemon's loop then
 * commits after the pass); each listener hears how it ended, committed or
 * rolled back, and what it held: deferred replies are sent, delivery is
 * kicked. Listeners run inside store_commit/store_rollback and must not
 * write.
 */
struct store_batch {
	int		 outbox_added;	/* outbox rows inserted */
};
struct store_stats {
	uint64_t	 commits, commit_failures;
};
typedef void	 (*store_begin_fn)(void *arg);
typedef void	 (*store_commit_fn)(void *arg, int ok,
		    const struct store_batch *);
void		 store_on_begin(struct store *, store_begin_fn, void *);
void		 store_on_commit(struct store *, store_commit_fn, void *);
void		 store_off_commit(struct store *, store_commit_fn, void *);
int		 store_begin(struct store *);
int		 store_commit(struct store *);
void		 store_rollback(struct store *);
int		 store_in_tx(const struct store *);
void		 store_stats(const struct store *, struct store_stats *);
/* How long to wait for another writer (default 2000 ms). */
void		 store_busy_timeout(struct store *, int ms);
int		 store_writable(struct store *);
int		 store_version(struct store *);
const char	*store_errmsg(struct store *);
/* Bind helpers: NULL text binds NULL; id 0 binds NULL. */
void		 store_bind_text(struct sqlite3_stmt *, int, const char *);
void		 store_bind_id(struct sqlite3_stmt *, int, int64_t);
const char	*store_col_text(struct sqlite3_stmt *, int);

/* Report rows. ref_out gets a fresh unique REF. Returns id or -1. */
int64_t		 store_report_add(struct store *, const char *category,
		    const char *area, const char *reporter, int64_t now,
		    int64_t escalate_at, char ref_out[REF_MAX]);
/* Newest open report of reporter younger than since: id, ref; 0 none. */
int64_t		 store_report_recent(struct store *, const char *reporter,
		    int64_t since, char ref_out[REF_MAX]);
int		 store_report_touch(struct store *, int64_t id, int64_t now);
/* Calls fn for each active contact with role, covering area (NULL: '*'
 * only). Returns how many, or -1. */
typedef int	 (*store_contact_fn)(const struct contact *, void *);
int		 store_contacts_for(struct store *, const char *role,
		    const char *area, store_contact_fn, void *);
/* Contacts already alerted about report id (distinct). */
int		 store_contacts_alerted(struct store *, int64_t report_id,
		    store_contact_fn, void *);
int64_t		 store_outbox_add(struct store *, const struct outbox_row *,
		    int64_t now);
/* Outbox lanes, each walked on its own so one cannot block another. */
enum { OUTBOX_LANE_WEBHOOK, OUTBOX_LANE_SMS, OUTBOX_LANE_BROADCAST,
    OUTBOX_LANES };
#define OUTBOX_IDEM_LEN	32
#define OUTBOX_DKEY_MAX	160	/* a destination: a webhook's origin, "" */
/* A due row, copied out; strings malloc'd (store_outbox_due_clear). */
struct outbox_due {
	int64_t		 id;
	int64_t		 report_id;
	int64_t		 created_at;
	int		 attempts;
	int		 lane;
	char		*channel, *dest, *body, *event;
	char		 idem_key[OUTBOX_IDEM_LEN + 1];	/* stable per row */
	char		 dkey[OUTBOX_DKEY_MAX];		/* its destination */
};
/*
 * Up to max pending rows of lane to destination dkey due at now, committed
 * ones only (a row of the open batch may still roll back), oldest first,
 * each waiting for an earlier row of its report to the same contact. It
 * reads only as far as it must: filter (if not NULL) sees each due row's
 * id before it is copied, and answers 1 take it, 0 skip it, -1 stop.
 * Returns n, or -1.
 */
typedef int	 (*store_due_fn)(int64_t id, void *arg);
int		 store_outbox_due(struct store *, int64_t now, int lane,
		    const char *dkey, struct outbox_due *rows, int max,
		    store_due_fn, void *arg);
/* The first destination with pending rows in lane after after (NULL: the
 * first of all) into out: 1, 0 if none, -1 on error. */
int		 store_outbox_dest(struct store *, int lane, const char *after,
		    char out[OUTBOX_DKEY_MAX]);
void		 store_outbox_due_clear(struct outbox_due *);
/* A contact looked up by phone, copied out of the row. */
struct contact_row {
	int64_t		 id;
	char		 role[64];
	char		 pin[32];		/* "" if none */
};
/* 1 found, 0 not a contact, -1 error. */
int		 store_contact_get(struct store *, const char *phone,
		    struct contact_row *);
/* A report with its first message, copied out of the row. */
struct report_row {
	int64_t		 id;
	char		 ref[REF_MAX];
	char		 category[16];
	char		 area[24];		/* "" for unknown */
	char		 status[16];
	char		 reporter[PHONE_MAX];
	int		 escalation_level;
	char		*text;			/* malloc'd, or NULL */
	int64_t		 received_at;
};
/* The id of the report with REF ref: > 0, 0 if none, -1 on error. */
int64_t		 store_report_find(struct store *, const char *ref);
/* By id (ref NULL) or by ref. 1 found, 0 not, -1 error. */
int		 store_report_get(struct store *, int64_t id, const char *ref,
		    struct report_row *);
void		 store_report_row_clear(struct report_row *);

/* ref.c: REFs, a keyed permutation of the report's number (from 0). */
#define REF_KEY_LEN	16
struct ref_key;
/* NULL if the cipher cannot be set up. */
struct ref_key	*ref_key_new(const unsigned char key[REF_KEY_LEN]);
void		 ref_key_free(struct ref_key *);
/* The REF of number n: 4 chars below 31^4, then 5, then 6; -1 past. */
int		 ref_encode(const struct ref_key *, int64_t n, char out[REF_MAX]);
/* The number whose REF is (s, len), or -1 if it is not a REF. */
int64_t		 ref_decode(const struct ref_key *, const char *s, size_t len);
/* 1 if (s, len) is 4..6 characters of the REF alphabet. */
int		 ref_valid(const char *s, size_t len);

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
	struct store		*store;
	struct batch		*batch;
	struct http		*http;
	struct outbox		*outbox;
	const char		*conffile;
	int			 stopping;
	int64_t			 stop_ms;	/* monotonic, when asked */
	/* Counters for /metrics. */
	uint64_t		 n_messages;	/* new messages stored */
	uint64_t		 n_duplicates;	/* provider retries answered */
	uint64_t		 n_reports;
};

/* http.c: evhttp listener, limits, the route table, replies. */
struct evhttp_request;
struct http	*http_new(struct tincay *, char *err, size_t errlen);
void		 http_free(struct http *);
void		 http_configure(struct http *);	/* re-apply limits */
void		 http_stop_accepting(struct http *);
size_t		 http_busy(const struct http *);
/* Reply now. body may be NULL. */
void		 http_reply(struct evhttp_request *, int code,
		    const char *ctype, const char *body, size_t len);
/* A one-line plain-text error. */
void		 http_error(struct evhttp_request *, int code, const char *);
struct inbound;
struct outcome;
/* router_receive(), answering 503 + Retry-After itself on failure. */
int		 http_receive(struct tincay *, struct evhttp_request *,
		    const struct inbound *, struct outcome *);
/* Reply once the open batch has committed (503 if it fails); now if no
 * batch is open. */
void		 http_defer(struct http *, struct evhttp_request *, int code,
		    const char *ctype, const char *body, size_t len);
const char	*http_header(struct evhttp_request *, const char *);

/* One inbound message, as a provider adapter decoded it. Borrowed. */
struct inbound {
	const char	*provider;		/* "generic", "twilio", ... */
	char		 ext_id[EXTID_MAX];	/* the provider's message id */
	char		 from[PHONE_MAX];	/* E.164 */
	char		 to[64];
	const char	*text;
	size_t		 textlen;
	int		 reply_via_outbox;	/* reply as an outbox row */
};

/* What the resident is answered; the same for a provider's retry. */
struct outcome {
	int		 duplicate;
	char		 ref[REF_MAX];		/* "" for none */
	char		 reply[REPLY_MAX];	/* "" for none */
};

/* router.c: keyword and area matching, then the handler table. */
/*
 * File (in, now): store the message, run its handler and write outbox rows,
 * all in the open batch transaction (begun here if needed) under one
 * savepoint. A message already stored gets its first outcome. Returns 0, or
 * -1 if nothing could be stored (the caller answers 503).
 */
int		 router_receive(struct tincay *, const struct inbound *,
		    struct outcome *);
/* Match (folded text): category, words after the keyword; area index or
 * -1, words after the area. Exposed for tests. */
struct route_match {
	enum category	 cat;
	const char	*args;		/* into folded, after the keyword */
	int		 area;		/* index into conf->areas, or -1 */
	const char	*rest;		/* into folded, after the area */
};
void		 router_match(const struct config *, const char *raw,
		    size_t rawlen, const char *folded, struct route_match *);
/* The area named by the first one to three words of (folded) words: its
 * index into conf->areas and *after past it; or -1 and *after = words. */
int		 router_area(const struct config *, const char *words,
		    const char **after);
/*
 * Copy the first n words of folded text s (space separated) into out
 * without the spaces; return a pointer past them and the spaces after, or
 * NULL if s has fewer than n words.
 */
const char	*router_join(const char *s, int n, char *out, size_t outlen);
/* Render template t with %REF% into out. */
void		 router_template(const struct config *, enum tmpl,
		    const char *ref, char *out, size_t outlen);

/* outbox.c: delivery of the outbox, escalation timers. */
struct outbox;
struct outbox_stats {
	uint64_t	 sent, retried, failed, escalated;
	size_t		 inflight;
};
struct outbox	*outbox_new(struct tincay *);
void		 outbox_free(struct outbox *);
/* One pass over due rows and reports; returns how many rows started. */
int		 outbox_pass(struct outbox *);
/* Run a pass soon (after a commit that added rows). */
void		 outbox_kick(struct outbox *);
void		 outbox_metrics(const struct outbox *, struct outbox_stats *);
int64_t		 outbox_backoff_ms(const struct config *, int attempts);
int64_t		 outbox_retry_after(const char *);
enum outbox_verdict { OB_SENT, OB_RETRY, OB_FAILED };
enum outbox_verdict outbox_judge(const struct fetch_result *, char *why,
		    size_t whylen);

/* fetch.c: outbound HTTP POST over libcurl's multi interface. */
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
/* Copies what it needs of req; done is called once, later, from the loop. */
int		 fetch_post(struct fetch *, const struct fetch_req *,
		    fetch_done_fn, void *);
size_t		 fetch_inflight(const struct fetch *);

/* form.c: application/x-www-form-urlencoded decoder and encoder. */
/* One decoded field: key and val are NUL-terminated and hold no NUL. */
struct form_field {
	char		*key;
	size_t		 keylen;
	char		*val;
	size_t		 vallen;
};
struct form {
	struct form_field *v;
	size_t		 n;
};
/* A growing encoded body; buf is malloc'd (NULL until the first add). */
struct form_buf {
	char		*buf;
	size_t		 len;
	size_t		 cap;
};
/*
 * Decode (buf, len): '+' is a space, %XX escapes in keys and values, a
 * field without '=' has the value "", empty fields are skipped. Returns a
 * new form (free with form_free), or NULL with why in err: a broken escape
 * ("%4", "%zz"), %00 or a NUL byte, or too many fields.
 */
struct form	*form_parse(const char *buf, size_t len, char *err,
		    size_t errlen);
void		 form_free(struct form *);
/* The first field named key, or NULL. Borrowed from the form. */
const struct form_field *form_get(const struct form *, const char *key);
/* Append (s, n) encoded as URLSearchParams does: space '+', %XX. */
void		 form_encode(struct form_buf *, const char *s, size_t n);
/* Append "key=value", with '&' before it unless it is the first. */
void		 form_add(struct form_buf *, const char *key, const char *val);
/* 1 if a Content-Type header value is a form, any parameters. */
int		 form_urlencoded(const char *content_type);

/* handlers/ussd.c: the USSD menu (SPEC §6), pure: no I/O. */
#define USSD_SCREEN_MAX	178	/* 182 with "CON " or "END " in front */
enum ussd_action {
	USSD_NONE,		/* just show the screen */
	USSD_REPORT,		/* file a report of cat in area (-1: unknown) */
	USSD_SIGNUP		/* campaign signup */
};
struct ussd_screen {
	int		 end;		/* 0: CON, 1: END */
	enum ussd_action action;	/* meaningful when end */
	enum category	 cat;
	int		 area;		/* index into conf->areas, or -1 */
	char		 text[USSD_SCREEN_MAX + 1];	/* ASCII */
};
/*
 * The screen after the answers (text, len) ("", "1", "1*3", ...). For an
 * END with an action other than USSD_NONE, text is empty: the caller files
 * and fills it with ussd_result().
 */
void		 ussd_step(const struct config *, const char *text, size_t len,
		    struct ussd_screen *);
/* END screen from a reply text: folded, ASCII, cut to fit. */
void		 ussd_result(const char *reply, struct ussd_screen *);
/* The keys of the next and previous page of the area list. */
void		 ussd_nav_keys(const struct config *, char next[8],
		    char prev[8]);
/* Where each page of the area list starts (up to max); the page count. */
size_t		 ussd_pages(const struct config *, size_t *starts, size_t max);

/* handlers/stats.c: counts for officials (TK by SMS, SPEC §6) and for
 * tincayctl stats (§7), in the commune's time zone. */
struct stats_period {
	int64_t		 from;		/* UTC epoch seconds, inclusive */
	int64_t		 to;		/* UTC epoch seconds, exclusive */
	char		 label[32];	/* "11/2026", "2026", "05/11/2026" */
};
/*
 * The PERIOD at the start of folded words s (text_keyfold output:
 * "homnay", "tuan", "thang", "nam", "11 2026", "2026", ...) for the instant
 * now in tz. Fills p and returns a pointer past it (and its spaces), or
 * NULL if s does not start with a period.
 */
const char	*stats_period(const char *tz, const char *s, int64_t now,
		    struct stats_period *p);
enum stats_status { STATS_OPEN, STATS_ACKNOWLEDGED, STATS_CLOSED,
    STATS_CANCELLED, STATS__MAX };
/* "open", ...; and back (-1 unknown). */
const char	*stats_status_name(enum stats_status);
int		 stats_status_lookup(const char *);
/* One group of reports created in a period; strings borrowed. */
struct stats_row {
	const char	*area;		/* code, or NULL: unknown */
	const char	*category;
	const char	*status;
	int64_t		 n;
};
typedef int	 (*stats_row_fn)(const struct stats_row *, void *);
/*
 * Call fn for each (area, category, status) group of the reports created
 * in [from, to), of area only (NULL: all). Returns the number of groups,
 * or -1 (logged).
 */
int		 stats_rows(struct store *, int64_t from, int64_t to,
		    const char *area, stats_row_fn, void *);
/*
 * Campaign signups made in [from, to) (opted out since or not), of area
 * only (NULL: all): the total, or -1. fn, if not NULL, gets one row per
 * area (category "signup", status NULL).
 */
int64_t		 stats_signups(struct store *, int64_t from, int64_t to,
		    const char *area, stats_row_fn, void *);
/* What the SMS reply says. */
struct stats_counts {
	int64_t		 gbv, shelter, signups;
	int64_t		 status[STATS__MAX];	/* of gbv and shelter */
};
int		 stats_count(struct store *, int64_t from, int64_t to,
		    const char *area, struct stats_counts *);
/* "TK 11/2026 T3: BL 5 TC 2 DK 140 HUY 1; mo 2 xong 4" (area may be
 * NULL), GSM-7, at most two segments. */
void		 stats_format(const struct stats_counts *, const char *label,
		    const char *area, char *out, size_t outlen);

/* providers/africastalking.c: the SMS send API request (SPEC §2, §5). */
struct africastalking_req {
	char		*url;
	char		*headers[3];	/* "Name: value", for fetch_req */
	size_t		 nheaders;
	char		*body;		/* form-encoded */
	size_t		 bodylen;
};
/*
 * The POST that sends text to (E.164, or several joined by ',') as the SDK
 * builds it: {api_base}/version1/messaging, headers apikey, Accept and
 * Content-Type, body username, to, message[, from], bulkSMSMode=1. Fills r
 * (free with africastalking_req_free); -1 with why in err.
 */
int		 africastalking_send_request(const struct config *,
		    const char *to, const char *text,
		    struct africastalking_req *r, char *err, size_t errlen);
void		 africastalking_req_free(struct africastalking_req *);

#endif
