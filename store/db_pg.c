/*
 * db_pg.c: the PostgreSQL engine of db.h (libpq).
 */
#include <stdio.h>

#include "db.h"

struct db *
db_pg_open(const char *conninfo, char *err, size_t errlen)
{
	(void)conninfo;
	snprintf(err, errlen, "database: PostgreSQL is not ready yet");
	return NULL;
}
