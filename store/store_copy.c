/*
 * store_copy.c: tincayctl migrate, and backup of a server's database.
 * Every row of an SQLite database copied, with its id, into an empty
 * PostgreSQL database, so that a commune that started on one box joins a
 * city's server with all its history: REFs,
 * idempotency keys and keyed hashes stay what they were, because its meta
 * (REF key, idempotency salt, key check) and its data keys replace the new
 * database's, and sealed values go across as their bytes, for the same
 * key to open.
 *
 * One transaction on the destination, verified before it commits: a copy
 * cut short or found unequal leaves it without a row, ready for another
 * try, and never a half-copied database a daemon could start on. Read
 * from one snapshot of the source, whose daemon must be stopped (what it
 * wrote after the copy would be left behind).
 *
 * While it copies, the user triggers of reports are disabled (ALTER TABLE,
 * undone with the transaction): report_days is copied as it is and must
 * not count each report once more. That needs the tables' owner, not a
 * superuser (session_replication_role would), and leaves the foreign keys
 * checked: a row whose report is not there stops the copy.
 *
 * The other way, the same copier: backup FILE of a PostgreSQL database
 * (store_copy_backup) writes every row into a new SQLite file, made by
 * the store's own open (its migrations, this program's version), read in
 * one REPEATABLE READ snapshot while daemons write on. There the
 * triggers stay: report_days comes last, and what they counted as the
 * reports went in is deleted before it is copied as it is.
 */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "store_int.h"
#include "sql_pg.h"

#define STORE_COPY_COLS	24	/* the most columns of a table */
#define STORE_COPY_EVERY 500	/* rows between two progress calls */
#define STORE_COPY_MOD	"1000000007"	/* sums of integers modulo */

/*
 * The tables, in an order that has every row's references there before
 * it: columns as both schemas name them, one kind a column (i an integer,
 * t a text, b a sealed value or a clear one sharing its column, h bytes
 * always: keyed hashes, wrapped keys; PostgreSQL keeps b and h as bytea,
 * SQLite a clear b as a text); the order rows are read in (PostgreSQL's
 * where SQLite's rowid has no twin there); the integer column whose max
 * and sum are checked; whether it holds keys rather than rows (data_keys:
 * the destination's own, which seal nothing while it has no row, give way
 * to the source's, as meta's do); whether reports' triggers count it
 * (report_days); what PostgreSQL's rows are read as, where its table is
 * not SQLite's (report_days: deltas there, a key's count the sum of its
 * rows' n; one row a key, as SQLite's, when summed up). meta is copied on
 * its own (store_copy_meta_*). A migration that
 * adds a table or a column adds it here too (store_copy_known refuses a
 * schema that has one this list lacks).
 */
static const struct store_copy_table {
	const char	*name;
	const char	*cols;
	const char	*kinds;
	const char	*order;
	const char	*order_pg;	/* NULL: order */
	const char	*key;
	int		 keys;
	int		 counted;
	const char	*from_pg;	/* NULL: the table */
} store_copy_tables[] = {
	/* Wrapped by the database's key: the same file opens them. */
	{ "data_keys", "day, wrapped", "ih", "day", NULL, "day", 1, 0, NULL },
	{ "contacts", "id, name, phone, role, areas, channel, url, pin,"
	    " created_at, pin_locked_until, commune", "itttttttiit", "id", NULL, "id",
	    0, 0, NULL },
	{ "pin_failures", "contact_id, at", "ii", "rowid", "contact_id, at",
	    "at", 0, 0, NULL },
	{ "reports", "id, ref, category, area, status, reporter, created_at,"
	    " updated_at, escalate_at, escalation_level, acked_by, closed_at,"
	    " cancel_requested, victim_sex, victim_age, outcome, acked_at,"
	    " reporter_hash, previous, commune", "ittttbiiiitiititihit", "id", NULL, "id",
	    0, 0, NULL },
	{ "legacy_refs", "ref, report_id", "ti", "ref", NULL, "report_id", 0,
	    0, NULL },
	{ "messages", "id, provider, provider_id, sender, recipient, body,"
	    " category, report_id, reply, received_at, reviewed_at, review_at,"
	    " commune", "ittbtbtitiiit", "id", NULL, "id", 0, 0, NULL },
	{ "outbox", "id, report_id, contact_id, channel, event, dest, body,"
	    " lane, idem_key, status, attempts, next_at, created_at, sent_at,"
	    " last_error, dkey, provider_msg, receipt, receipt_at, tried_at,"
	    " failing_since", "iiittbbittiiiittttiii", "id", NULL, "id", 0, 0,
	    NULL },
	{ "receipts_early", "msg, receipt, reason, at", "ttti", "msg", NULL,
	    "at", 0, 0, NULL },
	{ "subscriptions", "id, phone, phone_hash, campaign, area, source,"
	    " subscribed_at, opted_out_at, commune", "ibhtttiit", "id", NULL, "id", 0,
	    0, NULL },
	{ "broadcast_runs", "campaign, body, last_sub, done", "ttii",
	    "campaign, body", NULL, "last_sub", 0, 0, NULL },
	/* The console's (migration 20): a TOTP secret is always sealed. */
	{ "users", "id, name, role, communes, areas, pw_hash, totp_secret,"
	    " locked_until, created_at, last_signin_at", "ittttthiii", "id",
	    NULL, "id", 0, 0, NULL },
	{ "user_failures", "user_id, at", "ii", "rowid", "user_id, at", "at",
	    0, 0, NULL },
	{ "audit", "id, at, user_name, action, target, addr, detail",
	    "iittttt", "id", NULL, "id", 0, 0, NULL },
	{ "report_days", "day, area, category, status, n", "ittti",
	    "day, area, category, status", NULL, "n", 0, 1,
	    "(SELECT day, area, category, status, sum(n)::bigint AS n"
	    " FROM report_days GROUP BY day, area, category, status)"
	    " AS report_days" },
};
#define STORE_COPY_NTABLES \
	(sizeof(store_copy_tables) / sizeof(store_copy_tables[0]))

/* What both sides are compared on, a table's. */
struct store_copy_sum {
	int64_t		 rows, max, sum, bytes, ints;
};

/* A meta row of the source, kept to write and then to compare. */
struct store_copy_meta {
	char		*key;
	int		 is_int;
	int64_t		 num;
	unsigned char	*value;
	size_t		 len;
};

struct store_copy {
	struct store	*src;
	struct store	*dst;		/* ours: its connection only */
	const char	*to;		/* its name, password masked */
	store_copy_fn	 fn;
	void		*arg;
	struct store_copy_step step;
	struct store_copy_sum sums[STORE_COPY_NTABLES];
	struct store_copy_meta *meta;
	size_t		 nmeta;
	struct store_buf col[STORE_COPY_COLS];	/* a row's values bound */
	char		*err;
	size_t		 errlen;
};

/* What t's rows are read from on db. */
static const char *
store_copy_from(const struct store_copy_table *t, struct db *db)
{
	return db_engine(db) == DB_PG && t->from_pg != NULL ? t->from_pg :
	    t->name;
}

/* The column names of t, split; how many (at most STORE_COPY_COLS). */
static size_t
store_copy_names(const struct store_copy_table *t, char names[][32])
{
	const char	*p = t->cols;
	size_t		 n = 0, len;

	while (*p != '\0') {
		len = strcspn(p, ",");
		if (n == STORE_COPY_COLS || len >= 32)
			fatalx("%s: %s", __func__, t->name);
		memcpy(names[n], p, len);
		names[n++][len] = '\0';
		p += len;
		p += strspn(p, ", ");
	}
	if (n != strlen(t->kinds))
		fatalx("%s: %s: %zu columns, %zu kinds", __func__, t->name, n,
		    strlen(t->kinds));
	return n;
}

/*
 * t's sums as db's engine writes them: rows, max and sum of its key, the
 * bytes of its texts (SQLite counts a text's characters unless cast), and
 * the sum of its integers modulo a prime (never overflowing). Allocated.
 */
static char *
store_copy_sum_sql(const struct store_copy_table *t, struct db *db)
{
	char	 names[STORE_COPY_COLS][32], *bytes, *ints, *p, *sql;
	size_t	 n, i;
	int	 pg = db_engine(db) == DB_PG;

	n = store_copy_names(t, names);
	bytes = xstrdup("0");
	ints = xstrdup("0");
	for (i = 0; i < n; i++) {
		if (t->kinds[i] == 'i') {
			p = xasprintf("%s + coalesce(%s, 0)", ints, names[i]);
			free(ints);
			ints = p;
		} else {
			p = xasprintf(pg ? "%s + coalesce(octet_length(%s), 0)"
			    : "%s + coalesce(length(CAST(%s AS BLOB)), 0)",
			    bytes, names[i]);
			free(bytes);
			bytes = p;
		}
	}
	sql = xasprintf("SELECT count(*), coalesce(max(%s), 0),"
	    " coalesce(sum(%s), 0), coalesce(sum(%s), 0),"
	    " coalesce(sum((%s) %% " STORE_COPY_MOD "), 0) FROM %s",
	    t->key, t->key, bytes, ints, store_copy_from(t, db));
	free(bytes);
	free(ints);
	return sql;
}

static int
store_copy_fail(struct store_copy *c, struct db *db, const char *what)
{
	snprintf(c->err, c->errlen, "%s: %s", what, db_errmsg(db));
	return -1;
}

/* Table t's sums on db into *s. 0, or -1 (err). */
static int
store_copy_sum(struct store_copy *c, struct db *db,
    const struct store_copy_table *t, struct store_copy_sum *s)
{
	struct db_stmt	*q;
	char		*sql = store_copy_sum_sql(t, db);
	int		 rc = -1;

	if (db_prepare(db, sql, &q) == 0 && db_step(q) == DB_ROW) {
		s->rows = db_column_int64(q, 0);
		s->max = db_column_int64(q, 1);
		s->sum = db_column_int64(q, 2);
		s->bytes = db_column_int64(q, 3);
		s->ints = db_column_int64(q, 4);
		rc = 0;
	} else
		snprintf(c->err, c->errlen, "%s: counting %s: %s", db ==
		    c->src->db ? "the database" : c->to, t->name,
		    db_errmsg(db));
	db_finalize(q);
	free(sql);
	return rc;
}

/* A copy of n bytes in column buffer i, for the row being bound. */
static const void *
store_copy_keep(struct store_copy *c, int i, const void *v, size_t n)
{
	struct store_buf	*b = &c->col[i];

	if (b->cap < n + 1) {
		b->cap = n + 1 < 256 ? 256 : n + 1;
		b->p = xrealloc(b->p, b->cap);
	}
	if (n > 0)
		memcpy(b->p, v, n);
	b->p[n] = '\0';
	return b->p;
}

/*
 * Column i of the source row bound to the insert as its kind wants it:
 * an integer as one; a text or bytes as their bytes (a number SQLite kept
 * there as its text, as SQLite casts it); into SQLite, a b column's clear
 * value (not a sealed one's version first) as the text it was there.
 * Copied: a column read may leave the last one's value invalid. 0, or -1
 * (err).
 */
static int
store_copy_bind(struct store_copy *c, const struct store_copy_table *t,
    struct db_stmt *sel, struct db_stmt *ins, int i, int64_t row)
{
	enum db_type	 type = db_column_type(sel, i);
	const void	*v;
	size_t		 n;

	if (type == DB_NULL)
		return db_bind_null(ins, i + 1);
	if (t->kinds[i] == 'i') {
		if (type != DB_INT) {
			snprintf(c->err, c->errlen, "%s: row %lld: column %d "
			    "is not an integer", t->name, (long long)row,
			    i + 1);
			return -1;
		}
		return db_bind_int64(ins, i + 1, db_column_int64(sel, i));
	}
	if (type == DB_BLOB)
		v = db_column_blob(sel, i);
	else
		v = db_column_text(sel, i);
	n = (size_t)db_column_bytes(sel, i);
	v = store_copy_keep(c, i, v, n);
	if (t->kinds[i] == 'h' || (t->kinds[i] == 'b' &&
	    (db_engine(c->dst->db) == DB_PG || (n > 0 &&
	    (c->col[i].p[0] == SEAL_VERSION ||
	    c->col[i].p[0] == SEAL_VERSION_MASTER)))))
		return db_bind_blob(ins, i + 1, v, n);
	return db_bind_text(ins, i + 1, v, (int)n);
}

static void
store_copy_tell(struct store_copy *c)
{
	if (c->fn != NULL)
		c->fn(&c->step, c->arg);
}

/* Every row of table k, read in its order, inserted with its values. */
static int
store_copy_table(struct store_copy *c, size_t k)
{
	const struct store_copy_table	*t = &store_copy_tables[k];
	struct db_stmt			*sel = NULL, *ins = NULL;
	char				 names[STORE_COPY_COLS][32];
	char				*sql, *p;
	size_t				 n, i;
	int				 rc = -1, step;

	n = store_copy_names(t, names);
	sql = xasprintf("SELECT %s FROM %s ORDER BY %s", t->cols,
	    store_copy_from(t, c->src->db), db_engine(c->src->db) == DB_PG && t->order_pg != NULL ?
	    t->order_pg : t->order);
	if (db_prepare(c->src->db, sql, &sel) != 0) {
		free(sql);
		return store_copy_fail(c, c->src->db, "the database");
	}
	free(sql);
	sql = xasprintf("INSERT INTO %s (%s) VALUES (?1", t->name, t->cols);
	for (i = 1; i < n; i++) {
		p = xasprintf("%s, ?%zu", sql, i + 1);
		free(sql);
		sql = p;
	}
	p = xasprintf("%s)", sql);
	free(sql);
	sql = p;
	if (db_prepare(c->dst->db, sql, &ins) != 0) {
		store_copy_fail(c, c->dst->db, c->to);
		goto out;
	}
	c->step.table = t->name;
	c->step.done = 0;
	c->step.total = c->sums[k].rows;
	c->step.verified = NULL;
	store_copy_tell(c);
	while ((step = db_step(sel)) == DB_ROW) {
		for (i = 0; i < n; i++)
			if (store_copy_bind(c, t, sel, ins, (int)i,
			    c->step.done + 1) == -1)
				goto out;
		if (db_step(ins) != DB_DONE) {
			snprintf(c->err, c->errlen, "%s: %s: row %lld: %s",
			    c->to, t->name, (long long)c->step.done + 1,
			    db_errmsg(c->dst->db));
			goto out;
		}
		db_reset(ins);
		c->step.done++;
		c->step.all_done++;
		if (c->step.done % STORE_COPY_EVERY == 0)
			store_copy_tell(c);
	}
	if (step != DB_DONE) {
		store_copy_fail(c, c->src->db, "the database");
		goto out;
	}
	if (c->step.done % STORE_COPY_EVERY != 0)
		store_copy_tell(c);
	rc = 0;
out:
	free(sql);
	db_finalize(sel);
	db_finalize(ins);
	return rc;
}

static void
store_copy_meta_free(struct store_copy *c)
{
	size_t	 i;

	for (i = 0; i < c->nmeta; i++) {
		free(c->meta[i].key);
		if (c->meta[i].value != NULL)
			OPENSSL_cleanse(c->meta[i].value, c->meta[i].len);
		free(c->meta[i].value);
	}
	free(c->meta);
	c->meta = NULL;
	c->nmeta = 0;
}

/*
 * meta's rows on db as (key, bytes, number), one of the two NULL, every
 * key but the schema's version (SQLite keeps it in user_version; the
 * destination has its own). SQLite keeps both in value.
 */
static const char *
store_copy_meta_sql(struct db *db)
{
	if (db_engine(db) == DB_PG)
		return "SELECT key, value, num FROM meta"
		    " WHERE key <> 'schema_version' ORDER BY key";
	return "SELECT key, CASE WHEN typeof(value) <> 'integer'"
	    " THEN CAST(value AS BLOB) END, CASE WHEN typeof(value) ="
	    " 'integer' THEN value END FROM meta"
	    " WHERE key <> 'schema_version' ORDER BY key";
}

/* The source's meta, kept in c. */
static int
store_copy_meta_read(struct store_copy *c)
{
	struct db_stmt		*s;
	struct store_copy_meta	*m;
	const void		*v;
	int			 step;

	if (db_prepare(c->src->db, store_copy_meta_sql(c->src->db), &s) != 0)
		return store_copy_fail(c, c->src->db, "the database");
	while ((step = db_step(s)) == DB_ROW) {
		c->meta = xrealloc(c->meta, (c->nmeta + 1) *
		    sizeof(*c->meta));
		m = &c->meta[c->nmeta++];
		memset(m, 0, sizeof(*m));
		m->key = xstrdup(db_column_text(s, 0));
		if ((m->is_int = db_column_type(s, 1) == DB_NULL))
			m->num = db_column_int64(s, 2);
		else {
			v = db_column_blob(s, 1);
			m->len = (size_t)db_column_bytes(s, 1);
			m->value = xmalloc(m->len + 1);
			memcpy(m->value, v, m->len);
		}
	}
	db_finalize(s);
	if (step != DB_DONE)
		return store_copy_fail(c, c->src->db, "the database");
	return 0;
}

/* The source's meta written over the destination's (its fresh random
 * keys go), its schema's version kept. */
static int
store_copy_meta_write(struct store_copy *c)
{
	struct db_stmt		*s;
	struct store_copy_meta	*m;
	size_t			 i;
	int			 rc = 0, pg = db_engine(c->dst->db) == DB_PG;

	if (db_exec(c->dst->db, "DELETE FROM meta"
	    " WHERE key <> 'schema_version'") == -1)
		return store_copy_fail(c, c->dst->db, c->to);
	if (db_prepare(c->dst->db, pg ? "INSERT INTO meta (key, value, num)"
	    " VALUES (?1, ?2, ?3)" : "INSERT INTO meta (key, value)"
	    " VALUES (?1, coalesce(?2, ?3))", &s) != 0)
		return store_copy_fail(c, c->dst->db, c->to);
	for (i = 0; i < c->nmeta && rc == 0; i++) {
		m = &c->meta[i];
		db_bind_text(s, 1, m->key, -1);
		if (m->is_int) {
			db_bind_null(s, 2);
			db_bind_int64(s, 3, m->num);
		} else {
			db_bind_blob(s, 2, m->value, m->len);
			db_bind_null(s, 3);
		}
		if (db_step(s) != DB_DONE)
			rc = store_copy_fail(c, c->dst->db, c->to);
		db_reset(s);
	}
	db_finalize(s);
	return rc;
}

/* The destination's meta read back, key by key against the source's. */
static int
store_copy_meta_check(struct store_copy *c)
{
	struct db_stmt		*s;
	struct store_copy_meta	*m;
	size_t			 n = 0;
	int			 step = DB_DONE, same = 1;

	if (db_prepare(c->dst->db, store_copy_meta_sql(c->dst->db), &s) != 0)
		return store_copy_fail(c, c->dst->db, c->to);
	while (same && (step = db_step(s)) == DB_ROW) {
		if (n == c->nmeta) {
			same = 0;	/* a key more */
			break;
		}
		m = &c->meta[n++];
		if (strcmp(db_column_text(s, 0), m->key) != 0)
			same = 0;
		else if (m->is_int)
			same = db_column_type(s, 2) == DB_INT &&
			    db_column_int64(s, 2) == m->num;
		else
			same = db_column_type(s, 1) == DB_BLOB &&
			    (size_t)db_column_bytes(s, 1) == m->len &&
			    memcmp(db_column_blob(s, 1), m->value,
			    m->len) == 0;
	}
	db_finalize(s);
	if (same && step == DB_ERR)
		return store_copy_fail(c, c->dst->db, c->to);
	if (!same || n != c->nmeta) {
		snprintf(c->err, c->errlen, "%s: meta differs from the "
		    "database's after the copy (at key %zu of %zu); nothing "
		    "was kept", c->to, n, c->nmeta);
		return -1;
	}
	return 0;
}

/* The keys REFs, idempotency keys and the key check rest on. */
static int
store_copy_meta_has(struct store_copy *c)
{
	static const char *const keys[] = { "ref_key", "idem_salt",
	    "seal_check" };
	size_t	 i, j;

	for (i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
		for (j = 0; j < c->nmeta; j++)
			if (strcmp(c->meta[j].key, keys[i]) == 0 &&
			    !c->meta[j].is_int)
				break;
		if (j == c->nmeta) {
			snprintf(c->err, c->errlen, "the database has no %s "
			    "in its meta table", keys[i]);
			return -1;
		}
	}
	return 0;
}

/* Every table's sums on the destination against the source's. */
static int
store_copy_verify(struct store_copy *c)
{
	const struct store_copy_table	*t;
	struct store_copy_sum		*a, b;
	char				 said[192];
	size_t				 k;

	for (k = 0; k < STORE_COPY_NTABLES; k++) {
		t = &store_copy_tables[k];
		a = &c->sums[k];
		if (store_copy_sum(c, c->dst->db, t, &b) == -1)
			return -1;
		snprintf(said, sizeof(said), "%lld %s, max(%s) %lld, "
		    "sum(%s) %lld, %lld bytes, integers %lld",
		    (long long)b.rows, util_plural(b.rows, "row", "rows"),
		    t->key, (long long)b.max, t->key,
		    (long long)b.sum, (long long)b.bytes, (long long)b.ints);
		if (memcmp(a, &b, sizeof(b)) != 0) {
			snprintf(c->err, c->errlen, "%s: %s differs after the "
			    "copy (%s; the database: %lld rows, max %lld, sum "
			    "%lld, %lld bytes, integers %lld); nothing was "
			    "kept", c->to, t->name, said, (long long)a->rows,
			    (long long)a->max, (long long)a->sum,
			    (long long)a->bytes, (long long)a->ints);
			return -1;
		}
		c->step.table = t->name;
		c->step.done = c->step.total = b.rows;
		c->step.verified = said;
		store_copy_tell(c);
	}
	if (store_copy_meta_check(c) == -1)
		return -1;
	snprintf(said, sizeof(said), "%zu keys, each the same (ref_key, "
	    "idem_salt, seal_check among them)", c->nmeta);
	c->step.table = "meta";
	c->step.done = c->step.total = (int64_t)c->nmeta;
	c->step.verified = said;
	store_copy_tell(c);
	return 0;
}

/*
 * Whether db's tables are the ones listed above, column for column, and
 * the source has no other: a migration that adds a table or a column and
 * forgets the list would otherwise leave its values behind, unseen by the
 * sums. 0, or -1 (err).
 */
static int
store_copy_known(struct store_copy *c, struct db *db, const char *name)
{
	const struct store_copy_table	*t;
	struct db_stmt			*s;
	char				 names[STORE_COPY_COLS][32], *sql;
	size_t				 k, n;
	int64_t				 tables = -1;
	int				 cols;

	for (k = 0; k < STORE_COPY_NTABLES; k++) {
		t = &store_copy_tables[k];
		n = store_copy_names(t, names);
		sql = xasprintf("SELECT * FROM %s", t->name);
		cols = db_prepare(db, sql, &s) == 0 ? db_column_count(s) : -1;
		db_finalize(s);
		free(sql);
		if (cols == -1)
			return store_copy_fail(c, db, name);
		if ((size_t)cols != n) {
			snprintf(c->err, c->errlen, "%s: %s has %d columns, "
			    "migrate knows %zu: not a schema this program "
			    "copies", name, t->name, cols, n);
			return -1;
		}
	}
	/* The source's tables, all of them (a server's database may hold
	 * others' too). */
	if (db_engine(db) != DB_SQLITE)
		return 0;
	if (db_prepare(db, "SELECT count(*) FROM sqlite_master"
	    " WHERE type = 'table' AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\'",
	    &s) == 0 && db_step(s) == DB_ROW)
		tables = db_column_int64(s, 0);
	db_finalize(s);
	if (tables == -1)
		return store_copy_fail(c, db, name);
	if (tables != (int64_t)STORE_COPY_NTABLES + 1) {
		snprintf(c->err, c->errlen, "%s has %lld tables, migrate "
		    "knows %zu: not a schema this program copies", name,
		    (long long)tables, STORE_COPY_NTABLES + 1);
		return -1;
	}
	return 0;
}

/* Whether the destination holds no row yet: 0, or -1 (err: what it has). */
static int
store_copy_empty(struct store_copy *c)
{
	struct store_copy_sum	 s;
	char			 had[256];
	size_t			 k, n = 0;

	had[0] = '\0';
	for (k = 0; k < STORE_COPY_NTABLES; k++) {
		if (store_copy_tables[k].keys)
			continue;
		if (store_copy_sum(c, c->dst->db, &store_copy_tables[k],
		    &s) == -1)
			return -1;
		if (s.rows > 0 && n < sizeof(had))
			n += (size_t)snprintf(had + n, sizeof(had) - n,
			    "%s%lld %s", n ? ", " : "", (long long)s.rows,
			    store_copy_tables[k].name);
	}
	if (had[0] != '\0') {
		snprintf(c->err, c->errlen, "%s is not empty (%s): migrate "
		    "copies into an empty database only; nothing was "
		    "changed", c->to, had);
		return -1;
	}
	return 0;
}

/*
 * Whether another tincay program is connected to the destination (by its
 * application_name, or a daemon's advisory locks): a daemon that started
 * on it before the copy holds the keys it was made with, and would make
 * REFs under the wrong one. 0, or -1 (err).
 */
static int
store_copy_alone(struct store_copy *c)
{
	struct db_stmt	*s;
	int64_t		 others = -1;

	if (db_prepare(c->dst->db, "SELECT count(*) FROM pg_stat_activity"
	    " WHERE datname = current_database() AND pid <> pg_backend_pid()"
	    " AND (application_name LIKE 'tincay%' OR pid IN (SELECT pid"
	    "  FROM pg_locks WHERE locktype = 'advisory'"
	    "  AND classid = " STORE_PG_LOCK_CLASS "))", &s) == 0 &&
	    db_step(s) == DB_ROW)
		others = db_column_int64(s, 0);
	db_finalize(s);
	if (others == -1)
		return store_copy_fail(c, c->dst->db, c->to);
	if (others > 0) {
		snprintf(c->err, c->errlen, "%s: %lld other tincay %s to it "
		    "(tincayd?): stop %s first, or a daemon would go on with "
		    "the keys it had; nothing was changed", c->to,
		    (long long)others, util_plural(others, "program is "
		    "connected", "programs are connected"),
		    util_plural(others, "it", "them"));
		return -1;
	}
	return 0;
}

/*
 * Into PostgreSQL: nobody else reads or writes a table until the copy is
 * in or gone (a daemon that starts meanwhile waits for it, then reads the
 * keys copied, not the ones the schema was made with), nobody connected;
 * reports' triggers off while it copies.
 */
static int
store_copy_pg_before(struct store_copy *c)
{
	size_t	 k;
	char	*sql, *p;

	sql = xstrdup("LOCK TABLE meta");
	for (k = 0; k < STORE_COPY_NTABLES; k++) {
		p = xasprintf("%s, %s", sql, store_copy_tables[k].name);
		free(sql);
		sql = p;
	}
	p = xasprintf("%s IN ACCESS EXCLUSIVE MODE", sql);
	free(sql);
	sql = p;
	if (db_exec(c->dst->db, sql) == -1) {
		free(sql);
		return store_copy_fail(c, c->dst->db, c->to);
	}
	free(sql);
	if (store_copy_alone(c) == -1)
		return -1;
	if (db_exec(c->dst->db, "ALTER TABLE reports DISABLE TRIGGER USER") ==
	    -1)
		return store_copy_fail(c, c->dst->db, c->to);
	return 0;
}

/* In the destination's transaction: lock, check, copy, sync, verify. */
static int
store_copy_all(struct store_copy *c)
{
	size_t	 k;
	char	*sql;
	int	 pg = db_engine(c->dst->db) == DB_PG;

	if (pg && store_copy_pg_before(c) == -1)
		return -1;
	if (store_copy_empty(c) == -1)
		return -1;
	for (k = 0; k < STORE_COPY_NTABLES; k++) {
		/* Into SQLite, what reports' triggers counted as they went
		 * in gives way to the rows counted. */
		if (store_copy_tables[k].keys || (!pg &&
		    store_copy_tables[k].counted)) {
			sql = xasprintf("DELETE FROM %s",
			    store_copy_tables[k].name);
			if (db_exec(c->dst->db, sql) == -1) {
				free(sql);
				return store_copy_fail(c, c->dst->db, c->to);
			}
			free(sql);
		}
		if (store_copy_table(c, k) == -1)
			return -1;
	}
	if (store_copy_meta_write(c) == -1)
		return -1;
	if (pg && (db_exec(c->dst->db, "ALTER TABLE reports ENABLE TRIGGER "
	    "USER") == -1 || db_exec(c->dst->db,
	    store_sql_pg_extra(PGX_IDENTITY_SYNC)) == -1))
		return store_copy_fail(c, c->dst->db, c->to);
	return store_copy_verify(c);
}

/*
 * The copy of c->src into the open c->dst: one snapshot of the source for
 * the rows and their sums, one transaction on the destination, verified
 * before it commits. 0, or -1 (err; the destination as it was).
 */
static int
store_copy_run(struct store_copy *c)
{
	size_t	 k;
	int	 rc = -1, vs, vd;

	if (store_run(c->src, ST_BACKUP_BEGIN) == -1 ||
	    store_run(c->src, ST_BACKUP_READ) == -1) {
		store_copy_fail(c, c->src->db, "the database");
		(void)store_run(c->src, ST_ROLLBACK);
		return -1;
	}
	if ((vs = store_version(c->src)) != (vd = store_version(c->dst))) {
		snprintf(c->err, c->errlen, "the database is at schema "
		    "version %d, %s at %d: both must be this program's", vs,
		    c->to, vd);
		goto out;
	}
	if (store_copy_known(c, c->src->db, "the database") == -1 ||
	    store_copy_known(c, c->dst->db, c->to) == -1)
		goto out;
	for (k = 0; k < STORE_COPY_NTABLES; k++) {
		if (store_copy_sum(c, c->src->db, &store_copy_tables[k],
		    &c->sums[k]) == -1)
			goto out;
		c->step.all_total += c->sums[k].rows;
	}
	if (store_copy_meta_read(c) == -1 || store_copy_meta_has(c) == -1)
		goto out;
	/* SQLite's: the writer's lock now, not at the first insert. */
	if (db_exec(c->dst->db, db_engine(c->dst->db) == DB_PG ? "BEGIN" :
	    "BEGIN IMMEDIATE") == -1) {
		store_copy_fail(c, c->dst->db, c->to);
		goto out;
	}
	if (store_copy_all(c) == -1) {
		(void)db_exec(c->dst->db, "ROLLBACK");
		goto out;
	}
	if (db_exec(c->dst->db, "COMMIT") == -1) {
		store_copy_fail(c, c->dst->db, c->to);
		goto out;
	}
	rc = 0;
out:
	/* The snapshot ends. */
	(void)store_run(c->src, ST_ROLLBACK);
	return rc;
}

static void
store_copy_free(struct store_copy *c)
{
	size_t	 k;

	store_copy_meta_free(c);
	for (k = 0; k < STORE_COPY_COLS; k++) {
		if (c->col[k].p != NULL)
			OPENSSL_cleanse(c->col[k].p, c->col[k].cap);
		free(c->col[k].p);
	}
	store_close(c->dst);
}

int
store_migrate_to(struct store *src, const char *conninfo, store_copy_fn fn,
    void *arg, char *err, size_t errlen)
{
	struct store_copy	 c;
	char			*safe, why[256];
	int			 rc = -1;

	if (db_engine(src->db) != DB_SQLITE) {
		snprintf(err, errlen, "the database is on PostgreSQL already: "
		    "migrate copies an SQLite database (pg_dump copies one "
		    "server's to another)");
		return -1;
	}
	if (!db_is_pg(conninfo)) {
		snprintf(err, errlen, "--to %s is not a PostgreSQL connection "
		    "string (postgresql://USER@HOST/DATABASE)", conninfo);
		return -1;
	}
	if (src->daemon_runs) {
		snprintf(err, errlen, "tincayd is running on the database: "
		    "stop it first (what it wrote after the copy would be "
		    "left behind)");
		return -1;
	}
	if (store_in_tx(src)) {
		snprintf(err, errlen, "a transaction is open");
		return -1;
	}
	memset(&c, 0, sizeof(c));
	c.src = src;
	c.fn = fn;
	c.arg = arg;
	c.err = err;
	c.errlen = errlen;
	c.to = safe = store_name_safe(conninfo);
	/* Made if it has no schema (store_copy_alone then keeps daemons
	 * off it). */
	c.dst = xcalloc(1, sizeof(*c.dst));
	c.dst->lockfd = -1;
	if (store_pg_open(c.dst, conninfo, 0, why, sizeof(why)) == -1)
		/* libpq's words name neither the URI nor its password. */
		snprintf(err, errlen, "%s: %s", safe, why);
	else
		rc = store_copy_run(&c);
	store_copy_free(&c);
	free(safe);
	return rc;
}

/* backup FILE's progress: rows copied of all, as pages are for SQLite's. */
struct store_copy_told {
	store_backup_fn	 fn;
	void		*arg;
	int64_t		 last;		/* rows told last */
};

static void
store_copy_told(const struct store_copy_step *s, void *arg)
{
	struct store_copy_told	*t = arg;

	if (s->verified == NULL && s->all_done > t->last) {
		t->last = s->all_done;
		t->fn(s->all_done, s->all_total, t->arg);
	}
}

/*
 * backup FILE of a PostgreSQL database into path, just made empty by
 * store_backup (0600, never one that existed): an SQLite file made by the
 * store's SQLite open (its schema by the migrations), every row copied in
 * from one snapshot, verified before it commits. Removed if anything
 * fails.
 */
int
store_copy_backup(struct store *src, const char *path,
    store_backup_fn progress, void *arg, char *err, size_t errlen)
{
	static const char *const suffix[] = { "", "-wal", "-shm",
	    "-journal" };
	struct store_copy	 c;
	struct store_copy_told	 told;
	char			 p[PATH_MAX], why[256];
	size_t			 i;
	int			 rc = -1;

	memset(&c, 0, sizeof(c));
	c.src = src;
	told.fn = progress;
	told.arg = arg;
	told.last = 0;
	c.fn = progress != NULL ? store_copy_told : NULL;
	c.arg = &told;
	c.err = err;
	c.errlen = errlen;
	c.to = path;
	c.dst = xcalloc(1, sizeof(*c.dst));
	c.dst->lockfd = -1;
	if (store_sqlite_open(c.dst, path, 0, why, sizeof(why)) == -1)
		snprintf(err, errlen, "%s: %s", path, why);
	else
		rc = store_copy_run(&c);
	store_copy_free(&c);
	if (rc == -1)
		for (i = 0; i < sizeof(suffix) / sizeof(suffix[0]); i++)
			if (snprintf(p, sizeof(p), "%s%s", path, suffix[i]) <
			    (int)sizeof(p))
				(void)unlink(p);
	return rc;
}
