package io.seqaudit.demo;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Queue;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * Sends a {@link FaultPlan} plan through a real producer that uses the stamping interceptor (followed by the
 * {@link FaultInjectingInterceptor}), from several threads, each thread owning a share of the keys so that each key's
 * records are sent in order. Duplicates and records held less than the grace window are sent again right away;
 * records held beyond it wait for {@link #sendHeldBeyondGrace}.
 */
public final class TrafficSender implements AutoCloseable {

    public static final String INTERCEPTORS = "io.seqaudit.stamp.SequenceStampingInterceptor,"
            + FaultInjectingInterceptor.class.getName();

    private final FaultPlan plan;
    private final KafkaProducer<String, String> producer;

    public TrafficSender(FaultPlan plan, String bootstrap, String producerId) {
        this.plan = plan;
        FaultInjectingInterceptor.DUPLICATES.clear();
        FaultInjectingInterceptor.HELD_WITHIN.clear();
        FaultInjectingInterceptor.HELD_BEYOND.clear();
        FaultInjectingInterceptor.plan = plan;
        this.producer = producer(bootstrap, Map.of(ProducerConfig.INTERCEPTOR_CLASSES_CONFIG, INTERCEPTORS,
                "seqaudit.producer.id", producerId));
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
        resend(FaultInjectingInterceptor.DUPLICATES);
        resend(FaultInjectingInterceptor.HELD_WITHIN);
        producer.flush();
    }

    private void sendKeys(List<String> keys, int part, int parts) {
        Set<String> mine = new HashSet<>(keys);
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
                resend(FaultInjectingInterceptor.DUPLICATES);
                resendSentBefore(FaultInjectingInterceptor.HELD_WITHIN, round, mine);
            }
        }
    }

    /** Sends the records held beyond the grace window; call once their gaps are reported lost. */
    public void sendHeldBeyondGrace() {
        resend(FaultInjectingInterceptor.HELD_BEYOND);
        producer.flush();
    }

    /** A producer of String keys and values with acks=all and the given extra properties. */
    public static KafkaProducer<String, String> producer(String bootstrap, Map<String, Object> extra) {
        Properties p = new Properties();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        p.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
        p.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
        p.put(ProducerConfig.ACKS_CONFIG, "all");
        p.put(ProducerConfig.LINGER_MS_CONFIG, "5");
        p.putAll(extra);
        return new KafkaProducer<>(p);
    }

    /**
     * Sends {@code n} records whose seqaudit headers are malformed, cycling through the kinds of damage a
     * client can do (non-numeric, negative, out of range, empty, oversized, one header missing).
     */
    public void sendMalformed(KafkaProducer<String, String> plain, int n) {
        String[][] kinds = {
            {"p", "1", "x"}, {"p", "1", "-1"}, {"p", "1", "9223372036854775808"}, {"p", "1", ""},
            {"p", "1", "9".repeat(100_000)}, {"p", null, "3"}, {null, "1", "3"}, {"p", "one", "3"},
        };
        for (int i = 0; i < n; i++) {
            String[] k = kinds[i % kinds.length];
            RecordHeaders h = new RecordHeaders();
            if (k[0] != null) {
                h.add("seqaudit-producer", k[0].getBytes(StandardCharsets.UTF_8));
            }
            if (k[1] != null) {
                h.add("seqaudit-epoch", k[1].getBytes(StandardCharsets.UTF_8));
            }
            h.add("seqaudit-seq", k[2].getBytes(StandardCharsets.UTF_8));
            plain.send(new ProducerRecord<>(plan.topic(), null, null, "malformed-" + i, "v", h));
        }
        plain.flush();
    }

    /** Sends {@code n} records without any seqaudit header, bypassing the interceptors' stamping. */
    public void sendUnstamped(KafkaProducer<String, String> plain, int n) {
        for (int i = 0; i < n; i++) {
            plain.send(new ProducerRecord<>(plan.topic(), "unstamped-" + i, "v"));
        }
        plain.flush();
    }

    /**
     * Re-sends the held records of this thread's keys whose seq is below {@code round}: a later seq of their key
     * has been sent, so they arrive late. Those of this very round stay held until the next call; other threads'
     * keys may not have reached {@code round} yet, so they are left to their own thread.
     */
    private void resendSentBefore(Queue<ProducerRecord<String, String>> queue, int round, Set<String> mine) {
        for (Iterator<ProducerRecord<String, String>> it = queue.iterator(); it.hasNext(); ) {
            ProducerRecord<String, String> r = it.next();
            String seq = new String(r.headers().lastHeader("seqaudit-seq").value(), StandardCharsets.UTF_8);
            if (mine.contains(r.key()) && Long.parseLong(seq) < round && queue.remove(r)) {
                send(r);
            }
        }
    }

    private void resend(Queue<ProducerRecord<String, String>> queue) {
        ProducerRecord<String, String> r;
        while ((r = queue.poll()) != null) {
            send(r);
        }
    }

    private void send(ProducerRecord<String, String> r) {
        RecordHeaders headers = new RecordHeaders(r.headers().toArray());
        headers.add("x-seqaudit-demo-resend", "1".getBytes(StandardCharsets.UTF_8));
        producer.send(new ProducerRecord<>(plan.topic(), null, null, r.key(), r.value(), headers));
    }

    @Override
    public void close() {
        FaultInjectingInterceptor.plan = null;
        producer.close();
    }
}
