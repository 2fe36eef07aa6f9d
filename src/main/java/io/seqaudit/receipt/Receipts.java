package io.seqaudit.receipt;

import java.nio.charset.StandardCharsets;

/**
 * The receipt contract v1 (README, "Processing receipts: the consumer stage"): the key and the JSON value of a
 * receipt message on the receipt topic.
 *
 * <pre>{@code
 * key:   "<group>/<topic>/<partition>"   (informative; keeps one partition's receipts in order)
 * value: {"v":1,"group":"orders-service","topic":"orders","partition":3,"at":1764830000000,
 *         "client":"orders-7f9c/consumer-orders-1",
 *         "processed":[[100,149],[151,151]],
 *         "failed":[[150,150,"java.lang.IllegalStateException"]]}
 * }</pre>
 *
 * <p>Written by hand rather than with a JSON library: the receipts jar needs only kafka-clients and slf4j (an
 * application's own JSON library, of whatever version, is never pulled in or clashed with), and the format is a
 * few numbers and escaped strings. Stateless; any thread.
 */
public final class Receipts {

    /** The version this class writes. */
    public static final int VERSION = 1;
    /** The default receipt topic. */
    public static final String DEFAULT_TOPIC = "seqaudit.receipts";
    /** The reason of a failure reported without an exception. */
    public static final String UNKNOWN_REASON = "unknown";

    private Receipts() {
    }

    /** The message key of a receipt about {@code partition} of {@code topic} processed by {@code group}. */
    public static byte[] key(String group, String topic, int partition) {
        return (group + "/" + topic + "/" + partition).getBytes(StandardCharsets.UTF_8);
    }

    /**
     * The JSON value of one receipt.
     *
     * @param at the sender's clock, epoch ms
     * @param client who sends it, free text for operators; null to leave it out
     */
    public static String json(Receipt r, long at, String client) {
        StringBuilder b = new StringBuilder(96 + r.ranges() * 16);
        b.append("{\"v\":").append(VERSION).append(",\"group\":");
        string(b, r.group());
        b.append(",\"topic\":");
        string(b, r.topic());
        b.append(",\"partition\":").append(r.partition()).append(",\"at\":").append(at);
        if (client != null) {
            b.append(",\"client\":");
            string(b, client);
        }
        if (!r.processed().isEmpty()) {
            b.append(",\"processed\":[");
            for (int i = 0; i < r.processed().size(); i++) {
                Receipt.Range p = r.processed().get(i);
                b.append(i == 0 ? "[" : ",[").append(p.from()).append(',').append(p.to()).append(']');
            }
            b.append(']');
        }
        if (!r.failed().isEmpty()) {
            b.append(",\"failed\":[");
            for (int i = 0; i < r.failed().size(); i++) {
                Receipt.Failed f = r.failed().get(i);
                b.append(i == 0 ? "[" : ",[").append(f.from()).append(',').append(f.to()).append(',');
                string(b, f.reason());
                b.append(']');
            }
            b.append(']');
        }
        return b.append('}').toString();
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
