package io.seqaudit.sequence;

import static org.assertj.core.api.Assertions.assertThat;

import io.seqaudit.sequence.SequenceDetector.Observation;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.Deque;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.Size;
import net.jqwik.api.statistics.Statistics;

/**
 * Streams with known, injected faults (lost seqs, duplicates, delayed records) fed through the detector: what it
 * reports must be exactly what was injected.
 */
class SequenceDetectorProperties {

    private static final long TICK = 10;
    private static final int MAX_N = 2_000;

    // ---- Scenario: a stream of n seqs and the faults injected into it ----

    /** Seqs {@code start .. start+length-1} are never sent (clipped so that the last seq is always sent). */
    record LostRun(int start, int length) {
    }

    /** The record at index {@code pick} (mod size) of the delivery is moved {@code by} positions later. */
    record Delay(int pick, int by) {
    }

    /** The record at index {@code pick} (mod size) of the delivery is sent again {@code after} positions later. */
    record Duplicate(int pick, int after) {
    }

    record Scenario(int n, List<LostRun> lostRuns, List<Delay> delays, List<Duplicate> duplicates, long grace) {

        /** The injected lost seqs: never below 0, never the last seq, so a later record reveals each of them. */
        BitSet lost() {
            BitSet lost = new BitSet(n);
            for (LostRun r : lostRuns) {
                int from = r.start() % (n - 1);
                lost.set(from, Math.min(from + r.length(), n - 1));
            }
            return lost;
        }

        /** What the auditor reads, in order: sent seqs, some moved later, some sent twice. */
        Delivery delivery() {
            BitSet lost = lost();
            List<Long> order = new ArrayList<>(n);
            for (int seq = 0; seq < n; seq++) {
                if (!lost.get(seq)) {
                    order.add((long) seq);
                }
            }
            BitSet delayed = new BitSet(n);
            for (Delay d : delays) {
                int from = d.pick() % order.size();
                long seq = order.remove(from);
                order.add(Math.min(from + d.by(), order.size()), seq);
                delayed.set((int) seq);
            }
            for (Duplicate d : duplicates) {
                int from = d.pick() % order.size();
                order.add(Math.min(from + d.after(), order.size()), order.get(from));
            }
            return new Delivery(order, lost, delayed, duplicates.size());
        }
    }

    record Delivery(List<Long> order, BitSet lost, BitSet delayed, int duplicates) {
    }

    @Provide
    Arbitrary<Scenario> scenarios() {
        Arbitrary<Integer> n = Arbitraries.integers().between(2, MAX_N);
        Arbitrary<Integer> anyIndex = Arbitraries.integers().between(0, MAX_N);
        Arbitrary<List<LostRun>> lostRuns = Combinators
                .combine(anyIndex, Arbitraries.integers().between(1, 20)).as(LostRun::new)
                .list().ofMaxSize(8);
        Arbitrary<List<Delay>> delays = Combinators
                .combine(anyIndex, Arbitraries.integers().between(1, 40)).as(Delay::new)
                .list().ofMaxSize(20);
        Arbitrary<List<Duplicate>> duplicates = Combinators
                .combine(anyIndex, Arbitraries.integers().between(1, 60)).as(Duplicate::new)
                .list().ofMaxSize(10);
        Arbitrary<Long> grace = Arbitraries.longs().between(0, 400);
        return Combinators.combine(n, lostRuns, delays, duplicates, grace).as(Scenario::new);
    }

    // ---- The oracle: an auditor that remembers every seq, against which the compact state is checked ----

    /** Knows every delivered seq and when each missing seq was first found missing. */
    static final class Oracle {
        final BitSet delivered;
        final long[] openedAt;
        final long[] firstOffset;
        final Deque<Long> lastAccepted = new ArrayDeque<>();
        long high = -1;
        int missing;

        Oracle(int n) {
            delivered = new BitSet(n);
            openedAt = new long[n];
            firstOffset = new long[n];
        }

        Outcome expect(long seq) {
            if (delivered.get((int) seq)) {
                return Outcome.DUPLICATE;
            }
            if (seq == high + 1) {
                return Outcome.IN_ORDER;
            }
            return seq > high ? Outcome.OUT_OF_ORDER : Outcome.LATE;
        }

        /** Where a duplicate's original was read, if it is among the last {@link RecentPositions#CAPACITY} accepted. */
        Position remembered(long seq) {
            return lastAccepted.contains(seq) ? new Position(0, firstOffset[(int) seq]) : null;
        }

        void record(long seq, long offset, long progress) {
            int s = (int) seq;
            if (delivered.get(s)) {
                return;
            }
            if (seq > high) {
                for (long m = high + 1; m < seq; m++) {
                    openedAt[(int) m] = progress;
                }
                missing += (int) (seq - high - 1);
                high = seq;
            } else {
                missing--;
            }
            delivered.set(s);
            firstOffset[s] = offset;
            lastAccepted.addLast(seq);
            if (lastAccepted.size() > RecentPositions.CAPACITY) {
                lastAccepted.removeFirst();
            }
        }
    }

    // ---- Properties ----

    @Property(tries = 300)
    void reportsExactlyTheInjectedFaults(@ForAll("scenarios") Scenario scenario) {
        Delivery delivery = scenario.delivery();
        long grace = scenario.grace();
        SequenceDetector detector = new SequenceDetector(MAX_N, Integer.MAX_VALUE, Duration.ofMillis(grace));
        StreamState state = new StreamState();
        Oracle oracle = new Oracle(scenario.n());
        Map<Outcome, Integer> counts = new EnumMap<>(Outcome.class);
        BitSet late = new BitSet();
        BitSet lateBeyondGrace = new BitSet();
        BitSet everLost = new BitSet();
        int duplicatesWithOriginal = 0;

        List<Long> order = delivery.order();
        for (int offset = 0; offset < order.size(); offset++) {
            long seq = order.get(offset);
            long progress = (offset + 1) * TICK;
            Outcome expected = oracle.expect(seq);

            Observation o = detector.observe(state, Arrival.of(seq, new Position(0, offset), progress));

            assertThat(o.outcome()).as("outcome of seq %d at offset %d", seq, offset).isEqualTo(expected);
            assertThat(o.forgotten()).isNull();
            counts.merge(o.outcome(), 1, Integer::sum);
            switch (o.outcome()) {
                case DUPLICATE -> {
                    assertThat(o.verdict()).as("original of duplicate %d", seq)
                            .isEqualTo(new Verdict.Duplicate(oracle.remembered(seq)));
                    duplicatesWithOriginal += oracle.remembered(seq) == null ? 0 : 1;
                }
                case LATE -> {
                    MissingRange filled = ((Verdict.Late) o.verdict()).filled();
                    long deadline = oracle.openedAt[(int) seq] + grace;
                    boolean confirmedLostBefore = offset * TICK >= deadline; // the previous record's confirmLosses
                    assertThat(filled.contains(seq)).isTrue();
                    assertThat(filled.openedAt()).isEqualTo(oracle.openedAt[(int) seq]);
                    assertThat(filled.isLost()).as("seq %d filled after its grace", seq).isEqualTo(confirmedLostBefore);
                    late.set((int) seq);
                    if (confirmedLostBefore) {
                        lateBeyondGrace.set((int) seq);
                    }
                }
                case OUT_OF_ORDER -> assertThat(o.verdict())
                        .isEqualTo(new Verdict.OutOfOrder(new MissingRange(oracle.high + 1, seq - 1, progress, 0)));
                default -> {
                }
            }
            oracle.record(seq, offset, progress);

            for (MissingRange r : detector.confirmLosses(state, progress)) {
                assertThat(r.lostAt()).isEqualTo(r.openedAt() + grace);
                everLost.set((int) r.from(), (int) r.to() + 1);
            }
            assertMatchesOracle(state, oracle, progress, grace);
        }

        long end = order.size() * TICK + grace + 1_000;
        for (MissingRange r : detector.confirmLosses(state, end)) {
            everLost.set((int) r.from(), (int) r.to() + 1);
        }
        BitSet lostAtEnd = union(state.missing());
        assertThat(state.missing()).allMatch(MissingRange::isLost);

        // The headline: what is reported lost is exactly what was never sent.
        assertThat(lostAtEnd).isEqualTo(delivery.lost());
        int distinct = scenario.n() - delivery.lost().cardinality();
        assertThat(count(counts, Outcome.DUPLICATE)).isEqualTo(delivery.duplicates());
        assertThat(state.duplicates()).isEqualTo(delivery.duplicates());
        assertThat(count(counts, Outcome.IN_ORDER) + count(counts, Outcome.OUT_OF_ORDER) + count(counts, Outcome.LATE))
                .isEqualTo(distinct);
        assertThat(order).hasSize(distinct + delivery.duplicates());
        assertThat(late).isEqualTo(arrivedAfterAHigherSeq(order));
        assertThat(delivery.delayed()).as("only delayed records are late").matches(d -> contains(d, late));
        assertThat(counts).doesNotContainKeys(Outcome.INVALID, Outcome.JOINED_LATE);
        // Delayed past their grace: reported lost, then filled; nothing else was ever lost.
        assertThat(lostAtEnd.intersects(lateBeyondGrace)).isFalse();
        BitSet lostOrBeyondGrace = (BitSet) delivery.lost().clone();
        lostOrBeyondGrace.or(lateBeyondGrace);
        assertThat(everLost).isEqualTo(lostOrBeyondGrace);
        for (long seq : order) {
            assertThat(lostAtEnd.get((int) seq)).as("seq %d delivered and lost", seq).isFalse();
        }

        Statistics.label("late within grace").collect(late.cardinality() > lateBeyondGrace.cardinality());
        Statistics.label("late beyond grace").collect(!lateBeyondGrace.isEmpty());
        Statistics.label("seq 0 lost").collect(delivery.lost().get(0));
        Statistics.label("duplicate original remembered").collect(duplicatesWithOriginal > 0);
        Statistics.label("duplicate original forgotten").collect(delivery.duplicates() > duplicatesWithOriginal);
        for (String label : List.of("late within grace", "late beyond grace", "seq 0 lost",
                "duplicate original remembered", "duplicate original forgotten")) {
            Statistics.label(label).coverage(c -> c.check(true).percentage(p -> p >= 5));
        }
    }

    @Property(tries = 200)
    void producerRestartStartsANewStreamWithoutGapsOrDuplicates(
            @ForAll @IntRange(min = 1, max = 300) int firstEpochLength,
            @ForAll @Size(max = 600) List<Boolean> interleaving) {
        SequenceDetector detector = new SequenceDetector(MAX_N, 100, Duration.ofMillis(50));
        StreamState epoch1 = new StreamState();
        StreamState epoch2 = new StreamState();
        long next1 = 0;
        long next2 = 0;
        long offset = 0;
        // Epoch 2's records interleave with epoch 1's tail (records still in flight when the producer restarted).
        for (boolean fromFirst : interleaving) {
            boolean first = fromFirst && next1 < firstEpochLength;
            StreamState state = first ? epoch1 : epoch2;
            long seq = first ? next1++ : next2++;
            long progress = ++offset * TICK;
            Observation o = detector.observe(state, Arrival.of(seq, new Position(0, offset), progress));
            assertThat(o.outcome()).isEqualTo(Outcome.IN_ORDER);
            assertThat(detector.confirmLosses(state, progress)).isEmpty();
        }
        for (StreamState state : List.of(epoch1, epoch2)) {
            assertThat(detector.confirmLosses(state, Long.MAX_VALUE / 2)).isEmpty();
            assertThat(state.missing()).isEmpty();
            assertThat(state.duplicates()).isZero();
        }
        assertThat(epoch1.nextExpected() + epoch2.nextExpected()).isEqualTo(interleaving.size());
    }

    @Property(tries = 300)
    void neverKeepsMoreRangesThanTheCapAndForgetsOnlyTheOldest(
            @ForAll("scenarios") Scenario scenario, @ForAll @IntRange(min = 1, max = 5) int maxRanges) {
        Delivery delivery = scenario.delivery();
        SequenceDetector detector = new SequenceDetector(MAX_N, maxRanges, Duration.ofMillis(scenario.grace()));
        StreamState state = new StreamState();
        Oracle oracle = new Oracle(scenario.n());
        BitSet forgotten = new BitSet();
        List<Long> order = delivery.order();
        for (int offset = 0; offset < order.size(); offset++) {
            long seq = order.get(offset);
            long progress = (offset + 1) * TICK;
            Observation o = detector.observe(state, Arrival.of(seq, new Position(0, offset), progress));
            // A seq of a forgotten range is no longer known missing: it reads as a duplicate, and only then.
            boolean known = oracle.delivered.get((int) seq) || forgotten.get((int) seq);
            assertThat(o.outcome() == Outcome.DUPLICATE).as("seq %d duplicate", seq).isEqualTo(known);
            oracle.record(seq, offset, progress);
            if (o.forgotten() != null) {
                assertThat(state.missing()).allMatch(r -> r.from() > o.forgotten().to());
                forgotten.set((int) o.forgotten().from(), (int) o.forgotten().to() + 1);
            }
            detector.confirmLosses(state, progress);

            assertThat(state.missing()).hasSizeLessThanOrEqualTo(maxRanges);
            assertRangesWellFormed(state, oracle);
            // Every seq missing is either tracked or was forgotten, never silently dropped.
            BitSet unaccounted = new BitSet();
            unaccounted.set(0, (int) Math.max(oracle.high, 0));
            unaccounted.andNot(oracle.delivered);
            unaccounted.andNot(union(state.missing()));
            unaccounted.andNot(forgotten);
            assertThat(unaccounted).as("missing seqs neither tracked nor forgotten").isEqualTo(new BitSet());
        }
    }

    @Property(tries = 200)
    void jumpsBeyondTheCapAreInvalidAndChangeNothing(
            @ForAll @IntRange(min = 1, max = 300) int n,
            @ForAll @Size(max = 20) List<@IntRange(min = 0, max = 300) Integer> corruptAt,
            @ForAll @IntRange(min = 1, max = 50) int maxJump) {
        SequenceDetector detector = new SequenceDetector(maxJump, 10, Duration.ofMillis(100));
        StreamState state = new StreamState();
        long offset = 0;
        for (long seq = 0; seq < n; seq++) {
            for (int at : corruptAt) {
                if (at == seq) {
                    long corrupt = state.high() + maxJump + 2 + at; // reveals more than maxJump missing seqs
                    Snapshot before = Snapshot.of(state);
                    Observation o = detector.observe(state,
                            Arrival.of(corrupt, new Position(1, offset++), offset * TICK));
                    assertThat(o.verdict()).isEqualTo(new Verdict.Invalid(SequenceDetector.SEQ_JUMP));
                    assertThat(Snapshot.of(state)).isEqualTo(before);
                }
            }
            Observation o = detector.observe(state, Arrival.of(seq, new Position(0, offset++), offset * TICK));
            assertThat(o.outcome()).isEqualTo(Outcome.IN_ORDER);
        }
        assertThat(state.missing()).isEmpty();
        assertThat(state.multiPartition()).isFalse();
        assertThat(state.high()).isEqualTo(n - 1);
    }

    // ---- Checks ----

    /** Every observable field of a state, to tell that an invalid record changed nothing. */
    record Snapshot(int home, boolean multiPartition, long start, long high, long duplicates, long lastActivity,
            List<MissingRange> missing, RecentPositions recent) {
        static Snapshot of(StreamState s) {
            return new Snapshot(s.home(), s.multiPartition(), s.start(), s.high(), s.duplicates(), s.lastActivity(),
                    List.copyOf(s.missing()), s.copy().recent());
        }
    }

    /** The ranges are well formed, hold exactly the oracle's missing seqs, and are lost exactly past their grace. */
    private static void assertMatchesOracle(StreamState state, Oracle oracle, long progress, long grace) {
        assertRangesWellFormed(state, oracle);
        long tracked = 0;
        for (MissingRange r : state.missing()) {
            tracked += r.size();
            for (long s = r.from(); s <= r.to(); s++) {
                assertThat(r.openedAt()).as("openedAt of seq %d", s).isEqualTo(oracle.openedAt[(int) s]);
            }
            boolean pastGrace = progress >= r.openedAt() + grace;
            assertThat(r.isLost()).as("%s lost at progress %d", r, progress).isEqualTo(pastGrace);
            if (pastGrace) {
                assertThat(r.lostAt()).isEqualTo(r.openedAt() + grace);
            }
        }
        // Disjoint ranges of undelivered seqs, as many as the oracle's: exactly the oracle's missing set.
        assertThat(tracked).isEqualTo(oracle.missing);
        assertThat(state.high()).isEqualTo(oracle.high);
    }

    /** Sorted, disjoint, non-empty, within [start, high-1], none holding a delivered seq. */
    private static void assertRangesWellFormed(StreamState state, Oracle oracle) {
        long previousTo = state.start() - 1;
        for (MissingRange r : state.missing()) {
            assertThat(r.size()).isPositive();
            assertThat(r.from()).as("%s after the previous range", r).isGreaterThan(previousTo);
            assertThat(r.to()).as("%s below high %d", r, state.high()).isLessThan(state.high());
            for (long s = r.from(); s <= r.to(); s++) {
                assertThat(oracle.delivered.get((int) s)).as("delivered seq %d in %s", s, r).isFalse();
            }
            previousTo = r.to();
        }
    }

    private static BitSet union(List<MissingRange> ranges) {
        BitSet seqs = new BitSet();
        for (MissingRange r : ranges) {
            seqs.set((int) r.from(), (int) r.to() + 1);
        }
        return seqs;
    }

    /** Seqs whose first arrival came after a higher seq, computed from the delivery order alone. */
    private static BitSet arrivedAfterAHigherSeq(List<Long> order) {
        BitSet seen = new BitSet();
        BitSet late = new BitSet();
        long max = -1;
        for (long seq : order) {
            if (!seen.get((int) seq) && seq < max) {
                late.set((int) seq);
            }
            seen.set((int) seq);
            max = Math.max(max, seq);
        }
        return late;
    }

    private static boolean contains(BitSet superset, BitSet subset) {
        BitSet rest = (BitSet) subset.clone();
        rest.andNot(superset);
        return rest.isEmpty();
    }

    private static int count(Map<Outcome, Integer> counts, Outcome outcome) {
        return counts.getOrDefault(outcome, 0);
    }
}
