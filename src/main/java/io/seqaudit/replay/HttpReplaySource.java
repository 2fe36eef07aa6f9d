package io.seqaudit.replay;

import io.seqaudit.config.SeqauditConfig;
import io.smallrye.faulttolerance.api.CustomBackoffStrategy;
import io.smallrye.faulttolerance.api.TypedGuard;
import jakarta.ws.rs.ProcessingException;
import jakarta.ws.rs.client.Client;
import jakarta.ws.rs.client.ClientBuilder;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.eclipse.microprofile.faulttolerance.exceptions.TimeoutException;
import org.jboss.resteasy.reactive.client.impl.ClientBuilderImpl;

/**
 * The {@code http} source: asks the application's callback (in a pod, usually on localhost) for a seq range of a
 * stream.
 *
 * <h2>The call</h2>
 * A {@code GET} of the URL template ({@code seqaudit.replay.http.url}, placeholders see {@link CallbackUri}), with
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
 *
 * <h2>Built on</h2>
 * The Quarkus REST Client through its Jakarta REST client API ({@link Client}): the operator's template makes the
 * whole URL, path and query, which neither {@code @RegisterRestClient} nor {@code QuarkusRestClientBuilder} (a base
 * URL and a fixed {@code @Path}) can take. Retry, backoff and the per-attempt timeout are a SmallRye Fault Tolerance
 * {@link TypedGuard}; the backoff is a {@link CustomBackoffStrategy} because it also honours {@code Retry-After},
 * which the library's own backoffs do not read. Fetches block the calling thread (the replayer's scheduler worker),
 * pauses included. Thread-safe.
 */
public final class HttpReplaySource implements ReplaySource, AutoCloseable {

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
    private final CallbackUri template;
    private final String where;
    /** Made at the first fetch; guarded by {@code this}. */
    private Callback callback;

    /**
     * The REST client and the guard around it. Made at the first fetch, not here: SmallRye Fault Tolerance's
     * programmatic API reaches its timer and metrics through the CDI container, which runs by then, while the
     * settings are checked here without one (also by tests that build sources from configuration alone).
     */
    private record Callback(Client client, TypedGuard<Fetched> guard) {
    }

    /** @throws IllegalArgumentException if the URL template is not valid */
    public HttpReplaySource(Settings settings) {
        this.settings = settings;
        try {
            this.template = new CallbackUri(settings.urlTemplate());
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("seqaudit.replay.http.url: " + e.getMessage(), e);
        }
        this.where = "the http replay source (" + template.describe() + ")";
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
        Callback c = callback();
        try {
            return c.guard().call(() -> attempt(c.client(), uri, r));
        } catch (ReplaySourceException e) {
            throw e;
        } catch (Unanswered e) {
            throw new ReplaySourceException(gaveUp(e.getMessage()), e.getCause());
        } catch (TimeoutException e) {
            throw new ReplaySourceException(gaveUp(where + " did not answer within " + settings.timeout()), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ReplaySourceException("interrupted while fetching from " + where, e);
        } catch (Exception e) {
            throw new ReplaySourceException(where + " failed: " + e, e);
        }
    }

    private String gaveUp(String lastError) {
        return "gave up after " + settings.maxAttempts() + " attempts: " + lastError;
    }

    /** One attempt: the answer, or {@link Unanswered} (retried), or a {@link ReplaySourceException} (not retried). */
    private Fetched attempt(Client client, URI uri, Request r) throws ReplaySourceException, Unanswered {
        Response response;
        try {
            response = client.target(uri).request(MediaType.APPLICATION_JSON_TYPE)
                    .header("Idempotency-Key", r.replayId()).get();
        } catch (ProcessingException e) {
            throw new Unanswered(where + " is unreachable: " + (e.getCause() == null ? e : e.getCause()),
                    Duration.ZERO, e);
        }
        try (response) {
            int status = response.getStatus();
            byte[] body = response.hasEntity() ? response.readEntity(byte[].class) : new byte[0];
            if (status == 200) {
                return CallbackAnswer.parse(r, body, where);
            }
            String error = where + " answered HTTP " + status + shown(body);
            if (status < 500 && status != 429) {
                throw new ReplaySourceException(error);
            }
            throw new Unanswered(error, retryAfter(response.getHeaderString("Retry-After")), null);
        }
    }

    private synchronized Callback callback() {
        if (callback == null) {
            callback = new Callback(client(), guard());
        }
        return callback;
    }

    private Client client() {
        long ms = settings.timeout().toMillis();
        ClientBuilder b = ClientBuilder.newBuilder().connectTimeout(ms, TimeUnit.MILLISECONDS)
                .readTimeout(ms, TimeUnit.MILLISECONDS);
        if (b instanceof ClientBuilderImpl quarkus) {
            quarkus.followRedirects(false); // a redirect is an answer other than 200: it fails the fetch
        }
        return b.build();
    }

    private TypedGuard<Fetched> guard() {
        // Long enough never to cut the attempts short: each attempt is bounded by the timeout, each pause by
        // max-backoff; the library's default (3 minutes) would end a slow configuration early.
        Duration longest = settings.timeout().plus(settings.maxBackoff()).multipliedBy(settings.maxAttempts())
                .plusMinutes(1);
        return TypedGuard.create(Fetched.class)
                .withRetry()
                    .maxRetries(settings.maxAttempts() - 1)
                    .delay(settings.backoff().toMillis(), ChronoUnit.MILLIS)
                    .jitter(0, ChronoUnit.MILLIS)
                    .maxDuration(longest.toMillis(), ChronoUnit.MILLIS)
                    .retryOn(List.<Class<? extends Throwable>>of(Unanswered.class, TimeoutException.class))
                    .abortOn(ReplaySourceException.class)
                    .withCustomBackoff().strategy(Backoff::new).done()
                .done()
                .withTimeout().duration(settings.timeout().toMillis(), ChronoUnit.MILLIS).done()
                .build();
    }

    @Override
    public synchronized void close() {
        if (callback != null) {
            callback.client().close();
        }
    }

    /**
     * The pause before the next attempt: {@code backoff}, doubling after each, or longer if the callback asked for
     * it ({@code Retry-After}), never more than {@code max-backoff}. One per fetch (the library asks the supplier).
     */
    private final class Backoff implements CustomBackoffStrategy {

        private Duration next = settings.backoff();

        @Override
        public long nextDelayInMillis(Throwable failure) {
            Duration asked = failure instanceof Unanswered u ? u.retryAfter : Duration.ZERO;
            Duration pause = min(max(next, asked), settings.maxBackoff());
            next = min(next.multipliedBy(2), settings.maxBackoff());
            return pause.toMillis();
        }
    }

    /** An attempt that may succeed when repeated: unreachable, 5xx or 429 (with the pause the callback asked for). */
    private static final class Unanswered extends Exception {

        private final transient Duration retryAfter;

        Unanswered(String message, Duration retryAfter, Throwable cause) {
            super(message, cause, false, false);
            this.retryAfter = retryAfter;
        }
    }

    /**
     * The pause a 429 or 5xx asks for in {@code Retry-After} (delta-seconds or an HTTP date), or zero. By hand:
     * neither the REST client nor Fault Tolerance reads this header.
     */
    static Duration retryAfter(String header) {
        if (header == null || header.isBlank()) {
            return Duration.ZERO;
        }
        String v = header.strip();
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
