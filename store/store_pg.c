/*
 * store_pg.c: what the store does on PostgreSQL alone.
 */
#include <stdio.h>

#include "../core/core.h"
#include "store_int.h"

int
store_pg_open(struct store *st, const char *conninfo, int exclusive,
    char *err, size_t errlen)
{
	if ((st->db = db_pg_open(conninfo, err, errlen)) == NULL)
		return -1;
	snprintf(err, errlen, "database: PostgreSQL is not ready yet");
	return -1;
}

int
store_pg_version(struct store *st)
{
	(void)st;
	return -1;
}
