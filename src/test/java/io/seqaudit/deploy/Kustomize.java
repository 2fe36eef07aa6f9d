package io.seqaudit.deploy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;

/**
 * Renders a kustomization with the real {@code kubectl kustomize} (kubectl 1.27 or later: its kustomize knows
 * {@code components}), offline. Where kubectl is missing, the tests that render are skipped with a message that
 * says how to install it (not installed by the build: it is a binary from dl.k8s.io, and Debian's own
 * {@code kubernetes-client} is too old); the checks that read single files still run.
 */
final class Kustomize {

    static final YAMLMapper YAML = new YAMLMapper();
    /** {@code SEQAUDIT_KUBECTL} names another kubectl; default the one on the PATH. */
    static final String KUBECTL = System.getenv().getOrDefault("SEQAUDIT_KUBECTL", "kubectl");

    private Kustomize() {
    }

    /** The resources {@code kubectl kustomize dir} prints, in order. */
    static List<ObjectNode> build(Path dir) {
        Assumptions.assumeTrue(available(), "kubectl not found (" + KUBECTL + "): install kubectl 1.27+ from "
                + "https://kubernetes.io/docs/tasks/tools/ or set SEQAUDIT_KUBECTL, to render deploy/");
        try {
            Path out = Files.createTempFile("kustomize", ".yaml");
            try {
                Process p = new ProcessBuilder(KUBECTL, "kustomize", dir.toString()).redirectErrorStream(false)
                        .redirectOutput(out.toFile()).start();
                if (!p.waitFor(60, TimeUnit.SECONDS)) {
                    p.destroyForcibly();
                    throw new IllegalStateException("kubectl kustomize " + dir + " did not finish within 60s");
                }
                String err = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
                if (p.exitValue() != 0) {
                    throw new IllegalStateException("kubectl kustomize " + dir + " failed: " + err);
                }
                return documents(out);
            } finally {
                Files.deleteIfExists(out);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** Whether kubectl runs here. */
    static boolean available() {
        try {
            Process p = new ProcessBuilder(KUBECTL, "version", "--client").redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
            return p.waitFor(30, TimeUnit.SECONDS) && p.exitValue() == 0;
        } catch (IOException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    static String id(JsonNode r) {
        return r.path("kind").asText() + "/" + r.path("metadata").path("name").asText();
    }

    /** Every YAML document of a file (a file may hold several, separated by ---). */
    static List<ObjectNode> documents(Path file) {
        try (var parser = YAML.getFactory().createParser(file.toFile())) {
            List<ObjectNode> docs = new ArrayList<>();
            Iterator<ObjectNode> it = YAML.readValues(parser, ObjectNode.class);
            while (it.hasNext()) {
                ObjectNode doc = it.next();
                if (doc != null && !doc.isEmpty()) {
                    docs.add(doc);
                }
            }
            return docs;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot parse " + file, e);
        }
    }
}
