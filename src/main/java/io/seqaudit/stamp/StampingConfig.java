package io.seqaudit.stamp;

import java.net.InetAddress;
import java.util.Map;
import java.util.function.LongSupplier;
import java.util.function.Supplier;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The interceptor's settings, read from the producer properties.
 *
 * <p>A bad value never stops the producer: it is logged as a warning and the default is used, because
 * a typo in an audit setting should not take the application down. The defaults still satisfy the
 * header contract, so records stay auditable.
 */
record StampingConfig(String producerId, long baseEpoch, int maxKeys) {

    static final String UNKNOWN_HOST = "unknown-host";

    private static final Logger LOG = LoggerFactory.getLogger(StampingConfig.class);

    /**
     * @param configs the producer properties handed to {@code configure}
     * @param clock wall clock in ms; its value now is the default epoch (the producer's start time)
     * @param hostName source of the default producer id; may return null or throw
     */
    static StampingConfig from(Map<String, ?> configs, LongSupplier clock, Supplier<String> hostName) {
        return new StampingConfig(
                producerId(configs.get(SequenceStampingInterceptor.PRODUCER_ID_CONFIG), hostName),
                epoch(configs.get(SequenceStampingInterceptor.EPOCH_CONFIG), clock),
                maxKeys(configs.get(SequenceStampingInterceptor.MAX_KEYS_CONFIG)));
    }

    private static String producerId(Object value, Supplier<String> hostName) {
        if (value != null) {
            String id = value.toString().trim(); // stray blanks in property files are a common slip
            if (SeqauditHeaders.isValidProducerId(id)) {
                return id;
            }
            LOG.warn("Ignoring {}: must be 1-{} printable ASCII chars; using the host name instead",
                    SequenceStampingInterceptor.PRODUCER_ID_CONFIG, SeqauditHeaders.MAX_PRODUCER_ID_LENGTH);
        }
        String host;
        try {
            host = hostName.get();
        } catch (RuntimeException e) {
            host = null;
        }
        return sanitizeHostName(host);
    }

    private static long epoch(Object value, LongSupplier clock) {
        if (value != null) {
            Long parsed = value instanceof Long || value instanceof Integer
                    ? Long.valueOf(((Number) value).longValue())
                    : parseNonNegative(value.toString().trim());
            if (parsed != null && parsed >= 0) {
                return parsed;
            }
            LOG.warn("Ignoring {}={}: must be a decimal 0..2^63-1; using the start time in ms instead",
                    SequenceStampingInterceptor.EPOCH_CONFIG, value);
        }
        return clock.getAsLong();
    }

    private static int maxKeys(Object value) {
        if (value != null) {
            Long parsed = value instanceof Long || value instanceof Integer
                    ? Long.valueOf(((Number) value).longValue())
                    : parseNonNegative(value.toString().trim());
            if (parsed != null && parsed >= 1 && parsed <= Integer.MAX_VALUE) {
                return parsed.intValue();
            }
            LOG.warn("Ignoring {}={}: must be an integer 1..{}; using {} instead",
                    SequenceStampingInterceptor.MAX_KEYS_CONFIG, value, Integer.MAX_VALUE,
                    SequenceStampingInterceptor.DEFAULT_MAX_KEYS);
        }
        return SequenceStampingInterceptor.DEFAULT_MAX_KEYS;
    }

    /** Digits only (no sign, no blanks), within a long; null otherwise. */
    private static Long parseNonNegative(String text) {
        try {
            return SeqauditHeaders.decodeLong(SeqauditHeaders.encodeText(text));
        } catch (NumberFormatException e) {
            return null;
        }
    }

    /**
     * Makes a host name fit the producer-id contract: trimmed, characters outside 0x20-0x7E replaced
     * by '_', cut to 128 chars; {@value #UNKNOWN_HOST} if nothing is left.
     */
    static String sanitizeHostName(String host) {
        String trimmed = host == null ? "" : host.trim(); // trim() drops all controls <= 0x20, not just blanks
        if (trimmed.isEmpty()) {
            return UNKNOWN_HOST;
        }
        StringBuilder id = new StringBuilder(Math.min(trimmed.length(), SeqauditHeaders.MAX_PRODUCER_ID_LENGTH));
        for (int i = 0; i < trimmed.length() && id.length() < SeqauditHeaders.MAX_PRODUCER_ID_LENGTH; i++) {
            char c = trimmed.charAt(i);
            id.append(c >= 0x20 && c <= 0x7E ? c : '_');
        }
        return id.toString();
    }

    /**
     * The local host name: {@link InetAddress#getLocalHost()} first, then the HOSTNAME / COMPUTERNAME
     * environment variables (set in most containers and on Windows) when the lookup fails; null if none.
     */
    static String localHostName() {
        try {
            String name = InetAddress.getLocalHost().getHostName();
            if (name != null && !name.isBlank()) {
                return name;
            }
        } catch (Exception e) {
            LOG.debug("Local host name lookup failed; trying the environment", e);
        }
        String env = System.getenv("HOSTNAME");
        return env != null && !env.isBlank() ? env : System.getenv("COMPUTERNAME");
    }
}
