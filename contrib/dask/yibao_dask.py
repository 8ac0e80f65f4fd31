"""A province batch on Dask distributed: claims split by `yibao shard` (the
routing of `yibao run --jobs`: every claim that can meet a state entry in the
same part), each part settled by `yibao run` on a Dask worker, the
settlements concatenated and the batch reports merged.

    python3 yibao_dask.py POLICY CLAIMS... --parts N --out DIR [--scheduler ADDR]

writes DIR/settlements.jsonl (part by part; sort by claim_id to compare with
one `yibao run`), DIR/reports.jsonl and DIR/errors.txt (the record errors,
named by their file and line in CLAIMS and in input order, as one `yibao run`
prints them).  Without --scheduler a LocalCluster of the machine's cores is
started.

A part is settled by one task that writes its settlements and report to
temporary files and renames them into place only when `yibao run` finished,
so a task whose worker dies is simply run again by Dask (the scheduler
reschedules the tasks of a lost worker) and no claim is lost or counted twice.
Each part is settled with its positions (`--positions part-K.pos`, written by
`yibao shard`): its report says where in the whole batch each entry was
opened, so the merge keeps the fixed fields (a default that nothing writes,
such as a target in force on the date of the claim that opened the entry) of
the entry opened first, as one `yibao run` does.
State travels with its part: a part holds every claim of its members, and
of their families (a relative drawing on a payer's account is in the payer's
part: `yibao shard` groups them first, as `yibao run --jobs` does).

The same building blocks without Dask:
  Slurm job array:   yibao shard POLICY claims.jsonl -n $N -o parts/   (one job), then
                     sbatch --array=0-$((N-1)) with (K=$SLURM_ARRAY_TASK_ID)
                       yibao run POLICY parts/part-$K.jsonl --jobs 1 -o out/part-$K.jsonl \\
                         --report out/report-$K.jsonl --positions parts/part-$K.pos
                     and finally yibao merge-reports POLICY out/report-*.jsonl -o reports.jsonl;
                     a part's record errors name its own lines: line N of part-K.jsonl was
                     where line N of part-K.pos says (merge_errors below maps them back)
  Spark:             rdd = sc.parallelize(range(N), N).mapPartitions(settle) where settle runs
                     `yibao run` on parts/part-K.jsonl (K = the partition index) as settle_part does.
"""
import argparse
import os
import re
import subprocess
import sys
import tempfile


# what `yibao run` writes on standard error for a batch it settled: record errors and the count
ERROR_LINE = re.compile(r"^.*:[0-9]+: error: ")
COUNT_LINE = re.compile(r"^[0-9]+ settled, [0-9]+ errors$")


def shard(yibao, policy, claims, parts, outdir):
    """`yibao shard`: DIR/part-K.jsonl for K in 0..parts-1."""
    os.makedirs(outdir, exist_ok=True)
    subprocess.run([yibao, "shard", policy, *claims, "-n", str(parts), "-o", outdir], check=True)
    return [os.path.join(outdir, "part-%d.jsonl" % k) for k in range(parts)]


def positions(part):
    """The positions file `yibao shard` wrote beside part-K.jsonl."""
    return part[: -len(".jsonl")] + ".pos"


def settle_part(yibao, policy, part, outdir):
    """Settle one part; its settlements, report and record errors appear
    (renamed into place) only once `yibao run` has finished, so a rerun
    replaces, never adds."""
    base = os.path.join(outdir, os.path.basename(part)[: -len(".jsonl")])
    tmp = []
    for _ in range(3):
        fd, name = tempfile.mkstemp(dir=outdir, prefix=".tmp-")
        os.close(fd)
        tmp.append(name)
    r = subprocess.run([yibao, "run", policy, part, "--jobs", "1", "-o", tmp[0], "--report", tmp[1],
                        "--positions", positions(part)], stderr=subprocess.PIPE, text=True, errors="surrogateescape")
    # status 1 with only record errors (FILE:LINE: error: ..., counted) and the count is a batch
    # settled; any other line (a write error, a part that cannot be read, a positions file that
    # is not the part's) is a failure
    lines = r.stderr.splitlines(keepends=True)
    other = [l for l in lines if not ERROR_LINE.match(l) and not COUNT_LINE.match(l)]
    if r.returncode not in (0, 1) or other:
        raise RuntimeError("yibao run %s failed: %s" % (part, "".join(other[-5:]) or r.stderr[-2000:]))
    with open(tmp[2], "w", encoding="utf-8", errors="surrogateescape") as f:
        f.write("".join(l for l in lines if ERROR_LINE.match(l)))
    for name, kind in zip(tmp, ("settlements.jsonl", "report.jsonl", "errors.txt")):
        os.replace(name, base + "." + kind)
    return base


def merge_errors(claims, parts, bases, out):
    """The parts' record errors at their places in the whole batch: each
    `PART:N: error: ...` becomes `CLAIMS:LINE: error: ...` through line N of
    the part's positions file (`INPUT LINE`), sorted by input and line: the
    errors one `yibao run CLAIMS...` prints (before its count line)."""
    found = []
    for part, base in zip(parts, bases):
        at = {}
        with open(base + ".errors.txt", encoding="utf-8", errors="surrogateescape") as f:
            for l in f:
                n, _, rest = l[len(part) + 1:].partition(":")
                at.setdefault(int(n), []).append(rest)
        if not at:
            continue
        with open(positions(part), encoding="ascii") as f:
            for n, pos in enumerate(f, 1):
                for rest in at.get(n, ()):
                    i, line = map(int, pos.split())
                    found.append((i, line, "%s:%d:%s" % (claims[i], line, rest)))
    found.sort(key=lambda e: (e[0], e[1]))
    with open(out, "w", encoding="utf-8", errors="surrogateescape") as f:
        f.write("".join(e[2] for e in found))


def merge_reports(yibao, policy, paths, out):
    """`yibao merge-reports`: the report lines of every part merged into
    what one `yibao run` over every claim prints (added fields added up,
    fixed fields from the entry opened first, a report's `set` fields
    recomputed over the merged entry), written to out."""
    subprocess.run([yibao, "merge-reports", policy, *paths, "-o", out], check=True)


def run(yibao, policy, claims, parts, outdir, client):
    partdir = os.path.join(outdir, "parts")
    files = shard(yibao, policy, claims, parts, partdir)
    futures = client.map(settle_part, [yibao] * parts, [policy] * parts, files, [outdir] * parts,
                         pure=False)
    bases = client.gather(futures)
    with open(os.path.join(outdir, "settlements.jsonl"), "w", encoding="utf-8") as out:
        for b in bases:
            with open(b + ".settlements.jsonl", encoding="utf-8") as f:
                out.write(f.read())
    merge_reports(yibao, policy, [b + ".report.jsonl" for b in bases], os.path.join(outdir, "reports.jsonl"))
    merge_errors(claims, files, bases, os.path.join(outdir, "errors.txt"))
    return bases


def main(argv):
    ap = argparse.ArgumentParser()
    ap.add_argument("policy")
    ap.add_argument("claims", nargs="+")
    ap.add_argument("--parts", type=int, default=8)
    ap.add_argument("--out", required=True)
    ap.add_argument("--scheduler")
    ap.add_argument("--yibao", default="yibao")
    a = ap.parse_args(argv)
    from distributed import Client, LocalCluster
    if a.scheduler:
        client = Client(a.scheduler)
    else:
        client = Client(LocalCluster(processes=True, threads_per_worker=1))
    run(os.path.abspath(a.yibao) if os.sep in a.yibao else a.yibao, os.path.abspath(a.policy),
        [os.path.abspath(c) for c in a.claims], a.parts, os.path.abspath(a.out), client)
    client.close()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
