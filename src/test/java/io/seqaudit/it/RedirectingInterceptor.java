package io.seqaudit.it;

import java.util.Map;
import org.apache.kafka.clients.producer.ProducerInterceptor;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;

/**
 * Placed after the stamping interceptor: sends records whose value starts with {@code drop} to {@link #VOID}
 * instead of their topic, so they are stamped and never reach the audited log (a producer-stage loss the test
 * knows exactly).
 */
public class RedirectingInterceptor implements ProducerInterceptor<String, String> {

    /** Where dropped records go (set by the test before its producer sends). */
    static volatile String VOID;

    @Override
    public ProducerRecord<String, String> onSend(ProducerRecord<String, String> record) {
        if (record.value() != null && record.value().startsWith("drop")) {
            return new ProducerRecord<>(VOID, null, record.timestamp(), record.key(), record.value(),
                    record.headers());
        }
        return record;
    }

    @Override
    public void onAcknowledgement(RecordMetadata metadata, Exception exception) {
    }

    @Override
    public void close() {
    }

    @Override
    public void configure(Map<String, ?> configs) {
    }
}
