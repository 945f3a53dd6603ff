/*
 * store_health.c: whether a commit would be durable and find room now
 * (SPEC §3, §9): the database file and the WAL that SQLite writes are still
 * the ones their paths name, and the file system has room; a WAL deleted
 * under us is mended; after a failed commit, a cheap probe brings health
 * and delivery back as soon as the disk is.
 */
#include <sys/stat.h>
#include <sys/statvfs.h>

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include <sqlite3.h>

#include "../core/core.h"
#include "store.h"
#include "store_int.h"

/*
 * Free space under which a commit may not find room: a pass's batch under
 * a burst writes a few hundred KiB of WAL frames. Health says 503 below it,
 * even if the WAL still has room inside it: the disk is as good as full.
 */
#define STORE_HEADROOM		(1024 * 1024)
#define STORE_PROBE_MS		1000	/* after a failed commit */

/* The database file's path, or NULL: in memory, or not SQLite (whose
 * server keeps its own files). */
static const char *
store_file_path(struct store *st)
{
	sqlite3		*h = db_sqlite_handle(st->db);

	return h != NULL ? sqlite3_db_filename(h, "main") : NULL;
}

/* Whether the database is read-only (SQLite's file, opened so). */
static int
store_readonly(struct store *st)
{
	sqlite3		*h = db_sqlite_handle(st->db);

	return h != NULL && sqlite3_db_readonly(h, "main") != 0;
}

/* SQLite's busy timeout, if it is SQLite. */
static void
store_busy_set(struct store *st, int ms)
{
	sqlite3		*h = db_sqlite_handle(st->db);

	if (h != NULL)
		sqlite3_busy_timeout(h, ms);
}

/* The WAL's path (SQLite's name for it), or NULL: in memory. */
static const char *
store_wal_path(struct store *st)
{
	sqlite3_filename db = store_file_path(st);

	if (db == NULL || *db == '\0')
		return NULL;
	return sqlite3_filename_wal(db);
}

/* The files the paths name now, to tell later if they are gone or
 * replaced: the database's at open, the WAL's once SQLite has it open. */
void
store_file_note(struct store *st)
{
	const char	*path = store_file_path(st);
	struct stat	 sb;

	if (path == NULL || *path == '\0' || stat(path, &sb) == -1)
		return;
	st->file_dev = (uint64_t)sb.st_dev;
	st->file_ino = (uint64_t)sb.st_ino;
	st->file_known = 1;
}

void
store_wal_note(struct store *st)
{
	const char	*path = store_wal_path(st);
	struct stat	 sb;

	st->wal_known = 0;
	if (path == NULL || stat(path, &sb) == -1)
		return;
	st->wal_dev = (uint64_t)sb.st_dev;
	st->wal_ino = (uint64_t)sb.st_ino;
	st->wal_known = 1;
}

/* Whether path names the file (dev, ino): 0, or -1 and why. */
static int
store_same(const char *what, const char *path, uint64_t dev, uint64_t ino,
    char *why, size_t whylen)
{
	struct stat	 sb;

	if (stat(path, &sb) == -1) {
		snprintf(why, whylen, "%s %s", what, errno == ENOENT ?
		    "is gone" : strerror(errno));
		return -1;
	}
	if ((uint64_t)sb.st_dev != dev || (uint64_t)sb.st_ino != ino) {
		snprintf(why, whylen, "%s was replaced", what);
		return -1;
	}
	return 0;
}

/*
 * Whether the paths still name the files we write: the database deleted
 * or replaced under us, a commit would go to a file nobody will open
 * again; the WAL deleted, a commit would live only in an unlinked inode
 * until a checkpoint, and a crash before it loses it. 0 they do (or the
 * database is in memory), -1 not, and why.
 */
int
store_file_same(struct store *st, char *why, size_t whylen)
{
	const char	*path = store_file_path(st);

	if (!st->file_known || path == NULL)
		return 0;
	if (store_same("database file", path, st->file_dev, st->file_ino,
	    why, whylen) == -1)
		return -1;
	return store_wal_same(st, why, whylen);
}

int
store_wal_same(struct store *st, char *why, size_t whylen)
{
	const char	*path = store_wal_path(st);

	if (!st->wal_known || path == NULL)
		return 0;
	return store_same("WAL file", path, st->wal_dev, st->wal_ino, why,
	    whylen);
}

/* PRAGMA journal_mode = mode: 0 if it is then, -1 not (an error). */
static int
store_journal_mode(struct store *st, const char *mode)
{
	struct db_stmt	*s;
	char		 sql[64];
	int		 rc = -1;

	snprintf(sql, sizeof(sql), "PRAGMA journal_mode = %s", mode);
	if (db_prepare(st->db, sql, &s) != 0)
		return -1;
	if (db_step(s) == DB_ROW && strncasecmp(
	    db_column_text(s, 0), mode, 8) == 0)
		rc = 0;
	db_finalize(s);
	return rc;
}

/*
 * The WAL's path no longer names the file SQLite writes (deleted, or
 * another file moved there). Leaving WAL mode checkpoints every frame of
 * SQLite's file into the database file, the acknowledged ones too, and
 * closes it; entering WAL mode again makes a new WAL at the path, so the
 * next commit is durable. It needs the database to itself: with another
 * program's connection open it fails and is tried again (the caller's
 * next tick). Never inside a batch. 1 mended, 0 nothing to mend, -1 not
 * now.
 */
int
store_wal_mend(struct store *st)
{
	char	 why[128];
	int	 rc;

	if (st->in_tx || store_wal_same(st, why, sizeof(why)) == 0)
		return 0;
	/* Another connection open: do not wait for it, try again later. */
	store_busy_set(st, 0);
	/* SQLite opens (makes) the new WAL at the next transaction: a read. */
	rc = store_journal_mode(st, "DELETE") == -1 ||
	    store_journal_mode(st, "WAL") == -1 ||
	    store_version(st) == -1 ? -1 : 0;
	store_busy_set(st, st->busy_ms);
	if (rc == -1) {
		log_warnx("database: %s; no new WAL yet (%s): nothing is "
		    "committed until there is", why, db_errmsg(st->db));
		return -1;
	}
	store_wal_note(st);
	/* The checkpoint wrote and synced the database: writes go through. */
	st->commit_failed = 0;
	log_warnx("database: %s; its frames are checkpointed into the "
	    "database file and a new WAL is made", why);
	return 1;
}

/* Room for the next commits: 0, or -1 and why. */
static int
store_room(struct store *st, char *why, size_t whylen)
{
	const char	*path = store_file_path(st);
	struct statvfs	 sv;
	uint64_t	 avail;

	if (!st->file_known || path == NULL || statvfs(path, &sv) == -1)
		return 0;
	avail = (uint64_t)sv.f_bavail * (uint64_t)sv.f_frsize;
	if (avail >= STORE_HEADROOM)
		return 0;
	snprintf(why, whylen, "disk full: %llu KiB free",
	    (unsigned long long)(avail / 1024));
	return -1;
}

/*
 * Whether a commit would be durable and find room now, without writing:
 * the files are ours, the disk has room, and the last commit did not fail
 * for another reason than space (an I/O error: until a commit succeeds,
 * store_probe). 0, or -1 and why, one line.
 */
static int
store_commit_ready(struct store *st, char *why, size_t whylen)
{
	if (store_file_same(st, why, whylen) == -1 ||
	    store_room(st, why, whylen) == -1)
		return -1;
	if (st->commit_failed && !st->commit_full) {
		snprintf(why, whylen, "the last commit failed: %s",
		    st->commit_why);
		return -1;
	}
	return 0;
}

/* Whether a commit failed and none would succeed yet: 1, or 0. */
int
store_failing(struct store *st)
{
	char	 why[128];

	return st->commit_failed && store_commit_ready(st, why,
	    sizeof(why)) == -1;
}

/*
 * After a failed commit, once the files are ours and the disk has room, a
 * commit of one mark in meta, at most every STORE_PROBE_MS: its success
 * ends the failure (health, delivery) without waiting for traffic. 0 no
 * failure (any more), -1 still failing.
 */
int
store_probe(struct store *st)
{
	char	 why[128];
	int64_t	 now;

	if (!st->commit_failed)
		return 0;
	now = util_mono_ms();
	if (st->in_tx || now - st->probed_ms < STORE_PROBE_MS)
		return -1;
	st->probed_ms = now;
	if (store_file_same(st, why, sizeof(why)) == -1 ||
	    store_room(st, why, sizeof(why)) == -1)
		return -1;
	if (store_begin(st) == -1 || store_meta_put_int(st, "probed_at",
	    util_now()) == -1) {
		store_rollback(st);
		return -1;
	}
	return store_commit(st);
}

/* Writable: a write transaction can be taken (or is held by us). */
int
store_writable(struct store *st)
{
	if (st->in_tx)
		return 1;
	if (store_readonly(st))
		return 0;
	if (store_run(st, ST_BEGIN) == -1)
		return 0;
	store_run(st, ST_ROLLBACK);
	return 1;
}

/*
 * Whether a commit would succeed now (SPEC §9, /healthz): store_commit_ready,
 * and a write transaction can be taken. 0 healthy, else -1 and why, one
 * line.
 */
int
store_health(struct store *st, char *why, size_t whylen)
{
	if (store_commit_ready(st, why, whylen) == -1)
		return -1;
	if (store_readonly(st)) {
		snprintf(why, whylen, "database is read-only");
		return -1;
	}
	/* On PostgreSQL a round trip: a server gone says so here. */
	if (!store_writable(st)) {
		snprintf(why, whylen, "database not writable: %s",
		    db_errmsg(st->db));
		return -1;
	}
	return 0;
}
