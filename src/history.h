/* A room's recent lines: a fixed-size ring of formatted lines. */
#ifndef HISTORY_H
#define HISTORY_H

#include <stddef.h>
#include <stdint.h>

struct history;

struct history	*history_new(unsigned max);
void		 history_free(struct history *h);
/* Change the capacity, keeping the newest lines. */
void		 history_resize(struct history *h, unsigned max);
/* Append a line (no line ending); returns its sequence number (from 1). */
uint64_t	 history_add(struct history *h, const char *line, size_t len);
/* Sequence number of the newest line, 0 if none yet. */
uint64_t	 history_last(const struct history *h);
/* Call fn, oldest first, for each kept line with a sequence number > after. */
void		 history_since(const struct history *h, uint64_t after,
		     void (*fn)(const char *line, size_t len, void *arg),
		     void *arg);

#endif
