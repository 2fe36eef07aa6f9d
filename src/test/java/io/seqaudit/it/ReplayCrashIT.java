package io.seqaudit.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpServer;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.junit.jupiter.api.Test;

/**
 * A replay killed with {@code kill -9} half way (once while the source is answering, once right after it
 * answered, while the records are being published) resumes after a restart and completes without publishing any
 * record twice: the topic ends with every seq exactly once.
 */
class ReplayCrashIT {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Path LOGS = Paths.get("target", "replay-crash");
    private static final int SEQS = 3000;
    private static final long LOST_FROM = 500;
    private static final long LOST_TO = 2499;

    @Test
    void replayKilledHalfWayResumesAndPublishesNothingTwice() throws Exception {
        String run = UUID.randomUUID().toString().substring(0, 8);
        String topic = "replay-crash-" + run;
        KafkaSupport.createTopic(topic, 3);
        AtomicInteger calls = new AtomicInteger();
        CountDownLatch firstCall = new CountDownLatch(1);
        CountDownLatch secondAnswered = new CountDownLatch(1);
        HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/replay", exchange -> {
            int call = calls.incrementAndGet();
            Map<String, String> q = query(exchange.getRequestURI().getRawQuery());
            if (call == 1) {
                firstCall.countDown();
                sleepQuietly(5_000); // the first auditor is killed while it waits for this answer
            }
            List<String> records = new ArrayList<>();
            for (long s = Long.parseLong(q.get("from")); s <= Long.parseLong(q.get("to")); s++) {
                records.add("{\"seq\":" + s + ",\"valueBase64\":\""
                        + Base64.getEncoder().encodeToString(("v" + s).getBytes(StandardCharsets.UTF_8)) + "\"}");
            }
            byte[] body = ("{\"records\":[" + String.join(",", records) + "]}").getBytes(StandardCharsets.UTF_8);
            exchange.sendResponseHeaders(200, body.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(body);
            }
            if (call == 2) {
                secondAnswered.countDown();
            }
        });
        server.start();
        Map<String, String> env = new HashMap<>();
        env.put("SEQAUDIT_TOPICS", topic);
        env.put("SEQAUDIT_GRACE", "1s");
        env.put("SEQAUDIT_AUDIT_GROUP_ID", "replay-crash-" + run);
        env.put("SEQAUDIT_STATE_PREFIX", "seqaudit-replay-crash-" + run);
        env.put("SEQAUDIT_API_AUTH_ENABLED", "false");
        env.put("SEQAUDIT_REPLAY_SOURCE", "http");
        env.put("SEQAUDIT_REPLAY_AUTO", "true");
        env.put("SEQAUDIT_REPLAY_MAX_FETCHES", "10");
        env.put("SEQAUDIT_REPLAY_INTERVAL", "1s");
        env.put("SEQAUDIT_REPLAY_TRANSACTIONAL_ID", "seqaudit-replayer-crash-" + run);
        env.put("SEQAUDIT_REPLAY_HTTP_TIMEOUT", "20s");
        env.put("SEQAUDIT_REPLAY_HTTP_URL", "http://127.0.0.1:" + server.getAddress().getPort()
                + "/replay?key={key}&from={fromSeq}&to={toSeq}");
        try {
            AuditorProcess first = AuditorProcess.start("first", LOGS.resolve(run + "-first.log"), env)
                    .awaitReady(Duration.ofSeconds(120));
            try (KafkaProducer<String, String> p = KafkaSupport.producer(null, Map.of())) {
                for (long s = 0; s < SEQS; s++) {
                    if (s < LOST_FROM || s > LOST_TO) {
                        p.send(Stamped.record(topic, "order-1", "shop", 1, s));
                    }
                }
            }
            assertThat(firstCall.await(60, TimeUnit.SECONDS)).as("the replayer asked the source").isTrue();
            assertThat(first.kill()).isEqualTo(AuditorProcess.SIGKILL_EXIT);

            AuditorProcess second = AuditorProcess.start("second", LOGS.resolve(run + "-second.log"), env)
                    .awaitReady(Duration.ofSeconds(120));
            assertThat(secondAnswered.await(60, TimeUnit.SECONDS)).as("the resumed replay asked again").isTrue();
            assertThat(second.kill()).isEqualTo(AuditorProcess.SIGKILL_EXIT);

            try (AuditorProcess third = AuditorProcess.start("third", LOGS.resolve(run + "-third.log"), env)
                    .awaitReady(Duration.ofSeconds(120))) {
                await().atMost(Duration.ofSeconds(120)).untilAsserted(() -> {
                    JsonNode replays = JSON.readTree(third.get("/api/v1/replays?topic=" + topic)).path("items");
                    assertThat(replays).hasSize(1);
                    assertThat(replays.get(0).path("state").asText()).isEqualTo("repaired");
                });
                JsonNode summary = JSON.readTree(third.get("/api/v1/summary")).path("topics").path(topic);
                assertThat(summary.path("lost").asLong()).isZero();
                assertThat(summary.at("/records/duplicate").asLong()).isZero();
                assertThat(summary.at("/records/replay_redundant").asLong()).isZero();
            }
            Map<String, Integer> counts = countPerSeq(topic);
            assertThat(counts).hasSize(SEQS);
            assertThat(counts).allSatisfy((seq, n) -> assertThat(n).as("copies of seq " + seq).isEqualTo(1));
        } finally {
            server.stop(0);
        }
    }

    private static Map<String, Integer> countPerSeq(String topic) {
        java.util.Properties p = new java.util.Properties();
        p.put("bootstrap.servers", KafkaSupport.bootstrap());
        p.put("group.id", "count-" + UUID.randomUUID());
        p.put("auto.offset.reset", "earliest");
        p.put("isolation.level", "read_committed");
        Map<String, Integer> out = new HashMap<>();
        try (var c = new org.apache.kafka.clients.consumer.KafkaConsumer<String, String>(p,
                new org.apache.kafka.common.serialization.StringDeserializer(),
                new org.apache.kafka.common.serialization.StringDeserializer())) {
            c.subscribe(List.of(topic));
            int idle = 0;
            while (idle < 3) {
                var records = c.poll(Duration.ofSeconds(1));
                idle = records.isEmpty() ? idle + 1 : 0;
                records.forEach(r -> out.merge(new String(r.headers().lastHeader("seqaudit-seq").value(),
                        StandardCharsets.UTF_8), 1, Integer::sum));
            }
        }
        return out;
    }

    private static Map<String, String> query(String raw) {
        Map<String, String> q = new HashMap<>();
        for (String kv : raw.split("&")) {
            String[] p = kv.split("=", 2);
            q.put(p[0], URLDecoder.decode(p[1], StandardCharsets.UTF_8));
        }
        return q;
    }

    private static void sleepQuietly(long ms) {
        try {
            // The callback's own slowness, in the test's HTTP server thread: the thing under test is elsewhere.
            TimeUnit.MILLISECONDS.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
