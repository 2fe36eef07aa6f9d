package io.seqaudit.state;

import io.vertx.mutiny.redis.client.Command;
import io.vertx.mutiny.redis.client.Request;
import io.vertx.mutiny.redis.client.Response;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * A hash of JSON values by id, and beside it a sorted set of the same ids (every score 0, so the members are in
 * byte order): the stable order the API pages gaps and replays in. A page reads from the index only the ids it
 * returns, then those values: its cost is that of the page, not of the hash. (HSCAN cursors would need no index but
 * may return a field twice, return a small hash whole whatever the count, and follow no order a cut page could
 * resume in.) Both keys must share a hash tag (Redis Cluster). Writes through this class change the hash and the
 * index in one script; the checkpoint script keeps the gap index itself. Stateless; any thread; every call blocks
 * for at most the state timeout and throws {@link StateUnavailableException} when Redis fails.
 */
public final class SortedIndex {

    private static final String PUT_IF_ABSENT = "if redis.call('HSETNX', KEYS[1], ARGV[1], ARGV[2]) == 1 then "
            + "redis.call('ZADD', KEYS[2], 0, ARGV[1]) return 1 end return 0";
    private static final String PUT = "redis.call('HSET', KEYS[1], ARGV[1], ARGV[2]) "
            + "redis.call('ZADD', KEYS[2], 0, ARGV[1])";
    private static final String DELETE_IF_EQUALS = "if redis.call('HGET', KEYS[1], ARGV[1]) == ARGV[2] then "
            + "redis.call('HDEL', KEYS[1], ARGV[1]) redis.call('ZREM', KEYS[2], ARGV[1]) return 1 end return 0";
    /** Indexes the fields of the batch that the hash still holds (a field deleted meanwhile is left out). */
    private static final String INDEX_PRESENT = "local n = 0 for _, f in ipairs(ARGV) do "
            + "if redis.call('HEXISTS', KEYS[1], f) == 1 then n = n + redis.call('ZADD', KEYS[2], 0, f) end end "
            + "return n";
    /** The values of every id that starts with one of the prefixes (ARGV), prefix after prefix. */
    private static final String WITH_PREFIXES = "local out = {} for _, p in ipairs(ARGV) do "
            + "local ids = redis.call('ZRANGEBYLEX', KEYS[2], '(' .. p, '(' .. p .. '\\255') "
            + "if #ids > 0 then for _, v in ipairs(redis.call('HMGET', KEYS[1], unpack(ids))) do "
            + "if v then out[#out + 1] = v end end end end return out";

    private final StateStore store;

    public SortedIndex(StateStore store) {
        this.store = store;
    }

    /** Up to {@code limit} ids of the index after {@code after} (exclusive; null: from the first), in byte order. */
    public List<String> idsAfter(String index, String after, int limit) {
        Response r = store.send(Request.cmd(Command.ZRANGEBYLEX).arg(index).arg(after == null ? "-" : "(" + after)
                .arg("+").arg("LIMIT").arg(0).arg(limit));
        List<String> out = new ArrayList<>(r.size());
        r.forEach(x -> out.add(x.toString()));
        return out;
    }

    /** The values of every id that starts with one of {@code prefixes} (ids the hash no longer holds left out). */
    public List<String> valuesWithPrefixes(String hash, String index, List<String> prefixes) {
        if (prefixes.isEmpty()) {
            return List.of();
        }
        Request req = Request.cmd(Command.EVAL).arg(WITH_PREFIXES).arg(2).arg(hash).arg(index);
        prefixes.forEach(req::arg);
        List<String> out = new ArrayList<>();
        store.send(req).forEach(x -> out.add(x.toString()));
        return out;
    }

    /** Sets the value of {@code id} unless the hash holds it, indexing it; true if set. */
    public boolean putIfAbsent(String hash, String index, String id, String value) {
        return store.send(Request.cmd(Command.EVAL).arg(PUT_IF_ABSENT).arg(2).arg(hash).arg(index).arg(id)
                .arg(value)).toLong() == 1L;
    }

    /** Sets the value of {@code id}, indexing it. */
    public void put(String hash, String index, String id, String value) {
        store.send(Request.cmd(Command.EVAL).arg(PUT).arg(2).arg(hash).arg(index).arg(id).arg(value));
    }

    /** Deletes {@code id} from the hash and the index if the hash holds {@code expected} for it; true if deleted. */
    public boolean deleteIfEquals(String hash, String index, String id, String expected) {
        return store.send(Request.cmd(Command.EVAL).arg(DELETE_IF_EQUALS).arg(2).arg(hash).arg(index).arg(id)
                .arg(expected)).toLong() == 1L;
    }

    /**
     * Indexes the fields of {@code hash} that {@code index} lacks, when it holds fewer members than the hash has
     * fields: state written before the index existed, or a build cut short (a crash). Otherwise two O(1) reads.
     * Idempotent, and safe beside writers: each batch indexes only the fields the hash holds at that moment.
     *
     * @return how many ids it added
     */
    public long complete(String hash, String index) {
        if (store.send(Request.cmd(Command.ZCARD).arg(index)).toLong()
                >= store.send(Request.cmd(Command.HLEN).arg(hash)).toLong()) {
            return 0;
        }
        List<String> fields = new ArrayList<>();
        store.scan(hash, (f, v) -> fields.add(new String(f, StandardCharsets.UTF_8)), Integer.MAX_VALUE);
        long added = 0;
        for (int i = 0; i < fields.size(); i += 1000) {
            Request req = Request.cmd(Command.EVAL).arg(INDEX_PRESENT).arg(2).arg(hash).arg(index);
            fields.subList(i, Math.min(fields.size(), i + 1000)).forEach(req::arg);
            added += store.send(req).toLong();
        }
        return added;
    }
}
