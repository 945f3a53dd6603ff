/*
 * store_review.c: the texts of the review list nobody has been told of
 * yet (SPEC §4): each has a review_at, by when the review.to roles must
 * hear of it, cleared in the transaction that queues the message telling
 * them, so that each is told once, across restarts and kill -9.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "store_int.h"

int
store_review_first(struct store *st, int64_t *at)
{
	struct db_stmt	*s = store_stmt(st, ST_REVIEW_FIRST);
	int		 rc;

	if ((rc = store_row(st, s, __func__)) == 1) {
		if (db_column_type(s, 0) == DB_NULL)
			rc = 0;
		else
			*at = db_column_int64(s, 0);
	}
	store_done(s);
	return rc;
}

int
store_review_items(struct store *st, struct review_item *v, int max)
{
	struct db_stmt	*s = store_stmt(st, ST_REVIEW_ITEMS);
	const char	*p;
	int		 rc, n = 0;

	db_bind_int64(s, 1, max);
	while (n < max && (rc = db_step(s)) == DB_ROW) {
		memset(&v[n], 0, sizeof(v[n]));
		v[n].id = db_column_int64(s, 0);
		if (store_col_unsealed(st, s, 1, &p) == -1)
			goto fail;
		if (p != NULL)
			util_strlcpy(v[n].sender, p, sizeof(v[n].sender));
		if (store_col_unsealed(st, s, 2, &p) == -1)
			goto fail;
		v[n].text = xstrdup(p != NULL ? p : "");
		store_col_copy(s, 3, v[n].commune, sizeof(v[n].commune));
		n++;
	}
	if (n < max && rc != DB_DONE) {
		log_warnx("%s: %s", __func__, store_errmsg(st));
		goto fail;
	}
	store_done(s);
	return n;
fail:
	store_done(s);
	store_review_items_clear(v, n);
	return -1;
}

void
store_review_items_clear(struct review_item *v, int n)
{
	int	 i;

	for (i = 0; i < n; i++) {
		free(v[i].text);
		v[i].text = NULL;
	}
}

int
store_review_placed(struct store *st, int64_t report_id)
{
	struct db_stmt	*s = st->stmt[ST_REVIEW_PLACED];

	if (store_begin(st) == -1)
		return -1;
	db_bind_int64(s, 1, report_id);
	return store_run(st, ST_REVIEW_PLACED);
}

int
store_review_told(struct store *st, int64_t id, int64_t again_at)
{
	struct db_stmt	*s = st->stmt[ST_REVIEW_TOLD];

	if (store_begin(st) == -1)
		return -1;
	db_bind_int64(s, 1, id);
	store_bind_id(s, 2, again_at);
	return store_run(st, ST_REVIEW_TOLD);
}
