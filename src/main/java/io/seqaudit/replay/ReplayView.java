package io.seqaudit.replay;

import java.util.List;

/**
 * A replay of one range of one stream, as stored in Redis and served by {@code GET /api/v1/replays/{id}}.
 *
 * <p>States: {@code pending} (waiting to fetch and publish), {@code published} (republished, waiting for the
 * auditor to see every seq arrive), {@code repaired} (every seq of the range arrived), {@code unrecoverable}
 * (the source does not have some seqs: {@code missingInSource}; the rest arrived), {@code failed} (the source
 * kept failing: {@code error}).
 *
 * @param id deterministic for (stream, range): {@code topic.streamId.from-to}
 * @param gapId the gap it was asked for, or null
 * @param requested seqs in the range
 * @param republished seqs published by this replay
 * @param missingInSource seqs the source does not have
 * @param fetches times the source was asked
 * @param requestedBy who asked (a token's name, or {@code auto})
 */
public record ReplayView(String id, String topic, String key, String keyBase64, String producer, long epoch,
        long fromSeq, long toSeq, String gapId, String state, long requested, long republished,
        List<Long> missingInSource, String error, int fetches, String requestedBy, String createdAt,
        String updatedAt) {

    public static final String PENDING = "pending";
    public static final String PUBLISHED = "published";
    public static final String REPAIRED = "repaired";
    public static final String UNRECOVERABLE = "unrecoverable";
    public static final String FAILED = "failed";

    /** Whether the replay still has work to do. */
    public boolean active() {
        return PENDING.equals(state) || PUBLISHED.equals(state);
    }

    ReplayView with(String newState, long newRepublished, List<Long> missing, String newError, int newFetches,
            String now) {
        return new ReplayView(id, topic, key, keyBase64, producer, epoch, fromSeq, toSeq, gapId, newState, requested,
                newRepublished, missing, newError, newFetches, requestedBy, createdAt, now);
    }
}
