#!/usr/bin/env bash
# Seed corpora of the fuzz targets, from the examples and the golden cases.
#
#   bash tests/fuzz/make_seeds.sh            rebuild the kept seeds (tests/fuzz/corpus/TARGET/):
#       fuzz_compile  every policy source of examples/, stdlib-policies/ and tests/golden/
#       fuzz_jsonl    the golden claim files, the reader's test data, the start of the corpus
#       fuzz_csv      the CSV claim files
#   bash tests/fuzz/make_seeds.sh ybc DIR    compile those policies to .ybc into DIR (and one
#       cut short): the seeds of fuzz_ybc.  The Makefile makes them in build/fuzz/seeds/fuzz_ybc
#       with the compiler being tested, so they never lag behind a change of the format.
#
# Files named hand-* (written by hand, or inputs that once crashed a target, kept as
# regressions) are never removed.  Run from anywhere; YIBAO names the yibao binary
# (default bin/yibao).
set -eu
cd "$(dirname "$0")/../.."
yibao=${YIBAO:-bin/yibao}
name() { echo "$1" | sed 's#^tests/golden/##; s#/#_#g'; } # a path as one file name
policies() { ls examples/*.yb stdlib-policies/*.yb; find tests/golden -name '*.yb' | sort; }

if [ "${1:-}" = ybc ]; then
    out=${2:?usage: make_seeds.sh ybc DIR}
    mkdir -p "$out"
    find "$out" -type f -name '*.ybc' -delete
    for f in $(policies); do # modules that do not compile alone are skipped
        "$yibao" compile "$f" -o "$out/$(name "${f%.yb}").ybc" >/dev/null 2>&1 || rm -f "$out/$(name "${f%.yb}").ybc"
    done
    head -c 300 "$out/examples_hunan-basic.ybc" >"$out/examples_hunan-basic-cut.ybc"
    exit 0
fi

corpus=tests/fuzz/corpus
for t in fuzz_compile fuzz_jsonl fuzz_csv; do
    mkdir -p "$corpus/$t"
    find "$corpus/$t" -type f ! -name 'hand-*' -delete
done
for f in $(policies); do
    cp "$f" "$corpus/fuzz_compile/$(name "$f")"
done
for f in $(find tests/golden tests/data -name '*.jsonl' | sort); do
    cp "$f" "$corpus/fuzz_jsonl/$(name "$f")"
done
head -n 40 examples/corpus.jsonl >"$corpus/fuzz_jsonl/examples_corpus-head.jsonl"
for f in $(find tests/golden tests/data -name '*.csv' | sort); do
    cp "$f" "$corpus/fuzz_csv/$(name "$f")"
done
du -sh "$corpus"
