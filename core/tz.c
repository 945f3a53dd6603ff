/*
 * tz.c: the commune's calendar. Local dates and local midnights in a named
 * time zone (conf->timezone) through the C library's TZ database, for the
 * stats periods and the campaign dates; local clock times for tincayctl's
 * listings.
 */
#include <sys/stat.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "core.h"

/*
 * Time zones. The boundaries of a day, month or year are local midnights:
 * we set TZ to conf->timezone, call tzset() and mktime()/localtime_r(), and
 * put TZ back as it was (on tincayd's loop; its delivery thread only reads
 * the environment, and main.c sets TZ before it starts, so that TZ is
 * replaced in place; tincayctl has one thread). A machine
 * without tzdata would silently make that UTC, so for the zones listed here
 * we then use the POSIX rule instead: Vietnam has kept UTC+7, without
 * daylight saving, since 1975.
 */
static const struct {
	const char	*name, *posix;
} tz_fallback[] = {
	{ "Asia/Ho_Chi_Minh",	"<+07>-7" },
	{ "Asia/Saigon",	"<+07>-7" },
	{ "Asia/Bangkok",	"<+07>-7" },
	{ "Asia/Vientiane",	"<+07>-7" },
	{ "Asia/Phnom_Penh",	"<+07>-7" },
	{ "UTC",		"UTC0" },
	{ "Etc/UTC",		"UTC0" },
};

/* Whether the file at path is a compiled zone (RFC 8536: "TZif"). */
static int
tz_is_tzif(const char *path)
{
	FILE	*fp;
	char	 magic[4];
	int	 ok;

	if ((fp = fopen(path, "rb")) == NULL)
		return 0;
	ok = fread(magic, 1, sizeof(magic), fp) == sizeof(magic) &&
	    memcmp(magic, "TZif", 4) == 0;
	fclose(fp);
	return ok;
}

/*
 * Whether tz names a zone the calendar can keep: a file of the TZ database
 * (under TZDIR, else /usr/share/zoneinfo), or one of the built-in rules
 * above. The C library never says: an unknown TZ silently means UTC. A
 * name with ".." or a leading '/' is never looked up.
 */
int
tz_known(const char *tz)
{
	const char	*dir;
	char		 path[512];
	struct stat	 sb;
	size_t		 i;
	int		 n;

	if (tz == NULL || *tz == '\0' || *tz == '/' ||
	    strstr(tz, "..") != NULL)
		return 0;
	for (i = 0; i < sizeof(tz_fallback) / sizeof(tz_fallback[0]); i++)
		if (strcmp(tz_fallback[i].name, tz) == 0)
			return 1;
	if ((dir = getenv("TZDIR")) == NULL || *dir == '\0')
		dir = "/usr/share/zoneinfo";
	n = snprintf(path, sizeof(path), "%s/%s", dir, tz);
	if (n < 0 || (size_t)n >= sizeof(path))
		return 0;
	if (stat(path, &sb) == -1 || !S_ISREG(sb.st_mode))
		return 0;
	/* zone.tab, leapseconds, tzdata.zi are files there too. */
	return tz_is_tzif(path);
}

/* The TZ in force before tz_enter(); malloc'd, NULL if unset. */
struct tz_saved {
	char	*saved;
	int	 had;
};

static void
tz_enter(const char *tz, struct tz_saved *save)
{
	const char	*old, *dir, *spec = tz;
	char		 path[512];
	size_t		 i;

	old = getenv("TZ");
	save->had = old != NULL;
	save->saved = old ? xstrdup(old) : NULL;
	if ((dir = getenv("TZDIR")) == NULL || *dir == '\0')
		dir = "/usr/share/zoneinfo";
	snprintf(path, sizeof(path), "%s/%s", dir, tz);
	if (access(path, R_OK) == -1) {
		for (i = 0; i < sizeof(tz_fallback) /
		    sizeof(tz_fallback[0]); i++)
			if (strcmp(tz_fallback[i].name, tz) == 0)
				spec = tz_fallback[i].posix;
	}
	setenv("TZ", spec, 1);
	tzset();
}

static void
tz_leave(struct tz_saved *save)
{
	if (save->had)
		setenv("TZ", save->saved, 1);
	else
		unsetenv("TZ");
	tzset();
	free(save->saved);
	save->saved = NULL;
}

int64_t
tz_midnight(const char *tz, int y, int m, int d)
{
	struct tz_saved	 save;
	struct tm	 tm;
	time_t		 t;

	memset(&tm, 0, sizeof(tm));
	tm.tm_year = y - 1900;
	tm.tm_mon = m - 1;
	tm.tm_mday = d;
	tm.tm_isdst = -1;
	tz_enter(tz, &save);
	/* A day that starts with a DST jump starts at the first instant
	 * that exists: mktime() moves 00:00 forward. */
	t = mktime(&tm);
	tz_leave(&save);
	return t == (time_t)-1 ? -1 : (int64_t)t;
}

int
tz_date(const char *tz, int64_t t, int *y, int *m, int *d)
{
	struct tz_saved	 save;
	struct tm	 tm;
	time_t		 tt = (time_t)t;
	int		 ok;

	tz_enter(tz, &save);
	ok = localtime_r(&tt, &tm) != NULL;
	tz_leave(&save);
	if (!ok)
		return -1;
	*y = tm.tm_year + 1900;
	*m = tm.tm_mon + 1;
	*d = tm.tm_mday;
	return 0;
}

/* A zone in force for many conversions (tz_zone_enter). */
struct tz_zone {
	struct tz_saved	 save;
};

struct tz_zone *
tz_zone_enter(const char *tz)
{
	struct tz_zone	*z;

	z = xcalloc(1, sizeof(*z));
	tz_enter(tz, &z->save);
	return z;
}

void
tz_zone_leave(struct tz_zone *z)
{
	if (z == NULL)
		return;
	tz_leave(&z->save);
	free(z);
}

int
tz_zone_stamp(const struct tz_zone *z, int64_t t, char out[TZ_STAMP_MAX])
{
	struct tm	 tm;
	time_t		 tt = (time_t)t;

	/* TZ is the zone's since tz_enter() called tzset(). */
	if (z == NULL || localtime_r(&tt, &tm) == NULL ||
	    strftime(out, TZ_STAMP_MAX, "%Y-%m-%d %H:%M", &tm) == 0) {
		out[0] = '\0';
		return -1;
	}
	return 0;
}

int
tz_stamp(const char *tz, int64_t t, char out[TZ_STAMP_MAX])
{
	struct tz_zone	*z;
	int		 rc;

	z = tz_zone_enter(tz);
	rc = tz_zone_stamp(z, t, out);
	tz_zone_leave(z);
	return rc;
}

int
tz_utc_offset(const char *tz, int64_t t, char out[TZ_OFFSET_MAX])
{
	struct tz_saved	 save;
	struct tm	 tm;
	time_t		 tt = (time_t)t;
	long		 off;
	int		 ok;

	tz_enter(tz, &save);
	ok = localtime_r(&tt, &tm) != NULL;
	tz_leave(&save);
	if (!ok) {
		util_strlcpy(out, "UTC?", TZ_OFFSET_MAX);
		return -1;
	}
	off = tm.tm_gmtoff < 0 ? -tm.tm_gmtoff : tm.tm_gmtoff;
	snprintf(out, TZ_OFFSET_MAX, "UTC%c%02ld:%02ld", tm.tm_gmtoff < 0 ?
	    '-' : '+', off / 3600 % 100, off / 60 % 60);
	return 0;
}

/* The same into a buffer of any size (the report's pages); one too
 * small for the whole stamp gets "" and -1, never a cut time. */
int
tz_format(const char *tz, int64_t t, char *out, size_t outlen)
{
	char	 s[TZ_STAMP_MAX];

	if (tz_stamp(tz, t, s) == -1 || strlen(s) >= outlen) {
		util_strlcpy(out, "", outlen);
		return -1;
	}
	util_strlcpy(out, s, outlen);
	return 0;
}
