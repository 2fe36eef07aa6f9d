package io.seqaudit.api;

import io.seqaudit.audit.AuditorService;
import io.seqaudit.state.StateStore;
import jakarta.enterprise.context.ApplicationScoped;
import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.HealthCheckResponseBuilder;
import org.eclipse.microprofile.health.Liveness;
import org.eclipse.microprofile.health.Readiness;

/**
 * Health of the auditor. Liveness fails only when the consumer thread stopped going round its loop (a restart
 * helps then). Readiness stays up while Kafka or Redis is down: the auditor waits and retries by itself, and a
 * sidecar that turned unready would take the application's pod out of service. Their state is shown as data.
 */
public final class AuditorHealth {

    private AuditorHealth() {
    }

    /** The consumer loop is alive. */
    @Liveness
    @ApplicationScoped
    public static class Live implements HealthCheck {
        private final AuditorService auditor;

        public Live(AuditorService auditor) {
            this.auditor = auditor;
        }

        @Override
        public HealthCheckResponse call() {
            return HealthCheckResponse.named("seqaudit-auditor").status(auditor.alive())
                    .withData("status", auditor.status()).build();
        }
    }

    /** Ready to answer the API; Redis and auditor state reported, not enforced. */
    @Readiness
    @ApplicationScoped
    public static class Ready implements HealthCheck {
        private final AuditorService auditor;
        private final StateStore store;

        public Ready(AuditorService auditor, StateStore store) {
            this.auditor = auditor;
            this.store = store;
        }

        @Override
        public HealthCheckResponse call() {
            HealthCheckResponseBuilder b = HealthCheckResponse.named("seqaudit").up()
                    .withData("auditor", auditor.status()).withData("redis", store.ping() ? "up" : "down");
            // A lost audit state is an alert (seqaudit_state_lost), not unreadiness: the API still serves.
            auditor.topicStates().forEach((topic, state) -> b.withData("state." + topic, state));
            // Reported, not enforced either: a wrong address or a missing topic is an alert (seqaudit_up,
            // seqaudit_topic_partitions) and a WARN a minute naming the setting.
            auditor.reachability().forEach(b::withData);
            // The consumer stage's receipt topic: reported the same way (seqaudit_receipt_topic_present).
            auditor.receiptTopic().ifPresent(state -> b.withData("receipts", state));
            return b.build();
        }
    }
}
