/*
 * What a telnet client is, learned from its answers. At connect the server
 * asks DO NAWS and DO TTYPE; any answer proves a telnet client, and NAWS or
 * TTYPE agreed makes it a screen. Once its terminal type is known (or
 * refused) a screen is offered character mode (WILL ECHO, SGA both ways)
 * and TRANSMIT-BINARY both ways, without which Debian's telnet turns UTF-8
 * bytes into telnet commands. A client that agrees to ECHO is edited by
 * the server; one that refuses keeps its own line editing. A MUD client,
 * named by its terminal type, is offered nothing: it gets plain lines and
 * IAC GA after each prompt.
 *
 * Each option's state follows RFC 1143 so that only changes are answered,
 * and every command a client sends is charged to a token bucket: a client
 * that negotiates without end is disconnected instead of being answered.
 */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <event2/event.h>

#include "client.h"
#include "limits.h"
#include "log.h"
#include "messages.h"
#include "proto.h"
#include "server.h"
#include "telnet.h"
#include "term.h"
#include "xmalloc.h"

/* RFC 1143 states, two bits for us and two for him. */
#define Q_NO		0
#define Q_YES		1
#define Q_WANTNO	2
#define Q_WANTYES	3

/* Per-connection negotiation state. */
struct telnet {
	uint8_t		 q[5];		/* us and him state of each option */
	uint8_t		 flags;
	float		 tokens;	/* negotiation budget */
	double		 stamp;
};

/* Flags. */
#define TELNET_PROVEN	0x01	/* answered negotiation: not nc */
#define TELNET_DECIDED	0x02	/* terminal type known or refused */
#define TELNET_MUD	0x04
#define TELNET_SENT_TT	0x08	/* SB TTYPE SEND sent */

/* The options the server knows, and which side of each it accepts. */
static const struct telnet_opt {
	uint8_t	opt;
	uint8_t	us;		/* we may do it */
	uint8_t	him;		/* the client may do it */
} telnet_opts[] = {
	{ TELOPT_BINARY, 1, 1 },
	{ TELOPT_ECHO, 1, 0 },
	{ TELOPT_SGA, 1, 1 },
	{ TELOPT_TTYPE, 0, 1 },
	{ TELOPT_NAWS, 0, 1 },
};
#define TELNET_NOPTS	(sizeof telnet_opts / sizeof telnet_opts[0])

/* Terminal types of MUD clients, matched as prefixes, any case. */
static const char *const telnet_muds[] = {
	"tintin", "tinyfugue", "tf-", "mudlet", "mushclient", "zmud", "cmud",
	"kbtin", "potato", "atlantis", "beip", "blowtorch", "mudmaster",
	"axmud", "gnome-mud", "kildclient", "portal", "simplemu", "lyntin",
	"powwow", "mudrammer", "fmud", "gmud", "mudportal", "pueblo",
	"mudjs", "mm2k", "tinymud",
};

static int	telnet_index(int opt);
static int	telnet_us(const struct client *, int);
static int	telnet_him(const struct client *, int);
static void	telnet_set(struct client *, int, int, int);
static void	telnet_send(struct client *, int, int);
static void	telnet_ask(struct client *, int, int);
static void	telnet_will(struct client *, int, int);
static void	telnet_do(struct client *, int, int);
static void	telnet_answer(struct client *, int, int, int, int);
static void	telnet_changed(struct client *, int, int, int);
static void	telnet_offer(struct client *);
static void	telnet_terminal(struct client *);

/* Ask for the window size and the terminal type. */
struct telnet *
telnet_start(struct client *c)
{
	c->telnet = xcalloc(1, sizeof *c->telnet);
	c->telnet->tokens = NEGOTIATION_BURST;
	c->telnet->stamp = (double)server_now();
	telnet_ask(c, TELNET_DO, TELOPT_NAWS);
	telnet_ask(c, TELNET_DO, TELOPT_TTYPE);
	return (c->telnet);
}

/* Free a connection's negotiation state. */
void
telnet_free(struct telnet *t)
{
	free(t);
}

/* The index of opt in telnet_opts, or -1. */
static int
telnet_index(int opt)
{
	size_t i;

	for (i = 0; i < TELNET_NOPTS; i++) {
		if (telnet_opts[i].opt == opt)
			return ((int)i);
	}
	return (-1);
}

/* Our side of opt. */
static int
telnet_us(const struct client *c, int i)
{
	return (i < 0 ? Q_NO : c->telnet->q[i] & 3);
}

/* The client's side of opt. */
static int
telnet_him(const struct client *c, int i)
{
	return (i < 0 ? Q_NO : (c->telnet->q[i] >> 2) & 3);
}

/* Set one side (us when him is 0) of option index i. */
static void
telnet_set(struct client *c, int i, int him, int state)
{
	if (him)
		c->telnet->q[i] = (c->telnet->q[i] & 3) | state << 2;
	else
		c->telnet->q[i] = (c->telnet->q[i] & 0xc) | state;
}

/* Send IAC verb opt. */
static void
telnet_send(struct client *c, int verb, int opt)
{
	uint8_t cmd[3] = { TELNET_IAC, (uint8_t)verb, (uint8_t)opt };

	client_write(c, cmd, sizeof cmd);
}

/* Ask to enable an option on our side (WILL) or the client's (DO). */
static void
telnet_ask(struct client *c, int verb, int opt)
{
	int i = telnet_index(opt), him = verb == TELNET_DO;

	if ((him ? telnet_him(c, i) : telnet_us(c, i)) != Q_NO)
		return;
	telnet_set(c, i, him, Q_WANTYES);
	telnet_send(c, verb, opt);
}

/* Charge one negotiation command; over the budget the client goes. */
int
telnet_charge(struct client *c)
{
	double now = (double)server_now();
	float *tokens = &c->telnet->tokens;

	*tokens += (float)((now - c->telnet->stamp) * NEGOTIATION_RATE);
	if (*tokens > NEGOTIATION_BURST)
		*tokens = NEGOTIATION_BURST;
	c->telnet->stamp = now;
	if (*tokens >= 1) {
		*tokens -= 1;
		return (1);
	}
	if (!(c->flags & CLIENT_CLOSING)) {
		client_farewell(c, MSG_NEGOTIATION_FLOOD,
		    "telnet negotiation flood");
	}
	return (0);
}

/* IAC verb opt from the client. */
void
telnet_option(struct client *c, int verb, int opt)
{
	if (!telnet_charge(c))
		return;
	c->telnet->flags |= TELNET_PROVEN;
	switch (verb) {
	case TELNET_DO:
	case TELNET_DONT:
		telnet_will(c, verb == TELNET_DO, opt);
		break;
	case TELNET_WILL:
	case TELNET_WONT:
		telnet_do(c, verb == TELNET_WILL, opt);
		break;
	}
}

/* DO (on) or DONT opt: our side of it. */
static void
telnet_will(struct client *c, int on, int opt)
{
	int i = telnet_index(opt), ok;

	if (opt == TELOPT_TM) {
		/* WILL TIMING-MARK unfreezes a client after its Ctrl-C. */
		if (on) {
			telnet_send(c, TELNET_WILL, TELOPT_TM);
			client_interrupt_done(c);
		}
		return;
	}
	ok = i >= 0 && telnet_opts[i].us &&
	    (opt != TELOPT_ECHO || !(c->telnet->flags & TELNET_MUD));
	telnet_answer(c, 0, on, opt, ok);
}

/* WILL (on) or WONT opt: the client's side of it. */
static void
telnet_do(struct client *c, int on, int opt)
{
	int i = telnet_index(opt);

	telnet_answer(c, 1, on, opt, i >= 0 && telnet_opts[i].him);
}

/*
 * RFC 1143 for one side (him: the client's) of opt, asked on or off; ok
 * says whether we agree to it being on. Only a change is answered.
 */
static void
telnet_answer(struct client *c, int him, int on, int opt, int ok)
{
	int i = telnet_index(opt);
	int state = him ? telnet_him(c, i) : telnet_us(c, i);
	int yes = him ? TELNET_DO : TELNET_WILL;
	int no = him ? TELNET_DONT : TELNET_WONT;

	if (on && state == Q_NO) {
		if (!ok) {
			telnet_send(c, no, opt);
			return;
		}
		telnet_send(c, yes, opt);
		state = Q_YES;
	} else if (on && state == Q_WANTYES)
		state = Q_YES;
	else if (!on && state == Q_YES) {
		telnet_send(c, no, opt);
		state = Q_NO;
	} else if (!on && state != Q_NO)
		state = Q_NO;
	else
		return;
	telnet_set(c, i, him, state);
	telnet_changed(c, opt, him, state == Q_YES);
}

/* An option went on or off: what it means for the terminal. */
static void
telnet_changed(struct client *c, int opt, int him, int on)
{
	static const uint8_t ttype_send[] = { TELNET_IAC, TELNET_SB,
	    TELOPT_TTYPE, TTYPE_SEND, TELNET_IAC, TELNET_SE };

	if (him && (opt == TELOPT_NAWS || opt == TELOPT_TTYPE) && on)
		telnet_terminal(c);
	if (him && opt == TELOPT_TTYPE) {
		if (on && !(c->telnet->flags & TELNET_SENT_TT)) {
			c->telnet->flags |= TELNET_SENT_TT;
			client_write(c, ttype_send, sizeof ttype_send);
		} else if (!on)
			telnet_offer(c);
	}
	if (!him && opt == TELOPT_ECHO) {
		proto_set_raw(c->proto, on);
		client_set_editing(c, on);
	}
}

/* NAWS or TTYPE agreed: the client has a screen. */
static void
telnet_terminal(struct client *c)
{
	if ((c->flags & CLIENT_TERMINAL) || (c->telnet->flags & TELNET_MUD))
		return;
	c->flags |= CLIENT_TERMINAL;
	term_set_mode(c->term, term_mode(c->term) | TERM_SCREEN);
}

/* The terminal type: a MUD client, or a terminal to offer editing. */
void
telnet_ttype(struct client *c, const char *name)
{
	if (!telnet_charge(c))
		return;
	c->telnet->flags |= TELNET_PROVEN;
	if (c->telnet->flags & TELNET_DECIDED)
		return;
	if (telnet_is_mud(name)) {
		c->flags |= CLIENT_TERMINAL;
		c->telnet->flags |= TELNET_MUD | TELNET_DECIDED;
		term_set_mode(c->term, 0);
		log_debug("client %s is a MUD client (%s)", client_addr(c),
		    name);
		return;
	}
	telnet_terminal(c);
	telnet_offer(c);
}

/* Offer character mode and 8-bit data, once. */
static void
telnet_offer(struct client *c)
{
	if (c->telnet->flags & (TELNET_DECIDED | TELNET_MUD))
		return;
	c->telnet->flags |= TELNET_DECIDED;
	if (c->flags & CLIENT_TERMINAL) {
		telnet_ask(c, TELNET_WILL, TELOPT_ECHO);
		telnet_ask(c, TELNET_WILL, TELOPT_SGA);
		telnet_ask(c, TELNET_DO, TELOPT_SGA);
	}
	telnet_ask(c, TELNET_WILL, TELOPT_BINARY);
	telnet_ask(c, TELNET_DO, TELOPT_BINARY);
}

/* A prompt waits: without SUPPRESS-GO-AHEAD, say so with IAC GA. */
void
telnet_prompted(struct client *c)
{
	static const uint8_t ga[] = { TELNET_IAC, TELNET_GA };

	if (!(c->telnet->flags & TELNET_PROVEN) ||
	    telnet_us(c, telnet_index(TELOPT_SGA)) == Q_YES)
		return;
	client_write(c, ga, sizeof ga);
}

/* Whether a terminal type names a MUD client. */
int
telnet_is_mud(const char *ttype)
{
	size_t i;

	for (i = 0; i < sizeof telnet_muds / sizeof telnet_muds[0]; i++) {
		if (strncasecmp(ttype, telnet_muds[i],
		    strlen(telnet_muds[i])) == 0)
			return (1);
	}
	return (0);
}
