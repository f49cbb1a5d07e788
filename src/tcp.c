/*
 * A telnet user over TCP: the socket's events, the telnet decoder that
 * frames its input, and the graceful end of the connection.
 *
 * No bufferevent: a connection holds one read event and reads into the
 * stack, so an idle user costs a struct event rather than a bufferevent and
 * two evbuffers. Output is written by client.c once per loop turn through
 * tcp_send(): one writev of everything queued, and a write event (made on
 * first need) only for a socket that did not take it all.
 */
#include <sys/socket.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/event.h>
#include <event2/event_struct.h>	/* struct tcp_conn holds its event */
#include <event2/util.h>

#include "client.h"
#include "limits.h"
#include "log.h"
#include "messages.h"
#include "proto.h"
#include "server.h"
#include "tcp.h"
#include "telnet.h"
#include "term.h"
#include "xmalloc.h"

/* The socket of a telnet client. */
struct tcp_conn {
	struct event	 read;		/* input, EOF and errors */
	struct event	*write;		/* output the socket did not take */
	struct evbuffer	*held;		/* input read while paused */
	evutil_socket_t	 fd;
};

static void	tcp_send(struct client *c);
static void	tcp_read(struct client *c, int on);
static void	tcp_linger(struct client *c);
static void	tcp_prompted(struct client *c);
static void	tcp_free(struct client *c);
static void	tcp_read_cb(evutil_socket_t fd, short what, void *arg);
static void	tcp_write_cb(evutil_socket_t fd, short what, void *arg);
static void	tcp_input(struct client *c, const uint8_t *buf, size_t len);
static void	tcp_hold(struct client *c, const uint8_t *buf, size_t len);
static void	tcp_ended(struct client *c, int error);
static int	tcp_retriable(int error);
static void	tcp_on_option(void *arg, int verb, int opt);
static void	tcp_on_naws(void *arg, unsigned cols, unsigned rows);
static void	tcp_on_ttype(void *arg, const char *name);

static const struct client_transport tcp_transport = {
	.name = "telnet",
	.send = tcp_send,
	.read = tcp_read,
	.linger = tcp_linger,
	.prompted = tcp_prompted,
	.free = tcp_free,
};

static const struct proto_ops tcp_proto_ops = {
	.line = client_proto_line,
	.key = client_proto_key,
	.overlong = client_proto_overlong,
	.interrupt = client_proto_interrupt,
	.option = tcp_on_option,
	.naws = tcp_on_naws,
	.ttype = tcp_on_ttype,
};

/* Wrap an accepted (non-blocking) socket, ask for telnet options, greet. */
struct client *
tcp_accept(int fd, const struct sockaddr *sa, socklen_t len)
{
	struct tcp_conn *t;
	struct evbuffer *out;
	struct client *c;

	if ((out = evbuffer_new()) == NULL)
		fatalx("evbuffer_new failed");
	c = client_new(&tcp_transport, fd, sa, len, out);
	c->tcp = t = xcalloc(1, sizeof *t);
	t->fd = fd;
	event_assign(&t->read, server.base, fd, EV_READ | EV_PERSIST,
	    tcp_read_cb, c);
	event_add(&t->read, NULL);
	c->proto = proto_new(&tcp_proto_ops, c);
	telnet_start(c);
	client_start(c, NULL);
	return (c);
}

/* c's socket, if c is ours. */
int
tcp_fd(const struct client *c)
{
	return (c->tp == &tcp_transport ? c->tcp->fd : -1);
}

/*
 * Write what the socket takes now; a write event sends the rest. A failed
 * write is reported from that event too, never from inside the writer.
 */
static void
tcp_send(struct client *c)
{
	struct tcp_conn *t = c->tcp;

	c->flags &= ~CLIENT_WRITING;
	if (evbuffer_write(c->out, t->fd) >= 0 &&
	    evbuffer_get_length(c->out) == 0) {
		if (t->write != NULL)
			event_del(t->write);
		client_drained(c);
		return;
	}
	if (t->write == NULL)
		t->write = event_new(server.base, t->fd, EV_WRITE | EV_PERSIST,
		    tcp_write_cb, c);
	event_add(t->write, NULL);
	c->flags |= CLIENT_WRITING;
}

/* The socket takes more, or has failed. */
static void
tcp_write_cb(evutil_socket_t fd, short what, void *arg)
{
	struct client *c = arg;
	int error;

	(void)what;
	if (evbuffer_write(c->out, fd) < 0 &&
	    !tcp_retriable(error = errno)) {
		event_del(c->tcp->write);
		tcp_ended(c, error);
		return;
	}
	if (evbuffer_get_length(c->out) == 0) {
		event_del(c->tcp->write);
		client_drained(c);
	}
}

/* Read the user's input, or leave it waiting in the socket. */
static void
tcp_read(struct client *c, int on)
{
	struct tcp_conn *t = c->tcp;

	/* A pause keeps reading (into t->held) to see a hang-up. */
	if (!on && (c->flags & (CLIENT_PAUSED | CLIENT_CLOSING)) ==
	    CLIENT_PAUSED)
		return;
	if (!on) {
		event_del(&t->read);
		return;
	}
	event_add(&t->read, NULL);
	/* Input read during a pause is decoded now, not at the next byte. */
	if (t->held != NULL) {
		client_decode(c, t->held);
		if (evbuffer_get_length(t->held) == 0) {
			evbuffer_free(t->held);
			t->held = NULL;
		}
	}
}

/* Input, EOF or an error on the socket. */
static void
tcp_read_cb(evutil_socket_t fd, short what, void *arg)
{
	struct client *c = arg;
	uint8_t buf[TCP_READ_MAX];
	ssize_t n;

	(void)what;
	n = recv(fd, buf, sizeof buf, 0);
	if (n > 0)
		tcp_input(c, buf, (size_t)n);
	else if (n == 0)
		tcp_ended(c, 0);
	else if (!tcp_retriable(errno))
		tcp_ended(c, errno);
}

/* Decode what arrived; what a pause leaves is held for later. */
static void
tcp_input(struct client *c, const uint8_t *buf, size_t len)
{
	size_t used;

	/* (Closing, client_feed() drops it all: lingering reads to EOF.) */
	if (c->tcp->held != NULL && !(c->flags & CLIENT_CLOSING)) {
		tcp_hold(c, buf, len);
		return;
	}
	used = client_feed(c, buf, len);
	if (used < len && (c->flags & (CLIENT_PAUSED | CLIENT_CLOSING)) ==
	    CLIENT_PAUSED)
		tcp_hold(c, buf + used, len - used);
}

/* Keep input for after a pause, up to HELD_INPUT_MAX bytes. */
static void
tcp_hold(struct client *c, const uint8_t *buf, size_t len)
{
	struct tcp_conn *t = c->tcp;

	if (t->held == NULL && (t->held = evbuffer_new()) == NULL)
		fatalx("evbuffer_new failed");
	evbuffer_add(t->held, buf, len);
	if (evbuffer_get_length(t->held) > HELD_INPUT_MAX)
		event_del(&t->read);
}

/* The peer closed (error 0) or the socket failed. */
static void
tcp_ended(struct client *c, int error)
{
	event_del(&c->tcp->read);
	if (c->flags & CLIENT_LINGER)
		client_bury(c);
	else if (error == 0)
		client_close(c, "connection closed by peer");
	else
		client_drop(c, evutil_socket_error_to_string(error));
}

/* A socket error that only means "not now". */
static int
tcp_retriable(int error)
{
	return (error == EAGAIN || error == EWOULDBLOCK || error == EINTR);
}

/*
 * Output sent: half-close and read until the peer's EOF, so that unread
 * input does not make the kernel answer with a reset that could destroy
 * our last lines before the peer reads them. client.c's timer ends it.
 */
static void
tcp_linger(struct client *c)
{
	shutdown(c->tcp->fd, SHUT_WR);
	event_add(&c->tcp->read, NULL);
}

/* A prompt waits: telnet's GA where the client wants one. */
static void
tcp_prompted(struct client *c)
{
	telnet_prompted(c);
}

/* Close the socket and free the negotiation state. */
static void
tcp_free(struct client *c)
{
	struct tcp_conn *t = c->tcp;

	event_del(&t->read);
	if (t->write != NULL)
		event_free(t->write);
	if (t->held != NULL)
		evbuffer_free(t->held);
	evbuffer_free(c->out);
	evutil_closesocket(t->fd);
	free(t);
	telnet_free(c->telnet);
}
/* proto: option negotiation. */
static void
tcp_on_option(void *arg, int verb, int opt)
{
	telnet_option(arg, verb, opt);
}

/* proto: the window size. */
static void
tcp_on_naws(void *arg, unsigned cols, unsigned rows)
{
	struct client *c = arg;

	if (telnet_charge(c))
		client_resize(c, cols, rows);
}

/* proto: the terminal type. */
static void
tcp_on_ttype(void *arg, const char *name)
{
	telnet_ttype(arg, name);
}
