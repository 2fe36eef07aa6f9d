package io.seqaudit.api;

import com.fasterxml.jackson.annotation.JsonValue;
import io.seqaudit.replay.ReplayView;
import io.seqaudit.state.GapState;
import org.eclipse.microprofile.openapi.annotations.media.Schema;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * One gap: a run of missing seqs of one stream, as {@code GET /api/v1/gaps} serves it.
 *
 * @param id deterministic: the stream's id and the first missing seq
 * @param partition the stream's home partition (where it was first seen); -1 for a repaired gap
 * @param key the record key as text, null for the null key or a key that is not UTF-8
 * @param keyBase64 the record key's bytes in Base64, null for the null key
 * @param state where the gap stands, audit state and replay together
 * @param openedAt when the gap was found (auditor progress time, ISO-8601)
 * @param lostAt when its grace ran out, null while suspected
 * @param stage where the seqs were lost: {@code producer}, {@code broker} or {@code unknown} (no beacon covers
 *        them); null for a repaired gap
 * @param cause for the producer stage: the exception class the producer's send failed with, or {@code unsent}
 *        (stamped and never handed to Kafka); for the consumer stage: the reason of the application's
 *        {@code failed} receipt, if it sent one; else null
 * @param group for the consumer stage: the application consumer group; else null
 * @param offset for the consumer stage: the record's offset in {@code partition}; else null
 * @param reason for the consumer stage: {@code committed_not_processed} (state {@code lost}) or
 *        {@code processed_twice} (state {@code duplicated}); else null
 */
public record GapView(String id, String topic, int partition, String key, String keyBase64, String producer,
        long epoch, long fromSeq, long toSeq, State state, String openedAt, String lostAt, String stage,
        String cause, String group, Long offset, String reason) {

    /** A gap of a stream (no consumer-stage fields). */
    public GapView(String id, String topic, int partition, String key, String keyBase64, String producer,
            long epoch, long fromSeq, long toSeq, State state, String openedAt, String lostAt, String stage,
            String cause) {
        this(id, topic, partition, key, keyBase64, producer, epoch, fromSeq, toSeq, state, openedAt, lostAt, stage,
                cause, null, null, null);
    }

    /** The same gap in another state. */
    GapView with(State newState) {
        return new GapView(id, topic, partition, key, keyBase64, producer, epoch, fromSeq, toSeq, newState, openedAt,
                lostAt, stage, cause, group, offset, reason);
    }

    /**
     * Where a gap stands as the API tells it: the audit state's {@link GapState} of an open gap, or, for a lost
     * gap a replay covers, the replay's progress. The lower-case name is the JSON value and the {@code state}
     * filter of {@code GET /api/v1/gaps}.
     */
    @Schema(name = "GapViewState", description = "Where a gap stands: its audit state, or its replay's progress")
    public enum State {
        /** Missing, grace window not over. */
        SUSPECTED,
        /** Missing past the grace window, no replay covers it. */
        LOST,
        /** Lost, and a replay of it is pending or published. */
        REPLAYING,
        /** Its replay filled every seq (closed in the audit state: its replay is what remains of it). */
        REPAIRED,
        /** Its replay found some seqs missing in the source. */
        UNRECOVERABLE,
        /** Its replay kept failing. */
        FAILED,
        /** A consumer-stage finding: the application's group processed the record twice ({@code processed_twice}). */
        DUPLICATED;

        private final String tag = name().toLowerCase(Locale.ROOT);

        /** Every tag, in declaration order (the error message of a bad filter lists them). */
        static final List<String> TAGS = Arrays.stream(values()).map(State::tag).toList();

        @JsonValue
        public String tag() {
            return tag;
        }

        /** The state named by {@code tag}, empty for another name. */
        public static Optional<State> ofTag(String tag) {
            return Arrays.stream(values()).filter(s -> s.tag.equals(tag)).findFirst();
        }

        /** An open gap not covered by a replay. */
        static State of(GapState stored) {
            return switch (stored) {
                case SUSPECTED -> SUSPECTED;
                case LOST -> LOST;
            };
        }

        /** A lost gap covered by {@code replay}: replaying while it has work to do, else its outcome. */
        static State of(ReplayView replay) {
            return switch (replay.state()) {
                case PENDING, PUBLISHED -> REPLAYING;
                case REPAIRED -> REPAIRED;
                case UNRECOVERABLE -> UNRECOVERABLE;
                case FAILED -> FAILED;
            };
        }
    }
}
