package io.seqaudit.it;

import static io.seqaudit.it.ApiAuth.asViewer;
import static org.assertj.core.api.Assertions.assertThat;
import static io.seqaudit.it.ServiceReads.metric;
import static io.seqaudit.it.ServiceReads.stream;
import static io.seqaudit.it.ServiceReads.topicSummary;
import static org.awaitility.Awaitility.await;

import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.restassured.path.json.JsonPath;
import io.seqaudit.stamp.SequenceStampingInterceptor;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.errors.TransactionAbortedException;
import org.junit.jupiter.api.Test;

/**
 * Transactional producers (issue 15): the seqs of aborted transactions are closed as aborted, never lost; a seq
 * skipped inside a committed transaction is still lost, a seq sent twice still a duplicate; an open transaction
 * keeps its seqs from being confirmed lost however long it stays open. Against the real broker and Redis.
 */
@QuarkusTest
@TestProfile(TransactionsTest.Profile.class)
class TransactionsTest {

    static final String RUN = UUID.randomUUID().toString().substring(0, 8);
    static final String INTERCEPTED = "txn-intercepted-" + RUN;
    static final String BY_HAND = "txn-by-hand-" + RUN;
    static final String OPEN = "txn-open-" + RUN;
    /** Two partitions: a null-key stream spans them. */
    static final String SPREAD = "txn-spread-" + RUN;
    static final int TRANSACTIONS = 7; // every other one aborted: 1, 3, 5; the last one commits
    static final int PER_TRANSACTION = 5;

    public static class Profile implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return AuditTestProfile.settings("txn-" + RUN, INTERCEPTED + "," + BY_HAND + "," + OPEN + "," + SPREAD,
                    "2s");
        }

        @Override
        public List<TestResourceEntry> testResources() {
            return List.of(new TestResourceEntry(Topics.class));
        }
    }

    public static class Topics implements QuarkusTestResourceLifecycleManager {
        @Override
        public Map<String, String> start() {
            KafkaSupport.createTopic(INTERCEPTED, 3);
            KafkaSupport.createTopic(BY_HAND, 3);
            KafkaSupport.createTopic(OPEN, 1);
            KafkaSupport.createTopic(SPREAD, 2);
            return Map.of();
        }

        @Override
        public void stop() {
        }
    }

    /**
     * The interceptor on a transactional producer that holds records until a commit or a flush (a long linger):
     * aborting after a flush leaves the records in the log (the auditor finds them, read uncommitted, and closes
     * their seqs as aborted); aborting without one fails them unsent (the interceptor moves to a fresh epoch, so
     * the aborted seqs are the unseen end of the old one). Neither is a loss.
     */
    @Test
    void abortedTransactionsOfTheInterceptorAreNeverLost() {
        int keys = 6;
        long inLog = 0;
        long unsent = 0;
        try (KafkaProducer<String, String> p = transactional("interceptor-" + RUN, true)) {
            for (int t = 0; t < TRANSACTIONS; t++) {
                p.beginTransaction();
                List<Future<RecordMetadata>> sends = sendAll(p, t, keys);
                if (t % 2 == 0) {
                    p.commitTransaction();
                } else if (t == 3) {
                    // Aborted before any flush: the records normally fail unsent. If the producer's sender thread
                    // was mid-cycle when the abort began, it sends the batches it holds (a completing transaction
                    // makes them ready): those reach the log as aborted records. So each send's outcome is read,
                    // and the step is taken again, in a new transaction, until some record did fail unsent (which
                    // moves every stream to a fresh epoch). An aborted record in the log is closed as aborted only
                    // once a later seq of its stream and epoch is read; the last ones of the old epoch are its
                    // unseen end, like the unsent ones. A key's records of one attempt share one batch.
                    p.abortTransaction();
                    long[] pending = new long[keys]; // per key: aborted in the log, no later seq read yet
                    long[][] outcome = sentAndUnsent(sends, keys);
                    for (int attempt = 1; ; attempt++) {
                        for (int k = 0; k < keys; k++) {
                            if (outcome[0][k] > 0) {
                                inLog += pending[k];
                                pending[k] = outcome[0][k];
                            }
                            unsent += outcome[1][k];
                        }
                        if (unsent > 0 || attempt == 5) {
                            break;
                        }
                        p.beginTransaction();
                        sends = sendAll(p, t, keys);
                        p.abortTransaction();
                        outcome = sentAndUnsent(sends, keys);
                    }
                    if (unsent == 0) {
                        inLog += java.util.Arrays.stream(pending).sum(); // same epoch: the next transaction follows
                    }
                } else {
                    p.flush();
                    p.abortTransaction();
                    inLog += (long) PER_TRANSACTION * keys;
                }
            }
        }
        long expectedAborted = inLog;
        long committed = (long) (TRANSACTIONS - TRANSACTIONS / 2) * PER_TRANSACTION * keys;
        await().atMost(Duration.ofSeconds(60)).ignoreExceptions().untilAsserted(() -> {
            JsonPath s = topicSummary(INTERCEPTED);
            assertThat(s.getLong("records.in_order") + s.getLong("records.out_of_order")).isEqualTo(committed);
            assertThat(s.getLong("aborted")).isEqualTo(expectedAborted);
            assertThat(s.getLong("lost") + s.getLong("suspected")).isZero();
            assertThat(stream(INTERCEPTED, "a0").getList("$")).as("a fresh epoch after the unsent abort").hasSize(2);
            assertThat(metric("seqaudit_aborted_seqs_total", INTERCEPTED)).isEqualTo((double) expectedAborted);
        });
        assertThat(unsent).isPositive();
    }

    /**
     * Stamped by hand under the header contract (flush before abort, as the README asks of such clients): every
     * aborted seq is closed as aborted, a seq skipped inside a committed transaction is lost, one sent twice is a
     * duplicate.
     */
    @Test
    void aLossOrADuplicateInACommittedTransactionIsStillFoundAmongAbortedOnes() {
        int keys = 4;
        long aborted = 0;
        long[] next = new long[keys];
        try (KafkaProducer<String, String> p = transactional("by-hand-" + RUN, false)) {
            for (int t = 0; t < TRANSACTIONS; t++) {
                p.beginTransaction();
                for (int i = 0; i < PER_TRANSACTION; i++) {
                    for (int k = 0; k < keys; k++) {
                        if (t == 4 && i == 2 && k == 1) {
                            next[k]++; // a real loss: stamped, never sent
                            continue;
                        }
                        p.send(Stamped.record(BY_HAND, "b" + k, "by-hand", 1, next[k]));
                        if (t == 6 && i == 0 && k == 2) {
                            p.send(Stamped.record(BY_HAND, "b" + k, "by-hand", 1, next[k])); // a duplicate
                        }
                        next[k]++;
                    }
                }
                if (t % 2 == 1) {
                    p.flush();
                    p.abortTransaction();
                    aborted += (long) PER_TRANSACTION * keys;
                } else {
                    p.commitTransaction();
                }
            }
        }
        long expectedAborted = aborted;
        await().atMost(Duration.ofSeconds(60)).ignoreExceptions().untilAsserted(() -> {
            JsonPath s = topicSummary(BY_HAND);
            assertThat(s.getLong("aborted")).isEqualTo(expectedAborted);
            assertThat(s.getLong("lost")).as("only the seq skipped in a committed transaction").isEqualTo(1);
            assertThat(s.getLong("suspected")).isZero();
            assertThat(s.getLong("records.duplicate")).isEqualTo(1);
            JsonPath b1 = stream(BY_HAND, "b1");
            assertThat(b1.getLong("[0].missing[0].fromSeq")).isEqualTo(4L * PER_TRANSACTION + 2);
            assertThat(b1.getLong("[0].missing[0].toSeq")).isEqualTo(4L * PER_TRANSACTION + 2);
            assertThat(b1.getString("[0].missing[0].state")).isEqualTo("lost");
        });
    }

    @Test
    void anOpenTransactionKeepsItsSeqsFromBeingLostUntilItEnds() {
        try (KafkaProducer<String, String> p = transactional("open-" + RUN, false)) {
            send(p, 0, 5, true);
            p.beginTransaction();
            for (long s = 5; s < 10; s++) {
                p.send(Stamped.record(OPEN, "c0", "open", 1, s));
            }
            p.flush();
            // Open for three grace windows: nothing may be confirmed lost meanwhile.
            await().during(Duration.ofSeconds(6)).atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
                JsonPath s = topicSummary(OPEN);
                assertThat(s.getLong("lost")).isZero();
                assertThat(s.getLong("records.in_order")).isEqualTo(5);
            });
            p.commitTransaction();
            send(p, 10, 15, false); // aborted
            send(p, 15, 20, true);
        }
        await().atMost(Duration.ofSeconds(60)).ignoreExceptions().untilAsserted(() -> {
            JsonPath s = topicSummary(OPEN);
            assertThat(s.getLong("records.in_order")).isEqualTo(14);
            assertThat(s.getLong("records.out_of_order")).isEqualTo(1);
            assertThat(s.getLong("aborted")).isEqualTo(5);
            assertThat(s.getLong("lost") + s.getLong("suspected")).isZero();
        });
    }

    /**
     * A null-key stream spans partitions, so its grace follows the slowest one. Seq 2 waits in an open transaction
     * on partition 0 while seq 3 is already readable on partition 1: the auditor cannot read partition 0 past the
     * open transaction, so that partition is not caught up and its clock stands still; seq 2 stays suspected for
     * as long as the transaction is open (here five grace windows), and arrives late once it commits.
     */
    @Test
    void aSeqInAnOpenTransactionIsNeverConfirmedLostWhileItsStreamGoesOnElsewhere() {
        try (KafkaProducer<String, String> txn = transactional("spread-" + RUN, false);
                KafkaProducer<String, String> plain = KafkaSupport.producer(null, Map.of())) {
            txn.beginTransaction();
            txn.send(spread(0, 0));
            txn.send(spread(1, 1));
            txn.commitTransaction();
            txn.beginTransaction();
            txn.send(spread(0, 2));
            txn.flush();
            plain.send(spread(1, 3)); // the same stream (stamped by hand), outside the transaction
            plain.flush();
            await().atMost(Duration.ofSeconds(30)).ignoreExceptions().untilAsserted(() ->
                    assertThat(topicSummary(SPREAD).getLong("suspected")).isEqualTo(1));
            await().during(Duration.ofSeconds(10)).atMost(Duration.ofSeconds(20)).ignoreExceptions()
                    .untilAsserted(() -> {
                        JsonPath s = topicSummary(SPREAD);
                        assertThat(s.getLong("suspected")).isEqualTo(1);
                        assertThat(s.getLong("lost")).isZero();
                    });
            txn.commitTransaction();
        }
        await().atMost(Duration.ofSeconds(30)).ignoreExceptions().untilAsserted(() -> {
            JsonPath s = topicSummary(SPREAD);
            assertThat(s.getLong("records.late")).isEqualTo(1);
            assertThat(s.getLong("lost") + s.getLong("suspected") + s.getLong("lostTotal")).isZero();
        });
    }

    private static ProducerRecord<String, String> spread(int partition, long seq) {
        ProducerRecord<String, String> r = Stamped.record(SPREAD, null, "spread", 1, seq);
        return new ProducerRecord<>(SPREAD, partition, null, null, r.value(), r.headers());
    }

    private static List<Future<RecordMetadata>> sendAll(KafkaProducer<String, String> p, int transaction, int keys) {
        List<Future<RecordMetadata>> sends = new ArrayList<>();
        for (int i = 0; i < PER_TRANSACTION; i++) {
            for (int k = 0; k < keys; k++) {
                sends.add(p.send(new ProducerRecord<>(INTERCEPTED, "a" + k, "t" + transaction)));
            }
        }
        return sends;
    }

    /**
     * Of an aborted transaction's sends, per key index: [0] how many reached the log (acknowledged), [1] how many
     * failed unsent. {@link #sendAll} sends key {@code i % keys} as its i-th record.
     */
    private static long[][] sentAndUnsent(List<Future<RecordMetadata>> sends, int keys) {
        long[][] out = new long[2][keys];
        for (int i = 0; i < sends.size(); i++) {
            try {
                sends.get(i).get(30, TimeUnit.SECONDS);
                out[0][i % keys]++;
            } catch (ExecutionException e) {
                assertThat(e.getCause()).isInstanceOf(TransactionAbortedException.class);
                out[1][i % keys]++;
            } catch (InterruptedException | TimeoutException e) {
                throw new AssertionError("a send of the aborted transaction did not complete", e);
            }
        }
        return out;
    }

    private static void send(KafkaProducer<String, String> p, long from, long to, boolean commit) {
        p.beginTransaction();
        for (long s = from; s < to; s++) {
            p.send(Stamped.record(OPEN, "c0", "open", 1, s));
        }
        if (commit) {
            p.commitTransaction();
        } else {
            p.flush(); // stamped by hand: the aborted records must reach the log (README, header contract)
            p.abortTransaction();
        }
    }

    private static KafkaProducer<String, String> transactional(String id, boolean interceptor) {
        Map<String, Object> extra = new HashMap<>();
        extra.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, id);
        extra.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
        // Records wait for a commit or a flush: what is sent before an abort is up to the test, not to timing.
        extra.put(ProducerConfig.LINGER_MS_CONFIG, 60_000);
        KafkaProducer<String, String> p = KafkaSupport.producer(
                interceptor ? SequenceStampingInterceptor.class.getName() : null, extra);
        p.initTransactions();
        return p;
    }



}
