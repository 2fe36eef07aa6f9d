package io.seqaudit.sequence;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * The pure loss and duplicate rule, per stream. Given a stream's state and one record's seq, it decides the
 * record's {@link Outcome} and updates the state; given the auditor's progress time, it turns suspected ranges
 * into lost ones once their grace window has run out.
 *
 * <p>The rule refines Xinfra Monitor's (next == seq: in order; lower: duplicate; higher: gap) with missing
 * ranges that late records fill, a grace window measured on the auditor's progress, and a cap on jumps so that a
 * corrupt seq cannot open a billion-seq gap. Stateless and thread-safe; the states it is given are not.
 */
public final class SequenceDetector {

    /** Reason of an {@link Outcome#INVALID} verdict for a jump beyond {@code maxJump}. */
    public static final String SEQ_JUMP = "seq_jump";

    private static final Verdict JUMP = new Verdict.Invalid(SEQ_JUMP);

    private final long maxJump;
    private final int maxRanges;
    private final long graceMillis;

    /**
     * @param maxJump the most seqs one record may reveal as missing; a bigger jump is invalid
     * @param maxRanges the most missing ranges a stream keeps; beyond it the oldest is forgotten
     * @param grace how long, on the auditor's progress clock, a missing seq stays suspected
     */
    public SequenceDetector(long maxJump, int maxRanges, Duration grace) {
        if (maxJump < 1 || maxRanges < 1 || grace.isNegative()) {
            throw new IllegalArgumentException("maxJump and maxRanges must be positive, grace not negative");
        }
        this.maxJump = maxJump;
        this.maxRanges = maxRanges;
        this.graceMillis = grace.toMillis();
    }

    /**
     * Decides one record and updates {@code state}: the one entry point, so the checks every production record
     * goes through (replays, a spread stream) are the ones the tests exercise. A replayed record that the stream
     * accepts is {@link Verdict.Replayed} (with what it would have been as an original); one for a seq already
     * present is {@link Outcome#REPLAY_REDUNDANT}. An original arriving for a seq a replay filled is
     * {@link Outcome#REPLAY_SUPERSEDED}, not a duplicate (a second one is). With {@link Arrival#anyPartition()} the
     * stream is taken as spanning partitions from its first record.
     *
     * @param state the stream's state, changed in place (unchanged for an invalid record)
     * @return the verdict, and a range dropped to respect {@code maxRanges} if any
     */
    public Observation observe(StreamState state, Arrival a) {
        long seq = a.seq();
        if (!state.isNew() && seq >= state.start() && seq <= state.high() && !isMissing(state, seq)) {
            if (a.replay()) {
                state.touch(a.progress());
                return new Observation(Verdict.REPLAY_REDUNDANT, null);
            }
            if (state.removeReplayed(seq)) {
                state.touch(a.progress());
                return new Observation(Verdict.REPLAY_SUPERSEDED, null);
            }
        }
        Observation o = decide(state, seq, a.at(), a.progress(), a.takeFromFirstSeen(), a.unguardedBefore());
        boolean accepted = !(o.verdict() instanceof Verdict.Invalid);
        if (a.anyPartition() && accepted && !state.isNew()) {
            // The partitioner spreads a null key: its grace windows follow the slowest partition, so an auditor
            // reading a backlog one partition ahead of another never confirms seqs waiting in the other.
            state.spread();
        }
        if (a.replay() && accepted && o.outcome() != Outcome.DUPLICATE) {
            state.addReplayed(seq, maxRanges);
            return new Observation(new Verdict.Replayed(o.verdict()), o.forgotten());
        }
        return o;
    }

    private static boolean isMissing(StreamState state, long seq) {
        for (MissingRange r : state.missing()) {
            if (r.contains(seq)) {
                return true;
            }
        }
        return false;
    }

    private Observation decide(StreamState state, long seq, Position at, long progress, boolean takeFromFirstSeen,
            long unguardedBefore) {
        if (seq < 0) {
            throw new IllegalArgumentException("negative seq " + seq);
        }
        if (state.isNew()) {
            // A stream first seen at n > 0 where records may have been removed unread: its start is not knowable.
            return first(state, seq, at, progress, takeFromFirstSeen || unguardedBefore != Arrival.GUARDED);
        }
        if (seq > state.high() + 1 && seq - state.high() - 1 > maxJump) {
            return new Observation(JUMP, null);
        }
        // Read before touch(): whether the stream's previous record predates what the auditor can vouch for.
        boolean unguarded = state.lastActivity() < unguardedBefore;
        state.seenOn(at.partition());
        state.touch(progress);
        if (seq == state.high() + 1) {
            accept(state, seq, at);
            return new Observation(Verdict.IN_ORDER, null);
        }
        if (seq > state.high() && unguarded) {
            MissingRange skipped = new MissingRange(state.high() + 1, seq - 1, progress, 0);
            accept(state, seq, at);
            return new Observation(new Verdict.Resumed(skipped), null);
        }
        if (seq > state.high()) {
            MissingRange gap = new MissingRange(state.high() + 1, seq - 1, progress, 0);
            state.mutableMissing().add(gap);
            accept(state, seq, at);
            return new Observation(new Verdict.OutOfOrder(gap), forgetOldest(state));
        }
        if (seq < state.start()) {
            // Before the first seq we tracked (the stream was joined late): it arrived late, we cannot tell more.
            return new Observation(Verdict.Late.BELOW_START, null);
        }
        MissingRange filled = fill(state.mutableMissing(), seq);
        if (filled != null) {
            state.recent().add(seq, at);
            // Filling a seq inside a range splits it in two: the cap holds here too.
            return new Observation(new Verdict.Late(filled), forgetOldest(state));
        }
        state.countDuplicate();
        return new Observation(new Verdict.Duplicate(state.recent().find(seq)), null);
    }

    private Observation first(StreamState state, long seq, Position at, long progress, boolean takeFromFirstSeen) {
        if (seq == 0 || takeFromFirstSeen) {
            state.begin(at.partition(), seq);
            state.touch(progress);
            accept(state, seq, at);
            return new Observation(seq == 0 ? Verdict.IN_ORDER : Verdict.JOINED_LATE, null);
        }
        if (seq > maxJump) {
            return new Observation(JUMP, null);
        }
        state.begin(at.partition(), 0);
        state.touch(progress);
        MissingRange gap = new MissingRange(0, seq - 1, progress, 0);
        state.mutableMissing().add(gap);
        accept(state, seq, at);
        return new Observation(new Verdict.OutOfOrder(gap), null);
    }

    /** Drops the oldest missing range if the stream holds more than {@code maxRanges}; returns it, or null. */
    private MissingRange forgetOldest(StreamState state) {
        List<MissingRange> missing = state.mutableMissing();
        return missing.size() > maxRanges ? missing.remove(0) : null;
    }

    private static void accept(StreamState state, long seq, Position at) {
        state.high(seq);
        state.recent().add(seq, at);
    }

    /** Removes {@code seq} from the range holding it, splitting it; returns that range as it was, or null. */
    private static MissingRange fill(List<MissingRange> missing, long seq) {
        int lo = 0;
        int hi = missing.size() - 1;
        while (lo <= hi) {
            int mid = (lo + hi) >>> 1;
            MissingRange r = missing.get(mid);
            if (seq < r.from()) {
                hi = mid - 1;
            } else if (seq > r.to()) {
                lo = mid + 1;
            } else {
                missing.remove(mid);
                if (seq < r.to()) {
                    missing.add(mid, r.withBounds(seq + 1, r.to()));
                }
                if (seq > r.from()) {
                    missing.add(mid, r.withBounds(r.from(), seq - 1));
                }
                return r;
            }
        }
        return null;
    }

    /**
     * Closes a missing seq whose record the log holds in an aborted transaction: the application chose not to
     * publish it, so it is neither lost nor, if sent again, a duplicate of anything.
     *
     * @return true if the seq was missing (suspected or lost) and is closed now
     */
    public boolean abort(StreamState state, long seq) {
        if (state.isNew() || fill(state.mutableMissing(), seq) == null) {
            return false;
        }
        forgetOldest(state); // closing a seq inside a range splits it: the cap holds here too
        return true;
    }

    /**
     * Makes a seq that had arrived missing again, as suspected since {@code progress}: the record that carried it
     * was removed from the log after the auditor read it (a log truncated by an unclean leader election). Merges
     * with an adjacent range opened at the same time, so one truncation makes one range per stream.
     *
     * @return true if the seq was present and is missing now; false if it was outside the tracked range or missing
     */
    public boolean reopen(StreamState state, long seq, long progress) {
        if (state.isNew() || seq < state.start() || seq > state.high() || isMissing(state, seq)) {
            return false;
        }
        List<MissingRange> missing = state.mutableMissing();
        int i = 0;
        while (i < missing.size() && missing.get(i).to() < seq) {
            i++;
        }
        // The log held the record and lost it: the broker's stage, whatever a beacon says.
        MissingRange r = new MissingRange(seq, seq, progress, 0, LossStage.BROKER, null);
        if (i > 0 && mergeable(missing.get(i - 1), r)) {
            MissingRange before = missing.remove(--i);
            r = before.withBounds(before.from(), seq);
        }
        if (i < missing.size() && mergeable(r, missing.get(i))) {
            r = r.withBounds(r.from(), missing.remove(i).to());
        }
        missing.add(i, r);
        state.touch(progress);
        return true;
    }

    private static boolean mergeable(MissingRange lower, MissingRange upper) {
        return lower.to() + 1 == upper.from() && !lower.isLost() && !upper.isLost()
                && lower.openedAt() == upper.openedAt() && lower.stage() == upper.stage();
    }

    /**
     * Applies what a producer's beacon says of a stream, once the auditor has read every record the claim could
     * be about (README, "Beacons"): the seqs up to {@link ProducerClaim#upTo()} that never arrived are missing
     * (the stream's tail included: no later record would ever reveal them), and every missing seq the claim covers
     * gets its stage: {@link LossStage#PRODUCER} with its cause where the send never reached the log,
     * {@link LossStage#BROKER} where it was acknowledged. A stage once known is kept. Applying the same claim
     * again changes nothing.
     *
     * @param state the stream's state, changed in place
     * @param partition the partition the stream's acknowledged records are on (its home if the claim creates it);
     *        -1 for none (every record so far failed, was redirected or is in flight): a stream the claim creates is
     *        then homed on partition 0 and timed on the slowest clock of all partitions, as a stream spanning them,
     *        since its records may still land on any partition, unread there yet
     * @param at the auditor's progress time: when a tail gap is found missing
     * @param openTail whether seqs above the stream's highest may be opened as missing: false when the stream's
     *        records may be on partitions not read that far (a stream spanning partitions)
     * @param takeFromFirstSeen whether the stream's start may predate what the auditor read (it joined late): then a
     *        stream not seen yet is not created from the claim
     * @return the seqs the claim opened as missing, or -1 if the claim is invalid (a jump beyond the cap)
     */
    public long claim(StreamState state, ProducerClaim claim, int partition, long at, boolean openTail,
            boolean takeFromFirstSeen) {
        long upTo = claim.upTo();
        if (upTo < 0) {
            return 0;
        }
        long opened = 0;
        if (state.isNew()) {
            if (!openTail || takeFromFirstSeen) {
                return 0;
            }
            if (upTo >= maxJump) {
                return -1;
            }
            state.begin(Math.max(0, partition), 0);
            if (partition < 0) {
                state.spread();
            }
            state.touch(at);
            state.mutableMissing().add(new MissingRange(0, upTo, at, 0));
            state.high(upTo);
            opened = upTo + 1;
        } else if (openTail && upTo > state.high()) {
            if (upTo - state.high() > maxJump) {
                return -1;
            }
            opened = upTo - state.high();
            state.mutableMissing().add(new MissingRange(state.high() + 1, upTo, at, 0));
            state.high(upTo);
            state.touch(at);
        }
        List<MissingRange> missing = state.mutableMissing();
        for (int i = 0; i < missing.size(); i++) {
            MissingRange r = missing.get(i);
            if (r.stage() != LossStage.UNKNOWN || r.from() > upTo) {
                continue;
            }
            List<MissingRange> pieces = staged(r, claim);
            missing.remove(i);
            missing.addAll(i, pieces);
            i += pieces.size() - 1;
        }
        while (missing.size() > maxRanges) {
            missing.remove(0);
        }
        return opened;
    }

    /** {@code r} cut where the claim's stages change: producer, broker, and unknown above the claim. */
    private static List<MissingRange> staged(MissingRange r, ProducerClaim claim) {
        List<MissingRange> out = new ArrayList<>(2);
        long s = r.from();
        while (s <= r.to()) {
            if (s > claim.upTo()) {
                out.add(r.withBounds(s, r.to()));
                break;
            }
            ProducerClaim.NotSent n = claim.notSentAt(s);
            long end;
            if (n != null) {
                end = Math.min(Math.min(n.to(), r.to()), claim.upTo());
                out.add(r.withBounds(s, end).withStage(LossStage.PRODUCER, n.cause()));
            } else {
                long next = claim.nextNotSentAfter(s);
                end = Math.min(Math.min(r.to(), claim.upTo()), next == Long.MAX_VALUE ? Long.MAX_VALUE : next - 1);
                out.add(r.withBounds(s, end).withStage(LossStage.BROKER, null));
            }
            s = end + 1;
        }
        return out;
    }

    /**
     * Marks as lost every suspected range whose grace ran out by {@code progress}; the loss time is the end of
     * the grace window (deterministic, whenever the check runs).
     *
     * @return the ranges that became lost, as they are now
     */
    public List<MissingRange> confirmLosses(StreamState state, long progress) {
        List<MissingRange> missing = state.mutableMissing();
        List<MissingRange> confirmed = null;
        for (int i = 0; i < missing.size(); i++) {
            MissingRange r = missing.get(i);
            long deadline = r.openedAt() + graceMillis;
            if (!r.isLost() && deadline <= progress) {
                MissingRange lost = r.lost(Math.max(deadline, 1));
                missing.set(i, lost);
                if (confirmed == null) {
                    confirmed = new ArrayList<>(2);
                }
                confirmed.add(lost);
            }
        }
        return confirmed == null ? List.of() : confirmed;
    }

    /** The earliest progress time at which {@link #confirmLosses} would change something, or Long.MAX_VALUE. */
    public long nextDeadline(StreamState state) {
        long next = Long.MAX_VALUE;
        for (MissingRange r : state.missing()) {
            if (!r.isLost()) {
                next = Math.min(next, r.openedAt() + graceMillis);
            }
        }
        return next;
    }

    /**
     * A verdict plus the side effect on the stream's bounded memory.
     *
     * @param verdict what the record is
     * @param forgotten a missing range dropped to stay within the range cap, or null
     */
    public record Observation(Verdict verdict, MissingRange forgotten) {
        public Outcome outcome() {
            return verdict.outcome();
        }
    }
}
