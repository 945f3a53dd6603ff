/*
 * nofile.c: limits.max_connections against the open-file limit. Every
 * connection is a descriptor, and the daemon keeps others for itself (the
 * database and its WAL and SHM, the listener, the event loop, curl's pool,
 * the console's connections when it listens):
 * if the soft limit is too low for both, it is raised towards the hard
 * one, and if that is not enough the connection cap is lowered, so that
 * accept(2) and the alerts' connections never run out of descriptors.
 */
#include <sys/resource.h>

#include <stdio.h>

#include "tincayd.h"

/* stdio, database, WAL, SHM, lock, listener, event loop, curl's own. */
#define NOFILE_FIXED		32
#define NOFILE_RESERVE		(NOFILE_FIXED + FETCH_MAX_CONNS)
#define NOFILE_MIN_CONNS	8

/*
 * How many connections to serve of the want configured: want, or fewer
 * when RLIMIT_NOFILE cannot be raised far enough; then warn says so, naming
 * both numbers (else it is ""). others: descriptors another listener may
 * hold (the console's cap), kept aside beside the daemon's own. May raise
 * the soft limit.
 */
int
nofile_fit(int want, int others, char *warn, size_t warnlen)
{
	struct rlimit	 rl;
	rlim_t		 reserve = NOFILE_RESERVE + (rlim_t)others;
	rlim_t		 need = (rlim_t)want + reserve;
	int		 cap;

	warn[0] = '\0';
	if (getrlimit(RLIMIT_NOFILE, &rl) == -1)
		return want;
	if (rl.rlim_cur != RLIM_INFINITY && rl.rlim_cur < need) {
		rl.rlim_cur = rl.rlim_max == RLIM_INFINITY ||
		    rl.rlim_max > need ? need : rl.rlim_max;
		(void)setrlimit(RLIMIT_NOFILE, &rl);
		if (getrlimit(RLIMIT_NOFILE, &rl) == -1)
			return want;
	}
	if (rl.rlim_cur == RLIM_INFINITY || rl.rlim_cur >= need)
		return want;
	cap = rl.rlim_cur >= reserve + NOFILE_MIN_CONNS ?
	    (int)(rl.rlim_cur - reserve) : NOFILE_MIN_CONNS;
	snprintf(warn, warnlen, "max_connections %d needs %llu open files "
	    "(%llu kept for the database, the listeners, the console's and "
	    "the alerts' connections) but RLIMIT_NOFILE is %llu (hard limit "
	    "%llu): serving at most %d connections", want,
	    (unsigned long long)need, (unsigned long long)reserve,
	    (unsigned long long)rl.rlim_cur,
	    (unsigned long long)rl.rlim_max, cap);
	return cap;
}
