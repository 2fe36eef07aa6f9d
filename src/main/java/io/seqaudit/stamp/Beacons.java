package io.seqaudit.stamp;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;

/**
 * The beacon contract (README, "Beacons"): what a producer tells the auditor of its streams, as JSON on the
 * beacon topic. One message per (topic, partition) and tick:
 *
 * <pre>{@code
 * key:   "<topic>/<partition>"   (informative)
 * value: {"v":1,"producer":"orders-1","topic":"orders","partition":3,"offset":1234,"at":1764830000000,
 *         "streams":[{"keyBase64":"azE=","epoch":1764829000000,"upTo":41,
 *                     "notSent":[[40,40,"org.apache.kafka.common.errors.RecordTooLargeException"],[41,41,"unsent"]]}]}
 * }</pre>
 *
 * Every seq up to {@code upTo} of each stream has an outcome at the producer: the ones in {@code notSent} never
 * reached the log (with the exception class, or {@value #UNSENT}), every other one was acknowledged on
 * {@code partition}, at an offset up to {@code offset}. {@code partition} -1: the streams have no acknowledged
 * record on one partition (none at all, or, with {@code "spread":true}, on several). A stream's key is
 * {@code keyBase64}, or {@code key} as UTF-8 text; neither (or null) is the null key.
 *
 * <p>Written by hand rather than with a JSON library: the interceptor's jar needs only kafka-clients and slf4j,
 * and the format is a few numbers and escaped strings. Stateless; any thread.
 */
public final class Beacons {

    /** The version this class writes. */
    public static final int VERSION = 1;
    /** The default beacon topic. */
    public static final String DEFAULT_TOPIC = "seqaudit.beacons";
    /** The cause of seqs stamped and never handed to Kafka (no outcome within the producer's delivery timeout). */
    public static final String UNSENT = "unsent";
    /** The cause of seqs acknowledged on another topic: an interceptor after the stamping one sent them elsewhere. */
    public static final String REDIRECTED = "redirected";

    private Beacons() {
    }

    /** The message key of a beacon about {@code partition} of {@code topic}. */
    public static byte[] key(String topic, int partition) {
        return (topic + "/" + partition).getBytes(StandardCharsets.UTF_8);
    }

    /** Seqs {@code from..to} of a stream that never reached the log, and why: an exception class, or a word. */
    public record NotSent(long from, long to, String cause) {
    }

    /**
     * One stream of a beacon.
     *
     * @param key the record key's bytes, null for the null key
     * @param notSent ascending ranges that never reached the log, all within {@code upTo}
     */
    public record Stream(byte[] key, long epoch, long upTo, boolean spread, List<NotSent> notSent) {
    }

    /** The JSON value of one beacon. */
    public static String json(String producer, String topic, int partition, long offset, long at,
            List<Stream> streams) {
        StringBuilder b = new StringBuilder(96 + streams.size() * 64);
        b.append("{\"v\":").append(VERSION).append(",\"producer\":");
        string(b, producer);
        b.append(",\"topic\":");
        string(b, topic);
        b.append(",\"partition\":").append(partition).append(",\"offset\":").append(offset)
                .append(",\"at\":").append(at).append(",\"streams\":[");
        for (int i = 0; i < streams.size(); i++) {
            Stream s = streams.get(i);
            b.append(i == 0 ? "{" : ",{").append("\"keyBase64\":");
            if (s.key() == null) {
                b.append("null");
            } else {
                b.append('"').append(Base64.getEncoder().encodeToString(s.key())).append('"');
            }
            b.append(",\"epoch\":").append(s.epoch()).append(",\"upTo\":").append(s.upTo());
            if (s.spread()) {
                b.append(",\"spread\":true");
            }
            if (!s.notSent().isEmpty()) {
                b.append(",\"notSent\":[");
                for (int j = 0; j < s.notSent().size(); j++) {
                    NotSent r = s.notSent().get(j);
                    b.append(j == 0 ? "[" : ",[").append(r.from()).append(',').append(r.to()).append(',');
                    string(b, r.cause());
                    b.append(']');
                }
                b.append(']');
            }
            b.append('}');
        }
        return b.append("]}").toString();
    }

    private static void string(StringBuilder b, String s) {
        b.append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '"' || c == '\\') {
                b.append('\\').append(c);
            } else if (c < 0x20) {
                b.append(String.format("\\u%04x", (int) c));
            } else {
                b.append(c);
            }
        }
        b.append('"');
    }
}
