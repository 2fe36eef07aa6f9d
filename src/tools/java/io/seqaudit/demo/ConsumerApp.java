package io.seqaudit.demo;

import io.seqaudit.receipt.ProcessingReceipts;
import io.seqaudit.receipt.ReceiptSettings;
import io.seqaudit.stamp.SeqauditHeaders;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.CountDownLatch;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.serialization.StringDeserializer;

/**
 * An application consumer group that sends processing receipts (README, "Processing receipts") and makes the two
 * consumer-stage faults of the seed on purpose, for the tests and the demo. Run in-process (one call of
 * {@link #run} on the caller's thread) or as a process of its own, so that a test can kill it with {@code kill -9}:
 *
 * <pre>
 * java -cp ... io.seqaudit.demo.ConsumerApp BOOTSTRAP TOPIC GROUP commit-first MODULO RECORDS [RECEIPT_TOPIC]
 * java -cp ... io.seqaudit.demo.ConsumerApp BOOTSTRAP TOPIC GROUP process-first COMMITTED UNCOMMITTED [RECEIPT_TOPIC]
 * java -cp ... io.seqaudit.demo.ConsumerApp BOOTSTRAP TOPIC GROUP normal 0 RECORDS [RECEIPT_TOPIC]
 * </pre>
 *
 * <ul>
 *   <li>{@code commit-first}: commits each poll before processing it; processing fails for the records that
 *       {@link #fails} picks, which get a {@code failed} receipt or, when {@link #failureReported} says not, none
 *       at all (a crash inside processing). Stops after RECORDS records, and never commits past them.</li>
 *   <li>{@code process-first}: processes and commits record by record for COMMITTED records, then processes
 *       UNCOMMITTED more without committing, waits until their receipts are on the broker, prints {@code READY}
 *       and waits to be killed (run it on a one-partition topic: the uncommitted records are then its offsets
 *       COMMITTED..COMMITTED+UNCOMMITTED-1).</li>
 *   <li>{@code normal}: processes, then commits, record by record, until it has processed RECORDS records.</li>
 * </ul>
 *
 * <p>Throws (and, from {@code main}, exits non-zero) if the receipts cannot be sent within a minute: the tests
 * that use it must not wait for findings that cannot come.
 */
public final class ConsumerApp {

    /** What the application does with a record. */
    public enum Mode { COMMIT_FIRST, PROCESS_FIRST, NORMAL }

    /** The exception commit-first processing throws for a picked record; its class is the receipt's reason. */
    public static final class ProcessingFailed extends RuntimeException {
        ProcessingFailed(String what) {
            super(what);
        }
    }

    private static final Duration SEND_WAIT = Duration.ofSeconds(60);

    private ConsumerApp() {
    }

    /**
     * Whether commit-first processing fails for this (key, seq): every {@code modulo}-th seq of a stream, shifted by
     * the key's length so that streams fail at different seqs.
     */
    public static boolean fails(String key, long seq, int modulo) {
        return Math.floorMod(seq + (key == null ? 0 : key.length()), modulo) == 0;
    }

    /** Whether a failed record still gets its {@code failed} receipt (otherwise processing died before sending one). */
    public static boolean failureReported(long seq, int modulo) {
        return (seq / modulo) % 2 == 0;
    }

    public static void main(String[] args) throws Exception {
        Mode mode = Mode.valueOf(args[3].toUpperCase().replace('-', '_'));
        String receiptTopic = args.length > 6 ? args[6] : null;
        run(args[0], args[1], args[2], mode, Integer.parseInt(args[4]), Integer.parseInt(args[5]), receiptTopic);
    }

    /**
     * Runs one application member until it has done what {@code mode} says (see the class comment), on the
     * caller's thread; {@code receiptTopic} null for the library's default.
     */
    public static void run(String bootstrap, String topic, String group, Mode mode, int a, int b,
            String receiptTopic) throws InterruptedException {
        Properties p = new Properties();
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        p.put(ConsumerConfig.GROUP_ID_CONFIG, group);
        p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        // The broker's minimum: a member killed with kill -9 leaves the group in seconds, so the next member of
        // the group gets its partitions without waiting for the default 45 s.
        p.put(ConsumerConfig.SESSION_TIMEOUT_MS_CONFIG, "6000");
        p.put(ConsumerConfig.HEARTBEAT_INTERVAL_MS_CONFIG, "1000");
        Properties receiptConfig = new Properties();
        receiptConfig.putAll(p);
        if (receiptTopic != null) {
            receiptConfig.put(ReceiptSettings.TOPIC, receiptTopic);
        }
        try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(p, new StringDeserializer(),
                new StringDeserializer()); ProcessingReceipts receipts = new ProcessingReceipts(receiptConfig)) {
            consumer.subscribe(List.of(topic));
            int limit = mode == Mode.PROCESS_FIRST ? a + b : b;
            int done = 0;
            while (done < limit) {
                var polled = consumer.poll(Duration.ofMillis(200));
                for (TopicPartition tp : polled.partitions()) {
                    List<ConsumerRecord<String, String>> all = polled.records(tp);
                    // Only what this member will process: a commit past the limit would lose records the fault
                    // rule did not pick, and a test could not tell them from the injected losses.
                    List<ConsumerRecord<String, String>> records = all.subList(0, Math.min(all.size(), limit - done));
                    if (records.isEmpty()) {
                        break;
                    }
                    if (mode == Mode.COMMIT_FIRST) {
                        consumer.commitSync(Map.of(tp, new OffsetAndMetadata(
                                records.get(records.size() - 1).offset() + 1)));
                    }
                    for (ConsumerRecord<String, String> r : records) {
                        done++;
                        try {
                            process(r, mode, a);
                            receipts.processed(r);
                        } catch (ProcessingFailed e) {
                            if (failureReported(seq(r), a)) {
                                receipts.failed(r, e);
                            } // else: processing died before anything could be told, no receipt at all
                            continue;
                        }
                        if (mode == Mode.NORMAL || mode == Mode.PROCESS_FIRST && done <= a) {
                            consumer.commitSync(Map.of(tp, new OffsetAndMetadata(r.offset() + 1)));
                        }
                    }
                }
            }
            awaitSent(receipts);
            if (mode == Mode.PROCESS_FIRST) {
                System.out.println("READY");
                System.out.flush();
                new CountDownLatch(1).await(); // killed here with kill -9: the last records processed, not committed
            }
        }
    }

    /** The application's "business logic": nothing, except the failure the fault rule picks. */
    private static void process(ConsumerRecord<String, String> r, Mode mode, int modulo) {
        if (mode == Mode.COMMIT_FIRST && fails(r.key(), seq(r), modulo)) {
            throw new ProcessingFailed("processing failed for " + r.key() + "#" + seq(r));
        }
    }

    /**
     * flush() never throws and keeps what it could not send for a later tick, so "flushed" does not mean "on the
     * broker": READY (after which the process is killed) must wait until nothing is held any more.
     */
    private static void awaitSent(ProcessingReceipts receipts) {
        Instant until = Instant.now().plus(SEND_WAIT);
        receipts.flush();
        while (receipts.getPending() > 0) {
            if (Instant.now().isAfter(until)) {
                throw new IllegalStateException("receipts not sent within " + SEND_WAIT + ": "
                        + receipts.getPending() + " range(s) held, " + receipts.getSendFailures() + " send failure(s)");
            }
            receipts.flush(); // waits for the send's outcome itself: this loop does not spin
        }
        if (receipts.getDropped() > 0) {
            throw new IllegalStateException(receipts.getDropped() + " receipt offset(s) dropped");
        }
    }

    /** The record's stream seq (the stamping interceptor's header), -1 without one. */
    public static long seq(ConsumerRecord<?, ?> r) {
        Header h = r.headers().lastHeader(SeqauditHeaders.SEQ);
        return h == null ? -1 : Long.parseLong(new String(h.value(), StandardCharsets.US_ASCII));
    }
}
