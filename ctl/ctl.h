/*
 * ctl.h: what the files of tincayctl share: the open configuration and
 * database, and one function per command (named after its file).
 */
#ifndef TINCAY_CTL_H
#define TINCAY_CTL_H

#include "../core/core.h"
#include "../core/store.h"
#include "../handlers/handlers.h"

struct ctl {
	struct config	*conf;
	struct store	*st;
	int		 json;
	const char	*status;
};

/* Each command gets its own words, argv[0] being its last name. */
typedef int	 (*ctl_fn)(struct ctl *, int, char **);

/* ctl_contacts.c */
int		 ctl_contacts_import(struct ctl *, int, char **);
int		 ctl_contacts_add(struct ctl *, int, char **);
int		 ctl_contacts_remove(struct ctl *, int, char **);
/* ctl_broadcast.c */
int		 ctl_broadcast(struct ctl *, int, char **);
/* ctl_stats.c */
int		 ctl_stats(struct ctl *, int, char **);
/* ctl_inbox.c */
int		 ctl_inbox_file(struct ctl *, int, char **);
int		 ctl_inbox_dismiss(struct ctl *, int, char **);
/* ctl_send.c */
int		 ctl_send(struct ctl *, int, char **);
/* ctl_close.c */
int		 ctl_close(struct ctl *, int, char **);
/* ctl_backup.c */
int		 ctl_backup(struct ctl *, int, char **);
/* ctl_purge.c */
int		 ctl_purge(struct ctl *, int, char **);

#endif
