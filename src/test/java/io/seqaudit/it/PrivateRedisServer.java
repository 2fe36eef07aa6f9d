package io.seqaudit.it;

import static org.awaitility.Awaitility.await;

import java.io.File;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * A redis-server of a test's own, on a free port, without persistence: a test may flush it, delete its keys,
 * change its settings or restart it empty without disturbing any other test. Driven with {@code redis-cli}.
 */
public final class PrivateRedisServer {

    private final int port;
    private final String log;
    private Process process;

    public PrivateRedisServer(String name) {
        this.port = freePort();
        this.log = "target/redis-" + name + ".log";
    }

    public int port() {
        return port;
    }

    public String url() {
        return "redis://127.0.0.1:" + port;
    }

    /** Starts it empty and waits until it answers. */
    public void start() {
        try {
            process = new ProcessBuilder("redis-server", "--port", String.valueOf(port), "--bind", "127.0.0.1",
                    "--save", "", "--appendonly", "no").redirectErrorStream(true)
                    .redirectOutput(new File(log)).start();
        } catch (IOException e) {
            throw new IllegalStateException("redis-server not found: run deploy/local/redis.sh start", e);
        }
        await().atMost(Duration.ofSeconds(10)).until(this::answers);
    }

    /** Kills it with SIGKILL (no persistence: everything is gone) and starts it again, empty. */
    public void restartEmpty() {
        process.destroyForcibly();
        await().atMost(Duration.ofSeconds(10)).until(() -> !process.isAlive());
        start();
    }

    /** Freezes it (SIGSTOP): connections stay open, nothing is answered, as in a network partition. */
    public void freeze() {
        signal("STOP");
    }

    /** Lets a frozen server go on (SIGCONT). */
    public void thaw() {
        signal("CONT");
    }

    private void signal(String sig) {
        try {
            new ProcessBuilder("kill", "-" + sig, String.valueOf(process.pid())).start().waitFor();
        } catch (IOException e) {
            throw new IllegalStateException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    public void stop() {
        if (process != null) {
            process.destroy();
        }
    }

    /** Runs one command with redis-cli and returns its output lines. */
    public List<String> cli(String... args) {
        List<String> cmd = new ArrayList<>(List.of("redis-cli", "-p", String.valueOf(port)));
        cmd.addAll(List.of(args));
        try {
            Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            p.waitFor();
            return out.lines().toList();
        } catch (IOException e) {
            throw new IllegalStateException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** How many keys the server holds. */
    public long dbSize() {
        return Long.parseLong(cli("DBSIZE").get(0).trim());
    }

    private boolean answers() {
        try (Socket s = new Socket("127.0.0.1", port)) {
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    private static int freePort() {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }
}
