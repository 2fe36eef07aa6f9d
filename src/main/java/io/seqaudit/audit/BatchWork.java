package io.seqaudit.audit;

import io.seqaudit.sequence.MissingRange;
import io.seqaudit.sequence.Outcome;
import io.seqaudit.sequence.StreamState;
import io.seqaudit.state.Checkpoint;
import io.seqaudit.state.FieldKey;
import io.seqaudit.state.StreamCodec;
import io.seqaudit.state.StreamRef;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.IntToLongFunction;

/**
 * One attempt at one topic's batch: working copies of the streams it touched and everything it counted, turned
 * into a {@link Checkpoint} at the end. Thrown away if Redis refuses the checkpoint, so counting here can never
 * count twice. Used only by the consumer thread.
 */
final class BatchWork {

    /** A stream touched by this batch: {@code before} is the cached state (null if new), never changed. */
    static final class Touched {
        final FieldKey field;
        final byte[] expected;
        final StreamState before;
        final StreamState state;
        StreamRef ref;
        byte[] written;
        boolean compacted;
        /** Delete the stream: idle for longer than the expiry time, without missing seqs. */
        boolean expire;

        Touched(FieldKey field, StreamCache.Entry cached) {
            this.field = field;
            this.expected = cached == null ? null : cached.blob();
            this.before = cached == null ? null : cached.state();
            this.state = cached == null ? new StreamState() : cached.state().copy();
            this.ref = cached == null ? null : cached.ref();
        }
    }

    final Map<FieldKey, Touched> touched = new LinkedHashMap<>();
    final Map<Outcome, Long> outcomes = new EnumMap<>(Outcome.class);
    final Map<String, Long> invalidReasons = new HashMap<>();
    final Map<Integer, Long> progress = new HashMap<>();
    /** Producer epochs ("epoch producer" → hash) this batch adds to the dictionary. */
    final Map<String, byte[]> newProducerEpochs = new HashMap<>();
    /** Partition → the offset this batch stores as audited. */
    final Map<Integer, Long> next = new HashMap<>();
    long lostSeqs;

    Touched touch(FieldKey field, StreamCache cache) {
        return touched.computeIfAbsent(field, f -> new Touched(f, cache.get(f)));
    }

    void count(Outcome outcome) {
        outcomes.merge(outcome, 1L, Long::sum);
    }

    void invalid(String reason) {
        count(Outcome.INVALID);
        invalidReasons.merge(reason, 1L, Long::sum);
    }

    /**
     * Adds every changed stream, its gaps and the totals to {@code cp}.
     *
     * @param idleBefore per home partition, the progress time before which a stream counts as idle
     */
    void writeStreams(Checkpoint cp, IntToLongFunction idleBefore) {
        for (Touched t : touched.values()) {
            if (t.expire) {
                cp.stream(t.field.bytes(), t.expected, null);
                cp.add("streams", -1);
                cp.add("expired", 1);
                cp.expiredProducerEpoch(producerEpochOf(t.field), t.state.lastActivity());
                continue;
            }
            if (t.state.isNew()) {
                continue; // only invalid records: nothing to store
            }
            boolean keepRecent = t.state.lastActivity() >= idleBefore.applyAsLong(t.state.home());
            byte[] next = StreamCodec.encode(t.state, t.ref, keepRecent);
            if (Arrays.equals(next, t.expected)) {
                continue;
            }
            t.written = next;
            t.compacted = !keepRecent;
            cp.stream(t.field.bytes(), t.expected, next);
            if (t.expected == null) {
                cp.add("streams", 1);
            }
            writeGaps(cp, t);
        }
        outcomes.forEach((o, n) -> cp.add("records:" + o.tag(), n));
        invalidReasons.forEach((r, n) -> cp.add("invalid:" + r, n));
        cp.add("lost_total", lostSeqs);
    }

    /** The producer-epoch half of a stream field. */
    static byte[] producerEpochOf(FieldKey field) {
        return Arrays.copyOfRange(field.bytes(), 12, StreamRef.FIELD_LENGTH);
    }

    private static void writeGaps(Checkpoint cp, Touched t) {
        List<MissingRange> oldRanges = t.before == null ? List.of() : t.before.missing();
        Map<Long, MissingRange> old = new HashMap<>();
        oldRanges.forEach(r -> old.put(r.from(), r));
        Map<Long, MissingRange> now = new HashMap<>();
        for (MissingRange r : t.state.missing()) {
            now.put(r.from(), r);
            if (!r.equals(old.get(r.from()))) {
                cp.gap(t.ref.gapId(r.from()), GapJson.gap(t.ref, t.state.home(), r));
            }
        }
        for (MissingRange r : oldRanges) {
            if (!now.containsKey(r.from())) {
                cp.gap(t.ref.gapId(r.from()), null);
            }
        }
        long suspectedBefore = t.before == null ? 0 : t.before.missingCount(false);
        long lostBefore = t.before == null ? 0 : t.before.missingCount(true);
        cp.add("missing:suspected", t.state.missingCount(false) - suspectedBefore);
        cp.add("missing:lost", t.state.missingCount(true) - lostBefore);
        boolean wasOpen = suspectedBefore > 0;
        boolean isOpen = t.state.missingCount(false) > 0;
        if (isOpen && !wasOpen) {
            cp.open(t.field.bytes(), t.state.home());
        } else if (wasOpen && !isOpen) {
            cp.open(t.field.bytes(), -1);
        }
    }
}
