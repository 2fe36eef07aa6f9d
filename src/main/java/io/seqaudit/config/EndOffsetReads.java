package io.seqaudit.config;

import java.time.Duration;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ListOffsetsOptions;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.common.IsolationLevel;
import org.apache.kafka.common.TopicPartition;

/**
 * The one read of partitions' end offsets from the brokers, shared by the auditor's background reader
 * ({@code audit.EndOffsets}) and the replayer's caught-up check ({@code replay.ReplayWork}). It lives here, below
 * both, because {@code audit} and {@code replay} are siblings that do not import each other. Blocking, bounded by
 * {@code timeout}; on the caller's thread, with the caller's admin client (not closed here).
 */
public final class EndOffsetReads {

    private EndOffsetReads() {
    }

    /**
     * The end offset of each partition: with {@link IsolationLevel#READ_UNCOMMITTED} the log end, with
     * {@link IsolationLevel#READ_COMMITTED} the last stable offset (not past an open transaction).
     *
     * @throws ExecutionException if the brokers answer with an error
     * @throws TimeoutException if they do not answer within {@code timeout}
     */
    public static Map<TopicPartition, Long> latest(Admin admin, Collection<TopicPartition> partitions,
            IsolationLevel isolation, Duration timeout)
            throws ExecutionException, TimeoutException, InterruptedException {
        Map<TopicPartition, OffsetSpec> specs = new HashMap<>();
        partitions.forEach(tp -> specs.put(tp, OffsetSpec.latest()));
        Map<TopicPartition, Long> out = new HashMap<>();
        admin.listOffsets(specs, new ListOffsetsOptions(isolation)).all()
                .get(timeout.toMillis(), TimeUnit.MILLISECONDS)
                .forEach((tp, info) -> out.put(tp, info.offset()));
        return out;
    }

    /** The partitions the topic has now. Throws as {@link #latest}. */
    public static List<TopicPartition> partitions(Admin admin, String topic, Duration timeout)
            throws ExecutionException, TimeoutException, InterruptedException {
        return admin.describeTopics(List.of(topic)).allTopicNames().get(timeout.toMillis(), TimeUnit.MILLISECONDS)
                .get(topic).partitions().stream().map(p -> new TopicPartition(topic, p.partition())).toList();
    }
}
