package io.seqaudit.it;

import static io.restassured.RestAssured.given;
import static io.seqaudit.it.ApiAuth.asViewer;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.restassured.path.json.JsonPath;
import io.seqaudit.audit.HeaderParser;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.Future;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.header.Headers;
import org.junit.jupiter.api.Test;

/**
 * Records with malformed seqaudit headers, each between valid records of its key, on the real broker: each is
 * counted invalid under its reason (API and metrics), and the records after it are audited as if it were not
 * there (no gap, no duplicate). Shares the service and topic with {@link AuditEndToEndTest}, so it creates no
 * gap, duplicate or unstamped record and asserts on deltas only.
 */
@QuarkusTest
@TestProfile(AuditTestProfile.class)
class MalformedHeadersTest {

    private static final String T = AuditTestProfile.TOPIC;
    private static final String PRODUCER = "malformed-test";
    private static final long EPOCH = 4;
    private static final byte[] HUNDRED_KB_DIGITS = filled('7', 100 * 1024);
    private static final byte[] HUNDRED_KB_PRODUCER = filled('p', 100 * 1024);

    /** A malformed stamp: how to write its headers, and the reason the auditor must give. */
    record Malformed(String name, String reason, byte[] producer, byte[] epoch, byte[] seq) {
    }

    private static byte[] ascii(String s) {
        return s.getBytes(StandardCharsets.US_ASCII);
    }

    private static byte[] filled(char c, int n) {
        byte[] b = new byte[n];
        Arrays.fill(b, (byte) c);
        return b;
    }

    /** {@code null} for a header that is left out; the valid values are those of seq 1 of the stream. */
    private static final List<Malformed> CASES = List.of(
            new Malformed("non-numeric-seq", "bad_seq", ascii(PRODUCER), ascii("4"), ascii("one")),
            new Malformed("negative-seq", "bad_seq", ascii(PRODUCER), ascii("4"), ascii("-1")),
            new Malformed("seq-2pow63", "bad_seq", ascii(PRODUCER), ascii("4"), ascii("9223372036854775808")),
            new Malformed("empty-seq", "bad_seq", ascii(PRODUCER), ascii("4"), new byte[0]),
            new Malformed("100kb-seq", "bad_seq", ascii(PRODUCER), ascii("4"), HUNDRED_KB_DIGITS),
            new Malformed("100kb-producer", "bad_producer", HUNDRED_KB_PRODUCER, ascii("4"), ascii("1")),
            new Malformed("non-numeric-epoch", "bad_epoch", ascii(PRODUCER), ascii("four"), ascii("1")),
            new Malformed("missing-producer", "missing_producer", null, ascii("4"), ascii("1")),
            new Malformed("missing-epoch", "missing_epoch", ascii(PRODUCER), null, ascii("1")),
            new Malformed("missing-seq", "missing_seq", ascii(PRODUCER), ascii("4"), null));

    @Test
    void malformedStampsAreCountedByReasonAndTheRecordsAfterThemAreAuditedNormally() throws Exception {
        Map<String, Long> expectedByReason = new TreeMap<>();
        CASES.forEach(c -> expectedByReason.merge(c.reason(), 1L, Long::sum));
        assertThat(expectedByReason.keySet()).allSatisfy(r -> assertThat(HeaderParser.REASONS).contains(r));

        JsonPath before = summary();
        String metricsBefore = metrics();
        String run = UUID.randomUUID().toString().substring(0, 8);
        Map<String, Malformed> byKey = new LinkedHashMap<>();
        CASES.forEach(c -> byKey.put("malformed-" + run + "-" + c.name(), c));

        try (KafkaProducer<String, String> producer = KafkaSupport.producer(null, Map.of())) {
            List<Future<RecordMetadata>> sent = new ArrayList<>();
            for (Map.Entry<String, Malformed> e : byKey.entrySet()) {
                String key = e.getKey();
                Malformed m = e.getValue();
                sent.add(producer.send(stamped(key, 0)));
                ProducerRecord<String, String> bad = new ProducerRecord<>(T, key, "malformed " + m.name());
                put(bad.headers(), HeaderParser.PRODUCER, m.producer());
                put(bad.headers(), HeaderParser.EPOCH, m.epoch());
                put(bad.headers(), HeaderParser.SEQ, m.seq());
                sent.add(producer.send(bad));
                sent.add(producer.send(stamped(key, 1)));
                sent.add(producer.send(stamped(key, 2)));
            }
            producer.flush();
            for (Future<RecordMetadata> f : sent) {
                f.get(); // every record reached the broker (a 100 KB header included)
            }
        }

        // Each key's stream reached seq 2 with nothing missing: the malformed record, read before seq 1 and
        // seq 2 of its partition, was audited by then too.
        await().atMost(Duration.ofSeconds(60)).untilAsserted(() -> {
            for (String key : byKey.keySet()) {
                List<Map<String, Object>> streams = streams(key);
                assertThat(streams).as(key).hasSize(1);
                assertThat(((Number) streams.get(0).get("nextExpectedSeq")).longValue()).as(key).isEqualTo(3);
            }
        });
        for (String key : byKey.keySet()) {
            Map<String, Object> s = streams(key).get(0);
            assertThat(s.get("producer")).as(key).isEqualTo(PRODUCER);
            assertThat(((Number) s.get("epoch")).longValue()).as(key).isEqualTo(EPOCH);
            assertThat(((Number) s.get("startSeq")).longValue()).as(key).isZero();
            assertThat(((Number) s.get("highestSeq")).longValue()).as(key).isEqualTo(2);
            assertThat((List<?>) s.get("missing")).as(key).isEmpty();
            assertThat(((Number) s.get("duplicates")).longValue()).as(key).isZero();
        }

        JsonPath after = summary();
        for (String reason : HeaderParser.REASONS) {
            assertThat(invalid(after, reason) - invalid(before, reason)).as("invalid.%s", reason)
                    .isEqualTo(expectedByReason.getOrDefault(reason, 0L));
        }
        assertThat(records(after, "invalid") - records(before, "invalid")).isEqualTo(CASES.size());
        assertThat(records(after, "in_order") - records(before, "in_order")).isEqualTo(3L * CASES.size());
        for (String outcome : List.of("out_of_order", "late", "duplicate", "joined_late", "unstamped")) {
            assertThat(records(after, outcome) - records(before, outcome)).as("records.%s", outcome).isZero();
        }
        assertThat(after.getLong("suspected")).isEqualTo(before.getLong("suspected"));
        assertThat(after.getLong("lostTotal")).isEqualTo(before.getLong("lostTotal"));

        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
            String metricsAfter = metrics();
            for (String reason : HeaderParser.REASONS) {
                String label = "reason=\"" + reason + "\"";
                assertThat(AuditEndToEndTest.metric(metricsAfter, "seqaudit_invalid_total", label)
                        - AuditEndToEndTest.metric(metricsBefore, "seqaudit_invalid_total", label))
                        .as("seqaudit_invalid_total{%s}", label)
                        .isEqualTo(expectedByReason.getOrDefault(reason, 0L).doubleValue());
            }
            String invalidOutcome = "outcome=\"invalid\"";
            assertThat(AuditEndToEndTest.metric(metricsAfter, "seqaudit_records_total", invalidOutcome)
                    - AuditEndToEndTest.metric(metricsBefore, "seqaudit_records_total", invalidOutcome))
                    .isEqualTo((double) CASES.size());
        });
    }

    private static ProducerRecord<String, String> stamped(String key, long seq) {
        ProducerRecord<String, String> r = new ProducerRecord<>(T, key, "seq " + seq);
        r.headers().add(HeaderParser.PRODUCER, ascii(PRODUCER));
        r.headers().add(HeaderParser.EPOCH, ascii(Long.toString(EPOCH)));
        r.headers().add(HeaderParser.SEQ, ascii(Long.toString(seq)));
        return r;
    }

    private static void put(Headers headers, String name, byte[] value) {
        if (value != null) {
            headers.add(name, value);
        }
    }

    private static JsonPath summary() {
        return asViewer().get("/api/v1/summary").then().statusCode(200).extract().jsonPath();
    }

    private static String metrics() {
        return given().get("/q/metrics").then().statusCode(200).extract().asString();
    }

    /** invalid.{reason} of the summary, 0 while the reason was never counted. */
    private static long invalid(JsonPath summary, String reason) {
        Map<String, Object> invalid = summary.getMap("invalid");
        Object v = invalid == null ? null : invalid.get(reason);
        return v == null ? 0 : ((Number) v).longValue();
    }

    private static long records(JsonPath summary, String outcome) {
        return summary.getLong("records." + outcome);
    }

    private static List<Map<String, Object>> streams(String key) {
        return asViewer().queryParam("topic", T).queryParam("key", key).get("/api/v1/streams").then().statusCode(200)
                .extract().jsonPath().getList("$");
    }
}
