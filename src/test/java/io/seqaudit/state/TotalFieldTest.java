package io.seqaudit.state;

import static org.assertj.core.api.Assertions.assertThat;

import io.seqaudit.sequence.InvalidReasons;
import io.seqaudit.sequence.LossStage;
import io.seqaudit.sequence.Outcome;
import io.seqaudit.sequence.SequenceDetector;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/**
 * The field names of the totals hash are stored data: the names written by earlier builds (spelled out here as
 * they were, string literals at each writer) must stay the names, and each must read back as the counter it names.
 */
class TotalFieldTest {

    /** Every counter, with its field name as builds before {@link TotalField} wrote it. */
    private static final Map<TotalField, String> EARLIER_NAMES = Map.ofEntries(
            Map.entry(TotalField.Fixed.STREAMS, "streams"),
            Map.entry(TotalField.Fixed.SPREAD, "streams:spread"),
            Map.entry(TotalField.Fixed.EXPIRED, "expired"),
            Map.entry(TotalField.Fixed.MISSING_SUSPECTED, "missing:suspected"),
            Map.entry(TotalField.Fixed.MISSING_LOST, "missing:lost"),
            Map.entry(TotalField.Fixed.LOST_TOTAL, "lost_total"),
            Map.entry(TotalField.Fixed.LOST_FILLED, "lost_filled"),
            Map.entry(TotalField.Fixed.ABORTED_TOTAL, "aborted_total"),
            Map.entry(TotalField.Fixed.FORGOTTEN, "forgotten"),
            Map.entry(TotalField.Fixed.TRUNCATIONS, "truncations"),
            Map.entry(TotalField.Fixed.TRUNCATED_RECORDS, "truncated_records"),
            Map.entry(TotalField.records(Outcome.IN_ORDER), "records:in_order"),
            Map.entry(TotalField.records(Outcome.OUT_OF_ORDER), "records:out_of_order"),
            Map.entry(TotalField.records(Outcome.RESUMED), "records:resumed"),
            Map.entry(TotalField.records(Outcome.LATE), "records:late"),
            Map.entry(TotalField.records(Outcome.DUPLICATE), "records:duplicate"),
            Map.entry(TotalField.records(Outcome.JOINED_LATE), "records:joined_late"),
            Map.entry(TotalField.records(Outcome.UNSTAMPED), "records:unstamped"),
            Map.entry(TotalField.records(Outcome.INVALID), "records:invalid"),
            Map.entry(TotalField.records(Outcome.REPLAYED), "records:replayed"),
            Map.entry(TotalField.records(Outcome.REPLAY_REDUNDANT), "records:replay_redundant"),
            Map.entry(TotalField.records(Outcome.REPLAY_SUPERSEDED), "records:replay_superseded"),
            Map.entry(TotalField.lost(LossStage.UNKNOWN), "lost:unknown"),
            Map.entry(TotalField.lost(LossStage.PRODUCER), "lost:producer"),
            Map.entry(TotalField.lost(LossStage.BROKER), "lost:broker"),
            // Not written by a stream checkpoint (the consumer stage counts in its own stored value), yet the
            // name is pinned like every stage's, so that it can never come to mean something else.
            Map.entry(TotalField.lost(LossStage.CONSUMER), "lost:consumer"),
            Map.entry(TotalField.uncovered(CoverageReason.RETENTION), "uncovered:retention"),
            Map.entry(TotalField.uncovered(CoverageReason.COMPACTED), "uncovered:compacted"),
            Map.entry(TotalField.invalid("missing_producer"), "invalid:missing_producer"),
            Map.entry(TotalField.invalid(SequenceDetector.SEQ_JUMP), "invalid:seq_jump"),
            Map.entry(TotalField.invalidBeacons(SequenceDetector.SEQ_JUMP), "invalid_beacons:seq_jump"));

    @Test
    void everyCounterKeepsTheFieldNameEarlierBuildsWrote() {
        EARLIER_NAMES.forEach((total, name) -> assertThat(total.field()).as("%s", total).isEqualTo(name));
    }

    @Test
    void theEarlierNamesCoverEveryFixedCounterOutcomeStageAndCoverageReason() {
        List<TotalField> every = new ArrayList<>(List.of(TotalField.Fixed.values()));
        for (Outcome o : Outcome.values()) {
            every.add(TotalField.records(o));
        }
        for (LossStage s : LossStage.values()) {
            every.add(TotalField.lost(s));
        }
        for (CoverageReason r : CoverageReason.values()) {
            every.add(TotalField.uncovered(r));
        }
        assertThat(EARLIER_NAMES.keySet()).as("a new counter needs its name pinned here").containsAll(every);
    }

    @Test
    void everyFieldNameReadsBackAsTheCounterItNames() {
        EARLIER_NAMES.forEach((total, name) -> assertThat(TotalField.parse(name)).as(name).contains(total));
        for (String reason : InvalidReasons.ALL) {
            assertThat(TotalField.parse("invalid:" + reason)).contains(TotalField.invalid(reason));
        }
    }

    @Test
    void unknownNamesAreLeftOutNotMisread() {
        for (String name : List.of("records:teleported", "lost:cosmic_ray", "uncovered:", "invalid:", "missing:maybe",
                "streams:", "lost_totals", "", "totally_new")) {
            assertThat(TotalField.parse(name)).as("'%s'", name).isEqualTo(Optional.empty());
        }
    }

    @Test
    void theCheckpointScriptReadsTheFixedCountersByTheirOwnersNames() throws IOException {
        String script;
        try (InputStream in = TotalField.class.getResourceAsStream("checkpoint.lua")) {
            script = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
        String read = "'" + TotalField.Fixed.STREAMS.field() + "', '" + TotalField.Fixed.MISSING_SUSPECTED.field()
                + "', '" + TotalField.Fixed.MISSING_LOST.field() + "'";
        assertThat(script).as("checkpoint.lua tells lost keys from these counters").contains(read);
    }
}
