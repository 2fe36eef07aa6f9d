package io.seqaudit.metrics;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import jakarta.enterprise.context.ApplicationScoped;

/**
 * Meters of the replayer: {@code seqaudit_replays_total{topic,outcome}} (replays that ended, by outcome),
 * {@code seqaudit_repaired_total{topic}} and {@code seqaudit_unrecoverable_total{topic}} (seqs). Thread-safe.
 */
@ApplicationScoped
public class ReplayMetrics {

    private final MeterRegistry registry;

    public ReplayMetrics(MeterRegistry registry) {
        this.registry = registry;
    }

    /** Registers the series at zero, so alerts and dashboards see them before the first replay. */
    public void register(String topic) {
        for (String o : new String[] {"repaired", "unrecoverable", "failed"}) {
            replays(topic, o);
        }
        repaired(topic);
        unrecoverable(topic);
    }

    private Counter replays(String topic, String outcome) {
        return Counter.builder("seqaudit.replays").description("Replays that ended, by outcome")
                .tag("topic", topic).tag("outcome", outcome).register(registry);
    }

    private Counter repaired(String topic) {
        return Counter.builder("seqaudit.repaired").description("Seqs that arrived after being replayed")
                .tag("topic", topic).register(registry);
    }

    private Counter unrecoverable(String topic) {
        return Counter.builder("seqaudit.unrecoverable")
                .description("Seqs a replay could not repair: the source does not have them")
                .tag("topic", topic).register(registry);
    }

    /** A replay ended: {@code repaired} and {@code unrecoverable} seqs of it. */
    public void ended(String topic, String outcome, long repaired, long unrecoverable) {
        replays(topic, outcome).increment();
        repaired(topic).increment(repaired);
        unrecoverable(topic).increment(unrecoverable);
    }
}
