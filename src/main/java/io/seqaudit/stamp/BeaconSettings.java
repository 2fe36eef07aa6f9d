package io.seqaudit.stamp;

import java.time.Duration;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The beacon settings of an interceptor, read from the producer properties (README, "Beacons"). A bad value is
 * logged and replaced by the default, like the interceptor's other settings.
 *
 * @param enabled {@value #ENABLED}: whether beacons are sent; default true (off for a transactional producer,
 *        whose acknowledged records may yet be aborted)
 * @param topic {@value #TOPIC}: the beacon topic; default {@value Beacons#DEFAULT_TOPIC}
 * @param interval {@value #INTERVAL}: how often the changed streams are told; default 1 s
 * @param unsentAfter {@value #UNSENT_AFTER}: a stamped seq without outcome this long was never sent; default the
 *        producer's {@code delivery.timeout.ms} (120 s), within which Kafka gives every record it took an outcome
 */
record BeaconSettings(boolean enabled, String topic, Duration interval, Duration unsentAfter) {

    static final String ENABLED = "seqaudit.beacon.enabled";
    static final String TOPIC = "seqaudit.beacon.topic";
    static final String INTERVAL = "seqaudit.beacon.interval";
    static final String UNSENT_AFTER = "seqaudit.beacon.unsent-after";
    private static final Logger LOG = LoggerFactory.getLogger(BeaconSettings.class);

    static BeaconSettings from(Map<String, ?> configs) {
        Duration delivery = duration(configs, "delivery.timeout.ms", Duration.ofMillis(120_000));
        boolean transactional = configs.get("transactional.id") != null;
        Object enabled = configs.get(ENABLED);
        boolean on = enabled == null || !"false".equalsIgnoreCase(enabled.toString().trim());
        if (on && transactional) {
            LOG.info("seqaudit beacons are off for a transactional producer (records acknowledged in a transaction "
                    + "that is then aborted would read as lost)");
            on = false;
        }
        Object topic = configs.get(TOPIC);
        return new BeaconSettings(on, topic == null || topic.toString().isBlank() ? Beacons.DEFAULT_TOPIC
                : topic.toString().trim(), duration(configs, INTERVAL, Duration.ofSeconds(1)),
                duration(configs, UNSENT_AFTER, delivery));
    }

    /** A duration as milliseconds ({@code 1500}) or with a unit ({@code 500ms}, {@code 2s}, {@code 1m}). */
    static Duration duration(Map<String, ?> configs, String name, Duration fallback) {
        Object v = configs.get(name);
        if (v == null) {
            return fallback;
        }
        String t = v.toString().trim().toLowerCase(java.util.Locale.ROOT);
        try {
            long n;
            if (t.endsWith("ms")) {
                n = Long.parseLong(t.substring(0, t.length() - 2));
            } else if (t.endsWith("s")) {
                n = Long.parseLong(t.substring(0, t.length() - 1)) * 1000;
            } else if (t.endsWith("m")) {
                n = Long.parseLong(t.substring(0, t.length() - 1)) * 60_000;
            } else {
                n = Long.parseLong(t);
            }
            if (n > 0) {
                return Duration.ofMillis(n);
            }
        } catch (NumberFormatException e) {
            // falls through to the warning
        }
        LOG.warn("seqaudit: {}={} is not a positive duration (e.g. 1000, 500ms, 2s); using {}", name, v, fallback);
        return fallback;
    }
}
