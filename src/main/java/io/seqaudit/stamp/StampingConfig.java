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
 * header contract, so records stay auditable. (An explicit id that another open producer holds is not a bad
 * value but a clash; {@link SequenceStampingInterceptor#configure} refuses it.)
 *
 * @param producerId the id stamped on every record
 * @param explicitId whether {@code producerId} was configured (true) or is the default (false)
 * @param baseEpoch the configured epoch, or one from {@link ProcessIdentity#nextEpochAbove}
 * @param clientId the {@code client.id} Kafka handed the interceptor; null outside a Kafka producer
 */
record StampingConfig(String producerId, boolean explicitId, long baseEpoch, int maxKeys, String clientId) {

    static final String UNKNOWN_HOST = "unknown-host";
    /** The producer property Kafka fills in (producer-1, producer-2, ... unless set) before it calls configure. */
    static final String CLIENT_ID = "client.id";

    private static final Logger LOG = LoggerFactory.getLogger(StampingConfig.class);

    /**
     * @param configs the producer properties handed to {@code configure}
     * @param clock wall clock in ms; the default epoch is at least its value now (the producer's start time)
     * @param hostName source of the host part of the default producer id; may return null or throw
     * @param process the process part of the default id and the source of default epochs
     */
    static StampingConfig from(Map<String, ?> configs, LongSupplier clock, Supplier<String> hostName,
            ProcessIdentity process) {
        Object client = configs.get(CLIENT_ID);
        String clientId = client == null || client.toString().isBlank() ? null : client.toString();
        String explicit = explicitProducerId(configs.get(SequenceStampingInterceptor.PRODUCER_ID_CONFIG));
        String producerId = explicit != null ? explicit : process.defaultProducerId(host(hostName), clientId);
        Long epoch = configuredEpoch(configs.get(SequenceStampingInterceptor.EPOCH_CONFIG));
        return new StampingConfig(producerId, explicit != null,
                epoch != null ? epoch : process.nextEpochAbove(-1, clock),
                maxKeys(configs.get(SequenceStampingInterceptor.MAX_KEYS_CONFIG)), clientId);
    }

    /** The configured id, or null (unset, or bad: logged) for the default. */
    private static String explicitProducerId(Object value) {
        if (value != null) {
            String id = value.toString().trim(); // stray blanks in property files are a common slip
            if (SeqauditHeaders.isValidProducerId(id)) {
                return id;
            }
            LOG.warn("Ignoring {}: must be 1-{} printable ASCII chars; using the default host/pid/client.id",
                    SequenceStampingInterceptor.PRODUCER_ID_CONFIG, SeqauditHeaders.MAX_PRODUCER_ID_LENGTH);
        }
        return null;
    }

    private static String host(Supplier<String> hostName) {
        try {
            return hostName.get();
        } catch (RuntimeException e) {
            return null;
        }
    }

    /** The configured epoch, or null (unset, or bad: logged) for the default. */
    private static Long configuredEpoch(Object value) {
        if (value != null) {
            Long parsed = value instanceof Long || value instanceof Integer
                    ? Long.valueOf(((Number) value).longValue())
                    : parseNonNegative(value.toString().trim());
            if (parsed != null && parsed >= 0) {
                return parsed;
            }
            LOG.warn("Ignoring {}={}: must be a decimal 0..2^63-1; using the default (start time, unique in the process)",
                    SequenceStampingInterceptor.EPOCH_CONFIG, value);
        }
        return null;
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

    /** {@link #sanitizeHostName(String, int)} with the whole producer-id length as room. */
    static String sanitizeHostName(String host) {
        return sanitizeHostName(host, SeqauditHeaders.MAX_PRODUCER_ID_LENGTH);
    }

    /**
     * Makes a host name fit the producer-id contract: trimmed, characters outside 0x20-0x7E replaced
     * by '_', cut to {@code maxLength} chars; {@value #UNKNOWN_HOST} (cut likewise) if nothing is left.
     */
    static String sanitizeHostName(String host, int maxLength) {
        String fitted = fitAscii(host, maxLength);
        return fitted.isEmpty() ? fitAscii(UNKNOWN_HOST, maxLength) : fitted;
    }

    /** {@code text} trimmed, characters outside 0x20-0x7E replaced by '_', cut to {@code maxLength}; "" for null. */
    static String fitAscii(String text, int maxLength) {
        String trimmed = text == null ? "" : text.trim(); // trim() drops all controls <= 0x20, not just blanks
        StringBuilder out = new StringBuilder(Math.min(trimmed.length(), maxLength));
        for (int i = 0; i < trimmed.length() && out.length() < maxLength; i++) {
            char c = trimmed.charAt(i);
            out.append(c >= 0x20 && c <= 0x7E ? c : '_');
        }
        return out.toString();
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
