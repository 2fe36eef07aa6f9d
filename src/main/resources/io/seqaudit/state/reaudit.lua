-- seqaudit re-audit of one shard: deletes the shard's audit state and gives it a new identity, atomically.
-- KEYS: the shard's state keys (see TopicKeys.stateKeys), the meta key being KEYS[11].
-- ARGV: new generation, shards, now ms, complete ('1' on the last shard written, shard 0).
redis.call('DEL', unpack(KEYS))
redis.call('HSET', KEYS[11], 'gen', ARGV[1], 'layout', '2', 'shards', ARGV[2], 'origin', 'reaudit',
  'created', ARGV[3])
if ARGV[4] == '1' then redis.call('HSET', KEYS[11], 'complete', '1') end
return 1
