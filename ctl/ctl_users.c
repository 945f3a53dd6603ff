/*
 * ctl_users.c: tincayctl users add|list|remove|passwd|totp, the console's
 * users (SPEC §12). A password is read from standard input, one line
 * (asked twice, without echo, on a terminal), and only its hash is kept;
 * every change is written with its audit row (user "tincayctl") in one
 * transaction, or nothing is.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <termios.h>
#include <unistd.h>

#include <cjson/cJSON.h>
#include <openssl/crypto.h>

#include "ctl.h"

#define CTL_AUDIT_USER	"tincayctl"

/*
 * One line of fd 0 into buf (its '\n', and a '\r' before it, taken off):
 * its length; -1 at end of input or on error (said). What is read is
 * never echoed: a terminal's echo is off while it is typed.
 */
static ssize_t
ctl_users_line(const char *prompt, char *buf, size_t len)
{
	struct termios	 old, quiet;
	int		 tty = isatty(STDIN_FILENO), restore = 0;
	size_t		 n = 0;
	ssize_t		 r;
	char		 ch;

	if (tty) {
		fputs(prompt, stderr);
		fflush(stderr);
		if (tcgetattr(STDIN_FILENO, &old) == 0) {
			quiet = old;
			quiet.c_lflag &= ~(tcflag_t)ECHO;
			quiet.c_lflag |= ECHONL;
			restore = tcsetattr(STDIN_FILENO, TCSAFLUSH,
			    &quiet) == 0;
		}
	}
	/* A byte at a time: nothing past the line is taken from fd 0. */
	while ((r = read(STDIN_FILENO, &ch, 1)) == 1 && ch != '\n') {
		if (n + 1 < len)
			buf[n] = ch;
		n++;
	}
	if (restore)
		(void)tcsetattr(STDIN_FILENO, TCSAFLUSH, &old);
	if (r == -1) {
		fprintf(stderr, "tincayctl: reading the password: %s\n",
		    strerror(errno));
		return -1;
	}
	if (n >= len) {
		OPENSSL_cleanse(buf, len);
		buf[0] = '\0';
		/* Longer than any password: passwd_check refuses it. */
		return (ssize_t)len;
	}
	if (n > 0 && buf[n - 1] == '\r')
		n--;
	buf[n] = '\0';
	return (ssize_t)n;
}

/*
 * The new password of name, read and checked, hashed into hash. 0, or -1
 * (said: empty, short, the two differ on a terminal).
 */
static int
ctl_users_password(const char *name, char hash[PASSWD_HASH_MAX])
{
	char		 pw[PASSWD_MAX + 2], again[PASSWD_MAX + 2], prompt[128];
	const char	*why;
	ssize_t		 n, m;
	int		 rc = -1;

	snprintf(prompt, sizeof(prompt), "Password for %s: ", name);
	if ((n = ctl_users_line(prompt, pw, sizeof(pw))) == -1)
		goto out;
	if ((why = passwd_check(pw, (size_t)n)) != NULL) {
		fprintf(stderr, "tincayctl: %s (at least %d characters, one "
		    "line on standard input)\n", why, PASSWD_MIN);
		goto out;
	}
	if (isatty(STDIN_FILENO)) {
		if ((m = ctl_users_line("Again: ", again, sizeof(again))) ==
		    -1)
			goto out;
		if (m != n || memcmp(pw, again, (size_t)n) != 0) {
			fprintf(stderr, "tincayctl: the two passwords "
			    "differ\n");
			goto out;
		}
	}
	if (passwd_hash(pw, (size_t)n, hash) == -1) {
		fprintf(stderr, "tincayctl: cannot hash the password\n");
		goto out;
	}
	rc = 0;
out:
	OPENSSL_cleanse(pw, sizeof(pw));
	OPENSSL_cleanse(again, sizeof(again));
	return rc;
}

/* A new TOTP secret for name, set in the open batch with its audit row,
 * into secret. 0, or -1 (said). */
static int
ctl_users_totp_new(struct ctl *c, const char *name,
    char secret[TOTP_SECRET_LEN + 1])
{
	if (totp_secret_new(secret, TOTP_SECRET_LEN + 1) == -1) {
		fprintf(stderr, "tincayctl: no randomness for a secret\n");
		return -1;
	}
	if (store_user_totp_set(c->st, name, secret) != 1 ||
	    store_audit_add(c->st, util_now(), CTL_AUDIT_USER, "user_totp",
	    name, NULL, "on") == -1) {
		fprintf(stderr, "tincayctl: database: %s\n",
		    store_errmsg(c->st));
		return -1;
	}
	return 0;
}

/* The secret, and the URI an authenticator app reads, after COMMIT. */
static void
ctl_users_totp_print(const char *name, const char *secret)
{
	char	 uri[TOTP_URI_MAX];

	printf("TOTP secret for %s: %s\n", name, secret);
	if (totp_uri(name, secret, uri, sizeof(uri)) == 0)
		printf("%s\n", uri);
	printf("Enter it in an authenticator app (or open the URI): the "
	    "console asks for its 6-digit code at sign-in.\n");
}

/* Commit, or roll back and say so: 0, or -1. */
static int
ctl_users_commit(struct ctl *c, int ok)
{
	if (ok && store_commit(c->st) == 0)
		return 0;
	if (ok)
		fprintf(stderr, "tincayctl: database: %s\n",
		    store_errmsg(c->st));
	store_rollback(c->st);
	fprintf(stderr, "tincayctl: nothing changed\n");
	return -1;
}

int
ctl_users_add(struct ctl *c, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "name", required_argument, NULL, 'n' },
		{ "role", required_argument, NULL, 'r' },
		{ "areas", required_argument, NULL, 'a' },
		{ "communes", required_argument, NULL, 'C' },
		{ "totp", no_argument, NULL, 't' },
		{ NULL, 0, NULL, 0 },
	};
	struct user_row	 u, old;
	const char	*name = NULL, *role = NULL, *areas = NULL;
	const char	*communes = NULL, *why;
	char		 secret[TOTP_SECRET_LEN + 1], detail[64];
	int		 ch, totp = 0, rc, ok;

	optind = 0;
	while ((ch = ctl_getopt(argc, argv, opts)) != -1) {
		switch (ch) {
		case 'n': name = optarg; break;
		case 'r': role = optarg; break;
		case 'a': areas = optarg; break;
		case 'C': communes = optarg; break;
		case 't': totp = 1; break;
		default: return -1;
		}
	}
	if (optind != argc || name == NULL || role == NULL) {
		fprintf(stderr, "usage: tincayctl users add --name N --role "
		    "admin|caseworker|viewer [--areas A] [--communes C] "
		    "[--totp]\n");
		return -1;
	}
	memset(&u, 0, sizeof(u));
	if ((why = passwd_name_check(name)) != NULL) {
		fprintf(stderr, "tincayctl: users add: --name %s: %s\n", name,
		    why);
		return -1;
	}
	if (!passwd_role_ok(role)) {
		fprintf(stderr, "tincayctl: users add: --role %s: not a role "
		    "(admin, caseworker or viewer)\n", role);
		return -1;
	}
	if ((why = scope_communes(c->conf, communes, u.communes,
	    sizeof(u.communes))) != NULL || (why = scope_areas(c->conf,
	    u.communes, areas, u.areas, sizeof(u.areas))) != NULL) {
		fprintf(stderr, "tincayctl: users add: %s\n", why);
		return -1;
	}
	/* Said before a password is asked for. */
	if ((rc = store_user_get(c->st, name, &old)) != 0) {
		if (rc == 1)
			fprintf(stderr, "tincayctl: users add: a user %s "
			    "exists already (users passwd %s sets a new "
			    "password)\n", name, name);
		else
			fprintf(stderr, "tincayctl: database: %s\n",
			    store_errmsg(c->st));
		return -1;
	}
	util_strlcpy(u.name, name, sizeof(u.name));
	util_strlcpy(u.role, role, sizeof(u.role));
	if (ctl_users_password(name, u.pw_hash) == -1) {
		fprintf(stderr, "tincayctl: no user added\n");
		return -1;
	}
	u.created_at = util_now();
	snprintf(detail, sizeof(detail), "%s%s", role, totp ? " totp" : "");
	if ((rc = store_user_add(c->st, &u)) == 1)
		fprintf(stderr, "tincayctl: users add: a user %s exists "
		    "already\n", name);
	ok = rc == 0 && store_audit_add(c->st, u.created_at, CTL_AUDIT_USER,
	    "user_add", name, NULL, detail) == 0 &&
	    (!totp || ctl_users_totp_new(c, name, secret) == 0);
	if (rc == -1)
		fprintf(stderr, "tincayctl: database: %s\n",
		    store_errmsg(c->st));
	OPENSSL_cleanse(u.pw_hash, sizeof(u.pw_hash));
	if (ctl_users_commit(c, ok) == -1)
		return -1;
	printf("user %s added (%s; communes %s; areas %s)\n", name, role,
	    u.communes, u.areas);
	if (totp)
		ctl_users_totp_print(name, secret);
	OPENSSL_cleanse(secret, sizeof(secret));
	return 0;
}

/* users list: a table, or a JSON array; never a hash nor a secret. */
struct ctl_users_out {
	struct ctl	*c;
	cJSON		*arr;		/* JSON; ours */
	struct tz_zone	*zone;		/* text; ours */
	struct ctl_table table;
};

static int
ctl_users_row(const struct user_row *u, void *arg)
{
	struct ctl_users_out	*o = arg;
	cJSON			*r;
	char			 created[TZ_STAMP_MAX], seen[TZ_STAMP_MAX];

	if (o->arr != NULL) {
		if ((r = cJSON_CreateObject()) == NULL)
			fatalx("out of memory");
		cJSON_AddStringToObject(r, "name", u->name);
		cJSON_AddStringToObject(r, "role", u->role);
		cJSON_AddStringToObject(r, "communes", u->communes);
		cJSON_AddStringToObject(r, "areas", u->areas);
		cJSON_AddBoolToObject(r, "totp", u->totp);
		cJSON_AddNumberToObject(r, "created_at",
		    (double)u->created_at);
		if (u->last_signin_at != 0)
			cJSON_AddNumberToObject(r, "last_signin_at",
			    (double)u->last_signin_at);
		else
			cJSON_AddNullToObject(r, "last_signin_at");
		cJSON_AddItemToArray(o->arr, r);
		return 0;
	}
	if (tz_zone_stamp(o->zone, u->created_at, created) == -1)
		snprintf(created, sizeof(created), "%lld",
		    (long long)u->created_at);
	if (u->last_signin_at == 0)
		util_strlcpy(seen, "-", sizeof(seen));
	else if (tz_zone_stamp(o->zone, u->last_signin_at, seen) == -1)
		snprintf(seen, sizeof(seen), "%lld",
		    (long long)u->last_signin_at);
	ctl_table_add(&o->table, u->name);
	ctl_table_add(&o->table, u->role);
	ctl_table_add(&o->table, u->communes);
	ctl_table_add(&o->table, u->areas);
	ctl_table_add(&o->table, u->totp ? "yes" : "no");
	ctl_table_add(&o->table, created);
	ctl_table_add(&o->table, seen);
	return 0;
}

int
ctl_users_list(struct ctl *c, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ NULL, 0, NULL, 0 },
	};
	static const char *const head[] = { "name", "role", "communes",
	    "areas", "totp", "created_at", "last_signin_at" };
	struct ctl_users_out	 o;
	char			*out;
	size_t			 i;
	int			 ch, rc;

	optind = 0;
	while ((ch = ctl_getopt(argc, argv, opts)) != -1) {
		if (ch != 'j')
			return -1;
		c->json = 1;
	}
	if (optind != argc) {
		fprintf(stderr, "usage: tincayctl users list [--json]\n");
		return -1;
	}
	memset(&o, 0, sizeof(o));
	o.c = c;
	if (c->json && (o.arr = cJSON_CreateArray()) == NULL)
		fatalx("out of memory");
	if (!c->json) {
		o.zone = tz_zone_enter(c->conf->timezone);
		o.table.ncols = sizeof(head) / sizeof(head[0]);
		for (i = 0; i < o.table.ncols; i++)
			ctl_table_add(&o.table, head[i]);
	}
	rc = store_user_list(c->st, ctl_users_row, &o);
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

/* The one NAME of users remove|passwd|totp, and whether it is a user:
 * 1, or 0 (said). opts: the command's (NULL: none). */
static int
ctl_users_named(struct ctl *c, const char *verb, const char *name,
    struct user_row *u)
{
	int	 rc;

	if ((rc = store_user_get(c->st, name, u)) == 1)
		return 1;
	if (rc == 0)
		fprintf(stderr, "tincayctl: users %s: no user %s (users list "
		    "shows them)\n", verb, name);
	else
		fprintf(stderr, "tincayctl: database: %s\n",
		    store_errmsg(c->st));
	return 0;
}

int
ctl_users_remove(struct ctl *c, int argc, char **argv)
{
	struct user_row	 u;
	int		 ok;

	if (argc != 2 || argv[1][0] == '-') {
		fprintf(stderr, "usage: tincayctl users remove NAME\n");
		return -1;
	}
	if (!ctl_users_named(c, "remove", argv[1], &u))
		return -1;
	ok = store_user_remove(c->st, argv[1]) == 1 && store_audit_add(c->st,
	    util_now(), CTL_AUDIT_USER, "user_remove", argv[1], NULL,
	    u.role) == 0;
	if (!ok)
		fprintf(stderr, "tincayctl: database: %s\n",
		    store_errmsg(c->st));
	if (ctl_users_commit(c, ok) == -1)
		return -1;
	printf("user %s removed\n", argv[1]);
	return 0;
}

int
ctl_users_passwd(struct ctl *c, int argc, char **argv)
{
	struct user_row	 u;
	char		 h[PASSWD_HASH_MAX];
	int		 ok;

	if (argc != 2 || argv[1][0] == '-') {
		fprintf(stderr, "usage: tincayctl users passwd NAME\n");
		return -1;
	}
	if (!ctl_users_named(c, "passwd", argv[1], &u))
		return -1;
	if (ctl_users_password(argv[1], h) == -1) {
		fprintf(stderr, "tincayctl: the password of %s is unchanged\n",
		    argv[1]);
		return -1;
	}
	ok = store_user_passwd(c->st, argv[1], h) == 1 &&
	    store_audit_add(c->st, util_now(), CTL_AUDIT_USER, "user_passwd",
	    argv[1], NULL, NULL) == 0;
	OPENSSL_cleanse(h, sizeof(h));
	if (!ok)
		fprintf(stderr, "tincayctl: database: %s\n",
		    store_errmsg(c->st));
	if (ctl_users_commit(c, ok) == -1)
		return -1;
	printf("password of %s set%s\n", argv[1], u.locked_until > util_now() ?
	    " (and the lock lifted)" : "");
	return 0;
}

int
ctl_users_totp(struct ctl *c, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "off", no_argument, NULL, 'o' },
		{ NULL, 0, NULL, 0 },
	};
	struct user_row	 u;
	char		 secret[TOTP_SECRET_LEN + 1];
	int		 ch, off = 0, ok;

	optind = 0;
	while ((ch = ctl_getopt(argc, argv, opts)) != -1) {
		if (ch != 'o')
			return -1;
		off = 1;
	}
	if (optind + 1 != argc) {
		fprintf(stderr, "usage: tincayctl users totp NAME [--off]\n");
		return -1;
	}
	if (!ctl_users_named(c, "totp", argv[optind], &u))
		return -1;
	if (off) {
		ok = store_user_totp_set(c->st, u.name, NULL) == 1 &&
		    store_audit_add(c->st, util_now(), CTL_AUDIT_USER,
		    "user_totp", u.name, NULL, "off") == 0;
		if (!ok)
			fprintf(stderr, "tincayctl: database: %s\n",
			    store_errmsg(c->st));
		if (ctl_users_commit(c, ok) == -1)
			return -1;
		printf("TOTP off for %s%s\n", u.name, u.totp ? "" :
		    " (it was off)");
		return 0;
	}
	ok = ctl_users_totp_new(c, u.name, secret) == 0;
	if (ctl_users_commit(c, ok) == -1)
		return -1;
	ctl_users_totp_print(u.name, secret);
	OPENSSL_cleanse(secret, sizeof(secret));
	return 0;
}
