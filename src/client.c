/*
 * A connection's life: accepted, named, chatting, closing. This is the
 * transport: the socket, its output cap and its close. Telnet options are
 * telnet.c's, the screen and line editor term.c's; what the user's lines
 * mean is session.c's.
 *
 * A closing client
 * closed is only marked and queued; the reaper detaches it from rooms and
 * names after the current callback, and frees it once its output is sent
 * (or dropped), so no list is changed under a loop that walks it.
 *
 * Output is written by the daemon itself once the current callbacks are
 * done: every client that got output this turn is written with one writev,
 * however many lines it got, and only output the socket does not take at
 * once waits for a write event. Nothing is registered with epoll for the
 * common case of a socket that keeps up.
 */
#include <sys/socket.h>

#include <netinet/in.h>
#include <netinet/tcp.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <event2/util.h>

#include "client.h"
#include "config.h"
#include "listener.h"
#include "log.h"
#include "messages.h"
#include "proto.h"
#include "room.h"
#include "server.h"
#include "session.h"
#include "strmap.h"
#include "telnet.h"
#include "term.h"
#include "view.h"
#include "xmalloc.h"

#define CLIENT_DROP	0x100	/* closing without flushing */
#define CLIENT_FLUSHING	0x200	/* detached, waiting for output to drain */
#define CLIENT_UNSENT	0x400	/* on the unsent list */
#define CLIENT_WRITING	0x800	/* the bufferevent writes the rest */

static struct client_list closing = TAILQ_HEAD_INITIALIZER(closing);
static struct client_list dead = TAILQ_HEAD_INITIALIZER(dead);
static struct client_list unsent = TAILQ_HEAD_INITIALIZER(unsent);
static struct event *reaper;
static struct event *writer;

static void	client_read_cb(struct bufferevent *bev, void *arg);
static void	client_write_cb(struct bufferevent *bev, void *arg);
static void	client_event_cb(struct bufferevent *bev, short what,
		    void *arg);
static void	client_on_line(void *arg, char *line, size_t len);
static void	client_on_key(void *arg, uint8_t byte);
static void	client_on_term_write(void *arg, const void *buf, size_t len);
static void	client_on_term_interrupt(void *arg);
static void	client_on_prompted(void *arg);
static void	client_resize_cb(evutil_socket_t fd, short what, void *arg);
static void	client_on_overlong(void *arg);
static void	client_on_interrupt(void *arg);
static void	client_on_option(void *arg, int verb, int opt);
static void	client_on_naws(void *arg, unsigned cols, unsigned rows);
static void	client_on_ttype(void *arg, const char *name);
static void	client_resume_cb(evutil_socket_t fd, short what, void *arg);
static void	client_set_options(struct client *c);
static void	client_mark(struct client *c, int flags, const char *reason);
static void	client_detach(struct client *c);
static void	client_flush(struct client *c);
static void	client_linger(struct client *c);
static void	client_timeout_cb(evutil_socket_t fd, short what, void *arg);
static void	client_bury(struct client *c);
static void	client_free(struct client *c);
static void	client_reap_cb(evutil_socket_t fd, short what, void *arg);
static void	client_send(struct client *c);
static void	client_drained(struct client *c);
static void	client_writer_cb(evutil_socket_t fd, short what, void *arg);

static const struct proto_ops client_proto_ops = {
	.line = client_on_line,
	.key = client_on_key,
	.overlong = client_on_overlong,
	.interrupt = client_on_interrupt,
	.option = client_on_option,
	.naws = client_on_naws,
	.ttype = client_on_ttype,
};

static const struct term_ops client_term_ops = {
	.write = client_on_term_write,
	.line = client_on_line,
	.interrupt = client_on_term_interrupt,
	.prompted = client_on_prompted,
};

/* Wrap an accepted socket and start the conversation. */
struct client *
client_new(int fd, const struct sockaddr *sa, socklen_t len)
{
	struct client *c;
	char addr[64];

	c = xcalloc(1, sizeof *c);
	c->bev = bufferevent_socket_new(server.base, fd,
	    BEV_OPT_CLOSE_ON_FREE);
	if (c->bev == NULL)
		fatalx("bufferevent_socket_new failed");
	bufferevent_setcb(c->bev, client_read_cb, client_write_cb,
	    client_event_cb, c);
	bufferevent_disable(c->bev, EV_WRITE);	/* client_send writes */
	c->proto = proto_new(&client_proto_ops, c);
	c->term = term_new(&client_term_ops, c);
	c->connected = c->active = server_now();
	c->flood_tokens = server.cfg->flood_burst;
	c->flood_stamp = (double)c->connected;
	listener_format_addr(sa, len, c->ip, sizeof c->ip, addr, sizeof addr);
	memcpy(&c->sa, sa, len < sizeof c->sa ? len : sizeof c->sa);
	if (sa->sa_family == AF_INET6)
		c->port = ntohs(((const struct sockaddr_in6 *)sa)->sin6_port);
	else if (sa->sa_family == AF_INET)
		c->port = ntohs(((const struct sockaddr_in *)sa)->sin_port);
	client_set_options(c);

	TAILQ_INSERT_TAIL(&server.clients, c, entry);
	server.nclients++;
	server.stats.connections++;
	log_debug("client %s connected", addr);

	telnet_start(c);
	session_start(c);
	return (c);
}

/*
 * The peer's address for logs and the admin socket, formatted when asked
 * rather than kept in every client.
 */
const char *
client_addr(const struct client *c)
{
	static char addr[64];

	snprintf(addr, sizeof addr, strchr(c->ip, ':') != NULL ? "[%s]:%u" :
	    "%s:%u", c->ip, c->port);
	return (addr);
}

/* TCP options: keepalive against half-open peers, no Nagle delay. */
static void
client_set_options(struct client *c)
{
	int fd = bufferevent_getfd(c->bev), on = 1;
	int idle = (int)server.cfg->keepalive, intvl = 30, cnt = 4;

	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &on, sizeof on);
	if (idle == 0)
		return;
	setsockopt(fd, SOL_SOCKET, SO_KEEPALIVE, &on, sizeof on);
	setsockopt(fd, IPPROTO_TCP, TCP_KEEPIDLE, &idle, sizeof idle);
	setsockopt(fd, IPPROTO_TCP, TCP_KEEPINTVL, &intvl, sizeof intvl);
	setsockopt(fd, IPPROTO_TCP, TCP_KEEPCNT, &cnt, sizeof cnt);
}

/* Start reading the user's input (after the connecting pause). */
void
client_enable_read(struct client *c)
{
	bufferevent_enable(c->bev, EV_READ);
}

/* The pause is over. */
static void
client_resume_cb(evutil_socket_t fd, short what, void *arg)
{
	struct client *c = arg;

	(void)fd;
	(void)what;
	event_free(c->timer);
	c->timer = NULL;
	if (c->flags & CLIENT_CLOSING)
		return;
	client_enable_read(c);
	client_read_cb(c->bev, c);
}

/* Stop reading for seconds; input waits in the socket meanwhile. */
void
client_pause_read(struct client *c, unsigned seconds)
{
	struct timeval tv = { seconds, 0 };

	if (c->timer != NULL)
		return;
	bufferevent_disable(c->bev, EV_READ);
	proto_stop(c->proto);
	c->timer = evtimer_new(server.base, client_resume_cb, c);
	evtimer_add(c->timer, &tv);
}

/* Queue bytes, or drop a client whose unread output passed the cap. */
void
client_write(struct client *c, const void *buf, size_t len)
{
	struct evbuffer *out;

	if (c->flags & CLIENT_CLOSING)
		return;
	out = bufferevent_get_output(c->bev);
	if (evbuffer_get_length(out) + len > server.cfg->output_limit) {
		client_drop(c, "output limit reached (client not reading)");
		return;
	}
	evbuffer_add(out, buf, len);
	server.stats.bytes_out += len;
	if (c->flags & (CLIENT_UNSENT | CLIENT_WRITING))
		return;
	c->flags |= CLIENT_UNSENT;
	if (TAILQ_EMPTY(&unsent))
		event_active(writer, EV_TIMEOUT, 0);
	TAILQ_INSERT_TAIL(&unsent, c, unsent);
}

/* Write what the socket takes now; a write event sends the rest. */
static void
client_send(struct client *c)
{
	struct evbuffer *out = bufferevent_get_output(c->bev);

	if (c->flags & (CLIENT_DEAD | CLIENT_DROP))
		return;
	/* A bufferevent freezes the start of its output: only it drains. */
	evbuffer_unfreeze(out, 1);
	evbuffer_write(out, bufferevent_getfd(c->bev));
	evbuffer_freeze(out, 1);
	if (evbuffer_get_length(out) == 0) {
		client_drained(c);
		return;
	}
	/* Blocked or failed: the bufferevent retries or reports the error. */
	c->flags |= CLIENT_WRITING;
	bufferevent_enable(c->bev, EV_WRITE);
}

/* After the current callbacks: send every client's output of this turn. */
static void
client_writer_cb(evutil_socket_t fd, short what, void *arg)
{
	struct client *c;

	(void)fd;
	(void)what;
	(void)arg;
	while ((c = TAILQ_FIRST(&unsent)) != NULL) {
		TAILQ_REMOVE(&unsent, c, unsent);
		c->flags &= ~CLIENT_UNSENT;
		client_send(c);
	}
}

/* A whole line; a prompt already shown is ended first. */
void
client_line(struct client *c, const char *line)
{
	term_line(c->term, line, strlen(line));
}

/* A formatted line. */
void
client_printf(struct client *c, const char *fmt, ...)
{
	char line[TEXT_MAX + 256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(line, sizeof line, fmt, ap);
	va_end(ap);
	client_line(c, line);
}

/* The prompt of the current state (the view draws its own input row). */
void
client_prompt(struct client *c)
{
	char prompt[ROOM_NAME_MAX + USERNAME_LIMIT_MAX * 2 + 16];

	switch (c->state) {
	case CLIENT_CONNECTING:
		return;
	case CLIENT_CHATVIEW:
		view_input_done(c);
		return;
	case CLIENT_NAMING:
		term_prompt(c->term, MSG_NAME_PROMPT);
		break;
	case CLIENT_QUITTING:
		term_prompt(c->term, MSG_QUIT_CONFIRM);
		break;
	case CLIENT_PALETTE:
		if (c->room == NULL)
			snprintf(prompt, sizeof prompt, MSG_PROMPT);
		else if (c->room->peer[0] != NULL)
			snprintf(prompt, sizeof prompt, MSG_PROMPT_DM,
			    room_dm_peer(c->room, c)->name, c->name);
		else
			snprintf(prompt, sizeof prompt, MSG_PROMPT_ROOM,
			    c->room->name, c->name);
		term_prompt(c->term, prompt);
		break;
	}
}

/* A server notice, wherever the user is. */
void
client_notice(struct client *c, const char *line)
{
	int prompted = term_prompted(c->term);

	if (c->state == CLIENT_CHATVIEW) {
		view_line(c, line, strlen(line));
		return;
	}
	client_line(c, line);
	if (prompted)
		client_prompt(c);
}

/* The user with this name (any case), or NULL. */
struct client *
client_find(const char *name)
{
	return (strmap_get(server.names, name));
}

/* Take a name that session checked is free and valid. */
void
client_set_name(struct client *c, const char *name)
{
	snprintf(c->name, sizeof c->name, "%s", name);
	strmap_set(server.names, c->name, c);
	server.nusers++;
	if (server.nusers > server.stats.peak_users)
		server.stats.peak_users = server.nusers;
	if (listener_may_log(c))
		log_info("client %s is %s", client_addr(c), c->name);
}

/* Input arrived: decode it chunk by chunk without copying. */
static void
client_read_cb(struct bufferevent *bev, void *arg)
{
	struct client *c = arg;
	struct evbuffer *in = bufferevent_get_input(bev);
	struct evbuffer_iovec v;
	size_t len, used;
	int stopped;

	while ((len = evbuffer_get_length(in)) > 0) {
		if (c->flags & CLIENT_CLOSING) {
			server.stats.bytes_in += len;
			evbuffer_drain(in, len);
			return;
		}
		evbuffer_peek(in, -1, NULL, &v, 1);
		c->active = server_now();
		stopped = proto_feed(c->proto, v.iov_base, v.iov_len) != 0;
		/* A pause leaves the rest queued for when reading resumes. */
		used = stopped ? proto_consumed(c->proto) : v.iov_len;
		server.stats.bytes_in += used;
		evbuffer_drain(in, used);
		if (stopped) {
			term_flush(c->term);
			return;
		}
	}
	client_interrupt_done(c);
	term_flush(c->term);
}

/*
 * Act on a Ctrl-C only after the IAC DO TIMING-MARK that usually follows it
 * is answered: a telnet client throws away what arrives before our WILL
 * TIMING-MARK, which would otherwise swallow the new prompt or the reset
 * of the split screen.
 */
void
client_interrupt_done(struct client *c)
{
	if (!(c->flags & CLIENT_INTERRUPT) || (c->flags & CLIENT_CLOSING))
		return;
	c->flags &= ~CLIENT_INTERRUPT;
	term_interrupted(c->term);
	session_interrupt(c);
}

/* The bufferevent sent the rest: writing goes back to client_send. */
static void
client_write_cb(struct bufferevent *bev, void *arg)
{
	struct client *c = arg;

	bufferevent_disable(bev, EV_WRITE);
	c->flags &= ~CLIENT_WRITING;
	client_drained(c);
}

/* Output drained: a closing client may now go. */
static void
client_drained(struct client *c)
{
	if ((c->flags & (CLIENT_FLUSHING | CLIENT_LINGER | CLIENT_DEAD)) ==
	    CLIENT_FLUSHING)
		client_linger(c);
}

/* EOF or error from the socket. */
static void
client_event_cb(struct bufferevent *bev, short what, void *arg)
{
	struct client *c = arg;

	(void)bev;
	if (c->flags & CLIENT_LINGER) {
		client_bury(c);
		return;
	}
	if (what & BEV_EVENT_EOF)
		client_close(c, "connection closed by peer");
	else if (what & (BEV_EVENT_ERROR | BEV_EVENT_TIMEOUT)) {
		bufferevent_disable(bev, EV_READ | EV_WRITE);
		client_drop(c, evutil_socket_error_to_string(
		    EVUTIL_SOCKET_ERROR()));
	}
}

/* proto: a complete line. */
static void
client_on_line(void *arg, char *line, size_t len)
{
	struct client *c = arg;

	client_interrupt_done(c);
	if (!(c->flags & CLIENT_CLOSING))
		session_line(c, line, len);
	if (c->flags & CLIENT_CLOSING)
		proto_stop(c->proto);
}

/* proto: a line longer than LINE_MAX_BYTES was dropped. */
static void
client_on_overlong(void *arg)
{
	struct client *c = arg;
	char line[128];

	snprintf(line, sizeof line, MSG_LINE_TOO_LONG, LINE_MAX_BYTES);
	if (!(c->flags & CLIENT_CLOSING))
		session_refuse(c, line);
}

/* proto: Ctrl-C. */
static void
client_on_interrupt(void *arg)
{
	struct client *c = arg;

	term_interrupt(c->term);
	c->flags |= CLIENT_INTERRUPT;
}

/* term: Ctrl-C typed in the editor (no telnet command around it). */
static void
client_on_term_interrupt(void *arg)
{
	client_on_interrupt(arg);
}

/* proto: a key typed in character mode. */
static void
client_on_key(void *arg, uint8_t byte)
{
	struct client *c = arg;

	if (!(c->flags & CLIENT_CLOSING))
		term_key(c->term, byte);
}

/* term: screen bytes. */
static void
client_on_term_write(void *arg, const void *buf, size_t len)
{
	client_write(arg, buf, len);
}

/* term: a prompt waits for input. */
static void
client_on_prompted(void *arg)
{
	telnet_prompted(arg);
}

/* telnet: the client agreed (or stopped agreeing) to let us echo. */
void
client_set_editing(struct client *c, int on)
{
	int mode = term_mode(c->term);

	term_set_mode(c->term, on ? mode | TERM_EDIT : mode & ~TERM_EDIT);
	proto_set_raw(c->proto, on);
	/* The prompt shown so far is drawn again, now by the editor. */
	if (term_prompted(c->term))
		client_prompt(c);
}

/* proto: option negotiation. */
static void
client_on_option(void *arg, int verb, int opt)
{
	telnet_option(arg, verb, opt);
}

/* proto: the window size. */
static void
client_on_naws(void *arg, unsigned cols, unsigned rows)
{
	struct client *c = arg;
	struct timeval tv = { 0, RESIZE_DELAY_MS * 1000 };

	if (!telnet_charge(c))
		return;
	term_resize(c->term, cols, rows);
	/* A window being dragged sends many sizes: redraw for the last. */
	if (c->state != CLIENT_CHATVIEW || c->resize != NULL)
		return;
	c->resize = evtimer_new(server.base, client_resize_cb, c);
	evtimer_add(c->resize, &tv);
}

/* The size settled: redraw the chat view once. */
static void
client_resize_cb(evutil_socket_t fd, short what, void *arg)
{
	struct client *c = arg;

	(void)fd;
	(void)what;
	event_free(c->resize);
	c->resize = NULL;
	if (c->state == CLIENT_CHATVIEW && !(c->flags & CLIENT_CLOSING))
		view_resize(c);
}

/* proto: the terminal type; its arrival proves a telnet client. */
static void
client_on_ttype(void *arg, const char *name)
{
	telnet_ttype(arg, name);
}

/* Mark a client closing and queue it for the reaper. */
static void
client_mark(struct client *c, int flags, const char *reason)
{
	if (c->flags & CLIENT_CLOSING) {
		c->flags |= flags & CLIENT_DROP;
		return;
	}
	c->flags |= CLIENT_CLOSING | flags;
	if (listener_may_log(c))
		log_info("client %s%s%s closed: %s", client_addr(c),
		    c->name[0] ? " " : "", c->name, reason);
	bufferevent_disable(c->bev, EV_READ);
	TAILQ_INSERT_TAIL(&closing, c, dead);
	event_active(reaper, EV_TIMEOUT, 0);
}

/* Last words: the terminal as it was found, then text on its own line. */
void
client_farewell(struct client *c, const char *text, const char *reason)
{
	if (c->flags & CLIENT_CLOSING)
		return;
	term_restore(c->term);
	term_line(c->term, text, strlen(text));
	client_mark(c, 0, reason);
}

/* Close once the output queued so far (and a terminal reset) is sent. */
void
client_close(struct client *c, const char *reason)
{
	if (!(c->flags & CLIENT_CLOSING))
		term_restore(c->term);
	client_mark(c, 0, reason);
}

/* Close without sending what is queued. */
void
client_drop(struct client *c, const char *reason)
{
	client_mark(c, CLIENT_DROP, reason);
}

/* Leave rooms and DMs and give the name back. */
static void
client_detach(struct client *c)
{
	if (c->timer != NULL) {
		event_free(c->timer);
		c->timer = NULL;
	}
	if (c->resize != NULL) {
		event_free(c->resize);
		c->resize = NULL;
	}
	room_end_dms(c);
	room_leave(c);
	if (c->name[0] != '\0') {
		strmap_del(server.names, c->name);
		server.nusers--;
	}
}

/* Wait for the output to drain, at most CLOSE_FLUSH_SECONDS. */
static void
client_flush(struct client *c)
{
	struct timeval tv = { CLOSE_FLUSH_SECONDS, 0 };

	c->flags |= CLIENT_FLUSHING;
	c->timer = evtimer_new(server.base, client_timeout_cb, c);
	evtimer_add(c->timer, &tv);
	if (evbuffer_get_length(bufferevent_get_output(c->bev)) == 0)
		client_linger(c);
}

/*
 * Output sent: half-close and read until the peer's EOF, so that unread
 * input does not make the kernel answer with a reset that could destroy
 * our last lines before the peer reads them.
 */
static void
client_linger(struct client *c)
{
	struct timeval tv = { 1, 0 };

	c->flags |= CLIENT_LINGER;
	shutdown(bufferevent_getfd(c->bev), SHUT_WR);
	bufferevent_enable(c->bev, EV_READ);
	evtimer_add(c->timer, &tv);
}

/* Flush or linger took too long. */
static void
client_timeout_cb(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	client_bury(arg);
}

/* Queue a detached client for freeing. */
static void
client_bury(struct client *c)
{
	if (c->flags & CLIENT_DEAD)
		return;
	c->flags |= CLIENT_DEAD;
	bufferevent_disable(c->bev, EV_READ | EV_WRITE);
	TAILQ_INSERT_TAIL(&dead, c, dead);
	event_active(reaper, EV_TIMEOUT, 0);
}

/* Release everything a client holds. */
static void
client_free(struct client *c)
{
	TAILQ_REMOVE(&server.clients, c, entry);
	if (c->flags & CLIENT_UNSENT)
		TAILQ_REMOVE(&unsent, c, unsent);
	server.nclients--;
	listener_release(c);
	if (c->timer != NULL)
		event_free(c->timer);
	if (c->resize != NULL)
		event_free(c->resize);
	bufferevent_free(c->bev);
	proto_free(c->proto);
	term_free(c->term);
	free(c);
}

/* The reaper runs once the current callbacks are done. */
void
client_init(void)
{
	reaper = event_new(server.base, -1, 0, client_reap_cb, NULL);
	writer = event_new(server.base, -1, 0, client_writer_cb, NULL);
}

/* Reaper event. */
static void
client_reap_cb(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	(void)arg;
	client_reap();
}

/* Detach what is closing, then free what is dead. */
void
client_reap(void)
{
	struct client *c;

	while ((c = TAILQ_FIRST(&closing)) != NULL) {
		TAILQ_REMOVE(&closing, c, dead);
		client_detach(c);
		if (c->flags & CLIENT_DROP)
			client_bury(c);
		else
			client_flush(c);
	}
	while ((c = TAILQ_FIRST(&dead)) != NULL) {
		TAILQ_REMOVE(&dead, c, dead);
		client_free(c);
	}
	server_maybe_done();
}

/* At exit: free every client without notices; rooms go next. */
void
client_free_all(void)
{
	struct client *c;

	TAILQ_INIT(&closing);
	TAILQ_INIT(&dead);
	while ((c = TAILQ_FIRST(&server.clients)) != NULL)
		client_free(c);
	if (reaper != NULL)
		event_free(reaper);
	reaper = NULL;
	if (writer != NULL)
		event_free(writer);
	writer = NULL;
}
