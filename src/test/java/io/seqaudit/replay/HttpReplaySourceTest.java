package io.seqaudit.replay;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.seqaudit.replay.CallbackServer.Received;
import io.seqaudit.replay.CallbackServer.Reply;
import io.seqaudit.replay.ReplaySource.Fetched;
import io.seqaudit.replay.ReplaySource.Request;
import io.seqaudit.replay.ReplaySource.SourceRecord;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.seqaudit.it.KafkaSupport;
import java.net.URI;
import java.util.ArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The http source against a scripted WireMock callback. Runs inside Quarkus because the source's retry and timeout
 * are a SmallRye Fault Tolerance guard, which needs the CDI container; the service itself stays idle (no auditor, no
 * configured source): each test builds its own source.
 */
@QuarkusTest
@TestProfile(HttpReplaySourceTest.Profile.class)
class HttpReplaySourceTest {

    /** An idle service: nothing audited, no source configured. */
    public static class Profile implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("seqaudit.topics", "http-source-test-unused",
                    "seqaudit.audit.enabled", "false",
                    "seqaudit.state.prefix", "seqaudit-http-source-test",
                    "kafka.bootstrap.servers", KafkaSupport.bootstrap());
        }
    }

    private static final String TEMPLATE = "/replay/{topic}?key={keyBase64}&null={keyNull}&producer={producer}"
            + "&epoch={epoch}&from={fromSeq}&to={toSeq}&id={replayId}";
    private static final byte[] BINARY_KEY = {0, (byte) 0xff, 'k', (byte) 0x80, '\n'};

    private CallbackServer server;
    private final List<HttpReplaySource> sources = new ArrayList<>();

    @AfterEach
    void stop() {
        sources.forEach(HttpReplaySource::close);
        if (server != null) {
            server.close();
        }
    }

    private HttpReplaySource source(String template, Duration timeout, int maxAttempts, Duration backoff,
            Duration maxBackoff) {
        HttpReplaySource source = new HttpReplaySource(new HttpReplaySource.Settings(template, timeout, maxAttempts,
                backoff, maxBackoff));
        sources.add(source);
        return source;
    }

    private HttpReplaySource source(Duration timeout, int maxAttempts, Duration backoff, Duration maxBackoff) {
        return source(server.base() + TEMPLATE, timeout, maxAttempts, backoff, maxBackoff);
    }

    private HttpReplaySource source() {
        return source(Duration.ofSeconds(5), 4, Duration.ofMillis(10), Duration.ofMillis(50));
    }

    private static Request request(byte[] key, long from, long to) {
        return new Request("replay-1", "orders", key, "orders-service-1", 7, from, to);
    }

    private static String b64(byte[] bytes) {
        return Base64.getEncoder().encodeToString(bytes);
    }

    private static String b64(String text) {
        return b64(text.getBytes(StandardCharsets.UTF_8));
    }

    private static Map<String, String> query(Received r) {
        Map<String, String> q = new LinkedHashMap<>();
        for (String pair : r.rawQuery().split("&")) {
            int eq = pair.indexOf('=');
            q.put(pair.substring(0, eq), URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8));
        }
        return q;
    }

    @Test
    void fetchReturnsTheRecordsWithKeyValueAndHeaderBytesIntactAndComputesTheMissingSeqs() throws Exception {
        byte[] value5 = {1, 2, 3, (byte) 0xfe, 0};
        byte[] header5 = {(byte) 0xc3, 0x28, 0}; // not UTF-8
        server = new CallbackServer(Reply.json("{\"records\":["
                + "{\"seq\":6,\"valueBase64\":\"" + b64("six") + "\"},"
                + "{\"seq\":5,\"keyBase64\":\"" + b64(BINARY_KEY) + "\",\"valueBase64\":\"" + b64(value5) + "\","
                + "\"headers\":{\"trace\":\"" + b64(header5) + "\",\"empty\":null}}],"
                + "\"missing\":[7]}"));

        Fetched fetched = source().fetch(request(BINARY_KEY, 5, 9));

        assertThat(fetched.records()).extracting(SourceRecord::seq).containsExactly(5L, 6L);
        SourceRecord five = fetched.records().get(0);
        assertThat(five.key()).isEqualTo(BINARY_KEY);
        assertThat(five.value()).isEqualTo(value5);
        assertThat(five.headers()).containsOnlyKeys("trace", "empty");
        assertThat(five.headers().get("trace")).isEqualTo(header5);
        assertThat(five.headers().get("empty")).isNull();
        SourceRecord six = fetched.records().get(1);
        assertThat(six.key()).as("a record without keyBase64 has the stream's key").isEqualTo(BINARY_KEY);
        assertThat(six.value()).isEqualTo("six".getBytes(StandardCharsets.UTF_8));
        assertThat(six.headers()).isEmpty();
        assertThat(fetched.missing()).as("7 listed, 8 and 9 neither returned nor listed").containsExactly(7L, 8L, 9L);
        Received got = server.received().get(0);
        assertThat(got.method()).isEqualTo("GET");
        assertThat(Base64.getDecoder().decode(query(got).get("key"))).isEqualTo(BINARY_KEY);
        assertThat(query(got)).containsEntry("null", "false").containsEntry("from", "5").containsEntry("to", "9");
    }

    @Test
    void nullKeyStreamIsAskedForWithKeyNullTrueAndItsRecordsKeepTheNullKeyAndTombstones() throws Exception {
        server = new CallbackServer(Reply.json(
                "{\"records\":[{\"seq\":0,\"valueBase64\":null},{\"seq\":1,\"keyBase64\":null,\"valueBase64\":\""
                        + b64("v") + "\"}]}"));

        Fetched fetched = source().fetch(request(null, 0, 1));

        assertThat(query(server.received().get(0))).containsEntry("key", "").containsEntry("null", "true");
        assertThat(fetched.records()).extracting(SourceRecord::key).containsExactly(null, null);
        assertThat(fetched.records().get(0).value()).as("tombstone").isNull();
        assertThat(fetched.records().get(1).value()).isEqualTo(new byte[] {'v'});
        assertThat(fetched.missing()).isEmpty();
    }

    @Test
    void idempotencyKeyHeaderIsTheReplayId() throws Exception {
        server = new CallbackServer(Reply.json("{\"records\":[]}"));

        source().fetch(new Request("orders:c2Vx:p:7:5-9:ab12", "orders", BINARY_KEY, "p", 7, 5, 9));

        assertThat(server.received()).singleElement()
                .satisfies(r -> assertThat(r.header("Idempotency-Key")).isEqualTo("orders:c2Vx:p:7:5-9:ab12"))
                .satisfies(r -> assertThat(r.header("Accept")).isEqualTo("application/json"));
    }

    @Test
    void urlPlaceholdersArePercentEncodedInPathAndQuery() throws Exception {
        server = new CallbackServer(Reply.json("{\"records\":[]}"));
        HttpReplaySource source = source(server.base() + "/r/{topic}/{key}?p={producer}&k={keyBase64}&id={replayId}",
                Duration.ofSeconds(5), 1, Duration.ZERO, Duration.ZERO);
        String topic = "eu/orders v2";
        String keyText = "a&b=c/ü d";
        byte[] key = keyText.getBytes(StandardCharsets.UTF_8);

        source.fetch(new Request("r+1", topic, key, "svc?#1", 0, 0, 0));

        Received got = server.received().get(0);
        String[] segments = got.rawPath().split("/");
        assertThat(segments).as("each value stays one path segment: its / is encoded").hasSize(4);
        assertThat(URI.create("/" + segments[2]).getPath()).isEqualTo("/" + topic);
        assertThat(URI.create("/" + segments[3]).getPath()).isEqualTo("/" + keyText);
        assertThat(got.rawQuery()).as("no value's + / = or & is left bare in the query").doesNotContain("+", "/")
                .doesNotContain("=" + b64(key)).startsWith("p=svc%3F%231&k=").endsWith("&id=r%2B1");
        assertThat(query(got)).containsEntry("p", "svc?#1").containsEntry("id", "r+1")
                .containsEntry("k", b64(key));
    }

    @Test
    void unknownPlaceholderIsRejectedWhenTheSourceIsCreated() {
        assertThatThrownBy(() -> new HttpReplaySource(new HttpReplaySource.Settings(
                "http://127.0.0.1:1/r?t={topik}", Duration.ofSeconds(1), 1, Duration.ZERO, Duration.ZERO)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("seqaudit.replay.http.url").hasMessageContaining("{topik}");
        assertThatThrownBy(() -> new HttpReplaySource(new HttpReplaySource.Settings(
                "ftp://127.0.0.1/r", Duration.ofSeconds(1), 1, Duration.ZERO, Duration.ZERO)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("http");
    }

    @Test
    void serviceUnavailableIsRetriedUntilTheCallbackAnswers() throws Exception {
        server = new CallbackServer(Reply.status(503, "starting"), Reply.status(503, "starting"),
                Reply.json("{\"records\":[{\"seq\":3,\"valueBase64\":\"" + b64("x") + "\"}]}"));

        Fetched fetched = source().fetch(request(BINARY_KEY, 3, 3));

        assertThat(server.received()).hasSize(3);
        assertThat(fetched.records()).extracting(SourceRecord::seq).containsExactly(3L);
        assertThat(fetched.missing()).isEmpty();
    }

    @Test
    void retryAfterLengthensThePauseBeforeTheNextAttempt() throws Exception {
        server = new CallbackServer(Reply.status(429, "slow down", "1"), Reply.json("{\"records\":[]}"));

        source(Duration.ofSeconds(5), 3, Duration.ofMillis(10), Duration.ofSeconds(5)).fetch(request(null, 0, 0));

        List<Received> got = server.received();
        assertThat(got).hasSize(2);
        assertThat(Duration.ofNanos(got.get(1).atNanos() - got.get(0).atNanos()))
                .as("the pause honours Retry-After: 1, not the 10ms backoff")
                .isGreaterThanOrEqualTo(Duration.ofMillis(950));
    }

    @Test
    void retryAfterIsCappedByMaxBackoff() throws Exception {
        server = new CallbackServer(Reply.status(503, "maintenance", "3600"), Reply.json("{\"records\":[]}"));

        source(Duration.ofSeconds(5), 3, Duration.ofMillis(10), Duration.ofMillis(300)).fetch(request(null, 0, 0));

        List<Received> got = server.received();
        assertThat(got).hasSize(2);
        assertThat(Duration.ofNanos(got.get(1).atNanos() - got.get(0).atNanos()))
                .isBetween(Duration.ofMillis(280), Duration.ofSeconds(3));
    }

    @Test
    void givesUpAfterMaxAttemptsWithTheLastError() {
        server = new CallbackServer(Reply.status(500, "db down (1)"), Reply.status(502, "db down (2)"),
                Reply.status(500, "db down (3)"), Reply.json("{\"records\":[]}"));
        HttpReplaySource source = source(Duration.ofSeconds(5), 3, Duration.ofMillis(10), Duration.ofMillis(50));

        assertThatThrownBy(() -> source.fetch(request(null, 0, 0)))
                .isInstanceOf(ReplaySourceException.class)
                .hasMessageContaining("gave up after 3 attempts")
                .hasMessageContaining("HTTP 500: db down (3)")
                .hasMessageNotContaining("db down (2)");
        assertThat(server.received()).hasSize(3);
    }

    @Test
    void badRequestFailsAtOnceWithoutRetrying() {
        server = new CallbackServer(Reply.status(400, "unknown producer"), Reply.json("{\"records\":[]}"));

        assertThatThrownBy(() -> source().fetch(request(null, 0, 0)))
                .isInstanceOf(ReplaySourceException.class)
                .hasMessageContaining("HTTP 400: unknown producer")
                .hasMessageNotContaining("gave up");
        assertThat(server.received()).hasSize(1);
    }

    @Test
    void anAttemptThatTimesOutCountsAsFailedAndIsRetried() throws Exception {
        server = new CallbackServer(Reply.hanging(), Reply.json("{\"records\":[]}"));
        HttpReplaySource source = source(Duration.ofMillis(300), 3, Duration.ofMillis(10), Duration.ofMillis(50));

        long start = System.nanoTime();
        Fetched fetched = source.fetch(request(null, 0, 1));

        assertThat(Duration.ofNanos(System.nanoTime() - start)).isGreaterThanOrEqualTo(Duration.ofMillis(300));
        assertThat(server.received()).hasSize(2);
        assertThat(fetched.missing()).containsExactly(0L, 1L);
    }

    @Test
    void aCallbackThatNeverAnswersFailsWithTheTimeoutAsTheLastError() {
        server = new CallbackServer(Reply.hanging());
        HttpReplaySource source = source(Duration.ofMillis(200), 2, Duration.ofMillis(10), Duration.ofMillis(50));

        assertThatThrownBy(() -> source.fetch(request(null, 0, 0)))
                .isInstanceOf(ReplaySourceException.class)
                .hasMessageContaining("gave up after 2 attempts")
                .hasMessageContaining("did not answer within PT0.2S");
        assertThat(server.received()).hasSize(2);
    }

    @Test
    void anUnreachableCallbackFailsAfterMaxAttempts() throws Exception {
        int closedPort;
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            closedPort = s.getLocalPort();
        }
        HttpReplaySource source = source("http://127.0.0.1:" + closedPort + "/r?from={fromSeq}",
                Duration.ofSeconds(2), 2, Duration.ofMillis(10), Duration.ofMillis(10));

        assertThatThrownBy(() -> source.fetch(request(null, 0, 0)))
                .isInstanceOf(ReplaySourceException.class)
                .hasMessageContaining("gave up after 2 attempts")
                .hasMessageContaining("unreachable");
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', quoteCharacter = '`', value = {
            "not JSON                 | {\"records\":[           | not JSON",
            "empty body               | ``                       | empty body",
            "trailing garbage         | {\"records\":[]} x       | not JSON",
            "an array                 | []                       | not a JSON object",
            "no records               | {\"missing\":[1]}        | \"records\" is missing",
            "seq as text              | {\"records\":[{\"seq\":\"1\",\"valueBase64\":null}]} | records[0].seq is not an integer",
            "seq fraction             | {\"records\":[{\"seq\":1.5,\"valueBase64\":null}]}   | records[0].seq is not an integer",
            "no value                 | {\"records\":[{\"seq\":1}]}                          | records[0] (seq 1).valueBase64 is missing",
            "bad base64               | {\"records\":[{\"seq\":1,\"valueBase64\":\"!!\"}]}   | records[0] (seq 1).valueBase64 is not valid base64",
            "header not base64 text   | {\"records\":[{\"seq\":1,\"valueBase64\":null,\"headers\":{\"h\":1}}]} | headers.h is not a base64 string",
            "duplicate JSON field     | {\"records\":[],\"records\":[]} | not JSON",
            "missing not an array     | {\"records\":[],\"missing\":7} | \"missing\" is not an array",
    })
    void malformedAnswerIsRejectedNamingTheProblemWithoutRetrying(String name, String body, String problem) {
        server = new CallbackServer(Reply.json(body));

        assertThatThrownBy(() -> source().fetch(request(null, 0, 3)))
                .isInstanceOf(ReplaySourceException.class)
                .hasMessageContaining("malformed answer")
                .hasMessageContaining(problem);
        assertThat(server.received()).hasSize(1);
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
            "seq below the range  | {\"records\":[{\"seq\":4,\"valueBase64\":null}]}  | returned seq 4, outside the requested range 5..9",
            "seq above the range  | {\"records\":[{\"seq\":10,\"valueBase64\":null}]} | returned seq 10, outside the requested range 5..9",
            "seq twice            | {\"records\":[{\"seq\":6,\"valueBase64\":null},{\"seq\":6,\"valueBase64\":null}]} | returned seq 6 more than once",
            "missing outside      | {\"records\":[],\"missing\":[12]} | listed seq 12 as missing, outside the requested range 5..9",
            "returned and missing | {\"records\":[{\"seq\":6,\"valueBase64\":null}],\"missing\":[6]} | both returned seq 6 and listed it as missing",
    })
    void answerOutsideTheRangeOrWithASeqTwiceIsRejected(String name, String body, String problem) {
        server = new CallbackServer(Reply.json(body));

        assertThatThrownBy(() -> source().fetch(request(null, 5, 9)))
                .isInstanceOf(ReplaySourceException.class)
                .hasMessageContaining(problem);
    }

    @Test
    void recordWithAnotherKeyThanTheStreamsIsRejected() {
        server = new CallbackServer(Reply.json(
                "{\"records\":[{\"seq\":1,\"keyBase64\":\"" + b64("other") + "\",\"valueBase64\":null}]}"));

        assertThatThrownBy(() -> source().fetch(request(BINARY_KEY, 0, 3)))
                .isInstanceOf(ReplaySourceException.class)
                .hasMessageContaining("records[0] (seq 1).keyBase64 is not the requested stream's key");
    }

    @Test
    void seqauditHeadersFromTheCallbackAreDroppedTheApplicationsAreKept() throws Exception {
        server = new CallbackServer(Reply.json("{\"records\":[{\"seq\":1,\"valueBase64\":null,\"headers\":{"
                + "\"seqaudit-seq\":\"" + b64("99") + "\",\"seqaudit-replay\":\"" + b64("x") + "\","
                + "\"tenant\":\"" + b64("acme") + "\"}}]}"));

        Fetched fetched = source().fetch(request(null, 1, 1));

        assertThat(fetched.records().get(0).headers()).containsOnlyKeys("tenant");
        assertThat(Arrays.equals(fetched.records().get(0).headers().get("tenant"),
                "acme".getBytes(StandardCharsets.UTF_8))).isTrue();
    }

    @Test
    void requestWithAnInvertedRangeIsRefusedBeforeAnyCall() {
        server = new CallbackServer(Reply.json("{\"records\":[]}"));

        assertThatThrownBy(() -> source().fetch(request(null, 9, 5)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("9..5");
        assertThat(server.received()).isEmpty();
    }
}
