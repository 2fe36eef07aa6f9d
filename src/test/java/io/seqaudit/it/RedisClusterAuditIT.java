package io.seqaudit.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import io.seqaudit.demo.FaultPlan;
import io.seqaudit.demo.TrafficSender;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;

/**
 * One topic audited over a real 3-master Redis Cluster: its state split into shards that spread over every
 * master, two auditor processes of one group sharing its 12 partitions, one of them killed with {@code kill -9}
 * mid-run, and slots of the topic's shards moved between masters (MOVED/ASK) while the audit runs. The findings
 * equal the injected truth: exactly the lost seqs, exactly the duplicates, every record counted once.
 */
class RedisClusterAuditIT {

    private static final String RUN = UUID.randomUUID().toString().substring(0, 8);
    private static final String TOPIC = "cluster-" + RUN;
    private static final String VOID = "cluster-void-" + RUN;
    private static final String PREFIX = "seqaudit-cluster-" + RUN;
    private static final int PARTITIONS = 12;
    private static final int SHARDS = 12;
    private static final int PARTS = 3;
    private static final Path LOGS = Paths.get("target", "redis-cluster-it");

    @Test
    void findingsAreExactAcrossMastersThroughAKillAndSlotMoves() throws Exception {
        KafkaSupport.createTopic(TOPIC, PARTITIONS);
        KafkaSupport.createTopic(VOID, 1);
        FaultPlan plan = new FaultPlan(TOPIC, VOID, 600, 30, 300, 0.005, 0.005, 0.003, 0, 17);
        Set<String> lost = plan.keySeqs(FaultPlan.Fate.LOST);
        Set<String> duplicated = plan.keySeqs(FaultPlan.Fate.DUPLICATED);
        assertThat(lost).hasSizeGreaterThan(50);
        List<AuditorProcess> running = new ArrayList<>();
        try (RedisClusterSupport cluster = new RedisClusterSupport(7101, 7102, 7103).start();
                TrafficSender sender = new TrafficSender(plan, KafkaSupport.bootstrap(), "cluster-producer");
                Admin admin = Admin.create(Map.of("bootstrap.servers", KafkaSupport.bootstrap()))) {
            AuditorProcess a1 = start("a1", cluster, "a", running);
            AuditorProcess b = start("b", cluster, "b", running);

            sender.sendPart(0, PARTS, 2);
            await().atMost(Duration.ofSeconds(60)).until(() -> counted(b) + counted(a1) > 2_000);
            assertThat(a1.kill()).isEqualTo(AuditorProcess.SIGKILL_EXIT);
            running.remove(a1);

            // While one auditor is down and the other audits the next part, move the slots of four shards.
            sender.sendPart(1, PARTS, 2);
            List<Integer> moved = new ArrayList<>();
            for (int shard = 0; shard < 4; shard++) {
                moved.add(cluster.moveSlot(cluster.slotOf(TOPIC + "/" + shard)));
            }
            AuditorProcess a = start("a2", cluster, "a", running);
            sender.sendPart(2, PARTS, 2);
            for (int shard = 4; shard < 6; shard++) {
                moved.add(cluster.moveSlot(cluster.slotOf(TOPIC + "/" + shard)));
            }

            long total = endOffsets(admin);
            AuditorProcess reader = b;
            await().atMost(Duration.ofSeconds(120)).pollInterval(Duration.ofMillis(500)).untilAsserted(() -> {
                JsonNode s = Findings.json(reader.get("/api/v1/summary"));
                assertThat(Findings.recordsCounted(s)).as("records counted").isEqualTo(total);
                assertThat(s.get("suspected").asLong()).isZero();
                assertThat(s.get("lost").asLong()).isEqualTo(lost.size());
            });
            JsonNode s = Findings.json(b.get("/api/v1/summary"));
            assertThat(s.at("/records/duplicate").asLong()).isEqualTo(duplicated.size());
            assertThat(s.get("lostFilled").asLong()).as("lost, then arrived").isZero();
            assertThat(s.get("lostTotal").asLong()).isEqualTo(lost.size());
            assertThat(s.get("streams").asLong()).isEqualTo(plan.keys() + 1);
            assertThat(Findings.lostSeqs(b, TOPIC)).isEqualTo(lost);
            assertThat(Findings.duplicateSeqs(a, TOPIC)).isEqualTo(new ArrayList<>(duplicated));

            Map<Integer, Integer> perMaster = cluster.keysPerMaster(PREFIX + ":*");
            assertThat(perMaster.values()).as("keys of one topic on every master: " + perMaster)
                    .allSatisfy(n -> assertThat(n).isPositive());
            assertThat(moved).hasSize(6);
            for (AuditorProcess p : running) {
                assertThat(p.logLines(" ERROR ")).as("errors in " + p.log()).isEmpty();
            }
            System.out.printf("[cluster-it] %d records, %d lost seqs, %d duplicates; keys per master %s%n", total,
                    lost.size(), duplicated.size(), perMaster);
        } finally {
            running.forEach(AuditorProcess::close);
        }
    }

    private static AuditorProcess start(String name, RedisClusterSupport cluster, String member,
            List<AuditorProcess> running) {
        Map<String, String> env = new HashMap<>();
        env.put("SEQAUDIT_TOPICS", TOPIC);
        env.put("SEQAUDIT_GRACE", "2s");
        env.put("SEQAUDIT_AUDIT_GROUP_ID", "seqaudit-cluster-" + RUN);
        env.put("SEQAUDIT_STATE_PREFIX", PREFIX);
        env.put("SEQAUDIT_STATE_SHARDS", String.valueOf(SHARDS));
        env.put("SEQAUDIT_AUDIT_MAX_POLL_RECORDS", "300");
        env.put("QUARKUS_REDIS_CLIENT_TYPE", "cluster");
        env.put("QUARKUS_REDIS_HOSTS", cluster.hosts());
        env.put("KAFKA_BOOTSTRAP_SERVERS", KafkaSupport.bootstrap());
        // Static membership: a restarted auditor takes its dead predecessor's partitions at once.
        env.put("KAFKA_GROUP_INSTANCE_ID", "seqaudit-cluster-" + member + "-" + RUN);
        env.put("QUARKUS_HTTP_PORT", String.valueOf(AuditorProcess.freePort()));
        AuditorProcess p = AuditorProcess.start(name, LOGS.resolve(RUN + "-" + name + ".log"), env);
        running.add(p);
        p.awaitReady(Duration.ofSeconds(90));
        return p;
    }

    private static long counted(AuditorProcess p) {
        return Findings.recordsCounted(Findings.json(p.get("/api/v1/summary")));
    }

    private static long endOffsets(Admin admin) throws Exception {
        Map<TopicPartition, OffsetSpec> q = new HashMap<>();
        for (int i = 0; i < PARTITIONS; i++) {
            q.put(new TopicPartition(TOPIC, i), OffsetSpec.latest());
        }
        return admin.listOffsets(q).all().get().values().stream().mapToLong(i -> i.offset()).sum();
    }
}
