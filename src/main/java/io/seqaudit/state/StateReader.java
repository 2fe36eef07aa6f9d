package io.seqaudit.state;

import io.seqaudit.sequence.StreamState;
import jakarta.enterprise.context.ApplicationScoped;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The one read facade over a topic's audit state, whatever its number of shards: totals summed, gaps and
 * duplicates gathered, streams looked up in their shard. Used by the API and the replayer on their own threads
 * (REST workers, the replay worker) and by the auditor for its gauges. Every call blocks for at most the state
 * timeout per Redis command and throws {@link StateUnavailableException} when Redis fails.
 */
@ApplicationScoped
public class StateReader {

    private final StateStore store;
    private final SortedIndex index;
    private final ConsumerStore consumers;

    public StateReader(StateStore store) {
        this.store = store;
        this.index = new SortedIndex(store);
        this.consumers = new ConsumerStore(store);
    }

    /** Every stored consumer-stage progress of a topic (one per group and partition). */
    public List<ConsumerProgress> consumerProgress(String topic) {
        return consumers.all(topic);
    }

    /** One page of a topic's consumer-stage findings in id order (see {@link ConsumerStore#findingsAfter}). */
    public ConsumerStore.Page consumerFindingsAfter(String topic, String after, int limit) {
        return consumers.findingsAfter(topic, after, limit);
    }

    public TopicLayout layout(String topic) {
        return store.layout(topic);
    }

    /** Counter → total, over every shard; a field this build does not know is left out ({@link TotalField#parse}). */
    public Map<TotalField, Long> totals(String topic) {
        Map<TotalField, Long> out = new LinkedHashMap<>();
        for (TopicKeys shard : layout(topic).all()) {
            store.scan(shard.totals(), (f, v) -> TotalField.parse(text(f))
                    .ifPresent(total -> out.merge(total, Long.parseLong(text(v)), Long::sum)), Integer.MAX_VALUE);
        }
        return out;
    }

    /**
     * One page of a topic's open gaps in id order, over every shard: the gaps after {@code after} (an id,
     * exclusive; null from the first), at most {@code limit}. Reads only what it returns (per shard at most
     * {@code limit} ids from the shard's gap index, then those gaps).
     */
    public GapPage gapsAfter(String topic, String after, int limit) {
        TopicLayout layout = layout(topic);
        List<String> ids = new ArrayList<>();
        boolean more = false;
        Map<String, TopicKeys> shardOf = new HashMap<>();
        for (TopicKeys shard : layout.all()) {
            List<String> some = index.idsAfter(shard.gapIndex(), after, limit);
            more |= some.size() == limit;
            some.forEach(id -> shardOf.put(id, shard));
            ids.addAll(some);
        }
        java.util.Collections.sort(ids);
        if (ids.size() > limit) {
            ids = ids.subList(0, limit);
            more = true;
        }
        Map<TopicKeys, List<String>> byShard = new LinkedHashMap<>();
        ids.forEach(id -> byShard.computeIfAbsent(shardOf.get(id), k -> new ArrayList<>()).add(id));
        Map<String, byte[]> found = new HashMap<>();
        byShard.forEach((shard, list) -> found.putAll(store.hashFields(shard.gaps(), list)));
        List<GapRecord> gaps = new ArrayList<>(ids.size());
        for (String id : ids) {
            byte[] json = found.get(id); // absent: closed since the index was read
            if (json != null) {
                gaps.add(GapRecord.fromJson(text(json)));
            }
        }
        return new GapPage(gaps, ids.isEmpty() ? after : ids.get(ids.size() - 1), more);
    }

    /**
     * A page of gaps.
     *
     * @param gaps the gaps, in id order
     * @param last the last id read (the cursor of the next page), or the one given when none was
     * @param more whether gaps after {@code last} may exist
     */
    public record GapPage(List<GapRecord> gaps, String last, boolean more) {
    }

    /** Up to {@code limit} open gaps of a topic, in no particular order. */
    public List<GapRecord> gaps(String topic, int limit) {
        List<GapRecord> out = new ArrayList<>();
        for (TopicKeys shard : layout(topic).all()) {
            store.scan(shard.gaps(), (f, v) -> out.add(GapRecord.fromJson(text(v))), limit - out.size());
            if (out.size() >= limit) {
                break;
            }
        }
        return out;
    }

    /** One open gap by its id, or null (also for an id that is not a gap id of this topic). */
    public GapRecord gap(String topic, String gapId) {
        GapId id = GapId.parse(gapId);
        if (id == null || !id.topic().equals(topic)) {
            return null;
        }
        TopicLayout layout = layout(topic);
        String json = store.hashGet(layout.shard(layout.shardOf(id.field())).gaps(), gapId);
        return json == null ? null : GapRecord.fromJson(json);
    }

    /** A stream as stored: its identity and its state. */
    public record StoredStream(StreamRef ref, StreamState state) {
    }

    /**
     * Every stream of one key (null: the null key) in a topic, one per producer epoch that ever wrote to the topic:
     * the key's field is computed for each producer epoch of the topic's dictionary, and the blobs found decoded.
     */
    public List<StoredStream> streamsOfKey(String topic, byte[] key) {
        byte[] keyHash = StreamRef.keyHash(key);
        Map<FieldKey, String> byField = new java.util.LinkedHashMap<>();
        producerEpochs(topic).forEach((producerEpochHash, text) -> byField.put(
                new FieldKey(StreamRef.field(keyHash, producerEpochHash.bytes())), text));
        List<StoredStream> out = new ArrayList<>();
        streams(topic, new ArrayList<>(byField.keySet())).forEach((field, blob) -> {
            ProducerEpochName name = ProducerEpochName.parse(byField.get(field));
            StreamRef ref = new StreamRef(topic, key, name.producer(), name.epoch());
            out.add(new StoredStream(ref, StreamCodec.decode(topic, blob).state()));
        });
        return out;
    }

    /** Every duplicate a topic keeps (each shard its newest {@code seqaudit.state.duplicates-kept}). */
    public List<DuplicateRecord> duplicates(String topic) {
        List<DuplicateRecord> out = new ArrayList<>();
        for (TopicKeys shard : layout(topic).all()) {
            store.listHead(shard.duplicates(), Integer.MAX_VALUE).forEach(j -> out.add(DuplicateRecord.fromJson(j)));
        }
        return out;
    }

    /** producer-epoch hash → "epoch producer", over every shard. */
    public Map<FieldKey, String> producerEpochs(String topic) {
        Map<FieldKey, String> out = new HashMap<>();
        for (TopicKeys shard : layout(topic).all()) {
            store.scan(shard.producerEpochs(), (f, v) -> out.put(new FieldKey(f), text(v)), Integer.MAX_VALUE);
        }
        return out;
    }

    /** The stored blobs of some streams, each read from its shard (absent ones are left out). */
    public Map<FieldKey, byte[]> streams(String topic, List<FieldKey> fields) {
        TopicLayout layout = layout(topic);
        Map<Integer, List<FieldKey>> byShard = new HashMap<>();
        fields.forEach(f -> byShard.computeIfAbsent(layout.shardOf(f.bytes()), s -> new ArrayList<>()).add(f));
        Map<FieldKey, byte[]> out = new LinkedHashMap<>();
        byShard.forEach((s, list) -> out.putAll(store.streams(layout.shard(s), list)));
        return out;
    }

    /**
     * Partition → the offset below which every record has been audited in every shard: what the auditor has read
     * and stored.
     */
    public Map<Integer, Long> auditedOffsets(String topic) {
        Map<Integer, Long> out = new HashMap<>();
        for (TopicKeys shard : layout(topic).all()) {
            store.partitionValues(shard.offsets()).forEach((p, o) -> out.merge(p, o, Math::min));
        }
        return out;
    }

    /** The topic's coverage gaps (records deleted before they were audited), by partition and first offset. */
    public List<CoverageRecord> coverage(String topic) {
        List<CoverageRecord> out = new ArrayList<>();
        store.hashAll(layout(topic).topicLevel().coverage()).values().forEach(j -> out.add(CoverageRecord.fromJson(j)));
        out.sort(java.util.Comparator.comparingInt(CoverageRecord::partition)
                .thenComparingLong(CoverageRecord::fromOffset));
        return out;
    }

    /** The log truncations the auditor handled, newest first, as stored JSON. */
    public List<String> truncations(String topic) {
        return store.listHead(layout(topic).topicLevel().truncations(), 100);
    }

    private static String text(byte[] b) {
        return new String(b, StandardCharsets.UTF_8);
    }
}
