package io.seqaudit.state;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.seqaudit.sequence.Outcome;
import io.vertx.mutiny.redis.client.Command;
import io.vertx.mutiny.redis.client.Request;
import io.vertx.mutiny.redis.client.Response;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Issue 9: a checkpoint whose reply is lost (the client timed out, the connection dropped) may have been applied
 * by Redis or not. The auditor then reads back which checkpoint last moved the partitions, so the batch is counted
 * exactly once either way: applied (and counted) if Redis applied it, a failure (retried from the stored offsets)
 * if not. Real Redis (127.0.0.1:6379); the lost reply is a reply future that never completes.
 */
class PendingCheckpointsTest {

    @RegisterExtension
    static final LocalRedis REDIS = new LocalRedis();

    private final String prefix = "seqaudit-pendtest-" + UUID.randomUUID();
    // The lost reply is given up on after this timeout: short, yet long enough for the real calls of a loaded CI
    // machine (300 ms failed a fresh-clone run: the set-up's first script load took longer).
    private final StateStore store = new StateStore(REDIS.client(), Duration.ofSeconds(2), prefix, 1);
    private static final String TOPIC = "pending";
    private static final String GEN = "generation-1";
    private final TopicKeys keys = store.keys(TOPIC);

    @BeforeEach
    void createIdentity() {
        store.identify(keys, GEN, "start", 0);
        assertThat(store.apply(new Checkpoint(keys, GEN, 3).partition(0, null, 10, 1_000, 0, -1)).applied()).isTrue();
    }

    @AfterEach
    void deleteKeys() {
        store.deleteTopic(store.layout(TOPIC));
    }

    private static PendingCheckpoints replyLost(StateStore store, Checkpoint... cps) {
        List<CompletableFuture<Response>> futures = java.util.Arrays.stream(cps)
                .map(c -> new CompletableFuture<Response>()).toList();
        return new PendingCheckpoints(List.of(cps), futures, store);
    }

    private long storedOffset() {
        Response r = REDIS.client().sendAndAwait(Request.cmd(Command.HGET).arg(keys.offsets()).arg("0"));
        return Long.parseLong(r.toString());
    }

    @Test
    void aCheckpointRedisAppliedWhoseReplyWasLostIsAppliedAndCannotApplyTwice() {
        Checkpoint cp = new Checkpoint(keys, GEN, 3).partition(0, 10L, 20, 2_000, -1, -1)
                .add(TotalField.records(Outcome.IN_ORDER), 10);
        assertThat(store.apply(cp).applied()).as("Redis applied it").isTrue();

        List<Checkpoint.Result> results = replyLost(store, cp).await();

        assertThat(results).singleElement().satisfies(r -> assertThat(r.applied()).isTrue());
        assertThat(storedOffset()).isEqualTo(20);
        // The retry a lost reply could tempt is refused by the offset it expects: never counted twice.
        Checkpoint.Result again = store.apply(new Checkpoint(keys, GEN, 3).partition(0, 10L, 20, 2_000, -1, -1)
                .add(TotalField.records(Outcome.IN_ORDER), 10));
        assertThat(again.applied()).isFalse();
        assertThat(again.offsetConflicts()).containsEntry(0, 20L);
    }

    @Test
    void aCheckpointRedisNeverAppliedWhoseReplyWasLostIsAFailureAndChangesNothing() {
        Checkpoint cp = new Checkpoint(keys, GEN, 3).partition(0, 10L, 20, 2_000, -1, -1);

        assertThatThrownBy(() -> replyLost(store, cp).await()).isInstanceOf(StateUnavailableException.class)
                .hasMessageContaining("did not answer");
        assertThat(storedOffset()).isEqualTo(10);
    }
}
