# invariants.awk: checks the settlement invariants of docs/claim-schema.md.
#
#   yibao run POLICY CLAIMS | awk -f tests/invariants.awk
#
# Every input line is printed unchanged.  For each settlement line (a JSON object;
# batch report lines, {"report":...}, are passed over)
# that breaks an invariant, one more line follows it:
#
#   INVARIANT VIOLATED: <claim_id>: <which>
#
# so a golden diff fails.  The invariants:
#   money       every money field is present and has exactly two decimals
#   negative    no money field is below zero
#   total       total = fund + copay + selfpay
#   fund        fund = basic + large + critical + assistance
#   cash        copay + selfpay = account + cash
#   account     account <= copay
#   held        a held claim has fund 0
# Arithmetic is exact: amounts are read as whole numbers of fen (the dot is
# stripped) and added digit by digit as strings, never as floating point.

# ---- unsigned decimal strings (digits only) ----
function norm(a) { sub(/^0+/, "", a); return a == "" ? "0" : a }
function add(a, b,    r, i, j, c, s) {
    r = ""; c = 0; i = length(a); j = length(b)
    while (i > 0 || j > 0 || c) {
        s = c + (i > 0 ? substr(a, i, 1) + 0 : 0) + (j > 0 ? substr(b, j, 1) + 0 : 0)
        r = (s % 10) r; c = int(s / 10); i--; j--
    }
    return norm(r)
}
function cmp(a, b) {           # -1, 0, 1
    a = norm(a); b = norm(b)
    if (length(a) != length(b)) return length(a) < length(b) ? -1 : 1
    return a < b ? -1 : (a > b ? 1 : 0)
}

# the value of "key":"..." in the settlement part of the line ("" if absent)
function field(s, key,    m) {
    if (match(s, "\"" key "\":\"[^\"]*\"")) {
        m = substr(s, RSTART + length(key) + 4, RLENGTH - length(key) - 5)
        return m
    }
    return "\001"
}

function violated(what) { print "INVARIANT VIOLATED: " id ": " what }

{
    print
    if ($0 !~ /^[ \t]*\{/) next
    if ($0 ~ /^[ \t]*\{"report":/) next     # a batch report line (--report -), not a settlement
    s = $0
    e = index(s, ",\"explain\":")           # explanations may name the same keys
    if (e) s = substr(s, 1, e - 1)
    id = field(s, "claim_id"); if (id == "\001") id = "?"

    n = split("total fund copay selfpay basic large critical assistance account cash", names, " ")
    ok = 1
    for (k = 1; k <= n; k++) {
        v = field(s, names[k])
        if (v == "\001") { violated("money: " names[k] " is missing"); ok = 0; continue }
        if (v ~ /^-[0-9]+\.[0-9][0-9]$/) { violated("negative: " names[k] " is " v); ok = 0; continue }
        if (v !~ /^[0-9]+\.[0-9][0-9]$/) { violated("money: " names[k] " is " v ", not two decimals"); ok = 0; continue }
        sub(/\./, "", v)
        f[names[k]] = norm(v)
    }
    if (!ok) next

    if (cmp(f["total"], add(add(f["fund"], f["copay"]), f["selfpay"])) != 0)
        violated("total: total " f["total"] " fen != fund + copay + selfpay " add(add(f["fund"], f["copay"]), f["selfpay"]) " fen")
    if (cmp(f["fund"], add(add(f["basic"], f["large"]), add(f["critical"], f["assistance"]))) != 0)
        violated("fund: fund " f["fund"] " fen != basic + large + critical + assistance " add(add(f["basic"], f["large"]), add(f["critical"], f["assistance"])) " fen")
    if (cmp(add(f["copay"], f["selfpay"]), add(f["account"], f["cash"])) != 0)
        violated("cash: copay + selfpay " add(f["copay"], f["selfpay"]) " fen != account + cash " add(f["account"], f["cash"]) " fen")
    if (cmp(f["account"], f["copay"]) > 0)
        violated("account: account " f["account"] " fen > copay " f["copay"] " fen")
    if (field(s, "status") == "held" && cmp(f["fund"], "0") != 0)
        violated("held: a held claim has fund " f["fund"] " fen")
}
