package io.seqaudit.state;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.seqaudit.sequence.LossStage;
import io.seqaudit.sequence.MissingRange;
import java.io.UncheckedIOException;
import java.time.Instant;
import java.util.Base64;

/**
 * A gap as the auditor stores it in a shard's {@code gaps} hash: one missing range of one stream, with the
 * stream's identity, so that readers (the API, the replayer) need no stream state to name it. Its JSON is a
 * storage format owned here; the API's view is built from it. Immutable.
 *
 * @param id deterministic: {@code topic.streamId.fromSeq} (see {@link StreamRef#gapId})
 * @param partition the stream's home partition
 * @param key the record key as text, null for the null key or a key that is not UTF-8
 * @param keyBase64 the key's bytes in Base64, null for the null key
 * @param openedAt when the range was found missing (auditor progress time, ISO-8601)
 * @param lostAt when its grace ran out, null while suspected
 * @param stage where the seqs were lost, as the producer's beacons tell (unknown in gaps stored before beacons)
 * @param cause for the producer stage: the exception class the producer's send failed with, or {@code unsent}
 */
public record GapRecord(String id, String topic, int partition, String key, String keyBase64, String producer,
        long epoch, long fromSeq, long toSeq, GapState state, String openedAt, String lostAt, LossStage stage,
        String cause) {

    public GapRecord {
        stage = stage == null ? LossStage.UNKNOWN : stage;
    }

    static final ObjectMapper JSON = new ObjectMapper();

    /** The stored gap of a stream's missing range. */
    public static GapRecord of(StreamRef ref, int partition, MissingRange r) {
        return new GapRecord(ref.gapId(r.from()), ref.topic(), partition, ref.keyText(), ref.keyBase64(),
                ref.producer(), ref.epoch(), r.from(), r.to(), r.isLost() ? GapState.LOST : GapState.SUSPECTED,
                Instant.ofEpochMilli(r.openedAt()).toString(),
                r.isLost() ? Instant.ofEpochMilli(r.lostAt()).toString() : null, r.stage(), r.cause());
    }

    /** The stream the gap belongs to. */
    public StreamRef stream() {
        return new StreamRef(topic, keyBase64 == null ? null : Base64.getDecoder().decode(keyBase64), producer, epoch);
    }

    public String toJson() {
        return write(this);
    }

    public static GapRecord fromJson(String json) {
        return read(json, GapRecord.class);
    }

    static String write(Object o) {
        try {
            return JSON.writeValueAsString(o);
        } catch (JsonProcessingException e) {
            throw new UncheckedIOException(e);
        }
    }

    static <T> T read(String json, Class<T> type) {
        try {
            return JSON.readValue(json, type);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("corrupt " + type.getSimpleName() + " in Redis: " + e.getMessage(), e);
        }
    }
}
