package io.seqaudit.audit;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * A processing receipt as the auditor reads it from the receipt topic (README, "Processing receipts"; the v1
 * contract): which offsets of one partition one application group finished, or gave up on. Parsed with Jackson into
 * {@link Json}, then checked: a receipt that breaks the contract is a {@link Problem}, never a guess. Immutable;
 * parsed on the auditor's consumer thread.
 *
 * @param processed inclusive offset ranges, ascending, non-overlapping
 * @param failed inclusive offset ranges with a reason, ascending, non-overlapping, disjoint from {@code processed}
 * @param sourcePartition where it was read: the receipt topic's partition
 * @param sourceOffset and offset
 */
record Receipt(String group, String topic, int partition, long at, String client, List<Range> processed,
        List<Failed> failed, int sourcePartition, long sourceOffset) {

    /** {@code [from, to]}. */
    record Range(long from, long to) {
    }

    /** {@code [from, to, reason]}. */
    record Failed(long from, long to, String reason) {
    }

    /** Why a receipt was skipped; the lower-case name is the {@code reason} tag of the invalid receipts counter. */
    enum Problem {
        /** Not JSON, or JSON of another shape. */
        NOT_JSON,
        /** A {@code v} this auditor does not know. */
        UNKNOWN_VERSION,
        /** A required field is missing. */
        MISSING_FIELD,
        /** A field has a value the contract does not allow (a negative partition, ranges out of order...). */
        BAD_VALUE;

        private final String tag = name().toLowerCase(Locale.ROOT);

        String tag() {
            return tag;
        }
    }

    /** A receipt that breaks the contract, with the first reason found. */
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
    record Json(Integer v, String group, String topic, Integer partition, Long at, String client,
            List<List<Object>> processed, List<List<Object>> failed) {
    }

    /** Parses and checks one receipt's value. */
    static Receipt parse(byte[] value, int sourcePartition, long sourceOffset) throws Invalid {
        Json j;
        try {
            j = value == null ? null : JSON.readValue(value, Json.class);
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
        require(j.group(), "group");
        require(j.topic(), "topic");
        require(j.partition(), "partition");
        if (j.group().isEmpty()) {
            throw new Invalid(Problem.BAD_VALUE, "group is empty");
        }
        if (j.topic().isEmpty() || j.partition() < 0) {
            throw new Invalid(Problem.BAD_VALUE, "topic or partition");
        }
        List<Range> processed = new ArrayList<>();
        long prev = -1;
        for (List<Object> r : j.processed() == null ? List.<List<Object>>of() : j.processed()) {
            if (r == null || r.size() != 2 || !(r.get(0) instanceof Number from) || !(r.get(1) instanceof Number to)
                    || from.longValue() <= prev || to.longValue() < from.longValue()) {
                throw new Invalid(Problem.BAD_VALUE, "processed (ascending, non-overlapping [from, to] from 0)");
            }
            processed.add(new Range(from.longValue(), to.longValue()));
            prev = to.longValue();
        }
        List<Failed> failed = new ArrayList<>();
        prev = -1;
        for (List<Object> r : j.failed() == null ? List.<List<Object>>of() : j.failed()) {
            if (r == null || r.size() != 3 || !(r.get(0) instanceof Number from) || !(r.get(1) instanceof Number to)
                    || !(r.get(2) instanceof String reason) || from.longValue() <= prev
                    || to.longValue() < from.longValue()) {
                throw new Invalid(Problem.BAD_VALUE, "failed (ascending, non-overlapping [from, to, reason] from 0)");
            }
            for (Range p : processed) {
                if (p.from() <= to.longValue() && from.longValue() <= p.to()) {
                    throw new Invalid(Problem.BAD_VALUE, "failed overlaps processed");
                }
            }
            failed.add(new Failed(from.longValue(), to.longValue(), reason));
            prev = to.longValue();
        }
        return new Receipt(j.group(), j.topic(), j.partition(), j.at() == null ? 0 : j.at(), j.client(),
                List.copyOf(processed), List.copyOf(failed), sourcePartition, sourceOffset);
    }

    private static void require(Object value, String field) throws Invalid {
        if (value == null) {
            throw new Invalid(Problem.MISSING_FIELD, field);
        }
    }
}
