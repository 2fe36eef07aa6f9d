package io.seqaudit.state;

import io.seqaudit.sequence.Position;
import java.time.Instant;

/**
 * A duplicate as the auditor stores it in a shard's capped {@code dups} list: a record whose seq its stream had
 * already seen. A storage format owned here; the API's view is built from it. Immutable.
 *
 * @param partition where the duplicate was read
 * @param offset its offset
 * @param originalPartition where the seq was first read, null if no longer remembered
 * @param originalOffset the first offset, null if no longer remembered
 * @param seenAt the auditor's progress time when it was read (ISO-8601)
 */
public record DuplicateRecord(String topic, String key, String keyBase64, String producer, long epoch, long seq,
        int partition, long offset, Integer originalPartition, Long originalOffset, String seenAt) {

    public static DuplicateRecord of(StreamRef ref, long seq, Position at, Position original, long seenAt) {
        return new DuplicateRecord(ref.topic(), ref.keyText(), ref.keyBase64(), ref.producer(), ref.epoch(), seq,
                at.partition(), at.offset(), original == null ? null : original.partition(),
                original == null ? null : original.offset(), Instant.ofEpochMilli(seenAt).toString());
    }

    public String toJson() {
        return GapRecord.write(this);
    }

    public static DuplicateRecord fromJson(String json) {
        return GapRecord.read(json, DuplicateRecord.class);
    }
}
