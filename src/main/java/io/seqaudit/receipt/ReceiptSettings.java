package io.seqaudit.receipt;

import java.time.Duration;
import java.util.Locale;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The settings of a {@link ProcessingReceipts}, read from the application's consumer properties (README,
 * "Processing receipts"). A bad optional value is logged and replaced by its default; a missing group id is an
 * error, since a receipt without its group means nothing.
 *
 * @param group {@code group.id}: the application's consumer group
 * @param topic {@value #TOPIC}: the receipt topic; default {@value Receipts#DEFAULT_TOPIC}
 * @param interval {@value #INTERVAL}: how often receipts are sent; default 500 ms
 * @param maxPending {@value #MAX_PENDING}: how many offset ranges are kept unsent at most (while the receipt topic
 *        cannot be written, say); past that the oldest are dropped and counted; default 100000
 * @param client {@value #CLIENT}: who sends, as told in each receipt; default {@code <host>/<client.id or group>}
 */
public record ReceiptSettings(String group, String topic, Duration interval, int maxPending, String client) {

    public static final String GROUP_ID = "group.id";
    public static final String TOPIC = "seqaudit.receipts.topic";
    public static final String INTERVAL = "seqaudit.receipts.interval";
    public static final String MAX_PENDING = "seqaudit.receipts.max-pending";
    public static final String CLIENT = "seqaudit.receipts.client";
    static final Duration DEFAULT_INTERVAL = Duration.ofMillis(500);
    static final int DEFAULT_MAX_PENDING = 100_000;
    private static final Logger LOG = LoggerFactory.getLogger(ReceiptSettings.class);

    public ReceiptSettings {
        if (group == null || group.isBlank()) {
            throw new IllegalArgumentException("seqaudit receipts need the consumer's group.id");
        }
    }

    /** The settings in {@code configs} (a consumer's properties plus the seqaudit.receipts.* ones). */
    public static ReceiptSettings from(Map<String, ?> configs) {
        Object group = configs.get(GROUP_ID);
        Object topic = configs.get(TOPIC);
        Object client = configs.get(CLIENT);
        String g = group == null ? null : group.toString().trim();
        String c;
        if (client != null && !client.toString().isBlank()) {
            c = client.toString().trim();
        } else {
            Object id = configs.get("client.id");
            c = host() + "/" + (id == null || id.toString().isBlank() ? g : id.toString().trim());
        }
        return new ReceiptSettings(g, topic == null || topic.toString().isBlank() ? Receipts.DEFAULT_TOPIC
                : topic.toString().trim(), duration(configs.get(INTERVAL)), maxPending(configs.get(MAX_PENDING)), c);
    }

    private static String host() {
        String h = System.getenv("HOSTNAME");
        if (h == null || h.isBlank()) {
            try {
                h = java.net.InetAddress.getLocalHost().getHostName();
            } catch (java.io.IOException | SecurityException e) {
                h = "unknown-host";
            }
        }
        return h;
    }

    /** A duration as milliseconds ({@code 1500}) or with a unit ({@code 500ms}, {@code 2s}). */
    private static Duration duration(Object v) {
        if (v == null) {
            return DEFAULT_INTERVAL;
        }
        String t = v.toString().trim().toLowerCase(Locale.ROOT);
        try {
            long n = t.endsWith("ms") ? Long.parseLong(t.substring(0, t.length() - 2))
                    : t.endsWith("s") ? Long.parseLong(t.substring(0, t.length() - 1)) * 1000 : Long.parseLong(t);
            if (n > 0) {
                return Duration.ofMillis(n);
            }
        } catch (NumberFormatException e) {
            // falls through to the warning
        }
        LOG.warn("seqaudit: {}={} is not a positive duration (e.g. 500, 500ms, 2s); using {}", INTERVAL, v,
                DEFAULT_INTERVAL);
        return DEFAULT_INTERVAL;
    }

    private static int maxPending(Object v) {
        if (v == null) {
            return DEFAULT_MAX_PENDING;
        }
        try {
            int n = Integer.parseInt(v.toString().trim());
            if (n > 0) {
                return n;
            }
        } catch (NumberFormatException e) {
            // falls through to the warning
        }
        LOG.warn("seqaudit: {}={} is not a positive number; using {}", MAX_PENDING, v, DEFAULT_MAX_PENDING);
        return DEFAULT_MAX_PENDING;
    }
}
