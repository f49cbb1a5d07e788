/*
 * The ring keeps each slot's buffer when it is overwritten, so a room that
 * has warmed up appends lines without allocating.
 */
#include <stdlib.h>
#include <string.h>

#include "history.h"
#include "xmalloc.h"

struct history_line {
	char	*text;
	size_t	 len;
	size_t	 cap;
};

struct history {
	struct history_line	*lines;
	unsigned		 max;
	uint64_t		 last;	/* sequence number of the newest line */
};

static struct history_line *history_slot(const struct history *h,
		    uint64_t seq);

/* An empty ring of max lines. */
struct history *
history_new(unsigned max)
{
	struct history *h;

	h = xcalloc(1, sizeof *h);
	h->max = max;
	h->lines = xcalloc(max, sizeof *h->lines);
	return (h);
}

/* Free the ring and its lines. */
void
history_free(struct history *h)
{
	unsigned i;

	if (h == NULL)
		return;
	for (i = 0; i < h->max; i++)
		free(h->lines[i].text);
	free(h->lines);
	free(h);
}

/* Where line seq lives (seq >= 1). */
static struct history_line *
history_slot(const struct history *h, uint64_t seq)
{
	return (&h->lines[(seq - 1) % h->max]);
}

/* Rebuild the ring at a new size, keeping the newest lines in order. */
void
history_resize(struct history *h, unsigned max)
{
	struct history *n;
	uint64_t seq, first;

	if (max == h->max)
		return;
	n = history_new(max);
	n->last = h->last;
	first = h->last > max ? h->last - max + 1 : 1;
	for (seq = first; seq <= h->last; seq++) {
		if (h->last - seq >= h->max)
			continue;
		*history_slot(n, seq) = *history_slot(h, seq);
		history_slot(h, seq)->text = NULL;
	}
	for (seq = 0; seq < h->max; seq++)
		free(h->lines[seq].text);
	free(h->lines);
	h->lines = n->lines;
	h->max = max;
	free(n);
}

/* Append one line, reusing the buffer of the line it replaces. */
uint64_t
history_add(struct history *h, const char *line, size_t len)
{
	struct history_line *l;

	h->last++;
	l = history_slot(h, h->last);
	if (l->cap < len + 1) {
		l->cap = len + 1 < 64 ? 64 : len + 1;
		free(l->text);
		l->text = xmalloc(l->cap);
	}
	memcpy(l->text, line, len);
	l->text[len] = '\0';
	l->len = len;
	return (h->last);
}

/* Sequence number of the newest line. */
uint64_t
history_last(const struct history *h)
{
	return (h->last);
}

/*
 * Replay the kept lines newer than after. A ring that grew keeps empty
 * slots for the lines it had already dropped: those are skipped.
 */
void
history_since(const struct history *h, uint64_t after,
    void (*fn)(const char *line, size_t len, void *arg), void *arg)
{
	const struct history_line *l;
	uint64_t seq, first;

	first = h->last > h->max ? h->last - h->max + 1 : 1;
	if (after + 1 > first)
		first = after + 1;
	for (seq = first; seq <= h->last; seq++) {
		l = history_slot(h, seq);
		if (l->text != NULL)
			fn(l->text, l->len, arg);
	}
}
