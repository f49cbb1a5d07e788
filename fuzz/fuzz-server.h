/* For the fuzzers: the real server in-process, with socketpair clients. */
#ifndef FUZZ_SERVER_H
#define FUZZ_SERVER_H

#include <stddef.h>

struct client;

/* Our end of one connection; the daemon holds the other. */
struct fuzz_conn {
	int	fd;		/* ours, -1 if not connected */
	int	peer;		/* the daemon's descriptor number */
};

/* Start the server once: port 0, admin socket in a private temp dir. */
void		 fuzz_server_init(void);
/* A new connection handed to tcp_accept(), as an accept would. */
void		 fuzz_connect(struct fuzz_conn *fc);
/* The daemon's client for fc, NULL once it is freed. */
struct client	*fuzz_client(const struct fuzz_conn *fc);
/* Send bytes to the daemon (pumping the loop if the socket is full). */
void		 fuzz_send(struct fuzz_conn *fc, const void *buf, size_t len);
/* Run the loop a bounded number of times, reading and discarding output. */
void		 fuzz_pump(struct fuzz_conn *fcs, size_t n, int rounds);
/* Fire the client's pending timer now (pauses, timeouts, flushing). */
void		 fuzz_fire_timer(struct fuzz_conn *fc);
/* Hang up and make sure the daemon frees the client; aborts if it does not. */
void		 fuzz_disconnect(struct fuzz_conn *fcs, size_t n);

#endif
