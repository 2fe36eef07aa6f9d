package io.seqaudit.it;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * The auditor as a separate process, started from the runner jar ({@code java -jar quarkus-run.jar}) the way it
 * is deployed: configured by environment variables only, its output written to a log file for diagnosis. Can be
 * killed hard ({@link #kill()}: SIGKILL on Linux, i.e. {@code kill -9}) or stopped cleanly ({@link #close()}).
 *
 * <pre>
 * AuditorProcess a = AuditorProcess.start("audit-a", Path.of("target/a.log"), Map.of(
 *         "SEQAUDIT_TOPICS", topic, "SEQAUDIT_AUDIT_GROUP_ID", "g", "SEQAUDIT_STATE_PREFIX", "p"));
 * a.awaitReady(Duration.ofSeconds(60));
 * String summary = a.get("/api/v1/summary");
 * int exit = a.kill(); // 137
 * </pre>
 */
public final class AuditorProcess implements AutoCloseable {

    /** Exit code of a process killed by SIGKILL, as Java reports it on Linux (128 + 9). */
    public static final int SIGKILL_EXIT = 137;

    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    private final String name;
    private final Process process;
    private final int port;
    private final Path log;

    private AuditorProcess(String name, Process process, int port, Path log) {
        this.name = name;
        this.process = process;
        this.port = port;
        this.log = log;
    }

    /** The runner jar: system property {@code seqaudit.runner.jar} (set by failsafe), else the usual place. */
    public static Path runnerJar() {
        Path jar = Paths.get(System.getProperty("seqaudit.runner.jar", "target/quarkus-app/quarkus-run.jar"));
        if (!Files.isRegularFile(jar)) {
            throw new IllegalStateException("No runner jar at " + jar.toAbsolutePath() + ": run mvn package first");
        }
        return jar;
    }

    /**
     * Starts {@code java -Xmx512m -jar <runner jar>} with {@code env} added to this JVM's environment. The HTTP
     * port is a free one unless {@code env} gives {@code QUARKUS_HTTP_PORT}; {@code KAFKA_BOOTSTRAP_SERVERS}
     * defaults to {@link KafkaSupport#bootstrap()}. Output (stdout and stderr) goes to {@code log}, replaced.
     */
    public static AuditorProcess start(String name, Path log, Map<String, String> env) {
        Map<String, String> all = new LinkedHashMap<>();
        all.put("KAFKA_BOOTSTRAP_SERVERS", KafkaSupport.bootstrap());
        all.put("QUARKUS_HTTP_PORT", String.valueOf(freePort()));
        // The API needs a token: the test tokens file (ApiAuth), as a deployment mounts its Secret.
        all.put("SEQAUDIT_API_TOKENS_FILE", Paths.get("src/test/resources/test-tokens").toAbsolutePath().toString());
        all.putAll(env);
        int port = Integer.parseInt(all.get("QUARKUS_HTTP_PORT"));
        List<String> cmd = new ArrayList<>();
        cmd.add(Paths.get(System.getProperty("java.home"), "bin", "java").toString());
        cmd.add("-Xmx512m");
        cmd.add("-jar");
        cmd.add(runnerJar().toAbsolutePath().toString());
        try {
            Files.createDirectories(log.toAbsolutePath().getParent());
            ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.to(log.toFile()));
            pb.environment().putAll(all);
            return new AuditorProcess(name, pb.start(), port, log);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start " + name, e);
        }
    }

    /** A TCP port free right now on the loopback interface. */
    public static int freePort() {
        try (ServerSocket s = new ServerSocket(0)) {
            s.setReuseAddress(true);
            return s.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Waits until {@code /q/health/ready} answers 200; fails early (with the log's tail) if the process exits. */
    public AuditorProcess awaitReady(Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                throw new IllegalStateException(name + " exited with " + process.exitValue() + " before it was ready; "
                        + "log " + log + ":\n" + logTail(40));
            }
            try {
                if (status("/q/health/ready") == 200) {
                    return this;
                }
            } catch (UncheckedIOException e) {
                // not listening yet
            }
            sleep(100);
        }
        throw new IllegalStateException(name + " not ready after " + timeout + "; log " + log + ":\n" + logTail(40));
    }

    /** GETs {@code pathAndQuery} as a viewer and returns the body; fails on a status other than 200. */
    public String get(String pathAndQuery) {
        HttpResponse<String> r = send(pathAndQuery);
        if (r.statusCode() != 200) {
            throw new IllegalStateException(name + ": GET " + pathAndQuery + " answered " + r.statusCode() + ": "
                    + r.body());
        }
        return r.body();
    }

    private int status(String pathAndQuery) {
        return send(pathAndQuery).statusCode();
    }

    private HttpResponse<String> send(String pathAndQuery) {
        HttpRequest req = HttpRequest.newBuilder(URI.create(baseUri() + pathAndQuery)).timeout(Duration.ofSeconds(10))
                .header("Authorization", "Bearer " + ApiAuth.VIEWER_TOKEN).GET().build();
        try {
            return HTTP.send(req, HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            throw new UncheckedIOException(name + ": GET " + pathAndQuery, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /**
     * Kills the process hard ({@link Process#destroyForcibly()}: SIGKILL on Linux, no shutdown hooks run) and
     * waits for it to be gone. Returns its exit code ({@link #SIGKILL_EXIT} when the kill did it).
     */
    public int kill() {
        process.destroyForcibly();
        return awaitExit();
    }

    /** Freezes the process (SIGSTOP): it holds its connections and its group membership but does nothing. */
    public void freeze() {
        signal("STOP");
    }

    private void signal(String name) {
        try {
            Process kill = new ProcessBuilder("kill", "-" + name, Long.toString(process.pid())).inheritIO().start();
            if (!kill.waitFor(10, TimeUnit.SECONDS) || kill.exitValue() != 0) {
                throw new IllegalStateException("kill -" + name + " " + process.pid() + " failed");
            }
        } catch (java.io.IOException e) {
            throw new IllegalStateException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** Stops the process cleanly (SIGTERM: Quarkus shuts down, the consumer leaves its group); kills it after 15 s. */
    @Override
    public void close() {
        if (!process.isAlive()) {
            return;
        }
        process.destroy();
        try {
            if (!process.waitFor(15, TimeUnit.SECONDS)) {
                kill();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            process.destroyForcibly();
        }
    }

    private int awaitExit() {
        try {
            if (!process.waitFor(30, TimeUnit.SECONDS)) {
                throw new IllegalStateException(name + " (pid " + process.pid() + ") still alive after 30 s");
            }
            return process.exitValue();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    public boolean isAlive() {
        return process.isAlive();
    }

    public long pid() {
        return process.pid();
    }

    public int port() {
        return port;
    }

    public String baseUri() {
        return "http://127.0.0.1:" + port;
    }

    public Path log() {
        return log;
    }

    public String name() {
        return name;
    }

    /** The last {@code lines} lines of the log. */
    public String logTail(int lines) {
        try {
            List<String> all = Files.readAllLines(log);
            return String.join("\n", all.subList(Math.max(0, all.size() - lines), all.size()));
        } catch (IOException e) {
            return "(no log: " + e.getMessage() + ")";
        }
    }

    /** The lines of the log that contain {@code text}. */
    public List<String> logLines(String text) {
        try {
            return Files.readAllLines(log).stream().filter(l -> l.contains(text)).toList();
        } catch (IOException e) {
            return List.of();
        }
    }

    @Override
    public String toString() {
        return name + " (pid " + process.pid() + ", port " + port + ")";
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
