/* Password checks off the event loop: one thread, a bounded queue. */
#ifndef VERIFY_H
#define VERIFY_H

struct verify;

/* What a check found; the callback always runs, once, on the loop. */
#define VERIFY_WRONG		0
#define VERIFY_RIGHT		1
#define VERIFY_CANCELLED	2	/* verify_cancel() was called */

/* Start the thread and the event that hands results back; -1 and cause. */
int		 verify_start(char **cause);
/* Stop the thread; callbacks still due are not run. */
void		 verify_stop(void);
/*
 * The crypt(3) setting every check runs when the room has no hash of its
 * own (a plain password, or no room at all), so that every check costs
 * the same; NULL makes a yescrypt setting with the default cost.
 */
void		 verify_set_dummy(const char *setting);
/*
 * Queue a check of password against hash (crypt(3), NULL for none) and
 * plain (NULL for none): right if either matches. A check without hash
 * runs the dummy hash all the same. NULL if the queue is full.
 */
struct verify	*verify_submit(const char *hash, const char *plain,
		     const char *password, void (*cb)(int, void *), void *arg);
/* The asker is gone: its callback gets VERIFY_CANCELLED. */
void		 verify_cancel(struct verify *v);
/* Checks queued or running now. */
unsigned	 verify_pending(void);

#endif
