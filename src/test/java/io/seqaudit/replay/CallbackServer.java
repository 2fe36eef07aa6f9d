package io.seqaudit.replay;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.any;
import static com.github.tomakehurst.wiremock.client.WireMock.anyUrl;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.options;

import com.github.tomakehurst.wiremock.WireMockServer;
import com.github.tomakehurst.wiremock.client.ResponseDefinitionBuilder;
import com.github.tomakehurst.wiremock.http.HttpHeader;
import com.github.tomakehurst.wiremock.stubbing.Scenario;
import com.github.tomakehurst.wiremock.stubbing.ServeEvent;
import com.github.tomakehurst.wiremock.verification.LoggedRequest;
import java.net.URI;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A WireMock server on an ephemeral port of 127.0.0.1 playing the application's replay callback: it answers the
 * scripted replies in order (a WireMock scenario, one state per reply; the last one again once the script is used
 * up) and records every request it got. Not thread-safe to script; WireMock serves from its own threads.
 */
final class CallbackServer implements AutoCloseable {

    /** How long a hanging reply is held back: longer than any timeout the tests give the source. */
    private static final int HANG_MILLIS = 30_000;
    private static final String SCRIPT = "script";

    /** One scripted reply; {@code hang} holds the answer back (until the server is closed). */
    record Reply(int status, Map<String, String> headers, String body, boolean hang) {

        static Reply json(String body) {
            return new Reply(200, Map.of("Content-Type", "application/json"), body, false);
        }

        static Reply status(int status, String body) {
            return new Reply(status, Map.of(), body, false);
        }

        static Reply status(int status, String body, String retryAfter) {
            return new Reply(status, Map.of("Retry-After", retryAfter), body, false);
        }

        static Reply hanging() {
            return new Reply(200, Map.of(), "{\"records\":[]}", true);
        }

        ResponseDefinitionBuilder response() {
            ResponseDefinitionBuilder b = aResponse().withStatus(status).withBody(body);
            headers.forEach(b::withHeader);
            return hang ? b.withFixedDelay(HANG_MILLIS) : b;
        }
    }

    /** What the server received; {@code atNanos} from WireMock's log (millisecond precision). */
    record Received(URI uri, String rawPath, String rawQuery, String method, Map<String, List<String>> headers,
            long atNanos) {

        String header(String name) {
            return headers.entrySet().stream().filter(e -> e.getKey().equalsIgnoreCase(name))
                    .map(e -> e.getValue().get(0)).findFirst().orElse(null);
        }
    }

    private final WireMockServer server;

    CallbackServer(Reply... replies) {
        server = new WireMockServer(options().bindAddress("127.0.0.1").dynamicPort());
        server.start();
        if (replies.length == 0) {
            server.stubFor(any(anyUrl()).willReturn(Reply.status(500, "no reply scripted").response()));
        }
        for (int i = 0; i < replies.length; i++) {
            String state = i == 0 ? Scenario.STARTED : "reply-" + i;
            String next = i == replies.length - 1 ? state : "reply-" + (i + 1);
            server.stubFor(any(anyUrl()).inScenario(SCRIPT).whenScenarioStateIs(state)
                    .willReturn(replies[i].response()).willSetStateTo(next));
        }
    }

    /** {@code http://127.0.0.1:<port>} */
    String base() {
        return "http://127.0.0.1:" + server.port();
    }

    /** The requests in the order they came. */
    List<Received> received() {
        List<Received> out = new ArrayList<>();
        List<ServeEvent> events = new ArrayList<>(server.getAllServeEvents());
        Collections.reverse(events); // WireMock lists the newest first
        for (ServeEvent e : events) {
            LoggedRequest r = e.getRequest();
            URI uri = URI.create(r.getUrl());
            Map<String, List<String>> headers = new LinkedHashMap<>();
            for (HttpHeader h : r.getHeaders().all()) {
                headers.put(h.key(), h.values());
            }
            out.add(new Received(uri, uri.getRawPath(), uri.getRawQuery(), r.getMethod().getName(), headers,
                    r.getLoggedDate().getTime() * 1_000_000L));
        }
        return out;
    }

    @Override
    public void close() {
        server.stop();
    }
}
