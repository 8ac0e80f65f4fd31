#!/usr/bin/env bash
# Rebuilds the seed corpora of the fuzz targets (tests/fuzz/corpus/TARGET/) from
# the examples and the golden cases:
#   fuzz_compile  every policy source of examples/, stdlib-policies/ and tests/golden/
#   fuzz_ybc      those policies compiled to .ybc (run again when YBC_VERSION or the
#                 format changes), and one cut short
#   fuzz_jsonl    the golden claim files, the reader's test data, the start of the corpus
#   fuzz_csv      the CSV claim files
# Files named hand-* (inputs written by hand, and inputs that once crashed a
# target, kept as regressions) are never removed.  Usage: bash tests/fuzz/make_seeds.sh
# from the repository root, after `make bin/yibao`.
set -eu
cd "$(dirname "$0")/../.."
yibao=${YIBAO:-bin/yibao}
corpus=tests/fuzz/corpus
name() { echo "$1" | sed 's#^tests/golden/##; s#/#_#g'; } # a path as one file name

for t in fuzz_compile fuzz_ybc fuzz_jsonl fuzz_csv; do
    mkdir -p "$corpus/$t"
    find "$corpus/$t" -type f ! -name 'hand-*' -delete
done

for f in examples/*.yb stdlib-policies/*.yb $(find tests/golden -name '*.yb' | sort); do
    cp "$f" "$corpus/fuzz_compile/$(name "$f")"
    if "$yibao" compile "$f" -o "$corpus/fuzz_ybc/$(name "${f%.yb}").ybc" 2>/dev/null; then :; else
        rm -f "$corpus/fuzz_ybc/$(name "${f%.yb}").ybc"
    fi
done
head -c 300 "$corpus/fuzz_ybc/examples_hunan-basic.ybc" >"$corpus/fuzz_ybc/examples_hunan-basic-cut.ybc"

for f in $(find tests/golden tests/data -name '*.jsonl' | sort); do
    cp "$f" "$corpus/fuzz_jsonl/$(name "$f")"
done
head -n 40 examples/corpus.jsonl >"$corpus/fuzz_jsonl/examples_corpus-head.jsonl"

for f in $(find tests/golden tests/data -name '*.csv' | sort); do
    cp "$f" "$corpus/fuzz_csv/$(name "$f")"
done
du -sh "$corpus"
