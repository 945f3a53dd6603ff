/*
 * ctl.c: tincayctl, the administrator's tool (SPEC §7): the command table,
 * main(), and the listings. Opens the same database as the daemon through
 * store.c (no second copy of the SQL) and is safe to run while the daemon
 * runs: WAL readers, short write transactions, SQLite's busy timeout.
 */
#include <sys/stat.h>

#include <ctype.h>
#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "ctl.h"


static int	ctl_contacts_list(struct ctl *, int, char **);
static int	ctl_reports_list(struct ctl *, int, char **);
static int	ctl_reports_show(struct ctl *, int, char **);
static int	ctl_messages_list(struct ctl *, int, char **);
static int	ctl_outbox_list(struct ctl *, int, char **);
static int	ctl_inbox_list(struct ctl *, int, char **);

/* What --commune means to a listing (SPEC §11). */
#define CTL_COMMUNE_HELP \
	"  --commune   that commune's only (a code of the config, or * for " \
	"the city's\n              reports nobody placed in a commune yet)\n"

/*
 * The commands. creates: may start a database that is not there (the
 * others refuse one: a misspelt `database` would get an empty one). help:
 * what `COMMAND --help` says beyond the usage.
 */
static const struct ctl_command {
	const char	*noun, *verb;	/* verb NULL: the noun alone */
	ctl_fn		 fn;
	int		 creates;
	const char	*usage, *help;
} ctl_commands[] = {
	{ "contacts", "import", ctl_contacts_import, 1,
	    "contacts import FILE.csv",
	    "  a CSV file with a header line: name,phone,role,areas,channel,"
	    "url,pin\n  (',' or ';'); all its lines are imported, or none\n" },
	{ "contacts", "add", ctl_contacts_add, 1, "contacts add --name N "
	    "--phone P --role R [--areas A] [--channel sms|webhook] [--url U] "
	    "[--pin PIN] [--replace]",
	    "  --role      one word, as routing, escalation, officials or "
	    "review name it\n"
	    "  --areas     * (the default) or codes of the config: T1;T3\n"
	    "  --url       for --channel webhook: the https:// URL to post to\n"
	    "  --pin       4 to 8 digits\n"
	    "  --replace   overwrite the contact with this number\n" },
	{ "contacts", "list", ctl_contacts_list, 0, "contacts list "
	    "[--commune CODE] [--json]",
	    "  --commune   a commune's contacts and the city's (*) who act "
	    "for it\n" },
	{ "contacts", "remove", ctl_contacts_remove, 0,
	    "contacts remove PHONE", NULL },
	{ "reports", "list", ctl_reports_list, 0, "reports list [--status "
	    "open|acknowledged|closed|cancelled] [--commune CODE] [--json]",
	    CTL_COMMUNE_HELP },
	{ "reports", "show", ctl_reports_show, 0, "reports show REF "
	    "[--commune CODE] [--json]",
	    "  --commune   only if the report is that commune's\n" },
	{ "reports", "close", ctl_close, 0, "reports close REF [CODE...] "
	    "[--commune CODE]",
	    "  CODE: NU or NAM (the victim's sex), an age, CA YT TL PL HG "
	    "KHAC (what was\n  done), NHAM (a false alarm)\n"
	    "  --commune   only if the report is that commune's\n" },
	{ "reports", "amend", ctl_amend, 0, "reports amend REF [CODE...] "
	    "[--commune CODE]",
	    "  replaces a closed report's codes (as reports close), at any "
	    "time\n"
	    "  --commune   only if the report is that commune's\n" },
	{ "messages", "list", ctl_messages_list, 0, "messages list "
	    "[--commune CODE] [--json]", CTL_COMMUNE_HELP },
	{ "outbox", "list", ctl_outbox_list, 0, "outbox list [--status "
	    "pending|sent|failed] [--commune CODE] [--json]",
	    "  --commune   the rows about that commune's reports\n" },
	/* The verbs first: "inbox" alone matches any of its lines. */
	{ "inbox", "file", ctl_inbox_file, 0, "inbox file ID gbv|shelter "
	    "[AREA] [--commune CODE] | inbox file ID --to REF",
	    "  --commune   file it as that commune's report (its areas, its "
	    "contacts);\n              without: the commune the text was "
	    "for\n" },
	{ "inbox", "dismiss", ctl_inbox_dismiss, 0, "inbox dismiss ID", NULL },
	{ "inbox", NULL, ctl_inbox_list, 0, "inbox [--commune CODE] [--json]",
	    CTL_COMMUNE_HELP },
	{ "send", NULL, ctl_send, 0, "send PHONE \"TEXT\"", NULL },
	{ "broadcast", NULL, ctl_broadcast, 0,
	    "broadcast CAMPAIGN \"TEXT\" [--commune CODE] [--again]",
	    "  --commune   to the subscribers of that commune only (signed up "
	    "by its number\n              or naming it); without, to all\n"
	    "  --again     queue a text queued before for the campaign "
	    "once more\n" },
	{ "stats", NULL, ctl_stats, 0, "stats [--from YYYY-MM-DD] "
	    "[--to YYYY-MM-DD] [--format text|csv|json|html] [--suppress K] "
	    "[--table T] [--commune CODE]",
	    "  --from, --to  the period, local dates, inclusive\n"
	    "  --suppress    counts from 1 to K-1 shown as <K (K 1..1000)\n"
	    "  --table       with --format csv: rows (the default), medians, "
	    "category,\n"
	    "                status, area, signups, month, sex, age, outcome "
	    "or (a city's)\n                commune\n"
	    "  --commune     that commune's report; without, a city's has a "
	    "table by commune\n" },
	{ "users", "add", ctl_users_add, 1, "users add --name N --role "
	    "admin|caseworker|viewer [--areas A] [--communes C] [--totp]",
	    "  the console's users; the password is one line of standard "
	    "input (asked\n  twice on a terminal), 8 characters at least\n"
	    "  --areas     * (the default) or area codes: T1;T3 (in a city "
	    "TINHCHAU.T1)\n"
	    "  --communes  * (the default) or commune codes: TINHCHAU;TINHAN\n"
	    "  --totp      also ask a TOTP code at sign-in (prints its "
	    "secret)\n" },
	{ "users", "list", ctl_users_list, 0, "users list [--json]", NULL },
	{ "users", "remove", ctl_users_remove, 0, "users remove NAME", NULL },
	{ "users", "passwd", ctl_users_passwd, 0, "users passwd NAME",
	    "  a new password, one line of standard input; it lifts a lock\n" },
	{ "users", "totp", ctl_users_totp, 0, "users totp NAME [--off]",
	    "  a new TOTP secret (printed, with its otpauth:// URI), or "
	    "--off\n" },
	{ "audit", NULL, ctl_audit, 0, "audit [--from YYYY-MM-DD] "
	    "[--to YYYY-MM-DD] [--user N] [--json]",
	    "  the console's audit log, newest first: sign-ins, cases viewed, "
	    "numbers\n  shown, changes; --from, --to local dates, "
	    "inclusive\n" },
	{ "purge", NULL, ctl_purge, 0, "purge --older-than DAYS [--yes]",
	    "  --older-than  days since a report was closed (0 to 36500)\n"
	    "  --yes         needed on a terminal for --older-than 0\n" },
	{ "backup", NULL, ctl_backup, 0, "backup FILE [--with-key KEYFILE]",
	    "  --with-key  also copy the database's key to KEYFILE (0600), "
	    "which must not\n              be in FILE's directory\n" },
	{ "migrate", NULL, ctl_migrate, 0,
	    "migrate --to postgresql://USER@HOST/DATABASE",
	    "  --to        an empty PostgreSQL database: every row is copied "
	    "into it with\n              its ids and verified, in one "
	    "transaction; tincayd must be stopped,\n              and then "
	    "runs on it with the same key_file\n" },
};
#define CTL_NCOMMANDS	(sizeof(ctl_commands) / sizeof(ctl_commands[0]))

/* The command running, for ctl_getopt's messages. */
static const struct ctl_command *ctl_running;

static void	ctl_usage(void) __attribute__((noreturn));

/* -h: every command from the table, on stdout, exit 0. */
static void
ctl_usage(void)
{
	size_t	 i;

	printf("usage: tincayctl [-hV] -c config.json COMMAND\n");
	for (i = 0; i < CTL_NCOMMANDS; i++)
		printf("       tincayctl -c config.json %s\n",
		    ctl_commands[i].usage);
	printf("Times are the commune's (timezone); COMMAND --help shows one "
	    "command's usage.\n");
	exit(0);
}

/* The usage of every command of noun (verb NULL), or of one, on stdout. */
static void
ctl_usage_of(const char *noun, const char *verb)
{
	size_t	 i;
	int	 n = 0;

	for (i = 0; i < CTL_NCOMMANDS; i++) {
		if (strcmp(ctl_commands[i].noun, noun) != 0 || (verb != NULL &&
		    (ctl_commands[i].verb == NULL ||
		    strcmp(ctl_commands[i].verb, verb) != 0)))
			continue;
		printf("%s tincayctl -c config.json %s\n", n++ ? "      " :
		    "usage:", ctl_commands[i].usage);
		if (ctl_commands[i].help != NULL)
			fputs(ctl_commands[i].help, stdout);
	}
}

/* One line saying what was wrong, and where to look (the usage of noun's
 * commands, or of all); exit 1. */
static void	ctl_wrong(const char *, const char *, ...)
		    __attribute__((noreturn, format(printf, 2, 3)));

static void
ctl_wrong(const char *noun, const char *fmt, ...)
{
	va_list	 ap;

	fputs("tincayctl: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	if (noun != NULL)
		fprintf(stderr, " (tincayctl %s --help lists them)\n", noun);
	else
		fputs(" (tincayctl -h shows the usage)\n", stderr);
	exit(1);
}

int
ctl_getopt(int argc, char **argv, const struct option *opts)
{
	char	 name[64], shortopt[3] = { '-', '\0', '\0' };
	int	 ch;

	opterr = 0;
	ch = getopt_long(argc, argv, ":", opts, NULL);
	if (ch != '?' && ch != ':')
		return ch;
	snprintf(name, sizeof(name), "%s%s%s", ctl_running->noun,
	    ctl_running->verb ? " " : "", ctl_running->verb ?
	    ctl_running->verb : "");
	shortopt[1] = (char)optopt;
	if (ch == ':')
		fprintf(stderr, "tincayctl: %s: %s needs a value", name,
		    argv[optind - 1]);
	else
		fprintf(stderr, "tincayctl: %s: unknown option '%s'", name,
		    optopt != 0 ? shortopt : argv[optind - 1]);
	fprintf(stderr, " (tincayctl %s --help shows its options)\n", name);
	return '?';
}

void
ctl_commune_codes(const struct config *conf, char *out, size_t outlen)
{
	size_t	 i, o = 0;

	out[0] = '\0';
	for (i = 0; i < conf->ncommunes && o < outlen; i++)
		o += (size_t)snprintf(out + o, outlen - o, "%s%s", i ? ", " :
		    "", conf->communes[i].code);
}

const char *
ctl_commune(const struct config *conf, const char *what, const char *arg)
{
	const struct commune	*cm;
	char			 codes[512];

	if (conf->ncommunes == 0) {
		fprintf(stderr, "tincayctl: %s: --commune %s: the config has "
		    "no communes\n", what, arg);
		return NULL;
	}
	if (strcmp(arg, "*") == 0)
		return "*";
	if ((cm = config_commune(conf, arg)) != NULL)
		return cm->code;
	ctl_commune_codes(conf, codes, sizeof(codes));
	fprintf(stderr, "tincayctl: %s: --commune %s: no such commune; the "
	    "config's are %s (and * for the city's reports of no commune "
	    "yet)\n", what, arg, codes);
	return NULL;
}

/* Options shared by the listing commands: --json, --status S, --commune
 * CODE. */
static int
ctl_list_opts(struct ctl *c, int argc, char **argv, const char *const *ok)
{
	static const struct option opts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "status", required_argument, NULL, 's' },
		{ "commune", required_argument, NULL, 'C' },
		{ NULL, 0, NULL, 0 },
	};
	int	 ch, i;

	optind = 0;	/* GNU getopt: a full reset, argv changed */
	while ((ch = ctl_getopt(argc, argv, opts)) != -1) {
		switch (ch) {
		case 'j':
			c->json = 1;
			break;
		case 's':
			if (ok == NULL) {
				fprintf(stderr, "tincayctl: --status: this "
				    "listing has none\n");
				return -1;
			}
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
		case 'C':
			if ((c->commune = ctl_commune(c->conf,
			    ctl_running->noun, optarg)) == NULL)
				return -1;
			break;
		default:
			return -1;
		}
	}
	return optind;
}

static cJSON *
ctl_row_json(const struct store_field *f, size_t n)
{
	cJSON	*o, *a;
	char	*w, *copy, *save = NULL;
	size_t	 i;

	if ((o = cJSON_CreateObject()) == NULL)
		fatalx("out of memory");
	for (i = 0; i < n; i++) {
		/* SPEC §7: cancel_requested is a bool, outcome a list. */
		if (strcmp(f[i].name, "cancel_requested") == 0 &&
		    f[i].type == STORE_FIELD_NUMBER) {
			cJSON_AddBoolToObject(o, f[i].name, f[i].number != 0);
			continue;
		}
		if (strcmp(f[i].name, "outcome") == 0 &&
		    f[i].type != STORE_FIELD_NUMBER) {
			/* None yet, or none given: an empty list. */
			a = cJSON_AddArrayToObject(o, f[i].name);
			copy = xstrdup(f[i].type == STORE_FIELD_TEXT ?
			    f[i].text : "");
			for (w = strtok_r(copy, " ", &save); w != NULL;
			    w = strtok_r(NULL, " ", &save))
				cJSON_AddItemToArray(a, cJSON_CreateString(w));
			free(copy);
			continue;
		}
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

/* 1 if the column holds a time: every "..._at" column does. */
static int
ctl_is_time(const char *name)
{
	size_t	 n = strlen(name);

	return n >= 3 && strcmp(name + n - 3, "_at") == 0;
}

/*
 * A field as the text listings show it (SPEC §7): a time as the local
 * "YYYY-MM-DD HH:MM" of zone, NULL as "-", anything else as stored. The
 * result is f's, or buf.
 */
static const char *
ctl_field_text(const struct store_field *f, const struct tz_zone *zone,
    char buf[TZ_STAMP_MAX])
{
	if (f->type == STORE_FIELD_NULL || f->text == NULL)
		return "-";
	if (f->type == STORE_FIELD_NUMBER && ctl_is_time(f->name) &&
	    tz_zone_stamp(zone, (int64_t)f->number, buf) == 0)
		return buf;
	return f->text;
}

/*
 * Print what a resident wrote to the operator's terminal as text only
 * (SPEC §8): text_screen makes every control character a space (a line
 * break would forge rows of a listing, an escape drives some terminals)
 * and drops bidi controls and zero-width characters. JSON escapes them.
 */
static void
ctl_put_clean(const char *s)
{
	char	*shown = text_screen(s, strlen(s));

	fputs(shown, stdout);
	free(shown);
}

/* The fields of a listed row, at most (ctl.h has the text table). */
#define CTL_FIELDS	24	/* a row's fields, as store_list gives them */

/* Columns s takes on a terminal: a character each, a combining accent
 * (U+0300..U+036F, a text in NFD) none. */
static size_t
ctl_width(const char *s)
{
	const unsigned char	*p = (const unsigned char *)s;
	size_t			 w = 0;

	for (; *p != '\0'; p++)
		if ((*p & 0xc0) != 0x80 && !((*p == 0xcc && (p[1] & 0xc0) ==
		    0x80) || (*p == 0xcd && p[1] >= 0x80 && p[1] <= 0xaf)))
			w++;
	return w;
}

void
ctl_table_add(struct ctl_table *t, const char *s)
{
	size_t	 col = t->ncells % t->ncols, w;

	if (t->ncells == t->cap) {
		t->cap = t->cap ? 2 * t->cap : 64;
		t->cell = xrealloc(t->cell, t->cap * sizeof(*t->cell));
	}
	t->cell[t->ncells] = text_screen(s, strlen(s));
	if ((w = ctl_width(t->cell[t->ncells])) > t->width[col])
		t->width[col] = w;
	t->ncells++;
}

void
ctl_table_print(struct ctl_table *t)
{
	size_t	 i, col, pad;

	for (i = 0; i < t->ncells; i++) {
		col = i % t->ncols;
		fputs(t->cell[i], stdout);
		if (col + 1 == t->ncols) {
			putchar('\n');
			continue;
		}
		for (pad = ctl_width(t->cell[i]); pad < t->width[col] + 2;
		    pad++)
			putchar(' ');
	}
}

void
ctl_table_free(struct ctl_table *t)
{
	size_t	 i;

	for (i = 0; i < t->ncells; i++)
		free(t->cell[i]);
	free(t->cell);
}

/*
 * Whether a column is shown: JSON rows carry every one (SPEC §11: a
 * report's commune, "" without communes); a text listing of a config
 * without communes has no commune column, as before there were any.
 */
static int
ctl_column_shown(const struct ctl *c, const char *name)
{
	return c->json || c->conf->ncommunes > 0 ||
	    strcmp(name, "commune") != 0;
}

/* The fields of a row that are shown, into out (room for n): how many. */
static size_t
ctl_fields(const struct ctl *c, const struct store_field *f, size_t n,
    struct store_field *out)
{
	size_t	 i, o = 0;

	for (i = 0; i < n; i++)
		if (ctl_column_shown(c, f[i].name))
			out[o++] = f[i];
	return o;
}

/* A listing being printed: a JSON array, or a table under a header
 * line, its times in the commune's zone. */
struct ctl_print {
	struct ctl	*c;
	cJSON		*arr;		/* ours until printed */
	struct tz_zone	*zone;		/* text only; ours */
	struct ctl_table table;		/* text only */
	int		 n;
};

static int
ctl_print_row(const struct store_field *all, size_t nall, void *arg)
{
	struct ctl_print	*p = arg;
	struct store_field	 f[CTL_FIELDS];
	char			 stamp[TZ_STAMP_MAX];
	size_t			 i, n;

	n = ctl_fields(p->c, all, nall < CTL_FIELDS ? nall : CTL_FIELDS, f);
	if (p->c->json)
		cJSON_AddItemToArray(p->arr, ctl_row_json(f, n));
	else {
		if (p->n == 0) {
			p->table.ncols = n < CTL_COLS ? n : CTL_COLS;
			for (i = 0; i < p->table.ncols; i++)
				ctl_table_add(&p->table, f[i].name);
		}
		for (i = 0; i < p->table.ncols; i++)
			ctl_table_add(&p->table, ctl_field_text(&f[i],
			    p->zone, stamp));
	}
	p->n++;
	return 0;
}

/* Print every row of a listing, as JSON or as a table: how many, or -1. */
static int
ctl_print_rows(struct ctl *c, enum store_list which,
    const struct store_list_args *args)
{
	struct ctl_print	 p;
	const char		*names[CTL_FIELDS], *shown[CTL_FIELDS];
	char			*out;
	size_t			 i, n;
	int			 rc;

	memset(&p, 0, sizeof(p));
	p.c = c;
	if (c->json && (p.arr = cJSON_CreateArray()) == NULL)
		fatalx("out of memory");
	if (!c->json)
		p.zone = tz_zone_enter(c->conf->timezone);
	rc = store_list(c->st, which, args, ctl_print_row, &p);
	tz_zone_leave(p.zone);
	if (rc == -1) {
		fprintf(stderr, "tincayctl: database: %s\n",
		    store_errmsg(c->st));
		cJSON_Delete(p.arr);
		ctl_table_free(&p.table);
		return -1;
	}
	if (c->json) {
		out = cJSON_PrintUnformatted(p.arr);
		printf("%s\n", out);
		free(out);
		cJSON_Delete(p.arr);
		return p.n;
	}
	/* No rows: the header alone says what would be there. */
	if (p.n == 0) {
		n = store_list_names(c->st, which, names, CTL_FIELDS);
		for (i = 0; i < n; i++)
			if (ctl_column_shown(c, names[i]))
				shown[p.table.ncols++] = names[i];
		if (p.table.ncols > CTL_COLS)
			p.table.ncols = CTL_COLS;
		for (i = 0; i < p.table.ncols; i++)
			ctl_table_add(&p.table, shown[i]);
	}
	ctl_table_print(&p.table);
	ctl_table_free(&p.table);
	return p.n;
}

static int
ctl_list(struct ctl *c, int argc, char **argv, enum store_list which,
    const char *const *statuses)
{
	struct store_list_args	 a;
	int			 n;

	if ((n = ctl_list_opts(c, argc, argv, statuses)) == -1)
		return -1;
	if (n != argc) {
		fprintf(stderr, "tincayctl: unexpected '%s' (COMMAND --help "
		    "shows its usage)\n", argv[n]);
		return -1;
	}
	memset(&a, 0, sizeof(a));
	a.status = c->status;	/* only set where statuses allow it */
	a.commune = c->commune;
	return ctl_print_rows(c, which, &a) < 0 ? -1 : 0;
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

/* Unknown texts not reviewed yet, with their text (SPEC §7). */
static int
ctl_inbox_list(struct ctl *c, int argc, char **argv)
{
	return ctl_list(c, argc, argv, STORE_LIST_INBOX, NULL);
}

static int
ctl_contacts_list(struct ctl *c, int argc, char **argv)
{
	return ctl_list(c, argc, argv, STORE_LIST_CONTACTS, NULL);
}

/*
 * reports show REF: the report (one field a line, or one JSON object)
 * and its texts, oldest first (SPEC §7: "texts", null once purged).
 */
struct ctl_show {
	struct ctl	*c;
	struct tz_zone	*zone;		/* text only; ours */
	cJSON		*row, *texts;	/* JSON only; ours until printed */
	int		 found;
};

static int
ctl_show_row(const struct store_field *all, size_t nall, void *arg)
{
	struct ctl_show		*s = arg;
	struct store_field	 f[CTL_FIELDS];
	char			 stamp[TZ_STAMP_MAX];
	size_t			 i, n;

	n = ctl_fields(s->c, all, nall < CTL_FIELDS ? nall : CTL_FIELDS, f);
	s->found = 1;
	if (s->c->json) {
		s->row = ctl_row_json(f, n);
		return 1;
	}
	for (i = 0; i < n; i++) {
		printf("%-16s  ", f[i].name);
		ctl_put_clean(ctl_field_text(&f[i], s->zone, stamp));
		putchar('\n');
	}
	return 1;
}

static int
ctl_show_text(const struct store_text *t, void *arg)
{
	struct ctl_show	*s = arg;
	char		 stamp[TZ_STAMP_MAX];

	if (s->c->json) {
		cJSON_AddItemToArray(s->texts, t->text != NULL ?
		    cJSON_CreateString(t->text) : cJSON_CreateNull());
		return 0;
	}
	if (tz_zone_stamp(s->zone, t->at, stamp) == -1)
		snprintf(stamp, sizeof(stamp), "%lld", (long long)t->at);
	printf("  %s  %-8s  ", stamp, t->category ? t->category : "-");
	ctl_put_clean(t->text != NULL ? t->text : "(purged)");
	putchar('\n');
	return 0;
}

static int
ctl_reports_show(struct ctl *c, int argc, char **argv)
{
	struct store_list_args	 a;
	struct ctl_show		 s;
	char			 ref[REF_MAX], *out;
	size_t			 i;
	int			 first, rc = -1;

	if ((first = ctl_list_opts(c, argc, argv, NULL)) == -1 ||
	    first + 1 != argc) {
		fprintf(stderr, "usage: tincayctl reports show REF "
		    "[--commune CODE] [--json]\n");
		return -1;
	}
	util_strlcpy(ref, argv[first], sizeof(ref));
	for (i = 0; ref[i] != '\0'; i++)
		ref[i] = (char)toupper((unsigned char)ref[i]);
	memset(&a, 0, sizeof(a));
	a.commune = c->commune;
	if ((a.id = store_report_find(c->st, ref)) == -1)
		return -1;
	memset(&s, 0, sizeof(s));
	s.c = c;
	if (c->json && (s.texts = cJSON_CreateArray()) == NULL)
		fatalx("out of memory");
	if (!c->json)
		s.zone = tz_zone_enter(c->conf->timezone);
	if (store_list(c->st, STORE_LIST_REPORT, &a, ctl_show_row, &s) == -1)
		goto db;
	if (!s.found) {
		fprintf(stderr, "tincayctl: no report %s%s%s\n", argv[first],
		    c->commune != NULL ? " in commune " : "", c->commune != NULL ?
		    c->commune : "");
		goto done;
	}
	if (!c->json)
		printf("texts:\n");
	if (store_report_texts(c->st, a.id, ctl_show_text, &s) == -1)
		goto db;
	if (c->json) {
		cJSON_AddItemToObject(s.row, "texts", s.texts);
		s.texts = NULL;
		out = cJSON_PrintUnformatted(s.row);
		printf("%s\n", out);
		free(out);
	}
	rc = 0;
	goto done;
db:
	fprintf(stderr, "tincayctl: database: %s\n", store_errmsg(c->st));
done:
	tz_zone_leave(s.zone);
	cJSON_Delete(s.row);
	cJSON_Delete(s.texts);
	return rc;
}

static int
ctl_is_help(const char *arg)
{
	return strcmp(arg, "--help") == 0 || strcmp(arg, "-h") == 0;
}

/*
 * The command argv names (its noun, and verb if it has one). `NOUN
 * --help` prints the usage of the noun's commands and exits 0; a word
 * that names no command, or -c after it, is said in one line, exit 1.
 */
static const struct ctl_command *
ctl_command(int argc, char **argv)
{
	const struct ctl_command	*k;
	const char			*verbs = NULL;
	int				 j;

	if (argc < 1)
		ctl_wrong(NULL, "no command");
	if (argc > 1 && ctl_is_help(argv[1])) {
		ctl_usage_of(argv[0], NULL);
		for (k = ctl_commands; k < ctl_commands + CTL_NCOMMANDS; k++)
			if (strcmp(k->noun, argv[0]) == 0)
				exit(0);
	}
	for (k = ctl_commands; k < ctl_commands + CTL_NCOMMANDS; k++) {
		if (strcmp(k->noun, argv[0]) != 0)
			continue;
		if (k->verb == NULL || (argc > 1 && strcmp(k->verb,
		    argv[1]) == 0))
			break;
		verbs = k->noun;
	}
	if (k == ctl_commands + CTL_NCOMMANDS) {
		if (verbs == NULL)
			ctl_wrong(NULL, "no command '%s'", argv[0]);
		if (argc < 2)
			ctl_wrong(verbs, "%s: which command?", verbs);
		ctl_wrong(verbs, "%s: no command '%s'", verbs, argv[1]);
	}
	for (j = 1; j < argc && strcmp(argv[j], "--") != 0; j++)
		if (strcmp(argv[j], "-c") == 0 ||
		    strncmp(argv[j], "--config", 8) == 0)
			ctl_wrong(NULL, "%s after the command: the "
			    "configuration goes first, tincayctl -c FILE %s%s%s "
			    "...", argv[j], k->noun, k->verb ? " " : "",
			    k->verb ? k->verb : "");
	return k;
}

/*
 * Whether the database is there: 1, 0 if not, -1 if it cannot be told
 * (opening it will say why). A command that only reads must not make an
 * empty one (and its key) where a misspelt `database` points.
 */
static int
ctl_db_exists(const char *path)
{
	struct stat	 sb;

	/* A server's database is there or not for the server to say. */
	if (!store_is_file(path) || strcmp(path, ":memory:") == 0 ||
	    stat(path, &sb) == 0)
		return 1;
	return errno == ENOENT ? 0 : -1;
}

int
main(int argc, char *argv[])
{
	static const struct option opts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	const struct ctl_command *k;
	struct ctl	 c;
	const char	*conffile = NULL;
	char		 err[256];
	int		 ch, rc, verb, exists, keyed;

	memset(&c, 0, sizeof(c));
	log_init(0);
	opterr = 0;
	while ((ch = getopt_long(argc, argv, "+:c:hV", opts, NULL)) != -1) {
		switch (ch) {
		case 'c':
			conffile = optarg;
			break;
		case 'h':
			ctl_usage();
		case 'V':
			printf("tincayctl %s\n", TINCAY_VERSION);
			return 0;
		case ':':
			ctl_wrong(NULL, "%s needs a file", argv[optind - 1]);
		default:
			if (optopt != 0)
				ctl_wrong(NULL, "unknown option '-%c'", optopt);
			ctl_wrong(NULL, "unknown option '%s'",
			    argv[optind - 1]);
		}
	}
	argc -= optind;
	argv += optind;
	ctl_running = k = ctl_command(argc, argv);
	/* The command gets its own words from its last name on. */
	verb = k->verb != NULL;
	if (verb && argc > 2 && ctl_is_help(argv[2])) {
		ctl_usage_of(k->noun, k->verb);
		return 0;
	}
	if (conffile == NULL)
		ctl_wrong(NULL, "no configuration: -c FILE before the "
		    "command");
	if ((c.conf = config_load(conffile, err, sizeof(err))) == NULL) {
		fprintf(stderr, "tincayctl: %s\n", err);	/* names the file */
		return 1;
	}
	/* Root on the service's database becomes its owner first. */
	if (owner_become(c.conf->database, err, sizeof(err)) == -1) {
		fprintf(stderr, "tincayctl: %s\n", err);
		config_free(c.conf);
		return 1;
	}
	if ((exists = ctl_db_exists(c.conf->database)) == 0 && !k->creates) {
		fprintf(stderr, "tincayctl: database %s does not exist (is "
		    "database right in %s? tincayd, contacts add and contacts "
		    "import create it)\n", c.conf->database, conffile);
		config_free(c.conf);
		return 1;
	}
	keyed = access(c.conf->key_file, F_OK) == 0;
	if ((c.st = store_open_keyed(c.conf->database, c.conf->key_file, 0,
	    err, sizeof(err))) == NULL) {
		fprintf(stderr, "tincayctl: %s\n", err);
		config_free(c.conf);
		return 1;
	}
	if (exists == 0)
		fprintf(stderr, "tincayctl: created database %s%s%s\n",
		    c.conf->database, keyed ? "" : " and its key ",
		    keyed ? "" : c.conf->key_file);
	/* What this writes is due in the running daemon's time. */
	(void)store_sched_follow(c.st);
	/* The daemon counts again when the offset changed; until then
	 * (or if it never ran) stats read the reports themselves. */
	if (store_set_timezone(c.st, c.conf->timezone, 0) == -1)
		fprintf(stderr, "tincayctl: warning: counts by day not "
		    "readable; stats read every report\n");
	rc = k->fn(&c, argc - verb, argv + verb);
	store_close(c.st);
	config_free(c.conf);
	/* A report written to a full disk is no report: say so. */
	if (fflush(stdout) == EOF || ferror(stdout)) {
		fprintf(stderr, "tincayctl: writing the output: %s\n",
		    strerror(errno));
		rc = 1;
	}
	return rc == 0 ? 0 : 1;
}
