package io.seqaudit.metrics;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The consumer stage's meters (README, "What the auditor does with receipts"): {@code seqaudit_consumer_lost_total},
 * {@code seqaudit_consumer_duplicates_total} and {@code seqaudit_consumer_pending}, tagged by {@code group} and
 * {@code topic} (both bounded: the configured groups and audited topics), {@code seqaudit_invalid_receipts_total}
 * by {@code reason} (a fixed set) and {@code seqaudit_receipt_topic_present}. The counters move only after the
 * Redis write that recorded the findings succeeded, so a receipt re-read after a crash never counts twice in one
 * process. Thread-safe.
 */
@ApplicationScoped
public class ConsumerMetrics {

    private final MeterRegistry registry;
    private final Map<String, AtomicLong> pending = new ConcurrentHashMap<>();
    private final AtomicLong topicPresent = new AtomicLong(1);

    public ConsumerMetrics(MeterRegistry registry) {
        this.registry = registry;
        Gauge.builder("seqaudit.receipt.topic.present", topicPresent, AtomicLong::get)
                .description("0 while the receipt topic does not exist or cannot be read (no consumer-stage loss is "
                        + "reported meanwhile)").register(registry);
    }

    /** Registers a (group, topic)'s meters at zero and the invalid-receipt counters, so alerts see increases. */
    public void register(String group, String topic, java.util.Collection<String> invalidReasons) {
        lost(group, topic);
        duplicates(group, topic);
        pending(group, topic, 0);
        invalidReasons.forEach(this::invalid);
    }

    /** Counts findings of one applied write. */
    public void found(String group, String topic, long lost, long twice) {
        lost(group, topic).increment(lost);
        duplicates(group, topic).increment(twice);
    }

    /** Committed records of a (group, topic) not proven processed yet, over the partitions this instance owns. */
    public void pending(String group, String topic, long records) {
        pending.computeIfAbsent(group + "\u0000" + topic, k -> {
            AtomicLong v = new AtomicLong();
            Gauge.builder("seqaudit.consumer.pending", v, AtomicLong::get).description("Records the group committed "
                    + "that no receipt has told of yet (within grace, or waiting to be looked up)")
                    .tag("group", group).tag("topic", topic).register(registry);
            return v;
        }).set(records);
    }

    /** A receipt skipped because it breaks the contract ({@code reason}: one of a few fixed tags). */
    public void invalidReceipt(String reason) {
        invalid(reason).increment();
    }

    /** Whether the receipt topic was found readable at the last look. */
    public boolean receiptTopicPresent() {
        return topicPresent.get() == 1;
    }

    /** Whether the receipt topic exists and is readable. */
    public void receiptTopicPresent(boolean present) {
        topicPresent.set(present ? 1 : 0);
    }

    private Counter lost(String group, String topic) {
        return Counter.builder("seqaudit.consumer.lost").description("Records the group committed and never "
                + "processed (consumer-stage losses)").tag("group", group).tag("topic", topic).register(registry);
    }

    private Counter duplicates(String group, String topic) {
        return Counter.builder("seqaudit.consumer.duplicates").description("Records the group processed more than "
                + "once").tag("group", group).tag("topic", topic).register(registry);
    }

    private Counter invalid(String reason) {
        return Counter.builder("seqaudit.invalid.receipts").description("Processing receipts skipped because they "
                + "break the receipt contract, by reason").tag("reason", reason).register(registry);
    }
}
