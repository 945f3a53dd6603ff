/*
 * fixture.h: what the router-level unit tests share: the daemon's context
 * over a database of the test's own (engine.h: in memory on SQLite, a
 * fresh database on PostgreSQL under $TINCAY_TEST_ENGINE=pg, dropped at
 * teardown), filing a message through router_receive() and committing it
 * as the batch would, and counting over SQL (sealed columns through
 * unseal(), sealed.h).
 * Include after cmocka.h, core.h and handlers.h; it reads the database
 * white-box, through store_int.h.
 */
#ifndef TINCAY_TEST_FIXTURE_H
#define TINCAY_TEST_FIXTURE_H

#include "../../store/store_int.h"
#include "sealed.h"
#include "engine.h"

struct fixture {
	struct {				/* what the router needs */
		struct config	*conf;
		struct store	*store;
		struct router	*router;	/* made at first use */
	}		 tc;
	int		 n;		/* message ids fixture_receive() made */
	struct engine_db db;		/* the store's (fixture_store) */
};

/* The configuration of (json), or the test fails with the reason. */
static inline struct config *
fixture_conf(const char *json)
{
	char		 err[256];
	struct config	*c;

	if ((c = config_parse(json, strlen(json), err, sizeof(err))) == NULL)
		fail_msg("config: %s", err);
	return c;
}

/* fx's store, on a new database of the test's engine; the test fails if
 * it cannot be opened. */
static inline struct store *
fixture_store(struct fixture *fx)
{
	char		 err[256];

	engine_db(&fx->db, NULL);
	if ((fx->tc.store = engine_open(&fx->db, 0, err, sizeof(err))) ==
	    NULL)
		fail_msg("store: %s", err);
	return fx->tc.store;
}

static inline int
fixture_teardown(void **state)
{
	struct fixture	*fx = *state;

	store_close(fx->tc.store);
	engine_drop(&fx->db);
	router_free(fx->tc.router);
	config_free(fx->tc.conf);
	free(fx);
	return 0;
}

static inline struct db *
fixture_db(struct store *st)
{
	return st->db;
}

/* The first column of the first row of sql, e.g. a count(*). */
static inline int64_t
fixture_count(struct store *st, const char *sql)
{
	struct db_stmt	*s;
	int64_t		 n = -1;

	sealed_sql(st);		/* sealed columns read through unseal() */
	if (db_prepare(fixture_db(st), sql, &s) != 0)
		fail_msg("%s: %s", sql, db_errmsg(fixture_db(st)));
	if (db_step(s) == DB_ROW)
		n = db_column_int64(s, 0);
	db_finalize(s);
	return n;
}

/* The router of the fixture's config, made at first use. */
static inline const struct router *
fixture_router(struct fixture *fx)
{
	if (fx->tc.router == NULL)
		fx->tc.router = router_new(fx->tc.conf);
	return fx->tc.router;
}

/* File a message whose route a USSD menu decided (cat, area index or -1)
 * with text kept as is, and commit. */
static inline void
fixture_routed(struct fixture *fx, const char *from, enum category cat,
    int area, const char *text, struct outcome *out)
{
	struct inbound	 in;

	memset(&in, 0, sizeof(in));
	in.provider = "africastalking-ussd";
	snprintf(in.ext_id, sizeof(in.ext_id), "s%d", ++fx->n);
	util_strlcpy(in.from, from, sizeof(in.from));
	in.text = text;
	in.textlen = strlen(text);
	in.source = "ussd";
	in.routed = 1;
	in.cat = cat;
	in.area = area;
	assert_int_equal(router_receive(fixture_router(fx), fx->tc.store, &in, out),
	    0);
	assert_int_equal(store_commit(fx->tc.store), 0);
}

/* gbv escalates to the leader after 600 s; one area, T1. */
#define FIXTURE_RESPONDERS_CONF \
    "{ \"database\": \":memory:\"," \
    "  \"escalation\": { \"gbv\": { \"after_s\": 600, " \
    "\"to\": [\"leader\"] } }," \
    "  \"areas\": [ { \"code\": \"T1\", \"name\": \"Thon 1\" } ] }"

/*
 * A fixture over a store of its own with the config of json and two
 * responders by SMS for every area: Police (+84901000001, police) and
 * Leader (+84901000004, leader).
 */
static inline struct fixture *
fixture_responders(const char *json)
{
	struct fixture	*fx = calloc(1, sizeof(*fx));
	struct db_stmt	*s;
	static const char *const contacts[][3] = {
		{ "Police", "+84901000001", "police" },
		{ "Leader", "+84901000004", "leader" },
	};
	size_t		 i;

	fx->tc.conf = fixture_conf(json);
	fixture_store(fx);
	for (i = 0; i < 2; i++) {
		s = store_stmt(fx->tc.store, ST_CONTACT_ADD);
		store_bind_text(s, 1, contacts[i][0]);
		store_bind_text(s, 2, contacts[i][1]);
		store_bind_text(s, 3, contacts[i][2]);
		store_bind_text(s, 4, "*");
		store_bind_text(s, 5, "sms");
		db_bind_int64(s, 8, 1);
		assert_int_equal(store_run(fx->tc.store, ST_CONTACT_ADD), 0);
	}
	return fx;
}

/* A cmocka setup: fixture_responders(FIXTURE_RESPONDERS_CONF). */
static inline int
fixture_setup_responders(void **state)
{
	*state = fixture_responders(FIXTURE_RESPONDERS_CONF);
	return 0;
}

/* File text from a provider (id NULL: a fresh one) and commit. */
static inline void
fixture_receive(struct fixture *fx, const char *provider, const char *id,
    const char *from, const char *text, struct outcome *out)
{
	struct inbound	 in;

	memset(&in, 0, sizeof(in));
	in.provider = provider;
	if (id != NULL)
		util_strlcpy(in.ext_id, id, sizeof(in.ext_id));
	else
		snprintf(in.ext_id, sizeof(in.ext_id), "m%d", ++fx->n);
	util_strlcpy(in.from, from, sizeof(in.from));
	in.text = text;
	in.textlen = strlen(text);
	assert_int_equal(router_receive(fixture_router(fx), fx->tc.store, &in, out), 0);
	assert_int_equal(store_commit(fx->tc.store), 0);
}

#endif
