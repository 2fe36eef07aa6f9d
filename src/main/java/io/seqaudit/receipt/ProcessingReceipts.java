package io.seqaudit.receipt;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.Producer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Processing receipts of one consumer group (README, "Processing receipts: the consumer stage"): the application
 * calls {@link #processed} once it has finished a record, or {@link #failed} once it has given up on one; this
 * class tells the seqaudit auditor, which compares them with what the group committed and reports records
 * committed but never processed, and records processed twice.
 *
 * <pre>{@code
 * ProcessingReceipts receipts = new ProcessingReceipts(consumerProperties); // bootstrap, security, group.id
 * for (ConsumerRecord<String, String> r : consumer.poll(timeout)) {
 *     try { handle(r); receipts.processed(r); } catch (Exception e) { receipts.failed(r, e); }
 * }
 * }</pre>
 *
 * <p>Offsets are batched per (group, topic, partition) into offset ranges and sent every
 * {@code seqaudit.receipts.interval} (500 ms) and on {@link #close}, by a producer of this class's own
 * (idempotent, acks=all, the consumer's connection and security settings) on a timer thread of its own.
 *
 * <p>Threads: {@link #processed} and {@link #failed} may be called from any thread; they take a short lock and
 * never wait on the network, never throw. A receipt that cannot be sent is kept and sent again on the next tick
 * ({@link #getSendFailures()} counts the failed sends, logged once per episode); at most
 * {@code seqaudit.receipts.max-pending} ranges are kept, past that the oldest are dropped
 * ({@link #getDropped()} counts their offsets, logged once per episode).
 */
public final class ProcessingReceipts implements AutoCloseable {

    /** Ranges per receipt message at most: 5000 ranges of 20-digit offsets stay far under Kafka's 1 MiB. */
    static final int RANGES_PER_MESSAGE = 5_000;
    private static final Logger LOG = LoggerFactory.getLogger(ProcessingReceipts.class);
    /** How long close() waits for the last receipts. */
    private static final long CLOSE_WAIT_MS = 10_000;

    private final ReceiptSettings settings;
    private final ReceiptSender sender;
    private final ReceiptBatcher batcher;
    private final ScheduledExecutorService timer;
    private final LongAdder droppedAtClose = new LongAdder();
    /** One tick at a time: the timer's, flush()'s, close()'s. */
    private final Object sending = new Object();
    private boolean closed; // guarded by batcher
    private long droppedSeen; // guarded by sending
    private boolean dropping; // guarded by sending
    private boolean badCallLogged;

    /**
     * Receipts for the consumer of {@code consumerProperties} (its group.id, bootstrap and security settings, plus
     * the {@code seqaudit.receipts.*} ones). Connects to nothing yet.
     *
     * @throws IllegalArgumentException without a group.id
     * @throws org.apache.kafka.common.KafkaException if Kafka refuses the producer's settings
     */
    public ProcessingReceipts(Properties consumerProperties) {
        this(toMap(consumerProperties));
    }

    /** As {@link #ProcessingReceipts(Properties)}, from a consumer's configuration map. */
    public ProcessingReceipts(Map<String, ?> consumerConfigs) {
        this(consumerConfigs, ReceiptSettings.from(consumerConfigs));
    }

    private ProcessingReceipts(Map<String, ?> consumerConfigs, ReceiptSettings settings) {
        this(settings, ReceiptSender.producerFor(consumerConfigs, settings));
    }

    /** Receipts sent by {@code producer}, which this instance owns and closes. */
    ProcessingReceipts(ReceiptSettings settings, Producer<byte[], byte[]> producer) {
        this.settings = settings;
        this.sender = new ReceiptSender(settings, producer);
        this.batcher = new ReceiptBatcher(settings.maxPending(), RANGES_PER_MESSAGE);
        this.timer = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "seqaudit-receipts-" + settings.group());
            t.setDaemon(true);
            return t;
        });
        long interval = settings.interval().toMillis();
        timer.scheduleWithFixedDelay(this::tick, interval, interval, TimeUnit.MILLISECONDS);
    }

    private static Map<String, Object> toMap(Properties p) {
        Map<String, Object> m = new HashMap<>();
        p.stringPropertyNames().forEach(k -> m.put(k, p.getProperty(k)));
        return m;
    }

    /** The application finished {@code record}: one processing of its offset. */
    public void processed(ConsumerRecord<?, ?> record) {
        if (record == null) {
            record(null, -1, -1, null); // logged once, never thrown into the application
            return;
        }
        record(record.topic(), record.partition(), record.offset(), null);
    }

    /** The application finished the record at {@code offset} of {@code partition} of {@code topic}. */
    public void processed(String topic, int partition, long offset) {
        record(topic, partition, offset, null);
    }

    /** The application gave up on {@code record}; the reason told is {@code error}'s class ("unknown" if null). */
    public void failed(ConsumerRecord<?, ?> record, Throwable error) {
        if (record == null) {
            record(null, -1, -1, reason(error));
            return;
        }
        record(record.topic(), record.partition(), record.offset(), reason(error));
    }

    /** The application gave up on the record at {@code offset}, for {@code reason} (e.g. an exception class). */
    public void failed(String topic, int partition, long offset, String reason) {
        record(topic, partition, offset, reason == null || reason.isBlank() ? Receipts.UNKNOWN_REASON : reason);
    }

    /** The reason a failure is told with: the exception's class name. */
    public static String reason(Throwable error) {
        return error == null ? Receipts.UNKNOWN_REASON : error.getClass().getName();
    }

    private void record(String topic, int partition, long offset, String reason) {
        synchronized (batcher) {
            if (closed) {
                droppedAtClose.increment();
                return;
            }
            if (topic == null || partition < 0 || offset < 0) {
                if (!badCallLogged) {
                    LOG.warn("seqaudit receipts: ignored a receipt for topic {} partition {} offset {} (logged "
                            + "once)", topic, partition, offset);
                    badCallLogged = true;
                }
                return;
            }
            ReceiptBatcher.Key key = new ReceiptBatcher.Key(settings.group(), topic, partition);
            if (reason == null) {
                batcher.processed(key, offset);
            } else {
                batcher.failed(key, offset, reason);
            }
        }
    }

    /**
     * Sends every receipt held now, on the caller's thread, and waits for the outcome (at most the producer's
     * delivery timeout, 30 s). Never throws; what cannot be sent is kept for the next tick. Optional: the timer
     * sends every interval anyway.
     */
    public void flush() {
        tick();
    }

    /**
     * Stops the timer, lets a send under way finish (within the producer's delivery timeout, 30 s), sends what is
     * held (waiting up to 10 s; what is not sent by then is counted in {@link #getDropped()}) and closes the receipt
     * producer. Receipts reported after close are counted there too. Never throws.
     */
    @Override
    public void close() {
        synchronized (batcher) {
            if (closed) {
                return;
            }
            closed = true;
        }
        // shutdown, not shutdownNow: a tick under way finishes (within the delivery timeout) rather than
        // giving up receipts that may still arrive, which the last send would then send a second time.
        timer.shutdown();
        try {
            timer.awaitTermination(CLOSE_WAIT_MS, TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        try {
            synchronized (sending) {
                List<Receipt> unsent = send(CLOSE_WAIT_MS);
                unsent.forEach(r -> droppedAtClose.add(r.offsets()));
                if (!unsent.isEmpty()) {
                    LOG.warn("seqaudit receipts: {} receipt(s) for group {} could not be sent before close",
                            unsent.size(), settings.group());
                }
            }
        } catch (RuntimeException e) {
            LOG.warn("seqaudit receipts: the last receipts of group {} were not sent ({})", settings.group(),
                    e.toString());
        } finally {
            sender.close();
        }
    }

    /** Receipt messages sent. */
    public long getSent() {
        return sender.sent();
    }

    /** Receipt messages whose send failed (each is kept and sent again, unless dropped). */
    public long getSendFailures() {
        return sender.failures();
    }

    /** Offsets whose receipts were dropped: past the bound, left unsent at close, or reported after close. */
    public long getDropped() {
        synchronized (batcher) {
            return batcher.dropped() + droppedAtClose.sum();
        }
    }

    /** Offset ranges held, not sent yet. */
    public long getPending() {
        synchronized (batcher) {
            return batcher.held();
        }
    }

    /** The settings in force. */
    public ReceiptSettings settings() {
        return settings;
    }

    private void tick() {
        try {
            synchronized (sending) {
                List<Receipt> unsent = send(Long.MAX_VALUE);
                long dropped;
                synchronized (batcher) {
                    if (closed) {
                        // close() gave up waiting for this tick and has sent its last receipts already
                        unsent.forEach(r -> droppedAtClose.add(r.offsets()));
                    } else {
                        batcher.requeue(unsent);
                    }
                    dropped = batcher.dropped();
                }
                if (dropped > droppedSeen && !dropping) {
                    LOG.warn("seqaudit receipts: receipts of group {} are being dropped (more than {} ranges "
                            + "unsent; see getDropped()); logged again once they are sent", settings.group(),
                            settings.maxPending());
                    dropping = true;
                } else if (dropping && unsent.isEmpty()) {
                    LOG.info("seqaudit receipts of group {} are sent again; {} offsets' receipts were dropped",
                            settings.group(), dropped);
                    dropping = false;
                }
                droppedSeen = dropped;
            }
        } catch (RuntimeException e) {
            // The timer must go on: a scheduled task that throws is never run again.
            LOG.warn("seqaudit receipts: a tick failed ({})", e.toString());
        }
    }

    /** Sends every receipt held, waiting at most {@code waitMs}; returns those not sent, oldest first. */
    private List<Receipt> send(long waitMs) {
        List<Receipt> receipts;
        synchronized (batcher) {
            receipts = batcher.drain();
        }
        return sender.send(receipts, waitMs);
    }
}
