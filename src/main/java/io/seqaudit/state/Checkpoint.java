package io.seqaudit.state;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What one atomic step writes for one topic: the new offsets of some partitions with the stream states, gaps and
 * totals they produced, guarded by the offsets and states the writer read (compare-and-set). Built by the
 * auditor's consumer thread, run by {@link StateStore#apply}.
 */
public final class Checkpoint {

    private final TopicKeys keys;
    private final List<Object[]> partitions = new ArrayList<>();
    private final List<byte[][]> streams = new ArrayList<>();
    private final Map<String, String> gaps = new LinkedHashMap<>();
    private final List<Object[]> open = new ArrayList<>();
    private final Map<String, Long> totals = new LinkedHashMap<>();
    private final List<String> duplicates = new ArrayList<>();
    private final List<Object[]> producerEpochs = new ArrayList<>();
    private final Map<FieldKey, Long> expired = new LinkedHashMap<>();
    private final int duplicatesKept;

    public Checkpoint(TopicKeys keys, int duplicatesKept) {
        this.keys = keys;
        this.duplicatesKept = duplicatesKept;
    }

    public TopicKeys keys() {
        return keys;
    }

    /**
     * @param expectedOffset the offset stored now as the writer believes, or null if none is stored
     * @param progress the partition's progress time, or -1 to leave it
     * @param cover the coverage start to record if none is recorded yet, or -1
     */
    public Checkpoint partition(int partition, Long expectedOffset, long newOffset, long progress, long cover) {
        partitions.add(new Object[] {partition, expectedOffset, newOffset, progress, cover});
        return this;
    }

    /** @param expected the blob stored now as the writer believes, or null if absent; next null deletes */
    public Checkpoint stream(byte[] field, byte[] expected, byte[] next) {
        streams.add(new byte[][] {field, expected, next});
        return this;
    }

    /** @param json the gap's JSON, or null to delete it */
    public Checkpoint gap(String id, String json) {
        gaps.put(id, json);
        return this;
    }

    /** @param home the home partition of a stream with missing ranges, or -1 once it has none */
    public Checkpoint open(byte[] field, int home) {
        open.add(new Object[] {field, home});
        return this;
    }

    public Checkpoint add(String total, long delta) {
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
        producerEpochs.add(new Object[] {hash, epoch + " " + producer});
        return this;
    }

    /** Remembers that streams of this producer epoch were expired, so one that resumes is not a gap from 0. */
    public Checkpoint expiredProducerEpoch(byte[] peHash, long at) {
        expired.put(new FieldKey(peHash), at);
        return this;
    }

    /** The script's ARGV, as byte strings. */
    List<byte[]> arguments() {
        List<byte[]> a = new ArrayList<>(8 + partitions.size() * 5 + streams.size() * 3 + gaps.size() * 2);
        a.add(text(partitions.size()));
        for (Object[] p : partitions) {
            a.add(text(p[0]));
            a.add(p[1] == null ? EMPTY : text(p[1]));
            a.add(text(p[2]));
            a.add((long) p[3] < 0 ? EMPTY : text(p[3]));
            a.add((long) p[4] < 0 ? EMPTY : text(p[4]));
        }
        a.add(text(streams.size()));
        for (byte[][] s : streams) {
            a.add(s[0]);
            a.add(s[1] == null ? EMPTY : s[1]);
            a.add(s[2] == null ? EMPTY : s[2]);
        }
        a.add(text(gaps.size()));
        gaps.forEach((id, json) -> {
            a.add(text(id));
            a.add(json == null ? EMPTY : text(json));
        });
        a.add(text(open.size()));
        for (Object[] o : open) {
            a.add((byte[]) o[0]);
            a.add((int) o[1] < 0 ? EMPTY : text(o[1]));
        }
        a.add(text(totals.size()));
        totals.forEach((name, delta) -> {
            a.add(text(name));
            a.add(text(delta));
        });
        a.add(text(duplicatesKept));
        a.add(text(duplicates.size()));
        duplicates.forEach(d -> a.add(text(d)));
        a.add(text(producerEpochs.size()));
        for (Object[] pe : producerEpochs) {
            a.add((byte[]) pe[0]);
            a.add(text(pe[1]));
        }
        a.add(text(expired.size()));
        expired.forEach((pe, at) -> {
            a.add(pe.bytes());
            a.add(text(at));
        });
        return a;
    }

    private static final byte[] EMPTY = new byte[0];

    private static byte[] text(Object o) {
        return String.valueOf(o).getBytes(StandardCharsets.UTF_8);
    }

    /**
     * The outcome of {@link StateStore#apply}: applied, or refused with what Redis holds instead.
     *
     * @param applied whether everything was written
     * @param offsetConflicts partition → offset stored now (null if none), for partitions whose offset moved
     * @param streamConflicts stream field (as a key via {@code FieldKey}) → blob stored now (null if absent)
     */
    public record Result(boolean applied, Map<Integer, Long> offsetConflicts, Map<FieldKey, byte[]> streamConflicts) {
        static final Result APPLIED = new Result(true, Map.of(), Map.of());
    }
}
