/* One connection: its transport, state, name, room, and bounded output. */
#ifndef CLIENT_H
#define CLIENT_H

#include <sys/queue.h>
#include <sys/socket.h>

#include <netinet/in.h>

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "limits.h"

struct account;
struct client;
struct event;
struct evbuffer;
struct proto;
struct room;
struct verify;
struct sshd_conn;
struct telnet;
struct term;

enum client_state {
	CLIENT_CONNECTING,	/* the connectionTimeout pause */
	CLIENT_NAMING,		/* waiting for a username */
	CLIENT_PALETTE,		/* at the command prompt */
	CLIENT_CHATVIEW,	/* every line is a message */
	CLIENT_QUITTING,	/* asked "really quit? (y/n)" */
	CLIENT_RELEASING,	/* asked "release your name? (y/n)" */
};

#define CLIENT_TERMINAL		0x01	/* a telnet terminal: gets a bell */
#define CLIENT_CLOSING		0x02	/* detached; freed once flushed */
#define CLIENT_DEAD		0x08	/* on the reaper's list */
#define CLIENT_LINGER		0x10	/* output sent; reading until EOF */
#define CLIENT_INTERRUPT	0x20	/* Ctrl-C seen, not yet acted on */
#define CLIENT_PAUSED		0x40	/* input ignored for a while */
#define CLIENT_RESIZED		0x80	/* a size came during the resize pause */
#define CLIENT_DROP		0x100	/* closing without flushing */
#define CLIENT_FLUSHING		0x200	/* detached, waiting for output to drain */
#define CLIENT_UNSENT		0x400	/* on the unsent list */
#define CLIENT_WRITING		0x800	/* the transport writes the rest */
#define CLIENT_WAITING		0x1000	/* paused until an answer comes */

/*
 * How a client's bytes travel (tcp.c: telnet over TCP; ssh.c: an SSH
 * channel). Input comes back through the client_input_*() functions.
 */
struct client_transport {
	const char	*name;
	/* Write c->out as far as the peer takes it now; set CLIENT_WRITING
	   and call client_drained() later if it did not take it all. */
	void		(*send)(struct client *c);
	/* Read the user's input (1) or leave it waiting (0). */
	void		(*read)(struct client *c, int on);
	/* Output sent: end the connection; client_bury() when it is over. */
	void		(*linger)(struct client *c);
	/* A prompt waits for input. */
	void		(*prompted)(struct client *c);
	/* Release the connection. */
	void		(*free)(struct client *c);
};

/* Who last told this user they want a DM, and when. */
struct client_dm_notice {
	char			 from[USERNAME_LIMIT_MAX + 1];
	time_t			 at;
};

struct client {
	TAILQ_ENTRY(client)	 entry;		/* server.clients */
	TAILQ_ENTRY(client)	 member;	/* room->members */
	TAILQ_ENTRY(client)	 dead;		/* the reaper's list */
	TAILQ_ENTRY(client)	 unsent;	/* output queued this turn */
	const struct client_transport *tp;
	struct evbuffer		*out;		/* output not yet sent */
	struct tcp_conn		*tcp;		/* telnet: the socket */
	struct proto		*proto;		/* input framing and telnet */
	struct sshd_conn	*ssh;		/* SSH: session and channel */
	char			*fingerprint;	/* SSH: "SHA256:..." of the key */
	char			*pubkey;	/* SSH: "TYPE BASE64" of the key */
	struct account		*account;	/* the registered name it holds */
	struct term		*term;		/* screen, size, line editor */
	struct event		*timer;		/* pause, name or close timeout */
	struct event		*resize;	/* a view redraw after NAWS */
	struct room		*room;		/* room or DM, NULL if none */
	uint64_t		 joined_seq;	/* room history seq at join */
	enum client_state	 state;
	int			 flags;
	struct telnet		*telnet;	/* option negotiation */
	double			 flood_tokens;
	double			 flood_stamp;
	unsigned		 flood_strikes;
	struct verify		*verify;	/* password check under way */
	struct client_dm_notice	*dm_notices;	/* DM_NOTICE_SENDERS, once rung */
	time_t			 connected;
	time_t			 active;
	char			 name[USERNAME_LIMIT_MAX + 1];
	union {				/* the peer, formatted when asked */
		struct sockaddr		sa;
		struct sockaddr_in	sin;
		struct sockaddr_in6	sin6;
	}			 sa;
};

/*
 * What the conversation does with a connection's events (session.c gives
 * this table to client_init): the only calls from here upward.
 */
struct client_ops {
	/* Greet; name is the one the transport brought (SSH), or NULL. */
	void	(*start)(struct client *c, const char *name);
	void	(*line)(struct client *c, char *line, size_t len);
	void	(*refuse)(struct client *c, const char *why);
	void	(*interrupt)(struct client *c);
	void	(*prompt)(struct client *c);
	void	(*notice)(struct client *c, const char *line);
	/* The terminal's size changed (the chat view redraws). */
	void	(*resize)(struct client *c);
	/* Closing: leave rooms and DMs, drop pending work. */
	void	(*detach)(struct client *c);
	/* A client was freed. */
	void	(*gone)(void);
};

/* A client on an accepted socket fd, for its transport to complete. */
struct client	*client_new(const struct client_transport *tp, int fd,
		    const struct sockaddr *sa, socklen_t len,
		    struct evbuffer *out);
/* Decode input through c->proto; the rest waits if it pauses or closes. */
void		 client_decode(struct client *c, struct evbuffer *in);
/* Decode len bytes of input; the count used (fewer after a pause). */
size_t		 client_feed(struct client *c, const uint8_t *buf, size_t len);
/* proto_ops members every transport shares (arg is the client). */
void		 client_proto_line(void *arg, char *line, size_t len);
void		 client_proto_key(void *arg, uint8_t byte);
void		 client_proto_overlong(void *arg);
void		 client_proto_interrupt(void *arg);
/* What a transport reports. */
void		 client_input_line(struct client *c, char *line, size_t len);
void		 client_input_key(struct client *c, uint8_t byte);
void		 client_input_overlong(struct client *c);
void		 client_input_interrupt(struct client *c);
void		 client_input_done(struct client *c);
void		 client_resize(struct client *c, unsigned cols, unsigned rows);
void		 client_drained(struct client *c);
void		 client_bury(struct client *c);
/* "ip:port" or "[ip]:port", in a buffer the next call reuses. */
const char	*client_addr(const struct client *c);
/* The peer's IP address as text, in a buffer the next call reuses. */
const char	*client_ip(const struct client *c);
void		 client_enable_read(struct client *c);
/* Ignore the user's input for a while (password guessing). */
void		 client_pause_read(struct client *c, unsigned seconds);
/* Hold the input (kept) and the prompt until client_release_read. */
void		 client_hold_read(struct client *c);
/* Read again, at once or after seconds (kept input first). */
void		 client_release_read(struct client *c, unsigned seconds);
/* Queue bytes if the output cap allows; otherwise drop the client. */
void		 client_write(struct client *c, const void *buf, size_t len);
/* Write a line (CRLF added) in any state, re-showing a pending prompt. */
void		 client_line(struct client *c, const char *line);
void		 client_printf(struct client *c, const char *fmt, ...)
		    __attribute__((format(printf, 2, 3)));
/* Show the prompt of the current state. */
void		 client_prompt(struct client *c);
/* A notice from the server: into the view, or a line in the palette. */
void		 client_notice(struct client *c, const char *line);
/* Ring the bell of a telnet terminal or an SSH pty; nothing for others. */
void		 client_bell(struct client *c);
/* The terminal is restored, text said on its own line, then closed. */
void		 client_farewell(struct client *c, const char *text,
		    const char *reason);
/* Character mode on or off: the server echoes and edits, or the client. */
void		 client_set_editing(struct client *c, int on);
/* Act on a Ctrl-C once the client's DO TIMING-MARK is answered. */
void		 client_interrupt_done(struct client *c);
/* Close after the queued output is sent; reason is logged. */
void		 client_close(struct client *c, const char *reason);
/* Close now, dropping queued output. */
void		 client_drop(struct client *c, const char *reason);
struct client	*client_find(const char *name);
/* Take a name that is valid and free. */
void		 client_set_name(struct client *c, const char *name);
void		 client_init(const struct client_ops *ops);
/* The transport is ready: the conversation starts. */
void		 client_start(struct client *c, const char *name);
void		 client_reap(void);
void		 client_free_all(void);

#endif
