#!/usr/bin/env python3
"""A scripted editor for `yibao lsp` (tests/scripts/lsp.sh runs it).

It opens a policy that imports the standard policy (stdlib-policies/hunan.yb,
which imports audit.yb, inpatient.yb, ...), edits it (a typo: the diagnostic
and its range in UTF-16 code units; the fix: diagnostics clear), and checks
hover, definition across the import chain, references, completion, document
symbols and formatting against the answers worked out by hand beside each
check.  Then the protocol's edges on fresh servers: bad JSON, bad framing,
unknown methods, requests before `initialize` and after `shutdown`, a message
over the size limit, and the exit status with and without `shutdown`.

usage: lsp_client.py YIBAO REPO_ROOT; prints ok:/FAIL: lines.
"""
import json
import os
import random
import select
import subprocess
import sys
import tempfile
import urllib.parse

YIBAO, ROOT = sys.argv[1], os.path.realpath(sys.argv[2])
fails = 0


def ok(what):
    print("ok: " + what)


def check(cond, what, got=None):
    global fails
    if cond:
        ok(what)
    else:
        fails += 1
        print("FAIL: " + what + ("" if got is None else "\n   got: " + json.dumps(got, ensure_ascii=False)[:1500]))


class Server:
    def __init__(self):
        self.p = subprocess.Popen([YIBAO, "lsp"], stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        self.buf = b""
        self.notes = []  # notifications not yet looked at

    def raw(self, data):
        self.p.stdin.write(data)
        self.p.stdin.flush()

    def send(self, obj):
        body = json.dumps(obj, ensure_ascii=False).encode()
        self.raw(b"Content-Length: %d\r\n\r\n" % len(body) + body)

    def _fill(self):
        r, _, _ = select.select([self.p.stdout], [], [], 60)
        if not r:
            raise TimeoutError("no answer in 60 s")
        chunk = os.read(self.p.stdout.fileno(), 65536)
        if not chunk:
            raise EOFError("the server closed its output")
        self.buf += chunk

    def read(self):
        while b"\r\n\r\n" not in self.buf:
            self._fill()
        head, self.buf = self.buf.split(b"\r\n\r\n", 1)
        n = [int(h.split(b":")[1]) for h in head.split(b"\r\n") if h.lower().startswith(b"content-length:")][0]
        while len(self.buf) < n:
            self._fill()
        body, self.buf = self.buf[:n], self.buf[n:]
        return json.loads(body)

    def answer(self, id):
        while True:
            m = self.read()
            if m.get("id") == id and "method" not in m:
                return m
            self.notes.append(m)

    def request(self, id, method, params=None):
        msg = {"jsonrpc": "2.0", "id": id, "method": method}
        if params is not None:
            msg["params"] = params
        self.send(msg)
        return self.answer(id)

    def notify(self, method, params):
        self.send({"jsonrpc": "2.0", "method": method, "params": params})

    def diagnostics(self, uri):
        """The next publishDiagnostics for uri."""
        while True:
            for i, m in enumerate(self.notes):
                if m.get("method") == "textDocument/publishDiagnostics" and m["params"]["uri"] == uri:
                    del self.notes[i]
                    return m["params"]["diagnostics"]
            self.notes.append(self.read())

    def finish(self):
        try:
            self.p.stdin.close()
        except BrokenPipeError:
            pass
        rc = self.p.wait(timeout=60)
        err = self.p.stderr.read().decode(errors="replace")
        for line in err.splitlines():
            print("server: " + line)  # run_all.sh looks for sanitizer reports in what we print
        return rc, err


def rng(l1, c1, l2, c2):
    return {"start": {"line": l1, "character": c1}, "end": {"line": l2, "character": c2}}


# ---- the document: a city's note on the standard policy, Chinese names, in a directory named in Chinese
tmp = tempfile.mkdtemp()
os.mkdir(os.path.join(tmp, "政策"))
path = os.path.join(tmp, "政策", "测试.yb")
uri = "file://" + urllib.parse.quote(path)  # percent-encoded UTF-8, as editors send it
hunan = os.path.join(ROOT, "stdlib-policies", "hunan.yb")
TEXT = (
    'policy "测试 本地" version "1" effective 2024-01-01\n'                        # 0
    "\n"                                                                           # 1
    'import "HUNAN"\n'                                                             # 2
    "\n"                                                                           # 3
    "# 本地通知 (illustrative): the city's threshold for a note on large claims\n"  # 4
    "param 本地上限:   money\n"                                                    # 5
    "  from 2024-01-01: 10000.00\n"                                                # 6
    "  from 2026-01-01: 12000.00   # 2026 notice\n"                                # 7
    "\n"                                                                           # 8
    'rule 城市提示 "a note on large resident inpatient claims"\n'                  # 9
    "  when paying and scheme = resident and visit.kind = inpatient\n"            # 10
    "  let 超出 = total - 本地上限\n"                                              # 11
    "  let 比例 = inpatient[scheme, visit.level].ratio\n"                          # 12
    "  if 超出 > 0 and 比例 < 90% then\n"                                          # 13
    '    warn LARGE_CLAIM "above the city\'s threshold"\n'                         # 14
    "  end\n"                                                                      # 15
).replace("HUNAN", hunan)
with open(path, "w") as f:
    f.write(TEXT)

s = Server()
init = s.request(1, "initialize", {"processId": None, "rootUri": None, "capabilities": {}})
caps = init.get("result", {}).get("capabilities", {})
check(caps.get("textDocumentSync", {}).get("change") == 2 and caps.get("hoverProvider") and caps.get("definitionProvider")
      and caps.get("referencesProvider") and caps.get("documentSymbolProvider") and caps.get("documentHighlightProvider")
      and caps.get("workspaceSymbolProvider") and caps.get("documentFormattingProvider")
      and caps.get("positionEncoding") == "utf-16",
      "initialize: incremental sync, hover, definition, references, symbols, formatting, UTF-16 positions", init)
s.notify("initialized", {})
s.notify("textDocument/didOpen", {"textDocument": {"uri": uri, "languageId": "yibao", "version": 1, "text": TEXT}})
d = s.diagnostics(uri)
check(d == [], "didOpen: the policy compiles, no diagnostics", d)

# ---- a typo, typed as an incremental edit: line 11 is `  let 超出 = total - 本地上限`;
# 2 spaces + `let` + 1 + `超出` (2 code units) + ` = ` + `total` + ` - ` = 2+3+1+2+3+5+3 = 19:
# `本地上限` is characters 19..23 (CJK: one UTF-16 unit each; 3 bytes each in UTF-8)
s.notify("textDocument/didChange", {"textDocument": {"uri": uri, "version": 2},
                                    "contentChanges": [{"range": rng(11, 19, 11, 23), "text": "本地上线"}]})
d = s.diagnostics(uri)
check(len(d) >= 1 and d[0]["range"] == rng(11, 19, 11, 23) and d[0]["severity"] == 1
      and d[0]["message"].startswith("unknown name `本地上线`") and "did you mean `本地上限`?" in d[0]["message"],
      "didChange (a typo): the error at 11:19-23 in UTF-16 units, with the compiler's hint", d)
# the whole text again (full sync): the error is gone
s.notify("textDocument/didChange", {"textDocument": {"uri": uri, "version": 3}, "contentChanges": [{"text": TEXT}]})
d = s.diagnostics(uri)
check(d == [], "didChange (fixed): diagnostics cleared", d)

# ---- hover: the param's type, the comment citing its source, its values by date
h = s.request(2, "textDocument/hover", {"textDocument": {"uri": uri}, "position": {"line": 11, "character": 21}})
v = h.get("result", {}).get("contents", {}).get("value", "")
check("param 本地上限: money" in v and "本地通知 (illustrative): the city's threshold" in v
      and "from 2024-01-01:\n  10000.00\nfrom 2026-01-01:\n  12000.00   # 2026 notice\n" in v
      and h["result"]["range"] == rng(11, 19, 11, 23),
      "hover on a parameter: type, source comment, both dated values, the use's range", h)
# `  let 比例 = inpatient[scheme, visit.level].ratio`: 2+3+1+2+3 = 11 -> `inpatient` 11..20, `[` 20,
# `scheme` 21..27, `, ` `visit` 29..34, `.` `level` 35..40, `]` 40, `.` 41, `ratio` 42..47
h = s.request(3, "textDocument/hover", {"textDocument": {"uri": uri}, "position": {"line": 12, "character": 44}})
v = h.get("result", {}).get("contents", {}).get("value", "")
# (inpatient.yb lines 20-29: `employee primary 200.00 93%` …: keys, deductible, ratio)
check("column ratio: rate" in v and "Column 2 of table `inpatient`" in v
      and "from 2024-01-01:\n  employee primary → 93%\n  employee first → 92%\n" in v
      and "  resident provincial → 60%\n```" in v and "declared in inpatient.yb:17" in v
      and h["result"]["range"] == rng(12, 42, 12, 47),
      "hover on a table cell's column (in inpatient.yb, two imports away): the table's rows by date", h)

# the table as a variant amends it (examples/variant-changsha.yb line 17: `amend table inpatient`,
# `inpatient` at 12..21): the province's rows, then the city's from 2026, marked with where they are
cs = os.path.join(ROOT, "examples", "variant-changsha.yb")
cs_uri = "file://" + urllib.parse.quote(cs)
s.notify("textDocument/didOpen", {"textDocument": {"uri": cs_uri, "languageId": "yibao", "version": 1, "text": open(cs).read()}})
d = s.diagnostics(cs_uri)
h = s.request(16, "textDocument/hover", {"textDocument": {"uri": cs_uri}, "position": {"line": 16, "character": 14}})
v = h.get("result", {}).get("contents", {}).get("value", "")
check(d == [] and "table inpatient: table by scheme, level" in v and "  employee primary      200.00   93%\n" in v
      and "# amended in variant-changsha.yb:18\nfrom 2026-01-01:\n  employee primary      200.00   95%     # city: +2 points at primary level\n" in v
      and h["result"]["range"] == rng(16, 12, 16, 21),
      "hover on an amended table: its rows by date, the amendment marked with its file and line", h)
s.notify("textDocument/didClose", {"textDocument": {"uri": cs_uri}})
s.diagnostics(cs_uri)

# ---- definition across the imports: `paying` (line 10, 7..13) is `define paying` in audit.yb line 42
def file_uri(p):
    return "file://" + urllib.parse.quote(os.path.realpath(p))


r = s.request(4, "textDocument/definition", {"textDocument": {"uri": uri}, "position": {"line": 10, "character": 9}})
check(r.get("result") == {"uri": file_uri(os.path.join(ROOT, "stdlib-policies", "audit.yb")), "range": rng(41, 7, 41, 13)},
      "definition of `paying`: audit.yb:42, through hunan.yb", r)
r = s.request(5, "textDocument/definition", {"textDocument": {"uri": uri}, "position": {"line": 2, "character": 3}})
check(r.get("result", {}).get("uri") == file_uri(hunan) and r["result"]["range"]["start"] == {"line": 0, "character": 0},
      "definition of the import line: the start of hunan.yb", r)

# ---- references of the param, from its declaration (`param ` is 6 characters: 6..10)
r = s.request(6, "textDocument/references", {"textDocument": {"uri": uri}, "position": {"line": 5, "character": 7},
                                            "context": {"includeDeclaration": True}})
check(r.get("result") == [{"uri": uri, "range": rng(5, 6, 5, 10)}, {"uri": uri, "range": rng(11, 19, 11, 23)}],
      "references of the param: its declaration and its one use", r)
r = s.request(7, "textDocument/references", {"textDocument": {"uri": uri}, "position": {"line": 10, "character": 9},
                                            "context": {"includeDeclaration": False}})
locs = r.get("result") or []
check({"uri": uri, "range": rng(10, 7, 10, 13)} in locs and len(locs) > 5
      and all(l["uri"] == uri or "/stdlib-policies/" in l["uri"] for l in locs),
      "references of `paying`: this use and the pay rules of the standard policy", len(locs))

# document highlights: the occurrences in this document only
r = s.request(17, "textDocument/documentHighlight", {"textDocument": {"uri": uri}, "position": {"line": 5, "character": 7}})
check(r.get("result") == [{"range": rng(5, 6, 5, 10), "kind": 1}, {"range": rng(11, 19, 11, 23), "kind": 1}],
      "documentHighlight of the param: its declaration and its use", r)
r = s.request(18, "textDocument/documentHighlight", {"textDocument": {"uri": uri}, "position": {"line": 10, "character": 9}})
check(r.get("result") == [{"range": rng(10, 7, 10, 13), "kind": 1}], "documentHighlight of `paying`: only this document's", r)
# workspace symbols: `param critical_cap: money` is line 17 of critical_illness.yb (`param ` = 6, the name 12)
r = s.request(19, "workspace/symbol", {"query": "critical_cap"})
check(r.get("result") == [{"name": "critical_cap", "kind": 14, "location": {
      "uri": file_uri(os.path.join(ROOT, "stdlib-policies", "critical_illness.yb")), "range": rng(16, 6, 16, 18)}}],
      "workspace/symbol: a parameter of an imported module", r)

# ---- completion
r = s.request(8, "textDocument/completion", {"textDocument": {"uri": uri}, "position": {"line": 12, "character": 35}})
labels = {i["label"]: i for i in r.get("result", {}).get("items", [])}
# vocabulary.yb's `visit: { … }` has these ten fields, in this order
check(list(labels) == ["kind", "date", "discharged_on", "institution_id", "community_id", "level", "designated",
                       "prescription", "disease", "gestation_weeks"] and labels["level"].get("detail") == "level",
      "completion after `visit.`: the ten fields of visit, with their types", list(labels))
# after `inpatient[scheme, visit.level].` (line 12, the `.` at 41): the table's two columns
r = s.request(15, "textDocument/completion", {"textDocument": {"uri": uri}, "position": {"line": 12, "character": 42}})
labels = [i["label"] for i in r.get("result", {}).get("items", [])]
check(labels == ["deductible", "ratio"], "completion after `inpatient[…].`: its columns", labels)
r = s.request(9, "textDocument/completion", {"textDocument": {"uri": uri}, "position": {"line": 13, "character": 2}})
labels = {i["label"]: i for i in r.get("result", {}).get("items", [])}
check({"本地上限", "超出", "比例", "paying", "resident", "inpatient", "when", "min", "member_id"} <= set(labels)
      and labels["本地上限"].get("detail") == "money" and labels["when"]["kind"] == 14 and labels["resident"]["kind"] == 20
      and labels["scheme"]["kind"] == 5 and labels["scheme"]["detail"] == "scheme"  # the claim's field before the enum
      and list(labels)[:2] == ["超出", "比例"],  # the rule's lets first
      "completion in the rule: params, its lets, defines, enum members, tables, fields, keywords, functions",
      sorted(labels)[:40])

# ---- document symbols: the policy header, the import, the param, the rule (`rule ` is 5: 5..9)
r = s.request(10, "textDocument/documentSymbol", {"textDocument": {"uri": uri}})
syms = r.get("result") or []
check([(x["name"], x["kind"]) for x in syms] == [("测试 本地", 1), (hunan, 2), ("本地上限", 14), ("城市提示", 12)]
      and syms[3]["selectionRange"] == rng(9, 5, 9, 9) and syms[3]["range"]["start"]["line"] == 9
      and syms[3]["range"]["end"]["line"] == 15 and syms[2]["range"]["end"]["line"] == 7,
      "documentSymbol: policy, import, param (lines 5-7), rule (lines 9-15)", syms)

# ---- formatting: `param 本地上限:   money` -> single spaces; the one edit replaces the whole text
# (16 lines and a final newline: the end is line 16, character 0)
r = s.request(11, "textDocument/formatting", {"textDocument": {"uri": uri}, "options": {"tabSize": 2, "insertSpaces": True}})
want = TEXT.replace("param 本地上限:   money", "param 本地上限: money")
check(r.get("result") == [{"range": rng(0, 0, 16, 0), "newText": want}], "formatting through fmt: one whole-text edit", r)

# ---- while the text does not parse: diagnostics say why, hover reads the last text that did
s.notify("textDocument/didChange", {"textDocument": {"uri": uri, "version": 4},
                                    "contentChanges": [{"range": rng(12, 41, 12, 41), "text": "."}]})
d = s.diagnostics(uri)
check(len(d) == 1 and d[0]["range"]["start"]["line"] == 12 and d[0]["severity"] == 1,
      "didChange (`..`, does not parse): one syntax error on line 12", d)
r = s.request(12, "textDocument/completion", {"textDocument": {"uri": uri}, "position": {"line": 12, "character": 35}})
labels = {i["label"] for i in r.get("result", {}).get("items", [])}
check({"kind", "level"} <= labels, "completion after `visit.` still answers from the last text that parsed", sorted(labels))
s.notify("textDocument/didClose", {"textDocument": {"uri": uri}})
d = s.diagnostics(uri)
check(d == [], "didClose: its diagnostics cleared", d)

# ---- a message in an imported file: published under that file's URI, cleared there when it goes
with open(os.path.join(tmp, "政策", "broken.yb"), "w") as f:
    f.write("param x: mony\n  from 2024-01-01: 1.00\n")  # `param x: ` is 9 characters: `mony` is 9..13
buri = "file://" + urllib.parse.quote(os.path.join(os.path.realpath(tmp), "政策", "broken.yb"))
b_uri = "file://" + urllib.parse.quote(os.path.join(tmp, "政策", "b.yb"))
B_TEXT = 'policy "b" version "1" effective 2024-01-01\nimport "VOCAB"\nimport "broken.yb"\n'.replace(
    "VOCAB", os.path.join(ROOT, "stdlib-policies", "vocabulary.yb"))
s.notify("textDocument/didOpen", {"textDocument": {"uri": b_uri, "languageId": "yibao", "version": 1, "text": B_TEXT}})
d_own, d_lib = s.diagnostics(b_uri), s.diagnostics(buri)
check(len(d_lib) == 1 and d_lib[0]["range"] == rng(0, 9, 0, 13)
      and d_lib[0]["message"] == "unknown type `mony`\nnote: did you mean `money`?",
      "an error in an imported file: on that file's URI, at 0:9-13, with its note", d_lib)
# and in the document, on the line that imports it (line 2, `import "broken.yb"`: 18 characters)
check(len(d_own) == 1 and d_own[0]["range"] == rng(2, 0, 2, 18) and d_own[0]["severity"] == 1
      and d_own[0]["message"] == "broken.yb:1:10: unknown type `mony`\nnote: did you mean `money`?",
      "… and on the document's import line that brings it in", d_own)
s.notify("textDocument/didChange", {"textDocument": {"uri": b_uri, "version": 2},
                                    "contentChanges": [{"range": rng(2, 0, 3, 0), "text": ""}]})
d_lib = s.diagnostics(buri)
check(d_lib == [], "the import removed: the imported file's diagnostics cleared", d_lib)
d_own = s.diagnostics(b_uri)
s.notify("textDocument/didClose", {"textDocument": {"uri": b_uri}})

r = s.request(13, "shutdown")
check("result" in r and r["result"] is None, "shutdown: null", r)
r = s.request(14, "textDocument/hover", {"textDocument": {"uri": uri}, "position": {"line": 0, "character": 0}})
check(r.get("error", {}).get("code") == -32600, "a request after shutdown: -32600", r)
s.notify("exit", None)
rc, err = s.finish()
check(rc == 0, "exit after shutdown: status 0", rc)

# ---- the protocol's edges
s = Server()
r = s.request(1, "textDocument/hover", {"textDocument": {"uri": uri}, "position": {"line": 0, "character": 0}})
check(r.get("error", {}).get("code") == -32002, "a request before initialize: -32002", r)
s.request(2, "initialize", {"capabilities": {}})
s.raw(b"Content-Length: 5\r\n\r\n{bad}")
r = s.answer(None)
check(r.get("error", {}).get("code") == -32700 and "was expected" in r["error"]["message"], "malformed JSON: -32700, id null", r)
s.raw(b"Content-Type: application/json\r\n\r\n")
r = s.answer(None)
check(r.get("error", {}).get("code") == -32700 and "Content-Length" in r["error"]["message"],
      "a header without Content-Length: -32700", r)
s.raw(b"Content-Length: twelve\r\n\r\n")
r = s.answer(None)
check(r.get("error", {}).get("code") == -32700, "a Content-Length that is not a number: -32700", r)
s.send([1, 2])
r = s.answer(None)
check(r.get("error", {}).get("code") == -32600, "JSON that is not a request: -32600", r)
s.send({"jsonrpc": "2.0", "id": {"x": 1}, "method": "shutdown"})
r = s.answer(None)
check(r.get("error", {}).get("code") == -32600, "an object as id: -32600, id null", r)
r = s.request(3, "workspace/unknownThing", {})
check(r.get("error", {}).get("code") == -32601, "an unknown method: -32601", r)
s.notify("$/unknownNotification", {})  # ignored: the next answer is the next request's
r = s.request("four", "textDocument/hover", {"textDocument": {"uri": uri}})
check(r.get("id") == "four" and r.get("error", {}).get("code") == -32602, "hover without a position (string id): -32602", r)
# 300 bodies of random bytes or of a request with one byte changed: each gets its answer or an
# error (or, as a notification, none), and the server still answers the next request
rnd = random.Random(12)
base = json.dumps({"jsonrpc": "2.0", "id": 9, "method": "textDocument/hover",
                   "params": {"textDocument": {"uri": uri}, "position": {"line": 1, "character": 2}}}).encode()
for i in range(300):
    if i % 2:
        body = bytes(rnd.randrange(256) for _ in range(rnd.randrange(1, 120)))
    else:
        k = rnd.randrange(len(base))
        body = base[:k] + bytes([rnd.randrange(256)]) + base[k + 1:]
    s.raw(b"Content-Length: %d\r\n\r\n" % len(body) + body)
r = s.request("after", "textDocument/documentSymbol", {"textDocument": {"uri": "file:///nowhere.yb"}})
check(r.get("error", {}).get("code") == -32602, "300 garbled messages: each answered or refused, the server goes on", r)
big = 64 * 1024 * 1024 + 1  # LSP_MAX_MESSAGE + 1
s.raw(b"Content-Length: %d\r\n\r\n" % big)
s.raw(b" " * big)
r = s.answer(None)
check(r.get("error", {}).get("code") == -32600 and "64 MiB" in r["error"]["message"],
      "a message over 64 MiB: refused, skipped, -32600", r)
r = s.request(5, "textDocument/documentSymbol", {"textDocument": {"uri": "file:///nowhere.yb"}})
check(r.get("error", {}).get("code") == -32602, "the server still answers after all that (a document not open: -32602)", r)
s.notify("exit", None)
rc, err = s.finish()
check(rc == 1, "exit without shutdown: status 1", rc)

s = Server()
s.request(1, "initialize", {"capabilities": {}})
s.raw(b"Content-Length: 100\r\n\r\n{\"jsonrpc\"")
rc, err = s.finish()
check(rc == 1 and "end of input inside a message" in err, "input ending inside a message: status 1, said on stderr", err)

sys.exit(1 if fails else 0)
