package io.seqaudit.it;

import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import io.quarkus.test.junit.QuarkusTestProfile;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * Runs the service against the real broker and Redis with a fresh topic, Redis prefix and group id, so test
 * classes never see each other's state. The topic is created (6 partitions) before the service starts.
 */
public class AuditTestProfile implements QuarkusTestProfile {

    public static final String RUN = UUID.randomUUID().toString().substring(0, 8);
    public static final String TOPIC = "audited-" + RUN;
    public static final String VOID = "void-" + RUN;

    /**
     * The settings every audit test profile starts from: the topics, the grace, and a group and Redis prefix of
     * the test's own ({@code name}), against the real broker.
     */
    public static Map<String, String> settings(String name, String topics, String grace) {
        return Map.of("seqaudit.topics", topics, "seqaudit.grace", grace, "seqaudit.audit.group-id", name,
                "seqaudit.state.prefix", name, "kafka.bootstrap.servers", KafkaSupport.bootstrap());
    }

    @Override
    public Map<String, String> getConfigOverrides() {
        return Map.of(
                "seqaudit.topics", TOPIC,
                "seqaudit.grace", "3s",
                "seqaudit.audit.group-id", "seqaudit-test-" + RUN,
                "seqaudit.state.prefix", "seqaudit-test-" + RUN,
                // ReplayApiTest sends many bad requests in a row: the rate limit has its own test.
                "seqaudit.api.replay-rate", "1000",
                "seqaudit.api.replay-burst", "1000",
                "kafka.bootstrap.servers", KafkaSupport.bootstrap());
    }

    @Override
    public List<TestResourceEntry> testResources() {
        return List.of(new TestResourceEntry(Topics.class));
    }

    /** Creates the topics before the service starts. */
    public static class Topics implements QuarkusTestResourceLifecycleManager {
        @Override
        public Map<String, String> start() {
            KafkaSupport.createTopic(TOPIC, 6);
            KafkaSupport.createTopic(VOID, 1);
            return Map.of();
        }

        @Override
        public void stop() {
        }
    }
}
