package io.seqaudit.stamp;

import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;

/**
 * What one stream's producer knows of its seqs, for its beacons (README, "Beacons"): the highest seq stamped, the
 * highest seq {@code upTo} below which every seq has an outcome (acknowledged, failed, or never sent), the seqs that
 * never reached the log with their cause, and the partition its acknowledged records are on.
 *
 * <p>Thread-safe: application threads stamp ({@link #stamped}), the producer's I/O thread acknowledges
 * ({@link #acknowledged}, {@link #failed}), the beacon thread reads and resets ({@link #snapshot}); each call holds
 * this object's monitor for a few field updates. Memory: the seqs in flight above {@code upTo} (one bit each) and
 * at most {@link #MAX_NOT_SENT} not-sent ranges not yet told.
 */
final class BeaconStream {

    /** The partition of a stream none of whose records was acknowledged yet. */
    static final int NO_PARTITION = -1;
    /** The partition of a stream whose acknowledged records are on more than one partition (the null key). */
    static final int SPREAD = -2;
    /** Not-sent ranges kept until a beacon tells them; beyond, the oldest is dropped (and counted). */
    static final int MAX_NOT_SENT = 64;

    final String topic;
    final Object key;
    final long epoch;
    private long stamped = -1;
    /** Every seq up to this one has an outcome. */
    private long upTo = -1;
    /** Seqs above {@code upTo + 1} with an outcome: bit i is seq upTo + 2 + i. */
    private final BitSet doneAbove = new BitSet();
    /** Ascending, disjoint; an adjacent range of the same cause is merged in. */
    private final List<Beacons.NotSent> notSent = new ArrayList<>(0);
    private int partition = NO_PARTITION;
    private long maxOffset = -1;
    private boolean dirty;
    private boolean queued;
    /** A seq was stamped since the beacon thread last looked: the stream is busy, its later seqs tell its gaps. */
    private boolean stampedSinceLook;
    /** Every seq up to {@code mark} was stamped before {@code markAt}: unresolved at the next look, it was unsent. */
    private long mark = -1;
    private long markAt;
    private long dropped;

    BeaconStream(String topic, Object key, long epoch) {
        this.topic = topic;
        this.key = key;
        this.epoch = epoch;
    }

    /** A seq was stamped; true if the stream should be queued for the beacon thread (it was not). */
    synchronized boolean stamped(long seq) {
        stamped = Math.max(stamped, seq);
        stampedSinceLook = true;
        if (queued) {
            return false;
        }
        queued = true;
        return true;
    }

    /** A broker acknowledged {@code seq} at {@code offset} of {@code partition}. */
    synchronized boolean acknowledged(long seq, int partition, long offset) {
        if (this.partition == NO_PARTITION) {
            this.partition = partition;
        } else if (this.partition != partition) {
            this.partition = SPREAD;
        }
        maxOffset = Math.max(maxOffset, offset);
        resolve(seq);
        return queue();
    }

    /** The send of {@code seq} failed: it never reached the log. */
    synchronized boolean failed(long seq, String cause) {
        if (seq > upTo && !isDone(seq)) {
            addNotSent(seq, seq, cause);
            resolve(seq);
        }
        return queue();
    }

    private boolean queue() {
        dirty = true;
        if (queued) {
            return false;
        }
        queued = true;
        return true;
    }

    private boolean isDone(long seq) {
        return seq <= upTo || seq > upTo + 1 && doneAbove.get((int) (seq - upTo - 2));
    }

    private void resolve(long seq) {
        if (seq <= upTo || seq - upTo - 2 > Integer.MAX_VALUE - 1) {
            return;
        }
        if (seq != upTo + 1) {
            doneAbove.set((int) (seq - upTo - 2));
            return;
        }
        upTo++;
        if (doneAbove.isEmpty()) {
            return; // acknowledgements in seq order: the common case, no allocation
        }
        int run = doneAbove.nextClearBit(0);
        upTo += run;
        // Shift the bits down: what was seq (old upTo)+2+i is now relative to the new upTo.
        BitSet rest = doneAbove.get(run + 1, Math.max(run + 1, doneAbove.length()));
        doneAbove.clear();
        doneAbove.or(rest);
    }

    /** Adds a range in seq order (outcomes arrive in any order), merged with a neighbour of the same cause. */
    private void addNotSent(long from, long to, String cause) {
        int i = 0;
        while (i < notSent.size() && notSent.get(i).from() < from) {
            i++;
        }
        Beacons.NotSent before = i > 0 ? notSent.get(i - 1) : null;
        Beacons.NotSent after = i < notSent.size() ? notSent.get(i) : null;
        boolean joinsBefore = before != null && before.to() + 1 == from && before.cause().equals(cause);
        boolean joinsAfter = after != null && to + 1 == after.from() && after.cause().equals(cause);
        if (joinsBefore && joinsAfter) {
            notSent.set(i - 1, new Beacons.NotSent(before.from(), after.to(), cause));
            notSent.remove(i);
        } else if (joinsBefore) {
            notSent.set(i - 1, new Beacons.NotSent(before.from(), to, cause));
        } else if (joinsAfter) {
            notSent.set(i, new Beacons.NotSent(from, after.to(), cause));
        } else {
            notSent.add(i, new Beacons.NotSent(from, to, cause));
            if (notSent.size() > MAX_NOT_SENT) {
                notSent.remove(0);
                dropped++;
            }
        }
    }

    /**
     * What to tell now, taken by the beacon thread; null if nothing changed. Seqs stamped before the last look at
     * least {@code unsentAfter} ms ago and still without an outcome are taken as never sent: the producer gives
     * every record it was handed an outcome within its {@code delivery.timeout.ms}.
     *
     * <p>A busy stream (a seq stamped since the last look) is told only what never reached the log: while later
     * seqs keep coming, they reveal its gaps to the auditor anyway. Its {@code upTo} is told once it goes quiet
     * (the tail, which nothing else reveals), or when {@code force} (the producer closes). This keeps beacons to
     * a few per stream rather than one per stream and interval.
     *
     * @return what to tell; {@link Snapshot#PENDING} to look again next time; null when the stream can leave the
     *         queue (nothing to tell, nothing pending)
     */
    synchronized Snapshot snapshot(long now, long unsentAfter, boolean force) {
        if (stamped > upTo && mark > upTo && now - markAt >= unsentAfter) {
            long s = upTo + 1;
            while (s <= mark) {
                if (isDone(s)) {
                    s++;
                    continue;
                }
                long e = s;
                while (e + 1 <= mark && !isDone(e + 1)) {
                    e++;
                }
                addNotSent(s, e, Beacons.UNSENT);
                for (long x = s; x <= e; x++) {
                    resolve(x);
                }
                s = e + 1;
            }
            dirty = true;
        }
        if (mark <= upTo || now - markAt >= unsentAfter) {
            mark = stamped;
            markAt = now;
        }
        boolean pending = stamped > upTo;
        if (!dirty) {
            queued = pending;
            return pending ? Snapshot.PENDING : null;
        }
        // Only what upTo covers: a failure above a seq still in flight is told once that seq has its outcome.
        List<Beacons.NotSent> ranges = new ArrayList<>(notSent.size());
        for (int i = 0; i < notSent.size() && notSent.get(i).to() <= upTo; i++) {
            ranges.add(notSent.get(i));
        }
        boolean busy = stampedSinceLook;
        stampedSinceLook = false;
        if (busy && ranges.isEmpty() && !force) {
            queued = true;
            return Snapshot.PENDING; // still dirty: told once quiet
        }
        Snapshot s = new Snapshot(topic, key, epoch, upTo, partition, maxOffset, List.copyOf(ranges), pending);
        dirty = false;
        queued = true; // until the beacon is sent (or, if it fails, told again)
        return s;
    }

    /** A beacon holding {@code s} was sent: forget the not-sent ranges it told; dequeue if nothing is pending. */
    synchronized boolean told(Snapshot s) {
        // Exactly the ranges told (records: equal by value); ones added meanwhile may sort before them.
        notSent.removeAll(s.notSent());
        queued = dirty || stamped > upTo;
        return queued;
    }

    /** A beacon holding {@code s} could not be sent: tell it again next time. */
    synchronized void untold() {
        dirty = true;
        queued = true;
    }

    synchronized long droppedNotSent() {
        return dropped;
    }

    /**
     * One stream's part of a beacon.
     *
     * @param upTo every seq up to this one has an outcome
     * @param partition where its acknowledged records are; {@link #NO_PARTITION} or {@link #SPREAD}
     * @param maxOffset the highest offset acknowledged to it, -1 if none
     * @param notSent the ranges up to {@code upTo} that never reached the log, ascending
     * @param pending whether seqs above {@code upTo} have no outcome yet
     */
    record Snapshot(String topic, Object key, long epoch, long upTo, int partition, long maxOffset,
            List<Beacons.NotSent> notSent, boolean pending) {
        static final Snapshot PENDING = new Snapshot(null, null, 0, -1, NO_PARTITION, -1, List.of(), true);
    }
}
