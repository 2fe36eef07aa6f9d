package io.seqaudit.state;

import io.seqaudit.sequence.Arrival;
import static org.assertj.core.api.Assertions.assertThat;

import io.seqaudit.config.SeqauditConfig;
import io.seqaudit.sequence.Outcome;
import io.seqaudit.sequence.Position;
import io.seqaudit.sequence.SequenceDetector;
import io.seqaudit.sequence.StreamState;
import io.vertx.mutiny.redis.client.Command;
import io.vertx.mutiny.redis.client.Request;
import io.vertx.mutiny.redis.client.Response;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The checkpoint script on the real Redis (127.0.0.1:6379), driven through {@link StateStore} without Quarkus:
 * it applies every section of a checkpoint at once, or nothing at all when an expected offset or stream state is
 * not the stored one (fencing of stale owners, compare-and-set between auditors). Each test uses its own key
 * prefix and deletes its keys afterwards.
 */
class CheckpointScriptTest {

    private static final HexFormat HEX = HexFormat.of();
    @RegisterExtension
    static final LocalRedis REDIS = new LocalRedis();

    private final String prefix = "seqaudit-cptest-" + UUID.randomUUID();
    private final StateStore store = new StateStore(REDIS.client(), Duration.ofSeconds(10), prefix, 1);
    private static final String TOPIC = "orders.v1_eu-west";
    private static final String GEN = "generation-1";
    private final TopicKeys keys = store.keys(TOPIC);
    private final StateReader reader = new StateReader(store);
    private final SequenceDetector detector = new SequenceDetector(1_000, 100, Duration.ofSeconds(30));

    @AfterEach
    void deleteKeys() {
        store.deleteTopic(store.layout(TOPIC));
        assertThat(keysUnderPrefix()).as("keys left under %s", prefix).isEmpty();
    }

    private List<String> keysUnderPrefix() {
        List<String> out = new ArrayList<>();
        String cursor = "0";
        do {
            Response r = redis("SCAN", cursor, "MATCH", prefix + "*", "COUNT", 1000);
            cursor = r.get(0).toString();
            r.get(1).forEach(k -> out.add(k.toString()));
        } while (!"0".equals(cursor));
        return out;
    }

    @BeforeEach
    void createIdentity() {
        store.identify(keys, GEN, "start", 0);
    }

    // ---- helpers ----

    private long streamCount() {
        return redis("HLEN", keys.streams()).toLong();
    }

    private Map<FieldKey, Integer> openStreams() {
        Map<FieldKey, Integer> out = new HashMap<>();
        store.scan(keys.open(), (f, v) -> out.put(new FieldKey(f), Integer.parseInt(new String(v,
                StandardCharsets.UTF_8))), Integer.MAX_VALUE);
        return out;
    }

    private static Response redis(String command, Object... args) {
        Request req = Request.cmd(Command.create(command));
        for (Object a : args) {
            if (a instanceof byte[] b) {
                req.arg(b);
            } else {
                req.arg(String.valueOf(a));
            }
        }
        return REDIS.client().send(req).await().atMost(Duration.ofSeconds(10));
    }

    private static byte[] field(String key, String producer, long epoch) {
        return new StreamRef("orders.v1_eu-west", key == null ? null : key.getBytes(StandardCharsets.UTF_8), producer,
                epoch).field();
    }

    /** A real stream blob: the seqs fed in order on partition 0. */
    private byte[] blob(long... seqs) {
        StreamState s = new StreamState();
        for (int i = 0; i < seqs.length; i++) {
            detector.observe(s, Arrival.of(seqs[i], new Position(0, i), 1_760_000_000_000L + i));
        }
        StreamRef ref = new StreamRef("orders.v1_eu-west", "k".getBytes(StandardCharsets.UTF_8), "p", 0);
        return StreamCodec.encode(s, ref, true);
    }

    private byte[] storedBlob(byte[] field) {
        return store.streams(keys, List.of(new FieldKey(field))).get(new FieldKey(field));
    }

    /**
     * Everything Redis holds under the topic's keys, as hex text: key → hash (field → value) or list, absent
     * keys left out. Two equal snapshots mean nothing was written in between.
     */
    private Map<String, Object> snapshot() {
        Map<String, Object> out = new TreeMap<>();
        for (String key : keys.checkpointKeys()) {
            String type = redis("TYPE", key).toString();
            switch (type) {
                case "none" -> {
                }
                case "hash" -> {
                    Map<String, String> h = new TreeMap<>();
                    String cursor = "0";
                    do {
                        Response r = redis("HSCAN", key, cursor, "COUNT", 1000);
                        cursor = r.get(0).toString();
                        Response items = r.get(1);
                        for (int i = 0; i + 1 < items.size(); i += 2) {
                            h.put(HEX.formatHex(items.get(i).toBytes()), HEX.formatHex(items.get(i + 1).toBytes()));
                        }
                    } while (!"0".equals(cursor));
                    assertThat(h).hasSize(redis("HLEN", key).toInteger());
                    out.put(key, h);
                }
                case "list" -> {
                    List<String> l = new ArrayList<>();
                    redis("LRANGE", key, 0, -1).forEach(v -> l.add(HEX.formatHex(v.toBytes())));
                    out.put(key, l);
                }
                case "zset" -> {
                    List<String> members = new ArrayList<>();
                    redis("ZRANGE", key, 0, -1).forEach(v -> members.add(HEX.formatHex(v.toBytes())));
                    out.put(key, members);
                }
                default -> throw new AssertionError("unexpected type " + type + " of " + key);
            }
        }
        return out;
    }

    private static Map<FieldKey, Integer> fieldMap(Object... fieldAndHome) {
        Map<FieldKey, Integer> m = new LinkedHashMap<>();
        for (int i = 0; i < fieldAndHome.length; i += 2) {
            m.put(new FieldKey((byte[]) fieldAndHome[i]), (Integer) fieldAndHome[i + 1]);
        }
        return m;
    }

    private final byte[] f1 = field("customer-1", "billing", 3);
    private final byte[] f2 = field("customer-2", "billing", 3);
    private final byte[] f3 = field("customer-3", "billing", 3);
    private final byte[] pe = StreamRef.producerEpochHash("billing", 3);

    /** A first checkpoint: partitions 0 and 1 at offsets 10 and 5, streams f1 (with a gap) and f2. */
    private Checkpoint.Result seed(byte[] b1, byte[] b2) {
        Checkpoint cp = new Checkpoint(keys, GEN, 3)
                .partition(0, null, 10, 1_000, 0, -1)
                .partition(1, null, 5, 1_200, 2, -1)
                .stream(f1, null, b1)
                .stream(f2, null, b2)
                .gap("g-1.2", "{\"fromSeq\":2}")
                .gap("g-1.9", "{\"fromSeq\":9}")
                .open(f1, 0)
                .add(TotalField.records(Outcome.IN_ORDER), 7)
                .add(TotalField.records(Outcome.OUT_OF_ORDER), 2)
                .add(TotalField.Fixed.MISSING_SUSPECTED, 3)
                .add(TotalField.Fixed.STREAMS, 2)
                .producerEpoch(pe, "billing", 3);
        for (int i = 1; i <= 5; i++) {
            cp.duplicate("{\"dup\":" + i + "}");
        }
        return store.apply(cp);
    }

    // ---- applying ----

    @Test
    void checkpointWritesOffsetsStreamsGapsOpenIndexTotalsDuplicatesAndProducerEpochsTogether() {
        byte[] b1 = blob(0, 1, 5);
        byte[] b2 = blob(0, 1, 2);

        Checkpoint.Result r = seed(b1, b2);

        assertThat(r.applied()).isTrue();
        assertThat(r.offsetConflicts()).isEmpty();
        assertThat(r.streamConflicts()).isEmpty();
        assertThat(store.partitionValues(keys.offsets())).isEqualTo(Map.of(0, 10L, 1, 5L));
        assertThat(store.partitionValues(keys.coverageStarts())).isEqualTo(Map.of(0, 0L, 1, 2L));
        assertThat(store.partitionValues(keys.progress())).isEqualTo(Map.of(0, 1_000L, 1, 1_200L));
        assertThat(storedBlob(f1)).isEqualTo(b1);
        assertThat(storedBlob(f2)).isEqualTo(b2);
        assertThat(streamCount()).isEqualTo(2);
        assertThat(store.hashAll(keys.gaps()).values()).containsExactlyInAnyOrder("{\"fromSeq\":2}", "{\"fromSeq\":9}");
        assertThat(openStreams()).isEqualTo(fieldMap(f1, 0));
        assertThat(store.hashAll(keys.totals())).as("the stored field names, as earlier builds wrote them").isEqualTo(
                Map.of("records:in_order", "7", "records:out_of_order", "2", "missing:suspected", "3", "streams", "2",
                        "streams:spread", "0")); // counted by the script itself: neither stream spans partitions
        assertThat(store.listHead(keys.duplicates(), 100)).as("newest first, capped at 3")
                .containsExactly("{\"dup\":5}", "{\"dup\":4}", "{\"dup\":3}");
        assertThat(reader.producerEpochs(TOPIC)).isEqualTo(Map.of(new FieldKey(pe), "3 billing"));
    }

    @Test
    void followingCheckpointUpdatesIncrementsDeletesAndKeepsFirstCoverAndProducerEpoch() {
        byte[] b1 = blob(0, 1, 5);
        byte[] b2 = blob(0, 1, 2);
        seed(b1, b2);
        byte[] b1next = blob(0, 1, 2, 3, 4, 5);
        byte[] b3 = blob(0);

        Checkpoint cp = new Checkpoint(keys, GEN, 3)
                .partition(0, 10L, 25, 2_000, 7, -1) // cover already recorded: kept
                .partition(1, 5L, 6, -1, -1, -1) // progress left as it is
                .partition(2, null, 1, 2_100, 0, -1) // a new partition
                .stream(f1, b1, b1next)
                .stream(f3, null, b3)
                .gap("g-1.2", null)
                .gap("g-3.0", "{\"fromSeq\":0}")
                .open(f1, -1)
                .open(f3, 2)
                .add(TotalField.records(Outcome.IN_ORDER), 4)
                .add(TotalField.records(Outcome.LATE), 3)
                .add(TotalField.Fixed.MISSING_SUSPECTED, -3)
                .duplicate("{\"dup\":6}")
                .producerEpoch(pe, "someone-else", 9); // set if absent only
        Checkpoint.Result r = store.apply(cp);

        assertThat(r.applied()).isTrue();
        assertThat(store.partitionValues(keys.offsets())).isEqualTo(Map.of(0, 25L, 1, 6L, 2, 1L));
        assertThat(store.partitionValues(keys.coverageStarts())).isEqualTo(Map.of(0, 0L, 1, 2L, 2, 0L));
        assertThat(store.partitionValues(keys.progress())).isEqualTo(Map.of(0, 2_000L, 1, 1_200L, 2, 2_100L));
        assertThat(storedBlob(f1)).isEqualTo(b1next);
        assertThat(storedBlob(f2)).as("untouched stream").isEqualTo(b2);
        assertThat(storedBlob(f3)).isEqualTo(b3);
        assertThat(store.hashAll(keys.gaps()).values()).containsExactlyInAnyOrder("{\"fromSeq\":9}", "{\"fromSeq\":0}");
        assertThat(openStreams()).isEqualTo(fieldMap(f3, 2));
        assertThat(reader.totals(TOPIC)).isEqualTo(Map.of(TotalField.records(Outcome.IN_ORDER), 11L,
                TotalField.records(Outcome.OUT_OF_ORDER), 2L, TotalField.records(Outcome.LATE), 3L,
                TotalField.Fixed.MISSING_SUSPECTED, 0L, TotalField.Fixed.STREAMS, 2L, TotalField.Fixed.SPREAD, 0L));
        assertThat(store.listHead(keys.duplicates(), 100)).containsExactly("{\"dup\":6}", "{\"dup\":5}", "{\"dup\":4}");
        assertThat(reader.producerEpochs(TOPIC)).isEqualTo(Map.of(new FieldKey(pe), "3 billing"));
    }

    @Test
    void emptyNewBlobDeletesTheStream() {
        byte[] b1 = blob(0, 1, 5);
        byte[] b2 = blob(0, 1, 2);
        seed(b1, b2);

        Checkpoint.Result r = store.apply(new Checkpoint(keys, GEN, 3).partition(0, 10L, 11, -1, -1, -1).stream(f1, b1, null));

        assertThat(r.applied()).isTrue();
        assertThat(store.streams(keys, List.of(new FieldKey(f1), new FieldKey(f2)))).containsOnlyKeys(new FieldKey(f2));
        assertThat(redis("HEXISTS", keys.streams(), f1).toInteger()).isZero();
        assertThat(streamCount()).isEqualTo(1);
    }

    // ---- refusing ----

    @Test
    void staleOwnerWritesNothingAndLearnsTheCurrentOffset() {
        byte[] b1 = blob(0, 1, 5);
        byte[] b2 = blob(0, 1, 2);
        seed(b1, b2);
        Map<String, Object> before = snapshot();

        // A former owner of partition 0 that still believes it is at offset 7; partition 1's offset is right and
        // so are the stream states: only the offset of partition 0 betrays it.
        Checkpoint stale = new Checkpoint(keys, GEN, 3)
                .partition(0, 7L, 12, 5_000, 3, -1)
                .partition(1, 5L, 9, 5_000, -1, -1)
                .stream(f1, b1, blob(0, 1, 2, 3, 4, 5, 6))
                .stream(f3, null, blob(0))
                .gap("g-1.2", null)
                .gap("g-x", "{}")
                .open(f1, -1)
                .open(f3, 1)
                .add(TotalField.records(Outcome.IN_ORDER), 100)
                .duplicate("{\"dup\":99}")
                .producerEpoch(StreamRef.producerEpochHash("other", 1), "other", 1);
        Checkpoint.Result r = store.apply(stale);

        assertThat(r.applied()).isFalse();
        assertThat(r.offsetConflicts()).isEqualTo(Map.of(0, 10L));
        assertThat(r.streamConflicts()).isEmpty();
        assertThat(snapshot()).isEqualTo(before);
    }

    @Test
    void offsetExpectedAbsentButPresentIsAConflictAndWritesNothing() {
        seed(blob(0), blob(0));
        Map<String, Object> before = snapshot();

        Checkpoint.Result r = store.apply(new Checkpoint(keys, GEN, 3)
                .partition(0, null, 11, -1, -1, -1) // believes nothing is stored: 10 is
                .add(TotalField.records(Outcome.IN_ORDER), 1));

        assertThat(r.status()).isEqualTo(Checkpoint.Status.CONFLICT);
        assertThat(r.offsetConflicts()).isEqualTo(Map.of(0, 10L));
        assertThat(snapshot()).isEqualTo(before);
    }

    @Test
    void offsetExpectedButMissingIsLostStateNotAnotherOwner() {
        seed(blob(0), blob(0));
        Map<String, Object> before = snapshot();

        Checkpoint.Result r = store.apply(new Checkpoint(keys, GEN, 3)
                .partition(3, 4L, 5, -1, -1, -1) // believes 4 is stored: nothing is
                .add(TotalField.records(Outcome.IN_ORDER), 1));

        assertThat(r.status()).isEqualTo(Checkpoint.Status.STATE_CHANGED);
        assertThat(r.missing()).isEqualTo("offsets");
        assertThat(snapshot()).isEqualTo(before);
    }

    @Test
    void anotherGenerationWritesNothingAndNamesTheStoredOne() {
        seed(blob(0), blob(0));
        Map<String, Object> before = snapshot();

        Checkpoint.Result r = store.apply(new Checkpoint(keys, "generation-0", 3).partition(0, 10L, 11, -1, -1, -1));

        assertThat(r.status()).isEqualTo(Checkpoint.Status.STATE_CHANGED);
        assertThat(r.missing()).isEqualTo("meta");
        assertThat(r.generation()).isEqualTo(GEN);
        assertThat(snapshot()).isEqualTo(before);
    }

    @Test
    void everyEvictedKeyThatMustExistIsReportedAndNothingIsWritten() {
        for (String key : List.of(keys.streams(), keys.open(), keys.gaps(), keys.producerEpochs(), keys.offsets(),
                keys.coverageStarts(), keys.progress(), keys.totals(), keys.meta())) {
            seed(blob(0, 2), blob(0));
            redis("DEL", key);
            Map<String, Object> before = snapshot();

            Checkpoint.Result r = store.apply(new Checkpoint(keys, GEN, 3).partition(0, 10L, 11, -1, -1, -1)
                    .add(TotalField.records(Outcome.IN_ORDER), 1));

            assertThat(r.status()).as(key).isEqualTo(Checkpoint.Status.STATE_CHANGED);
            assertThat(key).as("the key named missing").endsWith(":" + r.missing());
            assertThat(snapshot()).as(key).isEqualTo(before);
            store.deleteTopic(store.layout(TOPIC));
            store.identify(keys, GEN, "start", 0);
        }
    }

    @Test
    void ownedStreamIsWrittenWithoutItsBlobUnlessAnotherOwnerSpreadItOverPartitions() {
        byte[] b1 = blob(0, 1, 5);
        seed(b1, blob(0));
        byte[] next = blob(0, 1, 2, 3, 4, 5);
        assertThat(store.apply(new Checkpoint(keys, GEN, 3).partition(0, 10L, 11, -1, -1, -1).ownedStream(f1, next))
                .applied()).isTrue();
        assertThat(storedBlob(f1)).isEqualTo(next);

        StreamState spread = StreamCodec.decode(TOPIC, next).state();
        detector.observe(spread, Arrival.of(6, new Position(1, 99), 1_760_000_000_100L));
        byte[] multi = StreamCodec.encode(spread, new StreamRef(TOPIC, "k".getBytes(StandardCharsets.UTF_8), "p", 0),
                true);
        assertThat(spread.multiPartition()).isTrue();
        assertThat(store.apply(new Checkpoint(keys, GEN, 3).stream(f1, next, multi)).applied()).isTrue();
        Map<String, Object> before = snapshot();

        Checkpoint.Result r = store.apply(new Checkpoint(keys, GEN, 3).partition(0, 11L, 12, -1, -1, -1)
                .ownedStream(f1, blob(0, 1, 2, 3, 4, 5, 6)));

        assertThat(r.status()).isEqualTo(Checkpoint.Status.CONFLICT);
        assertThat(r.streamConflicts().get(new FieldKey(f1))).isEqualTo(multi);
        assertThat(snapshot()).isEqualTo(before);
    }

    /** The blob a stream of {@link #seed} has once a record of it arrived on another partition. */
    private byte[] spreadOver(byte[] stored) {
        StreamState s = StreamCodec.decode(TOPIC, stored).state();
        detector.observe(s, Arrival.of(s.high() + 1, new Position(1, 99), 1_760_000_000_100L));
        assertThat(s.multiPartition()).isTrue();
        return StreamCodec.encode(s, new StreamRef(TOPIC, "k".getBytes(StandardCharsets.UTF_8), "p", 0), true);
    }

    private long spreadCount() {
        return reader.totals(TOPIC).getOrDefault(TotalField.Fixed.SPREAD, -1L);
    }

    @Test
    void theScriptCountsStreamsThatSpanPartitionsAndChecksOwnedStreamsOnlyWhileThereAreAny() {
        byte[] b1 = blob(0, 1, 5);
        byte[] b2 = blob(0);
        seed(b1, b2);
        assertThat(spreadCount()).isZero();
        byte[] multi = spreadOver(b1);

        assertThat(store.apply(new Checkpoint(keys, GEN, 3).stream(f1, b1, multi)).applied()).isTrue();
        assertThat(spreadCount()).as("one stream spans partitions").isEqualTo(1);
        // While one does, owned writes are checked: one to the spread stream is refused.
        assertThat(store.apply(new Checkpoint(keys, GEN, 3).partition(0, 10L, 11, -1, -1, -1)
                .ownedStream(f1, blob(0, 1, 2))).status()).isEqualTo(Checkpoint.Status.CONFLICT);

        assertThat(store.apply(new Checkpoint(keys, GEN, 3).stream(f1, multi, null)
                .add(TotalField.Fixed.STREAMS, -1)).applied()).isTrue();
        assertThat(spreadCount()).as("the spread stream was deleted").isZero();
        assertThat(store.apply(new Checkpoint(keys, GEN, 3).partition(0, 10L, 11, -1, -1, -1)
                .ownedStream(f2, blob(0, 1))).applied()).isTrue();
        assertThat(spreadCount()).isZero();
    }

    @Test
    void onAStateWithoutTheCountEveryOwnedStreamIsStillChecked() {
        byte[] b1 = blob(0, 1, 5);
        seed(b1, blob(0));
        byte[] multi = spreadOver(b1);
        assertThat(store.apply(new Checkpoint(keys, GEN, 3).stream(f1, b1, multi)).applied()).isTrue();
        // A state whose streams were written before the script counted them: no count at all.
        REDIS.client().sendAndAwait(io.vertx.mutiny.redis.client.Request.cmd(io.vertx.mutiny.redis.client.Command.HDEL)
                .arg(keys.totals()).arg(TotalField.Fixed.SPREAD.field()));

        Checkpoint.Result r = store.apply(new Checkpoint(keys, GEN, 3).partition(0, 10L, 11, -1, -1, -1)
                .ownedStream(f1, blob(0, 1, 2)));

        assertThat(r.status()).isEqualTo(Checkpoint.Status.CONFLICT);
        assertThat(r.streamConflicts().get(new FieldKey(f1))).isEqualTo(multi);
        assertThat(spreadCount()).as("never counted from the middle").isEqualTo(-1);
    }

    @Test
    void aStreamThatSpansPartitionsCannotBeWrittenAsOwned() {
        byte[] multi = spreadOver(blob(0, 1, 5));
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> new Checkpoint(keys, GEN, 3).ownedStream(f1, multi))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("guarded");
    }

    @Test
    void shardKeysCarryTheTopicAndShardAsTheirTagAndStreamsSpreadOverShards() {
        TopicLayout layout = new TopicLayout("seqaudit", "orders", 16);
        java.util.Set<Integer> slots = new java.util.HashSet<>();
        for (TopicKeys shard : layout.all()) {
            assertThat(shard.checkpointKeys()).allSatisfy(k -> assertThat(k).contains("{orders/" + shard.shard() + "}")
                    .satisfies(x -> assertThat(slot(x)).isEqualTo(slot(shard.offsets()))));
            slots.add(slot(shard.offsets()));
        }
        assertThat(slots).as("one slot per shard").hasSize(16);
        int[] perShard = new int[16];
        for (int i = 0; i < 16_000; i++) {
            perShard[layout.shardOf(field("key-" + i, "p", 1))]++;
        }
        for (int n : perShard) {
            assertThat(n).isBetween(800, 1200);
        }
        assertThat(layout.shardOf(field(null, "p", 1))).isNotEqualTo(layout.shardOf(field(null, "q", 1)));
    }

    @Test
    void changedStreamStateWritesNothingAndReturnsTheStoredBlob() {
        byte[] b1 = blob(0, 1, 5);
        byte[] b2 = blob(0, 1, 2);
        seed(b1, b2);
        Map<String, Object> before = snapshot();

        // Another auditor moved f1 on (it reads f1 from another partition): this writer's f1 is out of date.
        byte[] outdated = blob(0, 1);
        Checkpoint.Result r = store.apply(new Checkpoint(keys, GEN, 3)
                .partition(0, 10L, 20, 3_000, -1, -1)
                .stream(f1, outdated, blob(0, 1, 2))
                .stream(f2, b2, blob(0, 1, 2, 3))
                .gap("g-1.2", null)
                .open(f1, -1)
                .add(TotalField.records(Outcome.IN_ORDER), 2)
                .duplicate("{}"));

        assertThat(r.applied()).isFalse();
        assertThat(r.offsetConflicts()).isEmpty();
        assertThat(r.streamConflicts()).containsOnlyKeys(new FieldKey(f1));
        assertThat(r.streamConflicts().get(new FieldKey(f1))).isEqualTo(b1);
        assertThat(snapshot()).isEqualTo(before);
    }

    @Test
    void expectedAbsentConflictsWithAnExistingStream() {
        byte[] b1 = blob(0, 1, 5);
        seed(b1, blob(0));
        Map<String, Object> before = snapshot();

        Checkpoint.Result r = store.apply(new Checkpoint(keys, GEN, 3).stream(f1, null, blob(0)));

        assertThat(r.applied()).isFalse();
        assertThat(r.streamConflicts()).containsOnlyKeys(new FieldKey(f1));
        assertThat(r.streamConflicts().get(new FieldKey(f1))).isEqualTo(b1);
        assertThat(snapshot()).isEqualTo(before);
    }

    @Test
    void expectedStateOfAnAbsentStreamConflictsAsAbsent() {
        seed(blob(0), blob(0));
        Map<String, Object> before = snapshot();

        Checkpoint.Result r = store.apply(new Checkpoint(keys, GEN, 3).stream(f3, blob(0, 1), blob(0, 1, 2)));

        assertThat(r.applied()).isFalse();
        assertThat(r.streamConflicts()).containsOnlyKeys(new FieldKey(f3));
        assertThat(r.streamConflicts().get(new FieldKey(f3))).as("absent").isNull();
        assertThat(snapshot()).isEqualTo(before);
    }

    // ---- size ----

    @Test
    void checkpointOfFiveThousandStreamsAppliesComparesAndDeletesBeyondTheScriptChunk() {
        int n = 5_000;
        List<byte[]> fields = IntStream.range(0, n).mapToObj(i -> field("key-" + i, "bulk", 1)).toList();
        byte[] first = blob(0, 2);
        byte[] second = blob(0, 1, 2);

        Checkpoint create = new Checkpoint(keys, GEN, 1000).partition(0, null, n, 1, 0, -1)
                .add(TotalField.Fixed.STREAMS, n)
                .producerEpoch(StreamRef.producerEpochHash("bulk", 1), "bulk", 1);
        for (int i = 0; i < n; i++) {
            create.stream(fields.get(i), null, first).gap("gap-" + i, "{\"i\":" + i + "}").open(fields.get(i), 0);
        }
        assertThat(store.apply(create).applied()).isTrue();
        assertThat(streamCount()).isEqualTo(n);
        assertThat(redis("HLEN", keys.gaps()).toLong()).isEqualTo(n);
        assertThat(openStreams()).hasSize(n);

        // One stream past the first 2,000-field chunk changed under the writer: refused, nothing written.
        store.apply(new Checkpoint(keys, GEN, 1000).stream(fields.get(4_321), first, second));
        Map<String, Object> before = snapshot();
        Checkpoint update = new Checkpoint(keys, GEN, 1000).partition(0, (long) n, 2L * n, 2, -1, -1);
        for (int i = 0; i < n; i++) {
            update.stream(fields.get(i), first, second).gap("gap-" + i, null).open(fields.get(i), -1);
        }
        Checkpoint.Result refused = store.apply(update);
        assertThat(refused.applied()).isFalse();
        assertThat(refused.streamConflicts()).containsOnlyKeys(new FieldKey(fields.get(4_321)));
        assertThat(snapshot()).isEqualTo(before);

        // Every expectation right: applied, over all chunks.
        Checkpoint updateRight = new Checkpoint(keys, GEN, 1000).partition(0, (long) n, 2L * n, 2, -1, -1);
        for (int i = 0; i < n; i++) {
            updateRight.stream(fields.get(i), i == 4_321 ? second : first, second).gap("gap-" + i, null)
                    .open(fields.get(i), -1);
        }
        assertThat(store.apply(updateRight).applied()).isTrue();
        assertThat(store.partitionValues(keys.offsets())).isEqualTo(Map.of(0, 2L * n));
        assertThat(store.streams(keys, fields.stream().map(FieldKey::new).toList()).values())
                .hasSize(n).allSatisfy(b -> assertThat(b).isEqualTo(second));
        assertThat(redis("EXISTS", keys.gaps()).toInteger()).isZero();
        assertThat(openStreams()).isEmpty();

        Checkpoint delete = new Checkpoint(keys, GEN, 1000);
        fields.forEach(f -> delete.stream(f, second, null));
        assertThat(store.apply(delete).applied()).isTrue();
        assertThat(streamCount()).isZero();
    }

    // ---- cluster slot ----

    /** CRC16-CCITT (XMODEM), as Redis Cluster computes key slots. */
    static int crc16(byte[] bytes) {
        int crc = 0;
        for (byte b : bytes) {
            crc ^= (b & 0xff) << 8;
            for (int i = 0; i < 8; i++) {
                crc = (crc & 0x8000) != 0 ? (crc << 1) ^ 0x1021 : crc << 1;
                crc &= 0xffff;
            }
        }
        return crc;
    }

    /** The Redis Cluster slot of a key: of its hash tag (first '{' to the next '}', if not empty), else of all. */
    static int slot(String key) {
        int open = key.indexOf('{');
        if (open >= 0) {
            int close = key.indexOf('}', open + 1);
            if (close > open + 1) {
                key = key.substring(open + 1, close);
            }
        }
        return crc16(key.getBytes(StandardCharsets.UTF_8)) % 16384;
    }

    @Test
    void slotComputationMatchesRedisClusterReference() {
        assertThat(crc16("123456789".getBytes(StandardCharsets.US_ASCII))).isEqualTo(0x31C3);
        assertThat(slot("{user1000}.following")).isEqualTo(slot("{user1000}.followers"));
        assertThat(slot("foo{}{bar}")).isEqualTo(crc16("foo{}{bar}".getBytes(StandardCharsets.US_ASCII)) % 16384);
    }

    @Test
    void everyKeyOfATopicCarriesTheTopicAsItsOnlyHashTagSoAllShareOneSlot() {
        for (String topic : List.of("orders", "orders.v1_eu-west", "a", "T-123_x.y", "x".repeat(249))) {
            TopicKeys k = new TopicKeys("seqaudit", topic);
            List<String> all = new java.util.ArrayList<>(k.checkpointKeys());
            all.add(k.replays());
            all.add(k.replayIndex());
            all.add(k.replayLease(k.topic() + ".AAAAAAAAAAAAAAAAAAAAAAAAAAA.1-2"));
            all.add(k.coverage());
            assertThat(all).hasSize(18).doesNotHaveDuplicates();
            for (String key : all) {
                assertThat(key).startsWith("seqaudit:");
                assertThat(key.chars().filter(c -> c == '{').count()).as(key).isEqualTo(1);
                assertThat(key.chars().filter(c -> c == '}').count()).as(key).isEqualTo(1);
                assertThat(key).contains("{" + topic + "}");
                assertThat(slot(key)).as(key).isEqualTo(slot("{" + topic + "}"));
            }
        }
        assertThat(keys.checkpointKeys()).allSatisfy(key -> assertThat(slot(key)).isEqualTo(slot(keys.offsets())));
    }

    @Test
    void storeWritesOnlyTheTopicsTaggedKeys() {
        seed(blob(0, 2), blob(0));
        List<String> written = keysUnderPrefix();

        assertThat(written).isNotEmpty();
        assertThat(keys.checkpointKeys()).containsAll(written);
        assertThat(written).allSatisfy(key -> assertThat(slot(key)).isEqualTo(slot("{orders.v1_eu-west}")));
    }
}
