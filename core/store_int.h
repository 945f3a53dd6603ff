/*
 * store_int.h: what the store's own files (core/store*.c) share and nothing
 * else sees: the layout of struct store, its prepared statements, and the
 * one-row step. Only these files include sqlite3.h.
 */
#ifndef TINCAY_STORE_INT_H
#define TINCAY_STORE_INT_H

#include <openssl/evp.h>
#include <sqlite3.h>

#include "core.h"
#include "store.h"

#define STORE_LISTENERS	4

struct store {
	sqlite3		*db;
	int		 lockfd;	/* store_lock(), or -1 */
	sqlite3_stmt	*stmt[ST__MAX];	/* store_sql[], prepared at open */
	int		 in_tx;
	struct store_batch batch;	/* what the open transaction holds */
	int64_t		 outbox_first;	/* first row of the open batch, or 0 */
	struct ref_key	*refkey;
	EVP_CIPHER_CTX	*idem;		/* AES under the idempotency salt */
	int		 ref_legacy;	/* random REFs from before migration 3 */
	store_begin_fn	 on_begin;
	void		*on_begin_arg;
	struct {
		store_commit_fn	 fn;
		void		*arg;
	}		 listeners[STORE_LISTENERS];
	size_t		 nlisteners;
	struct store_stats stats;
	char		*tz;		/* the commune's, for report_days */
	int64_t		 day_off;	/* seconds east of UTC its days start */
};

/*
 * store.c: step s for its one row: 1 there is one (read it, then
 * store_done), 0 there is none, -1 an error, logged for who.
 */
int		 store_row(struct store *, sqlite3_stmt *, const char *who);
/* Run statement which, bound, for its changes: how many rows it changed,
 * or -1 (logged). */
int64_t		 store_changes(struct store *, enum stmt);

#endif
