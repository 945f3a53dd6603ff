/*
 * config.h: the typed configuration (SPEC §2). config.c turns JSON into
 * this struct; cJSON never leaves config.c. A struct config is immutable
 * once loaded; reload builds a new one and swaps it in.
 */
#ifndef TINCAY_CONFIG_H
#define TINCAY_CONFIG_H

#include <stddef.h>

/* Categories a report, message or routing rule can have. */
enum category {
	CAT_UNKNOWN = 0,
	CAT_GBV,
	CAT_SHELTER,
	CAT_SIGNUP,
	CAT_OPTOUT,
	CAT_CANCEL,
	CAT_ACK,
	CAT_DONE,
	CAT_STATS,
	CAT_HELP,
	CAT_FOLLOWUP,
	CAT_APPROVE,		/* DUYET ID: a text of the review list filed */
	CAT_DISMISS,		/* BO ID: one dismissed */
	CAT__MAX
};

/* Reply templates, overridable under "templates". */
enum tmpl {
	TMPL_RECEIVED = 0,	/* new report filed: %REF% */
	TMPL_HELP,		/* help / unknown */
	TMPL_ACK,		/* to the responder who took %REF% */
	TMPL_ACK_TAKEN,		/* %REF% was already taken or is over */
	TMPL_CLOSED,		/* to the responder who closed %REF% */
	TMPL_CANCELLED,		/* to the responder who cancelled %REF%
				 * as a false alarm (XONG REF NHAM) */
	TMPL_SIGNUP,		/* subscribed to a campaign */
	TMPL_SIGNUP_NONE,	/* no campaign running, none named */
	TMPL_SIGNUP_UNKNOWN,	/* the named campaign does not exist */
	TMPL_OPTOUT,		/* no more campaign messages */
	TMPL_AMENDED,		/* to whoever corrected %REF%'s close */
	TMPL_RECEIVED_WHERE,	/* new report filed: %REF%; a city's, whose
				 * commune the text did not tell: which? */
	TMPL_PLACED,		/* the commune of %REF% told: it has it */
	TMPL__MAX
};

struct strlist {
	char		**v;
	size_t		  n;
};

struct area {
	char		 *code;		/* "T1" */
	char		 *name;		/* "Thôn 1" */
	struct strlist	  aliases;	/* as written in the config */
	/* Code, name and aliases folded for matching (text_keyfold,
	 * spaces removed), made once at load. */
	struct strlist	  match;
	/* Its name (or first alias) as a hamlet's kind and number: area.c's
	 * index of the kind word ("thon") and 3 for "Thôn 3"; number 0 if
	 * it is none. */
	int		  kind;
	int		  number;
};

struct campaign {
	char		 *code;
	char		 *name;
	char		  start[11];	/* YYYY-MM-DD, inclusive */
	char		  end[11];	/* YYYY-MM-DD, inclusive */
};

struct escalation {
	int		  after_s;	/* 0: no escalation configured */
	struct strlist	  to;
};

struct config;

/* A commune's code and its NUL (config.c checks 1 to 16 letters/digits). */
#define COMMUNE_MAX	17

/*
 * A commune of a city's config (SPEC §11): its code, name, the numbers
 * residents text it at (E.164), its code and names folded for finding it
 * in a text, and the whole config as it sees it: the top level's with the
 * commune's own areas, routing, escalation, officials, templates and
 * campaigns in place of the city's (owned; its scope is the code).
 */
struct commune {
	char		 *code;
	char		 *name;
	struct strlist	  numbers;
	struct strlist	  match;
	struct config	 *cf;
};

struct config {
	char		 *commune;
	/*
	 * Whose config this is, for need to know (contacts and reports carry
	 * it): "" a config without communes (one commune, as ever); a
	 * commune's code in communes[i].cf; "*" a city's top level, whose
	 * routing and escalation name the city's roles (contacts of "*").
	 */
	char		 *scope;
	struct commune	 *communes;	/* a city's; none without communes */
	size_t		  ncommunes;
	/* Every commune's match forms, sorted by form (commune.c's bsearch):
	 * a text is read against a hundred communes in a few compares. */
	struct commune_form {
		const char		*form;	/* borrowed from match */
		const struct commune	*commune;
	}		 *commune_forms;
	size_t		  ncommune_forms;
	/* The same of their numbers (E.164), for the number a text came to. */
	struct commune_form *commune_numbers;
	size_t		  ncommune_numbers;
	char		 *listen_host;
	int		  listen_port;
	char		 *public_url;
	char		 *database;
	char		 *key_file;	/* the key in force: credential, key_file, default */
	char		 *timezone;
	char		 *country_code;	/* digits only, e.g. "84" */

	struct {
		int	  enabled;
		char	 *secret;
	} generic;
	struct {
		int	  enabled;
		char	 *account_sid, *auth_token, *from, *api_base;
	} twilio;
	struct {
		int	  enabled;
		char	 *username, *api_key, *from, *token, *api_base;
	} africastalking;

	struct {
		char	 *via;		/* console|generic|twilio|africastalking */
		char	 *url;
		int	  rate_per_second;
	} sms_out;
	int		  allow_http;
	/* allow_placeholders: the shipped placeholder secrets run, on a
	 * loopback listen only (make run); else tincayd refuses them. */
	int		  allow_placeholders;
	char		 *webhook_secret;

	struct area	 *areas;
	size_t		  nareas;
	struct strlist	  routing[CAT__MAX];	/* only gbv, shelter, unknown */
	struct escalation escalation[CAT__MAX];	/* only gbv, shelter, unknown */
	/* escalation.repeat_s: after its last step, an unacknowledged
	 * report alerts that step's roles again this often (SPEC §5). */
	int		  escalation_repeat_s;
	/* The review list (SPEC §4): every text that enters it is sent to
	 * the contacts of these roles within every_s seconds. */
	struct {
		struct strlist	  to;
		int		  every_s;
	} review;
	int		  followup_window_s;
	/* A number whose report closed less than this ago gets a new
	 * report naming it (SPEC §4); 0: never. */
	int		  reopen_window_s;
	struct campaign	 *campaigns;
	size_t		  ncampaigns;
	struct strlist	  officials;

	/* Keyword lists per category: the family's built-in keywords
	 * (handlers/family.c) unless overridden; the router folds them. */
	struct strlist	  keywords[CAT__MAX];
	/* keywords.distress: phrases that, anywhere in a text without
	 * keyword, file it as a gbv report (SPEC §4), besides the built-in
	 * ones of core/plea.c; keywords.not_distress: everyday phrases in
	 * which those words are no plea. */
	struct strlist	  distress;
	struct strlist	  not_distress;
	/* Replies: the built-in texts (handlers/template.c) unless
	 * overridden. */
	char		 *templates[TMPL__MAX];

	struct {
		size_t	  max_body_bytes;
		int	  request_timeout_s;
		int	  max_connections;
		int	  retry_base_ms;	/* first outbox backoff */
		int	  retry_max_s;		/* backoff cap */
	} limits;

	struct {
		/* An area's count from 1 to min_count - 1 is shown as
		 * "<min_count": a hamlet's count of one names a household. */
		int	  min_count;
	} privacy;
	/* The daemon purges texts and numbers older than this many days
	 * (SPEC §8) at start, on reload and daily; -1: never by itself. */
	int		  retention_days;

	/* The web console (SPEC §12), on its own listener; listen_host ""
	 * when it is off. https: behind a TLS proxy (cookies Secure,
	 * Origin https://Host); a session ends idle_s after its last
	 * request, absolute_s after its sign-in. */
	struct {
		char	 *listen_host;
		int	  listen_port;
		int	  https;
		int	  require_totp;
		int	  idle_s;
		int	  absolute_s;
	} console;

	/* Warnings found while loading (e.g. template over one segment). */
	struct strlist	  warnings;
	/* The keys that hold a shipped placeholder secret ("webhook_secret"). */
	struct strlist	  placeholders;
};

/*
 * Load and validate FILE. On error return NULL and write a one-line reason
 * naming the file once and the key (e.g. "tincay.json:
 * limits.max_body_bytes: must be 256..16777216") to err. The caller owns the result and frees it with config_free().
 */
struct config	*config_load(const char *file, char *err, size_t errlen);
/* The name of the key's systemd credential (LoadCredential=, SPEC §8). */
#define CONFIG_KEY_CREDENTIAL	"tincay.key"
/* The same from a buffer (buf, len); name is used in messages. */
struct config	*config_parse(const char *buf, size_t len, char *err,
		    size_t errlen);
void		 config_free(struct config *);
/* 0 if tincayd may start on cf's secrets; -1 if a key holds a shipped
 * placeholder and cf does not allow them (allow_placeholders, on a
 * loopback listen), with a message naming the keys in err. */
int		 config_check_placeholders(const struct config *cf, char *err,
		    size_t errlen);

/* "gbv", "shelter", ...; NULL for out of range. */
const char	*config_category_name(enum category);
/* Inverse of config_category_name; -1 if unknown. */
int		 config_category_lookup(const char *);
/* 1 if the section providers.<name> is present, 0 if not, -1 if there is
 * no such provider section. */
int		 config_provider_enabled(const struct config *,
		    const char *name);
/* fn once for each role routing, escalation, officials or review.to names
 * (each name once, in that order); a non-zero fn stops and is returned,
 * else 0. */
typedef int	 (*config_role_fn)(const char *role, void *arg);
int		 config_roles(const struct config *, config_role_fn, void *);
/* 1 if routing, escalation or officials names role, else 0. */
int		 config_role_named(const struct config *, const char *role);
/* The roles config_roles() gives, ", " between, into out (cut to fit). */
void		 config_roles_text(const struct config *, char *out,
		    size_t outlen);
/* The commune of code (any case), or NULL; conf's scope "" has none. */
const struct commune *config_commune(const struct config *,
		    const char *code);
/* The commune texted at e164 (its numbers), or NULL. */
const struct commune *config_commune_by_number(const struct config *,
		    const char *e164);
/* The config a message of commune code is handled with: the commune's,
 * else conf itself (a config without communes, code "" or "*", or an
 * unknown code). */
const struct config *config_scoped(const struct config *,
		    const char *code);
/* Template name ("received", "followup", "help") and lookup. */
const char	*config_template_name(enum tmpl);

#endif
