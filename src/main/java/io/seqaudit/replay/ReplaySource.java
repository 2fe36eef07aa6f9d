package io.seqaudit.replay;

import java.util.List;
import java.util.Map;

/**
 * A source of truth that can hand back records Kafka lost: the application's HTTP callback, an outbox table, or
 * anything else that keeps what was meant to be published, by stream and seq.
 *
 * <p>Called on the replayer's worker thread, one call at a time per replay. An implementation fetches the seqs
 * {@code fromSeq..toSeq} of one stream and says which of them it does not have. It throws
 * {@link ReplaySourceException} when it cannot answer (unreachable, timed out, an error answer); the replayer
 * then retries it later, a bounded number of times, before the replay is {@code failed}. It must not throw
 * anything else for an ordinary failure.
 */
public interface ReplaySource {

    /** The name of this source in configuration ({@code seqaudit.replay.source}). */
    String name();

    /** Fetches a seq range of one stream. */
    Fetched fetch(Request request) throws ReplaySourceException;

    /**
     * What to fetch.
     *
     * @param replayId the replay's id: deterministic for (stream, range); an idempotency key for the source
     * @param key the record key's bytes, null for the null key
     */
    record Request(String replayId, String topic, byte[] key, String producer, long epoch, long fromSeq,
            long toSeq) {
    }

    /**
     * One record as the source holds it. The replayer adds the seqaudit headers (the original producer, epoch and
     * seq, plus {@code seqaudit-replay}); {@code headers} are the application's own headers.
     */
    record SourceRecord(long seq, byte[] key, byte[] value, Map<String, byte[]> headers) {
    }

    /**
     * The answer: the records found, ascending by seq, and the seqs of the range the source does not have.
     *
     * @param records records of seqs inside the requested range, no seq twice
     * @param missing seqs of the range that the source does not have, ascending
     */
    record Fetched(List<SourceRecord> records, List<Long> missing) {
    }
}
