#!/usr/bin/env bash
# The example host (examples/host) settles the shipped corpus through
# libyibao, statically under the sanitizers and against libyibao.so: its
# settlements are the bytes `yibao run` writes, line for line.
set -u
yibao=$1
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
"$yibao" compile stdlib-policies/hunan.yb -o "$tmp/hunan.ybc" || exit 1
"$yibao" run "$tmp/hunan.ybc" examples/corpus.jsonl >"$tmp/run.out" 2>/dev/null
for host in build/tst/examples/host build/rel/examples/host; do
    LD_LIBRARY_PATH=build/rel "$host" "$tmp/hunan.ybc" examples/corpus.jsonl >"$tmp/host.out" 2>"$tmp/host.err" || { cat "$tmp/host.err"; exit 1; }
    cmp "$tmp/run.out" "$tmp/host.out" || { echo "$host: settlements differ from yibao run"; exit 1; }
    # 326 claims in the corpus (examples/make_corpus.sh), none in error
    grep -q ': 326 settled (.* held), 0 errors; totals carried over$' "$tmp/host.err" || { cat "$tmp/host.err"; exit 1; }
done
# the shared library's soname is versioned and it exports the API only
readelf -d build/rel/libyibao.so | grep -q 'SONAME.*libyibao.so.0' || { echo "no versioned soname"; exit 1; }
if nm -D --defined-only build/rel/libyibao.so | awk '$2 != "A" {print $3}' | grep -v '^yibao_' | grep -q .; then
    echo "libyibao.so exports more than yibao_*"; exit 1
fi
# the source policy loads too, compiled on the way in, and settles the same
build/tst/examples/host stdlib-policies/hunan.yb examples/corpus.jsonl >"$tmp/src.out" 2>/dev/null && cmp "$tmp/run.out" "$tmp/src.out" || exit 1
echo "ok: the example host settles the corpus as yibao run does (static, shared, from source)"
