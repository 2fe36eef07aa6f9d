package io.seqaudit.it;

import static io.seqaudit.it.ApiAuth.asViewer;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.seqaudit.stamp.SeqauditHeaders;
import io.seqaudit.stamp.SequenceStampingInterceptor;
import io.restassured.path.json.JsonPath;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import java.util.stream.LongStream;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.junit.jupiter.api.Test;

/**
 * Producers using the interceptor with no seqaudit settings never share a stream: not when many are created at
 * one instant in one JVM, not when two JVMs start together on one host. Each producer sends the same records to
 * the same keys of a 3-partition topic (the case that gave false duplicates when the default id was the host
 * name); the real broker must hold one gapless 0..n-1 sequence per (producer, key), and the real auditor must
 * report one stream per producer and key, no duplicate and no loss.
 */
@QuarkusTest
@TestProfile(ProducersNeverShareAStreamTest.Profile.class)
class ProducersNeverShareAStreamTest {

    static final String RUN = UUID.randomUUID().toString().substring(0, 8);
    static final String ONE_JVM = "identity-one-jvm-" + RUN;
    static final String TWO_JVMS = "identity-two-jvms-" + RUN;
    static final List<String> KEYS = List.of("order-1", "order-2", "order-3", "order-4", "order-5");
    static final int PER_KEY = 20;

    /** Both topics audited, fresh Redis prefix and group. */
    public static class Profile implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("seqaudit.topics", ONE_JVM + "," + TWO_JVMS, "seqaudit.grace", "2s",
                    "seqaudit.audit.group-id", "seqaudit-identity-" + RUN,
                    "seqaudit.state.prefix", "seqaudit-identity-" + RUN,
                    "kafka.bootstrap.servers", KafkaSupport.bootstrap());
        }

        @Override
        public List<TestResourceEntry> testResources() {
            return List.of(new TestResourceEntry(CreatedTopic.class, CreatedTopic.args(ONE_JVM, 3)),
                    new TestResourceEntry(CreatedTopic.class, CreatedTopic.args(TWO_JVMS, 3)));
        }
    }

    /** One stamped stream as read back from the broker. */
    record StreamId(String producer, long epoch, String key) {
    }

    @Test
    void eightProducersCreatedAtOneBarrierInOneJvmEachStampTheirOwnStreams() throws Exception {
        int producers = 8;
        CyclicBarrier barrier = new CyclicBarrier(producers);
        ExecutorService pool = Executors.newFixedThreadPool(producers);
        try {
            List<Future<?>> done = new ArrayList<>();
            for (int i = 0; i < producers; i++) {
                done.add(pool.submit(() -> {
                    barrier.await();
                    try (KafkaProducer<String, String> p = KafkaSupport.producer(
                            SequenceStampingInterceptor.class.getName(), Map.of())) {
                        List<Future<RecordMetadata>> sent = new ArrayList<>();
                        for (int seq = 0; seq < PER_KEY; seq++) {
                            for (String key : KEYS) {
                                sent.add(p.send(new ProducerRecord<>(ONE_JVM, key, "v" + seq)));
                            }
                        }
                        for (Future<RecordMetadata> f : sent) {
                            f.get();
                        }
                    }
                    return null;
                }));
            }
            for (Future<?> f : done) {
                f.get();
            }
        } finally {
            pool.shutdownNow();
        }

        assertOneGaplessStreamPerProducerAndKey(ONE_JVM, producers);
    }

    @Test
    void twoJvmsStartedTogetherWithTheDefaultsEachStampTheirOwnStreams() throws Exception {
        Path dir = Files.createDirectories(Paths.get("target", "identity-" + RUN));
        Path go = dir.resolve("go");
        List<Process> jvms = new ArrayList<>();
        List<Path> logs = new ArrayList<>();
        try {
            for (int i = 0; i < 2; i++) {
                Path log = dir.resolve("sender-" + i + ".log");
                logs.add(log);
                jvms.add(new ProcessBuilder(Paths.get(System.getProperty("java.home"), "bin", "java").toString(),
                        "-Xmx128m", "-Djava.util.logging.manager=org.jboss.logmanager.LogManager", "-cp", System.getProperty("java.class.path"),
                        DefaultStampingSender.class.getName(), TWO_JVMS, String.join(",", KEYS),
                        String.valueOf(PER_KEY), go.toString())
                        .redirectErrorStream(true).redirectOutput(log.toFile()).start());
            }
            await().atMost(Duration.ofSeconds(60)).untilAsserted(() -> {
                for (int i = 0; i < jvms.size(); i++) {
                    assertThat(jvms.get(i).isAlive()).as("sender %d alive; log:%n%s", i, read(logs.get(i))).isTrue();
                    assertThat(read(logs.get(i))).contains(DefaultStampingSender.READY);
                }
            });
            Files.createFile(go);
            for (int i = 0; i < jvms.size(); i++) {
                int index = i;
                await().atMost(Duration.ofSeconds(60)).until(() -> !jvms.get(index).isAlive());
                assertThat(jvms.get(i).exitValue()).as("sender %d exit; log:%n%s", i, read(logs.get(i))).isZero();
            }
        } finally {
            jvms.forEach(Process::destroyForcibly);
        }

        assertOneGaplessStreamPerProducerAndKey(TWO_JVMS, 2);
    }

    /**
     * The broker holds {@code producers} x keys streams, each seqs 0..PER_KEY-1 exactly once, under
     * {@code producers} distinct producer ids; the auditor reports the same streams, all in order, none missing
     * or duplicated.
     */
    private static void assertOneGaplessStreamPerProducerAndKey(String topic, int producers) {
        Map<StreamId, List<Long>> onBroker = readStamps(topic, producers * KEYS.size() * PER_KEY);
        List<Long> gapless = LongStream.range(0, PER_KEY).boxed().toList();
        assertThat(onBroker).hasSize(producers * KEYS.size());
        assertThat(onBroker.values()).allSatisfy(seqs -> assertThat(seqs).isEqualTo(gapless));
        Set<String> ids = onBroker.keySet().stream().map(StreamId::producer).collect(Collectors.toSet());
        assertThat(ids).hasSize(producers).allMatch(SeqauditHeaders::isValidProducerId);

        long total = (long) producers * KEYS.size() * PER_KEY;
        await().atMost(Duration.ofSeconds(60)).untilAsserted(() -> {
            JsonPath summary = asViewer().get("/api/v1/summary").then().statusCode(200).extract().jsonPath();
            Map<String, Object> t = summary.getMap("topics.'" + topic + "'");
            assertThat(t).as("summary of %s", topic).isNotNull();
            @SuppressWarnings("unchecked")
            Map<String, Number> records = (Map<String, Number>) t.get("records");
            assertThat(records.get("in_order").longValue()).isEqualTo(total);
            assertThat(records.getOrDefault("duplicate", 0).longValue()).isZero();
            assertThat(((Number) t.get("streams")).longValue()).isEqualTo(producers * KEYS.size());
            assertThat(((Number) t.get("lost")).longValue()).isZero();
            assertThat(((Number) t.get("suspected")).longValue()).isZero();
        });
        for (String key : KEYS) {
            List<Map<String, Object>> streams = asViewer().queryParam("topic", topic).queryParam("key", key)
                    .get("/api/v1/streams").then().statusCode(200).extract().jsonPath().getList("$");
            Map<StreamId, Long> audited = new HashMap<>();
            for (Map<String, Object> s : streams) {
                assertThat((List<?>) s.get("missing")).as("missing of %s", s).isEmpty();
                assertThat(((Number) s.get("duplicates")).longValue()).as("duplicates of %s", s).isZero();
                audited.put(new StreamId((String) s.get("producer"), ((Number) s.get("epoch")).longValue(), key),
                        ((Number) s.get("nextExpectedSeq")).longValue());
            }
            Map<StreamId, Long> expected = onBroker.keySet().stream().filter(id -> id.key().equals(key))
                    .collect(Collectors.toMap(id -> id, id -> (long) PER_KEY));
            assertThat(audited).as("streams of key %s", key).isEqualTo(expected);
        }
        assertThat(ServiceReads.allItems("/api/v1/duplicates", topic, null)).isEmpty();
        assertThat(ServiceReads.allItems("/api/v1/gaps", topic, null)).isEmpty();
    }

    /** Every record of {@code topic} (expecting {@code count}), its seqs by stream in offset order. */
    private static Map<StreamId, List<Long>> readStamps(String topic, int count) {
        Map<StreamId, List<Long>> streams = new HashMap<>();
        try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(Map.of(
                "bootstrap.servers", KafkaSupport.bootstrap(), "key.deserializer", StringDeserializer.class.getName(),
                "value.deserializer", StringDeserializer.class.getName()))) {
            List<TopicPartition> partitions = IntStream.range(0, 3).mapToObj(p -> new TopicPartition(topic, p))
                    .toList();
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            int[] read = { 0 };
            await().atMost(Duration.ofSeconds(30)).until(() -> {
                for (ConsumerRecord<String, String> r : consumer.poll(Duration.ofMillis(200))) {
                    StreamId id = new StreamId(
                            SeqauditHeaders.decodeText(r.headers().lastHeader(SeqauditHeaders.PRODUCER).value()),
                            SeqauditHeaders.decodeLong(r.headers().lastHeader(SeqauditHeaders.EPOCH).value()), r.key());
                    streams.computeIfAbsent(id, k -> new ArrayList<>())
                            .add(SeqauditHeaders.decodeLong(r.headers().lastHeader(SeqauditHeaders.SEQ).value()));
                    read[0]++;
                }
                return read[0] >= count;
            });
            assertThat(consumer.poll(Duration.ofMillis(500))).as("records beyond the %d sent", count).isEmpty();
        }
        return streams;
    }

    private static String read(Path log) throws IOException {
        return Files.exists(log) ? Files.readString(log) : "";
    }
}
