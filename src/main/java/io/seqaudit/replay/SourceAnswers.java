package io.seqaudit.replay;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.cfg.CoercionAction;
import com.fasterxml.jackson.databind.cfg.CoercionInputShape;
import com.fasterxml.jackson.databind.type.LogicalType;
import io.seqaudit.replay.ReplaySource.Fetched;
import io.seqaudit.replay.ReplaySource.Request;
import io.seqaudit.replay.ReplaySource.SourceRecord;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * What both sources check before they answer: the request is a well-formed range, the records found lie in it with
 * no seq twice, and {@code missing} is the rest of the range. Keeps the {@link ReplaySource} contract in one place.
 */
final class SourceAnswers {

    /**
     * The widest range a source accepts: a guard against a request that would make a source build a huge missing
     * list. The replayer's own limit ({@code seqaudit.replay.max-range}) is far lower.
     */
    static final long MAX_RANGE = 1_000_000;

    /** Headers the replayer sets itself from the stream; a source's copy of them is dropped. */
    static final String SEQAUDIT_HEADER_PREFIX = "seqaudit-";

    /**
     * How both sources read JSON: no duplicate field, nothing after the value, no coercion of text or fractions
     * into seqs or of numbers and booleans into (base64) strings; unknown fields are ignored.
     */
    static final ObjectMapper STRICT_JSON = strictJson();

    private SourceAnswers() {
    }

    private static ObjectMapper strictJson() {
        ObjectMapper m = new ObjectMapper().enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION)
                .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
                .disable(DeserializationFeature.ACCEPT_FLOAT_AS_INT)
                .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);
        m.coercionConfigFor(LogicalType.Integer).setCoercion(CoercionInputShape.String, CoercionAction.Fail);
        for (CoercionInputShape s : List.of(CoercionInputShape.Integer, CoercionInputShape.Float,
                CoercionInputShape.Boolean)) {
            m.coercionConfigFor(LogicalType.Textual).setCoercion(s, CoercionAction.Fail);
        }
        return m;
    }

    /** A request a source can serve: 0 &lt;= fromSeq &lt;= toSeq, at most {@link #MAX_RANGE} seqs. */
    static void checkRequest(Request r) {
        if (r.replayId() == null || r.topic() == null || r.producer() == null) {
            throw new IllegalArgumentException("a replay request needs a replay id, a topic and a producer");
        }
        if (r.fromSeq() < 0 || r.toSeq() < r.fromSeq()) {
            throw new IllegalArgumentException("bad seq range " + r.fromSeq() + ".." + r.toSeq());
        }
        if (r.toSeq() - r.fromSeq() >= MAX_RANGE) {
            throw new IllegalArgumentException("seq range " + r.fromSeq() + ".." + r.toSeq() + " is wider than "
                    + MAX_RANGE + " seqs");
        }
    }

    /**
     * Checks what a source returned and computes the missing seqs: the range less the seqs found.
     *
     * @param records the records the source returned, in any order
     * @param listedMissing seqs the source said it does not have (may be empty); each must lie in the range and
     *        must not also be returned
     * @throws ReplaySourceException if a record lies outside the range, a seq comes twice, or a seq is both
     *         returned and listed missing
     */
    static Fetched assemble(Request r, String source, List<SourceRecord> records, Collection<Long> listedMissing)
            throws ReplaySourceException {
        List<SourceRecord> sorted = new ArrayList<>(records);
        sorted.sort(Comparator.comparingLong(SourceRecord::seq));
        Set<Long> found = new HashSet<>();
        for (SourceRecord rec : sorted) {
            if (rec.seq() < r.fromSeq() || rec.seq() > r.toSeq()) {
                throw new ReplaySourceException(source + " returned seq " + rec.seq()
                        + ", outside the requested range " + r.fromSeq() + ".." + r.toSeq());
            }
            if (!found.add(rec.seq())) {
                throw new ReplaySourceException(source + " returned seq " + rec.seq() + " more than once");
            }
        }
        for (Long seq : listedMissing) {
            if (seq < r.fromSeq() || seq > r.toSeq()) {
                throw new ReplaySourceException(source + " listed seq " + seq
                        + " as missing, outside the requested range " + r.fromSeq() + ".." + r.toSeq());
            }
            if (found.contains(seq)) {
                throw new ReplaySourceException(source + " both returned seq " + seq + " and listed it as missing");
            }
        }
        List<Long> missing = new ArrayList<>();
        for (long seq = r.fromSeq(); seq <= r.toSeq(); seq++) {
            if (!found.contains(seq)) {
                missing.add(seq);
            }
        }
        return new Fetched(List.copyOf(sorted), List.copyOf(missing));
    }

    /** The application's own headers: those named {@code seqaudit-*} are dropped (the replayer sets them). */
    static Map<String, byte[]> applicationHeaders(Map<String, byte[]> headers) {
        Map<String, byte[]> kept = new LinkedHashMap<>();
        headers.forEach((name, value) -> {
            if (!name.startsWith(SEQAUDIT_HEADER_PREFIX)) {
                kept.put(name, value);
            }
        });
        return Collections.unmodifiableMap(kept);
    }
}
