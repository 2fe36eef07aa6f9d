package io.seqaudit.replay;

import com.fasterxml.jackson.annotation.JsonValue;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import org.eclipse.microprofile.openapi.annotations.media.Schema;

/**
 * A replay of one range of one stream, as stored in Redis and served by {@code GET /api/v1/replays/{id}}.
 *
 * @param state where it stands ({@link State}; stored and served as the lower-case tag)
 * @param id deterministic for (stream, range): {@code topic.streamId.from-to}
 * @param gapId the gap it was asked for, or null
 * @param requested seqs in the range
 * @param republished seqs published by this replay
 * @param missingInSource seqs the source does not have
 * @param fetches times the source was asked
 * @param requestedBy who asked (a token's name, or {@code auto})
 */
public record ReplayView(String id, String topic, String key, String keyBase64, String producer, long epoch,
        long fromSeq, long toSeq, String gapId, State state, long requested, long republished,
        List<Long> missingInSource, String error, int fetches, String requestedBy, String createdAt,
        String updatedAt) {

    /**
     * Where a replay stands. The lower-case name is its JSON value, in Redis (the same strings earlier builds
     * stored) and in the API ({@code GET /api/v1/replays?state=}).
     */
    @Schema(name = "ReplayState", description = "Where a replay stands")
    public enum State {
        /** Waiting to fetch and publish. */
        PENDING,
        /** Republished, waiting for the auditor to see every seq arrive. */
        PUBLISHED,
        /** Every seq of the range arrived. */
        REPAIRED,
        /** The source does not have some seqs ({@code missingInSource}); the rest arrived. */
        UNRECOVERABLE,
        /** The source kept failing ({@code error}). */
        FAILED;

        private final String tag = name().toLowerCase(Locale.ROOT);

        @JsonValue
        public String tag() {
            return tag;
        }

        /** The tag: log lines and messages name a state as the API does. */
        @Override
        public String toString() {
            return tag;
        }

        /** The state named by {@code tag}, empty for another name. */
        public static Optional<State> ofTag(String tag) {
            return Arrays.stream(values()).filter(s -> s.tag.equals(tag)).findFirst();
        }

        /** Whether a replay in this state still has work to do. */
        public boolean active() {
            return this == PENDING || this == PUBLISHED;
        }

        /** Whether an operator may cancel (delete) a replay in this state: its outcome is no finding. */
        public boolean cancellable() {
            return this == PENDING || this == FAILED;
        }
    }

    /** Whether the replay still has work to do. */
    public boolean active() {
        return state.active();
    }

    ReplayView with(State newState, long newRepublished, List<Long> missing, String newError, int newFetches,
            String now) {
        return new ReplayView(id, topic, key, keyBase64, producer, epoch, fromSeq, toSeq, gapId, newState, requested,
                newRepublished, missing, newError, newFetches, requestedBy, createdAt, now);
    }
}
