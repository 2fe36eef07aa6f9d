package io.seqaudit.it;

import static io.restassured.RestAssured.given;
import static io.seqaudit.it.ApiAuth.asViewer;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.restassured.path.json.JsonPath;
import java.io.File;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.junit.jupiter.api.Test;

/**
 * Redis stops answering in the middle of the audit (its process frozen with SIGSTOP, as in a network
 * partition): the auditor counts and logs the failure, stays alive, and once Redis answers again the findings
 * are exact: every record counted once, exactly the injected losses.
 */
@QuarkusTest
@TestProfile(RedisOutageTest.Profile.class)
class RedisOutageTest {

    static final String RUN = UUID.randomUUID().toString().substring(0, 8);
    static final String TOPIC = "outage-" + RUN;

    /** A private Redis, so freezing it disturbs no other test. */
    public static class Profile implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("seqaudit.topics", TOPIC, "seqaudit.grace", "2s",
                    "seqaudit.audit.group-id", "outage-" + RUN, "seqaudit.audit.retry-backoff", "200ms",
                    "seqaudit.state.timeout", "1s",
                    "kafka.bootstrap.servers", KafkaSupport.bootstrap());
        }

        @Override
        public List<TestResourceEntry> testResources() {
            return List.of(new TestResourceEntry(PrivateRedis.class));
        }
    }

    /** Starts redis-server on a free port (given to the service) and the topic; stops the server at the end. */
    public static class PrivateRedis implements QuarkusTestResourceLifecycleManager {
        static Process process;

        @Override
        public Map<String, String> start() {
            KafkaSupport.createTopic(TOPIC, 3);
            int port = freePort();
            try {
                process = new ProcessBuilder("redis-server", "--port", String.valueOf(port), "--bind", "127.0.0.1",
                        "--save", "", "--appendonly", "no").redirectErrorStream(true)
                        .redirectOutput(new File("target/redis-outage.log")).start();
            } catch (IOException e) {
                throw new IllegalStateException("redis-server not found: run deploy/local/redis.sh start", e);
            }
            await().atMost(Duration.ofSeconds(10)).until(() -> answers(port));
            return Map.of("quarkus.redis.hosts", "redis://127.0.0.1:" + port);
        }

        @Override
        public void stop() {
            signal("CONT");
            process.destroy();
        }

        static void signal(String sig) {
            try {
                new ProcessBuilder("kill", "-" + sig, String.valueOf(process.pid())).start().waitFor();
            } catch (IOException | InterruptedException e) {
                throw new IllegalStateException(e);
            }
        }

        private static int freePort() {
            try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
                return s.getLocalPort();
            } catch (IOException e) {
                throw new IllegalStateException(e);
            }
        }

        private static boolean answers(int port) {
            try (Socket s = new Socket("127.0.0.1", port)) {
                return true;
            } catch (IOException e) {
                return false;
            }
        }
    }

    @Test
    void redisOutageIsCountedAndAuditResumesWithExactFindings() {
        int keys = 100;
        long sent = 0;
        try (KafkaProducer<String, String> p = KafkaSupport.producer(null, Map.of())) {
            long before = send(p, keys, 0, 20);
            sent += before;
            await().atMost(Duration.ofSeconds(30)).until(() -> audited() == before);

            PrivateRedis.signal("STOP");
            try {
                long during = send(p, keys, 20, 40);
                sent += during;
                await().atMost(Duration.ofSeconds(30)).until(() -> failures() >= 2);
                given().get("/q/health/live").then().statusCode(200);
                // The lag comes from the broker's end offsets and the offsets last stored, whether Redis answers
                // or not: exactly the records sent while it was frozen (one producer, no transactions).
                await().atMost(Duration.ofSeconds(10)).until(() -> lag() == during);
            } finally {
                PrivateRedis.signal("CONT");
            }
        }
        long expected = sent;
        await().atMost(Duration.ofSeconds(60)).untilAsserted(() -> {
            JsonPath s = asViewer().get("/api/v1/summary").then().statusCode(200).extract().jsonPath();
            assertThat(audited()).isEqualTo(expected);
            assertThat(s.getLong("lost")).isEqualTo(2L * keys);
            assertThat(s.getLong("records.duplicate")).isZero();
            assertThat(s.getLong("suspected")).isZero();
            assertThat(lag()).isZero();
        });
    }

    private static double lag() {
        String m = given().get("/q/metrics").then().extract().asString();
        return m.lines().filter(l -> l.startsWith("seqaudit_lag_records{") && l.contains("topic=\"" + TOPIC + "\""))
                .mapToDouble(l -> Double.parseDouble(l.substring(l.lastIndexOf(' ') + 1))).sum();
    }

    /** Sends seqs [from, to) of every key, leaving out seq from+5 (a known loss); returns the count sent. */
    private static long send(KafkaProducer<String, String> p, int keys, int from, int to) {
        long n = 0;
        for (int s = from; s < to; s++) {
            for (int k = 0; k < keys; k++) {
                if (s != from + 5) {
                    p.send(Stamped.record(TOPIC, "k" + k, "outage", 1, s));
                    n++;
                }
            }
        }
        p.flush();
        return n;
    }

    private static long audited() {
        JsonPath s = asViewer().get("/api/v1/summary").then().extract().jsonPath();
        if (s.get("records") == null) {
            return -1;
        }
        return s.getLong("records.in_order") + s.getLong("records.out_of_order") + s.getLong("records.late")
                + s.getLong("records.duplicate");
    }

    private static double failures() {
        String m = given().get("/q/metrics").then().extract().asString();
        return m.lines().filter(l -> l.startsWith("seqaudit_failures_total{") && l.contains("stage=\"redis\""))
                .mapToDouble(l -> Double.parseDouble(l.substring(l.lastIndexOf(' ') + 1))).sum();
    }
}
