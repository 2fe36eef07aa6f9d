package io.seqaudit.it;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

/** What an auditor process reports through its API, in the shapes the integration tests compare with the truth. */
final class Findings {

    private static final ObjectMapper JSON = new ObjectMapper();

    private Findings() {
    }

    /** Every item of a paged list answer ({@code {items, next}}), following {@code next} until it is null. */
    static List<JsonNode> all(AuditorProcess p, String pathAndQuery) {
        List<JsonNode> out = new ArrayList<>();
        String cursor = null;
        do {
            JsonNode page = json(p.get(pathAndQuery + (cursor == null ? "" : "&cursor=" + cursor)));
            page.get("items").forEach(out::add);
            cursor = page.get("next").isNull() ? null : page.get("next").asText();
        } while (cursor != null);
        return out;
    }

    /** "key#seq" of every lost seq (state lost), the null key written {@code <null>}. */
    static Set<String> lostSeqs(AuditorProcess p, String topic) {
        Set<String> out = new TreeSet<>();
        for (JsonNode g : all(p, "/api/v1/gaps?topic=" + topic + "&state=lost&limit=1000")) {
            String key = g.get("keyBase64").isNull() ? "<null>" : g.get("key").asText();
            for (long s = g.get("fromSeq").asLong(); s <= g.get("toSeq").asLong(); s++) {
                out.add(key + "#" + s);
            }
        }
        return out;
    }

    /** "key#seq" of every duplicate reported, sorted (one entry per report). */
    static List<String> duplicateSeqs(AuditorProcess p, String topic) {
        List<String> out = new ArrayList<>();
        for (JsonNode d : all(p, "/api/v1/duplicates?topic=" + topic + "&limit=1000")) {
            out.add((d.get("keyBase64").isNull() ? "<null>" : d.get("key").asText()) + "#" + d.get("seq").asLong());
        }
        out.sort(null);
        return out;
    }

    /** Every record the summary counts, whatever its outcome. */
    static long recordsCounted(JsonNode summary) {
        long n = 0;
        for (JsonNode v : summary.get("records")) {
            n += v.asLong();
        }
        return n;
    }

    static JsonNode json(String text) {
        try {
            return JSON.readTree(text);
        } catch (Exception e) {
            throw new IllegalStateException("not JSON: " + text, e);
        }
    }
}
