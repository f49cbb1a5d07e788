/* The palette's command table and its dispatcher. */
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "client.h"
#include "cmd.h"
#include "messages.h"

static struct cmd_entry cmd_table[] = {
	{ "help", ":help", "this list", 0, 0, cmd_help_exec, 0 },
	{ "rooms", ":rooms", "public rooms and how full they are",
	    0, 0, cmd_rooms, 0 },
	{ "join", ":join ROOM [PASSWORD]", "join a room (leaving yours)",
	    1, 2, cmd_join, 0 },
	{ "list", ":list", "users in your room or conversation (name* is "
	    "registered)", 0, 0, cmd_list, 0 },
	{ "listall", ":listall", "every user online (name* is registered)",
	    0, 0, cmd_listall, 0 },
	{ "chat", ":chat", "enter the chat view (:q leaves it)",
	    0, 0, cmd_chat, 0 },
	{ "close", ":close", "leave your room or conversation",
	    0, 0, cmd_close, 0 },
	{ "dm", ":dm USER", "talk privately with USER", 1, 1, cmd_dm, 0 },
	{ "whois", ":whois USER", "who USER is: registered or guest, how "
	    "connected", 1, 1, cmd_whois, 0 },
	{ "register", ":register", "make your name yours (ssh users): only "
	    "your key can use it", 0, 0, cmd_register, 0 },
	{ "unregister", ":unregister", "give your registered name up",
	    0, 0, cmd_unregister, 0 },
	{ "quit", ":quit", "leave the server", 0, 0, cmd_quit, 0 },
	{ "q", ":q", "in the chat view: back here", 0, 0, cmd_q, 0 },
};

static struct cmd_entry *cmd_find(const char *name);
static int	cmd_split(char *line, char **argv, int max);

/* The entry called name, any case. */
static struct cmd_entry *
cmd_find(const char *name)
{
	size_t i;

	for (i = 0; i < sizeof cmd_table / sizeof cmd_table[0]; i++) {
		if (strcasecmp(cmd_table[i].name, name) == 0)
			return (&cmd_table[i]);
	}
	return (NULL);
}

/* Split on spaces into at most max words; returns the count, max + 1 if more. */
static int
cmd_split(char *line, char **argv, int max)
{
	char *word, *save = NULL;
	int argc = 0;

	for (word = strtok_r(line, " ", &save); word != NULL;
	    word = strtok_r(NULL, " ", &save)) {
		if (argc == max)
			return (max + 1);
		argv[argc++] = word;
	}
	return (argc);
}

/* Run ":name args": check the argument count, then the handler. */
void
cmd_dispatch(struct client *c, char *line)
{
	char *argv[CMD_ARGS_MAX + 1];
	struct cmd_entry *ce;
	int argc;

	argc = cmd_split(line, argv, CMD_ARGS_MAX);
	if (argc == 0 || (ce = cmd_find(argv[0])) == NULL) {
		client_printf(c, MSG_UNKNOWN_COMMAND, argc == 0 ? "" :
		    argv[0]);
		client_prompt(c);
		return;
	}
	if (argc - 1 < ce->min_args || argc - 1 > ce->max_args) {
		client_printf(c, MSG_USAGE, ce->usage);
		client_prompt(c);
		return;
	}
	ce->calls++;
	ce->exec(c, argc - 1, argv + 1);
	if (!(c->flags & (CLIENT_CLOSING | CLIENT_WAITING)))
		client_prompt(c);
}

/* :help: every command with its synopsis. */
void
cmd_help_exec(struct client *c, int argc, char **argv)
{
	size_t i;

	(void)argc;
	(void)argv;
	client_line(c, MSG_HELP_HEAD);
	for (i = 0; i < sizeof cmd_table / sizeof cmd_table[0]; i++)
		client_printf(c, "  %-24s %s", cmd_table[i].usage,
		    cmd_table[i].help);
}
