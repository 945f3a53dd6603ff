/*
 * store_counts.c: counts of a period for TK and tincayctl stats: reports
 * by area, category and status (from the per-day counts when the period
 * is whole local days, else from the reports), campaign signups, and what
 * the cases came to (sex, age, outcome) and how long they took.
 */
#include <string.h>

#include "store_int.h"

/* A count's columns col[0..3] (area, category, status, n; -1: NULL), and
 * where it goes. */
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

	c.area = store_col_text(s, w->col[0]);
	c.category = w->col[1] < 0 ? NULL : store_col_text(s, w->col[1]);
	c.status = w->col[2] < 0 ? NULL : store_col_text(s, w->col[2]);
	c.n = db_column_int64(s, w->col[3]);
	return w->fn(&c, w->arg) == -1 ? -1 : 0;
}

/* Each row of s, bound, to fn as a store_count; how many, or -1. */
static int
store_counts_each(struct store *st, struct db_stmt *s, const int col[4],
    store_count_fn fn, void *arg, const char *who)
{
	struct store_counts_walk	 w = { col, fn, arg };

	return store_rows(st, s, who, store_counts_row, &w);
}

int
store_counts_reports(struct store *st, int64_t from, int64_t to,
    const char *area, store_count_fn fn, void *arg)
{
	static const int col[4] = { 0, 1, 2, 3 };
	struct db_stmt	*s;

	/* Whole local days (every period of TK and stats is) come from
	 * the per-day counts; anything else from the reports. */
	if (store_day_aligned(st, from) && store_day_aligned(st, to)) {
		s = st->stmt[ST_STATS_DAYS];
		from = store_day(st, from);
		to = store_day(st, to);
	} else
		s = st->stmt[ST_STATS_COUNT];
	db_bind_int64(s, 1, from);
	db_bind_int64(s, 2, to);
	store_bind_text(s, 3, area);
	return store_counts_each(st, s, col, fn, arg, __func__);
}

int
store_counts_signups(struct store *st, int64_t from, int64_t to,
    const char *area, store_count_fn fn, void *arg)
{
	static const int col[4] = { 0, -1, -1, 1 };
	struct db_stmt	*s = st->stmt[ST_STATS_SIGNUPS];

	db_bind_int64(s, 1, from);
	db_bind_int64(s, 2, to);
	store_bind_text(s, 3, area);
	return store_counts_each(st, s, col, fn, arg, __func__);
}

struct store_cases_walk {
	store_case_fn	 fn;
	void		*arg;
};

static int
store_counts_case_row(struct db_stmt *s, void *arg)
{
	struct store_cases_walk	*w = arg;
	struct store_case	 c;

	c.sex = store_col_text(s, 0);
	c.age = db_column_type(s, 1) == DB_NULL ? -1 :
	    (int)db_column_int64(s, 1);
	c.outcome = store_col_text(s, 2);
	c.n = db_column_int64(s, 3);
	return w->fn(&c, w->arg) == -1 ? -1 : 0;
}

int
store_counts_cases(struct store *st, int64_t from, int64_t to,
    store_case_fn fn, void *arg)
{
	struct db_stmt		*s = st->stmt[ST_STATS_CASES];
	struct store_cases_walk	 w = { fn, arg };

	db_bind_int64(s, 1, from);
	db_bind_int64(s, 2, to);
	return store_rows(st, s, __func__, store_counts_case_row, &w);
}

struct store_spans_walk {
	store_span_fn	 fn;
	void		*arg;
};

static int
store_counts_span_row(struct db_stmt *s, void *arg)
{
	struct store_spans_walk	*w = arg;

	return w->fn(db_column_int64(s, 0), w->arg) == -1 ? -1 : 0;
}

int
store_counts_spans(struct store *st, int64_t from, int64_t to,
    enum store_span which, store_span_fn fn, void *arg)
{
	struct db_stmt		*s = st->stmt[which == STORE_SPAN_ACK ?
				    ST_STATS_ACK_TIMES : ST_STATS_CLOSE_TIMES];
	struct store_spans_walk	 w = { fn, arg };

	db_bind_int64(s, 1, from);
	db_bind_int64(s, 2, to);
	return store_rows(st, s, __func__, store_counts_span_row, &w);
}
