package io.seqaudit.audit;

import io.seqaudit.state.ShardIdentity;
import io.seqaudit.state.StateStore;
import io.seqaudit.state.TopicKeys;
import io.seqaudit.state.TopicLayout;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.function.Supplier;
import org.jboss.logging.Logger;

/**
 * Whether a topic's audit state in Redis is the one this auditor audits against. The state has a generation,
 * written once in every shard when the state is created and checked by every checkpoint. A state that lost keys
 * (eviction, {@code DEL}), lost everything (a restart without persistence, {@code FLUSHALL}: the consumer group's
 * committed offsets still name the generation) or was written by an earlier layout is <em>lost</em>: the topic
 * is no longer audited, and never re-created from memory or from zero on its own. An operator's re-audit gives
 * it a new generation, which the auditor takes up. Changed by the consumer thread; read by any thread.
 */
final class TopicIdentity {

    private static final Logger LOG = Logger.getLogger(TopicIdentity.class);

    /** Where the state stands. */
    enum Status {
        /** Not checked yet. */
        UNKNOWN,
        /** The state is the one audited against. */
        OK,
        /** The state is lost: auditing of the topic stopped until it is re-audited. */
        LOST
    }

    private final String topic;
    private final StateStore store;
    private final TopicLayout layout;
    private volatile Status status = Status.UNKNOWN;
    private volatile String generation;
    private volatile String problem;
    private volatile String origin;
    private volatile String blockedBy;
    private String lostGeneration;

    TopicIdentity(String topic, StateStore store, TopicLayout layout) {
        this.topic = topic;
        this.store = store;
        this.layout = layout;
    }

    Status status() {
        return blockedBy != null ? Status.LOST : status;
    }

    /**
     * Stops the topic's audit while Redis is set up so that it may lose the state (an eviction policy): reported
     * as lost, with {@code reason}; {@code null} lifts it (the identity is then checked again as usual).
     */
    boolean blocked() {
        return blockedBy != null;
    }

    void block(String reason) {
        if (reason != null && blockedBy == null) {
            LOG.errorf("Topic %s: not audited: %s", topic, reason);
        }
        blockedBy = reason;
    }

    String generation() {
        return generation;
    }

    /** What is wrong with a lost state and what to do, or null. */
    String problem() {
        return blockedBy != null ? blockedBy : problem;
    }

    /**
     * Checks the state in Redis, creating it if there is none anywhere and the consumer group never committed an
     * offset audited under a generation. Blocks on Redis; throws {@link io.seqaudit.state.StateUnavailableException}
     * if it does not answer.
     *
     * @param committedGeneration the generation named by the group's committed offsets of the topic, if any
     */
    Status establish(Supplier<Optional<String>> committedGeneration) {
        List<ShardIdentity> shards = new ArrayList<>();
        for (TopicKeys k : layout.all()) {
            shards.add(store.identify(k, null, "start", System.currentTimeMillis()));
        }
        ShardIdentity first = shards.get(0);
        for (int i = 0; i < shards.size(); i++) {
            if (shards.get(i).orphanKey() != null) {
                return lose("key " + shards.get(i).orphanKey() + " exists without the state's identity ("
                        + layout.shard(i).meta() + "): the state was written by an earlier seqaudit layout, or Redis "
                        + "evicted or deleted part of it");
            }
        }
        if (first.generation() != null && first.shards() != layout.shards()) {
            return lose("the state was created with " + first.shards() + " shards but seqaudit.state.shards is "
                    + layout.shards() + ": set it back to " + first.shards() + ", or re-audit the topic");
        }
        if (shards.stream().allMatch(ShardIdentity::empty)) {
            Optional<String> committed = committedGeneration.get();
            if (committed.isPresent() || lostGeneration != null) {
                return lose("Redis holds no state for this topic, but it was audited under generation "
                        + committed.orElse(lostGeneration) + ": Redis lost it (a restart without persistence, "
                        + "FLUSHALL, eviction)");
            }
            create();
            return status();
        }
        String gen = first.generation();
        for (int i = 0; i < shards.size(); i++) {
            ShardIdentity s = shards.get(i);
            if (s.empty() && (gen == null || first.complete())) {
                return lose("shard " + layout.shard(i).tag() + " holds nothing while the other shards hold the "
                        + "state: Redis lost part of it");
            }
            if (!s.empty() && !s.generation().equals(gen)) {
                return lose("the shards hold different generations (a re-audit cut short, or state partly lost)");
            }
        }
        if (lostGeneration != null && (gen.equals(lostGeneration) || !"reaudit".equals(first.origin()))) {
            return status(); // still lost: only a re-audit brings the topic back
        }
        if (!first.complete()) {
            complete(gen); // an earlier creation was cut short before every shard had its identity
        }
        origin = first.origin();
        accept(gen);
        return status();
    }

    /** Whether the state was created by a re-audit: partitions without offsets start at the earliest offset. */
    boolean reaudited() {
        return "reaudit".equals(origin);
    }

    /** A checkpoint found the state changed: lost, unless a re-audit replaced it ({@link #establish} tells). */
    void changed(TopicKeys shard, String missing, String current) {
        if (!"meta".equals(missing)) {
            lose("key " + missing + " of " + shard.tag() + " is missing while the state holds what it described: "
                    + "Redis evicted or deleted it");
            return;
        }
        if (current == null) {
            lose("the state's identity of " + shard.tag() + " is gone: Redis lost the state (a restart without "
                    + "persistence, FLUSHALL, eviction)");
            return;
        }
        lostGeneration = generation;
        status = Status.UNKNOWN;
        LOG.infof("Topic %s: the state's generation changed from %s to %s; checking whether it was re-audited",
                topic, generation, current);
    }

    private void create() {
        String gen = store.identify(layout.shard(0), UUID.randomUUID().toString(), "start",
                System.currentTimeMillis()).generation();
        complete(gen);
        origin = "start";
        accept(gen);
    }

    private void complete(String gen) {
        for (int i = 1; i < layout.shards(); i++) {
            store.identify(layout.shard(i), gen, "start", System.currentTimeMillis());
        }
        store.markComplete(layout.shard(0));
    }

    private void accept(String gen) {
        boolean reaudited = lostGeneration != null;
        generation = gen;
        lostGeneration = null;
        problem = null;
        status = Status.OK;
        if (reaudited) {
            LOG.infof("Topic %s: re-audited under generation %s; auditing from the earliest offsets Kafka holds",
                    topic, gen);
        }
    }

    private Status lose(String what) {
        if (status != Status.LOST) {
            problem = what;
            LOG.errorf("Topic %s: audit state lost: %s. Auditing of this topic stopped (other topics go on); nothing "
                    + "is re-created on its own. To audit it again from the earliest offset Kafka still holds: "
                    + "POST /api/v1/topics/%s/reaudit (operator role). See docs/runbook.md#seqauditstatelost.",
                    topic, what, topic);
        }
        if (generation != null) {
            lostGeneration = generation;
        }
        status = Status.LOST;
        return status();
    }
}
