package io.seqaudit.audit;

import io.seqaudit.metrics.ConsumerMetrics;
import io.seqaudit.sequence.ConsumerLedger;
import io.seqaudit.state.ConsumerProgress;
import io.seqaudit.state.ConsumerStore;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Supplier;
import org.apache.kafka.common.TopicPartition;
import org.jboss.logging.Logger;

/**
 * The consumer stage (README, "What the auditor does with receipts"): per configured application group and owned
 * partition of an audited topic, applies the group's processing receipts and committed offsets to a
 * {@link ConsumerLedger}, looks up the records of its findings, and stores it all with the receipt offsets read in
 * one compare-and-set ({@link ConsumerStore#write}). Hooked on the audit loop's step like the beacons, never on the
 * per-record path.
 *
 * <p>Exactly once: receipts applied in memory are only "done" once the write that holds their offsets succeeded. A
 * write refused (another instance or an earlier life wrote meanwhile) or failed drops the memory of that partition:
 * it is loaded again from Redis and the receipt reader rewound to the stored offsets, so every receipt counts once.
 *
 * <p>The auditor's consumer thread only. A failure of Redis or Kafka here is logged (once per episode) and retried
 * after a back-off: it never stops the audit of the topics.
 */
final class ConsumerAudit implements AutoCloseable {

    private static final Logger LOG = Logger.getLogger(ConsumerAudit.class);
    /** How often the due stretches are checked (needs one ListOffsets request for the receipt topic). */
    private static final long DUE_EVERY_MS = 1_000;
    /** The most offsets one partition's due stretch settles per check (bounds one lookup). */
    private static final long DUE_MAX_OFFSETS = 10_000;

    /**
     * What this instance owns of an audited topic now: its partitions, and the generation of the topic's state it
     * audits against (every write checks it). A topic whose state is not usable (lost, unknown) is left out.
     */
    record Owned(java.util.Set<Integer> partitions, String generation) {
    }

    private final List<String> groups;
    private final List<String> topics;
    private final long graceMs;
    private final long backoffMs;
    private final ReceiptReader reader;
    private final GroupOffsets offsets;
    private final CommittedLookup lookup;
    private final ConsumerStore store;
    private final ConsumerMetrics metrics;
    private final Supplier<Map<String, Owned>> owners;
    /** "group/topic/partition" → its tracker. */
    private final Map<String, ConsumerTracker> trackers = new HashMap<>();
    private long nextDue;
    private long retryAt;
    private boolean failing;

    ConsumerAudit(List<String> groups, long graceMs, long backoffMs, ReceiptReader reader, GroupOffsets offsets,
            CommittedLookup lookup, ConsumerStore store, ConsumerMetrics metrics, java.util.Collection<String> topics,
            Supplier<Map<String, Owned>> owners) {
        this.groups = List.copyOf(groups);
        this.graceMs = graceMs;
        this.backoffMs = backoffMs;
        this.reader = reader;
        this.offsets = offsets;
        this.lookup = lookup;
        this.store = store;
        this.metrics = metrics;
        this.owners = owners;
        this.topics = List.copyOf(topics);
        List<String> reasons = java.util.Arrays.stream(Receipt.Problem.values()).map(Receipt.Problem::tag).toList();
        for (String g : groups) {
            topics.forEach(t -> metrics.register(g, t, reasons));
        }
    }

    /** One loop step: follow ownership, read receipts and committed offsets, settle what is due, store it. */
    void step(long now) {
        if (now < retryAt) {
            return;
        }
        try {
            followOwners();
            // A receipt partition assigned for the first time is read from the lowest offset any tracker still needs
            // (a tracker that never read it needs it from 0).
            reader.poll(now, this::wanted, r -> take(r, now), rp -> trackers.values().stream()
                    .mapToLong(t -> t.receipts.getOrDefault(rp, 0L)).min().orElse(0L));
            Map<String, Map<TopicPartition, Long>> committed = offsets.poll(now);
            if (committed != null) {
                for (ConsumerTracker t : trackers.values()) {
                    Map<TopicPartition, Long> ofGroup = committed.get(t.group);
                    Long c = ofGroup == null ? null : ofGroup.get(new TopicPartition(t.topic, t.partition));
                    if (c != null && c != t.ledger.committedOffset()) {
                        t.ledger.committed(c, now);
                        t.dirty = true;
                    } else if (ofGroup != null && c == null) {
                        t.dirty |= t.ledger.noCommit(); // the group has no offset here (yet)
                    }
                }
            }
            if (now >= nextDue) {
                nextDue = now + DUE_EVERY_MS;
                if (reader.caughtUp()) {
                    trackers.values().forEach(t -> isolated(t,
                            () -> t.settleDue(lookup, now, graceMs, DUE_MAX_OFFSETS)));
                }
                gauges();
            }
            for (ConsumerTracker t : trackers.values()) {
                if (t.dirty && isolated(t, () -> t.lookUpTwice(lookup, now))) {
                    write(t);
                }
            }
            if (failing) {
                LOG.info("The consumer stage reads and stores again");
                failing = false;
            }
        } catch (RuntimeException e) {
            // Whatever was applied in memory and not stored is dropped: reloaded from Redis (receipt offsets with
            // it) at the next step, so nothing is lost or counted twice.
            trackers.clear();
            retryAt = now + backoffMs;
            if (!failing) {
                LOG.warnf("The consumer stage failed (%s); retrying from the stored state every %d ms, logged again "
                        + "once it works", e.toString(), backoffMs);
                failing = true;
            }
        }
    }

    /**
     * Runs a tracker's Kafka lookup; a failure (a partition that cannot be read now) leaves that tracker as it was,
     * unwritten, to try again at the next step, and never holds up the others. False if it failed.
     */
    private boolean isolated(ConsumerTracker t, Runnable lookup) {
        try {
            lookup.run();
            return true;
        } catch (org.apache.kafka.common.KafkaException e) {
            LOG.debugf("Consumer stage of %s: lookup failed (%s); tried again", id(t.group, t.topic, t.partition),
                    e.toString());
            return false;
        }
    }

    private static String id(String group, String topic, int partition) {
        return group + "/" + topic + "/" + partition;
    }

    /** The contract's key {@code <group>/<topic>/<partition>} names a watched one (a group may hold '/'). */
    private boolean wanted(String key) {
        return trackers.containsKey(key) || key.chars().filter(c -> c == '/').count() < 2;
    }

    private void take(Receipt r, long now) {
        ConsumerTracker t = trackers.get(id(r.group(), r.topic(), r.partition()));
        if (t == null || r.sourceOffset() < t.receipts.getOrDefault(r.sourcePartition(), 0L)) {
            return; // not watched here, or applied already (read again after a rewind for another partition)
        }
        String receipt = r.sourcePartition() + "-" + r.sourceOffset();
        for (Receipt.Failed f : r.failed()) {
            t.ledger.failed(f.from(), f.to(), f.reason());
        }
        for (Receipt.Range p : r.processed()) {
            for (ConsumerLedger.Range twice : t.ledger.processed(p.from(), p.to())) {
                t.twice.add(new ConsumerTracker.Twice(twice, receipt, now));
            }
        }
        t.receipts.put(r.sourcePartition(), r.sourceOffset() + 1);
        t.dirty = true;
    }

    /** Stores a tracker's work; a refused write starts it again from what Redis holds. */
    private void write(ConsumerTracker t) {
        Owned owned = owners.get().get(t.topic);
        if (owned == null) {
            trackers.remove(id(t.group, t.topic, t.partition)); // the topic's state became unusable meanwhile
            return;
        }
        ConsumerProgress next = t.stored.next(t.receipts, t.ledger.data());
        ConsumerStore.Result r = store.write(next, owned.generation(), t.findings);
        switch (r.outcome()) {
            case APPLIED -> {
                metrics.found(t.group, t.topic, t.lost, t.dups);
                t.reset(next);
            }
            case CONFLICT -> {
                LOG.infof("Consumer progress of %s was written elsewhere (another auditor instance, or an earlier "
                        + "life of this one): going on from the stored one", id(t.group, t.topic, t.partition));
                t.reset(r.current());
                rewindTo(t);
            }
            case STATE_CHANGED -> trackers.remove(id(t.group, t.topic, t.partition));
        }
    }

    /** Watches the (group, partition)s of the partitions the auditors own now, with a state this auditor holds. */
    private void followOwners() {
        Set<String> now = new HashSet<>();
        for (Map.Entry<String, Owned> e : owners.get().entrySet()) {
            for (int p : e.getValue().partitions()) {
                for (String g : groups) {
                    String id = id(g, e.getKey(), p);
                    now.add(id);
                    if (!trackers.containsKey(id)) {
                        ConsumerTracker t = new ConsumerTracker(store.progress(g, e.getKey(), p));
                        trackers.put(id, t);
                        rewindTo(t);
                    }
                }
            }
        }
        trackers.keySet().retainAll(now);
    }

    /** Reads every receipt partition again from where the tracker's stored progress stands (0 where it has none). */
    private void rewindTo(ConsumerTracker t) {
        reader.partitions().forEach(rp -> reader.rewind(rp, t.stored.receiptOffset(rp)));
    }

    private void gauges() {
        Map<String, Long> pending = new HashMap<>();
        for (String g : groups) {
            topics.forEach(topic -> pending.put(g + "\u0000" + topic, 0L));
        }
        trackers.values().forEach(t -> pending.merge(t.group + "\u0000" + t.topic, t.ledger.pending(), Long::sum));
        pending.forEach((k, v) -> {
            int z = k.indexOf('\u0000');
            metrics.pending(k.substring(0, z), k.substring(z + 1), v);
        });
    }

    @Override
    public void close() {
        reader.close();
        lookup.close();
    }
}
