package io.seqaudit.state;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowable;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import io.seqaudit.sequence.Arrival;
import io.seqaudit.sequence.MissingRange;
import io.seqaudit.sequence.Position;
import io.seqaudit.sequence.RecentPositions;
import io.seqaudit.sequence.SequenceDetector;
import io.seqaudit.sequence.StreamState;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Assume;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import org.junit.jupiter.api.Test;

/**
 * The Redis form of a stream state: states built by the real detector survive a round trip field by field, the
 * identity travels only with missing ranges, idle streams are tiny, and any corrupt blob is refused with
 * IllegalArgumentException (the auditor and the API rely on that one exception type).
 */
class StreamCodecTest {

    private static final String TOPIC = "orders";
    private static final long T0 = 1_760_000_000_000L; // an epoch-ms progress time of today's magnitude
    private static final long GRACE = 50;

    private final SequenceDetector detector = new SequenceDetector(1_000, 8, Duration.ofMillis(GRACE));

    // ---- building states through the detector ----

    /** One record fed to the detector: its seq, partition, offset, and how far progress moved before it. */
    record Feed(long seq, int partition, long offset, long dt) {
    }

    private StreamState build(boolean joinedLate, List<Feed> feeds, long confirmLossesAt) {
        StreamState s = new StreamState();
        long progress = T0;
        for (Feed f : feeds) {
            progress += f.dt();
            detector.observe(s, Arrival.of(f.seq(), new Position(f.partition(), f.offset()), progress)
                    .withTakeFromFirstSeen(joinedLate));
        }
        if (confirmLossesAt > 0) {
            detector.confirmLosses(s, progress + confirmLossesAt);
        }
        return s;
    }

    /** Seqs fed in order on one partition, one ms apart. */
    private StreamState fed(int partition, long... seqs) {
        StreamState s = new StreamState();
        for (int i = 0; i < seqs.length; i++) {
            detector.observe(s, Arrival.of(seqs[i], new Position(partition, 100 + i), T0 + i));
        }
        return s;
    }

    private static StreamRef ref(byte[] key) {
        return new StreamRef(TOPIC, key, "billing-7", 3);
    }

    private static StreamCodec.Decoded roundTrip(StreamState s, StreamRef ref, boolean keepRecent) {
        return StreamCodec.decode(TOPIC, StreamCodec.encode(s, ref, keepRecent));
    }

    private static void assertSameState(StreamState actual, StreamState expected, boolean withRecent) {
        assertThat(actual.isNew()).as("isNew").isEqualTo(expected.isNew());
        assertThat(actual.home()).as("home").isEqualTo(expected.home());
        assertThat(actual.multiPartition()).as("multiPartition").isEqualTo(expected.multiPartition());
        assertThat(actual.start()).as("start").isEqualTo(expected.start());
        assertThat(actual.high()).as("high").isEqualTo(expected.high());
        assertThat(actual.nextExpected()).as("nextExpected").isEqualTo(expected.nextExpected());
        assertThat(actual.duplicates()).as("duplicates").isEqualTo(expected.duplicates());
        assertThat(actual.lastActivity()).as("lastActivity").isEqualTo(expected.lastActivity());
        assertThat(actual.missing()).as("missing").containsExactlyElementsOf(expected.missing());
        assertThat(actual.missingCount(false)).as("suspected").isEqualTo(expected.missingCount(false));
        assertThat(actual.missingCount(true)).as("lost").isEqualTo(expected.missingCount(true));
        if (withRecent) {
            assertThat(actual.recent()).as("recent").isEqualTo(expected.recent());
            for (int i = 0; i < expected.recent().size(); i++) {
                long seq = expected.recent().seqAt(i);
                assertThat(actual.recent().find(seq)).as("position of seq %d", seq)
                        .isEqualTo(expected.recent().find(seq));
            }
        } else {
            assertThat(actual.recent().size()).as("recent size").isZero();
        }
    }

    private static void assertSameRef(StreamRef actual, StreamRef expected) {
        assertThat(actual).isNotNull();
        assertThat(actual.topic()).isEqualTo(expected.topic());
        assertThat(actual.key()).isEqualTo(expected.key());
        assertThat(actual.producer()).isEqualTo(expected.producer());
        assertThat(actual.epoch()).isEqualTo(expected.epoch());
        assertThat(actual.field()).isEqualTo(expected.field());
    }

    // ---- round trips ----

    @Test
    void roundTripsInOrderStreamWithRecentPositions() {
        StreamState s = fed(2, 0, 1, 2, 3, 4, 5);

        StreamCodec.Decoded d = roundTrip(s, ref("k".getBytes(StandardCharsets.UTF_8)), true);

        assertSameState(d.state(), s, true);
        assertThat(d.state().recent().size()).isEqualTo(RecentPositions.CAPACITY);
        assertThat(d.state().recent().find(5)).isEqualTo(new Position(2, 105));
        assertThat(d.ref()).isNull();
    }

    @Test
    void roundTripsSuspectedAndLostRangesWithIdentity() {
        StreamState s = fed(0, 0, 1, 5, 6, 20, 21);
        detector.confirmLosses(s, T0 + 2 + GRACE); // the first range is lost, the second still suspected
        assertThat(s.missing()).hasSize(2);
        assertThat(s.missingCount(true)).isEqualTo(3);
        assertThat(s.missingCount(false)).isEqualTo(13);
        StreamRef ref = ref("customer-42".getBytes(StandardCharsets.UTF_8));

        StreamCodec.Decoded d = roundTrip(s, ref, true);

        assertSameState(d.state(), s, true);
        assertSameRef(d.ref(), ref);
    }

    @Test
    void roundTripsLateFillsDuplicatesAndJoinedLateStart() {
        StreamState s = new StreamState();
        long[] seqs = {500, 501, 510, 505, 501, 499, 511, 503};
        for (int i = 0; i < seqs.length; i++) {
            detector.observe(s, Arrival.of(seqs[i], new Position(4, i), T0 + i).withTakeFromFirstSeen(true));
        }
        assertThat(s.start()).isEqualTo(500);
        assertThat(s.duplicates()).isEqualTo(1);
        StreamRef ref = ref(new byte[] {1, 2, 3});

        StreamCodec.Decoded d = roundTrip(s, ref, true);

        assertSameState(d.state(), s, true);
        assertSameRef(d.ref(), ref);
    }

    @Test
    void roundTripsMultiPartitionStream() {
        StreamState s = new StreamState();
        detector.observe(s, Arrival.of(0, new Position(3, 10), T0));
        detector.observe(s, Arrival.of(1, new Position(5, 77), T0 + 1));
        detector.observe(s, Arrival.of(3, new Position(3, 11), T0 + 2));
        assertThat(s.multiPartition()).isTrue();

        StreamCodec.Decoded d = roundTrip(s, ref(new byte[] {9}), true);

        assertSameState(d.state(), s, true);
        assertThat(d.state().home()).isEqualTo(3);
        assertThat(d.state().recent().find(1)).isEqualTo(new Position(5, 77));
    }

    @Test
    void roundTripsNullKeyDistinctFromEmptyKey() {
        StreamState s = fed(1, 0, 4);
        StreamRef nullKey = ref(null);
        StreamRef emptyKey = ref(new byte[0]);

        StreamCodec.Decoded dn = roundTrip(s, nullKey, true);
        StreamCodec.Decoded de = roundTrip(s, emptyKey, true);

        assertSameRef(dn.ref(), nullKey);
        assertThat(dn.ref().key()).isNull();
        assertSameRef(de.ref(), emptyKey);
        assertThat(de.ref().key()).isEmpty();
        assertThat(dn.ref()).isNotEqualTo(de.ref());
    }

    @Test
    void roundTripsBinaryKeyThatIsNotUtf8() {
        byte[] key = {(byte) 0xff, 0, (byte) 0xc3, 0x28, (byte) 0x80, 0x7f};
        StreamState s = fed(0, 0, 2);
        StreamRef ref = ref(key);

        StreamCodec.Decoded d = roundTrip(s, ref, true);

        assertSameRef(d.ref(), ref);
        assertThat(d.ref().keyText()).isNull();
        assertThat(d.ref().keyBase64()).isEqualTo(ref.keyBase64());
    }

    @Test
    void roundTripsLongProducerAndLargestEpoch() {
        StreamState s = fed(0, 0, 2);
        StreamRef ref = new StreamRef(TOPIC, "k".getBytes(StandardCharsets.UTF_8), "p".repeat(128), Long.MAX_VALUE);

        assertSameRef(roundTrip(s, ref, true).ref(), ref);
    }

    // ---- identity and recent positions ----

    @Test
    void writesIdentityOnlyWhileThereAreMissingRanges() {
        StreamRef ref = ref("key-with-a-rather-long-name".getBytes(StandardCharsets.UTF_8));
        StreamState s = fed(0, 0, 1, 3);
        byte[] withGap = StreamCodec.encode(s, ref, false);

        detector.observe(s, Arrival.of(2, new Position(0, 999), T0 + 10)); // fills the gap
        assertThat(s.missing()).isEmpty();
        byte[] withoutGap = StreamCodec.encode(s, ref, false);

        assertThat(StreamCodec.decode(TOPIC, withGap).ref()).isNotNull();
        assertThat(StreamCodec.decode(TOPIC, withoutGap).ref()).isNull();
        assertThat(new String(withGap, StandardCharsets.ISO_8859_1)).contains("key-with-a-rather-long-name", "billing-7");
        assertThat(new String(withoutGap, StandardCharsets.ISO_8859_1)).doesNotContain("key-with", "billing");
        assertThat(withoutGap.length).isLessThan(withGap.length - 27);
    }

    @Test
    void streamWithoutMissingRangesNeedsNoIdentity() {
        StreamState s = fed(0, 0, 1, 2);
        assertThat(StreamCodec.decode(TOPIC, StreamCodec.encode(s, null, true)).ref()).isNull();
    }

    @Test
    void refusesToEncodeMissingRangesWithoutIdentity() {
        StreamState s = fed(0, 0, 2);
        assertThatThrownBy(() -> StreamCodec.encode(s, null, true)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void encodingWithoutRecentPositionsDropsThemAndKeepsTheRest() {
        StreamState s = fed(6, 0, 1, 2, 7, 8);
        byte[] kept = StreamCodec.encode(s, ref(null), true);
        byte[] dropped = StreamCodec.encode(s, ref(null), false);

        StreamCodec.Decoded d = StreamCodec.decode(TOPIC, dropped);

        assertSameState(d.state(), s, false);
        assertThat(d.state().recent().find(8)).isNull();
        assertThat(dropped.length).isLessThan(kept.length);
        assertThat(s.recent().size()).as("encoding does not change the state").isEqualTo(RecentPositions.CAPACITY);
    }

    @Test
    void idleStreamWithoutGapsEncodesToAtMostSixteenBytes() {
        StreamState s = new StreamState();
        int partition = 11;
        for (long seq = 0; seq < 1_000_000; seq++) {
            detector.observe(s, Arrival.of(seq, new Position(partition, 50_000_000 + seq), T0 + seq / 100));
        }
        detector.observe(s, Arrival.of(999_990, new Position(partition, 60_000_000), T0 + 20_000)); // a duplicate
        assertThat(s.missing()).isEmpty();

        byte[] blob = StreamCodec.encode(s, ref("order-1234567".getBytes(StandardCharsets.UTF_8)), false);

        assertThat(blob.length).isLessThanOrEqualTo(16);
        assertSameState(StreamCodec.decode(TOPIC, blob).state(), s, false);
    }

    // ---- corrupt blobs ----

    private static void assertRejected(byte[] blob) {
        assertThatThrownBy(() -> StreamCodec.decode(TOPIC, blob)).isInstanceOf(IllegalArgumentException.class);
    }

    /** Builds a blob by hand: each long is written as a varint, each byte[] as is. */
    private static byte[] blob(Object... parts) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (Object p : parts) {
            if (p instanceof byte[] b) {
                out.writeBytes(b);
            } else {
                long v = ((Number) p).longValue();
                while ((v & ~0x7FL) != 0) {
                    out.write((int) ((v & 0x7F) | 0x80));
                    v >>>= 7;
                }
                out.write((int) v);
            }
        }
        return out.toByteArray();
    }

    @Test
    void rejectsEmptyBlob() {
        assertRejected(new byte[0]);
    }

    @Test
    void rejectsUnknownFlags() {
        byte[] valid = StreamCodec.encode(fed(0, 0, 1), null, true);
        valid[0] |= 8;
        assertRejected(valid);
        valid[0] = (byte) 0x80;
        assertRejected(valid);
    }

    @Test
    void rejectsEveryTruncationOfAValidBlob() {
        StreamState s = fed(3, 0, 1, 5, 6, 9);
        detector.observe(s, Arrival.of(1, new Position(4, 1), T0 + 9)); // duplicate, and now multi-partition
        byte[] full = StreamCodec.encode(s, ref(new byte[] {(byte) 0xfe, 1}), true);
        assertThat(StreamCodec.decode(TOPIC, full).ref()).isNotNull();

        for (int len = 0; len < full.length; len++) {
            byte[] cut = Arrays.copyOf(full, len);
            assertThatThrownBy(() -> StreamCodec.decode(TOPIC, cut)).as("cut to %d of %d bytes", len, full.length)
                    .isInstanceOf(IllegalArgumentException.class);
        }
    }

    @Test
    void rejectsVarintLongerThanTenBytes() {
        byte[] endless = new byte[20];
        Arrays.fill(endless, (byte) 0xff);
        endless[0] = 0;
        assertRejected(endless);
    }

    @Test
    void rejectsHugeRangeCountWithoutAllocatingIt() {
        assertRejected(blob(0, 1, 0, 1, 0, 0, Integer.MAX_VALUE, 1, 0, 0, 0));
        assertRejected(blob(0, 1, 0, 1, 0, 0, (1L << 32) - 1));
        assertRejected(blob(0, 1, 0, 1, 0, 0, Long.MAX_VALUE));
    }

    @Test
    void rejectsHugeRecentCountWithoutAllocatingIt() {
        assertRejected(blob(4, 1, 0, 1, 0, 0, 0, Integer.MAX_VALUE, 1, 0, 0));
    }

    @Test
    void rejectsKeyLengthBeyondTheBlob() {
        // flags IDENTITY, one range 0..0, then a key claiming more bytes than there are
        for (long len : new long[] {100, Integer.MAX_VALUE - 1L, Integer.MAX_VALUE, 1L << 31, 1L << 40, -1L}) {
            assertRejected(blob(2, 1, 0, 2, 0, 0, 1, 0, 0, 0, 0, len, new byte[] {'a', 'b'}));
        }
    }

    @Test
    void rejectsIdentityWithoutProducer() {
        // flags IDENTITY, one range, key "k", producer length 0 (null), epoch 1
        assertRejected(blob(2, 1, 0, 2, 0, 0, 1, 0, 0, 0, 0, 2, new byte[] {'k'}, 0, 1));
    }

    @Test
    void rejectsRangeBeyondTheLongRange() {
        // one range whose end overflows
        assertRejected(blob(2, 1, 0, 2, 0, 0, 1, Long.MAX_VALUE, Long.MAX_VALUE, 0, 0, 2, new byte[] {'k'}, 2,
                new byte[] {'p'}, 1));
    }

    // ---- properties ----

    @Provide
    Arbitrary<StreamCase> streams() {
        Arbitrary<Feed> feed = Combinators.combine(
                Arbitraries.frequencyOf(
                        net.jqwik.api.Tuple.of(8, Arbitraries.longs().between(0, 300)),
                        net.jqwik.api.Tuple.of(1, Arbitraries.longs().between(0, 5_000))),
                Arbitraries.frequencyOf(
                        net.jqwik.api.Tuple.of(6, Arbitraries.just(0)),
                        net.jqwik.api.Tuple.of(1, Arbitraries.integers().between(0, 1_000))),
                Arbitraries.longs().between(0, Long.MAX_VALUE / 2),
                Arbitraries.longs().between(0, 40)).as(Feed::new);
        Arbitrary<byte[]> key = Arbitraries.oneOf(
                Arbitraries.just(null),
                Arbitraries.just(new byte[0]),
                Arbitraries.bytes().array(byte[].class).ofMaxSize(300),
                Arbitraries.strings().ofMinLength(1).ofMaxLength(40).map(k -> k.getBytes(StandardCharsets.UTF_8)));
        Arbitrary<String> producer = Arbitraries.strings().withCharRange(' ', '~').ofMinLength(1).ofMaxLength(128);
        return Combinators.combine(Arbitraries.of(true, false), feed.list().ofMinSize(1).ofMaxSize(120),
                Arbitraries.longs().between(0, 200), key, producer, Arbitraries.longs().between(0, Long.MAX_VALUE))
                .as(StreamCase::new);
    }

    record StreamCase(boolean joinedLate, List<Feed> feeds, long confirmLossesAfter, byte[] key, String producer,
            long epoch) {
    }

    @Property(tries = 500)
    void decodeOfEncodeGivesTheSameStateFieldByField(@ForAll("streams") StreamCase c) {
        StreamState s = build(c.joinedLate(), c.feeds(), c.confirmLossesAfter());
        Assume.that(!s.isNew());
        StreamRef ref = new StreamRef(TOPIC, c.key(), c.producer(), c.epoch());

        StreamCodec.Decoded kept = roundTrip(s, ref, true);
        StreamCodec.Decoded dropped = roundTrip(s, ref, false);

        assertSameState(kept.state(), s, true);
        assertSameState(dropped.state(), s, false);
        if (s.missing().isEmpty()) {
            assertThat(kept.ref()).isNull();
            assertThat(dropped.ref()).isNull();
        } else {
            assertSameRef(kept.ref(), ref);
            assertSameRef(dropped.ref(), ref);
        }
        // Encoding is a function of the state: the decoded state encodes to the same bytes.
        assertThat(StreamCodec.encode(kept.state(), kept.ref(), true)).isEqualTo(StreamCodec.encode(s, ref, true));
    }

    @Provide
    Arbitrary<byte[]> blobs() {
        Arbitrary<byte[]> anyBytes = Arbitraries.bytes().array(byte[].class).ofMaxSize(64);
        // Small bytes after a known flags byte reach deeper: short varints, plausible counts and lengths.
        Arbitrary<byte[]> plausible = Combinators.combine(Arbitraries.integers().between(0, 7),
                Arbitraries.bytes().between((byte) 0, (byte) 0x7f).array(byte[].class).ofMaxSize(64))
                .as((flags, rest) -> {
                    byte[] b = new byte[rest.length + 1];
                    b[0] = (byte) (int) flags;
                    System.arraycopy(rest, 0, b, 1, rest.length);
                    return b;
                });
        // Valid blobs with a few bytes overwritten.
        Arbitrary<byte[]> mutated = Combinators.combine(streams(),
                Arbitraries.integers().between(0, 10_000).list().ofMinSize(1).ofMaxSize(4),
                Arbitraries.bytes().list().ofMinSize(4).ofMaxSize(4)).as((c, at, with) -> {
                    StreamState s = build(c.joinedLate(), c.feeds(), c.confirmLossesAfter());
                    if (s.isNew()) {
                        return new byte[] {0};
                    }
                    byte[] b = StreamCodec.encode(s, new StreamRef(TOPIC, c.key(), c.producer(), c.epoch()), true);
                    for (int i = 0; i < at.size(); i++) {
                        b[at.get(i) % b.length] = with.get(i);
                    }
                    return b;
                });
        return Arbitraries.oneOf(anyBytes, plausible, mutated);
    }

    @Property(tries = 2_000)
    void corruptBlobIsDecodedOrRejectedWithIllegalArgumentOnly(@ForAll("blobs") byte[] blob) {
        Throwable thrown = assertTimeoutPreemptively(Duration.ofSeconds(5),
                () -> catchThrowable(() -> StreamCodec.decode(TOPIC, blob)));

        if (thrown != null) {
            assertThat(thrown).as("decoding %s", java.util.HexFormat.of().formatHex(blob))
                    .isInstanceOf(IllegalArgumentException.class);
        }
    }

    @Property(tries = 300)
    void everyTruncationOfAValidBlobIsRejected(@ForAll("streams") StreamCase c) {
        StreamState s = build(c.joinedLate(), c.feeds(), c.confirmLossesAfter());
        Assume.that(!s.isNew());
        byte[] full = StreamCodec.encode(s, new StreamRef(TOPIC, c.key(), c.producer(), c.epoch()), true);

        for (int len = 0; len < full.length; len++) {
            assertRejected(Arrays.copyOf(full, len));
        }
    }

    @Test
    void rangesSurviveRoundTripInOrder() {
        StreamState s = fed(0, 0, 3, 6, 9, 12);
        List<MissingRange> before = List.copyOf(s.missing());
        assertThat(before).extracting(MissingRange::from).containsExactly(1L, 4L, 7L, 10L);

        assertThat(roundTrip(s, ref(null), false).state().missing()).containsExactlyElementsOf(before);
    }
}
