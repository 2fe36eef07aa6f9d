package io.seqaudit.metrics;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.seqaudit.audit.HeaderParser;
import io.seqaudit.sequence.Outcome;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The auditor's Micrometer meters. Tags are bounded: topic, outcome, reason (a fixed set), state, stage; never
 * a key. Counters move only after the atomic Redis step that produced them succeeded, so a batch that is
 * re-read after a crash or a refused checkpoint never counts twice. Exported at {@code /q/metrics} as
 * {@code seqaudit_records_total}, {@code seqaudit_invalid_total}, {@code seqaudit_missing},
 * {@code seqaudit_lost_total}, {@code seqaudit_lag_records}, {@code seqaudit_conflicts_total},
 * {@code seqaudit_failures_total}. Thread-safe.
 */
@ApplicationScoped
public class AuditMetrics {

    private final MeterRegistry registry;
    private final Map<String, TopicMeters> topics = new ConcurrentHashMap<>();

    /** The stages {@link #failure} is called with; registered at zero so alerts and dashboards see them early. */
    public static final String[] FAILURE_STAGES = {"redis", "kafka", "audit"};

    public AuditMetrics(MeterRegistry registry) {
        this.registry = registry;
        for (String stage : FAILURE_STAGES) {
            failures(stage);
        }
    }

    private Counter failures(String stage) {
        return Counter.builder("seqaudit.failures").description("Failed operations, by stage (redis, kafka, audit)")
                .tag("stage", stage).register(registry);
    }

    private final class TopicMeters {
        final Map<Outcome, Counter> outcomes = new EnumMap<>(Outcome.class);
        final Map<String, Counter> invalid = new HashMap<>();
        final Counter lost;
        final Counter conflicts;
        final AtomicLong suspectedNow = new AtomicLong();
        final AtomicLong lostNow = new AtomicLong();
        final AtomicLong lag = new AtomicLong();

        TopicMeters(String topic) {
            for (Outcome o : Outcome.values()) {
                outcomes.put(o, Counter.builder("seqaudit.records").description("Records audited, by outcome")
                        .tag("topic", topic).tag("outcome", o.tag()).register(registry));
            }
            for (String r : HeaderParser.REASONS) {
                invalid.put(r, Counter.builder("seqaudit.invalid").description("Invalid records, by reason")
                        .tag("topic", topic).tag("reason", r).register(registry));
            }
            lost = Counter.builder("seqaudit.lost").description("Seqs ever confirmed lost").tag("topic", topic)
                    .register(registry);
            conflicts = Counter.builder("seqaudit.conflicts")
                    .description("Checkpoints refused because another auditor changed a stream").tag("topic", topic)
                    .register(registry);
            Gauge.builder("seqaudit.missing", suspectedNow, AtomicLong::get).description("Seqs missing now")
                    .tag("topic", topic).tag("state", "suspected").register(registry);
            Gauge.builder("seqaudit.missing", lostNow, AtomicLong::get).description("Seqs missing now")
                    .tag("topic", topic).tag("state", "lost").register(registry);
            Gauge.builder("seqaudit.lag", lag, AtomicLong::get).baseUnit("records")
                    .description("Records the auditor has yet to read").tag("topic", topic).register(registry);
        }
    }

    /** Registers a topic's meters at zero, so dashboards see them before the first record. */
    public void register(String topic) {
        meters(topic);
    }

    private TopicMeters meters(String topic) {
        return topics.computeIfAbsent(topic, TopicMeters::new);
    }

    /** Counts the verdicts of one applied checkpoint. */
    public void recorded(String topic, Map<Outcome, Long> outcomes, Map<String, Long> invalidReasons, long lostSeqs) {
        TopicMeters m = meters(topic);
        outcomes.forEach((o, n) -> m.outcomes.get(o).increment(n));
        invalidReasons.forEach((r, n) -> {
            Counter c = m.invalid.get(r);
            if (c != null) {
                c.increment(n);
            }
        });
        if (lostSeqs > 0) {
            m.lost.increment(lostSeqs);
        }
    }

    public void conflict(String topic) {
        meters(topic).conflicts.increment();
    }

    /** A failure of a stage ({@code redis}, {@code kafka}) that the auditor retried. */
    public void failure(String stage) {
        failures(stage).increment();
    }

    /** Seqs missing now, from the totals in Redis. */
    public void missing(String topic, long suspected, long lost) {
        TopicMeters m = meters(topic);
        m.suspectedNow.set(suspected);
        m.lostNow.set(lost);
    }

    public void lag(String topic, long records) {
        meters(topic).lag.set(records);
    }
}
