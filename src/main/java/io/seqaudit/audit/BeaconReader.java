package io.seqaudit.audit;

import io.seqaudit.metrics.AuditMetrics;
import io.seqaudit.state.StateStore;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.jboss.logging.Logger;

/**
 * Reads the producers' beacons (README, "Beacons") and hands each audited partition's owner the ones it can apply:
 * a beacon about partition p waits until the auditor has read p past the beacon's offset (or caught up with p), so
 * every acknowledged record it tells of has been seen if the log still holds it.
 *
 * <p>Its own consumer, assigned every partition of the beacon topic, without a group: every auditor instance reads
 * all beacons and keeps those about the partitions it owns. Where each partition's beacons were applied is stored
 * in Redis ({@code <partition>:<beaconPartition>} in the topic's {@code beacons} hash) once the checkpoint that
 * applied them has; a restart re-reads from there. Applying a beacon is idempotent (a claim already reflected in
 * the state changes nothing), so one applied twice after a crash counts nothing twice.
 *
 * <p>Consumer thread only. A beacon that breaks the contract is counted by reason
 * ({@code seqaudit_invalid_beacons_total}), logged once per reason, and skipped: it never stalls a partition.
 */
final class BeaconReader implements AutoCloseable {

    private static final Logger LOG = Logger.getLogger(BeaconReader.class);
    private static final long REFRESH_MS = 5_000;
    /** Longest time one loop step spends reading beacons. */
    private static final long STEP_BUDGET_NANOS = 50_000_000;


    private final KafkaConsumer<byte[], byte[]> consumer;
    private final String beaconTopic;
    private final StateStore store;
    private final AuditMetrics metrics;
    private final Map<String, TopicAuditor> auditors;
    /** (topic, partition) → beacons read and not applied yet, in read order. */
    private final Map<TopicPartition, ArrayDeque<Beacon>> waiting = new HashMap<>();
    /** (topic, partition) → beacon partition → the next beacon offset not yet read for it. */
    private final Map<TopicPartition, Map<Integer, Long>> read = new HashMap<>();
    private final Set<TopicPartition> owned = new HashSet<>();
    private final Set<Beacon.Problem> logged = EnumSet.noneOf(Beacon.Problem.class);
    private long nextRefresh;

    BeaconReader(Properties consumerSettings, String beaconTopic, StateStore store, AuditMetrics metrics,
            Map<String, TopicAuditor> auditors) {
        Properties p = new Properties();
        p.putAll(consumerSettings);
        p.remove(ConsumerConfig.GROUP_ID_CONFIG);
        p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        p.put(ConsumerConfig.ALLOW_AUTO_CREATE_TOPICS_CONFIG, "false");
        p.put(ConsumerConfig.CLIENT_ID_CONFIG, p.getProperty(ConsumerConfig.CLIENT_ID_CONFIG, "seqaudit") + "-beacons");
        p.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, "5000");
        this.consumer = new KafkaConsumer<>(p, new ByteArrayDeserializer(), new ByteArrayDeserializer());
        this.beaconTopic = beaconTopic;
        this.store = store;
        this.metrics = metrics;
        this.auditors = auditors;
        metrics.registerInvalidBeacons(java.util.Arrays.stream(Beacon.Problem.values()).map(Beacon.Problem::tag)
                .toList());
    }

    /** Follows the owned partitions and the beacon topic's partitions, then reads what arrived (no waiting). */
    void poll(long now) {
        followOwners();
        if (now >= nextRefresh) {
            nextRefresh = now + REFRESH_MS;
            assignBeaconPartitions();
        }
        if (consumer.assignment().isEmpty()) {
            return;
        }
        // A backlog (a new auditor on a beacon topic with days of beacons) is read in bounded slices per step, so
        // the audit loop keeps its pace, yet far faster than one poll per step would.
        long until = System.nanoTime() + STEP_BUDGET_NANOS;
        int n;
        do {
            n = 0;
            for (ConsumerRecord<byte[], byte[]> rec : consumer.poll(Duration.ZERO)) {
                take(rec);
                n++;
            }
        } while (n > 0 && System.nanoTime() < until);
    }

    private void take(ConsumerRecord<byte[], byte[]> rec) {
        if (!mayConcernUs(rec.key())) {
            return;
        }
        Beacon b;
        try {
            b = Beacon.parse(rec.value(), rec.partition(), rec.offset());
        } catch (Beacon.Invalid e) {
            metrics.invalidBeacon(e.problem.tag());
            if (logged.add(e.problem)) {
                LOG.warnf("Skipped a beacon that breaks the contract (%s: %s) at %s-%d offset %d; counted in "
                        + "seqaudit_invalid_beacons_total{reason=\"%s\"}, logged once per reason", e.problem.tag(),
                        e.getMessage(), rec.topic(), rec.partition(), rec.offset(), e.problem.tag());
            }
            return;
        }
        TopicPartition target = new TopicPartition(b.topic(), Math.max(0, b.partition()));
        if (!owned.contains(target)) {
            return;
        }
        Map<Integer, Long> marks = read.get(target);
        if (rec.offset() < marks.getOrDefault(rec.partition(), 0L)) {
            return; // read before a seek back for another partition
        }
        marks.put(rec.partition(), rec.offset() + 1);
        waiting.computeIfAbsent(target, t -> new ArrayDeque<>()).add(b);
    }

    /**
     * Whether a beacon may be about a partition this instance owns, judged from its key alone (the contract's
     * {@code <topic>/<partition>}) so that beacons about other topics and partitions are skipped without parsing
     * their JSON. A beacon without such a key (it is informative) is parsed.
     */
    private boolean mayConcernUs(byte[] key) {
        if (key == null) {
            return true;
        }
        String k = new String(key, java.nio.charset.StandardCharsets.UTF_8);
        int slash = k.lastIndexOf('/');
        if (slash <= 0) {
            return true;
        }
        try {
            int partition = Integer.parseInt(k.substring(slash + 1));
            return owned.contains(new TopicPartition(k.substring(0, slash), Math.max(0, partition)));
        } catch (NumberFormatException e) {
            return true;
        }
    }

    /**
     * The beacons about {@code partition} of {@code topic} that can be applied now: the auditor's position there is
     * past their offset, or it has caught up with the partition (a truncated log may never reach the offset again).
     */
    List<Beacon> ready(String topic, int partition, Long position, boolean caughtUp) {
        ArrayDeque<Beacon> q = waiting.get(new TopicPartition(topic, partition));
        if (q == null || q.isEmpty()) {
            return List.of();
        }
        List<Beacon> out = new ArrayList<>();
        for (Beacon b : q) {
            if (b.partition() < 0 || caughtUp || position != null && position > b.offset()) {
                out.add(b);
            }
        }
        return out;
    }

    /** The beacons were applied by a checkpoint that Redis confirmed: forget them, and store how far each went. */
    void applied(String topic, int partition, List<Beacon> beacons) {
        TopicPartition tp = new TopicPartition(topic, partition);
        ArrayDeque<Beacon> q = waiting.get(tp);
        if (q == null) {
            return;
        }
        Set<Beacon> done = java.util.Collections.newSetFromMap(new java.util.IdentityHashMap<>());
        done.addAll(beacons);
        q.removeIf(done::contains);
        Map<Integer, Long> next = new HashMap<>(read.getOrDefault(tp, Map.of()));
        for (Beacon b : q) {
            next.merge(b.sourcePartition(), b.sourceOffset(), Math::min);
        }
        String key = store.keys(topic).beaconOffsets();
        next.forEach((bp, offset) -> store.hashPut(key, partition + ":" + bp, Long.toString(offset)));
    }

    /** Takes on the partitions the auditors own now (re-reading their beacons from where Redis says) and drops others. */
    private void followOwners() {
        Set<TopicPartition> now = new HashSet<>();
        auditors.values().forEach(a -> a.partitions().forEach(p -> now.add(new TopicPartition(a.topic(), p))));
        if (now.equals(owned)) {
            return;
        }
        for (TopicPartition tp : new ArrayList<>(owned)) {
            if (!now.contains(tp)) {
                owned.remove(tp);
                waiting.remove(tp);
                read.remove(tp);
            }
        }
        Map<String, Map<String, String>> stored = new HashMap<>();
        for (TopicPartition tp : now) {
            if (owned.contains(tp)) {
                continue;
            }
            Map<String, String> offsets = stored.computeIfAbsent(tp.topic(),
                    t -> store.hashAll(store.keys(t).beaconOffsets()));
            Map<Integer, Long> marks = new HashMap<>();
            offsets.forEach((field, v) -> {
                int colon = field.indexOf(':');
                if (colon > 0 && Integer.parseInt(field.substring(0, colon)) == tp.partition()) {
                    marks.put(Integer.parseInt(field.substring(colon + 1)), Long.parseLong(v));
                }
            });
            owned.add(tp);
            read.put(tp, marks);
            // Read this partition's beacons again from where they were applied (never-applied: from the start).
            for (TopicPartition bp : consumer.assignment()) {
                long from = marks.getOrDefault(bp.partition(), 0L);
                if (consumer.position(bp) > from) {
                    consumer.seek(bp, from);
                }
            }
        }
    }

    private void assignBeaconPartitions() {
        List<PartitionInfo> infos;
        try {
            infos = consumer.partitionsFor(beaconTopic, Duration.ofMillis(500));
        } catch (org.apache.kafka.common.KafkaException e) {
            LOG.debugf("Beacon topic %s not readable yet: %s", beaconTopic, e.getMessage());
            return;
        }
        if (infos == null || infos.isEmpty()) {
            return;
        }
        Set<TopicPartition> all = new HashSet<>();
        infos.forEach(i -> all.add(new TopicPartition(beaconTopic, i.partition())));
        if (all.equals(consumer.assignment())) {
            return;
        }
        Set<TopicPartition> added = new HashSet<>(all);
        added.removeAll(consumer.assignment());
        consumer.assign(all);
        for (TopicPartition bp : added) {
            long from = Long.MAX_VALUE;
            for (TopicPartition tp : owned) {
                from = Math.min(from, read.get(tp).getOrDefault(bp.partition(), 0L));
            }
            consumer.seek(bp, from == Long.MAX_VALUE ? 0 : from);
        }
        LOG.infof("Reading beacons from %s (%d partitions)", beaconTopic, all.size());
    }

    @Override
    public void close() {
        consumer.close(Duration.ofSeconds(2));
    }
}
