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
 * and every password=... (a URI's query, a key=value string, quoted or
 * not). Allocated.
 */
char *
db_name_safe(const char *name)
{
	const char	*p, *at, *colon, *v;
	char		*out, *o;
	char		 q;

	if (!db_is_pg(name))
		return xstrdup(name);
	/* Never longer than name, but for "***" in place of a shorter one. */
	out = o = xmalloc(strlen(name) * 2 + 8);
	p = name;
	if ((v = strstr(name, "://")) != NULL) {
		v += 3;
		at = strchr(v, '@');
		colon = at != NULL ? memchr(v, ':', (size_t)(at - v)) : NULL;
		if (colon != NULL && strcspn(v, "/?") > (size_t)(at - v)) {
			memcpy(o, name, (size_t)(colon - name) + 1);
			o += colon - name + 1;
			o = stpcpy(o, "***");
			p = at;
		}
	}
	while (*p != '\0') {
		if (strncmp(p, "password=", 9) != 0 ||
		    (p != name && strchr("?& \t", p[-1]) == NULL)) {
			*o++ = *p++;
			continue;
		}
		o = stpcpy(o, "password=***");
		p += 9;
		if (*p == '\'' || *p == '"') {
			for (q = *p++; *p != '\0' && *p != q; p++)
				if (*p == '\\' && p[1] != '\0')
					p++;
			if (*p == q)
				p++;
		} else
			p += strcspn(p, "& \t");
	}
	*o = '\0';
	return out;
}
