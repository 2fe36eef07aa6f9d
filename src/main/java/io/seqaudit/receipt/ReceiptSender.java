package io.seqaudit.receipt;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.LongAdder;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Sends receipts to the receipt topic through a producer of its own and tells which could not be sent. Failures
 * are counted and logged once per episode (again once receipts go through).
 *
 * <p>Threads: one caller at a time ({@link ProcessingReceipts} holds its sending lock); never the application's
 * processing threads, except through {@link ProcessingReceipts#flush()}.
 */
final class ReceiptSender implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(ReceiptSender.class);
    /**
     * The producer's delivery timeout: every send has its outcome within it, so a receipt reported unsent is not
     * still on its way (sent again, it would be a second receipt, read as a second processing).
     */
    private static final int DELIVERY_TIMEOUT_MS = 30_000;

    private final ReceiptSettings settings;
    private final Producer<byte[], byte[]> producer;
    private final LongAdder sent = new LongAdder();
    private final LongAdder failures = new LongAdder();
    private boolean failing;

    ReceiptSender(ReceiptSettings settings, Producer<byte[], byte[]> producer) {
        this.settings = settings;
        this.producer = producer;
    }

    /** The receipt producer: the consumer's connection and security settings only. */
    static Producer<byte[], byte[]> producerFor(Map<String, ?> app, ReceiptSettings settings) {
        Properties p = new Properties();
        app.forEach((k, v) -> {
            if (v != null && (k.equals(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG) || k.equals("client.dns.lookup")
                    || k.startsWith("security.") || k.startsWith("sasl.") || k.startsWith("ssl."))) {
                p.put(k, v);
            }
        });
        p.put(ProducerConfig.CLIENT_ID_CONFIG, "seqaudit-receipts-" + settings.group());
        p.put(ProducerConfig.ACKS_CONFIG, "all");
        p.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "true");
        p.put(ProducerConfig.LINGER_MS_CONFIG, "20");
        p.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, "10000");
        p.put(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, "10000");
        p.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, String.valueOf(DELIVERY_TIMEOUT_MS));
        return new KafkaProducer<>(p, new ByteArraySerializer(), new ByteArraySerializer());
    }

    long sent() {
        return sent.sum();
    }

    long failures() {
        return failures.sum();
    }

    /**
     * Sends {@code receipts} and waits for their outcomes, at most {@code waitMs} ({@code Long.MAX_VALUE}: until
     * each has one, within the delivery timeout), through interrupts.
     *
     * <p>One partition's receipts arrive in their order: the n-th receipt of each (group, topic, partition) goes
     * in the n-th wave, sent once the previous wave is answered, and a partition whose receipt was not sent sends
     * none of its later ones (they are returned unsent with it). Usually a tick has one receipt per partition, so
     * one wave: a round trip per tick, not per receipt.
     *
     * @return the receipts not sent (refused, without an answer by {@code waitMs}, or held behind one), in order
     */
    List<Receipt> send(List<Receipt> receipts, long waitMs) {
        if (receipts.isEmpty()) {
            return List.of();
        }
        long at = System.currentTimeMillis();
        long deadline = waitMs == Long.MAX_VALUE ? Long.MAX_VALUE : System.nanoTime() + waitMs * 1_000_000;
        List<List<Integer>> waves = new ArrayList<>();
        Map<ReceiptBatcher.Key, Integer> perKey = new HashMap<>();
        for (int i = 0; i < receipts.size(); i++) {
            int n = perKey.merge(key(receipts.get(i)), 1, Integer::sum) - 1;
            if (n == waves.size()) {
                waves.add(new ArrayList<>());
            }
            waves.get(n).add(i);
        }
        boolean[] unsent = new boolean[receipts.size()];
        Set<ReceiptBatcher.Key> stopped = new HashSet<>();
        Exception problem = null;
        int failed = 0;
        for (List<Integer> wave : waves) {
            // All messages of a wave first, then the answers (acks=all, linger).
            List<Future<?>> answers = new ArrayList<>(wave.size());
            for (int i : wave) {
                Receipt r = receipts.get(i);
                Future<?> answer = null;
                if (!stopped.contains(key(r))) {
                    try {
                        answer = producer.send(new ProducerRecord<>(settings.topic(), Receipts.key(r.group(),
                                r.topic(), r.partition()), Receipts.json(r, at, settings.client())
                                        .getBytes(StandardCharsets.UTF_8)));
                    } catch (RuntimeException e) {
                        answer = CompletableFuture.failedFuture(e);
                    }
                }
                answers.add(answer);
            }
            for (int j = 0; j < wave.size(); j++) {
                int i = wave.get(j);
                Exception e = answers.get(j) == null ? null : outcome(answers.get(j), deadline);
                if (answers.get(j) == null || e != null) {
                    unsent[i] = true;
                    stopped.add(key(receipts.get(i)));
                }
                if (e != null) {
                    failed++;
                    problem = e;
                } else if (answers.get(j) != null) {
                    sent.increment();
                }
            }
        }
        List<Receipt> kept = new ArrayList<>();
        for (int i = 0; i < receipts.size(); i++) {
            if (unsent[i]) {
                kept.add(receipts.get(i));
            }
        }
        if (failed > 0) {
            failures.add(failed);
            if (!failing) {
                LOG.warn("seqaudit receipts to {} could not be sent ({}); kept and sent again, logged again once "
                        + "they are sent", settings.topic(), problem.toString());
                failing = true;
            }
        } else if (failing) {
            LOG.info("seqaudit receipts to {} are sent again", settings.topic());
            failing = false;
        }
        return kept;
    }

    private static ReceiptBatcher.Key key(Receipt r) {
        return new ReceiptBatcher.Key(r.group(), r.topic(), r.partition());
    }

    /** Waits for a send's answer until {@code deadline}, through interrupts; null if sent, else why not. */
    private static Exception outcome(Future<?> answer, long deadline) {
        boolean interrupted = false;
        try {
            while (true) {
                try {
                    if (deadline == Long.MAX_VALUE) {
                        answer.get(); // completes within the delivery timeout
                    } else {
                        answer.get(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
                    }
                    return null;
                } catch (InterruptedException e) {
                    // Wait on: a receipt given up while still on its way would be sent again, a second receipt.
                    interrupted = true;
                } catch (TimeoutException | ExecutionException e) {
                    return e;
                }
            }
        } finally {
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }

    @Override
    public void close() {
        producer.close(Duration.ofSeconds(5));
    }
}
