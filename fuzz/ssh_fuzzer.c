/*
 * libFuzzer harness for what an SSH channel hands the daemon: channel data
 * (with a pty: keys into the line editor, raw and without telnet; without:
 * line framing) interleaved with window-change sizes, through the real
 * client, terminal, editor and session code of fuzz-server.c's in-process
 * server. Each user has a small test transport standing in for sshd.c's:
 * it drains c->out when the daemon sends, and the connection set-up and the
 * callbacks are those of sshd.c (sshd_started, sshd_window, sshd_data).
 *
 * A second user, bob, sits in the room's chat view without a pty. What he
 * receives must be text lines only: no escape, no control character but
 * CR LF, and a bell only where the daemon rings it, at a line's start.
 * FUZZ_SSH_DUMP in the environment prints what bob receives.
 *
 * Input: byte 0 picks the set-up (bit 0: alice has a pty; bit 1: she starts
 * in #general's chat view); with a pty, bytes 1-4 are the pty-req's columns
 * and rows (16 bits each). Then records, by the low two bits of their first
 * byte (b):
 *   0  channel data: the next (b >> 2) + 1 bytes
 *   1  window-change: columns and rows, 32 bits each as libssh reads them
 *   2  time passes: alice's pending timers fire (resize, pause, name)
 *   3  bob says the next (b >> 2) + 1 bytes as a line (DMs, mentions)
 */
#include <sys/socket.h>

#include <netinet/in.h>
#include <arpa/inet.h>

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/buffer.h>
#include <event2/event.h>

#include "client.h"
#include "fuzz-server.h"
#include "limits.h"
#include "proto.h"
#include "server.h"
#include "term.h"

int	LLVMFuzzerInitialize(int *argc, char ***argv);
int	LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* One SSH user's connection as sshd.c keeps it. */
struct fuzz_ssh {
	struct client	*c;
	struct evbuffer	*in;		/* channel data not decoded */
	int		 noread;	/* input paused */
	int		 check;		/* output is checked (bob) */
	int		 bol;		/* the output is at a line's start */
};

static void	fuzz_ssh_send(struct client *c);
static void	fuzz_ssh_read(struct client *c, int on);
static void	fuzz_ssh_linger(struct client *c);
static void	fuzz_ssh_prompted(struct client *c);
static void	fuzz_ssh_free(struct client *c);
static void	fuzz_on_line(void *arg, char *line, size_t len);
static void	fuzz_on_key(void *arg, uint8_t byte);
static void	fuzz_on_overlong(void *arg);
static void	fuzz_on_interrupt(void *arg);
static struct fuzz_ssh *fuzz_ssh_of(struct client *c);
static void	fuzz_check(struct fuzz_ssh *u, const uint8_t *p, size_t len);
static void	fuzz_user(struct fuzz_ssh *u, const char *name, int pty,
		    unsigned cols, unsigned rows);
static void	fuzz_data(struct fuzz_ssh *u, const void *buf, size_t len);
static void	fuzz_decode(struct fuzz_ssh *u);
static void	ssh_pump(int rounds);

static const struct client_transport fuzz_ssh_transport = {
	.name = "ssh",
	.send = fuzz_ssh_send,
	.read = fuzz_ssh_read,
	.linger = fuzz_ssh_linger,
	.prompted = fuzz_ssh_prompted,
	.free = fuzz_ssh_free,
};

static const struct proto_ops fuzz_proto_ops = {
	.line = fuzz_on_line,
	.key = fuzz_on_key,
	.overlong = fuzz_on_overlong,
	.interrupt = fuzz_on_interrupt,
};

static struct fuzz_ssh	alice, bob;

/* Which of the two users a client is. */
static struct fuzz_ssh *
fuzz_ssh_of(struct client *c)
{
	if (alice.c == c)
		return (&alice);
	if (bob.c == c)
		return (&bob);
	abort();
}

/* The daemon sends: bob's bytes are checked, alice's only drained. */
static void
fuzz_ssh_send(struct client *c)
{
	struct fuzz_ssh *u = fuzz_ssh_of(c);
	size_t len = evbuffer_get_length(c->out);

	if (u->check)
		fuzz_check(u, evbuffer_pullup(c->out, len), len);
	evbuffer_drain(c->out, len);
	client_drained(c);
}

/*
 * Text lines only: printable bytes and UTF-8 but no C1 control, lines ended
 * by CR LF, a bell only as the first byte of a line (a DM request).
 */
static void
fuzz_check(struct fuzz_ssh *u, const uint8_t *p, size_t len)
{
	static int dump = -1;
	size_t i;

	if (dump == -1)
		dump = getenv("FUZZ_SSH_DUMP") != NULL;
	if (dump)
		fwrite(p, 1, len, stdout);
	for (i = 0; i < len; i++) {
		if (p[i] == '\r' && i + 1 < len && p[i + 1] == '\n') {
			i++;
			u->bol = 1;
			continue;
		}
		if (p[i] == '\a' && u->bol) {
			u->bol = 0;
			continue;
		}
		u->bol = 0;
		if (p[i] < 0x20 || p[i] == 0x7f) {
			fprintf(stdout, "fuzz: control byte 0x%02x to bob at "
			    "%zu: %.*s\n", p[i], i, (int)len, (const char *)p);
			abort();
		}
		if (p[i] == 0xc2 && i + 1 < len && p[i + 1] >= 0x80 &&
		    p[i + 1] <= 0x9f) {
			fprintf(stdout, "fuzz: C1 control to bob\n");
			abort();
		}
	}
}

/* Decode the input, or keep it for when reading resumes. */
static void
fuzz_ssh_read(struct client *c, int on)
{
	fuzz_ssh_of(c)->noread = !on;
}

/* Output sent: the client's channel close comes at once. */
static void
fuzz_ssh_linger(struct client *c)
{
	client_bury(c);
}

/* SSH needs no go-ahead. */
static void
fuzz_ssh_prompted(struct client *c)
{
	(void)c;
}

/* Release the connection. */
static void
fuzz_ssh_free(struct client *c)
{
	struct fuzz_ssh *u = fuzz_ssh_of(c);

	evbuffer_free(u->in);
	evbuffer_free(c->out);
	u->in = NULL;
	u->c = NULL;
}

/* proto: a line (no pty), as sshd_on_line. */
static void
fuzz_on_line(void *arg, char *line, size_t len)
{
	struct client *c = arg;

	client_input_line(c, line, len);
	if (c->flags & (CLIENT_CLOSING | CLIENT_PAUSED))
		proto_stop(c->proto);
}

/* proto: a key (pty), as sshd_on_key. */
static void
fuzz_on_key(void *arg, uint8_t byte)
{
	struct client *c = arg;

	client_input_key(c, byte);
	if (c->flags & (CLIENT_CLOSING | CLIENT_PAUSED))
		proto_stop(c->proto);
}

/* proto: an overlong line. */
static void
fuzz_on_overlong(void *arg)
{
	client_input_overlong(arg);
}

/* proto: Ctrl-C. */
static void
fuzz_on_interrupt(void *arg)
{
	client_input_interrupt(arg);
}

/* Accept, authenticate and start the shell, as sshd_accept and sshd_started. */
static void
fuzz_user(struct fuzz_ssh *u, const char *name, int pty, unsigned cols,
    unsigned rows)
{
	static unsigned short port = 40000;
	struct sockaddr_in sin;
	struct client *c;

	memset(&sin, 0, sizeof sin);
	sin.sin_family = AF_INET;
	sin.sin_port = htons(port++);
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	u->in = evbuffer_new();
	u->noread = 0;
	u->bol = 1;
	c = client_new(&fuzz_ssh_transport, -1, (struct sockaddr *)&sin,
	    sizeof sin, evbuffer_new());
	u->c = c;
	c->proto = proto_new(&fuzz_proto_ops, c);
	proto_set_telnet(c->proto, 0);
	if (pty) {
		term_set_mode(c->term, TERM_SCREEN | TERM_EDIT);
		term_resize(c->term, cols, rows);
		proto_set_raw(c->proto, 1);
	}
	c->flags |= CLIENT_TERMINAL;
	client_start(c, name);
	ssh_pump(1);
}

/* Channel data, kept up to SSHD_INPUT_MAX as sshd_data does, then decoded. */
static void
fuzz_data(struct fuzz_ssh *u, const void *buf, size_t len)
{
	size_t have;

	if (u->c == NULL || (u->c->flags & CLIENT_CLOSING))
		return;
	have = evbuffer_get_length(u->in);
	if (have >= SSHD_INPUT_MAX)
		return;
	if (len > SSHD_INPUT_MAX - have)
		len = SSHD_INPUT_MAX - have;
	evbuffer_add(u->in, buf, len);
	fuzz_decode(u);
}

/* What sshd_after does with the input once libssh returns. */
static void
fuzz_decode(struct fuzz_ssh *u)
{
	if (u->c != NULL && !(u->c->flags & CLIENT_DEAD) && !u->noread)
		client_decode(u->c, u->in);
	ssh_pump(1);
}

/* Loop passes: the writer, the reaper and events made active. */
static void
ssh_pump(int rounds)
{
	while (rounds-- > 0)
		event_base_loop(server.base, EVLOOP_NONBLOCK);
}

/* A big-endian number of n bytes. */
static uint32_t
fuzz_be(const uint8_t *p, size_t n)
{
	uint32_t v = 0;

	while (n-- > 0)
		v = v << 8 | *p++;
	return (v);
}

/* The server, once. */
int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	fuzz_server_init();
	return (0);
}

/* Set up both users, replay the records, then hang up. */
int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const uint8_t *p = data, *end = data + size;
	const char *eol;
	unsigned cols = 0, rows = 0;
	int32_t wc, wr;
	size_t n;
	int pty, step;
	char line[64];

	if (size < 1)
		return (0);
	pty = p[0] & 1;
	p++;
	if (pty && end - p >= 4) {
		cols = fuzz_be(p, 2);
		rows = fuzz_be(p + 2, 2);
		p += 4;
	}
	eol = pty ? "\r" : "\n";

	bob.check = 0;
	fuzz_user(&bob, "bob", 0, 0, 0);
	fuzz_data(&bob, ":join general\n:chat\n", 20);
	bob.check = 1;
	fuzz_user(&alice, "alice", pty, cols, rows);
	if (data[0] & 2) {
		n = snprintf(line, sizeof line, ":join general%s:chat%s", eol,
		    eol);
		fuzz_data(&alice, line, n);
	}

	while (p < end && alice.c != NULL) {
		switch (*p & 3) {
		case 0:
			n = (*p >> 2) + 1;
			p++;
			if (n > (size_t)(end - p))
				n = end - p;
			fuzz_data(&alice, p, n);
			p += n;
			break;
		case 1:
			p++;
			if (end - p < 8) {
				p = end;
				break;
			}
			/* libssh hands the uint32 over as an int. */
			wc = (int32_t)fuzz_be(p, 4);
			wr = (int32_t)fuzz_be(p + 4, 4);
			p += 8;
			if (!pty || (alice.c->flags & CLIENT_CLOSING))
				break;
			client_resize(alice.c, wc < 0 ? 0 : (unsigned)wc,
			    wr < 0 ? 0 : (unsigned)wr);
			ssh_pump(1);
			break;
		case 2:
			p++;
			if (alice.c->timer != NULL)
				event_active(alice.c->timer, EV_TIMEOUT, 1);
			if (alice.c != NULL && alice.c->resize != NULL)
				event_active(alice.c->resize, EV_TIMEOUT, 1);
			ssh_pump(1);
			if (alice.c != NULL)
				fuzz_decode(&alice);
			break;
		case 3:
			n = (*p >> 2) + 1;
			p++;
			if (n > (size_t)(end - p))
				n = end - p;
			if (n > sizeof line - 1)
				n = sizeof line - 1;
			memcpy(line, p, n);
			p += n;
			if (bob.c != NULL && memchr(line, '\n', n) == NULL) {
				line[n] = '\n';
				fuzz_data(&bob, line, n + 1);
			}
			break;
		}
	}
	if (alice.c != NULL)
		fuzz_decode(&alice);

	/* Hang up; both must be freed within a few loop passes. */
	for (step = 0; step < 4 && (alice.c != NULL || bob.c != NULL);
	    step++) {
		if (alice.c != NULL && !(alice.c->flags & CLIENT_CLOSING))
			client_close(alice.c, "fuzz: EOF");
		if (bob.c != NULL && !(bob.c->flags & CLIENT_CLOSING))
			client_drop(bob.c, "fuzz: hung up");
		ssh_pump(2);
		if (step >= 1 && alice.c != NULL && alice.c->timer != NULL)
			event_active(alice.c->timer, EV_TIMEOUT, 1);
		if (step >= 1 && bob.c != NULL && bob.c->timer != NULL)
			event_active(bob.c->timer, EV_TIMEOUT, 1);
	}
	if (alice.c != NULL || bob.c != NULL) {
		fprintf(stdout, "fuzz: a client is never freed\n");
		abort();
	}
	return (0);
}
