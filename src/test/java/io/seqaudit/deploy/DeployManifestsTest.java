package io.seqaudit.deploy;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.quarkus.runtime.configuration.DurationConverter;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.seqaudit.config.SeqauditConfig;
import io.seqaudit.deploy.Deploy.Placed;
import io.smallrye.config.EnvConfigSource;
import io.smallrye.config.SmallRyeConfig;
import io.smallrye.config.SmallRyeConfigBuilder;
import io.smallrye.config.WithName;
import java.io.IOException;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.eclipse.microprofile.config.ConfigProvider;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Renders deploy/ (base + components, through each example) and checks it against the service's real
 * configuration and against the running service: probes, port, environment, security context, references, and
 * that the wrapped copies of the alert rules and the dashboard equal their sources. {@link Kustomize} renders with
 * {@code kubectl kustomize}; no container engine runs here, so the Dockerfile is checked as text.
 */
@QuarkusTest
@TestProfile(DeployTestProfile.class)
class DeployManifestsTest {

    private static final Map<String, String> PROBES = Map.of("startupProbe", "/q/health/started",
            "livenessProbe", "/q/health/live", "readinessProbe", "/q/health/ready");

    /** The Quarkus properties deploy/ may set through the environment, besides seqaudit.* and kafka.*. */
    private static final Map<String, String> QUARKUS_ENV = Map.of("QUARKUS_HTTP_PORT", "quarkus.http.port",
            "QUARKUS_REDIS_HOSTS", "quarkus.redis.hosts", "QUARKUS_REDIS_PASSWORD", "quarkus.redis.password");

    // ---- every file -------------------------------------------------------------------------------------------

    @Test
    void everyYamlFileUnderDeployParses() {
        List<Path> files = Deploy.yamlFiles();
        assertThat(files).hasSizeGreaterThan(20);
        for (Path f : files) {
            assertThatCode(() -> assertThat(Kustomize.documents(f)).as(f.toString()).isNotEmpty())
                    .as(f.toString()).doesNotThrowAnyException();
        }
    }

    @Test
    void everyKustomizationRendersAndTheVariantsHoldWhatTheyShould() {
        for (String v : Deploy.VARIANTS) {
            List<ObjectNode> r = Deploy.render(v);
            assertThat(Deploy.find(r, "ConfigMap", "seqaudit-config")).as(v).isPresent();
            assertThat(Deploy.find(r, "Secret", "seqaudit-credentials")).as(v).isPresent();
            assertThat(Deploy.seqauditContainers(r)).as(v).hasSize(1);
        }
        Placed n = Deploy.seqauditContainers(Deploy.render(Deploy.NATIVE)).get(0);
        assertThat(n.list()).isEqualTo("initContainers");
        assertThat(n.container().path("restartPolicy").asText()).isEqualTo("Always");
        assertThat(n.workload().path("metadata").path("name").asText()).isEqualTo("traffic-generator");
        // The application keeps its own container next to the sidecar.
        assertThat(n.podSpec().path("containers")).extracting(c -> c.path("name").asText()).containsExactly("app");

        Placed c = Deploy.seqauditContainers(Deploy.render(Deploy.CLASSIC)).get(0);
        assertThat(c.list()).isEqualTo("containers");
        assertThat(c.container().has("restartPolicy")).isFalse();
        // kustomize puts the patched-in sidecar first (the hand-written renderer this replaced appended it).
        assertThat(c.podSpec().path("containers")).extracting(x -> x.path("name").asText())
                .containsExactlyInAnyOrder("app", "seqaudit");

        List<ObjectNode> s = Deploy.render(Deploy.STANDALONE);
        Placed st = Deploy.seqauditContainers(s).get(0);
        assertThat(st.workload().path("metadata").path("name").asText()).isEqualTo("seqaudit");
        assertThat(Deploy.find(s, "Service", "seqaudit")).isPresent();
        assertThat(Deploy.find(s, "Deployment", "traffic-generator")).isEmpty();
    }

    /** The two sidecar components carry the same container; only restartPolicy makes one of them native. */
    @Test
    void nativeAndClassicSidecarsAreTheSameContainer() {
        JsonNode n = Deploy.seqauditContainers(Deploy.render(Deploy.NATIVE)).get(0).container().deepCopy();
        JsonNode c = Deploy.seqauditContainers(Deploy.render(Deploy.CLASSIC)).get(0).container();
        ((ObjectNode) n).remove("restartPolicy");
        assertThat(n).isEqualTo(c);
    }

    // ---- probes, port, security -------------------------------------------------------------------------------

    @ParameterizedTest
    @ValueSource(strings = {Deploy.NATIVE, Deploy.CLASSIC, Deploy.STANDALONE})
    void probesAndPortMatchTheServiceConfiguration(String variant) {
        int port = Integer.parseInt(Deploy.applicationProperties().getProperty("quarkus.http.port"));
        assertThat(port).isEqualTo(8095);
        List<ObjectNode> r = Deploy.render(variant);
        JsonNode config = Deploy.find(r, "ConfigMap", "seqaudit-config").orElseThrow().path("data");
        assertThat(config.path("QUARKUS_HTTP_PORT").asText(String.valueOf(port))).isEqualTo(String.valueOf(port));

        JsonNode container = Deploy.seqauditContainers(r).get(0).container();
        assertThat(container.path("ports")).extracting(p -> p.path("containerPort").asInt()).containsExactly(port);
        PROBES.forEach((probe, path) -> {
            JsonNode get = container.path(probe).path("httpGet");
            assertThat(get.path("path").asText()).as(variant + " " + probe).isEqualTo(path);
            assertThat(Deploy.port(container, get.path("port"))).as(variant + " " + probe).isEqualTo(port);
        });
        // The readiness check waits up to 1s for Redis's PING: a 1s probe timeout would turn an unreachable
        // Redis into an unready pod, which is exactly what readiness must not do.
        assertThat(container.path("readinessProbe").path("timeoutSeconds").asInt(1)).isGreaterThanOrEqualTo(2);
    }

    /** The probe paths of the manifests are the running service's health endpoints, and they answer. */
    @Test
    void probePathsAnswerOnTheRunningService() {
        PROBES.values().forEach(path -> given().get(path).then().statusCode(200));
    }

    @ParameterizedTest
    @ValueSource(strings = {Deploy.NATIVE, Deploy.CLASSIC, Deploy.STANDALONE})
    void runsAsNonRootWithAReadOnlyRootFileSystem(String variant) {
        Placed p = Deploy.seqauditContainers(Deploy.render(variant)).get(0);
        JsonNode sc = p.container().path("securityContext");
        assertThat(sc.path("runAsNonRoot").asBoolean()).isTrue();
        assertThat(sc.path("runAsUser").asInt(185)).isNotZero();
        assertThat(sc.path("readOnlyRootFilesystem").asBoolean()).isTrue();
        assertThat(sc.path("allowPrivilegeEscalation").asBoolean(true)).isFalse();
        assertThat(sc.path("capabilities").path("drop")).extracting(JsonNode::asText).containsExactly("ALL");
        assertThat(sc.path("capabilities").has("add")).isFalse();
        // The one writable place: /tmp on an emptyDir.
        String tmp = null;
        for (JsonNode m : p.container().path("volumeMounts")) {
            if ("/tmp".equals(m.path("mountPath").asText())) {
                tmp = m.path("name").asText();
            }
        }
        assertThat(tmp).as("a volume mounted at /tmp").isNotNull();
        String tmpName = tmp;
        assertThat(p.podSpec().path("volumes")).filteredOn(v -> tmpName.equals(v.path("name").asText()))
                .singleElement().satisfies(v -> assertThat(v.has("emptyDir")).isTrue());
        // The container requests resources and bounds its memory.
        assertThat(p.container().path("resources").path("requests").has("cpu")).isTrue();
        assertThat(p.container().path("resources").path("limits").has("memory")).isTrue();
    }

    /**
     * Every example brings the Redis it points the service to, with the settings docs/operations.md asks for: state
     * kept across restarts (AOF on a persistent volume) and never evicted (the service refuses another policy).
     */
    @ParameterizedTest
    @ValueSource(strings = {Deploy.NATIVE, Deploy.CLASSIC, Deploy.STANDALONE})
    void theExampleRedisKeepsItsStateAndNeverEvicts(String variant) {
        List<ObjectNode> r = Deploy.render(variant);
        Map<String, String> conf = new HashMap<>();
        Deploy.find(r, "ConfigMap", "redis-config").orElseThrow().path("data").path("redis.conf").asText().lines()
                .map(String::trim).filter(l -> !l.isEmpty() && !l.startsWith("#"))
                .forEach(l -> conf.put(l.split("\\s+", 2)[0], l.split("\\s+", 2)[1]));
        assertThat(conf).as(variant).containsEntry("maxmemory-policy", "noeviction")
                .containsEntry("appendonly", "yes").containsEntry("appendfsync", "everysec");
        ObjectNode redis = Deploy.find(r, "StatefulSet", "redis").orElseThrow();
        JsonNode pod = redis.path("spec").path("template").path("spec");
        JsonNode container = pod.path("containers").get(0);
        // The configuration is the one Redis reads, and its data directory is on the claimed volume.
        assertThat(container.path("args")).extracting(JsonNode::asText).containsExactly("/etc/redis/redis.conf");
        assertThat(container.path("volumeMounts")).anySatisfy(m -> {
            assertThat(m.path("mountPath").asText()).isEqualTo(conf.get("dir"));
            assertThat(redis.path("spec").path("volumeClaimTemplates")).extracting(v -> v.path("metadata")
                    .path("name").asText()).contains(m.path("name").asText());
        });
        // The service's Redis address is this Redis's Service, in the namespace the example is applied to.
        JsonNode config = Deploy.find(r, "ConfigMap", "seqaudit-config").orElseThrow().path("data");
        assertThat(Deploy.find(r, "Service", "redis")).as(variant).isPresent();
        assertThat(config.path("QUARKUS_REDIS_HOSTS").asText()).startsWith("redis://redis.").endsWith(":6379");
    }

    /**
     * The sidecar examples audit what their producing application sends: Kafka's producer load tool, without end,
     * to the topic named by the same ConfigMap key the sidecar reads, with the interceptor jar of the seqaudit image
     * on its class path.
     */
    @ParameterizedTest
    @ValueSource(strings = {Deploy.NATIVE, Deploy.CLASSIC})
    void theExampleProducerSendsStampedRecordsToTheAuditedTopicWithoutEnd(String variant) throws IOException {
        List<ObjectNode> r = Deploy.render(variant);
        ObjectNode workload = Deploy.find(r, "Deployment", "traffic-generator").orElseThrow();
        JsonNode pod = workload.path("spec").path("template").path("spec");
        JsonNode app = null;
        for (JsonNode c : pod.path("containers")) {
            if ("app".equals(c.path("name").asText())) {
                app = c;
            }
        }
        assertThat(app).isNotNull();
        List<String> args = new ArrayList<>();
        app.path("args").forEach(a -> args.add(a.asText()));
        assertThat(args.get(args.indexOf("--topic") + 1)).isEqualTo("$(SEQAUDIT_TOPICS)");
        assertThat(Long.parseLong(args.get(args.indexOf("--num-records") + 1))).isEqualTo(Long.MAX_VALUE);
        assertThat(args).contains("interceptor.classes=" + io.seqaudit.stamp.SequenceStampingInterceptor.class.getName());
        Map<String, JsonNode> env = new HashMap<>();
        app.path("env").forEach(e -> env.put(e.path("name").asText(), e));
        JsonNode topicRef = env.get("SEQAUDIT_TOPICS").path("valueFrom").path("configMapKeyRef");
        assertThat(topicRef.path("name").asText()).isEqualTo("seqaudit-config");
        assertThat(topicRef.path("key").asText()).isEqualTo("SEQAUDIT_TOPICS");
        assertThat(Deploy.find(r, "ConfigMap", "seqaudit-config").orElseThrow().path("data").path("SEQAUDIT_TOPICS")
                .asText()).as("one topic: the producer writes to exactly the audited one").doesNotContain(",");
        assertThat(env.get("CLASSPATH").path("value").asText()).isEqualTo("/interceptor/*");
        assertThat(Files.readString(Path.of("src/main/docker/Dockerfile.jvm")))
                .contains("COPY target/seqaudit-*-interceptor.jar /deployments/interceptor/");
    }

    @Test
    void dockerfileRunsAsNonRootAndExposesTheServicePort() throws IOException {
        List<String> lines = Files.readAllLines(Deploy.DOCKERFILE);
        String user = last(lines, "USER");
        assertThat(user).as("USER").isNotNull().isNotIn("0", "root", "0:0", "root:root");
        assertThat(user).matches("[1-9][0-9]*(:[0-9]+)?");
        String port = Deploy.applicationProperties().getProperty("quarkus.http.port");
        assertThat(last(lines, "EXPOSE")).isEqualTo(port);
        assertThat(lines).noneMatch(l -> l.contains("--chown")); // the code stays root-owned, read-only to 185
    }

    @Test
    void dockerfileRunsTheServiceOnTheParallelCollector() throws IOException {
        // The collector the benchmark measures the service with (docs/benchmarks.md): run-java.sh's default too,
        // but set explicitly so that a base image with another default does not silently change it.
        assertThat(Files.readAllLines(Deploy.DOCKERFILE))
                .contains("ENV GC_CONTAINER_OPTIONS=\"-XX:+UseParallelGC\"");
    }

    private static String last(List<String> lines, String instruction) {
        String v = null;
        for (String l : lines) {
            if (l.startsWith(instruction + " ")) {
                v = l.substring(instruction.length()).trim();
            }
        }
        return v;
    }

    // ---- environment and references ---------------------------------------------------------------------------

    /** Every ConfigMap and Secret that a rendered manifest refers to is rendered too, with the keys used. */
    @ParameterizedTest
    @ValueSource(strings = {Deploy.NATIVE, Deploy.CLASSIC, Deploy.STANDALONE})
    void everyReferencedConfigMapAndSecretExists(String variant) {
        List<ObjectNode> r = Deploy.render(variant);
        List<String> refs = new ArrayList<>();
        for (ObjectNode w : Deploy.ofKind(r, "Deployment")) {
            JsonNode spec = w.path("spec").path("template").path("spec");
            for (String list : List.of("containers", "initContainers")) {
                for (JsonNode c : spec.path(list)) {
                    for (JsonNode e : c.path("envFrom")) {
                        ref(r, refs, "ConfigMap", e.path("configMapRef").path("name").asText(null), null);
                        ref(r, refs, "Secret", e.path("secretRef").path("name").asText(null), null);
                    }
                    for (JsonNode e : c.path("env")) {
                        JsonNode from = e.path("valueFrom");
                        ref(r, refs, "ConfigMap", from.path("configMapKeyRef").path("name").asText(null),
                                from.path("configMapKeyRef").path("key").asText(null));
                        ref(r, refs, "Secret", from.path("secretKeyRef").path("name").asText(null),
                                from.path("secretKeyRef").path("key").asText(null));
                    }
                }
            }
            for (JsonNode v : spec.path("volumes")) {
                ref(r, refs, "ConfigMap", v.path("configMap").path("name").asText(null), null);
                ref(r, refs, "Secret", v.path("secret").path("secretName").asText(null), null);
            }
        }
        assertThat(refs).contains("ConfigMap/seqaudit-config", "Secret/seqaudit-credentials",
                "Secret/seqaudit-api-tokens");
    }

    private static void ref(List<ObjectNode> r, List<String> refs, String kind, String name, String key) {
        if (name == null) {
            return;
        }
        refs.add(kind + "/" + name);
        ObjectNode res = Deploy.find(r, kind, name).orElseThrow(() -> new AssertionError(kind + " " + name
                + " is referenced but not in the manifests"));
        if (key != null) {
            boolean has = res.path("data").has(key) || res.path("stringData").has(key);
            assertThat(has).as(kind + " " + name + " has key " + key).isTrue();
        }
    }

    /**
     * The keys of the ConfigMap and Secret loaded with envFrom are environment variables the service reads: a
     * seqaudit.* property of {@link SeqauditConfig}, a Kafka consumer property (kafka.*), or one of the few
     * Quarkus properties deploy/ sets. The seqaudit.* values must also convert (durations, numbers).
     */
    @ParameterizedTest
    @ValueSource(strings = {Deploy.NATIVE, Deploy.CLASSIC, Deploy.STANDALONE})
    void environmentNamesAreRealConfigProperties(String variant) {
        List<ObjectNode> r = Deploy.render(variant);
        Set<String> seqaudit = seqauditEnvNames();
        Set<String> consumer = ConsumerConfig.configNames();
        Map<String, String> env = new HashMap<>();
        JsonNode container = Deploy.seqauditContainers(r).get(0).container();
        for (JsonNode e : container.path("envFrom")) {
            JsonNode src = e.has("configMapRef")
                    ? Deploy.find(r, "ConfigMap", e.path("configMapRef").path("name").asText()).orElseThrow()
                    : Deploy.find(r, "Secret", e.path("secretRef").path("name").asText()).orElseThrow();
            for (String field : List.of("data", "stringData")) {
                src.path(field).fields().forEachRemaining(kv -> env.put(kv.getKey(), kv.getValue().asText()));
            }
        }
        assertThat(env).containsKeys("SEQAUDIT_TOPICS", "KAFKA_BOOTSTRAP_SERVERS", "QUARKUS_REDIS_HOSTS");
        for (String name : env.keySet()) {
            if (name.startsWith("SEQAUDIT_")) {
                assertThat(seqaudit).as(variant + ": " + name + " is a seqaudit.* property").contains(name);
            } else if (name.startsWith("KAFKA_")) {
                String prop = name.substring("KAFKA_".length()).toLowerCase().replace('_', '.');
                assertThat(consumer).as(variant + ": " + name + " is a Kafka consumer property").contains(prop);
            } else {
                assertThat(QUARKUS_ENV).as(variant + ": " + name + " is a known Quarkus property").containsKey(name);
            }
        }
        // The seqaudit.* values, mapped the way the service maps them (fails on a bad duration or number).
        Map<String, String> seqauditEnv = new HashMap<>();
        env.forEach((k, v) -> {
            if (k.startsWith("SEQAUDIT_")) {
                seqauditEnv.put(k, v);
            }
        });
        SmallRyeConfig mapped = new SmallRyeConfigBuilder().withMapping(SeqauditConfig.class)
                .withConverter(Duration.class, 200, new DurationConverter())
                .withSources(new EnvConfigSource(seqauditEnv, 300)).build();
        SeqauditConfig c = mapped.getConfigMapping(SeqauditConfig.class);
        assertThat(c.topics()).isNotEmpty();
        assertThat(c.grace()).isPositive();
        // The Quarkus ones the running service really has.
        QUARKUS_ENV.values().stream().filter(p -> !p.endsWith("password"))
                .forEach(p -> assertThat(ConfigProvider.getConfig().getOptionalValue(p, String.class)).as(p)
                        .isPresent());
    }

    /** SEQAUDIT_... for every leaf of the seqaudit.* tree, read off {@link SeqauditConfig} itself. */
    static Set<String> seqauditEnvNames() {
        Set<String> props = new TreeSet<>();
        walk(SeqauditConfig.class, "seqaudit", props);
        assertThat(props).contains("seqaudit.topics", "seqaudit.audit.group-id", "seqaudit.state.cache-streams");
        Set<String> env = new TreeSet<>();
        props.forEach(p -> env.add(p.toUpperCase().replaceAll("[^A-Z0-9]", "_")));
        return env;
    }

    private static void walk(Class<?> type, String prefix, Set<String> out) {
        for (Method m : type.getDeclaredMethods()) {
            if (m.isDefault() || Modifier.isStatic(m.getModifiers()) || m.getParameterCount() > 0) {
                continue;
            }
            WithName n = m.getAnnotation(WithName.class);
            String name = prefix + "." + (n != null ? n.value() : kebab(m.getName()));
            Class<?> rt = m.getReturnType();
            if (rt.isInterface() && rt.getName().startsWith("io.seqaudit.")) {
                walk(rt, name, out);
            } else {
                out.add(name);
            }
        }
    }

    private static String kebab(String camel) {
        return camel.replaceAll("([a-z0-9])([A-Z])", "$1-$2").toLowerCase();
    }

    // ---- monitoring -------------------------------------------------------------------------------------------

    @Test
    void podMonitorScrapesTheSidecarsAndServiceMonitorTheStandaloneService() {
        for (String v : List.of(Deploy.NATIVE, Deploy.CLASSIC)) {
            List<ObjectNode> r = Deploy.render(v);
            Placed p = Deploy.seqauditContainers(r).get(0);
            ObjectNode pm = Deploy.ofKind(r, "PodMonitor").get(0);
            JsonNode podLabels = p.workload().path("spec").path("template").path("metadata").path("labels");
            pm.path("spec").path("selector").path("matchLabels").fields().forEachRemaining(kv ->
                    assertThat(podLabels.path(kv.getKey()).asText()).as(v + " pod label " + kv.getKey())
                            .isEqualTo(kv.getValue().asText()));
            JsonNode ep = pm.path("spec").path("podMetricsEndpoints").get(0);
            assertThat(ep.path("path").asText()).isEqualTo("/q/metrics");
            assertThat(p.container().path("ports")).extracting(x -> x.path("name").asText())
                    .contains(ep.path("port").asText());
            assertJobLabel(ep);
        }
        List<ObjectNode> s = Deploy.render(Deploy.STANDALONE);
        ObjectNode svc = Deploy.find(s, "Service", "seqaudit").orElseThrow();
        ObjectNode sm = Deploy.ofKind(s, "ServiceMonitor").get(0);
        sm.path("spec").path("selector").path("matchLabels").fields().forEachRemaining(kv ->
                assertThat(svc.path("metadata").path("labels").path(kv.getKey()).asText()).isEqualTo(
                        kv.getValue().asText()));
        JsonNode ep = sm.path("spec").path("endpoints").get(0);
        assertThat(ep.path("path").asText()).isEqualTo("/q/metrics");
        assertThat(svc.path("spec").path("ports")).extracting(x -> x.path("name").asText())
                .contains(ep.path("port").asText());
        assertJobLabel(ep);
        // The Service reaches the pods, on the container's port.
        Placed p = Deploy.seqauditContainers(s).get(0);
        JsonNode podLabels = p.workload().path("spec").path("template").path("metadata").path("labels");
        svc.path("spec").path("selector").fields().forEachRemaining(kv ->
                assertThat(podLabels.path(kv.getKey()).asText()).isEqualTo(kv.getValue().asText()));
        JsonNode svcPort = svc.path("spec").path("ports").get(0);
        assertThat(Deploy.port(p.container(), svcPort.path("targetPort"))).isEqualTo(svcPort.path("port").asInt());
    }

    /** The alert rules select job="seqaudit": both monitors must name the job so. */
    private static void assertJobLabel(JsonNode endpoint) {
        assertThat(endpoint.path("relabelings")).anySatisfy(rl -> {
            assertThat(rl.path("targetLabel").asText()).isEqualTo("job");
            assertThat(rl.path("replacement").asText()).isEqualTo("seqaudit");
        });
    }

    @Test
    void prometheusRuleHoldsTheSameRulesAsThePlainFile() {
        JsonNode plain = Kustomize.documents(Deploy.RULES).get(0);
        ObjectNode wrapped = Kustomize.documents(Deploy.PROMETHEUS_RULE).get(0);
        assertThat(wrapped.path("kind").asText()).isEqualTo("PrometheusRule");
        assertThat(wrapped.path("spec")).as("deploy/generate.sh regenerates it").isEqualTo(plain);
    }

    @Test
    void everyRuleIsDocumentedLabelledAndUnitTested() throws IOException {
        String runbook = Files.readString(Deploy.RUNBOOK);
        Set<String> anchors = new LinkedHashSet<>();
        Matcher h = Pattern.compile("(?m)^#{1,6} (.+)$").matcher(runbook);
        while (h.find()) {
            anchors.add(h.group(1).trim().toLowerCase().replaceAll("[^a-z0-9 -]", "").replace(' ', '-'));
        }
        Map<String, int[]> tested = ruleTests();
        Set<String> alerts = new TreeSet<>();
        for (JsonNode group : Kustomize.documents(Deploy.RULES).get(0).path("groups")) {
            for (JsonNode rule : group.path("rules")) {
                String alert = rule.path("alert").asText();
                alerts.add(alert);
                assertThat(rule.path("labels").path("severity").asText()).as(alert).isIn("critical", "warning",
                        "info");
                for (String a : List.of("summary", "description", "runbook_url")) {
                    assertThat(rule.path("annotations").path(a).asText()).as(alert + " " + a).isNotBlank();
                }
                String url = rule.path("annotations").path("runbook_url").asText();
                assertThat(url).as(alert).startsWith("docs/runbook.md#");
                assertThat(anchors).as(alert + ": runbook section").contains(url.substring(url.indexOf('#') + 1));
                int[] t = tested.getOrDefault(alert, new int[2]);
                assertThat(t[0]).as(alert + ": a promtool test where it fires").isPositive();
                assertThat(t[1]).as(alert + ": a promtool test where it does not fire").isPositive();
            }
        }
        assertThat(alerts).containsExactlyInAnyOrder("SeqauditMessagesLost", "SeqauditGapsSuspectedTooLong",
                "SeqauditDuplicateRateHigh", "SeqauditAuditorLagging", "SeqauditAuditorNotConsuming",
                "SeqauditAuditorDown", "SeqauditReplaysFailing", "SeqauditStateLost", "SeqauditLogTruncated", "SeqauditFailing",
                "SeqauditRecordsNotAudited", "SeqauditUnreachable", "SeqauditTopicMissing", "SeqauditCoverageGap",
                "SeqauditInvalidBeacons", "SeqauditConsumerLost", "SeqauditConsumerDuplicates",
                "SeqauditInvalidReceipts");
    }

    /** Per alert, how many promtool evaluations expect it to fire [0] and not to fire [1]. */
    private static Map<String, int[]> ruleTests() throws IOException {
        Map<String, int[]> out = new HashMap<>();
        try (var files = Files.list(Deploy.RULE_TESTS)) {
            for (Path f : files.filter(p -> p.toString().endsWith(".yml")).toList()) {
                for (JsonNode test : Kustomize.documents(f).get(0).path("tests")) {
                    for (JsonNode t : test.path("alert_rule_test")) {
                        int[] n = out.computeIfAbsent(t.path("alertname").asText(), k -> new int[2]);
                        n[t.path("exp_alerts").isEmpty() ? 1 : 0]++;
                    }
                }
            }
        }
        return out;
    }

    // ---- dashboard --------------------------------------------------------------------------------------------

    @Test
    void dashboardConfigMapEmbedsTheDashboardFile() throws IOException {
        JsonNode file = Kustomize.YAML.readTree(Files.readString(Deploy.DASHBOARD));
        ObjectNode cm = Kustomize.documents(Deploy.DASHBOARD_CONFIGMAP).get(0);
        assertThat(cm.path("kind").asText()).isEqualTo("ConfigMap");
        assertThat(cm.path("metadata").path("labels").path("grafana_dashboard").asText()).isEqualTo("1");
        JsonNode embedded = Kustomize.YAML.readTree(cm.path("data").path("seqaudit-dashboard.json").asText());
        assertThat(embedded).as("deploy/generate.sh regenerates it").isEqualTo(file);
    }

    @Test
    void dashboardHasAFixedUidAndUsesTheDatasourceVariableEverywhere() throws IOException {
        JsonNode d = Kustomize.YAML.readTree(Files.readString(Deploy.DASHBOARD));
        assertThat(d.path("uid").asText()).isEqualTo("seqaudit-overview");
        assertThat(d.path("templating").path("list")).anySatisfy(v -> {
            assertThat(v.path("name").asText()).isEqualTo("datasource");
            assertThat(v.path("type").asText()).isEqualTo("datasource");
            assertThat(v.path("query").asText()).isEqualTo("prometheus");
        });
        List<JsonNode> refs = new ArrayList<>();
        collect(d, "datasource", refs);
        assertThat(refs).isNotEmpty().allSatisfy(ds -> {
            if (ds.isObject()) {
                assertThat(ds.path("uid").asText()).isEqualTo("${datasource}");
            }
        });
        List<String> titles = new ArrayList<>();
        d.path("panels").forEach(p -> titles.add(p.path("title").asText()));
        assertThat(titles).contains("Records audited per outcome", "Seqs suspected and lost now",
                "Loss rate per topic", "Duplicate rate per topic", "Auditor lag", "Replay outcomes");
    }

    private static void collect(JsonNode n, String field, List<JsonNode> out) {
        if (n.isObject()) {
            for (Iterator<Map.Entry<String, JsonNode>> it = n.fields(); it.hasNext();) {
                Map.Entry<String, JsonNode> e = it.next();
                if (e.getKey().equals(field)) {
                    out.add(e.getValue());
                }
                collect(e.getValue(), field, out);
            }
        } else if (n.isArray()) {
            n.forEach(c -> collect(c, field, out));
        }
    }

    // ---- OpenAPI ----------------------------------------------------------------------------------------------

    /** docs/openapi.yaml is written by the build (quarkus.smallrye-openapi.store-schema-directory) and committed. */
    @Test
    void openApiDocumentIsInDocs() throws IOException {
        Properties app = Deploy.applicationProperties();
        assertThat(app.getProperty("quarkus.smallrye-openapi.store-schema-directory")).isEqualTo("docs");
        JsonNode doc = Kustomize.YAML.readTree(Files.readString(Deploy.ROOT.resolve("docs/openapi.yaml")));
        assertThat(doc.path("paths").has("/api/v1/summary")).isTrue();
        assertThat(doc.path("paths").has("/api/v1/gaps")).isTrue();
    }
}
