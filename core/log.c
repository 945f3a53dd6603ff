/*
 * log.c: logging to stderr, with journald priority prefixes ("<3>" ...)
 * when stderr is the journal, plain lines on a terminal or in a file; in
 * the daemon a rate limit on lines that repeat. Callers never pass message
 * texts or whole phone numbers (phone_mask).
 */
#include <sys/stat.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core.h"

#define LOG_BUFSIZE	65536

/*
 * The rate limit (log_limit(), the daemon): a line repeats when its format,
 * its call site, does. Each format writes at most LOG_BURST lines per
 * LOG_WINDOW_MS; what it would have written beyond is counted and said in
 * one line once the window is over (at its next line, or at log_flush(),
 * which the loop calls after every commit and tick). A failure that repeats
 * (a full disk, a destination down) then writes a few lines a minute, never
 * a disk of them. Formats share LOG_KEYS slots by their address; two that
 * meet in one slot take turns, each saying what it left out.
 */
#define LOG_KEYS	128
#define LOG_BURST	10
#define LOG_WINDOW_MS	10000

struct log_key {
	const char	*fmt;		/* NULL: free */
	int		 prio;
	int64_t		 since_ms;	/* the window's start */
	unsigned	 n;		/* lines written in it */
	unsigned long	 dropped;	/* and left out */
};

static int	log_verbose;
static int	log_buffered;
static int	log_limited;
static struct log_key log_keys[LOG_KEYS];
static int	log_journal;	/* stderr is the journal: "<N>" prefixes */

static void	log_emit(int, int, const char *, va_list)
		    __attribute__((format(printf, 3, 0)));

/*
 * Whether stderr is the journal's stream: systemd puts the device and
 * inode of that stream in $JOURNAL_STREAM ("DEV:INO"); a stderr that was
 * redirected since (to a terminal, a file) is another file.
 */
static int
log_is_journal(void)
{
	const char		*env = getenv("JOURNAL_STREAM");
	unsigned long long	 dev, ino;
	struct stat		 sb;
	int			 n = 0;

	if (env == NULL || sscanf(env, "%llu:%llu%n", &dev, &ino, &n) != 2 ||
	    env[n] != '\0' || fstat(STDERR_FILENO, &sb) == -1)
		return 0;
	return (unsigned long long)sb.st_dev == dev &&
	    (unsigned long long)sb.st_ino == ino;
}

void
log_init(int verbose)
{
	log_verbose = verbose;
	log_journal = log_is_journal();
	setvbuf(stderr, NULL, _IOLBF, 0);
}

void
log_limit(int on)
{
	log_limited = on;
	memset(log_keys, 0, sizeof(log_keys));
}

/* What a slot left out, in one line; the slot is free again. */
static void
log_key_said(struct log_key *k, int64_t now)
{
	if (k->dropped > 0) {
		if (log_journal)
			fprintf(stderr, "<%d>", k->prio);
		fprintf(stderr, "log: %lu more lines like \"%.80s\" left out "
		    "in %lld s\n", k->dropped, k->fmt,
		    (long long)((now - k->since_ms + 999) / 1000));
		if (log_buffered)
			fflush(stderr);
	}
	memset(k, 0, sizeof(*k));
}

/* 1 if a line of fmt may be written now; else it is counted. */
static int
log_allow(int prio, const char *fmt)
{
	struct log_key	*k;
	uintptr_t	 h = (uintptr_t)fmt;
	int64_t		 now;

	if (!log_limited || prio > 6 || prio < 3)
		return 1;
	h ^= h >> 7;
	k = &log_keys[h % LOG_KEYS];
	now = util_mono_ms();
	if (k->fmt != NULL && (k->fmt != fmt ||
	    now - k->since_ms >= LOG_WINDOW_MS))
		log_key_said(k, now);
	if (k->fmt == NULL) {
		k->fmt = fmt;
		k->prio = prio;
		k->since_ms = now;
	}
	if (k->n < LOG_BURST) {
		k->n++;
		return 1;
	}
	k->dropped++;
	return 0;
}

/* prio: syslog priority; with_errno appends strerror(saved errno). */
static void
log_emit(int prio, int with_errno, const char *fmt, va_list ap)
{
	char	 msg[1024];
	int	 saved = errno;

	if (!log_allow(prio, fmt))
		return;
	vsnprintf(msg, sizeof(msg), fmt, ap);
	if (log_journal)
		fprintf(stderr, "<%d>", prio);
	if (with_errno)
		fprintf(stderr, "%s: %s\n", msg, strerror(saved));
	else
		fprintf(stderr, "%s\n", msg);
	/* Warnings and worse go out at once, whatever the buffering. */
	if (log_buffered && prio < 6)
		fflush(stderr);
	errno = saved;
}

/*
 * The daemon's info lines, one per report under a burst, cost a write(2)
 * each when stderr is line-buffered. Buffered, they go out at each
 * log_flush() (the loop calls it after every commit and every tick) or
 * when 64 KiB are waiting; warnings are flushed at once.
 */
void
log_buffer(void)
{
	static char	 buf[LOG_BUFSIZE];

	if (setvbuf(stderr, buf, _IOFBF, sizeof(buf)) == 0)
		log_buffered = 1;
}

void
log_flush(void)
{
	int64_t	 now;
	size_t	 i;

	if (log_limited) {
		now = util_mono_ms();
		for (i = 0; i < LOG_KEYS; i++)
			if (log_keys[i].dropped > 0 &&
			    now - log_keys[i].since_ms >= LOG_WINDOW_MS)
				log_key_said(&log_keys[i], now);
	}
	if (log_buffered)
		fflush(stderr);
}

void
log_warn(const char *fmt, ...)
{
	va_list	 ap;

	va_start(ap, fmt);
	log_emit(4, 1, fmt, ap);
	va_end(ap);
}

void
log_warnx(const char *fmt, ...)
{
	va_list	 ap;

	va_start(ap, fmt);
	log_emit(4, 0, fmt, ap);
	va_end(ap);
}

void
log_notice(const char *fmt, ...)
{
	va_list	 ap;

	va_start(ap, fmt);
	log_emit(5, 0, fmt, ap);
	va_end(ap);
}

void
log_info(const char *fmt, ...)
{
	va_list	 ap;

	va_start(ap, fmt);
	log_emit(6, 0, fmt, ap);
	va_end(ap);
}

void
log_debug(const char *fmt, ...)
{
	va_list	 ap;

	if (!log_verbose)
		return;
	va_start(ap, fmt);
	log_emit(7, 0, fmt, ap);
	va_end(ap);
}

void
fatal(const char *fmt, ...)
{
	va_list	 ap;

	va_start(ap, fmt);
	log_emit(2, 1, fmt, ap);
	va_end(ap);
	exit(1);
}

void
fatalx(const char *fmt, ...)
{
	va_list	 ap;

	va_start(ap, fmt);
	log_emit(2, 0, fmt, ap);
	va_end(ap);
	exit(1);
}
