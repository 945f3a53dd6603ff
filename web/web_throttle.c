/*
 * web_throttle.c: failed sign-ins per client address (SPEC §12): the
 * WEB_ADDR_FAILS-th in WEB_FAIL_WINDOW_S refuses the address, right
 * password or not, until that window is over. A bounded table: a full
 * one forgets the address whose window began first.
 */
#include <string.h>

#include "web_int.h"

static struct web_throttle *
web_throttle_of(struct web *w, const char *addr, int64_t now, int make)
{
	struct web_throttle	*t, *free_slot = NULL, *oldest = NULL;
	size_t			 i;

	for (i = 0; i < WEB_THROTTLE_ADDRS; i++) {
		t = &w->throttle[i];
		if (t->addr[0] != '\0' && now - t->since >= WEB_FAIL_WINDOW_S)
			memset(t, 0, sizeof(*t));
		if (t->addr[0] == '\0') {
			if (free_slot == NULL)
				free_slot = t;
			continue;
		}
		if (strcmp(t->addr, addr) == 0)
			return t;
		if (oldest == NULL || t->since < oldest->since)
			oldest = t;
	}
	if (!make)
		return NULL;
	t = free_slot != NULL ? free_slot : oldest;
	memset(t, 0, sizeof(*t));
	util_strlcpy(t->addr, addr, sizeof(t->addr));
	t->since = now;
	return t;
}

int
web_throttle_refused(struct web *w, const char *addr, int64_t now,
    int64_t *retry)
{
	struct web_throttle	*t;

	if ((t = web_throttle_of(w, addr, now, 0)) == NULL ||
	    t->n < WEB_ADDR_FAILS)
		return 0;
	*retry = t->since + WEB_FAIL_WINDOW_S - now;
	if (*retry < 1)
		*retry = 1;
	return 1;
}

void
web_throttle_fail(struct web *w, const char *addr, int64_t now)
{
	web_throttle_of(w, addr, now, 1)->n++;
}
