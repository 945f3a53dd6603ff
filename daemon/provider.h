/*
 * provider.h: what a provider is. A descriptor names the provider (its
 * section under "providers" in the config, its sms_out.via), its inbound
 * endpoints (path, content type, verify, decode, reply) and how it builds
 * a send request for one SMS. provider.c holds the one table of them and
 * provider_serve(), the one skeleton every inbound request runs; each
 * providers/<name>.c defines one descriptor. Adding a provider: that file,
 * its line in providers[] (and its extern below), its config section.
 */
#ifndef TINCAY_PROVIDER_H
#define TINCAY_PROVIDER_H

#include "tincayd.h"

/* What an endpoint takes: the content type, and who parses the body. */
enum provider_body {
	PROVIDER_JSON,		/* application/json; decode parses it */
	PROVIDER_FORM		/* x-www-form-urlencoded; parsed into form */
};

/* What the signature or token covers, hence when it is verified. */
enum provider_signed {
	PROVIDER_RAW,		/* the bytes (or query) as received: before
				   the body is parsed */
	PROVIDER_PARSED		/* the decoded form values: after */
};

/*
 * One inbound request on its way through provider_serve(). The caller
 * (http.c) fills the request part, borrowed until it is done with the
 * call; the rest is filled on the way and freed by provider_call_clear().
 */
struct provider_call {
	const struct config	*conf;
	const char		*uri;		/* request-target as received */
	const char		*query;		/* of the uri, or NULL */
	const char		*ctype;		/* Content-Type, or NULL */
	const char		*body;
	size_t			 len;
	int64_t			 now;		/* wall clock: signatures */
	/* A request header by name, or NULL; req is for it alone. */
	const char	       *(*header)(const struct provider_call *,
				    const char *name);
	void			*req;

	struct form		*form;		/* a form body, parsed */
	struct inbound		 in;		/* what decode made */
	/* ... or, from a receipt endpoint, a delivery receipt to record
	 * instead of a message to file. */
	int			 is_receipt;
	struct receipt		 receipt;
	char			*text;		/* malloc'd; in.text borrows */
	void			*state;		/* the endpoint's, malloc'd */
	int			 answer_now;	/* decode: answer, file none */
	struct outcome		 out;		/* the router's, once filed */
};

/* verify and decode: NULL if good, else why (verify 403, decode 400);
 * provider_internal if they could not do their work (out of memory): the
 * request may be good, so it is answered 503 and the provider retries. */
extern const char provider_internal[];
/* The line of a 503 for a message that could not be stored. */
#define PROVIDER_RETRY_LATER	"cannot store, retry later"
/* verify and decode: NULL if good, else why (verify 403, decode 400). */
typedef const char *(*provider_check_fn)(struct provider_call *);
/* The 200 body, malloc'd (NULL: empty), and its type in *ctype. */
typedef char	*(*provider_reply_fn)(struct provider_call *,
		    const char **ctype);

struct provider_endpoint {
	const char		*path;		/* NULL: no more endpoints */
	enum provider_body	 body;
	enum provider_signed	 signed_on;
	provider_check_fn	 verify;
	provider_check_fn	 decode;
	provider_reply_fn	 reply;
};

/* One SMS the outbox sends through a provider. */
struct provider_sms {
	const char	*to;		/* E.164 */
	const char	*text;
	const char	*key;		/* stable per outbox row */
};

/* An outbound request as fetch_post() takes it; every string malloc'd. */
#define PROVIDER_SEND_HEADERS	6
struct provider_send {
	char		*url;
	char		*headers[PROVIDER_SEND_HEADERS];	/* "Name: v" */
	size_t		 nheaders;
	char		*body;
	size_t		 bodylen;
	char		*userpwd;	/* basic auth, or NULL */
};

/* Fill r for sms (free with provider_send_free); 0, or -1 with why. */
typedef int	 (*provider_send_fn)(const struct config *,
		    const struct provider_sms *, struct provider_send *r,
		    char *err, size_t errlen);

/*
 * What a send API's 2xx answer says of the one SMS it was asked to send:
 * the provider's id for it (for its receipts; "" if none), and whether
 * it refused it after all (Africa's Talking answers 201 with a per-number
 * status: an unknown number, no credit).
 */
enum provider_took {
	PROVIDER_TOOK,		/* taken (or the answer says nothing) */
	PROVIDER_REFUSED,	/* refused for good: failed, escalate */
	PROVIDER_REFUSED_NOW	/* refused for now: retry */
};
struct provider_sent {
	enum provider_took	 took;
	char			 id[RECEIPT_ID_MAX + 1];
	char			 why[64];	/* a refusal's words */
};
typedef void	 (*provider_sent_fn)(const char *body, size_t len,
		    struct provider_sent *);

/* A provider's status words and what they mean for a receipt. */
struct provider_status {
	const char		*word;		/* NULL: end of the table */
	enum receipt_status	 status;
};
/* A receipt endpoint's form: the names of its fields (and what is said
 * when the first two are missing), its status words. */
struct provider_receipt_form {
	const char			*id, *status, *reason;
	const char			*no_id, *no_status;
	const struct provider_status	*table;
};

#define PROVIDER_ENDPOINTS	3
struct provider {
	const char		*name;	/* providers.<name>, sms_out.via */
	struct provider_endpoint endpoints[PROVIDER_ENDPOINTS];
	provider_send_fn	 build_send;	/* NULL: sends no SMS */
	provider_sent_fn	 sent;		/* NULL: keeps no id */
};

/* provider.c: the table (NULL-terminated) and the skeleton. */
extern const struct provider *const providers[];
/* The provider named name (as sms_out.via says), or NULL. */
const struct provider *provider_find(const char *name);
/* Whether the config has p's section (absent: its endpoints are 404). */
int		 provider_enabled(const struct config *,
		    const struct provider *p);
/* The endpoint at path of an enabled provider, or NULL (404). */
const struct provider_endpoint *provider_route(const struct config *,
		    const char *path);

/* What to answer: code 200 with body, or an error code with line. */
struct provider_answer {
	int		 code;
	int		 filed;		/* answer once the batch commits */
	const char	*ctype;
	char		*body;		/* malloc'd, or NULL */
	size_t		 len;
	char		 line[160];	/* an error's one line */
};
/*
 * The skeleton of every inbound endpoint: content type (415), verify
 * (403), parse (400), decode (400), then file the message through the
 * router rt into st's open batch, or record the delivery receipt (503 if
 * it cannot be stored), and make the reply, answered once the batch
 * commits (a->filed); an endpoint that decides to answer without filing
 * (a USSD menu screen) answers now.
 */
void		 provider_serve(const struct provider_endpoint *,
		    struct provider_call *, const struct router *rt,
		    struct store *st, struct provider_answer *a);
void		 provider_call_clear(struct provider_call *);
void		 provider_answer_clear(struct provider_answer *);
/* 1 if a Content-Type header value is JSON, any parameters. */
int		 provider_json_type(const char *ctype);
/*
 * A receipt endpoint's decode: c->receipt from c->form's fields named in
 * f: the provider's id, its status word looked up in f->table (unknown
 * words: pending) and the reason if any (kept to letters, digits and
 * " _.-"). NULL, or why the request is malformed.
 */
const char	*provider_receipt(struct provider_call *c,
		    const struct provider *p,
		    const struct provider_receipt_form *f);

/* provider_send.c: building send requests (and the outbox's webhooks). */
void		 provider_send_free(struct provider_send *);
/* Add a header line (malloc'd, taken); past the last slot it is freed. */
void		 provider_send_header(struct provider_send *, char *line);
/* X-Tincay-Signature over r->body at now with secret (SPEC §3, §5). */
void		 provider_send_sign(struct provider_send *,
		    const char *secret, int64_t now);
/* r: a JSON POST of body (taken) to url, signed with secret now, with
 * Idempotency-Key key: a webhook alert, and the generic send API. */
void		 provider_send_json(struct provider_send *r, const char *url,
		    char *body, const char *secret, const char *key);

/* providers/generic.c */
extern const struct provider provider_generic;
/* NULL if the "t=…,v1=…" header signs (body, len) under secret at now. */
const char	*generic_verify(const char *secret, const char *hdr,
		    const char *body, size_t len, int64_t now);
/* JSON (body, len) into in; *text malloc'd (in->text borrows it). */
const char	*generic_decode(const struct config *, const char *body,
		    size_t len, struct inbound *, char **text);

/* providers/twilio.c */
extern const struct provider provider_twilio;
enum twilio_alg { TWILIO_SHA1, TWILIO_SHA256 };
/* url + key + value of params sorted (repeats de-duplicated); malloc'd. */
char		*twilio_string_to_sign(const char *url,
		    const struct form *params, size_t *len);
/* base64(HMAC(token, string to sign)) into out (at least 65 bytes). */
int		 twilio_signature(const char *token, const char *url,
		    const struct form *params, enum twilio_alg, char *out,
		    size_t outlen);
/* NULL if sig signs params at url (or a port/case variant of it). */
const char	*twilio_verify(const char *token, const char *sig,
		    const char *url, const struct form *params,
		    enum twilio_alg);
/* MessageSid, From, To, Body into in (text borrowed from f). */
const char	*twilio_decode(const struct config *, const struct form *f,
		    struct inbound *in);
char		*twilio_twiml(const char *reply);	/* malloc'd */
/* Twilio's Messages API request for sms. */
int		 twilio_send(const struct config *, const struct provider_sms *,
		    struct provider_send *, char *err, size_t errlen);
/* The Messages API's answer: the Message's "sid". */
void		 twilio_sent(const char *body, size_t len,
		    struct provider_sent *);

/* providers/africastalking.c */
extern const struct provider provider_africastalking;
struct ussd_screen;
/* NULL if the query string's token is the configured one. */
const char	*africastalking_token_check(const struct config *,
		    const char *query);
const char	*africastalking_sms_decode(const struct config *,
		    const struct form *, struct inbound *);
/* The SMS text a USSD action files (keyword and area code); malloc'd. */
char		*africastalking_ussd_text(const struct config *,
		    const struct ussd_screen *);
/*
 * The POST that sends sms->text to sms->to (E.164, or several joined by
 * ',') as the SDK builds it: {api_base}/version1/messaging, headers apikey,
 * Accept and Content-Type, body username, to, message[, from],
 * bulkSMSMode=1.
 */
int		 africastalking_send(const struct config *,
		    const struct provider_sms *, struct provider_send *,
		    char *err, size_t errlen);
/* Its answer: the one recipient's messageId, or its refusal. */
void		 africastalking_sent(const char *body, size_t len,
		    struct provider_sent *);

#endif
