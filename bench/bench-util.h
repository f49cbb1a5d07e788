/* What every load generator in bench/ needs of the machine and the clock. */
#ifndef BENCH_UTIL_H
#define BENCH_UTIL_H

#include <sys/types.h>

/* CPUs online, set by bench_program(). */
extern int	bench_ncpu;

/* Name the program for bench_die() and count the CPUs. */
void	bench_program(const char *name);
/* Seconds on the monotonic clock. */
double	bench_now(void);
/* A fatal setup error: "NAME: message", exit 1. */
void	bench_die(const char *fmt, ...) __attribute__((format(printf, 1, 2),
	    noreturn));
/* User + system CPU seconds of pid; -1 (and *cpu 0) if it cannot be read. */
int	bench_proc_cpu(pid_t pid, double *cpu);
/* The same, 0 if it cannot be read. */
double	bench_cpu(pid_t pid);
/* Resident set of pid in KiB, -1 if it cannot be read. */
long	bench_proc_rss(pid_t pid);
/* As many descriptors as the hard limit allows. */
void	bench_raise_nofile(void);
/* Run on one CPU (when there are two or more). */
void	bench_pin(int cpu);
/* "  load average: ..." */
void	bench_print_load(void);
/* The CPU's model name from /proc/cpuinfo, "?" if none. */
void	bench_cpu_model(char *buf, size_t size);

#endif
