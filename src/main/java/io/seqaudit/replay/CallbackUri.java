package io.seqaudit.replay;

import io.seqaudit.replay.ReplaySource.Request;
import jakarta.ws.rs.core.UriBuilder;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * The {@code http} source's URL template ({@code seqaudit.replay.http.url}), expanded by Jakarta REST's
 * {@link UriBuilder}: each {@code {name}} placeholder is replaced by the request's value, percent-encoded for where it
 * stands ({@code /} too, so a value stays one path segment; {@code & = + /} in a query value), so the callback
 * decodes exactly the value. Immutable and thread-safe (a fresh {@link UriBuilder} per call: builders are not).
 */
final class CallbackUri {

    /** The placeholders, by their name in the template. */
    enum Placeholder {
        TOPIC("topic", Request::topic),
        /** The key's bytes read as UTF-8 (U+FFFD for bytes that are not: use keyBase64); empty for the null key. */
        KEY("key", r -> r.key() == null ? "" : new String(r.key(), StandardCharsets.UTF_8)),
        /** Standard base64 with padding; empty for the null key. */
        KEY_BASE64("keyBase64", r -> r.key() == null ? "" : Base64.getEncoder().encodeToString(r.key())),
        /** {@code true} for the null key: tells it from the empty key. */
        KEY_NULL("keyNull", r -> Boolean.toString(r.key() == null)),
        PRODUCER("producer", Request::producer),
        EPOCH("epoch", r -> Long.toString(r.epoch())),
        FROM_SEQ("fromSeq", r -> Long.toString(r.fromSeq())),
        TO_SEQ("toSeq", r -> Long.toString(r.toSeq())),
        REPLAY_ID("replayId", Request::replayId);

        private final String name;
        private final Function<Request, String> value;

        Placeholder(String name, Function<Request, String> value) {
            this.name = name;
            this.value = value;
        }

        static List<String> names() {
            return Arrays.stream(values()).map(p -> p.name).toList();
        }
    }

    private final String template;

    /** @throws IllegalArgumentException if the template has an unknown placeholder or is no absolute http(s) URL */
    CallbackUri(String template) {
        if (template == null || template.isBlank()) {
            throw new IllegalArgumentException("the URL template is empty");
        }
        this.template = template.strip();
        URI sample;
        try {
            sample = uri(new Request("r", "t", new byte[] {'k'}, "p", 0, 0, 0));
        } catch (IllegalArgumentException e) {
            // UriBuilder names a placeholder it has no value for, or the part it cannot parse.
            throw new IllegalArgumentException("the URL template " + this.template + " is not valid (" + e.getMessage()
                    + "); placeholders: " + Placeholder.names());
        }
        if (!("http".equalsIgnoreCase(sample.getScheme()) || "https".equalsIgnoreCase(sample.getScheme()))
                || sample.getHost() == null) {
            throw new IllegalArgumentException("the URL template " + this.template
                    + " is not an absolute http:// or https:// URL with a host");
        }
    }

    /** The URL for one request. */
    URI uri(Request r) {
        Map<String, Object> values = new HashMap<>();
        for (Placeholder p : Placeholder.values()) {
            values.put(p.name, p.value.apply(r));
        }
        return UriBuilder.fromUri(template).buildFromMap(values, true);
    }

    /** The template's scheme, host, port and path, without the query: safe to show in errors and logs. */
    String describe() {
        int q = template.indexOf('?');
        return q < 0 ? template : template.substring(0, q);
    }
}
