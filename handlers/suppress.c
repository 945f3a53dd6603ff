/*
 * suppress.c: complementary suppression (SPEC §6, §7). A count from 1 to
 * k - 1 is hidden; and since totals are shown exactly, a hidden cell is
 * never the only one hidden in a line (a table, or a row or column of
 * one, whose total can be known): the hidden cells of every line are at
 * least two and hold together at least k, the next smallest cells being
 * hidden until they do, line after line until none changes.
 */
#include <stdlib.h>
#include <string.h>

#include "handlers.h"

struct suppress {
	const int64_t	*v;		/* the cells, borrowed */
	size_t		 ncells;
	int		 k;
	size_t		*cell;		/* the lines' cells, one after another */
	size_t		 ncell, capcell;
	size_t		*start;		/* where each line begins in cell[] */
	size_t		 nlines, caplines;
};

struct suppress *
suppress_new(const int64_t *v, size_t ncells, int k)
{
	struct suppress	*s = xcalloc(1, sizeof(*s));

	s->v = v;
	s->ncells = ncells;
	s->k = k;
	return s;
}

void
suppress_free(struct suppress *s)
{
	if (s == NULL)
		return;
	free(s->cell);
	free(s->start);
	free(s);
}

void
suppress_line(struct suppress *s, const size_t *cells, size_t n)
{
	if (s->nlines == s->caplines) {
		s->caplines = s->caplines ? 2 * s->caplines : 16;
		s->start = xrealloc(s->start, s->caplines * sizeof(*s->start));
	}
	while (s->ncell + n > s->capcell) {
		s->capcell = s->capcell ? 2 * s->capcell : 64;
		s->cell = xrealloc(s->cell, s->capcell * sizeof(*s->cell));
	}
	s->start[s->nlines++] = s->ncell;
	if (n == 0)
		return;
	memcpy(s->cell + s->ncell, cells, n * sizeof(*cells));
	s->ncell += n;
}

/* One line of n cells: hide more of them if it needs to; 1 if it did. */
static int
suppress_one(const struct suppress *s, const size_t *cell, size_t n,
    unsigned char *mark)
{
	size_t		 i, hidden = 0, pick;
	int64_t		 sum = 0;
	int		 changed = 0;

	for (i = 0; i < n; i++)
		if (mark[cell[i]] != SUPPRESS_SHOWN) {
			hidden++;
			sum += s->v[cell[i]];
		}
	while (hidden > 0 && (hidden < 2 || sum < s->k)) {
		/* The smallest count still shown, a zero only to make two. */
		for (i = 0, pick = n; i < n; i++) {
			if (mark[cell[i]] != SUPPRESS_SHOWN)
				continue;
			if (pick == n || (s->v[cell[i]] > 0 &&
			    (s->v[cell[pick]] == 0 ||
			    s->v[cell[i]] < s->v[cell[pick]])))
				pick = i;
		}
		if (pick == n || (s->v[cell[pick]] == 0 && hidden >= 2))
			break;
		mark[cell[pick]] = SUPPRESS_COMPLEMENT;
		hidden++;
		sum += s->v[cell[pick]];
		changed = 1;
	}
	return changed;
}

void
suppress_run(const struct suppress *s, unsigned char *mark)
{
	size_t	 i, end;
	int	 changed;

	for (i = 0; i < s->ncells; i++)
		mark[i] = s->k > 1 && s->v[i] >= 1 && s->v[i] < s->k ?
		    SUPPRESS_SMALL : SUPPRESS_SHOWN;
	if (s->k <= 1)
		return;
	do {
		changed = 0;
		for (i = 0; i < s->nlines; i++) {
			end = i + 1 < s->nlines ? s->start[i + 1] : s->ncell;
			changed |= suppress_one(s, s->cell + s->start[i],
			    end - s->start[i], mark);
		}
	} while (changed);
}

void
suppress_table(const int64_t *v, size_t n, int k, unsigned char *mark)
{
	struct suppress	*s = suppress_new(v, n, k);
	size_t		*all = xcalloc(n ? n : 1, sizeof(*all));
	size_t		 i;

	for (i = 0; i < n; i++)
		all[i] = i;
	suppress_line(s, all, n);
	suppress_run(s, mark);
	free(all);
	suppress_free(s);
}

void
suppress_shown(int64_t n, int k, unsigned char mark, char *out,
    size_t outlen)
{
	if (mark == SUPPRESS_COMPLEMENT)
		util_strlcpy(out, "*", outlen);
	else
		stats_shown(n, k, out, outlen);
}
