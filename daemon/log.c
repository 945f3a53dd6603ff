/*
 * log.c: logging to stderr with journald priority prefixes ("<3>" ...).
 * Callers never pass message texts or whole phone numbers (phone_mask).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tincay.h"

static int	log_verbose;

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
	errno = saved;
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
