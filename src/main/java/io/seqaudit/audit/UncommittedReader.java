package io.seqaudit.audit;

import java.util.List;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.TopicPartition;

/**
 * Reads a range of a partition as it is in the log, records of aborted transactions included
 * ({@code isolation.level=read_uncommitted}): what tells an aborted record from a lost one. Consumer thread only.
 */
interface UncommittedReader {

    /** Reads nothing: for auditors that never see transactions (unit tests). */
    UncommittedReader NONE = (tp, from, to) -> List.of();

    /**
     * The records of {@code tp} at offsets {@code from} (or the log start, if later) up to {@code to}, exclusive.
     *
     * @throws org.apache.kafka.common.KafkaException when the range cannot be read in time (the batch is retried)
     */
    List<ConsumerRecord<byte[], byte[]>> read(TopicPartition tp, long from, long to);
}
