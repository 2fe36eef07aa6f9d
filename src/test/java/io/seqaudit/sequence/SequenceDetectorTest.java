package io.seqaudit.sequence;

import static org.assertj.core.api.Assertions.assertThat;

import io.seqaudit.sequence.SequenceDetector.Observation;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class SequenceDetectorTest {

    private static final long GRACE = 100;
    private static final long T0 = 1_000;

    private final SequenceDetector detector = new SequenceDetector(1_000, 3, Duration.ofMillis(GRACE));
    private StreamState state;
    private long offset;

    @BeforeEach
    void newStream() {
        state = new StreamState();
        offset = 0;
    }

    /** Feeds one record on partition 0 at the next offset, taking a late-joined stream from its first seq. */
    private Observation feed(long seq, long progress) {
        return detector.observe(state, Arrival.of(seq, new Position(0, offset++), progress));
    }

    private static MissingRange suspected(long from, long to, long openedAt) {
        return new MissingRange(from, to, openedAt, 0);
    }

    /** A range reopened by a truncation: the log held its records and lost them, the broker's stage. */
    private static MissingRange truncated(long from, long to, long openedAt) {
        return new MissingRange(from, to, openedAt, 0, LossStage.BROKER, null);
    }

    /** Feeds one record whose log before it the auditor cannot vouch for, for streams last active before {@code mark}. */
    private Observation feedUnguarded(long seq, long progress, long mark) {
        return detector.observe(state, Arrival.of(seq, new Position(0, offset++), progress).withUnguardedBefore(mark));
    }

    @Test
    void seqsSkippedAcrossRecordsRemovedUnreadAreNotAuditedNeverSuspected() {
        for (long seq = 0; seq < 5; seq++) {
            feed(seq, T0);
        }
        long resumedAt = T0 + 10;
        Observation o = feedUnguarded(9, resumedAt, T0 + 1); // the stream's last record (T0) predates the mark

        assertThat(o.verdict()).as("the seqs skipped without audit")
                .isEqualTo(new Verdict.Resumed(suspected(5, 8, resumedAt)));
        assertThat(state.missing()).as("nothing suspected, so nothing can turn lost").isEmpty();
        assertThat(state.nextExpected()).isEqualTo(10);
        detector.confirmLosses(state, resumedAt + GRACE * 10);
        assertThat(state.missingCount(true)).isZero();

        Observation later = feedUnguarded(12, resumedAt + 1, T0 + 1);
        assertThat(later.outcome()).as("the stream was active after the mark: a gap is a gap again")
                .isEqualTo(Outcome.OUT_OF_ORDER);
        assertThat(state.missing()).containsExactly(suspected(10, 11, resumedAt + 1));
    }

    @Test
    void aStreamFirstSeenPastSeqZeroWhereRecordsMayHaveBeenRemovedIsTakenFromThere() {
        assertThat(feedUnguarded(7, T0, Long.MAX_VALUE).outcome()).isEqualTo(Outcome.JOINED_LATE);
        assertThat(state.start()).isEqualTo(7);
        assertThat(state.missing()).isEmpty();
        assertThat(feedUnguarded(8, T0, Long.MAX_VALUE).outcome()).as("in order needs no guarantee")
                .isEqualTo(Outcome.IN_ORDER);
    }

    @Test
    void aGuardedArrivalOpensASuspectedGapAsAlways() {
        feed(0, T0);
        Observation o = detector.observe(state, Arrival.of(3, new Position(0, offset++), T0)
                .withUnguardedBefore(Arrival.GUARDED));
        assertThat(o.outcome()).isEqualTo(Outcome.OUT_OF_ORDER);
        assertThat(state.missing()).containsExactly(suspected(1, 2, T0));
    }

    @Test
    void truncatedSeqsBecomeOneSuspectedRangeThenLostAfterGraceUnlessSentAgain() {
        for (long seq = 0; seq < 10; seq++) {
            feed(seq, T0);
        }
        feed(12, T0); // 10..11 missing, opened at T0
        long at = T0 + 50;
        for (long seq = 5; seq <= 9; seq++) {
            assertThat(detector.reopen(state, seq, at)).isTrue();
        }
        assertThat(detector.reopen(state, 12, at)).isTrue();

        assertThat(state.missing()).containsExactly(truncated(5, 9, at), suspected(10, 11, T0), truncated(12, 12, at));
        assertThat(detector.reopen(state, 7, at)).as("already missing").isFalse();
        assertThat(detector.reopen(state, 13, at)).as("never seen").isFalse();

        Observation again = feed(7, at + 1);
        assertThat(again.outcome()).as("sent again").isEqualTo(Outcome.LATE);
        assertThat(again.forgotten()).as("the split makes 4 ranges, over this detector's cap of 3")
                .isEqualTo(truncated(5, 6, at));
        detector.confirmLosses(state, at + GRACE);
        assertThat(state.missing()).extracting(MissingRange::from).containsExactly(8L, 10L, 12L);
        assertThat(state.missingCount(true)).isEqualTo(2 + 2 + 1);
        assertThat(state.missingCount(false)).isZero();
    }

    @Test
    void countsInOrderStream() {
        for (long seq = 0; seq < 10; seq++) {
            Observation o = feed(seq, T0 + seq);
            assertThat(o.outcome()).isEqualTo(Outcome.IN_ORDER);
            assertThat(o.forgotten()).isNull();
        }
        assertThat(state.start()).isZero();
        assertThat(state.high()).isEqualTo(9);
        assertThat(state.nextExpected()).isEqualTo(10);
        assertThat(state.missing()).isEmpty();
        assertThat(state.duplicates()).isZero();
        assertThat(state.lastActivity()).isEqualTo(T0 + 9);
        assertThat(detector.nextDeadline(state)).isEqualTo(Long.MAX_VALUE);
        assertThat(detector.confirmLosses(state, Long.MAX_VALUE - GRACE)).isEmpty();
    }

    @Test
    void opensGapForSkippedSeqsAsSuspected() {
        feed(0, T0);
        feed(1, T0 + 10);
        Observation o = feed(5, T0 + 20);

        assertThat(o.verdict()).isEqualTo(new Verdict.OutOfOrder(suspected(2, 4, T0 + 20)));
        assertThat(state.missing()).containsExactly(suspected(2, 4, T0 + 20));
        assertThat(state.missingCount(false)).isEqualTo(3);
        assertThat(state.missingCount(true)).isZero();
        assertThat(state.high()).isEqualTo(5);
        assertThat(detector.nextDeadline(state)).isEqualTo(T0 + 20 + GRACE);
        assertThat(feed(6, T0 + 30).outcome()).isEqualTo(Outcome.IN_ORDER);
    }

    @Test
    void lateRecordFillsAndSplitsGap() {
        feed(0, T0);
        feed(6, T0 + 10); // 1..5 missing
        Observation o = feed(3, T0 + 20);

        assertThat(o.verdict()).isEqualTo(new Verdict.Late(suspected(1, 5, T0 + 10)));
        assertThat(state.missing()).containsExactly(suspected(1, 2, T0 + 10), suspected(4, 5, T0 + 10));
        assertThat(state.high()).isEqualTo(6);

        assertThat(feed(1, T0 + 30).verdict()).isEqualTo(new Verdict.Late(suspected(1, 2, T0 + 10)));
        assertThat(feed(5, T0 + 40).verdict()).isEqualTo(new Verdict.Late(suspected(4, 5, T0 + 10)));
        assertThat(state.missing()).containsExactly(suspected(2, 2, T0 + 10), suspected(4, 4, T0 + 10));
        feed(2, T0 + 50);
        feed(4, T0 + 60);
        assertThat(state.missing()).isEmpty();
    }

    @Test
    void reportsGapAsLostOnlyAfterGrace() {
        feed(0, T0);
        feed(3, T0 + 10); // 1..2 opened at T0+10, deadline T0+110
        long deadline = T0 + 10 + GRACE;

        assertThat(detector.confirmLosses(state, deadline - 1)).isEmpty();
        assertThat(state.missing()).containsExactly(suspected(1, 2, T0 + 10));

        List<MissingRange> lost = detector.confirmLosses(state, deadline);
        assertThat(lost).containsExactly(new MissingRange(1, 2, T0 + 10, deadline));
        assertThat(state.missing()).containsExactly(new MissingRange(1, 2, T0 + 10, deadline));
        assertThat(state.missingCount(true)).isEqualTo(2);
        assertThat(detector.nextDeadline(state)).isEqualTo(Long.MAX_VALUE);

        // Promoting again reports nothing new, and a much later check keeps the deterministic loss time.
        assertThat(detector.confirmLosses(state, deadline + 10_000)).isEmpty();
        assertThat(state.missing().get(0).lostAt()).isEqualTo(deadline);
    }

    @Test
    void lostSeqArrivingAfterAllIsLateAndLeavesLostState() {
        feed(0, T0);
        feed(2, T0 + 10);
        detector.confirmLosses(state, T0 + 10 + GRACE);
        MissingRange lost = new MissingRange(1, 1, T0 + 10, T0 + 10 + GRACE);
        assertThat(state.missing()).containsExactly(lost);

        Observation o = feed(1, T0 + 500);

        assertThat(o.verdict()).isEqualTo(new Verdict.Late(lost));
        assertThat(state.missing()).isEmpty();
        assertThat(state.missingCount(true)).isZero();
        assertThat(feed(1, T0 + 510).outcome()).isEqualTo(Outcome.DUPLICATE);
    }

    @Test
    void duplicateNamesOriginalOffsetWhileRemembered() {
        for (long seq = 0; seq < 6; seq++) {
            feed(seq, T0 + seq); // seq n at offset n
        }
        Observation o = feed(3, T0 + 10);

        assertThat(o.verdict()).isEqualTo(new Verdict.Duplicate(new Position(0, 3)));
        assertThat(state.duplicates()).isEqualTo(1);
        assertThat(state.high()).isEqualTo(5);
        assertThat(state.missing()).isEmpty();
    }

    @Test
    void duplicateOfOldSeqStillDetectedWithoutOriginal() {
        for (long seq = 0; seq < 10; seq++) {
            feed(seq, T0 + seq);
        }
        Observation o = feed(2, T0 + 20); // only seqs 6..9 are remembered

        assertThat(o.verdict()).isEqualTo(new Verdict.Duplicate(null));
        assertThat(state.duplicates()).isEqualTo(1);
        assertThat(feed(6, T0 + 21).verdict()).isEqualTo(new Verdict.Duplicate(new Position(0, 6)));
        assertThat(state.duplicates()).isEqualTo(2);
    }

    @Test
    void producerRestartWithHigherEpochIsNeitherGapNorDuplicate() {
        StreamState epoch1 = new StreamState();
        StreamState epoch2 = new StreamState();
        Position at = new Position(0, 0);
        for (long seq = 0; seq < 5; seq++) {
            assertThat(detector.observe(epoch1, Arrival.of(seq, at, T0)).outcome()).isEqualTo(Outcome.IN_ORDER);
        }
        // The producer restarts with a new epoch, which is a new stream: it counts from 0 again.
        for (long seq = 0; seq < 3; seq++) {
            assertThat(detector.observe(epoch2, Arrival.of(seq, at, T0 + 10)).outcome()).isEqualTo(Outcome.IN_ORDER);
        }
        detector.confirmLosses(epoch1, Long.MAX_VALUE / 2);
        detector.confirmLosses(epoch2, Long.MAX_VALUE / 2);
        assertThat(epoch1.missing()).isEmpty();
        assertThat(epoch2.missing()).isEmpty();
        assertThat(epoch1.duplicates() + epoch2.duplicates()).isZero();
        // Had the epoch not been part of the stream's identity, the restart would read as duplicates.
        assertThat(detector.observe(epoch1, Arrival.of(0, at, T0 + 20)).outcome()).isEqualTo(Outcome.DUPLICATE);
    }

    @Test
    void joinedLateStreamIsTakenFromFirstSeq() {
        Observation o = detector.observe(state, Arrival.of(500, new Position(2, 40), T0).withTakeFromFirstSeen(true));

        assertThat(o.outcome()).isEqualTo(Outcome.JOINED_LATE);
        assertThat(state.start()).isEqualTo(500);
        assertThat(state.high()).isEqualTo(500);
        assertThat(state.home()).isEqualTo(2);
        assertThat(state.missing()).isEmpty();
        assertThat(detector.observe(state, Arrival.of(501, new Position(2, 41), T0).withTakeFromFirstSeen(true))
                .outcome())
                .isEqualTo(Outcome.IN_ORDER);
        // A seq from before the auditor joined is late, and neither a gap nor a duplicate.
        Observation older = detector.observe(state,
                Arrival.of(499, new Position(2, 42), T0).withTakeFromFirstSeen(true));
        assertThat(older.verdict()).isEqualTo(new Verdict.Late(null));
        assertThat(state.missing()).isEmpty();
        assertThat(state.duplicates()).isZero();
    }

    @Test
    void streamFirstSeenAtNWhenAuditorWasThereFromStartReportsZeroToNMinusOneMissing() {
        Observation o = feed(7, T0);

        assertThat(o.verdict()).isEqualTo(new Verdict.OutOfOrder(suspected(0, 6, T0)));
        assertThat(state.start()).isZero();
        assertThat(state.high()).isEqualTo(7);
        assertThat(state.missing()).containsExactly(suspected(0, 6, T0));
        assertThat(feed(0, T0 + 1).outcome()).isEqualTo(Outcome.LATE);
        assertThat(state.missing()).containsExactly(suspected(1, 6, T0));
    }

    @Test
    void jumpBeyondCapIsInvalidAndLeavesStateUnchanged() {
        feed(0, T0);
        feed(1, T0 + 1);
        StreamState before = state.copy();

        // high is 1: seq 1003 would reveal 2..1002 missing, one more than the cap of 1000.
        Observation o = detector.observe(state, Arrival.of(1_003, new Position(1, 99), T0 + 2));

        assertThat(o.verdict()).isEqualTo(new Verdict.Invalid(SequenceDetector.SEQ_JUMP));
        assertThat(state).usingRecursiveComparison().isEqualTo(before);
        assertThat(state.multiPartition()).isFalse();
        assertThat(state.lastActivity()).isEqualTo(T0 + 1);

        // Exactly the cap is still a gap; later records audit normally.
        assertThat(feed(2, T0 + 3).outcome()).isEqualTo(Outcome.IN_ORDER);
        Observation atCap = feed(2 + 1_000 + 1, T0 + 4);
        assertThat(atCap.verdict()).isEqualTo(new Verdict.OutOfOrder(suspected(3, 1_002, T0 + 4)));
        assertThat(feed(3, T0 + 5).outcome()).isEqualTo(Outcome.LATE);
    }

    @Test
    void firstSeqBeyondCapIsInvalidAndLeavesStreamNew() {
        Observation o = feed(1_001, T0);

        assertThat(o.verdict()).isEqualTo(new Verdict.Invalid(SequenceDetector.SEQ_JUMP));
        assertThat(state.isNew()).isTrue();
        assertThat(state.missing()).isEmpty();
        assertThat(feed(0, T0 + 1).outcome()).isEqualTo(Outcome.IN_ORDER);
    }

    @Test
    void oldestRangeForgottenBeyondRangeCap() {
        feed(0, T0);
        feed(2, T0 + 1); // [1]
        feed(4, T0 + 2); // [3]
        feed(6, T0 + 3); // [5]
        Observation o = feed(8, T0 + 4); // [7]: a fourth range

        assertThat(o.outcome()).isEqualTo(Outcome.OUT_OF_ORDER);
        assertThat(o.forgotten()).isEqualTo(suspected(1, 1, T0 + 1));
        assertThat(state.missing()).containsExactly(
                suspected(3, 3, T0 + 2), suspected(5, 5, T0 + 3), suspected(7, 7, T0 + 4));
    }

    @Test
    void lateRecordSplittingARangeStillRespectsRangeCap() {
        feed(0, T0);
        feed(2, T0 + 1); // [1]
        feed(4, T0 + 2); // [3]
        feed(10, T0 + 3); // [5..9]: three ranges, the cap
        Observation o = feed(7, T0 + 4); // splits 5..9 into 5..6 and 8..9

        assertThat(o.outcome()).isEqualTo(Outcome.LATE);
        assertThat(o.forgotten()).isEqualTo(suspected(1, 1, T0 + 1));
        assertThat(state.missing()).containsExactly(
                suspected(3, 3, T0 + 2), suspected(5, 6, T0 + 3), suspected(8, 9, T0 + 3));
    }

    @Test
    void multiPartitionFlagSetWhenSeenOnSecondPartition() {
        detector.observe(state, Arrival.of(0, new Position(3, 10), T0));
        detector.observe(state, Arrival.of(1, new Position(3, 11), T0));
        assertThat(state.home()).isEqualTo(3);
        assertThat(state.multiPartition()).isFalse();

        Observation o = detector.observe(state, Arrival.of(2, new Position(5, 0), T0));

        assertThat(o.outcome()).isEqualTo(Outcome.IN_ORDER);
        assertThat(state.multiPartition()).isTrue();
        assertThat(state.home()).isEqualTo(3);
        Observation dup = detector.observe(state, Arrival.of(2, new Position(3, 12), T0));
        assertThat(dup.verdict()).isEqualTo(new Verdict.Duplicate(new Position(5, 0)));
    }

    @Test
    void streamOnAnyPartitionSpansPartitionsFromItsFirstRecord() {
        // The null key: its next records may wait on a partition not read yet, whatever was seen so far.
        assertThat(detector.observe(state, Arrival.of(0, new Position(3, 10), T0).withAnyPartition(true)).outcome())
                .isEqualTo(Outcome.IN_ORDER);
        assertThat(state.multiPartition()).isTrue();
        assertThat(state.home()).isEqualTo(3);

        // An invalid first record leaves a new stream as it was.
        StreamState other = new StreamState();
        assertThat(detector.observe(other, Arrival.of(5_000, new Position(3, 0), T0).withAnyPartition(true)).outcome())
                .isEqualTo(Outcome.INVALID);
        assertThat(other.isNew()).isTrue();
        assertThat(other.multiPartition()).isFalse();
    }

    @Test
    void copyIsIndependent() {
        feed(0, T0);
        feed(4, T0 + 10); // 1..3 missing
        StreamState copy = state.copy();

        feed(2, T0 + 20);
        feed(5, T0 + 30);
        feed(5, T0 + 40);
        detector.confirmLosses(state, Long.MAX_VALUE / 2);

        assertThat(copy.high()).isEqualTo(4);
        assertThat(copy.missing()).containsExactly(suspected(1, 3, T0 + 10));
        assertThat(copy.duplicates()).isZero();
        assertThat(copy.lastActivity()).isEqualTo(T0 + 10);
        assertThat(copy.recent().size()).isEqualTo(2);
        assertThat(copy.recent().find(5)).isNull();

        // And the other way round: working on the copy leaves the original alone.
        StreamState again = state.copy();
        detector.observe(again, Arrival.of(1, new Position(0, 99), T0 + 50));
        assertThat(state.missing()).hasSize(2);
        assertThat(again.missing()).hasSize(1);
        assertThat(state.recent().find(1)).isNull();
    }

    @Test
    void recentPositionsEqualByContentHaveEqualHashCodes() {
        RecentPositions rotated = new RecentPositions();
        RecentPositions fresh = new RecentPositions();
        for (long seq = 0; seq < RecentPositions.CAPACITY + 1; seq++) {
            rotated.add(seq, new Position(0, seq));
        }
        for (long seq = 1; seq < RecentPositions.CAPACITY + 1; seq++) {
            fresh.add(seq, new Position(0, seq));
        }

        assertThat(rotated).isEqualTo(fresh);
        assertThat(rotated.hashCode()).isEqualTo(fresh.hashCode());
    }
}
