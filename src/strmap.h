/* A string-keyed hash table: usernames (case-folded) and address counts. */
#ifndef STRMAP_H
#define STRMAP_H

#include <stddef.h>

struct strmap;

/* fold: non-zero to compare keys without regard to ASCII case. */
struct strmap	*strmap_new(int fold);
void		 strmap_free(struct strmap *m);
void		*strmap_get(const struct strmap *m, const char *key);
/* Sets key to value (value must not be NULL); replaces an existing one. */
void		 strmap_set(struct strmap *m, const char *key, void *value);
void		 strmap_del(struct strmap *m, const char *key);
size_t		 strmap_count(const struct strmap *m);
/*
 * fn(key, value, arg) for each entry; where fn returns 1 the entry is
 * removed (its value is the caller's to free).
 */
void		 strmap_sweep(struct strmap *m, int (*fn)(const char *, void *,
		     void *), void *arg);

#endif
