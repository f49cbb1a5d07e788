#!/bin/sh
# Run each fuzzer built by build.sh for SECONDS over a copy of its seed
# corpus (tests/fuzz-corpus/NAME), one at a time. New inputs stay in the
# copy; a crash leaves crash-* in OUTDIR and fails the run. Called by
# `make fuzz FUZZ_SECONDS=N` and `make fuzz-run`.
#   sh fuzz/run.sh SRCDIR OUTDIR SECONDS [NAME...]
set -eu

srcdir=${1:?usage: run.sh SRCDIR OUTDIR SECONDS [NAME...]}
out=${2:?usage: run.sh SRCDIR OUTDIR SECONDS [NAME...]}
seconds=${3:?usage: run.sh SRCDIR OUTDIR SECONDS [NAME...]}
shift 3
names=${*:-proto utf8 config cmd admin term ssh}

export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
status=0
for name in $names; do
	corpus="$out/corpus/$name"
	mkdir -p "$corpus"
	cp "$srcdir/tests/fuzz-corpus/$name"/* "$corpus"/
	echo "=== fuzz $name for $seconds s"
	if ! (cd "$out" && "./bin/${name}_fuzzer" -max_total_time="$seconds" \
	    -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
	    "corpus/$name" >"$name.log" 2>&1); then
		echo "*** ${name}_fuzzer failed: see $out/$name.log" >&2
		status=1
	fi
	grep -E '^(stat::number_of_executed_units|stat::average_exec_per_sec|#[0-9]+[[:space:]]+DONE)' \
	    "$out/$name.log" || true
	tail -n 30 "$out/$name.log" | grep -E 'ERROR|SUMMARY|crash-|leak-|timeout-' || true
done
exit $status
