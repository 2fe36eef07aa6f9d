package io.seqaudit.state;

import java.util.ArrayList;
import java.util.List;

/**
 * The truncation journal: per shard and partition, which stream seq each recently audited record made present, by
 * offset. When a log is truncated below the auditor's position (an unclean leader election), the seqs journaled at
 * the removed offsets are made missing again. Stored in the shard's {@code journal} hash, one field per
 * checkpoint and partition: {@code <partition>:<first offset>:<last offset>:<count>} → entries (varint offset delta,
 * varint key length + 1 then the key (0: the null key), 8-byte producer-epoch hash, varint seq). The key itself, not
 * its hash, is journaled: a reopened seq's gap must name its key, and a stream without gaps keeps no identity.
 * Immutable helpers; any thread.
 */
public final class Journal {

    /** One journaled record: at {@code offset}, seq {@code seq} of the stream (record key, producer epoch). */
    public record Entry(long offset, byte[] key, byte[] producerEpoch, long seq) {

        /** The stream's field (see {@link StreamRef#field}). */
        public byte[] field() {
            return StreamRef.field(StreamRef.keyHash(key), producerEpoch);
        }
    }

    /** A journal field's name, parsed. */
    public record Segment(String name, int partition, long first, long last, int count) {

        public static Segment parse(String name) {
            String[] p = name.split(":");
            return new Segment(name, Integer.parseInt(p[0]), Long.parseLong(p[1]), Long.parseLong(p[2]),
                    Integer.parseInt(p[3]));
        }

        static Segment of(int partition, List<Entry> entries) {
            long first = entries.get(0).offset();
            long last = entries.get(entries.size() - 1).offset();
            return new Segment(partition + ":" + first + ":" + last + ":" + entries.size(), partition, first, last,
                    entries.size());
        }
    }

    private static final int PRODUCER_EPOCH_HASH_LENGTH = 8;

    private Journal() {
    }

    /** The segment name and blob of some entries of one partition, in offset order (not empty). */
    public static Segment segment(int partition, List<Entry> entries) {
        return Segment.of(partition, entries);
    }

    public static byte[] encode(List<Entry> entries) {
        ByteWriter out = new ByteWriter(entries.size() * 24);
        long prev = entries.get(0).offset();
        StreamCodec.varint(out, prev);
        for (Entry e : entries) {
            StreamCodec.varint(out, e.offset() - prev);
            StreamCodec.varint(out, e.key() == null ? 0 : e.key().length + 1L);
            if (e.key() != null) {
                out.write(e.key(), 0, e.key().length);
            }
            out.write(e.producerEpoch(), 0, PRODUCER_EPOCH_HASH_LENGTH);
            StreamCodec.varint(out, e.seq());
            prev = e.offset();
        }
        return out.toByteArray();
    }

    public static List<Entry> decode(byte[] blob, int count) {
        List<Entry> out = new ArrayList<>(count);
        int[] pos = {0};
        long offset = StreamCodec.readVarint(blob, pos);
        for (int i = 0; i < count; i++) {
            offset += StreamCodec.readVarint(blob, pos);
            int keyLength = (int) StreamCodec.readVarint(blob, pos);
            byte[] key = null;
            if (keyLength > 0) {
                key = java.util.Arrays.copyOfRange(blob, pos[0], pos[0] + keyLength - 1);
                pos[0] += keyLength - 1;
            }
            byte[] producerEpochHash = java.util.Arrays.copyOfRange(blob, pos[0],
                    pos[0] + PRODUCER_EPOCH_HASH_LENGTH);
            pos[0] += PRODUCER_EPOCH_HASH_LENGTH;
            out.add(new Entry(offset, key, producerEpochHash, StreamCodec.readVarint(blob, pos)));
        }
        return out;
    }
}
