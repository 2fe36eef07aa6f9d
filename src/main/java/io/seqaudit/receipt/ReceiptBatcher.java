package io.seqaudit.receipt;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

/**
 * Collects processed and failed offsets into receipts: one open batch per (group, topic, partition), whose
 * adjacent offsets of the same outcome merge into one range. A batch is sealed into a {@link Receipt} when it is
 * drained, when an offset it already holds comes again (each occurrence must count: the contract lets an offset
 * appear once per receipt), and when it reaches {@code rangesPerMessage} ranges (a message stays well under
 * Kafka's 1 MiB).
 *
 * <p>Bounded: at most {@code maxRanges} ranges are held, open and sealed together; past that the oldest sealed
 * receipts are dropped, and their offsets counted in {@link #dropped()}.
 *
 * <p>Not thread-safe: {@link ProcessingReceipts} calls it under its own lock. No I/O; pure.
 */
final class ReceiptBatcher {

    /** Whose receipts a batch holds. */
    record Key(String group, String topic, int partition) {
    }

    /** A range of one outcome; {@code reason} null for processed. Mutable while its batch is open. */
    private static final class Span {
        long from;
        long to;
        final String reason;

        Span(long from, long to, String reason) {
            this.from = from;
            this.to = to;
            this.reason = reason;
        }
    }

    /** The offsets of one key since its last receipt, by first offset. */
    private static final class Open {
        final TreeMap<Long, Span> spans = new TreeMap<>();
    }

    private final int maxRanges;
    private final int rangesPerMessage;
    private final Map<Key, Open> open = new LinkedHashMap<>();
    private final ArrayDeque<Receipt> sealed = new ArrayDeque<>();
    private long held;
    private long dropped;

    ReceiptBatcher(int maxRanges, int rangesPerMessage) {
        if (maxRanges < 1 || rangesPerMessage < 1) {
            throw new IllegalArgumentException("bounds must be positive");
        }
        this.maxRanges = maxRanges;
        this.rangesPerMessage = rangesPerMessage;
    }

    /** Records that {@code offset} of {@code key} was finished. */
    void processed(Key key, long offset) {
        add(key, offset, null);
    }

    /** Records that processing gave up on {@code offset} of {@code key}, and why. */
    void failed(Key key, long offset, String reason) {
        add(key, offset, Objects.requireNonNull(reason, "reason"));
    }

    private void add(Key key, long offset, String reason) {
        if (offset < 0) {
            throw new IllegalArgumentException("negative offset " + offset);
        }
        Open batch = open.computeIfAbsent(key, k -> new Open());
        Map.Entry<Long, Span> floor = batch.spans.floorEntry(offset);
        if (floor != null && floor.getValue().to >= offset) {
            seal(key); // held already: this occurrence goes into the next receipt
            batch = open.computeIfAbsent(key, k -> new Open());
            floor = null;
        }
        Span left = floor != null && floor.getValue().to == offset - 1
                && Objects.equals(floor.getValue().reason, reason) ? floor.getValue() : null;
        Span right = offset == Long.MAX_VALUE ? null : batch.spans.get(offset + 1);
        if (right != null && !Objects.equals(right.reason, reason)) {
            right = null;
        }
        if (left != null && right != null) {
            left.to = right.to;
            batch.spans.remove(right.from);
            held--;
        } else if (left != null) {
            left.to = offset;
        } else if (right != null) {
            batch.spans.remove(right.from);
            right.from = offset;
            batch.spans.put(offset, right);
        } else {
            batch.spans.put(offset, new Span(offset, offset, reason));
            held++;
        }
        if (batch.spans.size() >= rangesPerMessage) {
            seal(key);
        }
        bound();
    }

    /** Seals every open batch and hands out every receipt held, oldest first; the batcher is empty after. */
    List<Receipt> drain() {
        for (Key k : new ArrayList<>(open.keySet())) {
            seal(k);
        }
        List<Receipt> out = new ArrayList<>(sealed);
        sealed.clear();
        held = 0;
        return out;
    }

    /**
     * Takes back receipts that could not be sent, ahead of everything held (they are older), then applies the
     * bound.
     */
    void requeue(List<Receipt> unsent) {
        for (int i = unsent.size() - 1; i >= 0; i--) {
            sealed.addFirst(unsent.get(i));
            held += unsent.get(i).ranges();
        }
        bound();
    }

    /** Offsets whose receipts were dropped by the bound, since this batcher was made. */
    long dropped() {
        return dropped;
    }

    /** Ranges held, open and sealed. */
    long held() {
        return held;
    }

    private void bound() {
        while (held > maxRanges) {
            if (sealed.isEmpty()) {
                for (Key k : new ArrayList<>(open.keySet())) {
                    seal(k);
                }
            }
            Receipt oldest = sealed.pollFirst();
            held -= oldest.ranges();
            dropped += oldest.offsets();
        }
    }

    private void seal(Key key) {
        Open batch = open.remove(key);
        if (batch == null || batch.spans.isEmpty()) {
            return;
        }
        List<Receipt.Range> processed = new ArrayList<>();
        List<Receipt.Failed> failed = new ArrayList<>();
        for (Span s : batch.spans.values()) {
            if (s.reason == null) {
                processed.add(new Receipt.Range(s.from, s.to));
            } else {
                failed.add(new Receipt.Failed(s.from, s.to, s.reason));
            }
        }
        sealed.addLast(new Receipt(key.group(), key.topic(), key.partition(), processed, failed));
    }
}
