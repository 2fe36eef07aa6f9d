package io.seqaudit.stamp;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

/** What one stream's beacon tells: the seqs with an outcome, the ones never sent, and where its records are. */
class BeaconStreamTest {

    private static final long UNSENT_AFTER = 1_000;

    @Test
    void upToFollowsAcknowledgementsInAnyOrderAndStopsAtTheFirstSeqWithoutOutcome() {
        BeaconStream s = new BeaconStream("t", "k", 5);
        for (long seq = 0; seq < 6; seq++) {
            s.stamped(seq);
        }
        s.acknowledged(1, 2, 11);
        s.acknowledged(0, 2, 10);
        s.acknowledged(3, 2, 13);
        BeaconStream.Snapshot snap = s.snapshot(0, UNSENT_AFTER, true);
        assertThat(snap.upTo()).isEqualTo(1);
        assertThat(snap.partition()).isEqualTo(2);
        assertThat(snap.maxOffset()).isEqualTo(13);
        assertThat(snap.pending()).isTrue();
        s.failed(2, "org.example.Boom");
        BeaconStream.Snapshot next = s.snapshot(10, UNSENT_AFTER, true);
        assertThat(next.upTo()).isEqualTo(3);
        assertThat(next.notSent()).extracting(r -> r.from() + ".." + r.to()).containsExactly("2..2");
        assertThat(s.snapshot(20, UNSENT_AFTER, true)).as("nothing changed: nothing to tell, seqs 4..5 pending")
                .isSameAs(BeaconStream.Snapshot.PENDING);
    }

    @Test
    void seqsWithoutOutcomeLongerThanTheDeliveryTimeoutAreToldAsUnsent() {
        BeaconStream s = new BeaconStream("t", "k", 5);
        for (long seq = 0; seq < 4; seq++) {
            s.stamped(seq);
        }
        s.acknowledged(0, 0, 1);
        s.snapshot(0, UNSENT_AFTER, true); // marks seqs up to 3 as stamped by t=0
        BeaconStream.Snapshot early = s.snapshot(UNSENT_AFTER - 1, UNSENT_AFTER, true);
        assertThat(early).as("not yet past the delivery timeout").isSameAs(BeaconStream.Snapshot.PENDING);
        BeaconStream.Snapshot late = s.snapshot(UNSENT_AFTER, UNSENT_AFTER, true);
        assertThat(late.upTo()).isEqualTo(3);
        assertThat(late.notSent()).extracting(r -> r.from() + ".." + r.to()).containsExactly("1..3");
        assertThat(late.notSent()).extracting(Beacons.NotSent::cause).containsExactly(Beacons.UNSENT);
        assertThat(late.pending()).isFalse();
    }

    @Test
    void aStreamAcknowledgedOnTwoPartitionsIsSpreadAndToldNotSentRangesAreForgotten() {
        BeaconStream s = new BeaconStream("t", null, 5);
        s.stamped(0);
        s.stamped(1);
        s.stamped(2);
        s.acknowledged(0, 0, 1);
        s.acknowledged(1, 1, 1);
        s.failed(2, "x");
        BeaconStream.Snapshot snap = s.snapshot(0, UNSENT_AFTER, true);
        assertThat(snap.partition()).isEqualTo(BeaconStream.SPREAD);
        assertThat(s.told(snap)).as("nothing left to tell").isFalse();
        s.stamped(3);
        s.acknowledged(3, 0, 2);
        assertThat(s.snapshot(1, UNSENT_AFTER, true).notSent()).isEmpty();
    }

    @Test
    void failuresArrivingOutOfSeqOrderAreToldAscendingAndMerged() {
        BeaconStream s = new BeaconStream("t", "k", 5);
        for (long seq = 0; seq < 8; seq++) {
            s.stamped(seq);
        }
        s.failed(6, "a");
        s.failed(2, "a");
        s.failed(4, "b");
        s.failed(3, "a");
        s.failed(7, "a");
        s.acknowledged(5, 0, 3);
        s.acknowledged(1, 0, 2);
        s.acknowledged(0, 0, 1);
        BeaconStream.Snapshot snap = s.snapshot(0, UNSENT_AFTER, true);
        assertThat(snap.upTo()).isEqualTo(7);
        assertThat(snap.notSent()).extracting(r -> r.from() + ".." + r.to()).containsExactly("2..3", "4..4", "6..7");
        assertThat(snap.notSent()).extracting(Beacons.NotSent::cause).containsExactly("a", "b", "a");
    }

    @Test
    void aFailureAboveASeqStillInFlightIsToldOnceThatSeqHasItsOutcome() {
        BeaconStream s = new BeaconStream("t", "k", 5);
        for (long seq = 0; seq < 3; seq++) {
            s.stamped(seq);
        }
        s.acknowledged(0, 0, 1);
        s.failed(2, "a");
        BeaconStream.Snapshot first = s.snapshot(0, UNSENT_AFTER, true);
        assertThat(first.upTo()).isZero();
        assertThat(first.notSent()).as("seq 2 lies above upTo: not told yet").isEmpty();
        s.told(first);
        s.acknowledged(1, 0, 2);
        BeaconStream.Snapshot second = s.snapshot(1, UNSENT_AFTER, true);
        assertThat(second.upTo()).isEqualTo(2);
        assertThat(second.notSent()).extracting(r -> r.from() + ".." + r.to()).containsExactly("2..2");
    }

    @Test
    void aBusyStreamIsToldItsUpToOnceQuietButWhatNeverReachedTheLogAtOnce() {
        BeaconStream s = new BeaconStream("t", "k", 5);
        s.stamped(0);
        s.stamped(1);
        s.acknowledged(0, 0, 1);
        s.acknowledged(1, 0, 2);
        assertThat(s.snapshot(0, UNSENT_AFTER, false)).as("busy: later seqs tell its gaps")
                .isSameAs(BeaconStream.Snapshot.PENDING);
        assertThat(s.snapshot(1, UNSENT_AFTER, false).upTo()).as("quiet since the last look: its tail").isEqualTo(1);
        s.stamped(2);
        s.failed(2, "x");
        BeaconStream.Snapshot failed = s.snapshot(2, UNSENT_AFTER, false);
        assertThat(failed.notSent()).as("busy, but a failure is told at once")
                .containsExactly(new Beacons.NotSent(2, 2, "x"));
    }

    @Test
    void theBeaconJsonIsTheDocumentedContract() {
        String json = Beacons.json("p\"1", "orders", 3, 42, 7, List.of(new Beacons.Stream(new byte[] {'k'}, 9, 5,
                false, List.of(new Beacons.NotSent(4, 5, "unsent")))));
        assertThat(json).isEqualTo("{\"v\":1,\"producer\":\"p\\\"1\",\"topic\":\"orders\",\"partition\":3,"
                + "\"offset\":42,\"at\":7,\"streams\":[{\"keyBase64\":\"aw==\",\"epoch\":9,\"upTo\":5,"
                + "\"notSent\":[[4,5,\"unsent\"]]}]}");
    }
}
