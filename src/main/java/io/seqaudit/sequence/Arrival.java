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
 */
public record Arrival(long seq, Position at, long progress, boolean takeFromFirstSeen, boolean anyPartition,
        boolean replay) {

    /** An ordinary record: its stream is seen from the start, on the partition it was read from, not a replay. */
    public static Arrival of(long seq, Position at, long progress) {
        return new Arrival(seq, at, progress, false, false, false);
    }

    public Arrival withTakeFromFirstSeen(boolean take) {
        return new Arrival(seq, at, progress, take, anyPartition, replay);
    }

    public Arrival withAnyPartition(boolean any) {
        return new Arrival(seq, at, progress, takeFromFirstSeen, any, replay);
    }

    public Arrival withReplay(boolean replayed) {
        return new Arrival(seq, at, progress, takeFromFirstSeen, anyPartition, replayed);
    }
}
