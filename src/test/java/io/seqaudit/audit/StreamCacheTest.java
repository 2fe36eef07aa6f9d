package io.seqaudit.audit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.seqaudit.sequence.StreamState;
import io.seqaudit.state.FieldKey;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import org.junit.jupiter.api.Test;

class StreamCacheTest {

    private static FieldKey field(int i) {
        byte[] b = new byte[20];
        b[0] = (byte) i;
        b[1] = (byte) (i >> 8);
        return new FieldKey(b);
    }

    private static List<FieldKey> order(StreamCache cache) {
        List<FieldKey> out = new ArrayList<>();
        cache.eldestFirst().forEachRemaining(e -> out.add(e.field()));
        return out;
    }

    @Test
    void walksStreamsLeastRecentlyWrittenFirstAndAWriteMovesAStreamToTheEnd() {
        StreamCache cache = new StreamCache(10);
        for (int i = 0; i < 4; i++) {
            cache.put(field(i), new byte[] {(byte) i}, new StreamState(), null);
        }
        cache.put(field(1), new byte[] {9}, new StreamState(), null);

        assertThat(order(cache)).containsExactly(field(0), field(2), field(3), field(1));
        assertThat(cache.get(field(1)).blob()).containsExactly(9);
        assertThat(cache.size()).isEqualTo(4);
    }

    @Test
    void aReadDoesNotChangeTheWriteOrder() {
        StreamCache cache = new StreamCache(10);
        cache.put(field(0), new byte[] {0}, new StreamState(), null);
        cache.put(field(1), new byte[] {1}, new StreamState(), null);

        cache.get(field(0));

        assertThat(order(cache)).containsExactly(field(0), field(1));
    }

    @Test
    void aWriteThroughAnEntryReadEarlierGoesToTheCacheEvenIfThatEntryWasEvictedOrCleared() {
        StreamCache cache = new StreamCache(2);
        cache.put(field(0), new byte[] {0}, new StreamState(), null);
        StreamCache.Entry read = cache.get(field(0));
        cache.put(field(1), new byte[] {1}, new StreamState(), null);

        cache.put(read, field(0), new byte[] {5}, new StreamState(), null); // still held: in place
        assertThat(cache.get(field(0))).isSameAs(read);
        assertThat(order(cache)).containsExactly(field(1), field(0));

        cache.put(field(2), new byte[] {2}, new StreamState(), null); // evicts field 1
        cache.put(field(3), new byte[] {3}, new StreamState(), null); // evicts field 0: the entry read is gone
        cache.put(read, field(0), new byte[] {6}, new StreamState(), null);
        assertThat(cache.get(field(0))).isNotSameAs(read);
        assertThat(cache.get(field(0)).blob()).containsExactly(6);
        assertThat(order(cache)).containsExactly(field(3), field(0));
        assertThat(cache.size()).isEqualTo(2);

        StreamCache.Entry again = cache.get(field(3));
        cache.clear();
        cache.put(again, field(3), new byte[] {7}, new StreamState(), null);
        assertThat(order(cache)).containsExactly(field(3));
        assertThat(cache.size()).isEqualTo(1);
    }

    @Test
    void aWriteToAKnownStreamChangesItsEntryInPlace() {
        StreamCache cache = new StreamCache(10);
        cache.put(field(0), new byte[] {0}, new StreamState(), null);
        StreamCache.Entry before = cache.get(field(0));
        StreamState next = new StreamState();

        cache.put(field(0), new byte[] {7}, next, null);

        assertThat(cache.get(field(0))).isSameAs(before);
        assertThat(before.state()).isSameAs(next);
        assertThat(before.blob()).containsExactly(7);
    }

    @Test
    void beyondItsCapacityTheLeastRecentlyWrittenStreamIsForgotten() {
        StreamCache cache = new StreamCache(3);
        for (int i = 0; i < 3; i++) {
            cache.put(field(i), new byte[] {(byte) i}, new StreamState(), null);
        }
        cache.put(field(0), new byte[] {5}, new StreamState(), null); // 1 is now the eldest

        cache.put(field(3), new byte[] {3}, new StreamState(), null);

        assertThat(cache.get(field(1))).isNull();
        assertThat(order(cache)).containsExactly(field(2), field(0), field(3));
    }

    @Test
    void theWalkRemovesAndStreamsMoveBehindTheOthersWithoutChange() {
        StreamCache cache = new StreamCache(10);
        for (int i = 0; i < 4; i++) {
            cache.put(field(i), new byte[] {(byte) i}, new StreamState(), null);
        }
        Iterator<StreamCache.Entry> it = cache.eldestFirst();
        StreamCache.Entry first = it.next();
        it.remove();
        StreamCache.Entry second = it.next();
        assertThatThrownBy(() -> {
            it.remove();
            it.remove();
        }).isInstanceOf(IllegalStateException.class);

        cache.put(field(9), new byte[] {9}, new StreamState(), null);
        StreamCache.Entry third = cache.get(field(2));
        cache.moveToNewest(third);

        assertThat(first.field()).isEqualTo(field(0));
        assertThat(second.field()).isEqualTo(field(1));
        assertThat(order(cache)).containsExactly(field(3), field(9), field(2));
        assertThat(third.blob()).containsExactly(2);
    }

    @Test
    void removingAndClearingKeepTheWalkConsistent() {
        StreamCache cache = new StreamCache(10);
        for (int i = 0; i < 3; i++) {
            cache.put(field(i), new byte[] {(byte) i}, new StreamState(), null);
        }
        cache.remove(field(1));
        cache.load("t", field(2), null); // absent from Redis: forgotten

        assertThat(order(cache)).containsExactly(field(0));
        cache.clear();
        assertThat(order(cache)).isEmpty();
        assertThat(cache.size()).isZero();
        cache.put(field(4), new byte[] {4}, new StreamState(), null);
        assertThat(order(cache)).containsExactly(field(4));
    }
}
