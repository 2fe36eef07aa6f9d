package io.seqaudit.deploy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A small {@code kustomize build}, since neither kustomize nor kubectl can run where the tests run. It knows just
 * what deploy/ uses, and refuses the rest, so deploy/ cannot start using a feature it would render wrongly:
 * {@code resources} (files, or directories holding a kustomization), {@code components} (kind Component) and
 * strategic merge {@code patches} (by the patch's kind and name, or by a {@code target} of kind, name and an
 * equality {@code labelSelector}). Strategic merge follows Kubernetes's merge keys for the lists deploy/ patches
 * (containers, initContainers, volumes, env by name; volumeMounts by mountPath; ports by containerPort); any
 * other list is replaced, as Kubernetes does for lists without a merge key.
 */
final class Kustomize {

    static final YAMLMapper YAML = new YAMLMapper();

    private static final Set<String> KNOWN_KEYS = Set.of("apiVersion", "kind", "resources", "components", "patches");
    private static final Map<String, String> MERGE_KEYS = Map.of("containers", "name", "initContainers", "name",
            "volumes", "name", "env", "name", "volumeMounts", "mountPath", "ports", "containerPort");

    private Kustomize() {
    }

    /** The resources {@code kustomize build dir} would print, in order. */
    static List<ObjectNode> build(Path dir) {
        ObjectNode k = kustomization(dir);
        if (!"Kustomization".equals(k.path("kind").asText())) {
            throw new IllegalArgumentException(dir + " is a " + k.path("kind").asText() + ", not a Kustomization");
        }
        List<ObjectNode> out = new ArrayList<>();
        addResources(dir, k, out);
        for (JsonNode c : k.path("components")) {
            Path cdir = dir.resolve(c.asText()).normalize();
            ObjectNode component = kustomization(cdir);
            if (!"Component".equals(component.path("kind").asText())) {
                throw new IllegalArgumentException(cdir + " is not a kind: Component");
            }
            addResources(cdir, component, out);
            applyPatches(cdir, component, out);
        }
        applyPatches(dir, k, out);
        Set<String> ids = new HashSet<>();
        for (ObjectNode r : out) {
            if (!ids.add(id(r))) {
                throw new IllegalStateException("two resources " + id(r) + " in " + dir);
            }
        }
        return out;
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

    private static ObjectNode kustomization(Path dir) {
        Path file = dir.resolve("kustomization.yaml");
        if (!Files.isRegularFile(file)) {
            throw new IllegalArgumentException("no kustomization.yaml in " + dir);
        }
        ObjectNode k = documents(file).get(0);
        k.fieldNames().forEachRemaining(f -> {
            if (!KNOWN_KEYS.contains(f)) {
                throw new IllegalArgumentException(file + ": '" + f + "' is not rendered by this test's Kustomize");
            }
        });
        return k;
    }

    private static void addResources(Path dir, ObjectNode k, List<ObjectNode> out) {
        for (JsonNode r : k.path("resources")) {
            Path p = dir.resolve(r.asText()).normalize();
            if (Files.isDirectory(p)) {
                out.addAll(build(p));
            } else {
                out.addAll(documents(p));
            }
        }
    }

    private static void applyPatches(Path dir, ObjectNode k, List<ObjectNode> out) {
        for (JsonNode p : k.path("patches")) {
            if (!p.has("path") || p.has("patch") || p.path("options").size() > 0) {
                throw new IllegalArgumentException(dir + ": only patches with a path are rendered here");
            }
            ObjectNode patch = documents(dir.resolve(p.get("path").asText())).get(0);
            JsonNode target = p.get("target");
            int applied = 0;
            for (ObjectNode r : out) {
                if (target == null ? id(r).equals(id(patch)) : selects(target, r)) {
                    ObjectNode body = patch.deepCopy();
                    if (target != null) {
                        // With a target, the patch's own name is ignored: it applies to whatever is selected.
                        ((ObjectNode) body.get("metadata")).remove("name");
                    }
                    merge(r, body);
                    applied++;
                }
            }
            if (target == null && applied == 0) {
                throw new IllegalStateException(dir + ": patch " + p.get("path").asText() + " matches no resource");
            }
        }
    }

    private static boolean selects(JsonNode target, ObjectNode r) {
        for (Iterator<String> it = target.fieldNames(); it.hasNext();) {
            String f = it.next();
            if (!Set.of("kind", "name", "labelSelector").contains(f)) {
                throw new IllegalArgumentException("target." + f + " is not rendered by this test's Kustomize");
            }
        }
        if (target.has("kind") && !target.get("kind").asText().equals(r.path("kind").asText())) {
            return false;
        }
        if (target.has("name") && !target.get("name").asText().equals(r.path("metadata").path("name").asText())) {
            return false;
        }
        if (target.has("labelSelector")) {
            JsonNode labels = r.path("metadata").path("labels");
            for (String term : target.get("labelSelector").asText().split(",")) {
                String[] kv = term.trim().split("=", 2);
                if (kv.length != 2 || kv[0].endsWith("!")) {
                    throw new IllegalArgumentException("only key=value label selectors are rendered here: " + term);
                }
                if (!kv[1].equals(labels.path(kv[0]).asText(null))) {
                    return false;
                }
            }
        }
        return true;
    }

    /** Strategic merge of {@code patch} into {@code into}. */
    static void merge(ObjectNode into, ObjectNode patch) {
        for (Iterator<Map.Entry<String, JsonNode>> it = patch.fields(); it.hasNext();) {
            Map.Entry<String, JsonNode> e = it.next();
            String key = e.getKey();
            if (key.startsWith("$")) {
                throw new IllegalArgumentException("patch directive " + key + " is not rendered here");
            }
            JsonNode value = e.getValue();
            JsonNode existing = into.get(key);
            if (value.isObject() && existing != null && existing.isObject()) {
                merge((ObjectNode) existing, (ObjectNode) value);
            } else if (value.isArray() && existing != null && existing.isArray() && MERGE_KEYS.containsKey(key)) {
                mergeList((ArrayNode) existing, (ArrayNode) value, MERGE_KEYS.get(key));
            } else {
                into.set(key, value.deepCopy());
            }
        }
    }

    private static void mergeList(ArrayNode into, ArrayNode patch, String mergeKey) {
        for (JsonNode item : patch) {
            ObjectNode match = null;
            for (JsonNode old : into) {
                if (old.path(mergeKey).equals(item.path(mergeKey))) {
                    match = (ObjectNode) old;
                }
            }
            if (match == null) {
                into.add(item.deepCopy());
            } else {
                merge(match, (ObjectNode) item);
            }
        }
    }
}
