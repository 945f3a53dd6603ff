/*
 * store_counts.c: counts of a period for TK and tincayctl stats: reports
 * by commune, area, category and status (from the per-day counts when the
 * period is whole local days, else from the reports), campaign signups,
 * and what the cases came to (sex, age, outcome) and how long they took;
 * of one commune, or of every one with each row naming its own.
 */
#include <stdio.h>
#include <string.h>

#include "store_int.h"

/*
 * A per-day key: "CODE.T3" a commune's hamlet ("CODE." its unknown one),
 * "T3" (or "") without communes. Codes are letters and digits (config.c),
 * so the first dot parts them.
 */
#define STORE_KEY_MAX	(2 * COMMUNE_MAX + 1)

/* A count's columns col[0..4] (area, category, status, n, commune; -1:
 * none; commune -1: split from the area's per-day key), and where it
 * goes. */
struct store_counts_walk {
	const int	*col;
	store_count_fn	 fn;
	void		*arg;
};

static int
store_counts_row(struct db_stmt *s, void *arg)
{
	struct store_counts_walk	*w = arg;
	struct store_count		 c;
	char				 key[STORE_KEY_MAX + 1], *dot;

	c.commune = "";
	c.area = store_col_text(s, w->col[0]);
	if (w->col[4] >= 0)
		c.commune = store_col_text(s, w->col[4]);
	else if (c.area != NULL) {
		util_strlcpy(key, c.area, sizeof(key));
		if ((dot = strchr(key, '.')) != NULL) {
			*dot = '\0';
			c.commune = key;
			c.area = dot + 1;
		}
		if (*c.area == '\0')
			c.area = NULL;
	}
	if (c.commune == NULL)
		c.commune = "";
	c.category = w->col[1] < 0 ? NULL : store_col_text(s, w->col[1]);
	c.status = w->col[2] < 0 ? NULL : store_col_text(s, w->col[2]);
	c.n = db_column_int64(s, w->col[3]);
	return w->fn(&c, w->arg) == -1 ? -1 : 0;
}

/* Each row of s, bound, to fn as a store_count; how many, or -1. */
static int
store_counts_each(struct store *st, struct db_stmt *s, const int col[5],
    store_count_fn fn, void *arg, const char *who)
{
	struct store_counts_walk	 w = { col, fn, arg };

	return store_rows(st, s, who, store_counts_row, &w);
}

/* NULL for "" (every commune). */
static const char *
store_counts_commune(const char *commune)
{
	return commune != NULL && *commune != '\0' ? commune : NULL;
}

int
store_counts_reports(struct store *st, int64_t from, int64_t to,
    const char *commune, const char *area, store_count_fn fn, void *arg)
{
	static const int days[5] = { 0, 1, 2, 3, -1 },
			 rows[5] = { 0, 1, 2, 3, 4 };
	struct db_stmt	*s;
	char		 key[STORE_KEY_MAX + 1], prefix[COMMUNE_MAX + 1];

	commune = store_counts_commune(commune);
	/* Whole local days (every period of TK and stats is) come from
	 * the per-day counts, whose keys name the commune; anything else
	 * from the reports. */
	if (store_day_aligned(st, from) && store_day_aligned(st, to)) {
		s = st->stmt[ST_STATS_DAYS];
		db_bind_int64(s, 1, store_day(st, from));
		db_bind_int64(s, 2, store_day(st, to));
		if (commune != NULL) {
			snprintf(prefix, sizeof(prefix), "%s.", commune);
			snprintf(key, sizeof(key), "%s%s", prefix,
			    area != NULL ? area : "");
		}
		store_bind_text(s, 3, area == NULL ? NULL : commune != NULL ?
		    key : area);
		store_bind_text(s, 4, commune != NULL && area == NULL ?
		    prefix : NULL);
		return store_counts_each(st, s, days, fn, arg, __func__);
	}
	s = st->stmt[ST_STATS_COUNT];
	db_bind_int64(s, 1, from);
	db_bind_int64(s, 2, to);
	store_bind_text(s, 3, area);
	store_bind_text(s, 4, commune);
	return store_counts_each(st, s, rows, fn, arg, __func__);
}

int
store_counts_signups(struct store *st, int64_t from, int64_t to,
    const char *commune, const char *area, store_count_fn fn, void *arg)
{
	static const int col[5] = { 0, -1, -1, 1, 2 };
	struct db_stmt	*s = st->stmt[ST_STATS_SIGNUPS];

	db_bind_int64(s, 1, from);
	db_bind_int64(s, 2, to);
	store_bind_text(s, 3, area);
	store_bind_text(s, 4, store_counts_commune(commune));
	return store_counts_each(st, s, col, fn, arg, __func__);
}

struct store_cases_walk {
	store_case_fn	 fn;
	void		*arg;
};

static int64_t
store_counts_span(struct db_stmt *s, int i)
{
	return db_column_type(s, i) == DB_NULL ? -1 : db_column_int64(s, i);
}

static int
store_counts_case_row(struct db_stmt *s, void *arg)
{
	struct store_cases_walk	*w = arg;
	struct store_case	 c;

	c.commune = store_col_text(s, 0);
	if (c.commune == NULL)
		c.commune = "";
	c.sex = store_col_text(s, 1);
	c.age = db_column_type(s, 2) == DB_NULL ? -1 :
	    (int)db_column_int64(s, 2);
	c.outcome = store_col_text(s, 3);
	c.ack_s = store_counts_span(s, 4);
	c.close_s = store_counts_span(s, 5);
	c.n = 1;
	return w->fn(&c, w->arg) == -1 ? -1 : 0;
}

int
store_counts_cases(struct store *st, int64_t from, int64_t to,
    const char *commune, store_case_fn fn, void *arg)
{
	struct store_cases_walk	 w = { fn, arg };
	struct db_stmt		*s;

	commune = store_counts_commune(commune);
	s = st->stmt[commune != NULL ? ST_STATS_CASES_OF : ST_STATS_CASES];
	db_bind_int64(s, 1, from);
	db_bind_int64(s, 2, to);
	if (commune != NULL)
		store_bind_text(s, 3, commune);
	return store_rows(st, s, __func__, store_counts_case_row, &w);
}
