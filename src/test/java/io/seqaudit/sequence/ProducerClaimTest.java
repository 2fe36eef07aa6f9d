package io.seqaudit.sequence;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The beacon rule of the detector: tails, stages, and what a claim must never do. */
class ProducerClaimTest {

    private static final long GRACE = 1_000;
    private final SequenceDetector detector = new SequenceDetector(100_000, 100, Duration.ofMillis(GRACE));

    private StreamState seen(long... seqs) {
        StreamState s = new StreamState();
        for (long seq : seqs) {
            detector.observe(s, Arrival.of(seq, new Position(0, seq), 10));
        }
        return s;
    }

    private static ProducerClaim claim(long upTo, ProducerClaim.NotSent... notSent) {
        return new ProducerClaim(upTo, List.of(notSent));
    }

    @Test
    void aTailThatNeverArrivedOpensAsMissingWithTheStageTheBeaconGives() {
        StreamState s = seen(0, 1, 2);
        long opened = detector.claim(s, claim(6, new ProducerClaim.NotSent(5, 6, "unsent")), 0, 50, true, false);
        assertThat(opened).isEqualTo(4);
        assertThat(s.high()).isEqualTo(6);
        assertThat(s.missing()).extracting(MissingRange::from, MissingRange::to, MissingRange::stage,
                MissingRange::cause).containsExactly(
                        org.assertj.core.groups.Tuple.tuple(3L, 4L, LossStage.BROKER, null),
                        org.assertj.core.groups.Tuple.tuple(5L, 6L, LossStage.PRODUCER, "unsent"));
        assertThat(detector.confirmLosses(s, 50 + GRACE)).extracting(MissingRange::size).containsExactly(2L, 2L);
    }

    @Test
    void aSeqOfTheTailArrivingLaterFillsItAndTheNextSeqIsInOrder() {
        StreamState s = seen(0);
        detector.claim(s, claim(2), 0, 50, true, false);
        assertThat(detector.observe(s, Arrival.of(2, new Position(0, 9), 60)).outcome()).isEqualTo(Outcome.LATE);
        assertThat(detector.observe(s, Arrival.of(3, new Position(0, 10), 60)).outcome())
                .isEqualTo(Outcome.IN_ORDER);
        assertThat(s.missing()).extracting(MissingRange::from, MissingRange::to).containsExactly(
                org.assertj.core.groups.Tuple.tuple(1L, 1L));
    }

    @Test
    void aGapFoundByALaterRecordGetsItsStageFromTheBeacon() {
        StreamState s = seen(0, 1, 5);
        detector.claim(s, claim(5, new ProducerClaim.NotSent(3, 3, "org.example.Boom")), 0, 50, true, false);
        assertThat(s.missing()).extracting(MissingRange::from, MissingRange::to, MissingRange::stage,
                MissingRange::cause).containsExactly(
                        org.assertj.core.groups.Tuple.tuple(2L, 2L, LossStage.BROKER, null),
                        org.assertj.core.groups.Tuple.tuple(3L, 3L, LossStage.PRODUCER, "org.example.Boom"),
                        org.assertj.core.groups.Tuple.tuple(4L, 4L, LossStage.BROKER, null));
    }

    @Test
    void applyingTheSameClaimTwiceChangesNothing() {
        StreamState s = seen(0, 1);
        ProducerClaim c = claim(4, new ProducerClaim.NotSent(4, 4, "unsent"));
        detector.claim(s, c, 0, 50, true, false);
        List<MissingRange> once = List.copyOf(s.missing());
        assertThat(detector.claim(s, c, 0, 70, true, false)).isZero();
        assertThat(s.missing()).isEqualTo(once);
        assertThat(s.high()).isEqualTo(4);
    }

    @Test
    void aStreamNeverSeenOnAnyPartitionIsTimedOnEveryPartitionsClock() {
        StreamState s = new StreamState();
        assertThat(detector.claim(s, claim(0, new ProducerClaim.NotSent(0, 0, "redirected")), -1, 50, true, false))
                .isEqualTo(1);
        // Homed on partition 0, whose owner confirms its losses; but its records may land on any partition.
        assertThat(s.home()).isZero();
        assertThat(s.multiPartition()).isTrue();
        assertThat(s.missing()).extracting(MissingRange::from, MissingRange::to).containsExactly(
                org.assertj.core.groups.Tuple.tuple(0L, 0L));
    }

    @Test
    void aStreamNeverSeenIsCreatedWhollyMissingUnlessTheAuditorJoinedLate() {
        StreamState s = new StreamState();
        assertThat(detector.claim(s, claim(2, new ProducerClaim.NotSent(0, 2, "unsent")), 3, 50, true, false))
                .isEqualTo(3);
        assertThat(s.home()).isEqualTo(3);
        assertThat(s.missing()).extracting(MissingRange::stage).containsExactly(LossStage.PRODUCER);

        StreamState late = new StreamState();
        assertThat(detector.claim(late, claim(2), 3, 50, true, true)).isZero();
        assertThat(late.isNew()).isTrue();
    }

    @Test
    void aStreamThatMaySpanPartitionsGetsStagesButNoTail() {
        StreamState s = seen(0, 3);
        assertThat(detector.claim(s, claim(6), 0, 50, false, false)).isZero();
        assertThat(s.high()).isEqualTo(3);
        assertThat(s.missing()).extracting(MissingRange::stage).containsExactly(LossStage.BROKER);
    }

    @Test
    void aStageOnceKnownIsKeptAndAClaimBeyondTheCapIsRefused() {
        StreamState s = seen(0, 2);
        detector.claim(s, claim(2, new ProducerClaim.NotSent(1, 1, "first")), 0, 50, true, false);
        detector.claim(s, claim(2), 0, 60, true, false);
        assertThat(s.missing().get(0).cause()).isEqualTo("first");
        assertThat(detector.claim(s, claim(2 + 100_001), 0, 60, true, false)).isEqualTo(-1);
        assertThat(s.high()).isEqualTo(2);
    }
}
