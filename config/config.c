/*
 * config.c: JSON configuration (SPEC §2) to the typed struct config. A key
 * table per JSON object says each key's type, slot and range; a table of
 * cross-key checks runs after. cJSON never leaves this file.
 */
#include <sys/stat.h>

#include <arpa/inet.h>

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "../core/core.h"
#include "../handlers/handlers.h"

#define CONFIG_FILE_MAX	(4 * 1024 * 1024)
#define CONFIG_PATH_MAX	256
#define OFF(f)		offsetof(struct config, f)

/* Key flags. */
#define F_REQ		0x01	/* must be present */
#define F_NONEMPTY	0x02	/* string (or each list element) not "" */
#define F_MINONE	0x04	/* list: at least one element */
#define F_PRESENCE	0x08	/* object: set the int at aux to 1 */
/* Flags of provider sections and their keys (config_provider_keys). */
#define F_URL		0x10	/* an outbound URL: https unless allow_http */
#define F_SECRET	0x20	/* warn about a shipped placeholder */
#define F_VIA		0x40	/* sms_out.via naming the provider needs it
				   (a section: present; a key: not "") */

struct cparse {
	struct config	*cf;
	const char	*dir;		/* the config file's directory */
	char		*err;
	size_t		 errlen;
	unsigned int	 kwset;		/* categories whose keywords were given */
	const cJSON	*root;		/* the whole config (communes re-read it) */
};

struct ckey;
typedef int	(*config_set_fn)(struct cparse *, const cJSON *, const char *,
		    const struct ckey *, char *);

struct ckey {
	const char		 *name;
	config_set_fn		  set;
	size_t			  off;		/* slot, from the base */
	long long		  min, max;	/* integers: range */
	int			  flags;
	const char *const	 *choices;	/* strings: allowed values */
	const char		*(*check)(const char *);  /* NULL or why not */
	const struct ckey	 *sub;		/* objects, arrays of objects */
	size_t			  aux;		/* object: flag; array: count */
	size_t			  elsize;	/* array: element size */
	const char		 *def;		/* a provider key's default */
};

static int	 config_error(struct cparse *, const char *, const char *, ...)
		    __attribute__((format(printf, 3, 4)));
static int	 config_comment(const cJSON *);
static void	 config_path_key(char *, const char *, const char *);
static void	 config_path_index(char *, const char *, size_t);
static int	 config_walk(struct cparse *, const cJSON *, const char *,
		    const struct ckey *, char *);
static int	 config_set_str(struct cparse *, const cJSON *, const char *,
		    const struct ckey *, char *);
static int	 config_set_int(struct cparse *, const cJSON *, const char *,
		    const struct ckey *, char *);
static int	 config_set_size(struct cparse *, const cJSON *, const char *,
		    const struct ckey *, char *);
static int	 config_set_bool(struct cparse *, const cJSON *, const char *,
		    const struct ckey *, char *);
static int	 config_set_list(struct cparse *, const cJSON *, const char *,
		    const struct ckey *, char *);
static int	 config_set_obj(struct cparse *, const cJSON *, const char *,
		    const struct ckey *, char *);
static int	 config_set_arr(struct cparse *, const cJSON *, const char *,
		    const struct ckey *, char *);
static int	 config_set_date(struct cparse *, const cJSON *, const char *,
		    const struct ckey *, char *);
static int	 config_set_console_listen(struct cparse *, const cJSON *,
		    const char *, const struct ckey *, char *);
static int	 config_set_listen(struct cparse *, const cJSON *,
		    const char *, const struct ckey *, char *);
static int	 config_set_templates(struct cparse *, const cJSON *,
		    const char *, const struct ckey *, char *);
static int	 config_set_keywords(struct cparse *, const cJSON *,
		    const char *, const struct ckey *, char *);
static int	 config_set_escalation(struct cparse *, const cJSON *,
		    const char *, const struct ckey *, char *);
static const char *config_check_cc(const char *);
static const char *config_check_code(const char *);
static const char *config_url_why(const char *);
static const char *config_check_tz(const char *);
static const char *config_check_date(const char *);
static const char *config_check_via(const char *);
static int	 config_post_public_url(struct cparse *);
static int	 config_post_key_file(struct cparse *);
static struct config *config_parse_in(const char *, size_t, const char *,
		    char *, size_t);
static int	 config_post_outbound(struct cparse *);
static int	 config_post_via(struct cparse *);
static int	 config_post_areas(struct cparse *);
static int	 config_post_campaigns(struct cparse *);
static int	 config_post_keywords(struct cparse *);
static int	 config_post_routes(struct cparse *);
static int	 config_post_templates(struct cparse *);
static int	 config_post_secrets(struct cparse *);
static int	 config_post_providers(struct cparse *);
static int	 config_post_console(struct cparse *);
static int	 config_post_web(struct cparse *);
static int	 config_post_folds(struct cparse *);
static int	 config_post_communes(struct cparse *);
static void	 config_commune_index(struct config *);
static int	 config_set_communes(struct cparse *, const cJSON *,
		    const char *, const struct ckey *, char *);
static struct config *config_build(const cJSON *, const char *, char *,
		    size_t);
static void	 config_strlist_set(struct strlist *, const char *const *);
static void	 config_strlist_add(struct strlist *, const char *);
static void	 config_strlist_free(struct strlist *);
static void	 config_warn(struct config *, const char *, ...)
		    __attribute__((format(printf, 2, 3)));

#define K_STR(n, o, f, c)	{ .name = (n), .set = config_set_str, \
				  .off = (o), .flags = (f), .check = (c) }
#define K_ONEOF(n, o, ch)	{ .name = (n), .set = config_set_str, \
				  .off = (o), .choices = (ch) }
#define K_INT(n, o, lo, hi)	{ .name = (n), .set = config_set_int, \
				  .off = (o), .min = (lo), .max = (hi) }
#define K_REQINT(n, o, lo, hi)	{ .name = (n), .set = config_set_int, \
				  .off = (o), .min = (lo), .max = (hi), \
				  .flags = F_REQ }
#define K_SIZE(n, o, lo, hi)	{ .name = (n), .set = config_set_size, \
				  .off = (o), .min = (lo), .max = (hi) }
#define K_BOOL(n, o)		{ .name = (n), .set = config_set_bool, \
				  .off = (o) }
#define K_LIST(n, o, f)		{ .name = (n), .set = config_set_list, \
				  .off = (o), .flags = (f) }
#define K_DATE(n, o)		{ .name = (n), .set = config_set_date, \
				  .off = (o), .flags = F_REQ }
#define K_OBJ(n, o, s)		{ .name = (n), .set = config_set_obj, \
				  .off = (o), .sub = (s) }
#define K_SECTION(n, flag, f, s) { .name = (n), .set = config_set_obj, \
				  .flags = F_PRESENCE | (f), .aux = (flag), \
				  .sub = (s) }
#define K_ARR(n, o, cnt, t, s)	{ .name = (n), .set = config_set_arr, \
				  .off = (o), .aux = (cnt), \
				  .elsize = sizeof(t), .sub = (s) }
#define K_FN(n, fn)		{ .name = (n), .set = (fn) }
#define K_PSTR(n, o, f, d)	{ .name = (n), .set = config_set_str, \
				  .off = (o), .flags = (f), .def = (d) }
#define K_END			{ .name = NULL }

/*
 * The provider sections (SPEC §2), one place per provider: its keys (with
 * their defaults and flags) and its line in config_provider_keys. An
 * absent section disables the provider; every section name is also an
 * sms_out.via, beside "console". The daemon's descriptor of the same name
 * (daemon/providers/) reads it.
 */
static const struct ckey config_generic_keys[] = {
	K_PSTR("secret", OFF(generic.secret), F_REQ | F_NONEMPTY | F_SECRET,
	    ""),
	K_END
};

static const struct ckey config_twilio_keys[] = {
	K_PSTR("account_sid", OFF(twilio.account_sid), F_NONEMPTY | F_VIA, ""),
	K_PSTR("auth_token", OFF(twilio.auth_token),
	    F_REQ | F_NONEMPTY | F_SECRET, ""),
	K_PSTR("from", OFF(twilio.from), F_NONEMPTY | F_VIA, ""),
	K_PSTR("api_base", OFF(twilio.api_base), F_NONEMPTY | F_URL,
	    "https://api.twilio.com"),
	K_END
};

static const struct ckey config_at_keys[] = {
	K_PSTR("username", OFF(africastalking.username), F_NONEMPTY | F_VIA,
	    ""),
	K_PSTR("api_key", OFF(africastalking.api_key),
	    F_NONEMPTY | F_VIA | F_SECRET, ""),
	K_PSTR("from", OFF(africastalking.from), F_NONEMPTY, ""),
	K_PSTR("token", OFF(africastalking.token),
	    F_REQ | F_NONEMPTY | F_SECRET, ""),
	K_PSTR("api_base", OFF(africastalking.api_base), F_NONEMPTY | F_URL,
	    "https://api.africastalking.com"),
	K_END
};

static const struct ckey config_provider_keys[] = {
	K_SECTION("generic", OFF(generic.enabled), 0, config_generic_keys),
	K_SECTION("twilio", OFF(twilio.enabled), F_VIA, config_twilio_keys),
	K_SECTION("africastalking", OFF(africastalking.enabled), F_VIA,
	    config_at_keys),
	K_END
};

static const struct ckey config_sms_out_keys[] = {
	K_STR("via", OFF(sms_out.via), 0, config_check_via),
	K_STR("url", OFF(sms_out.url), 0, NULL),
	K_INT("rate_per_second", OFF(sms_out.rate_per_second), 1, 1000),
	K_END
};

static const struct ckey config_area_keys[] = {
	K_STR("code", offsetof(struct area, code), F_REQ, config_check_code),
	K_STR("name", offsetof(struct area, name), F_NONEMPTY, NULL),
	K_LIST("aliases", offsetof(struct area, aliases), F_NONEMPTY),
	K_END
};

static const struct ckey config_campaign_keys[] = {
	K_STR("code", offsetof(struct campaign, code), F_REQ,
	    config_check_code),
	K_STR("name", offsetof(struct campaign, name), F_NONEMPTY, NULL),
	K_DATE("start", offsetof(struct campaign, start)),
	K_DATE("end", offsetof(struct campaign, end)),
	K_END
};

static const struct ckey config_routing_keys[] = {
	K_LIST("gbv", OFF(routing[CAT_GBV]), F_NONEMPTY),
	K_LIST("shelter", OFF(routing[CAT_SHELTER]), F_NONEMPTY),
	K_LIST("unknown", OFF(routing[CAT_UNKNOWN]), F_NONEMPTY),
	K_END
};

static const struct ckey config_esc_keys[] = {
	K_REQINT("after_s", offsetof(struct escalation, after_s), 1, 604800),
	K_LIST("to", offsetof(struct escalation, to),
	    F_REQ | F_NONEMPTY | F_MINONE),
	K_END
};

static const struct ckey config_escalation_keys[] = {
	K_OBJ("gbv", OFF(escalation[CAT_GBV]), config_esc_keys),
	K_OBJ("shelter", OFF(escalation[CAT_SHELTER]), config_esc_keys),
	K_OBJ("unknown", OFF(escalation[CAT_UNKNOWN]), config_esc_keys),
	K_INT("repeat_s", OFF(escalation_repeat_s), 1, 604800),
	K_END
};


static const struct ckey config_limits_keys[] = {
	K_SIZE("max_body_bytes", OFF(limits.max_body_bytes), 256, 16777216),
	K_INT("request_timeout_s", OFF(limits.request_timeout_s), 1, 300),
	K_INT("max_connections", OFF(limits.max_connections), 1, 65536),
	K_INT("retry_base_ms", OFF(limits.retry_base_ms), 10, 600000),
	K_INT("retry_max_s", OFF(limits.retry_max_s), 1, 86400),
	K_END
};

static const struct ckey config_review_keys[] = {
	K_LIST("to", OFF(review.to), F_NONEMPTY | F_MINONE),
	K_INT("every_s", OFF(review.every_s), 1, 86400),
	K_END
};

static const struct ckey config_privacy_keys[] = {
	K_INT("min_count", OFF(privacy.min_count), 1, 1000),
	K_END
};

/* The web console (SPEC §12): off unless listen is set. */
static const struct ckey config_web_keys[] = {
	K_FN("listen", config_set_console_listen),
	K_BOOL("https", OFF(console.https)),
	K_BOOL("require_totp", OFF(console.require_totp)),
	K_INT("idle_s", OFF(console.idle_s), 60, 86400),
	K_INT("absolute_s", OFF(console.absolute_s), 300, 604800),
	K_END
};

static const struct ckey config_keys[] = {
	K_STR("commune", OFF(commune), 0, NULL),
	K_FN("listen", config_set_listen),
	K_STR("public_url", OFF(public_url), 0, config_url_why),
	K_STR("database", OFF(database), F_NONEMPTY, NULL),
	K_STR("key_file", OFF(key_file), F_NONEMPTY, NULL),
	K_STR("timezone", OFF(timezone), 0, config_check_tz),
	K_STR("country_code", OFF(country_code), 0, config_check_cc),
	K_OBJ("providers", 0, config_provider_keys),
	K_OBJ("sms_out", 0, config_sms_out_keys),
	K_BOOL("allow_http", OFF(allow_http)),
	K_BOOL("allow_placeholders", OFF(allow_placeholders)),
	K_STR("webhook_secret", OFF(webhook_secret), F_NONEMPTY, NULL),
	K_ARR("areas", OFF(areas), OFF(nareas), struct area,
	    config_area_keys),
	K_OBJ("routing", 0, config_routing_keys),
	K_FN("escalation", config_set_escalation),
	K_INT("followup_window_s", OFF(followup_window_s), 0, 604800),
	K_INT("reopen_window_s", OFF(reopen_window_s), 0, 31622400),
	K_ARR("campaigns", OFF(campaigns), OFF(ncampaigns), struct campaign,
	    config_campaign_keys),
	K_LIST("officials", OFF(officials), F_NONEMPTY),
	K_FN("keywords", config_set_keywords),
	K_FN("templates", config_set_templates),
	K_OBJ("limits", 0, config_limits_keys),
	K_OBJ("privacy", 0, config_privacy_keys),
	K_OBJ("review", 0, config_review_keys),
	K_INT("retention_days", OFF(retention_days), 0, 36500),
	K_FN("communes", config_set_communes),
	K_OBJ("console", 0, config_web_keys),
	K_END
};

/*
 * The keys a commune may set for itself (SPEC §11); what it leaves out is
 * the top level's. "code", "name" and "numbers" are its own.
 */
static const char *const config_commune_own[] = {
	"areas", "routing", "escalation", "officials", "templates",
	"campaigns",
};

/* Words a commune's name may begin with, left out when a text names it
 * ("Xã Tịnh Châu" is "Tinh Chau" to a resident), folded. */
static const char *const config_commune_kinds[] = {
	"xa", "phuong", "thitran",
};

/* Every string slot of struct config and its default ("" if none). */
static const struct {
	size_t		 off;
	const char	*value;
} config_strings[] = {
	{ OFF(commune),			"" },
	{ OFF(scope),			"" },
	{ OFF(listen_host),		"127.0.0.1" },
	{ OFF(public_url),		"" },	/* "": derived from listen */
	{ OFF(database),		"var/tincay.db" },
	{ OFF(key_file),		"" },	/* "": the database's + .key */
	{ OFF(timezone),		"Asia/Ho_Chi_Minh" },
	{ OFF(country_code),		"84" },
	{ OFF(sms_out.via),		"console" },
	{ OFF(sms_out.url),		"" },
	{ OFF(webhook_secret),		"" },
	{ OFF(console.listen_host),	"" },	/* "": no console */
};

static const char *const config_roles_gbv[] = { "police", "health", NULL };
static const char *const config_roles_shelter[] = { "volunteer", NULL };
static const char *const config_roles_none[] = { NULL };
static const char *const config_roles_leader[] = { "leader", NULL };
static const char *const config_roles_police[] = { "police", NULL };
static const char *const config_roles_officials[] = {
	"official", "leader", NULL
};

/* Every string-list slot of struct config and its default. */
static const struct {
	size_t			 off;
	const char *const	*value;
} config_lists[] = {
	{ OFF(routing[CAT_GBV]),		config_roles_gbv },
	{ OFF(routing[CAT_SHELTER]),		config_roles_shelter },
	{ OFF(routing[CAT_UNKNOWN]),		config_roles_none },
	{ OFF(officials),			config_roles_officials },
	{ OFF(review.to),			config_roles_leader },
	{ OFF(distress),			config_roles_none },
	{ OFF(not_distress),			config_roles_none },
};

static const struct {
	enum category		 cat;
	int			 after_s;
	const char *const	*to;
} config_escalations[] = {
	{ CAT_GBV,	600,	config_roles_leader },
	{ CAT_SHELTER,	900,	config_roles_police },
};


/* Outbound URLs besides the providers' (F_URL): https:// unless
 * allow_http; checked when not "". */
static const struct {
	const char	*path;
	size_t		 off;
} config_outbound[] = {
	{ "sms_out.url",		OFF(sms_out.url) },
};

/* Secrets besides the providers' (F_SECRET) whose shipped placeholders
 * ("change-me...") earn a warning. */
static const struct {
	const char	*path;
	size_t		 off;
} config_secrets[] = {
	{ "webhook_secret",		OFF(webhook_secret) },
};

/* What an sms_out.via needs besides its provider section (F_VIA): a
 * non-empty string. */
static const struct {
	const char	*via;
	const char	*path;
	size_t		 off;
} config_via_needs[] = {
	{ "generic",	"sms_out.url",	OFF(sms_out.url) },
};

/* Checks across keys, in order, after every key is read. */
static int	(*const config_posts[])(struct cparse *) = {
	config_post_public_url,
	config_post_key_file,
	config_post_outbound,
	config_post_via,
	config_post_areas,
	config_post_campaigns,
	config_post_keywords,
	config_post_routes,
	config_post_templates,
	config_post_secrets,
	config_post_providers,
	config_post_console,
	config_post_web,
	config_post_folds,
	config_post_communes,
};

#define nitems(a)	(sizeof(a) / sizeof((a)[0]))
#define SLOT(base, off, type)	((type *)(void *)((base) + (off)))

/* Category names are the keyword families' (handlers/family.c). */
const char *
config_category_name(enum category c)
{
	const struct family	*f = family_of(c);

	return f != NULL ? f->name : NULL;
}

int
config_category_lookup(const char *name)
{
	const struct family	*f = family_named(name);

	return f != NULL ? (int)f->cat : -1;
}

/* Whether the provider section sec is present in cf. */
/* fn once for each role routing, escalation, officials or review.to names, in that
 * order, each name once; a non-zero fn stops: its value, else 0. */
int
config_roles(const struct config *cf, config_role_fn fn, void *arg)
{
	const struct strlist	*lists[2 * CAT__MAX + 2];
	const struct strlist	*l, *m;
	size_t			 nl = 0, a, i, b, j;
	int			 c, seen, rc;

	for (c = 0; c < CAT__MAX; c++)
		lists[nl++] = &cf->routing[c];
	for (c = 0; c < CAT__MAX; c++)
		lists[nl++] = &cf->escalation[c].to;
	lists[nl++] = &cf->officials;
	lists[nl++] = &cf->review.to;
	for (a = 0; a < nl; a++) {
		l = lists[a];
		for (i = 0; i < l->n; i++) {
			seen = 0;
			for (b = 0; b <= a && !seen; b++) {
				m = lists[b];
				for (j = 0; j < (b == a ? i : m->n); j++)
					if (strcmp(m->v[j], l->v[i]) == 0) {
						seen = 1;
						break;
					}
			}
			if (!seen && (rc = fn(l->v[i], arg)) != 0)
				return rc;
		}
	}
	return 0;
}

static int
config_role_is(const char *role, void *arg)
{
	return strcmp(role, arg) == 0;
}

int
config_role_named(const struct config *cf, const char *role)
{
	return config_roles(cf, config_role_is, (void *)(uintptr_t)role);
}

/* The text being made by config_roles_text. */
struct config_rtext {
	char	*out;
	size_t	 len, off;
};

static int
config_role_add(const char *role, void *arg)
{
	struct config_rtext	*t = arg;
	int			 n;

	n = snprintf(t->out + t->off, t->len - t->off, "%s%s",
	    t->off ? ", " : "", role);
	if (n < 0 || (size_t)n >= t->len - t->off)
		return 1;
	t->off += (size_t)n;
	return 0;
}

void
config_roles_text(const struct config *cf, char *out, size_t outlen)
{
	struct config_rtext	 t = { out, outlen, 0 };

	if (outlen == 0)
		return;
	out[0] = '\0';
	(void)config_roles(cf, config_role_add, &t);
}

static int
config_section_on(const struct config *cf, const struct ckey *sec)
{
	return *(const int *)(const void *)((const char *)cf + sec->aux);
}

int
config_provider_enabled(const struct config *cf, const char *name)
{
	const struct ckey	*sec;

	for (sec = config_provider_keys; sec->name != NULL; sec++)
		if (strcmp(sec->name, name) == 0)
			return config_section_on(cf, sec);
	return -1;
}

const char *
config_template_name(enum tmpl t)
{
	return template_name(t);
}

/* Write "path: message" to err, one line; return -1. */
static int
config_error(struct cparse *cp, const char *path, const char *fmt, ...)
{
	va_list	 ap;
	size_t	 n, i;

	if (cp->err == NULL || cp->errlen == 0)
		return -1;
	n = 0;
	if (path != NULL && *path != '\0') {
		snprintf(cp->err, cp->errlen, "%s: ", path);
		n = strlen(cp->err);
	}
	va_start(ap, fmt);
	vsnprintf(cp->err + n, cp->errlen - n, fmt, ap);
	va_end(ap);
	for (i = 0; cp->err[i] != '\0'; i++)
		if ((unsigned char)cp->err[i] < 0x20 || cp->err[i] == 0x7f)
			cp->err[i] = '?';
	return -1;
}

static void
config_path_key(char *out, const char *parent, const char *key)
{
	snprintf(out, CONFIG_PATH_MAX, "%s%s%s", parent,
	    *parent != '\0' ? "." : "", key);
}

static void
config_path_index(char *out, const char *parent, size_t i)
{
	snprintf(out, CONFIG_PATH_MAX, "%s[%zu]", parent, i);
}

/* A member "//" with a string value is a comment, in any object. */
static int
config_comment(const cJSON *it)
{
	return strcmp(it->string, "//") == 0 && cJSON_IsString(it);
}

/* Is there an earlier member of the same object with this key? */
static int
config_dupkey(const cJSON *obj, const cJSON *it)
{
	const cJSON	*p;

	for (p = obj->child; p != NULL && p != it; p = p->next)
		if (strcmp(p->string, it->string) == 0)
			return 1;
	return 0;
}

/* Walk the members of obj with the key table keys; slots are from base. */
static int
config_walk(struct cparse *cp, const cJSON *obj, const char *path,
    const struct ckey *keys, char *base)
{
	const cJSON		*it;
	const struct ckey	*k;
	char			 cpath[CONFIG_PATH_MAX];

	if (!cJSON_IsObject(obj))
		return config_error(cp, path, "must be an object");
	for (it = obj->child; it != NULL; it = it->next) {
		if (config_comment(it))
			continue;
		config_path_key(cpath, path, it->string);
		if (config_dupkey(obj, it))
			return config_error(cp, cpath, "duplicate key");
		for (k = keys; k->name != NULL; k++)
			if (strcmp(k->name, it->string) == 0)
				break;
		if (k->name == NULL)
			return config_error(cp, cpath, "unknown key");
		if (k->set(cp, it, cpath, k, base) == -1)
			return -1;
	}
	for (k = keys; k->name != NULL; k++) {
		if ((k->flags & F_REQ) &&
		    cJSON_GetObjectItemCaseSensitive(obj, k->name) == NULL) {
			config_path_key(cpath, path, k->name);
			return config_error(cp, cpath, "missing");
		}
	}
	return 0;
}

/* Check a string value against flags, choices and check; NULL if fine. */
static int
config_str_ok(struct cparse *cp, const cJSON *v, const char *path,
    const struct ckey *k)
{
	const char	*why;
	char		 list[128];
	size_t		 i;

	if (!cJSON_IsString(v) || v->valuestring == NULL)
		return config_error(cp, path, (k->flags & F_NONEMPTY) ?
		    "must be a non-empty string" : "must be a string");
	if ((k->flags & F_NONEMPTY) && *v->valuestring == '\0')
		return config_error(cp, path, "must be a non-empty string");
	if (k->choices != NULL) {
		for (i = 0; k->choices[i] != NULL; i++)
			if (strcmp(k->choices[i], v->valuestring) == 0)
				break;
		if (k->choices[i] == NULL) {
			list[0] = '\0';
			for (i = 0; k->choices[i] != NULL; i++) {
				if (i > 0)
					strncat(list, ", ",
					    sizeof(list) - strlen(list) - 1);
				strncat(list, k->choices[i],
				    sizeof(list) - strlen(list) - 1);
			}
			return config_error(cp, path, "must be one of %s",
			    list);
		}
	}
	if (k->check != NULL && (why = k->check(v->valuestring)) != NULL)
		return config_error(cp, path, "%s", why);
	return 0;
}

static int
config_set_str(struct cparse *cp, const cJSON *v, const char *path,
    const struct ckey *k, char *base)
{
	char	**slot = SLOT(base, k->off, char *);

	if (config_str_ok(cp, v, path, k) == -1)
		return -1;
	free(*slot);
	*slot = xstrdup(v->valuestring);
	return 0;
}

/* An integral JSON number in [min, max] into *out. */
static int
config_integer(struct cparse *cp, const cJSON *v, const char *path,
    const struct ckey *k, long long *out)
{
	double	 d;

	if (!cJSON_IsNumber(v))
		goto bad;
	d = v->valuedouble;
	if (!isfinite(d) || d != floor(d) || d < (double)k->min ||
	    d > (double)k->max)
		goto bad;
	*out = (long long)d;
	return 0;
bad:
	return config_error(cp, path, "must be an integer %lld..%lld",
	    k->min, k->max);
}

static int
config_set_int(struct cparse *cp, const cJSON *v, const char *path,
    const struct ckey *k, char *base)
{
	long long	 n;

	if (config_integer(cp, v, path, k, &n) == -1)
		return -1;
	*SLOT(base, k->off, int) = (int)n;
	return 0;
}

static int
config_set_size(struct cparse *cp, const cJSON *v, const char *path,
    const struct ckey *k, char *base)
{
	long long	 n;

	if (config_integer(cp, v, path, k, &n) == -1)
		return -1;
	*SLOT(base, k->off, size_t) = (size_t)n;
	return 0;
}

static int
config_set_bool(struct cparse *cp, const cJSON *v, const char *path,
    const struct ckey *k, char *base)
{
	if (!cJSON_IsBool(v))
		return config_error(cp, path, "must be true or false");
	*SLOT(base, k->off, int) = cJSON_IsTrue(v) ? 1 : 0;
	return 0;
}

/* An array of strings; replaces the list in the slot. */
static int
config_set_list(struct cparse *cp, const cJSON *v, const char *path,
    const struct ckey *k, char *base)
{
	struct strlist	*sl = SLOT(base, k->off, struct strlist);
	struct strlist	 new = { NULL, 0 };
	const cJSON	*it;
	char		 cpath[CONFIG_PATH_MAX];
	size_t		 i;

	if (!cJSON_IsArray(v))
		return config_error(cp, path, "must be an array of strings");
	i = 0;
	for (it = v->child; it != NULL; it = it->next, i++) {
		config_path_index(cpath, path, i);
		if (config_str_ok(cp, it, cpath, k) == -1) {
			config_strlist_free(&new);
			return -1;
		}
		config_strlist_add(&new, it->valuestring);
	}
	if ((k->flags & F_MINONE) && new.n == 0)
		return config_error(cp, path, "must not be empty");
	config_strlist_free(sl);
	*sl = new;
	return 0;
}

static int
config_set_obj(struct cparse *cp, const cJSON *v, const char *path,
    const struct ckey *k, char *base)
{
	if (config_walk(cp, v, path, k->sub, base + k->off) == -1)
		return -1;
	if (k->flags & F_PRESENCE)
		*SLOT(base, k->aux, int) = 1;
	return 0;
}

/* An array of objects of elsize bytes; replaces the array in the slot. */
static int
config_set_arr(struct cparse *cp, const cJSON *v, const char *path,
    const struct ckey *k, char *base)
{
	char		**arr = SLOT(base, k->off, char *);
	size_t		 *n = SLOT(base, k->aux, size_t);
	const cJSON	 *it;
	char		  cpath[CONFIG_PATH_MAX];
	size_t		  i;

	if (!cJSON_IsArray(v))
		return config_error(cp, path, "must be an array of objects");
	*n = (size_t)cJSON_GetArraySize(v);
	*arr = xcalloc(*n, k->elsize);
	i = 0;
	for (it = v->child; it != NULL; it = it->next, i++) {
		config_path_index(cpath, path, i);
		if (config_walk(cp, it, cpath, k->sub,
		    *arr + i * k->elsize) == -1)
			return -1;
	}
	return 0;
}

static int
config_set_date(struct cparse *cp, const cJSON *v, const char *path,
    const struct ckey *k, char *base)
{
	const struct ckey	 dk = { .name = k->name,
				    .check = config_check_date };

	if (config_str_ok(cp, v, path, &dk) == -1)
		return -1;
	util_strlcpy(SLOT(base, k->off, char), v->valuestring, 11);
	return 0;
}

/* "host:port" or "[v6]:port" into *hostp (replaced) and *portp. */
static int
config_hostport(struct cparse *cp, const cJSON *v, const char *path,
    char **hostp, int *portp)
{
	const char	*s, *colon, *host, *p;
	struct in6_addr	 addr;
	size_t		 hostlen;
	long		 port;

	if (!cJSON_IsString(v) || v->valuestring == NULL)
		goto bad;
	s = v->valuestring;
	if (*s == '[') {
		host = s + 1;
		if ((p = strchr(host, ']')) == NULL || p[1] != ':')
			goto bad;
		hostlen = (size_t)(p - host);
		colon = p + 1;
	} else {
		host = s;
		if ((colon = strchr(s, ':')) == NULL ||
		    strchr(colon + 1, ':') != NULL)
			goto bad;
		hostlen = (size_t)(colon - host);
	}
	if (hostlen == 0)
		goto bad;
	port = 0;
	for (p = colon + 1; *p != '\0'; p++) {
		if (!isdigit((unsigned char)*p) || port > 65535)
			goto bad;
		port = port * 10 + (*p - '0');
	}
	if (p == colon + 1 || port < 1 || port > 65535)
		goto bad;
	free(*hostp);
	*hostp = xstrndup(host, hostlen);
	*portp = (int)port;
	/* The daemon binds what it is given: an address, never a name. */
	if (*s != '[' && strcmp(*hostp, "localhost") == 0) {
		free(*hostp);
		*hostp = xstrdup("127.0.0.1");
	}
	if (inet_pton(*s == '[' ? AF_INET6 : AF_INET, *hostp, &addr) != 1)
		return config_error(cp, path, "%s is not an IPv4 address "
		    "or a bracketed IPv6 one (127.0.0.1:8080, [::1]:8080)",
		    *hostp);
	return 0;
bad:
	return config_error(cp, path, "must be host:port with port 1..65535");
}

/* listen: the webhooks' address. */
static int
config_set_listen(struct cparse *cp, const cJSON *v, const char *path,
    const struct ckey *k, char *base)
{
	return config_hostport(cp, v, path, &cp->cf->listen_host,
	    &cp->cf->listen_port);
}

/* console.listen: the console's (SPEC §12); set, it is on. */
static int
config_set_console_listen(struct cparse *cp, const cJSON *v,
    const char *path, const struct ckey *k, char *base)
{
	return config_hostport(cp, v, path, &cp->cf->console.listen_host,
	    &cp->cf->console.listen_port);
}

/*
 * Walk an object whose keys are names (of categories, templates): each
 * member not a comment, with its path, to fn; a duplicate key is an error.
 */
typedef int	 (*config_member_fn)(struct cparse *, const cJSON *,
		    const char *);
static int
config_members(struct cparse *cp, const cJSON *v, const char *path,
    config_member_fn fn)
{
	const cJSON	*it;
	char		 cpath[CONFIG_PATH_MAX];

	if (!cJSON_IsObject(v))
		return config_error(cp, path, "must be an object");
	for (it = v->child; it != NULL; it = it->next) {
		if (config_comment(it))
			continue;
		config_path_key(cpath, path, it->string);
		if (config_dupkey(v, it))
			return config_error(cp, cpath, "duplicate key");
		if (fn(cp, it, cpath) == -1)
			return -1;
	}
	return 0;
}

/* keywords.<category>: its list replaces the family's built-in one;
 * keywords.distress and keywords.not_distress: plea phrases and everyday
 * phrases, added to the built-in ones (core/plea.c). */
static int
config_keyword_list(struct cparse *cp, const cJSON *it, const char *cpath)
{
	const struct ckey	 lk = { .name = "keywords", .flags = F_NONEMPTY,
				    .off = 0 };
	int			 c;

	/*
	 * An empty list would leave a family (or the pleas without keyword,
	 * SPEC §4) unreachable: an emergency text answered with help and
	 * alerting nobody.
	 */
	if (cJSON_IsArray(it) && cJSON_GetArraySize(it) == 0)
		return config_error(cp, cpath, "must not be empty");
	/* Not a family: phrases found anywhere in a text. */
	if (strcmp(it->string, "distress") == 0)
		return config_set_list(cp, it, cpath, &lk,
		    (char *)&cp->cf->distress);
	if (strcmp(it->string, "not_distress") == 0)
		return config_set_list(cp, it, cpath, &lk,
		    (char *)&cp->cf->not_distress);
	if ((c = config_category_lookup(it->string)) == -1)
		return config_error(cp, cpath, "unknown category");
	if (family_of((enum category)c)->keywords[0] == NULL)
		return config_error(cp, cpath,
		    "this category has no keywords");
	if (config_set_list(cp, it, cpath, &lk,
	    (char *)&cp->cf->keywords[c]) == -1)
		return -1;
	cp->kwset |= 1U << c;
	return 0;
}

static int
config_set_keywords(struct cparse *cp, const cJSON *v, const char *path,
    const struct ckey *k, char *base)
{
	return config_members(cp, v, path, config_keyword_list);
}

/* templates.<name>: replaces that reply (handlers/template.c). */
static int
config_template(struct cparse *cp, const cJSON *it, const char *cpath)
{
	const struct ckey	 tk = { .name = "templates", .flags = F_NONEMPTY };
	int			 t;

	/* There was one; a config that names it must not think it is used. */
	if (strcmp(it->string, "followup") == 0)
		return config_error(cp, cpath, "no such reply: a follow-up is "
		    "answered as a text without keyword (templates.help), so "
		    "no reply says a report exists; remove it");
	if ((t = template_lookup(it->string)) == -1)
		return config_error(cp, cpath, "unknown key");
	if (config_str_ok(cp, it, cpath, &tk) == -1)
		return -1;
	free(cp->cf->templates[t]);
	cp->cf->templates[t] = xstrdup(it->valuestring);
	return 0;
}

static int
config_set_templates(struct cparse *cp, const cJSON *v, const char *path,
    const struct ckey *k, char *base)
{
	return config_members(cp, v, path, config_template);
}

/* A present "escalation" replaces every default: absent means none. */
static int
config_set_escalation(struct cparse *cp, const cJSON *v, const char *path,
    const struct ckey *k, char *base)
{
	struct config	*cf = cp->cf;
	int		 c;

	if (!cJSON_IsObject(v))
		return config_error(cp, path, "must be an object");
	for (c = 0; c < CAT__MAX; c++) {
		cf->escalation[c].after_s = 0;
		config_strlist_free(&cf->escalation[c].to);
	}
	return config_walk(cp, v, path, config_escalation_keys, (char *)cf);
}

/*
 * One commune of "communes": its own keys checked here, then the whole
 * config read again as it sees it (the top level with the commune's keys
 * in place of the city's), so that every check of the top level holds
 * for it too and an error names the commune ("communes[1] (TINHAN):
 * areas[2].code: ...").
 */
static int
config_commune_read(struct cparse *cp, const cJSON *v, const char *path,
    struct commune *cm)
{
	const cJSON	*it, *code, *name, *nums;
	cJSON		*view;
	const char	*why;
	char		 cpath[CONFIG_PATH_MAX], where[CONFIG_PATH_MAX];
	char		 inner[256];
	size_t		 i;

	if (!cJSON_IsObject(v))
		return config_error(cp, path, "must be an object");
	code = cJSON_GetObjectItemCaseSensitive(v, "code");
	snprintf(cpath, sizeof(cpath), "%.200s.%s", path, "code");
	if (code == NULL)
		return config_error(cp, cpath, "missing");
	if (!cJSON_IsString(code))
		return config_error(cp, cpath, "must be a string");
	if ((why = config_check_code(code->valuestring)) != NULL)
		return config_error(cp, cpath, "%s", why);
	cm->code = xstrdup(code->valuestring);
	/* From here on an error names the commune by its code. */
	snprintf(where, sizeof(where), "%.200s (%s)", path, cm->code);
	for (it = v->child; it != NULL; it = it->next) {
		if (config_comment(it) || strcmp(it->string, "code") == 0 ||
		    strcmp(it->string, "name") == 0 ||
		    strcmp(it->string, "numbers") == 0)
			continue;
		for (i = 0; i < nitems(config_commune_own); i++)
			if (strcmp(it->string, config_commune_own[i]) == 0)
				break;
		snprintf(cpath, sizeof(cpath), "%.220s: %s", where, it->string);
		if (i == nitems(config_commune_own))
			return config_error(cp, cpath, "unknown key (a "
			    "commune has code, name, numbers, areas, routing, "
			    "escalation, officials, templates, campaigns)");
		if (config_dupkey(v, it))
			return config_error(cp, cpath, "duplicate key");
	}
	name = cJSON_GetObjectItemCaseSensitive(v, "name");
	snprintf(cpath, sizeof(cpath), "%.220s: %s", where, "name");
	if (name != NULL && (!cJSON_IsString(name) ||
	    name->valuestring[0] == '\0'))
		return config_error(cp, cpath, "must be a non-empty string");
	cm->name = xstrdup(name != NULL ? name->valuestring : cm->code);
	nums = cJSON_GetObjectItemCaseSensitive(v, "numbers");
	snprintf(cpath, sizeof(cpath), "%.220s: %s", where, "numbers");
	if (nums != NULL && !cJSON_IsArray(nums))
		return config_error(cp, cpath, "must be a list of phone "
		    "numbers");
	for (it = nums != NULL ? nums->child : NULL, i = 0; it != NULL;
	    it = it->next, i++) {
		if (!cJSON_IsString(it) || it->valuestring[0] == '\0')
			return config_error(cp, cpath, "[%zu]: must be a phone "
			    "number", i);
		config_strlist_add(&cm->numbers, it->valuestring);
	}
	/*
	 * The config as the commune sees it: the top level's keys but the
	 * communes, copied one by one (a copy of the whole root held every
	 * commune, so a city's load grew as the square of its communes).
	 */
	view = cJSON_CreateObject();
	for (it = cp->root->child; it != NULL; it = it->next)
		if (strcmp(it->string, "communes") != 0 &&
		    strcmp(it->string, "commune") != 0)
			cJSON_AddItemToObject(view, it->string,
			    cJSON_Duplicate(it, 1));
	cJSON_AddStringToObject(view, "commune", cm->name);
	for (i = 0; i < nitems(config_commune_own); i++) {
		if ((it = cJSON_GetObjectItemCaseSensitive(v,
		    config_commune_own[i])) == NULL)
			continue;
		cJSON_DeleteItemFromObjectCaseSensitive(view,
		    config_commune_own[i]);
		cJSON_AddItemToObject(view, config_commune_own[i],
		    cJSON_Duplicate(it, 1));
	}
	cm->cf = config_build(view, cp->dir, inner, sizeof(inner));
	cJSON_Delete(view);
	if (cm->cf == NULL)
		return config_error(cp, NULL, "%s: %s", where, inner);
	free(cm->cf->scope);
	cm->cf->scope = xstrdup(cm->code);
	return 0;
}

static int
config_set_communes(struct cparse *cp, const cJSON *v, const char *path,
    const struct ckey *k, char *base)
{
	struct config	*cf = cp->cf;
	const cJSON	*it;
	char		 ipath[CONFIG_PATH_MAX];
	size_t		 n, i;

	(void)k;
	(void)base;
	if (!cJSON_IsArray(v) || (n = (size_t)cJSON_GetArraySize(v)) == 0)
		return config_error(cp, path, "must be a list of communes "
		    "(leave it out for one commune)");
	cf->communes = xcalloc(n, sizeof(*cf->communes));
	for (it = v->child, i = 0; it != NULL; it = it->next, i++) {
		config_path_index(ipath, path, i);
		cf->ncommunes++;
		if (config_commune_read(cp, it, ipath,
		    &cf->communes[i]) == -1)
			return -1;
	}
	return 0;
}

/* Add the forms a text names commune cm by to its match list: its code,
 * its name, its name without "Xã" or "Phường" in front; folded. */
static void
config_commune_forms(struct commune *cm)
{
	char	*f, *c, *rest;
	size_t	 i, n;

	config_strlist_add(&cm->match, c = text_keyfold_compact(cm->code));
	free(c);
	config_strlist_add(&cm->match, c = text_keyfold_compact(cm->name));
	free(c);
	f = text_keyfold(cm->name, strlen(cm->name));
	n = strcspn(f, " ");
	for (i = 0; i < nitems(config_commune_kinds); i++) {
		if (strlen(config_commune_kinds[i]) != n ||
		    strncmp(f, config_commune_kinds[i], n) != 0 ||
		    f[n] == '\0')
			continue;
		rest = text_keyfold_compact(f + n + 1);
		if (rest[0] != '\0')
			config_strlist_add(&cm->match, rest);
		free(rest);
	}
	free(f);
}

/*
 * A city's communes, once all of the top level is read: codes, numbers
 * (E.164 in the top level's country code) and the names a text may use
 * each name one commune only; the top level is the city's ("*"); what a
 * commune's own keys warn of is said once, naming it.
 */
static int
config_post_communes(struct cparse *cp)
{
	struct config	*cf = cp->cf;
	struct commune	*a, *b;
	char		 e164[PHONE_MAX], path[CONFIG_PATH_MAX];
	size_t		 i, j, k, l, w;
	int		 seen;

	if (cf->ncommunes == 0)
		return 0;
	free(cf->scope);
	cf->scope = xstrdup("*");
	for (i = 0; i < cf->ncommunes; i++) {
		a = &cf->communes[i];
		for (j = 0; j < a->numbers.n; j++) {
			snprintf(path, sizeof(path), "communes[%zu] (%s): "
			    "numbers[%zu]", i, a->code, j);
			if (phone_e164(a->numbers.v[j],
			    strlen(a->numbers.v[j]), cf->country_code,
			    e164) == -1)
				return config_error(cp, path, "not a phone "
				    "number");
			free(a->numbers.v[j]);
			a->numbers.v[j] = xstrdup(e164);
		}
		config_commune_forms(a);
		for (w = 0; w < a->cf->warnings.n; w++) {
			for (seen = 0, l = 0; l < cf->warnings.n && !seen; l++)
				seen = strcmp(cf->warnings.v[l],
				    a->cf->warnings.v[w]) == 0;
			if (!seen)
				config_warn(cf, "communes[%zu] (%s): %s", i,
				    a->code, a->cf->warnings.v[w]);
		}
	}
	for (i = 0; i < cf->ncommunes; i++) {
		a = &cf->communes[i];
		for (j = 0; j < i; j++) {
			b = &cf->communes[j];
			snprintf(path, sizeof(path), "communes[%zu] (%s)", i,
			    a->code);
			if (strcasecmp(a->code, b->code) == 0)
				return config_error(cp, path, "code: also "
				    "communes[%zu]'s", j);
			for (k = 0; k < a->numbers.n; k++)
				for (l = 0; l < b->numbers.n; l++)
					if (strcmp(a->numbers.v[k],
					    b->numbers.v[l]) == 0)
						return config_error(cp, path,
						    "numbers: %s is also "
						    "communes[%zu] (%s)'s",
						    a->numbers.v[k], j, b->code);
			for (k = 0; k < a->match.n; k++)
				for (l = 0; l < b->match.n; l++)
					if (strcmp(a->match.v[k],
					    b->match.v[l]) == 0)
						return config_error(cp, path,
						    "name: a text naming it "
						    "would also name "
						    "communes[%zu] (%s)", j,
						    b->code);
		}
	}
	config_commune_index(cf);
	return 0;
}

static int
config_commune_form_cmp(const void *a, const void *b)
{
	const struct commune_form	*x = a, *y = b;

	return strcmp(x->form, y->form);
}

/* A sorted index of the strings of every commune's list at off (its
 * match forms, its numbers; unique: checked above) into *out, *n. */
static void
config_commune_sorted(struct config *cf, size_t off,
    struct commune_form **out, size_t *n)
{
	const struct strlist	*l;
	size_t			 i, j, total = 0;

	for (i = 0; i < cf->ncommunes; i++)
		total += SLOT((char *)&cf->communes[i], off,
		    struct strlist)->n;
	*out = xcalloc(total ? total : 1, sizeof(**out));
	*n = 0;
	for (i = 0; i < cf->ncommunes; i++) {
		l = SLOT((char *)&cf->communes[i], off, struct strlist);
		for (j = 0; j < l->n; j++) {
			(*out)[*n].form = l->v[j];
			(*out)[(*n)++].commune = &cf->communes[i];
		}
	}
	qsort(*out, *n, sizeof(**out), config_commune_form_cmp);
}

static void
config_commune_index(struct config *cf)
{
	config_commune_sorted(cf, offsetof(struct commune, match),
	    &cf->commune_forms, &cf->ncommune_forms);
	config_commune_sorted(cf, offsetof(struct commune, numbers),
	    &cf->commune_numbers, &cf->ncommune_numbers);
}

const struct commune *
config_commune(const struct config *cf, const char *code)
{
	size_t	 i;

	if (code == NULL)
		return NULL;
	for (i = 0; i < cf->ncommunes; i++)
		if (strcasecmp(cf->communes[i].code, code) == 0)
			return &cf->communes[i];
	return NULL;
}

const struct commune *
config_commune_by_number(const struct config *cf, const char *e164)
{
	struct commune_form	 key, *f;

	if (e164 == NULL || *e164 == '\0' || cf->ncommune_numbers == 0)
		return NULL;
	key.form = e164;
	f = bsearch(&key, cf->commune_numbers, cf->ncommune_numbers,
	    sizeof(*cf->commune_numbers), config_commune_form_cmp);
	return f != NULL ? f->commune : NULL;
}

const struct config *
config_scoped(const struct config *cf, const char *code)
{
	const struct commune	*cm = config_commune(cf, code);

	return cm != NULL ? cm->cf : cf;
}

static const char *
config_check_cc(const char *s)
{
	size_t	 n;

	n = strspn(s, "0123456789");
	if (n < 1 || n > 3 || s[n] != '\0')
		return "must be 1 to 3 digits";
	return NULL;
}

static const char *
config_check_code(const char *s)
{
	size_t	 n;

	n = strspn(s, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
	    "0123456789");
	if (n < 1 || n > 16 || s[n] != '\0')
		return "must be 1 to 16 letters or digits";
	return NULL;
}

/* Why s is not an http(s) URL, NULL if it is: its scheme, else what
 * util_url_check found (a host with a blank in it, a port 0). */
static const char *
config_url_why(const char *s)
{
	const char	*why = util_url_check(s, 1);

	return why != NULL && strncmp(why, "must", 4) == 0 ?
	    "must start with http:// or https:// and a host" : why;
}

static const char *
config_check_tz(const char *s)
{
	size_t	 n;

	n = strspn(s, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
	    "0123456789/_+-");
	if (n == 0 || s[n] != '\0' || *s == '/' || strstr(s, "..") != NULL)
		return "must be a time zone name such as Asia/Ho_Chi_Minh";
	if (!tz_known(s))
		return "unknown time zone (not in the TZ database)";
	return NULL;
}

static const char *
config_check_date(const char *s)
{
	static const int mdays[] = {
		31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31
	};
	int	 y, m, d, leap;
	size_t	 i;

	for (i = 0; i < 10; i++) {
		if (i == 4 || i == 7) {
			if (s[i] != '-')
				goto bad;
		} else if (!isdigit((unsigned char)s[i]))
			goto bad;
	}
	if (s[10] != '\0')
		goto bad;
	y = atoi(s);
	m = atoi(s + 5);
	d = atoi(s + 8);
	leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
	if (y < 1970 || m < 1 || m > 12 || d < 1 || d > mdays[m - 1] ||
	    (m == 2 && d == 29 && !leap))
		goto bad;
	return NULL;
bad:
	return "must be a date YYYY-MM-DD";
}

/* "console" or the name of a provider section. */
static const char *
config_check_via(const char *s)
{
	static char		 why[128];
	const struct ckey	*sec;

	if (strcmp(s, "console") == 0)
		return NULL;
	for (sec = config_provider_keys; sec->name != NULL; sec++)
		if (strcmp(sec->name, s) == 0)
			return NULL;
	snprintf(why, sizeof(why), "must be one of console");
	for (sec = config_provider_keys; sec->name != NULL; sec++) {
		strncat(why, ", ", sizeof(why) - strlen(why) - 1);
		strncat(why, sec->name, sizeof(why) - strlen(why) - 1);
	}
	return why;
}

/* Absent public_url: the listen address; a trailing "/" is dropped. */
static int
config_post_public_url(struct cparse *cp)
{
	struct config	*cf = cp->cf;
	size_t		 n;

	if (*cf->public_url == '\0') {
		free(cf->public_url);
		cf->public_url = xasprintf(strchr(cf->listen_host, ':') ?
		    "http://[%s]:%d" : "http://%s:%d", cf->listen_host,
		    cf->listen_port);
	}
	n = strlen(cf->public_url);
	while (n > 0 && cf->public_url[n - 1] == '/')
		cf->public_url[--n] = '\0';
	return 0;
}

/*
 * Where the key is (SPEC §8: never beside the database by default): the
 * unit's systemd credential when it passes one ($CREDENTIALS_DIRECTORY/
 * tincay.key); else key_file; else a key an earlier version kept beside
 * the database, which keeps working (tincayd -t warns); else the
 * database's name + ".key" in the configuration's directory.
 */
static int
config_post_key_file(struct cparse *cp)
{
	struct config	*cf = cp->cf;
	const char	*creds = getenv("CREDENTIALS_DIRECTORY"), *name;
	char		*path = NULL;

	if (creds != NULL && *creds != '\0') {
		path = xasprintf("%s/%s", creds, CONFIG_KEY_CREDENTIAL);
		if (access(path, F_OK) == -1) {
			free(path);
			path = NULL;
		}
	}
	if (path == NULL && *cf->key_file == '\0' &&
	    !store_is_file(cf->database))
		return config_error(cp, "key_file", "required when database "
		    "is a server's (PostgreSQL): every node needs the same "
		    "key, kept apart from the data");
	if (path == NULL && *cf->key_file == '\0') {
		path = xasprintf("%s.key", cf->database);
		if (access(path, F_OK) == -1) {
			free(path);
			name = strrchr(cf->database, '/');
			name = name != NULL ? name + 1 : cf->database;
			path = strcmp(cp->dir, ".") == 0 ?
			    xasprintf("%s.key", name) :
			    xasprintf("%s/%s.key", cp->dir, name);
		}
	}
	if (path != NULL) {
		free(cf->key_file);
		cf->key_file = path;
	}
	return 0;
}

static int
config_url_error(struct cparse *cp, const char *path, const char *url)
{
	const char	*why = config_url_why(url);

	if (why != NULL && strncmp(why, "must", 4) != 0 &&
	    (cp->cf->allow_http || strncasecmp(url, "https://", 8) == 0))
		return config_error(cp, path, "%s", why);
	return config_error(cp, path, cp->cf->allow_http ?
	    "must start with https:// or http:// and a host" :
	    "must be an https:// URL (http:// needs \"allow_http\": true)");
}

static int
config_post_outbound(struct cparse *cp)
{
	char			*base = (char *)cp->cf;
	const struct ckey	*sec, *k;
	const char		*url;
	char			 path[CONFIG_PATH_MAX];
	size_t			 i;

	for (i = 0; i < nitems(config_outbound); i++) {
		url = *SLOT(base, config_outbound[i].off, char *);
		if (*url != '\0' &&
		    util_url_check(url, cp->cf->allow_http) != NULL)
			return config_url_error(cp, config_outbound[i].path,
			    url);
	}
	for (sec = config_provider_keys; sec->name != NULL; sec++) {
		if (!config_section_on(cp->cf, sec))
			continue;
		for (k = sec->sub; k->name != NULL; k++) {
			url = *SLOT(base, k->off, char *);
			if (!(k->flags & F_URL) ||
			    util_url_check(url, cp->cf->allow_http) == NULL)
				continue;
			snprintf(path, sizeof(path), "providers.%s.%s",
			    sec->name, k->name);
			return config_url_error(cp, path, url);
		}
	}
	return 0;
}

/* sms_out.via: "console", or a provider with what it needs to send. */
static int
config_post_via(struct cparse *cp)
{
	char			*base = (char *)cp->cf;
	const char		*via = cp->cf->sms_out.via;
	const struct ckey	*sec, *k;
	char			 path[CONFIG_PATH_MAX];
	size_t			 i;

	for (sec = config_provider_keys; sec->name != NULL; sec++) {
		if (strcmp(sec->name, via) != 0 || !(sec->flags & F_VIA))
			continue;
		if (!config_section_on(cp->cf, sec))
			return config_error(cp, "sms_out.via",
			    "\"%s\" needs a providers.%s section", via,
			    sec->name);
		for (k = sec->sub; k->name != NULL; k++) {
			if (!(k->flags & F_VIA) ||
			    **SLOT(base, k->off, char *) != '\0')
				continue;
			snprintf(path, sizeof(path), "providers.%s.%s",
			    sec->name, k->name);
			return config_error(cp, path,
			    "required when sms_out.via is \"%s\"", via);
		}
	}
	for (i = 0; i < nitems(config_via_needs); i++)
		if (strcmp(config_via_needs[i].via, via) == 0 &&
		    **SLOT(base, config_via_needs[i].off, char *) == '\0')
			return config_error(cp, config_via_needs[i].path,
			    "required when sms_out.via is \"%s\"", via);
	return 0;
}

/* Area names as the router compares them, folded once. */
static int
config_post_folds(struct cparse *cp)
{
	struct config	*cf = cp->cf;
	struct area	*a;
	char		*f;
	size_t		 i, j;
	const char	*n;

	for (i = 0; i < cf->nareas; i++) {
		a = &cf->areas[i];
		for (j = 0; j < a->aliases.n + 2; j++) {
			f = text_keyfold_compact(j == 0 ? a->code : j == 1 ? a->name :
			    a->aliases.v[j - 2]);
			config_strlist_add(&a->match, f);
			free(f);
		}
		/* Thôn 3 is also thôn ba, thon03 and xóm 3 (area.c). */
		for (j = 1; j < a->aliases.n + 2 && a->number == 0; j++) {
			n = j == 1 ? a->name : a->aliases.v[j - 2];
			f = text_keyfold(n, strlen(n));
			area_hamlet_parse(f, &a->kind, &a->number);
			free(f);
		}
	}
	return 0;
}

/* Area codes and aliases, folded, must name one area each. */
static int
config_post_areas(struct cparse *cp)
{
	struct config	*cf = cp->cf;
	struct area	*a;
	struct {
		char	*fold;
		size_t	 area;
		size_t	 alias;		/* 0: the code, else alias + 1 */
	}		*names;
	char		 path[CONFIG_PATH_MAX];
	size_t		 i, j, n, total;
	int		 rc = 0;

	/* Code, aliases and name of each area: the router finds an area
	 * by any of them (area.c), so none may name two areas. */
	total = 0;
	for (i = 0; i < cf->nareas; i++)
		total += 2 + cf->areas[i].aliases.n;
	names = xcalloc(total, sizeof(*names));
	n = 0;
	for (i = 0; i < cf->nareas; i++) {
		a = &cf->areas[i];
		if (a->name == NULL)
			a->name = xstrdup(a->code);
		for (j = 0; j <= a->aliases.n + 1; j++, n++) {
			names[n].fold = text_keyfold_compact(j == 0 ? a->code :
			    j <= a->aliases.n ? a->aliases.v[j - 1] : a->name);
			names[n].area = i;
			names[n].alias = j;
		}
	}
	for (i = 0; i < n && rc == 0; i++) {
		if (names[i].alias == 0)
			snprintf(path, sizeof(path), "areas[%zu].code",
			    names[i].area);
		else if (names[i].alias <= cf->areas[names[i].area].aliases.n)
			snprintf(path, sizeof(path), "areas[%zu].aliases[%zu]",
			    names[i].area, names[i].alias - 1);
		else
			snprintf(path, sizeof(path), "areas[%zu].name",
			    names[i].area);
		if (names[i].fold[0] == '\0') {
			rc = config_error(cp, path,
			    "must contain letters or digits");
			break;
		}
		for (j = 0; j < i; j++) {
			if (names[j].area == names[i].area ||
			    strcmp(names[j].fold, names[i].fold) != 0)
				continue;
			rc = config_error(cp, path, names[i].alias == 0 &&
			    names[j].alias == 0 ? "duplicate of areas[%zu].code" :
			    "also names areas[%zu]", names[j].area);
			break;
		}
	}
	for (i = 0; i < n; i++)
		free(names[i].fold);
	free(names);
	return rc;
}

static int
config_post_campaigns(struct cparse *cp)
{
	struct config	*cf = cp->cf;
	struct campaign	*c;
	char		 path[CONFIG_PATH_MAX];
	size_t		 i, j;

	for (i = 0; i < cf->ncampaigns; i++) {
		c = &cf->campaigns[i];
		if (c->name == NULL)
			c->name = xstrdup(c->code);
		if (strcmp(c->start, c->end) > 0) {
			snprintf(path, sizeof(path), "campaigns[%zu].end", i);
			return config_error(cp, path, "is before start");
		}
		for (j = 0; j < i; j++) {
			if (strcasecmp(cf->campaigns[j].code, c->code) != 0)
				continue;
			snprintf(path, sizeof(path), "campaigns[%zu].code", i);
			return config_error(cp, path,
			    "duplicate of campaigns[%zu].code", j);
		}
	}
	return 0;
}

/* Keyword i of category c folds as keyword j of d: name the one in the
 * list the config gave. */
static int
config_keyword_dup(struct cparse *cp, int c, size_t i, int d, size_t j)
{
	struct config	*cf = cp->cf;
	char		 path[CONFIG_PATH_MAX];
	int		 at = (cp->kwset & (1U << d)) ? d : c;
	int		 other = at == d ? c : d;
	size_t		 k = at == d ? j : i;

	snprintf(path, sizeof(path), "keywords.%s[%zu]",
	    config_category_name((enum category)at), k);
	return config_error(cp, path, "\"%s\" is also a %s keyword",
	    cf->keywords[at].v[k], config_category_name((enum category)other));
}

/*
 * What a keyword matches by, as the router does: its fold without spaces;
 * one made only of punctuation ("?", "!!") folds to "" and matches the
 * whole text as written, so it is itself (no fold holds punctuation).
 */
static char *
config_keyword_key(const char *kw)
{
	char	*f = text_keyfold_compact(kw);

	if (f[0] != '\0')
		return f;
	free(f);
	return xstrdup(kw);
}

/* A keyword may belong to one category only and span three words. */
static int
config_post_keywords(struct cparse *cp)
{
	struct config	*cf = cp->cf;
	char		*a, **folds[CAT__MAX], path[CONFIG_PATH_MAX];
	size_t		 i, j, words;
	int		 c, d, rc = 0;
	const char	*s;

	/* A plea phrase is found by its letters and digits (plea.c). */
	for (d = 0; d < 2; d++) {
		const struct strlist *l = d ? &cf->not_distress : &cf->distress;

		for (i = 0; i < l->n; i++) {
			a = text_keyfold(l->v[i], strlen(l->v[i]));
			words = a[0] != '\0';
			free(a);
			if (!words) {
				snprintf(path, sizeof(path),
				    "keywords.%s[%zu]", d ? "not_distress" :
				    "distress", i);
				return config_error(cp, path,
				    "has no letter or digit");
			}
		}
	}
	for (c = 0; c < CAT__MAX; c++) {
		if (!(cp->kwset & (1U << c)))
			continue;
		for (i = 0; i < cf->keywords[c].n; i++) {
			a = text_keyfold(cf->keywords[c].v[i],
			    strlen(cf->keywords[c].v[i]));
			for (words = 0, s = a; *s != '\0'; s++)
				if (s == a || s[-1] == ' ')
					words++;
			free(a);
			if (words > 3) {
				snprintf(path, sizeof(path), "keywords.%s[%zu]",
				    config_category_name((enum category)c), i);
				return config_error(cp, path,
				    "at most three words");
			}
		}
	}
	/* Each keyword's match key made once; then every pair of
	 * categories where one was given in the config is compared. */
	for (c = 0; c < CAT__MAX; c++) {
		folds[c] = xcalloc(cf->keywords[c].n + 1, sizeof(*folds[c]));
		for (i = 0; i < cf->keywords[c].n; i++)
			folds[c][i] = config_keyword_key(cf->keywords[c].v[i]);
	}
	for (c = 0; c < CAT__MAX && rc == 0; c++)
		for (i = 0; i < cf->keywords[c].n && rc == 0; i++)
			for (d = c + 1; d < CAT__MAX && rc == 0; d++) {
				if (!(cp->kwset & ((1U << c) | (1U << d))))
					continue;
				for (j = 0; j < cf->keywords[d].n; j++)
					if (strcmp(folds[c][i], folds[d][j]) ==
					    0) {
						rc = config_keyword_dup(cp, c, i,
						    d, j);
						break;
					}
			}
	for (c = 0; c < CAT__MAX; c++) {
		for (i = 0; i < cf->keywords[c].n; i++)
			free(folds[c][i]);
		free(folds[c]);
	}
	return rc;
}

/* Warn when a report category would alert nobody. */
static int
config_post_routes(struct cparse *cp)
{
	static const enum category cats[] = { CAT_GBV, CAT_SHELTER };
	struct config	*cf = cp->cf;
	size_t		 i;

	for (i = 0; i < nitems(cats); i++)
		if (cf->routing[cats[i]].n == 0 &&
		    cf->escalation[cats[i]].to.n == 0)
			config_warn(cf, "routing.%s: no roles and no "
			    "escalation; these reports alert nobody",
			    config_category_name(cats[i]));
	return 0;
}

/* Warn about a template over one segment (with a 6-character REF). */
static int
config_post_templates(struct cparse *cp)
{
	struct config	*cf = cp->cf;
	struct text_seg	 seg;
	char		*s, path[CONFIG_PATH_MAX];
	size_t		 i, len;

	for (i = 0; i < TMPL__MAX; i++) {
		/* As sent, with the longest REF (6 characters for 5). */
		len = strlen(cf->templates[i]) * 2 + 1;
		s = xmalloc(len);
		template_render(cf, (enum tmpl)i, "XXXXXX", s, len);
		text_segments(s, strlen(s), &seg);
		/* Longer, a reply would be cut, maybe inside a letter. */
		if ((len = strlen(s)) >= REPLY_MAX) {
			snprintf(path, sizeof(path), "templates.%s",
			    template_name((enum tmpl)i));
			free(s);
			return config_error(cp, path, "%zu bytes as sent, over "
			    "the %d a reply holds", len, REPLY_MAX - 1);
		}
		free(s);
		if (seg.segments > 1)
			config_warn(cf, "templates.%s: %zu characters, over "
			    "one SMS segment", template_name((enum tmpl)i),
			    seg.units);
		if (template_wants_ref((enum tmpl)i) &&
		    strstr(cf->templates[i], "%REF%") == NULL)
			config_warn(cf, "templates.%s: has no %%REF%%",
			    template_name((enum tmpl)i));
	}
	return 0;
}

/*
 * Whether a secret is still a placeholder: one of those shipped in
 * config/tincay.json ("change-me...") or the elisions of SPEC §2's
 * example ("…", "AC…").
 */
static int
config_placeholder(const char *s)
{
	static const char *const prefixes[] = { "change-me", "changeme" };
	static const char *const within[] = { "\xe2\x80\xa6", "..." };
	size_t	 i;

	for (i = 0; i < nitems(prefixes); i++)
		if (strncasecmp(s, prefixes[i], strlen(prefixes[i])) == 0)
			return 1;
	for (i = 0; i < nitems(within); i++)
		if (strstr(s, within[i]) != NULL)
			return 1;
	return 0;
}

/* Warn when no provider is enabled: nothing can file a report. */
static int
config_post_providers(struct cparse *cp)
{
	const struct ckey	*sec;

	for (sec = config_provider_keys; sec->name != NULL; sec++)
		if (config_section_on(cp->cf, sec))
			return 0;
	config_warn(cp->cf, "providers: none enabled; no endpoint takes "
	    "messages, so nobody can report");
	return 0;
}

/* Whether host is a loopback address (or a name that only means one). */
static int
config_loopback(const char *host)
{
	static const char *const names[] = { "localhost", "::1",
	    "[::1]", "ip6-localhost" };
	size_t	 i;

	if (strncmp(host, "127.", 4) == 0)
		return 1;
	for (i = 0; i < nitems(names); i++)
		if (strcmp(host, names[i]) == 0)
			return 1;
	return 0;
}

/* Warn when the console channel prints alerts on a networked daemon. */
static int
config_post_console(struct cparse *cp)
{
	struct config	*cf = cp->cf;

	if (strcmp(cf->sms_out.via, "console") == 0 &&
	    !config_loopback(cf->listen_host))
		config_warn(cf, "sms_out.via: console, but listen %s is not "
		    "loopback: SMS alerts of a reachable daemon are only "
		    "printed, never sent", cf->listen_host);
	/* Twilio's StatusCallback goes to public_url only if it can. */
	if (strcmp(cf->sms_out.via, "twilio") == 0 &&
	    strncmp(cf->public_url, "https://", 8) != 0 && !cf->allow_http)
		config_warn(cf, "public_url: %s is not https; Twilio is not "
		    "asked for delivery receipts, so an alert a phone never "
		    "got waits for after_s to escalate", cf->public_url);
	return 0;
}

/*
 * The web console (SPEC §12): an address of its own, a session that ends
 * no later than its idle time; a warning when it is reachable from
 * elsewhere without TLS in front (https: false).
 */
static int
config_post_web(struct cparse *cp)
{
	struct config	*cf = cp->cf;

	if (*cf->console.listen_host == '\0')
		return 0;
	if (strcmp(cf->console.listen_host, cf->listen_host) == 0 &&
	    cf->console.listen_port == cf->listen_port)
		return config_error(cp, "console.listen", "must differ from "
		    "listen (%s:%d): the console has a listener of its own",
		    cf->listen_host, cf->listen_port);
	if (cf->console.absolute_s < cf->console.idle_s)
		return config_error(cp, "console.absolute_s", "must be at "
		    "least console.idle_s (%d)", cf->console.idle_s);
	if (!cf->console.https && !config_loopback(cf->console.listen_host))
		config_warn(cf, "console.listen: %s is not loopback and https "
		    "is false: passwords and cases would cross the network in "
		    "clear; put a TLS proxy in front (https: true)",
		    cf->console.listen_host);
	return 0;
}

/* Warn about an unset secret or one of the shipped placeholders. */
static int
config_post_secrets(struct cparse *cp)
{
	struct config		*cf = cp->cf;
	char			*base = (char *)cf;
	const struct ckey	*sec, *k;
	const char		*s;
	char			 path[64];
	size_t			 i;

	if (*cf->webhook_secret == '\0')
		config_warn(cf, "webhook_secret: not set; webhook alerts "
		    "cannot be signed");
	for (sec = config_provider_keys; sec->name != NULL; sec++) {
		if (!config_section_on(cf, sec))
			continue;
		for (k = sec->sub; k->name != NULL; k++)
			if ((k->flags & F_SECRET) &&
			    config_placeholder(*SLOT(base, k->off, char *))) {
				config_warn(cf, "providers.%s.%s: still the "
				    "shipped placeholder; for local testing "
				    "only", sec->name, k->name);
				snprintf(path, sizeof(path), "providers.%s.%s",
				    sec->name, k->name);
				config_strlist_add(&cf->placeholders, path);
			}
	}
	for (i = 0; i < nitems(config_secrets); i++) {
		s = *SLOT(base, config_secrets[i].off, char *);
		if (config_placeholder(s)) {
			config_warn(cf, "%s: still the shipped placeholder; "
			    "for local testing only", config_secrets[i].path);
			config_strlist_add(&cf->placeholders,
			    config_secrets[i].path);
		}
	}
	return 0;
}

int
config_check_placeholders(const struct config *cf, char *err, size_t errlen)
{
	size_t	 i, n = 0;

	if (cf->placeholders.n == 0 ||
	    (cf->allow_placeholders && config_loopback(cf->listen_host)))
		return 0;
	for (i = 0; i < cf->placeholders.n && n < errlen; i++)
		n += (size_t)snprintf(err + n, errlen - n, "%s%s", i ? ", " : "",
		    cf->placeholders.v[i]);
	if (n < errlen)
		snprintf(err + n, errlen - n, ": still the shipped placeholder%s;"
		    " set real secrets (\"allow_placeholders\": true runs them "
		    "on a loopback listen, for local testing only)",
		    cf->placeholders.n > 1 ? "s" : "");
	return -1;
}

static void
config_strlist_add(struct strlist *sl, const char *s)
{
	sl->v = xrealloc(sl->v, (sl->n + 1) * sizeof(*sl->v));
	sl->v[sl->n++] = xstrdup(s);
}

static void
config_strlist_set(struct strlist *sl, const char *const *v)
{
	config_strlist_free(sl);
	for (; *v != NULL; v++)
		config_strlist_add(sl, *v);
}

static void
config_strlist_free(struct strlist *sl)
{
	size_t	 i;

	for (i = 0; i < sl->n; i++)
		free(sl->v[i]);
	free(sl->v);
	sl->v = NULL;
	sl->n = 0;
}

static void
config_warn(struct config *cf, const char *fmt, ...)
{
	va_list	 ap;
	char	 buf[256];

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	config_strlist_add(&cf->warnings, buf);
}

static struct config *
config_defaults(void)
{
	const struct family	*f;
	struct config		*cf;
	const struct ckey	*sec, *k;
	char			*base;
	size_t			 i;
	int			 c;

	cf = xcalloc(1, sizeof(*cf));
	base = (char *)cf;
	for (i = 0; i < nitems(config_strings); i++)
		*SLOT(base, config_strings[i].off, char *) =
		    xstrdup(config_strings[i].value);
	for (sec = config_provider_keys; sec->name != NULL; sec++)
		for (k = sec->sub; k->name != NULL; k++)
			if (k->set == config_set_str)
				*SLOT(base, k->off, char *) =
				    xstrdup(k->def ? k->def : "");
	for (i = 0; i < nitems(config_lists); i++)
		config_strlist_set(SLOT(base, config_lists[i].off,
		    struct strlist), config_lists[i].value);
	for (i = 0; i < nitems(config_escalations); i++) {
		c = config_escalations[i].cat;
		cf->escalation[c].after_s = config_escalations[i].after_s;
		config_strlist_set(&cf->escalation[c].to,
		    config_escalations[i].to);
	}
	for (c = 0; c < CAT__MAX; c++)
		if ((f = family_of((enum category)c)) != NULL)
			config_strlist_set(&cf->keywords[c], f->keywords);
	for (c = 0; c < TMPL__MAX; c++)
		cf->templates[c] = xstrdup(template_default((enum tmpl)c));
	cf->listen_port = 8080;
	cf->sms_out.rate_per_second = 10;
	cf->escalation_repeat_s = 3600;
	cf->review.every_s = 900;
	cf->followup_window_s = 1800;
	cf->reopen_window_s = 2592000;		/* 30 days */
	cf->privacy.min_count = 3;
	cf->retention_days = -1;
	cf->limits.max_body_bytes = 16384;
	cf->limits.request_timeout_s = 10;
	cf->limits.max_connections = 512;
	cf->limits.retry_base_ms = 2000;
	cf->limits.retry_max_s = 1800;
	cf->console.idle_s = 900;
	cf->console.absolute_s = 28800;
	return cf;
}

struct config *
config_parse(const char *buf, size_t len, char *err, size_t errlen)
{
	return config_parse_in(buf, len, ".", err, errlen);
}

/* config_parse() of a file in directory dir (for key_file's default). */
static struct config *
config_parse_in(const char *buf, size_t len, const char *dir, char *err,
    size_t errlen)
{
	struct cparse	 cp;
	cJSON		*root;
	const char	*end = NULL;
	size_t		 pos, line, i;

	memset(&cp, 0, sizeof(cp));
	cp.dir = dir;
	cp.err = err;
	cp.errlen = errlen;
	if (err != NULL && errlen > 0)
		err[0] = '\0';
	root = len > 0 ? cJSON_ParseWithLengthOpts(buf, len, &end, 0) : NULL;
	if (root != NULL) {
		/* cJSON stops after the value; only whitespace may follow. */
		pos = (size_t)(end - buf);
		while (pos < len && strchr(" \t\r\n", buf[pos]) != NULL &&
		    buf[pos] != '\0')
			pos++;
		if (pos < len) {
			cJSON_Delete(root);
			root = NULL;
			end = buf + pos;
		}
	}
	if (root == NULL) {
		pos = end != NULL && end >= buf && end <= buf + len ?
		    (size_t)(end - buf) : len;
		for (line = 1, i = 0; i < pos; i++)
			if (buf[i] == '\n')
				line++;
		config_error(&cp, "config", "invalid JSON near byte %zu "
		    "(line %zu)", pos, line);
		return NULL;
	}
	cp.cf = config_build(root, dir, err, errlen);
	cJSON_Delete(root);
	return cp.cf;
}

/* The config of a parsed JSON document root; NULL and why in err. */
static struct config *
config_build(const cJSON *root, const char *dir, char *err, size_t errlen)
{
	struct cparse	 cp;
	size_t		 i;

	memset(&cp, 0, sizeof(cp));
	cp.dir = dir;
	cp.err = err;
	cp.errlen = errlen;
	cp.root = root;
	cp.cf = config_defaults();
	if (!cJSON_IsObject(root)) {
		config_error(&cp, "config", "must be a JSON object");
		goto fail;
	}
	if (config_walk(&cp, root, "", config_keys, (char *)cp.cf) == -1)
		goto fail;
	for (i = 0; i < nitems(config_posts); i++)
		if (config_posts[i](&cp) == -1)
			goto fail;
	return cp.cf;
fail:
	config_free(cp.cf);
	return NULL;
}

struct config *
config_load(const char *file, char *err, size_t errlen)
{
	struct cparse	 cp;
	struct config	*cf;
	FILE		*fp;
	char		*buf, *msg, *dir, *slash;
	size_t		 len, cap, n;

	memset(&cp, 0, sizeof(cp));
	cp.err = err;
	cp.errlen = errlen;
	if ((fp = fopen(file, "r")) == NULL) {
		config_error(&cp, file, "%s", strerror(errno));
		return NULL;
	}
	len = 0;
	cap = 8192;
	buf = xmalloc(cap);
	while ((n = fread(buf + len, 1, cap - len, fp)) > 0) {
		len += n;
		if (len > CONFIG_FILE_MAX)
			break;
		if (len == cap)
			buf = xrealloc(buf, cap *= 2);
	}
	if (ferror(fp) || len > CONFIG_FILE_MAX) {
		config_error(&cp, file, ferror(fp) ? "read error" :
		    "larger than %d bytes", CONFIG_FILE_MAX);
		fclose(fp);
		free(buf);
		return NULL;
	}
	fclose(fp);
	dir = xstrdup(file);
	if ((slash = strrchr(dir, '/')) == NULL)
		strcpy(dir, ".");
	else
		slash[slash == dir] = '\0';	/* "/x.json": "/" */
	cf = config_parse_in(buf, len, dir, err, errlen);
	free(dir);
	free(buf);
	/* Every error of a file names it, once. */
	if (cf == NULL && err != NULL && errlen > 0) {
		msg = xstrdup(err);
		config_error(&cp, file, "%s", msg);
		free(msg);
	}
	return cf;
}

static void
config_area_free(struct area *a)
{
	free(a->code);
	free(a->name);
	config_strlist_free(&a->aliases);
	config_strlist_free(&a->match);
}

void
config_free(struct config *cf)
{
	const struct ckey	*sec, *k;
	char			*base = (char *)cf;
	size_t			 i;
	int			 c;

	if (cf == NULL)
		return;
	for (i = 0; i < nitems(config_strings); i++)
		free(*SLOT(base, config_strings[i].off, char *));
	for (i = 0; i < TMPL__MAX; i++)
		free(cf->templates[i]);
	for (sec = config_provider_keys; sec->name != NULL; sec++)
		for (k = sec->sub; k->name != NULL; k++)
			if (k->set == config_set_str)
				free(*SLOT(base, k->off, char *));
	for (i = 0; i < cf->nareas; i++)
		config_area_free(&cf->areas[i]);
	free(cf->areas);
	for (i = 0; i < cf->ncampaigns; i++) {
		free(cf->campaigns[i].code);
		free(cf->campaigns[i].name);
	}
	free(cf->campaigns);
	for (c = 0; c < CAT__MAX; c++) {
		config_strlist_free(&cf->routing[c]);
		config_strlist_free(&cf->escalation[c].to);
		config_strlist_free(&cf->keywords[c]);
	}
	config_strlist_free(&cf->officials);
	config_strlist_free(&cf->review.to);
	config_strlist_free(&cf->distress);
	config_strlist_free(&cf->not_distress);
	config_strlist_free(&cf->warnings);
	config_strlist_free(&cf->placeholders);
	for (i = 0; i < cf->ncommunes; i++) {
		free(cf->communes[i].code);
		free(cf->communes[i].name);
		config_strlist_free(&cf->communes[i].numbers);
		config_strlist_free(&cf->communes[i].match);
		config_free(cf->communes[i].cf);
	}
	free(cf->communes);
	free(cf->commune_forms);
	free(cf->commune_numbers);
	free(cf);
}
