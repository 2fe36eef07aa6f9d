-- seqaudit consumer stage: compare-and-set of one (group, topic, partition)'s progress, with its new findings.
-- KEYS: the shard's consumers hash, consumer findings hash, consumer finding index, meta.
-- ARGV: field, expected version ('0': absent), the auditor's generation of the topic, the new value
--       ("<version> <json>"), then finding id, finding JSON pairs.
-- Returns {1} when written; {0, current value or ''} when the stored version is not the expected one (another
-- instance or an earlier life of this one wrote it: nothing is written); {2, stored generation or ''} when the
-- shard's generation is not the auditor's (a re-audit or lost state: nothing is written).
local gen = redis.call('HGET', KEYS[4], 'gen')
if gen ~= ARGV[3] then return { 2, gen or '' } end
local cur = redis.call('HGET', KEYS[1], ARGV[1])
local v = '0'
if cur then v = string.match(cur, '^(%d+) ') or '0' end
if v ~= ARGV[2] then return { 0, cur or '' } end
redis.call('HSET', KEYS[1], ARGV[1], ARGV[4])
for i = 5, #ARGV, 2 do
  redis.call('HSET', KEYS[2], ARGV[i], ARGV[i + 1])
  redis.call('ZADD', KEYS[3], 0, ARGV[i])
end
return { 1 }
