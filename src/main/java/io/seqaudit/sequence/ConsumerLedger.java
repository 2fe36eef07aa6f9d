package io.seqaudit.sequence;

import java.util.ArrayList;
import java.util.List;

/**
 * What one application consumer group did with one partition of an audited topic, as its processing receipts and
 * committed offsets tell (README, "What the auditor does with receipts"): the pure rules of the consumer stage.
 *
 * <p>Every offset below the <em>frontier</em> is settled: processed, reported lost, or not a data record. Above it
 * the ledger keeps the receipted offsets and the failed ones as ranges, and <em>marks</em>: when the group's
 * committed offset was first seen past a point. An unreceipted offset {@code x} is due once grace has run out since
 * the first mark past {@code x}; offsets the group has not committed are pending and never due. Marks only grow in
 * offset and time, so the due offsets are always a prefix above the frontier, which then moves past them: the
 * caller ({@link #due}, {@link #settle}) looks the due stretch up in the log (markers and aborted records are no
 * data) and reports the data records it holds as lost.
 *
 * <p>A receipt for an offset held already (above the frontier) or settled as processed (below it) is a second
 * processing, reported at once; one for an offset reported lost is a late processing (counted, no finding); one
 * below the ledger's start (before the auditor began watching the group) is ignored.
 *
 * <p>Mutable, not thread-safe: the auditor's consumer thread only. Pure: no I/O, the caller passes the time.
 */
public final class ConsumerLedger {

    /** An inclusive offset range. */
    public record Range(long from, long to) {
    }

    /** An inclusive offset range the application gave up on, and why (the receipt's reason). */
    public record Failure(long from, long to, String reason) {
    }

    /** The group's committed offset {@code committed} was first seen at {@code at} (epoch ms). */
    public record Mark(long committed, long at) {
    }

    /**
     * The ledger as stored (a plain value, for JSON).
     *
     * @param start the first offset watched, -1 until the group's committed offset was first seen
     * @param fromLogStart whether the group was seen without a committed offset for the partition before it had one:
     *        then the watch starts at offset 0 (a group new to the partition reads it from its start)
     * @param frontier every offset below it is settled
     * @param committed the group's committed offset as last seen, -1 if never
     */
    public record Data(long start, boolean fromLogStart, long frontier, long committed, List<Range> processed, List<Failure> failed,
            List<Range> lost, List<Mark> marks, long processedCount, long lostCount, long twiceCount) {
    }

    /** A stretch {@code [from, to)} whose grace has run out: {@code unreceipted} must be looked up in the log. */
    public record Due(long from, long to, List<Failure> unreceipted) {
    }

    /** Lost ranges remembered below the frontier (to tell a late processing from a second one). */
    static final int LOST_KEPT = 1000;
    /** Marks kept; beyond it neighbours are merged keeping the later time (a loss is never reported early). */
    static final int MARKS_KEPT = 64;

    private long start;
    private boolean fromLogStart;
    private long frontier;
    private long committed;
    private final OffsetRanges processed = new OffsetRanges();
    private final OffsetRanges failed = new OffsetRanges();
    private final OffsetRanges lost = new OffsetRanges();
    private final List<Mark> marks = new ArrayList<>();
    private long processedCount;
    private long lostCount;
    private long twiceCount;

    /** A ledger of a group not seen before: it starts where the group's committed offset is first seen. */
    public ConsumerLedger() {
        this(new Data(-1, false, 0, -1, List.of(), List.of(), List.of(), List.of(), 0, 0, 0));
    }

    public ConsumerLedger(Data d) {
        start = d.start();
        fromLogStart = d.fromLogStart();
        frontier = d.frontier();
        committed = d.committed();
        d.processed().forEach(r -> processed.put(r.from(), r.to(), null));
        d.failed().forEach(f -> failed.put(f.from(), f.to(), f.reason()));
        d.lost().forEach(r -> lost.put(r.from(), r.to(), null));
        marks.addAll(d.marks());
        processedCount = d.processedCount();
        lostCount = d.lostCount();
        twiceCount = d.twiceCount();
    }

    public Data data() {
        return new Data(start, fromLogStart, frontier, committed,
                processed.spans().stream().map(s -> new Range(s.from(), s.to())).toList(),
                failed.spans().stream().map(s -> new Failure(s.from(), s.to(), s.label())).toList(),
                lost.spans().stream().map(s -> new Range(s.from(), s.to())).toList(), List.copyOf(marks),
                processedCount, lostCount, twiceCount);
    }

    /**
     * Applies a receipt's {@code processed} range.
     *
     * @return the offsets processed a second (or further) time, to report
     */
    public List<Range> processed(long from, long to) {
        List<Range> twice = new ArrayList<>();
        if (start >= 0) {
            from = Math.max(from, start); // before the auditor watched the group: nothing to compare with
        }
        long settledTo = Math.min(to, frontier - 1);
        if (from <= settledTo) {
            // Below the frontier: a processing of a record reported lost is late; of any other, a second one.
            long next = from;
            for (OffsetRanges.Span l : lost.overlap(from, settledTo)) {
                addTwice(twice, next, l.from() - 1);
                processedCount += l.size();
                lost.remove(l.from(), l.to());
                next = l.to() + 1;
            }
            addTwice(twice, next, settledTo);
        }
        long f = Math.max(from, frontier);
        if (f <= to) {
            for (OffsetRanges.Span s : processed.overlap(f, to)) {
                addTwice(twice, s.from(), s.to());
            }
            for (OffsetRanges.Span m : processed.missing(f, to)) {
                processedCount += m.size();
            }
            processed.put(f, to, null);
            failed.remove(f, to); // failed, then processed: the application recovered
        }
        twice.forEach(r -> twiceCount += r.to() - r.from() + 1);
        compact();
        return twice;
    }

    private static void addTwice(List<Range> out, long from, long to) {
        if (from <= to) {
            out.add(new Range(from, to));
        }
    }

    /** Applies a receipt's {@code failed} range: offsets not processed (yet) are failed with {@code reason}. */
    public void failed(long from, long to, String reason) {
        long f = Math.max(from, Math.max(frontier, start));
        if (f > to) {
            return;
        }
        for (OffsetRanges.Span m : processed.missing(f, to)) {
            failed.put(m.from(), m.to(), reason);
        }
    }

    /**
     * The group was seen without a committed offset for the partition: when it commits one, the watch starts at
     * offset 0, not at that commit (a group new to the partition reads it from the start, and a record it commits
     * past there unprocessed is a loss too). True if that changed the ledger.
     */
    public boolean noCommit() {
        if (start >= 0 || fromLogStart) {
            return false;
        }
        fromLogStart = true;
        return true;
    }

    /** The group's committed offset for the partition as read now (-1: none). */
    public void committed(long offset, long now) {
        if (offset < 0) {
            return;
        }
        if (start < 0) {
            long lowest = processed.lowest() < 0 ? failed.lowest() : failed.lowest() < 0 ? processed.lowest()
                    : Math.min(processed.lowest(), failed.lowest());
            start = fromLogStart ? 0 : lowest < 0 ? offset : Math.min(lowest, offset);
            frontier = start;
        }
        if (offset > committed) {
            marks.add(new Mark(offset, now));
            while (marks.size() > MARKS_KEPT) {
                // Merge the two oldest: the merged mark keeps the higher offset and the later time, so no offset's
                // grace is ever measured from before the group committed past it.
                Mark a = marks.remove(0);
                Mark b = marks.get(0);
                marks.set(0, new Mark(Math.max(a.committed(), b.committed()), Math.max(a.at(), b.at())));
            }
        } else if (offset < committed) {
            // The group's offset was moved back (a reset): offsets above it are not committed any more.
            marks.removeIf(m -> m.committed() > offset);
        }
        committed = offset;
        compact();
    }

    /**
     * The stretch above the frontier whose grace has run out at {@code now} (at most {@code maxOffsets} long),
     * with its unreceipted offsets (a failed one with its reason), or null when none is due.
     */
    public Due due(long now, long graceMs, long maxOffsets) {
        return due(now, graceMs, maxOffsets, Long.MAX_VALUE);
    }

    /**
     * As {@link #due(long, long, long)}, never reaching {@code readableEnd} or beyond: offsets the log cannot show
     * yet (above the last stable offset: an open transaction) stay pending until it can.
     */
    public Due due(long now, long graceMs, long maxOffsets, long readableEnd) {
        long upTo = -1;
        for (Mark m : marks) {
            if (m.at() + graceMs <= now) {
                upTo = Math.max(upTo, Math.min(m.committed(), committed));
            }
        }
        if (start < 0 || upTo <= frontier) {
            return null;
        }
        upTo = Math.min(Math.min(upTo, frontier + maxOffsets), readableEnd);
        if (upTo <= frontier) {
            return null;
        }
        List<Failure> out = new ArrayList<>();
        for (OffsetRanges.Span m : processed.missing(frontier, upTo - 1)) {
            long next = m.from();
            for (OffsetRanges.Span f : failed.overlap(m.from(), m.to())) {
                if (f.from() > next) {
                    out.add(new Failure(next, f.from() - 1, null));
                }
                out.add(new Failure(f.from(), f.to(), f.label()));
                next = f.to() + 1;
            }
            if (next <= m.to()) {
                out.add(new Failure(next, m.to(), null));
            }
        }
        return new Due(frontier, upTo, out);
    }

    /**
     * Settles a due stretch: {@code lostOffsets} (its unreceipted offsets that hold data records) are lost, the
     * rest of its unreceipted offsets were no data; the frontier moves to its end.
     */
    public void settle(Due due, List<Long> lostOffsets) {
        if (due.from() != frontier) {
            throw new IllegalStateException("due stretch from " + due.from() + " but the frontier is " + frontier);
        }
        for (long o : lostOffsets) {
            lost.put(o, o, null);
        }
        lostCount += lostOffsets.size();
        lost.keepHighest(LOST_KEPT);
        frontier = due.to();
        processed.removeBelow(frontier);
        failed.removeBelow(frontier);
        long f = frontier;
        marks.removeIf(m -> m.committed() <= f);
        compact();
    }

    /** Moves the frontier over receipted offsets the group has committed: nothing is left to decide about them. */
    private void compact() {
        if (start < 0) {
            return;
        }
        OffsetRanges.Span s = processed.holding(frontier);
        while (s != null && frontier < committed) {
            frontier = Math.min(s.to() + 1, committed);
            s = processed.holding(frontier);
        }
        processed.removeBelow(frontier);
        failed.removeBelow(frontier);
        long f = frontier;
        marks.removeIf(m -> m.committed() <= f);
    }

    /** When the group's committed offset was first seen past {@code offset} (epoch ms; -1 if not yet). */
    public long committedAt(long offset) {
        for (Mark m : marks) {
            if (m.committed() > offset) {
                return m.at();
            }
        }
        return -1;
    }

    /** Committed offsets not proven processed yet (waiting for receipts or grace; may include markers). */
    public long pending() {
        if (start < 0 || committed <= frontier) {
            return 0;
        }
        return committed - frontier - processed.count(frontier, committed - 1);
    }

    public long committedOffset() {
        return committed;
    }

    public long frontier() {
        return frontier;
    }

    public long processedCount() {
        return processedCount;
    }

    public long lostCount() {
        return lostCount;
    }

    public long twiceCount() {
        return twiceCount;
    }
}
