/* What a user's lines mean in each state: naming, palette, view, quitting. */
#ifndef SESSION_H
#define SESSION_H

#include <stddef.h>

struct client;
struct client_ops;

/* The conversation's side of a connection, for client_init(). */
extern const struct client_ops session_client_ops;

/* A new connection: the connecting pause, then the welcome. */
void	session_start(struct client *c);
/* A connection that brings its name (SSH): the welcome, then that name. */
void	session_start_named(struct client *c, const char *name);
/* One decoded line from the user. */
void	session_line(struct client *c, char *line, size_t len);
/* An input error: tell the user and prompt again. */
void	session_refuse(struct client *c, const char *why);
/* Ctrl-C: drop the partial line; leave the view. */
void	session_interrupt(struct client *c);
/* Back to the palette from the view or the quit question. */
void	session_palette(struct client *c);
/* The same, saying why after leaving the view (NULL: no reason). */
void	session_palette_why(struct client *c, const char *why);

#endif
