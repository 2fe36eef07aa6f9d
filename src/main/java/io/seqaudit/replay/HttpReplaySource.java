package io.seqaudit.replay;

import io.seqaudit.config.SeqauditConfig;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * The {@code http} source: asks the application's callback (in a pod, usually on localhost) for a seq range of a
 * stream.
 *
 * <h2>The call</h2>
 * A {@code GET} of the URL template ({@code seqaudit.replay.http.url}, placeholders see {@link UrlTemplate}), with
 * the headers {@code Idempotency-Key: <replay id>} and {@code Accept: application/json}. GET because the call only
 * reads: the callback must not publish anything itself. The replay id is deterministic for (stream, range), so the
 * same key comes again when the replayer retries or resumes a replay; the callback may use it to log or to cache.
 *
 * <h2>The answer</h2>
 * Status 200 with a JSON body:
 * <pre>{@code
 * {"records": [{"seq": 5, "keyBase64": "b3JkZXItNDI=", "valueBase64": "eyJ0b3RhbCI6MTJ9",
 *               "headers": {"content-type": "YXBwbGljYXRpb24vanNvbg=="}}],
 *  "missing": [7, 8]}
 * }</pre>
 * <ul>
 * <li>{@code records} (required, may be empty): the records the application holds, in any order, each seq at most
 * once and inside the requested range ({@code fromSeq..toSeq}, inclusive).
 * <li>{@code seq} (required): an integer.
 * <li>{@code valueBase64} (required): the value in standard base64; {@code null} for a tombstone.
 * <li>{@code keyBase64} (optional): the key in standard base64. Left out or {@code null}: the requested stream's key
 * (also for the null key). Given, it must equal the requested key.
 * <li>{@code headers} (optional): the application's own headers, name to standard base64 value ({@code null} for a
 * header without value). Headers named {@code seqaudit-*} are dropped: the replayer sets them from the stream.
 * <li>{@code missing} (optional): seqs the application does not have. A seq of the range neither returned nor listed
 * counts as missing too; a listed seq must lie in the range and must not also be returned.
 * </ul>
 * Unknown fields are ignored. Any other violation rejects the whole answer with a {@link ReplaySourceException}
 * that names it (not retried here: the same callback would give the same answer).
 *
 * <h2>Failures</h2>
 * Each attempt has {@code seqaudit.replay.http.timeout} from connecting to the last byte. A connection error, a
 * timeout, 5xx and 429 are retried, up to {@code max-attempts} attempts in all, after a pause of {@code backoff}
 * that doubles each time, capped at {@code max-backoff}; a {@code Retry-After} (seconds or HTTP date) lengthens the
 * pause, also up to {@code max-backoff}. Then a {@link ReplaySourceException} with the last error. Any other status
 * (4xx, 3xx: redirects are not followed, 2xx other than 200) fails at once.
 */
public final class HttpReplaySource implements ReplaySource {

    /** The source's name in configuration. */
    public static final String NAME = "http";

    private static final int ERROR_BODY_SHOWN = 300;

    /**
     * The settings, as in {@link SeqauditConfig.Replay.Http}.
     *
     * @param urlTemplate the callback's URL template
     * @param timeout the longest one attempt may take
     * @param maxAttempts attempts per fetch, at least 1
     * @param backoff the first pause between attempts, doubling
     * @param maxBackoff the longest pause, also the cap on {@code Retry-After}
     */
    public record Settings(String urlTemplate, Duration timeout, int maxAttempts, Duration backoff,
            Duration maxBackoff) {

        public Settings {
            if (timeout == null || timeout.isNegative() || timeout.isZero()) {
                throw new IllegalArgumentException("seqaudit.replay.http.timeout must be positive, not " + timeout);
            }
            if (maxAttempts < 1) {
                throw new IllegalArgumentException("seqaudit.replay.http.max-attempts must be at least 1, not "
                        + maxAttempts);
            }
            if (backoff == null || backoff.isNegative() || maxBackoff == null || maxBackoff.compareTo(backoff) < 0) {
                throw new IllegalArgumentException("seqaudit.replay.http.backoff (" + backoff
                        + ") must be 0 or more and at most seqaudit.replay.http.max-backoff (" + maxBackoff + ")");
            }
        }

        /** The configured settings; the URL is required. */
        public static Settings from(SeqauditConfig.Replay.Http c) {
            String url = c.url().filter(u -> !u.isBlank()).orElseThrow(() -> new IllegalArgumentException(
                    "seqaudit.replay.source=http needs seqaudit.replay.http.url (env SEQAUDIT_REPLAY_HTTP_URL), "
                            + "the callback's URL template"));
            return new Settings(url, c.timeout(), c.maxAttempts(), c.backoff(), c.maxBackoff());
        }
    }

    private final Settings settings;
    private final UrlTemplate template;
    private final HttpClient client;

    /** @throws IllegalArgumentException if the URL template is not valid */
    public HttpReplaySource(Settings settings) {
        this.settings = settings;
        try {
            this.template = new UrlTemplate(settings.urlTemplate());
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("seqaudit.replay.http.url: " + e.getMessage(), e);
        }
        this.client = HttpClient.newBuilder()
                .version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(settings.timeout())
                .followRedirects(HttpClient.Redirect.NEVER)
                .build();
    }

    @Override
    public String name() {
        return NAME;
    }

    /** The callback without its query string, for logs. */
    public String describe() {
        return template.describe();
    }

    @Override
    public Fetched fetch(Request r) throws ReplaySourceException {
        SourceAnswers.checkRequest(r);
        URI uri = template.uri(r);
        HttpRequest request = HttpRequest.newBuilder(uri)
                .GET()
                .timeout(settings.timeout())
                .header("Idempotency-Key", r.replayId())
                .header("Accept", "application/json")
                .build();
        String where = "the http replay source (" + template.describe() + ")";
        String lastError = null;
        Exception lastCause = null;
        Duration pause = settings.backoff();
        for (int attempt = 1; attempt <= settings.maxAttempts(); attempt++) {
            Duration retryAfter = Duration.ZERO;
            try {
                HttpResponse<byte[]> response = send(request);
                int status = response.statusCode();
                if (status == 200) {
                    return CallbackAnswer.parse(r, response.body(), where);
                }
                String error = where + " answered HTTP " + status + shown(response.body());
                if (status < 500 && status != 429) {
                    throw new ReplaySourceException(error);
                }
                lastError = error;
                lastCause = null;
                retryAfter = retryAfter(response);
            } catch (HttpTimeoutException | TimeoutException e) {
                lastError = where + " did not answer within " + settings.timeout();
                lastCause = e;
            } catch (IOException e) {
                lastError = where + " is unreachable: " + e;
                lastCause = e;
            }
            if (attempt < settings.maxAttempts()) {
                pause(max(pause, retryAfter), where);
                pause = min(pause.multipliedBy(2), settings.maxBackoff());
            }
        }
        throw new ReplaySourceException("gave up after " + settings.maxAttempts() + " attempts: " + lastError,
                lastCause);
    }

    /** One attempt, bounded by the timeout from connecting to the last byte of the body. */
    private HttpResponse<byte[]> send(HttpRequest request)
            throws IOException, TimeoutException, ReplaySourceException {
        CompletableFuture<HttpResponse<byte[]>> future = client.sendAsync(request,
                HttpResponse.BodyHandlers.ofByteArray());
        try {
            return future.get(settings.timeout().toNanos(), TimeUnit.NANOSECONDS);
        } catch (TimeoutException e) {
            future.cancel(true);
            throw e;
        } catch (InterruptedException e) {
            future.cancel(true);
            Thread.currentThread().interrupt();
            throw new ReplaySourceException("interrupted while fetching from the http replay source", e);
        } catch (ExecutionException e) {
            Throwable cause = e.getCause();
            if (cause instanceof IOException io) {
                throw io; // includes HttpConnectTimeoutException and HttpTimeoutException
            }
            throw new IOException(String.valueOf(cause), cause);
        }
    }

    private void pause(Duration d, String where) throws ReplaySourceException {
        Duration capped = min(d, settings.maxBackoff());
        if (capped.isZero()) {
            return;
        }
        try {
            Thread.sleep(capped.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ReplaySourceException("interrupted while waiting to retry " + where, e);
        }
    }

    /** The pause a 429 or 5xx asks for in {@code Retry-After} (delta-seconds or an HTTP date), or zero. */
    static Duration retryAfter(HttpResponse<?> response) {
        Optional<String> header = response.headers().firstValue("Retry-After").map(String::strip);
        if (header.isEmpty()) {
            return Duration.ZERO;
        }
        String v = header.get();
        try {
            if (v.chars().allMatch(Character::isDigit)) {
                return v.length() > 9 ? Duration.ofSeconds(999_999_999) : Duration.ofSeconds(Long.parseLong(v));
            }
            Duration until = Duration.between(Instant.now(),
                    ZonedDateTime.parse(v, DateTimeFormatter.RFC_1123_DATE_TIME).toInstant());
            return until.isNegative() ? Duration.ZERO : until;
        } catch (DateTimeParseException | NumberFormatException e) {
            return Duration.ZERO; // an unreadable Retry-After: the ordinary backoff applies
        }
    }

    private static String shown(byte[] body) {
        if (body == null || body.length == 0) {
            return "";
        }
        String text = new String(body, 0, Math.min(body.length, ERROR_BODY_SHOWN * 4), StandardCharsets.UTF_8)
                .replaceAll("\\p{Cntrl}+", " ").strip();
        if (text.length() > ERROR_BODY_SHOWN) {
            text = text.substring(0, ERROR_BODY_SHOWN) + "...";
        }
        return text.isEmpty() ? "" : ": " + text;
    }

    private static Duration max(Duration a, Duration b) {
        return a.compareTo(b) >= 0 ? a : b;
    }

    private static Duration min(Duration a, Duration b) {
        return a.compareTo(b) <= 0 ? a : b;
    }
}
