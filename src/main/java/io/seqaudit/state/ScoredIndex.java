package io.seqaudit.state;

import io.vertx.mutiny.redis.client.Command;
import io.vertx.mutiny.redis.client.Request;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * A hash kept with its {@link SortedIndex} and, beside both, a third key: a sorted set of the same ids with a score
 * each. Score 0 marks the entries still live; a positive score is when an entry finished (epoch ms), so the live
 * entries are read without the rest and the finished ones are deleted oldest first (retention). Every write changes
 * the three keys in one script; they must share a hash tag (Redis Cluster). Stateless; any thread; every call blocks
 * for at most the state timeout and throws {@link StateUnavailableException} when Redis fails.
 *
 * @param hash id to JSON value
 * @param index every id, score 0 (paging in byte order)
 * @param scores every id with its score: 0 live, else when it finished
 */
public record ScoredIndex(String hash, String index, String scores) {

    // KEYS: hash, index, scores. ARGV: 1 id, 2 value, 3 score.
    private static final String PUT_IF_ABSENT = "if redis.call('HSETNX', KEYS[1], ARGV[1], ARGV[2]) == 1 then "
            + "redis.call('ZADD', KEYS[2], 0, ARGV[1]) redis.call('ZADD', KEYS[3], ARGV[3], ARGV[1]) return 1 end "
            + "return 0";
    private static final String PUT = "redis.call('HSET', KEYS[1], ARGV[1], ARGV[2]) "
            + "redis.call('ZADD', KEYS[2], 0, ARGV[1]) redis.call('ZADD', KEYS[3], ARGV[3], ARGV[1]) return 1";
    private static final String DELETE_IF_EQUALS = "if redis.call('HGET', KEYS[1], ARGV[1]) == ARGV[2] then "
            + "redis.call('HDEL', KEYS[1], ARGV[1]) redis.call('ZREM', KEYS[2], ARGV[1]) "
            + "redis.call('ZREM', KEYS[3], ARGV[1]) return 1 end return 0";
    /** Deletes up to ARGV[2] entries that finished at or before ARGV[1], from all three keys. */
    private static final String DELETE_FINISHED = "local ids = redis.call('ZRANGEBYSCORE', KEYS[3], '(0', ARGV[1], "
            + "'LIMIT', 0, ARGV[2]) for _, id in ipairs(ids) do redis.call('HDEL', KEYS[1], id) "
            + "redis.call('ZREM', KEYS[2], id) redis.call('ZREM', KEYS[3], id) end return #ids";
    /** Scores ARGV (id, score, id, score...) the set lacks, for ids the hash still holds. */
    private static final String SCORE_PRESENT = "local n = 0 for i = 1, #ARGV, 2 do "
            + "if redis.call('HEXISTS', KEYS[1], ARGV[i]) == 1 then "
            + "n = n + redis.call('ZADD', KEYS[3], 'NX', ARGV[i + 1], ARGV[i]) end end return n";

    /** Sets the value of {@code id} unless the hash holds it, indexing and scoring it; true if set. */
    public boolean putIfAbsent(StateStore store, String id, String value, long score) {
        return write(store, PUT_IF_ABSENT, id, value, score) == 1L;
    }

    /** Sets the value and the score of {@code id}, indexing it. */
    public void put(StateStore store, String id, String value, long score) {
        write(store, PUT, id, value, score);
    }

    /** Deletes {@code id} from all three keys if the hash holds {@code expected} for it; true if deleted. */
    public boolean deleteIfEquals(StateStore store, String id, String expected) {
        return write(store, DELETE_IF_EQUALS, id, expected, 0) == 1L;
    }

    /** The ids still live (score 0). */
    public List<String> liveIds(StateStore store) {
        List<String> out = new ArrayList<>();
        store.send(Request.cmd(Command.ZRANGEBYSCORE).arg(scores).arg(0).arg(0)).forEach(x -> out.add(x.toString()));
        return out;
    }

    /** Deletes up to {@code limit} entries that finished at or before {@code finishedBy}; live ones never. */
    public long deleteFinishedBy(StateStore store, long finishedBy, int limit) {
        return store.send(keys(Request.cmd(Command.EVAL).arg(DELETE_FINISHED)).arg(finishedBy).arg(limit)).toLong();
    }

    /** Whether some id of the hash has no score: written before the scores were kept, or by a write cut short. */
    public boolean incomplete(StateStore store) {
        return store.send(Request.cmd(Command.ZCARD).arg(scores)).toLong()
                < store.send(Request.cmd(Command.HLEN).arg(hash)).toLong();
    }

    /**
     * Adds the scores of ids that lack one (an id the hash no longer holds is left out; a score present is kept).
     *
     * @return how many it added
     */
    public long complete(StateStore store, Map<String, Long> scoreById) {
        List<Map.Entry<String, Long>> all = new ArrayList<>(scoreById.entrySet());
        long added = 0;
        for (int i = 0; i < all.size(); i += 1000) {
            Request req = keys(Request.cmd(Command.EVAL).arg(SCORE_PRESENT));
            all.subList(i, Math.min(all.size(), i + 1000)).forEach(e -> req.arg(e.getKey()).arg(e.getValue()));
            added += store.send(req).toLong();
        }
        return added;
    }

    private long write(StateStore store, String script, String id, String value, long score) {
        return store.send(keys(Request.cmd(Command.EVAL).arg(script)).arg(id).arg(value).arg(score)).toLong();
    }

    private Request keys(Request eval) {
        return eval.arg(3).arg(hash).arg(index).arg(scores);
    }
}
