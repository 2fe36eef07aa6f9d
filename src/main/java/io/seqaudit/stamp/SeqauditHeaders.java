package io.seqaudit.stamp;

import java.nio.charset.StandardCharsets;

/**
 * The public header contract between the stamping interceptor (producer side) and the auditor.
 *
 * <p>Every audited record carries {@link #PRODUCER}, {@link #EPOCH} and {@link #SEQ}; their values are
 * UTF-8 (in practice ASCII) text. A <em>stream</em> is (topic, record key, producer, epoch), the null key
 * being a key of its own; within one stream {@code seq} starts at 0 and grows by 1 per record. So two producers
 * running at the same time must never have both the same producer id and the same epoch: their seqs would
 * collide and look like duplicates. The interceptor's defaults guarantee that (see
 * {@link SequenceStampingInterceptor}); a client stamping by hand must give each running producer its own id.
 *
 * <p>Stateless and thread-safe; any thread may call the helpers. Helpers that parse throw
 * {@link NumberFormatException} / {@link IllegalArgumentException} on malformed input; they never
 * return a guessed value.
 */
public final class SeqauditHeaders {

    /** The producer's id: printable ASCII (0x20-0x7E), 1 to {@value #MAX_PRODUCER_ID_LENGTH} chars. */
    public static final String PRODUCER = "seqaudit-producer";

    /** Decimal 0..2^63-1; a producer that restarts takes a higher epoch. */
    public static final String EPOCH = "seqaudit-epoch";

    /** Decimal; within one stream starts at 0 and grows by 1 per record. */
    public static final String SEQ = "seqaudit-seq";

    /** Reserved for records re-sent by the repair tool; not written by the interceptor. */
    public static final String REPLAY = "seqaudit-replay";

    /** Longest producer id the contract allows. */
    public static final int MAX_PRODUCER_ID_LENGTH = 128;

    private SeqauditHeaders() {
    }

    /** Encodes {@code value} as its decimal text in UTF-8, e.g. {@code 42 -> "42"}. */
    public static byte[] encodeLong(long value) {
        return Long.toString(value).getBytes(StandardCharsets.UTF_8);
    }

    /**
     * Decodes a header value written by {@link #encodeLong(long)} for an epoch or seq.
     *
     * @throws NumberFormatException if the value is null, empty, not only ASCII digits, or above 2^63-1
     *         (signs are rejected: the contract only has non-negative numbers)
     */
    public static long decodeLong(byte[] value) {
        if (value == null || value.length == 0) {
            throw new NumberFormatException("empty seqaudit number");
        }
        for (byte b : value) {
            if (b < '0' || b > '9') {
                throw new NumberFormatException("not a decimal seqaudit number");
            }
        }
        return Long.parseLong(new String(value, StandardCharsets.US_ASCII));
    }

    /** Encodes a text header value (the producer id) as UTF-8. */
    public static byte[] encodeText(String value) {
        return value.getBytes(StandardCharsets.UTF_8);
    }

    /** Decodes a text header value (the producer id) from UTF-8; null stays null. */
    public static String decodeText(byte[] value) {
        return value == null ? null : new String(value, StandardCharsets.UTF_8);
    }

    /** Whether {@code id} is a producer id the contract allows: 1 to 128 chars, each 0x20-0x7E. */
    public static boolean isValidProducerId(String id) {
        if (id == null || id.isEmpty() || id.length() > MAX_PRODUCER_ID_LENGTH) {
            return false;
        }
        for (int i = 0; i < id.length(); i++) {
            char c = id.charAt(i);
            if (c < 0x20 || c > 0x7E) {
                return false;
            }
        }
        return true;
    }
}
