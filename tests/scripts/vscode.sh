#!/usr/bin/env bash
# editors/vscode: the JSON files parse; the client (extension.js) starts `yibao lsp`; every keyword of lang/keywords.def is scoped
# by the grammar; over every .yb of the repo, a simple tokeniser built from the
# grammar's own regexes (comments, strings, then literals and keywords) scopes every
# keyword that stands as a word outside comments and strings, and reads a literal
# the lexer reads as a date, rate or money with the matching scope.
#   usage: bash tests/scripts/vscode.sh YIBAO
set -u
python3 - <<'PY'
import glob, json, re, subprocess, sys
fails = 0
def ok(m): print("ok: " + m)
def bad(m):
    global fails; fails += 1; print("FAIL: " + m)
d = "editors/vscode/"
try:
    for f in ("package.json", "language-configuration.json", "syntaxes/yibao.tmLanguage.json"):
        json.load(open(d + f, encoding="utf-8"))
    ok("the three JSON files parse")
except ValueError as e:
    bad("JSON: %s" % e); sys.exit(1)
g = json.load(open(d + "syntaxes/yibao.tmLanguage.json", encoding="utf-8"))
pkg = json.load(open(d + "package.json", encoding="utf-8"))
if pkg["contributes"]["grammars"][0]["path"] == "./syntaxes/yibao.tmLanguage.json" and ".yb" in pkg["contributes"]["languages"][0]["extensions"]:
    ok("package.json names the grammar and .yb")
else:
    bad("package.json does not name the grammar or .yb")
# the client: package.json starts extension.js on .yb files, which runs `yibao.path` with `yibao.lsp.args`
src = open(d + "extension.js", encoding="utf-8").read()
props = pkg["contributes"]["configuration"]["properties"]
if (pkg.get("main") == "./extension.js" and "onLanguage:yibao" in pkg.get("activationEvents", [])
        and props["yibao.lsp.args"]["default"] == ["lsp"] and 'cfg.get("lsp.args", ["lsp"])' in src
        and "vscode-languageclient" in pkg.get("dependencies", {})):
    ok("package.json starts extension.js, the `yibao lsp` client")
else:
    bad("package.json / extension.js do not start `yibao lsp`")
import shutil
if shutil.which("node"):
    r = subprocess.run(["node", "--check", d + "extension.js"], capture_output=True, text=True)
    if r.returncode == 0: ok("extension.js parses (node --check)")
    else: bad("extension.js: " + r.stderr[:300])
repo = g["repository"]
kw_res = [(p["name"], re.compile(p["match"])) for p in repo["keyword"]["patterns"]]
lit_res = [(p["name"], re.compile(p["match"])) for p in repo["literal"]["patterns"]]
comment = re.compile(repo["comment"]["match"])
string = re.compile('"(?:[^"\\\\\n]|\\\\.)*"')
keywords = re.findall(r'^KW\(([^,]+),', open("lang/keywords.def").read(), re.M)
missing = [k for k in keywords if not any(r.fullmatch(k) for _, r in kw_res)]
if missing: bad("keywords not scoped: %s" % " ".join(missing))
else: ok("all %d keywords of lang/keywords.def are scoped" % len(keywords))
kwset = set(keywords)
files = sorted(set(glob.glob("examples/*.yb") + glob.glob("stdlib-policies/**/*.yb", recursive=True)
                   + glob.glob("tests/golden/**/*.yb", recursive=True) + glob.glob("tests/fmt/*.yb")))
seen = {"kw": 0, "date": 0, "rate": 0, "money": 0}
for f in files:
    for n, line in enumerate(open(f, encoding="utf-8", errors="replace"), 1):
        code = string.sub(lambda m: " " * len(m.group()), line.rstrip("\n"))
        m = comment.search(code)
        if m: code = code[:m.start()]
        spans = []
        for _, r in kw_res: spans += [(x.start(), x.end()) for x in r.finditer(code)]
        for w in re.finditer(r'[A-Za-z_\u0080-\U0010ffff][A-Za-z0-9_\u0080-\U0010ffff]*', code):
            if w.group() in kwset:
                seen["kw"] += 1
                if (w.start(), w.end()) not in spans: bad("%s:%d: keyword %s not scoped" % (f, n, w.group()))
        for kind, lex in (("date", r'\b\d{4}-\d{2}-\d{2}\b'), ("rate", r'\b\d+(?:\.\d+)?%'), ("money", r'\b\d+\.\d+\b(?!%)')):
            for x in re.finditer(lex, code):
                first = None
                for name, r in lit_res:
                    y = r.match(code, x.start())
                    if y: first = (name, y.end()); break
                seen[kind] += 1
                if not first or not first[0].endswith(kind + ".yibao") or first[1] != x.end():
                    bad("%s:%d: %s %s scoped as %s" % (f, n, kind, x.group(), first))
ok("%d files tokenised: %d keywords, %d dates, %d rates, %d money literals scoped"
   % (len(files), seen["kw"], seen["date"], seen["rate"], seen["money"]))
sys.exit(1 if fails else 0)
PY
