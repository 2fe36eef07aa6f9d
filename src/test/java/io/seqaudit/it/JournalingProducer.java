package io.seqaudit.it;

import io.seqaudit.stamp.SeqauditHeaders;
import io.seqaudit.stamp.SequenceStampingInterceptor;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentSkipListSet;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * A producer with the stamping interceptor that sends over {@code keys} keys from one background thread and
 * journals every acknowledgement ("key#seq" to partition/offset), plus what it stamped but never got acknowledged.
 * One sending thread: the interceptor numbers each key's records in send order, so the i-th record sent for a key
 * has seq i (the journal needs no access to the stamped headers). Started with {@link #start()}, stopped (and
 * flushed) with {@link #close()}; the journal is safe to read from the test thread meanwhile.
 */
final class JournalingProducer implements AutoCloseable {

    private final String topic;
    private final int keys;
    private final String producerId;
    private final KafkaProducer<String, String> producer;
    private final Map<String, String> acked = new ConcurrentHashMap<>();
    private final Set<String> failed = new ConcurrentSkipListSet<>();
    private final AtomicBoolean running = new AtomicBoolean(true);
    private final AtomicBoolean held = new AtomicBoolean();
    private volatile boolean idle;
    private final Thread sender;
    private volatile long sent;

    /** {@code acks} "1" (idempotence off, as acks=1 requires) or "all" (idempotent). */
    JournalingProducer(String bootstrap, String topic, int keys, String acks, String producerId) {
        this(bootstrap, topic, keys, acks, producerId, null);
    }

    /** @param beaconTopic where the interceptor sends its beacons, or null for none */
    JournalingProducer(String bootstrap, String topic, int keys, String acks, String producerId,
            String beaconTopic) {
        this.topic = topic;
        this.keys = keys;
        this.producerId = producerId;
        Map<String, Object> p = new HashMap<>();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        p.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
        p.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
        p.put(ProducerConfig.INTERCEPTOR_CLASSES_CONFIG, SequenceStampingInterceptor.class.getName());
        p.put("seqaudit.producer.id", producerId);
        // Beacons to the run's own beacon topic (null: none): they tell each loss's stage, and find lost tails.
        if (beaconTopic != null) {
            p.put("seqaudit.beacon.topic", beaconTopic);
            p.put("seqaudit.beacon.interval", "200ms");
        } else {
            p.put("seqaudit.beacon.enabled", "false");
        }
        p.put(ProducerConfig.ACKS_CONFIG, acks);
        p.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "all".equals(acks));
        p.put(ProducerConfig.LINGER_MS_CONFIG, 5);
        // Ride out a leader change rather than fail the send: a failed send is a producer-stage loss, not the point.
        p.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, 120_000);
        p.put(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, 10_000);
        p.put("metadata.max.age.ms", 2_000);
        this.producer = new KafkaProducer<>(p);
        this.sender = new Thread(this::sendLoop, "journaling-producer");
        sender.setDaemon(true);
    }

    JournalingProducer start() {
        sender.start();
        return this;
    }

    private void sendLoop() {
        long[] next = new long[keys];
        long i = 0;
        while (running.get()) {
            if (held.get()) {
                idle = true;
                pause();
                continue;
            }
            idle = false;
            int k = (int) (i++ % keys);
            String key = "k" + k;
            String id = key + "#" + next[k]++;
            producer.send(new ProducerRecord<>(topic, key, "v" + id), (md, e) -> {
                if (e == null) {
                    acked.put(id, md.partition() + "/" + md.offset());
                } else {
                    failed.add(id);
                }
            });
            sent = i;
            if (i % 20 == 0) {
                pause(); // about 1,000 records/s: a steady stream, not a flood the 2 cores choke on
            }
        }
    }

    private static void pause() {
        try {
            Thread.sleep(20); // pacing of a background load generator, not a test wait
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    long sent() {
        return sent;
    }

    long ackedCount() {
        return acked.size();
    }

    /** "key#seq" of every acknowledged record. */
    Set<String> acked() {
        return new TreeSet<>(acked.keySet());
    }

    /** "key#seq" of every stamped record whose send failed (a producer-stage loss, reported lost by design). */
    Set<String> failed() {
        return new TreeSet<>(failed);
    }

    /** "key#seq" of every record of this producer in the topic now, read back from the beginning to the end. */
    Set<String> readBack(String bootstrap, int partitions) {
        Map<String, Object> c = Map.of(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap,
                ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName(),
                ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName(),
                ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        Set<String> present = new TreeSet<>();
        try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(c)) {
            List<TopicPartition> tps = KafkaClusterSupport.partitions(topic, partitions);
            consumer.assign(tps);
            consumer.seekToBeginning(tps);
            Map<TopicPartition, Long> end = consumer.endOffsets(tps);
            while (tps.stream().anyMatch(tp -> consumer.position(tp) < end.get(tp))) {
                for (ConsumerRecord<String, String> r : consumer.poll(Duration.ofMillis(500))) {
                    Header p = r.headers().lastHeader(SeqauditHeaders.PRODUCER);
                    Header s = r.headers().lastHeader(SeqauditHeaders.SEQ);
                    if (p != null && s != null && producerId.equals(new String(p.value(), StandardCharsets.UTF_8))) {
                        present.add(r.key() + "#" + new String(s.value(), StandardCharsets.UTF_8));
                    }
                }
            }
        }
        return present;
    }

    /**
     * Stops sending until {@link #release()} and waits until every record sent so far is acknowledged or failed:
     * the journal then says exactly what the log should hold, with nothing in flight.
     */
    void hold() {
        held.set(true);
        org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> idle || !sender.isAlive());
        producer.flush();
    }

    /** Sends again after {@link #hold()}. */
    void release() {
        held.set(false);
    }

    /** Stops sending and waits for every outstanding send to be acknowledged or failed. */
    @Override
    public void close() {
        running.set(false);
        try {
            sender.join(10_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        producer.flush();
        producer.close(Duration.ofSeconds(30));
    }
}
