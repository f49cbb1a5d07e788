/* A telnet user over TCP: the transport of the telnet listener. */
#ifndef TCP_H
#define TCP_H

#include <sys/socket.h>

struct client;

/* A new connection on an accepted socket; it is greeted at once. */
struct client	*tcp_accept(int fd, const struct sockaddr *sa, socklen_t len);

/* The socket of c if it is a telnet client, else -1. */
int		 tcp_fd(const struct client *c);

#endif
