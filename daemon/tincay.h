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
struct store;

/* log.c */
void		 log_init(int verbose);
void		 log_setverbose(int);
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
int64_t		 util_now(void);		/* wall clock, seconds */
int64_t		 util_mono_ms(void);		/* monotonic, milliseconds */
int		 util_random(void *, size_t);	/* 0 ok, -1 error */
int		 util_ct_equal(const void *, size_t, const void *, size_t);
/* HMAC-SHA256 of (msg, len) under key, lower-case hex into out[65]. */
int		 util_hmac_sha256_hex(const char *key, const void *msg,
		    size_t len, char out[65]);

/* text.c: Vietnamese folding and SMS segment arithmetic. */
/*
 * Fold (buf, len) of UTF-8: every Latin letter with diacritics becomes its
 * base letter (NFC, NFD and mixed input alike), combining marks
 * U+0300..U+036F are removed, đ→d and Đ→D; case is kept and anything else
 * is copied as is. Invalid UTF-8 bytes become '?'. Returns malloc'd.
 */
char		*text_fold(const char *buf, size_t len);
/*
 * Fold for matching: text_fold, then lower-case ASCII, every run of
 * characters that are not ASCII letters or digits becomes one space, no
 * leading or trailing space. Returns malloc'd.
 */
char		*text_keyfold(const char *buf, size_t len);
enum text_enc { TEXT_GSM7, TEXT_UCS2 };
struct text_seg {
	enum text_enc	 enc;
	size_t		 segments;
	size_t		 units;		/* septets or UTF-16 units */
};
/* Encoding and segment count of (buf, len) of UTF-8. */
void		 text_segments(const char *buf, size_t len,
		    struct text_seg *);
/*
 * Fold (buf, len) to text that is pure GSM-7 (folding Vietnamese, replacing
 * what cannot be represented by '?') and cut it at a character boundary so
 * that it fits max_segments segments. Returns malloc'd.
 */
char		*text_gsm7(const char *buf, size_t len, size_t max_segments);

/* phone.c */
/*
 * Normalise (buf, len) to E.164 ("+84912345678") into out[PHONE_MAX].
 * Accepts "0912345678", "84912345678", "+84912345678", spaces, dots and
 * dashes; cc is the country code without "+". Returns 0, or -1 if it is not
 * a phone number.
 */
int		 phone_e164(const char *buf, size_t len, const char *cc,
		    char out[PHONE_MAX]);
/* Mask all but the last 3 digits: "+84*******678". Returns out. */
const char	*phone_mask(const char *e164, char out[PHONE_MAX]);

#endif
