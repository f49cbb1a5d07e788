/* The admin requests: a table from "cmd" to a handler building the reply. */
#ifndef ADMIN_CMD_H
#define ADMIN_CMD_H

#include <stddef.h>

#include <jansson.h>

/* Parse one request line and run it; returns the reply (never NULL). */
json_t	*admin_cmd_run(const char *line, size_t len);
json_t	*admin_error(const char *fmt, ...)
	    __attribute__((format(printf, 1, 2)));

#endif
