/* Telnet option handling and line framing of a client's input stream. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "limits.h"
#include "proto.h"
#include "xmalloc.h"

/*
 * Memory: struct proto is small and fixed. A feed decodes into one static
 * scratch buffer of LINE_MAX_BYTES + 1 (a line plus its NUL); only a partial
 * line still pending at the end of a feed is copied to the heap, and that
 * copy is freed as soon as the next feed takes it back. A feed started from
 * inside a callback of another feed (the scratch buffer is in use) decodes
 * into a heap buffer of its own instead.
 *
 * Lifetime: the line pointer handed to ops->line is valid only during the
 * call. Never proto_free() or proto_feed() the same proto from one of its own
 * callbacks: call proto_stop() and act once proto_feed() has returned.
 */

/* Bytes of a subnegotiation kept; the excess of a longer one is dropped. */
#define PROTO_SB_MAX	64

/* Decoder states. */
enum proto_state {
	PROTO_DATA,
	PROTO_IAC,
	PROTO_OPT,
	PROTO_SB,
	PROTO_SB_IAC
};

/* Flags. */
#define PROTO_CR	0x1	/* after a CR: swallow one LF or NUL */
#define PROTO_DISCARD	0x2	/* an overlong line: drop to its end */
#define PROTO_STOP	0x4	/* a callback called proto_stop() */
#define PROTO_RAW	0x8	/* bytes to ops->key, no line framing */
#define PROTO_PLAIN	0x10	/* no telnet: IAC is data */

struct proto {
	const struct proto_ops	*ops;
	void			*arg;

	char			*pend;	/* partial line between feeds */
	uint16_t		 pend_len;
	size_t			 consumed;	/* by the last feed */

	uint8_t			 state;
	uint8_t			 flags;
	uint8_t			 verb;	/* WILL/WONT/DO/DONT seen */
	uint8_t			 sb_len;
	uint8_t			 sb[PROTO_SB_MAX];
};

/* Where one feed decodes the current line. */
struct proto_buf {
	char	*data;		/* LINE_MAX_BYTES + 1 bytes */
	size_t	 len;
};

static char	proto_scratch[LINE_MAX_BYTES + 1];
static int	proto_scratch_busy;

static void	proto_byte(struct proto *, struct proto_buf *, uint8_t);
static void	proto_data(struct proto *, struct proto_buf *, uint8_t);
static void	proto_command(struct proto *, struct proto_buf *, uint8_t);
static void	proto_sb_add(struct proto *, uint8_t);
static void	proto_sb_end(struct proto *);
static void	proto_interrupt(struct proto *, struct proto_buf *);
static void	proto_erase(struct proto_buf *);

/* Create a decoder reporting to ops with arg. */
struct proto *
proto_new(const struct proto_ops *ops, void *arg)
{
	struct proto	*p;

	p = xcalloc(1, sizeof *p);
	p->ops = ops;
	p->arg = arg;
	p->state = PROTO_DATA;
	return (p);
}

/* Free a decoder and any partial line it holds. */
void
proto_free(struct proto *p)
{
	if (p == NULL)
		return;
	free(p->pend);
	free(p);
}

/* Switch between line framing and raw keys; a partial line is dropped. */
void
proto_set_raw(struct proto *p, int raw)
{
	if (raw)
		p->flags |= PROTO_RAW;
	else
		p->flags &= ~PROTO_RAW;
	free(p->pend);
	p->pend = NULL;
	p->pend_len = 0;
}

/* Decode telnet commands (the default) or take every byte as data. */
void
proto_set_telnet(struct proto *p, int telnet)
{
	if (telnet)
		p->flags &= ~PROTO_PLAIN;
	else
		p->flags |= PROTO_PLAIN;
}

/* Ask the running proto_feed() to return -1 after the current event. */
void
proto_stop(struct proto *p)
{
	p->flags |= PROTO_STOP;
}

/* Bytes the last proto_feed() decoded before it returned. */
size_t
proto_consumed(const struct proto *p)
{
	return (p->consumed);
}

/* Bytes of the partial line held between feeds. */
size_t
proto_pending(const struct proto *p)
{
	return (p->pend_len);
}

/* Decode len bytes of input, calling the ops as events complete. */
int
proto_feed(struct proto *p, const uint8_t *in, size_t len)
{
	struct proto_buf	 b;
	int			 own;
	size_t			 i;

	own = !proto_scratch_busy;
	if (own) {
		proto_scratch_busy = 1;
		b.data = proto_scratch;
	} else
		b.data = xmalloc(LINE_MAX_BYTES + 1);

	/* Take back the partial line of the previous feed. */
	b.len = p->pend_len;
	if (p->pend != NULL) {
		memcpy(b.data, p->pend, b.len);
		free(p->pend);
		p->pend = NULL;
		p->pend_len = 0;
	}

	for (i = 0; i < len && (p->flags & PROTO_STOP) == 0; i++)
		proto_byte(p, &b, in[i]);

	/* Keep what is left of the current line for the next feed. */
	if (b.len != 0) {
		p->pend = xmalloc(b.len);
		memcpy(p->pend, b.data, b.len);
		p->pend_len = b.len;
	}

	if (own)
		proto_scratch_busy = 0;
	else
		free(b.data);

	p->consumed = i;
	if (p->flags & PROTO_STOP) {
		p->flags &= ~PROTO_STOP;
		return (-1);
	}
	return (0);
}

/* Advance the state machine by one input byte. */
static void
proto_byte(struct proto *p, struct proto_buf *b, uint8_t c)
{
	switch (p->state) {
	case PROTO_DATA:
		if (c == TELNET_IAC && !(p->flags & PROTO_PLAIN))
			p->state = PROTO_IAC;
		else
			proto_data(p, b, c);
		break;
	case PROTO_IAC:
		proto_command(p, b, c);
		break;
	case PROTO_OPT:
		p->state = PROTO_DATA;
		if (p->ops->option != NULL)
			p->ops->option(p->arg, p->verb, c);
		break;
	case PROTO_SB:
		if (c == TELNET_IAC)
			p->state = PROTO_SB_IAC;
		else
			proto_sb_add(p, c);
		break;
	case PROTO_SB_IAC:
		if (c == TELNET_SE) {
			p->state = PROTO_DATA;
			proto_sb_end(p);
		} else if (c == TELNET_IAC) {
			p->state = PROTO_SB;
			proto_sb_add(p, c);
		} else {
			/* Not a subnegotiation after all: abandon it. */
			proto_command(p, b, c);
		}
		break;
	}
}

/* Handle the byte after an IAC (outside a subnegotiation, or ending one). */
static void
proto_command(struct proto *p, struct proto_buf *b, uint8_t c)
{
	p->state = PROTO_DATA;
	switch (c) {
	case TELNET_IAC:
		proto_data(p, b, c);
		break;
	case TELNET_WILL:
	case TELNET_WONT:
	case TELNET_DO:
	case TELNET_DONT:
		p->verb = c;
		p->state = PROTO_OPT;
		break;
	case TELNET_SB:
		p->sb_len = 0;
		p->state = PROTO_SB;
		break;
	case TELNET_IP:
		proto_interrupt(p, b);
		break;
	default:
		/* NOP, GA, AYT, AO, EC, EL, BRK, DM, a stray SE: ignored. */
		break;
	}
}

/* Handle one data byte: line ends, Ctrl-C, or a byte of the line. */
static void
proto_data(struct proto *p, struct proto_buf *b, uint8_t c)
{
	size_t	n;

	if (p->flags & PROTO_CR) {
		p->flags &= ~PROTO_CR;
		if (c == '\n' || c == '\0')
			return;
	}

	if (c == 0x03) {
		proto_interrupt(p, b);
		return;
	}

	if (p->flags & PROTO_RAW) {
		if (c == '\r')
			p->flags |= PROTO_CR;
		if (p->ops->key != NULL)
			p->ops->key(p->arg, c);
		return;
	}

	if (c == '\n' || c == '\r') {
		if (c == '\r')
			p->flags |= PROTO_CR;
		if (p->flags & PROTO_DISCARD) {
			p->flags &= ~PROTO_DISCARD;
			return;
		}
		n = b->len;
		b->len = 0;
		b->data[n] = '\0';
		if (p->ops->line != NULL)
			p->ops->line(p->arg, b->data, n);
		return;
	}

	if (p->flags & PROTO_DISCARD)
		return;
	/* A client that edits nothing itself sends BS or DEL: apply them. */
	if (c == 0x08 || c == 0x7f) {
		proto_erase(b);
		return;
	}
	if (b->len == LINE_MAX_BYTES) {
		b->len = 0;
		p->flags |= PROTO_DISCARD;
		if (p->ops->overlong != NULL)
			p->ops->overlong(p->arg);
		return;
	}
	b->data[b->len++] = c;
}

/* Remove the last UTF-8 character of the partial line. */
static void
proto_erase(struct proto_buf *b)
{
	while (b->len > 0 && (b->data[b->len - 1] & 0xc0) == 0x80)
		b->len--;
	if (b->len > 0)
		b->len--;
}

/* Ctrl-C: drop the partial line and report it. */
static void
proto_interrupt(struct proto *p, struct proto_buf *b)
{
	b->len = 0;
	p->flags &= ~PROTO_DISCARD;
	if (p->ops->interrupt != NULL)
		p->ops->interrupt(p->arg);
}

/* Keep one subnegotiation byte if there is room. */
static void
proto_sb_add(struct proto *p, uint8_t c)
{
	if (p->sb_len < PROTO_SB_MAX)
		p->sb[p->sb_len++] = c;
}

/* A subnegotiation ended with IAC SE: report NAWS and TTYPE IS. */
static void
proto_sb_end(struct proto *p)
{
	char	name[PROTO_SB_MAX];
	size_t	i, n;

	if (p->sb_len == 5 && p->sb[0] == TELOPT_NAWS) {
		if (p->ops->naws != NULL)
			p->ops->naws(p->arg, (p->sb[1] << 8) | p->sb[2],
			    (p->sb[3] << 8) | p->sb[4]);
	} else if (p->sb_len >= 2 && p->sb[0] == TELOPT_TTYPE &&
	    p->sb[1] == TTYPE_IS) {
		n = 0;
		for (i = 2; i < p->sb_len; i++) {
			if (p->sb[i] >= 0x20 && p->sb[i] < 0x7f)
				name[n++] = p->sb[i];
		}
		name[n] = '\0';
		if (p->ops->ttype != NULL)
			p->ops->ttype(p->arg, name);
	}
	p->sb_len = 0;
}
