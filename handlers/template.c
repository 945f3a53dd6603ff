/*
 * template.c: the replies, by name, with their built-in texts (SPEC §4).
 * The config may override any of them ("templates"); %REF% is replaced by
 * the report's REF.
 */
#include <string.h>

#include "handlers.h"

static const struct {
	const char	*name;
	int		 wants_ref;	/* warn if an override drops %REF% */
	const char	*text;
} templates[TMPL__MAX] = {
	[TMPL_RECEIVED] = { "received", 1,
	    "Tin nhan da duoc tiep nhan, ma %REF%. Khan cap goi 113." },
	[TMPL_HELP] = { "help", 0,
	    "Nhan BL <ten thon> de bao tin, TC de tim noi an toan. Khan cap: "
	    "113 cong an, 115 cap cuu, 111 tong dai tre em, 1800 1768." },
	[TMPL_ACK] = { "ack", 1,
	    "Da xac nhan ban nhan ma %REF%. Cac nguoi khac da duoc bao." },
	[TMPL_ACK_TAKEN] = { "ack_taken", 1,
	    "Ma %REF% da co nguoi nhan hoac da dong." },
	[TMPL_CLOSED] = { "closed", 1, "Da dong ma %REF%. Cam on." },
	[TMPL_CANCELLED] = { "cancelled", 1,
	    "Da huy ma %REF%. Khan cap goi 113." },
	[TMPL_SIGNUP] = { "signup", 0,
	    "Cam on ban da dang ky nhan tin chuong trinh. Nhan HUYDK de ngung "
	    "nhan. Khan cap goi 113." },
	[TMPL_SIGNUP_NONE] = { "signup_none", 0,
	    "Hien chua mo dang ky nhan tin. Cam on ban da quan tam. Khan cap "
	    "goi 113." },
	[TMPL_SIGNUP_UNKNOWN] = { "signup_unknown", 0,
	    "Ma dang ky khong dung. Nhan DK de dang ky nhan tin dang mo. Khan "
	    "cap goi 113." },
	[TMPL_OPTOUT] = { "optout", 0,
	    "Da ngung gui tin chuong trinh cho ban. Nhan DK de dang ky lai. "
	    "Khan cap goi 113." },
	[TMPL_AMENDED] = { "amended", 1, "Da sua ma %REF%. Cam on." },
	[TMPL_RECEIVED_WHERE] = { "received_where", 1,
	    "Tin nhan da duoc tiep nhan, ma %REF%. Ban o xa nao? Nhan ten xa. "
	    "Khan cap goi 113." },
	/* No REF: a later reply never tells the phone's holder that a
	 * report exists (SPEC §5); the first one, which asked, had it. */
	[TMPL_PLACED] = { "placed", 0,
	    "Da ghi nhan, cam on ban. Khan cap goi 113." },
};

const char *
template_name(enum tmpl t)
{
	if ((int)t < 0 || t >= TMPL__MAX)
		return NULL;
	return templates[t].name;
}

int
template_lookup(const char *name)
{
	int	 t;

	for (t = 0; t < TMPL__MAX; t++)
		if (strcmp(templates[t].name, name) == 0)
			return t;
	return -1;
}

const char *
template_default(enum tmpl t)
{
	if ((int)t < 0 || t >= TMPL__MAX)
		return NULL;
	return templates[t].text;
}

int
template_wants_ref(enum tmpl t)
{
	return (int)t >= 0 && t < TMPL__MAX && templates[t].wants_ref;
}

void
template_render(const struct config *conf, enum tmpl t, const char *ref,
    char *out, size_t outlen)
{
	const char	*s, *p;
	size_t		 o = 0, n;

	s = conf->templates[t] != NULL ? conf->templates[t] :
	    templates[t].text;
	while (*s != '\0' && o + 1 < outlen) {
		if ((p = strstr(s, "%REF%")) == NULL)
			p = s + strlen(s);
		n = (size_t)(p - s);
		if (n > outlen - 1 - o)
			n = outlen - 1 - o;
		memcpy(out + o, s, n);
		o += n;
		s += n;
		if (strncmp(s, "%REF%", 5) == 0) {
			n = strlen(ref);
			if (n > outlen - 1 - o)
				n = outlen - 1 - o;
			memcpy(out + o, ref, n);
			o += n;
			s += 5;
		}
	}
	out[o] = '\0';
}
