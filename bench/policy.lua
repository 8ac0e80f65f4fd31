-- The benchmark's example policy in Lua 5.4 (the Lua baseline).
--
--   lua5.4 bench/policy.lua CLAIMS.tsv [--repeat R] [--out FILE]
--
-- Reads the TSV written by `gen_claims --format tsv` (layout in gen_claims.c
-- and bench/README.md) in batches of 1024 lines, parsing each line into a
-- claim table (untimed), and times only the per-claim logic over each batch
-- with os.clock() (CPU time).  R passes over the file, a fresh ledger each
-- (default 1); prints the best pass:
--
--   lua: N claims in X s = Y claims/s
--
-- --out FILE writes the settlements of the last pass as JSON Lines, in the same
-- shape and byte for byte as bench_native --out.
--
-- The rules are those of native_policy.c, written as ordinary idiomatic Lua:
-- enum values are (interned) strings, a claim is a table, items a list of
-- tables, the running totals a table per member per year.  Money is integer
-- fen and rates integer parts per million (Lua 5.4 integers are 64-bit); no
-- floating point touches money.  Settling allocates nothing except the running
-- totals of a (member, year) the first time it is seen.

local RATE_ONE = 1000000
local HALF = RATE_ONE // 2
local B_FIRST_RATE = 100000     -- 10 %
local LARGE_RATE = 900000       -- 90 %
local RETIRED_BONUS = 20000     -- +2 points
local BASIC_CAP = 15000000      -- 150,000.00
local LARGE_CAP = 50000000      -- 500,000.00
local D_EFFECTIVE = 20240101
local D_WAITING_FROM = 20250101
local D_PRENATAL_12 = 20250101
local D_NEWBORN_FROM = 20260101
local WAITING_MONTHS = 3

-- by scheme, indexed by level + 1
local DEDUCTIBLE = {
  employee = { 20000, 50000, 80000, 110000, 150000 },
  resident = { 20000, 50000, 80000, 120000, 200000 },
}
local RATIO = {
  employee = { 930000, 920000, 900000, 850000, 800000 },
  resident = { 850000, 820000, 800000, 650000, 600000 },
}
local SCHEME_OF_STATUS = {
  in_service = "employee", retired = "employee", flexible = "employee", pool_only = "employee",
  resident = "resident", student = "resident", newborn = "resident",
}

-- reasons, as bits, in the order they are listed
local R_NOT_COVERED, R_WAITING_PERIOD, R_NOT_DESIGNATED, R_NO_PRESCRIPTION, R_PRENATAL_TOO_EARLY =
  1, 2, 4, 8, 16
local REASON_NAMES = { "NOT_COVERED", "WAITING_PERIOD", "NOT_DESIGNATED", "NO_PRESCRIPTION",
  "PRENATAL_TOO_EARLY" }

-- m x r rounded half away from zero to the fen, for 0 <= m and 0 <= r <= 100 %.
-- Below 9.0e12 fen the product fits in 64 bits; above, split m so that no
-- intermediate overflows (exact for every non-negative 64-bit m).
local FAST_LIMIT = 9000000000000
local function mul_rate(m, r)
  if m <= FAST_LIMIT then
    return (m * r + HALF) // RATE_ONE
  end
  local q, s = m // RATE_ONE, m % RATE_ONE
  return q * r + (s * r + HALF) // RATE_ONE
end

-- m / r rounded up to the fen (0 <= m <= 9.0e12, the basic cap room; r > 0)
local function div_rate_up(m, r)
  return (m * RATE_ONE + r - 1) // r
end

local DAYS = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 }
-- YYYYMMDD + n months, clamped to the month's last day
local function add_months(ymd, n)
  local y, m, d = ymd // 10000, ymd // 100 % 100, ymd % 100
  local t = y * 12 + (m - 1) + n
  y, m = t // 12, t % 12 + 1
  local dim = DAYS[m]
  if m == 2 and ((y % 4 == 0 and y % 100 ~= 0) or y % 400 == 0) then dim = 29 end
  if d > dim then d = dim end
  return y * 10000 + m * 100 + d
end

-- Settle one claim in batch order against `ledger` (ledger[member_id][year]).
-- Returns an error code (1 status/scheme, 2 date, 3 gestation, 4 level) alone,
-- or 0, total, fund, copay, selfpay, basic, large, cash, reasons.
local function settle(c, ledger)
  local scheme, status, kind, date = c.scheme, c.status, c.kind, c.date
  if SCHEME_OF_STATUS[status] ~= scheme then return 1 end
  if date < D_EFFECTIVE then return 2 end
  if kind == "prenatal" and not c.gestation_weeks then return 3 end
  local level = c.level
  if level < 0 or level > 4 then return 4 end

  -- 1. catalog
  local total, selfpay, a_in, b_in = 0, 0, 0, 0
  local items = c.items
  for i = 1, #items do
    local it = items[i]
    local amount, class = it.amount, it.class
    total = total + amount
    if class == "C" then
      selfpay = selfpay + amount
    else
      local limit = it.limit
      local within = (limit and limit < amount) and limit or amount
      if class == "A" then a_in = a_in + within else b_in = b_in + within end
    end
  end
  local in_scope = a_in + b_in - mul_rate(b_in, B_FIRST_RATE)

  -- running totals: opened by the first good claim of (member, year), whatever its outcome
  local year = date // 10000
  local member_id = c.member_id
  local years = ledger[member_id]
  if not years then
    years = {}
    ledger[member_id] = years
  end
  local t = years[year]
  if not t then
    t = { admissions = c.ytd_admissions, basic_paid = c.ytd_basic_paid, large_paid = c.ytd_large_paid }
    years[year] = t
  end

  -- 2. gates
  local reasons = 0
  local cover = c.enrolled_on
  local birth = c.birth_date
  if status == "newborn" and c.parent_insured and birth and birth >= D_NEWBORN_FROM then
    cover = birth
  end
  if date < cover then
    reasons = R_NOT_COVERED
  elseif date >= D_WAITING_FROM and scheme == "resident" and status ~= "newborn"
      and (not c.in_window or c.gap_years > 0) then
    local extra = c.gap_years - 1 - c.backpaid_years
    if extra < 0 then extra = 0 end
    if date < add_months(c.enrolled_on, WAITING_MONTHS + extra) then
      reasons = R_WAITING_PERIOD
    end
  end
  if not c.designated then reasons = reasons | R_NOT_DESIGNATED end
  if (kind == "outpatient" or kind == "pharmacy") and not c.prescription then
    reasons = reasons | R_NO_PRESCRIPTION
  end
  if kind == "prenatal" and c.gestation_weeks < (date >= D_PRENATAL_12 and 12 or 20) then
    reasons = reasons | R_PRENATAL_TOO_EARLY
  end

  -- 3-5. the fund
  local basic, large = 0, 0
  if reasons == 0 then
    if kind == "inpatient" then
      local deductible = DEDUCTIBLE[scheme][level + 1]
      local ratio = RATIO[scheme][level + 1]
      if status == "retired" then ratio = ratio + RETIRED_BONUS end
      if t.admissions > 0 then deductible = deductible // 2 end -- even fen: exact
      local eligible = in_scope - deductible
      if eligible < 0 then eligible = 0 end
      local x = mul_rate(eligible, ratio)
      local room = BASIC_CAP - t.basic_paid
      if room < 0 then room = 0 end
      if scheme == "employee" then
        if x <= room then
          basic = x
        else
          basic = room
          local covered = 0
          if room > 0 then
            covered = div_rate_up(room, ratio)
            if covered > eligible then covered = eligible end
          end
          large = mul_rate(eligible - covered, LARGE_RATE)
          local lroom = LARGE_CAP - t.large_paid
          if lroom < 0 then lroom = 0 end
          if large > lroom then large = lroom end
        end
      else
        basic = x <= room and x or room
      end
      t.admissions = t.admissions + 1
      t.basic_paid = t.basic_paid + basic
      t.large_paid = t.large_paid + large
    elseif kind == "maternity" then
      basic = in_scope
    end
    -- outpatient, pharmacy, chronic, prenatal: fund 0 in the example policy
  end

  -- 6. the split
  local fund = basic + large
  local copay = total - fund - selfpay
  return 0, total, fund, copay, selfpay, basic, large, copay + selfpay, reasons
end

---------------------------------------------------------------- loading

local function die(msg)
  io.stderr:write("policy.lua: ", msg, "\n")
  os.exit(1)
end

-- "-" is absent
local function int(s) if s ~= "-" then return math.tointeger(tonumber(s)) end end

local FIXED = "^" .. string.rep("([^\t]+)\t", 28) .. "([^\t]+)(.*)$"
local ITEM = "\t([^\t]+)\t([ABC])\t(%d+)\t([^\t]+)\t([^\t]+)"

-- One TSV line -> one claim table.
local function parse(line, lineno)
  local claim_id, member_id, scheme, status, _sex, birth, enrolled, in_window, _cont, gap,
  backpaid, _zero, parent_insured, _assist, _account, kind, date, _discharged, _inst, _comm,
  level, designated, prescription, _disease, gestation, ytd_adm, ytd_basic, ytd_large, nitems,
  rest = line:match(FIXED)
  if not claim_id then die(("line %d: too few fields"):format(lineno)) end
  local items, k = {}, 0
  for _code, class, amount, limit, _qty in rest:gmatch(ITEM) do
    k = k + 1
    items[k] = { class = class, amount = math.tointeger(amount), limit = int(limit) }
  end
  if k ~= tonumber(nitems) or k == 0 then die(("line %d: bad items"):format(lineno)) end
  return {
    claim_id = claim_id,
    member_id = member_id,
    scheme = scheme,
    status = status,
    birth_date = int(birth),
    enrolled_on = int(enrolled),
    in_window = in_window == "1",
    gap_years = int(gap),
    backpaid_years = int(backpaid),
    parent_insured = parent_insured == "1",
    kind = kind,
    date = int(date),
    level = int(level),
    designated = designated == "1",
    prescription = prescription == "1",
    gestation_weeks = int(gestation),
    ytd_admissions = int(ytd_adm),
    ytd_basic_paid = int(ytd_basic),
    ytd_large_paid = int(ytd_large),
    items = items,
  }
end

---------------------------------------------------------------- output

local function money(v)
  if v < 0 then return ("-%d.%02d"):format(-v // 100, -v % 100) end
  return ("%d.%02d"):format(v // 100, v % 100)
end

local ZERO = money(0)
local names = {}
local function write_settlement(f, c, total, fund, copay, selfpay, basic, large, cash, reasons)
  local k = 0
  for b = 1, #REASON_NAMES do
    if reasons & (1 << (b - 1)) ~= 0 then
      k = k + 1
      names[k] = '"' .. REASON_NAMES[b] .. '"'
    end
  end
  f:write('{"claim_id":"', c.claim_id, '","member_id":"', c.member_id, '","status":"settled"',
    ',"total":"', money(total), '","fund":"', money(fund), '","copay":"', money(copay),
    '","selfpay":"', money(selfpay), '","basic":"', money(basic), '","large":"', money(large),
    '","critical":"', ZERO, '","assistance":"', ZERO, '","account":"', ZERO,
    '","cash":"', money(cash), '","reasons":[', table.concat(names, ",", 1, k),
    '],"alerts":[]}\n')
end

---------------------------------------------------------------- main

local path, out, repeat_ = nil, nil, 1
do
  local i = 1
  while i <= #arg do
    local a = arg[i]
    if a == "--out" then out = arg[i + 1]; i = i + 1
    elseif a == "--repeat" then repeat_ = math.tointeger(tonumber(arg[i + 1])); i = i + 1
    elseif not path and a:sub(1, 1) ~= "-" then path = a
    else path = nil; break end
    i = i + 1
  end
  if not path or not repeat_ or repeat_ < 1 then
    io.stderr:write("usage: lua5.4 policy.lua CLAIMS.tsv [--repeat R] [--out FILE]\n")
    os.exit(2)
  end
end

-- The claims are loaded and settled a batch at a time: loading (untimed)
-- parses BATCH lines into claim tables, then the policy runs over them
-- (timed).  A batch of claim tables fits in the CPU caches, as a claim the
-- VM has just read does; loading a million tables first and then walking a
-- 2 GB heap would time cache misses more than Lua.  The collector is stopped
-- while the policy runs, so that collecting the loader's garbage is charged
-- to loading; the policy itself allocates only a member's first totals.
local BATCH = 1024
local claims = {}
local R = {} -- results of the batch: R[9*(i-1) + 1 .. 9*i] = err, total, fund, ...

local best, n, errors = math.huge, 0, 0
for pass = 1, repeat_ do
  local f, err = io.open(path, "r")
  if not f then die(err) end
  local o
  if out and pass == repeat_ then
    o, err = io.open(out, "w")
    if not o then die(err) end
    o:setvbuf("full", 1 << 20)
  end
  collectgarbage("collect") -- every pass starts from a clean heap
  local ledger = {}
  local elapsed, lineno, done = 0.0, 0, false
  n, errors = 0, 0
  while not done do
    local nb = 0
    while nb < BATCH do
      local line = f:read("l")
      if not line then done = true; break end
      lineno = lineno + 1
      if line ~= "" then
        nb = nb + 1
        claims[nb] = parse(line, lineno)
      end
    end

    collectgarbage("stop")
    local t0 = os.clock()
    for i = 1, nb do
      local j = 9 * (i - 1)
      R[j + 1], R[j + 2], R[j + 3], R[j + 4], R[j + 5], R[j + 6], R[j + 7], R[j + 8], R[j + 9] =
        settle(claims[i], ledger)
    end
    elapsed = elapsed + (os.clock() - t0)
    collectgarbage("restart")

    for i = 1, nb do
      local j = 9 * (i - 1)
      if R[j + 1] ~= 0 then
        errors = errors + 1
      elseif o then
        write_settlement(o, claims[i], R[j + 2], R[j + 3], R[j + 4], R[j + 5], R[j + 6], R[j + 7],
          R[j + 8], R[j + 9])
      end
    end
    n = n + nb
  end
  f:close()
  if o then o:close() end
  if elapsed < best then best = elapsed end
end

print(("lua: %d claims in %.3f s = %.0f claims/s"):format(n, best, best > 0 and n / best or 0))
if errors > 0 then print(("lua: %d record errors (no settlement)"):format(errors)) end
