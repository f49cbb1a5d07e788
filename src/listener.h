/* The TCP listener: accept, connection limits, EMFILE backoff. */
#ifndef LISTENER_H
#define LISTENER_H

#include <sys/socket.h>

#include <stddef.h>

struct client;
struct config;

/* Bind cfg's host and port; writes the port to $CHATSOCK_PORT_FILE. */
int	listener_start(const struct config *cfg, char **cause);
void	listener_stop(void);
void	listener_free(void);
/* A client from sa went away: its slot in its address's count is free. */
void	listener_release(const struct sockaddr *sa);
/*
 * May a line about the connection from sa be logged? Past LOG_ADDR_LINES per
 * address in a window, no: the line is counted and summed up later.
 */
int	listener_may_log(const struct sockaddr *sa);
/* "ip" and "ip:port" of a peer address. */
void	listener_format_addr(const struct sockaddr *sa, socklen_t len,
	    char *ip, size_t iplen, char *addr, size_t addrlen);
/* The port actually bound. */
unsigned listener_port(void);

#endif
