package io.seqaudit.stamp;

import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.LongSupplier;
import java.util.function.Supplier;

import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerInterceptor;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.config.ConfigException;
import org.apache.kafka.common.errors.TransactionAbortedException;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.header.internals.RecordHeader;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.serialization.Serializer;
import org.apache.kafka.common.utils.Utils;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Stamps every record a producer sends with {@link SeqauditHeaders#PRODUCER}, {@link SeqauditHeaders#EPOCH}
 * and {@link SeqauditHeaders#SEQ}, so the auditor can find lost and duplicated records per key.
 *
 * <p>Enable it with the producer property {@code interceptor.classes=io.seqaudit.stamp.SequenceStampingInterceptor};
 * it needs only kafka-clients and slf4j. Settings (all optional, bad values are logged and replaced by
 * the default):
 * <ul>
 * <li>{@value #PRODUCER_ID_CONFIG}: this producer's id; default {@code host/pid-token/client.id} (see
 * {@link ProcessIdentity}), unique per producer without any setting. An explicit id that another open
 * producer of this process holds makes {@link #configure} throw a {@link ConfigException} naming the setting;
 * closing the producer frees the id.</li>
 * <li>{@value #EPOCH_CONFIG}: decimal 0..2^63-1; default the start time in ms, raised where needed so that
 * every producer of the process has its own ({@code max(now, last + 1)}) and a restart takes a higher epoch.
 * Give each concurrently running producer its own id, not just its own epoch.</li>
 * <li>{@value #MAX_KEYS_CONFIG}: at most this many (topic, key) counters are kept, default
 * {@value #DEFAULT_MAX_KEYS}. A key evicted and seen again restarts at seq 0 under a fresh, higher
 * epoch (see {@link StreamCounters}).</li>
 * </ul>
 *
 * <p>Threads: Kafka calls {@link #configure} once while building the producer, then {@link #onSend} on
 * every application thread that calls {@code send()}, concurrently; {@code onSend} is thread-safe and
 * holds a lock only for a map lookup. {@link #close} is called once when the producer closes.
 *
 * <p>Failure: {@code onSend} never throws into the application. On any failure (e.g. a key whose
 * {@code hashCode} throws, or a call before {@code configure}) it returns the record unstamped, counts
 * it in {@link #getFailureCount()} and logs the first failure and then every 10,000th.
 *
 * <p>Records are never modified: a stamped record is a new {@link ProducerRecord} with copied headers,
 * because the application's headers may already be read-only after an earlier send. So re-sending the
 * same unstamped {@code ProducerRecord} object takes a new seq. A record whose send fails after
 * stamping (e.g. it cannot be serialized) leaves a gap, which the auditor reports as lost: it was.
 */
public class SequenceStampingInterceptor<K, V> implements ProducerInterceptor<K, V> {

    /** Producer property: this producer's id (printable ASCII, 1-128 chars). */
    public static final String PRODUCER_ID_CONFIG = "seqaudit.producer.id";
    /** Producer property: the epoch for this run (decimal 0..2^63-1). */
    public static final String EPOCH_CONFIG = "seqaudit.epoch";
    /** Producer property: bound on the number of per-key counters kept in memory. */
    public static final String MAX_KEYS_CONFIG = "seqaudit.max-keys";
    /** Default of {@value #MAX_KEYS_CONFIG}. */
    public static final int DEFAULT_MAX_KEYS = 100_000;

    /** Enough stripes that 2 to a few dozen sending threads rarely meet on one lock. */
    private static final int MAX_STRIPES = 64;
    private static final long LOG_EVERY_NTH_FAILURE = 10_000;
    private static final Logger LOG = LoggerFactory.getLogger(SequenceStampingInterceptor.class);

    /** Everything {@code configure} sets, published at once through one volatile field. */
    private record State(StampingConfig config, byte[] producerId, StreamCounters counters,
            BeaconPublisher beacons) {
    }

    private final LongSupplier clock;
    private final Supplier<String> hostName;
    private final ProcessIdentity process;
    private volatile State state;

    private final LongAdder stamped = new LongAdder();
    private final LongAdder alreadyStamped = new LongAdder();
    private final LongAdder partiallyStamped = new LongAdder();
    private final LongAdder abortedUnsent = new LongAdder();
    private final AtomicLong failures = new AtomicLong(); // AtomicLong: its value decides when to log

    /**
     * Used by Kafka ({@code interceptor.classes}); reads the system clock and the local host name, and shares
     * epochs and explicit ids with every other producer of the process ({@link ProcessIdentity#CURRENT}).
     */
    public SequenceStampingInterceptor() {
        this(System::currentTimeMillis, StampingConfig::localHostName, ProcessIdentity.CURRENT);
    }

    /** For tests: a fixed clock and host name and a process of its own make epochs and ids predictable. */
    SequenceStampingInterceptor(LongSupplier clock, Supplier<String> hostName) {
        this(clock, hostName, new ProcessIdentity(4242L, "test"));
    }

    /** For tests: several interceptors sharing {@code process} act as producers of one process. */
    SequenceStampingInterceptor(LongSupplier clock, Supplier<String> hostName, ProcessIdentity process) {
        this.clock = clock;
        this.hostName = hostName;
        this.process = process;
    }

    /**
     * Reads the settings from the producer properties and computes this producer's id and epoch, once: the hot
     * path only copies them. Never throws for a bad value: it logs a warning and uses the default. Kafka calls
     * it once; a second call is ignored (with a warning), because fresh counters under the same epoch would
     * restart keys at seq 0 and fake duplicates.
     *
     * @throws ConfigException naming {@value #PRODUCER_ID_CONFIG} if another open producer of this process was
     *         configured with the same explicit id: silently sharing it would make every record of one producer
     *         look like a duplicate of the other's, and the same mistake made across replicas (which no process
     *         can see) is best learned at the first start. Kafka then fails to build the producer.
     */
    @Override
    public synchronized void configure(Map<String, ?> configs) {
        if (state != null) {
            LOG.warn("seqaudit interceptor already configured; ignoring the new settings");
            return;
        }
        StampingConfig config = StampingConfig.from(configs, clock, hostName, process);
        if (config.explicitId()) {
            process.claim(config.producerId(), this, config.clientId());
        }
        StreamCounters counters = new StreamCounters(config.maxKeys(), MAX_STRIPES, config.baseEpoch(),
                floor -> process.nextEpochAbove(floor, clock));
        BeaconPublisher beacons = beaconsFor(configs, config, counters);
        state = new State(config, SeqauditHeaders.encodeText(config.producerId()), counters, beacons);
        LOG.info("seqaudit stamping as producer '{}', epoch {}, max {} keys, beacons {}",
                config.producerId(), config.baseEpoch(), counters.capacity(), beacons == null ? "off" : "on");
    }

    /**
     * The beacon publisher of this producer, started; null when beacons are off, or when its producer or the
     * application's key serializer cannot be built (logged: stamping goes on without beacons).
     */
    @SuppressWarnings("unchecked")
    private BeaconPublisher beaconsFor(Map<String, ?> configs, StampingConfig config, StreamCounters counters) {
        BeaconSettings settings = BeaconSettings.from(configs);
        if (!settings.enabled() || configs.get(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG) == null) {
            return null;
        }
        try {
            Object ks = configs.get(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG);
            Class<?> type = ks instanceof Class<?> c ? c : Class.forName(ks.toString().trim(), true,
                    Thread.currentThread().getContextClassLoader() != null
                            ? Thread.currentThread().getContextClassLoader() : getClass().getClassLoader());
            Serializer<Object> keys = (Serializer<Object>) Utils.newInstance(type);
            keys.configure(configs, true);
            String clientId = (config.clientId() == null ? "producer" : config.clientId()) + "-seqaudit-beacons";
            BeaconPublisher p = new BeaconPublisher(config.producerId(), settings, keys,
                    BeaconPublisher.producerFor(configs, clientId), clock);
            counters.keepBeacons();
            p.start();
            return p;
        } catch (Exception | LinkageError e) {
            LOG.warn("seqaudit beacons are off: cannot build their producer or the key serializer ({})", e.toString());
            return null;
        }
    }

    /**
     * Returns the record with the next seq of its (topic, key) in three new headers; or the record
     * itself if it already carries all three headers (a resend or replay keeps its seq), if it carries
     * only some (left for the auditor to flag as invalid), or if stamping failed.
     */
    @Override
    public ProducerRecord<K, V> onSend(ProducerRecord<K, V> record) {
        try {
            return stamp(record);
        } catch (Throwable t) { // the application's send must not fail because of auditing
            recordFailure(t);
            return record;
        }
    }

    private ProducerRecord<K, V> stamp(ProducerRecord<K, V> record) {
        State s = state;
        if (s == null) {
            throw new IllegalStateException("onSend before configure");
        }
        Headers headers = record.headers();
        int present = (headers.lastHeader(SeqauditHeaders.PRODUCER) != null ? 1 : 0)
                + (headers.lastHeader(SeqauditHeaders.EPOCH) != null ? 1 : 0)
                + (headers.lastHeader(SeqauditHeaders.SEQ) != null ? 1 : 0);
        if (present == 3) {
            alreadyStamped.increment();
            return record;
        }
        if (present > 0) {
            partiallyStamped.increment();
            return record;
        }
        // Take the seq last: nothing below can fail, so a failure never leaves a gap (a false "lost").
        StreamCounters.Stamp stamp = s.counters().next(record.topic(), record.key());
        RecordHeaders copy = new RecordHeaders(headers.toArray());
        // Fresh arrays per record: header values are mutable and may be touched downstream.
        copy.add(SeqauditHeaders.PRODUCER, s.producerId().clone());
        copy.add(SeqauditHeaders.EPOCH, SeqauditHeaders.encodeLong(stamp.epoch()));
        copy.add(stamp.beacon() == null ? new RecordHeader(SeqauditHeaders.SEQ, SeqauditHeaders.encodeLong(stamp.seq()))
                : new StampedSeqHeader(stamp.beacon(), stamp.seq()));
        ProducerRecord<K, V> stamped = new ProducerRecord<>(record.topic(), record.partition(),
                record.timestamp(), record.key(), record.value(), copy);
        this.stamped.increment();
        if (stamp.beacon() != null && stamp.beacon().stamped(stamp.seq())) {
            s.beacons().enqueue(stamp.beacon());
        }
        return stamped;
    }

    private void recordFailure(Throwable t) {
        long n = failures.incrementAndGet();
        if (n == 1 || n % LOG_EVERY_NTH_FAILURE == 0) {
            try {
                LOG.warn("seqaudit could not stamp a record ({} failures so far); sent it unstamped", n, t);
            } catch (Throwable ignored) { // logging must not turn a swallowed failure into a thrown one
            }
        }
    }

    /**
     * The sequence is assigned at send time, whatever the outcome, with one exception: a record failed with
     * {@link TransactionAbortedException} was still waiting to be sent when its transaction was aborted, so it
     * never reaches the log, and no record in the log can tell the auditor so. Every stream then moves to a fresh,
     * higher epoch (starting at seq 0): the aborted seqs become the unseen end of the old epoch's streams, neither
     * a gap nor lost. (Records of an aborted transaction that did reach the log are found by the auditor itself.)
     * Called on the producer's I/O thread, or the thread that aborts; never throws.
     */
    @Override
    public void onAcknowledgement(RecordMetadata metadata, Exception exception) {
        onAcknowledgement(metadata, exception, null);
    }

    /**
     * Kafka's call with the record's headers (kafka-clients 4.x): besides the transaction rule above, tells the
     * record's stream its outcome for the beacons: acknowledged at an offset, or failed with the exception's class.
     */
    @Override
    public void onAcknowledgement(RecordMetadata metadata, Exception exception, Headers headers) {
        if (headers != null && headers.lastHeader(SeqauditHeaders.SEQ) instanceof StampedSeqHeader sh
                && !(exception instanceof TransactionAbortedException)) {
            try {
                boolean queue;
                if (exception != null) {
                    queue = sh.stream.failed(sh.seq, exception.getClass().getName());
                } else if (!sh.stream.topic.equals(metadata.topic())) {
                    // An interceptor after this one sent the record elsewhere: it never reached its topic's log.
                    queue = sh.stream.failed(sh.seq, Beacons.REDIRECTED);
                } else {
                    queue = sh.stream.acknowledged(sh.seq, metadata.partition(), metadata.offset());
                }
                State s = state;
                if (queue && s != null && s.beacons() != null) {
                    s.beacons().enqueue(sh.stream);
                }
            } catch (RuntimeException e) {
                recordFailure(e);
            }
        }
        if (exception instanceof TransactionAbortedException) {
            State s = state;
            if (s != null) {
                try {
                    abortedUnsent.increment();
                    s.counters().clear();
                } catch (RuntimeException e) {
                    recordFailure(e);
                }
            }
        }
    }

    /** Records failed unsent because their transaction was aborted (each moved the streams to a fresh epoch). */
    public long getAbortedUnsentCount() {
        return abortedUnsent.sum();
    }

    /**
     * Drops all counters and frees an explicit {@value #PRODUCER_ID_CONFIG}, so a producer re-created with
     * that id is accepted; called once by Kafka when the producer closes (or fails to build).
     */
    @Override
    public void close() {
        State s = state;
        if (s != null) {
            try {
                if (s.beacons() != null) {
                    s.beacons().close(); // the last beacon: what the streams' ends are
                }
                s.counters().clear();
            } finally {
                if (s.config().explicitId()) {
                    process.release(s.config().producerId(), this);
                }
            }
        }
    }

    /** Beacons sent; 0 without beacons. */
    public long getBeaconsSent() {
        State s = state;
        return s == null || s.beacons() == null ? 0 : s.beacons().sent();
    }

    /** Beacons that could not be sent (their streams were told again with the next one). */
    public long getBeaconFailures() {
        State s = state;
        return s == null || s.beacons() == null ? 0 : s.beacons().failures();
    }

    /** Records this interceptor stamped. */
    public long getStampedCount() {
        return stamped.sum();
    }

    /** Records left as they were because they already carried all three headers. */
    public long getAlreadyStampedCount() {
        return alreadyStamped.sum();
    }

    /** Records left as they were because they carried only some of the three headers. */
    public long getPartiallyStampedCount() {
        return partiallyStamped.sum();
    }

    /** Records sent unstamped because stamping failed. */
    public long getFailureCount() {
        return failures.get();
    }

    /** (topic, key) counters held now; 0 before {@code configure}. */
    public int getKeysTracked() {
        State s = state;
        return s == null ? 0 : s.counters().size();
    }

    /** Counters dropped to stay within {@value #MAX_KEYS_CONFIG}. */
    public long getEvictionCount() {
        State s = state;
        return s == null ? 0 : s.counters().evictions();
    }

    /** The producer id in use; null before {@code configure}. */
    public String getProducerId() {
        State s = state;
        return s == null ? null : s.config().producerId();
    }

    /** The configured (base) epoch; -1 before {@code configure}. */
    public long getBaseEpoch() {
        State s = state;
        return s == null ? -1 : s.config().baseEpoch();
    }

    /** The configured {@value #MAX_KEYS_CONFIG}; 0 before {@code configure}. */
    public int getMaxKeys() {
        State s = state;
        return s == null ? 0 : s.config().maxKeys();
    }
}
