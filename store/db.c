/*
 * db.c: which engine a database name is for (db.h).
 */
#include <string.h>

#include "../core/core.h"
#include "db.h"

int
db_is_pg(const char *name)
{
	return name != NULL && (strncmp(name, "postgresql://", 13) == 0 ||
	    strncmp(name, "postgres://", 11) == 0 ||
	    strncmp(name, "host=", 5) == 0 ||
	    strncmp(name, "dbname=", 7) == 0 ||
	    strncmp(name, "service=", 8) == 0);
}

struct db *
db_open(const char *name, int flags, char *err, size_t errlen)
{
	if (db_is_pg(name))
		return db_pg_open(name, err, errlen);
	return db_sqlite_open(name, flags, err, errlen);
}

/*
 * name with any password in it masked, for logs: a URI's user:password@,
 * a password=... of a key=value string. Allocated.
 */
char *
db_name_safe(const char *name)
{
	const char	*at, *p, *colon, *end;
	char		*out;
	size_t		 n;

	if (!db_is_pg(name))
		return xstrdup(name);
	if ((p = strstr(name, "://")) != NULL) {
		p += 3;
		at = strchr(p, '@');
		colon = memchr(p, ':', at != NULL ? (size_t)(at - p) : 0);
		if (at == NULL || colon == NULL)
			return xstrdup(name);
		return xasprintf("%.*s:***%s", (int)(colon - name), name, at);
	}
	if ((p = strstr(name, "password=")) == NULL)
		return xstrdup(name);
	p += 9;
	end = p + strcspn(p, " ");
	n = (size_t)(p - name);
	out = xasprintf("%.*s***%s", (int)n, name, end);
	return out;
}
