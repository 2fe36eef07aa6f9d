package io.seqaudit.audit;

import io.seqaudit.state.Journal;
import io.seqaudit.state.Journal.Segment;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * What the truncation journal holds for the assigned partitions, per shard: its segments, oldest first, and how
 * many records they cover. Decides which old segments a checkpoint deletes so that a partition keeps at most
 * {@code limit} journaled records per shard. Planning is pure (a refused batch is simply planned again);
 * {@link #applied} records what a checkpoint wrote. Consumer thread only.
 */
final class JournalBook {

    private final int limit;
    private final Map<Long, Deque<Segment>> segments = new HashMap<>();
    private final Map<Long, Long> records = new HashMap<>();

    JournalBook(int limit) {
        this.limit = limit;
    }

    private static long key(int shard, int partition) {
        return ((long) shard << 32) | (partition & 0xffffffffL);
    }

    void clear() {
        segments.clear();
        records.clear();
    }

    /** Loads one shard's segment names (as stored), keeping those of {@code owned} partitions. */
    void load(int shard, List<String> names, java.util.Set<Integer> owned) {
        List<Segment> parsed = new ArrayList<>();
        names.forEach(n -> parsed.add(Segment.parse(n)));
        parsed.sort((a, b) -> Long.compare(a.first(), b.first()));
        for (Segment s : parsed) {
            if (owned.contains(s.partition())) {
                add(shard, s);
            }
        }
    }

    /** The oldest segments to delete so that adding {@code adding} records keeps the partition within the limit. */
    List<Segment> plan(int shard, int partition, int adding) {
        Deque<Segment> d = segments.get(key(shard, partition));
        if (d == null) {
            return List.of();
        }
        long total = records.getOrDefault(key(shard, partition), 0L) + adding;
        List<Segment> out = new ArrayList<>();
        for (Segment s : d) {
            if (total <= limit) {
                break;
            }
            out.add(s);
            total -= s.count();
        }
        return out;
    }

    /** A checkpoint added {@code added} (may be null) and deleted {@code deleted}. */
    void applied(int shard, int partition, Segment added, List<Segment> deleted) {
        Deque<Segment> d = segments.computeIfAbsent(key(shard, partition), k -> new ArrayDeque<>());
        for (Segment s : deleted) {
            if (d.remove(s)) {
                records.merge(key(shard, partition), (long) -s.count(), Long::sum);
            }
        }
        if (added != null) {
            add(shard, added);
        }
    }

    private void add(int shard, Segment s) {
        segments.computeIfAbsent(key(shard, s.partition()), k -> new ArrayDeque<>()).addLast(s);
        records.merge(key(shard, s.partition()), (long) s.count(), Long::sum);
    }

    /** Segments holding offsets at or above {@code offset}, oldest first. */
    List<Segment> from(int shard, int partition, long offset) {
        Deque<Segment> d = segments.get(key(shard, partition));
        return d == null ? List.of() : d.stream().filter(s -> s.last() >= offset).toList();
    }

    /** The first journaled offset of a partition in a shard, or null if nothing is journaled. */
    Long oldest(int shard, int partition) {
        Deque<Segment> d = segments.get(key(shard, partition));
        return d == null || d.isEmpty() ? null : d.peekFirst().first();
    }

    /** The segment of {@code entries} (offset order, not empty), as {@link Journal#segment}. */
    static Segment segmentOf(int partition, List<Journal.Entry> entries) {
        return Journal.segment(partition, entries);
    }
}
