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
    private long cover = -1;
    private boolean coverNew;
    private int leaderEpoch = -1;

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
            min = Math.min(min, a != null ? a : cover >= 0 ? cover : 0);
        }
        return min;
    }

    long progress() {
        return progress;
    }

    void progress(long progress) {
        this.progress = Math.max(this.progress, progress);
    }

    long cover() {
        return cover;
    }

    /** The coverage start is to be written (the partition's audit starts here). */
    boolean coverNew() {
        return coverNew;
    }

    void cover(long cover, boolean isNew) {
        this.cover = cover;
        this.coverNew = isNew;
    }

    void coverWritten() {
        coverNew = false;
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
