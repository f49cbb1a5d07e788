/*
 * Password checks run on one thread of their own, so that a yescrypt hash
 * (tens of milliseconds) never stalls the event loop. The loop queues a
 * job under a mutex and signals the thread; the thread hashes, moves the
 * job to the done list and writes a byte to a pipe; the loop, woken by the
 * pipe, runs each job's callback. At most VERIFY_QUEUE_MAX jobs exist at
 * once: the next is refused at once rather than waited for.
 *
 * Ownership: the thread reads a job's strings and writes its result only
 * between taking it off the queue and putting it on the done list; cb, arg
 * and the count of jobs belong to the loop. cancelled is read and written
 * under the mutex.
 */
#include <sys/queue.h>

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <crypt.h>

#include <event2/event.h>

#include "limits.h"
#include "log.h"
#include "server.h"
#include "verify.h"
#include "xmalloc.h"

struct verify {
	TAILQ_ENTRY(verify)	 entry;
	char			*hash;		/* setting crypt(3) runs with */
	int			 match_hash;	/* right if the output is hash */
	char			*plain;		/* right if password is this */
	char			*password;
	int			 result;
	int			 cancelled;
	void			(*cb)(int, void *);
	void			*arg;
};

TAILQ_HEAD(verify_list, verify);

static pthread_mutex_t verify_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t verify_cond = PTHREAD_COND_INITIALIZER;
static struct verify_list verify_queue = TAILQ_HEAD_INITIALIZER(verify_queue);
static struct verify_list verify_done = TAILQ_HEAD_INITIALIZER(verify_done);
static int verify_stopping;
static pthread_t verify_thread;
static int verify_running;
static int verify_pipe[2] = { -1, -1 };
static struct event *verify_event;
static unsigned verify_jobs;		/* submitted, callback not yet run */
static char *verify_dummy;

static void	*verify_main(void *arg);
static int	 verify_check(struct verify *v, struct crypt_data *data);
static int	 verify_equal(const char *a, const char *b);
static void	 verify_done_cb(evutil_socket_t fd, short what, void *arg);
static void	 verify_finish(struct verify_list *list);
static void	 verify_free(struct verify *v);

/* The pipe, the event on it and the thread (all signals blocked there). */
int
verify_start(char **cause)
{
	sigset_t all, old;
	int error;

	if (pipe2(verify_pipe, O_NONBLOCK | O_CLOEXEC) != 0) {
		xasprintf(cause, "pipe: %s", strerror(errno));
		return (-1);
	}
	verify_event = event_new(server.base, verify_pipe[0],
	    EV_READ | EV_PERSIST, verify_done_cb, NULL);
	event_add(verify_event, NULL);
	if (verify_dummy == NULL)
		verify_set_dummy(NULL);
	verify_stopping = 0;
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	error = pthread_create(&verify_thread, NULL, verify_main, NULL);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (error != 0) {
		xasprintf(cause, "pthread_create: %s", strerror(error));
		return (-1);
	}
	verify_running = 1;
	return (0);
}

/* Join the thread; every job left gets VERIFY_CANCELLED. */
void
verify_stop(void)
{
	struct verify_list left = TAILQ_HEAD_INITIALIZER(left);
	struct verify *v;

	if (verify_running) {
		pthread_mutex_lock(&verify_lock);
		verify_stopping = 1;
		pthread_cond_signal(&verify_cond);
		pthread_mutex_unlock(&verify_lock);
		pthread_join(verify_thread, NULL);
		verify_running = 0;
	}
	TAILQ_CONCAT(&left, &verify_done, entry);
	TAILQ_CONCAT(&left, &verify_queue, entry);
	TAILQ_FOREACH(v, &left, entry)
		v->cancelled = 1;
	verify_finish(&left);
	if (verify_event != NULL)
		event_free(verify_event);
	verify_event = NULL;
	if (verify_pipe[0] != -1) {
		close(verify_pipe[0]);
		close(verify_pipe[1]);
	}
	verify_pipe[0] = verify_pipe[1] = -1;
	free(verify_dummy);
	verify_dummy = NULL;
}

/* Use setting for checks without a hash of their own, or a fresh one. */
void
verify_set_dummy(const char *setting)
{
	char buf[CRYPT_GENSALT_OUTPUT_SIZE];

	if (setting == NULL) {
		if (crypt_gensalt_rn("$y$", 0, NULL, 0, buf, sizeof buf) ==
		    NULL)
			fatal("crypt_gensalt_rn");
		setting = buf;
	}
	if (verify_dummy != NULL && strcmp(verify_dummy, setting) == 0)
		return;
	free(verify_dummy);
	verify_dummy = xstrdup(setting);
}

/* Queue a check; NULL if VERIFY_QUEUE_MAX are already waiting. */
struct verify *
verify_submit(const char *hash, const char *plain, const char *password,
    void (*cb)(int, void *), void *arg)
{
	struct verify *v;

	if (verify_jobs >= VERIFY_QUEUE_MAX || !verify_running)
		return (NULL);
	v = xcalloc(1, sizeof *v);
	v->match_hash = hash != NULL;
	v->hash = xstrdup(hash != NULL ? hash : verify_dummy);
	v->plain = plain != NULL ? xstrdup(plain) : NULL;
	v->password = xstrdup(password);
	v->cb = cb;
	v->arg = arg;
	verify_jobs++;
	pthread_mutex_lock(&verify_lock);
	TAILQ_INSERT_TAIL(&verify_queue, v, entry);
	pthread_cond_signal(&verify_cond);
	pthread_mutex_unlock(&verify_lock);
	return (v);
}

/* The asker is gone: skip the hash if not begun, report CANCELLED. */
void
verify_cancel(struct verify *v)
{
	pthread_mutex_lock(&verify_lock);
	v->cancelled = 1;
	pthread_mutex_unlock(&verify_lock);
}

/* Jobs queued, running or waiting for their callback. */
unsigned
verify_pending(void)
{
	return (verify_jobs);
}

/* The thread: take a job, check it unless cancelled, hand it back. */
static void *
verify_main(void *arg)
{
	static struct crypt_data data;	/* one thread; zeroed before use */
	struct verify *v;
	ssize_t n;
	int cancelled;

	(void)arg;
	pthread_mutex_lock(&verify_lock);
	for (;;) {
		while (!verify_stopping && TAILQ_EMPTY(&verify_queue))
			pthread_cond_wait(&verify_cond, &verify_lock);
		if (verify_stopping)
			break;
		v = TAILQ_FIRST(&verify_queue);
		TAILQ_REMOVE(&verify_queue, v, entry);
		cancelled = v->cancelled;
		pthread_mutex_unlock(&verify_lock);
		if (!cancelled)
			v->result = verify_check(v, &data);
		pthread_mutex_lock(&verify_lock);
		TAILQ_INSERT_TAIL(&verify_done, v, entry);
		pthread_mutex_unlock(&verify_lock);
		/* A full pipe already holds a wakeup. */
		n = write(verify_pipe[1], "", 1);
		(void)n;
		pthread_mutex_lock(&verify_lock);
	}
	pthread_mutex_unlock(&verify_lock);
	return (NULL);
}

/* Hash always, whatever the room, then compare in constant time. */
static int
verify_check(struct verify *v, struct crypt_data *data)
{
	const char *out;
	int right = 0;

	out = crypt_r(v->password, v->hash, data);
	if (v->match_hash && out != NULL && out[0] != '*' &&
	    verify_equal(out, v->hash))
		right = 1;
	if (v->plain != NULL && verify_equal(v->plain, v->password))
		right = 1;
	return (right ? VERIFY_RIGHT : VERIFY_WRONG);
}

/* Compare secrets in time that depends only on their lengths. */
static int
verify_equal(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b), i;
	unsigned char diff = la != lb;

	for (i = 0; i < la && i < lb; i++)
		diff |= (unsigned char)a[i] ^ (unsigned char)b[i];
	return (diff == 0);
}

/* The pipe woke the loop: run the callbacks of every finished job. */
static void
verify_done_cb(evutil_socket_t fd, short what, void *arg)
{
	struct verify_list list = TAILQ_HEAD_INITIALIZER(list);
	char buf[64];

	(void)what;
	(void)arg;
	while (read(fd, buf, sizeof buf) > 0)
		continue;
	pthread_mutex_lock(&verify_lock);
	TAILQ_CONCAT(&list, &verify_done, entry);
	pthread_mutex_unlock(&verify_lock);
	verify_finish(&list);
}

/* Call back and free each job of list (owned by the loop now). */
static void
verify_finish(struct verify_list *list)
{
	struct verify *v;
	void (*cb)(int, void *);
	void *arg;
	int result;

	while ((v = TAILQ_FIRST(list)) != NULL) {
		TAILQ_REMOVE(list, v, entry);
		cb = v->cb;
		arg = v->arg;
		result = v->cancelled ? VERIFY_CANCELLED : v->result;
		verify_free(v);
		verify_jobs--;
		cb(result, arg);
	}
}

/* Free a job, wiping the password it held. */
static void
verify_free(struct verify *v)
{
	explicit_bzero(v->password, strlen(v->password));
	free(v->password);
	if (v->plain != NULL)
		explicit_bzero(v->plain, strlen(v->plain));
	free(v->plain);
	free(v->hash);
	free(v);
}
