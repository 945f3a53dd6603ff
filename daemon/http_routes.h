/*
 * http_routes.h: what a route is, and the functions the route table in
 * http.c names. A route function gets the raw body (borrowed from libevent
 * until it returns) and must reply, now or through http_defer().
 */
#ifndef TINCAY_HTTP_ROUTES_H
#define TINCAY_HTTP_ROUTES_H

#define HTTP_GET	0x1
#define HTTP_POST	0x2

typedef void	 (*http_route_fn)(struct tincay *, struct evhttp_request *,
		    const char *body, size_t len);

struct http_route {
	const char	*path;
	int		 methods;
	int		(*enabled)(const struct config *);	/* NULL: always */
	http_route_fn	 fn;
};

void	route_healthz(struct tincay *, struct evhttp_request *, const char *,
	    size_t);
void	route_metrics(struct tincay *, struct evhttp_request *, const char *,
	    size_t);

/* providers/generic.c */
int	route_generic_enabled(const struct config *);
void	generic_inbound(struct tincay *, struct evhttp_request *, const char *,
	    size_t);
/* NULL if the "t=…,v1=…" header signs (body, len) under secret at now. */
const char *generic_verify(const char *secret, const char *hdr,
	    const char *body, size_t len, int64_t now);
const char *generic_decode(const struct config *, const char *body,
	    size_t len, struct inbound *, char **text);

/* providers/twilio.c */
enum twilio_alg { TWILIO_SHA1, TWILIO_SHA256 };
int	route_twilio_enabled(const struct config *);
void	twilio_inbound(struct tincay *, struct evhttp_request *, const char *,
	    size_t);
/* url + key + value of params sorted (repeats de-duplicated); malloc'd. */
char	*twilio_string_to_sign(const char *url, const struct form *params,
	    size_t *len);
/* base64(HMAC(token, string to sign)) into out (at least 65 bytes). */
int	 twilio_signature(const char *token, const char *url,
	    const struct form *params, enum twilio_alg, char *out,
	    size_t outlen);
/* NULL if sig signs params at url (or a port/case variant of it). */
const char *twilio_verify(const char *token, const char *sig,
	    const char *url, const struct form *params, enum twilio_alg);
/* MessageSid, From, To, Body into in (text borrowed from f). */
const char *twilio_decode(const struct config *, const struct form *f,
	    struct inbound *in);
char	*twilio_twiml(const char *reply);	/* malloc'd */

/* providers/africastalking.c */
struct ussd_screen;
int	route_africastalking_enabled(const struct config *);
void	africastalking_sms_inbound(struct tincay *, struct evhttp_request *,
	    const char *, size_t);
void	africastalking_ussd_inbound(struct tincay *, struct evhttp_request *,
	    const char *, size_t);
/* NULL if the query string's token is the configured one. */
const char *africastalking_token_check(const struct config *,
	    const char *query);
const char *africastalking_sms_decode(const struct config *,
	    const struct form *, struct inbound *);
/* The SMS text a USSD action files (keyword and area code); malloc'd. */
char	*africastalking_ussd_text(const struct config *,
	    const struct ussd_screen *);

#endif
