/*
 * ctl_audit.c: tincayctl audit, the console's audit log (SPEC §12): who
 * did what, when and from where, newest first, of a period (local dates,
 * inclusive) and of one user if asked; a table with local times, or a
 * JSON array of {at, user, action, target, addr, detail}.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "ctl.h"

struct ctl_audit_out {
	cJSON		*arr;		/* JSON; ours */
	struct tz_zone	*zone;		/* text; ours */
	struct ctl_table table;
};

static int
ctl_audit_row(const struct audit_row *a, void *arg)
{
	struct ctl_audit_out	*o = arg;
	cJSON			*r;
	char			 at[TZ_STAMP_MAX];

	if (o->arr != NULL) {
		if ((r = cJSON_CreateObject()) == NULL)
			fatalx("out of memory");
		cJSON_AddNumberToObject(r, "at", (double)a->at);
		cJSON_AddStringToObject(r, "user", a->user);
		cJSON_AddStringToObject(r, "action", a->action);
		cJSON_AddStringToObject(r, "target", a->target);
		cJSON_AddStringToObject(r, "addr", a->addr);
		cJSON_AddStringToObject(r, "detail", a->detail);
		cJSON_AddItemToArray(o->arr, r);
		return 0;
	}
	if (tz_zone_stamp(o->zone, a->at, at) == -1)
		snprintf(at, sizeof(at), "%lld", (long long)a->at);
	ctl_table_add(&o->table, at);
	ctl_table_add(&o->table, a->user);
	ctl_table_add(&o->table, a->action);
	ctl_table_add(&o->table, a->target[0] != '\0' ? a->target : "-");
	ctl_table_add(&o->table, a->addr[0] != '\0' ? a->addr : "-");
	ctl_table_add(&o->table, a->detail[0] != '\0' ? a->detail : "-");
	return 0;
}

/* Local date arg of option what, its midnight (next: the day after's)
 * into *t. 0, or -1 (said). */
static int
ctl_audit_day(const char *tz, const char *what, const char *arg, int next,
    int64_t *t)
{
	int	 y, m, d;

	if (report_date(arg, &y, &m, &d) == -1) {
		fprintf(stderr, "tincayctl: audit: %s %s: not a date "
		    "YYYY-MM-DD\n", what, arg);
		return -1;
	}
	if ((*t = tz_midnight(tz, y, m, d + next)) == -1) {
		fprintf(stderr, "tincayctl: audit: %s %s: out of range\n",
		    what, arg);
		return -1;
	}
	return 0;
}

int
ctl_audit(struct ctl *c, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "from", required_argument, NULL, 'f' },
		{ "to", required_argument, NULL, 't' },
		{ "user", required_argument, NULL, 'u' },
		{ "json", no_argument, NULL, 'j' },
		{ NULL, 0, NULL, 0 },
	};
	static const char *const head[] = { "at", "user", "action", "target",
	    "addr", "detail" };
	struct ctl_audit_out	 o;
	const char		*tz = c->conf->timezone, *user = NULL;
	int64_t			 from = 0, to = INT64_MAX;
	char			*out;
	size_t			 i;
	int			 ch, rc;

	optind = 0;
	while ((ch = ctl_getopt(argc, argv, opts)) != -1) {
		switch (ch) {
		case 'f':
			if (ctl_audit_day(tz, "--from", optarg, 0,
			    &from) == -1)
				return -1;
			break;
		case 't':
			if (ctl_audit_day(tz, "--to", optarg, 1, &to) == -1)
				return -1;
			break;
		case 'u':
			user = optarg;
			break;
		case 'j':
			c->json = 1;
			break;
		default:
			return -1;
		}
	}
	if (optind != argc) {
		fprintf(stderr, "usage: tincayctl audit [--from YYYY-MM-DD] "
		    "[--to YYYY-MM-DD] [--user N] [--json]\n");
		return -1;
	}
	if (from >= to) {
		fprintf(stderr, "tincayctl: audit: --from is after --to\n");
		return -1;
	}
	memset(&o, 0, sizeof(o));
	if (c->json && (o.arr = cJSON_CreateArray()) == NULL)
		fatalx("out of memory");
	if (!c->json) {
		o.zone = tz_zone_enter(tz);
		o.table.ncols = sizeof(head) / sizeof(head[0]);
		for (i = 0; i < o.table.ncols; i++)
			ctl_table_add(&o.table, head[i]);
	}
	rc = store_audit_list(c->st, from, to, user, 0, ctl_audit_row, &o);
	tz_zone_leave(o.zone);
	if (rc == -1)
		fprintf(stderr, "tincayctl: database: %s\n",
		    store_errmsg(c->st));
	else if (o.arr != NULL) {
		out = cJSON_PrintUnformatted(o.arr);
		printf("%s\n", out);
		free(out);
	} else
		ctl_table_print(&o.table);
	cJSON_Delete(o.arr);
	ctl_table_free(&o.table);
	return rc;
}
