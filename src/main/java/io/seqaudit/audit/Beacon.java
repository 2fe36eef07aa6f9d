package io.seqaudit.audit;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.seqaudit.sequence.ProducerClaim;
import io.seqaudit.stamp.SeqauditHeaders;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Locale;

/**
 * A producer's beacon as the auditor reads it from the beacon topic (README, "Beacons"; written by any client
 * under the documented contract): which streams of one partition of an audited topic
 * it tells about, and what. Parsed with Jackson into the {@code Json} records, then checked: a beacon that breaks
 * the contract is a {@link Problem}, never a guess. Immutable; parsed on the consumer thread.
 *
 * @param partition the audited partition the streams' acknowledged records are on; -1 for none (or several)
 * @param offset the highest offset acknowledged to these streams on {@code partition}, -1 if none: the auditor
 *        applies the beacon once it has read past it (or caught up with the partition)
 * @param at the producer's clock when it sent the beacon (epoch ms)
 * @param source where the beacon was read: the beacon topic's partition and offset
 */
record Beacon(String producer, String topic, int partition, long offset, long at, List<Stream> streams,
        int sourcePartition, long sourceOffset) {

    /** One stream's part: its key (null for the null key), epoch, and what the producer claims of its seqs. */
    record Stream(byte[] key, long epoch, boolean spread, ProducerClaim claim) {
    }

    /** Why a beacon was skipped; the lower-case name is the {@code reason} tag of the invalid beacons counter. */
    enum Problem {
        /** Not JSON, or JSON of another shape. */
        NOT_JSON,
        /** A {@code v} this auditor does not know. */
        UNKNOWN_VERSION,
        /** A required field is missing. */
        MISSING_FIELD,
        /** A field has a value the contract does not allow (a negative seq, a bad producer id, bad Base64...). */
        BAD_VALUE;

        private final String tag = name().toLowerCase(Locale.ROOT);

        String tag() {
            return tag;
        }
    }

    /** A beacon that breaks the contract, with the first reason found. */
    static final class Invalid extends Exception {
        final Problem problem;

        Invalid(Problem problem, String message) {
            super(message, null, false, false);
            this.problem = problem;
        }
    }

    private static final ObjectMapper JSON = new ObjectMapper()
            .configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, false);

    /** The wire shape, bound by Jackson; checked by {@link #parse}. */
    record Json(Integer v, String producer, String topic, Integer partition, Long offset, Long at,
            List<StreamJson> streams) {
    }

    record StreamJson(String key, String keyBase64, Long epoch, Long upTo, Boolean spread, List<List<Object>> notSent) {
    }

    /** Parses and checks one beacon's value. */
    static Beacon parse(byte[] value, int sourcePartition, long sourceOffset) throws Invalid {
        Json j;
        try {
            j = JSON.readValue(value, Json.class);
        } catch (java.io.IOException e) {
            throw new Invalid(Problem.NOT_JSON, e.getMessage());
        }
        if (j == null) {
            throw new Invalid(Problem.NOT_JSON, "null");
        }
        if (j.v() == null) {
            throw new Invalid(Problem.MISSING_FIELD, "v");
        }
        if (j.v() != 1) {
            throw new Invalid(Problem.UNKNOWN_VERSION, "v=" + j.v());
        }
        require(j.producer(), "producer");
        require(j.topic(), "topic");
        require(j.partition(), "partition");
        require(j.streams(), "streams");
        if (!SeqauditHeaders.isValidProducerId(j.producer())) {
            throw new Invalid(Problem.BAD_VALUE, "producer");
        }
        if (j.partition() < -1) {
            throw new Invalid(Problem.BAD_VALUE, "partition");
        }
        List<Stream> streams = new ArrayList<>(j.streams().size());
        for (StreamJson s : j.streams()) {
            if (s == null) {
                throw new Invalid(Problem.BAD_VALUE, "streams");
            }
            streams.add(stream(s));
        }
        long offset = j.offset() == null ? -1 : j.offset();
        return new Beacon(j.producer(), j.topic(), j.partition(), offset, j.at() == null ? 0 : j.at(),
                List.copyOf(streams), sourcePartition, sourceOffset);
    }

    private static Stream stream(StreamJson s) throws Invalid {
        require(s.epoch(), "epoch");
        require(s.upTo(), "upTo");
        if (s.epoch() < 0 || s.upTo() < -1) {
            throw new Invalid(Problem.BAD_VALUE, "epoch or upTo");
        }
        byte[] key;
        try {
            key = s.keyBase64() != null ? Base64.getDecoder().decode(s.keyBase64())
                    : s.key() != null ? s.key().getBytes(StandardCharsets.UTF_8) : null;
        } catch (IllegalArgumentException e) {
            throw new Invalid(Problem.BAD_VALUE, "keyBase64");
        }
        List<ProducerClaim.NotSent> notSent = new ArrayList<>();
        long prev = -1;
        for (List<Object> r : s.notSent() == null ? List.<List<Object>>of() : s.notSent()) {
            if (r == null || r.size() != 3 || !(r.get(0) instanceof Number from) || !(r.get(1) instanceof Number to)
                    || !(r.get(2) instanceof String cause) || from.longValue() <= prev
                    || to.longValue() < from.longValue() || to.longValue() > s.upTo() || cause.isBlank()) {
                throw new Invalid(Problem.BAD_VALUE, "notSent (ascending [from, to, cause] within upTo)");
            }
            notSent.add(new ProducerClaim.NotSent(from.longValue(), to.longValue(), cause));
            prev = to.longValue();
        }
        return new Stream(key, s.epoch(), Boolean.TRUE.equals(s.spread()), new ProducerClaim(s.upTo(), notSent));
    }

    private static void require(Object value, String field) throws Invalid {
        if (value == null) {
            throw new Invalid(Problem.MISSING_FIELD, field);
        }
    }
}
