package io.seqaudit.metrics;

import io.micrometer.core.instrument.MeterRegistry;
import jakarta.enterprise.context.ApplicationScoped;

/**
 * Meters of the replayer: {@code seqaudit_replays_total{outcome}} (replays that ended, by outcome),
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
            registry.counter("seqaudit.replays", "outcome", o);
        }
        registry.counter("seqaudit.repaired", "topic", topic);
        registry.counter("seqaudit.unrecoverable", "topic", topic);
    }

    /** A replay ended: {@code repaired} and {@code unrecoverable} seqs of it. */
    public void ended(String topic, String outcome, long repaired, long unrecoverable) {
        registry.counter("seqaudit.replays", "outcome", outcome).increment();
        registry.counter("seqaudit.repaired", "topic", topic).increment(repaired);
        registry.counter("seqaudit.unrecoverable", "topic", topic).increment(unrecoverable);
    }
}
