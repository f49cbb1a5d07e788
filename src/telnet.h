/*
 * Telnet option negotiation for one connection (RFC 854, RFC 1143's Q
 * method): which options are on, what that makes of the terminal, and a
 * budget against clients that negotiate without end.
 */
#ifndef TELNET_H
#define TELNET_H

#include <stdint.h>

struct client;

/* Per-connection negotiation state. */
struct telnet {
	uint8_t		 q[5];		/* us and him state of each option */
	uint8_t		 flags;
	float		 tokens;	/* negotiation budget */
	double		 stamp;
};

/* Ask a new connection for its size and terminal type. */
void	telnet_start(struct client *c);
/* IAC WILL/WONT/DO/DONT opt from the client. */
void	telnet_option(struct client *c, int verb, int opt);
/* IAC SB TTYPE IS name IAC SE. */
void	telnet_ttype(struct client *c, const char *name);
/* A subnegotiation or other command: charge the budget; 0 if over it. */
int	telnet_charge(struct client *c);
/* A prompt waits: a client without SUPPRESS-GO-AHEAD gets IAC GA. */
void	telnet_prompted(struct client *c);
/* Whether the terminal type names a MUD client. */
int	telnet_is_mud(const char *ttype);

#endif
