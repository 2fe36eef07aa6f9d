package io.seqaudit.replay;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.seqaudit.state.StateStore;
import io.seqaudit.state.TopicKeys;
import jakarta.enterprise.context.ApplicationScoped;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Replays in Redis, one hash per topic (in the topic's hash slot). A replay is created once (HSETNX: asking
 * twice for the same range finds the first) and then written only by the instance holding its lease. Any
 * thread; throws {@link io.seqaudit.state.StateUnavailableException} when Redis fails.
 */
@ApplicationScoped
public class ReplayStore {

    private final StateStore store;
    private final ObjectMapper json;

    public ReplayStore(StateStore store, ObjectMapper json) {
        this.store = store;
        this.json = json;
    }

    /** Creates the replay unless one with its id exists; returns the stored one either way. */
    public ReplayView createIfAbsent(ReplayView r) {
        TopicKeys keys = store.keys(r.topic());
        if (store.hashPutIfAbsent(keys.replays(), r.id(), write(r))) {
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
     * Deletes the replay if it is stored exactly as {@code seen} (compare-and-delete in one script): a replayer
     * that moved it on meanwhile wins. False if it changed or is gone. A replayer that read it before the delete
     * may still write it back once; that write is its last (the replay is then listed again with its outcome).
     */
    public boolean deleteIfUnchanged(ReplayView seen) {
        return store.hashDeleteIfEquals(store.keys(seen.topic()).replays(), seen.id(), write(seen));
    }

    public void put(ReplayView r) {
        store.hashPut(store.keys(r.topic()).replays(), r.id(), write(r));
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
