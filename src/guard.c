/*
 * Password guessing budgets. A guess is a :join that needs a password, or
 * names no room at all (so that a hidden room answers as a missing one).
 *
 * Per source address (IPv4, or the /64 of IPv6, as bytes): the first
 * JOIN_FREE_GUESSES guesses are free, each one more blocks the address for
 * 1, 2, 4 ... JOIN_PAUSE_MAX seconds, every connection from it alike.
 * Per room name as typed (folded): two token buckets. Guesses from an
 * address with no guess on record, never refused by a room's budget, take
 * the small "clean" bucket, the rest the other, so that a user who knows
 * the password still gets in while a crowd of addresses hammers the room:
 * each address of the crowd can take from the clean bucket once. A guess is counted when admitted,
 * before its answer, so that parallel connections cannot outrun the count;
 * a right answer, or a check that did not happen, gives it back.
 *
 * Both tables are bounded: an entry goes JOIN_FORGET_SECONDS after it was
 * last used, and past JOIN_TABLE_MAX the least recently used goes first.
 */
#include <sys/queue.h>
#include <sys/socket.h>

#include <netinet/in.h>

#include <ctype.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <event2/event.h>
#include <event2/util.h>

#include "guard.h"
#include "log.h"
#include "server.h"
#include "xmalloc.h"

#define GUARD_BUCKETS	1024
#define GUARD_CLEAN	0
#define GUARD_FAILED	1

struct guard_entry {
	TAILQ_ENTRY(guard_entry) lru;
	LIST_ENTRY(guard_entry)	 chain;
	unsigned char		 key[GUARD_KEY_MAX];
	size_t			 keylen;
	double			 seen;
	/* An address. */
	unsigned		 guesses;	/* counted, not given back */
	int			 refused;	/* a room's budget refused it */
	double			 blocked_until;
	/* A room name. */
	double			 tokens[2];
	double			 stamp;
	unsigned		 wrong;		/* since the last log line */
	unsigned		 refusals;
	double			 logged;
};

struct guard_table {
	LIST_HEAD(, guard_entry) buckets[GUARD_BUCKETS];
	TAILQ_HEAD(, guard_entry) lru;
	unsigned		 n;
	int			 ready;
};

static struct guard_table guard_addrs;
static struct guard_table guard_rooms;
static uint64_t guard_seed;

static const double guard_burst[2] = { JOIN_CLEAN_BURST, JOIN_ROOM_BURST };
static const double guard_rate[2] = { JOIN_CLEAN_PER_MIN / 60.0,
    JOIN_ROOM_PER_MIN / 60.0 };

static double	guard_now(void);
static unsigned	guard_secs(double wait);
static size_t	guard_addr_key(const struct sockaddr *sa,
		    unsigned char *key);
static size_t	guard_room_key(const char *room, unsigned char *key);
static unsigned	guard_hash(const unsigned char *key, size_t len);
static struct guard_entry *guard_get(struct guard_table *t,
		    const unsigned char *key, size_t len, double now,
		    int create);
static void	guard_remove(struct guard_table *t, struct guard_entry *e);
static void	guard_refill(struct guard_entry *r, double now);
static void	guard_log(struct guard_entry *r, const char *label,
		    double now);
static void	guard_clear(struct guard_table *t);

/* Loop time in seconds, with fractions. */
static double
guard_now(void)
{
	struct timeval tv;

	event_base_gettimeofday_cached(server.base, &tv);
	return (tv.tv_sec + tv.tv_usec / 1e6);
}

/* A wait in whole seconds, rounded up, at least 1. */
static unsigned
guard_secs(double wait)
{
	unsigned s = (unsigned)wait;

	if (s < wait)
		s++;
	return (s < 1 ? 1 : s);
}

/* The address as bytes: family byte, then IPv4 or the IPv6 /64. */
static size_t
guard_addr_key(const struct sockaddr *sa, unsigned char *key)
{
	static const unsigned char mapped[12] = { 0, 0, 0, 0, 0, 0, 0, 0,
	    0, 0, 0xff, 0xff };
	const struct sockaddr_in6 *sin6 = (const struct sockaddr_in6 *)sa;
	const struct sockaddr_in *sin = (const struct sockaddr_in *)sa;
	const unsigned char *a6 = sin6->sin6_addr.s6_addr;

	if (sa->sa_family == AF_INET) {
		key[0] = 4;
		memcpy(key + 1, &sin->sin_addr, 4);
		return (5);
	}
	if (sa->sa_family == AF_INET6 && memcmp(a6, mapped,
	    sizeof mapped) == 0) {
		key[0] = 4;
		memcpy(key + 1, a6 + 12, 4);
		return (5);
	}
	if (sa->sa_family == AF_INET6) {
		key[0] = 6;
		memcpy(key + 1, a6, 8);
		return (9);
	}
	key[0] = 0;		/* not an IP address: one shared key */
	return (1);
}

/* The room name folded to lower case, cut at GUARD_KEY_MAX bytes. */
static size_t
guard_room_key(const char *room, unsigned char *key)
{
	size_t n;

	for (n = 0; room[n] != '\0' && n < GUARD_KEY_MAX; n++)
		key[n] = (unsigned char)tolower((unsigned char)room[n]);
	return (n);
}

/* FNV-1a over the key, seeded at random so chains cannot be aimed at. */
static unsigned
guard_hash(const unsigned char *key, size_t len)
{
	uint64_t h = 0xcbf29ce484222325ULL ^ guard_seed;
	size_t i;

	for (i = 0; i < len; i++) {
		h ^= key[i];
		h *= 0x100000001b3ULL;
	}
	return ((unsigned)(h ^ (h >> 32)) % GUARD_BUCKETS);
}

/* The entry for key, made if create; forgets stale entries first. */
static struct guard_entry *
guard_get(struct guard_table *t, const unsigned char *key, size_t len,
    double now, int create)
{
	struct guard_entry *e;
	unsigned h;

	if (!t->ready) {
		if (guard_seed == 0)
			evutil_secure_rng_get_bytes(&guard_seed,
			    sizeof guard_seed);
		TAILQ_INIT(&t->lru);
		for (h = 0; h < GUARD_BUCKETS; h++)
			LIST_INIT(&t->buckets[h]);
		t->ready = 1;
	}
	while ((e = TAILQ_FIRST(&t->lru)) != NULL &&
	    now - e->seen > JOIN_FORGET_SECONDS)
		guard_remove(t, e);
	h = guard_hash(key, len);
	LIST_FOREACH(e, &t->buckets[h], chain) {
		if (e->keylen == len && memcmp(e->key, key, len) == 0)
			break;
	}
	if (e == NULL && !create)
		return (NULL);
	if (e == NULL) {
		if (t->n >= JOIN_TABLE_MAX)
			guard_remove(t, TAILQ_FIRST(&t->lru));
		e = xcalloc(1, sizeof *e);
		memcpy(e->key, key, len);
		e->keylen = len;
		e->tokens[GUARD_CLEAN] = guard_burst[GUARD_CLEAN];
		e->tokens[GUARD_FAILED] = guard_burst[GUARD_FAILED];
		e->stamp = now;
		LIST_INSERT_HEAD(&t->buckets[h], e, chain);
		t->n++;
	} else
		TAILQ_REMOVE(&t->lru, e, lru);
	e->seen = now;
	TAILQ_INSERT_TAIL(&t->lru, e, lru);
	return (e);
}

/* Drop one entry. */
static void
guard_remove(struct guard_table *t, struct guard_entry *e)
{
	TAILQ_REMOVE(&t->lru, e, lru);
	LIST_REMOVE(e, chain);
	t->n--;
	free(e);
}

/* Add the tokens earned since the last guess. */
static void
guard_refill(struct guard_entry *r, double now)
{
	int i;

	for (i = 0; i < 2; i++) {
		r->tokens[i] += (now - r->stamp) * guard_rate[i];
		if (r->tokens[i] > guard_burst[i])
			r->tokens[i] = guard_burst[i];
	}
	r->stamp = now;
}

/*
 * A room whose budget ran out is under attack: one log line a minute with
 * the counts, never one per guess. The name typed for a room that does not
 * exist is not logged.
 */
static void
guard_log(struct guard_entry *r, const char *label, double now)
{
	if (r->wrong + r->refusals < JOIN_ROOM_BURST ||
	    now - r->logged < JOIN_LOG_SECONDS)
		return;
	log_warnx("password guessing at %s%s: %u wrong, %u refused in the "
	    "last %u s", label != NULL ? "room " : "an unknown room",
	    label != NULL ? label : "", r->wrong, r->refusals,
	    r->logged == 0 ? JOIN_LOG_SECONDS : guard_secs(now - r->logged));
	r->wrong = r->refusals = 0;
	r->logged = now;
}

/* May sa guess at room now? Count the guess if so. */
unsigned
guard_admit(struct guard_ticket *t, const struct sockaddr *sa,
    const char *room, const char *label)
{
	struct guard_entry *a, *r;
	double now = guard_now();
	unsigned n;
	int lane;

	memset(t, 0, sizeof *t);
	t->addrlen = guard_addr_key(sa, t->addr);
	t->roomlen = guard_room_key(room, t->room);
	a = guard_get(&guard_addrs, t->addr, t->addrlen, now, 1);
	if (now < a->blocked_until)
		return (guard_secs(a->blocked_until - now));
	r = guard_get(&guard_rooms, t->room, t->roomlen, now, 1);
	guard_refill(r, now);
	/* An address refused once is clean no more: one try at that lane. */
	lane = a->guesses == 0 && !a->refused ? GUARD_CLEAN : GUARD_FAILED;
	if (r->tokens[lane] < 1) {
		a->refused = 1;
		r->refusals++;
		guard_log(r, label, now);
		return (guard_secs((1 - r->tokens[lane]) / guard_rate[lane]));
	}
	r->tokens[lane] -= 1;
	t->lane = lane;
	if (++a->guesses > JOIN_FREE_GUESSES) {
		n = a->guesses - JOIN_FREE_GUESSES - 1;
		a->blocked_until = now + (n >= 5 ? JOIN_PAUSE_MAX : 1u << n);
	}
	return (0);
}

/* The answer to an admitted guess; a right one costs nothing. */
unsigned
guard_done(const struct guard_ticket *t, int outcome, const char *label)
{
	struct guard_entry *a, *r;
	double now = guard_now();

	a = guard_get(&guard_addrs, t->addr, t->addrlen, now, 0);
	r = guard_get(&guard_rooms, t->room, t->roomlen, now, 0);
	if (outcome == GUARD_WRONG && r != NULL) {
		r->wrong++;
		guard_log(r, label, now);
	} else if (outcome != GUARD_WRONG) {
		if (a != NULL && a->guesses > 0 &&
		    --a->guesses <= JOIN_FREE_GUESSES)
			a->blocked_until = 0;
		if (r != NULL) {
			guard_refill(r, now);
			r->tokens[t->lane] += 1;
			if (r->tokens[t->lane] > guard_burst[t->lane])
				r->tokens[t->lane] = guard_burst[t->lane];
		}
	}
	if (a == NULL || now >= a->blocked_until)
		return (0);
	return (guard_secs(a->blocked_until - now));
}

/* Free one table. */
static void
guard_clear(struct guard_table *t)
{
	struct guard_entry *e;

	if (!t->ready)
		return;
	while ((e = TAILQ_FIRST(&t->lru)) != NULL)
		guard_remove(t, e);
	t->ready = 0;
}

/* At exit. */
void
guard_free(void)
{
	guard_clear(&guard_addrs);
	guard_clear(&guard_rooms);
}
