package io.seqaudit.it;

import static io.seqaudit.it.ApiAuth.asViewer;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.restassured.RestAssured;
import io.restassured.path.json.JsonPath;
import io.restassured.specification.RequestSpecification;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** What the tests read from the service under test (a {@code @QuarkusTest}): one topic's totals, streams, metrics. */
final class ServiceReads {

    private static final ObjectMapper JSON = new ObjectMapper();

    private ServiceReads() {
    }

    /** One topic's part of {@code GET /api/v1/summary}. */
    static JsonPath topicSummary(String topic) {
        String all = asViewer().get("/api/v1/summary").then().statusCode(200).extract().asString();
        Object t = JsonPath.from(all).getMap("topics").get(topic);
        return JsonPath.from(JSON.valueToTree(t).toString());
    }

    /**
     * Every item of a paged list of one topic ({@code /api/v1/gaps}, {@code /api/v1/duplicates}): the pages of
     * {@link io.seqaudit.api.Page#MAX_LIMIT} items, following {@code next} until it is null.
     *
     * @param state the gap state to list, or null for all (duplicates: null)
     */
    static List<Map<String, Object>> allItems(String path, String topic, String state) {
        List<Map<String, Object>> out = new ArrayList<>();
        String cursor = null;
        do {
            RequestSpecification req = asViewer().queryParam("topic", topic).queryParam("limit",
                    io.seqaudit.api.Page.MAX_LIMIT);
            if (state != null) {
                req = req.queryParam("state", state);
            }
            if (cursor != null) {
                req = req.queryParam("cursor", cursor);
            }
            JsonPath page = req.get(path).then().statusCode(200).extract().jsonPath();
            out.addAll(page.getList("items"));
            cursor = page.getString("next");
        } while (cursor != null);
        return out;
    }

    /** A total of a summary, 0 while it was never counted (absent). */
    static long total(JsonPath summary, String path) {
        Number n = summary.get(path);
        return n == null ? 0 : n.longValue();
    }

    /** {@code GET /api/v1/streams} of one key: its streams, one per producer epoch. */
    static JsonPath stream(String topic, String key) {
        return asViewer().queryParam("topic", topic).queryParam("key", key).get("/api/v1/streams").then()
                .statusCode(200).extract().jsonPath();
    }

    /** The sum of a metric's series of one topic at {@code /q/metrics}. */
    static double metric(String name, String topic) {
        String text = RestAssured.given().get("/q/metrics").then().extract().asString();
        return text.lines().filter(l -> l.startsWith(name + "{") && l.contains("topic=\"" + topic + "\""))
                .mapToDouble(l -> Double.parseDouble(l.substring(l.lastIndexOf(' ') + 1))).sum();
    }
}
