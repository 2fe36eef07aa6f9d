package io.seqaudit.stamp;

import java.security.SecureRandom;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;

import org.apache.kafka.common.config.ConfigException;

/**
 * What this process contributes to the identity of every producer it runs, so that no two producers ever
 * stamp the same stream (topic, key, producer id, epoch).
 *
 * <ul>
 * <li>A process part of the default producer id: the process id plus a random token drawn once per class load.
 * The token separates two processes that share a host name and a process id (two containers on the host
 * network, each its own pid 1), and two class loaders of one JVM that each load the interceptor.</li>
 * <li>Epochs: {@link #nextEpochAbove} hands out epochs strictly increasing over every producer of the process,
 * {@code max(now, last + 1)}, so two producers created in the same millisecond never share one and a restarted
 * producer still starts near (and above) the clock.</li>
 * <li>Live explicit ids: {@link #claim} refuses a configured {@code seqaudit.producer.id} that a live producer of
 * this process already holds; {@link #release} frees it when that producer closes.</li>
 * </ul>
 *
 * <p>Threads: every method is thread-safe (an atomic and a concurrent map, no lock). They run on the threads
 * that build and close producers, and {@link #nextEpochAbove} also inside {@code send()} when an eviction
 * advances a producer's epoch (once per generation of keys, not per record). One shared instance,
 * {@link #CURRENT}; tests build their own so their epochs and ids are predictable.
 */
final class ProcessIdentity {

    /** The instance all producers of this class loader share. */
    static final ProcessIdentity CURRENT = new ProcessIdentity(currentPid(), randomToken());

    /** Longest client.id kept in a default id; its end is kept, where Kafka's own ids differ (producer-12). */
    static final int MAX_CLIENT_ID_PART = 48;

    private final String processPart;
    private final AtomicLong lastEpoch = new AtomicLong(-1);
    /** Explicit id to the interceptor holding it; an owner releases only its own claim. */
    private final Map<String, Object> liveIds = new ConcurrentHashMap<>();

    /**
     * @param pid the process id, or null if the platform does not give one
     * @param token a random token that tells apart processes sharing host and pid
     */
    ProcessIdentity(Long pid, String token) {
        this.processPart = pid == null ? token : pid + "-" + token;
    }

    /** The process id and token, e.g. {@code 4242-k3x9q2}. */
    String processPart() {
        return processPart;
    }

    /**
     * The default producer id {@code host/pid-token/client.id}: host and client.id fitted to printable ASCII,
     * the whole at most {@value SeqauditHeaders#MAX_PRODUCER_ID_LENGTH} chars. The host is cut first (its
     * beginning, the most specific label, is kept), then the client.id (its end is kept); the process part,
     * which makes the id unique, is never cut. A missing client.id (the interceptor used outside a Kafka
     * producer) is left out.
     */
    String defaultProducerId(String host, String clientId) {
        String client = clientId == null ? "" : StampingConfig.fitAscii(clientId, Integer.MAX_VALUE);
        if (client.length() > MAX_CLIENT_ID_PART) {
            client = client.substring(client.length() - MAX_CLIENT_ID_PART);
        }
        String tail = "/" + processPart + (client.isEmpty() ? "" : "/" + client);
        int hostRoom = Math.max(1, SeqauditHeaders.MAX_PRODUCER_ID_LENGTH - tail.length());
        String id = StampingConfig.sanitizeHostName(host, hostRoom) + tail;
        return id.length() <= SeqauditHeaders.MAX_PRODUCER_ID_LENGTH ? id
                : id.substring(0, SeqauditHeaders.MAX_PRODUCER_ID_LENGTH);
    }

    /**
     * An epoch above {@code floor} and above every epoch this method returned before in this process:
     * {@code max(now, last + 1, floor + 1)}.
     *
     * @throws IllegalStateException if that would pass 2^63-1 (never with real clocks and epochs)
     */
    long nextEpochAbove(long floor, LongSupplier clock) {
        long now = clock.getAsLong();
        return lastEpoch.updateAndGet(last -> {
            long base = Math.max(last, floor);
            if (base == Long.MAX_VALUE) {
                throw new IllegalStateException("seqaudit epoch space exhausted");
            }
            return Math.max(now, base + 1);
        });
    }

    /**
     * Records that {@code owner} stamps as the explicitly configured {@code id} from now on.
     *
     * @throws ConfigException naming {@value SequenceStampingInterceptor#PRODUCER_ID_CONFIG} if another live
     *         producer of this process holds the id; nothing is recorded then
     */
    void claim(String id, Object owner, String clientId) {
        Object holder = liveIds.putIfAbsent(id, owner);
        if (holder != null && holder != owner) {
            throw new ConfigException(SequenceStampingInterceptor.PRODUCER_ID_CONFIG + " '" + id
                    + "' is already used by another open producer in this process"
                    + (clientId == null ? "" : " (this one has client.id '" + clientId + "')")
                    + ": two producers with one id and epoch would stamp the same streams and every record of"
                    + " one would look like a duplicate of the other. Give each concurrently open producer its"
                    + " own id, or leave " + SequenceStampingInterceptor.PRODUCER_ID_CONFIG
                    + " unset to get host/pid/client.id.");
        }
    }

    /** Frees {@code id} if {@code owner} holds it; a producer re-created with the id after that is accepted. */
    void release(String id, Object owner) {
        liveIds.remove(id, owner);
    }

    private static Long currentPid() {
        try {
            return ProcessHandle.current().pid();
        } catch (UnsupportedOperationException | SecurityException e) {
            return null; // the token alone still tells processes apart
        }
    }

    /** 30 random bits in base 36 (up to 6 chars): enough that two processes sharing host and pid never meet. */
    private static String randomToken() {
        return Integer.toString(new SecureRandom().nextInt(1 << 30), 36);
    }
}
