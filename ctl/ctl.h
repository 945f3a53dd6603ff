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
/* ctl_stats.c: stats of a period, gathered once into the core's figures
 * (report.c) that each format prints. */
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
