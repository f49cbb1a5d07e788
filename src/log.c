/* Logging to stderr with a syslog priority prefix that journald understands. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/event.h>

#include "log.h"

static const char *log_name = "chatsockd";
static int log_debug_on;

static void	log_vwrite(const char *prio, const char *fmt, va_list ap,
		    int err);
static void	log_event_cb(int severity, const char *msg);

/* Set the program name and verbosity; route libevent's own messages here. */
void
log_init(const char *progname, int debug)
{
	log_name = progname;
	log_debug_on = debug;
	event_set_log_callback(log_event_cb);
}

/* Write one line; "<N>" lets journald keep the priority (sd-daemon(3)). */
static void
log_vwrite(const char *prio, const char *fmt, va_list ap, int err)
{
	char line[1024];

	vsnprintf(line, sizeof line, fmt, ap);
	if (err != 0)
		fprintf(stderr, "%s%s: %s: %s\n", prio, log_name, line,
		    strerror(err));
	else
		fprintf(stderr, "%s%s: %s\n", prio, log_name, line);
}

#define LOG_FN(fn, prio, err, cond)			\
void							\
fn(const char *fmt, ...)				\
{							\
	va_list ap;					\
	int saved = errno;				\
							\
	if (!(cond))					\
		return;					\
	va_start(ap, fmt);				\
	log_vwrite(prio, fmt, ap, err ? saved : 0);	\
	va_end(ap);					\
	errno = saved;					\
}

LOG_FN(log_debug, "<7>", 0, log_debug_on)
LOG_FN(log_info, "<6>", 0, 1)
LOG_FN(log_warn, "<4>", 1, 1)
LOG_FN(log_warnx, "<4>", 0, 1)

/* Log with errno and exit: for states the daemon cannot continue from. */
void
fatal(const char *fmt, ...)
{
	va_list ap;
	int saved = errno;

	va_start(ap, fmt);
	log_vwrite("<2>", fmt, ap, saved);
	va_end(ap);
	exit(1);
}

/* Log without errno and exit. */
void
fatalx(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_vwrite("<2>", fmt, ap, 0);
	va_end(ap);
	exit(1);
}

/* libevent's warnings and errors, at our priorities. */
static void
log_event_cb(int severity, const char *msg)
{
	if (severity == EVENT_LOG_DEBUG)
		log_debug("libevent: %s", msg);
	else
		log_warnx("libevent: %s", msg);
}
