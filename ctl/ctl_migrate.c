/*
 * ctl_migrate.c: migrate --to postgresql://...: the configured SQLite
 * database copied whole into an empty PostgreSQL database through
 * store_migrate_to(), for a commune that joins a city's server with its
 * history. Progress on stderr for a long copy; then what was copied and
 * verified, table by table, and what to change in the configuration.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ctl.h"

#define CTL_MIGRATE_QUIET	5000	/* rows copied without progress */
#define CTL_MIGRATE_EVERY	5	/* percent between progress lines */
#define CTL_MIGRATE_TABLES	16

struct ctl_migrate {
	int		 last;		/* percent said last */
	size_t		 n;
	struct {
		char	 table[24];
		char	*verified;	/* ours */
	}		 t[CTL_MIGRATE_TABLES];
};

static void
ctl_migrate_step(const struct store_copy_step *s, void *arg)
{
	struct ctl_migrate	*m = arg;
	int			 pct;

	if (s->verified != NULL) {
		if (m->n == CTL_MIGRATE_TABLES)
			return;
		util_strlcpy(m->t[m->n].table, s->table,
		    sizeof(m->t[m->n].table));
		m->t[m->n].verified = xstrdup(s->verified);
		m->n++;
		return;
	}
	if (s->all_total < CTL_MIGRATE_QUIET)
		return;
	pct = (int)(s->all_done * 100 / s->all_total);
	if (pct < m->last + CTL_MIGRATE_EVERY && s->all_done < s->all_total)
		return;
	m->last = pct;
	fprintf(stderr, "migrate: %d%% (%lld of %lld rows; %s)\n", pct,
	    (long long)s->all_done, (long long)s->all_total, s->table);
}

/*
 * migrate --to CONNINFO. The daemon must be stopped (the store refuses
 * otherwise); the copy is read with the same key file, which the
 * configuration must then name (a server's database needs key_file).
 */
int
ctl_migrate(struct ctl *c, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "to", required_argument, NULL, 't' },
		{ NULL, 0, NULL, 0 },
	};
	struct ctl_migrate	 m;
	const char		*to = NULL;
	char			 err[512], *safe;
	size_t			 i;
	int			 ch, rc;

	optind = 0;
	while ((ch = ctl_getopt(argc, argv, opts)) != -1) {
		if (ch == 't')
			to = optarg;
		else
			return -1;
	}
	if (to == NULL || optind != argc) {
		fprintf(stderr, "usage: tincayctl migrate --to "
		    "postgresql://USER@HOST/DATABASE\n");
		return -1;
	}
	memset(&m, 0, sizeof(m));
	rc = store_migrate_to(c->st, to, ctl_migrate_step, &m, err,
	    sizeof(err));
	if (rc == -1)
		fprintf(stderr, "tincayctl: migrate: %s\n", err);
	else {
		safe = store_name_safe(to);
		printf("migrated %s to %s; copied, and the same on both "
		    "sides:\n", c->conf->database, safe);
		for (i = 0; i < m.n; i++)
			printf("  %-15s %s\n", m.t[i].table,
			    m.t[i].verified);
		printf("to run on it, set database to that connection string "
		    "and key_file to %s (the same key) in the configuration\n",
		    c->conf->key_file);
		free(safe);
	}
	for (i = 0; i < m.n; i++)
		free(m.t[i].verified);
	return rc;
}
