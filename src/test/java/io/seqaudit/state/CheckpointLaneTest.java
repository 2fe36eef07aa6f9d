package io.seqaudit.state;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.mutiny.redis.client.Command;
import io.vertx.mutiny.redis.client.Request;
import io.vertx.mutiny.redis.client.Response;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Issue 8: the auditor keeps a second checkpoint in flight, built on top of the first. On its lane a checkpoint
 * chained to the one before applies only after it: never on top of one Redis refused, even when its own offsets
 * would match (a tick moves none). Real Redis (127.0.0.1:6379).
 */
class CheckpointLaneTest {

    @RegisterExtension
    static final LocalRedis REDIS = new LocalRedis();

    private static final String TOPIC = "lane";
    private static final String GEN = "generation-1";
    private final StateStore store = new StateStore(REDIS.client(), Duration.ofSeconds(10),
            "seqaudit-lanetest-" + UUID.randomUUID(), 1);
    private final TopicKeys keys = store.keys(TOPIC);
    private CheckpointLane lane;

    @BeforeEach
    void createState() {
        store.identify(keys, GEN, "start", 0);
        assertThat(store.apply(new Checkpoint(keys, GEN, 3).partition(0, null, 10, 1_000, 0, -1)).applied()).isTrue();
        lane = store.lane();
    }

    @AfterEach
    void deleteKeys() {
        lane.close();
        store.deleteTopic(store.layout(TOPIC));
    }

    private PendingCheckpoints send(Checkpoint cp, String after) {
        List<String> afters = new ArrayList<>();
        afters.add(after);
        return lane.applyAll(List.of(cp), afters);
    }

    private String stream(String field) {
        Response r = REDIS.client().sendAndAwait(Request.cmd(Command.HGET).arg(keys.streams()).arg(field));
        return r == null ? null : r.toString();
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void aCheckpointSentBehindAnotherAppliesAfterIt() {
        Checkpoint first = new Checkpoint(keys, GEN, 3).partition(0, 10L, 20, 2_000, -1, -1)
                .ownedStream(bytes("s1"), new byte[] {0, 1}).add(TotalField.Fixed.STREAMS, 1)
                .producerEpoch(bytes("pe1"), "producer", 1);
        Checkpoint second = new Checkpoint(keys, GEN, 3).partition(0, 20L, 30, 3_000, -1, -1)
                .ownedStream(bytes("s1"), new byte[] {0, 2});
        PendingCheckpoints p1 = send(first, null);
        PendingCheckpoints p2 = send(second, first.id());

        assertThat(p1.await().get(0).status()).isEqualTo(Checkpoint.Status.APPLIED);
        assertThat(p2.await().get(0).status()).isEqualTo(Checkpoint.Status.APPLIED);
        assertThat(store.partitionValues(keys.offsets())).containsEntry(0, 30L);
        assertThat(stream("s1")).isEqualTo(new String(new byte[] {0, 2}, StandardCharsets.UTF_8));
    }

    @Test
    void aCheckpointBuiltOnARefusedOneWritesNothingEvenWhenItsOffsetsMatch() {
        // The first expects an offset Redis does not hold: refused. The second is a tick on top of it, moving no
        // offset (expected 10, Redis holds 10): on its own it would apply, and write a stream the first changed.
        Checkpoint refused = new Checkpoint(keys, GEN, 3).partition(0, 5L, 20, 2_000, -1, -1)
                .ownedStream(bytes("s1"), new byte[] {0, 1}).add(TotalField.Fixed.STREAMS, 1)
                .producerEpoch(bytes("pe1"), "producer", 1);
        Checkpoint onTop = new Checkpoint(keys, GEN, 3).partition(0, 10L, 10, 3_000, -1, -1)
                .ownedStream(bytes("s1"), new byte[] {0, 3}).add(TotalField.Fixed.STREAMS, 1);
        PendingCheckpoints p1 = send(refused, null);
        PendingCheckpoints p2 = send(onTop, refused.id());

        assertThat(p1.await().get(0).status()).isEqualTo(Checkpoint.Status.CONFLICT);
        assertThat(p2.await().get(0).status()).isEqualTo(Checkpoint.Status.PREDECESSOR_NOT_APPLIED);
        assertThat(stream("s1")).as("nothing of either was written").isNull();
        assertThat(store.partitionValues(keys.progress())).containsEntry(0, 1_000L);
    }

    @Test
    void aCheckpointNotChainedAppliesOnItsOwnCompareAndSet() {
        Checkpoint refused = new Checkpoint(keys, GEN, 3).partition(0, 5L, 20, 2_000, -1, -1);
        assertThat(send(refused, null).await().get(0).status()).isEqualTo(Checkpoint.Status.CONFLICT);
        Checkpoint next = new Checkpoint(keys, GEN, 3).partition(0, 10L, 20, 2_000, -1, -1);
        assertThat(send(next, null).await().get(0).applied()).isTrue();
    }

    @Test
    void aLaneWhoseConnectionWasKilledConnectsAgainOnTheNextSend() {
        Checkpoint first = new Checkpoint(keys, GEN, 3).partition(0, 10L, 20, 2_000, -1, -1);
        assertThat(send(first, null).await().get(0).applied()).isTrue();
        // Every client connection but the one asking: the lane's among them.
        REDIS.client().sendAndAwait(Request.cmd(Command.CLIENT).arg("KILL").arg("TYPE").arg("normal")
                .arg("SKIPME").arg("yes"));

        org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
            Long stored = store.partitionValues(keys.offsets()).get(0);
            Checkpoint next = new Checkpoint(keys, GEN, 3).partition(0, stored, stored + 10, 3_000, -1, -1);
            try {
                assertThat(send(next, null).await().get(0).applied()).isTrue();
            } catch (StateUnavailableException e) {
                throw new AssertionError("not yet: " + e.getMessage(), e);
            }
        });
        assertThat(store.partitionValues(keys.offsets())).containsEntry(0, 30L);
    }
}
