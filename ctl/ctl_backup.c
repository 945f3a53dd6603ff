/*
 * ctl_backup.c: backup FILE: a consistent copy of the database through
 * store_backup() (SQLite's online backup), safe while tincayd runs; FILE
 * is created 0600 and never overwritten; progress on stderr when the copy
 * takes more than one step.
 */
#include <stdio.h>

#include "ctl.h"

#define CTL_BACKUP_STEP		1024	/* pages a step: 4 MiB of 4 KiB */
#define CTL_BACKUP_EVERY	5	/* percent between progress lines */

static void
ctl_backup_progress(int64_t done, int64_t total, void *arg)
{
	int	*last = arg;
	int	 pct = total > 0 ? (int)(done * 100 / total) : 100;

	if (pct < *last + CTL_BACKUP_EVERY && done < total)
		return;
	*last = pct;
	fprintf(stderr, "backup: %d%% (%lld of %lld pages)\n", pct,
	    (long long)done, (long long)total);
}

int
ctl_backup(struct ctl *c, int argc, char **argv)
{
	char	 err[512];
	int	 last = 0;

	if (argc != 2) {
		fprintf(stderr, "usage: tincayctl backup FILE\n");
		return -1;
	}
	if (store_backup(c->st, argv[1], CTL_BACKUP_STEP, ctl_backup_progress,
	    &last, err, sizeof(err)) == -1) {
		fprintf(stderr, "tincayctl: %s\n", err);
		return -1;
	}
	printf("backup written to %s\n", argv[1]);
	return 0;
}
