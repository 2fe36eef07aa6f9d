package io.seqaudit.demo;

import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import org.apache.kafka.clients.producer.ProducerInterceptor;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.header.Header;

/**
 * A fault-injecting interceptor for the demo and the tests, placed after the stamping interceptor: it sees
 * stamped records and injects faults at known places. A "lost" record is stamped and then never reaches the audited topic (it is sent to a void topic
 * instead); a "held" record goes to the void topic too, and is sent again later (late). Which records
 * are hit is decided by {@link FaultPlan#fate}, a pure function of key and seq, so the generator knows them exactly.
 * Records the generator re-sends carry the header {@code x-seqaudit-demo-resend} and pass untouched.
 */
public class FaultInjectingInterceptor implements ProducerInterceptor<String, String> {

    /** The traffic plan of the run in progress (one run at a time). */
    static volatile FaultPlan plan;
    /** Stamped records to send a second time (duplicates). */
    static final Queue<ProducerRecord<String, String>> DUPLICATES = new ConcurrentLinkedQueue<>();
    /** Stamped records held back less than the grace window. */
    static final Queue<ProducerRecord<String, String>> HELD_WITHIN = new ConcurrentLinkedQueue<>();
    /** Stamped records held back until their gap is reported lost. */
    static final Queue<ProducerRecord<String, String>> HELD_BEYOND = new ConcurrentLinkedQueue<>();

    @Override
    public ProducerRecord<String, String> onSend(ProducerRecord<String, String> record) {
        FaultPlan t = plan;
        if (t == null || record.headers().lastHeader("x-seqaudit-demo-resend") != null) {
            return record;
        }
        Header seqHeader = record.headers().lastHeader("seqaudit-seq");
        if (seqHeader == null) {
            return record;
        }
        long seq = Long.parseLong(new String(seqHeader.value(), StandardCharsets.UTF_8));
        FaultPlan.Fate fate = t.fate(record.key(), seq);
        switch (fate) {
            case DUPLICATED -> DUPLICATES.add(record);
            case LATE_WITHIN -> HELD_WITHIN.add(record);
            case LATE_BEYOND -> HELD_BEYOND.add(record);
            default -> { }
        }
        if (fate == FaultPlan.Fate.LOST || fate == FaultPlan.Fate.LATE_WITHIN || fate == FaultPlan.Fate.LATE_BEYOND) {
            return new ProducerRecord<>(t.voidTopic(), null, record.timestamp(), record.key(), record.value(),
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
