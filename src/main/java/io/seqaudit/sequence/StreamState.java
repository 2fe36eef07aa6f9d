package io.seqaudit.sequence;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * What the auditor knows of one stream (topic, key, producer, epoch): every seq in {@code start..high} arrived,
 * except the {@link #missing()} ranges. Seqs below {@code start} were never tracked (the stream was joined late).
 *
 * <p>Mutable and not thread-safe: the auditor's consumer thread owns the states it caches and changes them in
 * place during a batch; a batch that Redis refuses is thrown away with them (re-read from the stored blobs).
 */
public final class StreamState {

    /** No partition seen yet. */
    public static final int NO_PARTITION = -1;

    private int home = NO_PARTITION;
    private boolean multiPartition;
    private long start = -1;
    private long high = -1;
    private long duplicates;
    private long lastActivity;
    private final List<MissingRange> missing;
    /** The read-only view {@link #missing()} hands out, made once: it is asked for several times per record. */
    private final List<MissingRange> missingView;
    /** Seqs filled by replays, disjoint and ascending: an original arriving later is superseded. */
    private final List<SeqRange> replayed = new ArrayList<>(0);
    private final RecentPositions recent;

    public StreamState() {
        this(new ArrayList<>(0), new RecentPositions());
    }

    private StreamState(List<MissingRange> missing, RecentPositions recent) {
        this.missing = missing;
        this.missingView = Collections.unmodifiableList(missing);
        this.recent = recent;
    }

    /** Rebuilds a state read back from storage; the lists are copied. */
    public static StreamState restore(int home, boolean multiPartition, long start, long high, long duplicates,
            long lastActivity, List<MissingRange> missing, RecentPositions recent) {
        StreamState s = new StreamState(new ArrayList<>(missing), recent.copy());
        s.home = home;
        s.multiPartition = multiPartition;
        s.start = start;
        s.high = high;
        s.duplicates = duplicates;
        s.lastActivity = lastActivity;
        return s;
    }

    /** A deep copy, for working on during a batch. */
    public StreamState copy() {
        StreamState c = restore(home, multiPartition, start, high, duplicates, lastActivity, missing, recent);
        c.replayed.addAll(replayed);
        return c;
    }

    /** Seqs filled by replays, ascending; unmodifiable. */
    public List<SeqRange> replayed() {
        return Collections.unmodifiableList(replayed);
    }

    /** Whether any seq was filled by a replay. */
    public boolean anyReplayed() {
        return !replayed.isEmpty();
    }

    /** Restores the replayed ranges read back from storage. */
    public void restoreReplayed(List<SeqRange> ranges) {
        replayed.clear();
        replayed.addAll(ranges);
    }

    void addReplayed(long seq, int cap) {
        int i = 0;
        while (i < replayed.size() && replayed.get(i).to() < seq - 1) {
            i++;
        }
        if (i < replayed.size() && replayed.get(i).from() <= seq + 1) {
            SeqRange r = replayed.get(i);
            SeqRange grown = new SeqRange(Math.min(r.from(), seq), Math.max(r.to(), seq));
            if (i + 1 < replayed.size() && replayed.get(i + 1).from() <= grown.to() + 1) {
                grown = new SeqRange(grown.from(), Math.max(grown.to(), replayed.remove(i + 1).to()));
            }
            replayed.set(i, grown);
        } else {
            replayed.add(i, new SeqRange(seq, seq));
        }
        while (replayed.size() > cap) {
            replayed.remove(0);
        }
    }

    /** Removes a seq from the replayed ranges; true if it was there. */
    boolean removeReplayed(long seq) {
        for (int i = 0; i < replayed.size(); i++) {
            SeqRange r = replayed.get(i);
            if (r.contains(seq)) {
                replayed.remove(i);
                if (seq < r.to()) {
                    replayed.add(i, new SeqRange(seq + 1, r.to()));
                }
                if (seq > r.from()) {
                    replayed.add(i, new SeqRange(r.from(), seq - 1));
                }
                return true;
            }
        }
        return false;
    }

    public boolean isNew() {
        return high < 0;
    }

    /** The partition of the first record seen, whose owner watches this stream's grace windows. */
    public int home() {
        return home;
    }

    /**
     * True once records of this stream were seen on more than one partition, or from the first record of a
     * stream whose records may be on any partition (the null key): its grace is bounded by the slowest partition.
     */
    public boolean multiPartition() {
        return multiPartition;
    }

    /** The lowest seq tracked, -1 for a new stream. */
    public long start() {
        return start;
    }

    /** The highest seq seen, -1 for a new stream. */
    public long high() {
        return high;
    }

    /** The seq expected next. */
    public long nextExpected() {
        return high + 1;
    }

    public long duplicates() {
        return duplicates;
    }

    /** Progress time (epoch ms) of the last record of this stream. */
    public long lastActivity() {
        return lastActivity;
    }

    /** Whether any seq is missing (suspected or lost): cheaper than asking {@link #missing()}, on the hot path. */
    public boolean anyMissing() {
        return !missing.isEmpty();
    }

    /** Missing ranges, ascending, disjoint. */
    public List<MissingRange> missing() {
        return missingView;
    }

    public RecentPositions recent() {
        return recent;
    }

    /** Seqs missing now, split by state. */
    public long missingCount(boolean lost) {
        long n = 0;
        for (MissingRange r : missing) {
            if (r.isLost() == lost) {
                n += r.size();
            }
        }
        return n;
    }

    /** Drops the memory of recent positions: an idle stream keeps only its watermark. */
    public void compact() {
        recent.clear();
    }

    // Package-private mutators: only the detector changes a state.

    void begin(int partition, long firstSeq) {
        home = partition;
        start = firstSeq;
        high = firstSeq - 1;
    }

    void spread() {
        multiPartition = true;
    }

    void seenOn(int partition) {
        if (partition != home) {
            multiPartition = true;
        }
    }

    void high(long seq) {
        high = seq;
    }

    void touch(long at) {
        lastActivity = Math.max(lastActivity, at);
    }

    void countDuplicate() {
        duplicates++;
    }

    List<MissingRange> mutableMissing() {
        return missing;
    }
}
