package io.seqaudit.audit;

import io.seqaudit.sequence.InvalidReasons;
import io.seqaudit.stamp.SeqauditHeaders;
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

        String of(byte[] v) {
            if (lastBytes != null && java.util.Arrays.equals(v, lastBytes)) {
                return last;
            }
            String name = producer(v);
            if (name != null) {
                lastBytes = v; // value() hands out a copy of its own: nobody else changes it
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
            switch (h.key()) {
                case PRODUCER -> {
                    twice |= p != null;
                    p = h;
                }
                case EPOCH -> {
                    twice |= e != null;
                    e = h;
                }
                case SEQ -> {
                    twice |= s != null;
                    s = h;
                }
                case SeqauditHeaders.REPLAY -> replay = true;
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
        String producer = names == null ? producer(p.value()) : names.of(p.value());
        if (producer == null) {
            return Stamp.problem("bad_producer");
        }
        long epoch = number(e.value());
        if (epoch < 0) {
            return Stamp.problem("bad_epoch");
        }
        long seq = number(s.value());
        if (seq < 0) {
            return Stamp.problem("bad_seq");
        }
        return new Stamp(producer, epoch, seq, null, replay);
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

    /** The decimal value, or -1 if it is not a plain decimal in 0..2^63-1. */
    static long number(byte[] v) {
        if (v == null || v.length == 0 || v.length > 19) {
            return -1;
        }
        long n = 0;
        for (byte b : v) {
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
