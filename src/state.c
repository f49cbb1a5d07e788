/*
 * The daemon's shared state (struct server in server.h) and the two small
 * questions every layer asks of it: what time the loop says it is, and
 * whether a shutdown is over. server.c builds and changes this state; the
 * layers below it only read it, so they depend on this file, not on
 * server.c.
 */
#include <sys/time.h>

#include <time.h>

#include <event2/event.h>

#include "server.h"

struct server server;

/* Seconds of wall time, cached by the loop. */
time_t
server_now(void)
{
	struct timeval tv;

	if (server.base == NULL || event_base_gettimeofday_cached(server.base,
	    &tv) != 0)
		return (time(NULL));
	return (tv.tv_sec);
}

/* After the goodbye, the loop ends when the last connection is gone. */
void
server_maybe_done(void)
{
	if (server.shutting_down == 2 && server.nclients == 0)
		event_base_loopexit(server.base, NULL);
}
