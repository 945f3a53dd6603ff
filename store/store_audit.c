/*
 * store_audit.c: the console's audit (SPEC §12): who did what, when and
 * from where, one row each, added in the batch of what it records and
 * never changed; no purge touches the table (store_purge clears residents'
 * texts and numbers, and an audit row holds neither: codes, REFs, ids
 * and user names only).
 */
#include <stdint.h>
#include <string.h>

#include "store_int.h"

/* The actions there are (CONSOLE's list); the last four also from
 * tincayctl, whose rows name the user "tincayctl". */
static const char *const store_audit_actions[] = {
	"signin", "signin_failed", "signout", "case_list", "case_view",
	"number_shown", "ack", "close", "amend", "review_file",
	"review_belongs", "review_dismiss", "month_view", "user_add",
	"user_remove", "user_passwd", "user_totp",
};

static int
store_audit_known(const char *action)
{
	size_t	 i;

	for (i = 0; i < sizeof(store_audit_actions) /
	    sizeof(store_audit_actions[0]); i++)
		if (strcmp(action, store_audit_actions[i]) == 0)
			return 1;
	return 0;
}

int
store_audit_add(struct store *st, int64_t at, const char *user,
    const char *action, const char *target, const char *addr,
    const char *detail)
{
	struct db_stmt	*s = st->stmt[ST_AUDIT_ADD];
	struct audit_row r;

	if (action == NULL || !store_audit_known(action)) {
		log_warnx("%s: no action '%s'", __func__, action != NULL ?
		    action : "(null)");
		return -1;
	}
	/* Cut to the row's fields, so that a listing gives back whole
	 * what was kept. */
	util_strlcpy(r.user, user != NULL ? user : "", sizeof(r.user));
	util_strlcpy(r.target, target != NULL ? target : "",
	    sizeof(r.target));
	util_strlcpy(r.addr, addr != NULL ? addr : "", sizeof(r.addr));
	util_strlcpy(r.detail, detail != NULL ? detail : "",
	    sizeof(r.detail));
	if (store_begin(st) == -1)
		return -1;
	db_bind_int64(s, 1, at);
	db_bind_text_copy(s, 2, r.user, -1);
	db_bind_text(s, 3, action, -1);
	db_bind_text_copy(s, 4, r.target, -1);
	db_bind_text_copy(s, 5, r.addr, -1);
	db_bind_text_copy(s, 6, r.detail, -1);
	return store_run(st, ST_AUDIT_ADD);
}

struct store_audit_walk {
	store_audit_fn	 fn;
	void		*arg;
	struct audit_row r;
};

static int
store_audit_each(struct db_stmt *s, void *arg)
{
	struct store_audit_walk	*w = arg;
	struct audit_row	*r = &w->r;

	memset(r, 0, sizeof(*r));
	r->id = db_column_int64(s, 0);
	r->at = db_column_int64(s, 1);
	store_col_copy(s, 2, r->user, sizeof(r->user));
	store_col_copy(s, 3, r->action, sizeof(r->action));
	store_col_copy(s, 4, r->target, sizeof(r->target));
	store_col_copy(s, 5, r->addr, sizeof(r->addr));
	store_col_copy(s, 6, r->detail, sizeof(r->detail));
	return w->fn(r, w->arg) == -1 ? -1 : 0;
}

int
store_audit_list(struct store *st, int64_t from, int64_t to,
    const char *user, int limit, store_audit_fn fn, void *arg)
{
	struct db_stmt		*s = st->stmt[ST_AUDIT_LIST];
	struct store_audit_walk	 w;

	w.fn = fn;
	w.arg = arg;
	db_bind_int64(s, 1, from);
	db_bind_int64(s, 2, to);
	store_bind_text(s, 3, user);
	db_bind_int64(s, 4, limit > 0 ? limit : INT64_MAX);
	return store_rows(st, s, __func__, store_audit_each, &w) == -1 ?
	    -1 : 0;
}
