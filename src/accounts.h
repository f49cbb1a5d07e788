/*
 * Registered names: each belongs to one or more SSH public keys. Loaded from
 * accountsFile at start; every change rewrites the file atomically first
 * and takes effect only once it is on disk.
 */
#ifndef ACCOUNTS_H
#define ACCOUNTS_H

#include <stddef.h>
#include <time.h>

struct account;

/* Read path (a missing file is an empty registry); -1 and "file:line: ..." if not. */
int		 accounts_load(const char *path, char **cause);
void		 accounts_free(void);
size_t		 accounts_count(void);
/* The account of name (any case), or NULL. */
struct account	*accounts_find(const char *name);
/* Whether a key with this "SHA256:..." fingerprint owns the account. */
int		 accounts_owns(const struct account *a, const char *fingerprint);
/* Now is a time the owner was seen (kept in memory, written with the next change). */
void		 accounts_seen(struct account *a);
/* Write the last-seen times if any changed since the file was written. */
void		 accounts_sync(void);
/*
 * Give name to the keys (OpenSSH "TYPE BASE64" lines), or add them to its
 * account; written to disk before it counts. -1 and cause if refused.
 */
int		 accounts_register(const char *name, const char *const *keys,
		     size_t nkeys, char **cause);
/* Release name; -1 and cause if it is not registered or cannot be written. */
int		 accounts_unregister(const char *name, char **cause);

/*
 * changed(name) after each registration or release is on disk (a cluster
 * shares the registry through it); NULL for none.
 */
void		 accounts_set_hook(void (*changed)(const char *name));
/* The account of name as lines of the file (malloc'd), or NULL. */
char		*accounts_record(const char *name);
/*
 * Make name's account what record (lines of the file) says, NULL or ""
 * for none, as another node wrote it; saved, without calling the hook.
 * -1 and cause if record is bad (the account is then left out).
 */
int		 accounts_apply(const char *name, const char *record,
		     char **cause);

/* Reading an account. */
const char	*account_name(const struct account *a);
time_t		 account_registered(const struct account *a);
time_t		 account_seen(const struct account *a);	/* 0: never */
size_t		 account_nkeys(const struct account *a);
const char	*account_fingerprint(const struct account *a, size_t i);
/* Every account, sorted by name, into a malloc'd array of *n. */
struct account	**accounts_sorted(size_t *n);

#endif
