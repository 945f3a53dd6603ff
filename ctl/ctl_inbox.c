/*
 * ctl_inbox.c: the review list (SPEC §4, §7). Every text without keyword
 * waits there until a person has seen it: `inbox file ID gbv|shelter
 * [AREA]` files a report from it (its alerts go out as for a keyword, the
 * daemon sends them), `inbox file ID --to REF` makes it a follow-up of the
 * report it belongs to (forwarded to the contacts alerted for REF), `inbox
 * dismiss ID` marks it seen. Listing it is ctl.c's (`inbox [--json]`).
 */
#include <ctype.h>
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "ctl.h"

/* The message id in s: > 0, or -1 with a message. */
static int64_t
ctl_inbox_id(const char *s)
{
	char		*end;
	long long	 id;

	errno = 0;
	id = strtoll(s, &end, 10);
	if (s[0] == '\0' || *end != '\0' || errno != 0 || id <= 0) {
		fprintf(stderr, "tincayctl: inbox: %s is not a message id\n",
		    s);
		return -1;
	}
	return id;
}

/* The area whose code (any case) is s, or -1 with a message. */
static int
ctl_inbox_area(const struct config *conf, const char *s)
{
	int	 i;

	if ((i = inbox_area(conf, s)) == -1)
		fprintf(stderr, "tincayctl: inbox: no area %s in the config\n",
		    s);
	return i;
}

static int
ctl_inbox_dberr(struct ctl *c)
{
	fprintf(stderr, "tincayctl: inbox: database: %s\n",
	    store_errmsg(c->st));
	return -1;
}

/* The text does not wait (said), or the store failed: nothing kept. */
static int
ctl_inbox_not(struct ctl *c, int rc, int64_t id)
{
	if (store_in_tx(c->st))
		store_rollback(c->st);
	if (rc == -1)
		return ctl_inbox_dberr(c);
	fprintf(stderr, "tincayctl: inbox: no text %lld waits to be filed (a "
	    "city's report listed for review is filed already: it waits for "
	    "its commune, which the resident's answer tells)\n",
	    (long long)id);
	return -1;
}

/*
 * inbox file ID --to REF: the text belongs to report REF (a victim's
 * second text, from her number or another): kept with it as a follow-up
 * and forwarded to the contacts alerted for it, as the sender's text,
 * with the report's commune's config (SPEC §11).
 */
static int
ctl_inbox_attach(struct ctl *c, const char *idarg, const char *refarg)
{
	char			 ref[REF_MAX];
	int64_t			 id;
	size_t			 k;
	int			 rc, n;

	if ((id = ctl_inbox_id(idarg)) == -1)
		return -1;
	for (k = 0; refarg[k] != '\0' && k + 1 < sizeof(ref); k++)
		ref[k] = (char)toupper((unsigned char)refarg[k]);
	ref[k] = '\0';
	rc = inbox_attach(c->st, c->conf, id, ref, util_now(), &n);
	if (rc == INBOX_NO_REPORT) {
		store_rollback(c->st);
		fprintf(stderr, "tincayctl: inbox: no report %s\n", refarg);
		return -1;
	}
	if (rc != INBOX_FILED)
		return ctl_inbox_not(c, rc, id);
	if (store_commit(c->st) == -1) {
		store_rollback(c->st);
		return ctl_inbox_dberr(c);
	}
	printf("filed message %lld as a follow-up of report %s; forwarded to "
	    "the %d %s alerted for it\n", (long long)id, ref, n,
	    util_plural(n, "contact", "contacts"));
	return 0;
}

/*
 * inbox file ID gbv|shelter [AREA] [--commune CODE], or inbox file ID
 * --to REF. In a city (SPEC §11) the report is the commune's the text
 * was for, or --commune's (a text nobody placed, read by a person who
 * can tell): its areas, its contacts.
 */
int
ctl_inbox_file(struct ctl *c, int argc, char **argv)
{
	static const enum category cats[] = { CAT_GBV, CAT_SHELTER };
	static const struct option opts[] = {
		{ "to", required_argument, NULL, 't' },
		{ "commune", required_argument, NULL, 'C' },
		{ NULL, 0, NULL, 0 },
	};
	const struct config	*conf;
	struct inbox_filed	 f;
	const char		*to = NULL, *commune = NULL;
	char			 ref[REF_MAX];
	int64_t			 id;
	size_t			 i;
	int			 area, rc, ch;

	optind = 0;
	while ((ch = ctl_getopt(argc, argv, opts)) != -1) {
		if (ch == 't')
			to = optarg;
		else if (ch != 'C' || (commune = ctl_commune(c->conf,
		    "inbox file", optarg)) == NULL)
			return -1;
	}
	argc -= optind;
	argv += optind;
	if (to != NULL && argc == 1 && commune == NULL)
		return ctl_inbox_attach(c, argv[0], to);
	if (to != NULL || argc < 2 || argc > 3) {
		fprintf(stderr, "usage: tincayctl inbox file ID gbv|shelter "
		    "[AREA] [--commune CODE]\n       tincayctl inbox file ID "
		    "--to REF\n");
		return -1;
	}
	for (i = 0; i < sizeof(cats) / sizeof(cats[0]); i++)
		if (strcmp(argv[1], config_category_name(cats[i])) == 0)
			break;
	if (i == sizeof(cats) / sizeof(cats[0])) {
		fprintf(stderr, "tincayctl: inbox: category must be gbv or "
		    "shelter, not %s\n", argv[1]);
		return -1;
	}
	/* The areas are the commune's: known now, or once the text is. */
	conf = config_scoped(c->conf, commune);
	if ((id = ctl_inbox_id(argv[0])) == -1 || (argc == 3 &&
	    (conf->ncommunes == 0 || commune != NULL) &&
	    ctl_inbox_area(conf, argv[2]) == -1))
		return -1;
	rc = inbox_file(c->st, c->conf, id, cats[i], argc == 3 ? argv[2] :
	    NULL, commune, util_now(), &f);
	if (rc == INBOX_NO_AREA) {
		store_rollback(c->st);
		return ctl_inbox_area(f.conf, argv[2]);
	}
	if (rc != INBOX_FILED)
		return ctl_inbox_not(c, rc, id);
	if (store_commit(c->st) == -1) {
		store_rollback(c->st);
		return ctl_inbox_dberr(c);
	}
	conf = f.conf;
	area = f.area;
	util_strlcpy(ref, f.ref, sizeof(ref));
	printf("filed message %lld as %s report %s%s%s", (long long)id,
	    argv[1], ref, area >= 0 ? ", area " : "", area >= 0 ?
	    conf->areas[area].code : "");
	if (c->conf->ncommunes > 0)
		printf(" (%s%s)", *conf->scope == '*' ? "the city's, no commune "
		    "yet" : "commune ", *conf->scope == '*' ? "" : conf->scope);
	printf("; its alerts are queued\n");
	return 0;
}

/* inbox dismiss ID */
int
ctl_inbox_dismiss(struct ctl *c, int argc, char **argv)
{
	int64_t	 id;
	int	 rc;

	if (argc != 2) {
		fprintf(stderr, "usage: tincayctl inbox dismiss ID\n");
		return -1;
	}
	if ((id = ctl_inbox_id(argv[1])) == -1)
		return -1;
	if ((rc = store_inbox_review(c->st, id, 0, util_now())) == -1) {
		fprintf(stderr, "tincayctl: inbox: database: %s\n",
		    store_errmsg(c->st));
		return -1;
	}
	if (rc == 0) {
		fprintf(stderr, "tincayctl: inbox: no message %lld waits for "
		    "review\n", (long long)id);
		return -1;
	}
	printf("dismissed message %lld\n", (long long)id);
	return 0;
}
