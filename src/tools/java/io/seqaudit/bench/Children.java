package io.seqaudit.bench;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

/**
 * Every process the benchmark starts (service JVMs, ConsumerPerformance). Each is stopped when done, and a
 * shutdown hook stops whatever still runs when the benchmark ends, fails or is interrupted. Their pids also go to
 * a file that {@code bench.sh} reads after the JVM is gone, for the case where this JVM itself was killed.
 */
final class Children {

    private static final List<Process> RUNNING = new CopyOnWriteArrayList<>();
    private static volatile Path pidFile;

    static {
        Runtime.getRuntime().addShutdownHook(new Thread(Children::stopAll, "bench-children"));
    }

    private Children() {
    }

    static void pidFile(Path file) {
        pidFile = file;
    }

    /** Starts a Java main class or jar with the JVM running the benchmark; output goes to {@code log}. */
    static Process startJava(List<String> javaArgs, Map<String, String> env, Path log) {
        String java = ProcessHandle.current().info().command().orElse("java");
        List<String> cmd = new java.util.ArrayList<>();
        cmd.add(java);
        cmd.addAll(javaArgs);
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.to(log.toFile()));
        pb.environment().putAll(env);
        try {
            Process p = pb.start();
            RUNNING.add(p);
            Path f = pidFile;
            if (f != null) {
                Files.writeString(f, p.pid() + "\n", StandardOpenOption.CREATE, StandardOpenOption.APPEND);
            }
            return p;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start " + cmd, e);
        }
    }

    /** SIGTERM, up to 15 s for a clean exit, then SIGKILL. */
    static void stop(Process p) {
        if (p == null) {
            return;
        }
        try {
            if (p.isAlive()) {
                p.destroy();
                if (!p.waitFor(15, TimeUnit.SECONDS)) {
                    p.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
                }
            }
        } catch (InterruptedException e) {
            p.destroyForcibly();
            Thread.currentThread().interrupt();
        } finally {
            RUNNING.remove(p);
        }
    }

    static void stopAll() {
        RUNNING.forEach(Children::stop);
    }

    /** CPU seconds (user + system) a process has used so far, from /proc; NaN where /proc is not available. */
    static double cpuSeconds(long pid) {
        try {
            String stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
            String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
            // fields 14 and 15 of stat (utime, stime) are the 12th and 13th after the command name, in 1/100 s
            return (Long.parseLong(f[11]) + Long.parseLong(f[12])) / 100.0;
        } catch (IOException | RuntimeException e) {
            return Double.NaN;
        }
    }
}
