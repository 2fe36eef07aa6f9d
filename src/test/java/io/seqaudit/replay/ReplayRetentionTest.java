package io.seqaudit.replay;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.seqaudit.state.LocalRedis;
import io.seqaudit.state.StateStore;
import io.seqaudit.state.StreamRef;
import io.seqaudit.state.TopicKeys;
import io.vertx.mutiny.redis.client.Command;
import io.vertx.mutiny.redis.client.Request;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * {@link ReplayStore} on the real Redis (127.0.0.1:6379): the replayer reads only the replays at work, and replays
 * that ended longer than the retention ago are deleted together with their index entries, whatever wrote them.
 * Each test uses its own key prefix and deletes its keys.
 */
class ReplayRetentionTest {

    @RegisterExtension
    static final LocalRedis REDIS = new LocalRedis();

    private static final String TOPIC = "orders";
    private static final Duration RETENTION = Duration.ofDays(7);
    private static final List<ReplayView.State> ENDED = List.of(ReplayView.State.REPAIRED,
            ReplayView.State.UNRECOVERABLE, ReplayView.State.FAILED);
    private static final List<ReplayView.State> AT_WORK = List.of(ReplayView.State.PENDING, ReplayView.State.PUBLISHED);

    private final String prefix = "seqaudit-replay-retention-" + UUID.randomUUID();
    private final StateStore store = new StateStore(REDIS.client(), Duration.ofSeconds(10), prefix, 1);
    private final ReplayStore replays = new ReplayStore(store, new ObjectMapper());
    private final Instant now = Instant.now();
    private final Instant endedBy = now.minus(RETENTION);
    private int streams;

    @AfterEach
    void deleteKeys() {
        TopicKeys k = store.keys(TOPIC);
        REDIS.client().sendAndAwait(Request.cmd(Command.DEL).arg(k.replays()).arg(k.replayIndex()).arg(k.replayEnds()));
    }

    /** A replay of a stream of its own, last updated at {@code updatedAt}. */
    private ReplayView replay(ReplayView.State state, Instant updatedAt) {
        StreamRef ref = new StreamRef(TOPIC, ("key-" + streams++).getBytes(StandardCharsets.UTF_8), "shop", 1);
        String at = updatedAt.toString();
        return new ReplayView(ref.replayId(5, 9), TOPIC, ref.keyText(), ref.keyBase64(), "shop", 1, 5, 9, null, state,
                5, 0, List.of(), null, 0, "test", now.minus(Duration.ofDays(30)).toString(), at);
    }

    private List<String> indexedIds() {
        List<String> ids = new ArrayList<>();
        ReplayStore.Slice slice = replays.after(TOPIC, null, 1000);
        slice.replays().forEach(r -> ids.add(r.id()));
        return ids;
    }

    @Test
    void theReplayerReadsOnlyTheReplaysAtWork() {
        List<ReplayView> atWork = new ArrayList<>();
        for (ReplayView.State state : AT_WORK) {
            atWork.add(replays.createIfAbsent(replay(state, now)));
        }
        for (ReplayView.State state : ENDED) {
            replays.createIfAbsent(replay(state, now));
        }

        assertThat(replays.active(TOPIC)).extracting(ReplayView::id)
                .containsExactlyInAnyOrderElementsOf(atWork.stream().map(ReplayView::id).toList());
    }

    @Test
    void replaysThatEndedLongerThanTheRetentionAgoAreDeletedWithTheirIndexEntries() {
        List<ReplayView> old = new ArrayList<>();
        List<ReplayView> kept = new ArrayList<>();
        for (ReplayView.State state : ENDED) {
            old.add(replay(state, endedBy.minusSeconds(60)));
            kept.add(replay(state, endedBy.plusSeconds(60)));
        }
        for (ReplayView.State state : AT_WORK) {
            // At work for longer than the retention (a source down for days): never deleted.
            kept.add(replay(state, endedBy.minus(Duration.ofDays(1))));
        }
        old.forEach(replays::createIfAbsent);
        kept.forEach(replays::createIfAbsent);

        long deleted = replays.deleteEndedBy(TOPIC, endedBy);

        assertThat(deleted).isEqualTo(old.size());
        old.forEach(r -> assertThat(replays.get(TOPIC, r.id())).as(r.state().tag()).isEmpty());
        assertThat(indexedIds()).as("the replay index")
                .containsExactlyInAnyOrderElementsOf(kept.stream().map(ReplayView::id).toList());
        assertThat(replays.list(TOPIC)).extracting(ReplayView::id)
                .containsExactlyInAnyOrderElementsOf(kept.stream().map(ReplayView::id).toList());
        assertThat(replays.deleteEndedBy(TOPIC, endedBy)).as("nothing more is due").isZero();
    }

    @Test
    void aFailedReplayAskedForAgainIsAtWorkAndNoLongerDue() {
        ReplayView failed = replays.createIfAbsent(replay(ReplayView.State.FAILED, endedBy.minusSeconds(60)));
        ReplayView again = failed.with(ReplayView.State.PENDING, 0, List.of(), null, 0, now.toString());
        replays.put(again);

        assertThat(replays.deleteEndedBy(TOPIC, endedBy)).isZero();
        assertThat(replays.active(TOPIC)).containsExactly(again);
    }

    @Test
    void replaysStoredBeforeTheEndTimesWereKeptAreReadAndDeletedAlike() {
        ReplayView pending = replay(ReplayView.State.PENDING, endedBy.minusSeconds(60));
        ReplayView oldRepaired = replay(ReplayView.State.REPAIRED, endedBy.minusSeconds(60));
        ReplayView newRepaired = replay(ReplayView.State.REPAIRED, now);
        ObjectMapper json = new ObjectMapper();
        for (ReplayView r : List.of(pending, oldRepaired, newRepaired)) {
            // As an older seqaudit wrote them: the hash alone.
            store.hashPut(store.keys(TOPIC).replays(), r.id(), write(json, r));
        }

        assertThat(replays.active(TOPIC)).containsExactly(pending);
        assertThat(replays.deleteEndedBy(TOPIC, endedBy)).isEqualTo(1);
        assertThat(replays.list(TOPIC)).extracting(ReplayView::id)
                .containsExactlyInAnyOrder(pending.id(), newRepaired.id());
    }

    private static String write(ObjectMapper json, ReplayView r) {
        try {
            return json.writeValueAsString(r);
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }
}
