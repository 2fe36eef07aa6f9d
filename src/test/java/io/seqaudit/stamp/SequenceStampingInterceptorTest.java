package io.seqaudit.stamp;

import static io.seqaudit.stamp.StampTestSupport.DEFAULT_ID;
import static io.seqaudit.stamp.StampTestSupport.HOST;
import static io.seqaudit.stamp.StampTestSupport.START_MS;
import static io.seqaudit.stamp.StampTestSupport.hasAnyStampHeader;
import static io.seqaudit.stamp.StampTestSupport.interceptor;
import static io.seqaudit.stamp.StampTestSupport.record;
import static io.seqaudit.stamp.StampTestSupport.stampOf;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;

import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.internals.RecordHeader;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import io.seqaudit.stamp.StampTestSupport.Stamp;

class SequenceStampingInterceptorTest {

    private static final byte[] SOME = "1".getBytes(StandardCharsets.UTF_8);

    @Test
    void recordsAbortedUnsentMoveEveryStreamToAFreshEpochFromSeqZero() {
        var interceptor = interceptor(SequenceStampingInterceptor.EPOCH_CONFIG, "77");
        for (int i = 0; i < 3; i++) {
            interceptor.onSend(record("t1", "a"));
        }
        interceptor.onSend(record("t1", "b"));
        interceptor.onAcknowledgement(null, new java.io.IOException("a failed send that is not an abort"));
        assertThat(stampOf(interceptor.onSend(record("t1", "a")))).as("other failures change nothing")
                .isEqualTo(new Stamp(DEFAULT_ID, 77, 3));

        // abortTransaction() fails the records still waiting to be sent: they never reach the log.
        interceptor.onAcknowledgement(null, new org.apache.kafka.common.errors.TransactionAbortedException("aborted"));
        interceptor.onAcknowledgement(null, new org.apache.kafka.common.errors.TransactionAbortedException("aborted"));

        Stamp a = stampOf(interceptor.onSend(record("t1", "a")));
        Stamp b = stampOf(interceptor.onSend(record("t1", "b")));
        assertThat(a.epoch()).isGreaterThan(77).isEqualTo(b.epoch());
        assertThat(List.of(a.seq(), b.seq())).containsExactly(0L, 0L);
        assertThat(interceptor.getAbortedUnsentCount()).isEqualTo(2);
    }

    @Test
    void stampsConsecutiveSeqsPerKeyStartingAtZero() {
        var interceptor = interceptor(SequenceStampingInterceptor.PRODUCER_ID_CONFIG, "orders-svc-1",
                SequenceStampingInterceptor.EPOCH_CONFIG, "77");
        String[][] sends = { { "t1", "a" }, { "t1", "a" }, { "t1", "b" }, { "t1", null }, { "t1", "a" },
                { "t1", null }, { "t1", "b" }, { "t2", "a" }, { "t2", null } };
        List<Long> seqs = new ArrayList<>();
        for (String[] send : sends) {
            Stamp stamp = stampOf(interceptor.onSend(record(send[0], send[1])));
            assertThat(stamp.producer()).isEqualTo("orders-svc-1");
            assertThat(stamp.epoch()).isEqualTo(77);
            seqs.add(stamp.seq());
        }
        // a: 0 1 2, b: 0 1, null: 0 1 (a key of its own), other topic starts over.
        assertThat(seqs).containsExactly(0L, 1L, 0L, 0L, 2L, 1L, 1L, 0L, 0L);
        assertThat(interceptor.getStampedCount()).isEqualTo(sends.length);
        assertThat(interceptor.getKeysTracked()).isEqualTo(5);
    }

    @Test
    void copiesTopicPartitionTimestampKeyValueAndReadOnlyHeadersWithoutTouchingTheOriginal() {
        var interceptor = interceptor();
        RecordHeaders headers = new RecordHeaders(new RecordHeader[] { new RecordHeader("trace", SOME) });
        headers.setReadOnly(); // as after an earlier send of the same headers
        var original = new ProducerRecord<Object, Object>("t", 3, 12345L, "k", "v", headers);

        var sent = interceptor.onSend(original);

        assertThat(sent).isNotSameAs(original);
        assertThat(sent.topic()).isEqualTo("t");
        assertThat(sent.partition()).isEqualTo(3);
        assertThat(sent.timestamp()).isEqualTo(12345L);
        assertThat(sent.key()).isEqualTo("k");
        assertThat(sent.value()).isEqualTo("v");
        assertThat(sent.headers().lastHeader("trace").value()).isEqualTo(SOME);
        assertThat(stampOf(sent)).isEqualTo(new Stamp(DEFAULT_ID, START_MS, 0));
        assertThat(original.headers().toArray()).hasSize(1);
    }

    @Test
    void keepsHeadersOfARecordAlreadyStamped() {
        var interceptor = interceptor();
        var resent = interceptor.onSend(record("t", "k")); // seq 0, headers now on the record
        var replay = new ProducerRecord<Object, Object>("t", null, "k", "v", new RecordHeaders()
                .add(SeqauditHeaders.PRODUCER, SeqauditHeaders.encodeText("elsewhere"))
                .add(SeqauditHeaders.EPOCH, SeqauditHeaders.encodeLong(5))
                .add(SeqauditHeaders.SEQ, SeqauditHeaders.encodeLong(41)));

        assertThat(interceptor.onSend(resent)).isSameAs(resent);
        assertThat(interceptor.onSend(replay)).isSameAs(replay);

        assertThat(stampOf(resent)).isEqualTo(new Stamp(DEFAULT_ID, START_MS, 0));
        assertThat(stampOf(replay)).isEqualTo(new Stamp("elsewhere", 5, 41));
        assertThat(interceptor.getAlreadyStampedCount()).isEqualTo(2);
        assertThat(interceptor.getStampedCount()).isEqualTo(1);
        // Leaving them alone took no seq: the next fresh record of the key continues at 1.
        assertThat(stampOf(interceptor.onSend(record("t", "k"))).seq()).isEqualTo(1);
    }

    static Stream<List<String>> partialHeaderSets() {
        return Stream.of(List.of(SeqauditHeaders.PRODUCER), List.of(SeqauditHeaders.EPOCH),
                List.of(SeqauditHeaders.SEQ), List.of(SeqauditHeaders.PRODUCER, SeqauditHeaders.EPOCH),
                List.of(SeqauditHeaders.PRODUCER, SeqauditHeaders.SEQ),
                List.of(SeqauditHeaders.EPOCH, SeqauditHeaders.SEQ));
    }

    @ParameterizedTest
    @MethodSource("partialHeaderSets")
    void leavesPartiallyStampedRecordUnchanged(List<String> present) {
        var interceptor = interceptor();
        RecordHeaders headers = new RecordHeaders();
        present.forEach(name -> headers.add(name, SOME));
        var partial = new ProducerRecord<Object, Object>("t", null, "k", "v", headers);

        assertThat(interceptor.onSend(partial)).isSameAs(partial);

        assertThat(partial.headers().toArray()).hasSize(present.size());
        assertThat(interceptor.getPartiallyStampedCount()).isEqualTo(1);
        assertThat(interceptor.getStampedCount()).isZero();
        assertThat(interceptor.getKeysTracked()).isZero();
    }

    @Test
    void byteArrayKeysWithEqualContentShareACounter() {
        var interceptor = interceptor();
        byte[] first = { 1, 2, 3 };
        assertThat(stampOf(interceptor.onSend(record("t", first))).seq()).isZero();
        assertThat(stampOf(interceptor.onSend(record("t", new byte[] { 1, 2, 3 }))).seq()).isEqualTo(1);
        assertThat(stampOf(interceptor.onSend(record("t", ByteBuffer.wrap(new byte[] { 1, 2, 3 })))).seq())
                .isEqualTo(2);
        assertThat(stampOf(interceptor.onSend(record("t", new byte[] { 1, 2 }))).seq()).isZero();

        // The application reusing its array must not corrupt the stored key.
        first[0] = 9;
        assertThat(stampOf(interceptor.onSend(record("t", first))).seq()).isZero();
        assertThat(stampOf(interceptor.onSend(record("t", new byte[] { 1, 2, 3 }))).seq()).isEqualTo(3);
        assertThat(interceptor.getKeysTracked()).isEqualTo(3);
    }

    @Test
    void evictedKeyReturnsUnderAFreshHigherEpochStartingAtZero() {
        AtomicLong clock = new AtomicLong(50); // behind the configured epoch: the epoch grows by 1
        var interceptor = interceptor(clock::get, SequenceStampingInterceptor.MAX_KEYS_CONFIG, "1",
                SequenceStampingInterceptor.EPOCH_CONFIG, "100");

        assertThat(stampOf(interceptor.onSend(record("t", "a")))).isEqualTo(new Stamp(DEFAULT_ID, 100, 0));
        assertThat(stampOf(interceptor.onSend(record("t", "a")))).isEqualTo(new Stamp(DEFAULT_ID, 100, 1));
        Stamp b = stampOf(interceptor.onSend(record("t", "b"))); // evicts a
        Stamp aAgain = stampOf(interceptor.onSend(record("t", "a"))); // evicts b

        assertThat(b.seq()).isZero();
        assertThat(b.epoch()).isGreaterThanOrEqualTo(100);
        assertThat(aAgain.seq()).isZero();
        assertThat(aAgain.epoch()).isGreaterThan(100).isGreaterThan(b.epoch());
        assertThat(interceptor.getEvictionCount()).isEqualTo(2);
        assertThat(interceptor.getKeysTracked()).isEqualTo(1);
        assertThat(stampOf(interceptor.onSend(record("t", "a")))).isEqualTo(new Stamp(DEFAULT_ID, aAgain.epoch(), 1));
    }

    @Test
    void freshEpochFollowsTheWallClockWhenItIsAhead() {
        AtomicLong clock = new AtomicLong(100);
        var interceptor = interceptor(clock::get, SequenceStampingInterceptor.MAX_KEYS_CONFIG, 1);
        assertThat(stampOf(interceptor.onSend(record("t", "a"))).epoch()).isEqualTo(100);

        clock.set(5_000);
        assertThat(stampOf(interceptor.onSend(record("t", "b")))).isEqualTo(new Stamp(DEFAULT_ID, 5_000, 0));
    }

    @Test
    void neverHoldsMoreThanMaxKeysCounters() {
        var interceptor = interceptor(SequenceStampingInterceptor.MAX_KEYS_CONFIG, "100");
        for (int i = 0; i < 1_000; i++) {
            interceptor.onSend(record("t", "key-" + i));
        }
        assertThat(interceptor.getKeysTracked()).isGreaterThan(50).isLessThanOrEqualTo(100);
        assertThat(interceptor.getEvictionCount()).isEqualTo(1_000 - interceptor.getKeysTracked());
    }

    @Test
    void neverThrowsIntoTheApplication() {
        var interceptor = interceptor();
        Object badKey = new Object() {
            @Override
            public int hashCode() {
                throw new IllegalStateException("broken key");
            }
        };
        var bad = record("t", badKey);

        assertThat(interceptor.onSend(bad)).isSameAs(bad);
        assertThat(hasAnyStampHeader(bad)).isFalse();
        assertThat(interceptor.getFailureCount()).isEqualTo(1);
        assertThat(interceptor.getStampedCount()).isZero();
        // The failure took no seq and broke nothing.
        assertThat(stampOf(interceptor.onSend(record("t", "k"))).seq()).isZero();
    }

    @Test
    void sendBeforeConfigureGoesOutUnstampedAndCountsAsFailure() {
        var interceptor = new SequenceStampingInterceptor<Object, Object>(() -> START_MS, () -> HOST);
        var unconfigured = record("t", "k");

        assertThat(interceptor.onSend(unconfigured)).isSameAs(unconfigured);
        assertThat(interceptor.getFailureCount()).isEqualTo(1);
    }

    @Test
    void closeForgetsAllKeysAndNeverReusesTheirEpoch() {
        var interceptor = interceptor();
        interceptor.onSend(record("t", "a"));
        interceptor.onSend(record("t", "a"));

        interceptor.close();

        assertThat(interceptor.getKeysTracked()).isZero();
        Stamp afterClose = stampOf(interceptor.onSend(record("t", "a")));
        assertThat(afterClose.seq()).isZero();
        assertThat(afterClose.epoch()).isGreaterThan(START_MS);
    }
}
