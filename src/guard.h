/* Budgets for password guesses: per source address and per room name. */
#ifndef GUARD_H
#define GUARD_H

#include <sys/socket.h>

#include <stddef.h>

#include "limits.h"

/* Outcomes of an admitted guess. */
#define GUARD_WRONG	0
#define GUARD_RIGHT	1
#define GUARD_UNCHECKED	2	/* not checked after all (busy, gone) */

#define GUARD_KEY_MAX	(ROOM_NAME_MAX + 1)

/* What guard_admit counted, to settle with guard_done. */
struct guard_ticket {
	unsigned char	addr[GUARD_KEY_MAX];
	size_t		addrlen;
	unsigned char	room[GUARD_KEY_MAX];
	size_t		roomlen;
	int		lane;
};

/*
 * A guess from address sa at the room typed as room (label: its real
 * name, NULL if there is no such room, for the log only). 0 if it may be
 * checked now, counted in t; otherwise the seconds to wait, and nothing is
 * counted.
 */
unsigned	guard_admit(struct guard_ticket *t,
		    const struct sockaddr *sa, const char *room,
		    const char *label);
/* Settle an admitted guess; the seconds the address must now wait. */
unsigned	guard_done(const struct guard_ticket *t, int outcome,
		    const char *label);
void		guard_free(void);

#endif
