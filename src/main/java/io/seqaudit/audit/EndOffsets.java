package io.seqaudit.audit;

import io.seqaudit.config.EndOffsetReads;
import java.time.Duration;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.common.IsolationLevel;
import org.apache.kafka.common.TopicPartition;
import org.jboss.logging.Logger;

/**
 * The audited partitions' last committed offsets, fetched in the background (its own daemon thread, an Admin
 * client) so the consumer thread never waits on the broker for them. Each value carries the wall-clock time it
 * was asked at: an auditor whose position has reached it has read every record written before that time, which
 * is exactly how far its progress clock may advance without records. A fetch that fails leaves the old values.
 */
final class EndOffsets implements AutoCloseable {

    private static final Logger LOG = Logger.getLogger(EndOffsets.class);

    /** An end offset and when it was asked for. */
    record At(long offset, long askedAt) {
    }

    private final Admin admin;
    private final ScheduledExecutorService timer;
    private final Map<TopicPartition, At> latest = new ConcurrentHashMap<>();
    private volatile Set<TopicPartition> watched = Set.of();
    /** When the brokers last answered (epoch ms, 0: never): what tells Kafka reachable or not. */
    private volatile long answeredAt;

    /** Takes over {@code admin}: closed with this. */
    EndOffsets(Admin admin, Duration every) {
        this.admin = admin;
        this.timer = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "seqaudit-end-offsets");
            t.setDaemon(true);
            return t;
        });
        timer.scheduleWithFixedDelay(this::refresh, 0, every.toMillis(), TimeUnit.MILLISECONDS);
    }

    /** The partitions to follow (the consumer thread's assignment). */
    void watch(Collection<TopicPartition> partitions) {
        watched = Set.copyOf(partitions);
        latest.keySet().retainAll(watched);
    }

    /** The latest known end offset of a partition, or null. */
    At get(TopicPartition tp) {
        return latest.get(tp);
    }

    /** When the brokers last answered this reader (epoch ms), 0 if never. */
    long answeredAt() {
        return answeredAt;
    }

    private void refresh() {
        Set<TopicPartition> parts = watched;
        long askedAt = System.currentTimeMillis();
        if (parts.isEmpty()) {
            // Nothing to follow (a topic that does not exist, or no metadata yet): still find out whether the
            // brokers answer, a few times a minute.
            if (askedAt - answeredAt >= 5_000) {
                try {
                    admin.describeCluster().nodes().get(5, TimeUnit.SECONDS);
                    answeredAt = askedAt;
                } catch (Exception e) {
                    if (e instanceof InterruptedException) {
                        Thread.currentThread().interrupt();
                    }
                    LOG.debugf("The brokers do not answer: %s", e.toString());
                }
            }
            return;
        }
        try {
            // The log end, not the last stable offset: while a transaction is open the auditor's read_committed
            // consumer cannot pass it, so the partition is not caught up and its progress clock stays put. Grace
            // therefore never runs out on seqs an open transaction may still commit (until the broker aborts it).
            EndOffsetReads.latest(admin, parts, IsolationLevel.READ_UNCOMMITTED, Duration.ofSeconds(5))
                    .forEach((tp, offset) -> latest.put(tp, new At(offset, askedAt)));
            answeredAt = askedAt;
        } catch (Exception e) {
            if (e instanceof InterruptedException) {
                Thread.currentThread().interrupt();
            }
            LOG.debugf("Cannot read end offsets of %s: %s", List.copyOf(parts), e.toString());
        }
    }

    @Override
    public void close() {
        timer.shutdownNow();
        admin.close(Duration.ofSeconds(2));
    }
}
