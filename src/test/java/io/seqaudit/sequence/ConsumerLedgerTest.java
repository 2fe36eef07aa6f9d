package io.seqaudit.sequence;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The consumer stage's rules (README, "What the auditor does with receipts"), without Kafka or Redis. */
class ConsumerLedgerTest {

    private static final long GRACE = 1_000;
    private static final long MAX = 10_000;

    /** A ledger of a group seen without a commit first: it watches the partition from offset 0. */
    private static ConsumerLedger fromStart() {
        ConsumerLedger l = new ConsumerLedger();
        assertThat(l.noCommit()).isTrue();
        return l;
    }

    private static List<Long> offsets(ConsumerLedger.Due due) {
        List<Long> out = new ArrayList<>();
        due.unreceipted().forEach(f -> {
            for (long o = f.from(); o <= f.to(); o++) {
                out.add(o);
            }
        });
        return out;
    }

    @Test
    void committedUnreceiptedOffsetsArePendingUntilGraceThenDue() {
        ConsumerLedger l = fromStart();
        l.processed(0, 4);
        l.processed(6, 9);
        l.committed(10, 100);
        assertThat(l.pending()).isEqualTo(1); // offset 5: committed, no receipt, within grace
        assertThat(l.due(100 + GRACE - 1, GRACE, MAX)).isNull();
        ConsumerLedger.Due due = l.due(100 + GRACE, GRACE, MAX);
        assertThat(due.from()).isEqualTo(5); // 0..4 were settled by compaction
        assertThat(due.to()).isEqualTo(10);
        assertThat(offsets(due)).containsExactly(5L);
        l.settle(due, List.of(5L));
        assertThat(l.lostCount()).isEqualTo(1);
        assertThat(l.frontier()).isEqualTo(10);
        assertThat(l.pending()).isZero();
        assertThat(l.processedCount()).isEqualTo(9);
    }

    @Test
    void offsetsNotCommittedAreNeverDue() {
        ConsumerLedger l = fromStart();
        l.committed(3, 0);
        l.processed(0, 2);
        // 3..99 are not committed: no receipt for them, and still nothing due however long it takes.
        assertThat(l.due(1_000_000, GRACE, MAX)).isNull();
        assertThat(l.pending()).isZero();
    }

    @Test
    void graceRunsFromWhenTheCommitFirstPassedTheOffset() {
        ConsumerLedger l = fromStart();
        l.committed(5, 0);
        l.committed(10, 500);
        ConsumerLedger.Due first = l.due(GRACE, GRACE, MAX);
        assertThat(offsets(first)).containsExactly(0L, 1L, 2L, 3L, 4L); // 5..9 committed at 500: not yet
        l.settle(first, List.of(0L, 1L, 2L, 3L, 4L));
        assertThat(l.due(GRACE + 499, GRACE, MAX)).isNull();
        assertThat(offsets(l.due(GRACE + 500, GRACE, MAX))).containsExactly(5L, 6L, 7L, 8L, 9L);
    }

    @Test
    void aFailedReceiptIsLostWithItsReasonUnlessALaterOneSaysProcessed() {
        ConsumerLedger l = fromStart();
        l.failed(2, 3, "java.lang.IllegalStateException");
        l.failed(5, 5, "java.io.IOException");
        l.processed(0, 1);
        l.processed(4, 4);
        l.processed(5, 5); // the application recovered 5
        l.committed(6, 0);
        ConsumerLedger.Due due = l.due(GRACE, GRACE, MAX);
        assertThat(due.unreceipted()).containsExactly(
                new ConsumerLedger.Failure(2, 3, "java.lang.IllegalStateException"));
        l.settle(due, List.of(2L, 3L));
        assertThat(l.lostCount()).isEqualTo(2);
        assertThat(l.twiceCount()).isZero();
    }

    @Test
    void anOffsetReceiptedTwiceIsReportedAtOnceAboveAndBelowTheFrontier() {
        ConsumerLedger l = fromStart();
        assertThat(l.processed(0, 9)).isEmpty();
        assertThat(l.processed(8, 12)).containsExactly(new ConsumerLedger.Range(8, 9)); // not committed yet
        l.committed(13, 0);
        assertThat(l.frontier()).isEqualTo(13);
        assertThat(l.processed(3, 4)).containsExactly(new ConsumerLedger.Range(3, 4)); // settled as processed
        assertThat(l.twiceCount()).isEqualTo(4);
        assertThat(l.processedCount()).isEqualTo(13);
    }

    @Test
    void markersAndAbortedRecordsAreSettledWithoutAFinding() {
        ConsumerLedger l = fromStart();
        l.processed(0, 2); // a committed transaction's records; 3 is its marker
        l.processed(7, 7); // 4..5 aborted, 6 the abort marker; 7 a record, 8 its marker
        l.committed(9, 0);
        ConsumerLedger.Due due = l.due(GRACE, GRACE, MAX);
        assertThat(offsets(due)).containsExactly(3L, 4L, 5L, 6L, 8L);
        l.settle(due, List.of()); // the lookup found no data record there
        assertThat(l.lostCount()).isZero();
        assertThat(l.frontier()).isEqualTo(9);
    }

    @Test
    void aLateProcessingOfALostRecordIsNotASecondOneAndReceiptsBeforeTheStartAreIgnored() {
        ConsumerLedger l = new ConsumerLedger();
        l.committed(100, 0); // first seen with a commit: the watch starts there
        assertThat(l.processed(50, 99)).isEmpty();
        assertThat(l.processedCount()).isZero();
        l.committed(102, 0);
        ConsumerLedger.Due due = l.due(GRACE, GRACE, MAX);
        l.settle(due, List.of(100L, 101L));
        assertThat(l.processed(101, 101)).isEmpty(); // late, not twice
        assertThat(l.processedCount()).isEqualTo(1);
        assertThat(l.processed(101, 101)).containsExactly(new ConsumerLedger.Range(101, 101));
    }

    @Test
    void theStoredDataGivesTheSameLedger() {
        ConsumerLedger l = fromStart();
        l.processed(0, 3);
        l.failed(5, 6, "x");
        l.committed(8, 42);
        ConsumerLedger copy = new ConsumerLedger(l.data());
        assertThat(copy.data()).isEqualTo(l.data());
        assertThat(copy.due(42 + GRACE, GRACE, MAX)).isEqualTo(l.due(42 + GRACE, GRACE, MAX));
    }

    @Test
    void aDueStretchIsBoundedAndAResetMovesCommittedBack() {
        ConsumerLedger l = fromStart();
        l.committed(50, 0);
        assertThat(l.due(GRACE, GRACE, 20).to()).isEqualTo(20);
        l.committed(10, 10); // the group's offset reset back: 10..49 are not committed any more
        assertThat(l.due(10 * GRACE, GRACE, MAX)).isNull();
        assertThat(l.pending()).isEqualTo(10);
    }
}
