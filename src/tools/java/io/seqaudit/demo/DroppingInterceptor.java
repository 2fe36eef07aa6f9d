package io.seqaudit.demo;

import java.util.Map;
import org.apache.kafka.clients.producer.ProducerInterceptor;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;

/**
 * Placed after the stamping interceptor: sends records whose value is {@code drop} to a void topic instead of their
 * own, so they are stamped and never reach the audited log, and the producer knows each one's outcome (a
 * producer-stage loss whose seqs the sender knows exactly). Used by the demo's {@link TailTraffic} and by the
 * beacon tests.
 */
public class DroppingInterceptor implements ProducerInterceptor<String, String> {

    /** The producer setting naming the void topic. */
    public static final String VOID_TOPIC = "seqaudit.demo.void-topic";
    /** The value that marks a record to drop. */
    public static final String DROP = "drop";

    private String voidTopic;

    @Override
    public ProducerRecord<String, String> onSend(ProducerRecord<String, String> r) {
        return DROP.equals(r.value())
                ? new ProducerRecord<>(voidTopic, null, r.timestamp(), r.key(), r.value(), r.headers()) : r;
    }

    @Override
    public void onAcknowledgement(RecordMetadata metadata, Exception exception) {
    }

    @Override
    public void close() {
    }

    @Override
    public void configure(Map<String, ?> configs) {
        voidTopic = String.valueOf(configs.get(VOID_TOPIC));
    }
}
