-- seqaudit checkpoint: one atomic step per (topic shard, consumer poll).
-- Checks that the shard's state is the one the caller audits against (its generation, and every key that must
-- exist), compares the partition offsets the caller read with what Redis holds (compare-and-set), and only if
-- every one matches writes the new offsets with the audit state they reflect. A stale owner of a partition
-- (after a rebalance or a pause) finds its expected offset moved and writes nothing: that is the fencing.
-- All keys share the shard's hash tag, so the script runs on Redis Cluster without cross-slot errors.
--
-- KEYS: 1 offsets, 2 cover, 3 progress, 4 streams, 5 gaps, 6 open, 7 totals, 8 dups, 9 pe, 10 expired, 11 meta,
--       12 leader epochs, 13 truncation journal, 14 gap index (every gap id, score 0: the API's stable order),
--       15 (optional) the chain key of the lane the checkpoint was sent on (io.seqaudit.state.CheckpointLane)
-- ARGV: generation, checkpoint id, the id of the checkpoint this one follows on its lane or '', then sections,
--       each starting with its count:
--   partitions: n, then n x (partition, expected offset or '', new offset, progress ms or '', cover or '',
--               leader epoch or '')
--   guarded:    n, then n x (field, expected blob or '', new blob or '' to delete): the stored blob must be the
--               expected one.
--   owned:      n, then n x (field, new blob or '' to delete): single-partition streams written by the owner of
--               their partition, whose offset already fences the write. The stored blob must not be one that
--               spans partitions (flag bit 1 of its first byte), which another owner may have changed; that is
--               only read when the shard holds such streams at all (totals field 'streams:spread', kept here).
--               An owned write never spreads a stream: the writer sends those guarded.
--   gaps:       n, then n x (gap id, json or '' to delete)
--   open:       n, then n x (field, home partition or '' to delete)
--   totals:     n, then n x (name, delta); the names are io.seqaudit.state.TotalField's
--   dups:       cap, n, then n x json
--   pe:         n, then n x (producer-epoch hash, 'epoch producer')
--   expired:    n, then n x (producer-epoch hash, time ms)
--   journal:    n, then n x (segment name, entries or '' to delete)
--   meta:       n, then n x field of the meta hash to delete (a handled truncation's marker)
-- Returns {1} when applied; {0, {partition, current offset, ...}, {field, current blob, ...}} on a conflict;
-- {2, what, current generation or ''} when the state is not the one the caller audits against (lost, or
-- replaced by a re-audit): nothing is written then. {3} when the checkpoint it follows on its lane is not the last
-- one the lane applied here: it was built on top of that one, so nothing is written either.

local pos = 4
local function take()
  local v = ARGV[pos]
  pos = pos + 1
  return v
end

-- Redis commands take a bounded number of arguments through unpack: large calls go in chunks. CHUNK is even, so
-- HSET's field/value pairs never split across two calls.
local CHUNK = 2000
local function chunked(cmd, key, items)
  local n = #items
  if n <= CHUNK then return redis.call(cmd, key, unpack(items)) end
  local out = {}
  for i = 1, n, CHUNK do
    -- unpack of a slice: the items are not copied into a table per chunk.
    local r = redis.call(cmd, key, unpack(items, i, math.min(i + CHUNK - 1, n)))
    if type(r) == 'table' then
      for j = 1, #r do out[#out + 1] = r[j] end
    end
  end
  return out
end
local function hmget(key, fields) return chunked('HMGET', key, fields) end
local function hset(key, pairs) chunked('HSET', key, pairs) end
local function hdel(key, fields) chunked('HDEL', key, fields) end

-- 0. Identity: the generation written when the state was created.
local gen = redis.call('HGET', KEYS[11], 'gen')
if gen ~= ARGV[1] then
  return { 2, 'meta', gen or '' }
end

-- A lane keeps a second checkpoint in flight, built on top of the first: it applies only after the first did.
if KEYS[15] and ARGV[3] ~= '' and redis.call('GET', KEYS[15]) ~= ARGV[3] then
  return { 3 }
end

-- 1. Partitions: compare offsets.
local np = tonumber(take())
local parts, pfields, pexpected = {}, {}, {}
local anyExpected = false
for i = 1, np do
  local p, exp, new, prog, cov, le = take(), take(), take(), take(), take(), take()
  parts[i] = { p, new, prog, cov, le }
  pfields[i] = p
  pexpected[i] = exp
  if exp ~= '' then anyExpected = true end
end
-- The totals' field names are owned by io.seqaudit.state.TotalField (STREAMS, MISSING_SUSPECTED, MISSING_LOST,
-- SPREAD).
local t = redis.call('HMGET', KEYS[7], 'streams', 'missing:suspected', 'missing:lost', 'streams:spread')
local nstreams, nsusp, nlost = tonumber(t[1] or '0'), tonumber(t[2] or '0'), tonumber(t[3] or '0')
-- How many stored streams span partitions: counted from the first stream on. A state whose streams were written
-- before it was counted has no count: there every owned stream is checked, as before.
local counted = t[4] ~= false or nstreams == 0
local nspread = tonumber(t[4] or '0')

-- 2. Streams, straight into what will be written (written only once every check passed).
local function spreads(blob)
  if blob ~= '' and bit.band(string.byte(blob, 1), 1) == 1 then return 1 end
  return 0
end
local puts, dels = {}, {}
local spreadDelta = 0
local ng = tonumber(take())
local gfields, gexpected = {}, {}
for i = 1, ng do
  local f, exp, new = ARGV[pos], ARGV[pos + 1], ARGV[pos + 2]
  pos = pos + 3
  gfields[i], gexpected[i] = f, exp
  if new == '' then
    dels[#dels + 1] = f
  else
    puts[#puts + 1] = f
    puts[#puts + 1] = new
  end
  spreadDelta = spreadDelta + spreads(new) - spreads(exp)
end
local no = tonumber(take())
-- Owned streams' stored blobs are read only while some stream of the shard spans partitions.
local checkOwned = no > 0 and (not counted or nspread > 0)
local ofields = {}
-- Written inline like the loop above rather than through a shared helper: a Lua function call per stream, on the
-- script's busiest path (thousands of owned streams per checkpoint).
for i = 1, no do
  local f, new = ARGV[pos], ARGV[pos + 1]
  pos = pos + 2
  if checkOwned then ofields[i] = f end
  if new == '' then
    dels[#dels + 1] = f
  else
    puts[#puts + 1] = f
    puts[#puts + 1] = new
  end
end

-- Keys that must exist once the state holds what they describe: a missing one was evicted or deleted, and
-- writing on would turn what it held into silence or false findings.
local function lost(what) return { 2, what, gen } end
if anyExpected then
  if redis.call('EXISTS', KEYS[1]) == 0 then return lost('offsets') end
  if redis.call('EXISTS', KEYS[2]) == 0 then return lost('cover') end
  if redis.call('EXISTS', KEYS[3]) == 0 then return lost('progress') end
end
if nstreams > 0 then
  if redis.call('EXISTS', KEYS[4]) == 0 then return lost('streams') end
  if redis.call('EXISTS', KEYS[9]) == 0 then return lost('pe') end
elseif redis.call('EXISTS', KEYS[4]) == 1 and redis.call('EXISTS', KEYS[7]) == 0 then
  return lost('totals')
end
if nsusp > 0 and redis.call('EXISTS', KEYS[6]) == 0 then return lost('open') end
if nsusp + nlost > 0 and redis.call('EXISTS', KEYS[5]) == 0 then return lost('gaps') end

local oconf, sconf = {}, {}
if np > 0 then
  local cur = hmget(KEYS[1], pfields)
  for i = 1, np do
    local c = cur[i]
    if c == false or c == nil then c = '' end
    if c ~= pexpected[i] then
      -- An offset never disappears while the generation stands: a missing one is lost state, not a new owner.
      if c == '' then return lost('offsets') end
      oconf[#oconf + 1] = pfields[i]
      oconf[#oconf + 1] = c
    end
  end
end
if ng > 0 then
  local cur = hmget(KEYS[4], gfields)
  for i = 1, ng do
    local c = cur[i]
    if c == false or c == nil then c = '' end
    if c ~= gexpected[i] then
      sconf[#sconf + 1] = gfields[i]
      sconf[#sconf + 1] = c
    end
  end
end
if checkOwned then
  local cur = hmget(KEYS[4], ofields)
  for i = 1, no do
    local c = cur[i]
    if c ~= false and c ~= nil and c ~= '' and bit.band(string.byte(c, 1), 1) == 1 then
      sconf[#sconf + 1] = ofields[i]
      sconf[#sconf + 1] = c
    end
  end
end
if #oconf > 0 or #sconf > 0 then
  return { 0, oconf, sconf }
end

-- Everything matches: apply.
local offs, progs, eps, cps = {}, {}, {}, {}
for i = 1, np do
  local x = parts[i]
  offs[#offs + 1] = x[1]
  offs[#offs + 1] = x[2]
  if x[3] ~= '' then
    progs[#progs + 1] = x[1]
    progs[#progs + 1] = x[3]
  end
  if x[4] ~= '' then redis.call('HSETNX', KEYS[2], x[1], x[4]) end
  if x[5] ~= '' then
    eps[#eps + 1] = x[1]
    eps[#eps + 1] = x[5]
  end
  cps[#cps + 1] = 'cp:' .. x[1]
  cps[#cps + 1] = ARGV[2]
end
-- The chain lives only as long as a checkpoint can be in flight behind it (10 minutes is far beyond that).
if KEYS[15] then redis.call('SET', KEYS[15], ARGV[2], 'PX', 600000) end
if #offs > 0 then hset(KEYS[1], offs) end
if #progs > 0 then hset(KEYS[3], progs) end
if #eps > 0 then hset(KEYS[12], eps) end
-- Which checkpoint last moved each partition: an auditor whose reply was lost reads it back.
if #cps > 0 then hset(KEYS[11], cps) end

if counted and (t[4] == false or spreadDelta ~= 0) then
  redis.call('HINCRBY', KEYS[7], 'streams:spread', spreadDelta)
end
if #puts > 0 then hset(KEYS[4], puts) end
if #dels > 0 then hdel(KEYS[4], dels) end

-- A hash section; with an index, the hash's fields are also kept as members of that sorted set.
local function section(key, index)
  local n = tonumber(take())
  local sets, removes, members = {}, {}, {}
  for _ = 1, n do
    local f, v = take(), take()
    if v == '' then
      removes[#removes + 1] = f
    else
      sets[#sets + 1] = f
      sets[#sets + 1] = v
      members[#members + 1] = 0
      members[#members + 1] = f
    end
  end
  if #sets > 0 then hset(key, sets) end
  if #removes > 0 then hdel(key, removes) end
  if index then
    if #members > 0 then chunked('ZADD', index, members) end
    if #removes > 0 then chunked('ZREM', index, removes) end
  end
end
section(KEYS[5], KEYS[14])
section(KEYS[6])

local nt = tonumber(take())
for _ = 1, nt do
  local name, delta = take(), take()
  redis.call('HINCRBY', KEYS[7], name, delta)
end

local cap = tonumber(take())
local nd = tonumber(take())
for _ = 1, nd do
  redis.call('LPUSH', KEYS[8], take())
end
if nd > 0 then redis.call('LTRIM', KEYS[8], 0, cap - 1) end

local npe = tonumber(take())
for _ = 1, npe do
  local f, v = take(), take()
  redis.call('HSETNX', KEYS[9], f, v)
end
section(KEYS[10])
section(KEYS[13])
local nm = tonumber(take())
for _ = 1, nm do
  redis.call('HDEL', KEYS[11], take())
end
return { 1 }
