/*
 * ctl_backup.c: backup FILE: a consistent copy of the database through
 * store_backup() (SQLite's online backup; a server's database copied row
 * by row into a new SQLite file, from one snapshot), safe while tincayd
 * runs; FILE is created 0600 and never overwritten; progress on stderr
 * when the copy takes more than one step. Its texts and numbers are
 * sealed (SPEC §8):
 * the key is copied only with --with-key KEYFILE (0600, never
 * overwritten, never in the copy's directory).
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ctl.h"

#define CTL_BACKUP_STEP		1024	/* pages a step: 4 MiB of 4 KiB */
#define CTL_BACKUP_EVERY	5	/* percent between progress lines */
#define CTL_BACKUP_QUIET	5000	/* rows a server's copy takes quietly */

struct ctl_backup_said {
	int		 last;		/* percent said last */
	const char	*unit;		/* SQLite's pages, a server's rows */
	int64_t		 quiet;		/* no progress for a copy this small */
};

static void
ctl_backup_progress(int64_t done, int64_t total, void *arg)
{
	struct ctl_backup_said	*b = arg;
	int			 pct = total > 0 ? (int)(done * 100 / total) :
				    100;

	if (total < b->quiet || (pct < b->last + CTL_BACKUP_EVERY &&
	    done < total))
		return;
	b->last = pct;
	fprintf(stderr, "backup: %d%% (%lld of %lld %s)\n", pct,
	    (long long)done, (long long)total, b->unit);
}

#define CTL_KEY_MAX	256	/* a key file is 32 bytes */

/* Copy the database's key file to to, created 0600. 0, or -1. */
static int
ctl_backup_key(struct ctl *c, const char *to)
{
	char		 buf[CTL_KEY_MAX];
	const char	*from = c->conf->key_file;
	ssize_t		 n;
	int		 in, out, rc = -1;

	if ((in = open(from, O_RDONLY)) == -1) {
		fprintf(stderr, "tincayctl: backup: %s: %s\n", from,
		    strerror(errno));
		return -1;
	}
	if ((out = open(to, O_WRONLY | O_CREAT | O_EXCL, 0600)) == -1) {
		fprintf(stderr, "tincayctl: backup: %s: %s; the key is not "
		    "copied\n", to, strerror(errno));
		close(in);
		return -1;
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
		printf("its key written to %s: keep it apart from the copy, "
		    "from anyone who should not read the texts\n", to);
	else
		(void)unlink(to);
	explicit_bzero(buf, sizeof(buf));
	return rc;
}

/*
 * backup FILE [--with-key KEYFILE]: the key goes only where asked, and
 * never beside the copy (SPEC §8): a copy found with its key is read by
 * whoever finds it. Nothing is written if KEYFILE is refused.
 */
int
ctl_backup(struct ctl *c, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "with-key", required_argument, NULL, 'k' },
		{ NULL, 0, NULL, 0 },
	};
	struct ctl_backup_said	 said = { 0, "pages", 0 };
	char			 err[512], *fdir, *kdir;
	const char		*file, *key = NULL;
	int			 ch, refused = 0;

	optind = 0;
	while ((ch = ctl_getopt(argc, argv, opts)) != -1) {
		if (ch == 'k')
			key = optarg;
		else
			return -1;
	}
	if (optind != argc - 1) {
		fprintf(stderr, "usage: tincayctl backup FILE "
		    "[--with-key KEYFILE]\n");
		return -1;
	}
	file = argv[optind];
	if (key != NULL) {
		fdir = util_dir(file);
		kdir = util_dir(key);
		if (strcmp(fdir, kdir) == 0) {
			fprintf(stderr, "tincayctl: backup: --with-key %s is in "
			    "%s, beside the copy: whoever takes the directory "
			    "would read every text; write the key elsewhere\n",
			    key, fdir);
			refused = 1;
		} else if (access(key, F_OK) == 0) {
			fprintf(stderr, "tincayctl: backup: %s exists; choose "
			    "another name (a backup never overwrites)\n", key);
			refused = 1;
		}
		free(fdir);
		free(kdir);
		if (refused)
			return -1;
	}
	/* A server's copy is told in rows, as migrate's, when it is long. */
	if (!store_is_file(c->conf->database)) {
		said.unit = "rows";
		said.quiet = CTL_BACKUP_QUIET;
	}
	if (store_backup(c->st, file, CTL_BACKUP_STEP, ctl_backup_progress,
	    &said, err, sizeof(err)) == -1) {
		fprintf(stderr, "tincayctl: %s\n", err);
		return -1;
	}
	printf("backup written to %s\n", file);
	if (key == NULL) {
		printf("its key is not in it: without %s the copy cannot be "
		    "read; keep that key backed up apart (--with-key KEYFILE "
		    "copies it)\n", c->conf->key_file);
		return 0;
	}
	if (ctl_backup_key(c, key) == -1) {
		/* Asked for with its key: try again whole. */
		(void)unlink(file);
		fprintf(stderr, "tincayctl: backup: %s removed\n", file);
		return -1;
	}
	return 0;
}
