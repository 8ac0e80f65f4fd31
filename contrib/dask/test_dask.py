"""make test: the Dask driver on a LocalCluster of 2 worker processes.
  - the merged settlements equal one `yibao run` of the whole corpus, byte for
    byte after sorting by claim id (example policy, and the standard policy
    whose claims are split by family groups: 4 parts each);
  - the merged reports (`yibao merge-reports`: a report's `set` fields
    recomputed, fixed fields from the entry opened first) equal the single
    run's, byte for byte; also for the standard policy with its inpatient
    target amended in mid-year over the corpus shuffled, whose parts disagree
    on the target (the one in force when the entry's first claim was dated);
  - the parts' record errors, named by their place in the claims file through
    the parts' positions, equal the single run's (mid-year corpus: two bad
    lines, and a blank one before them);
  - a worker killed in the middle of a part (os._exit in its task) is replaced
    and the part run again: no claim lost, none counted twice.
usage: python3 test_dask.py YIBAO
"""
import json
import os
import random
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import yibao_dask  # noqa: E402

FAILED = []


def check(cond, what):
    print(("ok: " if cond else "FAIL: ") + what)
    if not cond:
        FAILED.append(what)


def settle_or_die(yibao, policy, part, outdir, marker):
    """settle_part, except that the first attempt at part-1 kills its worker
    process halfway (after `yibao run` has written part of its output)."""
    if part.endswith("part-1.jsonl") and not os.path.exists(marker):
        open(marker, "w").close()
        subprocess.Popen([yibao, "run", policy, part, "-o", os.path.join(outdir, ".half")]).wait()
        os._exit(1)
    return yibao_dask.settle_part(yibao, policy, part, outdir)


def by_id(lines):
    return sorted(lines, key=lambda l: json.loads(l)["claim_id"])


def one_run(yibao, policy, claims, tmp):
    """One `yibao run`: its settlements, report lines and record errors (its
    standard error without the count line)."""
    rep = os.path.join(tmp, "single-report.jsonl")
    r = subprocess.run([yibao, "run", policy, claims, "--jobs", "1", "--report", rep],
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, errors="surrogateescape")
    errs = r.stderr.splitlines(keepends=True)
    return r.stdout.splitlines(keepends=True), open(rep, encoding="utf-8").read().splitlines(), "".join(errs[:-1])


def mid_year(root, corpus, tmp):
    """The standard policy with its inpatient targets amended from 2025-07-01,
    and the corpus shuffled: each scheme-year's target is the one in force on
    the date of the claim that opened its entry, first in input order."""
    policy = os.path.join(tmp, "midyear.yb")
    with open(policy, "w", encoding="utf-8") as f:
        f.write('policy "mid-year target" version "1" effective 2024-01-01\n'
                'import "%s"\n'
                'amend param inpatient_ratio_target\n'
                '  from 2025-07-01: employee 72%%  resident 62%%\n' % os.path.join(root, "stdlib-policies", "hunan.yb"))
    lines = open(corpus, encoding="utf-8").readlines()
    random.Random(7).shuffle(lines)
    # record errors, in whichever part they land: a line cut short (routed to part 0), an amount
    # that is not money, a blank line before them (not a record: the lines after it keep count)
    lines[40] = lines[40][:60] + "\n"
    lines[41] = "\n"
    lines[200] = lines[200].replace('"amount":"', '"amount":"x', 1)
    shuffled = os.path.join(tmp, "shuffled.jsonl")
    with open(shuffled, "w", encoding="utf-8") as f:
        f.write("".join(lines))
    return policy, shuffled


def main():
    yibao = os.path.abspath(sys.argv[1])
    root = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
    corpus = os.path.join(root, "examples", "corpus.jsonl")
    from distributed import Client, LocalCluster
    with tempfile.TemporaryDirectory() as tmp, \
            LocalCluster(n_workers=2, processes=True, threads_per_worker=1, dashboard_address=None) as cluster, \
            Client(cluster) as client:
        midyear, shuffled = mid_year(root, corpus, tmp)
        for name, policy, claims, kill in (("example policy", "examples/hunan-basic.yb", corpus, True),
                                           ("standard policy", "stdlib-policies/hunan.yb", corpus, False),
                                           ("mid-year target", midyear, shuffled, False)):
            policy = os.path.join(root, policy)
            out = os.path.join(tmp, name.split()[0].replace("-", ""))
            os.makedirs(out)
            files = yibao_dask.shard(yibao, policy, [claims], 4, os.path.join(out, "parts"))
            sizes = [sum(1 for _ in open(f, encoding="utf-8")) for f in files]
            fn = settle_or_die if kill else yibao_dask.settle_part
            extra = [[os.path.join(tmp, "killed-once")] * 4] if kill else []
            bases = client.gather(client.map(fn, [yibao] * 4, [policy] * 4, files, [out] * 4, *extra, pure=False))
            got = []
            for b in bases:
                got += open(b + ".settlements.jsonl", encoding="utf-8").read().splitlines(keepends=True)
            want, want_rep, want_err = one_run(yibao, policy, claims, tmp)
            check(by_id(got) == by_id(want), "%s: %d settlements merged from parts of %s claims equal one run's, sorted by claim id"
                  % (name, len(got), sizes))
            ids = [json.loads(l)["claim_id"] for l in got]
            check(len(ids) == len(set(ids)), "%s: no claim settled twice" % name)
            merged = os.path.join(out, "reports.jsonl")
            yibao_dask.merge_reports(yibao, policy, [b + ".report.jsonl" for b in bases], merged)
            reps = open(merged, encoding="utf-8").read().splitlines()
            check(reps == want_rep, "%s: %d merged report lines equal one run's, byte for byte" % (name, len(reps)))
            errors = os.path.join(out, "errors.txt")
            yibao_dask.merge_errors([claims], files, bases, errors)
            got_err = open(errors, encoding="utf-8", errors="surrogateescape").read()
            check(got_err == want_err, "%s: %d record errors of the parts, at their places in the claims, equal one run's"
                  % (name, got_err.count("\n")))
            if kill:
                check(os.path.exists(os.path.join(tmp, "killed-once")), "a worker was killed in the middle of part 1 and the part rerun")
            else:
                check(sum(1 for s in sizes if s) > 1, "%s: its claims split by family groups (%s)" % (name, sizes))
            if policy == midyear:
                targets = set()
                for b in bases:
                    for line in open(b + ".report.jsonl", encoding="utf-8"):
                        r = json.loads(line)
                        if r["report"] == "inpatient_reimbursement":
                            targets.add(r["target"])
                check({"70%", "72%"} <= targets, "%s: the parts disagree on the employee target (%s)" % (name, sorted(targets)))
    return 1 if FAILED else 0


if __name__ == "__main__":
    sys.exit(main())
