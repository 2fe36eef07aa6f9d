package io.seqaudit.bench;

import io.seqaudit.api.security.TokenFile;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;

/**
 * One seqaudit service JVM ({@code java -jar quarkus-run.jar}) auditing one topic with its own Redis prefix and
 * consumer group, on a free HTTP port. {@link #close()} stops it and deletes its Redis keys.
 */
final class Service implements AutoCloseable {

    static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    final String prefix;
    final String topic;
    final String api;
    /** A bearer token (role viewer) for the API, made for this service; its file holds only the hash. */
    final String token;
    /** A bearer token of role operator (the re-audit), made as {@link #token}. */
    private final String operatorToken;
    final Path log;
    private final Process process;
    private final Options o;

    private Service(Options o, String topic, String name, String prefix, Map<String, String> extraEnv) {
        this.o = o;
        this.topic = topic;
        this.prefix = prefix;
        int port = freePort();
        this.api = "http://127.0.0.1:" + port;
        this.log = o.logDir().resolve(o.runId() + "-" + name + ".log");
        this.token = randomToken();
        this.operatorToken = randomToken();
        Path tokens = o.logDir().resolve(o.runId() + "-" + name + ".tokens");
        try {
            Files.writeString(tokens, "viewer:" + TokenFile.hash(token) + ":bench\noperator:"
                    + TokenFile.hash(operatorToken) + ":bench-operator\n");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        Map<String, String> env = new HashMap<>();
        env.put("SEQAUDIT_TOPICS", topic);
        env.put("SEQAUDIT_STATE_PREFIX", prefix);
        env.put("SEQAUDIT_AUDIT_GROUP_ID", prefix);
        env.put("SEQAUDIT_STATE_IDLE_AFTER", o.idleAfter());
        env.put("QUARKUS_HTTP_PORT", Integer.toString(port));
        env.put("KAFKA_BOOTSTRAP_SERVERS", o.bootstrap());
        env.put("QUARKUS_REDIS_HOSTS", "redis://" + o.redisHost() + ":" + o.redisPort());
        env.put("SEQAUDIT_API_TOKENS_FILE", tokens.toAbsolutePath().toString());
        env.put("SEQAUDIT_AUDIT_BEACON_TOPIC", o.beaconTopic());
        env.putAll(extraEnv);
        // The collector the container image runs the service with (src/main/docker/Dockerfile.jvm): the figures are
        // those of the service as deployed. With G1 (java's default here) it audits about a quarter fewer records
        // per CPU second (docs/benchmarks.md, sixth session); SEQAUDIT_BENCH_JAVA_OPTS="-XX:-UseParallelGC
        // -XX:+UseG1GC" measures that.
        List<String> args = new java.util.ArrayList<>(List.of("-Xmx1g", "-XX:+UseParallelGC"));
        // For profiling a run, e.g. SEQAUDIT_BENCH_JAVA_OPTS=-XX:StartFlightRecording=filename=/tmp/{name}.jfr
        // ({name}: the service's role in the run, e.g. audit-1, so that each start keeps its own recording).
        String extra = System.getenv("SEQAUDIT_BENCH_JAVA_OPTS");
        if (extra != null && !extra.isBlank()) {
            args.addAll(List.of(extra.trim().replace("{name}", name).split("\\s+")));
        }
        args.addAll(List.of("-jar", o.jar().toString()));
        this.process = Children.startJava(args, env, log);
    }

    /** Starts the service and waits until its readiness check answers 200 (at most 90 s). */
    static Service start(Options o, String topic, String name, Map<String, String> extraEnv) {
        return start(o, topic, name, prefix(o, name), extraEnv);
    }

    /**
     * Starts a service with a given state prefix, which is also its consumer group: services started with one
     * prefix share the topic's partitions and its state (see {@link #prefix(Options, String)}).
     */
    static Service start(Options o, String topic, String name, String prefix, Map<String, String> extraEnv) {
        Service s = new Service(o, topic, name, prefix, extraEnv);
        try {
            long deadline = System.currentTimeMillis() + 90_000;
            while (!s.ready()) {
                if (!s.process.isAlive()) {
                    throw new IllegalStateException("the service exited during start-up: " + s.tail());
                }
                if (System.currentTimeMillis() > deadline) {
                    throw new IllegalStateException("the service did not get ready in 90 s: " + s.tail());
                }
                Thread.sleep(100);
            }
            return s;
        } catch (InterruptedException | RuntimeException e) {
            s.close();
            if (e instanceof InterruptedException) {
                Thread.currentThread().interrupt();
            }
            throw e instanceof RuntimeException r ? r : new IllegalStateException(e);
        }
    }

    private boolean ready() {
        try {
            return HTTP.send(HttpRequest.newBuilder(URI.create(api + "/q/health/ready"))
                    .timeout(Duration.ofSeconds(2)).build(), HttpResponse.BodyHandlers.discarding())
                    .statusCode() == 200;
        } catch (IOException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    /** The Redis prefix of this run for a name, {@code seqaudit-<run id>-<name>}: what the clean-ups match. */
    static String prefix(Options o, String name) {
        return "seqaudit-" + o.runId() + "-" + name;
    }

    boolean alive() {
        return process.isAlive();
    }

    long pid() {
        return process.pid();
    }

    /** Redis key of this service's topic, e.g. {@code offsets} → {@code <prefix>:{<topic>}:offsets}. */
    String key(String name) {
        return prefix + ":{" + topic + "}:" + name;
    }

    /** Glob of every Redis key this service wrote (the prefix itself never contains glob characters). */
    String keyPattern() {
        return prefix + ":*";
    }

    /** The last lines of the service's log, for error messages. */
    String tail() {
        try {
            List<String> lines = Files.readAllLines(log);
            return "\n  " + String.join("\n  ", lines.subList(Math.max(0, lines.size() - 15), lines.size()))
                    + "\n  (log: " + log + ")";
        } catch (IOException e) {
            return "(no log at " + log + ")";
        }
    }

    /** Stops the JVM and keeps its Redis keys (services sharing a prefix: stop all, then close). */
    void stop() {
        Children.stop(process);
    }

    /** Stops the JVM, then deletes every Redis key under its prefix. */
    @Override
    public void close() {
        Children.stop(process);
        try (Resp redis = new Resp(o.redisHost(), o.redisPort())) {
            redis.deleteMatching(keyPattern());
        }
    }

    private static String randomToken() {
        byte[] random = new byte[32];
        new SecureRandom().nextBytes(random);
        return HexFormat.of().formatHex(random);
    }

    /** Re-audits the topic ({@code POST /api/v1/topics/{topic}/reaudit}, role operator): 202 or it throws. */
    void reaudit() throws IOException, InterruptedException {
        HttpRequest req = HttpRequest.newBuilder(java.net.URI.create(api + "/api/v1/topics/" + topic + "/reaudit"))
                .header("Authorization", "Bearer " + operatorToken).timeout(Duration.ofSeconds(30))
                .POST(HttpRequest.BodyPublishers.noBody()).build();
        HttpResponse<String> r = HTTP.send(req, HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() != 202) {
            throw new IllegalStateException("re-audit of " + topic + " answered " + r.statusCode() + ": " + r.body());
        }
    }

    private static int freePort() {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
