/*
 * A telnet user over TCP: the bufferevent that owns the socket, the telnet
 * decoder that frames its input, and the graceful end of the connection.
 *
 * Output is written by client.c once per loop turn through tcp_send(): one
 * writev of everything queued, and a write event only for a socket that did
 * not take it all.
 */
#include <sys/socket.h>

#include <stdlib.h>
#include <string.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
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

static void	tcp_send(struct client *c);
static void	tcp_read(struct client *c, int on);
static void	tcp_linger(struct client *c);
static void	tcp_prompted(struct client *c);
static void	tcp_free(struct client *c);
static void	tcp_read_cb(struct bufferevent *bev, void *arg);
static void	tcp_write_cb(struct bufferevent *bev, void *arg);
static void	tcp_event_cb(struct bufferevent *bev, short what, void *arg);
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

/* Wrap an accepted socket, ask for telnet options and greet. */
struct client *
tcp_accept(int fd, const struct sockaddr *sa, socklen_t len)
{
	struct bufferevent *bev;
	struct client *c;

	bev = bufferevent_socket_new(server.base, fd, BEV_OPT_CLOSE_ON_FREE);
	if (bev == NULL)
		fatalx("bufferevent_socket_new failed");
	bufferevent_disable(bev, EV_WRITE);	/* tcp_send writes */
	c = client_new(&tcp_transport, fd, sa, len,
	    bufferevent_get_output(bev));
	c->bev = bev;
	bufferevent_setcb(bev, tcp_read_cb, tcp_write_cb, tcp_event_cb, c);
	c->proto = proto_new(&tcp_proto_ops, c);
	telnet_start(c);
	client_start(c, NULL);
	return (c);
}

/* Write what the socket takes now; a write event sends the rest. */
static void
tcp_send(struct client *c)
{
	struct evbuffer *out = bufferevent_get_output(c->bev);

	/* A bufferevent freezes the start of its output: only it drains. */
	evbuffer_unfreeze(out, 1);
	evbuffer_write(out, bufferevent_getfd(c->bev));
	evbuffer_freeze(out, 1);
	if (evbuffer_get_length(out) == 0) {
		client_drained(c);
		return;
	}
	/* Blocked or failed: the bufferevent retries or reports the error. */
	bufferevent_enable(c->bev, EV_WRITE);
}

/* Read the user's input, or leave it waiting in the socket. */
static void
tcp_read(struct client *c, int on)
{
	/* A pause keeps reading (tcp_read_cb keeps it) to see a hang-up. */
	if (!on && (c->flags & (CLIENT_PAUSED | CLIENT_CLOSING)) ==
	    CLIENT_PAUSED)
		return;
	if (!on) {
		bufferevent_disable(c->bev, EV_READ);
		return;
	}
	bufferevent_enable(c->bev, EV_READ);
	/* Input read before a pause is decoded now, not at the next byte. */
	if (evbuffer_get_length(bufferevent_get_input(c->bev)) > 0)
		tcp_read_cb(c->bev, c);
}

/*
 * Output sent: half-close and read until the peer's EOF, so that unread
 * input does not make the kernel answer with a reset that could destroy
 * our last lines before the peer reads them. client.c's timer ends it.
 */
static void
tcp_linger(struct client *c)
{
	shutdown(bufferevent_getfd(c->bev), SHUT_WR);
	bufferevent_enable(c->bev, EV_READ);
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
	bufferevent_free(c->bev);
	telnet_free(c->telnet);
}

/* Input arrived; while paused it waits, up to HELD_INPUT_MAX bytes. */
static void
tcp_read_cb(struct bufferevent *bev, void *arg)
{
	struct client *c = arg;
	struct evbuffer *in = bufferevent_get_input(bev);

	client_decode(c, in);
	if ((c->flags & (CLIENT_PAUSED | CLIENT_CLOSING)) == CLIENT_PAUSED &&
	    evbuffer_get_length(in) > HELD_INPUT_MAX)
		bufferevent_disable(bev, EV_READ);
}

/* The bufferevent sent the rest: writing goes back to tcp_send. */
static void
tcp_write_cb(struct bufferevent *bev, void *arg)
{
	bufferevent_disable(bev, EV_WRITE);
	client_drained(arg);
}

/* EOF or error from the socket. */
static void
tcp_event_cb(struct bufferevent *bev, short what, void *arg)
{
	struct client *c = arg;

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
