/*
 * sql_pg.c: PostgreSQL's own text of a statement where the common one
 * (store.c's table, SQLite's way) does not do there.
 */
#include "store_int.h"

const char *
store_sql_pg(enum stmt i)
{
	(void)i;
	return NULL;
}
