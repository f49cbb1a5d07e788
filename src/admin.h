/* The operators' UNIX socket: one JSON request and one reply per line. */
#ifndef ADMIN_H
#define ADMIN_H

struct config;

/* Create the socket (replacing a stale one; refusing a live one). */
int	admin_start(const struct config *cfg, char **cause);
/* Stop accepting and remove the socket file. */
void	admin_stop(void);
void	admin_free(void);

#endif
