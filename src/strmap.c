/* Chained hash table with keys stored inline; grows to keep chains short. */
#include <ctype.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "strmap.h"
#include "xmalloc.h"

struct strmap_entry {
	struct strmap_entry	*next;
	void			*value;
	char			 key[];
};

struct strmap {
	struct strmap_entry	**buckets;
	size_t			  nbuckets;	/* a power of two */
	size_t			  count;
	int			  fold;
};

static uint32_t	strmap_hash(const struct strmap *m, const char *key);
static int	strmap_equal(const struct strmap *m, const char *a,
		    const char *b);
static struct strmap_entry **strmap_slot(const struct strmap *m,
		    const char *key);
static void	strmap_grow(struct strmap *m);

/* An empty map. */
struct strmap *
strmap_new(int fold)
{
	struct strmap *m;

	m = xcalloc(1, sizeof *m);
	m->nbuckets = 64;
	m->buckets = xcalloc(m->nbuckets, sizeof *m->buckets);
	m->fold = fold;
	return (m);
}

/* Free the map and its keys; values belong to the caller. */
void
strmap_free(struct strmap *m)
{
	struct strmap_entry *e, *next;
	size_t i;

	if (m == NULL)
		return;
	for (i = 0; i < m->nbuckets; i++) {
		for (e = m->buckets[i]; e != NULL; e = next) {
			next = e->next;
			free(e);
		}
	}
	free(m->buckets);
	free(m);
}

/* FNV-1a over the (folded) key. */
static uint32_t
strmap_hash(const struct strmap *m, const char *key)
{
	uint32_t h = 2166136261u;
	unsigned char ch;

	for (; *key != '\0'; key++) {
		ch = (unsigned char)*key;
		h ^= m->fold ? (unsigned char)tolower(ch) : ch;
		h *= 16777619u;
	}
	return (h);
}

/* Keys compare equal under the map's case rule. */
static int
strmap_equal(const struct strmap *m, const char *a, const char *b)
{
	return (m->fold ? strcasecmp(a, b) == 0 : strcmp(a, b) == 0);
}

/* The link that points at key's entry, or at the NULL ending its chain. */
static struct strmap_entry **
strmap_slot(const struct strmap *m, const char *key)
{
	struct strmap_entry **ep;

	ep = &m->buckets[strmap_hash(m, key) & (m->nbuckets - 1)];
	while (*ep != NULL && !strmap_equal(m, (*ep)->key, key))
		ep = &(*ep)->next;
	return (ep);
}

/* The value stored under key, or NULL. */
void *
strmap_get(const struct strmap *m, const char *key)
{
	struct strmap_entry *e = *strmap_slot(m, key);

	return (e != NULL ? e->value : NULL);
}

/* Double the buckets once the load passes one entry per bucket. */
static void
strmap_grow(struct strmap *m)
{
	struct strmap_entry **old = m->buckets, *e, *next;
	size_t oldn = m->nbuckets, i, b;

	m->nbuckets *= 2;
	m->buckets = xcalloc(m->nbuckets, sizeof *m->buckets);
	for (i = 0; i < oldn; i++) {
		for (e = old[i]; e != NULL; e = next) {
			next = e->next;
			b = strmap_hash(m, e->key) & (m->nbuckets - 1);
			e->next = m->buckets[b];
			m->buckets[b] = e;
		}
	}
	free(old);
}

/* Store value under key. */
void
strmap_set(struct strmap *m, const char *key, void *value)
{
	struct strmap_entry **ep = strmap_slot(m, key), *e;
	size_t len;

	if (*ep != NULL) {
		(*ep)->value = value;
		return;
	}
	len = strlen(key) + 1;
	e = xmalloc(sizeof *e + len);
	memcpy(e->key, key, len);
	e->value = value;
	e->next = NULL;
	*ep = e;
	if (++m->count > m->nbuckets)
		strmap_grow(m);
}

/* Remove key if present. */
void
strmap_del(struct strmap *m, const char *key)
{
	struct strmap_entry **ep = strmap_slot(m, key), *e = *ep;

	if (e == NULL)
		return;
	*ep = e->next;
	free(e);
	m->count--;
}

/* Number of keys. */
size_t
strmap_count(const struct strmap *m)
{
	return (m->count);
}

/* Visit every entry, removing those fn says to. */
void
strmap_sweep(struct strmap *m, int (*fn)(const char *, void *, void *),
    void *arg)
{
	struct strmap_entry **ep, *e;
	size_t i;

	for (i = 0; i < m->nbuckets; i++) {
		for (ep = &m->buckets[i]; (e = *ep) != NULL; ) {
			if (fn(e->key, e->value, arg)) {
				*ep = e->next;
				free(e);
				m->count--;
			} else
				ep = &e->next;
		}
	}
}
