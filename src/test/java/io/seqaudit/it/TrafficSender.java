package io.seqaudit.it;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.internals.RecordHeaders;

/**
 * Sends a {@link Traffic} plan through a real producer that uses the stamping interceptor (followed by the
 * {@link FaultInjector}), from several threads, each thread owning a share of the keys so that each key's
 * records are sent in order. Duplicates and records held less than the grace window are sent again right away;
 * records held beyond it wait for {@link #sendHeldBeyondGrace}.
 */
public final class TrafficSender implements AutoCloseable {

    public static final String INTERCEPTORS = "io.seqaudit.stamp.SequenceStampingInterceptor,"
            + FaultInjector.class.getName();

    private final Traffic plan;
    private final KafkaProducer<String, String> producer;

    public TrafficSender(Traffic plan, String producerId) {
        this.plan = plan;
        FaultInjector.DUPLICATES.clear();
        FaultInjector.HELD_WITHIN.clear();
        FaultInjector.HELD_BEYOND.clear();
        FaultInjector.plan = plan;
        this.producer = KafkaSupport.producer(INTERCEPTORS, Map.of("seqaudit.producer.id", producerId));
    }

    /** Sends every record of the plan with {@code threads} threads, then flushes. */
    public void sendAll(int threads) throws Exception {
        sendPart(0, 1, threads);
    }

    /**
     * Sends part {@code part} of {@code parts} of the plan with {@code threads} threads, then flushes: for every
     * key, its seqs {@code count*part/parts} up to (not including) {@code count*(part+1)/parts}. Send the parts in
     * order, with this one sender (the stamping interceptor numbers each key's records in send order). Duplicates
     * and records held within the grace window are all sent before this returns, so a pause between parts does
     * not turn them into losses.
     */
    public void sendPart(int part, int parts, int threads) throws Exception {
        if (parts < 1 || part < 0 || part >= parts) {
            throw new IllegalArgumentException("part " + part + " of " + parts);
        }
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        try {
            List<Future<?>> done = new ArrayList<>();
            List<String> keys = plan.allKeys();
            for (int t = 0; t < threads; t++) {
                List<String> mine = new ArrayList<>();
                for (int i = t; i < keys.size(); i += threads) {
                    mine.add(keys.get(i));
                }
                done.add(pool.submit(() -> sendKeys(mine, part, parts)));
            }
            for (Future<?> f : done) {
                f.get();
            }
        } finally {
            pool.shutdown();
        }
        resend(FaultInjector.DUPLICATES);
        resend(FaultInjector.HELD_WITHIN);
        producer.flush();
    }

    private void sendKeys(List<String> keys, int part, int parts) {
        int max = keys.stream().mapToInt(plan::count).max().orElse(0);
        for (int round = 0; round < max; round++) {
            for (String key : keys) {
                long from = (long) plan.count(key) * part / parts;
                long to = (long) plan.count(key) * (part + 1) / parts;
                if (round >= from && round < to) {
                    producer.send(new ProducerRecord<>(plan.topic(), key, "value-" + round));
                }
            }
            if (round % 5 == 4) {
                resend(FaultInjector.DUPLICATES);
                resend(FaultInjector.HELD_WITHIN);
            }
        }
    }

    /** Sends the records held beyond the grace window; call once their gaps are reported lost. */
    public void sendHeldBeyondGrace() {
        resend(FaultInjector.HELD_BEYOND);
        producer.flush();
    }

    /** Sends {@code n} records without any seqaudit header, bypassing the interceptors' stamping. */
    public void sendUnstamped(KafkaProducer<String, String> plain, int n) {
        for (int i = 0; i < n; i++) {
            plain.send(new ProducerRecord<>(plan.topic(), "unstamped-" + i, "v"));
        }
        plain.flush();
    }

    private void resend(Queue<ProducerRecord<String, String>> queue) {
        ProducerRecord<String, String> r;
        while ((r = queue.poll()) != null) {
            RecordHeaders headers = new RecordHeaders(r.headers().toArray());
            headers.add("x-test-resend", "1".getBytes(StandardCharsets.UTF_8));
            producer.send(new ProducerRecord<>(plan.topic(), null, null, r.key(), r.value(), headers));
        }
    }

    @Override
    public void close() {
        FaultInjector.plan = null;
        producer.close();
    }
}
