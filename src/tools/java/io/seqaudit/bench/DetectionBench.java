package io.seqaudit.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.seqaudit.stamp.SeqauditHeaders;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.CompletableFuture;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * Detection delay: a service with a 2 s grace window audits a fresh topic and is caught up (so its progress clock
 * is the wall clock). Hand-stamped records open one gap per key (seq 0, then seq 2), the keys 10 ms apart, while
 * this thread polls {@code GET /api/v1/gaps?state=lost} every 10 ms. A gap's delay is the moment it is first
 * listed lost minus the moment its grace ran out ({@code openedAt} + grace, on the same machine's clock).
 */
final class DetectionBench {

    static final Duration GRACE = Duration.ofSeconds(2);
    private static final String PRODUCER = "bench-delay";
    private static final int PARTITIONS = 6;

    /** Delays in ms, one per gap; {@code wrong} counts gaps that are not exactly seq 1 of a gap key. */
    record Result(List<Double> delaysMs, int wrong) {
    }

    private final Options o;
    private final String topic;
    private final ObjectMapper json = new ObjectMapper();

    DetectionBench(Options o, String topic) {
        this.o = o;
        this.topic = topic;
    }

    Result run() throws Exception {
        try (Service s = Service.start(o, topic, "delay", Map.of("SEQAUDIT_GRACE", GRACE.toSeconds() + "s"));
                KafkaProducer<String, String> producer = producer();
                Resp redis = new Resp(o.redisHost(), o.redisPort())) {
            // One in-order record per partition: once the auditor has read them all, it is caught up everywhere.
            for (int p = 0; p < PARTITIONS; p++) {
                producer.send(stamped(p, "warm-" + p, 0));
            }
            producer.flush();
            long deadline = System.currentTimeMillis() + 60_000;
            while (redis.sumHashValues(s.key("offsets")) < PARTITIONS) {
                if (System.currentTimeMillis() > deadline || !s.alive()) {
                    throw new IllegalStateException("the service did not audit the warm-up records: " + s.tail());
                }
                Thread.sleep(20);
            }
            CompletableFuture<Void> sending = CompletableFuture.runAsync(() -> sendGaps(producer));
            Result r = watch(s, sending);
            sending.join();
            return r;
        }
    }

    private void sendGaps(KafkaProducer<String, String> producer) {
        try {
            for (int g = 0; g < o.gaps(); g++) {
                String key = String.format("gap-%04d", g);
                producer.send(stamped(null, key, 0));
                producer.send(stamped(null, key, 2));
                producer.flush();
                Thread.sleep(10);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Polls the lost gaps every 10 ms until every gap was seen lost (or grace + 60 s after the last send). */
    private Result watch(Service s, CompletableFuture<Void> sending) throws Exception {
        Map<String, Double> delays = new HashMap<>();
        int wrong = 0;
        String lost = s.api + "/api/v1/gaps?state=lost&limit=1000&topic=" + URLEncoder.encode(topic,
                StandardCharsets.UTF_8);
        long deadline = Long.MAX_VALUE;
        while (delays.size() < o.gaps()) {
            if (sending.isDone() && deadline == Long.MAX_VALUE) {
                deadline = System.currentTimeMillis() + GRACE.toMillis() + 60_000;
            }
            if (System.currentTimeMillis() > deadline || !s.alive()) {
                throw new IllegalStateException("only " + delays.size() + " of " + o.gaps()
                        + " gaps were reported lost: " + s.tail());
            }
            List<JsonNode> listed = new ArrayList<>();
            String cursor = null;
            do { // every page: follows next until it is null
                HttpRequest req = HttpRequest.newBuilder(URI.create(lost + (cursor == null ? "" : "&cursor=" + cursor)))
                        .header("Authorization", "Bearer " + s.token).timeout(Duration.ofSeconds(10)).build();
                HttpResponse<String> resp = Service.HTTP.send(req, HttpResponse.BodyHandlers.ofString());
                if (resp.statusCode() != 200) {
                    throw new IllegalStateException("GET gaps answered " + resp.statusCode() + ": " + resp.body());
                }
                JsonNode page = json.readTree(resp.body());
                page.path("items").forEach(listed::add);
                cursor = page.path("next").isTextual() ? page.path("next").asText() : null;
            } while (cursor != null);
            long seenAt = System.currentTimeMillis();
            for (JsonNode g : listed) {
                String id = g.path("id").asText();
                if (delays.containsKey(id)) {
                    continue;
                }
                if (!g.path("key").asText().startsWith("gap-") || g.path("fromSeq").asLong() != 1
                        || g.path("toSeq").asLong() != 1) {
                    wrong++;
                }
                long due = Instant.parse(g.path("openedAt").asText()).toEpochMilli() + GRACE.toMillis();
                delays.put(id, (double) (seenAt - due));
            }
            Thread.sleep(10);
        }
        return new Result(new ArrayList<>(delays.values()), wrong);
    }

    private ProducerRecord<String, String> stamped(Integer partition, String key, long seq) {
        RecordHeaders h = new RecordHeaders();
        h.add(SeqauditHeaders.PRODUCER, SeqauditHeaders.encodeText(PRODUCER));
        h.add(SeqauditHeaders.EPOCH, SeqauditHeaders.encodeLong(1));
        h.add(SeqauditHeaders.SEQ, SeqauditHeaders.encodeLong(seq));
        return new ProducerRecord<>(topic, partition, null, key, "v" + seq, h);
    }

    private KafkaProducer<String, String> producer() {
        Properties p = new Properties();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, o.bootstrap());
        p.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
        p.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
        p.put(ProducerConfig.ACKS_CONFIG, "1");
        p.put(ProducerConfig.LINGER_MS_CONFIG, "0");
        return new KafkaProducer<>(p);
    }
}
