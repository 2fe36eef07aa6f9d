package io.seqaudit.bench;

import io.seqaudit.stamp.SequenceStampingInterceptor;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.kafka.clients.producer.Callback;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * The benchmark's producers: one setting for all of them (acks=1, 5 ms linger, 128 KiB batches; no compression but
 * where the stamping section asks for one),
 * String keys {@code key-000042} and a fixed random value of the configured size. Record {@code i} goes to key
 * {@code i % keys}, so every key gets its records in turn and each key's stream interleaves with all others.
 */
final class Load {

    private final String bootstrap;
    private final String beaconTopic;
    private final String[] keys;
    private final byte[] value;

    Load(String bootstrap, String beaconTopic, int keys, int valueBytes) {
        this.bootstrap = bootstrap;
        this.beaconTopic = beaconTopic;
        this.keys = new String[keys];
        for (int i = 0; i < keys; i++) {
            this.keys[i] = String.format("key-%06d", i);
        }
        this.value = new byte[valueBytes];
        new Random(42).nextBytes(value);
    }

    /**
     * The producer settings every measurement uses; {@code producerId} non-null adds the stamping interceptor,
     * {@code compression} is Kafka's {@code compression.type}.
     */
    Properties settings(String producerId, String compression) {
        Properties p = new Properties();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        p.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
        p.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
        p.put(ProducerConfig.ACKS_CONFIG, "1");
        p.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "false");
        p.put(ProducerConfig.LINGER_MS_CONFIG, "5");
        p.put(ProducerConfig.BATCH_SIZE_CONFIG, "131072");
        p.put(ProducerConfig.COMPRESSION_TYPE_CONFIG, compression);
        if (producerId != null) {
            p.put(ProducerConfig.INTERCEPTOR_CLASSES_CONFIG, SequenceStampingInterceptor.class.getName());
            p.put(SequenceStampingInterceptor.PRODUCER_ID_CONFIG, producerId);
            p.put("seqaudit.beacon.topic", beaconTopic);
            // Every key keeps its counter: no eviction, so one stream per key.
            p.put(SequenceStampingInterceptor.MAX_KEYS_CONFIG,
                    Integer.toString(Math.max(SequenceStampingInterceptor.DEFAULT_MAX_KEYS, keys.length)));
        }
        return p;
    }

    /**
     * Sends {@code records} stamped records from {@code threads} threads sharing one producer; each thread owns
     * the keys {@code k % threads == t}, so a key's records are sent in seq order. Returns the seconds from the
     * first send to the end of the final flush.
     */
    double fill(String topic, long records, int threads, String producerId) throws Exception {
        try (KafkaProducer<String, byte[]> producer = new KafkaProducer<>(settings(producerId, "none"))) {
            producer.partitionsFor(topic); // metadata before the clock starts
            Acks acks = new Acks();
            ExecutorService pool = Executors.newFixedThreadPool(threads);
            long t0 = System.nanoTime();
            try {
                List<Future<?>> done = new ArrayList<>();
                for (int t = 0; t < threads; t++) {
                    int first = t;
                    done.add(pool.submit(() -> sendKeys(producer, topic, records, first, threads, acks)));
                }
                for (Future<?> f : done) {
                    f.get();
                }
                producer.flush();
            } finally {
                pool.shutdownNow();
            }
            double secs = (System.nanoTime() - t0) / 1e9;
            acks.check(records);
            return secs;
        }
    }

    private void sendKeys(KafkaProducer<String, byte[]> producer, String topic, long records, int first, int step,
            Acks acks) {
        for (long round = 0; ; round++) {
            for (int k = first; k < keys.length; k += step) {
                long i = round * keys.length + k;
                if (i >= records) {
                    return;
                }
                producer.send(new ProducerRecord<>(topic, keys[k], value), acks);
            }
        }
    }

    /**
     * One thread, one fresh producer with or without the interceptor, {@code records} records over all keys,
     * compressed with {@code compression}. Returns records per second, from the first send to the end of the flush
     * (producer start-up excluded).
     */
    double loop(String topic, long records, String producerId, String compression) {
        try (KafkaProducer<String, byte[]> producer = new KafkaProducer<>(settings(producerId, compression))) {
            producer.partitionsFor(topic);
            Acks acks = new Acks();
            long t0 = System.nanoTime();
            for (long i = 0; i < records; i++) {
                producer.send(new ProducerRecord<>(topic, keys[(int) (i % keys.length)], value), acks);
            }
            producer.flush();
            double secs = (System.nanoTime() - t0) / 1e9;
            acks.check(records);
            return records / secs;
        }
    }

    /** Counts acknowledged sends and keeps the first failure. */
    private static final class Acks implements Callback {
        final AtomicLong ok = new AtomicLong();
        final AtomicReference<Exception> failure = new AtomicReference<>();

        @Override
        public void onCompletion(org.apache.kafka.clients.producer.RecordMetadata m, Exception e) {
            if (e == null) {
                ok.incrementAndGet();
            } else {
                failure.compareAndSet(null, e);
            }
        }

        void check(long expected) {
            if (failure.get() != null || ok.get() != expected) {
                throw new IllegalStateException("only " + ok.get() + " of " + expected + " records acknowledged",
                        failure.get());
            }
        }
    }
}
