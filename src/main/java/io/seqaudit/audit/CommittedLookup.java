package io.seqaudit.audit;

import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

/**
 * Reads a stretch of an audited partition {@code read_committed}, with a consumer of its own outside any group (the
 * pattern of {@link UncommittedRecords}): the consumer stage's way to tell data records from transaction markers
 * and records of aborted transactions (neither is returned), and to name a finding's key and stamp. Used only for
 * stretches that hold a finding (unreceipted once grace ran out, or receipted twice): its cost is on findings only.
 * The auditor's consumer thread only; a read that cannot finish in 10 s throws (the step is retried).
 */
final class CommittedLookup implements AutoCloseable {

    private static final Duration READ_LIMIT = Duration.ofSeconds(10);

    private final KafkaConsumer<byte[], byte[]> consumer;

    CommittedLookup(Properties settings) {
        Properties p = new Properties();
        p.putAll(settings);
        p.remove(ConsumerConfig.GROUP_ID_CONFIG);
        p.remove(ConsumerConfig.GROUP_INSTANCE_ID_CONFIG);
        p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        p.put(ConsumerConfig.ALLOW_AUTO_CREATE_TOPICS_CONFIG, "false");
        p.put(ConsumerConfig.CLIENT_ID_CONFIG, "seqaudit-consumer-lookup");
        this.consumer = new KafkaConsumer<>(p, new ByteArrayDeserializer(), new ByteArrayDeserializer());
    }

    /**
     * The data records of {@code [from, to)}, by offset. An offset the log no longer holds (retention) is absent
     * too: nothing can be said about it.
     */
    Map<Long, ConsumerRecord<byte[], byte[]>> read(TopicPartition tp, long from, long to) {
        Map<Long, ConsumerRecord<byte[], byte[]>> out = new HashMap<>();
        if (from >= to) {
            return out;
        }
        consumer.assign(List.of(tp));
        consumer.seek(tp, from);
        long deadline = System.currentTimeMillis() + READ_LIMIT.toMillis();
        while (consumer.position(tp, READ_LIMIT) < to) {
            if (System.currentTimeMillis() > deadline) {
                throw new KafkaException("reading " + tp + " offsets " + from + ".." + to + " (read_committed) took "
                        + "longer than " + READ_LIMIT + " (an open transaction below the group's committed offset?)");
            }
            for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(200)).records(tp)) {
                if (r.offset() < to) {
                    out.put(r.offset(), r);
                }
            }
        }
        return out;
    }

    /** The partition's last stable offset: every offset below it can be read {@code read_committed} now. */
    long readableEnd(TopicPartition tp) {
        consumer.assign(List.of(tp)); // the client keeps last stable offsets of assigned partitions only
        return consumer.endOffsets(List.of(tp), READ_LIMIT).getOrDefault(tp, 0L);
    }

    @Override
    public void close() {
        consumer.close(Duration.ofSeconds(2));
    }
}
