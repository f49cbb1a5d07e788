/* The SSH listener's transport: libssh sessions inside the event loop. */
#ifndef SSHD_H
#define SSHD_H

#include <sys/socket.h>

struct client;
struct config;

/* Load or create the host key and set up the server; -1 and cause if not. */
int		 sshd_init(const struct config *cfg, char **cause);
void		 sshd_free(void);
/* Whether another handshake may start (sshMaxStartups). */
int		 sshd_may_accept(void);
/* A new SSH connection on an accepted socket. */
struct client	*sshd_accept(int fd, const struct sockaddr *sa, socklen_t len);

#endif
