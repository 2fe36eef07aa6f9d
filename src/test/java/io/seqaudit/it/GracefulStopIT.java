package io.seqaudit.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.seqaudit.stamp.SequenceStampingInterceptor;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ConsumerGroupDescription;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.Test;

/**
 * Issue 18: an auditor stopped (SIGTERM) while its Redis does not answer leaves its consumer group within the
 * shutdown, so the next auditor takes the partitions at once instead of waiting for the old member's session to
 * expire (45 s by default) while records pile up. The packaged service, a Redis of its own frozen with SIGSTOP under
 * load, a graceful stop, and the group read with the Admin API.
 */
class GracefulStopIT {

    private static final String RUN = UUID.randomUUID().toString().substring(0, 8);
    private static final String TOPIC = "graceful-stop-" + RUN;
    private static final String GROUP = "seqaudit-graceful-stop-" + RUN;

    @Test
    void anAuditorStoppedWhileRedisIsFrozenLeavesItsGroupBeforeItsSessionWouldExpire() throws Exception {
        KafkaSupport.createTopic(TOPIC, 3);
        PrivateRedisServer redis = new PrivateRedisServer("graceful-stop");
        redis.start();
        Path log = Paths.get("target", "graceful-stop", RUN + ".log");
        AuditorProcess auditor = AuditorProcess.start("graceful-stop", log, Map.of("SEQAUDIT_TOPICS", TOPIC,
                "SEQAUDIT_AUDIT_GROUP_ID", GROUP, "QUARKUS_REDIS_HOSTS", redis.url()))
                .awaitReady(Duration.ofSeconds(90));
        try (Admin admin = Admin.create(Map.of("bootstrap.servers", KafkaSupport.bootstrap()));
                KafkaProducer<String, String> producer = KafkaSupport.producer(
                        SequenceStampingInterceptor.class.getName(), Map.of())) {
            await().atMost(Duration.ofSeconds(60)).until(() -> members(admin) == 1);
            long sent = 0;
            for (; sent < 2_000; sent++) {
                producer.send(new ProducerRecord<>(TOPIC, "k" + sent % 50, "v"));
            }
            producer.flush();
            // Frozen only once the auditor audits (its partitions positioned from Redis): frozen earlier, it would
            // wait in its rebalance callback instead of having batches in flight.
            await().atMost(Duration.ofSeconds(60)).ignoreExceptions().until(() -> Findings.recordsCounted(
                    Findings.json(auditor.get("/api/v1/summary"))) > 0);
            redis.freeze();
            // More records while Redis is frozen: the auditor has batches in flight and retries.
            for (; sent < 4_000; sent++) {
                producer.send(new ProducerRecord<>(TOPIC, "k" + sent % 50, "v"));
            }
            producer.flush();
            // A checkpoint in flight fails after the Redis timeout (10 s), and reading back whether it applied takes
            // another: about 20 s on a quiet machine, more on a loaded one (a CI run saw 30 s).
            await().atMost(Duration.ofSeconds(60)).until(() -> !auditor.logLines("Audit step failed at redis").isEmpty()
                    || !auditor.logLines("could not be confirmed").isEmpty());

            long stopAt = System.nanoTime();
            auditor.close(); // SIGTERM: Quarkus shuts down (close() kills it after 15 s)
            assertThat(auditor.kill()).as("exited by itself, not killed after 15 s")
                    .isNotEqualTo(AuditorProcess.SIGKILL_EXIT);
            // The member is gone at once (LeaveGroup), not after the 45 s session timeout.
            await().atMost(Duration.ofSeconds(10)).until(() -> members(admin) == 0);
            double seconds = (System.nanoTime() - stopAt) / 1e9;
            System.out.printf("[graceful-stop] stopped and left the group %.1f s after SIGTERM%n", seconds);
            assertThat(auditor.logLines("Close timed out")).as("the consumer closed within its timeout").isEmpty();
        } finally {
            auditor.kill();
            redis.thaw();
            redis.stop();
        }
    }

    private static int members(Admin admin) throws Exception {
        try {
            ConsumerGroupDescription d = admin.describeConsumerGroups(List.of(GROUP)).all().get().get(GROUP);
            return d.members().size();
        } catch (java.util.concurrent.ExecutionException e) {
            if (e.getCause() instanceof org.apache.kafka.common.errors.GroupIdNotFoundException) {
                return 0; // not formed yet
            }
            throw e;
        }
    }
}
