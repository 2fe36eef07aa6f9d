package io.seqaudit.it;

import io.seqaudit.stamp.SequenceStampingInterceptor;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;

/**
 * A second JVM for {@link ProducersNeverShareAStreamTest}: one producer with the stamping interceptor and no
 * seqaudit settings, created the moment a go-file appears, so several of these processes create their producers
 * together. Sends {@code perKey} records to each key, in order, then exits 0 (1 on any failure).
 *
 * <p>Usage: {@code DefaultStampingSender <topic> <key,key,...> <perKey> <go-file>}, the broker from
 * {@code KAFKA_BOOTSTRAP_SERVERS} ({@link KafkaSupport#bootstrap()}); prints {@value #READY} once loaded, before
 * it waits.
 */
public final class DefaultStampingSender {

    /** Printed when the JVM is up and waiting for the go-file. */
    public static final String READY = "sender ready";

    private DefaultStampingSender() {
    }

    public static void main(String[] args) throws Exception {
        String topic = args[0];
        String[] keys = args[1].split(",");
        int perKey = Integer.parseInt(args[2]);
        Path go = Path.of(args[3]);
        // Load the producer's classes now, so the go-file starts both processes' producers close together.
        Class.forName(KafkaProducer.class.getName());
        Class.forName(SequenceStampingInterceptor.class.getName());
        System.out.println(READY);
        System.out.flush();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (!Files.exists(go)) { // a file is the simplest barrier two processes share
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("no go-file " + go + " within 60 s");
            }
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(1));
        }
        List<Future<RecordMetadata>> sent = new ArrayList<>();
        try (KafkaProducer<String, String> producer = KafkaSupport.producer(
                SequenceStampingInterceptor.class.getName(), Map.of())) {
            for (int seq = 0; seq < perKey; seq++) {
                for (String key : keys) {
                    sent.add(producer.send(new ProducerRecord<>(topic, key, "v" + seq)));
                }
            }
        }
        for (Future<RecordMetadata> f : sent) {
            f.get(); // a failed send fails the process: the test must know every record reached the broker
        }
        System.out.println("sender done");
    }
}
