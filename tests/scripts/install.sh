#!/usr/bin/env bash
# make install PREFIX=… puts the command, both libraries, the header, the
# pkg-config file and the man pages in place, and a host builds against the
# installed tree with pkg-config alone.
set -u
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
prefix=$tmp/opt
make -s install PREFIX="$prefix" >"$tmp/log" 2>&1 || { cat "$tmp/log"; exit 1; }
for f in bin/yibao lib/libyibao.a lib/libyibao.so.0.3.0 lib/libyibao.so.0 lib/libyibao.so include/yibao.h \
         lib/pkgconfig/yibao.pc share/man/man1/yibao.1 share/man/man3/yibao.3; do
    [ -e "$prefix/$f" ] || { echo "not installed: $f"; exit 1; }
done
export PKG_CONFIG_PATH=$prefix/lib/pkgconfig
[ "$(pkg-config --modversion yibao)" = 0.3.0 ] || { echo "pkg-config: wrong version"; exit 1; }
cc -std=c11 -D_POSIX_C_SOURCE=200809L examples/host/host.c $(pkg-config --cflags --libs yibao) -o "$tmp/host" || exit 1
LD_LIBRARY_PATH=$prefix/lib "$tmp/host" stdlib-policies/hunan.yb examples/claims.jsonl >"$tmp/out" 2>"$tmp/err" || { cat "$tmp/err"; exit 1; }
"$prefix/bin/yibao" run stdlib-policies/hunan.yb examples/claims.jsonl 2>/dev/null | cmp - "$tmp/out" || exit 1
echo "ok: make install PREFIX=: command, libraries, header, pkg-config file, man pages; a host builds with pkg-config"
