package io.seqaudit.state;

import io.seqaudit.sequence.LossStage;
import io.seqaudit.sequence.MissingRange;
import io.seqaudit.sequence.Position;
import io.seqaudit.sequence.RecentPositions;
import io.seqaudit.sequence.SeqRange;
import io.seqaudit.sequence.StreamState;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * The compact binary form of a {@link StreamState} in Redis: varints, with the stream's identity only while it
 * has missing ranges (so a gap can be reported without the record at hand) and recent positions only while it
 * is active. An idle stream without gaps takes about ten bytes.
 *
 * <p>Format (version 1): flags, home+1, start, high-start+1, duplicates, lastActivity, ranges (each with its
 * stage and cause when flag 16 is set), [identity], [recent], [replayed]. A blob without flag 16, as earlier
 * versions wrote them, reads as every range's stage unknown. Unknown flags or a truncated blob raise {@link IllegalArgumentException}.
 */
public final class StreamCodec {

    /** Flag of a stream that spans partitions (the checkpoint script reads it: bit 1 of the first byte). */
    static final int MULTI = 1;
    private static final int IDENTITY = 2;
    private static final int RECENT = 4;
    private static final int REPLAYED = 8;
    /** Some missing range has a known stage: every range then carries its stage and cause (added with beacons). */
    private static final int STAGED = 16;
    private static final int KNOWN = MULTI | IDENTITY | RECENT | REPLAYED | STAGED;

    /**
     * One encoding buffer per thread, reused: the auditor encodes every stream it touches, once per batch, and a
     * fresh buffer each time was 4 % of its allocation. 64 bytes hold a stream with its recent positions and no gap.
     */
    private static final ThreadLocal<ByteWriter> SCRATCH = ThreadLocal.withInitial(() -> new ByteWriter(64));

    private StreamCodec() {
    }

    /** A decoded stream: its state, and its identity when the blob carried it (else null). */
    public record Decoded(StreamState state, StreamRef ref) {
    }

    /**
     * Encodes a state. {@code ref} is written only while the state has missing ranges; it may be null only when
     * there are none. {@code keepRecent} false drops the recent positions (idle compaction).
     */
    public static byte[] encode(StreamState s, StreamRef ref, boolean keepRecent) {
        // Indexed loops, not for-each: an iterator per touched stream per batch is measurable on the hot path.
        List<MissingRange> missing = s.missing();
        boolean identity = !missing.isEmpty();
        if (identity && ref == null) {
            throw new IllegalArgumentException("a stream with missing ranges needs its identity");
        }
        boolean recent = keepRecent && s.recent().size() > 0;
        ByteWriter out = SCRATCH.get().reset();
        List<SeqRange> replayed = s.anyReplayed() ? s.replayed() : List.of();
        boolean staged = false;
        for (int i = 0; i < missing.size(); i++) {
            staged |= missing.get(i).stage() != LossStage.UNKNOWN;
        }
        out.write((s.multiPartition() ? MULTI : 0) | (identity ? IDENTITY : 0) | (recent ? RECENT : 0)
                | (replayed.isEmpty() ? 0 : REPLAYED) | (staged ? STAGED : 0));
        varint(out, s.home() + 1L);
        varint(out, s.start());
        varint(out, s.high() - s.start() + 1);
        varint(out, s.duplicates());
        varint(out, s.lastActivity());
        varint(out, missing.size());
        long prev = s.start();
        for (int i = 0; i < missing.size(); i++) {
            MissingRange r = missing.get(i);
            varint(out, r.from() - prev);
            varint(out, r.to() - r.from());
            varint(out, r.openedAt());
            varint(out, r.lostAt());
            if (staged) {
                varint(out, r.stage().ordinal());
                bytes(out, r.cause() == null ? null : r.cause().getBytes(StandardCharsets.UTF_8));
            }
            prev = r.to();
        }
        if (identity) {
            bytes(out, ref.key());
            bytes(out, ref.producer().getBytes(StandardCharsets.UTF_8));
            varint(out, ref.epoch());
        }
        if (recent) {
            RecentPositions rp = s.recent();
            varint(out, rp.size());
            for (int i = 0; i < rp.size(); i++) {
                Position p = rp.positionAt(i);
                varint(out, rp.seqAt(i));
                varint(out, p.partition());
                varint(out, p.offset());
            }
        }
        if (!replayed.isEmpty()) {
            varint(out, replayed.size());
            long prevTo = 0;
            for (SeqRange r : replayed) {
                varint(out, r.from() - prevTo);
                varint(out, r.to() - r.from());
                prevTo = r.to();
            }
        }
        return out.toByteArray();
    }

    /** Decodes a blob of {@code topic}; throws IllegalArgumentException on a corrupt one. */
    public static Decoded decode(String topic, byte[] blob) {
        Reader in = new Reader(blob);
        int flags = in.u8();
        if ((flags & ~KNOWN) != 0) {
            throw new IllegalArgumentException("unknown stream flags " + flags);
        }
        int home = (int) in.varint() - 1;
        long start = in.varint();
        long high = start + in.varint() - 1;
        long duplicates = in.varint();
        long lastActivity = in.varint();
        int n = in.count();
        List<MissingRange> missing = new ArrayList<>(n);
        long prev = start;
        for (int i = 0; i < n; i++) {
            long from = prev + in.varint();
            long to = from + in.varint();
            long openedAt = in.varint();
            long lostAt = in.varint();
            LossStage stage = LossStage.UNKNOWN;
            String cause = null;
            if ((flags & STAGED) != 0) {
                long code = in.varint();
                if (code >= LossStage.values().length) {
                    throw new IllegalArgumentException("unknown loss stage " + code);
                }
                stage = LossStage.values()[(int) code];
                byte[] c = in.bytes();
                cause = c == null ? null : new String(c, StandardCharsets.UTF_8);
            }
            missing.add(new MissingRange(from, to, openedAt, lostAt, stage, cause));
            prev = to;
        }
        StreamRef ref = null;
        if ((flags & IDENTITY) != 0) {
            byte[] key = in.bytes();
            byte[] producer = in.bytes();
            if (producer == null) {
                throw new IllegalArgumentException("stream identity without producer");
            }
            ref = new StreamRef(topic, key, new String(producer, StandardCharsets.UTF_8), in.varint());
        }
        RecentPositions recent = new RecentPositions();
        if ((flags & RECENT) != 0) {
            int r = in.count();
            for (int i = 0; i < r; i++) {
                long seq = in.varint();
                int partition = (int) in.varint();
                recent.add(seq, new Position(partition, in.varint()));
            }
        }
        StreamState state = StreamState.restore(home, (flags & MULTI) != 0, start, high, duplicates, lastActivity,
                missing, recent);
        if ((flags & REPLAYED) != 0) {
            int nr = in.count();
            List<SeqRange> replayed = new ArrayList<>(nr);
            long prevTo = 0;
            for (int i = 0; i < nr; i++) {
                long from = prevTo + in.varint();
                long to = from + in.varint();
                replayed.add(new SeqRange(from, to));
                prevTo = to;
            }
            state.restoreReplayed(replayed);
        }
        return new Decoded(state, ref);
    }

    static void varint(ByteWriter out, long v) {
        if (v < 0) {
            throw new IllegalArgumentException("negative value " + v);
        }
        while ((v & ~0x7FL) != 0) {
            out.write((int) ((v & 0x7F) | 0x80));
            v >>>= 7;
        }
        out.write((int) v);
    }

    /** Reads a varint at {@code pos[0]}, advancing it (the journal's format shares the codec's varints). */
    static long readVarint(byte[] b, int[] pos) {
        long v = 0;
        for (int shift = 0; shift < 64; shift += 7) {
            if (pos[0] >= b.length) {
                throw new IllegalArgumentException("truncated varint");
            }
            int x = b[pos[0]++] & 0xff;
            v |= (long) (x & 0x7F) << shift;
            if ((x & 0x80) == 0) {
                return v;
            }
        }
        throw new IllegalArgumentException("varint too long");
    }

    /** Length+1 then bytes; length 0 encodes null. */
    private static void bytes(ByteWriter out, byte[] b) {
        if (b == null) {
            varint(out, 0);
            return;
        }
        varint(out, b.length + 1L);
        out.write(b, 0, b.length);
    }

    private static final class Reader {
        private final byte[] b;
        private int pos;

        Reader(byte[] b) {
            this.b = b;
        }

        int u8() {
            need(1);
            return b[pos++] & 0xff;
        }

        long varint() {
            long v = 0;
            for (int shift = 0; shift < 64; shift += 7) {
                int x = u8();
                v |= (long) (x & 0x7F) << shift;
                if ((x & 0x80) == 0) {
                    return v;
                }
            }
            throw new IllegalArgumentException("varint too long");
        }

        /** A count of items that take at least one byte each: never more than the bytes left. */
        int count() {
            long n = varint();
            if (n < 0 || n > b.length - pos) {
                throw new IllegalArgumentException("count " + n + " beyond the stream state");
            }
            return (int) n;
        }

        byte[] bytes() {
            long len = varint();
            if (len == 0) {
                return null;
            }
            if (len < 0 || len - 1 > b.length - pos) {
                throw new IllegalArgumentException("truncated stream state");
            }
            int n = (int) (len - 1);
            byte[] out = new byte[n];
            System.arraycopy(b, pos, out, 0, n);
            pos += n;
            return out;
        }

        private void need(int n) {
            if (pos + n > b.length) {
                throw new IllegalArgumentException("truncated stream state");
            }
        }
    }
}
