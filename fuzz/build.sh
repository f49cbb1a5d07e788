#!/bin/sh
# Build the libFuzzer harnesses: the daemon sources (all of src/ but main())
# and each fuzz/*_fuzzer.c, compiled with clang and the fuzzer, address and
# undefined sanitizers. Called by `make fuzz`; usable by hand as
#   sh fuzz/build.sh SRCDIR OUTDIR [VERSION]
# CC (default clang) and FUZZ_CFLAGS (extra flags) are taken from the
# environment. The fuzzers land in OUTDIR/bin.
set -eu

srcdir=${1:?usage: build.sh SRCDIR OUTDIR [VERSION]}
out=${2:?usage: build.sh SRCDIR OUTDIR [VERSION]}
version=${3:-fuzz}
cc=${CC:-clang}
case "$cc" in
*clang*) ;;
*) cc=clang ;;		# gcc has no libFuzzer
esac

pkgs="libevent jansson libxcrypt libssh hiredis"
san="-fsanitize=address,undefined -fno-sanitize-recover=undefined"
cflags="-std=gnu11 -Wall -Wextra -g -O1 -fno-omit-frame-pointer -D_GNU_SOURCE \
    -DPACKAGE_VERSION=\"$version\" -iquote $srcdir/src $san \
    $(pkg-config --cflags $pkgs) ${FUZZ_CFLAGS:-}"
libs="$(pkg-config --libs $pkgs) -lunistring -lpthread"

mkdir -p "$out/obj" "$out/bin"
objs=
for src in "$srcdir"/src/*.c; do
	name=$(basename "$src" .c)
	[ "$name" = chatsockd ] && continue
	obj="$out/obj/$name.o"
	# Rebuild what changed, everything after a header changed.
	if [ ! -f "$obj" ] || [ "$src" -nt "$obj" ] ||
	    [ -n "$(find "$srcdir/src" -name '*.h' -newer "$obj")" ]; then
		echo "  CC(fuzz) src/$name.c"
		$cc $cflags -fsanitize=fuzzer-no-link -c "$src" -o "$obj"
	fi
	objs="$objs $obj"
done

for harness in "$srcdir"/fuzz/*_fuzzer.c; do
	name=$(basename "$harness" .c)
	echo "  CCLD(fuzz) fuzz/$name"
	$cc $cflags -fsanitize=fuzzer -iquote "$srcdir/fuzz" "$harness" \
	    "$srcdir/fuzz/fuzz-server.c" $objs $libs -o "$out/bin/$name"
done
