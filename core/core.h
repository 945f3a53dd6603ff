/*
 * core.h: what tincayd and tincayctl share, the core library (SPEC §1):
 * logging, utilities, text, phones, the calendar, REFs, the inbound message
 * and the router. Nothing here knows the event loop or the network.
 * Ownership is stated per function: "returns malloc'd" means the caller
 * frees.
 */
#ifndef TINCAY_CORE_H
#define TINCAY_CORE_H

#include <sys/types.h>

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "../config/config.h"

#define TINCAY_VERSION	"0.1.0"

#define PHONE_MAX	20	/* "+" and up to 15 digits, NUL */
#define REF_MAX		8	/* 4..6 chars, NUL */
#define EXTID_MAX	128
#define REPLY_MAX	480

struct store;

/* log.c */
/* "<N>" journald prefixes only when stderr is $JOURNAL_STREAM's file. */
void		 log_init(int verbose);
/* Buffer info lines until log_flush() (the daemon's loop). */
void		 log_buffer(void);
void		 log_flush(void);
/* Rate-limit lines that repeat (a format past 10 lines in 10 s). */
void		 log_limit(int on);
void		 log_warn(const char *, ...)
		    __attribute__((format(printf, 1, 2)));
void		 log_warnx(const char *, ...)
		    __attribute__((format(printf, 1, 2)));
/* Normal but significant: an escalation (journald priority 5). */
void		 log_notice(const char *, ...)
		    __attribute__((format(printf, 1, 2)));
void		 log_info(const char *, ...)
		    __attribute__((format(printf, 1, 2)));
void		 log_debug(const char *, ...)
		    __attribute__((format(printf, 1, 2)));
void		 fatal(const char *, ...)
		    __attribute__((format(printf, 1, 2), noreturn));
void		 fatalx(const char *, ...)
		    __attribute__((format(printf, 1, 2), noreturn));

/*
 * owner.c: root becomes the database's owner before opening it (tincayctl
 * on the service's database). owner_decide is the rule, by user ids.
 */
enum owner_act {
	OWNER_KEEP,	/* open as we are */
	OWNER_DROP	/* become the owner first */
};
enum owner_act	 owner_decide(uid_t euid, uid_t owner);
int		 owner_become(const char *dbpath, char *err, size_t errlen);

/* util.c */
void		*xmalloc(size_t);
void		*xcalloc(size_t, size_t);
void		*xrealloc(void *, size_t);
char		*xstrdup(const char *);
char		*xstrndup(const char *, size_t);
char		*xasprintf(const char *, ...)
		    __attribute__((format(printf, 1, 2)));
size_t		 util_strlcpy(char *, const char *, size_t);
/* one if n is 1, else many: "1 report", "0 reports", "2 reports". */
const char	*util_plural(int64_t n, const char *one, const char *many);
/* A JSON string literal (quoted, escaped) of s. Returns malloc'd. */
char		*util_json_string(const char *);
/* The directory of path, resolved (realpath) when it exists. malloc'd. */
char		*util_dir(const char *path);
int64_t		 util_now(void);		/* wall clock, seconds */
int64_t		 util_mono_ms(void);		/* monotonic, milliseconds */
int64_t		 util_mono_us(void);		/* monotonic, microseconds */
int64_t		 util_sched_now(void);		/* wall, but never jumps */
int64_t		 util_sched_now_ms(void);	/* the same, milliseconds */
/*
 * How far the scheduling clock runs ahead of the wall clock now (ms); and
 * from now on run it that far ahead: tincayctl takes the running daemon's
 * offset, so that what it writes (an escalation, a retry) is due when the
 * daemon means, even after the wall clock was set since the daemon began.
 */
int64_t		 util_sched_offset_ms(void);
void		 util_sched_adopt(int64_t offset_ms);
int64_t		 util_now_ms(void);		/* wall clock, milliseconds */
int		 util_random(void *, size_t);	/* 0 ok, -1 error */
int		 util_ct_equal(const void *, size_t, const void *, size_t);
/* (buf, len) in lower-case hex into out[2 * len + 1]. */
void		 util_hex(const unsigned char *buf, size_t len, char *out);
/* The value of hex digit c (either case), or -1. */
int		 util_hex_digit(int c);
/*
 * Whether url is one curl can send to: https:// (or http:// when
 * allow_http), a host (a name, an IPv4 address or a bracketed IPv6 one),
 * an optional port 1..65535, then a path, query or nothing; no blank or
 * control character anywhere. NULL, or why not.
 */
const char	*util_url_check(const char *url, int allow_http);
/* "scheme://host:port" of an http(s) URL, normalised; 0 or -1. */
int		 util_url_origin(const char *url, char *out, size_t outlen);
/* HMAC-SHA256 of (msg, len) under key, lower-case hex into out[65]. */
int		 util_hmac_sha256_hex(const char *key, const void *msg,
		    size_t len, char out[65]);
/* The same of stamp "." (msg, len) (SPEC §3's signed string), with no
 * copy of msg. */
int		 util_hmac_sha256_stamped_hex(const char *key,
		    const char *stamp, const void *msg, size_t len,
		    char out[65]);
/* A new HMAC context (OpenSSL's EVP_MAC_CTX) of digest ("SHA256",
 * "SHA1") keyed with (key, len), the caller's to free (EVP_MAC_CTX_dup it
 * to use it more than once); NULL if OpenSSL fails. */
struct evp_mac_ctx_st;
struct evp_mac_ctx_st *util_hmac_new(const char *digest, const void *key,
		    size_t len);
struct evp_mac_ctx_st *util_hmac_sha256_new(const void *key, size_t len);
/* cJSON allocates through alloc (NULL: malloc), counting its failures, so
 * that a parse that ran out of memory is told from a malformed text. */
void		 util_cjson_hooks(void *(*alloc)(size_t));
uint64_t	 util_cjson_alloc_failures(void);
struct cJSON;
/* A key some object in the tree holds twice (borrowed from it), or NULL:
 * JSON from outside with one is refused. */
const char	*util_json_dup_key(const struct cJSON *);

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
/* text_keyfold of the string s with its spaces removed, as keywords and
 * area names are compared ("Báo lực" → "baoluc"). Returns malloc'd. */
char		*text_keyfold_compact(const char *s);
/*
 * (buf, len) as valid UTF-8: each invalid sequence (maximal subpart) and
 * each NUL becomes U+FFFD, everything else is copied. Returns malloc'd.
 */
char		*text_utf8(const char *buf, size_t len);
/*
 * (buf, len) fit for a screen (SPEC §8), as text_utf8 but with every
 * control character (C0 with CR, LF, tab and ESC; DEL; C1) and line or
 * paragraph separator a space (one space where it stands beside a space
 * or another), and bidi controls, zero-width and other invisible format
 * characters dropped: no line can be forged, and digits they split join
 * again for phone_mask_text, which must come after. Returns malloc'd.
 */
char		*text_screen(const char *buf, size_t len);
/* Whether text_utf8 would copy (buf, len) unchanged: valid, no NUL. */
int		 text_utf8_valid(const char *buf, size_t len);
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
 * boundary so that it fits max_segments segments (0: empty, SIZE_MAX:
 * never cut). Returns malloc'd.
 */
char		*text_gsm7(const char *buf, size_t len, size_t max_segments);
/*
 * Copy the first n words of folded text s (space separated) into out
 * without the spaces; return a pointer past them and the spaces after, or
 * NULL if s has fewer than n words.
 */
const char	*text_words(const char *s, int n, char *out, size_t outlen);

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
/*
 * (buf, len) with every phone number in it masked as phone_mask does: each
 * run of 8 or more digits (an optional leading "+"; single spaces, dots or
 * dashes between digits, but none after fewer than 8 digits glued to a
 * letter, as in "T3") keeps its last 3 digits, every other digit becomes
 * '*'; all else is copied as is (the same length). For text that is
 * shown, never logged (the console channel). Returns malloc'd.
 */
char		*phone_mask_text(const char *buf, size_t len);

/* form.c: application/x-www-form-urlencoded decoder and encoder (the
 * providers' bodies, the console's forms). */
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
/* A Content-Type header value is want (case aside), with any parameters. */
int		 form_ctype_is(const char *content_type, const char *want);

/*
 * scrypt.c: a secret as a salted slow hash, "scrypt$N$r$p$salt$hash" (hex),
 * the format of PINs and passwords. A cost: N, r, p and the memory they
 * may take (128 N r p bytes at most); as a limit, the most a stored hash
 * may ask for.
 */
struct scrypt_cost {
	uint64_t	 n, r, p;
	uint64_t	 mem_max;
};
/* Hash (pw, len) under a fresh random salt at cost into out (outlen
 * bytes). 0, or -1. */
int		 scrypt_hash(const char *pw, size_t len,
		    const struct scrypt_cost *, char *out, size_t outlen);
/* 1 if (pw, len) is the secret of stored, recomputed under its own
 * parameters, each within limit; else 0 (a clear, malformed or greedy
 * stored value never matches); -1 the KDF failed (out of memory).
 * Compares in constant time. */
int		 scrypt_verify(const char *pw, size_t len, const char *stored,
		    const struct scrypt_cost *limit);
/* 1 if stored is in the format (rather than a clear value from before). */
int		 scrypt_is_hash(const char *stored);

/* pin.c: officials' PINs, stored as salted slow hashes (SPEC §8). */
#define PIN_HASH_MAX	128	/* "scrypt$N$r$p$salt$hash", NUL */
/* Hash (pin, len) under a fresh random salt into out. 0, or -1. */
int		 pin_hash(const char *pin, size_t len, char out[PIN_HASH_MAX]);
/* 1 if (pin, len) is the PIN of stored (a pin_hash() output, whatever its
 * parameters), else 0; a clear or malformed stored value never matches.
 * Costs one hash either way; compares in constant time. */
int		 pin_verify(const char *pin, size_t len, const char *stored);
/* 1 if stored is a hash (rather than a clear PIN from before). */
int		 pin_is_hash(const char *stored);

/*
 * passwd.c: the console's sign-in (SPEC §12): passwords as scrypt.c's
 * hashes, slower than PINs (N = 2^15: 32 MiB), what a password and a
 * user's name may be, and the roles.
 */
#define PASSWD_HASH_MAX	192	/* "scrypt$N$r$p$salt$hash", NUL */
#define PASSWD_MIN	8	/* characters (UTF-8) */
#define PASSWD_MAX	1024	/* bytes */
int		 passwd_hash(const char *pw, size_t len,
		    char out[PASSWD_HASH_MAX]);	/* 0, -1 */
/* 1 right, 0 wrong (or stored is no hash), -1 the KDF failed. */
int		 passwd_verify(const char *pw, size_t len, const char *stored);
/* Whether (pw, len) may be a password: NULL, or why not (in English). */
const char	*passwd_check(const char *pw, size_t len);
/* Whether name may be a user's: 1 to 63 bytes of letters, digits and
 * ". _ - @", beginning with a letter or digit: NULL, or why not. */
const char	*passwd_name_check(const char *name);
/* Whether role is one of the console's: admin, caseworker, viewer. */
int		 passwd_role_ok(const char *role);

/*
 * scope.c: a console user's communes and areas (SPEC §12). arg NULL or
 * "*": "*"; else codes of the config (any case) between ';', kept in its
 * spelling into out; areas of a city each CODE.T3 of one of communes.
 * NULL, or why not ("--communes: ...", "--areas: ...", as tincayctl
 * names them). scope_in: whether code is in list ("*" or codes).
 */
const char	*scope_communes(const struct config *, const char *arg,
		    char *out, size_t outlen);
const char	*scope_areas(const struct config *, const char *communes,
		    const char *arg, char *out, size_t outlen);
int		 scope_in(const char *list, const char *code);

/*
 * totp.c: time-based one-time codes (RFC 6238: HMAC-SHA1, 6 digits, 30 s
 * steps) of a secret kept in base32 (RFC 4648, upper case, no padding).
 */
#define TOTP_SECRET_LEN	32	/* base32 characters of 160 random bits */
#define TOTP_URI_MAX	320
/* A new secret, TOTP_SECRET_LEN characters and a NUL, into out (at least
 * TOTP_SECRET_LEN + 1 bytes). 0, or -1. */
int		 totp_secret_new(char *out, size_t outlen);
/* The code at unix time t, 0..999999, or -1 (a secret that is not
 * base32, t before 1970). */
int		 totp_code(const char *secret, int64_t t);
/* 1 if code (6 digits) is the code of now, of the step before or of the
 * one after; 0 if not (or not 6 digits); -1 the secret is not base32. */
int		 totp_verify(const char *secret, const char *code, int64_t now);
/* (in, len) in base32 into out (outlen bytes, NUL-terminated): its
 * length, or -1 if it does not fit. */
int		 totp_base32_encode(const unsigned char *in, size_t len,
		    char *out, size_t outlen);
/* Base32 text s (either case; spaces and trailing '=' ignored) into out
 * (outlen bytes): how many bytes, or -1 if it is not base32 or does not
 * fit. */
int		 totp_base32_decode(const char *s, unsigned char *out,
		    size_t outlen);
/* The otpauth://totp/ URI an authenticator app reads (issuer "tincay",
 * account name, percent-encoded) into out. 0, or -1 if it does not fit. */
int		 totp_uri(const char *name, const char *secret, char *out,
		    size_t outlen);


/* tz.c: local dates and midnights in the commune's time zone. */
/*
 * Local midnight starting day y-m-d in time zone tz (an Olson name) as UTC
 * epoch seconds. m and d may run over (d = 32, m = 13) and are normalised
 * as mktime() does. Returns -1 on error.
 */
/* 1 if tz is a zone of the TZ database or a built-in rule, else 0. */
int		 tz_known(const char *tz);
int64_t		 tz_midnight(const char *tz, int y, int m, int d);
/* The local date of UTC time t in tz. 0, or -1. */
int		 tz_date(const char *tz, int64_t t, int *y, int *m, int *d);
/* UTC time t as the local "YYYY-MM-DD HH:MM" of tz into out: 0, or -1
 * (out is then ""). */
#define TZ_STAMP_MAX	17
int		 tz_stamp(const char *tz, int64_t t, char out[TZ_STAMP_MAX]);
/*
 * The same for many times (a listing): tz_zone_enter() sets TZ once and
 * returns the zone (malloc'd), tz_zone_stamp() formats under it,
 * tz_zone_leave() puts TZ back and frees it (NULL is fine). Other tz_
 * calls in between are fine too; they put the zone back.
 */
struct tz_zone;
struct tz_zone	*tz_zone_enter(const char *tz);
int		 tz_zone_stamp(const struct tz_zone *, int64_t t,
		    char out[TZ_STAMP_MAX]);
void		 tz_zone_leave(struct tz_zone *);
/* How far tz is from UTC at t, as people write it: "UTC+07:00",
 * "UTC-03:30". 0, or -1 (out is then "UTC?"). */
#define TZ_OFFSET_MAX	16
int		 tz_utc_offset(const char *tz, int64_t t,
		    char out[TZ_OFFSET_MAX]);
/* tz_stamp() into out of outlen bytes (17 hold it all). */
int		 tz_format(const char *tz, int64_t t, char *out, size_t outlen);

/* html.c: pieces of one self-contained HTML page (no file, script or
 * style from elsewhere): escaped text, table rows, bar charts as SVG. */
/* s with & < > " ' escaped, so it is text in an element or a quoted
 * attribute. */
void		 html_text(FILE *, const char *s);
/* <tr> of n cells, each escaped: <th> if head, else <td>. */
void		 html_row(FILE *, const char *const *cells, size_t n, int head);
/* A horizontal bar chart: a label column, the bars, each bar's value. */
#define HTML_LABEL_W	200	/* px, labels right-aligned before it */
#define HTML_BAR_W	360	/* px, the longest bar */
#define HTML_VALUE_W	64	/* px after the longest bar */
#define HTML_ROW_H	24	/* px per bar */
#define HTML_BAR_H	18
struct html_bar {
	int		 x, y, w, h;
};
/* Where the bars of values v[0..n) go: the largest is HTML_BAR_W long,
 * the others in proportion (rounded; at least 1 px when not 0). */
void		 html_bars(const int64_t *v, size_t n, struct html_bar *out);
struct html_item {
	const char	*label;
	const char	*shown;		/* the value as printed ("<3") */
	int64_t		 n;		/* the bar's length in its units */
	int		 muted;		/* drawn pale: a suppressed count */
};
/* <svg> of the chart of items[0..n), titled title. */
void		 html_chart(FILE *, const char *title,
		    const struct html_item *items, size_t n);

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

/* One inbound message, as a provider adapter decoded it. Borrowed. */
struct inbound {
	const char	*provider;		/* "generic", "twilio", ... */
	char		 ext_id[EXTID_MAX];	/* the provider's message id */
	char		 from[PHONE_MAX];	/* E.164 */
	char		 to[64];
	const char	*text;
	size_t		 textlen;
	int		 reply_via_outbox;	/* reply as an outbox row */
	/* ... sent through this provider's send API (SPEC §5: the one
	 * the message came in on), or NULL: through sms_out. */
	const char	*reply_via;
	const char	*source;		/* "ussd", or NULL: an SMS */
	/* A route the channel already decided (a USSD menu knows category
	 * and area): the router takes it as is and parses nothing. */
	int		 routed;
	enum category	 cat;
	int		 area;			/* into conf->areas, or -1 */
	/* A city's: the commune the route is for (its code, borrowed; the
	 * menu's choice), whose areas area indexes; NULL: the one of the
	 * number it was sent to, else the city's own level. */
	const char	*commune;
};

/* What the resident is answered; the same for a provider's retry. */
struct outcome {
	int		 duplicate;
	char		 ref[REF_MAX];		/* "" for none */
	char		 reply[REPLY_MAX];	/* "" for none */
	int		 new_report;		/* it filed a new report */
};

/* router.c: keyword and area matching, then the family's handler. */
struct router;
/* The index of conf's keywords (conf is borrowed and must outlive it);
 * made at load and at each reload. */
struct router	*router_new(const struct config *);
void		 router_free(struct router *);
/*
 * File (in, now): store the message, run its handler and write outbox rows,
 * all in the open batch transaction (begun here if needed) under one
 * savepoint. A message already stored gets its first outcome. Returns 0, or
 * -1 if nothing could be stored (the caller answers 503).
 */
int		 router_receive(const struct router *, struct store *,
		    const struct inbound *, struct outcome *);
/* Match (folded text): category, words after the keyword; area index or
 * -1 (always -1 in a city: its commune comes first), words after the
 * area. Exposed for tests. */
struct route_match {
	enum category	 cat;
	const char	*args;		/* into folded, after the keyword */
	int		 area;		/* index into conf->areas, or -1 */
	const char	*rest;		/* into folded, after the area */
};
void		 router_match(const struct router *, const char *raw,
		    size_t rawlen, const char *folded, struct route_match *);

/* plea.c: plain-language pleas (SPEC §4). */
struct plea;
/* The built-in word lists plus keywords.distress and .not_distress (each
 * may be NULL); the lists are folded and copied, not kept. */
struct plea	*plea_new(const struct strlist *distress,
		    const struct strlist *not_distress);
void		 plea_free(struct plea *);
/* 1 if a text as received (raw, len: UTF-8, not folded) tells of
 * violence, abuse or danger, or calls for help; else 0. */
int		 plea_match(const struct plea *, const char *raw, size_t len);

/* area.c: the commune's areas named in a text. */
/* The area named by the first one to three words of (folded) words: its
 * index into conf->areas and *after past it; or -1 and *after = words. */
int		 area_find(const struct config *, const char *words,
		    const char **after);
/* The first area named anywhere in folded words, or -1. */
int		 area_anywhere(const struct config *, const char *words);
/* Whether a folded area name is a hamlet's kind and number ("thon 3",
 * "xom ba"): 0 with the kind's index and the number, or -1 and both
 * untouched. */
int		 area_hamlet_parse(const char *folded, int *kind, int *num);

/* commune.c: a city's communes as a number or a text names them. */
/* The commune named by the first one to four words of (folded) words, and
 * *after past it; or NULL and *after = words. */
const struct commune *commune_find(const struct config *,
		    const char *words, const char **after);
/* The first commune named anywhere in folded words, or NULL. */
const struct commune *commune_anywhere(const struct config *,
		    const char *words);
/* The commune texted at to (a provider's recipient, any phone form), or
 * NULL. */
const struct commune *commune_of_number(const struct config *,
		    const char *to);

/* escalate.c: escalation (SPEC §5); the daemon's housekeeping tick runs it. */
#define ESCALATE_BATCH	16	/* reports read at once, at most */
/* Steps of after_s each; past the last, the last step's roles are alerted
 * again every escalation.repeat_s until someone acknowledges. */
#define ESCALATE_LEVELS	3
/*
 * Escalate up to max (at most ESCALATE_BATCH) open reports due at now
 * (scheduling seconds, util_sched_now), writing into the open batch.
 * One that cannot be read (a damaged row) is logged and due again a minute
 * later, so it never holds up those due after it. Returns how many went
 * up, or -1.
 */
int		 escalate_due(struct store *, const struct config *,
		    int64_t now, int max);

/* review.c: nothing waits unseen (SPEC §4); the housekeeping tick runs it. */
#define REVIEW_BATCH	32	/* texts told of in one pass, at most */
/*
 * If a text of the review list nobody was told of is due at now
 * (scheduling seconds), tell the review.to roles of every such text (up
 * to REVIEW_BATCH), in the open batch. How many texts, or -1.
 */
int		 review_due(struct store *, const struct config *,
		    int64_t now);

/*
 * receipt.c: delivery receipts (SPEC §5). A provider tells what became of
 * an SMS it sent for us, by its own id for it: delivered, or not. An SMS
 * alert that did not reach its responder escalates its report now, as an
 * alert that failed does.
 */
enum receipt_status {
	RECEIPT_PENDING,	/* on its way: nothing to record */
	RECEIPT_DELIVERED,
	RECEIPT_UNDELIVERED,
	RECEIPT__MAX
};
/* "pending", "delivered", "undelivered": as stored, as /metrics says. */
const char	*receipt_word(enum receipt_status);
#define RECEIPT_ID_MAX	127	/* a provider's id for an SMS, at most */
#define RECEIPT_KEY_MAX	160	/* "provider:id", NUL */
struct receipt {
	char			 key[RECEIPT_KEY_MAX];
	enum receipt_status	 status;
	char			 reason[64];	/* the provider's words, or "" */
};
/* key = "provider:id" (id of idlen bytes); -1 if it does not fit. */
int		 receipt_key(struct receipt *, const char *provider,
		    const char *id, size_t idlen);
/*
 * Record r into the open batch: the row's receipt, and for an alert to a
 * contact that did not arrive (the first time it is told) its report due
 * for escalation now; a receipt for an SMS not known yet is kept a day,
 * for receipt_sent. 1 recorded or kept, 0 nothing to record (pending),
 * -1 the store failed (answer 503).
 */
int		 receipt_file(struct store *, const struct receipt *r);
/*
 * The outbox recorded (in the open batch) that the SMS the provider knows
 * by key was sent: record a receipt kept for it, as receipt_file would
 * have. 1 recorded, 0 none kept, -1 the store failed.
 */
int		 receipt_sent(struct store *, const char *key);

#endif
