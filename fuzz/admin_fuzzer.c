/*
 * libFuzzer harness for the admin requests: each input is one request line
 * given to admin_cmd_run() on the in-process server, with two users online
 * (one in a room's chat view, one at the palette) for list and kick. The
 * reply must be an object with a boolean "ok" (and a string "error" when
 * false) that serializes as the admin socket sends it. A shutdown is undone
 * after each run, and users kicked are back for the next one.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <event2/event.h>
#include <jansson.h>

#include "admin-cmd.h"
#include "client.h"
#include "fuzz-server.h"
#include "server.h"

#define FUZZ_USERS	2
#define FUZZ_ROUNDS	3

int	LLVMFuzzerInitialize(int *argc, char ***argv);
int	LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void	fuzz_users(void);
static void	fuzz_check_reply(json_t *reply);
static void	fuzz_undo_shutdown(void);

static struct fuzz_conn fuzz_conns[FUZZ_USERS] = { { -1, -1 }, { -1, -1 } };
static const char *const fuzz_logins[FUZZ_USERS] = {
	"alice\r\n:join general\r\n:chat\r\nhello all\r\n",
	"bob\r\n:dm alice\r\n",
};

/* The server, once per process. */
int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	fuzz_server_init();
	return (0);
}

/* Make sure both users are online, reconnecting one that was kicked. */
static void
fuzz_users(void)
{
	struct client *c;
	size_t i;

	for (i = 0; i < FUZZ_USERS; i++) {
		c = fuzz_client(&fuzz_conns[i]);
		if (c != NULL && !(c->flags & CLIENT_CLOSING))
			continue;
		if (fuzz_conns[i].fd != -1)
			fuzz_disconnect(&fuzz_conns[i], 1);
		fuzz_connect(&fuzz_conns[i]);
		fuzz_send(&fuzz_conns[i], fuzz_logins[i],
		    strlen(fuzz_logins[i]));
		fuzz_pump(fuzz_conns, FUZZ_USERS, FUZZ_ROUNDS);
	}
}

/* Every reply is {"ok": true, ...} or {"ok": false, "error": "..."}. */
static void
fuzz_check_reply(json_t *reply)
{
	json_t *ok;
	char *text;

	if (reply == NULL || !json_is_object(reply))
		abort();
	ok = json_object_get(reply, "ok");
	if (!json_is_boolean(ok))
		abort();
	if (json_is_false(ok) &&
	    !json_is_string(json_object_get(reply, "error")))
		abort();
	if ((text = json_dumps(reply, JSON_COMPACT)) == NULL)
		abort();
	if (strchr(text, '\n') != NULL)
		abort();	/* one reply, one line */
	free(text);
}

/* A shutdown request ran: put the server back as it was. */
static void
fuzz_undo_shutdown(void)
{
	if (!server.shutting_down)
		return;
	if (server.shutdown_timer != NULL)
		event_free(server.shutdown_timer);
	server.shutdown_timer = NULL;
	server.shutting_down = 0;
}

/* One request. */
int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	json_t *reply;

	fuzz_users();
	reply = admin_cmd_run((const char *)data, size);
	fuzz_check_reply(reply);
	json_decref(reply);
	fuzz_pump(fuzz_conns, FUZZ_USERS, FUZZ_ROUNDS);
	fuzz_undo_shutdown();
	return (0);
}
