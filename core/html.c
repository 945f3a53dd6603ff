/*
 * html.c: pieces of one self-contained HTML page, written to a stream:
 * escaped text, table rows, and horizontal bar charts drawn as inline
 * SVG (geometry apart, so it can be checked). Nothing here links to a
 * file, a script or a style from elsewhere.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core.h"

/* What stands for each character HTML would read as markup. */
static const struct {
	char		 c;
	const char	*ent;
} html_entities[] = {
	{ '&', "&amp;" },
	{ '<', "&lt;" },
	{ '>', "&gt;" },
	{ '"', "&quot;" },
	{ '\'', "&#39;" },
};

void
html_text(FILE *fp, const char *s)
{
	size_t	 n, i;

	for (; *s != '\0'; s += n) {
		if ((n = strcspn(s, "&<>\"'")) > 0) {
			fwrite(s, 1, n, fp);
			continue;
		}
		for (i = 0; i < sizeof(html_entities) /
		    sizeof(html_entities[0]); i++)
			if (html_entities[i].c == *s)
				fputs(html_entities[i].ent, fp);
		n = 1;
	}
}

void
html_row(FILE *fp, const char *const *cells, size_t n, int head)
{
	const char	*tag = head ? "th" : "td";
	size_t		 i;

	fputs("<tr>", fp);
	for (i = 0; i < n; i++) {
		fprintf(fp, "<%s>", tag);
		html_text(fp, cells[i] ? cells[i] : "");
		fprintf(fp, "</%s>", tag);
	}
	fputs("</tr>\n", fp);
}

void
html_bars(const int64_t *v, size_t n, struct html_bar *out)
{
	int64_t	 max = 0;
	size_t	 i;

	for (i = 0; i < n; i++)
		if (v[i] > max)
			max = v[i];
	for (i = 0; i < n; i++) {
		out[i].x = HTML_LABEL_W;
		out[i].y = (int)i * HTML_ROW_H + (HTML_ROW_H - HTML_BAR_H) / 2;
		out[i].h = HTML_BAR_H;
		out[i].w = v[i] <= 0 ? 0 :
		    (int)((v[i] * HTML_BAR_W + max / 2) / max);
		if (v[i] > 0 && out[i].w == 0)
			out[i].w = 1;
	}
}

/* One bar: its label before it, the value after it. */
static void
html_chart_bar(FILE *fp, const struct html_item *it,
    const struct html_bar *b)
{
	int	 base = b->y + b->h - 5;	/* text baseline in the bar */

	fprintf(fp, "<text x=\"%d\" y=\"%d\" class=\"l\">", b->x - 8, base);
	html_text(fp, it->label);
	fprintf(fp, "</text><rect x=\"%d\" y=\"%d\" width=\"%d\" "
	    "height=\"%d\" class=\"%s\"/>", b->x, b->y, b->w, b->h,
	    it->muted ? "b m" : "b");
	fprintf(fp, "<text x=\"%d\" y=\"%d\" class=\"v\">", b->x + b->w + 6,
	    base);
	html_text(fp, it->shown);
	fputs("</text>\n", fp);
}

void
html_chart(FILE *fp, const char *title, const struct html_item *items,
    size_t n)
{
	struct html_bar	*bars;
	int64_t		*v;
	int		 w = HTML_LABEL_W + HTML_BAR_W + HTML_VALUE_W;
	int		 h = (int)n * HTML_ROW_H;
	size_t		 i;

	v = xcalloc(n ? n : 1, sizeof(*v));
	bars = xcalloc(n ? n : 1, sizeof(*bars));
	for (i = 0; i < n; i++)
		v[i] = items[i].n;
	html_bars(v, n, bars);
	fprintf(fp, "<svg class=\"chart\" width=\"%d\" height=\"%d\" "
	    "viewBox=\"0 0 %d %d\" role=\"img\" aria-label=\"", w, h, w, h);
	html_text(fp, title);
	fputs("\"><title>", fp);
	html_text(fp, title);
	fputs("</title>\n", fp);
	for (i = 0; i < n; i++)
		html_chart_bar(fp, &items[i], &bars[i]);
	fputs("</svg>\n", fp);
	free(bars);
	free(v);
}
