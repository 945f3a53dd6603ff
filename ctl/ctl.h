/*
 * ctl.h: what the files of tincayctl share: the open configuration and
 * database, and one function per command (named after its file).
 */
#ifndef TINCAY_CTL_H
#define TINCAY_CTL_H

#include "../core/core.h"
#include "../store/store.h"
#include "../handlers/handlers.h"

struct ctl {
	struct config	*conf;
	struct store	*st;
	int		 json;
	const char	*status;
	const char	*commune;	/* --commune: a code, "*"; NULL: all */
};

/* Each command gets its own words, argv[0] being its last name. */
typedef int	 (*ctl_fn)(struct ctl *, int, char **);
struct option;
/* getopt_long for a command's options (optind reset by the caller): an
 * option unknown or without its value is said in one line, naming the
 * command; then '?'. */
int		 ctl_getopt(int, char **, const struct option *);
/*
 * --commune arg of command what (SPEC §11): the config's code it names
 * (any case), or "*" (the city's, reports nobody placed yet); NULL, said
 * in one line naming the configured codes, if the config has no such
 * commune or none at all.
 */
const char	*ctl_commune(const struct config *, const char *what,
		    const char *arg);
/* The config's commune codes, ", " between, into out (cut to fit). */
void		 ctl_commune_codes(const struct config *, char *out,
		    size_t outlen);

/*
 * ctl.c: a text listing, kept until the width of each column is known,
 * then printed in columns two spaces apart under its header (SPEC §7).
 * Set ncols, add the header's cells, then each row's: each cell is
 * screened (text_screen) and copied. free accepts an empty table.
 */
#define CTL_COLS	16
struct ctl_table {
	char	**cell;			/* screened, ours; header first */
	size_t	  ncols, ncells, cap;
	size_t	  width[CTL_COLS];
};
void		 ctl_table_add(struct ctl_table *, const char *);
void		 ctl_table_print(struct ctl_table *);
void		 ctl_table_free(struct ctl_table *);

/* ctl_contacts.c */
int		 ctl_contacts_import(struct ctl *, int, char **);
int		 ctl_contacts_add(struct ctl *, int, char **);
int		 ctl_contacts_remove(struct ctl *, int, char **);
/* ctl_broadcast.c */
int		 ctl_broadcast(struct ctl *, int, char **);
/* ctl_stats.c: a date YYYY-MM-DD that exists. 0, or -1. */
int		 ctl_date(const char *s, int *y, int *m, int *d);
/* ctl_stats.c: stats of a period, gathered once into figures that each
 * format prints (text, csv, json here; html in ctl_html.c). */
int		 ctl_stats(struct ctl *, int, char **);
/* ctl_inbox.c */
int		 ctl_inbox_file(struct ctl *, int, char **);
int		 ctl_inbox_dismiss(struct ctl *, int, char **);
/* ctl_send.c */
int		 ctl_send(struct ctl *, int, char **);
/* ctl_close.c */
int		 ctl_close(struct ctl *, int, char **);
int		 ctl_amend(struct ctl *, int, char **);
/* ctl_backup.c */
int		 ctl_backup(struct ctl *, int, char **);
/* ctl_migrate.c */
int		 ctl_migrate(struct ctl *, int, char **);
/* A breakdown: keys in the order they are shown, with their counts. */
struct ctl_tally {
	struct ctl_tally_item {
		char	*key;		/* ours */
		int64_t	 n;
		unsigned char hide;	/* enum suppress_mark */
	}		*v;
	size_t		 n, cap;
};
/* CTL_BY_COMMUNE: a city's report only (SPEC §11). */
enum ctl_by {
	CTL_BY_CATEGORY, CTL_BY_STATUS, CTL_BY_AREA, CTL_BY_SIGNUPS,
	CTL_BY_MONTH, CTL_BY_SEX, CTL_BY_AGE, CTL_BY_OUTCOME, CTL_BY_COMMUNE,
	CTL_BY__MAX
};
/* The reports of a period by (area, category, status), and the signups
 * by area (status NULL), as the store ordered them. */
struct ctl_rows {
	struct ctl_row {
		char	*commune;	/* a city's report: its code; else NULL */
		char	*area;		/* NULL: unknown */
		char	*key;		/* its area's in by[]: "T3", "unknown";
					 * a city's "CODE.T3", "CODE.unknown" */
		char	*category;
		char	*status;	/* NULL for signups */
		int64_t	 n;
		unsigned char hide;	/* enum suppress_mark */
	}		*v;
	size_t		 n, cap;
};
/* A hamlet the report lists, in the config's order: its key in
 * by[CTL_BY_AREA] (ours) and its name (borrowed from the config). */
struct ctl_hamlet {
	char		*key;
	const char	*name;
};
struct ctl_figures {
	/* The config the report is of: the one without communes, the
	 * commune's (--commune), or a city's top level (the city's). */
	const struct config *conf;
	/* A city's report (no --commune): the whole config, else NULL. */
	const struct config *city;
	const char	*commune;	/* --commune: a code, "*"; else NULL */
	struct ctl_hamlet *hamlets;	/* ours */
	size_t		 nhamlets;
	char		 from[16], to[16];	/* local dates, inclusive */
	char		 made[24];	/* local "YYYY-MM-DD HH:MM" */
	int		 k;		/* --suppress: 1..k-1 shown "<k" */
	int64_t		 reports, signups;
	struct ctl_rows	 rows;
	struct ctl_tally by[CTL_BY__MAX];	/* area keys: codes, "unknown";
						 * month keys "YYYY-MM" */
	struct casework	 cw;		/* its medians; counts are in by[] */
	/* --suppress: how the text table's sums are shown (enum
	 * suppress_mark), by the indices of by[CTL_BY_AREA] and
	 * by[CTL_BY_CATEGORY]; NULL without. */
	unsigned char	*line_hide;	/* an area's category: na x nc */
	unsigned char	*all_hide;	/* a category's status: nc x STATS__MAX */
};
/* n as shown: "<k" for 1..k-1 under --suppress K, else the number. */
void		 ctl_shown(const struct ctl_figures *, int64_t n, char *out,
		    size_t outlen);
/* A cell of a table as shown: also "*" hidden as a complement (SPEC §6). */
void		 ctl_cell(const struct ctl_figures *, int64_t n,
		    unsigned char hide, char *out, size_t outlen);
/* A commune's name in a city's report: the config's, and for "*" and ""
 * what they stand for (vi: in Vietnamese). */
const char	*ctl_commune_name(const struct ctl_figures *, const char *code,
		    int vi);
/* A commune's medians as shown under --suppress: 1 and none (-1) when
 * they hold 1 to k - 1 reports, as a hamlet's count would be hidden;
 * else 0. */
int		 ctl_commune_medians(const struct ctl_figures *,
		    const char *code, struct casework_medians *);
/* How a sum of the report rows is shown under --suppress (enum
 * suppress_mark): area's category, or (area NULL) a category's status s
 * over the areas, s -1 the category's. */
unsigned char	 ctl_sum_hide(const struct ctl_figures *, const char *area,
		    const char *category, int s);
/* ctl_html.c: the figures as one self-contained printable page. */
void		 ctl_html(FILE *, const struct ctl_figures *);
/* ctl_users.c: the console's users (SPEC §12). */
int		 ctl_users_add(struct ctl *, int, char **);
int		 ctl_users_list(struct ctl *, int, char **);
int		 ctl_users_remove(struct ctl *, int, char **);
int		 ctl_users_passwd(struct ctl *, int, char **);
int		 ctl_users_totp(struct ctl *, int, char **);
/* ctl_audit.c: the console's audit log. */
int		 ctl_audit(struct ctl *, int, char **);
/* ctl_purge.c */
int		 ctl_purge(struct ctl *, int, char **);

#endif
