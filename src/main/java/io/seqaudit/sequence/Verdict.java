package io.seqaudit.sequence;

/**
 * The detector's decision for one record of a stream: one type per {@link Outcome} it can decide, each carrying
 * only what that outcome has (read with {@code instanceof} patterns). Immutable, so thread-safe; the kinds without
 * data are shared instances, so that deciding a record in order allocates nothing.
 * {@link Outcome#UNSTAMPED} is no verdict: a record without headers never reaches the detector.
 */
public sealed interface Verdict {

    /** The next seq of its stream, or seq 0 of a new one. */
    Verdict IN_ORDER = new InOrder();
    /** The first record of a stream whose start could not have been seen, taken from its seq. */
    Verdict JOINED_LATE = new JoinedLate();
    /** A replayed record for a seq already present. */
    Verdict REPLAY_REDUNDANT = new ReplayRedundant();
    /** An original arriving for a seq its replay filled. */
    Verdict REPLAY_SUPERSEDED = new ReplaySuperseded();

    /** What the record is: the tag it is counted under. */
    Outcome outcome();

    /** See {@link #IN_ORDER}; records for a shared instance only. */
    record InOrder() implements Verdict {
        @Override
        public Outcome outcome() {
            return Outcome.IN_ORDER;
        }
    }

    /** @param opened the seqs this record revealed as missing, suspected from now on */
    record OutOfOrder(MissingRange opened) implements Verdict {
        @Override
        public Outcome outcome() {
            return Outcome.OUT_OF_ORDER;
        }
    }

    /**
     * @param skipped the seqs this record jumped over without auditing them (the records between it and its
     *        stream's previous one were not all readable): open nowhere, never lost, counted as a coverage gap
     */
    record Resumed(MissingRange skipped) implements Verdict {
        @Override
        public Outcome outcome() {
            return Outcome.RESUMED;
        }
    }

    /**
     * @param filled the missing range (suspected or lost) this record fell into, as it was before; null for a seq
     *        below the first one tracked (the stream was joined late: nothing more can be told)
     */
    record Late(MissingRange filled) implements Verdict {
        /** A seq below the stream's tracked start. */
        static final Late BELOW_START = new Late(null);

        @Override
        public Outcome outcome() {
            return Outcome.LATE;
        }
    }

    /** @param original where the seq was seen first, or null if that is no longer remembered */
    record Duplicate(Position original) implements Verdict {
        @Override
        public Outcome outcome() {
            return Outcome.DUPLICATE;
        }
    }

    /** See {@link #JOINED_LATE}; records for a shared instance only. */
    record JoinedLate() implements Verdict {
        @Override
        public Outcome outcome() {
            return Outcome.JOINED_LATE;
        }
    }

    /**
     * A record the detector refused (the stream's state is unchanged).
     *
     * @param reason the {@code reason} tag, one of {@link InvalidReasons#ALL}
     */
    record Invalid(String reason) implements Verdict {
        @Override
        public Outcome outcome() {
            return Outcome.INVALID;
        }
    }

    /**
     * A replayed record its stream accepted.
     *
     * @param accepted what it would have been as an original: {@link InOrder}, {@link JoinedLate},
     *        {@link OutOfOrder}, {@link Resumed} or {@link Late}
     */
    record Replayed(Verdict accepted) implements Verdict {
        @Override
        public Outcome outcome() {
            return Outcome.REPLAYED;
        }
    }

    /** See {@link #REPLAY_REDUNDANT}; records for a shared instance only. */
    record ReplayRedundant() implements Verdict {
        @Override
        public Outcome outcome() {
            return Outcome.REPLAY_REDUNDANT;
        }
    }

    /** See {@link #REPLAY_SUPERSEDED}; records for a shared instance only. */
    record ReplaySuperseded() implements Verdict {
        @Override
        public Outcome outcome() {
            return Outcome.REPLAY_SUPERSEDED;
        }
    }
}
