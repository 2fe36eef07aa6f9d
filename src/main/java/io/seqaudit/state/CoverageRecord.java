package io.seqaudit.state;

import com.fasterxml.jackson.annotation.JsonIgnore;

/**
 * A coverage gap as stored in the topic's {@code coverage} hash: offsets of one partition that left the log before
 * the auditor read them, so the seqs they carried were never audited. Streams last seen before it (progress time
 * below {@code unguardedBefore}) take the seqs they skipped across it as not audited, never lost. Its JSON is a
 * storage format owned here. Immutable.
 *
 * @param topic the audited topic
 * @param partition the partition
 * @param fromOffset the first offset not audited (where the auditor was)
 * @param toOffset the last offset not audited (the log start it resumed at, minus one)
 * @param reason why they were not audited
 * @param detectedAt when the auditor found it (ISO-8601)
 * @param unguardedBefore the partition's progress time when it was found, plus one (epoch ms)
 */
public record CoverageRecord(String topic, int partition, long fromOffset, long toOffset, CoverageReason reason,
        String detectedAt, long unguardedBefore) {

    /** The hash field: one per partition and starting offset (the same gap found twice overwrites itself). */
    @JsonIgnore
    public String field() {
        return partition + ":" + fromOffset;
    }

    /** How many offsets it spans. */
    public long records() {
        return toOffset - fromOffset + 1;
    }

    public String toJson() {
        return GapRecord.write(this);
    }

    public static CoverageRecord fromJson(String json) {
        return GapRecord.read(json, CoverageRecord.class);
    }
}
