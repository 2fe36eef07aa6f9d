package io.seqaudit.deploy;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import java.io.IOException;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Every metric the alert rules and the dashboard use is one the service really exports: scraped from the running
 * service's /q/metrics (a topic is configured, so the per-topic series exist), not taken from a list. Label values
 * the rules and panels select on (outcome="duplicate", state="suspected", ...) must appear in the scrape too.
 */
@QuarkusTest
@TestProfile(DeployTestProfile.class)
class ExportedMetricsTest {

    /**
     * Metrics of features that have not landed yet, and only those. Each is used by a rule or panel on purpose and
     * is marked there as depending on its issue. Remove an entry when its issue lands: the test then checks it.
     */
    private static final Set<String> NOT_YET_EXPORTED = Set.of();

    /** Series Prometheus makes itself for every scrape target, not exported by the service. */
    private static final Set<String> PROMETHEUS_OWN = Set.of("up");

    private static final Pattern METRIC = Pattern.compile("\\b(seqaudit_[a-zA-Z0-9_]+|up)\\b(\\{([^}]*)\\})?");
    private static final Pattern EQUALS = Pattern.compile("([a-zA-Z_][a-zA-Z0-9_]*)\\s*=\\s*\"([^\"]*)\"");

    /** metric name -> the label sets of its series, from the service's own scrape. */
    private static Map<String, List<Map<String, String>>> exported;

    /** Scrapes once per class (RestAssured knows the test port only once a test runs, not in @BeforeAll). */
    @BeforeEach
    void scrape() {
        if (exported != null) {
            return;
        }
        String text = given().get("/q/metrics").then().statusCode(200).extract().asString();
        Map<String, List<Map<String, String>>> series = new HashMap<>();
        Pattern line = Pattern.compile("^([a-zA-Z_:][a-zA-Z0-9_:]*)(\\{(.*)\\})? \\S+.*$");
        for (String l : text.lines().toList()) {
            Matcher m = line.matcher(l);
            if (l.startsWith("#") || !m.matches()) {
                continue;
            }
            Map<String, String> labels = new HashMap<>();
            if (m.group(3) != null) {
                Matcher kv = EQUALS.matcher(m.group(3));
                while (kv.find()) {
                    labels.put(kv.group(1), kv.group(2));
                }
            }
            series.computeIfAbsent(m.group(1), k -> new ArrayList<>()).add(labels);
        }
        exported = series;
        assertThat(exported).as("per-topic series of the configured topic").containsKey("seqaudit_records_total");
        assertThat(exported.get("seqaudit_records_total"))
                .anySatisfy(s -> assertThat(s).containsEntry("topic", DeployTestProfile.TOPIC));
    }

    @Test
    void everySeqauditMetricHasHelpTextAndTheReplayCounterATopic() {
        String text = given().get("/q/metrics").then().statusCode(200).extract().asString();
        Map<String, String> help = new HashMap<>();
        Pattern helpLine = Pattern.compile("^# HELP (seqaudit_[a-zA-Z0-9_]+) ?(.*)$");
        text.lines().map(helpLine::matcher).filter(Matcher::matches).forEach(m -> help.put(m.group(1), m.group(2)));
        for (String name : exported.keySet()) {
            if (name.startsWith("seqaudit_")) {
                String family = help.containsKey(name) ? name : name.replaceAll("_(total|created)$", "");
                assertThat(help.getOrDefault(family, help.get(family + "_total"))).as("HELP of " + name)
                        .isNotBlank();
            }
        }
        assertThat(exported.get("seqaudit_replays_total"))
                .allSatisfy(s -> assertThat(s).containsKey("topic").containsKey("outcome"));
    }

    @Test
    void everyMetricOfTheAlertRulesIsExported() {
        List<String> exprs = new ArrayList<>();
        for (JsonNode group : Kustomize.documents(Deploy.RULES).get(0).path("groups")) {
            group.path("rules").forEach(r -> exprs.add(r.path("expr").asText()));
        }
        Set<String> used = checkAll(exprs, "alert rules");
        assertThat(used).contains("seqaudit_missing", "seqaudit_records_total", "seqaudit_lag_records", "up",
                "seqaudit_replays_total", "seqaudit_state_lost", "seqaudit_failures_total");
    }

    @Test
    void everyMetricOfTheDashboardIsExported() throws IOException {
        JsonNode d = Kustomize.YAML.readTree(Files.readString(Deploy.DASHBOARD));
        List<String> exprs = new ArrayList<>();
        collect(d, exprs);
        assertThat(exprs).hasSizeGreaterThan(10);
        Set<String> used = checkAll(exprs, "dashboard");
        assertThat(used).contains("seqaudit_records_total", "seqaudit_missing", "seqaudit_lost_total",
                "seqaudit_lag_records", "seqaudit_replays_total");
    }

    /** Checks every metric and equality label matcher of the expressions; returns the metric names used. */
    private static Set<String> checkAll(List<String> exprs, String where) {
        Set<String> used = new TreeSet<>();
        Set<String> skipped = new HashSet<>();
        for (String expr : exprs) {
            Matcher m = METRIC.matcher(expr);
            while (m.find()) {
                String name = m.group(1);
                used.add(name);
                if (NOT_YET_EXPORTED.contains(name)) {
                    skipped.add(name);
                    continue;
                }
                if (PROMETHEUS_OWN.contains(name)) {
                    continue;
                }
                assertThat(exported).as(where + " use " + name + " in: " + expr).containsKey(name);
                if (m.group(3) == null) {
                    continue;
                }
                Matcher kv = EQUALS.matcher(m.group(3));
                // Only equality matchers: the pattern skips =~ and != (topic=~"$topic").
                while (kv.find()) {
                    String label = kv.group(1);
                    String value = kv.group(2);
                    assertThat(exported.get(name)).as(where + ": a series " + name + "{" + label + "=\"" + value
                            + "\"} in: " + expr).anySatisfy(s -> assertThat(s).containsEntry(label, value));
                }
            }
        }
        // The exemption list holds only metrics that are really used and really missing.
        for (String n : skipped) {
            assertThat(exported).as(n + " is exported now: take it off NOT_YET_EXPORTED").doesNotContainKey(n);
        }
        return used;
    }

    /** The expressions of a dashboard: every target's expr and every query variable's query. */
    private static void collect(JsonNode n, List<String> out) {
        if (n.isObject()) {
            for (Iterator<Map.Entry<String, JsonNode>> it = n.fields(); it.hasNext();) {
                Map.Entry<String, JsonNode> e = it.next();
                if ((e.getKey().equals("expr") || e.getKey().equals("definition")) && e.getValue().isTextual()) {
                    out.add(e.getValue().asText());
                } else {
                    collect(e.getValue(), out);
                }
            }
        } else if (n.isArray()) {
            n.forEach(c -> collect(c, out));
        }
    }
}
