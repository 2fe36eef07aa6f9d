package io.seqaudit.audit;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.internals.RecordHeader;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class HeaderParserTest {

    private static final String VALID_PRODUCER = "orders-service-1";
    private static final byte[] HUGE_DIGITS = repeat('7', 100 * 1024);

    private final RecordHeaders headers = new RecordHeaders();
    private Stamp last;

    /** Every parse result of a test, checked after it: a reason must be one the metrics registered. */
    @AfterEach
    void reasonIsAlwaysARegisteredOne() {
        if (last != null && !last.valid() && !last.unstamped()) {
            assertThat(HeaderParser.REASONS).contains(last.problem());
        }
    }

    /**
     * Parses the headers as the test built them and as a consumer hands them out (key and value still in the fetch
     * buffer, read in place by {@link RawHeaders}): both must give the same stamp.
     */
    private Stamp parse() {
        last = HeaderParser.parse(headers);
        assertThat(HeaderParser.parse(asFetched(headers))).isEqualTo(last);
        return last;
    }

    /**
     * The headers as a consumer builds them from a fetch: {@code RecordHeader(ByteBuffer, ByteBuffer)} over slices of
     * one buffer, each starting past other bytes (the reader must use the slice's position and limit).
     */
    static RecordHeaders asFetched(Iterable<Header> built) {
        RecordHeaders out = new RecordHeaders();
        for (Header h : built) {
            byte[] k = h.key().getBytes(StandardCharsets.UTF_8);
            ByteBuffer buf = ByteBuffer.allocate(7 + k.length + (h.value() == null ? 0 : h.value().length) + 5);
            buf.put(new byte[] {9, 9, 9, 9, 9, 9, 9}).put(k);
            if (h.value() != null) {
                buf.put(h.value());
            }
            buf.put(new byte[] {'1', '2', '3', '4', '5'});
            ByteBuffer key = buf.duplicate().position(7).limit(7 + k.length);
            ByteBuffer value = h.value() == null ? null
                    : buf.duplicate().position(7 + k.length).limit(7 + k.length + h.value().length);
            out.add(new RecordHeader(key, value));
        }
        return out;
    }

    private RecordHeaders stamp(byte[] producer, byte[] epoch, byte[] seq) {
        headers.add(HeaderParser.PRODUCER, producer);
        headers.add(HeaderParser.EPOCH, epoch);
        headers.add(HeaderParser.SEQ, seq);
        return headers;
    }

    private static byte[] ascii(String s) {
        return s.getBytes(StandardCharsets.US_ASCII);
    }

    private static byte[] repeat(char c, int n) {
        byte[] b = new byte[n];
        Arrays.fill(b, (byte) c);
        return b;
    }

    private Stamp withSeq(byte[] seq) {
        stamp(ascii(VALID_PRODUCER), ascii("3"), seq);
        return parse();
    }

    private Stamp withEpoch(byte[] epoch) {
        stamp(ascii(VALID_PRODUCER), epoch, ascii("5"));
        return parse();
    }

    private Stamp withProducer(byte[] producer) {
        stamp(producer, ascii("3"), ascii("5"));
        return parse();
    }

    // ---- valid and unstamped ----

    @ParameterizedTest
    @ValueSource(strings = {HeaderParser.PRODUCER, HeaderParser.EPOCH, HeaderParser.SEQ})
    void anyStampHeaderGivenTwiceIsInvalidEvenWithEqualValues(String header) {
        stamp(ascii(VALID_PRODUCER), ascii("3"), ascii("5"));
        headers.add(header, header.equals(HeaderParser.PRODUCER) ? ascii(VALID_PRODUCER) : ascii("5"));

        assertThat(parse().valid()).isFalse();
        assertThat(last.problem()).isEqualTo("duplicate_header");
    }

    @Test
    void marksReplayedRecords() {
        stamp(ascii(VALID_PRODUCER), ascii("3"), ascii("5"));
        assertThat(parse().replay()).isFalse();
        headers.add("seqaudit-replay", ascii("orders.abc.5-5"));
        assertThat(parse().replay()).isTrue();
        assertThat(last.valid()).isTrue();
    }

    @Test
    void readsValidStamp() {
        Stamp s = withSeq(ascii("42"));

        assertThat(s.valid()).isTrue();
        assertThat(s.problem()).isNull();
        assertThat(s.producer()).isEqualTo(VALID_PRODUCER);
        assertThat(s.epoch()).isEqualTo(3);
        assertThat(s.seq()).isEqualTo(42);
    }

    @Test
    void acceptsZeroSeqAndEpoch() {
        stamp(ascii("p"), ascii("0"), ascii("0"));
        Stamp s = parse();

        assertThat(s.valid()).isTrue();
        assertThat(s.epoch()).isZero();
        assertThat(s.seq()).isZero();
    }

    @Test
    void recordWithoutAnySeqauditHeaderIsUnstamped() {
        headers.add("traceparent", ascii("00-abc-def-01"));
        Stamp s = parse();

        assertThat(s.valid()).isFalse();
        assertThat(s.unstamped()).isTrue();
        assertThat(s.problem()).isEqualTo(Stamp.UNSTAMPED);
    }

    @Test
    void recordWithoutHeadersAtAllIsUnstamped() {
        assertThat(parse().unstamped()).isTrue();
    }

    // ---- one header missing ----

    @Test
    void missingProducerIsReported() {
        headers.add(HeaderParser.EPOCH, ascii("1"));
        headers.add(HeaderParser.SEQ, ascii("1"));
        assertThat(parse().problem()).isEqualTo("missing_producer");
    }

    @Test
    void missingEpochIsReported() {
        headers.add(HeaderParser.PRODUCER, ascii(VALID_PRODUCER));
        headers.add(HeaderParser.SEQ, ascii("1"));
        assertThat(parse().problem()).isEqualTo("missing_epoch");
    }

    @Test
    void missingSeqIsReported() {
        headers.add(HeaderParser.PRODUCER, ascii(VALID_PRODUCER));
        headers.add(HeaderParser.EPOCH, ascii("1"));
        assertThat(parse().problem()).isEqualTo("missing_seq");
    }

    @Test
    void onlySeqPresentIsMissingProducerNotUnstamped() {
        headers.add(HeaderParser.SEQ, ascii("1"));
        Stamp s = parse();
        assertThat(s.unstamped()).isFalse();
        assertThat(s.problem()).isEqualTo("missing_producer");
    }

    // ---- numbers ----

    @ParameterizedTest
    @ValueSource(strings = {"abc", "12a", "0x10", "1.0", "1e3", "-1", "+1", " 1", "1 ", "9223372036854775808",
        "18446744073709551616", "12345678901234567890", "99999999999999999999", "", "\u0661"})
    void malformedSeqIsBadSeq(String value) {
        Stamp s = withSeq(value.getBytes(StandardCharsets.UTF_8));
        assertThat(s.valid()).isFalse();
        assertThat(s.problem()).isEqualTo("bad_seq");
    }

    @ParameterizedTest
    @ValueSource(strings = {"abc", "-1", "+1", " 1", "9223372036854775808", "12345678901234567890", ""})
    void malformedEpochIsBadEpoch(String value) {
        Stamp s = withEpoch(value.getBytes(StandardCharsets.UTF_8));
        assertThat(s.valid()).isFalse();
        assertThat(s.problem()).isEqualTo("bad_epoch");
    }

    @Test
    void nullSeqValueIsBadSeq() {
        assertThat(withSeq(null).problem()).isEqualTo("bad_seq");
    }

    @Test
    void nullEpochValueIsBadEpoch() {
        assertThat(withEpoch(null).problem()).isEqualTo("bad_epoch");
    }

    @Test
    void largestSeqAndEpochAreAccepted() {
        stamp(ascii(VALID_PRODUCER), ascii("9223372036854775807"), ascii("9223372036854775807"));
        Stamp s = parse();

        assertThat(s.valid()).isTrue();
        assertThat(s.epoch()).isEqualTo(Long.MAX_VALUE);
        assertThat(s.seq()).isEqualTo(Long.MAX_VALUE);
    }

    @Test
    void leadingZerosWithinNineteenDigitsAreAccepted() {
        assertThat(withSeq(ascii("0000000000000000042")).seq()).isEqualTo(42);
    }

    @Test
    void hundredKilobyteSeqIsBadSeq() {
        assertThat(withSeq(HUGE_DIGITS).problem()).isEqualTo("bad_seq");
    }

    @Test
    void hundredKilobyteEpochIsBadEpoch() {
        assertThat(withEpoch(HUGE_DIGITS).problem()).isEqualTo("bad_epoch");
    }

    // ---- producer ----

    @Test
    void producerOfOneHundredTwentyEightCharactersIsAccepted() {
        String producer = new String(repeat('p', 128), StandardCharsets.US_ASCII);
        Stamp s = withProducer(ascii(producer));
        assertThat(s.valid()).isTrue();
        assertThat(s.producer()).isEqualTo(producer);
    }

    @Test
    void producerOfEveryPrintableAsciiCharacterIsAccepted() {
        StringBuilder all = new StringBuilder();
        for (char c = 0x20; c <= 0x7e; c++) {
            all.append(c);
        }
        Stamp s = withProducer(ascii(all.toString()));
        assertThat(s.valid()).isTrue();
        assertThat(s.producer()).isEqualTo(all.toString());
    }

    @Test
    void producerOfOneHundredTwentyNineCharactersIsBadProducer() {
        assertThat(withProducer(repeat('p', 129)).problem()).isEqualTo("bad_producer");
    }

    @Test
    void hundredKilobyteProducerIsBadProducer() {
        assertThat(withProducer(repeat('p', 100 * 1024)).problem()).isEqualTo("bad_producer");
    }

    @ParameterizedTest
    @ValueSource(strings = {"tab\there", "new\nline", "nul\u0000", "del\u007f", "esc\u001b[0m"})
    void producerWithControlCharacterIsBadProducer(String producer) {
        assertThat(withProducer(producer.getBytes(StandardCharsets.UTF_8)).problem()).isEqualTo("bad_producer");
    }

    @ParameterizedTest
    @ValueSource(strings = {"caf\u00e9", "\u751f\u4ea7\u8005", "emoji-\ud83d\ude00"})
    void producerWithNonAsciiCharacterIsBadProducer(String producer) {
        assertThat(withProducer(producer.getBytes(StandardCharsets.UTF_8)).problem()).isEqualTo("bad_producer");
    }

    @Test
    void producerWithLatin1ByteIsBadProducer() {
        assertThat(withProducer(new byte[] {'a', (byte) 0xe9}).problem()).isEqualTo("bad_producer");
    }

    @Test
    void emptyProducerIsBadProducer() {
        assertThat(withProducer(new byte[0]).problem()).isEqualTo("bad_producer");
    }

    @Test
    void nullProducerValueIsBadProducer() {
        assertThat(withProducer(null).problem()).isEqualTo("bad_producer");
    }

    @Test
    void badProducerIsReportedBeforeBadNumbers() {
        stamp(new byte[0], ascii("x"), ascii("y"));
        assertThat(parse().problem()).isEqualTo("bad_producer");
    }

    // ---- duplicates ----

    @Test
    void aFullSecondStampIsInvalidNotTheLastOneWinning() {
        headers.add(HeaderParser.PRODUCER, ascii("first"));
        headers.add(HeaderParser.EPOCH, ascii("1"));
        headers.add(HeaderParser.SEQ, ascii("10"));
        headers.add(HeaderParser.PRODUCER, ascii("second"));
        headers.add(HeaderParser.EPOCH, ascii("2"));
        headers.add(HeaderParser.SEQ, ascii("20"));

        assertThat(parse().problem()).isEqualTo("duplicate_header");
    }

    @Test
    void aSecondSeqIsInvalidWhetherItsValueIsMalformedOrWellFormed() {
        stamp(ascii(VALID_PRODUCER), ascii("1"), ascii("10"));
        headers.add(HeaderParser.SEQ, ascii("ten"));
        assertThat(parse().problem()).isEqualTo("duplicate_header");

        List.of(HeaderParser.PRODUCER, HeaderParser.EPOCH, HeaderParser.SEQ).forEach(headers::remove);
        stamp(ascii(VALID_PRODUCER), ascii("1"), ascii("ten"));
        headers.add(HeaderParser.SEQ, ascii("10"));
        assertThat(parse().problem()).isEqualTo("duplicate_header");
    }

    // ---- headers as a consumer hands them out ----

    @Test
    void headersOfTheKafkaClientsInUseAreReadWithoutDecodingTheirKeys() {
        RecordHeaders fetchedHeaders = asFetched(stamp(ascii(VALID_PRODUCER), ascii("3"), ascii("5")));

        assertThat(RawHeaders.fast()).as("RecordHeader's keyBuffer/valueBuffer fields are reachable").isTrue();
        Stamp stamp = HeaderParser.parse(fetchedHeaders, new HeaderParser.ProducerNames());

        assertThat(stamp).isEqualTo(new Stamp(VALID_PRODUCER, 3, 5, null, false));
        for (Header h : fetchedHeaders) {
            assertThat(RawHeaders.key(h)).as("key of %s left undecoded", h).isNotNull();
        }
    }

    @Test
    void aHeaderAlreadyDecodedIsReadThroughItsKeyAndValue() {
        RecordHeaders fetchedHeaders = asFetched(stamp(ascii(VALID_PRODUCER), ascii("3"), ascii("5")));
        fetchedHeaders.forEach(h -> {
            h.key();
            h.value();
        });

        assertThat(RawHeaders.key(fetchedHeaders.lastHeader(HeaderParser.SEQ))).isNull();
        assertThat(HeaderParser.parse(fetchedHeaders, new HeaderParser.ProducerNames()))
                .isEqualTo(new Stamp(VALID_PRODUCER, 3, 5, null, false));
    }

    // ---- the reason set ----

    @Test
    void reasonsAreDistinctAndHoldEveryHeaderReason() {
        assertThat(HeaderParser.REASONS).doesNotHaveDuplicates().contains("missing_producer", "missing_epoch",
                "missing_seq", "bad_producer", "bad_epoch", "bad_seq");
        assertThat(List.of(HeaderParser.REASONS)).doesNotContain(Stamp.UNSTAMPED);
    }
    // ---- producer names reused across records ----

    /** Whether {@link #parseWith} hands the headers over as a consumer does (see {@link #asFetched}). */
    private boolean fetched;

    private Stamp parseWith(HeaderParser.ProducerNames names, byte[] producer) {
        RecordHeaders h = new RecordHeaders();
        h.add(HeaderParser.PRODUCER, producer);
        h.add(HeaderParser.EPOCH, ascii("3"));
        h.add(HeaderParser.SEQ, ascii("5"));
        return HeaderParser.parse(fetched ? asFetched(h) : h, names);
    }

    @ParameterizedTest
    @ValueSource(booleans = {false, true})
    void recordsOfTheSameProducerShareOneNameAndEveryProducerKeepsItsOwn(boolean asFetched) {
        fetched = asFetched;
        HeaderParser.ProducerNames names = new HeaderParser.ProducerNames();

        Stamp first = parseWith(names, ascii(VALID_PRODUCER));
        Stamp second = parseWith(names, ascii(VALID_PRODUCER));
        Stamp other = parseWith(names, ascii("billing-2"));
        Stamp back = parseWith(names, ascii(VALID_PRODUCER));

        assertThat(second.producer()).isSameAs(first.producer()).isEqualTo(VALID_PRODUCER);
        assertThat(other.producer()).isEqualTo("billing-2");
        assertThat(back.producer()).isEqualTo(VALID_PRODUCER);
    }

    @ParameterizedTest
    @ValueSource(booleans = {false, true})
    void aMalformedProducerIsRefusedAlsoRightAfterAValidOne(boolean asFetched) {
        fetched = asFetched;
        HeaderParser.ProducerNames names = new HeaderParser.ProducerNames();
        parseWith(names, ascii(VALID_PRODUCER));

        last = parseWith(names, new byte[] {'a', 0x07});

        assertThat(last.valid()).isFalse();
        assertThat(last.problem()).isEqualTo("bad_producer");
        assertThat(parseWith(names, ascii(VALID_PRODUCER)).producer()).isEqualTo(VALID_PRODUCER);
    }
}
