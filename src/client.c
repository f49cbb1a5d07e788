/*
 * A connection's life: accepted, named, chatting, closing, whatever carries
 * its bytes (tcp.c for telnet, ssh.c for SSH: struct client_transport). This
 * file owns the output queue and its cap, the order of closing, and hands
 * input to the terminal (term.c) and the conversation (session.c).
 *
 * A client that is
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

#include <netdb.h>
#include <netinet/tcp.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/event.h>
#include <event2/util.h>

#include "client.h"
#include "config.h"
#include "listener.h"
#include "log.h"
#include "messages.h"
#include "proto.h"
#include "server.h"
#include "strmap.h"
#include "term.h"
#include "xmalloc.h"


static struct client_list closing = TAILQ_HEAD_INITIALIZER(closing);
static struct client_list dead = TAILQ_HEAD_INITIALIZER(dead);
static struct client_list unsent = TAILQ_HEAD_INITIALIZER(unsent);
static const struct client_ops *ops;
static struct event *reaper;
static struct event *writer;

static void	client_on_line(void *arg, char *line, size_t len);
static void	client_on_term_write(void *arg, const void *buf, size_t len);
static void	client_on_term_interrupt(void *arg);
static void	client_on_prompted(void *arg);
static void	client_resize_cb(evutil_socket_t fd, short what, void *arg);
static void	client_resume_cb(evutil_socket_t fd, short what, void *arg);
static void	client_set_options(int fd);
static void	client_mark(struct client *c, int flags, const char *reason);
static void	client_detach(struct client *c);
static void	client_flush(struct client *c);
static void	client_linger(struct client *c);
static void	client_timeout_cb(evutil_socket_t fd, short what, void *arg);
static void	client_free(struct client *c);
static void	client_reap_cb(evutil_socket_t fd, short what, void *arg);
static void	client_writer_cb(evutil_socket_t fd, short what, void *arg);

static const struct term_ops client_term_ops = {
	.write = client_on_term_write,
	.line = client_on_line,
	.interrupt = client_on_term_interrupt,
	.prompted = client_on_prompted,
};

/*
 * A client on socket fd from sa, its output queued in out; the transport
 * sets up the rest and starts the session.
 */
struct client *
client_new(const struct client_transport *tp, int fd,
    const struct sockaddr *sa, socklen_t len, struct evbuffer *out)
{
	struct client *c;

	c = xcalloc(1, sizeof *c);
	c->tp = tp;
	c->out = out;
	c->term = term_new(&client_term_ops, c);
	c->connected = c->active = server_now();
	c->flood_tokens = server.cfg->flood_burst;
	c->flood_stamp = (double)c->connected;
	memcpy(&c->sa, sa, len < sizeof c->sa ? len : sizeof c->sa);
	client_set_options(fd);

	TAILQ_INSERT_TAIL(&server.clients, c, entry);
	server.nclients++;
	server.stats.connections++;
	log_debug("client %s connected (%s)", client_addr(c), tp->name);
	return (c);
}

/*
 * The peer's address for logs and the admin socket, formatted when asked
 * rather than kept in every client.
 */
const char *
client_addr(const struct client *c)
{
	static char addr[NI_MAXHOST + 16];
	char ip[NI_MAXHOST];

	listener_format_addr(&c->sa.sa, sizeof c->sa, ip, sizeof ip, addr,
	    sizeof addr);
	return (addr);
}

/* The peer's IP address as text. */
const char *
client_ip(const struct client *c)
{
	static char ip[NI_MAXHOST];
	char addr[NI_MAXHOST + 16];

	listener_format_addr(&c->sa.sa, sizeof c->sa, ip, sizeof ip, addr,
	    sizeof addr);
	return (ip);
}

/* TCP options: keepalive against half-open peers, no Nagle delay. */
static void
client_set_options(int fd)
{
	int on = 1;
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
	c->tp->read(c, 1);
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
	if (c->flags & CLIENT_WAITING)
		return;
	c->flags &= ~CLIENT_PAUSED;
	if (c->flags & CLIENT_CLOSING)
		return;
	client_enable_read(c);
}

/* Stop reading for seconds; input waits in the socket meanwhile. */
void
client_pause_read(struct client *c, unsigned seconds)
{
	struct timeval tv = { seconds, 0 };

	if (c->timer != NULL)
		return;
	c->flags |= CLIENT_PAUSED;
	c->tp->read(c, 0);
	c->timer = evtimer_new(server.base, client_resume_cb, c);
	evtimer_add(c->timer, &tv);
}

/* Ignore input until client_release_read; it is kept meanwhile. */
void
client_hold_read(struct client *c)
{
	c->flags |= CLIENT_PAUSED | CLIENT_WAITING;
	c->tp->read(c, 0);
}

/* The answer came: act on the kept input, now or after seconds. */
void
client_release_read(struct client *c, unsigned seconds)
{
	struct timeval tv = { seconds, 0 };

	c->flags &= ~CLIENT_WAITING;
	if (c->timer != NULL)
		return;
	if (seconds > 0) {
		c->timer = evtimer_new(server.base, client_resume_cb, c);
		evtimer_add(c->timer, &tv);
		return;
	}
	c->flags &= ~CLIENT_PAUSED;
	if (!(c->flags & CLIENT_CLOSING))
		client_enable_read(c);
}

/* Queue bytes, or drop a client whose unread output passed the cap. */
void
client_write(struct client *c, const void *buf, size_t len)
{
	if (c->flags & CLIENT_CLOSING)
		return;
	if (evbuffer_get_length(c->out) + len > server.cfg->output_limit) {
		client_drop(c, "output limit reached (client not reading)");
		return;
	}
	evbuffer_add(c->out, buf, len);
	server.stats.bytes_out += len;
	if (c->flags & (CLIENT_UNSENT | CLIENT_WRITING))
		return;
	c->flags |= CLIENT_UNSENT;
	if (TAILQ_EMPTY(&unsent))
		event_active(writer, EV_TIMEOUT, 0);
	TAILQ_INSERT_TAIL(&unsent, c, unsent);
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
		if (!(c->flags & (CLIENT_DEAD | CLIENT_DROP)))
			c->tp->send(c);
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

/* The prompt of the current state. */
void
client_prompt(struct client *c)
{
	ops->prompt(c);
}

/* The bell of a terminal (a plain client gets no control byte). */
void
client_bell(struct client *c)
{
	if (c->flags & CLIENT_TERMINAL)
		term_bell(c->term);
}

/* A server notice, wherever the user is. */
void
client_notice(struct client *c, const char *line)
{
	ops->notice(c, line);
}

/* The transport is ready: greet, with the name it brought if any. */
void
client_start(struct client *c, const char *name)
{
	ops->start(c, name);
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
	if (listener_may_log(&c->sa.sa))
		log_info("client %s is %s", client_addr(c), c->name);
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
	ops->interrupt(c);
}

/* The transport sent all output: a closing client may now go. */
void
client_drained(struct client *c)
{
	c->flags &= ~CLIENT_WRITING;
	if ((c->flags & (CLIENT_FLUSHING | CLIENT_LINGER | CLIENT_DEAD)) ==
	    CLIENT_FLUSHING)
		client_linger(c);
}

/* One chunk of input through the decoder: the bytes it used. */
static size_t
client_chunk(struct client *c, const uint8_t *buf, size_t len)
{
	size_t used;

	if (c->flags & CLIENT_CLOSING) {
		server.stats.bytes_in += len;
		return (len);
	}
	if (c->flags & CLIENT_PAUSED)
		return (0);
	c->active = server_now();
	/* A pause leaves the rest for when reading resumes. */
	used = proto_feed(c->proto, buf, len) != 0 ?
	    proto_consumed(c->proto) : len;
	server.stats.bytes_in += used;
	return (used);
}

/* Input arrived: decode it chunk by chunk without copying. */
void
client_decode(struct client *c, struct evbuffer *in)
{
	struct evbuffer_iovec v;
	size_t used;

	while (evbuffer_get_length(in) > 0) {
		evbuffer_peek(in, -1, NULL, &v, 1);
		used = client_chunk(c, v.iov_base, v.iov_len);
		evbuffer_drain(in, used);
		if (used < v.iov_len)
			break;
	}
	client_input_done(c);
}

/* Input read into the caller's buffer: what was not used stays there. */
size_t
client_feed(struct client *c, const uint8_t *buf, size_t len)
{
	size_t used;

	used = client_chunk(c, buf, len);
	client_input_done(c);
	return (used);
}

/* proto: a complete line; decoding stops if it paused or closed us. */
void
client_proto_line(void *arg, char *line, size_t len)
{
	struct client *c = arg;

	client_input_line(c, line, len);
	if (c->flags & (CLIENT_CLOSING | CLIENT_PAUSED))
		proto_stop(c->proto);
}

/* proto: a key typed on a raw terminal. */
void
client_proto_key(void *arg, uint8_t byte)
{
	struct client *c = arg;

	client_input_key(c, byte);
	if (c->flags & (CLIENT_CLOSING | CLIENT_PAUSED))
		proto_stop(c->proto);
}

/* proto: a line longer than LINE_MAX_BYTES was dropped. */
void
client_proto_overlong(void *arg)
{
	client_input_overlong(arg);
}

/* proto: Ctrl-C (IAC IP or 0x03). */
void
client_proto_interrupt(void *arg)
{
	client_input_interrupt(arg);
}

/* A line from the user, framed by the transport or the editor. */
void
client_input_line(struct client *c, char *line, size_t len)
{
	client_interrupt_done(c);
	if (!(c->flags & CLIENT_CLOSING))
		ops->line(c, line, len);
}

/* term: the editor finished a line. */
static void
client_on_line(void *arg, char *line, size_t len)
{
	client_input_line(arg, line, len);
}

/* A key typed on a raw terminal. */
void
client_input_key(struct client *c, uint8_t byte)
{
	if (!(c->flags & CLIENT_CLOSING))
		term_key(c->term, byte);
}

/* The end of a chunk of input. */
void
client_input_done(struct client *c)
{
	client_interrupt_done(c);
	term_flush(c->term);
}

/* A line longer than LINE_MAX_BYTES was dropped. */
void
client_input_overlong(struct client *c)
{
	char line[128];

	snprintf(line, sizeof line, MSG_LINE_TOO_LONG, LINE_MAX_BYTES);
	if (!(c->flags & CLIENT_CLOSING))
		ops->refuse(c, line);
}

/* Ctrl-C: acted on when the input chunk or a TIMING-MARK ends. */
void
client_input_interrupt(struct client *c)
{
	term_interrupt(c->term);
	c->flags |= CLIENT_INTERRUPT;
}

/* term: Ctrl-C typed in the editor. */
static void
client_on_term_interrupt(void *arg)
{
	client_input_interrupt(arg);
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
	struct client *c = arg;

	c->tp->prompted(c);
}

/* The terminal can edit (or stopped): the prompt is drawn again. */
void
client_set_editing(struct client *c, int on)
{
	int mode = term_mode(c->term);

	term_set_mode(c->term, on ? mode | TERM_EDIT : mode & ~TERM_EDIT);
	if (term_prompted(c->term))
		client_prompt(c);
}

/* The terminal's size; the chat view is redrawn once it settles. */
void
client_resize(struct client *c, unsigned cols, unsigned rows)
{
	struct timeval tv = { 0, RESIZE_DELAY_MS * 1000 };

	term_resize(c->term, cols, rows);
	if (c->state != CLIENT_CHATVIEW)
		return;
	/*
	 * The first size is drawn at once; a window being dragged sends many
	 * more, and those are drawn once, for the last, after a quiet spell.
	 */
	if (c->resize != NULL) {
		c->flags |= CLIENT_RESIZED;
		return;
	}
	ops->resize(c);
	c->resize = evtimer_new(server.base, client_resize_cb, c);
	evtimer_add(c->resize, &tv);
}

/* The quiet spell after a redraw is over: draw the last size if new. */
static void
client_resize_cb(evutil_socket_t fd, short what, void *arg)
{
	struct client *c = arg;

	(void)fd;
	(void)what;
	event_free(c->resize);
	c->resize = NULL;
	if (!(c->flags & CLIENT_RESIZED))
		return;
	c->flags &= ~CLIENT_RESIZED;
	if (c->state == CLIENT_CHATVIEW && !(c->flags & CLIENT_CLOSING))
		client_resize(c, term_cols_reported(c->term),
		    term_rows_reported(c->term));
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
	if (listener_may_log(&c->sa.sa))
		log_info("client %s%s%s closed: %s", client_addr(c),
		    c->name[0] ? " " : "", c->name, reason);
	c->tp->read(c, 0);
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
	ops->detach(c);
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
	if (evbuffer_get_length(c->out) == 0)
		client_linger(c);
}

/* Output sent: the transport ends the connection within a second. */
static void
client_linger(struct client *c)
{
	struct timeval tv = { 1, 0 };

	c->flags |= CLIENT_LINGER;
	evtimer_add(c->timer, &tv);
	c->tp->linger(c);
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
void
client_bury(struct client *c)
{
	if (c->flags & CLIENT_DEAD)
		return;
	c->flags |= CLIENT_DEAD;
	c->tp->read(c, 0);
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
	listener_release(&c->sa.sa);
	if (c->timer != NULL)
		event_free(c->timer);
	if (c->resize != NULL)
		event_free(c->resize);
	c->tp->free(c);
	proto_free(c->proto);
	term_free(c->term);
	free(c->fingerprint);
	free(c->pubkey);
	free(c->dm_notices);
	free(c);
}

/* The reaper runs once the current callbacks are done. */
void
client_init(const struct client_ops *client_ops)
{
	ops = client_ops;
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
	ops->gone();
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
