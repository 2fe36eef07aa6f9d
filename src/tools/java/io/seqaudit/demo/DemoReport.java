package io.seqaudit.demo;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * Reads what the seqaudit service found, through its REST API only (never from the generator's memory), and
 * compares it with what the generator injected: one row per kind of fault.
 */
public final class DemoReport {

    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private final ObjectMapper json = new ObjectMapper();
    private final String api;
    private final String topic;
    private final String token;

    /**
     * @param token the bearer token sent to the API (role viewer is enough), or null for a service with
     *     {@code seqaudit.api.auth-enabled=false}
     */
    public DemoReport(String api, String topic, String token) {
        this.api = api;
        this.topic = topic;
        this.token = token;
    }

    /** One row of the table. */
    public record Row(String fault, long injected, long detected, boolean match) {
    }

    JsonNode get(String path) {
        try {
            HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(api + path)).timeout(Duration.ofSeconds(30));
            if (token != null) {
                request.header("Authorization", "Bearer " + token);
            }
            HttpResponse<String> r = http.send(request.build(), HttpResponse.BodyHandlers.ofString());
            if (r.statusCode() != 200) {
                throw new IllegalStateException("GET " + path + " answered " + r.statusCode() + ": " + r.body());
            }
            return json.readTree(r.body());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    JsonNode summary() {
        return get("/api/v1/summary").path("topics").path(topic);
    }

    /** Records the service has audited on the topic, whatever their outcome. */
    long audited() {
        JsonNode records = summary().path("records");
        long n = 0;
        for (JsonNode v : records) {
            n += v.asLong();
        }
        return n;
    }

    /** Every item of a paged list answer, following {@code next} until it is null. */
    List<JsonNode> all(String pathAndQuery) {
        List<JsonNode> out = new ArrayList<>();
        String cursor = null;
        do {
            JsonNode page = get(pathAndQuery + (cursor == null ? "" : "&cursor=" + cursor));
            page.path("items").forEach(out::add);
            cursor = page.path("next").isTextual() ? page.path("next").asText() : null;
        } while (cursor != null);
        return out;
    }

    /** "key#seq" of every seq of the topic's gaps in {@code state}; the null key is written {@code <null>}. */
    Set<String> gapSeqs(String state) {
        return gapStages(state).keySet();
    }

    /** "key#seq" → the gap's stage, of every seq of the topic's gaps in {@code state}. */
    Map<String, String> gapStages(String state) {
        Map<String, String> out = new TreeMap<>();
        for (JsonNode g : all("/api/v1/gaps?limit=1000&state=" + state + "&topic=" + enc(topic))) {
            String key = g.path("keyBase64").isNull() ? "<null>" : g.path("key").asText();
            for (long s = g.path("fromSeq").asLong(); s <= g.path("toSeq").asLong(); s++) {
                out.put(key + "#" + s, g.path("stage").asText());
            }
        }
        return out;
    }

    Set<String> duplicateSeqs() {
        Set<String> out = new TreeSet<>();
        for (JsonNode d : all("/api/v1/duplicates?limit=1000&topic=" + enc(topic))) {
            out.add((d.path("keyBase64").isNull() ? "<null>" : d.path("key").asText()) + "#" + d.path("seq").asLong());
        }
        return out;
    }

    /** The table: injected faults against what the service reports. */
    public List<Row> rows(FaultPlan plan, TailTraffic tail, long unstamped, long malformed, long aborted,
            int duplicatesKept) {
        JsonNode s = summary();
        long lostNow = s.path("lost").asLong() - tail.lost().size();
        // Tail losses are lost for good: not part of the late-beyond-grace arithmetic below.
        long everLost = s.path("lostTotal").asLong() - tail.lost().size();
        long late = s.path("records").path("late").asLong();
        // Lost, then arrived: counted by the service itself, and every other lost seq must still be lost.
        long filled = s.path("lostFilled").asLong();
        Map<String, String> stages = gapStages("lost");
        Set<String> lost = new TreeSet<>(stages.keySet());
        lost.removeIf(TailTraffic::isTailKey);
        Set<String> tailLost = new TreeSet<>(stages.keySet());
        tailLost.removeAll(lost);
        long producerStage = lost.stream().filter(k -> "producer".equals(stages.get(k))).count();
        long tailProducerStage = tailLost.stream().filter(k -> "producer".equals(stages.get(k))).count();
        Set<String> injectedLost = plan.keySeqs(FaultPlan.Fate.LOST);
        Set<String> injectedDup = plan.keySeqs(FaultPlan.Fate.DUPLICATED);
        long dupCount = s.path("records").path("duplicate").asLong();
        boolean dupSetMatches = injectedDup.size() > duplicatesKept || duplicateSeqs().equals(injectedDup);
        long within = plan.total(FaultPlan.Fate.LATE_WITHIN);
        long beyond = plan.total(FaultPlan.Fate.LATE_BEYOND);
        List<Row> rows = new ArrayList<>();
        rows.add(new Row("producer-stage loss (seqs)", injectedLost.size(), lost.size(), lost.equals(injectedLost)));
        rows.add(new Row("  of them with stage producer (beacons)", injectedLost.size(), producerStage,
                producerStage == injectedLost.size()));
        rows.add(new Row("tail loss, streams' last seqs (beacons)", tail.lost().size(), tailLost.size(),
                tailLost.equals(tail.lost())));
        rows.add(new Row("  of them with stage producer", tail.lost().size(), tailProducerStage,
                tailProducerStage == tail.lost().size()));
        rows.add(new Row("duplicates", injectedDup.size(), dupCount, dupCount == injectedDup.size() && dupSetMatches));
        rows.add(new Row("late, within grace", within, late - filled, late - filled == within));
        rows.add(new Row("late, beyond grace (lost, then arrived)", beyond, filled,
                filled == beyond && everLost - lostNow == beyond));
        long unstampedSeen = s.path("records").path("unstamped").asLong();
        long invalidSeen = s.path("records").path("invalid").asLong();
        rows.add(new Row("unstamped", unstamped, unstampedSeen, unstampedSeen == unstamped));
        rows.add(new Row("malformed headers (invalid)", malformed, invalidSeen, invalidSeen == malformed));
        long abortedSeen = s.path("aborted").asLong();
        rows.add(new Row("aborted transactions (aborted, not lost)", aborted, abortedSeen, abortedSeen == aborted));
        rows.add(new Row("still suspected", 0, s.path("suspected").asLong(), s.path("suspected").asLong() == 0));
        return rows;
    }

    static String format(List<Row> rows) {
        StringBuilder b = new StringBuilder(String.format("%-42s %10s %10s  %s%n", "fault", "injected", "detected",
                "match"));
        for (Row r : rows) {
            b.append(String.format("%-42s %10d %10d  %s%n", r.fault(), r.injected(), r.detected(),
                    r.match() ? "yes" : "NO"));
        }
        return b.toString();
    }

    private static String enc(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8);
    }
}
