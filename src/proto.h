/* Telnet option handling and line framing of a client's input stream. */
#ifndef PROTO_H
#define PROTO_H

#include <stddef.h>
#include <stdint.h>

/* Telnet bytes the daemon speaks (RFC 854, 1073, 1091, 860). */
#define TELNET_IAC	255
#define TELNET_DONT	254
#define TELNET_DO	253
#define TELNET_WONT	252
#define TELNET_WILL	251
#define TELNET_SB	250
#define TELNET_IP	244
#define TELNET_GA	249
#define TELNET_SE	240
#define TELOPT_BINARY	0
#define TELOPT_ECHO	1
#define TELOPT_SGA	3
#define TELOPT_TM	6
#define TELOPT_TTYPE	24
#define TELOPT_NAWS	31
#define TTYPE_IS	0
#define TTYPE_SEND	1

/* What the decoder reports; the owner of the stream acts on it. */
struct proto_ops {
	/* A complete line, end-of-line stripped, NUL-terminated (may hold NULs). */
	void	(*line)(void *arg, char *line, size_t len);
	/* A line exceeded LINE_MAX_BYTES; its bytes up to the end of line are dropped. */
	void	(*overlong)(void *arg);
	/* Ctrl-C: IAC IP or a raw 0x03; the partial line was discarded. */
	void	(*interrupt)(void *arg);
	/* IAC WILL/WONT/DO/DONT opt. */
	void	(*option)(void *arg, int verb, int opt);
	/* IAC SB NAWS w h IAC SE; 0 means unknown. */
	void	(*naws)(void *arg, unsigned cols, unsigned rows);
	/* IAC SB TTYPE IS name IAC SE. */
	void	(*ttype)(void *arg, const char *name);
	/* In raw mode, each data byte instead of lines (CR LF, CR NUL: CR). */
	void	(*key)(void *arg, uint8_t byte);
};

struct proto;

struct proto	*proto_new(const struct proto_ops *ops, void *arg);
void		 proto_free(struct proto *p);
/* Feed raw bytes; calls ops as events complete. Returns 0, or -1 if a
   callback asked to stop (proto_stop) so the rest of the input is left. */
int		 proto_feed(struct proto *p, const uint8_t *in, size_t len);
/* Raw mode: data bytes go to ops->key unframed (a terminal's editor). */
void		 proto_set_raw(struct proto *p, int raw);
/* Without telnet (an SSH channel), IAC is a data byte like any other. */
void		 proto_set_telnet(struct proto *p, int telnet);
/* Called from a callback: stop decoding after the current event. */
void		 proto_stop(struct proto *p);
/* Bytes the last proto_feed() decoded (less than fed after a stop). */
size_t		 proto_consumed(const struct proto *p);
/* Bytes of a partial line held between feeds. */
size_t		 proto_pending(const struct proto *p);

#endif
