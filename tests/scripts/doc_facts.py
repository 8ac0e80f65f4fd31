# Reads a `yibao doc` page as Chromium built it (--dump-dom) and checks facts about it, one an argument;
# prints "ok: PAGE: FACT" or "FAIL: PAGE: FACT (what was found)".  Used by doc_html.sh.
#   cell PARAM|FROM|KEY = V         the value in force from FROM (without the struck-out old one)
#   cell PARAM|FROM|KEY struck V    the value struck out beside it (the one before FROM)
#   cell PARAM|FROM|KEY was TEXT    a note under it ("base: 1200.00", "before: 85%")
#   highlighted|plain PARAM|FROM|KEY   marked, or not, as changed since --diff OLD
#   datehead GROUP|FROM ~ TEXT      the header of FROM's column in GROUP's table holds TEXT
#   timeline GROUP                  GROUP's section draws its dates on a timeline
#   comment GROUP ~ TEXT            GROUP's source comment holds TEXT
#   readers GROUP ~ TEXT            GROUP's "Read by" line holds TEXT
#   rule NAME = #N STAGE            rule NAME is the Nth in evaluation order, in STAGE
#   badge NAME ~ TEXT               rule NAME carries a badge holding TEXT
#   count ID = N                    the section ID (changes, amendments) counts N differences
#   invariants = N                  N invariants are listed
#   invariant TEXT ~ STATUS         the invariant whose line holds TEXT is marked STATUS
#   section ID | nosection ID       an element with that id is, or is not, on the page
import sys
from html.parser import HTMLParser

VOID = {"br", "meta", "img", "hr", "input", "link", "circle", "line", "rect", "path"}


class Page(HTMLParser):
    def __init__(self):
        super().__init__()
        self.stack = []  # (tag, attrs)
        self.cells, self.rules, self.ids, self.counts = {}, {}, set(), {}
        self.comments, self.readers, self.heads, self.timelines, self.badges = {}, {}, {}, set(), {}
        self.invariants = 0
        self.invariant_text = []
        self.section = None

    def inside(self, tag, cls=None):
        return any(t == tag and (cls is None or cls in a.get("class", "").split()) for t, a in self.stack)

    def handle_starttag(self, tag, attrs):
        a = dict((k, v or "") for k, v in attrs)
        if "id" in a:
            self.ids.add(a["id"])
        if tag == "section":
            self.section = a.get("id")
            if a.get("class") == "rule":
                self.rules[a["id"][2:]] = {"stage": a.get("data-stage", ""), "no": ""}
        if tag == "td" and "data-param" in a:
            key = "%s|%s|%s" % (a["data-param"], a["data-from"], a["data-key"])
            self.cell = self.cells[key] = {"value": "", "struck": "", "was": [], "class": a.get("class", "").split()}
        if tag == "svg" and "tl" in a.get("class", "") and self.section:
            self.timelines.add(self.section[2:])
        if tag == "li" and self.inside("ul") and any(x.get("id") == "invariant-list" for _, x in self.stack):
            self.invariants += 1
            self.invariant_text.append("")
        if tag not in VOID:
            self.stack.append((tag, a))
        if tag == "div" and "was" in a.get("class", "") and self.inside("td"):
            self.cell["was"].append("")

    def handle_endtag(self, tag):
        while self.stack:
            t, _ = self.stack.pop()
            if t == tag:
                break
        if tag == "section":
            self.section = None

    def handle_data(self, data):
        sec = self.section[2:] if self.section else None
        top = self.stack[-1][1] if self.stack else {}
        cls = top.get("class", "").split()
        if self.inside("td") and any("data-param" in a for _, a in self.stack):
            if self.inside("div", "was"):
                self.cell["was"][-1] += data
            elif self.inside("del"):
                self.cell["struck"] += data
            else:
                self.cell["value"] += data
        if sec and self.inside("div", "comment"):
            self.comments[sec] = self.comments.get(sec, "") + data
        if sec and self.inside("div", "used"):
            self.readers[sec] = self.readers.get(sec, "") + data
        if sec and self.inside("th", "date"):
            self.heads.setdefault(sec, []).append(data)
        if sec and "no" in cls and sec in self.rules:
            self.rules[sec]["no"] = data.strip()
        if sec and self.inside("span", "badge"):
            self.badges[sec] = self.badges.get(sec, "") + data + " "
        if self.invariant_text and any(a.get("id") == "invariant-list" for _, a in self.stack):
            self.invariant_text[-1] += data
        if top.get("id", "").endswith("-count"):
            self.counts[top["id"][:-6]] = data.strip()


def check(page, fact):
    words = fact.split(" ", 1)
    kind, rest = words[0], words[1] if len(words) > 1 else ""
    if kind in ("cell", "highlighted", "plain"):
        if kind != "cell":
            c = page.cells.get(rest)
            return c is not None and (("diff" in c["class"]) == (kind == "highlighted")), c and c["class"]
        for op in (" = ", " struck ", " was "):
            if op in rest:
                key, want = rest.split(op, 1)
                break
        c = page.cells.get(key)
        if c is None:
            return False, "no such cell"
        got = {" = ": c["value"].strip(), " struck ": c["struck"].strip(), " was ": c["was"]}[op]
        return (want in got) if op == " was " else got == want, got
    if kind in ("comment", "readers", "badge"):
        name, want = rest.split(" ~ ", 1)
        got = {"comment": page.comments, "readers": page.readers, "badge": page.badges}[kind].get(name, "")
        return want in got, got[:200]
    if kind == "datehead":
        key, want = rest.split(" ~ ", 1)
        group, day = key.split("|")
        heads = page.heads.get(group, [])
        text = " ".join(heads)
        return ("from " + day) in text and want in text, text[:200]
    if kind == "timeline":
        return rest in page.timelines, sorted(page.timelines)[:5]
    if kind == "rule":
        name, want = rest.split(" = ", 1)
        r = page.rules.get(name, {})
        got = "%s %s" % (r.get("no"), r.get("stage"))
        return got == want, got
    if kind == "count":
        name, want = rest.split(" = ", 1)
        return page.counts.get(name) == want, page.counts.get(name)
    if kind == "invariants":
        return str(page.invariants) == rest.split("= ")[1], page.invariants
    if kind == "invariant":
        text, want = rest.split(" ~ ", 1)
        got = [t for t in page.invariant_text if text in t]
        return len(got) == 1 and want in got[0], got
    if kind in ("section", "nosection"):
        return (rest in page.ids) == (kind == "section"), None
    return False, "unknown fact"


def main():
    page = Page()
    with open(sys.argv[1], encoding="utf-8") as f:
        page.feed(f.read())
    for fact in sys.argv[3:]:
        ok, got = check(page, fact)
        print("%s: %s: %s%s" % ("ok" if ok else "FAIL", sys.argv[2], fact, "" if ok else " (found %r)" % (got,)))


main()
