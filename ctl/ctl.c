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
ctl_row_json(const struct store_field *f, size_t n)
{
	cJSON	*o;
	size_t	 i;

	if ((o = cJSON_CreateObject()) == NULL)
		fatalx("out of memory");
	for (i = 0; i < n; i++) {
		switch (f[i].type) {
		case STORE_FIELD_NUMBER:
			cJSON_AddNumberToObject(o, f[i].name, f[i].number);
			break;
		case STORE_FIELD_NULL:
			cJSON_AddNullToObject(o, f[i].name);
			break;
		case STORE_FIELD_TEXT:
			cJSON_AddStringToObject(o, f[i].name, f[i].text);
			break;
		}
	}
	return o;
}

static void
ctl_row_text(const struct store_field *f, size_t n, int header)
{
	size_t	 i;

	for (i = 0; i < n; i++) {
		const char *v = header ? f[i].name : f[i].text;

		printf("%s%s", v ? v : "-", i + 1 < n ? "\t" : "\n");
	}
}

/* A listing being printed: JSON (an array, or the single object) or a
 * table under a header line. */
struct ctl_print {
	struct ctl	*c;
	int		 single;	/* one row, printed as an object */
	cJSON		*arr, *row;	/* ours until printed */
	int		 n;
};

static int
ctl_print_row(const struct store_field *f, size_t n, void *arg)
{
	struct ctl_print	*p = arg;

	if (p->c->json) {
		p->row = ctl_row_json(f, n);
		if (p->arr)
			cJSON_AddItemToArray(p->arr, p->row);
	} else {
		if (p->n == 0)
			ctl_row_text(f, n, 1);
		ctl_row_text(f, n, 0);
	}
	p->n++;
	return p->single;	/* a single row stops at the first */
}

/* A report's texts (SPEC §7 "texts"): into the JSON array, or printed. */
static int
ctl_print_text(const struct store_field *f, size_t n, void *arg)
{
	cJSON	*arr = arg, *v;

	if (arr == NULL) {
		printf("text\t%s\n", f[0].text != NULL ? f[0].text : "-");
		return 0;
	}
	v = f[0].text != NULL ? cJSON_CreateString(f[0].text) :
	    cJSON_CreateNull();
	if (v == NULL)
		fatalx("out of memory");
	cJSON_AddItemToArray(arr, v);
	return 0;
}

/*
 * Print every row of a listing, as JSON or as a table: how many, or -1.
 * texts: a single report's row gets its messages' texts too, oldest
 * first (JSON "texts"; a "text" line each in a table).
 */
static int
ctl_print_rows(struct ctl *c, enum store_list which,
    const struct store_list_args *args, int single, int texts)
{
	struct ctl_print	 p;
	cJSON			*arr = NULL;
	char			*out;

	memset(&p, 0, sizeof(p));
	p.c = c;
	p.single = single;
	if (c->json && !single && (p.arr = cJSON_CreateArray()) == NULL)
		fatalx("out of memory");
	if (store_list(c->st, which, args, ctl_print_row, &p) == -1) {
		fprintf(stderr, "tincayctl: database: %s\n",
		    store_errmsg(c->st));
		cJSON_Delete(p.arr ? p.arr : p.row);
		return -1;
	}
	if (texts && p.n == 1) {
		if (c->json && (arr = cJSON_AddArrayToObject(p.row,
		    "texts")) == NULL)
			fatalx("out of memory");
		if (store_list(c->st, STORE_LIST_REPORT_TEXTS, args,
		    ctl_print_text, arr) == -1) {
			fprintf(stderr, "tincayctl: database: cannot read the "
			    "report's texts\n");
			cJSON_Delete(p.row);
			return -1;
		}
	}
	if (c->json) {
		if (single && p.row == NULL)
			return 0;
		out = cJSON_PrintUnformatted(p.arr ? p.arr : p.row);
		printf("%s\n", out);
		free(out);
		cJSON_Delete(p.arr ? p.arr : p.row);
	}
	return p.n;
}

static int
ctl_list(struct ctl *c, int argc, char **argv, enum store_list which,
    const char *const *statuses)
{
	struct store_list_args	 a;

	if (ctl_list_opts(c, argc, argv, statuses) != argc)
		return -1;
	memset(&a, 0, sizeof(a));
	a.status = c->status;	/* only set where statuses allow it */
	return ctl_print_rows(c, which, &a, 0, 0) < 0 ? -1 : 0;
}

static int
ctl_reports_list(struct ctl *c, int argc, char **argv)
{
	static const char *const st[] = { "open", "acknowledged", "closed",
	    "cancelled", NULL };

	return ctl_list(c, argc, argv, STORE_LIST_REPORTS, st);
}

static int
ctl_outbox_list(struct ctl *c, int argc, char **argv)
{
	static const char *const st[] = { "pending", "sent", "failed", NULL };

	return ctl_list(c, argc, argv, STORE_LIST_OUTBOX, st);
}

static int
ctl_messages_list(struct ctl *c, int argc, char **argv)
{
	return ctl_list(c, argc, argv, STORE_LIST_MESSAGES, NULL);
}

static int
ctl_contacts_list(struct ctl *c, int argc, char **argv)
{
	return ctl_list(c, argc, argv, STORE_LIST_CONTACTS, NULL);
}

static int
ctl_reports_show(struct ctl *c, int argc, char **argv)
{
	struct store_list_args	 a;
	char			 ref[REF_MAX];
	size_t			 i;
	int			 n, first;

	if ((first = ctl_list_opts(c, argc, argv, NULL)) == -1 ||
	    first + 1 != argc) {
		fprintf(stderr, "usage: tincayctl reports show REF [--json]\n");
		return -1;
	}
	util_strlcpy(ref, argv[first], sizeof(ref));
	for (i = 0; ref[i] != '\0'; i++)
		ref[i] = (char)toupper((unsigned char)ref[i]);
	memset(&a, 0, sizeof(a));
	if ((a.id = store_report_find(c->st, ref)) == -1)
		return -1;
	if ((n = ctl_print_rows(c, STORE_LIST_REPORT, &a, 1, 1)) == 0) {
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
	if ((c.st = store_open_keyed(c.conf->database, c.conf->key_file, 0,
	    err, sizeof(err))) == NULL) {
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
