package io.seqaudit.demo;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;

/**
 * A deterministic traffic plan: {@code keys} keys (plus the null key) with {@code perKey} records each, and a
 * fate for every (key, seq) drawn from a hash, so the injected faults are known exactly. The last seq of a stream
 * is never lost or held: a loss at the very end of a stream cannot be seen by anyone until a later record.
 *
 * @param topic the audited topic
 * @param voidTopic where lost and held records go instead
 */
public record FaultPlan(String topic, String voidTopic, int keys, int perKey, int nullKeyRecords, double lossRate,
        double duplicateRate, double lateWithinRate, double lateBeyondRate, long seed) {

    /** What happens to one stamped record. */
    public enum Fate { SENT, LOST, DUPLICATED, LATE_WITHIN, LATE_BEYOND }

    public String key(int i) {
        return "key-" + i;
    }

    /** Records of a key: {@code perKey}, or {@code nullKeyRecords} for the null key. */
    public int count(String key) {
        return key == null ? nullKeyRecords : perKey;
    }

    public Fate fate(String key, long seq) {
        if (seq >= count(key) - 1) {
            return Fate.SENT;
        }
        double x = unit(Objects.hashCode(key) * 0x9E3779B97F4A7C15L + seq * 0xC2B2AE3D27D4EB4FL + seed);
        if (x < lossRate) {
            return Fate.LOST;
        }
        x -= lossRate;
        if (x < duplicateRate) {
            return Fate.DUPLICATED;
        }
        x -= duplicateRate;
        if (x < lateWithinRate) {
            return Fate.LATE_WITHIN;
        }
        x -= lateWithinRate;
        return x < lateBeyondRate ? Fate.LATE_BEYOND : Fate.SENT;
    }

    /** Every key of the plan, the null key last. */
    public List<String> allKeys() {
        List<String> out = new ArrayList<>(keys + 1);
        for (int i = 0; i < keys; i++) {
            out.add(key(i));
        }
        out.add(null);
        return out;
    }

    /** The seqs of {@code key} with the given fate. */
    public List<Long> seqs(String key, Fate fate) {
        List<Long> out = new ArrayList<>();
        for (long s = 0; s < count(key); s++) {
            if (fate(key, s) == fate) {
                out.add(s);
            }
        }
        return out;
    }

    /** "key#seq" of every seq with that fate; the null key is written {@code <null>}. */
    public Set<String> keySeqs(Fate fate) {
        Set<String> out = new TreeSet<>();
        for (String key : allKeys()) {
            seqs(key, fate).forEach(s -> out.add((key == null ? "<null>" : key) + "#" + s));
        }
        return out;
    }

    public long total(Fate fate) {
        return allKeys().stream().mapToLong(k -> seqs(k, fate).size()).sum();
    }

    private static double unit(long h) {
        h ^= h >>> 33;
        h *= 0xff51afd7ed558ccdL;
        h ^= h >>> 33;
        h *= 0xc4ceb9fe1a85ec53L;
        h ^= h >>> 33;
        return (h >>> 11) * 0x1.0p-53;
    }
}
