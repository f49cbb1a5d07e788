/* Users of other nodes, as their nodes say (a cluster's shared directory). */
#ifndef REMOTE_H
#define REMOTE_H

/* node names stay valid until remote_forget(node) returns. */
void		 remote_init(void);
void		 remote_free(void);
/* Add or update a user of node (room "" for none; registered -1: keep). */
void		 remote_set(const char *node, const char *name,
		     const char *room, int registered);
/* A user of node went away; 1 if it was known. */
int		 remote_del(const char *node, const char *name);
/* Forget every user of node, after fn(name, arg) for each (fn may be NULL). */
void		 remote_forget(const char *node, void (*fn)(const char *, void *),
		     void *arg);
unsigned	 remote_count(void);
/* How many users other nodes have in room. */
unsigned	 remote_in(const char *room);
/*
 * fn(name, node, room ("" for none), registered, arg) for each user of node
 * (NULL: every node) in room (NULL: any).
 */
void		 remote_foreach(const char *node, const char *room,
		     void (*fn)(const char *, const char *, const char *, int,
		     void *), void *arg);
/* The node of name (its room in *room, its spelling in *spelled), or NULL. */
const char	*remote_find(const char *name, const char **room,
		     const char **spelled);

#endif
