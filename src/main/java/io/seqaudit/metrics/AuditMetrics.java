package io.seqaudit.metrics;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.seqaudit.sequence.InvalidReasons;
import io.seqaudit.sequence.LossStage;
import io.seqaudit.sequence.Outcome;
import io.seqaudit.state.CoverageReason;
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

    /** What the auditor must reach to audit anything: {@code seqaudit_up{component}}. */
    public enum Component {
        KAFKA, REDIS;

        private final String tag = name().toLowerCase(java.util.Locale.ROOT);

        public String tag() {
            return tag;
        }
    }

    private final Map<Component, AtomicLong> up = new EnumMap<>(Component.class);
    private final AtomicLong redisEvicting = new AtomicLong();
    private final AtomicLong redisPersistent = new AtomicLong(1);

    public AuditMetrics(MeterRegistry registry) {
        this.registry = registry;
        Gauge.builder("seqaudit.redis.evicting", redisEvicting, AtomicLong::get)
                .description("1 while Redis's maxmemory-policy may evict audit state (every topic's audit stopped)")
                .register(registry);
        Gauge.builder("seqaudit.redis.persistent", redisPersistent, AtomicLong::get)
                .description("0 while Redis persists nothing (no AOF, no RDB save points): a restart loses the state")
                .register(registry);
        for (String stage : FAILURE_STAGES) {
            failures(stage);
        }
        for (Component c : Component.values()) {
            AtomicLong v = new AtomicLong(1);
            up.put(c, v);
            Gauge.builder("seqaudit.up", v, AtomicLong::get)
                    .description("1 while the auditor reaches the component (kafka: the brokers answered within 15 s; "
                            + "redis: the last reads succeeded), 0 while nothing can be audited")
                    .tag("component", c.tag()).register(registry);
        }
    }

    /** Whether the auditor reaches a component now. */
    public void up(Component component, boolean reached) {
        up.get(component).set(reached ? 1 : 0);
    }

    /** The partitions the brokers know of an audited topic (0: it does not exist, or Kafka does not answer). */
    public void partitions(String topic, int count) {
        meters(topic).partitions.set(count);
    }

    private Counter failures(String stage) {
        return Counter.builder("seqaudit.failures").description("Failed operations, by stage (redis, kafka, audit)")
                .tag("stage", stage).register(registry);
    }

    private final class TopicMeters {
        final Map<Outcome, Counter> outcomes = new EnumMap<>(Outcome.class);
        final Map<String, Counter> invalid = new HashMap<>();
        final Map<LossStage, Counter> lost = new EnumMap<>(LossStage.class);
        final Counter conflicts;
        final AtomicLong suspectedNow = new AtomicLong();
        final AtomicLong lostNow = new AtomicLong();
        final AtomicLong lag = new AtomicLong();
        final AtomicLong stateLost = new AtomicLong();
        final AtomicLong partitions = new AtomicLong(-1);
        final Counter truncations;
        final Counter truncatedRecords;
        final Counter reopenedSeqs;
        final Counter coverageGaps;
        final Counter aborted;
        final Map<CoverageReason, Counter> uncovered = new EnumMap<>(CoverageReason.class);

        TopicMeters(String topic) {
            for (Outcome o : Outcome.values()) {
                outcomes.put(o, Counter.builder("seqaudit.records").description("Records audited, by outcome")
                        .tag("topic", topic).tag("outcome", o.tag()).register(registry));
            }
            for (String r : InvalidReasons.ALL) {
                invalid.put(r, Counter.builder("seqaudit.invalid").description("Invalid records, by reason")
                        .tag("topic", topic).tag("reason", r).register(registry));
            }
            for (LossStage st : LossStage.values()) {
                if (st == LossStage.CONSUMER) {
                    continue; // records, not seqs: seqaudit_consumer_lost_total{group,topic} (ConsumerMetrics)
                }
                lost.put(st, Counter.builder("seqaudit.lost").description("Seqs ever confirmed lost, by the stage "
                        + "where they were lost when their grace ran out (producer, broker; unknown without a beacon)")
                        .tag("topic", topic).tag("stage", st.tag()).register(registry));
            }
            conflicts = Counter.builder("seqaudit.conflicts")
                    .description("Checkpoints refused because another auditor changed a stream").tag("topic", topic)
                    .register(registry);
            Gauge.builder("seqaudit.missing", suspectedNow, AtomicLong::get).description("Seqs missing now")
                    .tag("topic", topic).tag("state", "suspected").register(registry);
            Gauge.builder("seqaudit.missing", lostNow, AtomicLong::get).description("Seqs missing now")
                    .tag("topic", topic).tag("state", "lost").register(registry);
            Gauge.builder("seqaudit.lag", lag, AtomicLong::get).baseUnit("records")
                    .description("Records the auditor has yet to read").tag("topic", topic).register(registry);
            truncations = Counter.builder("seqaudit.log.truncations")
                    .description("Logs truncated below what the auditor had read (unclean leader elections)")
                    .tag("topic", topic).register(registry);
            truncatedRecords = Counter.builder("seqaudit.truncated.records").baseUnit("records")
                    .description("Audited records removed by log truncations").tag("topic", topic).register(registry);
            reopenedSeqs = Counter.builder("seqaudit.reopened.seqs")
                    .description("Seqs made suspected again because a truncation removed their record")
                    .tag("topic", topic).register(registry);
            for (CoverageReason r : CoverageReason.values()) {
                uncovered.put(r, Counter.builder("seqaudit.uncovered.seqs").description("Seqs skipped without being "
                        + "audited: their records left the log before the auditor read them (compacted, or deleted by "
                        + "retention); never reported lost").tag("topic", topic).tag("reason", r.tag())
                        .register(registry));
            }
            aborted = Counter.builder("seqaudit.aborted.seqs").description("Missing seqs found in aborted "
                    + "transactions: the application chose not to publish them; never lost").tag("topic", topic)
                    .register(registry);
            coverageGaps = Counter.builder("seqaudit.coverage.gap.records").baseUnit("records")
                    .description("Records deleted (retention) before the auditor read them: never audited")
                    .tag("topic", topic).register(registry);
            Gauge.builder("seqaudit.topic.partitions", partitions, AtomicLong::get)
                    .description("Partitions of the audited topic known to the brokers: 0 if it does not exist, "
                            + "-1 before the first look").tag("topic", topic).register(registry);
            Gauge.builder("seqaudit.state.lost", stateLost, AtomicLong::get)
                    .description("1 while the topic's audit state in Redis is lost and the topic is not audited "
                            + "(re-audit it: POST /api/v1/topics/{topic}/reaudit)")
                    .tag("topic", topic).register(registry);
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
    public void recorded(String topic, Map<Outcome, Long> outcomes, Map<String, Long> invalidReasons,
            Map<CoverageReason, Long> uncovered, Map<LossStage, Long> lostSeqs, long abortedSeqs) {
        TopicMeters m = meters(topic);
        m.aborted.increment(abortedSeqs);
        uncovered.forEach((r, n) -> m.uncovered.get(r).increment(n));
        outcomes.forEach((o, n) -> m.outcomes.get(o).increment(n));
        invalidReasons.forEach((r, n) -> {
            Counter c = m.invalid.get(r);
            if (c != null) {
                c.increment(n);
            }
        });
        lostSeqs.forEach((st, n) -> m.lost.get(st).increment(n));
    }

    /** A beacon skipped because it breaks the contract ({@code reason}: one of a few fixed tags). */
    public void invalidBeacon(String reason) {
        invalidBeacons(reason).increment();
    }

    /** Registers the invalid-beacon counters at zero, so that the first one counted shows as an increase. */
    public void registerInvalidBeacons(java.util.Collection<String> reasons) {
        reasons.forEach(this::invalidBeacons);
    }

    private Counter invalidBeacons(String reason) {
        return Counter.builder("seqaudit.invalid.beacons").description("Beacons skipped because they break the "
                + "beacon contract, by reason").tag("reason", reason).register(registry);
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

    /** What the last check of Redis's settings found. */
    public void redisSettings(boolean evicting, boolean persistent) {
        redisEvicting.set(evicting ? 1 : 0);
        redisPersistent.set(persistent ? 1 : 0);
    }

    /** Counts a handled log truncation. */
    public void truncation(String topic, long records, long reopened) {
        TopicMeters m = meters(topic);
        m.truncations.increment();
        m.truncatedRecords.increment(records);
        m.reopenedSeqs.increment(reopened);
    }

    /** Counts records that retention deleted before they were audited. */
    public void coverageGap(String topic, long records) {
        meters(topic).coverageGaps.increment(Math.max(0, records));
    }

    /** Whether a topic's audit state is lost (auditing stopped until it is re-audited). */
    public void stateLost(String topic, boolean lost) {
        meters(topic).stateLost.set(lost ? 1 : 0);
    }

    public void lag(String topic, long records) {
        meters(topic).lag.set(records);
    }
}
