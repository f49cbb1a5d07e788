/* Palette commands: one table, dispatch checks arity before the handler. */
#ifndef CMD_H
#define CMD_H

struct client;

#define CMD_ARGS_MAX	4

struct cmd_entry {
	const char	*name;
	const char	*usage;
	const char	*help;
	int		 min_args;
	int		 max_args;
	void		(*exec)(struct client *c, int argc, char **argv);
	unsigned long	 calls;
};

/* Run a palette line that starts with ':'. */
void	cmd_dispatch(struct client *c, char *line);
/* Lines of :help, in table order. */
void	cmd_help(struct client *c);

/* One name of a :list, "name*" if registered; *marked counts those. */
void	cmd_list_name(struct client *c, const struct client *u, int *marked);
/* After a :list: the legend, if any name was marked. */
void	cmd_list_end(struct client *c, int marked);
/* The users of other nodes (in room, if not NULL) after shown of total. */
void	cmd_list_remote(struct client *c, const char *room, unsigned shown,
	    unsigned total, int *marked);

/* Handlers, grouped per file. */
void	cmd_rooms(struct client *, int, char **);
void	cmd_join(struct client *, int, char **);
void	cmd_list(struct client *, int, char **);
void	cmd_chat(struct client *, int, char **);
void	cmd_close(struct client *, int, char **);
void	cmd_dm(struct client *, int, char **);
void	cmd_help_exec(struct client *, int, char **);
void	cmd_listall(struct client *, int, char **);
void	cmd_quit(struct client *, int, char **);
void	cmd_q(struct client *, int, char **);
void	cmd_register(struct client *, int, char **);
void	cmd_unregister(struct client *, int, char **);
void	cmd_whois(struct client *, int, char **);

#endif
