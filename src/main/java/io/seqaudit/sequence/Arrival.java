package io.seqaudit.sequence;

/**
 * One record as the {@link SequenceDetector} sees it: its seq, where it was read, the auditor's progress time on
 * its partition, and the three facts that change the decision. A value built per record on the consumer thread.
 *
 * @param seq the record's seq, {@code >= 0} (a negative one is invalid)
 * @param at where the record was read
 * @param progress the auditor's progress time (epoch ms) on the record's partition, this record included
 * @param takeFromFirstSeen whether a new stream first seen at seq n &gt; 0 is taken from n (its start may predate
 *        what the auditor could see) rather than reporting seqs 0..n-1 as missing
 * @param anyPartition whether the stream's records may be on any partition whatever was seen so far (the null key:
 *        the partitioner spreads it); its grace windows are then bounded by the slowest partition
 * @param replay whether the record carries {@code seqaudit-replay} (republished by a replay)
 * @param unguardedBefore the progress time before which the auditor cannot vouch that it read every record of the
 *        log up to this one: a stream last active before it may have had records removed unread (compacted, or
 *        deleted by retention before the auditor got to them), so the seqs it skipped are not audited
 *        ({@link Outcome#RESUMED}) rather than suspected; {@link #GUARDED} when every record was readable
 */
public record Arrival(long seq, Position at, long progress, boolean takeFromFirstSeen, boolean anyPartition,
        boolean replay, long unguardedBefore) {

    /** The value of {@link #unguardedBefore} when the log held every record the auditor read past. */
    public static final long GUARDED = Long.MIN_VALUE;

    /** An ordinary record: its stream is seen from the start, on the partition it was read from, not a replay. */
    public static Arrival of(long seq, Position at, long progress) {
        return new Arrival(seq, at, progress, false, false, false, GUARDED);
    }

    public Arrival withTakeFromFirstSeen(boolean take) {
        return new Arrival(seq, at, progress, take, anyPartition, replay, unguardedBefore);
    }

    public Arrival withAnyPartition(boolean any) {
        return new Arrival(seq, at, progress, takeFromFirstSeen, any, replay, unguardedBefore);
    }

    public Arrival withReplay(boolean replayed) {
        return new Arrival(seq, at, progress, takeFromFirstSeen, anyPartition, replayed, unguardedBefore);
    }

    public Arrival withUnguardedBefore(long before) {
        return new Arrival(seq, at, progress, takeFromFirstSeen, anyPartition, replay, before);
    }
}
