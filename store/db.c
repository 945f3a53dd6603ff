/*
 * db.c: which engine a database name is for (db.h).
 */
#include <string.h>

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
