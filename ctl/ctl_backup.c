/*
 * ctl_backup.c: backup FILE: a consistent copy of the database through
 * store_backup() (SQLite's online backup), safe while tincayd runs; FILE
 * is created 0600 and never overwritten; progress on stderr when the copy
 * takes more than one step. Its texts and numbers are sealed (SPEC §8),
 * so the database's key goes with it, as FILE.key (0600, never
 * overwritten): a backup that cannot be read is no backup.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

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

#define CTL_KEY_MAX	256	/* a key file is 32 bytes */

/* Copy the database's key file to file.key, created 0600. 0, or -1. */
static int
ctl_backup_key(struct ctl *c, const char *file)
{
	char		 buf[CTL_KEY_MAX], *from, *to;
	ssize_t		 n;
	int		 in, out, rc = -1;

	from = c->conf->key_file != NULL ? xstrdup(c->conf->key_file) :
	    xasprintf("%s.key", c->conf->database);
	to = xasprintf("%s.key", file);
	if ((in = open(from, O_RDONLY)) == -1) {
		fprintf(stderr, "tincayctl: backup: %s: %s\n", from,
		    strerror(errno));
		goto done;
	}
	if ((out = open(to, O_WRONLY | O_CREAT | O_EXCL, 0600)) == -1) {
		fprintf(stderr, "tincayctl: backup: %s: %s; the key is not "
		    "copied\n", to, strerror(errno));
		close(in);
		goto done;
	}
	if ((n = read(in, buf, sizeof(buf))) > 0 &&
	    write(out, buf, (size_t)n) == n && fsync(out) == 0)
		rc = 0;
	else
		fprintf(stderr, "tincayctl: backup: cannot copy the key to "
		    "%s\n", to);
	close(in);
	if (close(out) == -1)
		rc = -1;
	if (rc == 0)
		printf("its key written to %s: keep both together, and apart "
		    "from anyone who should not read the texts\n", to);
	else
		(void)unlink(to);
	explicit_bzero(buf, sizeof(buf));
done:
	free(from);
	free(to);
	return rc;
}

int
ctl_backup(struct ctl *c, int argc, char **argv)
{
	char	 err[512], *key;
	int	 last = 0, taken;

	if (argc != 2) {
		fprintf(stderr, "usage: tincayctl backup FILE\n");
		return -1;
	}
	/* A backup never overwrites: its key's name must be free too. */
	key = xasprintf("%s.key", argv[1]);
	taken = access(key, F_OK) == 0;
	if (taken)
		fprintf(stderr, "tincayctl: backup: %s exists; choose another "
		    "name (a backup never overwrites)\n", key);
	free(key);
	if (taken)
		return -1;
	if (store_backup(c->st, argv[1], CTL_BACKUP_STEP, ctl_backup_progress,
	    &last, err, sizeof(err)) == -1) {
		fprintf(stderr, "tincayctl: %s\n", err);
		return -1;
	}
	printf("backup written to %s\n", argv[1]);
	if (ctl_backup_key(c, argv[1]) == -1) {
		/* Without its key the copy is no backup: try again whole. */
		(void)unlink(argv[1]);
		fprintf(stderr, "tincayctl: backup: %s removed\n", argv[1]);
		return -1;
	}
	return 0;
}
