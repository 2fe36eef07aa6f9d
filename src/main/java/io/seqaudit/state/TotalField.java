package io.seqaudit.state;

import io.seqaudit.sequence.LossStage;
import io.seqaudit.sequence.Outcome;
import java.util.Optional;
import java.util.function.Function;

/**
 * A counter in a shard's {@code totals} hash in Redis, and the one owner of its field name: the auditor adds to
 * these through {@link Checkpoint#add}, {@link StateReader#totals} reads them back, and the API's summary and the
 * auditor's gauges look them up. The field strings are stored data: state written by an earlier build must read the
 * same, so a name never changes (a test pins each one). {@code checkpoint.lua} reads {@link Fixed#STREAMS},
 * {@link Fixed#MISSING_SUSPECTED} and {@link Fixed#MISSING_LOST} by name to tell which keys must exist.
 */
public sealed interface TotalField permits TotalField.Fixed, TotalField.Records, TotalField.Invalid,
        TotalField.Uncovered, TotalField.Lost, TotalField.InvalidBeacons {

    /** The field in the totals hash. */
    String field();

    /** A counter with a fixed name. */
    enum Fixed implements TotalField {
        /** Streams stored now (+1 when one is first written, -1 when one expires). */
        STREAMS("streams"),
        /**
         * Of {@link #STREAMS}, those that span partitions: kept by the checkpoint script itself, which reads the
         * stored blobs of owned streams only while there are any (absent on a state from before it was kept).
         */
        SPREAD("streams:spread"),
        /** Streams expired for idleness, ever. */
        EXPIRED("expired"),
        /** Seqs missing now and within their grace window. */
        MISSING_SUSPECTED("missing:suspected"),
        /** Seqs missing now and past their grace window. */
        MISSING_LOST("missing:lost"),
        /** Seqs ever confirmed lost, of every stage (those later filled included). */
        LOST_TOTAL("lost_total"),
        /** Seqs confirmed lost whose record arrived after all (later than the grace): part of {@link #LOST_TOTAL}. */
        LOST_FILLED("lost_filled"),
        /** Seqs found to be records of aborted transactions. */
        ABORTED_TOTAL("aborted_total"),
        /** Recent positions a stream forgot (the duplicate check's window was full). */
        FORGOTTEN("forgotten"),
        /** Log truncations handled. */
        TRUNCATIONS("truncations"),
        /** Records removed by the handled truncations. */
        TRUNCATED_RECORDS("truncated_records");

        private final String field;

        Fixed(String field) {
            this.field = field;
        }

        @Override
        public String field() {
            return field;
        }
    }

    /** Records the auditor decided {@code outcome} for. */
    record Records(Outcome outcome) implements TotalField {
        static final String PREFIX = "records:";

        @Override
        public String field() {
            return PREFIX + outcome.tag();
        }
    }

    /** Records counted {@link Outcome#INVALID} for {@code reason} (one of {@code InvalidReasons.ALL}). */
    record Invalid(String reason) implements TotalField {
        static final String PREFIX = "invalid:";

        @Override
        public String field() {
            return PREFIX + reason;
        }
    }

    /** Seqs not audited because their records left the log first, for {@code reason}. */
    record Uncovered(CoverageReason reason) implements TotalField {
        static final String PREFIX = "uncovered:";

        @Override
        public String field() {
            return PREFIX + reason.tag();
        }
    }

    /** Seqs ever confirmed lost at {@code stage} (state from before stages counted only {@link Fixed#LOST_TOTAL}). */
    record Lost(LossStage stage) implements TotalField {
        static final String PREFIX = "lost:";

        @Override
        public String field() {
            return PREFIX + stage.tag();
        }
    }

    /** Beacon claims ignored for {@code reason} (a seq jump beyond the cap): not records, so not in {@link Invalid}. */
    record InvalidBeacons(String reason) implements TotalField {
        static final String PREFIX = "invalid_beacons:";

        @Override
        public String field() {
            return PREFIX + reason;
        }
    }

    static TotalField records(Outcome outcome) {
        return new Records(outcome);
    }

    static TotalField invalid(String reason) {
        return new Invalid(reason);
    }

    static TotalField uncovered(CoverageReason reason) {
        return new Uncovered(reason);
    }

    static TotalField lost(LossStage stage) {
        return new Lost(stage);
    }

    static TotalField invalidBeacons(String reason) {
        return new InvalidBeacons(reason);
    }

    /**
     * The counter a stored field name stands for; empty for a name this build does not know (written by a newer
     * one, or an outcome, stage or reason since dropped), which readers leave out. Read side only (the API, the
     * gauges): a scan of a dozen names is cheaper than keeping tables.
     */
    static Optional<TotalField> parse(String field) {
        Fixed fixed = byTag(Fixed.values(), Fixed::field, field);
        if (fixed != null) {
            return Optional.of(fixed);
        }
        int colon = field.indexOf(':');
        String tag = field.substring(colon + 1);
        if (colon < 0 || tag.isEmpty()) {
            return Optional.empty();
        }
        return Optional.ofNullable(switch (field.substring(0, colon + 1)) {
            case Records.PREFIX -> map(byTag(Outcome.values(), Outcome::tag, tag), Records::new);
            case Invalid.PREFIX -> new Invalid(tag);
            case Uncovered.PREFIX -> map(byTag(CoverageReason.values(), CoverageReason::tag, tag), Uncovered::new);
            case Lost.PREFIX -> map(byTag(LossStage.values(), LossStage::tag, tag), Lost::new);
            case InvalidBeacons.PREFIX -> new InvalidBeacons(tag);
            default -> null;
        });
    }

    private static <E> E byTag(E[] values, Function<E, String> tag, String wanted) {
        for (E v : values) {
            if (tag.apply(v).equals(wanted)) {
                return v;
            }
        }
        return null;
    }

    private static <E> TotalField map(E value, Function<E, TotalField> to) {
        return value == null ? null : to.apply(value);
    }
}
