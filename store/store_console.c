/*
 * store_console.c: the console's reads (SPEC §12). Need to know lives
 * here, in the queries: a user gets the cases, the alerts of a case and
 * the texts of the review list of her communes and hamlets only
 * (STORE_SCOPE, store_int.h), whatever the console asks for.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "store_int.h"

/* Bind scope at ?1 and ?2; NULL lists are none ("", nobody's). */
static void
store_console_scope(struct db_stmt *s, const struct store_scope *sc)
{
	db_bind_text(s, 1, sc->communes != NULL ? sc->communes : "", -1);
	db_bind_text(s, 2, sc->areas != NULL ? sc->areas : "", -1);
}

struct store_console_walk {
	store_console_case_fn	 fn;
	void			*arg;
};

static int
store_console_case_row(struct db_stmt *s, void *arg)
{
	struct store_console_walk	*w = arg;
	struct store_console_case	 c;

	memset(&c, 0, sizeof(c));
	c.ref = store_col_text(s, 0);
	c.category = store_col_text(s, 1);
	c.area = db_column_type(s, 2) == DB_NULL ? NULL : store_col_text(s, 2);
	c.commune = store_col_text(s, 3);
	c.status = store_col_text(s, 4);
	c.created_at = db_column_int64(s, 5);
	c.updated_at = db_column_int64(s, 6);
	c.cancel_requested = db_column_int64(s, 7) != 0;
	return w->fn(&c, w->arg) != 0 ? 1 : 0;
}

int
store_console_cases(struct store *st, const struct store_scope *sc,
    const struct store_case_filter *f, store_console_case_fn fn, void *arg)
{
	struct db_stmt			*s = st->stmt[ST_CONSOLE_CASES];
	struct store_console_walk	 w = { fn, arg };
	int				 n = 0, rc;

	store_console_scope(s, sc);
	store_bind_text(s, 3, f->status);
	store_bind_text(s, 4, f->category);
	store_bind_text(s, 5, f->area);
	store_bind_text(s, 6, f->commune);
	db_bind_int64(s, 7, f->limit);
	db_bind_int64(s, 8, f->offset);
	while ((rc = db_step(s)) == DB_ROW) {
		n++;
		if (store_console_case_row(s, &w) != 0)
			break;
	}
	if (rc != DB_ROW && rc != DB_DONE) {
		log_warnx("%s: %s", __func__, store_errmsg(st));
		n = -1;
	}
	store_done(s);
	return n;
}

int64_t
store_console_case(struct store *st, const struct store_scope *sc,
    const char *ref)
{
	struct db_stmt	*s = st->stmt[ST_CONSOLE_CASE];
	int64_t		 id;
	int		 rc;

	if ((id = store_report_find(st, ref)) <= 0)
		return id;
	store_console_scope(s, sc);
	db_bind_int64(s, 3, id);
	if ((rc = store_row(st, s, __func__)) == 1)
		id = db_column_int64(s, 0);
	store_done(s);
	return rc == 1 ? id : rc;
}

struct store_console_alert_walk {
	store_console_alert_fn	 fn;
	void			*arg;
};

static int
store_console_alert_row(struct db_stmt *s, void *arg)
{
	struct store_console_alert_walk	*w = arg;
	struct store_console_alert	 a;

	memset(&a, 0, sizeof(a));
	a.event = store_col_text(s, 0);
	a.channel = store_col_text(s, 1);
	a.status = store_col_text(s, 2);
	a.attempts = db_column_int64(s, 3);
	a.created_at = db_column_int64(s, 4);
	a.sent_at = db_column_type(s, 5) == DB_NULL ? 0 :
	    db_column_int64(s, 5);
	a.receipt = db_column_type(s, 6) == DB_NULL ? NULL :
	    store_col_text(s, 6);
	a.name = db_column_type(s, 7) == DB_NULL ? NULL : store_col_text(s, 7);
	a.role = db_column_type(s, 8) == DB_NULL ? NULL : store_col_text(s, 8);
	w->fn(&a, w->arg);
	return 0;
}

int
store_console_alerts(struct store *st, int64_t report_id,
    store_console_alert_fn fn, void *arg)
{
	struct db_stmt			*s = st->stmt[ST_CONSOLE_ALERTS];
	struct store_console_alert_walk	 w = { fn, arg };

	db_bind_int64(s, 1, report_id);
	return store_rows(st, s, __func__, store_console_alert_row, &w);
}

int
store_console_review(struct store *st, const struct store_scope *sc,
    int64_t id, int max, store_console_text_fn fn, void *arg)
{
	struct db_stmt		*s = st->stmt[ST_CONSOLE_REVIEW];
	struct inbox_row	 m;
	const char		*p;
	int			 rc, n = 0;

	db_bind_text(s, 1, sc->communes != NULL ? sc->communes : "", -1);
	db_bind_int64(s, 2, id);
	db_bind_int64(s, 3, max);
	while ((rc = db_step(s)) == DB_ROW) {
		memset(&m, 0, sizeof(m));
		m.id = db_column_int64(s, 0);
		if (store_col_unsealed(st, s, 1, &p) == -1)
			goto fail;
		if (p != NULL)
			util_strlcpy(m.sender, p, sizeof(m.sender));
		if (store_col_unsealed(st, s, 2, &p) == -1)
			goto fail;
		m.text = xstrdup(p != NULL ? p : "");
		m.received_at = db_column_int64(s, 3);
		store_col_copy(s, 4, m.commune, sizeof(m.commune));
		n++;
		rc = fn(&m, arg);
		store_inbox_row_clear(&m);
		if (rc != 0) {
			rc = DB_DONE;
			break;
		}
	}
	if (rc != DB_ROW && rc != DB_DONE) {
		log_warnx("%s: %s", __func__, store_errmsg(st));
		goto fail;
	}
	store_done(s);
	return n;
fail:
	store_done(s);
	return -1;
}
