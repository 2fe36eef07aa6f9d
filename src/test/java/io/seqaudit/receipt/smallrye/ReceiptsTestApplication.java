package io.seqaudit.receipt.smallrye;

import io.quarkus.arc.profile.IfBuildProfile;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.eclipse.microprofile.reactive.messaging.Incoming;

/**
 * A SmallRye Reactive Messaging application, as an application has one: {@code @Incoming} methods that fail on
 * some records (one record at a time) or on some batches. It knows nothing of receipts. Only under the build
 * profile of {@link ReceiptsIncomingInterceptorTest} (other Quarkus tests configure no such channel).
 */
@ApplicationScoped
@IfBuildProfile(ReceiptsIncomingInterceptorTest.PROFILE)
public class ReceiptsTestApplication {

    public static final String CHANNEL = "orders-in";
    public static final String BATCH_CHANNEL = "orders-batch-in";
    public static final String NO_GROUP_CHANNEL = "orders-no-group-in";
    public static final String POISON = "poison";
    /** What the batch method was given: "topic/partition@offset" → whether its batch failed. */
    public static final Map<String, Boolean> BATCHED = new ConcurrentHashMap<>();

    @Incoming(CHANNEL)
    public void consume(String value) {
        if (value.startsWith(POISON)) {
            throw new IllegalStateException("cannot process " + value);
        }
    }

    @Incoming(NO_GROUP_CHANNEL)
    public void consumeWithoutGroup(String value) {
        // Processes everything; its channel names no group.id
    }

    @Incoming(BATCH_CHANNEL)
    public void consumeBatch(ConsumerRecords<String, String> batch) {
        boolean fails = false;
        for (ConsumerRecord<String, String> r : batch) {
            fails |= r.value().startsWith(POISON);
        }
        for (ConsumerRecord<String, String> r : batch) {
            BATCHED.put(r.topic() + "/" + r.partition() + "@" + r.offset(), fails);
        }
        if (fails) {
            throw new UnsupportedOperationException("a poisoned batch of " + List.copyOf(batch.partitions()));
        }
    }
}
