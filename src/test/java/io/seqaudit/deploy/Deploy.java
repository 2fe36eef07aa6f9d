package io.seqaudit.deploy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.Reader;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Stream;

/** Where deploy/ and the service's own configuration are, and small lookups over rendered manifests. */
final class Deploy {

    /** Maven runs the tests in the project's root. */
    static final Path ROOT = Path.of("").toAbsolutePath();
    static final Path DEPLOY = ROOT.resolve("deploy");
    static final Path K8S = DEPLOY.resolve("kubernetes");
    static final Path EXAMPLES = DEPLOY.resolve("examples");
    static final Path RULES = DEPLOY.resolve("prometheus/seqaudit-rules.yml");
    static final Path RULE_TESTS = DEPLOY.resolve("prometheus/tests");
    static final Path PROMETHEUS_RULE = K8S.resolve("components/prometheus-rules/30-prometheusrule.yaml");
    static final Path DASHBOARD = DEPLOY.resolve("grafana/seqaudit-dashboard.json");
    static final Path DASHBOARD_CONFIGMAP = K8S.resolve("components/grafana-dashboard/40-dashboard-configmap.yaml");
    static final Path DOCKERFILE = ROOT.resolve("src/main/docker/Dockerfile.jvm");
    static final Path RUNBOOK = ROOT.resolve("docs/runbook.md");

    /** The examples, one per way of running seqaudit; each one renders base + components. */
    static final String NATIVE = "native-sidecar";
    static final String CLASSIC = "classic-sidecar";
    static final String STANDALONE = "standalone";
    static final List<String> VARIANTS = List.of(NATIVE, CLASSIC, STANDALONE);

    private Deploy() {
    }

    /** Each example as rendered once per test JVM ({@code kubectl kustomize}), a test's call after call. */
    private static final Map<String, List<ObjectNode>> RENDERED = new ConcurrentHashMap<>();

    /** What {@code kubectl kustomize} renders for an example: a fresh copy each call, for a test may change it. */
    static List<ObjectNode> render(String example) {
        List<ObjectNode> rendered = RENDERED.computeIfAbsent(example, e -> Kustomize.build(EXAMPLES.resolve(e)));
        List<ObjectNode> copy = new ArrayList<>();
        rendered.forEach(r -> copy.add(r.deepCopy()));
        return copy;
    }

    static List<Path> yamlFiles() {
        try (Stream<Path> s = Files.walk(DEPLOY)) {
            return s.filter(Files::isRegularFile)
                    .filter(p -> p.toString().endsWith(".yaml") || p.toString().endsWith(".yml")).sorted().toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** src/main/resources/application.properties, the service's packaged configuration. */
    static Properties applicationProperties() {
        Properties p = new Properties();
        try (Reader r = Files.newBufferedReader(ROOT.resolve("src/main/resources/application.properties"))) {
            p.load(r);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return p;
    }

    static Optional<ObjectNode> find(List<ObjectNode> resources, String kind, String name) {
        return resources.stream().filter(r -> kind.equals(r.path("kind").asText()))
                .filter(r -> name.equals(r.path("metadata").path("name").asText())).findFirst();
    }

    static List<ObjectNode> ofKind(List<ObjectNode> resources, String kind) {
        return resources.stream().filter(r -> kind.equals(r.path("kind").asText())).toList();
    }

    /** A seqaudit container in a pod spec: where it is (containers or initContainers) and the container. */
    record Placed(String list, JsonNode container, JsonNode podSpec, JsonNode workload) {
    }

    /** Every container named seqaudit in the rendered workloads. */
    static List<Placed> seqauditContainers(List<ObjectNode> resources) {
        List<Placed> out = new ArrayList<>();
        for (ObjectNode w : ofKind(resources, "Deployment")) {
            JsonNode spec = w.path("spec").path("template").path("spec");
            for (String list : List.of("containers", "initContainers")) {
                for (JsonNode c : spec.path(list)) {
                    if ("seqaudit".equals(c.path("name").asText())) {
                        out.add(new Placed(list, c, spec, w));
                    }
                }
            }
        }
        return out;
    }

    /** The number a probe's port stands for (a number, or the name of one of the container's ports). */
    static int port(JsonNode container, JsonNode port) {
        if (port.isInt()) {
            return port.asInt();
        }
        for (JsonNode p : container.path("ports")) {
            if (port.asText().equals(p.path("name").asText())) {
                return p.path("containerPort").asInt();
            }
        }
        throw new AssertionError("container " + container.path("name").asText() + " has no port named " + port);
    }
}
