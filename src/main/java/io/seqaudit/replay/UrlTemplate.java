package io.seqaudit.replay;

import io.seqaudit.replay.ReplaySource.Request;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The {@code http} source's URL template: {@code {name}} placeholders replaced by the request's values, each
 * percent-encoded (every byte outside {@code A-Z a-z 0-9 - . _ ~} as {@code %XX} of its UTF-8), so a value is safe
 * in a path segment and in a query parameter alike.
 *
 * <ul>
 * <li>{@code {topic}}, {@code {producer}}, {@code {replayId}}: as they are.
 * <li>{@code {key}}: the key's bytes read as UTF-8 (bytes that are not UTF-8 become U+FFFD: use {@code {keyBase64}}
 * for binary keys); empty for the null key.
 * <li>{@code {keyBase64}}: the key in standard base64 (with padding); empty for the null key.
 * <li>{@code {keyNull}}: {@code true} for the null key, else {@code false} (tells the null key from the empty one).
 * <li>{@code {epoch}}, {@code {fromSeq}}, {@code {toSeq}}: decimal; the range is inclusive.
 * </ul>
 */
final class UrlTemplate {

    static final List<String> PLACEHOLDERS = List.of("topic", "key", "keyBase64", "keyNull", "producer", "epoch",
            "fromSeq", "toSeq", "replayId");

    private static final Pattern PLACEHOLDER = Pattern.compile("\\{([^{}]*)}");
    private static final char[] HEX = "0123456789ABCDEF".toCharArray();

    private final String template;

    /** @throws IllegalArgumentException if the template has an unknown placeholder or is no absolute http(s) URL */
    UrlTemplate(String template) {
        if (template == null || template.isBlank()) {
            throw new IllegalArgumentException("the URL template is empty");
        }
        this.template = template.strip();
        Matcher m = PLACEHOLDER.matcher(this.template);
        while (m.find()) {
            if (!PLACEHOLDERS.contains(m.group(1))) {
                throw new IllegalArgumentException("unknown placeholder {" + m.group(1) + "} in the URL template "
                        + this.template + "; known: " + PLACEHOLDERS);
            }
        }
        URI sample;
        try {
            sample = new URI(render(new Request("r", "t", new byte[] {'k'}, "p", 0, 0, 0)));
        } catch (URISyntaxException e) {
            throw new IllegalArgumentException("the URL template " + this.template + " is not a valid URL: "
                    + e.getMessage());
        }
        if (!("http".equalsIgnoreCase(sample.getScheme()) || "https".equalsIgnoreCase(sample.getScheme()))
                || sample.getHost() == null) {
            throw new IllegalArgumentException("the URL template " + this.template
                    + " is not an absolute http:// or https:// URL with a host");
        }
    }

    /** The URL for one request. */
    URI uri(Request r) {
        return URI.create(render(r)); // valid: the template was checked and every value is percent-encoded
    }

    /** The template's scheme, host, port and path, without the query: safe to show in errors and logs. */
    String describe() {
        String t = template;
        int q = t.indexOf('?');
        return q < 0 ? t : t.substring(0, q);
    }

    private String render(Request r) {
        Matcher m = PLACEHOLDER.matcher(template);
        StringBuilder out = new StringBuilder();
        while (m.find()) {
            m.appendReplacement(out, Matcher.quoteReplacement(encode(value(m.group(1), r))));
        }
        m.appendTail(out);
        return out.toString();
    }

    private static String value(String name, Request r) {
        byte[] key = r.key();
        return switch (name) {
            case "topic" -> r.topic();
            case "key" -> key == null ? "" : new String(key, StandardCharsets.UTF_8);
            case "keyBase64" -> key == null ? "" : Base64.getEncoder().encodeToString(key);
            case "keyNull" -> Boolean.toString(key == null);
            case "producer" -> r.producer();
            case "epoch" -> Long.toString(r.epoch());
            case "fromSeq" -> Long.toString(r.fromSeq());
            case "toSeq" -> Long.toString(r.toSeq());
            case "replayId" -> r.replayId();
            default -> throw new IllegalStateException("unknown placeholder " + name);
        };
    }

    /** Percent-encodes everything but the unreserved characters of RFC 3986. */
    static String encode(String value) {
        byte[] bytes = value.getBytes(StandardCharsets.UTF_8);
        StringBuilder out = new StringBuilder(bytes.length);
        for (byte b : bytes) {
            int c = b & 0xff;
            if (c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '.'
                    || c == '_' || c == '~') {
                out.append((char) c);
            } else {
                out.append('%').append(HEX[c >> 4]).append(HEX[c & 0xf]);
            }
        }
        return out.toString();
    }
}
