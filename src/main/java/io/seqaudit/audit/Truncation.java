package io.seqaudit.audit;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.UncheckedIOException;

/**
 * A log truncation the auditor handled: the log of a partition lost offsets {@code from..to-1} after the auditor had
 * read them (an unclean leader election). Stored in Redis (the newest {@value #KEPT} per topic) and listed by
 * {@code GET /api/v1/topics/{topic}/truncations}.
 *
 * @param topic the topic
 * @param partition the partition whose log was truncated
 * @param from the first offset removed (the offset where the new leader's log diverges)
 * @param to the offset the auditor had read up to: {@code to - from} audited records (and markers) were removed
 * @param reopenedSeqs seqs the removed records had made present, suspected again now (lost after grace unless
 *        they are sent again)
 * @param unjournaled offsets of the removed range older than the truncation journal: their seqs could not be
 *        reopened (a coverage gap, alerted); 0 when the journal covered the whole range
 * @param at when it was handled (ISO-8601)
 */
public record Truncation(String topic, int partition, long from, long to, long reopenedSeqs, long unjournaled,
        String at) {

    static final int KEPT = 100;
    private static final ObjectMapper JSON = new ObjectMapper();

    String toJson() {
        try {
            return JSON.writeValueAsString(this);
        } catch (JsonProcessingException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Reads one stored truncation. */
    public static Truncation fromJson(String json) {
        try {
            return JSON.readValue(json, Truncation.class);
        } catch (JsonProcessingException e) {
            throw new UncheckedIOException(e);
        }
    }
}
