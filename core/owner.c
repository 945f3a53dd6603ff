/*
 * owner.c: tincayctl run by root on the service's database becomes the
 * database's owner before it opens anything, so that it never leaves a
 * root-owned database, WAL, SHM or key file the service cannot open.
 */
#include <sys/stat.h>
#include <sys/types.h>

#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "core.h"

/* [we are root][the owner is root]: who opens the database. */
static const enum owner_act owner_table[2][2] = {
	{ OWNER_KEEP, OWNER_KEEP },	/* not root: the kernel decides */
	{ OWNER_DROP, OWNER_KEEP },	/* root: become another owner */
};

enum owner_act
owner_decide(uid_t euid, uid_t owner)
{
	return owner_table[euid == 0][owner == 0];
}

/*
 * The owner of path, or of the directory it would be created in; -1 when
 * neither can be looked at (opening it will say why).
 */
static int
owner_of(const char *path, struct stat *st)
{
	char		 dir[4096];
	const char	*slash;
	size_t		 n;

	if (stat(path, st) == 0)
		return 0;
	if ((slash = strrchr(path, '/')) == NULL)
		return stat(".", st);
	n = slash == path ? 1 : (size_t)(slash - path);
	if (n >= sizeof(dir))
		return -1;
	memcpy(dir, path, n);
	dir[n] = '\0';
	return stat(dir, st);
}

/*
 * Become the owner of the database (or its directory) if we are root and
 * it is another user's: the owner's groups, then its uid, checked. 0 when
 * done or nothing to do; -1 with err when it could not be done, and then
 * nothing must be opened.
 */
int
owner_become(const char *dbpath, char *err, size_t errlen)
{
	struct stat	 st;
	struct passwd	*pw;
	gid_t		 gid;
	uid_t		 uid;

	if (owner_of(dbpath, &st) == -1 ||
	    owner_decide(geteuid(), st.st_uid) == OWNER_KEEP)
		return 0;
	uid = st.st_uid;
	pw = getpwuid(uid);
	gid = pw != NULL ? pw->pw_gid : st.st_gid;
	if ((pw != NULL ? initgroups(pw->pw_name, gid) :
	    setgroups(1, &gid)) == -1 || setgid(gid) == -1 ||
	    setuid(uid) == -1) {
		snprintf(err, errlen, "%s belongs to uid %lu: cannot become "
		    "that user (%s); run as that user instead (sudo -u %s)",
		    dbpath, (unsigned long)uid, strerror(errno),
		    pw != NULL ? pw->pw_name : "OWNER");
		return -1;
	}
	/* Root must be gone for good, not only from the effective ids. */
	if (setuid(0) == 0 || getuid() != uid || geteuid() != uid ||
	    getegid() != gid) {
		snprintf(err, errlen, "%s: could not give up root to become "
		    "uid %lu", dbpath, (unsigned long)uid);
		return -1;
	}
	return 0;
}
