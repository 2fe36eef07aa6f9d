package io.seqaudit.replay;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.seqaudit.state.SortedIndex;
import io.seqaudit.state.StateStore;
import io.seqaudit.state.TopicKeys;
import jakarta.enterprise.context.ApplicationScoped;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Replays in Redis, one hash per topic (in the topic's hash slot) and beside it the index of their ids (a
 * {@link SortedIndex}, written with the hash in one script), so that a page of replays or of repaired gaps reads
 * only what it returns. A replay is created once (HSETNX: asking twice for the same range finds the first) and then
 * written only by the instance holding its lease. Any thread; throws
 * {@link io.seqaudit.state.StateUnavailableException} when Redis fails.
 */
@ApplicationScoped
public class ReplayStore {

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
        TopicKeys keys = store.keys(r.topic());
        if (index.putIfAbsent(keys.replays(), keys.replayIndex(), r.id(), write(r))) {
            return r;
        }
        return get(r.topic(), r.id()).orElse(r);
    }

    public Optional<ReplayView> get(String topic, String id) {
        String v = store.hashGet(store.keys(topic).replays(), id);
        return v == null ? Optional.empty() : Optional.of(read(v));
    }

    public List<ReplayView> list(String topic) {
        List<ReplayView> out = new ArrayList<>();
        store.hashAll(store.keys(topic).replays()).values().forEach(v -> out.add(read(v)));
        return out;
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
                java.nio.charset.StandardCharsets.UTF_8))));
        out.sort(java.util.Comparator.comparing(ReplayView::id));
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
        TopicKeys keys = store.keys(seen.topic());
        return index.deleteIfEquals(keys.replays(), keys.replayIndex(), seen.id(), write(seen));
    }

    public void put(ReplayView r) {
        TopicKeys keys = store.keys(r.topic());
        index.put(keys.replays(), keys.replayIndex(), r.id(), write(r));
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
