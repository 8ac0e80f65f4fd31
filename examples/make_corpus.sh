#!/usr/bin/env bash
# make_corpus.sh: writes examples/corpus.jsonl, a small realistic corpus of claims in
# the format of docs/claim-schema.md, for the standard policy:
#
#   bash examples/make_corpus.sh > examples/corpus.jsonl
#   ./bin/yibao run stdlib-policies/hunan.yb examples/corpus.jsonl
#
# 40 members (employees in service, retired, flexible and pool-only; residents,
# students, a newborn, late enrolees, assistance households, relatives paying
# through a family member's account) and 320 claims across 2025 in date order:
# mostly outpatient and pharmacy visits, chronic-disease visits, admissions at
# every level, a few deliveries and prenatal checks, capitated drugs at village
# clinics, some class-C items and price limits, a few non-designated institutions,
# missing prescriptions and resubmitted duplicates; one employee's costly illness
# reaches large-amount insurance.  Deterministic: a Park-Miller
# generator with a fixed seed (exact in awk's doubles), so every awk gives the
# same file.  Only bash and awk.
set -eu
awk -v seed="${1:-20250101}" '
function rnd(n) { x = (x * 16807) % 2147483647; return x % n }        # 0 .. n-1
function money(fen) { return sprintf("%d.%02d", int(fen / 100), fen % 100) }
function pick(list,    a, n) { n = split(list, a, " "); return a[rnd(n) + 1] }
# date of day d of 2025 (0-based)
function date(d,    m, ml) {
    split("31 28 31 30 31 30 31 31 30 31 30 31", ml, " ")
    for (m = 1; d >= ml[m]; m++) d -= ml[m]
    return sprintf("2025-%02d-%02d", m, d + 1)
}
BEGIN {
    x = seed
    # ---- members: id | scheme | status | sex | birth | enrolled | extra member fields
    nm = 0
    for (i = 1; i <= 22; i++) {
        st = (i <= 14) ? "in_service" : (i <= 19) ? "retired" : (i <= 21) ? "flexible" : "pool_only"
        id = sprintf("430102%04d%02d", 1960 + rnd(40), i)
        nm++; mid[nm] = id; sch[nm] = "employee"; sts[nm] = st
        sx[nm] = (rnd(2) ? "F" : "M"); birth[nm] = sprintf("%d-%02d-%02d", (st == "retired") ? 1950 + rnd(10) : 1970 + rnd(30), 1 + rnd(12), 1 + rnd(28))
        enr[nm] = sprintf("%d-%02d-01", 2000 + rnd(20), 1 + rnd(12))
        ext[nm] = ",\"continuous_years\":" (5 + rnd(15))
        if (st == "in_service" || st == "retired") ext[nm] = ext[nm] ",\"account_balance\":\"" money(20000 + rnd(800000)) "\""
        if (i == 9) ext[nm] = ext[nm] ",\"assistance\":\"low_income\""
    }
    for (i = 23; i <= 40; i++) {
        st = (i <= 34) ? "resident" : (i <= 37) ? "student" : (i == 38) ? "newborn" : "resident"
        id = sprintf("430521%04d%02d", 1950 + rnd(60), i)
        nm++; mid[nm] = id; sch[nm] = "resident"; sts[nm] = st
        sx[nm] = (rnd(2) ? "F" : "M")
        birth[nm] = (st == "student") ? sprintf("%d-%02d-%02d", 2005 + rnd(8), 1 + rnd(12), 1 + rnd(28)) \
                  : (st == "newborn") ? "2025-02-14" : sprintf("%d-%02d-%02d", 1945 + rnd(50), 1 + rnd(12), 1 + rnd(28))
        enr[nm] = (st == "newborn") ? "2025-03-01" : sprintf("%d-01-01", 2012 + rnd(12))
        ext[nm] = ",\"continuous_years\":" (1 + rnd(12)) ",\"zero_reimbursement_years\":" rnd(3)
        if (i == 39) { enr[nm] = "2025-03-10"; ext[nm] = ",\"continuous_years\":1,\"in_window\":false" }   # late enrolee
        if (i == 40) { enr[nm] = "2025-01-15"; ext[nm] = ",\"continuous_years\":1,\"gap_years\":3,\"backpaid_years\":1" }
        if (i == 24) ext[nm] = ext[nm] ",\"assistance\":\"extreme_poverty\""
        if (i == 27) ext[nm] = ext[nm] ",\"assistance\":\"at_risk\""
        if (i == 31) ext[nm] = ext[nm] ",\"assistance\":\"low_income\""
    }
    # family mutual aid: residents 25, 26, 35 and the newborn 38 are close relatives of employees
    payer[25] = 1;  rel[25] = "parent"
    payer[26] = 2;  rel[26] = "spouse"
    payer[35] = 3;  rel[35] = "child"
    payer[38] = 4;  rel[38] = "grandchild"
    payer[33] = 5;  rel[33] = "other"           # not a close relative: refused
    # chronic patients (hypertension I10, diabetes E11, CKD N18)
    chronic[3] = "I10"; chronic[15] = "E11"; chronic[16] = "I10"; chronic[24] = "E11"; chronic[28] = "I10"; chronic[30] = "N18"
    hosp[0] = "C430521001 C430521002 C430521003"; hosp[1] = "W430521010 W430521011"
    hosp[2] = "H430521100 H430521101"; hosp[3] = "H430100200 H430100201"; hosp[4] = "H430000300"
    comm = "JH-01 JH-02 JH-03"

    n = 320; last = ""
    for (c = 1; c <= n; c++) {
        day = int((c - 1) * 365 / n)
        m = 1 + rnd(nm)
        r = rnd(100)
        kind = (r < 38) ? "outpatient" : (r < 62) ? "pharmacy" : (r < 82) ? "inpatient" : "chronic"
        if (kind == "chronic" && !(m in chronic)) kind = "outpatient"
        if (m == 7 && rnd(2)) kind = "inpatient"                      # member 7 is often in hospital
        if (sts[m] == "newborn" && kind == "chronic") kind = "outpatient"
        # a few deliveries and prenatal checks for women of working age
        if (sx[m] == "F" && sts[m] != "retired" && sts[m] != "student" && sts[m] != "newborn" && rnd(100) < 8)
            kind = (rnd(3) ? "prenatal" : "maternity")
        if (sts[m] == "newborn" && day < 44) day = 44 + rnd(20)     # not before the birth (2025-02-14)
        lv = (kind == "inpatient" || kind == "maternity") ? 1 + rnd(4) : (rnd(100) < 55 ? 0 : rnd(5))
        inst = pick(hosp[lv])
        v = "\"kind\":\"" kind "\",\"date\":\"" date(day) "\""
        if (kind == "inpatient" || kind == "maternity") {
            stay = (kind == "maternity") ? 2 + rnd(4) : 1 + rnd(14)
            v = v ",\"discharged_on\":\"" date((day + stay > 364) ? 364 : day + stay) "\""
        }
        v = v ",\"institution_id\":\"" inst "\""
        if (lv == 0) v = v ",\"community_id\":\"" pick(comm) "\""
        v = v ",\"level\":" lv
        if (rnd(100) < 3) v = v ",\"designated\":false"
        if ((kind == "outpatient" || kind == "pharmacy") && rnd(100) < 4) v = v ",\"prescription\":false"
        if (kind == "chronic") v = v ",\"disease\":\"" chronic[m] "\""
        if (kind == "prenatal") v = v ",\"gestation_weeks\":" (8 + rnd(30))
        # items
        its = ""; ni = (kind == "inpatient") ? 3 + rnd(5) : 1 + rnd(4)
        for (k = 1; k <= ni; k++) {
            cr = rnd(100); cl = (cr < 62) ? "A" : (cr < 94) ? "B" : "C"
            if (kind == "inpatient")      fen = (m == 7 ? 12 : 1) * (20000 + rnd(1500000))   # member 7: a long, costly illness
            else if (kind == "maternity") fen = 50000 + rnd(300000)
            else if (kind == "chronic")   fen = 3000 + rnd(60000)
            else                          fen = 500 + rnd(25000)
            it = "{\"code\":\"" cl sprintf("%04d", rnd(10000)) "\",\"class\":\"" cl "\",\"amount\":\"" money(fen) "\""
            if (cl != "C" && rnd(100) < 10) it = it ",\"limit\":\"" money(int(fen * (70 + rnd(30)) / 100)) "\""
            if (kind != "inpatient") it = it ",\"qty\":" (1 + rnd(6))
            if (cl == "A" && lv == 0 && (kind == "outpatient" || kind == "pharmacy" || kind == "chronic") && rnd(100) < 40)
                it = it ",\"capitated\":true"
            its = its (k > 1 ? "," : "") it "}"
        }
        mem = "\"status\":\"" sts[m] "\",\"sex\":\"" sx[m] "\",\"birth_date\":\"" birth[m] "\",\"enrolled_on\":\"" enr[m] "\"" ext[m]
        line = "{\"claim_id\":\"HN2025" sprintf("%06d", c) "\",\"member_id\":\"" mid[m] "\",\"scheme\":\"" sch[m] "\"," \
               "\"member\":{" mem "},\"visit\":{" v "},\"items\":[" its "]"
        if (m in payer) {
            p = payer[m]
            line = line ",\"account_payer\":{\"member_id\":\"" mid[p] "\",\"relation\":\"" rel[m] "\",\"balance\":\"" money(50000 + rnd(300000)) "\"}"
        }
        print line "}"
        # now and then the same claim is submitted twice (smart review holds the second)
        if (rnd(100) < 2) { sub(/"claim_id":"HN2025[0-9]*"/, "\"claim_id\":\"HN2025" sprintf("%06d", c) "R\"", line); print line "}" }
    }
}'
