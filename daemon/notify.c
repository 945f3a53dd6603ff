/*
 * notify.c: the service manager's notification protocol (sd_notify) without
 * libsystemd: READY, RELOADING, STOPPING and WATCHDOG datagrams to
 * $NOTIFY_SOCKET, and the watchdog's timer. Nothing happens when unset.
 */
#include <sys/socket.h>
#include <sys/un.h>

#include <errno.h>
#include <inttypes.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <event2/event.h>

#include "tincayd.h"

/*
 * Fill sun with $NOTIFY_SOCKET: an absolute path, or '@' for the abstract
 * namespace. Returns the address length, 0 when unset or of another kind
 * (vsock), -1 when too long.
 */
static int
notify_addr(struct sockaddr_un *sun, socklen_t *len)
{
	const char	*e = getenv("NOTIFY_SOCKET");
	size_t		 n;

	if (e == NULL || (e[0] != '/' && e[0] != '@') || e[1] == '\0')
		return 0;
	n = strlen(e);
	if (n >= sizeof(sun->sun_path))
		return -1;
	memset(sun, 0, sizeof(*sun));
	sun->sun_family = AF_UNIX;
	memcpy(sun->sun_path, e, n);
	if (e[0] == '@') {
		sun->sun_path[0] = '\0';
		*len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + n);
	} else
		*len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) +
		    n + 1);
	return 1;
}

/* Send one message; 0 when sent or nothing to do, -1 on failure. */
int
notify_send(const char *msg)
{
	struct sockaddr_un	 sun;
	socklen_t		 len = 0;
	ssize_t			 w;
	int			 fd, r;

	if ((r = notify_addr(&sun, &len)) <= 0) {
		if (r == -1)
			log_warnx("%s: NOTIFY_SOCKET is too long", __func__);
		return r;
	}
	if ((fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0)) == -1) {
		log_warnx("%s: socket: %s", __func__, strerror(errno));
		return -1;
	}
	w = sendto(fd, msg, strlen(msg), MSG_NOSIGNAL,
	    (struct sockaddr *)&sun, len);
	if (w == -1)
		log_warnx("%s: %s", __func__, strerror(errno));
	close(fd);
	return w == -1 ? -1 : 0;
}

int
notify_ready(void)
{
	return notify_send("READY=1");
}

/* systemd wants the monotonic time of the reload's start with it. */
int
notify_reloading(void)
{
	char		 msg[64];

	snprintf(msg, sizeof(msg), "RELOADING=1\nMONOTONIC_USEC=%" PRIu64,
	    (uint64_t)util_mono_us());
	return notify_send(msg);
}

int
notify_stopping(void)
{
	return notify_send("STOPPING=1");
}

int
notify_watchdog(void)
{
	return notify_send("WATCHDOG=1");
}

/*
 * $WATCHDOG_USEC when the watchdog is meant for this process ($WATCHDOG_PID
 * unset or ours), else 0.
 */
uint64_t
notify_watchdog_usec(void)
{
	const char		*e = getenv("WATCHDOG_USEC");
	const char		*p = getenv("WATCHDOG_PID");
	char			*end;
	unsigned long long	 v;

	if (e == NULL || *e == '\0')
		return 0;
	if (p != NULL && *p != '\0') {
		errno = 0;
		v = strtoull(p, &end, 10);
		if (errno != 0 || *end != '\0' || v != (unsigned long long)
		    getpid())
			return 0;
	}
	errno = 0;
	v = strtoull(e, &end, 10);
	if (errno != 0 || *end != '\0')
		return 0;
	return (uint64_t)v;
}

static void
notify_watchdog_cb(evutil_socket_t fd, short ev, void *arg)
{
	(void)notify_watchdog();
}

/* A persistent timer pinging at half the interval; NULL if none is set. */
struct event *
notify_watchdog_start(struct event_base *base)
{
	struct event	*ev;
	struct timeval	 tv;
	uint64_t	 usec = notify_watchdog_usec() / 2;

	if (usec == 0)
		return NULL;
	tv.tv_sec = (time_t)(usec / 1000000);
	tv.tv_usec = (suseconds_t)(usec % 1000000);
	if ((ev = event_new(base, -1, EV_PERSIST, notify_watchdog_cb,
	    NULL)) == NULL || event_add(ev, &tv) == -1) {
		log_warnx("%s: cannot arm the watchdog timer", __func__);
		if (ev != NULL)
			event_free(ev);
		return NULL;
	}
	(void)notify_watchdog();
	return ev;
}

void
notify_watchdog_stop(struct event *ev)
{
	if (ev != NULL)
		event_free(ev);
}
