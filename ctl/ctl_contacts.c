/*
 * ctl_contacts.c: contacts add, remove and import (CSV): every row checked
 * against the configuration before anything is stored; an import stores
 * all of its rows or none.
 */
#include <sys/stat.h>

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "ctl.h"

/* A contact being added: validated against the config, then stored. */
struct ctl_contact {
	const char	*name, *phone, *role, *areas, *channel, *url, *pin;
	const char	*commune;	/* a code, "*" city-level; NULL none */
	char		 code[COMMUNE_MAX];	/* as checked: the config's */
};

/*
 * A contact's commune (SPEC §11): in a city's config one of its communes'
 * codes, or "*" for the city's own roles; none in a config without
 * communes. The code as configured into k->code; NULL, or why not.
 */
static const char *
ctl_contact_commune(const struct config *conf, struct ctl_contact *k)
{
	static char		 why[640];	/* tincayctl: one at a time */
	const struct commune	*cm;
	const char		*code = k->commune != NULL ? k->commune : "";
	char			 codes[512];

	k->code[0] = '\0';
	if (conf->ncommunes == 0)
		return code[0] == '\0' ? NULL : "commune: this config has no "
		    "communes (leave it empty)";
	if (strcmp(code, "*") == 0) {
		util_strlcpy(k->code, "*", sizeof(k->code));
		return NULL;
	}
	if ((cm = config_commune(conf, code)) == NULL) {
		/* Named, with the codes it could have been. */
		ctl_commune_codes(conf, codes, sizeof(codes));
		if (code[0] == '\0')
			snprintf(why, sizeof(why), "commune: missing (the "
			    "config's: %s; or * for the city's roles)", codes);
		else
			snprintf(why, sizeof(why), "commune: %s is not a "
			    "configured commune (the config's: %s; or * for "
			    "the city's roles)", code, codes);
		return why;
	}
	util_strlcpy(k->code, cm->code, sizeof(k->code));
	return NULL;
}

static const char *
ctl_contact_check(const struct config *city, struct ctl_contact *k,
    char e164[PHONE_MAX], char *areas, size_t areaslen)
{
	const struct config	*conf, *in;
	const struct commune	*cm;
	const char		*why;
	char			*copy, *tok, *dot, *save = NULL;
	size_t			 a, o = 0;

	if ((why = ctl_contact_commune(city, k)) != NULL)
		return why;
	/* Its areas are its commune's. */
	conf = config_scoped(city, k->code);
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
		if (util_url_check(k->url, conf->allow_http) != NULL)
			return "url: not a URL to send to (a blank, or a "
			    "broken host or port)";
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
	/* "T1;T3": each a configured area code, kept in config spelling; a
	 * city-level contact's may name a commune's: "TINHCHAU.T3". */
	areas[0] = '\0';
	copy = xstrdup(k->areas);
	for (tok = strtok_r(copy, ";", &save); tok != NULL;
	    tok = strtok_r(NULL, ";", &save)) {
		while (*tok == ' ')
			tok++;
		in = conf;
		cm = NULL;
		if (strcmp(k->code, "*") == 0 && (dot = strchr(tok, '.')) !=
		    NULL) {
			*dot = '\0';
			if ((cm = config_commune(city, tok)) == NULL) {
				free(copy);
				return "areas: not a configured commune's "
				    "code before the dot (CODE.T3)";
			}
			in = cm->cf;
			tok = dot + 1;
		}
		for (a = 0; a < in->nareas; a++)
			if (strcasecmp(in->areas[a].code, tok) == 0)
				break;
		if (a == in->nareas) {
			free(copy);
			return "areas: not a configured area code (use * or "
			    "codes like T1;T3)";
		}
		o += (size_t)snprintf(areas + o, areaslen - o, "%s%s%s%s",
		    o ? ";" : "", cm != NULL ? cm->code : "",
		    cm != NULL ? "." : "", in->areas[a].code);
		if (o >= areaslen) {
			free(copy);
			return "areas: too many";
		}
	}
	free(copy);
	return NULL;
}

/*
 * A role that no routing, escalation or officials list names is never
 * alerted: most likely a typo ("polce"). The contact is saved all the
 * same (the config may be about to name it); where says which line.
 */
static void
ctl_contact_role_warn(const struct config *conf, const char *role,
    const char *where)
{
	char	 named[256];

	if (config_role_named(conf, role))
		return;
	config_roles_text(conf, named, sizeof(named));
	fprintf(stderr, "tincayctl: %s: warning: role %s: no routing, "
	    "escalation or officials list of the config names it, so this "
	    "contact is never alerted (roles named: %s)\n", where, role,
	    named[0] != '\0' ? named : "none");
}

static int
ctl_contact_store(struct ctl *c, const struct ctl_contact *k,
    const char *e164, const char *areas)
{
	struct contact_new	 n;

	n.name = k->name;
	n.phone = e164;
	n.role = k->role;
	n.areas = areas;
	n.channel = k->channel;
	n.url = k->url && k->url[0] ? k->url : NULL;
	n.pin = k->pin && k->pin[0] ? k->pin : NULL;
	n.commune = k->code;
	return store_contact_add(c->st, &n, util_now());
}

/*
 * Opens the transaction contacts add stores in: 1 if phone is a contact
 * already (replace: it will be overwritten), 0 if not, -1 refused (said
 * why, nothing open): add never overwrites a contact unless told to.
 */
static int
ctl_contact_exists(struct ctl *c, const char *e164, int replace)
{
	struct contact_row	 old;
	int			 found;

	if (store_begin(c->st) == -1)
		return -1;
	if ((found = store_contact_get(c->st, e164, &old)) == 1 && !replace)
		fprintf(stderr, "tincayctl: contacts add: %s is a contact "
		    "already (%s); nothing changed (--replace overwrites "
		    "it)\n", e164, old.role);
	if (found == -1 || (found == 1 && !replace)) {
		store_rollback(c->st);
		return -1;
	}
	return found;
}

int
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
		{ "commune", required_argument, NULL, 'C' },
		{ "replace", no_argument, NULL, 'R' },
		{ NULL, 0, NULL, 0 },
	};
	struct ctl_contact	 k = { .channel = "sms" };
	char			 e164[PHONE_MAX], areas[512];
	const char		*why;
	int			 ch, replace = 0, found;

	optind = 0;
	while ((ch = ctl_getopt(argc, argv, opts)) != -1) {
		switch (ch) {
		case 'n': k.name = optarg; break;
		case 'p': k.phone = optarg; break;
		case 'r': k.role = optarg; break;
		case 'a': k.areas = optarg; break;
		case 'c': k.channel = optarg; break;
		case 'u': k.url = optarg; break;
		case 'P': k.pin = optarg; break;
		case 'C': k.commune = optarg; break;
		case 'R': replace = 1; break;
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
	if ((found = ctl_contact_exists(c, e164, replace)) == -1)
		return -1;
	if (ctl_contact_store(c, &k, e164, areas) == -1 ||
	    store_commit(c->st) == -1) {
		store_rollback(c->st);
		return -1;
	}
	printf("contact %s (%s) %s\n", k.name, k.role, found ? "replaced" :
	    "saved");
	ctl_contact_role_warn(config_scoped(c->conf, k.code), k.role,
	    "contacts add");
	return 0;
}

int
ctl_contacts_remove(struct ctl *c, int argc, char **argv)
{
	char	 e164[PHONE_MAX];
	int	 found;

	if (argc != 2 || phone_e164(argv[1], strlen(argv[1]),
	    c->conf->country_code, e164) == -1) {
		fprintf(stderr, "usage: tincayctl contacts remove PHONE\n");
		return -1;
	}
	if ((found = store_contact_remove(c->st, e164)) == -1)
		return -1;
	if (found == 0) {
		fprintf(stderr, "tincayctl: no contact with that number\n");
		return -1;
	}
	printf("contact removed\n");
	return 0;
}

/*
 * The header line "name,phone,..." (a spreadsheet may write "name;phone;..."
 * and quote the names): its separator, or 0 if line is not a header.
 */
static char
ctl_csv_header(const char *line)
{
	size_t	 n = 4;

	if (*line == '"') {
		line++;
		n = 5;
	}
	if (strncasecmp(line, n == 5 ? "name\"" : "name", n) != 0)
		return 0;
	return line[n] == ',' || line[n] == ';' ? line[n] : 0;
}

/*
 * Split one CSV line in place into at most nf fields separated by sep.
 * Handles quoted fields with "" escapes. Returns the field count, -1 if
 * malformed.
 */
static int
ctl_csv_split(char *line, char sep, char **f, int nf)
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
			if (*r != sep && *r != '\0')
				return -1;
		} else
			while (*r != sep && *r != '\0')
				*w++ = *r++;
		if (*r == '\0') {
			*w = '\0';
			return n;
		}
		*w++ = '\0';
		r++;
	}
}

/* The numbers of a file being imported, with their lines (pass 0). */
struct ctl_seen {
	char	(*phone)[PHONE_MAX];
	size_t	 *line, n, cap;
};

/* The line phone was seen on before, or 0; then it is seen on line. */
static size_t
ctl_seen_add(struct ctl_seen *s, const char *phone, size_t line)
{
	size_t	 i;

	for (i = 0; i < s->n; i++)
		if (strcmp(s->phone[i], phone) == 0)
			return s->line[i];
	if (s->n == s->cap) {
		s->cap = s->cap ? 2 * s->cap : 64;
		s->phone = xrealloc(s->phone, s->cap * sizeof(*s->phone));
		s->line = xrealloc(s->line, s->cap * sizeof(*s->line));
	}
	util_strlcpy(s->phone[s->n], phone, sizeof(s->phone[s->n]));
	s->line[s->n++] = line;
	return 0;
}

int
ctl_contacts_import(struct ctl *c, int argc, char **argv)
{
	FILE			*fp;
	char			*line = NULL, *text, *f[8], e164[PHONE_MAX];
	char			 areas[512], sep = ',', where[300];
	size_t			 cap = 0, lineno = 0, first;
	ssize_t			 len;
	int			 bad = 0, pass, n, count = 0, updated = 0;
	const char		*why;
	struct ctl_contact	 k;
	struct contact_row	 old;
	struct ctl_seen		 seen = { NULL, NULL, 0, 0 };
	struct stat		 sb;

	if (argc != 2) {
		fprintf(stderr, "usage: tincayctl contacts import FILE.csv\n");
		return -1;
	}
	if ((fp = fopen(argv[1], "r")) == NULL ||
	    fstat(fileno(fp), &sb) == -1 || S_ISDIR(sb.st_mode)) {
		fprintf(stderr, "tincayctl: %s: %s\n", argv[1], fp == NULL ?
		    strerror(errno) : "a directory, not a CSV file");
		if (fp != NULL)
			fclose(fp);
		return -1;
	}
	/* Pass 0 checks every line; pass 1 stores, only if all are good. */
	for (pass = 0; pass < 2 && !bad; pass++) {
		rewind(fp);
		lineno = 0;
		sep = ',';
		if (pass == 1 && store_begin(c->st) == -1)
			break;
		while ((len = getline(&line, &cap, fp)) != -1) {
			lineno++;
			while (len > 0 && (line[len - 1] == '\n' ||
			    line[len - 1] == '\r'))
				line[--len] = '\0';
			text = line;
			/* What a spreadsheet writes: a UTF-8 BOM, and the
			 * header's separator (',' or ';') for every line. */
			if (lineno == 1 && strncmp(text, "\xef\xbb\xbf", 3) == 0)
				text += 3;
			if (*text == '\0' || *text == '#')
				continue;
			/* A spreadsheet's "CSV" may be in a Windows code page. */
			if (!text_utf8_valid(text, strlen(text))) {
				fprintf(stderr, "tincayctl: %s:%zu: not UTF-8 "
				    "(save the file as \"CSV UTF-8\")\n",
				    argv[1], lineno);
				bad = 1;
				continue;
			}
			if (lineno == 1 && (sep = ctl_csv_header(text)) != 0)
				continue;
			if (sep == 0)
				sep = ',';
			memset(&k, 0, sizeof(k));
			n = ctl_csv_split(text, sep, f, 8);
			if (n < 3) {
				fprintf(stderr, "tincayctl: %s:%zu: expected "
				    "name,phone,role,areas,channel,url,pin"
				    "[,commune]\n", argv[1], lineno);
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
			k.commune = n > 7 ? f[7] : NULL;
			if ((why = ctl_contact_check(c->conf, &k, e164, areas,
			    sizeof(areas))) != NULL) {
				fprintf(stderr, "tincayctl: %s:%zu: %s\n",
				    argv[1], lineno, why);
				bad = 1;
				continue;
			}
			if (pass == 0 && (first = ctl_seen_add(&seen, e164,
			    lineno)) != 0) {
				fprintf(stderr, "tincayctl: %s:%zu: %s is on line "
				    "%zu too; one contact per number\n", argv[1],
				    lineno, e164, first);
				bad = 1;
				continue;
			}
			if (pass == 1) {
				if ((n = store_contact_get(c->st, e164,
				    &old)) == -1 || ctl_contact_store(c, &k,
				    e164, areas) == -1) {
					bad = 1;
					break;
				}
				updated += n;
				count++;
				snprintf(where, sizeof(where), "%s:%zu",
				    argv[1], lineno);
				ctl_contact_role_warn(config_scoped(c->conf,
				    k.code), k.role, where);
			}
		}
		if (ferror(fp)) {
			fprintf(stderr, "tincayctl: %s: %s\n", argv[1],
			    strerror(errno));
			bad = 1;
		}
	}
	free(line);
	free(seen.phone);
	free(seen.line);
	fclose(fp);
	if (bad) {
		store_rollback(c->st);
		fprintf(stderr, "tincayctl: nothing imported\n");
		return -1;
	}
	if (store_commit(c->st) == -1)
		return -1;
	printf("%d %s imported (%d new, %d updated)\n", count,
	    util_plural(count, "contact", "contacts"), count - updated,
	    updated);
	return 0;
}
