package io.seqaudit.bench;

import io.seqaudit.stamp.SequenceStampingInterceptor;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.TopicPartition;

/**
 * The stamping interceptor's own cost per record, without a producer in the way: {@code onSend} then
 * {@code onAcknowledgement} (as the producer's I/O thread would call it, in seq order), on one thread, over a set of
 * keys, with beacons off and on, alternating rounds. Beacons need a broker for the interceptor's own beacon producer
 * (its sends are real; the records are not). Prints nanoseconds per record of the calling thread.
 *
 * <pre>java -cp ... io.seqaudit.bench.StampCost [--bootstrap 127.0.0.1:9092] [--records 2000000] [--keys 100000]
 *     [--rounds 5]</pre>
 */
public final class StampCost {

    private StampCost() {
    }

    public static void main(String[] args) {
        List<String> a = Arrays.asList(args);
        String bootstrap = a.contains("--bootstrap") ? a.get(a.indexOf("--bootstrap") + 1) : "127.0.0.1:9092";
        int records = opt(a, "--records", 2_000_000);
        int keys = opt(a, "--keys", 100_000);
        int rounds = opt(a, "--rounds", 5);
        String topic = "stampcost-" + System.currentTimeMillis();
        String[] keyTexts = new String[keys];
        for (int k = 0; k < keys; k++) {
            keyTexts[k] = "key-" + k;
        }
        byte[] value = new byte[200];
        List<Double> off = new ArrayList<>();
        List<Double> on = new ArrayList<>();
        for (int round = 0; round < rounds; round++) {
            for (boolean beacons : new boolean[] {false, true}) {
                double ns = round(bootstrap, topic, keyTexts, value, records, beacons);
                (beacons ? on : off).add(ns);
                System.out.printf("round %d, beacons %s: %.0f ns/record%n", round + 1, beacons ? "on " : "off", ns);
            }
        }
        System.out.printf("median: beacons off %.0f ns/record, on %.0f ns/record%n", median(off), median(on));
    }

    private static double round(String bootstrap, String topic, String[] keys, byte[] value, int records,
            boolean beacons) {
        Map<String, Object> config = new HashMap<>();
        config.put("bootstrap.servers", bootstrap);
        config.put("client.id", "stampcost");
        config.put("seqaudit.beacon.enabled", Boolean.toString(beacons));
        config.put("seqaudit.beacon.topic", topic + "-beacons");
        config.put("seqaudit.max-keys", Integer.toString(Math.max(keys.length, 100_000)));
        SequenceStampingInterceptor<String, byte[]> stamp = new SequenceStampingInterceptor<>();
        stamp.configure(config);
        try {
            TopicPartition tp = new TopicPartition(topic, 0);
            long t0 = System.nanoTime();
            for (int i = 0; i < records; i++) {
                ProducerRecord<String, byte[]> r = stamp.onSend(new ProducerRecord<>(topic, 0,
                        keys[i % keys.length], value));
                stamp.onAcknowledgement(new RecordMetadata(tp, i, 0, 0L, 0, value.length), null, r.headers());
            }
            return (System.nanoTime() - t0) / (double) records;
        } finally {
            stamp.close();
        }
    }

    private static double median(List<Double> xs) {
        List<Double> s = new ArrayList<>(xs);
        s.sort(null);
        return s.get(s.size() / 2);
    }

    private static int opt(List<String> a, String name, int dflt) {
        int i = a.indexOf(name);
        return i < 0 ? dflt : Integer.parseInt(a.get(i + 1));
    }

}
