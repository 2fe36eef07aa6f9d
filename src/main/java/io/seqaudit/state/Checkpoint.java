package io.seqaudit.state;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;

/**
 * What one atomic step writes for one shard of a topic: the new offsets of some partitions with the stream states,
 * gaps and totals they produced, guarded by the shard's generation and the offsets the writer read
 * (compare-and-set). Built by the auditor's consumer thread, run by {@link StateStore#apply}.
 */
public final class Checkpoint {

    /** A partition's new offset, guarded by the offset the writer believes stored. */
    record PartitionWrite(int partition, Long expectedOffset, long newOffset, long progress, long coverageStart,
            int leaderEpoch) {
    }

    /** A stream's new state; {@code guarded}: compared with {@code expected}, else only checked not to span. */
    record StreamWrite(byte[] field, boolean guarded, byte[] expected, byte[] next) {
    }

    record ProducerEpoch(byte[] hash, String text) {
    }

    private final TopicKeys keys;
    private final String generation;
    private final String id = Long.toHexString(ThreadLocalRandom.current().nextLong());
    private final List<PartitionWrite> partitions = new ArrayList<>();
    private final List<StreamWrite> streams = new ArrayList<>();
    private final Map<String, String> gaps = new LinkedHashMap<>();
    private final Map<FieldKey, Integer> open = new LinkedHashMap<>();
    private final Map<TotalField, Long> totals = new LinkedHashMap<>();
    private final List<String> duplicates = new ArrayList<>();
    private final List<ProducerEpoch> producerEpochs = new ArrayList<>();
    private final Map<FieldKey, Long> expired = new LinkedHashMap<>();
    private final Map<String, byte[]> journal = new LinkedHashMap<>();
    private final List<String> metaDeletes = new ArrayList<>();
    private final int duplicatesKept;
    /** The lane's chain key in this shard, or null when the checkpoint is not sent on a {@link CheckpointLane}. */
    private String chainKey;
    /** The id of the checkpoint this one must follow (sent before it on the lane, not answered yet), or null. */
    private String after;

    /**
     * @param keys the shard written
     * @param generation the state's generation the writer audits against (see {@link StateStore#identify})
     * @param duplicatesKept the cap of the shard's duplicate list
     */
    public Checkpoint(TopicKeys keys, String generation, int duplicatesKept) {
        this.keys = keys;
        this.generation = generation;
        this.duplicatesKept = duplicatesKept;
    }

    public TopicKeys keys() {
        return keys;
    }

    /** A random id, stored per partition it moves: a writer whose reply was lost reads it back. */
    public String id() {
        return id;
    }

    /**
     * @param expectedOffset the offset stored now as the writer believes, or null if none is stored
     * @param progress the partition's progress time, or -1 to leave it
     * @param coverageStart the coverage start to record if none is recorded yet, or -1
     * @param leaderEpoch the leader epoch of the last record read, or -1 if unknown
     */
    public Checkpoint partition(int partition, Long expectedOffset, long newOffset, long progress, long coverageStart,
            int leaderEpoch) {
        partitions.add(new PartitionWrite(partition, expectedOffset, newOffset, progress, coverageStart, leaderEpoch));
        return this;
    }

    /** A stream compared with the blob the writer read: {@code expected} null if absent; {@code next} null deletes. */
    public Checkpoint stream(byte[] field, byte[] expected, byte[] next) {
        streams.add(new StreamWrite(field, true, expected, next));
        return this;
    }

    /**
     * A single-partition stream written by the owner of its partition, whose offset fences the write: not compared,
     * only checked not to have been spread over partitions by another owner meanwhile. {@code next} never spans
     * partitions (a stream that does is written with {@link #stream}).
     */
    public Checkpoint ownedStream(byte[] field, byte[] next) {
        if (next != null && next.length > 0 && (next[0] & StreamCodec.MULTI) != 0) {
            // The script counts streams that span partitions from guarded writes only (it compares their blobs).
            throw new IllegalArgumentException("a stream that spans partitions is written guarded, not owned");
        }
        streams.add(new StreamWrite(field, false, null, next));
        return this;
    }

    /** @param json the gap's JSON, or null to delete it */
    public Checkpoint gap(String id, String json) {
        gaps.put(id, json);
        return this;
    }

    /** @param home the home partition of a stream with missing ranges, or -1 once it has none */
    public Checkpoint open(byte[] field, int home) {
        open.put(new FieldKey(field), home);
        return this;
    }

    /** Adds {@code delta} to a counter of the shard's totals (nothing for 0). */
    public Checkpoint add(TotalField total, long delta) {
        if (delta != 0) {
            totals.merge(total, delta, Long::sum);
        }
        return this;
    }

    public Checkpoint duplicate(String json) {
        duplicates.add(json);
        return this;
    }

    public Checkpoint producerEpoch(byte[] hash, String producer, long epoch) {
        producerEpochs.add(new ProducerEpoch(hash, new ProducerEpochName(producer, epoch).text()));
        return this;
    }

    /** Remembers that streams of this producer epoch were expired, so one that resumes is not a gap from 0. */
    public Checkpoint expiredProducerEpoch(byte[] producerEpochHash, long at) {
        expired.put(new FieldKey(producerEpochHash), at);
        return this;
    }

    /** Adds a journal segment ({@code entries} null deletes it). */
    public Checkpoint journal(String segment, byte[] entries) {
        journal.put(segment, entries);
        return this;
    }

    /** Deletes a field of the shard's meta hash (the marker of a handled truncation). */
    public Checkpoint deleteMeta(String field) {
        metaDeletes.add(field);
        return this;
    }

    /**
     * Sends this checkpoint on a lane: once applied it records its id under {@code chainKey}, and with
     * {@code after} not null it applies only if the checkpoint with that id is the last one the lane applied in
     * this shard (else {@link Status#PREDECESSOR_NOT_APPLIED}, nothing written).
     */
    Checkpoint chain(String chainKey, String after) {
        this.chainKey = chainKey;
        this.after = after;
        return this;
    }

    /** The script's KEYS: the shard's checkpoint keys, then the lane's chain key when sent on a lane. */
    List<String> scriptKeys() {
        if (chainKey == null) {
            return keys.checkpointKeys();
        }
        List<String> k = new ArrayList<>(keys.checkpointKeys());
        k.add(chainKey);
        return k;
    }

    /** The partitions this checkpoint moves. */
    public List<Integer> partitionNumbers() {
        return partitions.stream().map(PartitionWrite::partition).toList();
    }

    /** The script's ARGV, as byte strings. */
    List<byte[]> arguments() {
        List<byte[]> a = new ArrayList<>(10 + partitions.size() * 6 + streams.size() * 3 + gaps.size() * 2);
        a.add(text(generation));
        a.add(text(id));
        a.add(after == null ? EMPTY : text(after));
        a.add(text(partitions.size()));
        for (PartitionWrite p : partitions) {
            a.add(text(p.partition()));
            a.add(p.expectedOffset() == null ? EMPTY : text(p.expectedOffset()));
            a.add(text(p.newOffset()));
            a.add(p.progress() < 0 ? EMPTY : text(p.progress()));
            a.add(p.coverageStart() < 0 ? EMPTY : text(p.coverageStart()));
            a.add(p.leaderEpoch() < 0 ? EMPTY : text(p.leaderEpoch()));
        }
        int guarded = 0;
        for (StreamWrite s : streams) {
            guarded += s.guarded() ? 1 : 0;
        }
        a.add(text(guarded));
        for (StreamWrite s : streams) {
            if (s.guarded()) {
                a.add(s.field());
                a.add(s.expected() == null ? EMPTY : s.expected());
                a.add(s.next() == null ? EMPTY : s.next());
            }
        }
        a.add(text(streams.size() - guarded));
        for (StreamWrite s : streams) {
            if (!s.guarded()) {
                a.add(s.field());
                a.add(s.next() == null ? EMPTY : s.next());
            }
        }
        a.add(text(gaps.size()));
        gaps.forEach((gapId, json) -> {
            a.add(text(gapId));
            a.add(json == null ? EMPTY : text(json));
        });
        a.add(text(open.size()));
        open.forEach((field, home) -> {
            a.add(field.bytes());
            a.add(home < 0 ? EMPTY : text(home));
        });
        a.add(text(totals.size()));
        totals.forEach((total, delta) -> {
            a.add(text(total.field()));
            a.add(text(delta));
        });
        a.add(text(duplicatesKept));
        a.add(text(duplicates.size()));
        duplicates.forEach(d -> a.add(text(d)));
        a.add(text(producerEpochs.size()));
        for (ProducerEpoch producerEpoch : producerEpochs) {
            a.add(producerEpoch.hash());
            a.add(text(producerEpoch.text()));
        }
        a.add(text(expired.size()));
        expired.forEach((producerEpochHash, at) -> {
            a.add(producerEpochHash.bytes());
            a.add(text(at));
        });
        a.add(text(journal.size()));
        journal.forEach((name, entries) -> {
            a.add(text(name));
            a.add(entries == null ? EMPTY : entries);
        });
        a.add(text(metaDeletes.size()));
        metaDeletes.forEach(f -> a.add(text(f)));
        return a;
    }

    private static final byte[] EMPTY = new byte[0];

    private static byte[] text(Object o) {
        return String.valueOf(o).getBytes(StandardCharsets.UTF_8);
    }

    /** What became of a checkpoint. */
    public enum Status {
        /** Everything was written. */
        APPLIED,
        /** Another owner moved a partition offset, or changed a stream: nothing was written. */
        CONFLICT,
        /** The shard's state is not the one audited against (lost, or replaced by a re-audit): nothing written. */
        STATE_CHANGED,
        /**
         * The checkpoint sent before it on the same {@link CheckpointLane} did not apply (or not last): nothing
         * written, since this one was built on top of it.
         */
        PREDECESSOR_NOT_APPLIED
    }

    /**
     * The outcome of {@link StateStore#apply}.
     *
     * @param status what happened
     * @param offsetConflicts partition → offset stored now, for partitions whose offset moved
     * @param streamConflicts stream field → blob stored now (null if absent)
     * @param missing for {@link Status#STATE_CHANGED}: the key found missing ({@code meta}: the generation differs)
     * @param generation for {@link Status#STATE_CHANGED}: the generation stored now, or null if none
     */
    public record Result(Status status, Map<Integer, Long> offsetConflicts, Map<FieldKey, byte[]> streamConflicts,
            String missing, String generation) {
        static final Result APPLIED = new Result(Status.APPLIED, Map.of(), Map.of(), null, null);
        static final Result PREDECESSOR_NOT_APPLIED = new Result(Status.PREDECESSOR_NOT_APPLIED, Map.of(), Map.of(),
                null, null);

        public boolean applied() {
            return status == Status.APPLIED;
        }
    }
}
