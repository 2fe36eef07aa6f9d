package io.seqaudit.audit;

import io.seqaudit.metrics.ConsumerMetrics;
import io.seqaudit.state.ConsumerStore;
import io.seqaudit.state.StateStore;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import org.apache.kafka.clients.admin.Admin;

/**
 * A second auditor instance's consumer stage, for tests: the same classes as the service's, on the same Redis state,
 * owning the partitions it is told (as a stale owner, or a restarted instance, would). Stepped by the test thread.
 */
public final class SecondConsumerAuditor implements AutoCloseable {

    private final Admin admin;
    private final ReceiptReader reader;
    private final ConsumerAudit audit;

    public SecondConsumerAuditor(StateStore store, ConsumerMetrics metrics, String bootstrap, String receiptTopic,
            List<String> groups, String topic, Set<Integer> partitions, String generation, long graceMs) {
        Properties p = new Properties();
        p.put("bootstrap.servers", bootstrap);
        p.put("client.id", "second-auditor");
        admin = Admin.create(Map.of("bootstrap.servers", bootstrap));
        reader = new ReceiptReader(p, receiptTopic, metrics);
        audit = new ConsumerAudit(groups, graceMs, 100, reader, new GroupOffsets(admin, groups, 500),
                new CommittedLookup(p), new ConsumerStore(store), metrics, List.of(topic),
                () -> Map.of(topic, new ConsumerAudit.Owned(partitions, generation)));
    }

    /** One step, as the audit loop makes it. */
    public void step() {
        audit.step(System.currentTimeMillis());
    }

    /** Whether every receipt written so far has been read. */
    public boolean caughtUp() {
        return reader.caughtUp();
    }

    @Override
    public void close() {
        audit.close();
        admin.close();
    }
}
