/*
 * bench.h: what the benchmark's helper programs (probe.c, sink.c) share:
 * a loopback listener on a given or free port, and the port file that
 * tells scripts/bench.py which port that was. Each program is one file
 * with this header; the functions are static.
 */
#ifndef TINCAY_BENCH_H
#define TINCAY_BENCH_H

#include <sys/types.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <arpa/inet.h>

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/listener.h>

/* s as a number in [lo, hi]; usage() (which exits) if it is not one. */
static long
bench_number(const char *s, long lo, long hi, void (*usage)(void))
{
	char	*end;
	long	 n;

	errno = 0;
	n = strtol(s, &end, 10);
	if (errno != 0 || end == s || *end != '\0' || n < lo || n > hi)
		usage();
	return n;
}

/* A listener on 127.0.0.1:port (0: any free one); exits on failure. */
static struct evconnlistener *
bench_listen(struct event_base *base, const char *name, int port,
    int backlog, int *bound)
{
	struct evconnlistener	*l;
	struct sockaddr_in	 sin;
	socklen_t		 len = sizeof(sin);

	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_port = htons((unsigned short)port);
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	l = evconnlistener_new_bind(base, NULL, NULL, LEV_OPT_CLOSE_ON_FREE |
	    LEV_OPT_REUSEABLE | LEV_OPT_CLOSE_ON_EXEC, backlog,
	    (struct sockaddr *)&sin, sizeof(sin));
	if (l == NULL) {
		fprintf(stderr, "%s: listen on 127.0.0.1:%d: %s\n", name, port,
		    strerror(errno));
		exit(1);
	}
	if (getsockname(evconnlistener_get_fd(l), (struct sockaddr *)&sin,
	    &len) == -1) {
		perror("getsockname");
		exit(1);
	}
	*bound = ntohs(sin.sin_port);
	return l;
}

/* "PORT\n" into file, whole or not at all (written aside, renamed). */
static void
bench_write_portfile(const char *file, int port)
{
	char	 tmp[PATH_MAX];
	FILE	*fp;
	int	 n;

	n = snprintf(tmp, sizeof(tmp), "%s.tmp", file);
	if (n < 0 || (size_t)n >= sizeof(tmp)) {
		fprintf(stderr, "%s: port file name too long\n", file);
		exit(1);
	}
	if ((fp = fopen(tmp, "w")) == NULL) {
		perror(tmp);
		exit(1);
	}
	fprintf(fp, "%d\n", port);
	if (fclose(fp) != 0 || rename(tmp, file) == -1) {
		perror(file);
		exit(1);
	}
}

#endif
