/*
 * ctl.c: tincayctl, the administrator's tool (SPEC §7). Opens the same
 * database as the daemon through store.c (no second copy of the SQL) and
 * is safe to run while the daemon runs: WAL readers, short write
 * transactions, SQLite's busy timeout.
 */
#include <ctype.h>
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>
#include <sqlite3.h>

#include "../daemon/tincay.h"
#include "../handlers/handlers.h"

#define CTL_BROADCAST_BATCH	200	/* outbox rows per transaction */
#define CTL_PURGE_BATCH		500	/* reports per transaction */
#define CTL_PURGE_MAX_DAYS	36500

struct ctl {
	struct config	*conf;
	struct store	*st;
	int		 json;
	const char	*status;
};

typedef int	 (*ctl_fn)(struct ctl *, int, char **);

static int	ctl_contacts_import(struct ctl *, int, char **);
static int	ctl_contacts_add(struct ctl *, int, char **);
static int	ctl_contacts_list(struct ctl *, int, char **);
static int	ctl_contacts_remove(struct ctl *, int, char **);
static int	ctl_reports_list(struct ctl *, int, char **);
static int	ctl_reports_show(struct ctl *, int, char **);
static int	ctl_messages_list(struct ctl *, int, char **);
static int	ctl_outbox_list(struct ctl *, int, char **);
static int	ctl_broadcast(struct ctl *, int, char **);
static int	ctl_stats(struct ctl *, int, char **);
static int	ctl_purge(struct ctl *, int, char **);

static const struct {
	const char	*noun, *verb;	/* verb NULL: the noun alone */
	ctl_fn		 fn;
	const char	*usage;
} ctl_commands[] = {
	{ "contacts", "import", ctl_contacts_import, "contacts import FILE.csv" },
	{ "contacts", "add", ctl_contacts_add, "contacts add --name N "
	    "--phone P --role R [--areas A] [--channel sms|webhook] [--url U] "
	    "[--pin PIN]" },
	{ "contacts", "list", ctl_contacts_list, "contacts list [--json]" },
	{ "contacts", "remove", ctl_contacts_remove, "contacts remove PHONE" },
	{ "reports", "list", ctl_reports_list, "reports list [--status "
	    "open|acknowledged|closed|cancelled] [--json]" },
	{ "reports", "show", ctl_reports_show, "reports show REF [--json]" },
	{ "messages", "list", ctl_messages_list, "messages list [--json]" },
	{ "outbox", "list", ctl_outbox_list, "outbox list [--status "
	    "pending|sent|failed] [--json]" },
	{ "broadcast", NULL, ctl_broadcast, "broadcast CAMPAIGN \"TEXT\"" },
	{ "stats", NULL, ctl_stats, "stats [--from YYYY-MM-DD] "
	    "[--to YYYY-MM-DD] [--format text|csv|json]" },
	{ "purge", NULL, ctl_purge, "purge --older-than DAYS" },
};
#define CTL_NCOMMANDS	(sizeof(ctl_commands) / sizeof(ctl_commands[0]))

static void
ctl_usage(void)
{
	size_t	 i;

	fprintf(stderr, "usage: tincayctl -c config.json COMMAND\n");
	for (i = 0; i < CTL_NCOMMANDS; i++)
		fprintf(stderr, "       tincayctl -c config.json %s\n",
		    ctl_commands[i].usage);
	exit(1);
}

/* Options shared by the listing commands: --json, --status S. */
static int
ctl_list_opts(struct ctl *c, int argc, char **argv, const char *const *ok)
{
	static const struct option opts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "status", required_argument, NULL, 's' },
		{ NULL, 0, NULL, 0 },
	};
	int	 ch, i;

	optind = 0;	/* GNU getopt: a full reset, argv changed */
	while ((ch = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (ch) {
		case 'j':
			c->json = 1;
			break;
		case 's':
			if (ok == NULL)
				goto bad;
			for (i = 0; ok[i] != NULL; i++)
				if (strcmp(ok[i], optarg) == 0)
					break;
			if (ok[i] == NULL) {
				fprintf(stderr, "tincayctl: --status: '%s' "
				    "is not a status\n", optarg);
				return -1;
			}
			c->status = optarg;
			break;
		default:
			goto bad;
		}
	}
	return optind;
bad:
	fprintf(stderr, "tincayctl: unknown option\n");
	return -1;
}

static cJSON *
ctl_row_json(sqlite3_stmt *s)
{
	cJSON	*o;
	int	 i;

	if ((o = cJSON_CreateObject()) == NULL)
		fatalx("out of memory");
	for (i = 0; i < sqlite3_column_count(s); i++) {
		const char *name = sqlite3_column_name(s, i);

		switch (sqlite3_column_type(s, i)) {
		case SQLITE_INTEGER:
		case SQLITE_FLOAT:
			cJSON_AddNumberToObject(o, name,
			    sqlite3_column_double(s, i));
			break;
		case SQLITE_NULL:
			cJSON_AddNullToObject(o, name);
			break;
		default:
			cJSON_AddStringToObject(o, name, store_col_text(s, i));
		}
	}
	return o;
}

static void
ctl_row_text(sqlite3_stmt *s, int header)
{
	int	 i, n = sqlite3_column_count(s);

	for (i = 0; i < n; i++) {
		const char *v = header ? sqlite3_column_name(s, i) :
		    store_col_text(s, i);
		printf("%s%s", v ? v : "-", i + 1 < n ? "\t" : "\n");
	}
}

/* Print every row of a bound statement, as JSON or as a table. */
static int
ctl_print_rows(struct ctl *c, sqlite3_stmt *s, int single)
{
	cJSON	*arr = NULL, *row = NULL;
	char	*out;
	int	 rc, n = 0;

	if (c->json && !single && (arr = cJSON_CreateArray()) == NULL)
		fatalx("out of memory");
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		if (c->json) {
			row = ctl_row_json(s);
			if (arr)
				cJSON_AddItemToArray(arr, row);
		} else {
			if (n == 0)
				ctl_row_text(s, 1);
			ctl_row_text(s, 0);
		}
		n++;
		if (single)
			break;
	}
	store_done(s);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
		fprintf(stderr, "tincayctl: database: %s\n",
		    store_errmsg(c->st));
		cJSON_Delete(arr);
		return -1;
	}
	if (c->json) {
		if (single && row == NULL)
			return 0;
		out = cJSON_PrintUnformatted(arr ? arr : row);
		printf("%s\n", out);
		free(out);
		cJSON_Delete(arr ? arr : row);
	}
	return n;
}

static int
ctl_list(struct ctl *c, int argc, char **argv, enum stmt which,
    const char *const *statuses)
{
	sqlite3_stmt	*s;

	if (ctl_list_opts(c, argc, argv, statuses) != argc)
		return -1;
	s = store_stmt(c->st, which);
	if (statuses != NULL)
		store_bind_text(s, 1, c->status);
	return ctl_print_rows(c, s, 0) < 0 ? -1 : 0;
}

static int
ctl_reports_list(struct ctl *c, int argc, char **argv)
{
	static const char *const st[] = { "open", "acknowledged", "closed",
	    "cancelled", NULL };

	return ctl_list(c, argc, argv, ST_REPORTS_LIST, st);
}

static int
ctl_outbox_list(struct ctl *c, int argc, char **argv)
{
	static const char *const st[] = { "pending", "sent", "failed", NULL };

	return ctl_list(c, argc, argv, ST_OUTBOX_LIST, st);
}

static int
ctl_messages_list(struct ctl *c, int argc, char **argv)
{
	return ctl_list(c, argc, argv, ST_MESSAGES_LIST, NULL);
}

static int
ctl_contacts_list(struct ctl *c, int argc, char **argv)
{
	return ctl_list(c, argc, argv, ST_CONTACTS_LIST, NULL);
}

static int
ctl_reports_show(struct ctl *c, int argc, char **argv)
{
	sqlite3_stmt	*s;
	char		 ref[REF_MAX];
	size_t		 i;
	int		 n, first;

	if ((first = ctl_list_opts(c, argc, argv, NULL)) == -1 ||
	    first + 1 != argc) {
		fprintf(stderr, "usage: tincayctl reports show REF [--json]\n");
		return -1;
	}
	util_strlcpy(ref, argv[first], sizeof(ref));
	for (i = 0; ref[i] != '\0'; i++)
		ref[i] = (char)toupper((unsigned char)ref[i]);
	s = store_stmt(c->st, ST_REPORT_SHOW);
	store_bind_text(s, 1, ref);
	if ((n = ctl_print_rows(c, s, 1)) == 0) {
		fprintf(stderr, "tincayctl: no report %s\n", argv[first]);
		return -1;
	}
	return n < 0 ? -1 : 0;
}

/* A contact being added: validated against the config, then stored. */
struct ctl_contact {
	const char	*name, *phone, *role, *areas, *channel, *url, *pin;
};

static const char *
ctl_contact_check(const struct config *conf, const struct ctl_contact *k,
    char e164[PHONE_MAX], char *areas, size_t areaslen)
{
	char	*copy, *tok, *save = NULL;
	size_t	 a, o = 0;

	if (k->name == NULL || k->name[0] == '\0')
		return "name: missing";
	if (k->phone == NULL || phone_e164(k->phone, strlen(k->phone),
	    conf->country_code, e164) == -1)
		return "phone: not a phone number";
	if (k->role == NULL || k->role[0] == '\0' ||
	    strpbrk(k->role, " \t,;") != NULL)
		return "role: must be one word (police, health, volunteer, "
		    "union, leader, official, ...)";
	if (strcmp(k->channel, "sms") != 0 && strcmp(k->channel,
	    "webhook") != 0)
		return "channel: must be sms or webhook";
	if (strcmp(k->channel, "webhook") == 0) {
		if (k->url == NULL || (strncmp(k->url, "https://", 8) != 0 &&
		    !(conf->allow_http && strncmp(k->url, "http://", 7) == 0)))
			return conf->allow_http ? "url: webhook contacts need "
			    "an http:// or https:// URL" : "url: webhook "
			    "contacts need an https:// URL";
	}
	if (k->pin != NULL && k->pin[0] != '\0' &&
	    (strspn(k->pin, "0123456789") != strlen(k->pin) ||
	    strlen(k->pin) < 4 || strlen(k->pin) > 8))
		return "pin: must be 4 to 8 digits";
	if (k->areas == NULL || k->areas[0] == '\0' ||
	    strcmp(k->areas, "*") == 0) {
		util_strlcpy(areas, "*", areaslen);
		return NULL;
	}
	/* "T1;T3": each a configured area code, kept in config spelling. */
	areas[0] = '\0';
	copy = xstrdup(k->areas);
	for (tok = strtok_r(copy, ";", &save); tok != NULL;
	    tok = strtok_r(NULL, ";", &save)) {
		while (*tok == ' ')
			tok++;
		for (a = 0; a < conf->nareas; a++)
			if (strcasecmp(conf->areas[a].code, tok) == 0)
				break;
		if (a == conf->nareas) {
			free(copy);
			return "areas: not a configured area code (use * or "
			    "codes like T1;T3)";
		}
		o += (size_t)snprintf(areas + o, areaslen - o, "%s%s",
		    o ? ";" : "", conf->areas[a].code);
		if (o >= areaslen) {
			free(copy);
			return "areas: too many";
		}
	}
	free(copy);
	return NULL;
}

static int
ctl_contact_store(struct ctl *c, const struct ctl_contact *k,
    const char *e164, const char *areas)
{
	sqlite3_stmt	*s = store_stmt(c->st, ST_CONTACT_ADD);

	store_bind_text(s, 1, k->name);
	store_bind_text(s, 2, e164);
	store_bind_text(s, 3, k->role);
	store_bind_text(s, 4, areas);
	store_bind_text(s, 5, k->channel);
	store_bind_text(s, 6, k->url && k->url[0] ? k->url : NULL);
	store_bind_text(s, 7, k->pin && k->pin[0] ? k->pin : NULL);
	sqlite3_bind_int64(s, 8, util_now());
	return store_run(c->st, ST_CONTACT_ADD);
}

static int
ctl_contacts_add(struct ctl *c, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "name", required_argument, NULL, 'n' },
		{ "phone", required_argument, NULL, 'p' },
		{ "role", required_argument, NULL, 'r' },
		{ "areas", required_argument, NULL, 'a' },
		{ "channel", required_argument, NULL, 'c' },
		{ "url", required_argument, NULL, 'u' },
		{ "pin", required_argument, NULL, 'P' },
		{ NULL, 0, NULL, 0 },
	};
	struct ctl_contact	 k = { .channel = "sms" };
	char			 e164[PHONE_MAX], areas[512];
	const char		*why;
	int			 ch;

	optind = 0;
	while ((ch = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (ch) {
		case 'n': k.name = optarg; break;
		case 'p': k.phone = optarg; break;
		case 'r': k.role = optarg; break;
		case 'a': k.areas = optarg; break;
		case 'c': k.channel = optarg; break;
		case 'u': k.url = optarg; break;
		case 'P': k.pin = optarg; break;
		default:
			return -1;
		}
	}
	if (optind != argc) {
		fprintf(stderr, "tincayctl: contacts add: unexpected '%s'\n",
		    argv[optind]);
		return -1;
	}
	if ((why = ctl_contact_check(c->conf, &k, e164, areas,
	    sizeof(areas))) != NULL) {
		fprintf(stderr, "tincayctl: contacts add: --%s\n", why);
		return -1;
	}
	if (ctl_contact_store(c, &k, e164, areas) == -1)
		return -1;
	printf("contact %s (%s) saved\n", k.name, k.role);
	return 0;
}

static int
ctl_contacts_remove(struct ctl *c, int argc, char **argv)
{
	sqlite3_stmt	*s;
	char		 e164[PHONE_MAX];

	if (argc != 2 || phone_e164(argv[1], strlen(argv[1]),
	    c->conf->country_code, e164) == -1) {
		fprintf(stderr, "usage: tincayctl contacts remove PHONE\n");
		return -1;
	}
	s = store_stmt(c->st, ST_CONTACT_REMOVE);
	store_bind_text(s, 1, e164);
	if (store_run(c->st, ST_CONTACT_REMOVE) == -1)
		return -1;
	if (sqlite3_changes(sqlite3_db_handle(s)) == 0) {
		fprintf(stderr, "tincayctl: no contact with that number\n");
		return -1;
	}
	printf("contact removed\n");
	return 0;
}

/*
 * Split one CSV line in place into at most nf fields. Handles quoted
 * fields with "" escapes. Returns the field count, -1 if malformed.
 */
static int
ctl_csv_split(char *line, char **f, int nf)
{
	char	*r = line, *w = line;
	int	 n = 0;

	for (;;) {
		if (n == nf)
			return -1;
		f[n++] = w;
		if (*r == '"') {
			for (r++;; r++) {
				if (*r == '\0')
					return -1;
				if (*r == '"' && r[1] == '"')
					*w++ = *r++;
				else if (*r == '"') {
					r++;
					break;
				} else
					*w++ = *r;
			}
			if (*r != ',' && *r != '\0')
				return -1;
		} else
			while (*r != ',' && *r != '\0')
				*w++ = *r++;
		if (*r == '\0') {
			*w = '\0';
			return n;
		}
		*w++ = '\0';
		r++;
	}
}

static int
ctl_contacts_import(struct ctl *c, int argc, char **argv)
{
	FILE			*fp;
	char			*line = NULL, *f[8], e164[PHONE_MAX];
	char			 areas[512];
	size_t			 cap = 0, lineno = 0;
	ssize_t			 len;
	int			 bad = 0, pass, n, count = 0;
	const char		*why;
	struct ctl_contact	 k;

	if (argc != 2) {
		fprintf(stderr, "usage: tincayctl contacts import FILE.csv\n");
		return -1;
	}
	if ((fp = fopen(argv[1], "r")) == NULL) {
		fprintf(stderr, "tincayctl: %s: %s\n", argv[1],
		    strerror(errno));
		return -1;
	}
	/* Pass 0 checks every line; pass 1 stores, only if all are good. */
	for (pass = 0; pass < 2 && !bad; pass++) {
		rewind(fp);
		lineno = 0;
		if (pass == 1 && store_begin(c->st) == -1)
			break;
		while ((len = getline(&line, &cap, fp)) != -1) {
			lineno++;
			while (len > 0 && (line[len - 1] == '\n' ||
			    line[len - 1] == '\r'))
				line[--len] = '\0';
			if (len == 0 || line[0] == '#')
				continue;
			if (lineno == 1 && strncmp(line, "name,", 5) == 0)
				continue;
			memset(&k, 0, sizeof(k));
			n = ctl_csv_split(line, f, 7);
			if (n < 3) {
				fprintf(stderr, "tincayctl: %s:%zu: expected "
				    "name,phone,role,areas,channel,url,pin\n",
				    argv[1], lineno);
				bad = 1;
				continue;
			}
			k.name = f[0];
			k.phone = f[1];
			k.role = f[2];
			k.areas = n > 3 ? f[3] : NULL;
			k.channel = n > 4 && f[4][0] ? f[4] : "sms";
			k.url = n > 5 ? f[5] : NULL;
			k.pin = n > 6 ? f[6] : NULL;
			if ((why = ctl_contact_check(c->conf, &k, e164, areas,
			    sizeof(areas))) != NULL) {
				fprintf(stderr, "tincayctl: %s:%zu: %s\n",
				    argv[1], lineno, why);
				bad = 1;
				continue;
			}
			if (pass == 1) {
				if (ctl_contact_store(c, &k, e164, areas) ==
				    -1) {
					bad = 1;
					break;
				}
				count++;
			}
		}
	}
	free(line);
	fclose(fp);
	if (bad) {
		store_rollback(c->st);
		fprintf(stderr, "tincayctl: nothing imported\n");
		return -1;
	}
	if (store_commit(c->st) == -1)
		return -1;
	printf("%d contacts imported\n", count);
	return 0;
}

static void
ctl_broadcast_progress(size_t done, size_t total, void *arg)
{
	printf("queued %zu/%zu\n", done, total);
	fflush(stdout);
}

/*
 * broadcast CAMPAIGN "TEXT": one outbox SMS per live subscriber, queued in
 * transactions of CTL_BROADCAST_BATCH rows; the daemon's outbox sends them
 * at sms_out.rate_per_second, after any alert that is due.
 */
static int
ctl_broadcast(struct ctl *c, int argc, char **argv)
{
	char	 err[256];
	int64_t	 n;

	if (argc != 3) {
		fprintf(stderr, "usage: tincayctl broadcast CAMPAIGN "
		    "\"TEXT\"\n");
		return -1;
	}
	n = signup_broadcast(c->st, c->conf, argv[1], argv[2],
	    CTL_BROADCAST_BATCH, ctl_broadcast_progress, NULL, err,
	    sizeof(err));
	if (n == -1) {
		fprintf(stderr, "tincayctl: broadcast: %s\n", err);
		return -1;
	}
	printf("broadcast %s: %lld message%s queued\n", argv[1],
	    (long long)n, n == 1 ? "" : "s");
	return 0;
}

static int
ctl_month_days(int y, int m)
{
	static const int mdays[] = {
		31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31
	};
	int	 leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;

	return mdays[m - 1] + (m == 2 && leap);
}

/* A date YYYY-MM-DD that exists. 0, or -1. */
static int
ctl_date(const char *s, int *y, int *m, int *d)
{
	int	 i;

	for (i = 0; i < 10; i++)
		if (i == 4 || i == 7 ? s[i] != '-' :
		    !isdigit((unsigned char)s[i]))
			return -1;
	if (s[10] != '\0')
		return -1;
	*y = atoi(s);
	*m = atoi(s + 5);
	*d = atoi(s + 8);
	if (*y < 1970 || *m < 1 || *m > 12)
		return -1;
	return *d >= 1 && *d <= ctl_month_days(*y, *m) ? 0 : -1;
}

/* The reports of a period, grouped, copied out of the statement. */
struct ctl_stats {
	struct ctl_stats_row {
		char	*area;		/* NULL: unknown */
		char	*category;
		char	*status;	/* NULL for signups */
		int64_t	 n;
	}		*v;
	size_t		 n, cap;
};

static int
ctl_stats_add(const struct stats_row *r, void *arg)
{
	struct ctl_stats	*t = arg;
	struct ctl_stats_row	*w;

	if (t->n == t->cap) {
		t->cap = t->cap ? 2 * t->cap : 32;
		t->v = xrealloc(t->v, t->cap * sizeof(*t->v));
	}
	w = &t->v[t->n++];
	w->area = r->area ? xstrdup(r->area) : NULL;
	w->category = xstrdup(r->category);
	w->status = r->status ? xstrdup(r->status) : NULL;
	w->n = r->n;
	return 0;
}

static void
ctl_stats_clear(struct ctl_stats *t)
{
	size_t	 i;

	for (i = 0; i < t->n; i++) {
		free(t->v[i].area);
		free(t->v[i].category);
		free(t->v[i].status);
	}
	free(t->v);
	memset(t, 0, sizeof(*t));
}

/* CSV field: quoted when it holds a comma, quote or newline. */
static void
ctl_csv_field(const char *s)
{
	if (s == NULL)
		return;
	if (strpbrk(s, ",\"\r\n") == NULL) {
		fputs(s, stdout);
		return;
	}
	putchar('"');
	for (; *s != '\0'; s++) {
		if (*s == '"')
			putchar('"');
		putchar(*s);
	}
	putchar('"');
}

/* area,category,status,count; signups are category "signup", no status. */
static void
ctl_stats_csv(const struct ctl_stats *t)
{
	size_t	 i;

	printf("area,category,status,count\n");
	for (i = 0; i < t->n; i++) {
		ctl_csv_field(t->v[i].area);
		putchar(',');
		ctl_csv_field(t->v[i].category);
		putchar(',');
		ctl_csv_field(t->v[i].status);
		printf(",%lld\n", (long long)t->v[i].n);
	}
}

static void
ctl_json_add(cJSON *o, const char *key, int64_t n)
{
	cJSON	*item = cJSON_GetObjectItemCaseSensitive(o, key);

	if (item == NULL)
		cJSON_AddNumberToObject(o, key, (double)n);
	else
		cJSON_SetNumberValue(item, item->valuedouble + (double)n);
}

static void
ctl_stats_json(const struct ctl_stats *t, const char *from, const char *to,
    const char *tz)
{
	cJSON	*o, *cat, *st, *area, *rows, *sub, *r;
	char	*out;
	int64_t	 total = 0, signups = 0;
	size_t	 i;
	int	 k;

	if ((o = cJSON_CreateObject()) == NULL)
		fatalx("out of memory");
	cJSON_AddStringToObject(o, "from", from);
	cJSON_AddStringToObject(o, "to", to);
	cJSON_AddStringToObject(o, "timezone", tz);
	cat = cJSON_AddObjectToObject(o, "by_category");
	st = cJSON_AddObjectToObject(o, "by_status");
	area = cJSON_AddObjectToObject(o, "by_area");
	rows = cJSON_AddArrayToObject(o, "rows");
	sub = cJSON_CreateObject();
	if (cat == NULL || st == NULL || area == NULL || rows == NULL ||
	    sub == NULL)
		fatalx("out of memory");
	ctl_json_add(cat, "gbv", 0);
	ctl_json_add(cat, "shelter", 0);
	for (k = 0; k < STATS__MAX; k++)
		ctl_json_add(st, stats_status_name((enum stats_status)k), 0);
	for (i = 0; i < t->n; i++) {
		const struct ctl_stats_row *w = &t->v[i];
		const char *a = w->area ? w->area : "unknown";

		if (w->status == NULL) {
			signups += w->n;
			ctl_json_add(sub, a, w->n);
			continue;
		}
		total += w->n;
		ctl_json_add(cat, w->category, w->n);
		ctl_json_add(st, w->status, w->n);
		ctl_json_add(area, a, w->n);
		if ((r = cJSON_CreateObject()) == NULL)
			fatalx("out of memory");
		if (w->area)
			cJSON_AddStringToObject(r, "area", w->area);
		else
			cJSON_AddNullToObject(r, "area");
		cJSON_AddStringToObject(r, "category", w->category);
		cJSON_AddStringToObject(r, "status", w->status);
		cJSON_AddNumberToObject(r, "count", (double)w->n);
		cJSON_AddItemToArray(rows, r);
	}
	cJSON_AddNumberToObject(o, "reports", (double)total);
	cJSON_AddNumberToObject(o, "signups", (double)signups);
	cJSON_AddItemToObject(o, "signups_by_area", sub);
	if ((out = cJSON_PrintUnformatted(o)) == NULL)
		fatalx("out of memory");
	printf("%s\n", out);
	free(out);
	cJSON_Delete(o);
}

/* One line of the text table: counts by status, then the total. */
static void
ctl_stats_line(const char *area, const char *category, const int64_t *n)
{
	int64_t	 total = 0;
	int	 k;

	printf("%-10s %-9s", area, category);
	for (k = 0; k < STATS__MAX; k++) {
		printf(" %*lld", k == STATS_ACKNOWLEDGED ? 12 : 9,
		    (long long)n[k]);
		total += n[k];
	}
	printf(" %9lld\n", (long long)total);
}

static void
ctl_stats_text(const struct ctl_stats *t, const char *from, const char *to,
    const char *tz)
{
	static const char *const cats[] = { "gbv", "shelter", "unknown" };
	int64_t	 sum[STATS__MAX], all[STATS__MAX], signups = 0;
	size_t	 i, j, c;
	int	 k;

	printf("reports created %s .. %s (%s)\n\n", from, to, tz);
	printf("%-10s %-9s", "area", "category");
	for (k = 0; k < STATS__MAX; k++)
		printf(" %*s", k == STATS_ACKNOWLEDGED ? 12 : 9,
		    stats_status_name((enum stats_status)k));
	printf(" %9s\n", "total");
	/* The statement orders rows by area, category: one line each. */
	for (i = 0; i < t->n; i = j) {
		memset(sum, 0, sizeof(sum));
		for (j = i; j < t->n && t->v[j].status != NULL &&
		    strcmp(t->v[j].category, t->v[i].category) == 0 &&
		    (t->v[j].area == NULL) == (t->v[i].area == NULL) &&
		    (t->v[i].area == NULL ||
		    strcmp(t->v[j].area, t->v[i].area) == 0); j++)
			if ((k = stats_status_lookup(t->v[j].status)) != -1)
				sum[k] += t->v[j].n;
		if (j == i) {		/* a signup row */
			signups += t->v[i].n;
			j = i + 1;
			continue;
		}
		ctl_stats_line(t->v[i].area ? t->v[i].area : "unknown",
		    t->v[i].category, sum);
	}
	memset(all, 0, sizeof(all));
	for (c = 0; c < sizeof(cats) / sizeof(cats[0]); c++) {
		memset(sum, 0, sizeof(sum));
		for (i = 0; i < t->n; i++)
			if (t->v[i].status != NULL &&
			    strcmp(t->v[i].category, cats[c]) == 0 &&
			    (k = stats_status_lookup(t->v[i].status)) != -1) {
				sum[k] += t->v[i].n;
				all[k] += t->v[i].n;
			}
		ctl_stats_line("all", cats[c], sum);
	}
	ctl_stats_line("all", "all", all);
	printf("\nsignups: %lld", (long long)signups);
	for (i = 0, c = 0; i < t->n; i++)
		if (t->v[i].status == NULL)
			printf("%s%s %lld", c++ ? ", " : " (",
			    t->v[i].area ? t->v[i].area : "unknown",
			    (long long)t->v[i].n);
	printf("%s\n", c ? ")" : "");
}

/*
 * stats [--from YYYY-MM-DD] [--to YYYY-MM-DD] [--format text|csv|json]:
 * reports created in the period, by area, category and status, and the
 * campaign signups made in it. Dates are the commune's (conf->timezone),
 * --to inclusive. Neither: this month. --from alone: until today. --to
 * alone: from the first of its month.
 */
static int
ctl_stats(struct ctl *c, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "from", required_argument, NULL, 'f' },
		{ "to", required_argument, NULL, 't' },
		{ "format", required_argument, NULL, 'F' },
		{ NULL, 0, NULL, 0 },
	};
	static const char *const formats[] = { "text", "csv", "json" };
	struct ctl_stats	 t;
	const char		*tz = c->conf->timezone, *fromarg = NULL;
	const char		*toarg = NULL, *format = "text";
	char			 from[32], to[32];
	int			 ch, fy, fm, fd, ty, tm, td, y, m, d;
	size_t			 i;
	int64_t			 t0, t1;

	optind = 0;
	while ((ch = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (ch) {
		case 'f': fromarg = optarg; break;
		case 't': toarg = optarg; break;
		case 'F':
			for (i = 0; i < 3; i++)
				if (strcmp(optarg, formats[i]) == 0)
					break;
			if (i == 3) {
				fprintf(stderr, "tincayctl: stats: --format "
				    "must be text, csv or json\n");
				return -1;
			}
			format = optarg;
			break;
		default:
			return -1;
		}
	}
	if (optind != argc) {
		fprintf(stderr, "tincayctl: stats: unexpected '%s'\n",
		    argv[optind]);
		return -1;
	}
	if (fromarg && ctl_date(fromarg, &fy, &fm, &fd) == -1) {
		fprintf(stderr, "tincayctl: stats: --from '%s' is not a date "
		    "YYYY-MM-DD\n", fromarg);
		return -1;
	}
	if (toarg && ctl_date(toarg, &ty, &tm, &td) == -1) {
		fprintf(stderr, "tincayctl: stats: --to '%s' is not a date "
		    "YYYY-MM-DD\n", toarg);
		return -1;
	}
	if (tz_date(tz, util_now(), &y, &m, &d) == -1) {
		fprintf(stderr, "tincayctl: stats: no local date in %s\n", tz);
		return -1;
	}
	if (!fromarg && !toarg) {
		fy = ty = y;
		fm = tm = m;
		fd = 1;
		td = ctl_month_days(ty, tm);
	} else if (!toarg) {
		ty = y;
		tm = m;
		td = d;
	} else if (!fromarg) {
		fy = ty;
		fm = tm;
		fd = 1;
	}
	snprintf(from, sizeof(from), "%04d-%02d-%02d", fy, fm, fd);
	snprintf(to, sizeof(to), "%04d-%02d-%02d", ty, tm, td);
	if (strcmp(from, to) > 0) {
		fprintf(stderr, "tincayctl: stats: --from %s is after --to "
		    "%s\n", from, to);
		return -1;
	}
	if ((t0 = tz_midnight(tz, fy, fm, fd)) == -1 ||
	    (t1 = tz_midnight(tz, ty, tm, td + 1)) == -1) {
		fprintf(stderr, "tincayctl: stats: dates out of range\n");
		return -1;
	}
	memset(&t, 0, sizeof(t));
	if (stats_rows(c->st, t0, t1, NULL, ctl_stats_add, &t) == -1 ||
	    stats_signups(c->st, t0, t1, NULL, ctl_stats_add, &t) == -1) {
		fprintf(stderr, "tincayctl: database: %s\n",
		    store_errmsg(c->st));
		ctl_stats_clear(&t);
		return -1;
	}
	if (strcmp(format, "json") == 0)
		ctl_stats_json(&t, from, to, tz);
	else if (strcmp(format, "csv") == 0)
		ctl_stats_csv(&t);
	else
		ctl_stats_text(&t, from, to, tz);
	ctl_stats_clear(&t);
	return 0;
}

/* One batch of purge: reports after *last; how many, or -1. */
static int
ctl_purge_batch(struct ctl *c, int64_t cutoff, int64_t *last,
    int64_t *messages, int64_t *outbox)
{
	sqlite3_stmt	*s;
	sqlite3		*db = sqlite3_db_handle(store_stmt(c->st, ST_BEGIN));
	int64_t		 ids[CTL_PURGE_BATCH];
	int		 n = 0, i, rc = SQLITE_DONE;

	if (store_begin(c->st) == -1)
		return -1;
	s = store_stmt(c->st, ST_PURGE_DUE);
	sqlite3_bind_int64(s, 1, cutoff);
	sqlite3_bind_int64(s, 2, *last);
	sqlite3_bind_int(s, 3, CTL_PURGE_BATCH);
	while (n < CTL_PURGE_BATCH && (rc = sqlite3_step(s)) == SQLITE_ROW)
		ids[n++] = sqlite3_column_int64(s, 0);
	store_done(s);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		goto fail;
	for (i = 0; i < n; i++) {
		s = store_stmt(c->st, ST_PURGE_MESSAGES);
		sqlite3_bind_int64(s, 1, ids[i]);
		if (store_run(c->st, ST_PURGE_MESSAGES) == -1)
			goto fail;
		*messages += sqlite3_changes(db);
		s = store_stmt(c->st, ST_PURGE_OUTBOX);
		sqlite3_bind_int64(s, 1, ids[i]);
		if (store_run(c->st, ST_PURGE_OUTBOX) == -1)
			goto fail;
		*outbox += sqlite3_changes(db);
		s = store_stmt(c->st, ST_PURGE_REPORT);
		sqlite3_bind_int64(s, 1, ids[i]);
		if (store_run(c->st, ST_PURGE_REPORT) == -1)
			goto fail;
	}
	if (store_commit(c->st) == -1)
		return -1;
	if (n > 0)
		*last = ids[n - 1];
	return n;
fail:
	store_rollback(c->st);
	return -1;
}

/*
 * purge --older-than DAYS: for closed and cancelled reports closed more
 * than DAYS days ago, forget texts and numbers; rows and counts stay.
 * messages.body and .sender become NULL, reports.reporter NULL, and the
 * outbox rows no longer pending get dest '' and body ''. Kept: the
 * replies (templates with the REF), reports.acked_by (the responder's
 * own number) and every count, category, area, status and time. With
 * secure_delete on, SQLite zeroes the freed bytes; a passive checkpoint
 * then moves the pages into the database file.
 */
static int
ctl_purge(struct ctl *c, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "older-than", required_argument, NULL, 'o' },
		{ NULL, 0, NULL, 0 },
	};
	const char	*arg = NULL;
	char		*end;
	long long	 days;
	int64_t		 cutoff, last = 0, reports = 0, messages = 0;
	int64_t		 outbox = 0;
	int		 ch, n;

	optind = 0;
	while ((ch = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (ch != 'o')
			return -1;
		arg = optarg;
	}
	if (optind != argc || arg == NULL) {
		fprintf(stderr, "usage: tincayctl purge --older-than DAYS\n");
		return -1;
	}
	errno = 0;
	days = strtoll(arg, &end, 10);
	if (!isdigit((unsigned char)arg[0]) || *end != '\0' || errno != 0 ||
	    days < 1 || days > CTL_PURGE_MAX_DAYS) {
		fprintf(stderr, "tincayctl: purge: --older-than must be a "
		    "whole number of days from 1 to %d\n", CTL_PURGE_MAX_DAYS);
		return -1;
	}
	cutoff = util_now() - (int64_t)days * 86400;
	if (store_run(c->st, ST_SECURE_DELETE) == -1)
		return -1;
	while ((n = ctl_purge_batch(c, cutoff, &last, &messages,
	    &outbox)) > 0) {
		reports += n;
		if (n == CTL_PURGE_BATCH)
			fprintf(stderr, "purge: %lld reports so far\n",
			    (long long)reports);
	}
	if (n == -1) {
		fprintf(stderr, "tincayctl: purge: database: %s (%lld reports "
		    "purged before it)\n", store_errmsg(c->st),
		    (long long)reports);
		return -1;
	}
	(void)store_run(c->st, ST_CHECKPOINT);
	printf("purged %lld reports, %lld messages, %lld outbox rows "
	    "(closed or cancelled over %lld days ago)\n", (long long)reports,
	    (long long)messages, (long long)outbox, days);
	return 0;
}

int
main(int argc, char *argv[])
{
	struct ctl	 c;
	const char	*conffile = NULL;
	char		 err[256];
	size_t		 i;
	int		 ch, rc, verb;

	memset(&c, 0, sizeof(c));
	log_init(0);
	while ((ch = getopt(argc, argv, "+c:")) != -1) {
		switch (ch) {
		case 'c':
			conffile = optarg;
			break;
		default:
			ctl_usage();
		}
	}
	argc -= optind;
	argv += optind;
	if (conffile == NULL || argc < 1)
		ctl_usage();
	for (i = 0; i < CTL_NCOMMANDS; i++)
		if (strcmp(ctl_commands[i].noun, argv[0]) == 0 &&
		    (ctl_commands[i].verb == NULL || (argc > 1 &&
		    strcmp(ctl_commands[i].verb, argv[1]) == 0)))
			break;
	if (i == CTL_NCOMMANDS)
		ctl_usage();
	if ((c.conf = config_load(conffile, err, sizeof(err))) == NULL) {
		fprintf(stderr, "tincayctl: %s: %s\n", conffile, err);
		return 1;
	}
	if ((c.st = store_open(c.conf->database, err, sizeof(err))) == NULL) {
		fprintf(stderr, "tincayctl: %s\n", err);
		config_free(c.conf);
		return 1;
	}
	/* The command gets its own words from its last name on. */
	verb = ctl_commands[i].verb != NULL;
	rc = ctl_commands[i].fn(&c, argc - verb, argv + verb);
	store_close(c.st);
	config_free(c.conf);
	return rc == 0 ? 0 : 1;
}
