package io.seqaudit.audit;

import io.seqaudit.sequence.InvalidReasons;
import io.seqaudit.stamp.SeqauditHeaders;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.Headers;

/**
 * Reads the three seqaudit headers of a record, strictly by the public contract: {@code seqaudit-producer}
 * printable ASCII of 1 to 128 characters, {@code seqaudit-epoch} and {@code seqaudit-seq} decimal numbers from 0
 * to 2^63-1 without sign, spaces or leading '+'. Never throws: a malformed stamp becomes a reason out of a fixed
 * set (a bounded metric tag), and the value itself is never copied, whatever its size.
 */
public final class HeaderParser {

    public static final String PRODUCER = SeqauditHeaders.PRODUCER;
    public static final String EPOCH = SeqauditHeaders.EPOCH;
    public static final String SEQ = SeqauditHeaders.SEQ;

    /** Every reason {@link #parse} may give, for metrics that are registered up front. */
    public static final String[] REASONS = InvalidReasons.ALL.toArray(String[]::new);

    private HeaderParser() {
    }

    /**
     * The producer names a thread parsed last, by their header bytes: a topic has few producers, so nearly every
     * record names the one before it, and its name need not be built (and hashed by the lookups after) again. Used
     * by one thread only.
     */
    static final class ProducerNames {
        private byte[] lastBytes;
        private String last;

        String of(Header h) {
            ByteBuffer raw = RawHeaders.value(h);
            if (lastBytes != null && raw != null && RawHeaders.equals(raw, lastBytes)) {
                return last;
            }
            byte[] v = bytes(raw); // a copy of its own: nobody else changes it
            String name = producer(v);
            if (name != null) {
                lastBytes = v;
                last = name;
            }
            return name;
        }
    }

    public static Stamp parse(Headers headers) {
        return parse(headers, null);
    }

    /** As {@link #parse(Headers)}, taking producer names from (and adding them to) {@code names} if not null. */
    static Stamp parse(Headers headers, ProducerNames names) {
        // One pass over the headers (each key is decoded once): the three stamp headers, the replay marker, and
        // a stamp header given twice, which would otherwise let the last value win silently.
        Header p = null;
        Header e = null;
        Header s = null;
        boolean replay = false;
        boolean twice = false;
        for (Header h : headers) {
            switch (kind(h)) {
                case K_PRODUCER -> {
                    twice |= p != null;
                    p = h;
                }
                case K_EPOCH -> {
                    twice |= e != null;
                    e = h;
                }
                case K_SEQ -> {
                    twice |= s != null;
                    s = h;
                }
                case K_REPLAY -> replay = true;
                default -> {
                }
            }
        }
        if (twice) {
            return Stamp.problem("duplicate_header");
        }
        if (p == null && e == null && s == null) {
            return Stamp.problem(Stamp.UNSTAMPED);
        }
        if (p == null) {
            return Stamp.problem("missing_producer");
        }
        if (e == null) {
            return Stamp.problem("missing_epoch");
        }
        if (s == null) {
            return Stamp.problem("missing_seq");
        }
        String producer = names == null ? producer(bytes(RawHeaders.value(p))) : names.of(p);
        if (producer == null) {
            return Stamp.problem("bad_producer");
        }
        long epoch = number(e);
        if (epoch < 0) {
            return Stamp.problem("bad_epoch");
        }
        long seq = number(s);
        if (seq < 0) {
            return Stamp.problem("bad_seq");
        }
        return new Stamp(producer, epoch, seq, null, replay);
    }

    private static final int K_OTHER = 0;
    private static final int K_PRODUCER = 1;
    private static final int K_EPOCH = 2;
    private static final int K_SEQ = 3;
    private static final int K_REPLAY = 4;
    private static final byte[] PRODUCER_BYTES = PRODUCER.getBytes(StandardCharsets.US_ASCII);
    private static final byte[] EPOCH_BYTES = EPOCH.getBytes(StandardCharsets.US_ASCII);
    private static final byte[] SEQ_BYTES = SEQ.getBytes(StandardCharsets.US_ASCII);
    private static final byte[] REPLAY_BYTES = SeqauditHeaders.REPLAY.getBytes(StandardCharsets.US_ASCII);

    /**
     * Which of the contract's headers {@code h} is. From the key's bytes where the consumer left them (the names are
     * ASCII, so equal bytes are equal names; see {@link RawHeaders}), else from the decoded key.
     */
    private static int kind(Header h) {
        ByteBuffer raw = RawHeaders.key(h);
        if (raw == null) {
            return switch (h.key()) {
                case PRODUCER -> K_PRODUCER;
                case EPOCH -> K_EPOCH;
                case SEQ -> K_SEQ;
                case SeqauditHeaders.REPLAY -> K_REPLAY;
                default -> K_OTHER;
            };
        }
        // Tell the names apart by length first: most keys of other headers fail there.
        return RawHeaders.equals(raw, PRODUCER_BYTES) ? K_PRODUCER
                : RawHeaders.equals(raw, EPOCH_BYTES) ? K_EPOCH
                : RawHeaders.equals(raw, SEQ_BYTES) ? K_SEQ
                : RawHeaders.equals(raw, REPLAY_BYTES) ? K_REPLAY : K_OTHER;
    }

    /** The bytes from {@code raw}'s position to its limit as an array of its own (null for null). */
    private static byte[] bytes(ByteBuffer raw) {
        if (raw == null) {
            return null;
        }
        byte[] v = new byte[raw.remaining()];
        raw.get(raw.position(), v);
        return v;
    }

    /** {@link #number(ByteBuffer)} of a header's value (-1 for a null value). */
    private static long number(Header h) {
        ByteBuffer raw = RawHeaders.value(h);
        return raw == null ? -1 : number(raw);
    }

    private static String producer(byte[] v) {
        if (v == null || v.length == 0 || v.length > 128) {
            return null;
        }
        for (byte b : v) {
            if (b < 0x20 || b > 0x7e) {
                return null;
            }
        }
        return new String(v, StandardCharsets.US_ASCII);
    }

    /**
     * The decimal value of the bytes from {@code raw}'s position to its limit (read with absolute gets), or -1 if
     * they are not a plain decimal in 0..2^63-1.
     */
    static long number(ByteBuffer raw) {
        int from = raw.position();
        int length = raw.limit() - from;
        if (length == 0 || length > 19) {
            return -1;
        }
        long n = 0;
        for (int i = 0; i < length; i++) {
            byte b = raw.get(from + i);
            if (b < '0' || b > '9') {
                return -1;
            }
            n = n * 10 + (b - '0');
            if (n < 0) {
                return -1; // overflowed past 2^63-1
            }
        }
        return n;
    }
}
