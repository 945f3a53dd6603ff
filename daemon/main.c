/*
 * main.c: tincayd's options, start-up order, signals, the event loop and
 * the orderly shutdown. The only main() of the daemon.
 */
#include <sys/stat.h>

#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/event.h>

#include "tincayd.h"

#define MAIN_DRAIN_MS	4500	/* SIGTERM: at most this for in-flight
				   requests and deliveries (SPEC §1: 5 s) */
#define MAIN_POLL_MS	50
#define MAIN_BUSY_MS	250	/* wait for another writer, at most */

static void	main_usage(int) __attribute__((noreturn));

/* The usage: on stdout for -h (exit 0), else on stderr (exit 1). */
static void
main_usage(int help)
{
	FILE	*fp = help ? stdout : stderr;

	fprintf(fp, "usage: tincayd [-htvV] -c config.json\n"
	    "  -c FILE     the configuration (JSON)\n"
	    "  -t          check the configuration and exit\n"
	    "  -v          verbose: debug lines too\n"
	    "  -V          print the version and exit\n"
	    "  -h, --help  this help\n"
	    "Signals: TERM/INT stop, HUP re-reads the configuration.\n"
	    "tincayctl -c config.json administers the same database.\n");
	exit(help ? 0 : 1);
}

static void
main_libevent_log(int severity, const char *msg)
{
	if (severity >= EVENT_LOG_WARN)
		log_warnx("libevent: %s", msg);
	else
		log_debug("libevent: %s", msg);
}

/*
 * The loop's base. With epoll, changes to a descriptor's events within one
 * pass are applied as one epoll_ctl at the next dispatch: evhttp turns a
 * connection from reading to writing and back for every request, and
 * curl's sockets change what they wait for per transfer. (libevent warns
 * about descriptors that are dup()ed: the daemon never does that.)
 */
static struct event_base *
main_base(void)
{
	struct event_config	*cfg;
	struct event_base	*base;

	if ((cfg = event_config_new()) == NULL)
		return NULL;
	(void)event_config_set_flag(cfg, EVENT_BASE_FLAG_EPOLL_USE_CHANGELIST);
	base = event_base_new_with_config(cfg);
	event_config_free(cfg);
	return base;
}

/* -t: a role the configuration names that no contact of the database
 * holds alerts nobody. */
static int
main_check_role(const char *role, void *arg)
{
	struct store_peek	*p = arg;
	int			 held;

	if ((held = store_peek_role(p, role)) == 0)
		log_warnx("tincayd: warning: role %s: no contact in the "
		    "database; its alerts reach nobody", role);
	return held == -1 ? -1 : 0;
}

/* -t in a city (SPEC §11): a role a commune's config names (its own
 * lists, or the top level's it keeps) that no contact of the commune nor
 * of the city holds alerts nobody in that commune; the top level's roles
 * are the city-level contacts' (commune *). */
struct main_check_in {
	struct store_peek	*p;
	const struct commune	*cm;	/* NULL: the city's top level */
};

static int
main_check_role_in(const char *role, void *arg)
{
	const struct main_check_in *in = arg;
	int			 held;

	if ((held = store_peek_role_in(in->p, role, in->cm != NULL ?
	    in->cm->code : "*")) != 0)
		return held == -1 ? -1 : 0;
	if (in->cm != NULL)
		log_warnx("tincayd: warning: commune %s: role %s: no contact of "
		    "%s nor of the city (*) in the database; its alerts in %s "
		    "reach nobody", in->cm->code, role, in->cm->code,
		    in->cm->code);
	else
		log_warnx("tincayd: warning: the city's role %s: no city-level "
		    "contact (commune *) in the database; its alerts (reports "
		    "of no commune yet, escalations to the city) reach nobody",
		    role);
	return 0;
}

/* Each commune's roles, then the top level's: 0, or -1 (unreadable). */
static int
main_check_communes(const struct config *conf, struct store_peek *p)
{
	struct main_check_in	 in = { p, NULL };
	size_t			 i;

	for (i = 0; i < conf->ncommunes; i++) {
		in.cm = &conf->communes[i];
		if (config_roles(in.cm->cf, main_check_role_in, &in) == -1)
			return -1;
	}
	in.cm = NULL;
	return config_roles(conf, main_check_role_in, &in);
}

/* Whether the top level or (a city's) any commune names role. */
static int
main_role_named(const struct config *conf, const char *role)
{
	size_t	 i;

	if (config_role_named(conf, role))
		return 1;
	for (i = 0; i < conf->ncommunes; i++)
		if (config_role_named(conf->communes[i].cf, role))
			return 1;
	return 0;
}

/* -t: a role contacts hold that nothing names is never alerted: most
 * likely a typo ("polce") at contacts add. */
static void
main_check_held(const char *role, int64_t n, void *arg)
{
	const struct config	*conf = arg;

	if (!main_role_named(conf, role))
		log_warnx("tincayd: warning: role %s: held by %lld %s, named by "
		    "no routing, escalation or officials list; never alerted "
		    "(a typo?)", role, (long long)n, util_plural(n, "contact",
		    "contacts"));
}

/* -t: the key does not travel with the data (SPEC §8). Whoever copies the
 * database's directory must not find a key in it. */
static void
main_check_key(const struct config *conf)
{
	char	*kdir, *ddir, *beside;

	if (!store_is_file(conf->database))
		return;	/* a server's: its directory is not on this box */
	kdir = util_dir(conf->key_file);
	beside = xasprintf("%s.key", conf->database);
	ddir = util_dir(conf->database);
	if (strcmp(kdir, ddir) == 0)
		log_warnx("tincayd: warning: key file %s is in the database's "
		    "directory %s: whoever copies that directory can read "
		    "every text; move it out (a systemd credential, or "
		    "key_file under /etc/tincay)", conf->key_file, ddir);
	else if (access(beside, F_OK) == 0)
		log_warnx("tincayd: warning: %s lies beside the database: "
		    "whoever copies its directory has a key; once %s is "
		    "known to be the same key and kept apart, delete it "
		    "(shred -u %s)", beside, conf->key_file, beside);
	free(beside);
	free(kdir);
	free(ddir);
}

/* -t: what only the database can tell, if there is one (never changed). */
static void
main_check(const struct config *conf)
{
	struct store_peek	*p;
	struct stat		 sb;
	char			 err[256], *dir, *slash;

	/* The daemon creates the database, never its directory. */
	dir = xstrdup(conf->database);
	if (store_is_file(conf->database) &&
	    (slash = strrchr(dir, '/')) != NULL) {
		*(slash == dir ? slash + 1 : slash) = '\0';
		if (stat(dir, &sb) == -1 || !S_ISDIR(sb.st_mode)) {
			/* A config checked before its machine is set up. */
			log_warnx("tincayd: warning: database %s: no "
			    "directory %s here; the daemon cannot start "
			    "until there is", conf->database, dir);
			free(dir);
			return;
		}
	}
	free(dir);
	if ((p = store_peek_open(conf->database, err, sizeof(err))) == NULL) {
		log_info("tincayd: contacts not checked: %s", err);
		return;
	}
	if ((conf->ncommunes > 0 ? main_check_communes(conf, p) :
	    config_roles(conf, main_check_role, p)) == -1 ||
	    store_peek_roles(p, main_check_held, (void *)(uintptr_t)conf) == -1)
		log_warnx("tincayd: warning: contacts not checked: database "
		    "unreadable");
	if (store_peek_key(p, conf->database, conf->key_file, err,
	    sizeof(err)) == 0)
		log_warnx("tincayd: warning: %s; the daemon cannot start "
		    "with this key_file", err);
	store_peek_close(p);
}

/*
 * A start that makes the database (and so its key) says so; one that then
 * cannot listen takes them away again, so that a wrong port leaves no
 * empty database behind. A database that was there is never touched: its
 * key may now be the one its texts were sealed with.
 */
static int
main_db_made(const struct config *conf)
{
	return store_is_file(conf->database) &&
	    strcmp(conf->database, ":memory:") != 0 &&
	    access(conf->database, F_OK) == -1 && errno == ENOENT;
}

static void
main_db_unmake(const struct config *conf, int key_made)
{
	static const char *const sfx[] = { "", "-wal", "-shm", "-journal" };
	char	*p;
	size_t	 i;

	for (i = 0; i < sizeof(sfx) / sizeof(sfx[0]); i++) {
		p = xasprintf("%s%s", conf->database, sfx[i]);
		(void)unlink(p);
		free(p);
	}
	if (key_made)
		(void)unlink(conf->key_file);
	log_info("tincayd: database %s removed: it was made by this start",
	    conf->database);
}

/*
 * Stopping: leave the loop once nothing is in flight, or at the limit.
 * Deliveries in flight are waited for too, and their results committed
 * (each poll commits what came): abandoned, a destination that answered
 * would get them again after the restart (issue 23).
 */
static void
main_drain_cb(evutil_socket_t fd, short ev, void *arg)
{
	struct tincay	*tc = arg;
	struct timeval	 tv = { 0, MAIN_POLL_MS * 1000 };
	size_t		 reqs, sends;

	(void)batch_flush(tc->batch);
	reqs = http_busy(tc->http);
	sends = outbox_inflight(tc->outbox);
	if ((reqs == 0 && sends == 0) ||
	    util_mono_ms() - tc->stop_ms >= MAIN_DRAIN_MS) {
		if (reqs > 0 || sends > 0)
			log_warnx("stopping: %zu requests and %zu deliveries "
			    "still in flight (the deliveries go again at the "
			    "next start)", reqs, sends);
		event_base_loopexit(tc->base, NULL);
		return;
	}
	event_base_once(tc->base, -1, EV_TIMEOUT, main_drain_cb, tc, &tv);
}

static void
main_stop(struct tincay *tc)
{
	if (tc->stopping)
		return;
	tc->stopping = 1;
	tc->stop_ms = util_mono_ms();
	log_info("stopping: no new connections; finishing what is in flight");
	http_stop_accepting(tc->http);
	console_stop_accepting(tc->console);
	main_drain_cb(-1, 0, tc);
}

/*
 * Times stored by an earlier run are in its scheduling seconds; if the
 * clock was set back since (a box that booted hours ahead), they would
 * hold escalations and retries back that long. None waits longer than the
 * configuration lets it.
 */
static void
main_clamp_times(struct tincay *tc)
{
	const struct config	*conf = tc->conf;
	struct store_clamp	 esc[CAT__MAX];
	size_t			 n = 0;
	int			 c, changed;

	for (c = 0; c < CAT__MAX; c++)
		if (conf->escalation[c].after_s > 0) {
			esc[n].category = config_category_name(
			    (enum category)c);
			esc[n].repeat_s = conf->escalation_repeat_s;
			esc[n++].after_s = conf->escalation[c].after_s;
		}
	changed = store_clamp_times(tc->store, util_sched_now(), esc, n,
	    conf->limits.retry_max_s, conf->review.every_s);
	if (changed > 0)
		log_warnx("clock: %d escalation, retry or review times were "
		    "further ahead than they can be (was the clock set back?); "
		    "due sooner now", changed);
}

static void
main_reload(struct tincay *tc)
{
	struct config	*conf;
	char		 err[256];
	size_t		 i;

	if ((conf = config_load(tc->conffile, err, sizeof(err))) == NULL) {
		log_warnx("reload: %s; keeping the running configuration",
		    err);
		return;
	}
	for (i = 0; i < conf->warnings.n; i++)
		log_warnx("config: %s", conf->warnings.v[i]);
	if (config_check_placeholders(conf, err, sizeof(err)) == -1) {
		log_warnx("reload: %s; keeping the running configuration",
		    err);
		config_free(conf);
		return;
	}
	if (strcmp(conf->database, tc->conf->database) != 0 ||
	    strcmp(conf->key_file, tc->conf->key_file) != 0 ||
	    strcmp(conf->listen_host, tc->conf->listen_host) != 0 ||
	    conf->listen_port != tc->conf->listen_port ||
	    strcmp(conf->console.listen_host,
	    tc->conf->console.listen_host) != 0 ||
	    conf->console.listen_port != tc->conf->console.listen_port)
		log_warnx("reload: listen, console.listen, database and "
		    "key_file changes take effect at the next start (and a "
		    "database sealed under another key will not open then)");
	/* Nothing borrowed from the old config outlives this call. */
	(void)batch_flush(tc->batch);
	router_free(tc->router);
	config_free(tc->conf);
	tc->conf = conf;
	tc->router = router_new(conf);
	if (store_set_timezone(tc->store, conf->timezone, 1) == -1)
		log_warnx("reload: stats read every report until the counts "
		    "by day can be made again");
	http_configure(tc->http);
	if (tc->console != NULL)
		console_configure(tc->console);
	housekeep_purge_soon(tc->housekeep);
	log_info("reload: configuration reloaded");
}

static void
main_signal_cb(evutil_socket_t sig, short ev, void *arg)
{
	struct tincay	*tc = arg;

	if (sig == SIGHUP) {
		(void)notify_reloading();
		main_reload(tc);
		(void)notify_ready();
	} else {
		(void)notify_stopping();
		main_stop(tc);
	}
}

/*
 * tz.c sets TZ around its calls while the delivery thread (fetch.c) reads
 * the environment (curl's proxy variables, OpenSSL's). Set before that
 * thread starts, TZ is only ever replaced in place: the C library never
 * moves the environment under a reader. Unset means /etc/localtime.
 */
static void
main_tz_env(void)
{
	if (getenv("TZ") == NULL && setenv("TZ", ":/etc/localtime", 1) == -1)
		fatal("setenv");
}

int
main(int argc, char *argv[])
{
	struct tincay	 tc;
	struct event	*sigs[3], *watchdog;
	static const int signos[3] = { SIGTERM, SIGINT, SIGHUP };
	char		 err[256], *dbname;
	int		 ch, test = 0, verbose = 0, i, db_made, key_made;
	size_t		 w;

	static const struct option opts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};

	memset(&tc, 0, sizeof(tc));
	while ((ch = getopt_long(argc, argv, "c:htvV", opts, NULL)) != -1) {
		switch (ch) {
		case 'h':
			main_usage(1);
		case 'c':
			tc.conffile = optarg;
			break;
		case 't':
			test = 1;
			break;
		case 'v':
			verbose = 1;
			break;
		case 'V':
			printf("tincayd %s\n", TINCAY_VERSION);
			return 0;
		default:
			main_usage(0);
		}
	}
	if (tc.conffile == NULL || optind != argc)
		main_usage(0);
	log_init(verbose);
	/* A JSON body that ran out of memory is answered 503, not 400. */
	util_cjson_hooks(NULL);
	/* Before libevent allocates anything. */
	http_alloc_init();
	/* Every line, from the first, carries its journald priority (when
	 * stderr is the journal). */
	if ((tc.conf = config_load(tc.conffile, err, sizeof(err))) == NULL)
		fatalx("tincayd: %s", err);	/* names the file */
	for (w = 0; w < tc.conf->warnings.n; w++)
		log_warnx("tincayd: warning: %s", tc.conf->warnings.v[w]);
	/* Anyone who read the example knows a placeholder secret. */
	if (config_check_placeholders(tc.conf, err, sizeof(err)) == -1)
		fatalx("tincayd: %s: refusing to start: %s", tc.conffile, err);
	if (test) {
		(void)nofile_fit(tc.conf->limits.max_connections,
		    *tc.conf->console.listen_host != '\0' ?
		    CONSOLE_MAX_CONNS : 0, err, sizeof(err));
		if (err[0] != '\0')
			log_warnx("tincayd: warning: %s", err);
		main_check_key(tc.conf);
		main_check(tc.conf);
		log_info("tincayd: %s: configuration ok", tc.conffile);
		config_free(tc.conf);
		return 0;
	}

	signal(SIGPIPE, SIG_IGN);
	main_tz_env();
	event_set_log_callback(main_libevent_log);
	if ((tc.base = main_base()) == NULL)
		fatalx("event_base_new");
	/* One daemon per SQLite file (flock); on a server's database
	 * several, one of which delivers (store_leader()). */
	db_made = main_db_made(tc.conf);
	key_made = db_made && access(tc.conf->key_file, F_OK) == -1;
	if ((tc.store = store_open_keyed(tc.conf->database,
	    tc.conf->key_file, 1, err, sizeof(err))) == NULL)
		fatalx("%s", err);
	if (db_made)
		log_notice("tincayd: created database %s%s%s",
		    tc.conf->database, key_made ? " and its key " : "",
		    key_made ? tc.conf->key_file : "");
	if (store_set_timezone(tc.store, tc.conf->timezone, 1) == -1)
		fatalx("database: cannot count reports by day");
	/* Times are re-based by the daemon that starts alone (the leader);
	 * one that joins running daemons finds them live. */
	if (store_leader(tc.store) != 0)
		main_clamp_times(&tc);
	tc.batch = batch_new(tc.base, tc.store);
	tc.router = router_new(tc.conf);
	/*
	 * The loop must not stall behind another writer (tincayctl): a lock
	 * held longer than this turns into 503 + Retry-After, which the
	 * provider retries.
	 */
	store_busy_timeout(tc.store, MAIN_BUSY_MS);
	if ((tc.http = http_new(&tc, err, sizeof(err))) == NULL) {
		if (db_made)
			main_db_unmake(tc.conf, key_made);
		fatalx("%s", err);
	}
	if (*tc.conf->console.listen_host != '\0') {
		if ((tc.console = console_new(&tc, err, sizeof(err))) == NULL) {
			http_free(tc.http);
			if (db_made)
				main_db_unmake(tc.conf, key_made);
			fatalx("%s", err);
		}
		log_info("tincayd: console on %s:%d%s",
		    tc.conf->console.listen_host, tc.conf->console.listen_port,
		    tc.conf->console.https ? " (behind TLS)" : "");
	}
	for (i = 0; i < 3; i++) {
		sigs[i] = evsignal_new(tc.base, signos[i], main_signal_cb, &tc);
		evsignal_add(sigs[i], NULL);
	}
	tc.outbox = outbox_new(&tc);
	tc.housekeep = housekeep_new(&tc);
#ifdef TINCAY_SEAL_CLEAR
	log_warnx("built for make bench with TINCAY_SEAL_CLEAR: nothing is "
	    "encrypted at rest; never run this build for people");
#endif
	dbname = store_name_safe(tc.conf->database);
	log_info("tincayd %s: listening on %s:%d, database %s, sms via %s",
	    TINCAY_VERSION, tc.conf->listen_host, tc.conf->listen_port,
	    dbname, tc.conf->sms_out.via);
	free(dbname);

	watchdog = notify_watchdog_start(tc.base);
	(void)notify_ready();
	log_buffer();
	log_limit(1);
	event_base_dispatch(tc.base);
	log_flush();
	notify_watchdog_stop(watchdog);

	housekeep_free(tc.housekeep);
	outbox_free(tc.outbox);
	/* The webhooks' server sends the replies waiting for COMMIT, the
	 * console's too: it goes first. */
	http_free(tc.http);
	console_free(tc.console);
	for (i = 0; i < 3; i++)
		event_free(sigs[i]);
	batch_free(tc.batch);
	store_close(tc.store);
	router_free(tc.router);
	config_free(tc.conf);
	event_base_free(tc.base);
	log_info("stopped");
	return 0;
}
