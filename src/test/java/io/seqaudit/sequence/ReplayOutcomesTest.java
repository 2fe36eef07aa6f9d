package io.seqaudit.sequence;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import org.junit.jupiter.api.Test;

/** Replayed records close gaps as repaired, and are told apart from business duplicates. */
class ReplayOutcomesTest {

    private final SequenceDetector detector = new SequenceDetector(1000, 100, Duration.ofSeconds(1));

    private Outcome send(StreamState s, long seq, long offset, boolean replay) {
        return detector.observe(s, Arrival.of(seq, new Position(0, offset), 1000 + offset).withReplay(replay))
                .outcome();
    }

    @Test
    void replayedRecordFillingALostSeqIsReplayedAndClosesTheGap() {
        StreamState s = new StreamState();
        send(s, 0, 0, false);
        send(s, 2, 1, false);
        detector.confirmLosses(s, 10_000);
        assertThat(s.missingCount(true)).isEqualTo(1);

        assertThat(send(s, 1, 2, true)).isEqualTo(Outcome.REPLAYED);
        assertThat(s.missing()).isEmpty();
        assertThat(s.duplicates()).isZero();
    }

    @Test
    void replayedVerdictTellsWhatTheRecordWouldHaveBeenAsAnOriginal() {
        StreamState s = new StreamState();
        send(s, 0, 0, false);
        send(s, 3, 1, false);

        Verdict filling = detector.observe(s, Arrival.of(1, new Position(0, 2), 1002).withReplay(true)).verdict();
        assertThat(filling).isEqualTo(new Verdict.Replayed(new Verdict.Late(new MissingRange(1, 2, 1001, 0))));
        Verdict beyond = detector.observe(s, Arrival.of(5, new Position(0, 3), 1003).withReplay(true)).verdict();
        assertThat(beyond).isEqualTo(new Verdict.Replayed(new Verdict.OutOfOrder(new MissingRange(4, 4, 1003, 0))));
    }

    @Test
    void recordsWithNothingToTellShareOneVerdictEach() {
        StreamState s = new StreamState();
        send(s, 0, 0, false);
        send(s, 1, 1, true);

        assertThat(detector.observe(s, Arrival.of(2, new Position(0, 2), 1002)).verdict()).isSameAs(Verdict.IN_ORDER);
        assertThat(detector.observe(s, Arrival.of(2, new Position(0, 3), 1003).withReplay(true)).verdict())
                .isSameAs(Verdict.REPLAY_REDUNDANT);
        assertThat(detector.observe(s, Arrival.of(1, new Position(0, 4), 1004)).verdict())
                .isSameAs(Verdict.REPLAY_SUPERSEDED);
    }

    @Test
    void originalArrivingAfterItsReplayIsSupersededOnceThenADuplicate() {
        StreamState s = new StreamState();
        send(s, 0, 0, false);
        send(s, 2, 1, false);
        send(s, 1, 2, true);

        assertThat(send(s, 1, 3, false)).isEqualTo(Outcome.REPLAY_SUPERSEDED);
        assertThat(s.duplicates()).isZero();
        assertThat(send(s, 1, 4, false)).isEqualTo(Outcome.DUPLICATE);
        assertThat(s.duplicates()).isEqualTo(1);
    }

    @Test
    void replayedRecordForASeqAlreadyPresentIsRedundantNotADuplicate() {
        StreamState s = new StreamState();
        send(s, 0, 0, false);
        send(s, 1, 1, false);

        assertThat(send(s, 1, 2, true)).isEqualTo(Outcome.REPLAY_REDUNDANT);
        assertThat(s.duplicates()).isZero();
        assertThat(s.high()).isEqualTo(1);
    }

    @Test
    void replayedSeqsSurviveEncodingSoARestartStillSupersedes() {
        StreamState s = new StreamState();
        send(s, 0, 0, false);
        send(s, 3, 1, false);
        send(s, 1, 2, true);
        byte[] blob = io.seqaudit.state.StreamCodec.encode(s,
                new io.seqaudit.state.StreamRef("t", new byte[] {1}, "p", 1), true);
        StreamState back = io.seqaudit.state.StreamCodec.decode("t", blob).state();
        assertThat(back.replayed()).hasSize(1);
        assertThat(back.replayed().get(0)).isEqualTo(new SeqRange(1, 1));
        assertThat(send(back, 1, 5, false)).isEqualTo(Outcome.REPLAY_SUPERSEDED);
    }

    @Test
    void replayedSeqsSurviveACopyAndMergeIntoRanges() {
        StreamState s = new StreamState();
        send(s, 0, 0, false);
        send(s, 5, 1, false);
        for (long seq = 1; seq <= 4; seq++) {
            send(s, seq, 1 + seq, true);
        }
        StreamState c = s.copy();
        assertThat(c.replayed()).hasSize(1);
        assertThat(c.replayed().get(0)).isEqualTo(new SeqRange(1, 4));
        assertThat(send(c, 3, 9, false)).isEqualTo(Outcome.REPLAY_SUPERSEDED);
        assertThat(c.replayed()).hasSize(2);
        assertThat(s.replayed()).hasSize(1);
    }
}
