/*
 * store_campaign.c: the campaign's rows in the store: subscriptions made
 * and stopped, how many are live, and the live ones page by page for a
 * broadcast.
 */
#include <string.h>

#include "store_int.h"

int
store_sub_add(struct store *st, const struct subscription *sub)
{
	struct db_stmt	*s = st->stmt[ST_SUB_ADD];

	if (store_bind_sealed_str(st, s, 1, sub->phone) == -1) {
		store_done(s);
		return -1;
	}
	store_bind_hash(st, s, 6, sub->phone);
	store_bind_text(s, 2, sub->campaign);
	store_bind_text(s, 3, sub->area);
	store_bind_text(s, 4, sub->source);
	db_bind_int64(s, 5, sub->at);
	store_bind_text(s, 7, sub->commune);
	return store_run(st, ST_SUB_ADD);
}

int
store_sub_optout(struct store *st, const char *phone, int64_t now)
{
	struct db_stmt	*s = st->stmt[ST_SUB_OPTOUT];

	store_bind_hash(st, s, 1, phone);
	db_bind_int64(s, 2, now);
	if (store_bind_sealed_str(st, s, 3, phone) == -1) {
		store_done(s);
		return -1;
	}
	return store_run(st, ST_SUB_OPTOUT);
}

int
store_sub_live(struct store *st, const char *phone)
{
	struct db_stmt	*s = st->stmt[ST_SUB_LIVE];
	int		 rc;

	store_bind_hash(st, s, 1, phone);
	rc = store_row(st, s, __func__);
	store_done(s);
	if (rc != 0)
		return rc;
	s = st->stmt[ST_SUB_LIVE_CLEAR];
	store_bind_text(s, 1, phone);
	rc = store_row(st, s, __func__);
	store_done(s);
	return rc;
}

/* The count(*) of statement which, bound with text: n, or -1. */
static int64_t
store_count_of(struct store *st, enum stmt which, const char *text)
{
	struct db_stmt	*s = st->stmt[which];
	int64_t		 n;

	store_bind_text(s, 1, text);
	if ((n = store_row(st, s, __func__)) == 1)
		n = db_column_int64(s, 0);
	else if (n == 0)
		n = -1;		/* count(*) always has its row */
	store_done(s);
	return n;
}

int64_t
store_broadcast_queued(struct store *st, const char *body)
{
	return store_count_of(st, ST_BROADCAST_QUEUED, body);
}

int64_t
store_sub_count(struct store *st, const char *campaign, const char *commune,
    int64_t after)
{
	db_bind_int64(st->stmt[ST_SUB_COUNT], 2, after);
	store_bind_text(st->stmt[ST_SUB_COUNT], 3, commune);
	return store_count_of(st, ST_SUB_COUNT, campaign);
}

int
store_broadcast_run(struct store *st, const char *campaign,
    const char *body, int64_t *last, int *done)
{
	struct db_stmt	*s = st->stmt[ST_BROADCAST_RUN];
	int		 rc;

	*last = 0;
	*done = 0;
	store_bind_text(s, 1, campaign);
	store_bind_text(s, 2, body);
	if ((rc = store_row(st, s, __func__)) == 1) {
		*last = db_column_int64(s, 0);
		*done = (int)db_column_int64(s, 1);
	}
	store_done(s);
	return rc;
}

int
store_broadcast_mark(struct store *st, const char *campaign,
    const char *body, int64_t last, int done)
{
	struct db_stmt	*s = st->stmt[ST_BROADCAST_MARK];

	if (store_begin(st) == -1)
		return -1;
	store_bind_text(s, 1, campaign);
	store_bind_text(s, 2, body);
	db_bind_int64(s, 3, last);
	db_bind_int64(s, 4, done);
	return store_run(st, ST_BROADCAST_MARK);
}

int
store_sub_page(struct store *st, const char *campaign, const char *commune,
    int64_t after, struct sub_live *rows, size_t max)
{
	struct db_stmt	*s = st->stmt[ST_SUB_PAGE];
	const char	*phone;
	size_t		 n = 0;
	int		 rc = DB_DONE;

	store_bind_text(s, 1, campaign);
	db_bind_int64(s, 2, after);
	db_bind_int64(s, 3, (int64_t)max);
	store_bind_text(s, 4, commune);
	while (n < max && (rc = db_step(s)) == DB_ROW) {
		if (store_col_unsealed(st, s, 1, &phone) == -1) {
			store_done(s);		/* logged */
			return -1;
		}
		rows[n].id = db_column_int64(s, 0);
		util_strlcpy(rows[n].phone, phone != NULL ? phone : "",
		    sizeof(rows[n].phone));
		n++;
	}
	if (rc != DB_ROW && rc != DB_DONE) {
		log_warnx("%s: %s", __func__, db_errmsg(st->db));
		store_done(s);
		return -1;
	}
	store_done(s);
	return (int)n;
}
