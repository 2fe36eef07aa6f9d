package io.seqaudit.deploy;

import io.seqaudit.it.CreatedTopic;

import io.quarkus.test.junit.QuarkusTestProfile;
import io.seqaudit.it.KafkaSupport;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * The service as the deploy/ tests see it: the real broker and Redis, a fresh topic (so per-topic series exist in
 * /q/metrics), consumer group and Redis prefix of its own.
 */
public class DeployTestProfile implements QuarkusTestProfile {

    static final String RUN = UUID.randomUUID().toString().substring(0, 8);
    static final String TOPIC = "deploy-" + RUN;

    @Override
    public Map<String, String> getConfigOverrides() {
        return Map.of("seqaudit.topics", TOPIC, "seqaudit.audit.group-id", "deploy-" + RUN,
                "seqaudit.state.prefix", "deploy-" + RUN, "kafka.bootstrap.servers", KafkaSupport.bootstrap(),
                // One application group, so that the consumer stage's per-group series are exported too.
                "seqaudit.consumers", "deploy-app-" + RUN);
    }

    @Override
    public List<TestResourceEntry> testResources() {
        return List.of(new TestResourceEntry(CreatedTopic.class, CreatedTopic.args(TOPIC, 2)));
    }

}
