package io.seqaudit.audit;

import java.util.Arrays;

/**
 * An assigned partition as the auditor knows it: per shard of the topic's state, the offset up to which that
 * shard has applied the partition's records (null: none); the partition's progress time, coverage start and the
 * leader epoch of the last record read. Owned by the consumer thread.
 */
final class PartitionBook {

    private final Long[] applied;
    private long progress;
    private long coverageStart = -1;
    /** Whether the coverage start is still to be written (the partition's audit starts here). */
    private boolean coverageStartToWrite;
    private int leaderEpoch = -1;
    /** The offset from which this auditor saw every offset its consumer skipped (the position it started at). */
    private long knownFrom = Long.MAX_VALUE;
    /** The offset of the last record read, or -1. */
    private long lastRead = -1;
    /**
     * The highest offset the consumer skipped (no record returned for it: a transaction marker, or a record of an
     * aborted transaction), or -1. Only ever raised, so a batch read again can only make it more cautious.
     */
    private long lastSkipped = -1;

    PartitionBook(int shards) {
        this.applied = new Long[shards];
    }

    Long applied(int shard) {
        return applied[shard];
    }

    void applied(int shard, Long offset) {
        applied[shard] = offset;
    }

    /** Whether the shard has already applied the record at {@code offset} (a re-read after a partial checkpoint). */
    boolean appliedIn(int shard, long offset) {
        Long a = applied[shard];
        return a != null && offset < a;
    }

    /** Whether no shard holds an offset: the partition was never audited. */
    boolean fresh() {
        return Arrays.stream(applied).allMatch(a -> a == null);
    }

    /**
     * Where to read from: the lowest offset a shard still needs. A shard without an offset (a crash cut the first
     * checkpoint short) needs everything from the coverage start.
     */
    long resumeAt() {
        long min = Long.MAX_VALUE;
        for (Long a : applied) {
            min = Math.min(min, a != null ? a : coverageStart >= 0 ? coverageStart : 0);
        }
        return min;
    }

    long progress() {
        return progress;
    }

    void progress(long progress) {
        this.progress = Math.max(this.progress, progress);
    }

    /** The first offset ever audited, or -1 while none is known. */
    long coverageStart() {
        return coverageStart;
    }

    /** The coverage start is to be written (the partition's audit starts here). */
    boolean coverageStartToWrite() {
        return coverageStartToWrite;
    }

    /** @param toWrite whether the start is new here (not read from Redis), so the next checkpoint writes it */
    void coverageStart(long start, boolean toWrite) {
        this.coverageStart = start;
        this.coverageStartToWrite = toWrite;
    }

    void coverageStartWritten() {
        coverageStartToWrite = false;
    }

    /** Where this auditor starts reading the partition: offsets skipped before it are not known. */
    void startsAt(long offset) {
        knownFrom = offset;
        lastRead = offset - 1;
    }

    /** Notes a record read; a jump past the last one means the consumer skipped offsets. */
    void read(long offset) {
        if (lastRead >= 0 && offset > lastRead + 1) {
            lastSkipped = Math.max(lastSkipped, offset - 1);
        }
        lastRead = offset;
    }

    /**
     * Whether the consumer may have skipped an offset after {@code offset} (a record of an aborted transaction
     * could hide there): it did, or {@code offset} precedes what this auditor has seen.
     */
    boolean maySkipAfter(long offset) {
        return offset < knownFrom || lastSkipped > offset;
    }

    int leaderEpoch() {
        return leaderEpoch;
    }

    void leaderEpoch(int epoch) {
        if (epoch >= 0) {
            leaderEpoch = epoch;
        }
    }
}
