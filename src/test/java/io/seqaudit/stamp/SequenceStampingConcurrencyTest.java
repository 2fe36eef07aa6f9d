package io.seqaudit.stamp;

import static io.seqaudit.stamp.StampTestSupport.START_MS;
import static io.seqaudit.stamp.StampTestSupport.interceptor;
import static io.seqaudit.stamp.StampTestSupport.record;
import static io.seqaudit.stamp.StampTestSupport.stampOf;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import java.util.ArrayList;
import java.util.BitSet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;

import org.junit.jupiter.api.Test;

import io.seqaudit.stamp.StampTestSupport.Stamp;

/** Many threads sending at once: every (key, epoch) must still be 0..n-1, each seq exactly once. */
class SequenceStampingConcurrencyTest {

    private static final int THREADS = 16;
    private static final int SENDS_PER_THREAD = 20_000;
    private static final int KEYS = 500;

    private record Stream(int key, long epoch) {
    }

    @Test
    void concurrentSendsFromManyThreadsGiveEachKeyAGaplessDuplicateFreeSequence() throws Exception {
        var interceptor = interceptor();

        Map<Stream, BitSet> streams = sendConcurrently(interceptor);

        assertGaplessAndDuplicateFree(streams);
        assertThat(streams.keySet()).extracting(Stream::epoch).containsOnly(START_MS);
        assertThat(streams).hasSize(KEYS); // one stream per key: nothing was evicted
        assertThat(interceptor.getStampedCount()).isEqualTo((long) THREADS * SENDS_PER_THREAD);
        assertThat(interceptor.getEvictionCount()).isZero();
        assertThat(interceptor.getFailureCount()).isZero();
    }

    @Test
    void concurrentSendsWithEvictionsAtAFixedClockNeverRepeatATripleAndStayGapless() throws Exception {
        // A clock that never moves forces every fresh epoch onto the "last epoch + 1" path.
        concurrentSendsWithEvictions(() -> START_MS);
    }

    @Test
    void concurrentSendsWithEvictionsAtTheWallClockNeverRepeatATripleAndStayGapless() throws Exception {
        concurrentSendsWithEvictions(System::currentTimeMillis);
    }

    private void concurrentSendsWithEvictions(LongSupplier clock) throws Exception {
        var interceptor = interceptor(clock, SequenceStampingInterceptor.MAX_KEYS_CONFIG, 64,
                SequenceStampingInterceptor.EPOCH_CONFIG, START_MS);

        Map<Stream, BitSet> streams = sendConcurrently(interceptor);

        assertGaplessAndDuplicateFree(streams);
        assertThat(interceptor.getEvictionCount()).isGreaterThan(1_000);
        assertThat(interceptor.getKeysTracked()).isLessThanOrEqualTo(64);
        assertThat(streams.keySet()).extracting(Stream::epoch).allMatch(epoch -> epoch >= START_MS);
        assertThat(streams.size()).isGreaterThan(KEYS); // evicted keys came back under new epochs
        long total = streams.values().stream().mapToLong(BitSet::cardinality).sum();
        assertThat(total).isEqualTo((long) THREADS * SENDS_PER_THREAD);
        assertThat(interceptor.getFailureCount()).isZero();
    }

    /** Runs all sends, then returns the seqs seen per stream; fails on any triple seen twice. */
    private static Map<Stream, BitSet> sendConcurrently(SequenceStampingInterceptor<Object, Object> interceptor)
            throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(THREADS);
        try {
            CountDownLatch start = new CountDownLatch(1);
            List<Future<long[]>> results = new ArrayList<>();
            for (int t = 0; t < THREADS; t++) {
                results.add(pool.submit(sender(interceptor, start)));
            }
            start.countDown();
            Map<Stream, BitSet> streams = new HashMap<>();
            for (Future<long[]> result : results) {
                long[] triples = result.get(2, TimeUnit.MINUTES);
                for (int i = 0; i < triples.length; i += 3) {
                    BitSet seqs = streams.computeIfAbsent(new Stream((int) triples[i], triples[i + 1]), s -> new BitSet());
                    int seq = Math.toIntExact(triples[i + 2]);
                    if (seqs.get(seq)) {
                        fail("duplicate (key %d, epoch %d, seq %d)", triples[i], triples[i + 1], seq);
                    }
                    seqs.set(seq);
                }
            }
            return streams;
        } finally {
            pool.shutdownNow();
        }
    }

    /** Each sender records (key, epoch, seq) of every record it sent. */
    private static Callable<long[]> sender(SequenceStampingInterceptor<Object, Object> interceptor,
            CountDownLatch start) {
        return () -> {
            long[] triples = new long[SENDS_PER_THREAD * 3];
            start.await();
            ThreadLocalRandom random = ThreadLocalRandom.current();
            for (int i = 0; i < SENDS_PER_THREAD; i++) {
                int key = random.nextInt(KEYS);
                Stamp stamp = stampOf(interceptor.onSend(record("orders", "key-" + key)));
                triples[3 * i] = key;
                triples[3 * i + 1] = stamp.epoch();
                triples[3 * i + 2] = stamp.seq();
            }
            return triples;
        };
    }

    private static void assertGaplessAndDuplicateFree(Map<Stream, BitSet> streams) {
        assertThat(streams).isNotEmpty();
        streams.forEach((stream, seqs) -> assertThat(seqs.nextClearBit(0))
                .as("seqs of %s must be exactly 0..n-1", stream)
                .isEqualTo(seqs.cardinality()));
    }
}
