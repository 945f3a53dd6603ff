/*
 * generic.c: the generic provider (SPEC §3). Verifies the timestamped
 * HMAC-SHA256 signature on the raw body, decodes the JSON message and
 * answers {"ref","reply"} once the message is committed.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "../tincayd.h"
#include "../http_routes.h"

#define GENERIC_SKEW_S	300
#define GENERIC_MAX_V1	4	/* signatures checked in one header */

int
route_generic_enabled(const struct config *conf)
{
	return conf->generic.enabled;
}

/*
 * Check "t=UNIX,v1=HEX[,v1=HEX]" against (body, len). The HMAC covers the
 * timestamp exactly as written, ".", and the body as received. Returns NULL
 * when good, else why not (for the 403 line).
 */
const char *
generic_verify(const char *secret, const char *hdr, const char *body,
    size_t len, int64_t now)
{
	char		 want[65], *copy, *field, *save = NULL, *end, *msg;
	char		*v1[GENERIC_MAX_V1], *p;
	const char	*tstr = NULL, *why;
	size_t		 nv1 = 0, i, tl;
	long long	 t;
	int		 ok = 0;

	if (hdr == NULL)
		return "missing signature";
	copy = xstrdup(hdr);
	for (field = strtok_r(copy, ",", &save); field != NULL;
	    field = strtok_r(NULL, ",", &save)) {
		while (*field == ' ')
			field++;
		if (strncmp(field, "t=", 2) == 0)
			tstr = field + 2;
		else if (strncmp(field, "v1=", 3) == 0 && nv1 < GENERIC_MAX_V1)
			v1[nv1++] = field + 3;
	}
	why = "malformed signature header";
	if (tstr == NULL || nv1 == 0 || *tstr < '0' || *tstr > '9')
		goto done;
	t = strtoll(tstr, &end, 10);
	if (*end != '\0' || t < 0)
		goto done;
	why = "stale signature";
	if (t > now + GENERIC_SKEW_S || t < now - GENERIC_SKEW_S)
		goto done;
	tl = strlen(tstr);
	msg = xmalloc(tl + 1 + len);
	memcpy(msg, tstr, tl);
	msg[tl] = '.';
	if (len)
		memcpy(msg + tl + 1, body, len);
	why = "cannot compute signature";
	if (util_hmac_sha256_hex(secret, msg, tl + 1 + len, want) == 0) {
		why = "bad signature";
		for (i = 0; i < nv1; i++) {
			for (p = v1[i]; *p != '\0'; p++)
				if (*p >= 'A' && *p <= 'F')
					*p += 'a' - 'A';
			if (util_ct_equal(v1[i], strlen(v1[i]), want, 64))
				ok = 1;
		}
	}
	free(msg);
done:
	free(copy);
	return ok ? NULL : why;
}

static int
generic_json_type(const char *ct)
{
	size_t	 n = strlen("application/json");

	if (ct == NULL)
		return 0;
	while (*ct == ' ')
		ct++;
	return strncasecmp(ct, "application/json", n) == 0 &&
	    (ct[n] == '\0' || ct[n] == ';' || ct[n] == ' ');
}

/* Fill in from the JSON object; NULL or why it is malformed. */
static const char *
generic_fields(const struct config *conf, const cJSON *o, struct inbound *in,
    char **text)
{
	static const struct {
		const char	*name, *missing;
	} fields[] = {
		{ "id", "missing field: id" },
		{ "from", "missing field: from" },
		{ "to", "missing field: to" },
		{ "text", "missing field: text" },
	};
	const cJSON	*v[4];
	size_t		 i;

	if (!cJSON_IsObject(o))
		return "body must be a JSON object";
	for (i = 0; i < 4; i++) {
		v[i] = cJSON_GetObjectItemCaseSensitive(o, fields[i].name);
		if (v[i] == NULL)
			return fields[i].missing;
		if (!cJSON_IsString(v[i]))
			return "fields id, from, to, text must be strings";
	}
	if (v[0]->valuestring[0] == '\0' ||
	    strlen(v[0]->valuestring) >= sizeof(in->ext_id))
		return "id must be 1..127 characters";
	util_strlcpy(in->ext_id, v[0]->valuestring, sizeof(in->ext_id));
	if (phone_e164(v[1]->valuestring, strlen(v[1]->valuestring),
	    conf->country_code, in->from) == -1)
		return "from is not a phone number";
	if (strlen(v[2]->valuestring) >= sizeof(in->to))
		return "to is too long";
	util_strlcpy(in->to, v[2]->valuestring, sizeof(in->to));
	in->textlen = strlen(v[3]->valuestring);
	*text = xstrndup(v[3]->valuestring, in->textlen);
	in->text = *text;
	return NULL;
}

/*
 * Decode (body, len) into in. On success *text holds the message text,
 * malloc'd, which in->text borrows; the caller frees *text. On failure
 * returns why, and *text is NULL.
 */
const char *
generic_decode(const struct config *conf, const char *body, size_t len,
    struct inbound *in, char **text)
{
	const char	*why;
	cJSON		*o;

	memset(in, 0, sizeof(*in));
	in->provider = "generic";
	*text = NULL;
	if ((o = cJSON_ParseWithLength(body ? body : "", len)) == NULL)
		return "malformed JSON";
	why = generic_fields(conf, o, in, text);
	cJSON_Delete(o);
	if (why != NULL) {
		free(*text);
		*text = NULL;
	}
	return why;
}

void
generic_inbound(struct tincay *tc, struct evhttp_request *req,
    const char *body, size_t len)
{
	const struct config	*conf = tc->conf;
	struct inbound		 in;
	struct outcome		 out;
	const char		*why;
	cJSON			*r;
	char			*reply, *text;
	int			 rc;

	if (!generic_json_type(http_header(req, "Content-Type"))) {
		http_error(req, 415, "content type must be application/json");
		return;
	}
	if ((why = generic_verify(conf->generic.secret,
	    http_header(req, "X-Tincay-Signature"), body, len,
	    util_now())) != NULL) {
		http_error(req, 403, why);
		return;
	}
	if ((why = generic_decode(conf, body, len, &in, &text)) != NULL) {
		http_error(req, 400, why);
		return;
	}
	rc = http_receive(tc, req, &in, &out);
	free(text);
	if (rc == -1)
		return;
	if ((r = cJSON_CreateObject()) == NULL)
		fatalx("%s: out of memory", __func__);
	if (out.ref[0])
		cJSON_AddStringToObject(r, "ref", out.ref);
	else
		cJSON_AddNullToObject(r, "ref");
	if (out.reply[0])
		cJSON_AddStringToObject(r, "reply", out.reply);
	else
		cJSON_AddNullToObject(r, "reply");
	if ((reply = cJSON_PrintUnformatted(r)) == NULL)
		fatalx("%s: out of memory", __func__);
	cJSON_Delete(r);
	http_defer(tc->http, req, 200, "application/json", reply,
	    strlen(reply));
	free(reply);
}
