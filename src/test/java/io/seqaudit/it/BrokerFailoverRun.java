package io.seqaudit.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.seqaudit.state.TopicKeys;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.UUID;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.common.TopicPartition;

/**
 * What the broker-failover tests share: a fresh topic on the multi-node cluster ({@link KafkaClusterSupport}),
 * the packaged auditor following it (its own Redis prefix and group on the local Redis), "caught up" as the
 * auditor's stored offsets equal the partitions' end offsets, and its lost seqs read from the API. Test thread
 * only.
 */
final class BrokerFailoverRun implements AutoCloseable {

    private static final ObjectMapper JSON = new ObjectMapper();
    static final Duration GRACE = Duration.ofSeconds(3);

    final String run = UUID.randomUUID().toString().substring(0, 8);
    final String topic;
    final String prefix;
    final KafkaClusterSupport cluster;
    private final long t0 = System.currentTimeMillis();
    private final String label;
    private AuditorProcess auditor;

    BrokerFailoverRun(String label, KafkaClusterSupport cluster) {
        this.label = label;
        this.cluster = cluster;
        this.topic = label + "-" + run;
        this.prefix = "seqaudit-" + label + "-" + run;
    }

    AuditorProcess startAuditor() {
        Map<String, String> env = new HashMap<>();
        env.put("KAFKA_BOOTSTRAP_SERVERS", cluster.bootstrap());
        env.put("SEQAUDIT_TOPICS", topic);
        env.put("SEQAUDIT_GRACE", GRACE.toSeconds() + "s");
        env.put("SEQAUDIT_AUDIT_GROUP_ID", prefix);
        env.put("SEQAUDIT_STATE_PREFIX", prefix);
        env.put("SEQAUDIT_AUDIT_BEACON_TOPIC", beaconTopic());
        Path log = Paths.get("target", "broker-failover", run + "-" + label + ".log");
        auditor = AuditorProcess.start(label, log, env).awaitReady(Duration.ofSeconds(90));
        note(auditor + " ready, log " + log);
        return auditor;
    }

    /** The auditor started last. */
    AuditorProcess auditor() {
        return auditor;
    }

    /** Until the auditor stored every partition's end offset (it has read everything there is now). */
    void awaitCaughtUp(int partitions) {
        String offsets = new TopicKeys(prefix, topic).offsets();
        try (RedisProbe redis = RedisProbe.local()) {
            // A ListOffsets that times out while a broker was just stopped is asked again, not a failure.
            await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(200))
                    .ignoreExceptionsInstanceOf(IllegalStateException.class).untilAsserted(() -> {
                assertThat(auditor.isAlive()).as(auditor + " died:\n" + auditor.logTail(30)).isTrue();
                assertThat(redis.partitionValues(offsets)).isEqualTo(endOffsets(partitions));
            });
        }
    }

    /** Caught up, and nothing suspected any more (the grace window passed): the findings are final. */
    void awaitSettled(int partitions) {
        awaitCaughtUp(partitions);
        await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(500)).untilAsserted(
                () -> assertThat(json(auditor.get("/api/v1/summary")).get("suspected").asLong()).isZero());
    }

    Map<Integer, Long> endOffsets(int partitions) {
        Map<TopicPartition, OffsetSpec> q = new HashMap<>();
        KafkaClusterSupport.partitions(topic, partitions).forEach(tp -> q.put(tp, OffsetSpec.latest()));
        Map<Integer, Long> out = new HashMap<>();
        try {
            cluster.admin().listOffsets(q).all().get().forEach((tp, i) -> out.put(tp.partition(), i.offset()));
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
        return out;
    }

    /** The beacon topic of this run (created by the test that uses beacons; the cluster creates no topic itself). */
    String beaconTopic() {
        return topic + "-beacons";
    }

    /** "key#seq" → the stage of every seq the auditor reports lost. */
    Map<String, String> lostStages() {
        Map<String, String> out = new java.util.TreeMap<>();
        for (JsonNode g : Findings.all(auditor, "/api/v1/gaps?topic=" + topic + "&state=lost&limit=1000")) {
            for (long s = g.get("fromSeq").asLong(); s <= g.get("toSeq").asLong(); s++) {
                out.put(g.get("key").asText() + "#" + s, g.get("stage").asText());
            }
        }
        return out;
    }

    /** "key#seq" of every seq the auditor reports lost. */
    Set<String> lostSeqs() {
        Set<String> out = new TreeSet<>();
        for (JsonNode g : Findings.all(auditor, "/api/v1/gaps?topic=" + topic + "&state=lost&limit=1000")) {
            for (long s = g.get("fromSeq").asLong(); s <= g.get("toSeq").asLong(); s++) {
                out.add(g.get("key").asText() + "#" + s);
            }
        }
        return out;
    }

    JsonNode summary() {
        return json(auditor.get("/api/v1/summary"));
    }

    void note(String what) {
        System.out.printf("[%s +%6.1fs] %s%n", label, (System.currentTimeMillis() - t0) / 1000.0, what);
    }

    static JsonNode json(String text) {
        try {
            return JSON.readTree(text);
        } catch (Exception e) {
            throw new IllegalStateException("not JSON: " + text, e);
        }
    }

    @Override
    public void close() {
        if (auditor != null) {
            auditor.close();
        }
        try (RedisProbe redis = RedisProbe.local()) {
            redis.del(new TopicKeys(prefix, topic).checkpointKeys());
        } catch (RuntimeException e) {
            note("clean-up incomplete: " + e);
        }
    }
}
