package io.seqaudit.it;

import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import java.util.Map;

/**
 * A test resource that creates a topic on the real broker before the service starts: declare it in a test
 * profile with {@code new TestResourceEntry(CreatedTopic.class, CreatedTopic.args(topic, partitions))}.
 */
public class CreatedTopic implements QuarkusTestResourceLifecycleManager {

    private String topic;
    private int partitions;

    /** The resource's arguments for {@code topic} with {@code partitions} partitions. */
    public static Map<String, String> args(String topic, int partitions) {
        return Map.of("topic", topic, "partitions", String.valueOf(partitions));
    }

    @Override
    public void init(Map<String, String> initArgs) {
        topic = initArgs.get("topic");
        partitions = Integer.parseInt(initArgs.getOrDefault("partitions", "1"));
    }

    @Override
    public Map<String, String> start() {
        KafkaSupport.createTopic(topic, partitions);
        return Map.of();
    }

    @Override
    public void stop() {
    }
}
