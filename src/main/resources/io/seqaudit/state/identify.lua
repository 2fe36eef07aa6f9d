-- seqaudit state identity of one shard: reads it, or creates it when the shard holds nothing at all.
-- KEYS: the shard's state keys (see TopicKeys.stateKeys), the meta key being KEYS[11].
-- ARGV: generation to create ('' to only read), shards, origin, now ms.
-- Returns {1, generation, shards, origin, complete} when the shard has an identity (found or created),
-- {0, key} when it has none but holds some other key (an earlier layout, or the identity was evicted),
-- {3} when the shard is empty and nothing was created.
local meta = KEYS[11]
local g = redis.call('HGET', meta, 'gen')
if g then
  local m = redis.call('HMGET', meta, 'shards', 'origin', 'complete')
  return { 1, g, m[1] or '', m[2] or '', m[3] or '' }
end
for i = 1, #KEYS do
  if i ~= 11 and redis.call('EXISTS', KEYS[i]) == 1 then return { 0, KEYS[i] } end
end
if ARGV[1] == '' then return { 3 } end
redis.call('HSET', meta, 'gen', ARGV[1], 'layout', '2', 'shards', ARGV[2], 'origin', ARGV[3], 'created', ARGV[4])
return { 1, ARGV[1], ARGV[2], ARGV[3], '' }
