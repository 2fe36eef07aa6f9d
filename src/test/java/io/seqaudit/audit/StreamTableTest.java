package io.seqaudit.audit;

import static org.assertj.core.api.Assertions.assertThat;

import io.seqaudit.sequence.StreamState;
import io.seqaudit.state.FieldKey;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import org.junit.jupiter.api.Test;

/**
 * The stream cache's open-addressing index answers like a map: checked against {@link HashMap} over random adds,
 * lookups and removals (removals shift later entries of a probe run back), for stream fields and fields of other
 * lengths that share their leading bytes.
 */
class StreamTableTest {

    private static FieldKey randomField(Random r, int length) {
        byte[] b = new byte[length];
        r.nextBytes(b);
        return new FieldKey(b);
    }

    @Property(tries = 30)
    void answersLikeAMapOverRandomAddsAndRemovals(@ForAll long seed, @ForAll @IntRange(min = 1, max = 3000) int n) {
        Random r = new Random(seed);
        // A small table: it grows, and removals meet long probe runs.
        StreamCache cache = new StreamCache(Integer.MAX_VALUE);
        Map<FieldKey, byte[]> model = new HashMap<>();
        List<FieldKey> known = new ArrayList<>();
        for (int op = 0; op < n * 3; op++) {
            int kind = r.nextInt(10);
            if (kind < 5 || known.isEmpty()) {
                // Lengths other than 20 too, some sharing all leading bytes with another field.
                FieldKey f = r.nextInt(8) == 0 && !known.isEmpty()
                        ? new FieldKey(java.util.Arrays.copyOf(known.get(r.nextInt(known.size())).bytes(),
                                r.nextInt(24) + 1))
                        : randomField(r, r.nextInt(20) == 0 ? r.nextInt(30) + 1 : 20);
                byte[] blob = {(byte) op};
                cache.put(f, blob, new StreamState(), null);
                model.put(f, blob);
                known.add(f);
            } else if (kind < 8) {
                FieldKey f = known.get(r.nextInt(known.size()));
                StreamCache.Entry e = cache.get(f);
                assertThat(e == null ? null : e.blob()).isEqualTo(model.get(f));
            } else {
                FieldKey f = known.get(r.nextInt(known.size()));
                cache.remove(f);
                model.remove(f);
            }
        }
        assertThat(cache.size()).isEqualTo(model.size());
        for (FieldKey f : known) {
            StreamCache.Entry e = cache.get(new FieldKey(f.bytes().clone()));
            assertThat(e == null ? null : e.blob()).as("field %s", f).isEqualTo(model.get(f));
        }
    }

    @Test
    void fieldsThatDifferOnlyInTheirLastBytesOrLengthAreDifferentStreams() {
        StreamCache cache = new StreamCache(100);
        byte[] a = new byte[20];
        byte[] b = new byte[20];
        b[19] = 1;
        byte[] shorter = new byte[19];
        byte[] longer = new byte[21];
        cache.put(new FieldKey(a), new byte[] {1}, new StreamState(), null);
        cache.put(new FieldKey(b), new byte[] {2}, new StreamState(), null);
        cache.put(new FieldKey(shorter), new byte[] {3}, new StreamState(), null);
        cache.put(new FieldKey(longer), new byte[] {4}, new StreamState(), null);

        assertThat(cache.size()).isEqualTo(4);
        assertThat(cache.get(new FieldKey(new byte[20])).blob()).containsExactly(1);
        assertThat(cache.get(new FieldKey(b.clone())).blob()).containsExactly(2);
        assertThat(cache.get(new FieldKey(new byte[19])).blob()).containsExactly(3);
        assertThat(cache.get(new FieldKey(new byte[21])).blob()).containsExactly(4);
    }
}
