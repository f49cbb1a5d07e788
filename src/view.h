/* The chat view: plain lines, or a split screen for telnet terminals. */
#ifndef VIEW_H
#define VIEW_H

#include <stddef.h>

struct client;

void	view_enter(struct client *c);
/* Leave the view; why, if not NULL, is shown before saying so. */
void	view_leave(struct client *c, const char *why);
/* One line into c's view: O(1) bytes in either rendering. */
void	view_line(struct client *c, const char *line, size_t len);
/* view_line() for a line followed by CRLF in memory: one write if plain. */
void	view_say(struct client *c, const char *line, size_t len);
/* The user finished typing a line: redraw the input row. */
void	view_input_done(struct client *c);
/* The terminal changed size while in the view. */
void	view_resize(struct client *c);

#endif
