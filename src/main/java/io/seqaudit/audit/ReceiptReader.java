package io.seqaudit.audit;

import io.seqaudit.metrics.ConsumerMetrics;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.EnumSet;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.function.Consumer;
import java.util.function.Predicate;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.jboss.logging.Logger;

/**
 * Reads the applications' processing receipts (README, "What the auditor does with receipts") like
 * {@link BeaconReader} reads beacons: its own consumer, without a group, assigned every partition of the receipt
 * topic, read in slices of at most 50 ms per loop step. Receipts whose key ({@code <group>/<topic>/<partition>})
 * names a (group, partition) this instance does not watch are skipped without parsing; the others are parsed, and
 * the valid ones handed over. Where to read from is not kept here: the {@link ConsumerAudit} stores it with the
 * state each receipt changed and {@link #rewind}s this reader to it.
 *
 * <p>The auditor's consumer thread only. A missing receipt topic is logged once (WARN, naming it), shown by
 * {@code seqaudit_receipt_topic_present} 0, and looked for again every 5 s: never a crash. A receipt that breaks
 * the contract is counted by reason ({@code seqaudit_invalid_receipts_total}), logged once per reason, and skipped.
 */
final class ReceiptReader implements AutoCloseable {

    private static final Logger LOG = Logger.getLogger(ReceiptReader.class);
    private static final long REFRESH_MS = 5_000;
    private static final long STEP_BUDGET_NANOS = 50_000_000;

    private final KafkaConsumer<byte[], byte[]> consumer;
    private final String topic;
    private final ConsumerMetrics metrics;
    private final Set<Receipt.Problem> logged = EnumSet.noneOf(Receipt.Problem.class);
    private long nextRefresh;
    private boolean missingLogged;

    ReceiptReader(Properties consumerSettings, String topic, ConsumerMetrics metrics) {
        Properties p = new Properties();
        p.putAll(consumerSettings);
        p.remove(ConsumerConfig.GROUP_ID_CONFIG);
        p.remove(ConsumerConfig.GROUP_INSTANCE_ID_CONFIG);
        p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        p.put(ConsumerConfig.ALLOW_AUTO_CREATE_TOPICS_CONFIG, "false");
        p.put(ConsumerConfig.CLIENT_ID_CONFIG,
                p.getProperty(ConsumerConfig.CLIENT_ID_CONFIG, "seqaudit") + "-receipts");
        p.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, "5000");
        this.consumer = new KafkaConsumer<>(p, new ByteArrayDeserializer(), new ByteArrayDeserializer());
        this.topic = topic;
        this.metrics = metrics;
        metrics.receiptTopicPresent(false);
    }

    /**
     * Reads what arrived (no waiting), at most ~50 ms of it: receipts whose key {@code wanted} refuses are skipped
     * unparsed, valid ones go to {@code take} in read order per receipt partition.
     *
     * @param from per receipt partition, where to start when the partition is assigned for the first time
     */
    void poll(long now, Predicate<String> wanted, Consumer<Receipt> take, java.util.function.IntToLongFunction from) {
        if (now >= nextRefresh) {
            nextRefresh = now + REFRESH_MS;
            assign(from);
        }
        if (consumer.assignment().isEmpty()) {
            return;
        }
        long until = System.nanoTime() + STEP_BUDGET_NANOS;
        int n;
        do {
            n = 0;
            for (ConsumerRecord<byte[], byte[]> rec : consumer.poll(Duration.ZERO)) {
                n++;
                if (rec.key() != null && !wanted.test(new String(rec.key(), StandardCharsets.UTF_8))) {
                    continue; // the key is informative: a receipt without one is parsed and judged by its fields
                }
                try {
                    take.accept(Receipt.parse(rec.value(), rec.partition(), rec.offset()));
                } catch (Receipt.Invalid e) {
                    metrics.invalidReceipt(e.problem.tag());
                    if (logged.add(e.problem)) {
                        LOG.warnf("Skipped a receipt that breaks the contract (%s: %s) at %s-%d offset %d; counted in "
                                + "seqaudit_invalid_receipts_total{reason=\"%s\"}, logged once per reason",
                                e.problem.tag(), e.getMessage(), rec.topic(), rec.partition(), rec.offset(),
                                e.problem.tag());
                    }
                }
            }
        } while (n > 0 && System.nanoTime() < until);
    }

    /** The receipt partitions assigned now. */
    List<Integer> partitions() {
        return consumer.assignment().stream().map(TopicPartition::partition).toList();
    }

    /** Reads a receipt partition again from {@code offset} if it is already past it. */
    void rewind(int receiptPartition, long offset) {
        TopicPartition tp = new TopicPartition(topic, receiptPartition);
        if (consumer.assignment().contains(tp) && consumer.position(tp) > offset) {
            consumer.seek(tp, offset);
        }
    }

    /**
     * Whether every receipt written until now has been read (a ListOffsets request: called on the due check only,
     * so that no loss is reported while receipts about it may still be unread).
     */
    boolean caughtUp() {
        Set<TopicPartition> parts = consumer.assignment();
        if (parts.isEmpty()) {
            return false; // no receipt topic (yet): a loss is never reported from receipts that could not be read
        }
        Map<TopicPartition, Long> ends = consumer.endOffsets(parts, Duration.ofSeconds(2));
        for (TopicPartition tp : parts) {
            if (consumer.position(tp) < ends.getOrDefault(tp, 0L)) {
                return false;
            }
        }
        return true;
    }

    private void assign(java.util.function.IntToLongFunction from) {
        List<PartitionInfo> infos;
        try {
            infos = consumer.partitionsFor(topic, Duration.ofMillis(500));
        } catch (org.apache.kafka.common.KafkaException e) {
            infos = null;
        }
        if (infos == null || infos.isEmpty()) {
            if (!missingLogged) {
                LOG.warnf("The receipt topic %s does not exist (or is not readable): no receipt is read and no "
                        + "consumer-stage loss is reported (committed records stay pending). Create it (the auditor "
                        + "never does), or set seqaudit.audit.receipt-topic; looked for again every 5 s", topic);
                missingLogged = true;
            }
            metrics.receiptTopicPresent(false);
            return;
        }
        if (missingLogged) {
            LOG.infof("The receipt topic %s exists now", topic);
            missingLogged = false;
        }
        metrics.receiptTopicPresent(true);
        Set<TopicPartition> all = new HashSet<>();
        infos.forEach(i -> all.add(new TopicPartition(topic, i.partition())));
        if (all.equals(consumer.assignment())) {
            return;
        }
        Set<TopicPartition> added = new HashSet<>(all);
        added.removeAll(consumer.assignment());
        consumer.assign(all);
        for (TopicPartition tp : added) {
            consumer.seek(tp, from.applyAsLong(tp.partition()));
        }
        LOG.infof("Reading processing receipts from %s (%d partitions)", topic, all.size());
    }

    @Override
    public void close() {
        consumer.close(Duration.ofSeconds(2));
    }
}
