package io.seqaudit.state;

import io.vertx.mutiny.redis.client.Command;
import io.vertx.mutiny.redis.client.Request;
import io.vertx.mutiny.redis.client.Response;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The consumer stage's state in Redis: per (group, topic, partition) a {@link ConsumerProgress} in the hash of the
 * partition's shard ({@link TopicLayout#shardOfPartition}), and the findings beside it, in the same slot.
 *
 * <p>Exactly once: a write is a compare-and-set on the progress's version (script {@code consumer.lua}), and it
 * stores the receipt offsets read, the ledger they changed and the findings they made in one step. An instance that
 * applied receipts onto an old version (a stale owner after a rebalance, or a second auditor) writes nothing and
 * starts again from the stored value, whose receipt offsets skip every receipt already applied. The script also
 * checks the shard's generation, so nothing is written into a state that was re-audited or lost meanwhile.
 *
 * <p>Stateless; any thread; blocks for at most the state timeout per call and throws
 * {@link StateUnavailableException} when Redis fails.
 */
public final class ConsumerStore {

    private static final LuaScript WRITE = LuaScript.load("consumer.lua");

    /** What a write did. */
    public enum Outcome {
        /** Written. */
        APPLIED,
        /** The stored version is another: nothing written; {@link Result#current} holds the stored value. */
        CONFLICT,
        /** The shard's generation is not the one given (re-audited, lost): nothing written. */
        STATE_CHANGED
    }

    /** A write's outcome, and on a conflict the stored value (null: none stored). */
    public record Result(Outcome outcome, ConsumerProgress current) {
    }

    private final StateStore store;

    public ConsumerStore(StateStore store) {
        this.store = store;
    }

    private TopicKeys shard(String topic, int partition) {
        TopicLayout layout = store.layout(topic);
        return layout.shard(layout.shardOfPartition(partition));
    }

    /** The stored progress of a (group, topic, partition), or a fresh one. */
    public ConsumerProgress progress(String group, String topic, int partition) {
        String v = store.hashGet(shard(topic, partition).consumers(), ConsumerProgress.field(partition, group));
        return v == null ? ConsumerProgress.fresh(group, topic, partition) : ConsumerProgress.decode(v);
    }

    /** Every stored progress of a topic, over its shards. */
    public List<ConsumerProgress> all(String topic) {
        List<ConsumerProgress> out = new ArrayList<>();
        for (TopicKeys shard : store.layout(topic).all()) {
            store.hashAll(shard.consumers()).values().forEach(v -> out.add(ConsumerProgress.decode(v)));
        }
        return out;
    }

    /**
     * Writes {@code next} if the stored version is {@code next.version() - 1} and the shard's generation is
     * {@code generation}, with {@code findings}, atomically.
     */
    public Result write(ConsumerProgress next, String generation, List<ConsumerFinding> findings) {
        TopicKeys shard = shard(next.topic(), next.partition());
        Request req = Request.cmd(Command.EVALSHA).arg(WRITE.sha());
        Request text = Request.cmd(Command.EVAL).arg(WRITE.text());
        for (Request r : List.of(req, text)) {
            r.arg(4).arg(shard.consumers()).arg(shard.consumerFindings()).arg(shard.consumerFindingIndex())
                    .arg(shard.meta()).arg(ConsumerProgress.field(next.partition(), next.group()))
                    .arg(Long.toString(next.version() - 1)).arg(generation == null ? "" : generation)
                    .arg(next.encode());
            findings.forEach(f -> r.arg(f.id()).arg(f.toJson()));
        }
        Response r;
        try {
            r = store.send(req);
        } catch (StateUnavailableException e) {
            if (!String.valueOf(e.getMessage()).contains("NOSCRIPT")) {
                throw e;
            }
            r = store.send(text);
        }
        return switch (r.get(0).toInteger()) {
            case 1 -> new Result(Outcome.APPLIED, next);
            case 0 -> new Result(Outcome.CONFLICT, r.get(1).toString().isEmpty()
                    ? ConsumerProgress.fresh(next.group(), next.topic(), next.partition())
                    : ConsumerProgress.decode(r.get(1).toString()));
            default -> new Result(Outcome.STATE_CHANGED, null);
        };
    }

    /**
     * One page of a topic's consumer-stage findings in id order, over every shard: those after {@code after}
     * (exclusive; null from the first), at most {@code limit}; {@code more} when further ones may exist.
     */
    public Page findingsAfter(String topic, String after, int limit) {
        SortedIndex index = new SortedIndex(store);
        List<String> ids = new ArrayList<>();
        Map<String, TopicKeys> shardOf = new HashMap<>();
        boolean more = false;
        for (TopicKeys shard : store.layout(topic).all()) {
            List<String> some = index.idsAfter(shard.consumerFindingIndex(), after, limit);
            more |= some.size() == limit;
            some.forEach(id -> shardOf.put(id, shard));
            ids.addAll(some);
        }
        java.util.Collections.sort(ids);
        if (ids.size() > limit) {
            ids = new ArrayList<>(ids.subList(0, limit));
            more = true;
        }
        List<ConsumerFinding> out = new ArrayList<>();
        Map<TopicKeys, List<String>> byShard = new HashMap<>();
        ids.forEach(id -> byShard.computeIfAbsent(shardOf.get(id), k -> new ArrayList<>()).add(id));
        Map<String, byte[]> found = new HashMap<>();
        byShard.forEach((shard, list) -> found.putAll(store.hashFields(shard.consumerFindings(), list)));
        for (String id : ids) {
            byte[] json = found.get(id);
            if (json != null) {
                out.add(ConsumerFinding.fromJson(new String(json, java.nio.charset.StandardCharsets.UTF_8)));
            }
        }
        return new Page(out, ids.isEmpty() ? after : ids.get(ids.size() - 1), more);
    }

    /** A page of findings: {@code last} is the cursor of the next page. */
    public record Page(List<ConsumerFinding> findings, String last, boolean more) {
    }
}
