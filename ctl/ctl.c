/*
 * ctl.c: tincayctl, the administrator's tool (SPEC §7): the command table,
 * main(), and the listings. Opens the same database as the daemon through
 * store.c (no second copy of the SQL) and is safe to run while the daemon
 * runs: WAL readers, short write transactions, SQLite's busy timeout.
 */
#include <ctype.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>
#include <sqlite3.h>

#include "ctl.h"


static int	ctl_contacts_list(struct ctl *, int, char **);
static int	ctl_reports_list(struct ctl *, int, char **);
static int	ctl_reports_show(struct ctl *, int, char **);
static int	ctl_messages_list(struct ctl *, int, char **);
static int	ctl_outbox_list(struct ctl *, int, char **);

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
	int64_t		 id;
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
	if ((id = store_report_find(c->st, ref)) == -1)
		return -1;
	s = store_stmt(c->st, ST_REPORT_SHOW);
	sqlite3_bind_int64(s, 1, id);
	if ((n = ctl_print_rows(c, s, 1)) == 0) {
		fprintf(stderr, "tincayctl: no report %s\n", argv[first]);
		return -1;
	}
	return n < 0 ? -1 : 0;
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
	/* The daemon counts again when the offset changed; until then
	 * (or if it never ran) stats read the reports themselves. */
	if (store_set_timezone(c.st, c.conf->timezone, 0) == -1)
		fprintf(stderr, "tincayctl: warning: counts by day not "
		    "readable; stats read every report\n");
	/* The command gets its own words from its last name on. */
	verb = ctl_commands[i].verb != NULL;
	rc = ctl_commands[i].fn(&c, argc - verb, argv + verb);
	store_close(c.st);
	config_free(c.conf);
	return rc == 0 ? 0 : 1;
}
