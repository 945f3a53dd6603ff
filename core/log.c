/*
 * log.c: logging to stderr with journald priority prefixes ("<3>" ...).
 * Callers never pass message texts or whole phone numbers (phone_mask).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core.h"

#define LOG_BUFSIZE	65536

static int	log_verbose;
static int	log_buffered;

static void	log_emit(int, int, const char *, va_list)
		    __attribute__((format(printf, 3, 0)));

void
log_init(int verbose)
{
	log_verbose = verbose;
	setvbuf(stderr, NULL, _IOLBF, 0);
}

/* prio: syslog priority; with_errno appends strerror(saved errno). */
static void
log_emit(int prio, int with_errno, const char *fmt, va_list ap)
{
	char	 msg[1024];
	int	 saved = errno;

	vsnprintf(msg, sizeof(msg), fmt, ap);
	if (with_errno)
		fprintf(stderr, "<%d>%s: %s\n", prio, msg, strerror(saved));
	else
		fprintf(stderr, "<%d>%s\n", prio, msg);
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
