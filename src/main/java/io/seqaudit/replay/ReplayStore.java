package io.seqaudit.replay;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.seqaudit.state.ScoredIndex;
import io.seqaudit.state.SortedIndex;
import io.seqaudit.state.StateStore;
import io.seqaudit.state.TopicKeys;
import jakarta.enterprise.context.ApplicationScoped;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.Map;
import java.util.List;
import java.util.Optional;

/**
 * Replays in Redis, one hash per topic (in the topic's hash slot) and beside it two sorted sets of their ids, written
 * with the hash in one script: the index ({@link SortedIndex}), so that a page of replays or of repaired gaps reads
 * only what it returns, and the end times ({@link TopicKeys#replayEnds()}: 0 while a replay is at work), so that the
 * replayer reads only the replays at work and the retention sweep finds the ended ones due for deletion without
 * reading the rest. A replay is created once (HSETNX: asking twice for the same range finds the first) and then
 * written only by the instance holding its lease. Any thread; throws
 * {@link io.seqaudit.state.StateUnavailableException} when Redis fails.
 */
@ApplicationScoped
public class ReplayStore {

    /** Most replays one sweep deletes: bounds the script's time; the next tick goes on. */
    private static final int DELETE_BATCH = 500;

    private final StateStore store;
    private final SortedIndex index;
    private final ObjectMapper json;

    public ReplayStore(StateStore store, ObjectMapper json) {
        this.store = store;
        this.index = new SortedIndex(store);
        this.json = json;
    }

    /** Creates the replay unless one with its id exists; returns the stored one either way. */
    public ReplayView createIfAbsent(ReplayView r) {
        if (scored(r.topic()).putIfAbsent(store, r.id(), write(r), endedAt(r))) {
            return r;
        }
        return get(r.topic(), r.id()).orElse(r);
    }

    public Optional<ReplayView> get(String topic, String id) {
        String v = store.hashGet(store.keys(topic).replays(), id);
        return v == null ? Optional.empty() : Optional.of(read(v));
    }

    /** Every replay of the topic (finished ones only until {@code seqaudit.replay.retention} is up). */
    public List<ReplayView> list(String topic) {
        List<ReplayView> out = new ArrayList<>();
        store.hashAll(store.keys(topic).replays()).values().forEach(v -> out.add(read(v)));
        return out;
    }

    /** The replays still at work (pending or published), in id order: what the replayer steps. */
    public List<ReplayView> active(String topic) {
        ScoredIndex scored = withEnds(topic);
        List<String> ids = scored.liveIds(store);
        List<ReplayView> out = new ArrayList<>(ids.size());
        store.hashFields(scored.hash(), ids).values().forEach(v -> out.add(read(new String(v,
                StandardCharsets.UTF_8))));
        out.sort(Comparator.comparing(ReplayView::id));
        return out;
    }

    /**
     * Deletes, with their index entries, up to {@value #DELETE_BATCH} replays that ended at or before
     * {@code endedBy} (the retention sweep); replays at work are never deleted. A failed replay asked for again is
     * at work once more, so no longer due.
     *
     * @return how many it deleted
     */
    public long deleteEndedBy(String topic, Instant endedBy) {
        return withEnds(topic).deleteFinishedBy(store, endedBy.toEpochMilli(), DELETE_BATCH);
    }

    /**
     * The topic's keys, with the end times completed first for replays stored before they were kept (or by a write
     * cut short): otherwise two O(1) reads.
     */
    private ScoredIndex withEnds(String topic) {
        ScoredIndex scored = scored(topic);
        if (scored.incomplete(store)) {
            Map<String, Long> ends = new HashMap<>();
            store.hashAll(scored.hash()).values().forEach(v -> {
                ReplayView r = read(v);
                ends.put(r.id(), endedAt(r));
            });
            scored.complete(store, ends);
        }
        return scored;
    }

    private ScoredIndex scored(String topic) {
        TopicKeys keys = store.keys(topic);
        return new ScoredIndex(keys.replays(), keys.replayIndex(), keys.replayEnds());
    }

    /**
     * Up to {@code limit} replays of a topic in id order, after the id {@code after} (exclusive; null: from the
     * first): reads only those (and indexes, once, replays stored before the index existed).
     */
    public Slice after(String topic, String after, int limit) {
        TopicKeys keys = indexed(topic);
        List<String> ids = index.idsAfter(keys.replayIndex(), after, limit);
        List<ReplayView> out = new ArrayList<>(ids.size());
        store.hashFields(keys.replays(), ids).values().forEach(v -> out.add(read(new String(v,
                StandardCharsets.UTF_8))));
        out.sort(Comparator.comparing(ReplayView::id));
        return new Slice(out, ids.isEmpty() ? null : ids.get(ids.size() - 1), ids.size() == limit);
    }

    /**
     * A slice of a topic's replays.
     *
     * @param replays the replays, in id order (one deleted since its id was read left out)
     * @param last the last id read, or null when none was
     * @param more whether replays after {@code last} may exist
     */
    public record Slice(List<ReplayView> replays, String last, boolean more) {
    }

    /**
     * Every replay of the streams named by their id prefixes ({@code topic.streamId.}): a read of those streams'
     * replays only, in one call.
     */
    public List<ReplayView> ofStreams(String topic, List<String> streamPrefixes) {
        TopicKeys keys = indexed(topic);
        List<ReplayView> out = new ArrayList<>();
        index.valuesWithPrefixes(keys.replays(), keys.replayIndex(), streamPrefixes).forEach(v -> out.add(read(v)));
        return out;
    }

    private TopicKeys indexed(String topic) {
        TopicKeys keys = store.keys(topic);
        index.complete(keys.replays(), keys.replayIndex());
        return keys;
    }

    /**
     * Deletes the replay if it is stored exactly as {@code seen} (compare-and-delete in one script): a replayer
     * that moved it on meanwhile wins. False if it changed or is gone. A replayer that read it before the delete
     * may still write it back once; that write is its last (the replay is then listed again with its outcome).
     */
    public boolean deleteIfUnchanged(ReplayView seen) {
        return scored(seen.topic()).deleteIfEquals(store, seen.id(), write(seen));
    }

    public void put(ReplayView r) {
        scored(r.topic()).put(store, r.id(), write(r), endedAt(r));
    }

    /** The score in the end times: 0 while at work, else when it ended (its last update), at least 1. */
    private static long endedAt(ReplayView r) {
        return r.active() ? 0 : Math.max(1, Instant.parse(r.updatedAt()).toEpochMilli());
    }

    private String write(ReplayView r) {
        try {
            return json.writeValueAsString(r);
        } catch (JsonProcessingException e) {
            throw new UncheckedIOException(e);
        }
    }

    private ReplayView read(String v) {
        try {
            return json.readValue(v, ReplayView.class);
        } catch (JsonProcessingException e) {
            throw new UncheckedIOException(e);
        }
    }
}
