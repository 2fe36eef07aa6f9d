package io.seqaudit.it;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Runs one of the {@code deploy/local/*.sh} server scripts from a test, so tests start the servers they need the
 * same way a developer does (and a fresh machine installs what is missing). Called from the test thread; a
 * non-zero exit or a timeout throws with the script's output.
 */
final class LocalScript {

    private static final Path DIR = Paths.get("deploy", "local");

    private LocalScript() {
    }

    /** Runs {@code bash deploy/local/<script> args...}; returns its stdout; throws if it exits non-zero. */
    static String run(String script, String... args) {
        Result r = tryRun(script, args);
        if (r.exit() != 0) {
            throw new IllegalStateException(script + " " + String.join(" ", args) + " exited " + r.exit() + ":\n"
                    + r.output());
        }
        return r.stdout();
    }

    /** Like {@link #run} but returns the exit status instead of throwing (e.g. for {@code status}). */
    static Result tryRun(String script, String... args) {
        return tryRun(java.util.Map.of(), script, args);
    }

    /** Like {@link #run}, with {@code env} added to the script's environment (e.g. a port of the test's own). */
    static String run(java.util.Map<String, String> env, String script, String... args) {
        Result r = tryRun(env, script, args);
        if (r.exit() != 0) {
            throw new IllegalStateException(script + " " + String.join(" ", args) + " exited " + r.exit() + ":\n"
                    + r.output());
        }
        return r.stdout();
    }

    /** Like {@link #tryRun(String, String...)}, with {@code env} added to the script's environment. */
    static Result tryRun(java.util.Map<String, String> env, String script, String... args) {
        List<String> cmd = new ArrayList<>(List.of("bash", DIR.resolve(script).toString()));
        cmd.addAll(List.of(args));
        try {
            Path err = Files.createTempFile("seqaudit-script", ".err");
            ProcessBuilder builder = new ProcessBuilder(cmd).redirectError(err.toFile());
            builder.environment().putAll(env);
            Process p = builder.start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!p.waitFor(5, TimeUnit.MINUTES)) {
                p.destroyForcibly();
                throw new IllegalStateException(script + " " + String.join(" ", args) + " still runs after 5 min");
            }
            String stderr = Files.readString(err);
            Files.deleteIfExists(err);
            return new Result(p.exitValue(), out.strip(), stderr);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** A finished script run: exit status, stdout (stripped), stderr (the scripts log there). */
    record Result(int exit, String stdout, String stderr) {
        String output() {
            return stdout + "\n" + stderr;
        }
    }
}
