package io.seqaudit.it;

import io.seqaudit.demo.FaultPlan;
import io.seqaudit.demo.TrafficSender;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.seqaudit.state.TopicKeys;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.LongPredicate;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;

/**
 * Exactly-once audit state across hard crashes. The auditor runs as a separate process (the runner jar) and is
 * killed with SIGKILL ({@code kill -9}) four times at different points while it consumes a topic carrying
 * injected losses, duplicates and late records; a fifth run finishes the audit. A second auditor with its own
 * Redis prefix and consumer group audits the same topic once, without crashes. Both must report exactly the
 * same gaps, duplicates and totals, and exactly what the traffic plan injected: a crash neither loses nor
 * double-counts anything.
 *
 * <p>Null-key records spread over partitions, so the order the auditor reads them in (and thereby the in-order,
 * out-of-order and late counts of the null-key stream) legitimately depends on how the partitions interleave;
 * those counts are not compared. Everything else is.
 */
class AuditorCrashIT {

    private static final String RUN = UUID.randomUUID().toString().substring(0, 8);
    private static final String TOPIC = "crash-" + RUN;
    private static final String VOID = "crash-void-" + RUN;
    private static final String PREFIX_A = "seqaudit-crash-a-" + RUN;
    private static final String PREFIX_B = "seqaudit-crash-b-" + RUN;
    private static final Path LOGS = Paths.get("target", "auditor-crash");
    private static final int PARTITIONS = 6;
    private static final int PARTS = 4;
    private static final int UNSTAMPED = 25;
    private static final Duration GRACE = Duration.ofSeconds(2);
    private static final ObjectMapper JSON = new ObjectMapper();

    private final long t0 = System.currentTimeMillis();

    @Test
    void killNineDuringConsumptionChangesNoFinding() throws Exception {
        KafkaSupport.createTopic(TOPIC, PARTITIONS);
        KafkaSupport.createTopic(VOID, 1);
        // 1,000 keys x 50 records + 500 null-key records; losses, duplicates, late records within the grace.
        FaultPlan plan = new FaultPlan(TOPIC, VOID, 1000, 50, 500, 0.004, 0.004, 0.003, 0, 11);
        Set<String> lost = expected(plan, FaultPlan.Fate.LOST);
        Set<String> duplicated = expected(plan, FaultPlan.Fate.DUPLICATED);
        assertThat(lost).hasSizeGreaterThan(100);
        assertThat(plan.total(FaultPlan.Fate.LATE_WITHIN)).isPositive();

        Map<String, String> envA = env(PREFIX_A, "seqaudit-crash-a-" + RUN);
        envA.put("SEQAUDIT_AUDIT_MAX_POLL_RECORDS", "100"); // many small checkpoints: kills land mid-audit
        // Static membership: a restarted auditor takes its dead predecessor's partitions at once, instead of
        // waiting for the broker to expire the dead member's session.
        envA.put("KAFKA_GROUP_INSTANCE_ID", "seqaudit-crash-a-" + RUN);
        String offsetsA = new TopicKeys(PREFIX_A, TOPIC).offsets();
        ExecutorService background = Executors.newSingleThreadExecutor();
        AuditorProcess a = null;
        AuditorProcess b = null;
        boolean passed = false;
        try (TrafficSender sender = new TrafficSender(plan, KafkaSupport.bootstrap(), "crash-producer");
                KafkaProducer<String, String> plain = KafkaSupport.producer(null, Map.of());
                RedisProbe redis = RedisProbe.local();
                Admin admin = Admin.create(Map.of("bootstrap.servers", KafkaSupport.bootstrap()))) {

            // Kill 1: the auditor follows the first part as it is produced; killed once 2,000 records are audited.
            a = startAndAwaitReady("a1", envA);
            Future<?> part0 = background.submit(() -> {
                sender.sendPart(0, PARTS, 2);
                return null;
            });
            killWhen(a, redis, offsetsA, admin, done -> done >= 2_000);
            note("part 0 still being sent at kill 1: " + !part0.isDone());
            part0.get();

            // Kill 2: a backlog of ~1.5 parts, killed about a third of the way through it.
            sender.sendPart(1, PARTS, 2);
            a = startAndAwaitReady("a2", envA);
            killAtFraction(a, redis, offsetsA, admin, 0.33);

            // Kill 3: two thirds through the next backlog (with unstamped records in it).
            sender.sendPart(2, PARTS, 2);
            sender.sendUnstamped(plain, UNSTAMPED);
            a = startAndAwaitReady("a3", envA);
            killAtFraction(a, redis, offsetsA, admin, 0.66);

            // Kill 4: the last part is produced meanwhile; killed right after the new run's first checkpoint.
            Future<?> part3 = background.submit(() -> {
                sender.sendPart(3, PARTS, 2);
                return null;
            });
            a = startAndAwaitReady("a4", envA);
            long before = sum(redis.partitionValues(offsetsA));
            killWhen(a, redis, offsetsA, admin, done -> done > before);
            note("part 3 still being sent at kill 4: " + !part3.isDone());
            part3.get();
            long total = sum(endOffsets(admin));
            note("all traffic sent: " + total + " records in " + TOPIC);

            // The last run of A finishes; B audits everything once, without crashes, at the default poll size.
            // (Both start at once: their start-ups overlap.)
            long start = System.currentTimeMillis();
            a = AuditorProcess.start("a5", LOGS.resolve(RUN + "-a5.log"), envA);
            b = AuditorProcess.start("b", LOGS.resolve(RUN + "-b.log"), env(PREFIX_B, "seqaudit-crash-b-" + RUN));
            a.awaitReady(Duration.ofSeconds(90));
            b.awaitReady(Duration.ofSeconds(90));
            note(a + " and " + b + " ready in " + (System.currentTimeMillis() - start) + " ms");
            JsonNode summaryA = awaitCaughtUp(a, redis, PREFIX_A, admin, lost.size());
            JsonNode summaryB = awaitCaughtUp(b, redis, PREFIX_B, admin, lost.size());

            // Totals: identical, and what the plan injected. Every record counted exactly once.
            for (JsonNode s : List.of(summaryA, summaryB)) {
                assertThat(s.at("/records/duplicate").asLong()).isEqualTo(duplicated.size());
                assertThat(s.at("/records/unstamped").asLong()).isEqualTo(UNSTAMPED);
                assertThat(s.get("invalid").size()).isZero();
                assertThat(s.at("/records/invalid").asLong()).isZero();
                assertThat(s.get("lost").asLong()).isEqualTo(lost.size());
                assertThat(s.get("lostTotal").asLong()).isEqualTo(lost.size());
                assertThat(s.get("lostFilled").asLong()).as("lost, then arrived").isZero();
                assertThat(s.get("suspected").asLong()).isZero();
                assertThat(s.get("streams").asLong()).isEqualTo(plan.keys() + 1);
                long counted = 0;
                for (JsonNode n : s.get("records")) {
                    counted += n.asLong();
                }
                assertThat(counted).as("records counted").isEqualTo(total);
            }
            assertThat(comparable(summaryA)).isEqualTo(comparable(summaryB));

            // Gaps: identical (id, key, producer, epoch, range, state), and exactly the injected losses.
            List<String> gapsA = gaps(a);
            List<String> gapsB = gaps(b);
            assertThat(gapsA).isEqualTo(gapsB);
            assertThat(Findings.lostSeqs(a, TOPIC)).isEqualTo(lost);
            assertThat(Findings.lostSeqs(b, TOPIC)).isEqualTo(lost);

            // Duplicates: identical, each reported once, exactly the injected ones.
            Map<String, List<String>> dupsA = duplicates(a);
            Map<String, List<String>> dupsB = duplicates(b);
            assertThat(dupsA.get("keyed")).isEqualTo(dupsB.get("keyed"));
            assertThat(dupsA.get("null")).isEqualTo(dupsB.get("null"));
            assertThat(dupsA.get("seqs")).hasSize(duplicated.size()).doesNotHaveDuplicates();
            assertThat(new TreeSet<>(dupsA.get("seqs"))).isEqualTo(duplicated);
            assertThat(new TreeSet<>(dupsB.get("seqs"))).isEqualTo(duplicated);

            // Streams: every 10th key and the null key, state by state.
            for (int i = 0; i < plan.keys(); i += 10) {
                String q = "/api/v1/streams?topic=" + TOPIC + "&key=" + plan.key(i);
                assertThat(stream(a, q, true)).as(plan.key(i)).isEqualTo(stream(b, q, true));
            }
            String nullKey = "/api/v1/streams?topic=" + TOPIC + "&nullKey=true";
            assertThat(stream(a, nullKey, false)).isEqualTo(stream(b, nullKey, false));

            assertThat(a.logLines(" ERROR ")).as("errors in " + a.log()).isEmpty();
            assertThat(b.logLines(" ERROR ")).as("errors in " + b.log()).isEmpty();
            note("A and B agree: " + gapsA.size() + " gaps (" + lost.size() + " lost seqs), "
                    + dupsA.get("seqs").size() + " duplicates, " + total + " records counted once");
            passed = true;
        } finally {
            background.shutdownNow();
            if (a != null) {
                a.close();
            }
            if (b != null) {
                b.close();
            }
            if (passed) {
                cleanUp();
            } else {
                System.out.println("Kept for diagnosis: Redis prefixes " + PREFIX_A + ", " + PREFIX_B + "; logs in "
                        + LOGS.toAbsolutePath());
            }
        }
    }

    private Map<String, String> env(String prefix, String group) {
        Map<String, String> env = new HashMap<>();
        env.put("SEQAUDIT_TOPICS", TOPIC);
        env.put("SEQAUDIT_GRACE", GRACE.toSeconds() + "s");
        env.put("SEQAUDIT_AUDIT_GROUP_ID", group);
        env.put("SEQAUDIT_STATE_PREFIX", prefix);
        env.put("KAFKA_BOOTSTRAP_SERVERS", KafkaSupport.bootstrap());
        env.put("QUARKUS_HTTP_PORT", String.valueOf(AuditorProcess.freePort()));
        return env;
    }

    private AuditorProcess startAndAwaitReady(String name, Map<String, String> env) {
        long start = System.currentTimeMillis();
        AuditorProcess p = AuditorProcess.start(name, LOGS.resolve(RUN + "-" + name + ".log"), env);
        p.awaitReady(Duration.ofSeconds(90));
        note(p + " ready in " + (System.currentTimeMillis() - start) + " ms");
        return p;
    }

    /** Kills {@code p} (SIGKILL) once the Redis offsets moved past a third, two thirds... of the backlog. */
    private void killAtFraction(AuditorProcess p, RedisProbe redis, String offsetsKey, Admin admin, double fraction) {
        long from = sum(redis.partitionValues(offsetsKey));
        long to = sum(endOffsets(admin));
        long target = from + (long) ((to - from) * fraction);
        killWhen(p, redis, offsetsKey, admin, done -> done >= target);
    }

    /**
     * Watches the stored offsets of {@code p}'s prefix and kills {@code p} with SIGKILL as soon as their sum
     * satisfies {@code when}; then checks that the process is gone and that it was killed mid-audit (it had
     * audited something, and not everything).
     */
    private void killWhen(AuditorProcess p, RedisProbe redis, String offsetsKey, Admin admin, LongPredicate when) {
        long from = sum(redis.partitionValues(offsetsKey));
        long deadline = System.currentTimeMillis() + 60_000;
        long seen = from;
        while (!when.test(seen)) {
            assertThat(System.currentTimeMillis()).as(p + " made no progress past " + seen).isLessThan(deadline);
            assertThat(p.isAlive()).as(p + " died by itself:\n" + p.logTail(30)).isTrue();
            sleep(5);
            seen = sum(redis.partitionValues(offsetsKey));
        }
        int exit = p.kill();
        assertThat(exit).as("exit code of " + p).isEqualTo(AuditorProcess.SIGKILL_EXIT);
        assertThat(p.isAlive()).isFalse();
        long after = sum(redis.partitionValues(offsetsKey));
        long end = sum(endOffsets(admin));
        note(p.name() + " killed (exit " + exit + ") at stored offsets " + after + " of " + end + " (run started at "
                + from + ")");
        assertThat(after).as("audited something before the kill").isGreaterThan(from);
        assertThat(after).as("killed before the end").isLessThan(end);
    }

    /** Waits until the auditor stored the end offsets of every partition and no seq is suspected any more. */
    private JsonNode awaitCaughtUp(AuditorProcess p, RedisProbe redis, String prefix, Admin admin, int lost) {
        String offsetsKey = new TopicKeys(prefix, TOPIC).offsets();
        JsonNode[] summary = new JsonNode[1];
        await().atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofMillis(500)).untilAsserted(() -> {
            assertThat(p.isAlive()).as(p + " died:\n" + p.logTail(30)).isTrue();
            assertThat(redis.partitionValues(offsetsKey)).as(p + " offsets").isEqualTo(endOffsets(admin));
            JsonNode s = json(p.get("/api/v1/summary"));
            assertThat(s.get("suspected").asLong()).as(p + " suspected").isZero();
            assertThat(s.get("lost").asLong()).as(p + " lost").isEqualTo(lost);
            summary[0] = s;
        });
        note(p.name() + " caught up");
        return summary[0];
    }

    private Map<Integer, Long> endOffsets(Admin admin) {
        Map<TopicPartition, OffsetSpec> q = new HashMap<>();
        for (int i = 0; i < PARTITIONS; i++) {
            q.put(new TopicPartition(TOPIC, i), OffsetSpec.latest());
        }
        try {
            Map<Integer, Long> out = new HashMap<>();
            admin.listOffsets(q).all().get().forEach((tp, info) -> out.put(tp.partition(), info.offset()));
            return out;
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    /** The totals that must not depend on the read order: everything but the null-key stream's order counts. */
    private static Map<String, Object> comparable(JsonNode s) {
        Map<String, Object> m = new TreeMap<>();
        for (String f : List.of("duplicate", "unstamped", "invalid", "joined_late")) {
            m.put("records." + f, s.get("records").get(f).asLong());
        }
        m.put("invalid", s.get("invalid").toString());
        for (String f : List.of("suspected", "lost", "lostTotal", "streams")) {
            m.put(f, s.get(f).asLong());
        }
        return m;
    }

    /** Every gap as "id key producer epoch from..to state", sorted. */
    private static List<String> gaps(AuditorProcess p) {
        List<String> out = new ArrayList<>();
        for (JsonNode g : Findings.all(p, "/api/v1/gaps?topic=" + TOPIC + "&limit=1000")) {
            out.add(g.get("id").asText() + " " + g.get("key").asText() + " " + g.get("keyBase64").asText() + " "
                    + g.get("producer").asText() + " " + g.get("epoch").asLong() + " " + g.get("fromSeq").asLong()
                    + ".." + g.get("toSeq").asLong() + " " + g.get("state").asText());
        }
        out.sort(null);
        return out;
    }

    /**
     * Duplicates, sorted: "keyed" (key, seq, partition, offset and the original's position: all independent of
     * the read order), "null" (the null key's seqs and producers: which copy is read first may differ), and
     * "seqs" ("key#seq" of each, one per report).
     */
    private static Map<String, List<String>> duplicates(AuditorProcess p) {
        List<String> keyed = new ArrayList<>();
        List<String> nulls = new ArrayList<>();
        List<String> seqs = new ArrayList<>();
        for (JsonNode d : Findings.all(p, "/api/v1/duplicates?topic=" + TOPIC + "&limit=1000")) {
            boolean nullKey = d.get("keyBase64").isNull();
            String id = (nullKey ? "<null>" : d.get("key").asText()) + "#" + d.get("seq").asLong();
            seqs.add(id);
            if (nullKey) {
                nulls.add(id + " " + d.get("producer").asText() + " " + d.get("epoch").asLong());
            } else {
                keyed.add(id + " " + d.get("producer").asText() + " " + d.get("epoch").asLong() + " at "
                        + d.get("partition").asInt() + "/" + d.get("offset").asLong() + " original "
                        + d.get("originalPartition") + "/" + d.get("originalOffset"));
            }
        }
        keyed.sort(null);
        nulls.sort(null);
        seqs.sort(null);
        return Map.of("keyed", keyed, "null", nulls, "seqs", seqs);
    }

    /**
     * A stream's state without the time it was last active (read-order dependent); for the null key, also without
     * its home partition (the partition of whichever record was read first).
     */
    private static String stream(AuditorProcess p, String query, boolean keyed) {
        JsonNode list = json(p.get(query));
        assertThat(list.size()).as(query).isEqualTo(1);
        com.fasterxml.jackson.databind.node.ObjectNode s = (com.fasterxml.jackson.databind.node.ObjectNode) list.get(0);
        s.remove("lastActivity");
        if (!keyed) {
            s.remove("partition");
        }
        for (JsonNode r : s.get("missing")) {
            ((com.fasterxml.jackson.databind.node.ObjectNode) r).remove(List.of("openedAt", "lostAt"));
        }
        return s.toString();
    }

    /** "key#seq" for every seq of the plan with that fate; the null key is written {@code <null>}. */
    private static Set<String> expected(FaultPlan plan, FaultPlan.Fate fate) {
        Set<String> out = new TreeSet<>();
        for (String key : plan.allKeys()) {
            plan.seqs(key, fate).forEach(s -> out.add((key == null ? "<null>" : key) + "#" + s));
        }
        return out;
    }

    private static long sum(Map<Integer, Long> offsets) {
        return offsets.values().stream().mapToLong(Long::longValue).sum();
    }

    private static JsonNode json(String text) {
        try {
            return JSON.readTree(text);
        } catch (Exception e) {
            throw new IllegalStateException("not JSON: " + text, e);
        }
    }

    private void note(String what) {
        String line = String.format("[crash-it +%6.1fs] %s", (System.currentTimeMillis() - t0) / 1000.0, what);
        System.out.println(line);
    }

    private void cleanUp() {
        try (RedisProbe redis = RedisProbe.local();
                Admin admin = Admin.create(Map.of("bootstrap.servers", KafkaSupport.bootstrap()))) {
            redis.del(new TopicKeys(PREFIX_A, TOPIC).checkpointKeys());
            redis.del(new TopicKeys(PREFIX_B, TOPIC).checkpointKeys());
            admin.deleteTopics(List.of(TOPIC, VOID)).all().get();
            admin.deleteConsumerGroups(List.of("seqaudit-crash-a-" + RUN, "seqaudit-crash-b-" + RUN)).all().get();
        } catch (Exception e) {
            System.out.println("Clean-up incomplete: " + e);
        }
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
