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

static const struct {
	const char	*noun, *verb;
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

int
main(int argc, char *argv[])
{
	struct ctl	 c;
	const char	*conffile = NULL;
	char		 err[256];
	size_t		 i;
	int		 ch, rc;

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
	if (conffile == NULL || argc < 2)
		ctl_usage();
	for (i = 0; i < CTL_NCOMMANDS; i++)
		if (strcmp(ctl_commands[i].noun, argv[0]) == 0 &&
		    strcmp(ctl_commands[i].verb, argv[1]) == 0)
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
	rc = ctl_commands[i].fn(&c, argc - 1, argv + 1);
	store_close(c.st);
	config_free(c.conf);
	return rc == 0 ? 0 : 1;
}
