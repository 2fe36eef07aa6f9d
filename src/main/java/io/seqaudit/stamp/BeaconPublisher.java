package io.seqaudit.stamp;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.LongSupplier;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.Serializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Sends the beacons of one interceptor: every interval, for the streams that changed, one message per
 * (topic, partition) of at most {@link #STREAMS_PER_MESSAGE} streams to the beacon topic, through a producer of
 * its own (idempotent, acks=all, the application producer's connection and security settings); once more on
 * {@link #close}.
 *
 * <p>Threads: application threads and the producer's I/O thread only {@link #enqueue} (a lock-free queue); the
 * beacon thread does everything else. A beacon never blocks or fails the application's {@code send()}: one that
 * cannot be sent is counted ({@link #failures()}), logged once per episode, and its streams are told again with
 * the next one.
 */
final class BeaconPublisher implements AutoCloseable {

    static final int STREAMS_PER_MESSAGE = 500;
    private static final Logger LOG = LoggerFactory.getLogger(BeaconPublisher.class);
    private static final long SEND_TIMEOUT_MS = 10_000;

    private final ConcurrentLinkedQueue<BeaconStream> queue = new ConcurrentLinkedQueue<>();
    private final String producerId;
    private final BeaconSettings settings;
    private final Serializer<Object> keySerializer;
    private final Producer<byte[], byte[]> producer;
    private final LongSupplier clock;
    private final Thread thread;
    private final LongAdder sent = new LongAdder();
    private final LongAdder failures = new LongAdder();
    private volatile boolean running = true;
    private boolean failing;

    BeaconPublisher(String producerId, BeaconSettings settings, Serializer<Object> keySerializer,
            Producer<byte[], byte[]> producer, LongSupplier clock) {
        this.producerId = producerId;
        this.settings = settings;
        this.keySerializer = keySerializer;
        this.producer = producer;
        this.clock = clock;
        this.thread = new Thread(this::run, "seqaudit-beacons-" + producerId);
        thread.setDaemon(true);
    }

    /** The beacon producer for an application producer's settings: its connection and security only. */
    static Producer<byte[], byte[]> producerFor(Map<String, ?> app, String clientId) {
        Properties p = new Properties();
        app.forEach((k, v) -> {
            if (v != null && (k.equals(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG) || k.equals("client.dns.lookup")
                    || k.startsWith("security.") || k.startsWith("sasl.") || k.startsWith("ssl."))) {
                p.put(k, v);
            }
        });
        p.put(ProducerConfig.CLIENT_ID_CONFIG, clientId);
        p.put(ProducerConfig.ACKS_CONFIG, "all");
        p.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "true");
        p.put(ProducerConfig.LINGER_MS_CONFIG, "20");
        p.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, "10000");
        return new KafkaProducer<>(p, new ByteArraySerializer(), new ByteArraySerializer());
    }

    void start() {
        thread.start();
    }

    /** Queues a stream that changed (called once per stream until the beacon thread takes it). */
    void enqueue(BeaconStream stream) {
        queue.add(stream);
    }

    long sent() {
        return sent.sum();
    }

    long failures() {
        return failures.sum();
    }

    private void run() {
        long interval = settings.interval().toMillis();
        while (running) {
            try {
                TimeUnit.MILLISECONDS.sleep(interval); // a timer thread's tick; the application never waits on it
                tell();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            } catch (RuntimeException e) {
                failed(e);
            }
        }
    }

    /** Takes every queued stream, sends what changed, and queues again what is still pending. */
    synchronized void tell() {
        tell(false);
    }

    /** @param force tell busy streams too (the producer closes: this is the last beacon) */
    private synchronized void tell(boolean force) {
        long now = clock.getAsLong();
        List<BeaconStream> taken = new ArrayList<>();
        for (BeaconStream s; (s = queue.poll()) != null;) {
            taken.add(s);
        }
        Map<String, List<BeaconStream.Snapshot>> byPartition = new LinkedHashMap<>();
        Map<BeaconStream.Snapshot, BeaconStream> owners = new java.util.IdentityHashMap<>();
        List<BeaconStream> requeue = new ArrayList<>();
        for (BeaconStream s : taken) {
            BeaconStream.Snapshot snap = s.snapshot(now, settings.unsentAfter().toMillis(), force);
            if (snap == null) {
                continue;
            }
            if (snap == BeaconStream.Snapshot.PENDING) {
                requeue.add(s);
                continue;
            }
            int partition = snap.partition() < 0 ? -1 : snap.partition();
            byPartition.computeIfAbsent(snap.topic() + "\u0000" + partition, k -> new ArrayList<>()).add(snap);
            owners.put(snap, s);
        }
        requeue.forEach(queue::add);
        // All messages first, then the answers: one round trip per tick, not one per message (acks=all, linger).
        List<Sending> sending = new ArrayList<>();
        byPartition.forEach((k, snaps) -> {
            for (int i = 0; i < snaps.size(); i += STREAMS_PER_MESSAGE) {
                sending.add(send(snaps.subList(i, Math.min(snaps.size(), i + STREAMS_PER_MESSAGE))));
            }
        });
        for (Sending s : sending) {
            settle(s, owners);
        }
    }

    /** One beacon message on its way, with the streams it tells about. */
    private record Sending(List<BeaconStream.Snapshot> snaps, java.util.concurrent.Future<?> answer,
            Exception failed) {
    }

    private Sending send(List<BeaconStream.Snapshot> snaps) {
        try {
            String topic = snaps.get(0).topic();
            int partition = Math.max(-1, snaps.get(0).partition());
            long offset = -1;
            List<Beacons.Stream> streams = new ArrayList<>(snaps.size());
            for (BeaconStream.Snapshot s : snaps) {
                offset = Math.max(offset, s.maxOffset());
                byte[] key = s.key() == null ? null : keySerializer.serialize(topic, s.key());
                streams.add(new Beacons.Stream(key, s.epoch(), s.upTo(), s.partition() == BeaconStream.SPREAD,
                        s.notSent()));
            }
            String json = Beacons.json(producerId, topic, partition, offset, clock.getAsLong(), streams);
            return new Sending(snaps, producer.send(new ProducerRecord<>(settings.topic(), Beacons.key(topic,
                    partition), json.getBytes(java.nio.charset.StandardCharsets.UTF_8))), null);
        } catch (Exception e) {
            return new Sending(snaps, null, e);
        }
    }

    private void settle(Sending s, Map<BeaconStream.Snapshot, BeaconStream> owners) {
        Exception problem = s.failed();
        if (problem == null) {
            try {
                s.answer().get(SEND_TIMEOUT_MS, TimeUnit.MILLISECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                problem = e;
            } catch (Exception e) {
                problem = e;
            }
        }
        if (problem == null) {
            sent.increment();
            if (failing) {
                LOG.info("seqaudit beacons to {} are sent again", settings.topic());
                failing = false;
            }
            for (BeaconStream.Snapshot snap : s.snaps()) {
                BeaconStream owner = owners.get(snap);
                if (owner.told(snap)) {
                    queue.add(owner);
                }
            }
        } else {
            failed(problem);
            for (BeaconStream.Snapshot snap : s.snaps()) {
                BeaconStream owner = owners.get(snap);
                owner.untold();
                queue.add(owner);
            }
        }
    }

    private void failed(Exception e) {
        failures.increment();
        if (!failing) {
            LOG.warn("seqaudit could not send a beacon to {} ({}); retried with the next one, logged again once "
                    + "they are sent", settings.topic(), e.toString());
            failing = true;
        }
    }

    /** Sends what is left, then stops the thread and closes the beacon producer. */
    @Override
    public void close() {
        running = false;
        thread.interrupt();
        try {
            thread.join(SEND_TIMEOUT_MS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        try {
            tell(true);
        } catch (RuntimeException e) {
            failed(e);
        } finally {
            producer.close(Duration.ofSeconds(5));
        }
    }
}
