package io.seqaudit.sequence;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

/**
 * A set of offsets kept as disjoint inclusive ranges, each with a label (null for none): the receipted offsets of
 * a {@link ConsumerLedger} (no label) and its failed ones (label: the failure's reason). Adjacent ranges with equal
 * labels are merged, so a partition processed in order is one range. Mutable; one thread (the auditor's consumer
 * thread) at a time.
 */
final class OffsetRanges {

    /** One inclusive range and its label. */
    record Span(long from, long to, String label) {
        long size() {
            return to - from + 1;
        }
    }

    private final TreeMap<Long, Span> byFrom = new TreeMap<>();

    /** The parts of the set within {@code [from, to]}, clipped, ascending. */
    List<Span> overlap(long from, long to) {
        List<Span> out = new ArrayList<>();
        if (from > to) {
            return out;
        }
        Map.Entry<Long, Span> first = byFrom.floorEntry(from);
        Long start = first != null && first.getValue().to() >= from ? first.getKey() : Long.valueOf(from);
        for (Span s : byFrom.subMap(start, true, to, true).values()) {
            long f = Math.max(s.from(), from);
            long t = Math.min(s.to(), to);
            if (f <= t) {
                out.add(new Span(f, t, s.label()));
            }
        }
        return out;
    }

    /** The ranges of {@code [from, to]} that the set does not hold, ascending. */
    List<Span> missing(long from, long to) {
        List<Span> out = new ArrayList<>();
        long next = from;
        for (Span s : overlap(from, to)) {
            if (s.from() > next) {
                out.add(new Span(next, s.from() - 1, null));
            }
            next = s.to() + 1;
        }
        if (next <= to) {
            out.add(new Span(next, to, null));
        }
        return out;
    }

    /** How many offsets of {@code [from, to]} the set holds. */
    long count(long from, long to) {
        return overlap(from, to).stream().mapToLong(Span::size).sum();
    }

    /** Takes {@code [from, to]} out of the set, splitting ranges that reach over its ends. */
    void remove(long from, long to) {
        if (from > to) {
            return;
        }
        for (Span s : overlap(from, to)) {
            Map.Entry<Long, Span> e = byFrom.floorEntry(s.from());
            Span whole = e.getValue();
            byFrom.remove(e.getKey());
            if (whole.from() < from) {
                byFrom.put(whole.from(), new Span(whole.from(), from - 1, whole.label()));
            }
            if (whole.to() > to) {
                byFrom.put(to + 1, new Span(to + 1, whole.to(), whole.label()));
            }
        }
    }

    /** Puts {@code [from, to]} into the set with {@code label}, replacing what it held there. */
    void put(long from, long to, String label) {
        if (from > to) {
            return;
        }
        remove(from, to);
        Map.Entry<Long, Span> before = byFrom.floorEntry(from - 1);
        if (before != null && before.getValue().to() == from - 1 && Objects.equals(before.getValue().label(), label)) {
            from = before.getKey();
            byFrom.remove(from);
        }
        Span after = byFrom.get(to + 1);
        if (after != null && Objects.equals(after.label(), label)) {
            to = after.to();
            byFrom.remove(after.from());
        }
        byFrom.put(from, new Span(from, to, label));
    }

    /** Forgets every offset below {@code offset}. */
    void removeBelow(long offset) {
        if (!byFrom.isEmpty() && byFrom.firstKey() < offset) {
            remove(byFrom.firstKey(), offset - 1);
        }
    }

    /** Forgets the lowest ranges while more than {@code max} are held. */
    void keepHighest(int max) {
        while (byFrom.size() > max) {
            byFrom.pollFirstEntry();
        }
    }

    /** The range holding {@code offset}, or null. */
    Span holding(long offset) {
        Map.Entry<Long, Span> e = byFrom.floorEntry(offset);
        return e != null && e.getValue().to() >= offset ? e.getValue() : null;
    }

    /** The lowest offset held, or -1. */
    long lowest() {
        return byFrom.isEmpty() ? -1 : byFrom.firstKey();
    }

    List<Span> spans() {
        return List.copyOf(byFrom.values());
    }
}
