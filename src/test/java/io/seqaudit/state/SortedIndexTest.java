package io.seqaudit.state;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.mutiny.redis.client.Request;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * {@link SortedIndex} on the real Redis (127.0.0.1:6379): the index holds exactly the ids of its hash, in byte order,
 * whatever wrote them; state written before the index existed, or a build cut short, is completed. Each test uses
 * its own keys and deletes them.
 */
class SortedIndexTest {

    @RegisterExtension
    static final LocalRedis REDIS = new LocalRedis();

    private final String prefix = "seqaudit-sortedindex-" + UUID.randomUUID();
    private final StateStore store = new StateStore(REDIS.client(), Duration.ofSeconds(10), prefix, 1);
    private final SortedIndex index = new SortedIndex(store);
    private final String hash = prefix + ":{t}:hash";
    private final String idx = prefix + ":{t}:idx";

    @AfterEach
    void deleteKeys() {
        store.send(Request.cmd(io.vertx.mutiny.redis.client.Command.DEL).arg(hash).arg(idx));
    }

    /** Ids that sort differently as numbers and as bytes: "t.s.10" before "t.s.2". */
    private static List<String> ids(int n) {
        return IntStream.range(0, n).mapToObj(i -> "t.s" + (i % 7) + "." + i).toList();
    }

    @Test
    void aHashWrittenBeforeItsIndexIsIndexedWholeAndPagedInByteOrder() {
        List<String> ids = ids(2_500);
        ids.forEach(id -> store.hashPut(hash, id, "{\"id\":\"" + id + "\"}"));

        assertThat(index.complete(hash, idx)).isEqualTo(ids.size());
        assertThat(index.complete(hash, idx)).as("complete already: nothing to add").isZero();

        List<String> paged = new ArrayList<>();
        String after = null;
        List<String> page;
        do {
            page = index.idsAfter(idx, after, 1_000);
            paged.addAll(page);
            after = page.isEmpty() ? after : page.get(page.size() - 1);
        } while (page.size() == 1_000);
        assertThat(paged).isEqualTo(ids.stream().sorted().toList());
    }

    @Test
    void aBuildCutShortIsCompletedOnTheNextCall() {
        List<String> ids = ids(300);
        ids.forEach(id -> store.hashPut(hash, id, "v"));
        List<String> half = ids.subList(0, ids.size() / 2);
        half.forEach(id -> store.send(Request.cmd(io.vertx.mutiny.redis.client.Command.ZADD).arg(idx).arg(0).arg(id)));

        assertThat(index.complete(hash, idx)).isEqualTo(ids.size() - half.size());
        assertThat(index.idsAfter(idx, null, 1_000)).isEqualTo(ids.stream().sorted().toList());
    }

    @Test
    void writesKeepTheIndexAndTheHashTogether() {
        assertThat(index.putIfAbsent(hash, idx, "t.a.1-2", "one")).isTrue();
        assertThat(index.putIfAbsent(hash, idx, "t.a.1-2", "other")).isFalse();
        index.put(hash, idx, "t.b.5-9", "two");
        index.put(hash, idx, "t.a.10-12", "three");
        assertThat(index.idsAfter(idx, null, 10)).containsExactly("t.a.1-2", "t.a.10-12", "t.b.5-9");
        assertThat(index.idsAfter(idx, "t.a.1-~", 10)).as("after every replay of gap t.a.1")
                .containsExactly("t.a.10-12", "t.b.5-9");

        assertThat(index.deleteIfEquals(hash, idx, "t.a.1-2", "not what is stored")).isFalse();
        assertThat(index.deleteIfEquals(hash, idx, "t.a.1-2", "one")).isTrue();
        assertThat(index.idsAfter(idx, null, 10)).containsExactly("t.a.10-12", "t.b.5-9");
        assertThat(store.hashGet(hash, "t.a.1-2")).isNull();

        assertThat(index.valuesWithPrefixes(hash, idx, List.of("t.a.", "t.c."))).containsExactly("three");
        assertThat(index.valuesWithPrefixes(hash, idx, List.of("t.b.", "t.a."))).containsExactly("two", "three");
    }
}
