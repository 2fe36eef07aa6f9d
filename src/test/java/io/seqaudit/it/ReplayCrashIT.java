package io.seqaudit.it;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.get;
import static com.github.tomakehurst.wiremock.client.WireMock.okJson;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.options;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.github.tomakehurst.wiremock.WireMockServer;
import com.github.tomakehurst.wiremock.client.ResponseDefinitionBuilder;
import com.github.tomakehurst.wiremock.extension.Parameters;
import com.github.tomakehurst.wiremock.extension.ResponseDefinitionTransformerV2;
import com.github.tomakehurst.wiremock.extension.ServeEventListener;
import com.github.tomakehurst.wiremock.http.Request;
import com.github.tomakehurst.wiremock.http.ResponseDefinition;
import com.github.tomakehurst.wiremock.stubbing.ServeEvent;
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
        Source source = new Source();
        WireMockServer server = new WireMockServer(options().bindAddress("127.0.0.1").dynamicPort()
                .extensions(source));
        server.start();
        server.stubFor(get(urlPathEqualTo("/replay")).withServeEventListener(Source.NAME, Parameters.empty())
                .willReturn(aResponse().withTransformers(Source.NAME)));
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
        env.put("SEQAUDIT_REPLAY_HTTP_URL", server.baseUrl() + "/replay?key={key}&from={fromSeq}&to={toSeq}");
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
            assertThat(source.firstCall.await(60, TimeUnit.SECONDS)).as("the replayer asked the source").isTrue();
            assertThat(first.kill()).isEqualTo(AuditorProcess.SIGKILL_EXIT);

            AuditorProcess second = AuditorProcess.start("second", LOGS.resolve(run + "-second.log"), env)
                    .awaitReady(Duration.ofSeconds(120));
            assertThat(source.secondAnswered.await(60, TimeUnit.SECONDS)).as("the resumed replay asked again").isTrue();
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
            server.stop();
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

    /**
     * The HTTP replay source, as WireMock extensions: answers every seq from {@code from} to {@code to} it is asked
     * for (value {@code v<seq>}), holds its first answer back 5 s (the first auditor is killed while it waits for
     * it), and counts down {@link #firstCall} when the first request arrives and {@link #secondAnswered} once the
     * second answer has been written. Called on WireMock's Jetty threads; the delay is WireMock's own.
     */
    static final class Source implements ResponseDefinitionTransformerV2, ServeEventListener {
        static final String NAME = "replay-crash-source";

        final CountDownLatch firstCall = new CountDownLatch(1);
        final CountDownLatch secondAnswered = new CountDownLatch(1);
        private final AtomicInteger calls = new AtomicInteger();
        private volatile UUID second;

        @Override
        public String getName() {
            return NAME;
        }

        @Override
        public boolean applyGlobally() {
            return false; // as transformer and as listener: only the /replay stub, which names it for both
        }

        @Override
        public ResponseDefinition transform(ServeEvent event) {
            int call = calls.incrementAndGet();
            Request request = event.getRequest();
            List<String> records = new ArrayList<>();
            long to = Long.parseLong(request.queryParameter("to").firstValue());
            for (long s = Long.parseLong(request.queryParameter("from").firstValue()); s <= to; s++) {
                records.add("{\"seq\":" + s + ",\"valueBase64\":\""
                        + Base64.getEncoder().encodeToString(("v" + s).getBytes(StandardCharsets.UTF_8)) + "\"}");
            }
            ResponseDefinitionBuilder answer = okJson("{\"records\":[" + String.join(",", records) + "]}");
            if (call == 1) {
                firstCall.countDown();
                answer = answer.withFixedDelay(5_000); // the first auditor is killed while it waits for this answer
            } else if (call == 2) {
                second = event.getId();
            }
            return answer.build();
        }

        @Override
        public void afterComplete(ServeEvent event, Parameters parameters) {
            // After the answer was written (WireMock answers synchronously: no asynchronousResponseEnabled).
            if (event.getId().equals(second)) {
                secondAnswered.countDown();
            }
        }
    }
}
