package io.seqaudit.it;

import static io.seqaudit.it.ApiAuth.asOperator;
import static io.seqaudit.it.ApiAuth.asViewer;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.restassured.RestAssured;
import io.restassured.response.Response;
import io.seqaudit.api.GapView;
import io.seqaudit.replay.ReplayView;
import java.time.Duration;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The OpenAPI document tells the truth (issue 11): for a real answer of every endpoint, the status is one the
 * document declares for the operation, and every field of the JSON body is a property of the declared schema.
 */
@QuarkusTest
@TestProfile(OpenApiAnswersTest.Profile.class)
class OpenApiAnswersTest {

    static final String RUN = UUID.randomUUID().toString().substring(0, 8);
    static final String TOPIC = "openapi-" + RUN;
    static final ObjectMapper JSON = new ObjectMapper();

    public static class Profile implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return AuditTestProfile.settings("openapi-" + RUN, TOPIC, "1s");
        }

        @Override
        public List<TestResourceEntry> testResources() {
            return List.of(new TestResourceEntry(CreatedTopic.class, CreatedTopic.args(TOPIC, 1)));
        }
    }

    /** A lost seq and a duplicate, so the list answers have items to check. */
    @BeforeAll
    static void findings() {
        try (KafkaProducer<String, String> p = KafkaSupport.producer(null, Map.of())) {
            p.send(Stamped.record(TOPIC, "k", "openapi", 1, 0));
            p.send(Stamped.record(TOPIC, "k", "openapi", 1, 2));
            p.send(Stamped.record(TOPIC, "k", "openapi", 1, 2));
        }
    }

    @Test
    void everyAnswerHasADeclaredStatusAndOnlyDocumentedFields() throws Exception {
        await().atMost(Duration.ofSeconds(60)).untilAsserted(() -> assertThat(asViewer().get("/api/v1/summary")
                .then().extract().jsonPath().getLong("lost")).isEqualTo(1));
        JsonNode doc = JSON.readTree(RestAssured.given().accept("application/json").get("/q/openapi?format=json")
                .then().statusCode(200).extract().asString());
        String t = "?topic=" + TOPIC;
        check(doc, "get", "/api/v1/summary", asViewer().get("/api/v1/summary"), 200);
        check(doc, "get", "/api/v1/gaps", asViewer().get("/api/v1/gaps" + t), 200);
        check(doc, "get", "/api/v1/gaps", asViewer().get("/api/v1/gaps" + t + "&limit=0"), 400);
        check(doc, "get", "/api/v1/gaps", asViewer().get("/api/v1/gaps" + t + "&state=gone"), 400);
        check(doc, "get", "/api/v1/duplicates", asViewer().get("/api/v1/duplicates" + t), 200);
        check(doc, "get", "/api/v1/streams", asViewer().get("/api/v1/streams" + t + "&key=k"), 200);
        check(doc, "get", "/api/v1/streams", asViewer().get("/api/v1/streams" + t), 400);
        for (String sub : List.of("coverage", "truncations", "reaudits")) {
            check(doc, "get", "/api/v1/topics/{topic}/" + sub, asViewer().get("/api/v1/topics/" + TOPIC + "/" + sub),
                    200);
        }
        check(doc, "get", "/api/v1/replays", asViewer().get("/api/v1/replays" + t), 200);
        check(doc, "post", "/api/v1/replays", asOperator().contentType("application/json").body("[]")
                .post("/api/v1/replays"), 400);
    }

    @Test
    void gapAndReplayStatesAreDocumentedAsTheTagsTheApiWritesAndAccepts() throws Exception {
        JsonNode doc = JSON.readTree(RestAssured.given().accept("application/json").get("/q/openapi?format=json")
                .then().statusCode(200).extract().asString());
        List<String> gapStates = java.util.Arrays.stream(GapView.State.values()).map(GapView.State::tag).toList();
        assertThat(filterStates(doc, "/api/v1/gaps")).as("the gaps' state filter").isEqualTo(gapStates);
        assertThat(propertyStates(doc, "GapView")).as("GapView.state").isEqualTo(gapStates);
        List<String> replayStates = java.util.Arrays.stream(ReplayView.State.values()).map(ReplayView.State::tag)
                .toList();
        assertThat(filterStates(doc, "/api/v1/replays")).as("the replays' state filter").isEqualTo(replayStates);
        assertThat(propertyStates(doc, "ReplayView")).as("ReplayView.state").isEqualTo(replayStates);
    }

    /** The values the document allows for the {@code state} query parameter of {@code GET path}. */
    private static List<?> filterStates(JsonNode doc, String path) {
        for (JsonNode p : doc.path("paths").path(path).path("get").path("parameters")) {
            if (p.path("name").asText().equals("state")) {
                return JSON.convertValue(resolve(doc, p.path("schema")).path("enum"), List.class);
            }
        }
        throw new AssertionError("no state parameter of GET " + path);
    }

    /** The values the document allows for the {@code state} property of a schema. */
    private static List<?> propertyStates(JsonNode doc, String schema) {
        JsonNode state = resolve(doc, doc.path("components").path("schemas").path(schema)).path("properties")
                .path("state");
        return JSON.convertValue(resolve(doc, state).path("enum"), List.class);
    }

    /** The answer's status is declared for the operation, and its body has no field the schema does not name. */
    private static void check(JsonNode doc, String method, String path, Response answer, int expected)
            throws Exception {
        assertThat(answer.statusCode()).as(method + " " + path).isEqualTo(expected);
        JsonNode op = doc.path("paths").path(path).path(method);
        assertThat(op.isMissingNode()).as(method + " " + path + " in the document").isFalse();
        JsonNode response = op.path("responses").path(String.valueOf(expected));
        assertThat(response.isMissingNode()).as(method + " " + path + " declares " + expected).isFalse();
        JsonNode schema = response.path("content").path("application/json").path("schema");
        assertThat(schema.isMissingNode()).as(method + " " + path + " " + expected + " has a schema").isFalse();
        conforms(doc, schema, JSON.readTree(answer.asString()), method + " " + path + " " + expected);
    }

    private static void conforms(JsonNode doc, JsonNode declared, JsonNode value, String where) {
        JsonNode schema = resolve(doc, declared);
        if (value.isArray()) {
            assertThat(schema.path("type").asText()).as(where).isEqualTo("array");
            value.forEach(v -> conforms(doc, schema.path("items"), v, where + "[]"));
        } else if (value.isObject() && schema.has("properties")) {
            Set<String> documented = new HashSet<>();
            schema.path("properties").fieldNames().forEachRemaining(documented::add);
            for (Iterator<String> it = value.fieldNames(); it.hasNext();) {
                String field = it.next();
                assertThat(documented).as(where + ": field " + field).contains(field);
                conforms(doc, schema.path("properties").path(field), value.path(field), where + "." + field);
            }
        }
    }

    private static JsonNode resolve(JsonNode doc, JsonNode schema) {
        while (schema.has("$ref")) {
            String name = schema.get("$ref").asText().substring("#/components/schemas/".length());
            schema = doc.path("components").path("schemas").path(name);
        }
        return schema;
    }
}
