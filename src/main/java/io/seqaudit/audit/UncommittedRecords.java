package io.seqaudit.audit;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

/**
 * The {@link UncommittedReader} of the running service: a consumer of its own, outside any group, reading
 * {@code read_uncommitted}. Used only when a gap opens across offsets the auditor's own (read_committed) consumer
 * never returned, so it costs nothing on topics without transactions. Consumer thread only.
 */
final class UncommittedRecords implements UncommittedReader, AutoCloseable {

    /** The longest one range may take to read: beyond it the batch fails and is retried from the stored offsets. */
    private static final Duration READ_LIMIT = Duration.ofSeconds(10);

    private final KafkaConsumer<byte[], byte[]> consumer;

    /** @param settings the auditor's Kafka consumer settings (connection, security); its group is not joined */
    UncommittedRecords(Properties settings) {
        Properties p = new Properties();
        p.putAll(settings);
        p.remove(ConsumerConfig.GROUP_ID_CONFIG);
        p.remove(ConsumerConfig.GROUP_INSTANCE_ID_CONFIG);
        p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_uncommitted");
        p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest"); // a range starting before the log start
        p.put(ConsumerConfig.ALLOW_AUTO_CREATE_TOPICS_CONFIG, "false");
        p.put(ConsumerConfig.CLIENT_ID_CONFIG, "seqaudit-uncommitted");
        this.consumer = new KafkaConsumer<>(p, new ByteArrayDeserializer(), new ByteArrayDeserializer());
    }

    @Override
    public List<ConsumerRecord<byte[], byte[]>> read(TopicPartition tp, long from, long to) {
        consumer.assign(List.of(tp));
        consumer.seek(tp, Math.max(0, from));
        long deadline = System.currentTimeMillis() + READ_LIMIT.toMillis();
        List<ConsumerRecord<byte[], byte[]>> out = new ArrayList<>();
        while (consumer.position(tp, READ_LIMIT) < to) {
            if (System.currentTimeMillis() > deadline) {
                throw new KafkaException("reading " + tp + " offsets " + from + ".." + to + " (read_uncommitted) took "
                        + "longer than " + READ_LIMIT);
            }
            for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(200)).records(tp)) {
                if (r.offset() < to) {
                    out.add(r);
                }
            }
        }
        return out;
    }

    @Override
    public void close() {
        consumer.close(Duration.ofSeconds(2));
    }
}
