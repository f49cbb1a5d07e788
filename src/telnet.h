/*
 * Telnet option negotiation for one connection (RFC 854, RFC 1143's Q
 * method): which options are on, what that makes of the terminal, and a
 * budget against clients that negotiate without end.
 */
#ifndef TELNET_H
#define TELNET_H

struct client;
struct telnet;

/* Ask a new connection for its size and terminal type. */
struct telnet *telnet_start(struct client *c);
void	telnet_free(struct telnet *t);
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
